//! Filling a profile's request templates, always through a serializer.
//!
//! A JSON body template is a [`Value`] walked node by node: a string that is exactly one
//! placeholder becomes that value (typed with `|int` or `|bool`), and is dropped, key and
//! all, when the value is empty; placeholders inside a longer string are replaced as text
//! *inside that JSON string*. The result is serialized by `serde_json`, so a quote or a
//! brace in a cell stays text. In a path each value is percent-encoded as text of one
//! segment (`/`, `?`, `#`, a lone `..` included), and a form body goes through the form
//! encoder.

use std::collections::BTreeMap;

use serde_json::Value;

use super::schema::{Auth, CredentialId, RequestSpec};
use crate::http::{Body, HttpRequest, Method};
pub use crate::input::checks::dot_segment_problem;
use crate::input::field::{Field, UserRow};
use crate::input::spec::{Fallback, FieldSpec};
use crate::targets::send::{Secrets, Session};

/// Filters a placeholder may end with: `{user.quota_mb|int}`.
pub const FILTERS: &[&str] = &["int", "bool"];

/// One `{name}` or `{name|filter}` in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub filter: Option<String>,
    /// Byte range of the whole `{…}` in the text.
    pub start: usize,
    pub end: usize,
}

/// The placeholders of a text. A brace that does not open `{name}` (lower-case letters,
/// digits, `_` and `.`, optionally `|filter`) is plain text.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(open) = text[i..].find('{').map(|o| o + i) {
        let Some(close) = text[open + 1..].find('}').map(|c| c + open + 1) else {
            break;
        };
        let inner = &text[open + 1..close];
        let (name, filter) = match inner.split_once('|') {
            Some((n, f)) => (n, Some(f)),
            None => (inner, None),
        };
        let word = |s: &str, dots: bool| {
            !s.is_empty()
                && s.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || (dots && b == b'.')
                })
                && !s.starts_with('.')
                && !s.ends_with('.')
        };
        if word(name, true) && filter.is_none_or(|f| word(f, false)) {
            found.push(Placeholder {
                name: name.to_owned(),
                filter: filter.map(str::to_owned),
                start: open,
                end: close + 1,
            });
            i = close + 1;
        } else {
            i = open + 1;
        }
        if i >= bytes.len() {
            break;
        }
    }
    found
}

/// What placeholders are filled from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Values<'a> {
    pub row: Option<&'a UserRow>,
    /// The profile's fields, for fallbacks.
    pub fields: &'a [FieldSpec],
    pub settings: Option<&'a BTreeMap<String, String>>,
    pub session: Option<&'a Session>,
    pub secrets: Option<&'a Secrets>,
    pub token: Option<&'a str>,
    /// A step's: the new account's id (`{account.id}`) and the value it runs for
    /// (`{step.value}`).
    pub account_id: Option<&'a str>,
    pub step_value: Option<&'a str>,
}

impl Values<'_> {
    /// A placeholder's value; `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = match name.split_once('.') {
            None if name == "token" => self.token.map(str::to_owned),
            Some(("user", field)) => self.user(field),
            Some(("settings", id)) => self.setting(id),
            Some(("session", id)) => self
                .setting(id)
                .or_else(|| self.session.and_then(|s| s.captured(id)).map(str::to_owned)),
            Some(("found", id)) => self
                .session
                .and_then(|s| s.captured(&format!("found.{id}")))
                .map(str::to_owned),
            Some(("account", "id")) => self.account_id.map(str::to_owned),
            Some(("step", "value")) => self.step_value.map(str::to_owned),
            Some(("credentials", id)) => {
                let secrets = self.secrets?;
                Some(CredentialId(id.to_owned()).value(secrets).to_owned())
            }
            _ => None,
        };
        value.filter(|v| !v.is_empty())
    }

    fn setting(&self, id: &str) -> Option<String> {
        self.settings?
            .get(id)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn user(&self, name: &str) -> Option<String> {
        let row = self.row?;
        if let Some(derived) = DERIVED.iter().find(|d| d.0 == name) {
            return (derived.1)(row);
        }
        let own = Field::from_label(name)
            .and_then(|f| row.value(f))
            .map(|v| v.into_owned())
            .filter(|v| !v.trim().is_empty());
        own.or_else(|| {
            let spec = self.fields.iter().find(|f| f.field.label() == name)?;
            match spec.fallback? {
                Fallback::EmailLocalpart => row
                    .email
                    .split_once('@')
                    .map(|(local, _)| local.to_lowercase()),
            }
        })
    }
}

/// The auth header's value: its `value` template filled as text, or for `basic`,
/// `Basic ` and the base64 of the user, `:` and the password (RFC 7617, UTF-8).
pub fn auth_value(auth: &Auth, values: &Values) -> String {
    use base64::Engine as _;
    match &auth.basic {
        Some([user, password]) => {
            let pair = format!(
                "{}:{}",
                fill_text(user, values),
                fill_text(password, values)
            );
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
            )
        }
        None => fill_text(&auth.value, values),
    }
}

/// How a derived value is computed from a row.
pub type Derive = fn(&UserRow) -> Option<String>;

/// Values computed from a row's others, by name (`{user.email_domain}`).
pub const DERIVED: &[(&str, Derive)] = &[
    ("email_domain", |row| {
        row.email
            .trim()
            .rsplit_once('@')
            .map(|(_, domain)| domain.to_lowercase())
            .filter(|d| !d.is_empty())
    }),
    ("email_localpart", |row| {
        row.email
            .trim()
            .rsplit_once('@')
            .map(|(local, _)| local.to_owned())
            .filter(|l| !l.is_empty())
    }),
];

/// A JSON template filled; `None` when it is a lone placeholder whose value is absent
/// (its key, or its array item, is then left out).
pub fn fill_json(template: &Value, values: &Values) -> Option<Value> {
    match template {
        Value::String(text) => {
            let found = placeholders(text);
            match found.as_slice() {
                [only] if only.start == 0 && only.end == text.len() => {
                    let value = values.get(&only.name)?;
                    Some(typed(value, only.filter.as_deref()))
                }
                _ => Some(Value::String(fill_text_with(text, &found, values, |v| {
                    v.to_owned()
                }))),
            }
        }
        // An object in a list whose every placeholder is empty is dropped whole: Synapse's
        // `threepids: [{"medium": "email", "address": "{user.email}"}]` for a row without
        // an address is no list of one half-empty entry, which Synapse refuses. A list
        // left with no entry is left out itself (its key too): an empty list is a value,
        // and Synapse's PUT on an existing account would remove every address it holds
        // (`threepids: []`). A list written empty in the template stays.
        Value::Array(items) => {
            let filled: Vec<Value> = items
                .iter()
                .filter(|v| !(v.is_object() && all_placeholders_empty(v, values)))
                .filter_map(|v| fill_json(v, values))
                .collect();
            (items.is_empty() || !filled.is_empty()).then_some(Value::Array(filled))
        }
        Value::Object(map) => {
            // Inserted one by one: a map collected from an iterator sorts its entries
            // first (one more copy of the sort in the page); these come in key order.
            let mut filled = serde_json::Map::new();
            for (k, v) in map {
                if let Some(v) = fill_json(v, values) {
                    filled.insert(k.clone(), v);
                }
            }
            Some(Value::Object(filled))
        }
        other => Some(other.clone()),
    }
}

/// Whether `template` holds placeholders and every one of them is empty.
fn all_placeholders_empty(template: &Value, values: &Values) -> bool {
    fn walk(v: &Value, values: &Values, seen: &mut bool) -> bool {
        match v {
            Value::String(text) => placeholders(text).iter().all(|p| {
                *seen = true;
                values.get(&p.name).is_none()
            }),
            Value::Array(items) => items.iter().all(|i| walk(i, values, seen)),
            Value::Object(map) => map.values().all(|i| walk(i, values, seen)),
            _ => true,
        }
    }
    let mut seen = false;
    walk(template, values, &mut seen) && seen
}

fn typed(value: String, filter: Option<&str>) -> Value {
    match filter {
        Some("int") => value
            .trim()
            .parse::<i64>()
            .map_or(Value::String(value), Value::from),
        Some("bool") => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => Value::String(value),
        },
        _ => Value::String(value),
    }
}

/// Placeholders replaced as text; absent values are empty.
pub fn fill_text(text: &str, values: &Values) -> String {
    fill_text_with(text, &placeholders(text), values, |v| v.to_owned())
}

fn fill_text_with(
    text: &str,
    found: &[Placeholder],
    values: &Values,
    encode: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for p in found {
        out.push_str(&text[at..p.start]);
        if let Some(v) = values.get(&p.name) {
            out.push_str(&encode(&v));
        }
        at = p.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A path template filled: each value percent-encoded as (part of) one segment, so that
/// `../`, `?` or `#` in a cell stays inside its segment.
pub fn fill_path(text: &str, values: &Values) -> String {
    fill_text_with(text, &placeholders(text), values, encode_segment)
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`/`, `?`, `#`, `%`,
/// `@`, `:` included). A value made only of dots (`.`, `..`) has its dots encoded too;
/// browsers still resolve `%2E%2E` as `..`, so such a row never gets here: validation
/// refuses it ([`dot_segment_problem`]).
pub fn encode_segment(value: &str) -> String {
    let all_dots = value.bytes().all(|b| b == b'.');
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') || (b == b'.' && !all_dots)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A request from its template, at `api` (the API URL, no trailing slash).
pub fn build(api: &str, spec: &RequestSpec, values: &Values) -> HttpRequest {
    let url = format!("{api}{}", fill_path(&spec.path, values));
    let mut headers: Vec<(String, String)> = spec
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), header_text(&fill_text(value, values))))
        .collect();
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("Accept"))
    {
        headers.push(("Accept".into(), "application/json".into()));
    }
    let body = if let Some(json) = &spec.json {
        Body::Json(fill_json(json, values).unwrap_or(Value::Null).to_string())
    } else if let Some(form) = &spec.form {
        Body::Form(
            form.iter()
                .filter_map(|(name, template)| {
                    let found = placeholders(template);
                    let value = match found.as_slice() {
                        [only] if only.start == 0 && only.end == template.len() => {
                            values.get(&only.name)?
                        }
                        _ => fill_text(template, values),
                    };
                    Some((name.clone(), value))
                })
                .collect(),
        )
    } else {
        Body::Empty
    };
    let body = if spec.method == Method::Get {
        Body::Empty
    } else {
        body
    };
    HttpRequest {
        method: spec.method,
        url,
        headers,
        body,
    }
}

/// A header value without line breaks or other control characters.
fn header_text(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_found_and_other_braces_are_text() {
        let found = placeholders(r#"/a/{user.email}/{x|int}{ not one }{}{A}{user.}"#);
        let names: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|p| (p.name.as_str(), p.filter.as_deref()))
            .collect();
        assert_eq!(names, [("user.email", None), ("x", Some("int"))]);
        assert!(placeholders(r#"{"json": 1}"#).is_empty());
    }

    #[test]
    fn lone_placeholders_are_typed_or_dropped_and_longer_strings_are_text() {
        let row = UserRow {
            email: "a@b.c".into(),
            password: "p\"}".into(),
            quota_mb: Some(12),
            ..UserRow::default()
        };
        let settings = BTreeMap::from([("flag".to_owned(), "yes".to_owned())]);
        let values = Values {
            row: Some(&row),
            settings: Some(&settings),
            ..Values::default()
        };
        let template = json!({
            "q": "{user.quota_mb|int}", "f": "{settings.flag|bool}", "n": "{user.name}",
            "list": ["{user.name}", "x"], "t": "Hello {user.name}, {user.email}!", "p": "{user.password}",
            "k": 3
        });
        assert_eq!(
            fill_json(&template, &values).unwrap(),
            json!({"q": 12, "f": true, "list": ["x"], "t": "Hello , a@b.c!", "p": "p\"}", "k": 3})
        );
    }

    #[test]
    fn a_list_entry_whose_placeholders_are_all_empty_is_dropped_and_an_emptied_list_too() {
        let template: Value = serde_json::from_str(
            r#"{"password": "{user.password}", "threepids": [{"medium": "email", "address": "{user.email}"}], "keep": [{"k": "v"}], "none": []}"#,
        )
        .unwrap();
        let without = UserRow {
            password: " Pw 1 ".into(),
            ..UserRow::default()
        };
        let values = Values {
            row: Some(&without),
            ..Values::default()
        };
        assert_eq!(
            fill_json(&template, &values).unwrap().to_string(),
            r#"{"keep":[{"k":"v"}],"none":[],"password":" Pw 1 "}"#
        );
        let with = UserRow {
            email: "a@b.c".into(),
            ..without
        };
        let values = Values {
            row: Some(&with),
            ..Values::default()
        };
        assert_eq!(
            fill_json(&template, &values).unwrap()["threepids"].to_string(),
            r#"[{"address":"a@b.c","medium":"email"}]"#
        );
    }

    #[test]
    fn segments_are_encoded_whole() {
        assert_eq!(encode_segment("ann.lee"), "ann.lee");
        assert_eq!(encode_segment(".."), "%2E%2E");
        assert_eq!(encode_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn values_made_only_of_dots_are_refused_in_any_spelling() {
        for bad in [
            ".", "..", "...", " .. ", "\t.\n", "%2e", "%2E%2e", ".%2E", "%2e.",
        ] {
            let p = dot_segment_problem(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(p.contains("only of dots"), "{p}");
        }
        for good in [
            "", "  ", "a.b", ".a", "..a", ". .", "%2ex", "%2", "%", "%2f..", "é..",
        ] {
            assert_eq!(dot_segment_problem(good), None, "{good:?}");
        }
    }
}
