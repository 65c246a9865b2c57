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

/// `null` and `0` both mean "off" for an "every Nth" knob.
fn every<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<u64>::deserialize(deserializer)?.filter(|n| *n > 0))
}

/// Aurora knobs. All faults are off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuroraConfig {
    /// Delay before answering every Aurora API POST.
    pub latency_ms: u64,
    /// After this many successful CreateUser calls with one token, the token answers 101.
    #[serde(deserialize_with = "every")]
    pub token_expires_after_creates: Option<u64>,
    /// Every Nth CreateUser POST: the connection is closed, nothing is created.
    #[serde(deserialize_with = "every")]
    pub drop_every: Option<u64>,
    /// Every Nth CreateUser POST: handled normally (the user is created), then the
    /// connection is closed with no answer.
    #[serde(deserialize_with = "every")]
    pub lost_answer_every: Option<u64>,
    /// Every Nth CreateUser POST: HTTP 500 with an HTML body (a PHP fatal), not created.
    #[serde(deserialize_with = "every")]
    pub http500_every: Option<u64>,
    /// Every Nth CreateUser POST: `"Result": false` and no ErrorCode, not created.
    #[serde(deserialize_with = "every")]
    pub result_false_every: Option<u64>,
    /// Every Nth CreateUser POST: `"ErrorCode": 0` with a message, not created.
    #[serde(deserialize_with = "every")]
    pub error0_every: Option<u64>,
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
            latency_ms: 0,
            token_expires_after_creates: None,
            drop_every: None,
            lost_answer_every: None,
            http500_every: None,
            result_false_every: None,
            error0_every: None,
            license_limit: None,
            create_denied: false,
            superadmin_ip_denied: false,
            superadmin_login: "superadmin".into(),
            superadmin_password: "12345".into(),
            domains: vec!["localhost".into(), "example.com".into()],
        }
    }
}

/// Mumara knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MumaraConfig {
    /// Delay before answering every Mumara API POST.
    pub latency_ms: u64,
    /// Every Nth addUser POST: HTTP 502 with an HTML body (a proxy page), not created.
    #[serde(deserialize_with = "every")]
    pub http502_every: Option<u64>,
    /// Every Nth addUser POST: the connection is closed, nothing is created.
    #[serde(deserialize_with = "every")]
    pub drop_every: Option<u64>,
    /// Every Nth addUser POST: handled normally, then the connection is closed.
    #[serde(deserialize_with = "every")]
    pub lost_answer_every: Option<u64>,
    /// Answer `"Error"` / `"Success"` instead of `"error"` / `"success"`.
    pub status_capitalized: bool,
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
            latency_ms: 0,
            http502_every: None,
            drop_every: None,
            lost_answer_every: None,
            status_capitalized: false,
            user_limit: None,
            rate_limit: 60,
            rate_window_ms: 60_000,
            packages: vec![1, 2, 3],
        }
    }
}

/// Every knob of the sandbox.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub cors: Cors,
    pub aurora: AuroraConfig,
    pub mumara: MumaraConfig,
}

impl Config {
    /// Is any knob on that closes connections without an answer? Then every API answer
    /// says `Connection: close` (see `server::fresh_connections`).
    pub fn closes_connections(&self) -> bool {
        self.aurora.drop_every.is_some()
            || self.aurora.lost_answer_every.is_some()
            || self.mumara.drop_every.is_some()
            || self.mumara.lost_answer_every.is_some()
    }

    /// This configuration with `patch` merged in; an error names what is wrong.
    pub fn merged(&self, patch: &Value) -> Result<Config, String> {
        if !patch.is_object() {
            return Err("the configuration must be a JSON object".into());
        }
        let mut value = serde_json::to_value(self).map_err(|e| e.to_string())?;
        merge(&mut value, patch);
        let config: Config = serde_json::from_value(value).map_err(|e| e.to_string())?;
        if config.mumara.rate_window_ms == 0 {
            return Err("mumara.rate_window_ms must be at least 1".into());
        }
        Ok(config)
    }

    /// Parse a `--config` argument: inline JSON, or the path of a JSON file.
    pub fn from_arg(arg: &str) -> Result<Config, String> {
        let text = if arg.trim_start().starts_with('{') {
            arg.to_string()
        } else {
            std::fs::read_to_string(arg).map_err(|e| format!("cannot read {arg}: {e}"))?
        };
        let patch: Value = serde_json::from_str(&text).map_err(|e| format!("bad JSON: {e}"))?;
        Config::default().merged(&patch)
    }
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
        assert_eq!(next.aurora.drop_every, Some(3));
        assert_eq!(next.aurora.latency_ms, 5);
        assert_eq!(next.cors, Cors::Off);
    }

    #[test]
    fn zero_means_off_and_unknown_keys_fail() {
        let c = Config::default()
            .merged(&json!({"aurora": {"drop_every": 0}}))
            .unwrap();
        assert_eq!(c.aurora.drop_every, None);
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
}
