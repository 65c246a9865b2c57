//! Profile targets: any REST API as a target, from a small declarative JSON file.
//!
//! A [`Profile`] says what the admin types (credentials, settings), which fields a row
//! carries and how they are checked, how to log in, how to ask whether an account exists,
//! how to create one, and what each answer means (ordered [`Rule`]s). [`ProfileTarget`]
//! runs it through the same engine as the built-in targets. The schema is documented in
//! `docs/profiles.md`; the presets Roster ships are in that folder too.
//!
//! Requests are filled from templates by walking JSON values (see [`template`]), never
//! by pasting text together, so that a cell cannot change a request's shape or path.

mod classify;
mod key_path;
mod kind;
mod schema;
mod target;
pub mod template;
mod validity;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::http::{Body, HttpRequest, Method};
use crate::input::field::Field;
use crate::input::validate::{FieldCheck, Rules, UsernameRule};
use crate::targets::send::Secrets;
pub use schema::*;
use validity::line_of;

pub use target::ProfileTarget;

/// The profiles Roster ships, by id, in the order the Target select lists them.
const PRESETS: [(&str, &str); 4] = [
    ("synapse", include_str!("../../../profiles/synapse.json")),
    ("keycloak", include_str!("../../../profiles/keycloak.json")),
    ("graph", include_str!("../../../profiles/graph.json")),
    ("gitlab", include_str!("../../../profiles/gitlab.json")),
];

/// The profiles Roster ships, in the order the Target select lists them: read once, the
/// first time they are asked for.
pub fn presets() -> Vec<Profile> {
    static READ: std::sync::OnceLock<Vec<Profile>> = std::sync::OnceLock::new();
    READ.get_or_init(|| {
        PRESETS
            .iter()
            .map(|(_, text)| Profile::from_json(text).expect("a shipped preset parses (tested)"))
            .collect()
    })
    .clone()
}

/// A shipped preset's JSON text by id, as shipped (for download), found without
/// reading any preset.
pub fn preset_json(id: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(preset, _)| *preset == id)
        .map(|(_, text)| *text)
}

/// A serde_json error as a profile error: its line, the key path where it stopped, and
/// its text without serde_json's " at line L column C" (the line is given apart).
fn serde_error(text: &str, e: serde_json::Error) -> ProfileError {
    let line = (e.line() > 0).then_some(e.line());
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) if line.is_some() => message[..at].to_owned(),
        _ => message,
    };
    let path = match line {
        Some(line) => {
            key_path::path_at(text, key_path::offset_of(text, line, e.column()), &message)
        }
        None => ".".to_owned(),
    };
    ProfileError {
        line,
        path,
        message,
    }
}

impl Profile {
    /// Reads a profile, checking the schema version, every key, and every placeholder.
    pub fn from_json(text: &str) -> Result<Profile, ProfileError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let profile = Profile::deserialize(&mut deserializer).map_err(|e| serde_error(text, e))?;
        deserializer.end().map_err(|e| ProfileError {
            line: Some(e.line()),
            path: String::new(),
            message: "text after the profile's closing brace".into(),
        })?;
        profile.check().map_err(
            |validity::Refusal {
                 path,
                 message,
                 needle,
             }| ProfileError {
                line: needle.and_then(|n| line_of(text, &path, &n)),
                path,
                message,
            },
        )?;
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
            .map(|f| f.field)
            .collect()
    }

    /// The spec of one field, if the profile uses it.
    pub fn field(&self, field: Field) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.field == field)
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
                affects_rows: self.is_home_server_setting(&s.id) || !s.replaces.is_empty(),
                hint: s.hint.clone(),
            })
            .collect()
    }

    /// What identifies an account on the server (see [`Profile::identities`]).
    pub fn identity_fields(&self) -> Vec<Field> {
        self.identities.clone()
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
        self.fields.iter().map(|f| f.field).collect()
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
                in_path: in_path.contains(&spec.field),
                ..field_check(spec)
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
            fields: self.fields.clone(),
            unmapped: self.unmapped.clone(),
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
                    let field = p
                        .name
                        .strip_prefix("user.")
                        .and_then(|n| self.user_field(n));
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

    /// The field `{user.NAME}` names: a built-in one, or one the profile declares.
    pub fn user_field(&self, name: &str) -> Option<Field> {
        Field::from_label(name)
            .filter(|f| f.is_builtin() || self.fields.iter().any(|s| s.field == *f))
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
    /// The fields replaced by a setting that is on (its `replaces`): the password, when
    /// an invitation e-mail is sent instead. `typed` as the form has them.
    pub fn replaced(&self, typed: &BTreeMap<String, String>) -> Vec<String> {
        let values = self.settings_in_force(typed);
        self.settings
            .iter()
            .filter(|s| setting_on(values.get(&s.id).map(String::as_str)))
            .flat_map(|s| s.replaces.iter().cloned())
            .collect()
    }

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
}

/// The check the page's rules apply to a declared field (see [`FieldCheck`]).
pub fn field_check(spec: &FieldSpec) -> FieldCheck {
    FieldCheck {
        field: spec.field,
        check: spec.check.clone(),
        max_len: spec.max_len,
        in_path: false,
    }
}
