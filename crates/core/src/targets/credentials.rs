//! Credentials as data: a target (built-in or profile) declares what its API needs the
//! admin to type ([`CredentialField`]: id, label, secret or not, initial value), and the
//! form renders whatever it declares. What was typed is held in memory only, by
//! credential id ([`Typed`] in the form, [`Secrets`] for a run).

use std::collections::BTreeMap;

use super::send::Secrets;

/// One credential the form asks for, as data: a target (built-in or profile) declares
/// whatever its API needs. Every value is held in memory only ([`Secrets`], by `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialField {
    /// The credential's id: `login`, `password`, `api_key`, `access_token`, or a
    /// profile's own (`tenant_secret`); `{credentials.ID}` in a profile's templates.
    pub id: String,
    pub label: String,
    /// Masked in the form and in a Dry run (everything but a login name).
    pub secret: bool,
    /// What a new form holds (a default administrator's login name).
    pub initial: String,
    /// Kept exactly as typed, spaces included (a password); other values are trimmed.
    pub exact: bool,
}

/// The form controls' ids of the credentials the page had before credentials were
/// data: kept, so that links, tests and password managers still find them.
const CONTROL_IDS: &[(&str, &str)] = &[
    ("login", "login"),
    ("password", "password"),
    ("api_key", "api-key"),
    ("access_token", "access-token"),
];

impl CredentialField {
    /// A secret credential, trimmed, empty at first.
    pub fn new(id: &str, label: &str) -> CredentialField {
        CredentialField {
            id: id.into(),
            label: label.into(),
            secret: true,
            initial: String::new(),
            exact: false,
        }
    }

    /// The same, not a secret (shown as typed).
    pub fn shown(mut self) -> CredentialField {
        self.secret = false;
        self
    }

    /// The same, with what a new form holds.
    pub fn initial(mut self, value: &str) -> CredentialField {
        self.initial = value.into();
        self
    }

    /// The same, kept exactly as typed.
    pub fn exact(mut self) -> CredentialField {
        self.exact = true;
        self
    }

    /// The form control's id: `login`, `password`, `api-key`, `access-token` for those
    /// credentials, `credential-<id>` (underscores as dashes) for any other.
    pub fn control_id(&self) -> String {
        match CONTROL_IDS.iter().find(|(id, _)| *id == self.id) {
            Some((_, control)) => (*control).to_owned(),
            None => format!("credential-{}", self.id.replace('_', "-")),
        }
    }

    /// The value typed for it.
    pub fn value<'s>(&self, secrets: &'s Secrets) -> &'s str {
        secrets.get(&self.id)
    }
}

/// What the form holds, by credential id: in memory only, never stored.
pub type Typed = BTreeMap<String, String>;

/// What a new form holds for `fields`: their initial values.
pub fn initial_form(fields: &[CredentialField]) -> Typed {
    // Inserted one by one: a map collected from an iterator sorts its entries first,
    // one more copy of the sort in the page for a handful of fields.
    let mut typed = Typed::new();
    for f in fields.iter().filter(|f| !f.initial.is_empty()) {
        typed.insert(f.id.clone(), f.initial.clone());
    }
    typed
}

/// The form switched from a target asking for `old` to one asking for `new`: a value
/// the old target's initial value left untouched goes, the new target's initial values
/// fill the credentials left empty, and whatever the admin typed is kept (a login name
/// typed for one target is there for the next).
pub fn switch(old: &[CredentialField], new: &[CredentialField], typed: &mut Typed) {
    for field in old {
        if !field.initial.is_empty() && typed.get(&field.id) == Some(&field.initial) {
            typed.remove(&field.id);
        }
    }
    for field in new {
        let empty = typed.get(&field.id).is_none_or(String::is_empty);
        if empty && !field.initial.is_empty() {
            typed.insert(field.id.clone(), field.initial.clone());
        }
    }
}

/// The run's [`Secrets`] from what the form holds for `fields`: trimmed, but for a
/// field kept exactly as typed (a password). A credential the target does not declare
/// is left out.
pub fn secrets(fields: &[CredentialField], typed: &Typed) -> Secrets {
    let mut secrets = Secrets::new();
    for field in fields {
        let value = typed.get(&field.id).map_or("", String::as_str);
        let value = if field.exact { value } else { value.trim() };
        secrets.set(&field.id, value, field.secret);
    }
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A target's credentials as the built-ins declare theirs.
    fn kind(id: &str) -> Vec<CredentialField> {
        match id {
            "aurora" => vec![
                CredentialField::new("login", "Login")
                    .shown()
                    .initial("superadmin"),
                CredentialField::new("password", "Password").exact(),
            ],
            "mumara" => vec![CredentialField::new("api_key", "API key")],
            _ => vec![
                CredentialField::new("login", "Login").shown(),
                CredentialField::new("password", "Password").exact(),
                CredentialField::new("access_token", "Access token"),
            ],
        }
    }

    #[test]
    fn the_form_starts_with_the_targets_initial_values_and_switches_cleanly() {
        let mut typed = initial_form(&kind("aurora"));
        assert_eq!(typed.get("login").map(String::as_str), Some("superadmin"));
        // Another target: the untouched initial login goes.
        switch(&kind("aurora"), &kind("synapse"), &mut typed);
        assert_eq!(typed.get("login"), None);
        // A login typed by the admin stays, and back on the first target it is kept.
        typed.insert("login".into(), "admin".into());
        switch(&kind("synapse"), &kind("aurora"), &mut typed);
        assert_eq!(typed.get("login").map(String::as_str), Some("admin"));
        typed.remove("login");
        switch(&kind("mumara"), &kind("aurora"), &mut typed);
        assert_eq!(typed.get("login").map(String::as_str), Some("superadmin"));
    }

    #[test]
    fn secrets_trim_all_but_an_exact_credential_and_hide_in_debug() {
        let fields = kind("aurora");
        let mut typed = Typed::new();
        typed.insert("login".into(), " superadmin ".into());
        typed.insert("password".into(), " pass word ".into());
        typed.insert("api_key".into(), "not asked for".into());
        let secrets = secrets(&fields, &typed);
        assert_eq!(secrets.get("login"), "superadmin");
        assert_eq!(secrets.get("password"), " pass word ");
        // Only what the target declares reaches the run.
        assert_eq!(secrets.get("api_key"), "");
        let debug = format!("{secrets:?}");
        assert!(
            !debug.contains("pass word") && !debug.contains("superadmin"),
            "{debug}"
        );
        assert!(debug.contains("password"), "{debug}");
        let masked = secrets.masked("***");
        assert_eq!(masked.get("login"), "superadmin");
        assert_eq!(masked.get("password"), "***");
    }

    #[test]
    fn control_ids_stay_what_the_page_had() {
        let ids: Vec<String> = [
            "login",
            "password",
            "api_key",
            "access_token",
            "tenant_secret",
        ]
        .iter()
        .map(|id| CredentialField::new(id, "x").control_id())
        .collect();
        assert_eq!(
            ids,
            [
                "login",
                "password",
                "api-key",
                "access-token",
                "credential-tenant-secret"
            ]
        );
    }
}
