//! Keycloak's plain data: the knobs, the users and tokens of the realms, the counters.

use std::collections::HashMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::faults::{Fault, Faults, Protocol};

/// Keycloak knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeycloakConfig {
    /// `latency_ms` and the fault knobs Keycloak offers (see [`KeycloakKnobs`]).
    #[serde(flatten)]
    pub faults: Faults<KeycloakKnobs>,
    /// The realms that exist.
    pub realms: Vec<String>,
    /// The admin's user name (in every realm).
    pub admin_username: String,
    /// The admin's password.
    pub admin_password: String,
    /// Seconds an access token lives (`expires_in`); a realm's `accessTokenLifespan`.
    pub access_token_lifespan: u64,
    /// The realm setting `duplicateEmailsAllowed`.
    pub duplicate_emails_allowed: bool,
    /// Every token POST: the connection is closed without an answer, as when the server
    /// process dies handling the login (a crash, an out-of-memory kill) and the proxy in
    /// front passes the reset on. The rest of the API (the well-known document, the
    /// users) answers as usual.
    pub token_hangup: bool,
    /// The public clients a password grant may name (`client_id`), with their Web
    /// Origins: the origins whose pages may read the token endpoint's and the admin API's
    /// answers (see `keycloak::decorate`).
    pub clients: Vec<KeycloakClient>,
    /// The groups of the realms (a user joins one by its id).
    pub groups: Vec<KeycloakGroup>,
    /// The realm's e-mail (SMTP) settings work: with `false`, execute-actions-email fails
    /// as Keycloak does when it cannot send (500).
    pub smtp: bool,
}

/// A group of a realm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeycloakGroup {
    pub id: String,
    pub name: String,
    #[serde(default = "roster_realm")]
    pub realm: String,
}

fn roster_realm() -> String {
    "roster".into()
}

/// A public OpenID Connect client (Client authentication off).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeycloakClient {
    pub client_id: String,
    /// The client's Web Origins: exact origins (`https://roster.example.com`), or `*`
    /// for any. Empty on `admin-cli`, as Keycloak creates it.
    #[serde(default)]
    pub web_origins: Vec<String>,
    /// "Direct access grants" (the password grant) on.
    #[serde(default = "yes")]
    pub direct_access_grants: bool,
}

fn yes() -> bool {
    true
}

impl KeycloakClient {
    /// Whether a page at `origin` may read this client's answers
    /// (`DefaultCors.add`: the origin among the allowed ones, or `*` among them).
    pub fn allows(&self, origin: &str) -> bool {
        self.web_origins.iter().any(|o| o == "*" || o == origin)
    }
}

impl Default for KeycloakConfig {
    fn default() -> Self {
        KeycloakConfig {
            faults: Faults::default(),
            realms: vec!["master".into(), "roster".into()],
            admin_username: "admin".into(),
            admin_password: "admin".into(),
            access_token_lifespan: 60,
            duplicate_emails_allowed: false,
            token_hangup: false,
            clients: vec![
                KeycloakClient {
                    client_id: "admin-cli".into(),
                    web_origins: Vec::new(),
                    direct_access_grants: true,
                },
                KeycloakClient {
                    client_id: "roster".into(),
                    web_origins: vec!["*".into()],
                    direct_access_grants: true,
                },
            ],
            groups: vec![
                KeycloakGroup {
                    id: "5b0f3c7e-1d2a-4c4e-9f00-000000000001".into(),
                    name: "staff".into(),
                    realm: "roster".into(),
                },
                KeycloakGroup {
                    id: "5b0f3c7e-1d2a-4c4e-9f00-000000000002".into(),
                    name: "students".into(),
                    realm: "roster".into(),
                },
            ],
            smtp: true,
        }
    }
}

/// The fault knobs Keycloak offers, and the keys of its knobs object in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeycloakKnobs;

impl Protocol for KeycloakKnobs {
    const FAULTS: &'static [Fault] = &[Fault::Http500, Fault::Http500AfterInsert];
    const KEYS: &'static [&'static str] = &[
        "latency_ms",
        "realms",
        "admin_username",
        "admin_password",
        "access_token_lifespan",
        "duplicate_emails_allowed",
        "http500_every",
        "http500_after_insert_every",
        "token_hangup",
        "clients",
    ];
}

/// A user of one realm.
#[derive(Debug, Clone, Serialize)]
pub struct KeycloakUser {
    pub id: String,
    pub realm: String,
    /// Lower case, as Keycloak stores it.
    pub username: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub enabled: bool,
    pub email_verified: bool,
    /// The `password` credential's value, kept in clear on purpose for tests.
    pub password: Option<String>,
    /// The credential's `temporary` flag.
    pub temporary_password: bool,
    pub required_actions: Vec<String>,
    pub attributes: Value,
    /// Milliseconds since the epoch.
    pub created_timestamp: u64,
    /// Pre-created through `/_sandbox/seed`.
    pub seeded: bool,
}

impl KeycloakUser {
    /// The UserRepresentation `GET` answers.
    pub(crate) fn representation(&self) -> Value {
        let mut rep = json!({
            "id": self.id,
            "createdTimestamp": self.created_timestamp,
            "username": self.username,
            "enabled": self.enabled,
            "totp": false,
            "emailVerified": self.email_verified,
            "disableableCredentialTypes": [],
            "requiredActions": self.required_actions,
            "notBefore": 0,
            "access": {"manageGroupMembership": true, "view": true, "mapRoles": true,
                       "impersonate": true, "manage": true},
        });
        let object = rep.as_object_mut().expect("an object");
        for (key, value) in [
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
            ("email", &self.email),
        ] {
            if let Some(value) = value {
                object.insert(key.into(), json!(value));
            }
        }
        if self.attributes.as_object().is_some_and(|a| !a.is_empty()) {
            object.insert("attributes".into(), self.attributes.clone());
        }
        rep
    }
}

/// One access token.
#[derive(Debug, Clone)]
pub struct KeycloakToken {
    pub realm: String,
    pub expires: Instant,
    /// The token's `allowed-origins` claim: its client's Web Origins when it was issued.
    pub allowed_origins: Vec<String>,
}

/// How many times each Keycloak fault knob fired.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeycloakFaults {
    pub http500: u64,
    /// Token POSTs closed without an answer (`token_hangup`).
    pub token_hangup: u64,
    pub http500_after_insert: u64,
    /// Admin requests refused 401 because their token had expired.
    pub token_expired: u64,
}

#[derive(Debug, Default)]
pub struct KeycloakState {
    pub users: Vec<KeycloakUser>,
    pub tokens: HashMap<String, KeycloakToken>,
    /// Successful password grants.
    pub logins: u64,
    /// Token POSTs received, whatever their outcome.
    pub login_calls: u64,
    /// User POSTs that passed authentication; drives the "every Nth" faults.
    pub create_calls: u64,
    /// User PUTs carried out (`UserResource.updateUser`).
    pub update_calls: u64,
    pub faults: KeycloakFaults,
    /// Users' group memberships: (user id, group id).
    pub memberships: Vec<(String, String)>,
    /// execute-actions-email calls that sent their e-mail: (user id, the actions).
    pub emails: Vec<(String, Vec<String>)>,
}

impl KeycloakState {
    pub(crate) fn by_username(&self, realm: &str, username: &str) -> Option<&KeycloakUser> {
        self.users
            .iter()
            .find(|u| u.realm == realm && u.username.eq_ignore_ascii_case(username))
    }

    pub(crate) fn by_email(&self, realm: &str, email: &str) -> Option<&KeycloakUser> {
        self.users.iter().find(|u| {
            u.realm == realm
                && u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// The `keycloak` member of `GET /_sandbox/state`.
    pub fn snapshot(&self) -> Value {
        json!({
            "users": self.users,
            "logins": self.logins,
            "login_calls": self.login_calls,
            "create_calls": self.create_calls,
            "update_calls": self.update_calls,
            "live_tokens": self.tokens.values().filter(|t| t.expires > Instant::now()).count(),
            "faults_injected": self.faults,
            "memberships": self.memberships.iter().map(|(user, group)| json!({
                "user_id": user,
                "username": self.users.iter().find(|u| &u.id == user).map(|u| u.username.clone()),
                "group_id": group,
            })).collect::<Vec<Value>>(),
            "emails": self.emails.iter().map(|(user, actions)| json!({
                "user_id": user,
                "username": self.users.iter().find(|u| &u.id == user).map(|u| u.username.clone()),
                "actions": actions,
            })).collect::<Vec<Value>>(),
        })
    }
}
