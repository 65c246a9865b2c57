//! Aurora (Afterlogic) Web API at the root: `POST /?/Api/` (also `/index.php?/Api/`).
//!
//! Faithful to `shared/protocols/aurora.md`:
//! - the body is read only as a form (`application/x-www-form-urlencoded` or
//!   `multipart/form-data`) with `Module`, `Method` and `Parameters` (a JSON string);
//!   a JSON body, or a form without `Module`/`Method`, is error 103;
//! - every answer is HTTP 200 JSON in the Aurora envelope; a failure has no `Result`;
//!   `Module` is `""` for errors raised before dispatch (bad request, bad token);
//! - numbers and booleans in `Parameters` must be JSON numbers and booleans (else 103);
//! - the `AuthToken` cookie wins over `Authorization: Bearer`;
//! - with `X-Client: WebClient`, login answers `{"AuthToken": true}` and puts the token in
//!   an HttpOnly cookie.
//!
//! Sandbox choices (not from the notes):
//! - `AuthenticatedUserId` is always -1 (the superadmin's id in Aurora);
//! - an unknown Module/Method is 116 (MethodAccessDenied), with the requested `Module`;
//! - a malformed `Parameters` is 103 for every method; `Core.Logout` needs no token;
//! - `PublicId` also needs a non-empty part on both sides of its `@`;
//! - `GetUsers`: `Limit` <= 0 means "all", and `TenantId` is not used to filter (one tenant);
//! - `logins` counts successful superadmin logins only.
//!
//! CreateUser, in order: the call is counted (`create_calls`); then the first fault whose
//! "every N" divides that count wins: `drop_every` (connection closed, nothing done),
//! `http500_every` (HTML 500), `result_false_every` (`Result: false`), `error0_every`
//! (`ErrorCode: 0`), none of which create anything, whatever the request held. Otherwise
//! the call is handled: `create_method_denied` (116), token (101, or 102 with
//! `token_expiry_code`), Parameters (103), `create_denied` (108), `license_limit` (115),
//! duplicate PublicId (111), created. Last, whatever the call did, the first of these
//! that divides the count changes the answer: `lost_answer_every` (closed),
//! `http500_after_insert_every` (HTML 500), `non_json_after_insert_every` (HTTP 200, a
//! PHP fatal error and no JSON), `php_notice_every` (a PHP notice, warning or
//! deprecation printed before the envelope, `text/html`).
//!
//! LoginAsSuperadmin: calls are counted (`login_calls`); with `login_fault`, calls
//! `login_fault_after + 1` to `login_fault_after + login_fault_count` are dropped or
//! answered 500 / 503, then logins work again.

use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::LoginFault;
use crate::form::parse_form;
use crate::server::{close_without_answer, ConnKill};
use crate::state::{App, AuroraUser, Shared};
use crate::util::{random_hex_token, random_uuid};

/// Bodies larger than this are not read (the call then lacks its fields: 103).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// `AuthenticatedUserId` in every envelope.
const SUPERADMIN_ID: i64 = -1;

/// What `GET /` shows: a stand-in for the webmail's login page.
pub const WEBMAIL_PAGE: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Aurora sandbox</title></head>\n<body><h1>Aurora sandbox</h1><p>This is the Roster sandbox's stand-in for an Aurora webmail. Its Web API is at <code>/?/Api/</code>.</p></body></html>\n";

/// What `http500_every` answers: what a PHP fatal error looks like.
pub const PHP_FATAL_PAGE: &str = "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to a member function getId() on null in /var/www/aurora/vendor/afterlogic/aurora-framework/src/System/Module/AbstractModule.php:1022\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/aurora/vendor/afterlogic/aurora-framework/src/System/Module/AbstractModule.php</b> on line <b>1022</b><br />\n";

/// What `non_json_after_insert_every` answers (HTTP 200): a PHP fatal error printed with
/// `display_errors` on, after the insert, so no JSON follows. PHP-FPM keeps status 200
/// when the error text has already been sent.
pub const PHP_FATAL_200: &str = "<br />\n<b>Fatal error</b>:  Maximum execution time of 30 seconds exceeded in <b>/var/www/aurora/vendor/afterlogic/aurora-module-mail/Module.php</b> on line <b>612</b><br />\n";

/// What `login_fault: "http503"` answers: the web server's page when PHP-FPM is gone.
pub const UNAVAILABLE_PAGE: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// What `php_notice_every` prints before the envelope, in turn: PHP's HTML error format
/// (`html_errors` on) for a notice, a warning and a deprecation.
pub const PHP_NOTICES: [&str; 3] = [
    "<br />\n<b>Notice</b>:  Undefined index: IsDisabled in <b>/var/www/aurora/vendor/afterlogic/aurora-module-core/Module.php</b> on line <b>1023</b><br />\n",
    "<br />\n<b>Warning</b>:  Undefined array key \"Note\" in <b>/var/www/aurora/vendor/afterlogic/aurora-module-core/Traits/Users.php</b> on line <b>349</b><br />\n",
    "<br />\n<b>Deprecated</b>:  Function create_function() is deprecated in <b>/var/www/aurora/vendor/afterlogic/aurora-framework/Api.php</b> on line <b>403</b><br />\n",
];

/// Aurora error codes the sandbox answers.
pub mod code {
    pub const MESSAGE_ONLY: i64 = 0;
    pub const INVALID_TOKEN: i64 = 101;
    pub const AUTH_ERROR: i64 = 102;
    pub const INVALID_INPUT_PARAMETER: i64 = 103;
    pub const ACCESS_DENIED: i64 = 108;
    pub const USER_ALREADY_EXISTS: i64 = 111;
    pub const LICENSE_LIMIT: i64 = 115;
    pub const METHOD_ACCESS_DENIED: i64 = 116;
}

fn error_name(code: i64) -> &'static str {
    match code {
        code::INVALID_TOKEN => "InvalidToken",
        code::AUTH_ERROR => "AuthError",
        code::INVALID_INPUT_PARAMETER => "InvalidInputParameter",
        code::ACCESS_DENIED => "AccessDenied",
        code::USER_ALREADY_EXISTS => "UserAlreadyExists",
        code::LICENSE_LIMIT => "LicenseLimit",
        code::METHOD_ACCESS_DENIED => "MethodAccessDenied",
        _ => "UnknownError",
    }
}

/// One API call as read from the request.
#[derive(Debug)]
struct Call {
    module: String,
    method: String,
    /// `None` when `Parameters` is not a JSON object; absent `Parameters` is `{}`.
    params: Option<Map<String, Value>>,
    token: Option<String>,
    web_client: bool,
}

impl Call {
    /// `None` when the body is not a form or lacks `Module` / `Method`.
    fn read(headers: &HeaderMap, body: &[u8]) -> Option<Call> {
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let mut form = parse_form(content_type, body)?;
        let module = form.remove("Module").filter(|m| !m.is_empty())?;
        let method = form.remove("Method").filter(|m| !m.is_empty())?;
        let params = match form.remove("Parameters") {
            None => Some(Map::new()),
            Some(text) if text.trim().is_empty() => Some(Map::new()),
            Some(text) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(map)) => Some(map),
                _ => None,
            },
        };
        Some(Call {
            module,
            method,
            params,
            token: auth_token(headers),
            web_client: headers
                .get("x-client")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("WebClient")),
        })
    }
}

/// The token of a request: the `AuthToken` cookie if any (the faithful quirk), else the
/// `Authorization: Bearer` header.
fn auth_token(headers: &HeaderMap) -> Option<String> {
    let from_cookie = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (name.trim() == "AuthToken").then(|| value.trim().to_string())
        })
        .filter(|t| !t.is_empty());
    from_cookie.or_else(|| {
        let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
        let (scheme, token) = value.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then(|| token.to_string())
    })
}

/// What to do with a call.
#[derive(Debug)]
enum Reply {
    /// `Result` in the envelope of the called Module/Method.
    Ok {
        result: Value,
        set_cookie: Option<String>,
    },
    /// An error envelope; `dispatched: false` (raised before dispatch) gives `Module: ""`.
    Err {
        dispatched: bool,
        code: i64,
        message: String,
    },
    /// HTTP 500 with a PHP fatal error page.
    Fatal,
    /// HTTP 200, `text/html`, a PHP fatal error and no JSON.
    FatalOk,
    /// HTTP 503 with the web server's page.
    Unavailable,
    /// This reply with PHP error text printed before it (`text/html`, as PHP's default
    /// content type stays when output starts before the JSON header is sent).
    Noisy(Box<Reply>, &'static str),
    /// Close the connection without an answer.
    Close,
}

impl Reply {
    fn ok(result: Value) -> Reply {
        Reply::Ok {
            result,
            set_cookie: None,
        }
    }

    fn err(dispatched: bool, code: i64) -> Reply {
        Reply::Err {
            dispatched,
            code,
            message: error_name(code).to_string(),
        }
    }
}

/// A reply and the outcome for the log line.
type Done = (Reply, String);

/// Success and failure both end in a reply.
fn settle(result: Result<Done, Done>) -> Done {
    match result {
        Ok(done) | Err(done) => done,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SuccessEnvelope<'a> {
    authenticated_user_id: i64,
    #[serde(rename = "@Time")]
    time: &'a str,
    module: &'a str,
    method: &'a str,
    result: &'a Value,
    subscriptions_result: Option<()>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorEnvelope<'a> {
    authenticated_user_id: i64,
    #[serde(rename = "@Time")]
    time: &'a str,
    subscriptions_result: Option<()>,
    error_code: i64,
    error_message: &'a str,
    module: &'a str,
}

/// Is the query string Aurora's `?/Api/`?
fn is_api_query(query: Option<&str>) -> bool {
    query
        .and_then(|q| q.split('&').next())
        .is_some_and(|first| first.trim_matches('/').eq_ignore_ascii_case("Api"))
}

/// `/` and `/index.php`: the webmail page, or the Web API with `?/Api/`.
pub async fn entry(State(app): State<App>, request: Request) -> Response {
    let started = Instant::now();
    if !is_api_query(request.uri().query()) {
        return match *request.method() {
            Method::GET | Method::HEAD | Method::POST => Html(WEBMAIL_PAGE).into_response(),
            _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        };
    }
    let kill = request.extensions().get::<ConnKill>().cloned();
    let http_method = request.method().clone();
    let is_post = http_method == Method::POST;
    if is_post {
        let latency = app.config().aurora.latency_ms;
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
    }
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let call = if is_post {
        Call::read(&parts.headers, &body)
    } else {
        None
    };

    let (name, (reply, outcome)) = match &call {
        Some(call) => {
            let mut shared = app.lock();
            (
                format!("{}.{}", call.module, call.method),
                dispatch(&mut shared, call),
            )
        }
        None => (
            "-".to_string(),
            (
                Reply::err(false, code::INVALID_INPUT_PARAMETER),
                "103 (no Module/Method in a form body)".to_string(),
            ),
        ),
    };
    app.log(format!(
        "[aurora] {http_method} {}?/Api/ {name} -> {outcome}",
        parts.uri.path()
    ));
    let (module, method) = call
        .as_ref()
        .map(|c| (c.module.as_str(), c.method.as_str()))
        .unwrap_or(("", ""));
    render(reply, module, method, started, kill).await
}

async fn render(
    reply: Reply,
    module: &str,
    method: &str,
    started: Instant,
    kill: Option<ConnKill>,
) -> Response {
    let time = format!("{:.4}", started.elapsed().as_secs_f64());
    let (reply, noise) = match reply {
        Reply::Noisy(inner, noise) => (*inner, Some(noise)),
        other => (other, None),
    };
    let (body, set_cookie) = match reply {
        Reply::Close => return close_without_answer(kill).await,
        Reply::Fatal => {
            return (StatusCode::INTERNAL_SERVER_ERROR, Html(PHP_FATAL_PAGE)).into_response()
        }
        Reply::FatalOk => return (StatusCode::OK, Html(PHP_FATAL_200)).into_response(),
        Reply::Unavailable => {
            return (StatusCode::SERVICE_UNAVAILABLE, Html(UNAVAILABLE_PAGE)).into_response()
        }
        Reply::Noisy(..) => unreachable!("a noisy reply is unwrapped above"),
        Reply::Ok { result, set_cookie } => (
            serde_json::to_vec(&SuccessEnvelope {
                authenticated_user_id: SUPERADMIN_ID,
                time: &time,
                module,
                method,
                result: &result,
                subscriptions_result: None,
            }),
            set_cookie,
        ),
        Reply::Err {
            dispatched,
            code,
            message,
        } => (
            serde_json::to_vec(&ErrorEnvelope {
                authenticated_user_id: SUPERADMIN_ID,
                time: &time,
                subscriptions_result: None,
                error_code: code,
                error_message: &message,
                module: if dispatched { module } else { "" },
            }),
            None,
        ),
    };
    let mut body = body.unwrap_or_default();
    if let Some(noise) = noise {
        body.splice(0..0, noise.bytes());
    }
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(if noise.is_some() {
            "text/html; charset=UTF-8"
        } else {
            "application/json; charset=utf-8"
        }),
    );
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(SET_COOKIE, cookie);
    }
    response
}

/// Handle one call against the state; also returns the outcome for the log line.
fn dispatch(shared: &mut Shared, call: &Call) -> Done {
    match (call.module.as_str(), call.method.as_str()) {
        ("AdminAuth", "LoginAsSuperadmin") => login(shared, call),
        ("Core", "CreateUser") => create_user(shared, call),
        ("Core", "GetUsers") => get_users(shared, call),
        ("Core", "GetTenants") => get_tenants(shared, call),
        ("Core", "Logout") => logout(shared, call),
        ("MailDomains", "GetDomains") => get_domains(shared, call),
        _ => failed(true, code::METHOD_ACCESS_DENIED, "not open to the Web API"),
    }
}

fn failed(dispatched: bool, code: i64, why: &str) -> Done {
    (Reply::err(dispatched, code), format!("{code} ({why})"))
}

fn bad_input(why: &str) -> Done {
    failed(true, code::INVALID_INPUT_PARAMETER, why)
}

/// The token of the call if it is known and still valid, else the 101 answer.
fn authenticate(shared: &mut Shared, call: &Call) -> Result<String, Done> {
    let Some(token) = call.token.as_deref() else {
        return Err(failed(false, code::INVALID_TOKEN, "no token"));
    };
    let limit = shared.config.aurora.token_expires_after_creates;
    match shared.aurora.tokens.get(token) {
        None => Err(failed(false, code::INVALID_TOKEN, "unknown token")),
        Some(info) if limit.is_some_and(|n| info.creates >= n) => {
            shared.aurora.faults.token_expired += 1;
            let code = shared.config.aurora.token_expiry_code;
            Err(failed(false, code, "token expired"))
        }
        Some(_) => Ok(token.to_string()),
    }
}

/// Typed access to `Parameters`: absent or `null` gives the default; a value of the
/// wrong JSON type (a string where a number belongs) is an error.
struct Params<'a>(&'a Map<String, Value>);

impl Params<'_> {
    fn int(&self, key: &str, default: i64) -> Result<i64, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => n.as_i64().ok_or_else(|| format!("{key} is not an integer")),
            Some(_) => Err(format!("{key} must be a JSON number")),
        }
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("{key} must be a JSON boolean")),
        }
    }

    fn string(&self, key: &str) -> Result<Option<&str>, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("{key} must be a JSON string")),
        }
    }
}

fn params<'a>(call: &'a Call) -> Result<Params<'a>, Done> {
    call.params
        .as_ref()
        .map(Params)
        .ok_or_else(|| bad_input("Parameters is not a JSON object"))
}

/// `^[a-zA-Z0-9._\-+@]+$` with exactly one `@` and something on both sides of it.
pub fn valid_public_id(public_id: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-+@".contains(c);
    match public_id.split_once('@') {
        Some((local, domain)) => {
            public_id.chars().all(allowed)
                && !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
        }
        None => false,
    }
}

fn login(shared: &mut Shared, call: &Call) -> Done {
    shared.aurora.login_calls += 1;
    let n = shared.aurora.login_calls;
    let knobs = &shared.config.aurora;
    if let Some(fault) = knobs.login_fault {
        let first = knobs.login_fault_after;
        if n > first && n <= first + knobs.login_fault_count {
            shared.aurora.faults.login_fault += 1;
            let reply = match fault {
                LoginFault::Drop => Reply::Close,
                LoginFault::Http500 => Reply::Fatal,
                LoginFault::Http503 => Reply::Unavailable,
            };
            return (reply, format!("fault login_fault {fault:?} (login {n})"));
        }
    }
    if shared.config.aurora.superadmin_ip_denied {
        shared.aurora.faults.superadmin_ip_denied += 1;
        return failed(true, code::ACCESS_DENIED, "superadmin IP denied");
    }
    let p = match params(call) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let (login, password) = match (p.string("Login"), p.string("Password")) {
        (Ok(l), Ok(pw)) => (l.unwrap_or(""), pw.unwrap_or("")),
        (Err(why), _) | (_, Err(why)) => return bad_input(&why),
    };
    let config = &shared.config.aurora;
    if login != config.superadmin_login || password != config.superadmin_password {
        return failed(true, code::AUTH_ERROR, "wrong credentials");
    }
    let token = random_hex_token();
    shared
        .aurora
        .tokens
        .insert(token.clone(), Default::default());
    shared.aurora.logins += 1;
    if call.web_client {
        let reply = Reply::Ok {
            result: json!({ "AuthToken": true }),
            set_cookie: Some(format!("AuthToken={token}; Path=/; HttpOnly; SameSite=Lax")),
        };
        return (reply, "ok (X-Client: WebClient: token in a cookie)".into());
    }
    (Reply::ok(json!({ "AuthToken": token })), "ok".into())
}

fn logout(shared: &mut Shared, call: &Call) -> Done {
    if let Some(token) = &call.token {
        shared.aurora.tokens.remove(token);
    }
    (Reply::ok(Value::Bool(true)), "ok".into())
}

fn create_user(shared: &mut Shared, call: &Call) -> Done {
    shared.aurora.create_calls += 1;
    let n = shared.aurora.create_calls;
    let asked_for = call
        .params
        .as_ref()
        .and_then(|p| p.get("PublicId"))
        .and_then(Value::as_str);
    if let Some(public_id) = asked_for {
        *shared
            .aurora
            .create_requests
            .entry(public_id.to_lowercase())
            .or_default() += 1;
    }
    let knobs = shared.config.aurora.clone();
    let hits = |every: Option<u64>| every.is_some_and(|every| n.is_multiple_of(every));
    let faults = &mut shared.aurora.faults;
    if hits(knobs.drop_every) {
        faults.drop += 1;
        return (Reply::Close, "fault drop_every: closed, not created".into());
    }
    if hits(knobs.http500_every) {
        faults.http500 += 1;
        return (
            Reply::Fatal,
            "fault http500_every: HTTP 500, not created".into(),
        );
    }
    if hits(knobs.result_false_every) {
        faults.result_false += 1;
        return (
            Reply::ok(Value::Bool(false)),
            "fault result_false_every: Result false, not created".into(),
        );
    }
    if hits(knobs.error0_every) {
        faults.error0 += 1;
        let reply = Reply::Err {
            dispatched: true,
            code: code::MESSAGE_ONLY,
            message: "Reserved address".into(),
        };
        return (reply, "fault error0_every: ErrorCode 0, not created".into());
    }
    let (reply, outcome) = settle(create_user_for_real(shared, call));
    let faults = &mut shared.aurora.faults;
    if hits(knobs.lost_answer_every) {
        faults.lost_answer += 1;
        return (
            Reply::Close,
            format!("fault lost_answer_every: {outcome}, then closed"),
        );
    }
    if hits(knobs.http500_after_insert_every) {
        faults.http500_after_insert += 1;
        return (
            Reply::Fatal,
            format!("fault http500_after_insert_every: {outcome}, then HTTP 500"),
        );
    }
    if hits(knobs.non_json_after_insert_every) {
        faults.non_json_after_insert += 1;
        return (
            Reply::FatalOk,
            format!("fault non_json_after_insert_every: {outcome}, then a PHP fatal error with HTTP 200"),
        );
    }
    if hits(knobs.php_notice_every) {
        let noise = PHP_NOTICES[(faults.php_notice % PHP_NOTICES.len() as u64) as usize];
        faults.php_notice += 1;
        return (
            Reply::Noisy(Box::new(reply), noise),
            format!("fault php_notice_every: {outcome}, PHP notice before the JSON"),
        );
    }
    (reply, outcome)
}

fn create_user_for_real(shared: &mut Shared, call: &Call) -> Result<Done, Done> {
    if shared.config.aurora.create_method_denied {
        shared.aurora.faults.create_method_denied += 1;
        return Err(failed(
            true,
            code::METHOD_ACCESS_DENIED,
            "create_method_denied",
        ));
    }
    let token = authenticate(shared, call)?;
    let p = params(call)?;
    let read = || -> Result<_, String> {
        let public_id = p.string("PublicId")?.unwrap_or("").to_string();
        let role = p.int("Role", 2)?;
        let tenant_id = p.int("TenantId", 0)?;
        let domain_id = p.int("DomainId", 0)?;
        let quota_bytes = p.int("QuotaBytes", 0)?;
        p.int("UserId", 0)?;
        p.boolean("WriteSeparateLog", false)?;
        p.boolean("Forced", false)?;
        let password = p.string("Password")?.unwrap_or("").to_string();
        if !valid_public_id(&public_id) {
            return Err("PublicId is not a valid address".into());
        }
        if !(0..=3).contains(&role) {
            return Err("Role must be 0..=3".into());
        }
        if quota_bytes < 0 {
            return Err("QuotaBytes must not be negative".into());
        }
        Ok(AuroraUser {
            id: 0,
            uuid: random_uuid(),
            public_id,
            role,
            tenant_id,
            quota_bytes,
            domain_id,
            password,
            seeded: false,
        })
    };
    let user = read().map_err(|why| bad_input(&why))?;
    if shared.config.aurora.create_denied {
        shared.aurora.faults.create_denied += 1;
        return Err(failed(true, code::ACCESS_DENIED, "create_denied"));
    }
    if let Some(limit) = shared.config.aurora.license_limit {
        if shared.aurora.users.len() as u64 >= limit {
            shared.aurora.faults.license_limit += 1;
            return Err(failed(true, code::LICENSE_LIMIT, "license_limit"));
        }
    }
    if shared.aurora.find(&user.public_id).is_some() {
        return Err(failed(
            true,
            code::USER_ALREADY_EXISTS,
            &format!("{} exists", user.public_id),
        ));
    }
    let public_id = user.public_id.clone();
    let id = shared.aurora.insert(user);
    if let Some(info) = shared.aurora.tokens.get_mut(&token) {
        info.creates += 1;
    }
    Ok((
        Reply::ok(json!(id)),
        format!("created {public_id} as id {id}"),
    ))
}

fn get_users(shared: &mut Shared, call: &Call) -> Done {
    settle(try_get_users(shared, call))
}

fn try_get_users(shared: &mut Shared, call: &Call) -> Result<Done, Done> {
    authenticate(shared, call)?;
    let p = params(call)?;
    let read = || -> Result<_, String> {
        p.int("TenantId", 0)?;
        Ok((
            p.int("Offset", 0)?.max(0) as usize,
            p.int("Limit", 20)?,
            p.string("Search")?.unwrap_or("").to_lowercase(),
        ))
    };
    let (offset, limit, search) = read().map_err(|why| bad_input(&why))?;
    let matches: Vec<&AuroraUser> = shared
        .aurora
        .users
        .iter()
        .filter(|u| u.public_id.to_lowercase().contains(&search))
        .collect();
    let take = if limit > 0 {
        limit as usize
    } else {
        usize::MAX
    };
    let items: Vec<Value> = matches
        .iter()
        .skip(offset)
        .take(take)
        .map(|u| {
            json!({
                "Id": u.id,
                "UUID": u.uuid,
                "Name": "",
                "PublicId": u.public_id,
                "Role": u.role,
                "IsDisabled": false,
                "Groups": [],
            })
        })
        .collect();
    let outcome = format!("ok ({} of {} matches)", items.len(), matches.len());
    Ok((
        Reply::ok(json!({ "Items": items, "Count": matches.len() })),
        outcome,
    ))
}

fn get_tenants(shared: &mut Shared, call: &Call) -> Done {
    if let Err(done) = authenticate(shared, call) {
        return done;
    }
    let result = json!({
        "Items": [{ "Id": 1, "Name": "Default", "SiteName": "" }],
        "Count": 1,
    });
    (Reply::ok(result), "ok".into())
}

fn get_domains(shared: &mut Shared, call: &Call) -> Done {
    settle(try_get_domains(shared, call))
}

fn try_get_domains(shared: &mut Shared, call: &Call) -> Result<Done, Done> {
    authenticate(shared, call)?;
    let p = params(call)?;
    let tenant_id = p.int("TenantId", 0).map_err(|why| bad_input(&why))?;
    if tenant_id == 0 {
        return Err(bad_input("TenantId must not be 0"));
    }
    let items: Vec<Value> = if tenant_id == 1 {
        shared
            .config
            .aurora
            .domains
            .iter()
            .enumerate()
            .map(|(i, domain)| {
                let suffix = format!("@{}", domain.to_lowercase());
                let users = shared
                    .aurora
                    .users
                    .iter()
                    .filter(|u| u.public_id.to_lowercase().ends_with(&suffix))
                    .count();
                json!({
                    "Id": i + 1,
                    "Name": domain,
                    "TenantId": 1,
                    "MailServerId": 1,
                    "Count": users,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let count = items.len();
    Ok((
        Reply::ok(json!({ "Items": items, "Count": count })),
        format!("ok ({count} domains)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids() {
        assert!(valid_public_id("a.b-c+d_e@example.com"));
        assert!(valid_public_id("a@localhost"));
        assert!(!valid_public_id("a@b@c"));
        assert!(!valid_public_id("no-at-sign"));
        assert!(!valid_public_id("sp ace@x.y"));
        assert!(!valid_public_id("@x.y"));
        assert!(!valid_public_id("x@"));
        assert!(!valid_public_id("ünï@x.y"));
    }

    #[test]
    fn api_query() {
        assert!(is_api_query(Some("/Api/")));
        assert!(is_api_query(Some("/Api")));
        assert!(!is_api_query(Some("foo")));
        assert!(!is_api_query(None));
    }

    #[test]
    fn cookie_wins_over_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Bearer header-token"),
        );
        assert_eq!(auth_token(&headers).as_deref(), Some("header-token"));
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=b; AuthToken=cookie-token"),
        );
        assert_eq!(auth_token(&headers).as_deref(), Some("cookie-token"));
    }
}
