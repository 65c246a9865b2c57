//! The profile's schema: what a profile file holds, read and written by serde. Its
//! checks beyond serde's are in `validity`, what it means for rows and requests in the
//! module above.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::http::Method;
use crate::input::field::Field;
use crate::targets::send::Secrets;

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
    /// Built-in fields the profile never sends, not offered in the mapping (`["name"]`
    /// for an API that takes no name): a column named so stays "(not imported)".
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::input::spec::labels"
    )]
    pub unmapped: Vec<Field>,
    /// What identifies an account on the server: `email`, `username`, or both (each on
    /// its own: two rows that share either would be one account, or collide). Rows that
    /// share one (ignoring case, a user name taken from the address included) are
    /// flagged before anything is sent, and never in flight at once. Default: `email`.
    #[serde(default = "default_identities", with = "crate::input::spec::labels")]
    pub identities: Vec<Field>,
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
    /// How the token goes on the creates and probes. Optional when every login
    /// alternative carries its own `auth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    /// The request that tells whether an account exists, for APIs whose create is an
    /// upsert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<ExistsProbe>,
    /// The request that creates one account.
    pub create: RequestSpec,
    /// How an existing account is updated (the run setting "Existing accounts: Update"):
    /// needs `exists`, whose answer gives the account's id and current values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateSpec>,
    /// What answers mean, first match wins.
    #[serde(default)]
    pub answers: Vec<Rule>,
    /// Where a created account's id is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_at: Option<IdAt>,
    /// Requests run after a row's create succeeds (join rooms, add to groups, send an
    /// invitation), in order; see [`Step`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// How the steps find the new account's id when the create's answer gave none (a
    /// `Location` header the browser may not read): a request, and a JSON pointer to the
    /// id in its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_lookup: Option<IdLookup>,
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
    /// What a generated password must be for this API (see
    /// [`crate::input::passwords::PasswordPolicy`]); Roster's own when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<crate::input::passwords::PasswordPolicy>,
}

fn default_identities() -> Vec<Field> {
    vec![Field::Email]
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
    pub(crate) fn is_password(&self) -> bool {
        self.0 == "password"
    }

    /// Why it cannot be a credential's id, if it cannot.
    pub(crate) fn problem(&self) -> Option<String> {
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
    /// Fields this setting replaces when it is on (an invitation e-mail replaces the
    /// password): they are then not required, and the create sends none of them (a
    /// top-level key of the create's JSON filled only from them is left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
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

pub use crate::input::spec::{Fallback, FieldSpec, ValueCheck as Check};

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
    /// How the token (or the typed credentials) go on creates and probes when this
    /// alternative is used; the profile's `auth` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    /// The request that ends the session this login made (`{token}` is its token), sent
    /// when Roster is done with it: after "Check login", and at the end of a run, stopped
    /// or failed too (Synapse keeps a device per password login). Only for a login whose
    /// token it makes (`token.pointer`), never for a pasted token: that is the admin's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logout: Option<RequestSpec>,
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

/// How the token goes on each create and probe: a header `value` template
/// (`Bearer {token}`), or HTTP Basic auth built from two templates (`basic`: the user
/// and the password, e.g. `{credentials.login}` and `{credentials.password}`), which
/// Roster joins with `:` and encodes in base64 (RFC 7617) itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// The header: `Authorization` by default.
    #[serde(default = "authorization")]
    pub header: String,
    /// A template with `{token}`: `Bearer {token}`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// Basic auth: the user and the password, as templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<[String; 2]>,
}

fn authorization() -> String {
    "Authorization".into()
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

/// An update of an account the exists probe found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSpec {
    /// The request, filled like the create; values `capture` reads from the exists
    /// probe's answer are `{found.NAME}`. A password placeholder is filled only when the
    /// admin ticks "Also set passwords of existing accounts"; otherwise it is empty, so
    /// a key that is exactly that placeholder is left out of the body.
    pub request: RequestSpec,
    /// The look-up that finds the account, for a profile without `exists` (whose create
    /// answers "already exists" itself, such as Keycloak's): sent only by updates (the
    /// preview and a run with "Existing accounts: Update"), read as an exists probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub find: Option<ExistsProbe>,
    /// Top-level keys of the JSON body left out unless the admin ticks "Also set
    /// passwords of existing accounts" (Keycloak's `credentials`), besides any key that
    /// is exactly `{user.password}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub password_keys: Vec<String>,
    /// Values read from the exists probe's answer (GitLab's user id at `/0/id`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, Capture>,
    /// Where the exists probe's answer holds each field's current value (`"name":
    /// "/displayname"`), so that the preview shows which fields change. Without it the
    /// preview says only that the accounts will be overwritten.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub current: BTreeMap<String, String>,
    /// What the update's answers mean, before the profile's `answers` (whose `created`,
    /// `exists` and `conflict` rules do not apply to an update): `created` here means
    /// updated.
    pub answers: Vec<Rule>,
}

/// A request run after a row's create succeeds, filled from the row, the settings, the
/// new account's id (`{account.id}`, from `id_at`) and, with `each`, one value of a
/// field (`{step.value}`). Its answers go through its own `answers` first, then the
/// profile's (429, 401, 5xx…); in them `created` and `exists` both mean the step is done
/// (`exists`: it was done already). A failed step leaves the account `created`, with a
/// warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A short stable id: `rooms`, `groups`.
    pub id: String,
    /// What it does, for the report: "Join room".
    pub label: String,
    /// A field whose value, split on `;`, runs the step once per value (`rooms`): a row
    /// with no value runs it not at all. Without `each` the step runs once per row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<String>,
    /// A setting that turns the step on: it runs only when that setting is `yes`
    /// (`true`, `1`, `on`), such as "Send an invitation e-mail".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The request. Without one, the step records what the create itself asked for (GitLab's
    /// `reset_password` invitation): done once the create succeeded, with `label` in the
    /// report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSpec>,
    #[serde(default)]
    pub answers: Vec<Rule>,
}

/// A request that finds a created account's id (see [`Profile::id_lookup`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdLookup {
    pub request: RequestSpec,
    /// Where the id is in a 2xx answer: `/0/id`.
    pub pointer: String,
}

/// Whether a setting's value turns something on (`yes`, `true`, `1`, `on`).
pub fn setting_on(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "yes" | "true" | "1" | "on"
        )
    })
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
    /// For `"stop": "setting"`: the id of the setting the answer says is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// For `transient` (default true) and `fatal` (default false) on a create: whether
    /// the server may have created the account anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambiguous: Option<bool>,
    /// For `conflict` on a create: a request sent after this answer that names the other
    /// account (the one that holds the row's address), for the row's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Lookup>,
}

/// A look-up of the other account of a conflict: a request (templates as a create's),
/// and a JSON pointer to that account's name in its answer (`/0/username`). An answer
/// that fails or names nobody keeps the conflict, saying the account could not be named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    pub request: RequestSpec,
    pub name_at: String,
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
    /// A setting is wrong (an unknown virtual host, realm or tenant): the rule's
    /// `setting` names it.
    Setting,
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
    /// A template filled from the row and the settings, for APIs whose answer holds no
    /// id: `{user.username}@{settings.host}`.
    Template(String),
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
