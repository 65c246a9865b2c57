//! GitLab's plain data: the knobs, the instance's users, the counters.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::faults::{Fault, Faults, Protocol};
use crate::ratelimit::RateLimiter;

/// The id of the instance's first user (`root`); new users are numbered after it.
pub const ROOT_ID: u64 = 1;

/// GitLab knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GitlabConfig {
    /// `latency_ms` and the fault knobs GitLab offers (see [`GitLabKnobs`]).
    #[serde(flatten)]
    pub faults: Faults<GitLabKnobs>,
    /// A personal access token of an admin (scope `api`).
    pub admin_token: String,
    /// A personal access token of a user who is not an admin (403 on create).
    pub user_token: String,
    /// The instance's `minimum_password_length`.
    pub password_min_length: usize,
    /// Authenticated API requests allowed per token per window (`null`: off).
    pub rate_limit: Option<u64>,
    /// The throttle's period.
    pub rate_window_ms: u64,
    /// The groups that exist (`POST /groups/:id/members` takes an id or a full path).
    pub groups: Vec<GitlabGroup>,
}

/// A group of the instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitlabGroup {
    pub id: u64,
    pub full_path: String,
}

/// One membership: a user in a group with an access level.
#[derive(Debug, Clone, Serialize)]
pub struct GitlabMember {
    pub group_id: u64,
    pub user_id: u64,
    pub access_level: u64,
}

impl Default for GitlabConfig {
    fn default() -> Self {
        GitlabConfig {
            faults: Faults::default(),
            admin_token: "glpat-sandbox-admin".into(),
            user_token: "glpat-sandbox-user".into(),
            password_min_length: 8,
            rate_limit: None,
            rate_window_ms: 60_000,
            groups: vec![
                GitlabGroup {
                    id: 31,
                    full_path: "staff".into(),
                },
                GitlabGroup {
                    id: 32,
                    full_path: "staff/devs".into(),
                },
            ],
        }
    }
}

/// The fault knobs GitLab offers, and the keys of its knobs object in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitLabKnobs;

impl Protocol for GitLabKnobs {
    const FAULTS: &'static [Fault] = &[Fault::Http500, Fault::Http500AfterInsert];
    const KEYS: &'static [&'static str] = &[
        "latency_ms",
        "admin_token",
        "user_token",
        "password_min_length",
        "rate_limit",
        "rate_window_ms",
        "http500_every",
        "http500_after_insert_every",
    ];
}

/// A user of the instance.
#[derive(Debug, Clone, Serialize)]
pub struct GitlabUser {
    pub id: u64,
    pub username: String,
    pub email: String,
    /// Secondary e-mail addresses (`Email` records): GitLab's `User.by_any_email`, which
    /// the users API asks before answering 409, matches them as well as the primary.
    pub secondary_emails: Vec<String>,
    pub name: String,
    /// Kept in clear on purpose for tests (`null`: reset or random password).
    pub password: Option<String>,
    pub is_admin: bool,
    pub skip_confirmation: bool,
    pub created_at: String,
    pub seeded: bool,
    /// Created with `reset_password: true`: GitLab set a random password and e-mailed
    /// the user a link to choose one (the invitation).
    pub reset_password_sent: bool,
}

impl GitlabUser {
    pub(crate) fn basic(&self, base: &str) -> Value {
        json!({
            "id": self.id, "username": self.username, "name": self.name, "state": "active",
            "locked": false,
            "avatar_url": format!("{base}/uploads/-/system/user/avatar/{}/avatar.png", self.id),
            "web_url": format!("{base}/{}", self.username),
        })
    }

    /// The `UserWithAdmin` entity (the members a client reads, not all of them).
    pub(crate) fn with_admin(&self, base: &str) -> Value {
        let mut user = self.basic(base);
        let more = json!({
            "created_at": self.created_at, "bio": "", "location": "", "public_email": null,
            "linkedin": "", "twitter": "", "discord": "", "website_url": "", "organization": "",
            "job_title": "", "pronouns": null, "bot": false, "work_information": null,
            "followers": 0, "following": 0, "local_time": null, "last_sign_in_at": null,
            "confirmed_at": if self.skip_confirmation { json!(self.created_at) } else { Value::Null },
            "last_activity_on": null, "email": self.email, "theme_id": 3, "color_scheme_id": 1,
            "projects_limit": 100000, "current_sign_in_at": null, "identities": [],
            "can_create_group": true, "can_create_project": true, "two_factor_enabled": false,
            "external": false, "private_profile": false, "commit_email": self.email,
            "is_admin": self.is_admin, "note": null, "namespace_id": self.id,
            "created_by": null, "email_reset_offered_at": null,
        });
        if let (Some(user), Value::Object(more)) = (user.as_object_mut(), more) {
            user.extend(more);
        }
        user
    }
}

/// How many times each GitLab fault fired.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GitlabFaults {
    pub http500: u64,
    pub http500_after_insert: u64,
}

#[derive(Debug)]
pub struct GitlabState {
    pub users: Vec<GitlabUser>,
    pub next_id: u64,
    /// User POSTs past the throttle and authentication; drives the "every Nth" faults.
    pub create_calls: u64,
    /// User PUTs carried out (`PUT /api/v4/users/:id`).
    pub update_calls: u64,
    /// Requests answered 429.
    pub rate_limited: u64,
    pub faults: GitlabFaults,
    pub limiter: RateLimiter,
    pub members: Vec<GitlabMember>,
}

impl Default for GitlabState {
    fn default() -> Self {
        GitlabState {
            users: Vec::new(),
            next_id: ROOT_ID + 1,
            create_calls: 0,
            update_calls: 0,
            rate_limited: 0,
            faults: GitlabFaults::default(),
            limiter: RateLimiter::default(),
            members: Vec::new(),
        }
    }
}

impl GitlabState {
    pub(crate) fn by_email(&self, email: &str) -> Option<&GitlabUser> {
        self.users.iter().find(|u| {
            u.email.eq_ignore_ascii_case(email)
                || u.secondary_emails
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(email))
        })
    }

    pub(crate) fn by_username(&self, username: &str) -> Option<&GitlabUser> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    pub(crate) fn insert(&mut self, mut user: GitlabUser) -> u64 {
        user.id = self.next_id;
        self.next_id += 1;
        let id = user.id;
        self.users.push(user);
        id
    }

    /// The `gitlab` member of `GET /_sandbox/state`.
    pub fn snapshot(&self) -> Value {
        json!({
            "users": self.users,
            "create_calls": self.create_calls,
            "update_calls": self.update_calls,
            "rate_limited": self.rate_limited,
            "members": self.members,
            "faults_injected": self.faults,
        })
    }
}
