//! Mumara Campaigns `POST /api/addUser`.
//!
//! Faithful to `shared/protocols/mumara.md` and the seed:
//! - JSON body (a form body is read too, as Laravel does; any other body has no fields),
//!   `Authorization: Bearer <key>`; `?api_token=` in the URL is ignored (V1 only), so a
//!   request authenticated that way is 401;
//! - keys: `sandbox-key` (may add users), `sandbox-key-noperm` (403); anything else 401;
//! - answers `{"status":"error"|"success","result":...}` with HTTP 200 for every
//!   business error; field errors are an object of field -> messages;
//!   ``"Error: Package doesn`t exsit"`` keeps the upstream typo;
//! - a per-key fixed-window rate limit (Laravel `throttle`): every answer but the 502 page
//!   carries `X-RateLimit-Limit` / `X-RateLimit-Remaining`; over the limit 429
//!   `{"message":"Too Many Attempts."}` with `Retry-After` and `X-RateLimit-Reset`.
//!
//! Sandbox choices:
//! - the limiter runs first, keyed by whatever key was presented (even none or a wrong
//!   one), so every answer has the headers; a 429 does nothing else and is not an
//!   `add_calls`;
//! - then the call is counted (`add_calls`) and the first fault whose "every N" divides
//!   the count wins: `drop_every` (closed, nothing done), `http502_every` (HTML 502 as
//!   from a proxy, no rate-limit headers, nothing done), `http503_every` (503 page, no
//!   rate-limit headers), `csrf_every` (419); then `refuse_key` refuses every key (401
//!   JSON or 302 to `/login` as Laravel's handler chooses, 200 `status: error` naming
//!   the token, 403); then `http500_every` (Laravel's 500 page), `status_error_every`
//!   (`status: error`, a message nobody knows); otherwise: key
//!   (401/403), fields, package, `user_limit`, duplicate e-mail (case-insensitive),
//!   created (with `validation: "laravel"`, field, package and e-mail problems are one
//!   422 in Laravel's shape); last, whatever the call did, `lost_answer_every` (closed),
//!   `http500_after_insert_every` or `http503_after_insert_every` (the page instead of
//!   the answer);
//! - Laravel's `expectsJson()` decides the form of a 401 or 419: JSON when `Accept`'s
//!   first type is JSON (or an XHR accepting anything), else a redirect or a page;
//! - invalid-field messages are the sandbox's own wording in the seed's style;
//! - `response.id` is the new user's id (from 2 on); `response.user_id` is always 1, the
//!   account that owns the API key; `time_zone` imitates the seed's odd `+5:+00` form.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, HOST, LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::ser::Serialize;
use serde_json::{json, Map, Value};

mod pages;
mod validate;

pub use pages::*;
use validate::*;
pub use validate::{valid_email, valid_ip_list, valid_timezone};

use crate::config::{RefuseKey, RetryAfter, Validation};
use crate::faults::Fault;
use crate::form::parse_form;
use crate::ratelimit::Verdict;
use crate::server::{close_without_answer, ConnKill};
use crate::state::{App, MumaraUser, Shared, MUMARA_OWNER_ID};
use crate::util::{http_date, unix_millis, unix_now, utc_datetime};

/// The key with every permission.
pub const KEY: &str = "sandbox-key";
/// A valid key whose role may not add users.
pub const KEY_NO_PERMISSION: &str = "sandbox-key-noperm";

const MAX_BODY: usize = 8 * 1024 * 1024;

/// What `refuse_key: "status_error"` answers in `result`.
pub const INVALID_TOKEN_MESSAGE: &str = "Error: Invalid API token.";

/// What `status_error_every` answers in `result`: a message no client can classify.
pub const UNRECOGNISED_MESSAGE: &str = "Error: Request could not be processed (code 0x1f).";

const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// What to answer.
#[derive(Debug)]
enum Reply {
    Json(StatusCode, String),
    /// An HTML page with this status (with the rate-limit headers when the `Done` has a
    /// verdict: the answer went through the throttle middleware).
    Html(StatusCode, String),
    /// 302 to this absolute URL (Laravel's `redirect()->guest(route('login'))`).
    Redirect(String),
    BadGateway,
    Close,
}

/// A reply, the limiter's verdict (for the headers) and the outcome for the log line.
struct Done {
    reply: Reply,
    verdict: Option<Verdict>,
    outcome: String,
}

/// What Laravel reads from the request headers to choose an answer's form.
#[derive(Debug, Clone, Default)]
struct Asks {
    /// `Request::expectsJson()`: an XHR accepting anything, or an `Accept` whose first
    /// type is JSON (`/json` or `+json`).
    json: bool,
    /// `Host`, for the absolute `Location` of a redirect.
    host: String,
}

impl Asks {
    fn read(headers: &HeaderMap) -> Asks {
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let accept = header(ACCEPT.as_str());
        let first = accept
            .split(',')
            .next()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let wants_json = first.contains("/json") || first.contains("+json");
        let ajax = header("x-requested-with").eq_ignore_ascii_case("XMLHttpRequest");
        let accepts_any = first.is_empty() || first == "*/*" || first == "*";
        Asks {
            json: wants_json || (ajax && accepts_any),
            host: header(HOST.as_str()),
        }
    }

    fn login_url(&self) -> String {
        format!("http://{}/login", self.host)
    }
}

/// `POST /api/addUser`.
pub async fn add_user(State(app): State<App>, request: Request) -> Response {
    if request.method() != Method::POST {
        let method = request.method().clone();
        app.log(format!("[mumara] {method} /api/addUser -> 405"));
        let body = json!({
            "message": format!(
                "The {method} method is not supported for route api/addUser. Supported methods: POST."
            )
        });
        let mut response = json_response(StatusCode::METHOD_NOT_ALLOWED, body.to_string());
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let kill = request.extensions().get::<ConnKill>().cloned();
    crate::faults::pause(app.config().mumara.faults.latency_ms).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let key = bearer(&parts.headers);
    let asks = Asks::read(&parts.headers);
    let input = read_input(&parts.headers, &body);
    let (done, retry_after) = {
        let mut shared = app.lock();
        let done = handle(&mut shared, key.as_deref(), &asks, &input);
        (done, shared.config.mumara.retry_after_format)
    };
    app.log(format!("[mumara] POST /api/addUser -> {}", done.outcome));
    render(done, retry_after, kill).await
}

/// `GET /login`: the page a refused request is redirected to.
pub async fn login_page(State(app): State<App>, request: Request) -> Response {
    app.log(format!(
        "[mumara] {} /login -> login page",
        request.method()
    ));
    match *request.method() {
        Method::GET | Method::HEAD => Html(LOGIN_PAGE).into_response(),
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, key) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("Bearer") && !key.trim().is_empty())
        .then(|| key.trim().to_string())
}

/// The request's fields: a JSON object body, or a form; anything else has none.
fn read_input(headers: &HeaderMap, body: &[u8]) -> Map<String, Value> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if content_type.is_some_and(|c| c.to_ascii_lowercase().contains("json")) {
        return match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
    }
    parse_form(content_type, body)
        .map(|form| {
            form.into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        })
        .unwrap_or_default()
}

async fn render(done: Done, retry_after: RetryAfter, kill: Option<ConnKill>) -> Response {
    let mut response = match done.reply {
        Reply::Close => return close_without_answer(kill).await,
        Reply::BadGateway => {
            return (StatusCode::BAD_GATEWAY, Html(BAD_GATEWAY_PAGE)).into_response()
        }
        Reply::Html(status, page) => (status, Html(page)).into_response(),
        Reply::Redirect(location) => {
            let page = format!(
                "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n<title>Redirecting to {location}</title>\n</head>\n<body>\nRedirecting to <a href=\"{location}\">{location}</a>.\n</body>\n</html>"
            );
            let mut response = (StatusCode::FOUND, Html(page)).into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(LOCATION, value);
            }
            response
        }
        Reply::Json(status, body) => json_response(status, body),
    };
    let headers = response.headers_mut();
    match done.verdict {
        Some(Verdict::Allowed { limit, remaining }) => {
            headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(limit));
            headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(remaining));
        }
        Some(Verdict::Limited {
            limit,
            retry_after: seconds,
            reset_unix,
        }) => {
            headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(limit));
            headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(0u64));
            let value = match retry_after {
                RetryAfter::Seconds => HeaderValue::from(seconds),
                RetryAfter::HttpDate => HeaderValue::from_str(&http_date(reset_unix))
                    .unwrap_or_else(|_| HeaderValue::from(seconds)),
            };
            headers.insert(RETRY_AFTER, value);
            headers.insert(X_RATELIMIT_RESET, HeaderValue::from(reset_unix));
        }
        None => {}
    }
    response
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `{"status": ..., "result": ..., "response": ...}` in that order.
#[derive(serde::Serialize)]
struct Answer<'a, R: Serialize> {
    status: &'a str,
    result: R,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Created<'a>>,
}

/// The created user, shaped as in the seed's example.
#[derive(serde::Serialize)]
struct Created<'a> {
    name: &'a str,
    email: &'a str,
    login_ips: Option<&'a str>,
    role: &'a str,
    is_client: u8,
    user_id: u64,
    time_zone: String,
    package_id: i64,
    role_id: u8,
    updated_at: &'a str,
    created_at: &'a str,
    id: u64,
}

fn status_word(shared: &Shared, success: bool) -> &'static str {
    match (success, shared.config.mumara.status_capitalized) {
        (true, false) => "success",
        (true, true) => "Success",
        (false, false) => "error",
        (false, true) => "Error",
    }
}

fn answer<R: Serialize>(status: &str, result: R, response: Option<Created>) -> String {
    serde_json::to_string(&Answer {
        status,
        result,
        response,
    })
    .unwrap_or_default()
}

fn handle(shared: &mut Shared, key: Option<&str>, asks: &Asks, input: &Map<String, Value>) -> Done {
    let knobs = shared.config.mumara.clone();
    let verdict = shared.mumara.limiter.check_laravel(
        key.unwrap_or(""),
        knobs.rate_limit,
        knobs.rate_window_ms,
        unix_millis(),
    );
    if let Verdict::Limited { retry_after, .. } = verdict {
        shared.mumara.rate_limited += 1;
        return Done {
            reply: Reply::Json(
                StatusCode::TOO_MANY_REQUESTS,
                json!({ "message": "Too Many Attempts." }).to_string(),
            ),
            verdict: Some(verdict),
            outcome: format!("429 rate limited (Retry-After {retry_after} s)"),
        };
    }
    shared.mumara.add_calls += 1;
    if let Some(email) = input.get("email").and_then(Value::as_str) {
        *shared
            .mumara
            .add_calls_by_email
            .entry(email.trim().to_lowercase())
            .or_default() += 1;
    }
    let n = shared.mumara.add_calls;
    let hits = |fault: Fault| knobs.faults.hits(fault, n);
    let faults = &mut shared.mumara.faults;
    let fault = |reply: Reply, throttled: bool, outcome: &str| Done {
        reply,
        verdict: throttled.then(|| verdict.clone()),
        outcome: outcome.to_string(),
    };
    let page =
        |code: StatusCode, title: &str| Reply::Html(code, laravel_error_page(code.as_u16(), title));
    if hits(Fault::Drop) {
        faults.drop += 1;
        return fault(Reply::Close, false, "fault drop_every: closed, not created");
    }
    if hits(Fault::Http502) {
        faults.http502 += 1;
        return fault(
            Reply::BadGateway,
            false,
            "fault http502_every: HTTP 502, not created",
        );
    }
    if hits(Fault::Http503) {
        faults.http503 += 1;
        return fault(
            page(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            false,
            "fault http503_every: HTTP 503, not created",
        );
    }
    if hits(Fault::Csrf) {
        faults.csrf += 1;
        let reply = if asks.json {
            Reply::Json(
                PAGE_EXPIRED,
                json!({ "message": "CSRF token mismatch." }).to_string(),
            )
        } else {
            page(PAGE_EXPIRED, "Page Expired")
        };
        return fault(reply, true, "fault csrf_every: 419, not created");
    }
    if let Some(refusal) = knobs.refuse_key {
        faults.refused_key += 1;
        let json401 = || {
            Reply::Json(
                StatusCode::UNAUTHORIZED,
                json!({ "message": "Unauthenticated." }).to_string(),
            )
        };
        let reply = match refusal {
            RefuseKey::Laravel if asks.json => json401(),
            RefuseKey::Json401 => json401(),
            RefuseKey::Laravel | RefuseKey::Redirect => Reply::Redirect(asks.login_url()),
            RefuseKey::StatusError => Reply::Json(
                StatusCode::OK,
                answer(status_word(shared, false), INVALID_TOKEN_MESSAGE, None),
            ),
            RefuseKey::Forbidden => Reply::Json(
                StatusCode::FORBIDDEN,
                json!({ "message": "This action is unauthorized." }).to_string(),
            ),
        };
        return fault(reply, true, &format!("refuse_key {refusal:?}: not created"));
    }
    if hits(Fault::Http500) {
        faults.http500 += 1;
        return fault(
            page(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"),
            true,
            "fault http500_every: HTTP 500, not created",
        );
    }
    if hits(Fault::StatusError) {
        faults.status_error += 1;
        let body = answer(status_word(shared, false), UNRECOGNISED_MESSAGE, None);
        return fault(
            Reply::Json(StatusCode::OK, body),
            true,
            "fault status_error_every: status error, not created",
        );
    }
    let (status, body, outcome) = add(shared, key, input);
    let faults = &mut shared.mumara.faults;
    if hits(Fault::LostAnswer) {
        faults.lost_answer += 1;
        return fault(
            Reply::Close,
            false,
            &format!("fault lost_answer_every: {outcome}, then closed"),
        );
    }
    if hits(Fault::Http500AfterInsert) {
        faults.http500_after_insert += 1;
        return fault(
            page(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"),
            true,
            &format!("fault http500_after_insert_every: {outcome}, then HTTP 500"),
        );
    }
    if hits(Fault::Http503AfterInsert) {
        faults.http503_after_insert += 1;
        return fault(
            page(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            false,
            &format!("fault http503_after_insert_every: {outcome}, then HTTP 503"),
        );
    }
    Done {
        reply: Reply::Json(status, body),
        verdict: Some(verdict),
        outcome,
    }
}

/// Laravel's status for a CSRF token mismatch (not in `http::StatusCode`'s names).
const PAGE_EXPIRED: StatusCode = match StatusCode::from_u16(419) {
    Ok(code) => code,
    Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
};

/// The add itself, once past the limiter and the faults.
fn add(
    shared: &mut Shared,
    key: Option<&str>,
    input: &Map<String, Value>,
) -> (StatusCode, String, String) {
    let error = status_word(shared, false);
    let laravel = shared.config.mumara.validation == Validation::Laravel;
    match key {
        Some(KEY) => {}
        Some(KEY_NO_PERMISSION) => {
            let body = answer(
                error,
                "Error: You do not have permission to perform this action.",
                None,
            );
            return (
                StatusCode::FORBIDDEN,
                body,
                "403 (key without permission)".into(),
            );
        }
        Some(_) => {
            let body = answer(error, "Unauthenticated.", None);
            return (StatusCode::UNAUTHORIZED, body, "401 (unknown key)".into());
        }
        None => {
            let body = answer(error, "Unauthenticated.", None);
            return (StatusCode::UNAUTHORIZED, body, "401 (no Bearer key)".into());
        }
    }
    let checked = validate(input);
    if laravel {
        // Laravel runs every rule, `exists` and `unique` included, and answers them all.
        let mut errors = match &checked {
            Ok(_) => FieldErrors::default(),
            Err(errors) => FieldErrors(errors.0.clone()),
        };
        let email = text(input, "email").ok().flatten();
        if let Some(email) = email.filter(|e| valid_email(e)) {
            if shared.mumara.find(&email).is_some() {
                errors.0.push(("email", taken("email")));
            }
        }
        let package = match input.get("package_id") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        if let Some(package) = package {
            if !shared.config.mumara.packages.contains(&package) {
                errors.0.push(("package_id", unknown_package()));
            }
        }
        if !errors.0.is_empty() {
            let outcome = format!("422: fields {}", errors.fields().join(", "));
            // Laravel's order: `message` first, then `errors`.
            let body = format!(
                r#"{{"message":"The given data was invalid.","errors":{}}}"#,
                serde_json::to_string(&errors.worded(true)).unwrap_or_default()
            );
            return (StatusCode::UNPROCESSABLE_ENTITY, body, outcome);
        }
    }
    let fields = match checked {
        Ok(fields) => fields,
        Err(errors) => {
            let outcome = format!("error: fields {}", errors.fields().join(", "));
            return (
                StatusCode::OK,
                answer(error, errors.worded(false), None),
                outcome,
            );
        }
    };
    let refuse = |message: &str, why: &str| {
        (
            StatusCode::OK,
            answer(error, message, None),
            format!("error: {why}"),
        )
    };
    if !shared.config.mumara.packages.contains(&fields.package_id) {
        return refuse(
            "Error: Package doesn`t exsit",
            &format!("package {} does not exist", fields.package_id),
        );
    }
    if let Some(limit) = shared.config.mumara.user_limit {
        if shared.mumara.users.len() as u64 >= limit {
            shared.mumara.faults.user_limit += 1;
            return refuse("Error: User limit reached for your license.", "user_limit");
        }
    }
    if shared.mumara.find(&fields.email).is_some() {
        return refuse(
            "Error: User already exists.",
            &format!("{} exists", fields.email),
        );
    }
    let now = utc_datetime(unix_now());
    let user = MumaraUser {
        id: 0,
        name: fields.name,
        email: fields.email,
        password: fields.password,
        package_id: fields.package_id,
        timezone: fields.timezone,
        login_ips: fields.login_ips,
        created_at: now.clone(),
        seeded: false,
    };
    let id = shared.mumara.insert(user);
    let user = shared.mumara.users.last().expect("just inserted");
    let outcome = format!("created {} as id {id}", user.email);
    let created = fields.response.then(|| Created {
        name: &user.name,
        email: &user.email,
        login_ips: user.login_ips.as_deref(),
        role: "client",
        is_client: 1,
        user_id: MUMARA_OWNER_ID,
        time_zone: seed_style_time_zone(&user.timezone),
        package_id: user.package_id,
        role_id: 3,
        updated_at: &now,
        created_at: &now,
        id,
    });
    let body = answer(
        status_word(shared, true),
        "User has been successfully created.",
        created,
    );
    (StatusCode::OK, body, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(valid_email("david@example.com"));
        assert!(valid_email("a.b+c@localhost"));
        assert!(!valid_email("nope"));
        assert!(!valid_email("a@@b.c"));
        assert!(!valid_email("a@b..c"));
        assert!(!valid_email(".a@b.c"));
        assert!(!valid_email("a b@c.d"));
    }

    #[test]
    fn timezones() {
        for ok in ["+05:00", "-03:30", "00:00", "+14:00"] {
            assert!(valid_timezone(ok), "{ok}");
        }
        for bad in ["+5:00", "UTC", "+15:00", "05:60", "+05:00:00", ""] {
            assert!(!valid_timezone(bad), "{bad}");
        }
        assert_eq!(seed_style_time_zone("+05:00"), "+5:+00");
        assert_eq!(seed_style_time_zone("-03:30"), "-3:-30");
    }

    #[test]
    fn ip_lists() {
        assert!(valid_ip_list("192.168.1.1,192.168.1.2"));
        assert!(valid_ip_list("10.0.0.1, ::1"));
        assert!(!valid_ip_list("300.1.1.1"));
        assert!(!valid_ip_list("10.0.0.1,"));
    }

    #[test]
    fn missing_fields_in_seed_order() {
        let errors = validate(&Map::new()).unwrap_err();
        let body = serde_json::to_string(&errors.worded(false)).unwrap();
        assert_eq!(
            body,
            r#"{"email":["Error: Missing required parameter, email"],"password":["Error: Missing required parameter, password"],"name":["Error: Missing required parameter, name"],"package_id":["Error: Missing required parameter, package id"]}"#
        );
    }
}
