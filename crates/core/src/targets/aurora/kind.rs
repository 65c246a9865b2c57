//! Aurora as a kind of target ([`Kind`]): what the form asks for (the super
//! administrator's login, the role, quota and tenant defaults), its fields and rules
//! (the PublicId rule), its check and its settling by listing. The API itself:
//! [`super::Aurora`].

use super::{api_url, Aurora, AuroraCheck};
use crate::http::{Body, HttpRequest};
use crate::input::field::Field;
use crate::input::spec::{FieldSpec, FieldValue};
use crate::input::validate::{EmailRule, Rules, UsernameRule};
use crate::targets::check::Listing;
use crate::targets::send::{Secrets, Target};
use crate::targets::{
    post_for_json, whole_number, BuildError, CorsSetting, CredentialField, Kind, Setting, Settings,
};

/// Aurora as a kind of target: a super administrator's login, strict addresses, a
/// pre-flight check and settling by listing (GetUsers).
#[derive(Debug)]
pub struct AuroraKind;

impl Kind for AuroraKind {
    fn id(&self) -> &str {
        "aurora"
    }

    fn name(&self) -> &str {
        "Aurora"
    }

    fn server_placeholder(&self) -> &str {
        "https://mail.example.com/"
    }

    /// The super administrator's login: Aurora's own is called `superadmin`.
    fn credentials(&self) -> Vec<CredentialField> {
        vec![
            CredentialField::new("login", "Login")
                .shown()
                .initial("superadmin"),
            CredentialField::new("password", "Password").exact(),
        ]
    }

    fn missing_credentials(&self, secrets: &Secrets) -> Option<String> {
        (!secrets.filled("login") || !secrets.filled("password"))
            .then(|| "Enter the super administrator's Login and Password.".into())
    }

    /// The role, quota and tenant of rows whose cell is empty or whose column is missing.
    fn settings(&self) -> Vec<Setting> {
        DEFAULTS
            .iter()
            .map(|d| Setting {
                id: d.field.label().into(),
                label: d.label.into(),
                placeholder: d.placeholder.into(),
                numeric: true,
                affects_rows: true,
                hint: String::new(),
            })
            .collect()
    }

    /// Aurora's fields: the address and password every row gives, and the account
    /// settings a column may give (the run's defaults fill empty cells).
    fn field_specs(&self) -> Vec<FieldSpec> {
        vec![
            FieldSpec::required(Field::Email),
            FieldSpec::required(Field::Password),
            role_spec(),
            FieldSpec::builtin(Field::QuotaMb),
            FieldSpec::builtin(Field::TenantId),
        ]
    }

    /// A default that is not a valid number is left out here: [`Kind::build`] refuses it
    /// by its label when a run starts.
    fn rules(&self, settings: &Settings) -> Rules {
        Rules {
            email_rule: Some(PUBLIC_ID_RULE),
            username: UsernameRule::Ignored,
            defaults: DEFAULTS
                .iter()
                .filter_map(|d| Some((d.field, d.value(settings).ok()??.to_string())))
                .collect(),
            // `Core.CreateUser` takes no name (shared/protocols/aurora.md): a field Aurora
            // never sends is not offered to a column, nor mapped (issue 27).
            unmapped: Field::ADDRESS_SIGN_IN
                .into_iter()
                .filter(|f| !self.field_specs().iter().any(|s| s.field == *f))
                .collect(),
            fields: self.field_specs(),
            ..Rules::new(Aurora::new("http://localhost").required())
        }
    }

    fn has_check(&self) -> bool {
        true
    }

    fn settles_unknown(&self) -> bool {
        true
    }

    fn listing(&self, server_url: &str, secrets: Secrets) -> Option<Box<dyn Listing>> {
        Some(Box::new(AuroraCheck::new(Aurora::new(server_url), secrets)))
    }

    /// `Core.GetUsers` finds the account and `Core.UpdateUser` updates it.
    fn updates(&self) -> bool {
        true
    }

    fn no_update_passwords(&self) -> Option<String> {
        Some(super::NO_PASSWORDS.into())
    }

    fn api_url(&self, server_url: &str) -> String {
        api_url(server_url)
    }

    /// `Core.GetSettings`: answered without a login and without side effects.
    fn probe(&self, server_url: &str, _settings: &Settings) -> HttpRequest {
        post_for_json(
            api_url(server_url),
            Body::Form(vec![
                ("Module".into(), "Core".into()),
                ("Method".into(), "GetSettings".into()),
                ("Parameters".into(), "{}".into()),
            ]),
        )
    }

    fn web_root(&self) -> String {
        "the Aurora web root (the folder that holds Aurora's index.php)".into()
    }

    fn server_url_hint(&self) -> String {
        "The Server URL must be the Aurora installation's address (the page that shows Aurora's login), e.g. https://mail.example.com/; Roster adds ?/Api/ itself.".into()
    }

    fn cors_setting(&self) -> Option<CorsSetting> {
        Some(CorsSetting {
            file: "data/settings/config.json (Aurora framework 0.10.137 or later)",
            key: "AllowCrossDomainRequestsFromOrigin",
        })
    }

    fn build(&self, server_url: &str, settings: &Settings) -> Result<Box<dyn Target>, BuildError> {
        for d in DEFAULTS {
            d.value(settings)?;
        }
        Ok(Box::new(Aurora::new(server_url)))
    }
}

/// Aurora's role, with the roles a created account may have (the protocol notes: 1
/// TenantAdmin, 2 NormalUser, 3 Customer; 0 SuperAdmin is no account's), in the words a
/// file may give them: Aurora's own names, and English, German, French, Spanish,
/// Italian, Portuguese and Dutch, as the header aliases cover (`input/aliases.rs`).
pub fn role_spec() -> FieldSpec {
    FieldSpec {
        values: vec![
            FieldValue::new(
                "1",
                "Tenant admin",
                // Only words that say *tenant* admin: a bare "admin" in an HR export may
                // mean anything, and a guess must never grant rights; the admin maps it.
                &[
                    "TenantAdmin",
                    "tenant administrator",
                    "Mandantenadministrator",
                    "Mandant-Admin",
                    "administrateur du locataire",
                    "administrador del inquilino",
                ],
            ),
            FieldValue::new(
                "2",
                "Normal user",
                &[
                    "NormalUser",
                    "user",
                    "normal",
                    "standard",
                    "member",
                    "Benutzer",
                    "Nutzer",
                    "utilisateur",
                    "usuario",
                    "utente",
                    "usuário",
                    "utilizador",
                    "gebruiker",
                ],
            ),
            FieldValue::new("3", "Customer", &["client", "Kunde", "cliente", "klant"]),
        ],
        ..FieldSpec::builtin(Field::Role)
    }
}

/// One of the run's defaults for a row field (see [`AuroraKind::settings`]): its setting
/// id is the field's label.
struct RowDefault {
    field: Field,
    label: &'static str,
    placeholder: &'static str,
    min: u64,
    max: u64,
}

/// The role, quota and tenant a row without its own takes.
const DEFAULTS: &[RowDefault] = &[
    RowDefault {
        field: Field::Role,
        label: "Default role",
        placeholder: "2 (user); 1 tenant admin, 3 customer",
        min: 1,
        max: 3,
    },
    RowDefault {
        field: Field::QuotaMb,
        label: "Default quota (MB)",
        placeholder: "server default",
        min: 0,
        max: crate::input::validate::MAX_QUOTA_MB,
    },
    RowDefault {
        field: Field::TenantId,
        label: "Default tenant ID",
        placeholder: "0",
        min: 0,
        max: u64::MAX,
    },
];

impl RowDefault {
    /// The setting's value: `None` when empty; a value that is not a whole number in
    /// range is refused by the setting's label.
    fn value(&self, settings: &Settings) -> Result<Option<u64>, BuildError> {
        let raw = settings.get(self.field.label()).map_or("", String::as_str);
        whole_number(self.label, raw, self.min, self.max).map_err(|problem| BuildError::Invalid {
            label: self.label.into(),
            problem: problem.to_string(),
        })
    }
}

/// Aurora's server-side rule for a PublicId, on top of the common address checks.
pub const PUBLIC_ID_RULE: EmailRule = EmailRule(public_id_problem);

/// Aurora's server-side rule for a PublicId: `^[a-zA-Z0-9._\-+@]+$` and exactly one `@`.
pub fn public_id_problem(email: &str) -> Option<String> {
    let allowed =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'@');
    // Most addresses pass: say so without building anything.
    if email.bytes().all(allowed) && email.bytes().filter(|&b| b == b'@').count() == 1 {
        return None;
    }
    let bad: String = email
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@')))
        .collect();
    if !bad.is_empty() {
        let mut shown: Vec<char> = bad.chars().collect();
        shown.dedup();
        return Some(format!(
            "\"{email}\" has characters Aurora does not accept ({}): only letters a-z, digits, . _ - + and one @",
            shown.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(" ")
        ));
    }
    (email.matches('@').count() != 1).then(|| format!("\"{email}\" must hold exactly one @"))
}
