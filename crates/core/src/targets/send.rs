//! Talking to a target, as data: each target builds its requests and reads its answers
//! through [`Target`]. What a kind of target is (its form and fields) is
//! [`super::Kind`].

use std::collections::BTreeMap;
use std::fmt;

use crate::http::{Exchange, HttpRequest};
use crate::input::map::{Field, UserRow};
use crate::targets::TargetId;

/// What the user typed to authenticate: one value per credential the target declares
/// (its credential fields), by credential id (`login`, `api_key`, a profile's
/// `tenant_secret`). Held in memory only; `Debug` shows the ids, never a value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    values: BTreeMap<String, Typed>,
}

/// One credential's value, and whether it is a secret (masked in a Dry run).
#[derive(Clone, PartialEq, Eq)]
struct Typed {
    value: String,
    secret: bool,
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// The same, with a secret credential's value (a password, a key, a token).
    pub fn with(mut self, id: &str, value: impl Into<String>) -> Secrets {
        self.set(id, value, true);
        self
    }

    /// The same, with a credential that is not a secret (a login name): a Dry run
    /// shows it.
    pub fn with_shown(mut self, id: &str, value: impl Into<String>) -> Secrets {
        self.set(id, value, false);
        self
    }

    /// Sets one credential's value.
    pub fn set(&mut self, id: &str, value: impl Into<String>, secret: bool) {
        self.values.insert(
            id.to_owned(),
            Typed {
                value: value.into(),
                secret,
            },
        );
    }

    /// A credential's value; empty when it was not typed or is not declared.
    pub fn get(&self, id: &str) -> &str {
        self.values.get(id).map_or("", |t| t.value.as_str())
    }

    /// Whether a credential holds something.
    pub fn filled(&self, id: &str) -> bool {
        !self.get(id).is_empty()
    }

    /// The same credentials with every secret one that holds something replaced by
    /// `mask` (a Dry run's requests); the others as typed.
    pub fn masked(&self, mask: &str) -> Secrets {
        let mut masked = self.clone();
        for typed in masked.values.values_mut() {
            if typed.secret && !typed.value.is_empty() {
                typed.value = mask.to_owned();
            }
        }
        masked
    }

    /// The values, by id: for checking each one (never to show a secret).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .map(|(id, t)| (id.as_str(), t.value.as_str()))
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Secrets")
            .field(&self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What authenticates the creates: Aurora's token, Mumara's key, or a profile target's
/// token with the values its login captured. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub(crate) bearer: String,
    /// Values a profile target's login read from its answer (`server_name`), by name.
    pub(crate) captured: Vec<(String, String)>,
    /// The request that ends this session on the server, when Roster's own login made
    /// it and the target has one (a profile's `logout`): sent when Roster is done.
    pub(crate) logout: Option<HttpRequest>,
}

impl Session {
    pub fn new(bearer: impl Into<String>) -> Session {
        Session {
            bearer: bearer.into(),
            captured: Vec::new(),
            logout: None,
        }
    }

    /// The request that ends this session on the server (see [`Session::logout`]).
    pub fn logout_request(&self) -> Option<&HttpRequest> {
        self.logout.as_ref()
    }

    /// The same session with one more captured value.
    pub fn with_captured(mut self, name: &str, value: impl Into<String>) -> Session {
        self.captured.push((name.to_owned(), value.into()));
        self
    }

    /// A value the login captured (never the token).
    pub fn captured(&self, name: &str) -> Option<&str> {
        self.captured
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Session(..)")
    }
}

/// What the answer to a session's logout says, for the log only (a logout never
/// changes a row): `None` when the server ended the session (any 2xx), else a sentence
/// saying the server may keep it.
pub fn logout_note(exchange: &Exchange) -> Option<String> {
    let why = match exchange {
        Exchange::Answered(r) if (200..300).contains(&r.status) => return None,
        Exchange::Answered(r) => format!("HTTP {}", r.status),
        Exchange::NoAnswer { .. } => "no answer".to_owned(),
        Exchange::Redirected { .. } => "redirected".to_owned(),
        Exchange::NotSent { .. } => "not sent".to_owned(),
    };
    Some(format!(
        "Roster could not log out the session it logged in with ({why}): the server may keep that login (a device, on Synapse) until it is removed there. No row is affected."
    ))
}

/// The first step of a run: a login request, or nothing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStep {
    Request(HttpRequest),
    Ready(Session),
}

/// Why a run stopped, or why its login failed: a typed cause the banner, the diagnosis
/// and the reports read (never a sentence to search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    /// The user pressed Cancel.
    Cancelled,
    /// No answer at all (refused, DNS, TLS, or blocked by the browser: CORS).
    Unreachable,
    /// An answer that is not the target's API: an HTML page, a 404, a CSRF page.
    NotTheApi,
    /// The login, the session or the API key was refused.
    CredentialsRefused,
    /// The account may not create users (role, IP whitelist, method closed).
    AccessDenied,
    /// A limit of the server: a licence's user cap.
    Limit,
    /// The same refusal row after row, caused by a run default the server lacks.
    Systemic,
    /// The server kept failing (5xx, database errors) where the run cannot go on.
    ServerFault,
    /// An account was already there, and the run setting "Existing accounts" is "Stop
    /// at the first".
    Existing,
}

impl StopKind {
    /// Whether the diagnosis of the connection (CORS, wrong URL) applies.
    pub fn wants_diagnosis(self) -> bool {
        matches!(self, StopKind::Unreachable | StopKind::NotTheApi)
    }
}

/// Why logging in failed, in words for the person at the login fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginError {
    pub message: String,
    pub kind: StopKind,
    /// The target's error code or the HTTP status, when the answer had one.
    pub code: Option<i64>,
    /// A fault that may pass (no answer, 5xx): the login is tried again with backoff.
    pub transient: bool,
}

impl LoginError {
    pub fn new(kind: StopKind, message: impl Into<String>) -> LoginError {
        LoginError {
            message: message.into(),
            kind,
            code: None,
            transient: false,
        }
    }

    pub fn code(mut self, code: i64) -> LoginError {
        self.code = Some(code);
        self
    }

    pub fn transient(mut self) -> LoginError {
        self.transient = true;
        self
    }
}

/// When a rate-limited request may be sent again, as the server said in `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// After this many milliseconds.
    Delay(u64),
    /// At this wall-clock time (Unix milliseconds): an HTTP-date with no `Date` header to
    /// measure it against, so the engine measures it against the browser's clock.
    At(u64),
}

/// What one create's answer means for its row and for the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The account was made; the target's id for it when the answer gave one.
    Created { target_id: Option<String> },
    /// The account was there already: skipped, not a failure. `code` is the answer's
    /// (Aurora's 111, Mumara's 422).
    Exists { code: Option<i64>, message: String },
    /// An account is there that is not the row's (its address belongs to another user
    /// name), or the create changed an account that was already there. The row ends
    /// `rejected` with a message that says so and names the row's identities: never
    /// `exists`, never counted as done.
    Conflict { code: Option<i64>, message: String },
    /// The target refused this row; sending it again will not help. `field` names the
    /// refused field when the answer did: if the row took that field from the run's
    /// defaults, the same refusal will likely meet every such row (a systemic refusal).
    Rejected {
        code: Option<i64>,
        message: String,
        field: Option<Field>,
    },
    /// A fault that may pass. `ambiguous` when the server may have acted before the
    /// fault (no answer, a 5xx, an unreadable body): the account may or may not exist.
    Transient {
        code: Option<i64>,
        message: String,
        ambiguous: bool,
    },
    /// An answer that is not the API's (HTML where JSON belongs). Before anything has
    /// proved the API answers, it stops the run (wrong Server URL); after that it is one
    /// odd answer, ambiguous like a 5xx.
    Unreadable { code: Option<i64>, message: String },
    /// The session is no longer valid: log in again, then send the row again.
    Reauth { code: Option<i64>, message: String },
    /// Over the target's rate limit: wait, then send the row again.
    RateLimited {
        retry_after: Option<RetryAfter>,
        message: String,
    },
    /// Nothing more will succeed: stop the run. `ambiguous` when this very answer leaves
    /// the row's account uncertain.
    Fatal {
        kind: StopKind,
        code: Option<i64>,
        message: String,
        ambiguous: bool,
    },
}

/// What an exists probe's answer says about the row's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeAnswer {
    /// Not on the server: the create may be sent.
    Absent,
    /// On the server already: the row ends `exists` and the create is never sent.
    /// `emails`: the addresses the found account has, when the answer gives them: if
    /// none is the row's, the account is another person's (a conflict, not `exists`).
    Exists {
        code: Option<i64>,
        message: String,
        emails: Vec<String>,
    },
    /// Anything else (429, 5xx, a refused session, no answer): handled like a create's
    /// answer, except that a probe creates nothing, so it is never ambiguous.
    Other(Outcome),
}

/// One kind of server Roster can create accounts on.
pub trait Target {
    /// The kind's stable id (what journals, locks and file names use).
    fn id(&self) -> TargetId;

    /// The name shown to the user.
    fn name(&self) -> &str;
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
    /// Reads a create's answer for the row it created (a profile's `id_at` template is
    /// filled from the row). By default, [`Target::read_create`].
    fn read_create_for(&self, exchange: &Exchange, _row: &UserRow) -> Outcome {
        self.read_create(exchange)
    }
    /// After a create's answer that is a conflict whose rule names a look-up (a
    /// profile's `lookup`): the request that names the other account, sent before the
    /// row is finished. `None`: the conflict is reported as it is.
    fn conflict_lookup(
        &self,
        _session: &Session,
        _row: &UserRow,
        _create: &Exchange,
    ) -> Option<HttpRequest> {
        None
    }
    /// Reads a conflict look-up's answer: the other account's name, or why it could not
    /// be named (the conflict stands either way).
    fn read_lookup(&self, _create: &Exchange, _lookup: &Exchange) -> Result<String, String> {
        Err("nothing looks it up".into())
    }
    /// The request that asks whether the row's account exists, sent before each create
    /// attempt, for targets whose create is an upsert (a `PUT` that would overwrite an
    /// existing account). `None`: the create is sent straight away.
    fn exists_probe(&self, _session: &Session, _row: &UserRow) -> Option<HttpRequest> {
        None
    }
    /// Reads an exists probe's answer.
    fn read_probe(&self, exchange: &Exchange) -> ProbeAnswer {
        ProbeAnswer::Other(self.read_create(exchange))
    }
    /// Whether the target can update an account its exists probe found (the run setting
    /// "Existing accounts: Update").
    fn updates(&self) -> bool {
        false
    }
    /// The request that updates the account the exists probe's answer `found` shows,
    /// with the row's values; the password only when `passwords` (the admin ticked "Also
    /// set passwords of existing accounts"). `None` when the answer does not give what
    /// the update needs (the account's id).
    fn update(
        &self,
        _session: &Session,
        _row: &UserRow,
        _found: &Exchange,
        _passwords: bool,
    ) -> Option<HttpRequest> {
        None
    }
    /// The look-up an update sends instead of the exists probe (the preview, and a run
    /// with "Existing accounts: Update"): by default the exists probe.
    fn find_probe(&self, session: &Session, row: &UserRow) -> Option<HttpRequest> {
        self.exists_probe(session, row)
    }
    /// Reads the answer of [`Target::find_probe`].
    fn read_find(&self, exchange: &Exchange) -> ProbeAnswer {
        self.read_probe(exchange)
    }
    /// Reads the answer of [`Target::find_probe`] for the row it looked up (a look-up
    /// that lists several accounts is searched for the row's). By default
    /// [`Target::read_find`].
    fn read_find_for(&self, exchange: &Exchange, _row: &UserRow) -> ProbeAnswer {
        self.read_find(exchange)
    }
    /// Reads an update's answer: `Created` means updated.
    fn read_update(&self, exchange: &Exchange) -> Outcome {
        self.read_create(exchange)
    }
    /// The account's current values in the exists probe's answer, by field label, where
    /// the target declares them (for the preview's "old → new"). `None`: not readable.
    fn current_values(&self, _found: &Exchange) -> Option<Vec<(String, String)>> {
        None
    }
    /// [`Target::current_values`] for the row the look-up was for. By default the same.
    fn current_values_for(
        &self,
        found: &Exchange,
        _row: &UserRow,
    ) -> Option<Vec<(String, String)>> {
        self.current_values(found)
    }
    /// The rate limit an answer states, in requests per minute (Laravel's
    /// `X-RateLimit-Limit`), so that a run paces itself to it.
    fn stated_rate_limit(&self, _exchange: &Exchange) -> Option<u32> {
        None
    }
    /// The steps to run after the row's account was created, in order: one per step
    /// and value (see [`crate::targets::profile::Step`]). None by default.
    fn steps_for(&self, _row: &UserRow) -> Vec<StepTask> {
        Vec::new()
    }
    /// The request of one step, for the account the create made (`account_id`).
    fn step(
        &self,
        _session: &Session,
        _row: &UserRow,
        _account_id: Option<&str>,
        _task: &StepTask,
    ) -> Option<HttpRequest> {
        None
    }
    /// Whether a step sends a request; one that does not records what the create asked
    /// for (done with the create).
    fn step_sends(&self, _task: &StepTask) -> bool {
        true
    }
    /// The request that finds a created account's id when its create's answer gave
    /// none, for targets whose steps need it.
    fn id_lookup(&self, _session: &Session, _row: &UserRow) -> Option<HttpRequest> {
        None
    }
    /// Reads an id lookup's answer: the id, or what the answer means instead.
    fn read_id_lookup(&self, exchange: &Exchange) -> Result<String, Outcome> {
        Err(self.read_create(exchange))
    }
    /// Reads a step's answer: `Created` or `Exists` mean done.
    fn read_step(&self, task: &StepTask, exchange: &Exchange) -> Outcome {
        let _ = task;
        self.read_create(exchange)
    }
}

/// One request to run after a create: which of the target's steps, what it is called,
/// and the value it runs for (one of a `;`-separated list, or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTask {
    pub step: usize,
    pub label: String,
    pub value: String,
}

/// Why a login that was redirected failed: the redirect was not followed (a request
/// with a password or a key is never sent on to another address), and a redirect means
/// the Server URL is not the API's address.
pub fn redirected_login(url: &str, location: Option<&str>) -> LoginError {
    LoginError::new(
        StopKind::NotTheApi,
        format!(
            "Login failed: {} (asked {url}). The redirect was not followed, so the credentials were not sent there. Correct the Server URL: often https:// instead of http://, or a slash more or less at the end.",
            crate::http::redirect_words(location)
        ),
    )
}

/// What a create (or, with `create` false, an exists probe) that was redirected means:
/// no answer the engine can read. A create's server may have acted before redirecting,
/// so the row's account is unknown (a probe creates nothing). Nothing more is sent, as
/// every request would meet the same redirect: the run stops.
pub fn redirected_create(location: Option<&str>, create: bool) -> Outcome {
    let what = if create {
        "The redirect was not followed (the request carries a credential and the new account's password), so the account may or may not have been created."
    } else {
        "The redirect was not followed (the request carries a credential)."
    };
    Outcome::Fatal {
        kind: StopKind::NotTheApi,
        code: None,
        message: format!(
            "Stopped: {}. {what} Correct the Server URL: often https:// instead of http://, or a slash more or less at the end.",
            crate::http::redirect_words(location)
        ),
        ambiguous: create,
    }
}

/// A login the browser would not send (a header value it cannot carry).
pub fn login_not_sent(reason: &str) -> LoginError {
    LoginError::new(
        StopKind::CredentialsRefused,
        format!("Login not sent: {reason}"),
    )
}

/// A create (or probe) the browser would not send: nothing reached the server, and the
/// same row would meet the same refusal again, so the row is refused without a retry.
pub fn create_not_sent(reason: &str) -> Outcome {
    Outcome::Rejected {
        code: None,
        message: format!("Not sent: {reason}"),
        field: None,
    }
}

/// The user-facing sentence for a request that got no answer at all.
pub fn no_answer_message(url: &str, detail: &str) -> String {
    format!(
        "No answer from {url} ({detail}). The server may be down or the Server URL wrong, \
         or the browser blocked the request because the server does not allow this page's \
         origin (CORS)."
    )
}
