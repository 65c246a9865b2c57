//! Microsoft Graph's plain data: the knobs, the tenant's users, the counters.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::faults::{Fault, Faults, Protocol};
use crate::ratelimit::RateLimiter;

/// Graph knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphConfig {
    /// `latency_ms` and the fault knobs Graph offers (see [`GraphKnobs`]).
    #[serde(flatten)]
    pub faults: Faults<GraphKnobs>,
    /// The access token with `User.ReadWrite.All`.
    pub token: String,
    /// A valid token without the permission (403).
    pub token_read_only: String,
    /// The tokens have expired (401 "Lifetime validation failed ...").
    pub token_expired: bool,
    /// The tenant's verified domains; a UPN must end in one (empty: any domain).
    pub verified_domains: Vec<String>,
    /// Requests allowed per token per window (`null`: no throttling).
    pub rate_limit: Option<u64>,
    /// The throttling window.
    pub rate_window_ms: u64,
}

impl Default for GraphConfig {
    fn default() -> Self {
        GraphConfig {
            faults: Faults::default(),
            token: "sandbox-graph-token".into(),
            token_read_only: "sandbox-graph-token-readonly".into(),
            token_expired: false,
            verified_domains: vec!["example.com".into(), "contoso.onmicrosoft.com".into()],
            rate_limit: None,
            rate_window_ms: 10_000,
        }
    }
}

/// The fault knobs Graph offers, and the keys of its knobs object in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphKnobs;

impl Protocol for GraphKnobs {
    const FAULTS: &'static [Fault] = &[Fault::Http503, Fault::Http500AfterInsert];
    const KEYS: &'static [&'static str] = &[
        "latency_ms",
        "token",
        "token_read_only",
        "token_expired",
        "verified_domains",
        "rate_limit",
        "rate_window_ms",
        "http503_every",
        "http500_after_insert_every",
    ];
}

/// A user of the tenant.
#[derive(Debug, Clone, Serialize)]
pub struct GraphUser {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail_nickname: String,
    pub account_enabled: bool,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub mail: Option<String>,
    /// `department`: at most 64 characters; not among the default properties, so
    /// returned only on `$select`.
    pub department: Option<String>,
    /// `passwordProfile.password`, kept in clear on purpose for tests.
    pub password: String,
    pub force_change_password_next_sign_in: bool,
    pub seeded: bool,
}

impl GraphUser {
    /// The user as `GET /users/{id}?$select=…` gives it: `@odata.context` and the
    /// selected properties only (Graph's "Use the $select query parameter"); `department`
    /// is one of the properties returned only so.
    pub(crate) fn selected(&self, base: &str, select: &[&str]) -> Value {
        let all = json!({
            "id": self.id,
            "accountEnabled": self.account_enabled,
            "businessPhones": [],
            "department": self.department,
            "displayName": self.display_name,
            "givenName": self.given_name,
            "jobTitle": null,
            "mail": self.mail,
            "mailNickname": self.mail_nickname,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "surname": self.surname,
            "userPrincipalName": self.user_principal_name,
        });
        let mut out = serde_json::Map::new();
        out.insert(
            "@odata.context".into(),
            json!(format!(
                "{base}/v1.0/$metadata#users({})/$entity",
                select.join(",")
            )),
        );
        for name in select {
            if let Some((key, value)) = all
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            {
                out.insert(key.clone(), value.clone());
            }
        }
        Value::Object(out)
    }

    pub(crate) fn representation(&self, base: &str) -> Value {
        json!({
            "@odata.context": format!("{base}/v1.0/$metadata#users/$entity"),
            "id": self.id,
            "businessPhones": [],
            "displayName": self.display_name,
            "givenName": self.given_name,
            "jobTitle": null,
            "mail": self.mail,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "surname": self.surname,
            "userPrincipalName": self.user_principal_name,
        })
    }
}

/// How many times each Graph fault fired.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GraphFaults {
    pub http503: u64,
    pub http500_after_insert: u64,
}

#[derive(Debug, Default)]
pub struct GraphState {
    pub users: Vec<GraphUser>,
    /// User POSTs past authentication and throttling; drives the "every Nth" faults.
    pub create_calls: u64,
    /// User PATCHes carried out.
    pub update_calls: u64,
    /// Requests answered 429.
    pub rate_limited: u64,
    pub faults: GraphFaults,
    pub limiter: RateLimiter,
}

impl GraphState {
    pub(crate) fn find(&self, upn_or_id: &str) -> Option<&GraphUser> {
        self.users
            .iter()
            .find(|u| u.id == upn_or_id || u.user_principal_name.eq_ignore_ascii_case(upn_or_id))
    }

    /// The `graph` member of `GET /_sandbox/state`.
    pub fn snapshot(&self) -> Value {
        json!({
            "users": self.users,
            "create_calls": self.create_calls,
            "update_calls": self.update_calls,
            "rate_limited": self.rate_limited,
            "faults_injected": self.faults,
        })
    }
}
