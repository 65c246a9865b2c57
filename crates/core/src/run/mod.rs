//! The run: every row's state, and the engine that decides what to send next and when.
//!
//! The engine is a state machine with no I/O: the glue passes the time in (milliseconds
//! on any monotonic clock), asks for [`Command`]s, performs them, and hands each
//! [`Exchange`] back. It holds the concurrency bound, paces requests to a rate limit
//! ([`pace::Pacer`]), backs off with jitter ([`pace::Backoff`]), logs in again once when
//! a session expires, and stops on fatal answers. Every row ends in exactly one final
//! [`Status`]; a row whose answer was lost never ends `created` or `failed` unless a
//! later answer proves it.

mod answer;
mod carry;
mod control;
mod ending;
mod existing;
pub mod journal;
pub mod pace;
mod progress;
pub mod retry;
mod rows;
mod send;
mod status;
mod steps;
pub mod tabs;

use std::collections::VecDeque;

pub use ending::Ending;
pub use existing::{changes_of, changes_words, Change, Existing, OnExisting};
pub use progress::{duration, pace_words, Progress, Split, Tally, OUTCOME_NAMES};
pub use status::{
    RowState, State, Status, StatusCounts, StepOutcome, StepState, PROBLEMS, STATE_NAMES,
};

use crate::http::{Exchange, HttpRequest};
use crate::input::map::Field;
use crate::input::map::UserRow;
use crate::input::plan::PlannedRow;
use crate::targets::send::{
    LoginError, LoginStep, Outcome, ProbeAnswer, RetryAfter, Secrets, Session, StopKind, Target,
};
use crate::targets::TargetId;
use answer::Streaks;
use pace::{
    Backoff, FixedWindow, Jitter, Pacer, ThrottleBackoff, XorShift, RETRY_AFTER_CEILING_MS,
};
use progress::{PauseClock, Scope};
use send::{Holds, Login};
pub use steps::{steps_summary, STEP_WARNING};

/// What the glue must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Login(HttpRequest),
    /// Asks whether the row's account exists, before its create (targets whose create is
    /// an upsert). Creates nothing; the answer goes to [`Run::on_probe`].
    Probe {
        row: usize,
        request: HttpRequest,
    },
    Create {
        row: usize,
        request: HttpRequest,
    },
    /// Updates the row's account, which its probe just found (the run setting
    /// "Existing accounts: Update", for a row the admin confirmed). The answer goes to
    /// [`Run::on_update`].
    Update {
        row: usize,
        request: HttpRequest,
    },
    /// A step after the row's create (see [`crate::targets::profile::Step`]): `step` is
    /// its place among the row's steps ([`RowState::steps`]); the answer goes to
    /// [`Run::on_step`].
    Step {
        row: usize,
        step: usize,
        request: HttpRequest,
    },
    /// The look-up that names the other account of `row`'s conflict
    /// ([`Run::lookup_for`]), paced like every other request; its answer goes with the
    /// create's to [`Run::on_create_looked_up`].
    Lookup {
        row: usize,
        request: HttpRequest,
    },
}

/// Why a run stopped (or its login failed): a typed cause, the answer's code, and the
/// sentence for the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub kind: StopKind,
    pub code: Option<i64>,
    pub message: String,
}

impl Stop {
    pub fn new(kind: StopKind, code: Option<i64>, message: impl Into<String>) -> Stop {
        Stop {
            kind,
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<LoginError> for Stop {
    fn from(e: LoginError) -> Stop {
        Stop::new(e.kind, e.code, e.message)
    }
}

/// Where the run stands as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Sending (or logging in, or waiting for the pacer).
    Running,
    /// No new requests; those in flight finish. [`Run::hold`] says why when the engine
    /// paused by itself.
    Paused,
    /// The first login failed; nothing was sent, every row ended `skipped`. The message
    /// is for the login fields.
    LoginFailed(Stop),
    /// Stopped for good: fatal condition or cancel. Unsent rows end `skipped`.
    Stopped(Stop),
    /// Every row has its final status.
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Attempts per row for transient faults, the first included.
    pub max_attempts: u32,
    /// The target's rate limit in requests per minute, if it has one.
    pub rate_per_min: Option<u32>,
    pub backoff: Backoff,
    /// The wait after a 429 that says not how long.
    pub throttle: ThrottleBackoff,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            concurrency: 4,
            max_attempts: 4,
            rate_per_min: None,
            backoff: Backoff::default(),
            throttle: ThrottleBackoff::default(),
        }
    }
}

/// Logins in a row that are each followed by an invalid session before any answer proves
/// a session works; past this the run stops instead of looping.
const MAX_FRUITLESS_LOGINS: u32 = 3;
/// Attempts of one login (the first or a re-login) that gets no answer or a server
/// error, spaced by the run's backoff, before the run gives up.
pub const MAX_LOGIN_ATTEMPTS: u32 = 5;
/// Refusals in a row of the same field, each on a row that took that field from the
/// run's defaults (e.g. Mumara's unknown package): past this the run stops rather than
/// refusing every remaining row the same way.
pub const MAX_SYSTEMIC_STREAK: u32 = 3;
/// 429 answers in a row with no request let through: the run pauses and says so.
pub const MAX_RATE_LIMIT_STREAK: u32 = 8;
/// Transient faults in a row (no answer, 5xx, unreadable answers, database errors) with
/// no answer in between that proves the server works: the run pauses and says so.
pub const MAX_FAULT_STREAK: u32 = 12;
/// A learned limit is paced over this much more than a minute: Laravel counts a
/// minute's window in whole seconds from its first request, so pacing at exactly the
/// limit lands the window's last request on its edge.
const LEARNED_WINDOW_MS: u64 = 62_000;
/// Added to a `Retry-After` against a stated limit. Laravel's `RateLimiter::availableIn`
/// is the window's timer (whole seconds: the first hit's second plus the decay) minus the
/// current whole second, while a Redis cache ends the window exactly the decay after the
/// first hit: up to a second after the moment the 429 names.
const STATED_WAIT_MARGIN_MS: u64 = 1_000;
const MINUTE_MS: u64 = 60_000;

/// Where a run takes the typed row of plan row `i` ([`UserRow`]) when it sends or probes
/// it: the plan holds none (see [`crate::input::plan::PlannedRow`]), and a run does not
/// copy them all at its start. The page reads the row from its sheet
/// ([`crate::input::plan::Sheet::user`]), which cannot change while a run is active; code
/// without a sheet can use [`crate::input::plan::users_of`]. `None` for a row the run
/// queued (it must not happen) ends that row `invalid`, never sent.
pub type Users = Box<dyn Fn(usize) -> Option<UserRow>>;

/// The message of a row that waits while another row with its address or user name is
/// sent (see `Run::held`).
const WAITING: &str = "Waiting: another row with the same address or user name is being sent.";

/// The message of a queued row whose typed row could not be had when it was due.
const NO_USER: &str = "Not sent: the row could not be read again from the file when its turn came (was the file changed during the run?). Check the row, then send it again.";

pub struct Run {
    target: Box<dyn Target>,
    secrets: Secrets,
    config: RunConfig,
    /// Where a row's typed row comes from when it is sent or probed (see [`Users`]).
    users: Users,
    rows: Vec<RowState>,
    /// Rows to send, in order; a row may wait for its `ready_at`.
    queue: VecDeque<usize>,
    ready_at: Vec<u64>,
    /// Which session each create (or probe) in flight used.
    in_flight: Vec<(usize, u32)>,
    /// Steps after a create waiting to be sent, and those in flight (row, slot, session).
    step_queue: VecDeque<steps::QueuedStep>,
    steps_in_flight: Vec<(usize, usize, u32)>,
    /// Conflict look-ups waiting for the pacer (their rows stay in flight).
    lookups: VecDeque<answer::QueuedLookup>,
    /// Conflict look-ups sent and not answered yet: one answered 429 goes back to
    /// `lookups` to be sent again.
    lookups_sent: Vec<answer::QueuedLookup>,
    /// An answer has shown that the server is the target's API (anything but a fault or
    /// an unreadable answer).
    api_proven: bool,
    /// Why the engine paused by itself (429s or faults in a row), for the banner.
    hold: Option<String>,
    /// The limit the server states, and the limit the user typed (if any).
    server_limit: Option<u32>,
    /// Wall-clock time (Unix ms) at `started_ms`, to measure an HTTP-date `Retry-After`.
    wall_at_start_ms: Option<u64>,
    /// Until the first create is answered, one at a time: a bad key or a refused
    /// login stops the run after one request, not after `concurrency` of them.
    first_answer_seen: bool,
    pacer: Option<Pacer>,
    /// Each window's budget at once, once a 429 against a stated limit showed where the
    /// server's windows end (see [`FixedWindow`]); replaces the pacer's spread.
    window: Option<FixedWindow>,
    /// No request before this time (a 429's Retry-After).
    not_before: u64,
    sent_at: Vec<u64>,
    jitter: Box<dyn Jitter>,
    started_ms: u64,
    ended_ms: Option<u64>,
    recent_sends: VecDeque<u64>,
    /// Kept up to date at every status change, so counting costs nothing per answer.
    counts: StatusCounts,
    /// The login and the session it gave.
    login: Login,
    /// The pause timekeeping (`progress`).
    clock: PauseClock,
    /// What the progress bar counts.
    scope: Scope,
    /// Faults, 429s and systemic refusals in a row.
    streaks: Streaks,
    /// The identity holds: no two requests for one account in flight.
    holds: Holds,
    requests: u64,
    rate_limited: u64,
    phase: Phase,
    changed: Vec<usize>,
    /// The setting "Existing accounts" and what updates keep per row.
    updates: existing::Updates,
    /// Rows a dropped-back "rows to retry" file says an earlier run created: never
    /// created, their account is looked up and their failed steps sent
    /// ([`Run::steps_from_file`]).
    from_file: Vec<bool>,
}

impl Run {
    /// Starts a run over the plan at time `now_ms`. Invalid and excluded rows are final
    /// at once and never sent. `users` gives a row's typed row when it is sent (see
    /// [`Users`]).
    pub fn new(
        target: Box<dyn Target>,
        secrets: Secrets,
        plan: &[PlannedRow],
        users: impl Fn(usize) -> Option<UserRow> + 'static,
        config: RunConfig,
        now_ms: u64,
    ) -> Run {
        let mut rows = Vec::with_capacity(plan.len());
        let mut queue = VecDeque::new();
        for (i, planned) in plan.iter().enumerate() {
            let (status, message) = if planned.excluded {
                (Status::Skipped, "Excluded by the user.".to_owned())
            } else if planned.is_valid() {
                queue.push_back(i);
                (Status::Pending, String::new())
            } else {
                (Status::Invalid, planned.problems_text())
            };
            rows.push(RowState {
                status,
                message,
                code: None,
                excluded: planned.excluded,
                target_id: None,
                attempts: 0,
                answer_lost: false,
                first_sent_ms: None,
                finished_ms: status.is_final().then_some(now_ms),
                steps: Vec::new(),
            });
        }
        let config = RunConfig {
            concurrency: config.concurrency.max(1),
            max_attempts: config.max_attempts.max(1),
            ..config
        };
        let counts = StatusCounts::of(rows.iter().map(|r| r.status));
        let in_scope: Vec<bool> = rows.iter().map(|r| r.status == Status::Pending).collect();
        let scope_counts = StatusCounts::of(std::iter::repeat_n(Status::Pending, queue.len()));
        let n = rows.len();
        let mut run = Run {
            target,
            secrets,
            pacer: config.rate_per_min.map(|r| Pacer::new(r, 1, now_ms)),
            window: None,
            config,
            ready_at: vec![0; n],
            sent_at: vec![0; n],
            users: Box::new(users),
            rows,
            queue,
            in_flight: Vec::new(),
            step_queue: VecDeque::new(),
            steps_in_flight: Vec::new(),
            lookups: VecDeque::new(),
            lookups_sent: Vec::new(),
            api_proven: false,
            hold: None,
            server_limit: None,
            wall_at_start_ms: None,
            first_answer_seen: false,
            not_before: 0,
            login: Login::default(),
            clock: PauseClock::new(now_ms),
            scope: Scope {
                rows: in_scope,
                counts: scope_counts,
            },
            streaks: Streaks::default(),
            holds: Holds {
                absent_known: vec![false; n],
                ..Holds::default()
            },
            jitter: Box::new(XorShift(0x9E37_79B9_7F4A_7C15)),
            started_ms: now_ms,
            ended_ms: None,
            recent_sends: VecDeque::new(),
            counts,
            requests: 0,
            rate_limited: 0,
            phase: Phase::Running,
            changed: Vec::new(),
            updates: existing::Updates::new(n),
            from_file: vec![false; n],
        };
        run.settle(now_ms);
        run
    }

    /// Tells the run the wall-clock time (Unix ms) at its start, so that a `Retry-After`
    /// given as an HTTP-date can be measured.
    pub fn with_wall_clock(mut self, unix_ms_at_start: u64) -> Run {
        self.wall_at_start_ms = Some(unix_ms_at_start);
        self
    }

    /// Replaces the jitter source (the glue passes the browser's random numbers).
    pub fn with_jitter(mut self, jitter: Box<dyn Jitter>) -> Run {
        self.jitter = jitter;
        self
    }

    pub fn rows(&self) -> &[RowState] {
        &self.rows
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The target's name, as shown to the user.
    pub fn target_name(&self) -> &str {
        self.target.name()
    }

    /// The target's kind: what the journal, the history and file names carry.
    pub fn target_id(&self) -> TargetId {
        self.target.id()
    }

    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    pub fn counts(&self) -> StatusCounts {
        self.counts
    }

    /// The request that ends the session this run's own login made, when the target has
    /// one ([`crate::targets::send::Session::logout_request`]): the job sends it once the
    /// run is over. `None` without a session, or with a pasted token (the admin's own).
    pub fn logout_request(&self) -> Option<HttpRequest> {
        self.login
            .session
            .as_ref()
            .and_then(|(_, s)| s.logout_request().cloned())
    }

    /// True once nothing is in flight and nothing more will be sent.
    pub fn is_over(&self) -> bool {
        self.in_flight.is_empty()
            && self.steps_in_flight.is_empty()
            && !self.login.login_in_flight
            && matches!(
                self.phase,
                Phase::Finished | Phase::Stopped(_) | Phase::LoginFailed(_)
            )
    }

    /// Rows whose state changed since the last call.
    pub fn take_changed(&mut self) -> Vec<usize> {
        let mut changed = std::mem::take(&mut self.changed);
        changed.sort_unstable();
        changed.dedup();
        changed
    }
}
