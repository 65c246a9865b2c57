//! Talking to a target, as data: each target builds its requests and reads its answers.
//! Adding a target is one more module implementing [`Target`].

pub mod aurora;
pub mod mumara;
pub mod preview;

use std::fmt;

use crate::http::{Exchange, HttpRequest};
use crate::map::{Field, UserRow};

/// What the user typed to authenticate. Held in memory only; `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    pub login: String,
    pub password: String,
    pub api_key: String,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// What authenticates the creates: Aurora's token or Mumara's key. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub(crate) bearer: String,
}

impl Session {
    pub fn new(bearer: impl Into<String>) -> Session {
        Session {
            bearer: bearer.into(),
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Session(..)")
    }
}

/// The first step of a run: a login request, or nothing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStep {
    Request(HttpRequest),
    Ready(Session),
}

/// Why logging in failed, in words for the person at the login fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginError {
    pub message: String,
}

impl LoginError {
    pub fn new(message: impl Into<String>) -> LoginError {
        LoginError {
            message: message.into(),
        }
    }
}

/// What one create's answer means for its row and for the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The account was made; the target's id for it when the answer gave one.
    Created { target_id: Option<String> },
    /// The account was there already: skipped, not a failure.
    Exists { message: String },
    /// The target refused this row; sending it again will not help. `systemic` when the
    /// cause is likely shared by the rows that follow (a run default the server lacks).
    Rejected {
        code: Option<i64>,
        message: String,
        systemic: bool,
    },
    /// A fault that may pass. `ambiguous` is true when no answer arrived, so the account
    /// may or may not have been made.
    Transient { message: String, ambiguous: bool },
    /// The session is no longer valid: log in again, then send the row again.
    Reauth { message: String },
    /// Over the target's rate limit: wait, then send the row again.
    RateLimited {
        retry_after_ms: Option<u64>,
        message: String,
    },
    /// Nothing more will succeed: stop the run.
    Fatal { code: Option<i64>, message: String },
}

/// One kind of server Roster can create accounts on.
pub trait Target {
    /// The name shown to the user.
    fn name(&self) -> &'static str;
    /// Fields every row must give, given the run's defaults.
    fn required(&self) -> Vec<Field>;
    /// How the run starts: a login request, or a session straight from the secrets.
    fn login(&self, secrets: &Secrets) -> LoginStep;
    /// Reads the login's answer.
    fn read_login(&self, exchange: &Exchange) -> Result<Session, LoginError>;
    /// The request that creates one account.
    fn create(&self, session: &Session, row: &UserRow) -> HttpRequest;
    /// Reads a create's answer.
    fn read_create(&self, exchange: &Exchange) -> Outcome;
}

/// The user-facing sentence for a request that got no answer at all.
pub fn no_answer_message(url: &str, detail: &str) -> String {
    format!(
        "No answer from {url} ({detail}). The server may be down or the Server URL wrong, \
         or the browser blocked the request because the server does not allow this page's \
         origin (CORS)."
    )
}
