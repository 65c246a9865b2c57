//! Why `POST /_sandbox/seed` refuses an entry of the Keycloak, Graph or GitLab lists
//! (each protocol's `seed` reads its own entries).

use std::fmt;

/// A seed entry refused: nothing of the request is seeded.
#[derive(Debug)]
pub enum SeedError {
    /// An entry of none of the shapes the protocol seeds (serde's words).
    Shape {
        protocol: &'static str,
        error: serde_json::Error,
    },
    /// A Keycloak entry names a realm the `keycloak.realms` knob does not list.
    NoRealm(String),
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedError::Shape { protocol, error } => write!(f, "bad {protocol} seed: {error}"),
            SeedError::NoRealm(realm) => write!(f, "keycloak seed: no realm {realm:?}"),
        }
    }
}

impl std::error::Error for SeedError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::state::Shared;
    use serde_json::json;

    #[test]
    fn refused_entries_are_typed_and_worded() {
        let mut shared = Shared::new(Config::default());
        let e = crate::keycloak::seed(&mut shared, vec![json!({"realm": "nope", "username": "a"})])
            .unwrap_err();
        assert!(matches!(&e, SeedError::NoRealm(r) if r == "nope"));
        assert_eq!(e.to_string(), r#"keycloak seed: no realm "nope""#);
        let e = crate::graph::seed(&mut shared, vec![json!(7)]).unwrap_err();
        assert!(matches!(
            e,
            SeedError::Shape {
                protocol: "graph",
                ..
            }
        ));
        assert!(e.to_string().starts_with("bad graph seed: "));
        let e = crate::gitlab::seed(&mut shared, vec![json!({"bogus": 1})]).unwrap_err();
        assert!(e.to_string().starts_with("bad gitlab seed: "), "{e}");
        assert!(shared.keycloak.users.is_empty() && shared.graph.users.is_empty());
    }
}
