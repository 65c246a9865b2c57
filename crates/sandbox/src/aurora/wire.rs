//! One Web API call as read from the request, and the reply as Aurora writes it: the
//! envelopes, the error codes and their names.

use std::fmt;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::HeaderMap;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::form::parse_form;
use crate::state::Shared;

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

pub(super) fn error_name(code: i64) -> &'static str {
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
pub(super) struct Call {
    pub(super) module: String,
    pub(super) method: String,
    /// `None` when `Parameters` is not a JSON object; absent `Parameters` is `{}`.
    pub(super) params: Option<Map<String, Value>>,
    pub(super) token: Option<String>,
    pub(super) web_client: bool,
}

impl Call {
    /// `None` when the body is not a form or lacks `Module` / `Method`.
    pub(super) fn read(headers: &HeaderMap, body: &[u8]) -> Option<Call> {
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
pub(super) fn auth_token(headers: &HeaderMap) -> Option<String> {
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
pub(super) enum Reply {
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
    pub(super) fn ok(result: Value) -> Reply {
        Reply::Ok {
            result,
            set_cookie: None,
        }
    }

    pub(super) fn err(dispatched: bool, code: i64) -> Reply {
        Reply::Err {
            dispatched,
            code,
            message: error_name(code).to_string(),
        }
    }
}

/// A reply and the outcome for the log line.
pub(super) type Done = (Reply, String);

/// Success and failure both end in a reply.
pub(super) fn settle(result: Result<Done, Done>) -> Done {
    match result {
        Ok(done) | Err(done) => done,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SuccessEnvelope<'a> {
    pub(super) authenticated_user_id: i64,
    #[serde(rename = "@Time")]
    pub(super) time: &'a str,
    pub(super) module: &'a str,
    pub(super) method: &'a str,
    pub(super) result: &'a Value,
    pub(super) subscriptions_result: Option<()>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ErrorEnvelope<'a> {
    pub(super) authenticated_user_id: i64,
    #[serde(rename = "@Time")]
    pub(super) time: &'a str,
    pub(super) subscriptions_result: Option<()>,
    pub(super) error_code: i64,
    pub(super) error_message: &'a str,
    pub(super) module: &'a str,
}

/// Is the query string Aurora's `?/Api/`?
pub(super) fn is_api_query(query: Option<&str>) -> bool {
    query
        .and_then(|q| q.split('&').next())
        .is_some_and(|first| first.trim_matches('/').eq_ignore_ascii_case("Api"))
}

pub(super) fn failed(dispatched: bool, code: i64, why: impl fmt::Display) -> Done {
    (Reply::err(dispatched, code), format!("{code} ({why})"))
}

pub(super) fn bad_input(why: impl fmt::Display) -> Done {
    failed(true, code::INVALID_INPUT_PARAMETER, why)
}

/// Typed access to `Parameters`: absent or `null` gives the default; a value of the
/// wrong JSON type (a string where a number belongs) is an error.
pub(super) struct Params<'a>(pub(super) &'a Map<String, Value>);

impl Params<'_> {
    pub(super) fn int(&self, key: &str, default: i64) -> Result<i64, ParamError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| ParamError::NotInteger(key.to_string())),
            Some(_) => Err(ParamError::wrong_type(key, "number")),
        }
    }

    pub(super) fn boolean(&self, key: &str, default: bool) -> Result<bool, ParamError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ParamError::wrong_type(key, "boolean")),
        }
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<&str>, ParamError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ParamError::wrong_type(key, "string")),
        }
    }
}

/// Why a call's `Parameters` are refused (103, `InvalidInputParameter`); the words go
/// to the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ParamError {
    NotInteger(String),
    /// A value of another JSON type than the parameter's.
    WrongType {
        key: String,
        json_type: &'static str,
    },
    InvalidPublicId,
    RoleOutOfRange,
    NegativeQuota,
}

impl ParamError {
    fn wrong_type(key: &str, json_type: &'static str) -> ParamError {
        ParamError::WrongType {
            key: key.to_string(),
            json_type,
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::NotInteger(key) => write!(f, "{key} is not an integer"),
            ParamError::WrongType { key, json_type } => {
                write!(f, "{key} must be a JSON {json_type}")
            }
            ParamError::InvalidPublicId => f.write_str("PublicId is not a valid address"),
            ParamError::RoleOutOfRange => f.write_str("Role must be 0..=3"),
            ParamError::NegativeQuota => f.write_str("QuotaBytes must not be negative"),
        }
    }
}

pub(super) fn params<'a>(call: &'a Call) -> Result<Params<'a>, Done> {
    call.params
        .as_ref()
        .map(Params)
        .ok_or_else(|| bad_input("Parameters is not a JSON object"))
}

/// The token of the call if it is known and still valid, else the 101 answer.
pub(super) fn authenticate(shared: &mut Shared, call: &Call) -> Result<String, Done> {
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
