//! The sandbox's whole memory: users, tokens, counters, rate-limit windows and the
//! current knobs, behind one mutex (never held across an `.await`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{json, Value};

use crate::config::Config;
use crate::gitlab::model::GitlabState;
use crate::graph::model::GraphState;
use crate::keycloak::model::KeycloakState;
use crate::ratelimit::RateLimiter;

/// A user created through Aurora's `Core.CreateUser` (or seeded).
#[derive(Debug, Clone, Serialize)]
pub struct AuroraUser {
    pub id: u64,
    pub uuid: String,
    pub public_id: String,
    pub role: i64,
    pub tenant_id: i64,
    pub quota_bytes: i64,
    pub domain_id: i64,
    /// Kept in clear on purpose: tests assert the right password was sent.
    pub password: String,
    /// Pre-created through `/_sandbox/seed`, not through the API.
    pub seeded: bool,
}

/// One superadmin token.
#[derive(Debug, Clone, Default)]
pub struct Token {
    /// Successful CreateUser calls made with it.
    pub creates: u64,
}

/// How many times each Aurora fault or refusal knob fired.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuroraFaults {
    pub drop: u64,
    pub lost_answer: u64,
    pub http500: u64,
    pub result_false: u64,
    pub error0: u64,
    pub token_expired: u64,
    pub license_limit: u64,
    pub create_denied: u64,
    pub superadmin_ip_denied: u64,
    pub php_notice: u64,
    pub http500_after_insert: u64,
    pub non_json_after_insert: u64,
    pub create_method_denied: u64,
    pub login_fault: u64,
}

#[derive(Debug)]
pub struct AuroraState {
    pub users: Vec<AuroraUser>,
    pub next_id: u64,
    pub tokens: HashMap<String, Token>,
    /// Successful superadmin logins.
    pub logins: u64,
    /// LoginAsSuperadmin POSTs received, whatever their outcome; drives `login_fault`.
    pub login_calls: u64,
    /// CreateUser POSTs received, whatever their outcome; drives the "every Nth" faults.
    pub create_calls: u64,
    /// `Core.UpdateUser` calls, answered or not.
    pub update_calls: u64,
    /// CreateUser POSTs received per `PublicId` (lower-cased), whatever their outcome:
    /// how often each address was asked for (a test of "each sent once" counts here).
    pub create_requests: std::collections::BTreeMap<String, u64>,
    pub faults: AuroraFaults,
}

impl Default for AuroraState {
    fn default() -> Self {
        AuroraState {
            users: Vec::new(),
            next_id: 1,
            tokens: HashMap::new(),
            logins: 0,
            login_calls: 0,
            create_calls: 0,
            update_calls: 0,
            create_requests: Default::default(),
            faults: AuroraFaults::default(),
        }
    }
}

impl AuroraState {
    pub fn find(&self, public_id: &str) -> Option<&AuroraUser> {
        self.users
            .iter()
            .find(|u| u.public_id.eq_ignore_ascii_case(public_id))
    }

    /// Store a user and give it the next id.
    pub fn insert(&mut self, mut user: AuroraUser) -> u64 {
        user.id = self.next_id;
        self.next_id += 1;
        let id = user.id;
        self.users.push(user);
        id
    }
}

/// A user created through Mumara's `/api/addUser` (or seeded).
#[derive(Debug, Clone, Serialize)]
pub struct MumaraUser {
    pub id: u64,
    pub name: String,
    pub email: String,
    /// Kept in clear on purpose: tests assert the right password was sent.
    pub password: String,
    pub package_id: i64,
    pub timezone: String,
    pub login_ips: Option<String>,
    pub created_at: String,
    pub seeded: bool,
}

/// How many times each Mumara fault or refusal knob fired.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MumaraFaults {
    pub drop: u64,
    pub lost_answer: u64,
    pub http502: u64,
    pub user_limit: u64,
    pub csrf: u64,
    pub http500: u64,
    pub http503: u64,
    pub http500_after_insert: u64,
    pub http503_after_insert: u64,
    pub status_error: u64,
    pub refused_key: u64,
}

/// The id of the account that owns the API keys; new users are numbered after it.
pub const MUMARA_OWNER_ID: u64 = 1;

#[derive(Debug)]
pub struct MumaraState {
    pub users: Vec<MumaraUser>,
    pub next_id: u64,
    /// addUser POSTs that got past the rate limiter; drives the "every Nth" faults.
    pub add_calls: u64,
    /// The same POSTs by the `email` they carried (trimmed, lower case), whatever their
    /// outcome (created, exists, refused, a fault): how often each address was asked
    /// for. The sandbox refuses a second account for an address, so `users` alone cannot
    /// show a client that sends a row twice; this can.
    pub add_calls_by_email: std::collections::BTreeMap<String, u64>,
    /// Requests answered 429.
    pub rate_limited: u64,
    pub faults: MumaraFaults,
    pub limiter: RateLimiter,
}

impl Default for MumaraState {
    fn default() -> Self {
        MumaraState {
            users: Vec::new(),
            next_id: MUMARA_OWNER_ID + 1,
            add_calls: 0,
            add_calls_by_email: std::collections::BTreeMap::new(),
            rate_limited: 0,
            faults: MumaraFaults::default(),
            limiter: RateLimiter::default(),
        }
    }
}

impl MumaraState {
    pub fn find(&self, email: &str) -> Option<&MumaraUser> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// Store a user and give it the next id.
    pub fn insert(&mut self, mut user: MumaraUser) -> u64 {
        user.id = self.next_id;
        self.next_id += 1;
        let id = user.id;
        self.users.push(user);
        id
    }
}

/// Everything that a reset clears.
#[derive(Debug, Default)]
pub struct Shared {
    pub config: Config,
    pub aurora: AuroraState,
    pub mumara: MumaraState,
    pub keycloak: KeycloakState,
    pub graph: GraphState,
    pub gitlab: GitlabState,
    pub ejabberd: crate::ejabberd::EjabberdState,
    /// OPTIONS requests to the API (not to the control API), CORS on or off.
    pub preflights: u64,
    /// What the `redirect_slashes` knob did.
    pub redirects: RedirectState,
}

impl Shared {
    pub fn new(config: Config) -> Shared {
        Shared {
            config,
            ..Shared::default()
        }
    }

    /// The `GET /_sandbox/state` document.
    pub fn snapshot(&self) -> Value {
        json!({
            "aurora": {
                "users": self.aurora.users,
                "logins": self.aurora.logins,
                "login_calls": self.aurora.login_calls,
                "create_calls": self.aurora.create_calls,
                "update_calls": self.aurora.update_calls,
                "create_requests": self.aurora.create_requests,
                "faults_injected": self.aurora.faults,
            },
            "mumara": {
                "users": self.mumara.users,
                "add_calls": self.mumara.add_calls,
                "add_calls_by_email": self.mumara.add_calls_by_email,
                "rate_limited": self.mumara.rate_limited,
                "faults_injected": self.mumara.faults,
            },
            "keycloak": self.keycloak.snapshot(),
            "graph": self.graph.snapshot(),
            "gitlab": self.gitlab.snapshot(),
            "ejabberd": self.ejabberd.snapshot(),
            "preflights": self.preflights,
            "redirects": self.redirects,
            "config": self.config,
        })
    }
}

struct Inner {
    shared: Mutex<Shared>,
    /// What `/_sandbox/reset` goes back to: the configuration the server started with.
    startup: Config,
    log: bool,
}

/// A cheap handle on the sandbox's state, given to every handler.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl App {
    pub fn new(config: Config, log: bool) -> App {
        App {
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared::new(config.clone())),
                startup: config,
                log,
            }),
        }
    }

    /// Lock the state (a panic in another handler does not poison it for good).
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.inner
            .shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the current knobs.
    pub fn config(&self) -> Config {
        self.lock().config.clone()
    }

    /// The configuration the server started with.
    pub fn startup_config(&self) -> &Config {
        &self.inner.startup
    }

    /// Print one request line when logging is on. Callers never pass secrets.
    /// A closed stdout (the harness stopped reading) is not an error worth a panic.
    pub fn log(&self, line: impl AsRef<str>) {
        if self.inner.log {
            use std::io::Write;
            let _ = writeln!(std::io::stdout().lock(), "{}", line.as_ref());
        }
    }
}

/// What the `redirect_slashes` knob did (see `redirect.rs`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RedirectState {
    /// 307 answers given.
    pub served: u64,
    /// Requests that arrived at a redirect's target path.
    pub arrivals: Vec<Arrival>,
}

/// One request at a redirect's target path.
#[derive(Debug, Clone, Serialize)]
pub struct Arrival {
    pub method: String,
    pub path: String,
    /// It carried `Authorization` or GitLab's `PRIVATE-TOKEN`.
    pub credential: bool,
    /// Its `Content-Length` (0 without one).
    pub body_bytes: u64,
}
