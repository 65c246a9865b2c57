//! What an answer means under a profile: its ordered rules first, then safe defaults.
//!
//! Defaults: no answer and 5xx are transient (ambiguous on a create: the server may have
//! acted), 429 waits for `Retry-After`, 401 logs in again when the login gives fresh
//! tokens (else stops: a pasted token cannot be renewed), 403 stops (access denied),
//! 404/405 stop (not the API), other 4xx refuse the row, an HTML page is unreadable, and
//! a 2xx no rule recognises is unreadable too: it is never assumed to be a creation.

use serde_json::Value;

use super::{IdAt, Profile, RetryAt, Rule, StopAs, Then};
use crate::http::{json_in, Exchange, HttpResponse};
use crate::targets::mumara::retry_after;
use crate::targets::send::{Outcome, ProbeAnswer, RetryAfter, StopKind};

/// A create's answer, or an exists probe's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Probe,
    /// An update of an account the probe found (`update.answers` first).
    Update,
    /// The look-up of an update (`update.find`), for a profile whose create needs no
    /// exists probe: read as a probe.
    Find,
    /// The profile's step at this index, after a create.
    Step(usize),
}

impl Mode {
    /// A probe or a look-up: it writes nothing, so its faults are never ambiguous.
    fn is_probe(self) -> bool {
        matches!(self, Mode::Probe | Mode::Find)
    }

    /// A create or an update: a fault may have left the account written, so it is
    /// ambiguous. A step's fault is not: the account is created either way, and the
    /// step is reported on its own.
    fn writes_account(self) -> bool {
        matches!(self, Mode::Create | Mode::Update)
    }
}

pub(crate) struct Classifier<'a> {
    pub profile: &'a Profile,
    pub api: &'a str,
    /// Whether logging in again gives a fresh token (a login request with a token
    /// pointer), so that a refused session is worth a re-login.
    pub renewable: bool,
}

/// The answer's JSON: any JSON document (a bare string such as ejabberd's "User x@h
/// successfully registered" included, addressed by the pointer `""`), or an object
/// found among noise as `json_in` does.
fn json_of(response: &HttpResponse) -> Option<Value> {
    json_in(&response.body, |_| true).map(|(v, _)| v)
}

fn text_at(json: Option<&Value>, pointer: &str) -> Option<String> {
    match json?.pointer(pointer)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Null => None,
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
        other => Some(other.to_string()),
    }
}

impl Classifier<'_> {
    /// The create's (or probe's) answer as the engine reads it.
    pub fn read(&self, exchange: &Exchange, mode: Mode) -> ProbeAnswer {
        let ambiguous_if = |create_ambiguous: bool| create_ambiguous && mode.writes_account();
        let response = match exchange {
            Exchange::Answered(r) => r,
            Exchange::NoAnswer { detail } => {
                return ProbeAnswer::Other(Outcome::Transient {
                    code: None,
                    message: match mode {
                        Mode::Create => format!(
                            "No answer ({detail}): the account may or may not have been created."
                        ),
                        Mode::Probe | Mode::Find => {
                            format!("No answer to the exists check ({detail}).")
                        }
                        Mode::Update => format!(
                            "No answer ({detail}): the account may or may not have been updated."
                        ),
                        Mode::Step(_) => format!("No answer to the step ({detail})."),
                    },
                    ambiguous: ambiguous_if(true),
                })
            }
            Exchange::Redirected { location } => {
                return ProbeAnswer::Other(crate::targets::send::redirected_create(
                    location.as_deref(),
                    mode.writes_account(),
                ))
            }
            Exchange::NotSent { reason } => {
                return ProbeAnswer::Other(crate::targets::send::create_not_sent(reason))
            }
        };
        let status = response.status;
        let code = Some(i64::from(status));
        let html = response.looks_like_html();
        // A page where the API's JSON belongs (a login page, a
        // proxy's error page): no rule on statuses alone may read it as an answer.
        if html && status != 429 && status < 500 {
            return ProbeAnswer::Other(Outcome::Unreadable {
                code,
                message: format!(
                    "HTTP {status} with an HTML page where {}'s JSON belongs ({}). Is the Server URL the API's address? ({})",
                    self.profile.name,
                    response.snippet(),
                    self.api
                ),
            });
        }
        let json = json_of(response);
        let probe_rules = match (mode, &self.profile.exists, &self.profile.update) {
            (Mode::Probe, Some(probe), _) => probe.answers.as_slice(),
            (Mode::Update, _, Some(update)) => update.answers.as_slice(),
            (Mode::Find, _, Some(update)) => update
                .find
                .as_ref()
                .map_or(&[][..], |f| f.answers.as_slice()),
            (Mode::Step(i), _, _) => self
                .profile
                .steps
                .get(i)
                .map_or(&[][..], |s| s.answers.as_slice()),
            _ => &[],
        };
        let main_rules = self.profile.answers.iter().filter(|r| {
            mode == Mode::Create || !matches!(r.then, Then::Created | Then::Exists | Then::Conflict)
        });
        if let Some(rule) = probe_rules
            .iter()
            .chain(main_rules)
            .find(|r| matches(r, response, json.as_ref()))
        {
            return self.by_rule(rule, response, json.as_ref(), mode);
        }
        let message = self.message(None, response, json.as_ref());
        ProbeAnswer::Other(match status {
            429 => Outcome::RateLimited {
                retry_after: retry_after(response),
                message: format!("Rate limited by the server (HTTP 429): waiting, then sending again. {message}"),
            },
            s if s >= 500 => Outcome::Transient {
                code,
                message: match mode {
                    Mode::Create => format!(
                        "HTTP {s} from the server ({message}): the account may or may not have been created."
                    ),
                    Mode::Probe | Mode::Find => {
                        format!("HTTP {s} from the server on the exists check ({message}).")
                    }
                    Mode::Update => format!(
                        "HTTP {s} from the server ({message}): the account may or may not have been updated."
                    ),
                    Mode::Step(_) => format!("HTTP {s} from the server on the step ({message})."),
                },
                ambiguous: ambiguous_if(true),
            },
            401 => self.refused_session(code, &message),
            403 => Outcome::Fatal {
                kind: StopKind::AccessDenied,
                code,
                message: format!(
                    "Stopped: access denied (HTTP 403): {message}. The account needs this permission: {}",
                    self.profile.permission
                ),
                ambiguous: false,
            },
            404 | 405 => Outcome::Fatal {
                kind: StopKind::NotTheApi,
                code,
                message: format!(
                    "Stopped: HTTP {status} ({message}). Is the Server URL the API's address? ({})",
                    self.api
                ),
                ambiguous: false,
            },
            408 => Outcome::Transient {
                code,
                message: format!("HTTP 408: the server timed out reading the request ({message})."),
                ambiguous: false,
            },
            400..=499 => Outcome::Rejected {
                code,
                message,
                field: None,
            },
            _ => Outcome::Unreadable {
                code,
                message: format!(
                    "HTTP {status} that the profile's rules do not recognise ({message}): the account may or may not have been created."
                ),
            },
        })
    }

    /// The rule of `answers` a create's answer meets, when a rule reads it at all (an
    /// HTML page below 500 that is not a 429 is read by none, as in [`Classifier::read`]).
    pub fn create_rule(&self, exchange: &Exchange) -> Option<&Rule> {
        let Exchange::Answered(response) = exchange else {
            return None;
        };
        if response.looks_like_html() && response.status != 429 && response.status < 500 {
            return None;
        }
        let json = json_of(response);
        self.profile
            .answers
            .iter()
            .find(|r| matches(r, response, json.as_ref()))
    }

    /// The other account's name in a conflict lookup's answer (at `name_at`), or why
    /// it could not be had.
    pub fn read_lookup(&self, name_at: &str, exchange: &Exchange) -> Result<String, String> {
        let response = match exchange {
            Exchange::Answered(r) => r,
            Exchange::NoAnswer { detail } => return Err(format!("no answer: {detail}")),
            Exchange::Redirected { location } => {
                return Err(crate::http::redirect_words(location.as_deref()))
            }
            Exchange::NotSent { reason } => return Err(format!("not sent: {reason}")),
        };
        if !(200..300).contains(&response.status) {
            return Err(format!("HTTP {}", response.status));
        }
        if response.looks_like_html() {
            return Err(format!("HTTP {} with an HTML page", response.status));
        }
        match json_of(response).as_ref().and_then(|j| j.pointer(name_at)) {
            Some(Value::String(name)) if !name.trim().is_empty() => {
                // A name, not a page: at most 200 characters, cut on a character.
                Ok(name.trim().chars().take(200).collect())
            }
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(format!("its answer has no name at {name_at}")),
        }
    }

    /// A refused session: log in again if that gives a fresh token, else stop.
    fn refused_session(&self, code: Option<i64>, message: &str) -> Outcome {
        if self.renewable {
            Outcome::Reauth {
                code,
                message: message.to_owned(),
            }
        } else {
            Outcome::Fatal {
                kind: StopKind::CredentialsRefused,
                code,
                message: format!(
                    "Stopped: the token was refused ({message}). It may have expired: paste a fresh one, then send the rows again."
                ),
                ambiguous: false,
            }
        }
    }

    /// The message to show: the rule's pointer, the profile's error pointers, common
    /// error keys, or the body's start.
    fn message(
        &self,
        rule: Option<&Rule>,
        response: &HttpResponse,
        json: Option<&Value>,
    ) -> String {
        let common = [
            "/error_description",
            "/errorMessage",
            "/error/message",
            "/error",
            "/message",
        ];
        rule.and_then(|r| r.message.as_deref())
            .into_iter()
            .chain(self.profile.error_message.iter().map(String::as_str))
            .chain(common)
            .find_map(|p| text_at(json, p))
            .unwrap_or_else(|| {
                let snippet = response.snippet();
                if snippet.is_empty() {
                    format!("HTTP {}", response.status)
                } else {
                    snippet
                }
            })
    }

    fn by_rule(
        &self,
        rule: &Rule,
        response: &HttpResponse,
        json: Option<&Value>,
        mode: Mode,
    ) -> ProbeAnswer {
        let code = Some(i64::from(response.status));
        let message = match (&rule.note, &rule.message) {
            (Some(note), Some(_)) => {
                format!("{note}: {}", self.message(Some(rule), response, json))
            }
            (Some(note), None) => note.clone(),
            (None, _) => self.message(Some(rule), response, json),
        };
        let create = mode.writes_account();
        ProbeAnswer::Other(match rule.then {
            Then::Absent => return ProbeAnswer::Absent,
            Then::Exists if mode.is_probe() => {
                let mut emails = Vec::new();
                let probe = match mode {
                    Mode::Find => self.profile.update.as_ref().and_then(|u| u.find.as_ref()),
                    _ => self.profile.exists.as_ref(),
                };
                if let Some(found) = probe
                    .and_then(|p| p.email_at.as_deref())
                    .and_then(|p| json?.pointer(p))
                {
                    texts_in(found, &mut emails);
                }
                return ProbeAnswer::Exists {
                    code,
                    message: "Already on the server (found by the exists check): not sent".into(),
                    emails,
                };
            }
            Then::Exists => Outcome::Exists { code, message },
            Then::Created => Outcome::Created {
                target_id: self.id_of(response, json),
            },
            Then::Rejected => Outcome::Rejected {
                code,
                message,
                field: None,
            },
            Then::Conflict => Outcome::Conflict { code, message },
            Then::Reauth => self.refused_session(code, &message),
            Then::RateLimited => Outcome::RateLimited {
                retry_after: match &rule.retry_after {
                    Some(RetryAt::PointerMs(p)) => json
                        .and_then(|j| j.pointer(p))
                        .and_then(Value::as_u64)
                        .map(RetryAfter::Delay)
                        .or_else(|| retry_after(response)),
                    _ => retry_after(response),
                },
                message: format!(
                    "Rate limited by the server (HTTP {}): waiting, then sending again. {message}",
                    response.status
                ),
            },
            Then::Transient => Outcome::Transient {
                code,
                message,
                ambiguous: create && rule.ambiguous.unwrap_or(true),
            },
            Then::Fatal => Outcome::Fatal {
                kind: match rule.stop.unwrap_or(StopAs::ServerFault) {
                    StopAs::CredentialsRefused => StopKind::CredentialsRefused,
                    StopAs::AccessDenied => StopKind::AccessDenied,
                    StopAs::Limit => StopKind::Limit,
                    StopAs::NotTheApi => StopKind::NotTheApi,
                    StopAs::ServerFault => StopKind::ServerFault,
                    StopAs::Setting => StopKind::Systemic,
                },
                code,
                message: match self.setting_label(rule) {
                    Some(label) => format!(
                        "Stopped: the setting \"{label}\" is wrong, the server says: {message}. Correct it, then send the rows again."
                    ),
                    None => format!("Stopped: {message}"),
                },
                ambiguous: create && rule.ambiguous.unwrap_or(false),
            },
        })
    }

    /// The label of the setting a `"stop": "setting"` rule names.
    fn setting_label(&self, rule: &Rule) -> Option<String> {
        if rule.stop != Some(StopAs::Setting) {
            return None;
        }
        let id = rule.setting.as_deref()?;
        let setting = self.profile.settings.iter().find(|s| s.id == id)?;
        Some(setting.label.clone())
    }

    fn id_of(&self, response: &HttpResponse, json: Option<&Value>) -> Option<String> {
        match self.profile.id_at.as_ref()? {
            IdAt::Pointer(p) => match json?.pointer(p)? {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            },
            // Filled from the row by `ProfileTarget::read_create_for`.
            IdAt::Template(_) => None,
            IdAt::Header(name) => {
                let url = response.header(name)?.trim();
                let path = url.split(['?', '#']).next().unwrap_or(url);
                path.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            }
        }
    }
}

/// Every text inside a JSON value (addresses at `email_at`), in order.
fn texts_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
        Value::Array(items) => items.iter().for_each(|v| texts_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| texts_in(v, out)),
        _ => {}
    }
}

/// Whether an answer meets every condition of a rule.
fn matches(rule: &Rule, response: &HttpResponse, json: Option<&Value>) -> bool {
    if !rule.status.matches(response.status) {
        return false;
    }
    if let Some(h) = &rule.header {
        match (response.header(&h.name), &h.equals) {
            (None, _) => return false,
            (Some(v), Some(want)) if !v.trim().eq_ignore_ascii_case(want.trim()) => return false,
            _ => {}
        }
    }
    if let Some(j) = &rule.json {
        let Some(found) = json.and_then(|v| v.pointer(&j.pointer)) else {
            return false;
        };
        if let Some(want) = &j.equals {
            if found != want {
                return false;
            }
        }
        if let Some(part) = &j.contains {
            let text = found
                .as_str()
                .map_or_else(|| found.to_string(), str::to_owned);
            if !text.to_lowercase().contains(&part.to_lowercase()) {
                return false;
            }
        }
    }
    true
}
