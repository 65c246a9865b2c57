//! The knobs: what the sandbox does besides answering correctly.
//!
//! One JSON shape is used everywhere: `--config`, `POST /_sandbox/config`,
//! `POST /_sandbox/reset` and the `config` member of `GET /_sandbox/state`.
//! A patch is merged into the current configuration member by member (objects merge,
//! anything else, `null` included, replaces), then checked: an unknown key is an error,
//! so a typo in a test never silently does nothing.
//!
//! "Every Nth" knobs and `token_expires_after_creates` are off when `null` or `0`;
//! the limits (`license_limit`, `user_limit`) are off when `null` (`0` means "no more
//! users at all").

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::faults::{Fault, Faults, Protocol};
use crate::util::every;

/// Which origin the API answers CORS requests for. The control API ignores `Off`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Cors {
    /// `Access-Control-Allow-Origin: *` (the default).
    #[default]
    Any,
    /// `Access-Control-Allow-Origin: <this origin>`, whatever origin asked
    /// (a browser on another origin is blocked, as by a real server set up for one origin).
    Origin(String),
    /// No CORS header at all: the browser blocks every cross-origin call, like an
    /// unconfigured server.
    Off,
}

impl Cors {
    /// The `Access-Control-Allow-Origin` value, if any.
    pub fn allow_origin(&self) -> Option<&str> {
        match self {
            Cors::Any => Some("*"),
            Cors::Origin(origin) => Some(origin),
            Cors::Off => None,
        }
    }
}

impl Serialize for Cors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.allow_origin() {
            Some(origin) => serializer.serialize_str(origin),
            None => serializer.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for Cors {
    /// `"*"`, an origin string, or `null` / `false` / `"off"` for off.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null | Value::Bool(false) => Ok(Cors::Off),
            Value::Bool(true) => Ok(Cors::Any),
            Value::String(s) if s == "*" => Ok(Cors::Any),
            Value::String(s) if s.eq_ignore_ascii_case("off") || s.is_empty() => Ok(Cors::Off),
            Value::String(s) => Ok(Cors::Origin(s.trim_end_matches('/').to_string())),
            other => Err(serde::de::Error::custom(format!(
                "cors must be \"*\", an origin or null, not {other}"
            ))),
        }
    }
}

/// How a login request hit by Aurora's `login_fault` is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFault {
    /// The connection is closed without an answer.
    Drop,
    /// HTTP 500 with a PHP fatal-error page.
    Http500,
    /// HTTP 503 from the web server in front of PHP (PHP-FPM down or overloaded).
    Http503,
}

/// How Mumara refuses every addUser request, whatever key it carries (`refuse_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefuseKey {
    /// As Laravel's exception handler does for an `AuthenticationException`: 401
    /// `{"message":"Unauthenticated."}` when the request "expects JSON", else a 302
    /// redirect to `/login`.
    Laravel,
    /// Always the 401 JSON answer.
    Json401,
    /// Always the 302 redirect to `/login` (the route is not treated as an API call).
    Redirect,
    /// HTTP 200 `{"status":"error","result":"Error: Invalid API token."}`.
    StatusError,
    /// HTTP 403 `{"message":"This action is unauthorized."}` (Laravel's answer to an
    /// `AuthorizationException`).
    Forbidden,
}

/// How Mumara words field errors and an existing e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validation {
    /// HTTP 200 `{"status":"error","result":...}` as in Mumara's documentation.
    #[default]
    Mumara,
    /// HTTP 422 `{"message":"The given data was invalid.","errors":{...}}` with
    /// Laravel's default English messages; an existing e-mail is
    /// `"The email has already been taken."`, an unknown package
    /// `"The selected package id is invalid."`.
    Laravel,
}

/// How a 429 states its `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfter {
    /// Delay in seconds, as Laravel's `ThrottleRequests` sends it.
    #[default]
    Seconds,
    /// An HTTP-date (RFC 9110 allows both forms; proxies and CDNs send dates).
    HttpDate,
}

/// Aurora knobs. All faults are off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuroraConfig {
    /// `latency_ms` and the fault knobs Aurora offers (see [`AuroraKnobs`]).
    #[serde(flatten)]
    pub faults: Faults<AuroraKnobs>,
    /// After this many successful CreateUser calls with one token, the token answers 101.
    #[serde(deserialize_with = "every")]
    pub token_expires_after_creates: Option<u64>,
    /// The code an expired token answers: 101 (InvalidToken) or 102 (AuthError).
    pub token_expiry_code: i64,
    /// CreateUser answers 116 (MethodAccessDenied: not open to the Web API).
    pub create_method_denied: bool,
    /// What happens to a LoginAsSuperadmin request hit by the login fault.
    pub login_fault: Option<LoginFault>,
    /// The first this-many login requests are answered normally ...
    pub login_fault_after: u64,
    /// ... then this many in a row get `login_fault`, then logins work again.
    pub login_fault_count: u64,
    /// Once this many users exist, CreateUser answers 115 (LicenseLimit).
    pub license_limit: Option<u64>,
    /// CreateUser answers 108 (AccessDenied).
    pub create_denied: bool,
    /// LoginAsSuperadmin answers 108 (the superadmin IP whitelist).
    pub superadmin_ip_denied: bool,
    /// Superadmin login name.
    pub superadmin_login: String,
    /// Superadmin password.
    pub superadmin_password: String,
    /// The mail domains `MailDomains.GetDomains` lists (ids from 1, in this order).
    pub domains: Vec<String>,
}

impl Default for AuroraConfig {
    fn default() -> Self {
        AuroraConfig {
            faults: Faults::default(),
            token_expires_after_creates: None,
            token_expiry_code: 101,
            create_method_denied: false,
            login_fault: None,
            login_fault_after: 0,
            login_fault_count: 0,
            license_limit: None,
            create_denied: false,
            superadmin_ip_denied: false,
            superadmin_login: "superadmin".into(),
            superadmin_password: "12345".into(),
            domains: vec!["localhost".into(), "example.com".into()],
        }
    }
}

/// The fault knobs Aurora offers, and the keys of its knobs object in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuroraKnobs;

impl Protocol for AuroraKnobs {
    const FAULTS: &'static [Fault] = &[
        Fault::Drop,
        Fault::LostAnswer,
        Fault::Http500,
        Fault::ResultFalse,
        Fault::Error0,
        Fault::PhpNotice,
        Fault::Http500AfterInsert,
        Fault::NonJsonAfterInsert,
    ];
    const KEYS: &'static [&'static str] = &[
        "latency_ms",
        "token_expires_after_creates",
        "drop_every",
        "lost_answer_every",
        "http500_every",
        "result_false_every",
        "error0_every",
        "php_notice_every",
        "http500_after_insert_every",
        "non_json_after_insert_every",
        "token_expiry_code",
        "create_method_denied",
        "login_fault",
        "login_fault_after",
        "login_fault_count",
        "license_limit",
        "create_denied",
        "superadmin_ip_denied",
        "superadmin_login",
        "superadmin_password",
        "domains",
    ];
}

/// Mumara knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MumaraConfig {
    /// `latency_ms` and the fault knobs Mumara offers (see [`MumaraKnobs`]).
    #[serde(flatten)]
    pub faults: Faults<MumaraKnobs>,
    /// Answer `"Error"` / `"Success"` instead of `"error"` / `"success"`.
    pub status_capitalized: bool,
    /// Refuse every addUser request in this form, whatever key it carries.
    pub refuse_key: Option<RefuseKey>,
    /// How field errors and an existing e-mail are answered.
    pub validation: Validation,
    /// How a 429 states its `Retry-After`.
    pub retry_after_format: RetryAfter,
    /// Once this many users exist, addUser answers the licence error.
    pub user_limit: Option<u64>,
    /// Requests allowed per key per window.
    pub rate_limit: u64,
    /// The window length; a window starts at its first request.
    pub rate_window_ms: u64,
    /// Existing package ids.
    pub packages: Vec<i64>,
}

impl Default for MumaraConfig {
    fn default() -> Self {
        MumaraConfig {
            faults: Faults::default(),
            status_capitalized: false,
            refuse_key: None,
            validation: Validation::Mumara,
            retry_after_format: RetryAfter::Seconds,
            user_limit: None,
            rate_limit: 60,
            rate_window_ms: 60_000,
            packages: vec![1, 2, 3],
        }
    }
}

/// The fault knobs Mumara offers, and the keys of its knobs object in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MumaraKnobs;

impl Protocol for MumaraKnobs {
    const FAULTS: &'static [Fault] = &[
        Fault::Http502,
        Fault::Drop,
        Fault::LostAnswer,
        Fault::Csrf,
        Fault::Http500,
        Fault::Http503,
        Fault::Http500AfterInsert,
        Fault::Http503AfterInsert,
        Fault::StatusError,
    ];
    const KEYS: &'static [&'static str] = &[
        "latency_ms",
        "http502_every",
        "drop_every",
        "lost_answer_every",
        "status_capitalized",
        "csrf_every",
        "http500_every",
        "http503_every",
        "http500_after_insert_every",
        "http503_after_insert_every",
        "status_error_every",
        "refuse_key",
        "validation",
        "retry_after_format",
        "user_limit",
        "rate_limit",
        "rate_window_ms",
        "packages",
    ];
}

/// Every knob of the sandbox.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub cors: Cors,
    pub aurora: AuroraConfig,
    pub mumara: MumaraConfig,
    pub keycloak: crate::keycloak::model::KeycloakConfig,
    pub graph: crate::graph::model::GraphConfig,
    pub gitlab: crate::gitlab::model::GitlabConfig,
    pub ejabberd: crate::ejabberd::EjabberdConfig,
    /// Paths answered `307` to the same path with a slash (see `redirect.rs`).
    pub redirect_slashes: Vec<String>,
}

impl Config {
    /// Is any knob on that closes connections without an answer? Then every API answer
    /// says `Connection: close` (see `server::fresh_connections`).
    pub fn closes_connections(&self) -> bool {
        self.aurora.faults.every(Fault::Drop).is_some()
            || self.aurora.faults.every(Fault::LostAnswer).is_some()
            || (self.aurora.login_fault == Some(LoginFault::Drop)
                && self.aurora.login_fault_count > 0)
            || self.mumara.faults.every(Fault::Drop).is_some()
            || self.mumara.faults.every(Fault::LostAnswer).is_some()
            || self.keycloak.token_hangup
    }

    /// This configuration with `patch` merged in; an error names what is wrong.
    ///
    /// A patch may name a preset (`"preset": "realism"`): the preset's knobs are merged
    /// first, then the rest of the patch, so a patch can adjust a preset.
    pub fn merged(&self, patch: &Value) -> Result<Config, ConfigError> {
        let Some(object) = patch.as_object() else {
            return Err(ConfigError::NotAnObject);
        };
        let mut value = serde_json::to_value(self).map_err(ConfigError::Knobs)?;
        let mut patch = object.clone();
        match patch.remove("preset") {
            None | Some(Value::Null) => {}
            Some(Value::String(name)) if name == "realism" => merge(&mut value, &realism()),
            Some(other) => return Err(ConfigError::UnknownPreset(other)),
        }
        let patch = Value::Object(patch);
        merge(&mut value, &patch);
        let config: Config = serde_json::from_value(value).map_err(ConfigError::Knobs)?;
        if config.mumara.rate_window_ms == 0 {
            return Err(ConfigError::Zero {
                knobs: "mumara.rate_window_ms",
                unit: "",
            });
        }
        if config.keycloak.access_token_lifespan == 0 {
            return Err(ConfigError::Zero {
                knobs: "keycloak.access_token_lifespan",
                unit: " (seconds)",
            });
        }
        if config.graph.rate_window_ms == 0 || config.gitlab.rate_window_ms == 0 {
            return Err(ConfigError::Zero {
                knobs: "graph.rate_window_ms and gitlab.rate_window_ms",
                unit: "",
            });
        }
        if ![101, 102].contains(&config.aurora.token_expiry_code) {
            return Err(ConfigError::TokenExpiryCode);
        }
        Ok(config)
    }

    /// Parse a `--config` argument: inline JSON, or the path of a JSON file.
    pub fn from_arg(arg: &str) -> Result<Config, ConfigError> {
        let text = if arg.trim_start().starts_with('{') {
            arg.to_string()
        } else {
            std::fs::read_to_string(arg).map_err(|error| ConfigError::Read {
                path: arg.to_string(),
                error,
            })?
        };
        let patch: Value = serde_json::from_str(&text).map_err(ConfigError::Json)?;
        Config::default().merged(&patch)
    }
}

/// Why knobs were refused; the words are the 400 answer's `error` and the command
/// line's complaint.
#[derive(Debug)]
pub enum ConfigError {
    /// The patch is not a JSON object.
    NotAnObject,
    /// `"preset"` names no preset.
    UnknownPreset(Value),
    /// A knob of the wrong type, or a key that is no knob (serde's words).
    Knobs(serde_json::Error),
    /// A knob that must be at least 1 is 0.
    Zero {
        knobs: &'static str,
        unit: &'static str,
    },
    /// `aurora.token_expiry_code` is neither 101 nor 102.
    TokenExpiryCode,
    /// The `--config` file cannot be read.
    Read { path: String, error: std::io::Error },
    /// The `--config` text is not JSON.
    Json(serde_json::Error),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::NotAnObject => f.write_str("the configuration must be a JSON object"),
            ConfigError::UnknownPreset(other) => {
                write!(f, "unknown preset {other} (known: \"realism\")")
            }
            ConfigError::Knobs(e) => write!(f, "{e}"),
            ConfigError::Zero { knobs, unit } => write!(f, "{knobs} must be at least 1{unit}"),
            ConfigError::TokenExpiryCode => {
                f.write_str("aurora.token_expiry_code must be 101 or 102")
            }
            ConfigError::Read { path, error } => write!(f, "cannot read {path}: {error}"),
            ConfigError::Json(e) => write!(f, "bad JSON: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The `realism` preset: a mix of the answers real Aurora (PHP) and Mumara (Laravel)
/// installations give, at rates a run of a few dozen rows meets every one of them. The
/// sandbox's README lists each knob with the source behaviour it reproduces.
pub fn realism() -> Value {
    serde_json::json!({
        "aurora": {
            "php_notice_every": 5,
            "http500_after_insert_every": 7,
            "http500_every": 23,
            "non_json_after_insert_every": 13,
            "result_false_every": 29,
            "token_expires_after_creates": 10,
            "login_fault": "drop",
            "login_fault_after": 1,
            "login_fault_count": 2
        },
        "mumara": {
            "validation": "laravel",
            "retry_after_format": "http_date",
            "rate_limit": 120,
            "rate_window_ms": 60000,
            "http500_after_insert_every": 11,
            "http503_every": 17,
            "status_error_every": 31
        }
    })
}

/// Objects merge member by member; anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_keeps_untouched_knobs() {
        let base = Config::default()
            .merged(&json!({"aurora": {"drop_every": 3}}))
            .unwrap();
        let next = base
            .merged(&json!({"aurora": {"latency_ms": 5}, "cors": null}))
            .unwrap();
        assert_eq!(next.aurora.faults.every(Fault::Drop), Some(3));
        assert_eq!(next.aurora.faults.latency_ms, 5);
        assert_eq!(next.cors, Cors::Off);
    }

    #[test]
    fn zero_means_off_and_unknown_keys_fail() {
        let c = Config::default()
            .merged(&json!({"aurora": {"drop_every": 0}}))
            .unwrap();
        assert_eq!(c.aurora.faults.every(Fault::Drop), None);
        assert!(Config::default()
            .merged(&json!({"aurora": {"drop_evry": 2}}))
            .is_err());
        assert!(Config::default().merged(&json!({"bogus": 1})).is_err());
    }

    #[test]
    fn cors_forms() {
        let c = Config::default()
            .merged(&json!({"cors": "http://localhost:8080/"}))
            .unwrap();
        assert_eq!(c.cors, Cors::Origin("http://localhost:8080".into()));
        assert_eq!(
            serde_json::to_value(&c).unwrap()["cors"],
            json!("http://localhost:8080")
        );
        assert_eq!(
            Config::default()
                .merged(&json!({"cors": false}))
                .unwrap()
                .cors,
            Cors::Off
        );
    }

    #[test]
    fn from_arg_inline() {
        let c = Config::from_arg(r#"{"mumara":{"rate_limit":5}}"#).unwrap();
        assert_eq!(c.mumara.rate_limit, 5);
        assert!(Config::from_arg(r#"{"mumara":{"rate_window_ms":0}}"#).is_err());
    }

    #[test]
    fn refusals_are_typed_and_worded() {
        let refused = |patch: Value| Config::default().merged(&patch).err().unwrap();
        assert!(matches!(refused(json!([])), ConfigError::NotAnObject));
        let e = refused(json!({"preset": "fast"}));
        assert!(matches!(e, ConfigError::UnknownPreset(_)));
        assert_eq!(e.to_string(), r#"unknown preset "fast" (known: "realism")"#);
        let e = refused(json!({"keycloak": {"access_token_lifespan": 0}}));
        assert_eq!(
            e.to_string(),
            "keycloak.access_token_lifespan must be at least 1 (seconds)"
        );
        let e = refused(json!({"gitlab": {"rate_window_ms": 0}}));
        assert_eq!(
            e.to_string(),
            "graph.rate_window_ms and gitlab.rate_window_ms must be at least 1"
        );
        let e = refused(json!({"aurora": {"token_expiry_code": 103}}));
        assert!(matches!(e, ConfigError::TokenExpiryCode));
        assert!(matches!(
            refused(json!({"bogus": 1})),
            ConfigError::Knobs(_)
        ));
        let e = Config::from_arg("/no/such/roster-sandbox-config.json")
            .err()
            .unwrap();
        assert!(e
            .to_string()
            .starts_with("cannot read /no/such/roster-sandbox-config.json: "));
        let e = Config::from_arg("{not json").err().unwrap();
        assert!(matches!(e, ConfigError::Json(_)) && e.to_string().starts_with("bad JSON: "));
    }
}
