//! `POST /_sandbox/seed`'s `keycloak` entries: users created before a test.

use serde::Deserialize;
use serde_json::{json, Value};

use super::model::KeycloakUser;
use crate::seeding::SeedError;
use crate::state::Shared;
use crate::util::{random_uuid, unix_millis};

/// A `/_sandbox/seed` entry: `"username"` (realm `roster`, no e-mail) or an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Seed {
    Username(String),
    User(SeedUser),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedUser {
    #[serde(default = "default_seed_realm")]
    pub(super) realm: String,
    pub(super) username: String,
    #[serde(default)]
    pub(super) email: Option<String>,
    #[serde(default)]
    pub(super) first_name: Option<String>,
    #[serde(default)]
    pub(super) last_name: Option<String>,
    #[serde(default)]
    pub(super) password: Option<String>,
}

pub(super) fn default_seed_realm() -> String {
    "roster".into()
}

/// Pre-create users (existing usernames skipped).
pub fn seed(shared: &mut Shared, entries: Vec<Value>) -> Result<(), SeedError> {
    let mut users = Vec::new();
    for entry in entries {
        let user =
            match serde_json::from_value::<Seed>(entry).map_err(|error| SeedError::Shape {
                protocol: "keycloak",
                error,
            })? {
                Seed::Username(username) => SeedUser {
                    realm: default_seed_realm(),
                    username,
                    email: None,
                    first_name: None,
                    last_name: None,
                    password: None,
                },
                Seed::User(user) => user,
            };
        if !shared.config.keycloak.realms.contains(&user.realm) {
            return Err(SeedError::NoRealm(user.realm));
        }
        users.push(user);
    }
    for user in users {
        if user.username.trim().is_empty()
            || shared
                .keycloak
                .by_username(&user.realm, &user.username)
                .is_some()
        {
            continue;
        }
        shared.keycloak.users.push(KeycloakUser {
            id: random_uuid(),
            realm: user.realm,
            username: user.username.trim().to_lowercase(),
            email: user.email.map(|e| e.trim().to_lowercase()),
            first_name: user.first_name,
            last_name: user.last_name,
            enabled: true,
            email_verified: false,
            password: user.password,
            temporary_password: false,
            required_actions: Vec::new(),
            attributes: json!({}),
            created_timestamp: unix_millis(),
            seeded: true,
        });
    }
    Ok(())
}
