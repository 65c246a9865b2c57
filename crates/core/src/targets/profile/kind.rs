//! A profile as a kind of target: its form, fields, rules and requests come from the file.

use std::sync::Arc;

use super::{FieldSpec, Profile, ProfileTarget};
use crate::http::HttpRequest;
use crate::input::map::Field;
use crate::input::validate::Rules;
use crate::targets::send::{Secrets, Target};
use crate::targets::{setting, BuildError, CredentialField, Kind, Setting, Settings};

/// Shared, as the page holds it: the target a run builds shares the same profile.
impl Kind for Arc<Profile> {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn server_placeholder(&self) -> &str {
        &self.server_placeholder
    }

    fn credentials(&self) -> Vec<CredentialField> {
        self.credential_fields()
    }

    fn missing_credentials(&self, secrets: &Secrets) -> Option<String> {
        let missing = if self.login.is_empty() {
            self.credentials
                .iter()
                .any(|c| c.id.value(secrets).is_empty())
        } else {
            self.chosen_login(secrets).is_none()
        };
        missing.then(|| format!("Enter {}.", self.alternatives_in_words()))
    }

    fn settings(&self) -> Vec<Setting> {
        self.setting_fields()
    }

    fn field_specs(&self) -> Vec<FieldSpec> {
        self.fields.clone()
    }

    fn rules(&self, settings: &Settings) -> Rules {
        let mut rules = Rules {
            home_server: self.home_server(settings),
            ..Profile::rules(self)
        };
        // A field a setting replaces (the password, when an invitation is sent) is not
        // required then.
        let replaced = self.replaced(settings);
        rules
            .required
            .retain(|f| !replaced.iter().any(|r| r == f.label()));
        rules
    }

    fn identities(&self) -> Vec<Field> {
        self.identity_fields()
    }

    fn default_rate(&self) -> Option<u32> {
        self.rate_per_min
    }

    fn password_policy(&self) -> crate::input::passwords::PasswordPolicy {
        self.password_policy.clone().unwrap_or_default()
    }

    fn settles_by_probe(&self) -> bool {
        self.has_exists_probe()
    }

    fn updates(&self) -> bool {
        self.update
            .as_ref()
            .is_some_and(|u| u.find.is_some() || self.has_exists_probe())
    }

    fn api_url(&self, server_url: &str) -> String {
        Profile::api_url(self, server_url)
    }

    fn probe(&self, server_url: &str, settings: &Settings) -> HttpRequest {
        self.diagnosis_request(server_url, settings)
    }

    fn server_url_hint(&self) -> String {
        let example = if self.server_placeholder.is_empty() {
            String::new()
        } else {
            format!(", e.g. {}", self.server_placeholder)
        };
        format!(
            "The Server URL must be the address {} answers its API on{example}; Roster adds each request's path itself.",
            self.name
        )
    }

    /// A required setting left empty is asked for by its label.
    fn build(&self, server_url: &str, settings: &Settings) -> Result<Box<dyn Target>, BuildError> {
        let missing: Vec<String> = self
            .settings
            .iter()
            .filter(|s| !s.optional && s.default.is_none() && setting(settings, &s.id).is_none())
            .map(|s| s.label.clone())
            .collect();
        if !missing.is_empty() {
            return Err(BuildError::Missing(missing));
        }
        Ok(Box::new(ProfileTarget::new(
            Arc::clone(self),
            server_url,
            settings,
        )))
    }

    fn profile(&self) -> Option<&Profile> {
        Some(self)
    }
}

impl Profile {
    /// Without a login, the credentials whose value is the token, in the order tried:
    /// `access_token`, `api_key`, then the other secret credentials as declared.
    pub fn token_credentials(&self) -> Vec<super::CredentialId> {
        let mut ids: Vec<&super::Credential> = self.credentials.iter().collect();
        let rank = |c: &super::Credential| match c.id.as_str() {
            "access_token" => 0,
            "api_key" => 1,
            _ if c.secret => 2,
            _ => 3,
        };
        crate::sort::sort_by_key(&mut ids, |c| rank(c));
        ids.into_iter()
            .filter(|c| rank(c) < 3)
            .map(|c| c.id.clone())
            .collect()
    }

    /// Its ways to log in, in words: "the Login and Password, or the Access token".
    pub fn alternatives_in_words(&self) -> String {
        let label = |id: super::CredentialId| {
            self.credentials
                .iter()
                .find(|c| c.id == id)
                .map_or(id.as_str().to_owned(), |c| c.label.clone())
        };
        self.alternatives()
            .into_iter()
            .map(|ids| {
                let labels: Vec<String> = ids.into_iter().map(label).collect();
                format!("the {}", labels.join(" and "))
            })
            .collect::<Vec<_>>()
            .join(", or ")
    }
}
