//! ejabberd's HTTP API (`mod_http_api`): `POST /api/register` with `{user, host,
//! password}` and `/api/status`, with HTTP Basic auth of an admin's JID and password.
//!
//! Where each answer comes from (ejabberd's sources, `src/mod_http_api.erl`,
//! `src/ejabberd_admin.erl`, `src/ejabberd_auth.erl`, `src/mod_register.erl`, and the
//! "ejabberd API" / `mod_http_api` documentation):
//! - `extract_auth`: `Authorization: Basic` of `JID:password`; the JID decoded, the
//!   password checked (`ejabberd_auth:check_password`); a wrong one or a header that
//!   cannot be read is `unauthorized_response()`: 401 `{"status":"error","code":10,
//!   "message":"You are not authorized to call this command."}`;
//! - no credentials: the call runs with no user, which the default `api_permissions`
//!   allow only for the "public commands" (`status`, from the loopback): `register` is
//!   then `throw:{error, access_rules_unauthorized}`: 403 code 32 "AccessRules: Account
//!   does not have the right to perform the operation."; so is a user who is not an admin;
//! - the body: empty is 400 `"Missing POST data"`, not JSON is 400 `"Invalid JSON
//!   input"`, a missing or an unknown argument is 400 `"Request have missing argument:
//!   password"` / `"Request have unknown arguments: [email]"` (`{invalid_parameter,
//!   Msg}` → `{400, Msg}` → `json_format`: a bare JSON string);
//! - `ejabberd_admin:register/3` (`result = {res, restuple}`): an unknown host is
//!   `{error, cannot_register, 10001, "Unknown virtual host"}`; `try_register`'s
//!   `{error, exists}` is `{error, conflict, 10090, "User u@h already registered"}`;
//!   any other error, `invalid_jid` (`jid:nodeprep` refuses the user name: a space, `"`,
//!   `&`, `'`, `/`, `:`, `<`, `>`, `@`, a control character, or more than 1023 bytes) is
//!   `{error, cannot_register, 10001, "Can't register user u@h at node N: Malformed
//!   username"}` (`mod_register:format_error`); success is `{ok, "User u@h successfully
//!   registered"}`;
//! - `format_command_result` / `format_error_result`: `ok` with a text is 200 with that
//!   text as a JSON string; `conflict` is 409, `not_exists` 404, any other error 500,
//!   each `{"status":"error","code":N,"message":"..."}`;
//! - `ejabberd_admin:status/0`: 200 `"The node N is started with status: started"` and
//!   `"ejabberd V is running in that node"` (a JSON string);
//! - CORS, hard-coded in `mod_http_api` (no setting): every answer carries
//!   `Access-Control-Allow-Origin: *` and `Access-Control-Allow-Headers: Content-Type,
//!   Authorization, X-Admin` (nothing exposed); a preflight (`OPTIONS` with no body) is
//!   200 `text/plain` with those, `Access-Control-Allow-Methods: GET, POST, OPTIONS`
//!   and `Access-Control-Max-Age: 86400`. The sandbox's `cors` knob does not change it.
//!
//! User names are stored as `jid:nodeprep` gives them (lower case), so `Ann` and `ann`
//! are one account.

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, AUTHORIZATION, CONTENT_TYPE,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::state::{App, Shared};
use crate::util::json_answer;

const MAX_BODY: usize = 1024 * 1024;

/// The Erlang node name in ejabberd's messages.
pub const NODE: &str = "ejabberd@localhost";

/// ejabberd knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EjabberdConfig {
    /// The admin's JID (an account of `hosts`, in the `admin` ACL).
    pub admin_jid: String,
    pub admin_password: String,
    /// The virtual hosts (`hosts:` in `ejabberd.yml`).
    pub hosts: Vec<String>,
}

impl Default for EjabberdConfig {
    fn default() -> Self {
        EjabberdConfig {
            admin_jid: "admin@localhost".into(),
            admin_password: "sandbox-xmpp-admin".into(),
            hosts: vec!["localhost".into()],
        }
    }
}

/// An account.
#[derive(Debug, Clone, Serialize)]
pub struct EjabberdUser {
    /// The user name as `jid:nodeprep` stores it (lower case).
    pub user: String,
    pub host: String,
    /// Kept in clear on purpose for tests.
    pub password: String,
}

#[derive(Debug, Default)]
pub struct EjabberdState {
    pub users: Vec<EjabberdUser>,
    /// `register` calls past authentication.
    pub register_calls: u64,
}

impl EjabberdState {
    /// The `ejabberd` member of `GET /_sandbox/state`.
    pub fn snapshot(&self) -> Value {
        json!({ "users": self.users, "register_calls": self.register_calls })
    }
}

/// Is this one of the ejabberd API paths the sandbox serves?
pub fn is_ejabberd_path(path: &str) -> bool {
    matches!(path, "/api/register" | "/api/status")
}

/// `mod_http_api`'s `HEADER(CType)` and `OPTIONS_HEADER`, whatever the `cors` knob says.
fn cors_headers(headers: &mut HeaderMap, preflight: bool) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, Authorization, X-Admin"),
    );
    if preflight {
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    }
}

/// A preflight: 200 with an empty body (400 when it has one, as `process/2` does).
pub fn preflight(has_body: bool) -> Response {
    let status = if has_body {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut response = status.into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    cors_headers(response.headers_mut(), true);
    response
}

/// The CORS headers of a real answer.
pub fn decorate(response: &mut Response) {
    cors_headers(response.headers_mut(), false);
}

/// `json_error(HTTPCode, JSONCode, Message)`.
fn error(status: StatusCode, code: u32, message: &str) -> Response {
    json_answer(
        status,
        &json!({ "status": "error", "code": code, "message": message }),
    )
}

/// `json_response(Code, misc:json_encode(Text))`: a bare JSON string.
fn text(status: StatusCode, message: &str) -> Response {
    json_answer(status, &Value::String(message.to_owned()))
}

/// Who the request authenticates as: `None` without credentials, `Err` for
/// `invalid_auth`.
fn caller(shared: &Shared, headers: &HeaderMap) -> Result<Option<(String, String)>, ()> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?.trim();
    let (scheme, encoded) = value.split_once(' ').ok_or(())?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        // A Bearer is an OAuth token: the sandbox issues none.
        return Err(());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| ())?;
    let decoded = String::from_utf8(decoded).map_err(|_| ())?;
    let (jid, password) = decoded.split_once(':').ok_or(())?;
    let (user, host) = jid.split_once('@').ok_or(())?;
    let user = nodeprep(user).ok_or(())?;
    let host = host.to_lowercase();
    let knobs = &shared.config.ejabberd;
    let admin = knobs.admin_jid.to_lowercase() == format!("{user}@{host}");
    let known = if admin {
        password == knobs.admin_password
    } else {
        shared
            .ejabberd
            .users
            .iter()
            .any(|u| u.user == user && u.host == host && u.password == password)
    };
    if known {
        Ok(Some((format!("{user}@{host}"), password.to_owned())))
    } else {
        Err(())
    }
}

/// `jid:nodeprep`: the user name in lower case, or `None` where it refuses it.
pub fn nodeprep(user: &str) -> Option<String> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || "\"&'/:<>@".contains(c);
    (user.len() <= 1023 && !user.chars().any(bad)).then(|| user.to_lowercase())
}

/// `/api/register` and `/api/status`.
pub async fn call(State(app): State<App>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let method = parts.method.clone();
    let (mut response, outcome) = if method == Method::OPTIONS {
        (preflight(!body.is_empty()), "preflight".to_owned())
    } else if method != Method::POST && method != Method::GET {
        (
            error(StatusCode::BAD_REQUEST, 40, "Missing command name."),
            "400 method".to_owned(),
        )
    } else {
        let mut shared = app.lock();
        answer(&mut shared, &method, &path, &parts.headers, &body)
    };
    decorate(&mut response);
    app.log(format!("[ejabberd] {method} {path} -> {outcome}"));
    response
}

fn answer(
    shared: &mut Shared,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response, String) {
    let args: Map<String, Value> = if *method == Method::POST {
        if body.is_empty() {
            return (
                text(StatusCode::BAD_REQUEST, "Missing POST data"),
                "400 no data".into(),
            );
        }
        if body == b"\n" {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return (
                        text(StatusCode::BAD_REQUEST, "Invalid JSON input"),
                        "400 invalid JSON".into(),
                    )
                }
            }
        }
    } else {
        Map::new()
    };
    let who = match caller(shared, headers) {
        Ok(who) => who,
        Err(()) => {
            return (
                error(
                    StatusCode::UNAUTHORIZED,
                    10,
                    "You are not authorized to call this command.",
                ),
                "401 invalid auth".into(),
            )
        }
    };
    if path == "/api/status" {
        return (
            text(
                StatusCode::OK,
                &format!(
                    "The node {NODE} is started with status: started\nejabberd 24.12 is running in that node"
                ),
            ),
            "200 status".into(),
        );
    }
    let admin = who
        .as_ref()
        .is_some_and(|(jid, _)| *jid == shared.config.ejabberd.admin_jid.to_lowercase());
    if !admin {
        return (
            error(
                StatusCode::FORBIDDEN,
                32,
                "AccessRules: Account does not have the right to perform the operation.",
            ),
            "403 not an admin".into(),
        );
    }
    // format_args: each declared argument once, then none left over.
    let mut rest = args.clone();
    let mut values = Vec::new();
    for name in ["user", "host", "password"] {
        match rest.remove(name) {
            Some(Value::String(s)) => values.push(s),
            Some(other) => {
                return (
                    text(
                        StatusCode::BAD_REQUEST,
                        &format!("Arg {other} is not in format binary"),
                    ),
                    "400 format".into(),
                )
            }
            None => {
                return (
                    text(
                        StatusCode::BAD_REQUEST,
                        &format!("Request have missing argument: {name}"),
                    ),
                    "400 missing argument".into(),
                )
            }
        }
    }
    if !rest.is_empty() {
        let names: Vec<&str> = rest.keys().map(String::as_str).collect();
        return (
            text(
                StatusCode::BAD_REQUEST,
                &format!("Request have unknown arguments: [{}]", names.join(",")),
            ),
            "400 unknown arguments".into(),
        );
    }
    let [user, host, password] = [&values[0], &values[1], &values[2]];
    shared.ejabberd.register_calls += 1;
    let lhost = host.to_lowercase();
    if !shared
        .config
        .ejabberd
        .hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&lhost))
    {
        return (
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                10001,
                "Unknown virtual host",
            ),
            "500 unknown host".into(),
        );
    }
    let refused = |why: &str| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            10001,
            &format!("Can't register user {user}@{host} at node {NODE}: {why}"),
        )
    };
    let Some(luser) = nodeprep(user).filter(|u| !u.is_empty()) else {
        return (refused("Malformed username"), "500 malformed".into());
    };
    if shared
        .ejabberd
        .users
        .iter()
        .any(|u| u.user == luser && u.host == lhost)
    {
        return (
            error(
                StatusCode::CONFLICT,
                10090,
                &format!("User {user}@{host} already registered"),
            ),
            "409 exists".into(),
        );
    }
    if password.is_empty() {
        return (refused("Empty password"), "500 empty password".into());
    }
    shared.ejabberd.users.push(EjabberdUser {
        user: luser,
        host: lhost,
        password: password.clone(),
    });
    (
        text(
            StatusCode::OK,
            &format!("User {user}@{host} successfully registered"),
        ),
        "200 registered".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodeprep_refuses_what_a_jid_local_part_cannot_hold() {
        assert_eq!(nodeprep("Ann.Lee").as_deref(), Some("ann.lee"));
        for bad in ["a b", "a@b", "a:b", "a/b", "a'b", "a\"b", "a<b", "a&b"] {
            assert_eq!(nodeprep(bad), None, "{bad}");
        }
    }
}
