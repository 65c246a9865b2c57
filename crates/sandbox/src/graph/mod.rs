//! Microsoft Graph (Entra ID) users: `POST /v1.0/users` and `GET /v1.0/users/{id | UPN}`,
//! with a pasted access token (`Authorization: Bearer`).
//!
//! Where each answer comes from:
//! - Graph's "Create user" reference (`POST /users`): the required properties are
//!   `accountEnabled`, `displayName`, `mailNickname`, `passwordProfile` and
//!   `userPrincipalName`; success is 201 with the user object. The object carries
//!   `@odata.context` (`…/v1.0/$metadata#users/$entity`), `id` and the default
//!   properties (`businessPhones`, `givenName`, `jobTitle`, `mail`, `mobilePhone`,
//!   `officeLocation`, `preferredLanguage`, `surname`).
//! - Graph's error format ("Microsoft Graph error responses"): `{"error": {"code",
//!   "message", "innerError": {"date", "request-id", "client-request-id"}}}`, with
//!   `details` on some; every answer carries `request-id` / `client-request-id` headers.
//!   A missing or invalid required property is 400 `Request_BadRequest` "Invalid value
//!   specified for property '<name>' of resource 'User'."; an existing
//!   `userPrincipalName` is 400 `Request_BadRequest` "Another object with the same value
//!   for property userPrincipalName already exists." (detail `ObjectConflict`: Graph has
//!   no 409 here); a password outside Entra ID's policy (8 to 256 characters, three of
//!   lower case, upper case, digits, symbols) is 400 `Request_BadRequest` "The specified
//!   password does not comply with password complexity requirements. Please provide a
//!   different password."; a UPN whose domain is not a verified one is 400 "The domain
//!   portion of the userPrincipalName property is invalid. You must use one of the
//!   verified domain names in your organization."; a body that is not JSON 400
//!   `BadRequest` "Unable to read JSON request payload. ...".
//! - Authentication: 401 `InvalidAuthenticationToken` ("Access token is empty.", "Access
//!   token validation failure. Invalid audience.", "Lifetime validation failed, the token
//!   is expired.") with a `WWW-Authenticate: Bearer …` header; a token without
//!   `User.ReadWrite.All` 403 `Authorization_RequestDenied` "Insufficient privileges to
//!   complete the operation.".
//! - Throttling ("Microsoft Graph throttling guidance"): 429 with a `Retry-After` header
//!   in seconds; the body `{"error":{"code":"TooManyRequests",…}}`. Graph's CORS answers
//!   do not expose `Retry-After` (see [`EXPOSED_HEADERS`]), so a page cannot read it; the
//!   guidance: "If no Retry-After header is provided by the response, we recommend
//!   implementing an exponential backoff retry policy."
//! - The user resource's `department` ("The name of the department in which the user
//!   works. Maximum length is 64 characters. Returned only on `$select`."): a longer one
//!   or one that is not a string is 400 "Invalid value specified for property
//!   'department' …"; `GET /users/{id}?$select=department` returns it, the default
//!   representation does not.
//! - `GET /users/{id | userPrincipalName}` of an absent user: 404
//!   `Request_ResourceNotFound` "Resource '<x>' does not exist or one of its queried
//!   reference-property objects are not present.".
//! - 5xx codes from the error page's table: 503 `serviceNotAvailable`, 500
//!   `generalException` "An unspecified error has occurred.".
//! - CORS: Graph's documentation says it supports CORS for single-page apps; the exposed
//!   headers are Graph's own (see [`EXPOSED_HEADERS`]), the preflight's values the
//!   sandbox's choice (see `preflight`).

use std::time::{Duration, Instant};

use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::config::Cors;
use crate::cors::rule::{expose, preflight_answer, PreflightRule};
use crate::faults::Fault;
use crate::ratelimit::Verdict;
use crate::seeding::SeedError;
use crate::state::{App, Shared};
use crate::util::{base_url, bearer, header, iso_datetime, json_answer, random_uuid, unix_now};

pub mod model;

pub use model::{GraphConfig, GraphFaults, GraphState, GraphUser};

const MAX_BODY: usize = 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// The headers a page may read from a Graph answer: Graph's own
/// `Access-Control-Expose-Headers`, as a developer quoted it from Graph's answers
/// (Microsoft Q&A 497336, "Microsoft Graph API Retry-After is not exposed in browser").
/// `Retry-After` is not among them: a page sees a 429 but not how long to wait.
pub const EXPOSED_HEADERS: &str = "ETag, Location, Preference-Applied, Content-Range, request-id, client-request-id, ReadWriteConsistencyToken, SdkVersion, WWW-Authenticate";

/// A `/_sandbox/seed` entry: `"upn@domain"` or an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Seed {
    Upn(String),
    User(SeedUser),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    user_principal_name: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    mail_nickname: Option<String>,
    #[serde(default)]
    password: String,
}

/// Pre-create users (existing UPNs skipped).
pub fn seed(shared: &mut Shared, entries: Vec<Value>) -> Result<(), SeedError> {
    let mut users = Vec::new();
    for entry in entries {
        users.push(
            match serde_json::from_value::<Seed>(entry).map_err(|error| SeedError::Shape {
                protocol: "graph",
                error,
            })? {
                Seed::Upn(upn) => SeedUser {
                    user_principal_name: upn,
                    display_name: None,
                    mail_nickname: None,
                    password: String::new(),
                },
                Seed::User(user) => user,
            },
        );
    }
    for user in users {
        let upn = user.user_principal_name.trim().to_string();
        if upn.is_empty() || shared.graph.find(&upn).is_some() {
            continue;
        }
        let local = upn.split('@').next().unwrap_or("").to_string();
        shared.graph.users.push(GraphUser {
            id: random_uuid(),
            display_name: user.display_name.unwrap_or_else(|| local.clone()),
            mail_nickname: user.mail_nickname.unwrap_or(local),
            user_principal_name: upn,
            account_enabled: true,
            given_name: None,
            surname: None,
            mail: None,
            department: None,
            password: user.password,
            force_change_password_next_sign_in: false,
            seeded: true,
        });
    }
    Ok(())
}

/// Is this a Graph path?
pub fn is_graph_path(path: &str) -> bool {
    path.starts_with("/v1.0/")
}

/// A preflight to a Graph path (the sandbox's values): 200, the allowed origin, the
/// methods, the requested headers echoed, a one-hour max age.
pub fn preflight(cors: &Cors, request_headers: &HeaderMap) -> Option<Response> {
    let rule = PreflightRule {
        status: StatusCode::OK,
        methods: "GET, POST, PUT, PATCH, DELETE, OPTIONS",
        max_age: "3600",
        vary: false,
    };
    Some(preflight_answer(
        cors.allow_origin()?,
        &rule,
        request_headers,
    ))
}

/// The CORS headers of a real Graph answer: the allowed origin and Graph's exposed
/// headers (`Retry-After` not among them: a page cannot honour a 429's delay, and must
/// back off on its own, as Graph's throttling guidance says).
pub fn decorate(cors: &Cors, response: &mut Response) {
    if let Some(origin) = cors.allow_origin() {
        expose(origin, EXPOSED_HEADERS, origin != "*", response);
    }
}

/// Request and client-request ids of one call.
struct Ids {
    request: String,
    client: String,
}

impl Ids {
    fn new(headers: &HeaderMap) -> Ids {
        Ids {
            request: random_uuid(),
            client: header(headers, "client-request-id")
                .filter(|v| !v.is_empty())
                .map(String::from)
                .unwrap_or_else(random_uuid),
        }
    }

    fn stamp(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.request) {
            headers.insert(REQUEST_ID, v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.client) {
            headers.insert(CLIENT_REQUEST_ID, v);
        }
        response
    }

    fn error(
        &self,
        status: StatusCode,
        code: &str,
        message: &str,
        target: Option<(&str, &str)>,
    ) -> Response {
        let mut error = json!({
            "code": code,
            "message": message,
            "innerError": {
                "date": iso_datetime(unix_now()),
                "request-id": self.request,
                "client-request-id": self.client,
            },
        });
        if let Some((target, detail)) = target {
            error["details"] = json!([{ "target": target, "code": detail }]);
        }
        self.stamp(json_answer(status, &json!({ "error": error })))
    }
}

fn bad_request(ids: &Ids, message: &str, target: Option<(&str, &str)>) -> Response {
    ids.error(
        StatusCode::BAD_REQUEST,
        "Request_BadRequest",
        message,
        target,
    )
}

fn invalid_property(ids: &Ids, property: &str) -> Response {
    bad_request(
        ids,
        &format!("Invalid value specified for property '{property}' of resource 'User'."),
        None,
    )
}

async fn pause(app: &App) {
    crate::faults::pause(app.config().graph.faults.latency_ms).await;
}

/// Authenticate; `Err` is the answer.
fn authorize(shared: &mut Shared, headers: &HeaderMap, ids: &Ids) -> Result<String, Box<Response>> {
    let knobs = &shared.config.graph;
    let unauthorized = |message: &str| {
        let mut response = ids.error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
            None,
        );
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""),
        );
        response
    };
    let Some(token) = bearer(headers) else {
        return Err(Box::new(unauthorized("Access token is empty.")));
    };
    if token != knobs.token && token != knobs.token_read_only {
        return Err(Box::new(unauthorized(
            "Access token validation failure. Invalid audience.",
        )));
    }
    if knobs.token_expired {
        return Err(Box::new(unauthorized(
            "Lifetime validation failed, the token is expired.",
        )));
    }
    Ok(token)
}

/// Throttle one request of `token`; `Err` is the 429.
fn throttle(shared: &mut Shared, token: &str, ids: &Ids) -> Result<(), Box<Response>> {
    let Some(limit) = shared.config.graph.rate_limit else {
        return Ok(());
    };
    let window = Duration::from_millis(shared.config.graph.rate_window_ms);
    match shared
        .graph
        .limiter
        .check(token, limit, window, Instant::now())
    {
        Verdict::Allowed { .. } => Ok(()),
        Verdict::Limited { retry_after, .. } => {
            shared.graph.rate_limited += 1;
            let mut response = ids.error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests from Identifier:sandbox under category:throttle.aad.users. Please try again later.",
                None,
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
            Err(Box::new(response))
        }
    }
}

/// `POST /v1.0/users` (and `GET`, which answers 405 here: listing is not served).
pub async fn users(State(app): State<App>, request: Request) -> Response {
    let ids = Ids::new(request.headers());
    if request.method() != Method::POST {
        return ids.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "The sandbox serves only POST /v1.0/users and GET /v1.0/users/{id}.",
            None,
        );
    }
    pause(&app).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let base = base_url(&parts.headers);
    let (response, outcome) = {
        let mut shared = app.lock();
        match authorize(&mut shared, &parts.headers, &ids)
            .and_then(|token| throttle(&mut shared, &token, &ids).map(|()| token))
        {
            Err(response) => {
                let response = *response;
                let status = response.status().as_u16();
                (response, format!("{status} refused"))
            }
            Ok(token) if token == shared.config.graph.token_read_only => (
                ids.error(
                    StatusCode::FORBIDDEN,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                    None,
                ),
                "403 read-only token".into(),
            ),
            Ok(_) => create(&mut shared, &body, &ids, &base),
        }
    };
    app.log(format!("[graph] POST /v1.0/users -> {outcome}"));
    response
}

/// `GET` and `PATCH /v1.0/users/{id | userPrincipalName}`. The PATCH ("Update user"):
/// 204 No Content; only the properties given change (a `passwordProfile` sets the
/// password, checked against the complexity rule as on create: 400); 404
/// `Request_ResourceNotFound` for an unknown user; another user's `userPrincipalName` is
/// 400 `ObjectConflict`, as on create.
pub async fn user(State(app): State<App>, Path(key): Path<String>, request: Request) -> Response {
    let ids = Ids::new(request.headers());
    if request.method() == Method::PATCH {
        pause(&app).await;
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
        let (response, outcome) = {
            let mut shared = app.lock();
            match authorize(&mut shared, &parts.headers, &ids) {
                Err(response) => (*response, "refused".to_string()),
                Ok(token) => match throttle(&mut shared, &token, &ids) {
                    Err(response) => (*response, "429 throttled".to_string()),
                    Ok(()) => update(&mut shared, &key, &body, &ids),
                },
            }
        };
        app.log(format!("[graph] PATCH /v1.0/users/{key} -> {outcome}"));
        return response;
    }
    if request.method() != Method::GET {
        return ids.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "The sandbox serves only GET and PATCH on a user.",
            None,
        );
    }
    pause(&app).await;
    let base = base_url(request.headers());
    let mut shared = app.lock();
    let token = match authorize(&mut shared, request.headers(), &ids) {
        Ok(token) => token,
        Err(response) => return *response,
    };
    if let Err(response) = throttle(&mut shared, &token, &ids) {
        return *response;
    }
    // `$select=a,b` (any case of the names) picks the properties, `department` among them.
    let select: Option<String> = request.uri().query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "$select")
            .map(|(_, v)| v)
    });
    match shared.graph.find(&key) {
        Some(user) => {
            let body = match &select {
                Some(list) => {
                    let names: Vec<&str> = list.split(',').map(str::trim).collect();
                    user.selected(&base, &names)
                }
                None => user.representation(&base),
            };
            ids.stamp(json_answer(StatusCode::OK, &body))
        }
        None => ids.error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
            None,
        ),
    }
}

fn update(shared: &mut Shared, key: &str, body: &[u8], ids: &Ids) -> (Response, String) {
    let Some(index) = shared
        .graph
        .users
        .iter()
        .position(|u| u.id == key || u.user_principal_name.eq_ignore_ascii_case(key))
    else {
        return (
            ids.error(
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
                None,
            ),
            "404 no such user".into(),
        );
    };
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(body) else {
        return (
            bad_request(ids, "Write requests (excluding DELETE) must contain the Content-Type header declaration.", None),
            "400 not a JSON object".into(),
        );
    };
    let id = shared.graph.users[index].id.clone();
    if let Some(upn) = text(&patch, "userPrincipalName") {
        let taken = shared
            .graph
            .users
            .iter()
            .any(|u| u.id != id && u.user_principal_name.eq_ignore_ascii_case(upn));
        if taken {
            return (
                bad_request(
                    ids,
                    "Another object with the same value for property userPrincipalName already exists.",
                    Some(("userPrincipalName", "ObjectConflict")),
                ),
                "400 UPN exists".into(),
            );
        }
    }
    let password = patch
        .get("passwordProfile")
        .and_then(Value::as_object)
        .and_then(|p| p.get("password"))
        .and_then(Value::as_str);
    if password.is_some_and(|p| !complex_enough(p)) {
        return (
            bad_request(
                ids,
                "The specified password does not comply with password complexity requirements. Please provide a different password.",
                None,
            ),
            "400 password too weak".into(),
        );
    }
    let user = &mut shared.graph.users[index];
    let mut changed = Vec::new();
    if let Some(name) = text(&patch, "displayName") {
        user.display_name = name.to_string();
        changed.push("displayName");
    }
    if let Some(upn) = text(&patch, "userPrincipalName") {
        user.user_principal_name = upn.to_string();
        changed.push("userPrincipalName");
    }
    if let Some(nickname) = text(&patch, "mailNickname") {
        user.mail_nickname = nickname.to_string();
        changed.push("mailNickname");
    }
    if let Some(password) = password {
        user.password = password.to_string();
        changed.push("password");
    }
    shared.graph.update_calls += 1;
    (
        ids.stamp(axum::response::IntoResponse::into_response(
            StatusCode::NO_CONTENT,
        )),
        format!("204 updated ({})", changed.join(", ")),
    )
}

/// Entra ID's password policy: 8 to 256 characters, three of the four classes.
fn complex_enough(password: &str) -> bool {
    let length = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    (8..=256).contains(&length) && classes.iter().filter(|c| **c).count() >= 3
}

/// `mailNickname`: ASCII, no spaces and none of `@ ( ) \ [ ] " ; : < > ,`.
fn valid_nickname(nickname: &str) -> bool {
    !nickname.is_empty()
        && nickname.len() <= 64
        && nickname
            .chars()
            .all(|c| c.is_ascii_graphic() && !"@()\\[]\";:<>,".contains(c))
}

fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn create(shared: &mut Shared, body: &[u8], ids: &Ids, base: &str) -> (Response, String) {
    let knobs = shared.config.graph.clone();
    shared.graph.create_calls += 1;
    let call = shared.graph.create_calls;
    if knobs.faults.hits(Fault::Http503, call) {
        shared.graph.faults.http503 += 1;
        return (
            ids.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is not available. Try the request again after a delay.",
                None,
            ),
            "503 (fault, nothing created)".into(),
        );
    }
    let Ok(Value::Object(user)) = serde_json::from_slice::<Value>(body) else {
        return (
            ids.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
                None,
            ),
            "400 not JSON".into(),
        );
    };
    let refuse = |response: Response, why: &str| (response, format!("400 {why}"));
    let Some(account_enabled) = user.get("accountEnabled").and_then(Value::as_bool) else {
        return refuse(invalid_property(ids, "accountEnabled"), "accountEnabled");
    };
    let Some(display_name) = text(&user, "displayName") else {
        return refuse(invalid_property(ids, "displayName"), "displayName");
    };
    let Some(nickname) = text(&user, "mailNickname").filter(|n| valid_nickname(n)) else {
        return refuse(invalid_property(ids, "mailNickname"), "mailNickname");
    };
    // `department`: a string of at most 64 characters (Graph's user resource).
    let department = match user.get("department") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) if d.chars().count() <= 64 => Some(d.clone()),
        Some(_) => return refuse(invalid_property(ids, "department"), "department"),
    };
    let profile = user.get("passwordProfile").and_then(Value::as_object);
    let Some(password) = profile.and_then(|p| text(p, "password")) else {
        return refuse(invalid_property(ids, "passwordProfile"), "passwordProfile");
    };
    let Some(upn) = text(&user, "userPrincipalName") else {
        return refuse(
            invalid_property(ids, "userPrincipalName"),
            "userPrincipalName",
        );
    };
    let upn = upn.trim();
    let Some((local, domain)) = upn
        .split_once('@')
        .filter(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@') && valid_nickname(l))
    else {
        return refuse(
            bad_request(
                ids,
                "Property userPrincipalName is invalid.",
                Some(("userPrincipalName", "InvalidValue")),
            ),
            "UPN invalid",
        );
    };
    let _ = local;
    if !knobs.verified_domains.is_empty()
        && !knobs
            .verified_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
    {
        return refuse(
            bad_request(
                ids,
                "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
                Some(("userPrincipalName", "InvalidValue")),
            ),
            "UPN domain not verified",
        );
    }
    if shared.graph.find(upn).is_some() {
        return refuse(
            bad_request(
                ids,
                "Another object with the same value for property userPrincipalName already exists.",
                Some(("userPrincipalName", "ObjectConflict")),
            ),
            "UPN exists",
        );
    }
    if !complex_enough(password) {
        return refuse(
            bad_request(
                ids,
                "The specified password does not comply with password complexity requirements. Please provide a different password.",
                None,
            ),
            "password too weak",
        );
    }
    let created = GraphUser {
        id: random_uuid(),
        user_principal_name: upn.to_string(),
        display_name: display_name.to_string(),
        mail_nickname: nickname.to_string(),
        account_enabled,
        given_name: text(&user, "givenName").map(String::from),
        surname: text(&user, "surname").map(String::from),
        mail: text(&user, "mail").map(String::from),
        department,
        password: password.to_string(),
        force_change_password_next_sign_in: profile
            .and_then(|p| p.get("forceChangePasswordNextSignIn"))
            .and_then(Value::as_bool)
            .unwrap_or(true),
        seeded: false,
    };
    let answer = created.representation(base);
    shared.graph.users.push(created);
    if knobs.faults.hits(Fault::Http500AfterInsert, call) {
        shared.graph.faults.http500_after_insert += 1;
        return (
            ids.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                "An unspecified error has occurred.",
                None,
            ),
            "500 (fault after the insert: created)".into(),
        );
    }
    (
        ids.stamp(json_answer(StatusCode::CREATED, &answer)),
        "201 created".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(complex_enough("Passw0rd"));
        assert!(complex_enough("pass word1"));
        assert!(!complex_enough("password"));
        assert!(!complex_enough("Pa1!"));
        assert!(!complex_enough("PASSWORD1"));
    }

    #[test]
    fn nicknames() {
        assert!(valid_nickname("alice.smith"));
        assert!(!valid_nickname("alice smith"));
        assert!(!valid_nickname("a@b"));
        assert!(!valid_nickname(""));
    }
}
