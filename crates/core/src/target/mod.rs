//! What a kind of target is, in one place: the form it needs (credentials and run
//! settings), the fields its rows carry and the rules they follow, its pacing, its checks,
//! the URL it calls and the request that probes it, and the [`Target`] that talks to it.
//!
//! The page renders the connection form and the mapping choices from this description and
//! never compares target names. Adding a built-in target means one module in `send/`
//! (its requests and answers) and one arm in each `match` below: the compiler lists them.
//!
//! [`profile`]: targets described by a declarative JSON profile, and the shipped presets.

pub mod profile;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::http::{Body, HttpRequest};
use crate::input::map::Field;
use crate::input::validate::{Rules, UsernameRule};
use crate::send::aurora::{self, Aurora};
use crate::send::mumara::{Mumara, MumaraDefaults};
use crate::send::{Secrets, Target};

/// A credential the form may ask for. Every one is held in memory only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    Login,
    Password,
    ApiKey,
    AccessToken,
}

impl Credential {
    /// The form control's id (`login`, `password`, `api-key`, `access-token`).
    pub fn id(self) -> &'static str {
        match self {
            Credential::Login => "login",
            Credential::Password => "password",
            Credential::ApiKey => "api-key",
            Credential::AccessToken => "access-token",
        }
    }

    /// Whether the field is masked (everything but the login name).
    pub fn secret(self) -> bool {
        self != Credential::Login
    }

    /// The value the user typed for this credential.
    pub fn value(self, secrets: &Secrets) -> &str {
        match self {
            Credential::Login => &secrets.login,
            Credential::Password => &secrets.password,
            Credential::ApiKey => &secrets.api_key,
            Credential::AccessToken => &secrets.access_token,
        }
    }
}

/// One credential field of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialField {
    pub credential: Credential,
    pub label: String,
    /// What a new form holds (Aurora's `superadmin`).
    pub initial: String,
}

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
}

/// A target's own setting that allows a page's origin (see `shared/protocols/aurora.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsSetting {
    /// The file that holds it.
    pub file: &'static str,
    pub key: &'static str,
}

/// The values typed into a target's settings, by setting id.
pub type Settings = BTreeMap<String, String>;

/// A kind of target.
#[derive(Debug, Clone)]
pub enum TargetKind {
    Aurora,
    Mumara,
    /// A declarative target: a shipped preset or a profile the admin loaded.
    Profile(Arc<profile::Profile>),
}

impl PartialEq for TargetKind {
    fn eq(&self, other: &TargetKind) -> bool {
        self.id() == other.id()
    }
}

impl TargetKind {
    /// The built-in targets, in the order the Target select lists them.
    pub fn builtins() -> Vec<TargetKind> {
        vec![TargetKind::Aurora, TargetKind::Mumara]
    }

    /// The built-ins, then the shipped presets: what the Target select lists.
    pub fn shipped() -> Vec<TargetKind> {
        let mut all = TargetKind::builtins();
        all.extend(
            profile::presets()
                .into_iter()
                .map(|p| TargetKind::Profile(Arc::new(p))),
        );
        all
    }

    /// The profile, for a profile target.
    pub fn profile(&self) -> Option<&profile::Profile> {
        match self {
            TargetKind::Profile(p) => Some(p),
            _ => None,
        }
    }

    /// A stable id: the select's option value, and part of a saved run's key.
    pub fn id(&self) -> &str {
        match self {
            TargetKind::Aurora => "aurora",
            TargetKind::Mumara => "mumara",
            TargetKind::Profile(p) => &p.id,
        }
    }

    /// The target by its [`TargetKind::id`], among the built-ins and the presets.
    pub fn by_id(id: &str) -> Option<TargetKind> {
        TargetKind::shipped().into_iter().find(|k| k.id() == id)
    }

    /// The name shown to the user.
    pub fn name(&self) -> &str {
        match self {
            TargetKind::Aurora => "Aurora",
            TargetKind::Mumara => "Mumara",
            TargetKind::Profile(p) => &p.name,
        }
    }

    pub fn server_placeholder(&self) -> &str {
        match self {
            TargetKind::Aurora => "https://mail.example.com/",
            TargetKind::Mumara => "https://mumara.example.com",
            TargetKind::Profile(p) => &p.server_placeholder,
        }
    }

    /// The credentials the form asks for, in order.
    pub fn credentials(&self) -> Vec<CredentialField> {
        let field = |credential, label: &str, initial: &str| CredentialField {
            credential,
            label: label.into(),
            initial: initial.into(),
        };
        match self {
            TargetKind::Aurora => vec![
                field(Credential::Login, "Login", "superadmin"),
                field(Credential::Password, "Password", ""),
            ],
            TargetKind::Mumara => vec![field(Credential::ApiKey, "API key", "")],
            TargetKind::Profile(p) => p.credential_fields(),
        }
    }

    /// What is missing from `secrets` for a run to start, in words; `None` when nothing is.
    pub fn missing_credentials(&self, secrets: &Secrets) -> Option<String> {
        match self {
            TargetKind::Aurora if secrets.login.is_empty() || secrets.password.is_empty() => {
                Some("Enter the super administrator's Login and Password.".into())
            }
            TargetKind::Mumara if secrets.api_key.is_empty() => {
                Some("Enter the Mumara API key (Settings → API Keys).".into())
            }
            TargetKind::Profile(p) if p.chosen_login(secrets).is_none() && !p.login.is_empty() => {
                Some(format!("Enter {}.", alternatives_in_words(p)))
            }
            TargetKind::Profile(p)
                if p.login.is_empty()
                    && p.credentials.iter().any(|c| c.id.value(secrets).is_empty()) =>
            {
                Some(format!("Enter {}.", alternatives_in_words(p)))
            }
            _ => None,
        }
    }

    /// The run settings the form asks for, in order.
    pub fn settings(&self) -> Vec<Setting> {
        match self {
            TargetKind::Profile(p) => p.setting_fields(),
            TargetKind::Aurora => Vec::new(),
            TargetKind::Mumara => vec![
                Setting {
                    id: "package_id".into(),
                    label: "Package ID".into(),
                    placeholder: "for rows without a package_id column".into(),
                    numeric: true,
                    affects_rows: true,
                },
                Setting {
                    id: "timezone".into(),
                    label: "Timezone".into(),
                    placeholder: "e.g. +05:00 (Mumara's default is 00:00)".into(),
                    numeric: false,
                    affects_rows: false,
                },
            ],
        }
    }

    /// The fields its rows carry, in the order its template lists them: the mapping's
    /// choices. First and last name columns are joined into the name.
    pub fn fields(&self) -> Vec<Field> {
        match self {
            TargetKind::Profile(p) => p.field_list(),
            TargetKind::Aurora => vec![
                Field::Email,
                Field::Password,
                Field::Role,
                Field::QuotaMb,
                Field::TenantId,
            ],
            TargetKind::Mumara => vec![
                Field::Name,
                Field::FirstName,
                Field::LastName,
                Field::Email,
                Field::Password,
                Field::PackageId,
                Field::Timezone,
                Field::LoginIps,
            ],
        }
    }

    /// Whether the run defaults for Aurora's role, quota and tenant apply.
    pub fn has_account_defaults(&self) -> bool {
        self.fields().contains(&Field::Role)
    }

    /// The fields every row must give, given the settings.
    pub fn required(&self, settings: &Settings) -> Vec<Field> {
        match self.build("http://localhost", settings) {
            Ok(target) => target.required(),
            Err(_) => vec![Field::Email, Field::Password],
        }
    }

    /// The rules a row follows for this target (the page adds its own settings).
    pub fn rules(&self, settings: &Settings) -> Rules {
        if let TargetKind::Profile(p) = self {
            return p.rules();
        }
        Rules {
            strict_email: matches!(self, TargetKind::Aurora),
            username: UsernameRule::Ignored,
            ..Rules::new(self.required(settings))
        }
    }

    /// The requests per minute a new form starts with: Mumara keys allow 60 unless set
    /// otherwise (see `shared/protocols/mumara.md`).
    pub fn default_rate(&self) -> Option<u32> {
        match self {
            TargetKind::Aurora => None,
            TargetKind::Mumara => Some(60),
            TargetKind::Profile(p) => p.rate_per_min,
        }
    }

    /// Whether "Check" can log in and list what the server holds (Aurora's GetUsers).
    pub fn has_check(&self) -> bool {
        matches!(self, TargetKind::Aurora)
    }

    /// Whether rows left unknown after a run are settled by listing the accounts
    /// (Aurora's GetUsers).
    pub fn settles_unknown(&self) -> bool {
        matches!(self, TargetKind::Aurora)
    }

    /// Whether rows left unknown after a run are settled by the profile's exists probe
    /// (see `Run::settle_probes`).
    pub fn settles_by_probe(&self) -> bool {
        self.profile().is_some_and(|p| p.has_exists_probe())
    }

    /// The URL the run calls, derived from the Server URL the user typed.
    pub fn api_url(&self, server_url: &str) -> String {
        match self {
            TargetKind::Aurora => aurora::api_url(server_url),
            TargetKind::Mumara => Mumara::new(server_url, MumaraDefaults::default())
                .url()
                .to_owned(),
            TargetKind::Profile(p) => p.api_url(server_url),
        }
    }

    /// A request the API answers without side effects and without credentials, for the
    /// diagnosis of an unreachable server: Aurora's `Core.GetSettings`, or an empty
    /// `addUser` with no key for Mumara (answered 401 by Mumara itself).
    pub fn probe(&self, server_url: &str, settings: &Settings) -> HttpRequest {
        let body = match self {
            TargetKind::Profile(p) => return p.diagnosis_request(server_url, settings),
            TargetKind::Aurora => Body::Form(vec![
                ("Module".into(), "Core".into()),
                ("Method".into(), "GetSettings".into()),
                ("Parameters".into(), "{}".into()),
            ]),
            TargetKind::Mumara => Body::Json("{}".into()),
        };
        HttpRequest {
            method: crate::http::Method::Post,
            url: self.api_url(server_url),
            headers: vec![("Accept".into(), "application/json".into())],
            body,
        }
    }

    /// Where the target's files live, for the same-origin fix of the diagnosis.
    pub fn web_root(&self) -> String {
        match self {
            TargetKind::Aurora => {
                "the Aurora web root (the folder that holds Aurora's index.php)".into()
            }
            TargetKind::Mumara => "the Mumara web root (its public/ folder)".into(),
            TargetKind::Profile(p) => format!("the web root of {}", p.name),
        }
    }

    /// What the Server URL must be, for the wrong-URL finding of the diagnosis.
    pub fn server_url_hint(&self) -> String {
        match self {
            TargetKind::Aurora => "The Server URL must be the Aurora installation's address (the page that shows Aurora's login), e.g. https://mail.example.com/; Roster adds ?/Api/ itself.".into(),
            TargetKind::Mumara => "The Server URL must be the Mumara installation's address, e.g. https://mumara.example.com; Roster adds /api/addUser itself.".into(),
            TargetKind::Profile(p) => format!(
                "The Server URL must be the address {} answers its API on{}; Roster adds each request's path itself.",
                p.name,
                if p.server_placeholder.is_empty() {
                    String::new()
                } else {
                    format!(", e.g. {}", p.server_placeholder)
                }
            ),
        }
    }

    /// The target's own setting that allows another origin (CORS), when it has one.
    pub fn cors_setting(&self) -> Option<CorsSetting> {
        match self {
            TargetKind::Aurora => Some(CorsSetting {
                file: "data/settings/config.json (Aurora framework 0.10.137 or later)",
                key: "AllowCrossDomainRequestsFromOrigin",
            }),
            TargetKind::Mumara | TargetKind::Profile(_) => None,
        }
    }

    /// The [`Target`] a run talks to, from the Server URL and the settings; a setting that
    /// is not what the target accepts is refused in words.
    pub fn build(&self, server_url: &str, settings: &Settings) -> Result<Box<dyn Target>, String> {
        let value = |id: &str| {
            settings
                .get(id)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        match self {
            TargetKind::Profile(p) => {
                let missing: Vec<&str> = p
                    .settings
                    .iter()
                    .filter(|s| !s.optional && s.default.is_none() && value(&s.id).is_none())
                    .map(|s| s.label.as_str())
                    .collect();
                if !missing.is_empty() {
                    return Err(format!("Enter the {}.", missing.join(" and ")));
                }
                Ok(Box::new(profile::ProfileTarget::new(
                    p.clone(),
                    server_url,
                    settings,
                )))
            }
            TargetKind::Aurora => Ok(Box::new(Aurora::new(server_url))),
            TargetKind::Mumara => {
                let package_id = match value("package_id") {
                    None => None,
                    Some(package) => match package.parse::<u64>() {
                        Ok(id) if id > 0 => Some(id),
                        _ => {
                            return Err(format!(
                                "Package ID \"{package}\" is not a positive number."
                            ))
                        }
                    },
                };
                let timezone = value("timezone");
                if let Some(problem) = timezone
                    .as_deref()
                    .and_then(crate::input::validate::timezone_problem)
                {
                    return Err(format!("Timezone: {problem}"));
                }
                Ok(Box::new(Mumara::new(
                    server_url,
                    MumaraDefaults {
                        package_id,
                        timezone,
                    },
                )))
            }
        }
    }

    /// The template's header line, CRLF-terminated: the target's fields, with the name
    /// rather than its first and last parts.
    pub fn template(&self) -> String {
        let fields: Vec<&str> = self
            .fields()
            .into_iter()
            .filter(|f| !matches!(f, Field::FirstName | Field::LastName))
            .map(Field::label)
            .collect();
        format!("{}\r\n", fields.join(","))
    }

    /// The template's file name.
    pub fn template_file_name(&self) -> String {
        format!("roster-template-{}.csv", self.id())
    }
}

/// A profile's ways to log in, in words: "the Login and Password, or the Access token".
fn alternatives_in_words(p: &profile::Profile) -> String {
    let label = |id: profile::CredentialId| {
        p.credentials
            .iter()
            .find(|c| c.id == id)
            .map_or(id.as_str().to_owned(), |c| c.label.clone())
    };
    p.alternatives()
        .into_iter()
        .map(|ids| {
            let labels: Vec<String> = ids.into_iter().map(label).collect();
            format!("the {}", labels.join(" and "))
        })
        .collect::<Vec<_>>()
        .join(", or ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let err = TargetKind::Mumara
            .build("https://m.example.com", &settings)
            .err()
            .unwrap();
        assert!(err.contains("Package ID"), "{err}");
        settings.insert("package_id".into(), " 7 ".into());
        assert!(TargetKind::Mumara
            .build("https://m.example.com", &settings)
            .is_ok());
        // With a default package, rows need none of their own.
        assert!(!TargetKind::Mumara
            .required(&settings)
            .contains(&Field::PackageId));
    }

    #[test]
    fn templates_list_the_fields() {
        assert_eq!(
            TargetKind::Aurora.template(),
            "email,password,role,quota_mb,tenant_id\r\n"
        );
        assert_eq!(
            TargetKind::Mumara.template(),
            "name,email,password,package_id,timezone,login_ips\r\n"
        );
        assert_eq!(
            TargetKind::Mumara.template_file_name(),
            "roster-template-mumara.csv"
        );
    }

    #[test]
    fn a_filled_template_maps_itself() {
        use crate::input::map::Mapping;
        use crate::input::read::{parse_layout, Layout};
        for kind in TargetKind::builtins() {
            let text = format!("{}x\r\n", kind.template());
            let layout = Layout {
                delimiter: b',',
                skip_lines: 0,
                header: true,
                literal_quotes: false,
            };
            let table = parse_layout(&text, layout).unwrap();
            let mapping = Mapping::auto_for(&table, &kind.fields());
            let want: Vec<Option<Field>> = kind
                .template()
                .trim()
                .split(',')
                .map(Field::from_label)
                .collect();
            assert_eq!(mapping.columns, want, "{}", kind.name());
        }
    }

    #[test]
    fn presets_are_targets_like_the_builtins() {
        let all = TargetKind::shipped();
        let names: Vec<&str> = all.iter().map(TargetKind::name).collect();
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
        let mut ids: Vec<&str> = all.iter().map(TargetKind::id).collect();
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
        let token = Secrets {
            access_token: "t".into(),
            ..Secrets::default()
        };
        assert_eq!(synapse.missing_credentials(&token), None);
        // The rows' rules come from the profile: user names as localparts.
        let rules = synapse.rules(&Settings::new());
        assert!(matches!(rules.username, UsernameRule::Localpart { .. }));
        assert_eq!(rules.mapped_fields(), Field::ALL);
    }

    #[test]
    fn a_required_setting_is_asked_for_by_its_label() {
        let keycloak = TargetKind::by_id("keycloak").unwrap();
        let err = keycloak
            .build("https://id.example.com", &Settings::new())
            .err()
            .unwrap();
        assert_eq!(err, "Enter the Realm.");
        let mut settings = Settings::new();
        settings.insert("realm".into(), "staff".into());
        let target = keycloak.build("https://id.example.com", &settings).unwrap();
        assert_eq!(target.name(), "Keycloak");
    }

    #[test]
    fn credentials_missing_in_words() {
        let none = Secrets::default();
        assert!(TargetKind::Aurora.missing_credentials(&none).is_some());
        assert!(TargetKind::Mumara
            .missing_credentials(&none)
            .unwrap()
            .contains("API key"));
        let key = Secrets {
            api_key: "k".into(),
            ..Secrets::default()
        };
        assert_eq!(TargetKind::Mumara.missing_credentials(&key), None);
    }
}
