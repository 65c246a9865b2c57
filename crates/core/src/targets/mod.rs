//! What a kind of target is, in one place: the form it needs (credentials and run
//! settings), the fields its rows carry and the rules they follow, its pacing, its checks,
//! the URL it calls and the request that probes it, and the [`Target`] that talks to it.
//!
//! The page renders the connection form and the mapping choices from this description and
//! never compares target names.
//!
//! A kind of target is a [`Kind`]. **Adding a built-in target touches one module and one
//! line**: the module (like [`aurora`] or [`mumara`]) builds its requests, reads its
//! answers ([`send::Target`]) and describes itself (`impl Kind`); the line adds it to
//! [`BUILTINS`]. Targets described by a declarative JSON file are [`profile`]s, and the
//! shipped presets are profiles too.
//!
//! - [`send`]: the [`send::Target`] trait, requests and answers as data;
//! - [`aurora`], [`mumara`]: the built-in targets;
//! - [`profile`]: declarative targets and the shipped presets;
//! - [`credentials`]: what a target asks the admin to type, as data;
//! - [`check`]: what a read-only listing of the server finds, and its trait; [`preview`]: a Dry run's requests;
//!   [`diagnose`]: why a server cannot be reached from the page.

pub mod aurora;
pub mod check;
pub mod credentials;
pub mod diagnose;
pub mod id;
pub mod mumara;
pub mod preview;
pub mod profile;
pub mod send;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::http::HttpRequest;
use crate::input::field::Field;
pub use crate::input::spec::FieldSpec;
use crate::input::validate::{Rules, UsernameRule};
pub use credentials::CredentialField;
pub use id::TargetId;
use send::{Secrets, Target};

/// A run setting of the form: not a secret, the same for every row (Mumara's default
/// package, a Keycloak realm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub id: String,
    pub label: String,
    pub placeholder: String,
    /// Digits only (the field gets a numeric keyboard).
    pub numeric: bool,
    /// The rows are checked again when it changes (a default some rows rely on).
    pub affects_rows: bool,
    /// A sentence shown under the field (empty: none).
    pub hint: String,
}

/// The form's settings that would give rows a field they are missing (Mumara rows saying
/// "package_id: missing" and the Package ID field), with how many rows miss it: the
/// page points to each (issue 27). A setting gives field `f` when its id is `f`'s key.
/// `tally` is the rows' ([`Tally::of`]); when it counts no row with a missing field, no
/// row is looked at.
///
/// [`Tally::of`]: crate::input::plan::Tally::of
pub fn missing_settings(
    settings: &[Setting],
    rows: &[crate::input::plan::PlannedRow],
    tally: crate::input::plan::Tally,
) -> Vec<(Setting, usize)> {
    if tally.missing == 0 {
        return Vec::new();
    }
    settings
        .iter()
        .filter_map(|s| {
            let n = rows
                .iter()
                .filter(|r| !r.excluded)
                .filter(|r| {
                    r.problems()
                        .iter()
                        .any(|p| p.missing_field().is_some_and(|f| f.label() == s.id))
                })
                .count();
            (n > 0).then(|| (s.clone(), n))
        })
        .collect()
}

/// A target's own setting that allows a page's origin (see `shared/protocols/aurora.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsSetting {
    /// The file that holds it.
    pub file: &'static str,
    pub key: &'static str,
}

/// Why a target cannot be built from the form's settings ([`Kind::build`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// Required settings left empty, by label: "Enter the Realm."
    Missing(Vec<String>),
    /// A setting that must be a positive number is not: `Package ID "0" is not a positive number.`
    NotPositive { label: String, value: String },
    /// A setting the target refuses, and why: "Timezone: …".
    Invalid { label: String, problem: String },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Missing(labels) => write!(f, "Enter the {}.", labels.join(" and ")),
            BuildError::NotPositive { label, value } => {
                write!(f, "{label} \"{value}\" is not a positive number.")
            }
            // A problem that names its field already (a number out of range) is said as it is.
            BuildError::Invalid { label, problem } if problem.starts_with(label.as_str()) => {
                f.write_str(problem)
            }
            BuildError::Invalid { label, problem } => write!(f, "{label}: {problem}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// The values typed into a target's settings, by setting id.
pub type Settings = BTreeMap<String, String>;

/// Why "Also set passwords of existing accounts" is not offered while an invitation
/// e-mail replaces passwords ([`TargetKind::no_update_passwords_with`]).
pub const INVITATION_KEEPS_PASSWORDS: &str = "An invitation e-mail replaces passwords: an update never sets the password of an existing account while it is on.";

/// The built-in targets, in the order the Target select lists them. A new built-in
/// target is one more line here.
pub static BUILTINS: &[&(dyn Kind + Sync)] = &[&aurora::AuroraKind, &mumara::MumaraKind];

/// What a kind of target is: everything the page and the engine need to know about it.
/// Implemented by each built-in target's module and by [`profile::Profile`].
pub trait Kind: fmt::Debug + Send + Sync {
    /// A stable id: the select's option value, and part of a saved run's key.
    fn id(&self) -> &str;

    /// The name shown to the user.
    fn name(&self) -> &str;

    /// [`Kind::id`] as the type journals, locks and file names carry.
    fn target_id(&self) -> TargetId {
        TargetId::new(self.id())
    }

    /// An example Server URL for the form's placeholder.
    fn server_placeholder(&self) -> &str;

    /// The credentials the form asks for, in order.
    fn credentials(&self) -> Vec<CredentialField>;

    /// What is missing from `secrets` for a run to start, in words; `None` when nothing is.
    fn missing_credentials(&self, secrets: &Secrets) -> Option<String>;

    /// The run settings the form asks for, in order.
    fn settings(&self) -> Vec<Setting> {
        Vec::new()
    }

    /// The fields its rows carry, as it declares them (id, label, check, aliases,
    /// required, fallback, secret, default, longest value), in the order its template
    /// lists them: the mapping's choices. First and last name columns are joined into
    /// the name.
    fn field_specs(&self) -> Vec<FieldSpec>;

    /// The ids of [`Kind::field_specs`].
    fn fields(&self) -> Vec<Field> {
        self.field_specs().iter().map(|s| s.field).collect()
    }

    /// The rules a row follows for this target (the page adds its own settings).
    fn rules(&self, settings: &Settings) -> Rules {
        Rules {
            username: UsernameRule::Ignored,
            fields: self.field_specs(),
            ..Rules::new(required_by(self, settings))
        }
    }

    /// What identifies an account on the server: the address (Aurora, Mumara), the user
    /// name (Synapse), or each on its own (Keycloak, GitLab). Rows that share one are
    /// flagged before anything is sent ([`Rules::unique_usernames`]), and the run never
    /// has two requests for one identity in flight.
    fn identities(&self) -> Vec<Field> {
        vec![Field::Email]
    }

    /// What a password generated for this target must be (lengths, character classes):
    /// Roster's own 20 characters of four classes unless the target says otherwise.
    fn password_policy(&self) -> crate::input::passwords::PasswordPolicy {
        crate::input::passwords::PasswordPolicy::default()
    }

    /// The requests per minute a new form starts with (`None`: unpaced).
    fn default_rate(&self) -> Option<u32> {
        None
    }

    /// Whether "Check" can log in and list what the server holds (Aurora's GetUsers).
    fn has_check(&self) -> bool {
        false
    }

    /// Whether rows left unknown after a run are settled by listing the accounts
    /// (Aurora's GetUsers).
    fn settles_unknown(&self) -> bool {
        false
    }

    /// The read-only check that logs in and lists what the server holds, for "Check", a
    /// resume and settling unknown rows; `None` for targets without one.
    fn listing(&self, _server_url: &str, _secrets: Secrets) -> Option<Box<dyn check::Listing>> {
        None
    }

    /// Whether rows left unknown after a run are settled by an exists probe (see
    /// `Run::settle_probes`).
    fn settles_by_probe(&self) -> bool {
        false
    }

    /// Whether the run setting "Existing accounts" may be "Update": the target finds an
    /// existing account (exists probe) and declares how to update it. When it cannot,
    /// [`Kind::no_update`] says why, for the page and the command line.
    fn updates(&self) -> bool {
        false
    }

    /// Why "Update" is not offered for this target, in one sentence.
    fn no_update(&self) -> String {
        format!(
            "{} cannot update existing accounts in this version of Roster: Existing accounts may be Skip or Stop at the first.",
            self.name()
        )
    }

    /// Why "Also set passwords of existing accounts" is not offered for this target's
    /// update, in one sentence; `None` when its update can set them.
    fn no_update_passwords(&self) -> Option<String> {
        None
    }

    /// The URL the run calls, derived from the Server URL the user typed.
    fn api_url(&self, server_url: &str) -> String;

    /// A request the API answers without side effects and without credentials, for the
    /// diagnosis of an unreachable server.
    fn probe(&self, server_url: &str, settings: &Settings) -> HttpRequest;

    /// Where the target's files live, for the same-origin fix of the diagnosis.
    fn web_root(&self) -> String {
        format!("the web root of {}", self.name())
    }

    /// What the Server URL must be, for the wrong-URL finding of the diagnosis.
    fn server_url_hint(&self) -> String;

    /// The target's own setting that allows another origin (CORS), when it has one.
    fn cors_setting(&self) -> Option<CorsSetting> {
        None
    }

    /// The [`Target`] a run talks to, from the Server URL and the settings; a setting that
    /// is not what the target accepts is refused ([`BuildError`] says so in words).
    fn build(&self, server_url: &str, settings: &Settings) -> Result<Box<dyn Target>, BuildError>;

    /// The profile, for a profile target.
    fn profile(&self) -> Option<&profile::Profile> {
        None
    }

    /// What a column of the template holds, in a few words, for its note (see
    /// [`TargetKind::template`]). A target with its own meaning for a field says so here.
    fn column_note(&self, field: Field) -> String {
        match field {
            // A target's own field says what it is by its label.
            Field::Custom(_) => crate::input::spec::title_of(&self.field_specs(), field),
            _ => generic_note(field).into(),
        }
    }
}

/// What a template column holds, for any target.
fn generic_note(field: Field) -> &'static str {
    match field {
        Field::Email => "the account's address",
        Field::Password => "the new account's password",
        Field::Name => "the full name, or first_name and last_name columns instead",
        Field::FirstName => "the first name",
        Field::LastName => "the last name",
        Field::Role => "1 tenant admin, 2 user, 3 customer; empty: the run's default",
        Field::QuotaMb => "the mailbox quota: 500, 500 MB or 2 GB; empty: the run's default",
        Field::TenantId => "the tenant's number; empty: the default tenant",
        Field::PackageId => "the package's number; empty: the Package ID typed in the form",
        Field::Timezone => "a UTC offset such as +05:00 or -03:30",
        Field::LoginIps => "the IP addresses allowed to sign in, in quotes when more than one",
        Field::Username => "the sign-in name",
        Field::Custom(_) => "",
    }
}

/// The example row's value for a field: made up, obviously an example, and valid.
fn example_value(field: Field) -> &'static str {
    match field {
        Field::Email => "ann.example@example.com",
        Field::Password => "Example-Pass-2026",
        Field::Name => "Ann Example",
        Field::FirstName => "Ann",
        Field::LastName => "Example",
        Field::Role => "2",
        Field::QuotaMb => "1024",
        Field::TenantId => "",
        Field::PackageId => "1",
        Field::Timezone => "+01:00",
        Field::LoginIps => "",
        Field::Username => "ann.example",
        Field::Custom(_) => "",
    }
}

/// An example value of a target's own field that passes its check: one of its allowed
/// values, a number, an address, or its label (cut to its longest value); empty for an
/// optional field with a default.
fn custom_example(spec: &FieldSpec) -> String {
    use crate::input::spec::ValueCheck;
    let text = match &spec.check {
        ValueCheck::Enum(allowed) => allowed.first().cloned().unwrap_or_default(),
        ValueCheck::Integer => "1".to_owned(),
        ValueCheck::Email => "ann.example@example.com".to_owned(),
        ValueCheck::Localpart => "ann.example".to_owned(),
        _ if spec.default.is_some() && !spec.required => String::new(),
        _ => spec.title().replace([',', '"', '\r', '\n'], " "),
    };
    text.chars()
        .take(spec.max_len.unwrap_or(usize::MAX))
        .collect()
}

/// The fields every row of `kind` must give, given the settings.
fn required_by<K: Kind + ?Sized>(kind: &K, settings: &Settings) -> Vec<Field> {
    match kind.build("http://localhost", settings) {
        Ok(target) => target.required(),
        Err(_) => vec![Field::Email, Field::Password],
    }
}

/// A POST that asks for JSON: the shape of the built-in targets' diagnosis probes.
fn post_for_json(url: String, body: crate::http::Body) -> HttpRequest {
    HttpRequest {
        method: crate::http::Method::Post,
        url,
        headers: vec![("Accept".into(), "application/json".into())],
        body,
    }
}

/// A typed setting the target refuses (a default role out of range, a package id of 0),
/// said while the admin types it. A required setting left empty is not one: Start asks
/// for it ([`Kind::build`]'s [`BuildError::Missing`]).
pub fn refused_setting(kind: &dyn Kind, settings: &Settings) -> Option<BuildError> {
    match kind.build("https://localhost", settings) {
        Ok(_) | Err(BuildError::Missing(_)) => None,
        Err(refused) => Some(refused),
    }
}

/// Why the form's credentials and settings cannot be sent as typed, naming the field;
/// `None` when they can. Asked before Start, Check and Dry run (after
/// [`Kind::missing_credentials`]), so that nothing is sent:
///
/// - a credential or setting holding an invisible character (a zero-width space, a byte
///   order mark, a control or other format character: see [`crate::http::is_invisible`])
///   is refused, as it almost always came with a paste and would make the server refuse
///   the value, or the browser refuse the request;
/// - a request header filled from a credential or a setting (a key, a token, a profile's
///   header) that a browser cannot send (a character above U+00FF such as a curly quote,
///   see [`crate::http::header_problem`]) is refused, naming the field it came from.
///
/// Never shows a secret's value: only its label and the character's code point.
pub fn unsendable(
    kind: &dyn Kind,
    server_url: &str,
    settings: &Settings,
    secrets: &Secrets,
) -> Option<String> {
    use crate::http::{char_name, code_point, header_problem, is_invisible};
    if diagnose::has_userinfo(server_url) {
        // Never echo the URL: it holds a password.
        return Some(
            "The Server URL holds a user name or password before the server's name (user:password@). Remove it: Roster asks for credentials in their own fields, and never stores or sends them in a URL."
                .into(),
        );
    }
    let typed: Vec<(String, &str)> = kind
        .credentials()
        .into_iter()
        .map(|f| (f.label.clone(), f.value(secrets)))
        .chain(kind.settings().into_iter().map(|s| {
            let value = settings.get(&s.id).map_or("", String::as_str);
            (s.label, value)
        }))
        .collect();
    for (label, value) in &typed {
        if let Some(c) = value.chars().find(|&c| is_invisible(c)) {
            return Some(format!(
                "The {label} holds an invisible character: {} ({}), most likely copied with it. Type or paste the {label} again without it.",
                char_name(c),
                code_point(c)
            ));
        }
    }
    let target = kind.build(server_url, settings).ok()?;
    let mut requests = Vec::new();
    let session = match target.login(secrets) {
        send::LoginStep::Request(request) => {
            requests.push(request);
            // A stand-in for the token the login would give: only the headers filled
            // from the form are looked at.
            send::Session::new("token")
        }
        send::LoginStep::Ready(session) => session,
    };
    let row = crate::input::map::UserRow {
        email: "ann.example@example.com".into(),
        password: "Example-Pass-2026".into(),
        username: Some("ann.example".into()),
        name: Some("Ann Example".into()),
        ..Default::default()
    };
    requests.push(target.create(&session, &row));
    requests.extend(target.exists_probe(&session, &row));
    for request in &requests {
        for (name, value) in &request.headers {
            let Some(problem) = header_problem(name, value) else {
                continue;
            };
            let bad = value
                .chars()
                .find(|&c| u32::from(c) > 0xFF || matches!(c, '\0' | '\r' | '\n'));
            let from = bad.and_then(|c| typed.iter().find(|(_, v)| v.contains(c)));
            return Some(match (from, bad) {
                (Some((label, _)), Some(c)) => format!(
                    "The {label} holds {} ({}), which cannot be sent in the {name} header: a browser sends only characters up to U+00FF there. Type or paste the {label} again (a curly quote or a dash is often a word processor's stand-in for ' or -).",
                    char_name(c),
                    code_point(c)
                ),
                _ => problem,
            });
        }
    }
    None
}

/// A typed number that is not a whole number in its range: "Default role must be a whole
/// number from 1 to 3."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotInRange {
    pub label: String,
    pub min: u64,
    pub max: u64,
}

impl fmt::Display for NotInRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be a whole number from {} to {}.",
            self.label, self.min, self.max
        )
    }
}

impl std::error::Error for NotInRange {}

/// A whole number typed in a form field: `None` when empty, or why it is not one in
/// `min..=max`.
pub fn whole_number(label: &str, raw: &str, min: u64, max: u64) -> Result<Option<u64>, NotInRange> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(Some(v)),
        _ => Err(NotInRange {
            label: label.into(),
            min,
            max,
        }),
    }
}

/// A setting's value, trimmed; `None` when it is empty or absent.
pub fn setting(settings: &Settings, id: &str) -> Option<String> {
    settings
        .get(id)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The kind of target chosen in the page: a built-in, a shipped preset or a loaded
/// profile. Cheap to clone; two are equal when their ids are. It derefs to its [`Kind`].
#[derive(Debug, Clone)]
pub struct TargetKind(Inner);

#[derive(Debug, Clone)]
enum Inner {
    Builtin(&'static (dyn Kind + Sync)),
    Profile(Arc<profile::Profile>),
}

impl PartialEq for TargetKind {
    fn eq(&self, other: &TargetKind) -> bool {
        self.id() == other.id()
    }
}

impl Deref for TargetKind {
    type Target = dyn Kind;
    fn deref(&self) -> &(dyn Kind + 'static) {
        match &self.0 {
            Inner::Builtin(kind) => *kind,
            Inner::Profile(profile) => profile,
        }
    }
}

/// The first built-in target (Aurora).
impl Default for TargetKind {
    fn default() -> TargetKind {
        TargetKind(Inner::Builtin(BUILTINS[0]))
    }
}

impl TargetKind {
    /// A profile target: a shipped preset or a profile the admin loaded.
    pub fn from_profile(profile: profile::Profile) -> TargetKind {
        TargetKind(Inner::Profile(Arc::new(profile)))
    }

    /// The built-in targets ([`BUILTINS`]), in the order the Target select lists them.
    pub fn builtins() -> Vec<TargetKind> {
        BUILTINS
            .iter()
            .map(|kind| TargetKind(Inner::Builtin(*kind)))
            .collect()
    }

    /// The built-ins, then the shipped presets: what the Target select lists.
    pub fn shipped() -> Vec<TargetKind> {
        let mut all = TargetKind::builtins();
        all.extend(profile::presets().into_iter().map(TargetKind::from_profile));
        all
    }

    /// The target by its [`Kind::id`], among the built-ins and the presets.
    pub fn by_id(id: &str) -> Option<TargetKind> {
        TargetKind::shipped().into_iter().find(|k| k.id() == id)
    }

    /// Whether a setting that is on replaces the password (an invitation e-mail is sent
    /// instead): rows need none, none is sent or generated, and none is handed out.
    pub fn invites(&self, settings: &Settings) -> bool {
        self.profile().is_some_and(|p| {
            p.replaced(settings)
                .iter()
                .any(|f| f == Field::Password.label())
        })
    }

    /// Why "Also set passwords of existing accounts" is not offered, given the settings:
    /// the target's update cannot set them ([`Kind::no_update_passwords`]), or an
    /// invitation e-mail replaces passwords ([`TargetKind::invites`]). `None` when offered.
    pub fn no_update_passwords_with(&self, settings: &Settings) -> Option<String> {
        self.no_update_passwords().or_else(|| {
            self.invites(settings)
                .then(|| INVITATION_KEEPS_PASSWORDS.to_owned())
        })
    }

    /// The fields every row must give, given the settings.
    pub fn required(&self, settings: &Settings) -> Vec<Field> {
        required_by(&**self, settings)
    }

    /// The columns of the template: the target's fields, with the name rather than its
    /// first and last parts.
    pub fn template_fields(&self) -> Vec<Field> {
        self.fields()
            .into_iter()
            .filter(|f| !matches!(f, Field::FirstName | Field::LastName))
            .collect()
    }

    /// [`TargetKind::template_fields`] as the target declares them.
    pub fn template_specs(&self) -> Vec<FieldSpec> {
        let specs = self.field_specs();
        self.template_fields()
            .into_iter()
            .map(|f| {
                crate::input::spec::spec_of(&specs, f)
                    .cloned()
                    .unwrap_or_else(|| FieldSpec::builtin(f))
            })
            .collect()
    }

    /// The template's header line, CRLF-terminated.
    pub fn template_header(&self) -> String {
        let labels: Vec<String> = self
            .template_fields()
            .into_iter()
            .map(|f| f.label().to_owned())
            .collect();
        format!("{}\r\n", labels.join(","))
    }

    /// The note on one template column: what it holds, whether a row must give it, and
    /// the profile's own limits (longest value, where an empty value comes from).
    pub fn template_note(&self, field: Field) -> String {
        let required = match self.profile() {
            Some(profile) => profile.required_fields().contains(&field),
            None => self.required(&Settings::new()).contains(&field),
        };
        // A run setting of the same name fills the column's empty cells (Mumara's package).
        let defaulted = self.settings().iter().any(|s| s.id == field.label());
        let mut parts = vec![self.column_note(field)];
        let mut from_address = false;
        if let Some(spec) = self.profile().and_then(|p| p.field(field)) {
            if let Some(max) = spec.max_len {
                parts.push(format!("at most {max} characters"));
            }
            if spec.fallback == Some(profile::Fallback::EmailLocalpart) {
                parts.push("empty: the address's part before the at sign".into());
                from_address = true;
            }
            if let Some(default) = spec.default.as_deref().filter(|d| !d.is_empty()) {
                parts.push(format!("empty: {default}"));
            }
        }
        // A profile says who requires it: the API itself, or Roster.
        let by = self
            .profile()
            .and_then(|p| p.field(field).and_then(|spec| spec.required_by(&p.name)));
        let need = match by {
            Some(by) if from_address && by != "required by Roster" => {
                format!("{by}, an empty cell takes the address's")
            }
            _ if !required || from_address => "optional".to_owned(),
            _ if defaulted => "required unless set in the form".to_owned(),
            Some(by) => by,
            None => "required".to_owned(),
        };
        format!("{}: {} ({need})", field.label(), parts.join("; "))
    }

    /// The template as downloaded, CRLF lines: two quoted note lines (what the file is,
    /// and a note per column) that the reader skips as a preamble (they hold no address
    /// and fewer cells than the header), the header, and one example row that passes the
    /// target's checks.
    pub fn template(&self) -> String {
        let fields = self.template_fields();
        let notes: Vec<String> = fields.iter().map(|f| self.template_note(*f)).collect();
        let quote = |text: String| format!("\"{}\"\r\n", text.replace('"', "\"\""));
        let specs = self.field_specs();
        let example: Vec<String> = fields
            .iter()
            .map(|f| match f {
                Field::Custom(_) => crate::input::spec::spec_of(&specs, *f)
                    .map(custom_example)
                    .unwrap_or_default(),
                _ => example_value(*f).to_owned(),
            })
            .collect();
        let mut out = quote(format!(
            "Roster template for {}. Replace the example row below the header with your accounts; these two note lines are skipped when the file is read.",
            self.name()
        ));
        out.push_str(&quote(format!("Columns. {}.", notes.join(". "))));
        out.push_str(&self.template_header());
        out.push_str(&example.join(","));
        out.push_str("\r\n");
        out
    }

    /// The template's file name.
    pub fn template_file_name(&self) -> String {
        format!("roster-template-{}.csv", self.target_id().file_part())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::plan::Tally;

    fn aurora() -> TargetKind {
        TargetKind::by_id("aurora").unwrap()
    }

    fn mumara() -> TargetKind {
        TargetKind::by_id("mumara").unwrap()
    }

    /// Mumara rows without a package point to the Package ID field; once it is typed,
    /// no row does (issue 27).
    #[test]
    fn rows_missing_a_field_a_setting_gives_point_to_that_setting() {
        use crate::input::map::Mapping;
        use crate::input::plan::plan_with;
        let t = crate::input::read::read(
            b"name,email,password\nAnn,ann@example.com,Pw-ann-1234\nBo,bo@example.com,Pw-bo-12345\n",
        )
        .unwrap();
        let kind = mumara();
        let rules = kind.rules(&Settings::new());
        let m = Mapping::auto_for(&t, rules.mapped_fields());
        let rows = plan_with(&t, &m, &rules);
        let tally = Tally::of(&rows);
        assert_eq!(tally.missing, 2);
        let missing = missing_settings(&kind.settings(), &rows, tally);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(
            (missing[0].0.label.as_str(), missing[0].1),
            ("Package ID", 2)
        );
        let mut settings = Settings::new();
        settings.insert("package_id".into(), "3".into());
        let rules = kind.rules(&settings);
        let rows = plan_with(&t, &m, &rules);
        assert_eq!(Tally::of(&rows).missing, 0);
        assert!(missing_settings(&kind.settings(), &rows, Tally::of(&rows)).is_empty());
        // Aurora's defaults are never missing.
        assert!(missing_settings(&aurora().settings(), &rows, Tally::of(&rows)).is_empty());
    }

    /// The tally's count of rows missing a field follows exclusions and edits, as the
    /// page keeps it (`Sheet::set_excluded`, `Sheet::edit`): an excluded row asks for no
    /// setting, and a row given its value no longer counts.
    #[test]
    fn the_tally_counts_rows_missing_a_field_through_exclusions_and_edits() {
        use crate::input::map::Mapping;
        use crate::input::plan::{plan_with, Sheet};
        let t = crate::input::read::read(
            b"name,email,password,package\nAnn,ann@example.com,Pw-ann-1234,\nBo,bo@example.com,Pw-bo-12345,\n",
        )
        .unwrap();
        let kind = mumara();
        let rules = kind.rules(&Settings::new());
        let mut m = Mapping::auto_for(&t, rules.mapped_fields());
        let package = kind
            .fields()
            .into_iter()
            .find(|f| f.label() == "package_id");
        m.columns[3] = Some(package.expect("Mumara has a package field"));
        let mut rows = plan_with(&t, &m, &rules);
        let mut tally = Tally::of(&rows);
        assert_eq!(tally.missing, 2, "{rows:?}");
        let mut sheet = Sheet::new(t, m, rules);
        sheet.set_excluded(&mut rows, &mut tally, 0, true);
        assert_eq!((tally.missing, tally.excluded), (1, 1));
        assert_eq!(tally, Tally::of(&rows));
        let missing = missing_settings(&kind.settings(), &rows, tally);
        assert_eq!(missing[0].1, 1);
        sheet.edit(&mut rows, &mut tally, 1, 3, "3");
        assert_eq!(tally, Tally::of(&rows));
        assert_eq!(tally.missing, 0);
        assert!(missing_settings(&kind.settings(), &rows, tally).is_empty());
    }

    #[test]
    fn ids_round_trip_and_name_the_builtins() {
        for kind in TargetKind::builtins() {
            assert_eq!(TargetKind::by_id(kind.id()), Some(kind.clone()));
        }
        assert_eq!(TargetKind::by_id("nope"), None);
    }

    #[test]
    fn settings_are_checked_when_the_target_is_built() {
        let mut settings = Settings::new();
        settings.insert("package_id".into(), "0".into());
        let err = mumara()
            .build("https://m.example.com", &settings)
            .err()
            .unwrap();
        assert_eq!(
            err,
            BuildError::NotPositive {
                label: "Package ID".into(),
                value: "0".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "Package ID \"0\" is not a positive number."
        );
        settings.insert("package_id".into(), "1".into());
        settings.insert("timezone".into(), "+25:00".into());
        let err = mumara().build("https://m.example.com", &settings).err();
        assert!(
            matches!(&err, Some(BuildError::Invalid { label, .. }) if label == "Timezone"),
            "{err:?}"
        );
        settings.remove("timezone");
        settings.insert("package_id".into(), " 7 ".into());
        assert!(mumara().build("https://m.example.com", &settings).is_ok());
        // With a default package, rows need none of their own.
        assert!(!mumara().required(&settings).contains(&Field::PackageId));
    }

    #[test]
    fn templates_list_the_fields() {
        assert_eq!(
            aurora().template_header(),
            "email,password,role,quota_mb,tenant_id\r\n"
        );
        assert_eq!(
            mumara().template_header(),
            "name,email,password,package_id,timezone,login_ips\r\n"
        );
        assert_eq!(mumara().template_file_name(), "roster-template-mumara.csv");
    }

    #[test]
    fn templates_carry_a_note_per_column_and_an_example_row() {
        let text = mumara().template();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(
            lines[0].starts_with("\"Roster template for Mumara."),
            "{}",
            lines[0]
        );
        for field in mumara().template_fields() {
            assert!(
                lines[1].contains(&format!("{}: ", field.label())),
                "{field:?}: {}",
                lines[1]
            );
        }
        assert!(lines[1].contains("package_id: the package's number; empty: the Package ID typed in the form (required unless set in the form)"), "{}", lines[1]);
        assert!(lines[1].contains("email: the account's address (required)"));
        assert!(lines[1].contains("timezone: a UTC offset such as +05:00 or -03:30 (optional)"));
        assert_eq!(
            lines[2],
            "name,email,password,package_id,timezone,login_ips"
        );
        assert_eq!(
            lines[3],
            "Ann Example,ann.example@example.com,Example-Pass-2026,1,+01:00,"
        );
        assert_eq!(lines[4], "");
        // A profile's own limits and fallbacks reach its notes.
        let synapse = TargetKind::by_id("synapse").unwrap();
        assert!(synapse.template_note(Field::Username).contains(
            "username: the sign-in name; at most 255 characters; empty: the address's part before the at sign (required by the Matrix Synapse API, an empty cell takes the address's)"
        ));
    }

    #[test]
    fn a_filled_template_maps_itself() {
        use crate::input::map::Mapping;
        use crate::input::read::{parse_layout, Layout};
        for kind in TargetKind::shipped() {
            let text = format!("{}x\r\n", kind.template_header());
            let layout = Layout {
                delimiter: b',',
                skip_lines: 0,
                header: true,
                literal_quotes: false,
            };
            let table = parse_layout(&text, layout).unwrap();
            let mapping = Mapping::auto_for(&table, kind.field_specs());
            let want: Vec<Option<Field>> = kind.template_fields().into_iter().map(Some).collect();
            assert_eq!(mapping.columns, want, "{}", kind.name());
        }
    }

    /// A run, its journal and its downloads carry the target's id; the form looks saved
    /// runs up by the kind's: for every shipped target they are one id.
    #[test]
    fn a_built_target_carries_its_kinds_id() {
        for kind in TargetKind::shipped() {
            let mut settings = Settings::new();
            for s in kind.settings() {
                let value = if s.id == "timezone" { "+01:00" } else { "1" };
                settings.insert(s.id.clone(), value.into());
            }
            let target = kind.build("https://example.com", &settings).unwrap();
            assert_eq!(target.id(), kind.target_id(), "{}", kind.name());
            assert_eq!(target.name(), kind.name());
            assert_eq!(
                kind.template_file_name(),
                format!("roster-template-{}.csv", kind.id())
            );
        }
    }

    #[test]
    fn the_template_as_downloaded_reads_back_with_a_valid_example_row() {
        use crate::input::map::Mapping;
        use crate::input::plan::plan_with;
        use crate::input::read::{layout, read, ReadOptions};
        for kind in TargetKind::shipped() {
            let text = kind.template();
            // The reader's own guesses: comma, the two note lines skipped, a header.
            let found = layout(&text, &ReadOptions::default());
            assert_eq!(
                (found.delimiter, found.skip_lines, found.header),
                (b',', 2, true),
                "{}",
                kind.name()
            );
            let table = read(text.as_bytes()).unwrap();
            assert_eq!(
                table.records.len(),
                1,
                "{}: only the example row",
                kind.name()
            );
            assert!(table.broken.is_empty() && table.ragged_lines().is_empty());
            assert_eq!(table.records[0].line, 4);
            let mapping = Mapping::auto_for(&table, kind.field_specs());
            let want: Vec<Option<Field>> = kind.template_fields().into_iter().map(Some).collect();
            assert_eq!(mapping.columns, want, "{}", kind.name());
            let mut settings = Settings::new();
            // Settings a target cannot be built without (Keycloak's realm).
            for s in kind.settings() {
                settings.insert(s.id.clone(), "1".into());
            }
            let planned = plan_with(&table, &mapping, &kind.rules(&settings));
            assert_eq!(planned.len(), 1);
            assert!(
                planned[0].is_valid(),
                "{}: {}",
                kind.name(),
                planned[0].problems_text()
            );
            assert_eq!(planned[0].email, "ann.example@example.com");
        }
    }

    #[test]
    fn presets_are_targets_like_the_builtins() {
        let all = TargetKind::shipped();
        let names: Vec<&str> = all.iter().map(|k| k.name()).collect();
        assert_eq!(
            names,
            [
                "Aurora",
                "Mumara",
                "Matrix Synapse",
                "Keycloak",
                "Microsoft Graph (Entra ID)",
                "GitLab"
            ]
        );
        let mut ids: Vec<&str> = all.iter().map(|k| k.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "ids are unique");
        let synapse = TargetKind::by_id("synapse").unwrap();
        assert!(synapse.fields().contains(&Field::Username));
        assert!(synapse.settles_by_probe());
        let none = Secrets::default();
        assert_eq!(
            synapse.missing_credentials(&none).unwrap(),
            "Enter the Login and Password, or the Access token."
        );
        let token = Secrets::new().with("access_token", "t");
        assert_eq!(synapse.missing_credentials(&token), None);
        // The rows' rules come from the profile: user names as localparts.
        let rules = synapse.rules(&Settings::new());
        assert!(matches!(rules.username, UsernameRule::Localpart { .. }));
        let mapped: Vec<Field> = rules.mapped_fields().iter().map(|s| s.field).collect();
        // …and its own Rooms, for the rooms to join after each create.
        let rooms = Field::custom("rooms").unwrap();
        assert_eq!(mapped, [&Field::ALL[..], &[rooms]].concat());
    }

    #[test]
    fn a_required_setting_is_asked_for_by_its_label() {
        let keycloak = TargetKind::by_id("keycloak").unwrap();
        let err = keycloak
            .build("https://id.example.com", &Settings::new())
            .err()
            .unwrap();
        assert_eq!(err, BuildError::Missing(vec!["Realm".into()]));
        assert_eq!(err.to_string(), "Enter the Realm.");
        let mut settings = Settings::new();
        settings.insert("realm".into(), "staff".into());
        let target = keycloak.build("https://id.example.com", &settings).unwrap();
        assert_eq!(target.name(), "Keycloak");
    }

    #[test]
    fn invisible_or_unsendable_credentials_are_refused_naming_the_field() {
        let url = "https://h.example.com";
        let none = Settings::new();
        let key = |k: &str| Secrets::new().with("api_key", k);
        assert_eq!(
            unsendable(&*mumara(), url, &none, &key("sandbox-key")),
            None
        );
        let zw = unsendable(&*mumara(), url, &none, &key("sandbox\u{200B}-key")).unwrap();
        assert!(zw.contains("API key") && zw.contains("U+200B"), "{zw}");
        assert!(zw.contains("zero-width space"), "{zw}");
        assert!(!zw.contains("sandbox"), "never the value: {zw}");
        let bom = unsendable(&*mumara(), url, &none, &key("\u{FEFF}k")).unwrap();
        assert!(bom.contains("byte order mark"), "{bom}");
        // A curly quote is visible, but no browser sends it in Authorization.
        let quote = unsendable(&*mumara(), url, &none, &key("key\u{2019}s")).unwrap();
        assert!(
            quote.contains("API key") && quote.contains("Authorization"),
            "{quote}"
        );
        assert!(quote.contains("U+2019"), "{quote}");
        // Latin-1 is sendable in a header.
        assert_eq!(unsendable(&*mumara(), url, &none, &key("clé")), None);

        // A password goes in a body: any visible character is fine, invisible ones not.
        let aurora_secrets = |p: &str| {
            Secrets::new()
                .with_shown("login", "superadmin")
                .with("password", p)
        };
        assert_eq!(
            unsendable(&*aurora(), url, &none, &aurora_secrets("пароль’")),
            None
        );
        let pw = unsendable(&*aurora(), url, &none, &aurora_secrets("12345\u{200D}")).unwrap();
        assert!(pw.contains("Password") && pw.contains("U+200D"), "{pw}");

        // Presets: GitLab's token goes in PRIVATE-TOKEN.
        let gitlab = TargetKind::by_id("gitlab").unwrap();
        let token = |t: &str| Secrets::new().with("access_token", t);
        assert_eq!(unsendable(&*gitlab, url, &none, &token("glpat-x")), None);
        let bad = unsendable(&*gitlab, url, &none, &token("glpat-\u{201C}x")).unwrap();
        assert!(
            bad.contains("PRIVATE-TOKEN") && bad.contains("Access token"),
            "{bad}"
        );
        let zw = unsendable(&*gitlab, url, &none, &token("glpat-x\u{200B}")).unwrap();
        assert!(
            zw.contains("Access token") && zw.contains("invisible"),
            "{zw}"
        );
        // A setting with an invisible character is named by its label.
        let keycloak = TargetKind::by_id("keycloak").unwrap();
        let mut realm = Settings::new();
        realm.insert("realm".into(), "staff\u{2060}".into());
        let login = Secrets::new()
            .with_shown("login", "admin")
            .with("password", "admin");
        let bad = unsendable(&*keycloak, url, &realm, &login).unwrap();
        assert!(bad.contains("Realm") && bad.contains("U+2060"), "{bad}");
    }

    #[test]
    fn a_profile_header_filled_from_a_setting_must_be_sendable() {
        let json = serde_json::json!({
            "schema": 1,
            "id": "hdr",
            "name": "Header API",
            "about": "A test API.",
            "permission": "Admin.",
            "credentials": [{"id": "api_key", "label": "API key", "secret": true}],
            "settings": [{"id": "tenant", "label": "Tenant"}],
            "fields": [
                {"field": "email", "required": true, "check": "email"},
                {"field": "password", "required": true, "check": "password"}
            ],
            "auth": {"header": "X-Key", "value": "{token}"},
            "create": {
                "method": "POST",
                "path": "/users",
                "headers": {"X-Tenant": "{settings.tenant}"},
                "json": {"email": "{user.email}", "password": "{user.password}"}
            },
            "answers": [{"status": 201, "then": "created"}]
        });
        let profile = match profile::Profile::from_json(&json.to_string()) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        let kind = TargetKind::from_profile(profile);
        let secrets = Secrets::new().with("api_key", "k");
        let mut settings = Settings::new();
        settings.insert("tenant".into(), "Zürich".into());
        assert_eq!(unsendable(&*kind, "https://h", &settings, &secrets), None);
        settings.insert("tenant".into(), "東京".into());
        let bad = unsendable(&*kind, "https://h", &settings, &secrets).unwrap();
        assert!(bad.contains("Tenant") && bad.contains("X-Tenant"), "{bad}");
    }

    #[test]
    fn credentials_missing_in_words() {
        let none = Secrets::default();
        assert!(aurora().missing_credentials(&none).is_some());
        assert!(mumara()
            .missing_credentials(&none)
            .unwrap()
            .contains("API key"));
        let key = Secrets::new().with("api_key", "k");
        assert_eq!(mumara().missing_credentials(&key), None);
    }

    #[test]
    fn a_typed_setting_the_target_refuses_is_said_at_once_an_empty_one_is_not() {
        let aurora = TargetKind::by_id("aurora").unwrap();
        let mut settings = Settings::new();
        assert_eq!(refused_setting(&*aurora, &settings), None);
        settings.insert("role".into(), "9".into());
        assert_eq!(
            refused_setting(&*aurora, &settings).map(|e| e.to_string()),
            Some("Default role must be a whole number from 1 to 3.".into())
        );
        settings.insert("role".into(), "3".into());
        assert_eq!(refused_setting(&*aurora, &settings), None);
        let mumara = TargetKind::by_id("mumara").unwrap();
        let mut settings = Settings::new();
        assert_eq!(
            refused_setting(&*mumara, &settings),
            None,
            "empty: asked at Start"
        );
        settings.insert("package_id".into(), "0".into());
        assert_eq!(
            refused_setting(&*mumara, &settings).map(|e| e.to_string()),
            Some("Package ID \"0\" is not a positive number.".into())
        );
    }
}
