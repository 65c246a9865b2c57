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
//! UpdateUser (`Traits/Users.php`, the caller is always the superadmin): calls are
//! counted (`update_calls`); token (101), Parameters (103, typed as in CreateUser), a
//! `UserId` that is not a user's (103 InvalidInputParameter, as Aurora throws); then a
//! non-empty `PublicId` and a non-zero `TenantId` replace the user's, a `Role` of 0..=4
//! replaces it (-1, the default, leaves it), and the answer is `Result: true`. No
//! password: Core's UpdateUser has none (the mailbox's lives in the Mail module).
//!
//! LoginAsSuperadmin: calls are counted (`login_calls`); with `login_fault`, calls
//! `login_fault_after + 1` to `login_fault_after + login_fault_count` are dropped or
//! answered 500 / 503, then logins work again.

use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Value};

mod pages;
mod users;
mod wire;

pub use pages::*;
pub use users::valid_public_id;
use users::*;
pub use wire::code;
use wire::*;

use crate::config::LoginFault;
use crate::server::{close_without_answer, ConnKill};
use crate::state::{App, Shared};
use crate::util::random_hex_token;

/// Bodies larger than this are not read (the call then lacks its fields: 103).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// `AuthenticatedUserId` in every envelope.
const SUPERADMIN_ID: i64 = -1;

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
        crate::faults::pause(app.config().aurora.faults.latency_ms).await;
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
        ("Core", "UpdateUser") => update_user(shared, call),
        ("Core", "GetTenants") => get_tenants(shared, call),
        ("Core", "Logout") => logout(shared, call),
        ("MailDomains", "GetDomains") => get_domains(shared, call),
        _ => failed(true, code::METHOD_ACCESS_DENIED, "not open to the Web API"),
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
        (Err(why), _) | (_, Err(why)) => return bad_input(why),
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::{AUTHORIZATION, COOKIE};
    use axum::http::HeaderMap;

    #[test]
    fn parameter_refusals_are_typed_and_worded() {
        let map = json!({"Role": "2", "Forced": 1, "PublicId": 7, "TenantId": 1.5})
            .as_object()
            .cloned()
            .unwrap();
        let p = Params(&map);
        let role = p.int("Role", 2).unwrap_err();
        assert_eq!(role.to_string(), "Role must be a JSON number");
        assert_eq!(
            p.int("TenantId", 0).unwrap_err(),
            ParamError::NotInteger("TenantId".into())
        );
        assert_eq!(
            p.boolean("Forced", false).unwrap_err().to_string(),
            "Forced must be a JSON boolean"
        );
        assert_eq!(
            p.string("PublicId").unwrap_err().to_string(),
            "PublicId must be a JSON string"
        );
        assert_eq!(p.int("Offset", 3), Ok(3));
        assert_eq!(
            bad_input(ParamError::RoleOutOfRange).1,
            "103 (Role must be 0..=3)"
        );
    }

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
