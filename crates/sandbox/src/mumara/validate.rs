//! addUser's fields checked as Mumara checks them, and the field errors worded in
//! Mumara's form or Laravel's (knob `validation`).

use std::net::IpAddr;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// One field problem in both wordings: Mumara's documented `Error: ...` style and
/// Laravel's default English validation messages (`lang/en/validation.php`).
#[derive(Debug, Clone)]
pub(super) struct Msg {
    pub(super) mumara: String,
    pub(super) laravel: String,
}

/// Field name -> messages, in the order the fields were checked (the seed's order).
#[derive(Debug, Default)]
pub(super) struct FieldErrors(pub(super) Vec<(&'static str, Msg)>);

impl FieldErrors {
    pub(super) fn fields(&self) -> Vec<&'static str> {
        let mut fields: Vec<&'static str> = Vec::new();
        for (field, _) in &self.0 {
            if !fields.contains(field) {
                fields.push(field);
            }
        }
        fields
    }

    /// `{"field": ["message", ...], ...}` in one wording, a field's messages together.
    pub(super) fn worded(&self, laravel: bool) -> Worded<'_> {
        Worded {
            errors: self,
            laravel,
        }
    }
}

pub(super) struct Worded<'a> {
    pub(super) errors: &'a FieldErrors,
    pub(super) laravel: bool,
}

impl Serialize for Worded<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = self.errors.fields();
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for field in fields {
            let messages: Vec<&str> = self
                .errors
                .0
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, m)| {
                    if self.laravel {
                        m.laravel.as_str()
                    } else {
                        m.mumara.as_str()
                    }
                })
                .collect();
            map.serialize_entry(field, &messages)?;
        }
        map.end()
    }
}

/// The checked fields of an addUser request.
#[derive(Debug)]
pub(super) struct Fields {
    pub(super) name: String,
    pub(super) email: String,
    pub(super) password: String,
    pub(super) package_id: i64,
    pub(super) timezone: String,
    pub(super) login_ips: Option<String>,
    pub(super) response: bool,
}

/// A text field: `None` when absent, null or blank; numbers are read as text.
pub(super) fn text(input: &Map<String, Value>, key: &str) -> Result<Option<String>, ()> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(()),
    }
}

pub(super) fn taken(label: &str) -> Msg {
    Msg {
        mumara: "Error: User already exists.".into(),
        laravel: format!("The {label} has already been taken."),
    }
}

pub(super) fn unknown_package() -> Msg {
    Msg {
        mumara: "Error: Package doesn`t exsit".into(),
        laravel: "The selected package id is invalid.".into(),
    }
}

pub(super) fn missing(label: &str) -> Msg {
    Msg {
        mumara: format!("Error: Missing required parameter, {label}"),
        laravel: format!("The {label} field is required."),
    }
}

/// `rule` in Mumara's wording ("must be ..."), `laravel` the whole Laravel message.
pub(super) fn invalid(label: &str, rule: &str, laravel: String) -> Msg {
    Msg {
        mumara: format!("Error: Invalid parameter, {label} {rule}"),
        laravel,
    }
}

pub(super) fn validate(input: &Map<String, Value>) -> Result<Fields, FieldErrors> {
    let mut errors = Vec::new();
    let mut required = |key: &'static str, label: &str| match text(input, key) {
        Ok(Some(value)) => Some(value),
        Ok(None) => {
            errors.push((key, missing(label)));
            None
        }
        Err(()) => {
            errors.push((
                key,
                invalid(
                    label,
                    "must be a string",
                    format!("The {label} must be a string."),
                ),
            ));
            None
        }
    };
    let email = required("email", "email");
    let password = required("password", "password");
    let name = required("name", "name");
    let email = email.filter(|email| {
        let ok = valid_email(email);
        if !ok {
            errors.push((
                "email",
                invalid(
                    "email",
                    "must be a valid email address",
                    "The email must be a valid email address.".into(),
                ),
            ));
        }
        ok
    });
    let package_id = match input.get("package_id") {
        None | Some(Value::Null) => {
            errors.push(("package_id", missing("package id")));
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.push(("package_id", missing("package id")));
            None
        }
        Some(value) => {
            let id = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            if id.is_none() {
                errors.push((
                    "package_id",
                    invalid(
                        "package id",
                        "must be an integer",
                        "The package id must be an integer.".into(),
                    ),
                ));
            }
            id
        }
    };
    let timezone = match text(input, "timezone") {
        Ok(None) => Some("00:00".to_string()),
        Ok(Some(tz)) if valid_timezone(&tz) => Some(tz),
        _ => {
            errors.push((
                "timezone",
                invalid(
                    "timezone",
                    "must be an offset such as +05:00",
                    "The timezone format is invalid.".into(),
                ),
            ));
            None
        }
    };
    let login_ips = match text(input, "login_ips") {
        Ok(None) => Some(None),
        Ok(Some(ips)) if valid_ip_list(&ips) => Some(Some(ips)),
        _ => {
            errors.push((
                "login_ips",
                invalid(
                    "login ips",
                    "must be comma-separated valid IP addresses",
                    "The login ips format is invalid.".into(),
                ),
            ));
            None
        }
    };
    let response = match input.get("response") {
        None | Some(Value::Null) => Some(false),
        Some(Value::Bool(b)) => Some(*b),
        Some(value) => match value
            .as_i64()
            .or_else(|| value.as_str()?.trim().parse().ok())
        {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => {
                errors.push((
                    "response",
                    invalid(
                        "response",
                        "must be 0 or 1",
                        "The selected response is invalid.".into(),
                    ),
                ));
                None
            }
        },
    };
    match (
        email, password, name, package_id, timezone, login_ips, response,
    ) {
        (
            Some(email),
            Some(password),
            Some(name),
            Some(package_id),
            Some(timezone),
            Some(login_ips),
            Some(response),
        ) if errors.is_empty() => Ok(Fields {
            name,
            email,
            password,
            package_id,
            timezone,
            login_ips,
            response,
        }),
        _ => Err(FieldErrors(errors)),
    }
}

/// A plain address check: one `@`, a dot-atom local part, dot-separated domain labels.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok && email.len() <= 254
}

/// `+05:00`, `-03:30`, `00:00`: optional sign, two-digit hours up to 14, two-digit minutes.
pub fn valid_timezone(timezone: &str) -> bool {
    let unsigned = timezone.strip_prefix(['+', '-']).unwrap_or(timezone);
    let Some((hours, minutes)) = unsigned.split_once(':') else {
        return false;
    };
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    two_digits(hours)
        && two_digits(minutes)
        && hours.parse::<u8>().is_ok_and(|h| h <= 14)
        && minutes.parse::<u8>().is_ok_and(|m| m < 60)
}

/// Comma-separated IPv4/IPv6 addresses (spaces around commas allowed).
pub fn valid_ip_list(list: &str) -> bool {
    list.split(',')
        .all(|ip| ip.trim().parse::<IpAddr>().is_ok())
}

/// The seed's example answers `+05:00` with `"time_zone": "+5:+00"`; imitate it.
pub(super) fn seed_style_time_zone(timezone: &str) -> String {
    let (sign, unsigned) = match timezone.strip_prefix('-') {
        Some(rest) => ('-', rest),
        None => ('+', timezone.trim_start_matches('+')),
    };
    match unsigned.split_once(':') {
        Some((hours, minutes)) => {
            let hours: u8 = hours.parse().unwrap_or(0);
            format!("{sign}{hours}:{sign}{minutes}")
        }
        None => timezone.to_string(),
    }
}
