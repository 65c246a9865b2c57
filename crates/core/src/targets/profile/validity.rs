//! A profile's checks beyond what serde reads: the schema version, the fields it
//! declares, every placeholder (each names something its place may use, and no secret
//! goes into a URL), login alternatives and answer rules; and the line an error is on.

use serde_json::Value;

use super::schema::{
    Auth, CredentialId, IdAt, Profile, RequestSpec, Rule, StopAs, Then, TokenAt, SCHEMA,
};
use super::template;
use crate::http::Method;
use crate::input::field::Field;

/// Why a profile is refused: the key path, the message, and a text to find the line by
/// (see [`line_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub path: String,
    pub message: String,
    pub needle: Option<String>,
}

impl Refusal {
    fn new(path: &str, message: String, needle: Option<&str>) -> Refusal {
        Refusal::parts(path.to_owned(), message, needle.map(str::to_owned))
    }

    fn parts(path: String, message: String, needle: Option<String>) -> Refusal {
        Refusal {
            path,
            message,
            needle,
        }
    }
}

impl Profile {
    /// Checks what serde cannot: the schema version, placeholders, alternatives, rules.
    /// On error: the key path, the message, and a text to find the line by.
    pub(super) fn check(&self) -> Result<(), Refusal> {
        let err = |path: &str, message: String, needle: Option<&str>| {
            Err(Refusal::new(path, message, needle))
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
        for (i, setting) in self.settings.iter().enumerate() {
            if let Some(unknown) = setting
                .replaces
                .iter()
                .find(|r| !self.fields.iter().any(|f| f.field.label() == r.as_str()))
            {
                return err(
                    &format!("settings[{i}].replaces"),
                    format!("`{unknown}` is not one of the profile's fields"),
                    Some("\"replaces\""),
                );
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
        for (i, spec) in self.fields.iter().enumerate() {
            let label = spec.field.label();
            if !spec.field.is_builtin() && spec.label.trim().is_empty() {
                return err(
                    &format!("fields[{i}].field"),
                    format!(
                        "unknown Roster field `{label}`: a field of the profile's own needs a `label` (\"label\": \"Department\"), and a built-in one is one of {}",
                        Field::ALL.iter().map(|f| f.label()).collect::<Vec<_>>().join(", ")
                    ),
                    Some(&format!("\"{label}\"")),
                );
            }
            if spec.field.is_builtin() && spec.default.is_some() {
                return err(
                    &format!("fields[{i}].default"),
                    format!("`default` is for a field of the profile's own; `{label}` is Roster's"),
                    Some("\"default\""),
                );
            }
            if self.fields[..i].iter().any(|f| f.field == spec.field) {
                return err(
                    &format!("fields[{i}].field"),
                    format!("`{label}` is listed twice"),
                    Some(&format!("\"{label}\"")),
                );
            }
        }
        let own = self.fields.iter().filter(|f| !f.field.is_builtin()).count();
        if own > crate::input::scores::MAX_CUSTOM {
            return err(
                "fields",
                format!(
                    "a profile has at most {} fields of its own",
                    crate::input::scores::MAX_CUSTOM
                ),
                Some("\"fields\""),
            );
        }
        for (i, field) in self.identities.iter().enumerate() {
            let field = *field;
            if !matches!(field, Field::Email | Field::Username) || self.field(field).is_none() {
                return err(
                    &format!("identities[{i}]"),
                    format!(
                        "`{}` cannot identify an account: use email or username, and list it in `fields`",
                        field.label()
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
        for (i, field) in self.unmapped.iter().enumerate() {
            let why = if !field.is_builtin() {
                Some("only a built-in field can be left out of the mapping")
            } else if self.fields.iter().any(|s| s.field == *field)
                || self.identities.contains(field)
            {
                Some("the profile uses this field: it cannot be left out of the mapping")
            } else {
                None
            };
            if let Some(why) = why {
                return err(
                    &format!("unmapped[{i}]"),
                    format!("`{}`: {why}", field.label()),
                    Some(&format!("\"{}\"", field.label())),
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
            if let Some(logout) = &alt.logout {
                if matches!(alt.token, TokenAt::Credential(_)) {
                    return err(
                        &format!("{path}.logout"),
                        "a logout ends a session Roster's own login made: a pasted token is the admin's own, never logged out".into(),
                        Some("\"logout\""),
                    );
                }
                scope.request(&format!("{path}.logout"), logout, Place::Login)?;
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
        match &self.auth {
            Some(auth) => scope.auth("auth", auth)?,
            None => {
                if self.login.is_empty() || self.login.iter().any(|l| l.auth.is_none()) {
                    return err(
                        "auth",
                        "`auth` is required unless every login alternative has its own".into(),
                        Some("\"create\""),
                    );
                }
            }
        }
        for (i, alt) in self.login.iter().enumerate() {
            if let Some(auth) = &alt.auth {
                scope.auth(&format!("login[{i}].auth"), auth)?;
            }
        }
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
        if let Some(update) = &self.update {
            if self.exists.is_none() && update.find.is_none() {
                return err(
                    "update",
                    "an update needs an exists probe (`exists` or `update.find`), whose answer finds the account".into(),
                    Some("\"update\""),
                );
            }
            if let Some(find) = &update.find {
                scope.request("update.find.request", &find.request, Place::Create)?;
                check_rules("update.find.answers", &find.answers, true)?;
            }
            scope.request("update.request", &update.request, Place::Create)?;
            check_rules("update.answers", &update.answers, false)?;
        }
        if let Some(spec) = &self.diagnose {
            scope.request("diagnose", spec, Place::Diagnose)?;
        }
        check_rules("answers", &self.answers, false)?;
        for (i, rule) in self.answers.iter().enumerate() {
            if let Some(lookup) = &rule.lookup {
                let at = format!("answers[{i}].lookup");
                if rule.then != Then::Conflict {
                    return err(
                        &at,
                        "`lookup` names the other account of a `conflict`: it belongs on a rule whose `then` is `conflict`".into(),
                        Some("\"lookup\""),
                    );
                }
                scope.request(&format!("{at}.request"), &lookup.request, Place::Create)?;
                if !lookup.name_at.starts_with('/') {
                    return err(
                        &format!("{at}.name_at"),
                        format!(
                            "`{}` is not a JSON pointer (it starts with /)",
                            lookup.name_at
                        ),
                        Some(&lookup.name_at),
                    );
                }
            }
            let named = rule.setting.as_deref();
            let known = named.is_some_and(|id| self.settings.iter().any(|s| s.id == id));
            let problem = match (rule.stop == Some(StopAs::Setting), named) {
                (true, None) => Some(
                    "`\"stop\": \"setting\"` needs `setting`: the id of the setting that is wrong"
                        .to_owned(),
                ),
                (true, Some(id)) if !known => {
                    Some(format!("`{id}` is not among the profile's settings"))
                }
                (false, Some(_)) => {
                    Some("`setting` belongs with `\"stop\": \"setting\"`".to_owned())
                }
                _ => None,
            };
            if let Some(message) = problem {
                return err(&format!("answers[{i}].setting"), message, Some("\"stop\""));
            }
        }
        if let Some(lookup) = &self.id_lookup {
            scope.request("id_lookup.request", &lookup.request, Place::Create)?;
            if !lookup.pointer.starts_with('/') {
                return err(
                    "id_lookup.pointer",
                    format!("`{}` is not a JSON pointer", lookup.pointer),
                    Some(&lookup.pointer),
                );
            }
        }
        for (i, step) in self.steps.iter().enumerate() {
            let at = format!("steps[{i}]");
            for (key, value) in [("id", &step.id), ("label", &step.label)] {
                if value.trim().is_empty() {
                    return err(
                        &format!("{at}.{key}"),
                        "must not be empty".into(),
                        Some("\"steps\""),
                    );
                }
            }
            if let Some(each) = &step.each {
                if self.user_field(each).is_none() {
                    return err(
                        &format!("{at}.each"),
                        format!("no Roster field is called `{each}`: declare it in `fields`"),
                        Some(each),
                    );
                }
            }
            if let Some(when) = &step.when {
                if !self.settings.iter().any(|s| &s.id == when) {
                    return err(
                        &format!("{at}.when"),
                        format!("`{when}` is not among the profile's settings"),
                        Some(when),
                    );
                }
            }
            if let Some(request) = &step.request {
                scope.request(&format!("{at}.request"), request, Place::Step)?;
            }
            check_rules(&format!("{at}.answers"), &step.answers, false)?;
        }
        if let Some(IdAt::Template(text)) = &self.id_at {
            scope.text("id_at.template", text, Place::Create)?;
            if template::placeholders(text)
                .iter()
                .any(|p| p.name == "token" || p.name.starts_with("credentials."))
            {
                return err(
                    "id_at.template",
                    "an id never holds a secret".into(),
                    Some(text),
                );
            }
        }
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

fn check_rules(path: &str, rules: &[Rule], probe: bool) -> Result<(), Refusal> {
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let bad = match rule.then {
            Then::Absent if !probe => Some("`absent` only belongs in an exists probe's rules"),
            Then::Created if probe => {
                Some("an exists probe creates nothing: use `exists` or `absent`")
            }
            _ if probe && rule.lookup.is_some() => {
                Some("`lookup` belongs on a rule of `answers` (a create's conflict)")
            }
            _ => None,
        };
        if let Some(message) = bad {
            return Err(Refusal::parts(
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
                return Err(Refusal::parts(
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
    /// A step after a create: what a create may use, the new account's `{account.id}`
    /// and the step's `{step.value}`.
    Step,
    /// The diagnosis request: settings only.
    Diagnose,
}

struct Scope<'a> {
    profile: &'a Profile,
    captures: Vec<String>,
}

impl Scope<'_> {
    fn request(&self, path: &str, spec: &RequestSpec, place: Place) -> Result<(), Refusal> {
        if !spec.path.starts_with('/') {
            return Err(Refusal::parts(
                format!("{path}.path"),
                format!("`{}` must start with /", spec.path),
                Some(spec.path.clone()),
            ));
        }
        self.text(&format!("{path}.path"), &spec.path, place)?;
        // A secret never goes into a URL.
        for p in template::placeholders(&spec.path) {
            if p.name == "token" || p.name.starts_with("credentials.") {
                return Err(Refusal::parts(
                    format!("{path}.path"),
                    format!("`{{{}}}` would put a secret into the URL", p.name),
                    Some(spec.path.clone()),
                ));
            }
        }
        if spec.json.is_some() && spec.form.is_some() {
            return Err(Refusal::parts(
                path.to_owned(),
                "a request has a `json` body or a `form` body, not both".into(),
                Some("\"form\"".into()),
            ));
        }
        if spec.method == Method::Get && (spec.json.is_some() || spec.form.is_some()) {
            return Err(Refusal::parts(
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

    fn json(&self, path: &str, value: &Value, place: Place) -> Result<(), Refusal> {
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

    /// An `auth`: a `value` template or a `basic` pair, not both.
    fn auth(&self, path: &str, auth: &Auth) -> Result<(), Refusal> {
        match (&auth.basic, auth.value.is_empty()) {
            (Some(pair), true) => {
                self.text(&format!("{path}.basic[0]"), &pair[0], Place::Header)?;
                self.text(&format!("{path}.basic[1]"), &pair[1], Place::Header)
            }
            (None, false) => self.text(&format!("{path}.value"), &auth.value, Place::Header),
            (Some(_), false) => Err(Refusal::parts(
                path.to_owned(),
                "`auth` has a `value` or a `basic` pair, not both".into(),
                Some("\"basic\"".into()),
            )),
            (None, true) => Err(Refusal::parts(
                path.to_owned(),
                "`auth` needs a `value` (\"Bearer {token}\") or a `basic` pair".into(),
                Some("\"auth\"".into()),
            )),
        }
    }

    /// Every placeholder in `text` names something this place may use.
    fn text(&self, path: &str, text: &str, place: Place) -> Result<(), Refusal> {
        for p in template::placeholders(text) {
            let fail = |why: String| Err(Refusal::new(path, why, Some(text)));
            let (space, name) = p.name.split_once('.').unwrap_or(("", p.name.as_str()));
            let allowed = match (space, place) {
                ("", _) if name == "token" => matches!(place, Place::Header),
                ("account", Place::Step) if name == "id" => true,
                ("step", Place::Step) if name == "value" => true,
                ("user", Place::Create | Place::Step) => {
                    let derived = template::DERIVED.iter().any(|d| d.0 == name);
                    if self.profile.user_field(name).is_none() && !derived {
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
                ("session", Place::Create | Place::Step) => {
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
                ("found", Place::Create) => {
                    let update = self.profile.update.as_ref();
                    if !update.is_some_and(|u| u.capture.contains_key(name)) {
                        return fail(format!(
                            "`{{{}}}`: `update.capture` reads no `{name}`",
                            p.name
                        ));
                    }
                    true
                }
                ("credentials", Place::Login | Place::Create | Place::Step | Place::Header) => {
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
pub(super) fn line_of(text: &str, path: &str, needle: &str) -> Option<usize> {
    let first_key = path.split(['.', '[']).next().unwrap_or("");
    let start = text.find(&format!("\"{first_key}\"")).unwrap_or(0);
    let at = text[start..]
        .find(needle)
        .map(|i| i + start)
        .or_else(|| text.find(needle))
        .unwrap_or(start);
    Some(text[..at].matches('\n').count() + 1)
}
