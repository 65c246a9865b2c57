//! Profile targets: any REST API as a target, from a small declarative JSON file.
//!
//! A [`Profile`] says what the admin types (credentials, settings), which fields a row
//! carries and how they are checked, how to log in, how to ask whether an account exists,
//! how to create one, and what each answer means (ordered [`Rule`]s). [`ProfileTarget`]
//! runs it through the same engine as the built-in targets. The schema is documented in
//! `crates/core/profiles/README.md`; the presets Roster ships are in that folder too.
//!
//! Requests are filled from templates by walking JSON values (see [`template`]), never
//! by pasting text together, so that a cell cannot change a request's shape or path.

mod classify;
mod kind;
mod target;
pub mod template;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::http::{Body, HttpRequest, Method};
use crate::input::map::Field;
use crate::input::validate::{FieldCheck, Rules, UsernameRule};
use crate::targets::send::Secrets;

pub use target::ProfileTarget;

/// The schema version this Roster reads.
pub const SCHEMA: u32 = 1;

/// A declarative target. Read with [`Profile::from_json`]; written back with
/// [`Profile::to_pretty_json`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The schema version: 1.
    pub schema: u32,
    /// A short stable name: `synapse`, `keycloak`. Remembered profiles are keyed by it.
    pub id: String,
    /// The name shown in the Target select: "Matrix Synapse".
    pub name: String,
    /// What the profile calls, in one or two sentences, without links.
    pub about: String,
    /// The admin permission the account that runs the import needs.
    pub permission: String,
    /// An example Server URL for the field's placeholder.
    #[serde(default)]
    pub server_placeholder: String,
    /// What the admin types to authenticate: any credentials its API needs.
    pub credentials: Vec<Credential>,
    /// Non-secret values of the run (a realm, a server name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
    /// The fields a row carries, with their checks.
    pub fields: Vec<FieldSpec>,
    /// What identifies an account on the server: `email`, `username`, or both (each on
    /// its own: two rows that share either would be one account, or collide). Rows that
    /// share one (ignoring case, a user name taken from the address included) are
    /// flagged before anything is sent, and never in flight at once. Default: `email`.
    #[serde(default = "default_identities")]
    pub identities: Vec<FieldName>,
    /// The target's own rate limit, in requests per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_min: Option<u32>,
    /// A header on answers that states the limit per minute (`RateLimit-Limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_header: Option<String>,
    /// Ways to log in, chosen by which credentials are filled. None: the token is the
    /// `access_token` or `api_key` credential itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub login: Vec<LoginAlternative>,
    /// How the token goes on the creates and probes.
    pub auth: Auth,
    /// The request that tells whether an account exists, for APIs whose create is an
    /// upsert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<ExistsProbe>,
    /// The request that creates one account.
    pub create: RequestSpec,
    /// What answers mean, first match wins.
    #[serde(default)]
    pub answers: Vec<Rule>,
    /// Where a created account's id is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_at: Option<IdAt>,
    /// JSON pointers tried, in order, for an error's message when a rule names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_message: Vec<String>,
    /// A request without credentials or side effects, for the connection diagnosis
    /// (CORS, wrong URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnose: Option<RequestSpec>,
    /// How to allow this page's origin on the server, when the browser blocks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_fix: Option<CorsFix>,
}

fn default_identities() -> Vec<FieldName> {
    vec![FieldName("email".into())]
}

/// A credential's id: `login`, `password`, `api_key`, `access_token`, or any other
/// the profile's API needs (`tenant_secret`): lower-case letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CredentialId(pub String);

impl CredentialId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The typed value: a password as typed, any other credential trimmed.
    pub fn value<'s>(&self, secrets: &'s Secrets) -> &'s str {
        let value = secrets.get(&self.0);
        if self.is_password() {
            value
        } else {
            value.trim()
        }
    }

    /// A password is kept exactly as typed, spaces included.
    fn is_password(&self) -> bool {
        self.0 == "password"
    }

    /// Why it cannot be a credential's id, if it cannot.
    fn problem(&self) -> Option<String> {
        let ok = !self.0.is_empty()
            && self.0.len() <= 64
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        (!ok).then(|| {
            format!(
                "`{}` is not a credential id: use lower-case letters, digits and _",
                self.0
            )
        })
    }
}

/// One credential field of the connection form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    pub id: CredentialId,
    /// The field's label: "Login", "Password", "Access token".
    pub label: String,
    /// Shown masked, never stored or reported.
    #[serde(default)]
    pub secret: bool,
}

/// A non-secret value of the run, typed by the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// The name templates use: `{settings.realm}`.
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub placeholder: String,
    /// May be left empty (a login may capture it instead).
    #[serde(default)]
    pub optional: bool,
    /// The value used when the admin leaves it empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// A sentence shown under the field (its description): what to set up on the
    /// server for it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
}

/// How to let this page's origin read the API's answers on the server itself (the
/// connection diagnosis's first fix when the browser blocks them). `{origin}` in a step
/// is replaced by the page's origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsFix {
    pub title: String,
    pub steps: Vec<String>,
}

/// One field a row carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The Roster field, by its label (`email`, `username`, `name`).
    pub field: FieldName,
    #[serde(default)]
    pub required: bool,
    /// Whether the target's API itself refuses an account without it (`true`), or only
    /// Roster asks for it (`false`, e.g. a password Synapse's admin API would do
    /// without). Each shipped preset states it for every field; a field the API
    /// requires must be `required` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_required: Option<bool>,
    pub check: Check,
    /// The most characters the target accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    /// Where the value comes from when the row has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
}

/// A Roster field named by its label in a profile (`email`, `username`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldName(String);

impl FieldName {
    /// The label as the profile gives it.
    pub fn label(&self) -> &str {
        &self.0
    }

    /// The Roster field.
    pub fn field(&self) -> Field {
        Field::from_label(&self.0).expect("checked when the profile is read")
    }
}

impl Serialize for FieldName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FieldName, D::Error> {
        let name = String::deserialize(d)?;
        if Field::from_label(&name).is_some() {
            return Ok(FieldName(name));
        }
        let known: Vec<&str> = Field::ALL.iter().map(|f| f.label()).collect();
        Err(serde::de::Error::custom(format!(
            "unknown Roster field `{name}`, expected one of {}",
            known.join(", ")
        )))
    }
}

pub use crate::input::validate::ValueCheck as Check;

impl FieldSpec {
    /// The check the page's rules apply to this field (see [`FieldCheck`]).
    pub fn field_check(&self) -> FieldCheck {
        FieldCheck {
            field: self.field.field(),
            check: self.check.clone(),
            max_len: self.max_len,
            in_path: false,
        }
    }

    /// Who requires the field, in words, for a profile named `api` (`Matrix Synapse`):
    /// "required by the Matrix Synapse API" or "required by Roster"; `None` when a row
    /// may leave it out.
    pub fn required_by(&self, api: &str) -> Option<String> {
        match (self.required, self.api_required) {
            (_, Some(true)) => Some(format!("required by the {api} API")),
            (true, _) => Some("required by Roster".to_owned()),
            (false, _) => None,
        }
    }

    /// What is wrong with a value under this field's `check` and `max_len` (see
    /// [`FieldCheck::problem`]).
    pub fn problem(&self, value: &str) -> Option<String> {
        self.field_check().problem(value)
    }
}

/// Where a field's value comes from when the row has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// The address's local part, lower-cased (`ann.lee@x.org` → `ann.lee`).
    EmailLocalpart,
}

/// One way to log in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginAlternative {
    /// The credentials that choose this way when they are all filled.
    pub when: Vec<CredentialId>,
    /// The login (or whoami) request. None with a credential token: nothing to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSpec>,
    /// Where the token is.
    pub token: TokenAt,
    /// Values read from the login's answer, by name (`{session.NAME}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, Capture>,
}

/// Where a login's token is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAt {
    /// A JSON pointer into the login's answer: a fresh token at every login.
    Pointer(String),
    /// The credential itself (a pasted token): it cannot be renewed.
    Credential(CredentialId),
}

/// A value read from a login's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    pub pointer: String,
    /// Keep only what follows the first occurrence of this text (`:` takes the server
    /// name out of `@admin:example.org`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// How the token goes on each create and probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    pub header: String,
    /// A template with `{token}`: `Bearer {token}`.
    pub value: String,
}

/// A request template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub method: Method,
    /// The path after the API URL, with placeholders; each value is encoded as text of
    /// one path segment.
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// A form body template (`application/x-www-form-urlencoded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<BTreeMap<String, String>>,
}

/// An exists probe: the request, and the rules that say exists or absent. Answers no
/// rule here matches go through the profile's `answers` (429, 401, 5xx…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExistsProbe {
    pub request: RequestSpec,
    pub answers: Vec<Rule>,
    /// A JSON pointer to the found account's e-mail address(es) in an `exists` answer
    /// (a text, or anything holding texts: Synapse's `/threepids`). When addresses are
    /// there and none is the row's (ignoring case), the account is not the row's: a
    /// conflict naming both, never `exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_at: Option<String>,
}

/// One answer rule: when an answer matches every condition given, it means `then`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub status: StatusMatch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<JsonMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<HeaderMatch>,
    pub then: Then,
    /// A JSON pointer to the message to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A fixed sentence shown for this answer (before the message, if one is named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For `rate_limited`: where the delay is. Default: the `Retry-After` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<RetryAt>,
    /// For `fatal`: why the run stops. Default: `server_fault`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopAs>,
    /// For `transient` (default true) and `fatal` (default false) on a create: whether
    /// the server may have created the account anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambiguous: Option<bool>,
}

/// What an answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Then {
    Created,
    Exists,
    /// Only in an exists probe's rules: the account is not there.
    Absent,
    Rejected,
    /// An account is there, but it is not the row's (the address belongs to another
    /// user name), or the create changed an account that was already there: the row
    /// ends `rejected` with a message that says so, never `exists` or `created`.
    Conflict,
    Reauth,
    RateLimited,
    Transient,
    Fatal,
}

/// A typed stop cause for `fatal` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopAs {
    CredentialsRefused,
    AccessDenied,
    Limit,
    NotTheApi,
    ServerFault,
}

/// Where a rate-limited answer says how long to wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAt {
    /// `Retry-After`, in seconds or as an HTTP-date.
    Header,
    /// A JSON pointer to milliseconds (Synapse's `/retry_after_ms`); `Retry-After` when
    /// the body has none.
    PointerMs(String),
}

/// A JSON condition: the value at `pointer` equals `equals`, or (a string) contains
/// `contains`, or, with neither, is there at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonMatch {
    pub pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// Case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
}

/// A header condition: present, or equal to a value (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatch {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
}

/// Where a created account's id is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdAt {
    /// A JSON pointer into the answer: `/id`.
    Pointer(String),
    /// A header holding the new account's URL (`Location`): its last path segment.
    Header(String),
}

/// Which statuses a rule matches: one code (`409`), a class (`"4xx"`), or an inclusive
/// range (`[400, 499]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMatch {
    pub from: u16,
    pub to: u16,
}

impl StatusMatch {
    pub fn matches(self, status: u16) -> bool {
        (self.from..=self.to).contains(&status)
    }
}

impl Serialize for StatusMatch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.from == self.to {
            s.serialize_u16(self.from)
        } else if self.from.is_multiple_of(100) && self.to == self.from + 99 {
            s.serialize_str(&format!("{}xx", self.from / 100))
        } else {
            [self.from, self.to].serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for StatusMatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StatusMatch, D::Error> {
        use serde::de::Error;
        let value = Value::deserialize(d)?;
        let code = |v: &Value| {
            v.as_u64()
                .filter(|c| (100..=599).contains(c))
                .map(|c| c as u16)
        };
        let found = match &value {
            Value::Number(_) => code(&value).map(|c| StatusMatch { from: c, to: c }),
            Value::String(s) => {
                let s = s.trim().to_ascii_lowercase();
                match s.as_bytes() {
                    [d @ b'1'..=b'5', b'x', b'x'] => {
                        let from = u16::from(d - b'0') * 100;
                        Some(StatusMatch {
                            from,
                            to: from + 99,
                        })
                    }
                    _ => None,
                }
            }
            Value::Array(pair) if pair.len() == 2 => match (code(&pair[0]), code(&pair[1])) {
                (Some(from), Some(to)) if from <= to => Some(StatusMatch { from, to }),
                _ => None,
            },
            _ => None,
        };
        found.ok_or_else(|| {
            D::Error::custom(format!(
                "`{value}` is not a status: expected a code like 409, a class like \"4xx\", or a range like [400, 499]"
            ))
        })
    }
}

/// Why a profile could not be read: the key path, the line, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// The key path: `create.method`, `answers[2].status`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("profile")?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        f.write_str(": ")?;
        if !self.path.is_empty() && self.path != "." {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProfileError {}

const SYNAPSE: &str = include_str!("../../../profiles/synapse.json");
const KEYCLOAK: &str = include_str!("../../../profiles/keycloak.json");
const GRAPH: &str = include_str!("../../../profiles/graph.json");
const GITLAB: &str = include_str!("../../../profiles/gitlab.json");

/// The profiles Roster ships, in the order the Target select lists them.
pub fn presets() -> Vec<Profile> {
    [SYNAPSE, KEYCLOAK, GRAPH, GITLAB]
        .into_iter()
        .map(|text| Profile::from_json(text).expect("a shipped preset parses (tested)"))
        .collect()
}

/// A shipped preset's JSON text by id, as shipped (for download).
pub fn preset_json(id: &str) -> Option<&'static str> {
    [SYNAPSE, KEYCLOAK, GRAPH, GITLAB]
        .into_iter()
        .find(|text| Profile::from_json(text).is_ok_and(|p| p.id == id))
}

impl Profile {
    /// Reads a profile, checking the schema version, every key, and every placeholder.
    pub fn from_json(text: &str) -> Result<Profile, ProfileError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let profile: Profile =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let line = (inner.line() > 0).then_some(inner.line());
                // serde_json's text ends in " at line L column C": the line is given apart.
                let message = inner.to_string();
                let message = match message.rfind(" at line ") {
                    Some(at) if line.is_some() => message[..at].to_owned(),
                    _ => message,
                };
                ProfileError {
                    line,
                    path,
                    message,
                }
            })?;
        deserializer.end().map_err(|e| ProfileError {
            line: Some(e.line()),
            path: String::new(),
            message: "text after the profile's closing brace".into(),
        })?;
        profile
            .check()
            .map_err(|(path, message, needle)| ProfileError {
                line: needle.and_then(|n| line_of(text, &path, &n)),
                path,
                message,
            })?;
        Ok(profile)
    }

    /// The profile as JSON for download: what [`Profile::from_json`] reads back.
    pub fn to_pretty_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a profile serializes")
    }

    /// The Roster fields every row must give.
    pub fn required_fields(&self) -> Vec<Field> {
        self.fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.field.field())
            .collect()
    }

    /// The spec of one field, if the profile uses it.
    pub fn field(&self, field: Field) -> Option<&FieldSpec> {
        self.fields
            .iter()
            .find(|f| f.field.label() == field.label())
    }

    /// The connection form's credential fields, in the target model's terms.
    pub fn credential_fields(&self) -> Vec<super::CredentialField> {
        self.credentials
            .iter()
            .map(|c| super::CredentialField {
                id: c.id.0.clone(),
                label: c.label.clone(),
                secret: c.secret,
                initial: String::new(),
                exact: c.id.is_password(),
            })
            .collect()
    }

    /// The connection form's settings, in the target model's terms.
    pub fn setting_fields(&self) -> Vec<super::Setting> {
        self.settings
            .iter()
            .map(|s| super::Setting {
                id: s.id.clone(),
                label: s.label.clone(),
                placeholder: if s.placeholder.is_empty() {
                    s.default.clone().unwrap_or_default()
                } else {
                    s.placeholder.clone()
                },
                numeric: false,
                affects_rows: self.is_home_server_setting(&s.id),
                hint: s.hint.clone(),
            })
            .collect()
    }

    /// What identifies an account on the server (see [`Profile::identities`]).
    pub fn identity_fields(&self) -> Vec<Field> {
        self.identities.iter().map(FieldName::field).collect()
    }

    /// Whether the setting `id` names the Matrix server the accounts are created on (the
    /// `server_name` setting of a profile whose user names are Matrix localparts): rows
    /// whose user name is a full `@user:server` ID are checked against it.
    pub fn is_home_server_setting(&self, id: &str) -> bool {
        id == "server_name" && matches!(self.username_rule(), UsernameRule::Localpart { .. })
    }

    /// The Matrix server the admin has named in the settings, if any (see
    /// [`Profile::is_home_server_setting`]).
    pub fn home_server(&self, settings: &super::Settings) -> Option<String> {
        self.settings
            .iter()
            .find(|s| self.is_home_server_setting(&s.id))
            .and_then(|s| settings.get(&s.id))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The Roster fields the profile uses, in its order: the mapping's choices.
    pub fn field_list(&self) -> Vec<Field> {
        self.fields.iter().map(|f| f.field.field()).collect()
    }

    /// What a user name must be: a Matrix localpart or text, taken from the address when
    /// the profile's `username` field has that fallback; ignored when it has none.
    pub fn username_rule(&self) -> UsernameRule {
        match self.field(Field::Username) {
            None => UsernameRule::Ignored,
            Some(spec) => {
                let from_address = spec.fallback == Some(Fallback::EmailLocalpart);
                match spec.check {
                    Check::Localpart => UsernameRule::Localpart { from_address },
                    _ => UsernameRule::Text { from_address },
                }
            }
        }
    }

    /// The rules a row follows for this profile (the page adds its own settings). A
    /// field whose value goes into the exists probe's or the create's path is refused
    /// when made only of dots (see [`template::dot_segment_problem`]).
    pub fn rules(&self) -> Rules {
        let in_path = self.path_fields();
        let mut checks: Vec<FieldCheck> = self
            .fields
            .iter()
            .map(|spec| FieldCheck {
                in_path: in_path.contains(&spec.field.field()),
                ..spec.field_check()
            })
            .collect();
        for &field in &in_path {
            if !checks.iter().any(|c| c.field == field) {
                checks.push(FieldCheck {
                    field,
                    check: Check::Text,
                    max_len: None,
                    in_path: true,
                });
            }
        }
        Rules {
            unique_usernames: self.identity_fields().contains(&Field::Username)
                && self.username_rule() != UsernameRule::Ignored,
            username: self.username_rule(),
            checks,
            ..Rules::new(self.required_fields())
        }
    }

    /// The Roster fields whose value can make up a whole URL path segment: a
    /// `{user.…}` in the exists probe's or the create's path whose segment holds nothing
    /// else but dots and placeholders (`/users/{user.username}`, not
    /// `/users/@{user.username}:{session.server_name}`), in order, once each.
    pub fn path_fields(&self) -> Vec<Field> {
        let paths = self
            .exists
            .iter()
            .map(|e| &e.request.path)
            .chain([&self.create.path]);
        let mut fields = Vec::new();
        for path in paths {
            let path = path.split(['?', '#']).next().unwrap_or_default();
            for segment in path.split('/') {
                let found = template::placeholders(segment);
                let mut literal = String::new();
                let mut at = 0;
                for p in &found {
                    literal.push_str(&segment[at..p.start]);
                    at = p.end;
                }
                literal.push_str(&segment[at..]);
                if literal.chars().any(|c| c != '.') {
                    continue;
                }
                for p in found {
                    let field = p.name.strip_prefix("user.").and_then(Field::from_label);
                    if let Some(f) = field.filter(|f| !fields.contains(f)) {
                        fields.push(f);
                    }
                }
            }
        }
        fields
    }

    /// The problems of a row under the profile's field checks (see
    /// [`FieldCheck::problem`], a value in a path included), by field, for the values the
    /// row gives.
    pub fn row_problems(&self, row: &crate::UserRow) -> Vec<(Field, String)> {
        let values = template::Values {
            row: Some(row),
            fields: &self.fields,
            ..template::Values::default()
        };
        self.rules()
            .checks
            .iter()
            .filter_map(|check| {
                let value = values.get(&format!("user.{}", check.field.label()))?;
                Some((check.field, check.problem(&value)?))
            })
            .collect()
    }

    /// Whether creates are preceded by an exists probe.
    pub fn has_exists_probe(&self) -> bool {
        self.exists.is_some()
    }

    /// The credential combinations that can start a run, in order (login + password, or
    /// an access token). A profile with no login needs its key or token credential.
    pub fn alternatives(&self) -> Vec<Vec<CredentialId>> {
        if self.login.is_empty() {
            return vec![self.credentials.iter().map(|c| c.id.clone()).collect()];
        }
        self.login.iter().map(|l| l.when.clone()).collect()
    }

    /// The login alternative the typed credentials choose: the first whose credentials
    /// are all filled.
    pub fn chosen_login(&self, secrets: &Secrets) -> Option<usize> {
        self.login
            .iter()
            .position(|l| l.when.iter().all(|c| !c.value(secrets).is_empty()))
    }

    /// The API URL: the Server URL trimmed, without its trailing slash.
    pub fn api_url(&self, server_url: &str) -> String {
        server_url.trim().trim_end_matches('/').to_owned()
    }

    /// The settings as typed (trimmed), an empty one replaced by its default; unknown
    /// ids and empty values left out.
    pub fn settings_in_force(&self, typed: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut values = BTreeMap::new();
        for s in &self.settings {
            let given = typed.get(&s.id).map(|v| v.trim()).unwrap_or("");
            let value = if given.is_empty() {
                s.default.clone().unwrap_or_default()
            } else {
                given.to_owned()
            };
            if !value.is_empty() {
                values.insert(s.id.clone(), value);
            }
        }
        values
    }

    /// A request with no credential and no side effect, for the connection diagnosis:
    /// the profile's `diagnose` request, or a `GET` of the API URL.
    pub fn diagnosis_request(
        &self,
        server_url: &str,
        settings: &BTreeMap<String, String>,
    ) -> HttpRequest {
        let api = self.api_url(server_url);
        let settings = self.settings_in_force(settings);
        match &self.diagnose {
            Some(spec) => {
                let values = template::Values {
                    settings: Some(&settings),
                    ..template::Values::default()
                };
                template::build(&api, spec, &values)
            }
            None => HttpRequest {
                method: Method::Get,
                url: format!("{api}/"),
                headers: vec![("Accept".into(), "application/json".into())],
                body: Body::Empty,
            },
        }
    }

    /// Checks what serde cannot: the schema version, placeholders, alternatives, rules.
    /// On error: the key path, the message, and a text to find the line by.
    fn check(&self) -> Result<(), (String, String, Option<String>)> {
        let err = |path: &str, message: String, needle: Option<&str>| {
            Err((path.to_owned(), message, needle.map(str::to_owned)))
        };
        if self.schema != SCHEMA {
            return err(
                "schema",
                format!(
                    "this Roster reads schema {SCHEMA}; the profile says {}",
                    self.schema
                ),
                Some("\"schema\""),
            );
        }
        for (key, value) in [("id", &self.id), ("name", &self.name)] {
            if value.trim().is_empty() {
                return err(key, "must not be empty".into(), Some(&format!("\"{key}\"")));
            }
        }
        for (i, spec) in self.fields.iter().enumerate() {
            if spec.api_required == Some(true) && !spec.required {
                return err(
                    &format!("fields[{i}].api_required"),
                    format!(
                        "`{}` is required by the API: set `\"required\": true` too",
                        spec.field.label()
                    ),
                    Some("\"api_required\""),
                );
            }
        }
        for (i, identity) in self.identities.iter().enumerate() {
            let field = identity.field();
            if !matches!(field, Field::Email | Field::Username) || self.field(field).is_none() {
                return err(
                    &format!("identities[{i}]"),
                    format!(
                        "`{}` cannot identify an account: use email or username, and list it in `fields`",
                        identity.label()
                    ),
                    Some("\"identities\""),
                );
            }
        }
        if self.credentials.is_empty() {
            return err(
                "credentials",
                "a profile needs at least one credential".into(),
                Some("\"credentials\""),
            );
        }
        for (i, c) in self.credentials.iter().enumerate() {
            if let Some(problem) = c.id.problem() {
                return err(
                    &format!("credentials[{i}].id"),
                    problem,
                    Some(&format!("\"{}\"", c.id.as_str())),
                );
            }
            if self.credentials[..i].iter().any(|o| o.id == c.id) {
                return err(
                    &format!("credentials[{i}].id"),
                    format!("`{}` is declared twice", c.id.as_str()),
                    Some(&format!("\"{}\"", c.id.as_str())),
                );
            }
        }
        if self.login.is_empty() && self.token_credentials().is_empty() {
            return err(
                "login",
                "a profile without a login needs a secret credential (its token)".into(),
                Some("\"credentials\""),
            );
        }
        let has = |id: &CredentialId| self.credentials.iter().any(|c| &c.id == id);
        let scope = Scope {
            profile: self,
            captures: self
                .login
                .iter()
                .flat_map(|l| l.capture.keys().cloned())
                .collect(),
        };
        for (i, alt) in self.login.iter().enumerate() {
            let path = format!("login[{i}]");
            for c in &alt.when {
                if !has(c) {
                    return err(
                        &format!("{path}.when"),
                        format!("`{}` is not among the profile's credentials", c.as_str()),
                        Some(&format!("\"{}\"", c.as_str())),
                    );
                }
            }
            match (&alt.token, &alt.request) {
                (TokenAt::Pointer(p), _) if !p.is_empty() && !p.starts_with('/') => {
                    return err(
                        &format!("{path}.token.pointer"),
                        format!("`{p}` is not a JSON pointer (it starts with /)"),
                        Some(p),
                    );
                }
                (TokenAt::Pointer(_), None) => {
                    return err(
                        &format!("{path}.token"),
                        "a token read from an answer needs a request".into(),
                        Some("\"token\""),
                    );
                }
                (TokenAt::Credential(c), _) if !has(c) => {
                    return err(
                        &format!("{path}.token.credential"),
                        format!("`{}` is not among the profile's credentials", c.as_str()),
                        Some(&format!("\"{}\"", c.as_str())),
                    );
                }
                _ => {}
            }
            if let Some(request) = &alt.request {
                scope.request(&format!("{path}.request"), request, Place::Login)?;
            }
            for (name, capture) in &alt.capture {
                if !capture.pointer.starts_with('/') {
                    return err(
                        &format!("{path}.capture.{name}.pointer"),
                        format!("`{}` is not a JSON pointer", capture.pointer),
                        Some(&capture.pointer),
                    );
                }
            }
        }
        scope.text("auth.value", &self.auth.value, Place::Header)?;
        scope.request("create", &self.create, Place::Create)?;
        if let Some(probe) = &self.exists {
            scope.request("exists.request", &probe.request, Place::Create)?;
            if !probe.answers.iter().any(|r| r.then == Then::Absent) {
                return err(
                    "exists.answers",
                    "an exists probe needs a rule whose `then` is `absent`".into(),
                    Some("\"exists\""),
                );
            }
            check_rules("exists.answers", &probe.answers, true)?;
        }
        if let Some(spec) = &self.diagnose {
            scope.request("diagnose", spec, Place::Diagnose)?;
        }
        check_rules("answers", &self.answers, false)?;
        if let Some(IdAt::Pointer(p)) = &self.id_at {
            if !p.starts_with('/') {
                return err(
                    "id_at.pointer",
                    format!("`{p}` is not a JSON pointer"),
                    Some(p),
                );
            }
        }
        Ok(())
    }
}

fn check_rules(
    path: &str,
    rules: &[Rule],
    probe: bool,
) -> Result<(), (String, String, Option<String>)> {
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let bad = match rule.then {
            Then::Absent if !probe => Some("`absent` only belongs in an exists probe's rules"),
            Then::Created if probe => {
                Some("an exists probe creates nothing: use `exists` or `absent`")
            }
            _ => None,
        };
        if let Some(message) = bad {
            return Err((
                format!("{at}.then"),
                message.into(),
                Some("\"then\"".into()),
            ));
        }
        for p in rule
            .message
            .iter()
            .chain(rule.json.as_ref().map(|j| &j.pointer))
        {
            // "" is the whole answer (RFC 6901).
            if !p.is_empty() && !p.starts_with('/') {
                return Err((
                    at.clone(),
                    format!("`{p}` is not a JSON pointer (it starts with /)"),
                    Some(p.clone()),
                ));
            }
        }
    }
    Ok(())
}

/// Where a template is, for what it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A login request: credentials, settings, `{token}` (a pasted token) in headers.
    Login,
    /// A create or probe: user fields, settings, session values.
    Create,
    /// An auth header: `{token}` and settings.
    Header,
    /// The diagnosis request: settings only.
    Diagnose,
}

struct Scope<'a> {
    profile: &'a Profile,
    captures: Vec<String>,
}

impl Scope<'_> {
    fn request(
        &self,
        path: &str,
        spec: &RequestSpec,
        place: Place,
    ) -> Result<(), (String, String, Option<String>)> {
        if !spec.path.starts_with('/') {
            return Err((
                format!("{path}.path"),
                format!("`{}` must start with /", spec.path),
                Some(spec.path.clone()),
            ));
        }
        self.text(&format!("{path}.path"), &spec.path, place)?;
        // A secret never goes into a URL.
        for p in template::placeholders(&spec.path) {
            if p.name == "token" || p.name.starts_with("credentials.") {
                return Err((
                    format!("{path}.path"),
                    format!("`{{{}}}` would put a secret into the URL", p.name),
                    Some(spec.path.clone()),
                ));
            }
        }
        if spec.json.is_some() && spec.form.is_some() {
            return Err((
                path.to_owned(),
                "a request has a `json` body or a `form` body, not both".into(),
                Some("\"form\"".into()),
            ));
        }
        if spec.method == Method::Get && (spec.json.is_some() || spec.form.is_some()) {
            return Err((
                format!("{path}.method"),
                "a GET has no body".into(),
                Some("\"GET\"".into()),
            ));
        }
        for (name, value) in &spec.headers {
            self.text(
                &format!("{path}.headers.{name}"),
                value,
                place_of_header(place),
            )?;
        }
        if let Some(form) = &spec.form {
            for (name, value) in form {
                self.text(&format!("{path}.form.{name}"), value, place)?;
            }
        }
        if let Some(json) = &spec.json {
            self.json(&format!("{path}.json"), json, place)?;
        }
        Ok(())
    }

    fn json(
        &self,
        path: &str,
        value: &Value,
        place: Place,
    ) -> Result<(), (String, String, Option<String>)> {
        match value {
            Value::String(s) => self.text(path, s, place),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| self.json(&format!("{path}[{i}]"), v, place)),
            Value::Object(map) => map
                .iter()
                .try_for_each(|(k, v)| self.json(&format!("{path}.{k}"), v, place)),
            _ => Ok(()),
        }
    }

    /// Every placeholder in `text` names something this place may use.
    fn text(
        &self,
        path: &str,
        text: &str,
        place: Place,
    ) -> Result<(), (String, String, Option<String>)> {
        for p in template::placeholders(text) {
            let fail = |why: String| Err((path.to_owned(), why, Some(text.to_owned())));
            let (space, name) = p.name.split_once('.').unwrap_or(("", p.name.as_str()));
            let allowed = match (space, place) {
                ("", _) if name == "token" => matches!(place, Place::Header),
                ("user", Place::Create) => {
                    if Field::from_label(name).is_none() {
                        return fail(format!(
                            "`{{{}}}`: no Roster field is called `{name}`",
                            p.name
                        ));
                    }
                    true
                }
                ("settings", _) => {
                    if !self.profile.settings.iter().any(|s| s.id == name) {
                        return fail(format!(
                            "`{{{}}}`: the profile has no setting `{name}`",
                            p.name
                        ));
                    }
                    true
                }
                ("session", Place::Create) => {
                    let known = self.captures.iter().any(|c| c == name)
                        || self.profile.settings.iter().any(|s| s.id == name);
                    if !known {
                        return fail(format!(
                            "`{{{}}}`: no login captures `{name}` and no setting is called so",
                            p.name
                        ));
                    }
                    true
                }
                ("credentials", Place::Login | Place::Create | Place::Header) => {
                    if !self.profile.credentials.iter().any(|c| c.id.0 == name) {
                        return fail(format!(
                            "`{{{}}}`: the profile has no credential `{name}`",
                            p.name
                        ));
                    }
                    true
                }
                _ => false,
            };
            if !allowed {
                return fail(format!("`{{{}}}` cannot be used here", p.name));
            }
            if let Some(filter) = &p.filter {
                if !template::FILTERS.contains(&filter.as_str()) {
                    return fail(format!(
                        "`{{{}|{filter}}}`: unknown filter, expected one of {}",
                        p.name,
                        template::FILTERS.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Headers of a login request may send a pasted token (whoami).
fn place_of_header(place: Place) -> Place {
    match place {
        Place::Login => Place::Header,
        other => other,
    }
}

/// The line of a semantic error: where the offending text first appears after the first
/// key of its path, else anywhere.
fn line_of(text: &str, path: &str, needle: &str) -> Option<usize> {
    let first_key = path.split(['.', '[']).next().unwrap_or("");
    let start = text.find(&format!("\"{first_key}\"")).unwrap_or(0);
    let at = text[start..]
        .find(needle)
        .map(|i| i + start)
        .or_else(|| text.find(needle))
        .unwrap_or(start);
    Some(text[..at].matches('\n').count() + 1)
}
