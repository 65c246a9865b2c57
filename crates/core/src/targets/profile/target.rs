//! [`ProfileTarget`]: a [`Profile`] run through the engine like a built-in target.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::classify::{Classifier, Mode};
use super::template::{self, Values};
use super::{LoginAlternative, Profile, Then, TokenAt};
use crate::http::{json_in, Exchange, HttpRequest};
use crate::input::map::{Field, UserRow};
use crate::targets::send::{
    no_answer_message, LoginError, LoginStep, Outcome, ProbeAnswer, Secrets, Session, StepTask,
    StopKind, Target,
};
use crate::targets::TargetId;

/// A profile with the run's Server URL and settings.
pub struct ProfileTarget {
    profile: Arc<Profile>,
    api: String,
    settings: BTreeMap<String, String>,
    id: TargetId,
    /// The login under way: which alternative, and the pasted token when the token is a
    /// credential (the whoami's answer does not carry it). Memory only.
    pending: RefCell<Option<(usize, String)>>,
    /// Whether the login in use gives a fresh token each time.
    renewable: Cell<bool>,
    /// The login alternative in use, for its own `auth`.
    chosen: Cell<Option<usize>>,
    /// The credentials of the last login, for the `{credentials.ID}` of creates, probes
    /// and the auth header. Memory only; `Debug` never shows them.
    secrets: RefCell<Secrets>,
}

impl fmt::Debug for ProfileTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileTarget")
            .field("profile", &self.profile.id)
            .field("api", &self.api)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ProfileTarget {
    /// `server_url` as typed (trimmed, trailing slash removed); `settings` by setting id,
    /// empty values replaced by each setting's default.
    pub fn new(
        profile: Arc<Profile>,
        server_url: &str,
        settings: &BTreeMap<String, String>,
    ) -> ProfileTarget {
        let values = profile.settings_in_force(settings);
        ProfileTarget {
            api: profile.api_url(server_url),
            id: TargetId::new(&profile.id),
            profile,
            settings: values,
            pending: RefCell::new(None),
            renewable: Cell::new(false),
            chosen: Cell::new(None),
            secrets: RefCell::new(Secrets::new()),
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The API URL requests go to.
    pub fn api_url(&self) -> &str {
        &self.api
    }

    /// The settings in force (typed or defaulted).
    /// The fields replaced by a setting that is on (`replaces`: the password, when an
    /// invitation e-mail is sent instead): not required, and not sent by the create.
    pub fn replaced(&self) -> Vec<String> {
        self.profile.replaced(&self.settings)
    }

    pub fn settings(&self) -> &BTreeMap<String, String> {
        &self.settings
    }

    fn values<'a>(
        &'a self,
        row: Option<&'a UserRow>,
        session: Option<&'a Session>,
        secrets: &'a Secrets,
    ) -> Values<'a> {
        Values {
            row,
            fields: &self.profile.fields,
            settings: Some(&self.settings),
            session,
            secrets: Some(secrets),
            token: session.map(|s| s.bearer.as_str()),
            account_id: None,
            step_value: None,
        }
    }

    /// A request with the auth header, for a create or a probe.
    fn authorized(
        &self,
        spec: &super::RequestSpec,
        session: &Session,
        row: &UserRow,
    ) -> HttpRequest {
        self.authorized_step(spec, session, row, None, None)
    }

    /// [`Self::authorized`] with a step's `{account.id}` and `{step.value}`.
    fn authorized_step(
        &self,
        spec: &super::RequestSpec,
        session: &Session,
        row: &UserRow,
        account_id: Option<&str>,
        step_value: Option<&str>,
    ) -> HttpRequest {
        let secrets = self.secrets.borrow();
        let values = Values {
            account_id,
            step_value,
            ..self.values(Some(row), Some(session), &secrets)
        };
        let mut request = template::build(&self.api, spec, &values);
        let chosen = self
            .chosen
            .get()
            .and_then(|i| self.profile.login.get(i))
            .and_then(|l| l.auth.as_ref());
        // Checked when read: a profile without `auth` has one on every alternative.
        if let Some(auth) = chosen.or(self.profile.auth.as_ref()) {
            let value = template::auth_value(auth, &values);
            request
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case(&auth.header));
            request.headers.insert(0, (auth.header.clone(), value));
        }
        request
    }

    /// The id an `id_at` template gives for `row` (settings and login captures
    /// included); `None` without one, or when it fills to nothing.
    pub fn id_from_template(&self, row: &UserRow) -> Option<String> {
        let Some(super::IdAt::Template(text)) = &self.profile.id_at else {
            return None;
        };
        let secrets = Secrets::new();
        let values = Values {
            secrets: None,
            ..self.values(Some(row), None, &secrets)
        };
        Some(template::fill_text(text, &values)).filter(|v| !v.trim().is_empty())
    }

    fn classifier(&self) -> Classifier<'_> {
        Classifier {
            profile: &self.profile,
            api: &self.api,
            renewable: self.renewable.get(),
        }
    }

    /// Whether every value the alternative captures is given by a setting already.
    fn nothing_to_capture(&self, alt: &LoginAlternative) -> bool {
        alt.capture.keys().all(|k| self.settings.contains_key(k))
    }
}

impl Target for ProfileTarget {
    fn id(&self) -> TargetId {
        self.id.clone()
    }

    fn name(&self) -> &str {
        &self.profile.name
    }

    fn required(&self) -> Vec<Field> {
        let replaced = self.replaced();
        self.profile
            .required_fields()
            .into_iter()
            .filter(|f| !replaced.iter().any(|r| r == f.label()))
            .collect()
    }

    fn login(&self, secrets: &Secrets) -> LoginStep {
        *self.secrets.borrow_mut() = secrets.clone();
        self.chosen.set(None);
        let Some(index) = self
            .profile
            .chosen_login(secrets)
            .or((!self.profile.login.is_empty()).then_some(0))
        else {
            // No login: the key or token goes on every request.
            self.renewable.set(false);
            let token = self
                .profile
                .token_credentials()
                .into_iter()
                .map(|c| c.value(secrets))
                .find(|v| !v.is_empty())
                .unwrap_or("");
            return LoginStep::Ready(Session::new(token));
        };
        let alt = &self.profile.login[index];
        self.chosen.set(Some(index));
        let pasted = match &alt.token {
            TokenAt::Credential(c) => Some(c.value(secrets).to_owned()),
            TokenAt::Pointer(_) => None,
        };
        self.renewable.set(pasted.is_none());
        if let Some(token) = &pasted {
            if alt.request.is_none() || self.nothing_to_capture(alt) {
                let mut session = Session::new(token.clone());
                for (k, v) in &self.settings {
                    session = session.with_captured(k, v.clone());
                }
                return LoginStep::Ready(session);
            }
        }
        let spec = alt
            .request
            .as_ref()
            .expect("checked: a pointer token has a request");
        let values = Values {
            fields: &self.profile.fields,
            settings: Some(&self.settings),
            secrets: Some(secrets),
            token: pasted.as_deref(),
            ..Values::default()
        };
        let request = template::build(&self.api, spec, &values);
        *self.pending.borrow_mut() = Some((index, pasted.unwrap_or_default()));
        LoginStep::Request(request)
    }

    fn read_login(&self, exchange: &Exchange) -> Result<Session, LoginError> {
        let (index, pasted) = self.pending.borrow().clone().unwrap_or_default();
        let Some(alt) = self.profile.login.get(index) else {
            return Err(LoginError::new(
                StopKind::NotTheApi,
                format!("{} has no login step.", self.profile.name),
            ));
        };
        let url = alt
            .request
            .as_ref()
            .map_or_else(|| self.api.clone(), |r| format!("{}{}", self.api, r.path));
        let response = match exchange {
            Exchange::Answered(r) => r,
            Exchange::NoAnswer { detail } => {
                return Err(
                    LoginError::new(StopKind::Unreachable, no_answer_message(&url, detail))
                        .transient(),
                )
            }
            Exchange::Redirected { location } => {
                return Err(crate::targets::send::redirected_login(
                    &url,
                    location.as_deref(),
                ))
            }
            Exchange::NotSent { reason } => {
                return Err(crate::targets::send::login_not_sent(reason))
            }
        };
        let status = response.status;
        let code = i64::from(status);
        let json = json_in(&response.body, Value::is_object).map(|(v, _)| v);
        let said = ["/error_description", "/error", "/errorMessage", "/message"]
            .into_iter()
            .find_map(|p| json.as_ref()?.pointer(p)?.as_str().map(str::to_owned))
            .map_or_else(String::new, |m| format!(": {m}"));
        if response.looks_like_html() && status < 500 {
            return Err(LoginError::new(
                StopKind::NotTheApi,
                format!(
                    "The login answered an HTML page (HTTP {status}), not {}'s API. Is the Server URL right? ({})",
                    self.profile.name, self.api
                ),
            )
            .code(code));
        }
        match status {
            200..=299 => {}
            429 => {
                return Err(LoginError::new(
                    StopKind::ServerFault,
                    format!("The login was rate limited (HTTP 429){said}."),
                )
                .code(code)
                .transient())
            }
            s if s >= 500 => {
                return Err(LoginError::new(
                    StopKind::ServerFault,
                    format!("The server failed the login (HTTP {s}){said}."),
                )
                .code(code)
                .transient())
            }
            404 | 405 => {
                return Err(LoginError::new(
                    StopKind::NotTheApi,
                    format!("No login at {url} (HTTP {status}). Is the Server URL right?"),
                )
                .code(code))
            }
            _ => {
                let what = if pasted.is_empty() {
                    "The login was refused"
                } else {
                    "The access token was refused"
                };
                return Err(LoginError::new(
                    StopKind::CredentialsRefused,
                    format!("{what} (HTTP {status}){said}."),
                )
                .code(code));
            }
        }
        let not_api = |why: String| {
            Err(LoginError::new(
                StopKind::NotTheApi,
                format!(
                    "{why} Is the Server URL {}'s address? ({})",
                    self.profile.name, self.api
                ),
            )
            .code(code))
        };
        let Some(json) = json else {
            return not_api(format!(
                "The login's answer is not JSON ({}).",
                response.snippet()
            ));
        };
        let token = match &alt.token {
            TokenAt::Credential(_) => pasted,
            TokenAt::Pointer(p) => match json.pointer(p) {
                Some(Value::String(t)) if !t.is_empty() => t.clone(),
                _ => return not_api(format!("The login's answer has no token at {p}.")),
            },
        };
        let mut session = Session::new(token);
        if let (Some(spec), TokenAt::Pointer(_)) = (&alt.logout, &alt.token) {
            // The session Roster's own login made: ended when Roster is done with it.
            let secrets = self.secrets.borrow();
            let values = Values {
                fields: &self.profile.fields,
                settings: Some(&self.settings),
                secrets: Some(&secrets),
                token: Some(&session.bearer),
                ..Values::default()
            };
            session.logout = Some(template::build(&self.api, spec, &values));
        }
        for (name, capture) in &alt.capture {
            if let Some(given) = self.settings.get(name) {
                session = session.with_captured(name, given.clone());
                continue;
            }
            let found = json
                .pointer(&capture.pointer)
                .and_then(Value::as_str)
                .and_then(|v| match &capture.after {
                    Some(sep) => v.split_once(sep.as_str()).map(|(_, rest)| rest),
                    None => Some(v),
                })
                .filter(|v| !v.is_empty());
            match found {
                Some(v) => session = session.with_captured(name, v),
                None => {
                    return not_api(format!(
                        "The login's answer has no {name} at {}.",
                        capture.pointer
                    ))
                }
            }
        }
        for (k, v) in &self.settings {
            if session.captured(k).is_none() {
                session = session.with_captured(k, v.clone());
            }
        }
        Ok(session)
    }

    fn create(&self, session: &Session, row: &UserRow) -> HttpRequest {
        let replaced = self.replaced();
        if replaced.is_empty() {
            return self.authorized(&self.profile.create, session, row);
        }
        let mut row = row.clone();
        for label in &replaced {
            if label == Field::Password.label() {
                row.password.clear();
            }
            row.custom.retain(|(f, _)| f.label() != label);
        }
        let mut request = self.authorized(&self.profile.create, session, &row);
        // A top-level key filled only from replaced fields (Keycloak's `credentials`) is
        // left out, not sent as an empty list.
        let (Some(Value::Object(template)), crate::http::Body::Json(text)) =
            (self.profile.create.json.as_ref(), &request.body)
        else {
            return request;
        };
        if let Ok(Value::Object(mut body)) = serde_json::from_str::<Value>(text) {
            for (key, value) in template {
                let names = placeholders_in(value);
                if !names.is_empty()
                    && names.iter().all(|n| {
                        n.strip_prefix("user.")
                            .is_some_and(|f| replaced.iter().any(|r| r == f))
                    })
                {
                    body.remove(key);
                }
            }
            request.body = crate::http::Body::Json(Value::Object(body).to_string());
        }
        request
    }

    fn read_create(&self, exchange: &Exchange) -> Outcome {
        match self.classifier().read(exchange, Mode::Create) {
            ProbeAnswer::Other(outcome) => outcome,
            // Rules of `answers` never say absent (checked when the profile is read).
            ProbeAnswer::Absent | ProbeAnswer::Exists { .. } => unreachable!("create rules"),
        }
    }

    fn read_create_for(&self, exchange: &Exchange, row: &UserRow) -> Outcome {
        match self.read_create(exchange) {
            Outcome::Created { target_id: None } => Outcome::Created {
                target_id: self.id_from_template(row),
            },
            other => other,
        }
    }

    fn conflict_lookup(
        &self,
        session: &Session,
        row: &UserRow,
        create: &Exchange,
    ) -> Option<HttpRequest> {
        let classifier = self.classifier();
        let rule = classifier.create_rule(create)?;
        let lookup = rule
            .lookup
            .as_ref()
            .filter(|_| rule.then == Then::Conflict)?;
        Some(self.authorized(&lookup.request, session, row))
    }

    fn read_lookup(&self, create: &Exchange, lookup: &Exchange) -> Result<String, String> {
        let classifier = self.classifier();
        let Some(spec) = classifier
            .create_rule(create)
            .and_then(|r| r.lookup.as_ref())
        else {
            return Err("the profile has no look-up for this answer".into());
        };
        classifier.read_lookup(&spec.name_at, lookup)
    }

    fn exists_probe(&self, session: &Session, row: &UserRow) -> Option<HttpRequest> {
        let probe = self.profile.exists.as_ref()?;
        Some(self.authorized(&probe.request, session, row))
    }

    fn read_probe(&self, exchange: &Exchange) -> ProbeAnswer {
        self.classifier().read(exchange, Mode::Probe)
    }

    fn updates(&self) -> bool {
        self.profile.update.is_some()
    }

    fn update(
        &self,
        session: &Session,
        row: &UserRow,
        found: &Exchange,
        passwords: bool,
    ) -> Option<HttpRequest> {
        let update = self.profile.update.as_ref()?;
        // An invitation e-mail replaces passwords: no update carries one.
        let passwords = passwords
            && !self
                .replaced()
                .iter()
                .any(|f| f == crate::input::map::Field::Password.label());
        let json = found_json(found);
        let mut session = session.clone();
        for (name, capture) in &update.capture {
            let value = capture_in(json.as_ref()?, capture)?;
            session = session.with_captured(&format!("found.{name}"), value);
        }
        let mut row = row.clone();
        if !passwords {
            // Left empty, a key that is exactly `{user.password}` is left out.
            row.password = String::new();
        }
        let mut request = self.authorized(&update.request, &session, &row);
        if !passwords && !update.password_keys.is_empty() {
            if let crate::http::Body::Json(text) = &request.body {
                if let Ok(Value::Object(mut body)) = serde_json::from_str::<Value>(text) {
                    for key in &update.password_keys {
                        body.remove(key);
                    }
                    request.body = crate::http::Body::Json(Value::Object(body).to_string());
                }
            }
        }
        Some(request)
    }

    fn find_probe(&self, session: &Session, row: &UserRow) -> Option<HttpRequest> {
        match self.profile.update.as_ref().and_then(|u| u.find.as_ref()) {
            Some(find) => Some(self.authorized(&find.request, session, row)),
            None => self.exists_probe(session, row),
        }
    }

    fn read_find(&self, exchange: &Exchange) -> ProbeAnswer {
        let find = self.profile.update.as_ref().and_then(|u| u.find.as_ref());
        let mode = if find.is_some() {
            Mode::Find
        } else {
            Mode::Probe
        };
        self.classifier().read(exchange, mode)
    }

    fn read_update(&self, exchange: &Exchange) -> Outcome {
        match self.classifier().read(exchange, Mode::Update) {
            ProbeAnswer::Other(outcome) => outcome,
            ProbeAnswer::Absent | ProbeAnswer::Exists { .. } => Outcome::Unreadable {
                code: None,
                message: "The update's answer reads as an exists check's.".into(),
            },
        }
    }

    fn current_values(&self, found: &Exchange) -> Option<Vec<(String, String)>> {
        let update = self.profile.update.as_ref()?;
        if update.current.is_empty() {
            return None;
        }
        let json = found_json(found)?;
        Some(
            update
                .current
                .iter()
                .map(|(field, pointer)| {
                    let value = match json.pointer(pointer) {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        Some(Value::Bool(b)) => b.to_string(),
                        _ => String::new(),
                    };
                    (field.clone(), value)
                })
                .collect(),
        )
    }

    fn steps_for(&self, row: &UserRow) -> Vec<StepTask> {
        let secrets = Secrets::new();
        let values = Values {
            secrets: None,
            ..self.values(Some(row), None, &secrets)
        };
        let mut tasks = Vec::new();
        for (i, step) in self.profile.steps.iter().enumerate() {
            if let Some(setting) = &step.when {
                if !super::setting_on(self.settings.get(setting).map(String::as_str)) {
                    continue;
                }
            }
            let Some(field) = &step.each else {
                tasks.push(StepTask {
                    step: i,
                    label: step.label.clone(),
                    value: String::new(),
                });
                continue;
            };
            let cell = values.get(&format!("user.{field}")).unwrap_or_default();
            let mut seen: Vec<&str> = Vec::new();
            for value in cell.split(';').map(str::trim).filter(|v| !v.is_empty()) {
                if seen.contains(&value) {
                    continue;
                }
                seen.push(value);
                tasks.push(StepTask {
                    step: i,
                    label: step.label.clone(),
                    value: value.to_owned(),
                });
            }
        }
        tasks
    }

    fn step(
        &self,
        session: &Session,
        row: &UserRow,
        account_id: Option<&str>,
        task: &StepTask,
    ) -> Option<HttpRequest> {
        let step = self.profile.steps.get(task.step)?;
        let value = (!task.value.is_empty()).then_some(task.value.as_str());
        let request = step.request.as_ref()?;
        Some(self.authorized_step(request, session, row, account_id, value))
    }

    fn step_sends(&self, task: &StepTask) -> bool {
        self.profile
            .steps
            .get(task.step)
            .is_none_or(|s| s.request.is_some())
    }

    fn id_lookup(&self, session: &Session, row: &UserRow) -> Option<HttpRequest> {
        let lookup = self.profile.id_lookup.as_ref()?;
        (!self.profile.steps.is_empty()).then(|| self.authorized(&lookup.request, session, row))
    }

    fn read_id_lookup(&self, exchange: &Exchange) -> Result<String, Outcome> {
        if let Exchange::Answered(response) = exchange {
            if (200..300).contains(&response.status) {
                let pointer = self.profile.id_lookup.as_ref().map(|l| l.pointer.as_str());
                let found = json_in(&response.body, |_| true).and_then(|(v, _)| {
                    match v.pointer(pointer?)? {
                        Value::String(s) if !s.is_empty() => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    }
                });
                return found.ok_or_else(|| Outcome::Rejected {
                    code: Some(i64::from(response.status)),
                    message: "the account was not found by its user name, so its id is not known"
                        .into(),
                    field: None,
                });
            }
        }
        // Anything else as the profile's rules read it (401, 429, 5xx…).
        Err(match self.classifier().read(exchange, Mode::Probe) {
            ProbeAnswer::Other(outcome) => outcome,
            ProbeAnswer::Exists { code, message, .. } => Outcome::Rejected {
                code,
                message,
                field: None,
            },
            ProbeAnswer::Absent => Outcome::Rejected {
                code: None,
                message: "the account was not found by its user name".into(),
                field: None,
            },
        })
    }

    fn read_step(&self, task: &StepTask, exchange: &Exchange) -> Outcome {
        match self.classifier().read(exchange, Mode::Step(task.step)) {
            ProbeAnswer::Other(outcome) => outcome,
            ProbeAnswer::Exists { code, message, .. } => Outcome::Exists { code, message },
            // A step's rules never say absent (checked when the profile is read).
            ProbeAnswer::Absent => Outcome::Unreadable {
                code: None,
                message: "The step's answer reads as \"absent\", which a step cannot be.".into(),
            },
        }
    }

    fn stated_rate_limit(&self, exchange: &Exchange) -> Option<u32> {
        let Exchange::Answered(response) = exchange else {
            return None;
        };
        let header = self.profile.rate_limit_header.as_deref()?;
        response
            .header(header)?
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|&l| l > 0)
    }
}

/// The JSON of an exists probe's answer (any JSON document).
/// The placeholders' names anywhere in a JSON template.
fn placeholders_in(template: &Value) -> Vec<String> {
    match template {
        Value::String(text) => super::template::placeholders(text)
            .into_iter()
            .map(|p| p.name)
            .collect(),
        Value::Array(items) => items.iter().flat_map(placeholders_in).collect(),
        Value::Object(map) => map.values().flat_map(placeholders_in).collect(),
        _ => Vec::new(),
    }
}

fn found_json(found: &Exchange) -> Option<Value> {
    let Exchange::Answered(response) = found else {
        return None;
    };
    serde_json::from_str(response.body.trim()).ok()
}

/// A captured value: text or number at the pointer, after `after` when given.
fn capture_in(json: &Value, capture: &super::Capture) -> Option<String> {
    let value = match json.pointer(&capture.pointer)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let value = match &capture.after {
        Some(sep) => value.split_once(sep.as_str())?.1.to_owned(),
        None => value,
    };
    (!value.is_empty()).then_some(value)
}
