//! The run: every row's state, and the engine that decides what to send next and when.
//!
//! The engine is a state machine with no I/O: the glue passes the time in (milliseconds
//! on any monotonic clock), asks for [`Command`]s, performs them, and hands each
//! [`Exchange`] back. It holds the concurrency bound, paces requests to a rate limit
//! ([`pace::Pacer`]), backs off with jitter ([`pace::Backoff`]), logs in again once when
//! a session expires, and stops on fatal answers. Every row ends in exactly one final
//! [`Status`]; a row whose answer was lost never ends `created` or `failed` unless a
//! later answer proves it.

pub mod journal;
pub mod pace;
mod progress;
pub mod retry;
mod status;
pub mod tabs;

use std::collections::VecDeque;

pub use progress::{Progress, Split};
pub use status::{RowState, Status, StatusCounts};

use crate::http::{Exchange, HttpRequest};
use crate::input::map::Field;
use crate::input::map::UserRow;
use crate::input::plan::PlannedRow;
use crate::targets::send::{
    LoginError, LoginStep, Outcome, ProbeAnswer, RetryAfter, Secrets, Session, StopKind, Target,
};
use crate::targets::TargetId;
use pace::{
    Backoff, FixedWindow, Jitter, Pacer, ThrottleBackoff, XorShift, RETRY_AFTER_CEILING_MS,
};

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
    session: Option<(u32, Session)>,
    /// Bumped at each login, so that one invalid session triggers one re-login.
    generation: u32,
    login_in_flight: bool,
    /// Which session each create (or probe) in flight used.
    in_flight: Vec<(usize, u32)>,
    /// The identities (address, user name) of the rows in flight, and of rows whose
    /// probe said absent and whose create is next: no other row with an equal one is
    /// sent meanwhile (two creates of one account, or a create racing its own probe).
    held: Vec<(usize, IdKeys)>,
    /// Rows taken off the queue because a row with an equal identity was held: they go
    /// back to the queue's front when a held row's answer comes.
    waiting: Vec<usize>,
    /// Rows whose exists probe just said absent: their next send is the create itself.
    /// Cleared when the create goes, so every attempt is probed again (an earlier
    /// attempt's lost answer may have created the account).
    absent_known: Vec<bool>,
    fruitless_logins: u32,
    logged_in_once: bool,
    /// Failed attempts of the login under way, and when it may be tried again.
    login_attempts: u32,
    login_not_before: u64,
    /// An answer has shown that the server is the target's API (anything but a fault or
    /// an unreadable answer).
    api_proven: bool,
    fault_streak: u32,
    /// Why the engine paused by itself (429s or faults in a row), for the banner.
    hold: Option<String>,
    /// The limit the server states, and the limit the user typed (if any).
    server_limit: Option<u32>,
    /// The current run of systemic refusals: the field, and the last message.
    systemic_field: Option<Field>,
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
    rate_limit_streak: u32,
    /// The 429s in a row that were each sent after the one before was answered: the
    /// exponent of the throttle backoff and the pacer's slow-downs. A 429 for a request
    /// already in flight when the previous 429 came says nothing new (the same burst).
    throttle_level: u32,
    /// When the last 429 was answered, and when each row's latest request went.
    last_rate_limited_ms: Option<u64>,
    sent_at: Vec<u64>,
    systemic_streak: u32,
    jitter: Box<dyn Jitter>,
    started_ms: u64,
    ended_ms: Option<u64>,
    recent_sends: VecDeque<u64>,
    /// Kept up to date at every status change, so counting costs nothing per answer.
    counts: StatusCounts,
    requests: u64,
    rate_limited: u64,
    phase: Phase,
    changed: Vec<usize>,
    /// Rows this run is to send (valid, not excluded, not carried over from an earlier
    /// run), and their statuses: what the progress bar counts.
    in_scope: Vec<bool>,
    scope_counts: StatusCounts,
    /// Pause timekeeping: the latest time the run was told, when the current pause began,
    /// the paused time so far, and the rate and ETA frozen at the pause (`progress`).
    last_now: u64,
    paused_at: Option<u64>,
    paused_total_ms: u64,
    frozen: Option<(f64, Option<u64>)>,
    /// Send times on the run's active clock (paused time taken out), the last minute's.
    active_sends: VecDeque<u64>,
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
        let mut run = Run {
            target,
            secrets,
            pacer: config.rate_per_min.map(|r| Pacer::new(r, 1, now_ms)),
            window: None,
            config,
            ready_at: vec![0; rows.len()],
            sent_at: vec![0; rows.len()],
            absent_known: vec![false; rows.len()],
            users: Box::new(users),
            rows,
            queue,
            session: None,
            generation: 0,
            login_in_flight: false,
            in_flight: Vec::new(),
            held: Vec::new(),
            waiting: Vec::new(),
            fruitless_logins: 0,
            logged_in_once: false,
            login_attempts: 0,
            login_not_before: 0,
            api_proven: false,
            fault_streak: 0,
            hold: None,
            server_limit: None,
            systemic_field: None,
            wall_at_start_ms: None,
            first_answer_seen: false,
            not_before: 0,
            rate_limit_streak: 0,
            throttle_level: 0,
            last_rate_limited_ms: None,
            systemic_streak: 0,
            jitter: Box::new(XorShift(0x9E37_79B9_7F4A_7C15)),
            started_ms: now_ms,
            ended_ms: None,
            recent_sends: VecDeque::new(),
            counts,
            requests: 0,
            rate_limited: 0,
            phase: Phase::Running,
            changed: Vec::new(),
            in_scope,
            scope_counts,
            last_now: now_ms,
            paused_at: None,
            paused_total_ms: 0,
            frozen: None,
            active_sends: VecDeque::new(),
        };
        run.settle(now_ms);
        run
    }

    /// Marks rows the pre-flight check found on the server: `exists`, never sent.
    pub fn mark_existing(&mut self, rows: &[usize], now_ms: u64) {
        for &row in rows {
            if let Some(pos) = self.queue.iter().position(|&r| r == row) {
                self.queue.remove(pos);
                let message =
                    "Already on the server (found by the check before the import): not sent.";
                self.finish_row(row, Status::Exists, None, message.into(), now_ms);
            }
        }
        self.settle(now_ms);
    }

    /// Settles the rows left `unknown` once the run is over, from a listing of the
    /// server's accounts taken after it (Aurora's GetUsers): a row whose address the
    /// server holds ends `exists` (most likely created by Roster's lost attempt); a row
    /// whose address it does not hold was proven not created, and ends `failed`.
    /// `on_server` holds the indices of rows whose address the listing found.
    pub fn settle_unknown(&mut self, on_server: &[usize], now_ms: u64) {
        if !self.is_over() {
            return;
        }
        for row in 0..self.rows.len() {
            if self.rows[row].status != Status::Unknown {
                continue;
            }
            let code = self.rows[row].code;
            if on_server.contains(&row) {
                self.finish_row(
                    row,
                    Status::Exists,
                    code,
                    "The answer was lost, and the account is on the server (found by listing its accounts after the run): most likely created by Roster.".into(),
                    now_ms,
                );
            } else {
                let message = format!(
                    "Not on the server when its accounts were listed after the run, so no attempt created it. Last answer: {}",
                    self.rows[row].message
                );
                self.finish_row(row, Status::Failed, code, message, now_ms);
            }
        }
    }

    /// Carries over a previous run of the same file against the same server (after a
    /// reload): rows it finished as `created` or `exists` end the same way now and are not
    /// sent; rows it left `unknown` are sent again as rows whose earlier answer was lost,
    /// so an "already exists" then reads as "most likely created by Roster".
    pub fn resume_from(&mut self, previous: &[(usize, Status, Option<String>)], now_ms: u64) {
        for (row, status, target_id) in previous {
            let Some(pos) = self.queue.iter().position(|r| r == row) else {
                continue;
            };
            match status {
                Status::Created | Status::Exists => {
                    self.queue.remove(pos);
                    self.leave_scope(*row);
                    self.rows[*row].target_id = target_id.clone();
                    let message = format!("{} in the previous run: not sent again.", status.word());
                    self.finish_row(*row, *status, None, message, now_ms);
                }
                Status::Unknown => self.rows[*row].answer_lost = true,
                _ => {}
            }
        }
        self.settle(now_ms);
    }

    /// Tells the run the wall-clock time (Unix ms) at its start, so that a `Retry-After`
    /// given as an HTTP-date can be measured.
    pub fn with_wall_clock(mut self, unix_ms_at_start: u64) -> Run {
        self.wall_at_start_ms = Some(unix_ms_at_start);
        self
    }

    /// Why the engine paused the run by itself, while it is paused for that reason.
    pub fn hold(&self) -> Option<&str> {
        self.hold.as_deref()
    }

    /// Pauses the run with a reason that [`Run::hold`] gives until Resume (as the engine's
    /// own pauses do), e.g. the page could not write the run's journal.
    pub fn pause_with(&mut self, now_ms: u64, reason: impl Into<String>) {
        self.tell_time(now_ms);
        self.hold_run(now_ms, reason.into());
    }

    /// Gives back the creates (or probes) of `rows` that [`Run::next_command`] handed out
    /// but the glue did not perform (the journal could not record them first), and pauses
    /// with `reason`: each row waits at the front of the queue as before, its attempt not
    /// counted, and Resume sends it.
    pub fn hold_back(&mut self, rows: &[usize], now_ms: u64, reason: impl Into<String>) {
        for &row in rows.iter().rev() {
            let Some(pos) = self.in_flight.iter().position(|(r, _)| *r == row) else {
                continue;
            };
            self.in_flight.swap_remove(pos);
            self.requests = self.requests.saturating_sub(1);
            let state = &mut self.rows[row];
            state.attempts = state.attempts.saturating_sub(1);
            if state.attempts == 0 {
                state.first_sent_ms = None;
            }
            self.set_status(row, Status::Pending);
            self.queue.push_front(row);
            self.changed.push(row);
        }
        self.pause_with(now_ms, reason);
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

    /// True once nothing is in flight and nothing more will be sent.
    pub fn is_over(&self) -> bool {
        self.in_flight.is_empty()
            && !self.login_in_flight
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

    /// The next request to perform at `now_ms`, if one may start now.
    pub fn next_command(&mut self, now_ms: u64) -> Option<Command> {
        self.tell_time(now_ms);
        if self.in_flight.is_empty() && !self.waiting.is_empty() {
            self.release_waiting();
        }
        if self.phase != Phase::Running || self.login_in_flight || self.queue.is_empty() {
            return None;
        }
        if self.session.is_none() {
            if now_ms < self.login_not_before {
                return None;
            }
            return match self.target.login(&self.secrets) {
                LoginStep::Request(request) => {
                    self.login_in_flight = true;
                    self.count_request(now_ms);
                    Some(Command::Login(request))
                }
                LoginStep::Ready(session) => {
                    self.generation += 1;
                    self.session = Some((self.generation, session));
                    self.next_command(now_ms)
                }
            };
        }
        let limit = if self.first_answer_seen {
            self.config.concurrency
        } else {
            1
        };
        if self.in_flight.len() >= limit || now_ms < self.not_before {
            return None;
        }
        if let Some(pacer) = &mut self.pacer {
            if pacer.ready_at(now_ms) > now_ms {
                return None;
            }
        }
        if self
            .window
            .as_ref()
            .is_some_and(|w| w.ready_at(now_ms) > now_ms)
        {
            return None;
        }
        let (row, user) = loop {
            let pos = self
                .queue
                .iter()
                .position(|&r| self.ready_at[r] <= now_ms)?;
            let row = self.queue.remove(pos).expect("position is in range");
            match (self.users)(row) {
                Some(user) => {
                    let keys = identity_keys(&user);
                    if self
                        .held
                        .iter()
                        .any(|(r, k)| *r != row && shares_identity(k, &keys))
                    {
                        // Another row for this account is on its way: this one waits
                        // for its answer.
                        self.waiting.push(row);
                        let state = &mut self.rows[row];
                        if !state.message.starts_with(WAITING) {
                            state.message = WAITING.into();
                            self.changed.push(row);
                        }
                        continue;
                    }
                    self.held.retain(|(r, _)| *r != row);
                    self.held.push((row, keys));
                    break (row, user);
                }
                None => {
                    self.release(row);
                    self.finish_row(row, Status::Invalid, None, NO_USER.into(), now_ms);
                    self.settle(now_ms);
                }
            }
        };
        let Some((generation, session)) = &self.session else {
            unreachable!("logged in above");
        };
        let after_probe = std::mem::take(&mut self.absent_known[row]);
        let probe = if after_probe {
            None
        } else {
            self.target.exists_probe(session, &user)
        };
        let request = match &probe {
            Some(request) => request.clone(),
            None => self.target.create(session, &user),
        };
        self.in_flight.push((row, *generation));
        self.sent_at[row] = now_ms;
        if let Some(pacer) = &mut self.pacer {
            pacer.take(now_ms);
        }
        if let Some(window) = &mut self.window {
            window.take(now_ms);
        }
        self.count_request(now_ms);
        self.set_status(row, Status::Sending);
        let state = &mut self.rows[row];
        // A probe and the create it lets through are one attempt.
        if !after_probe {
            state.attempts += 1;
        }
        state.first_sent_ms.get_or_insert(now_ms);
        self.changed.push(row);
        if probe.is_some() {
            return Some(Command::Probe { row, request });
        }
        Some(Command::Create { row, request })
    }

    /// When a command may next be ready, if the run is waiting on time alone (the pacer,
    /// a Retry-After, or a row's backoff). `None` when waiting on answers or on the user.
    pub fn next_wake(&mut self, now_ms: u64) -> Option<u64> {
        self.tell_time(now_ms);
        if self.phase != Phase::Running || self.login_in_flight || self.queue.is_empty() {
            return None;
        }
        if self.session.is_none() {
            return Some(self.login_not_before.max(now_ms));
        }
        let limit = if self.first_answer_seen {
            self.config.concurrency
        } else {
            1
        };
        if self.in_flight.len() >= limit {
            return None;
        }
        let row_ready = self.queue.iter().map(|&r| self.ready_at[r]).min()?;
        let paced = self.pacer.as_mut().map_or(now_ms, |p| p.ready_at(now_ms));
        let windowed = self.window.as_ref().map_or(now_ms, |w| w.ready_at(now_ms));
        Some(
            row_ready
                .max(paced)
                .max(windowed)
                .max(self.not_before)
                .max(now_ms),
        )
    }

    /// Hands back the answer to a [`Command::Login`]. A login that got no answer or a
    /// server error is tried again with backoff, one at a time, up to
    /// [`MAX_LOGIN_ATTEMPTS`]; a refusal ends the run at once.
    pub fn on_login(&mut self, exchange: &Exchange, now_ms: u64) {
        self.tell_time(now_ms);
        self.login_in_flight = false;
        match self.target.read_login(exchange) {
            Ok(session) => {
                self.generation += 1;
                self.session = Some((self.generation, session));
                self.fruitless_logins += 1;
                self.login_attempts = 0;
                self.logged_in_once = true;
                // A token from the login proves the server is the target's API.
                self.api_proven = true;
                if self.fruitless_logins > MAX_FRUITLESS_LOGINS {
                    self.stop(
                        Stop::new(
                            StopKind::CredentialsRefused,
                            None,
                            "Stopped: the server keeps rejecting fresh logins' tokens.",
                        ),
                        now_ms,
                    );
                }
            }
            Err(e) if e.transient && self.login_attempts + 1 < MAX_LOGIN_ATTEMPTS => {
                self.login_attempts += 1;
                let delay = self
                    .config
                    .backoff
                    .delay(self.login_attempts, self.jitter.as_mut())
                    .max(self.config.backoff.base_ms / 2);
                self.login_not_before = now_ms + delay;
            }
            Err(e) => {
                let attempts = self.login_attempts + 1;
                let mut stop = Stop::from(e);
                if attempts > 1 {
                    stop.message = format!("{} ({attempts} attempts)", stop.message);
                }
                if self.logged_in_once {
                    stop.message = format!("Stopped: logging in again failed. {}", stop.message);
                    self.stop(stop, now_ms);
                } else {
                    let reason = format!("Not sent: {}", stop.message);
                    self.release_waiting();
                    for row in std::mem::take(&mut self.queue) {
                        self.finish_row(row, Status::Skipped, None, reason.clone(), now_ms);
                    }
                    self.phase = Phase::LoginFailed(stop);
                    self.ended_ms = Some(now_ms);
                }
            }
        }
        self.settle(now_ms);
    }

    /// Hands back the answer to a [`Command::Create`] for `row`.
    pub fn on_create(&mut self, row: usize, exchange: &Exchange, now_ms: u64) {
        self.tell_time(now_ms);
        let Some(pos) = self.in_flight.iter().position(|(r, _)| *r == row) else {
            return;
        };
        let (_, generation) = self.in_flight.swap_remove(pos);
        self.release(row);
        self.first_answer_seen = true;
        self.changed.push(row);
        if let Some(limit) = self.target.stated_rate_limit(exchange) {
            self.learn_limit(limit, now_ms);
        }
        let outcome = self.target.read_create(exchange);
        self.apply(row, generation, outcome, false, now_ms);
    }

    /// Hands back the answer to a [`Command::Probe`] for `row`: absent sends the create
    /// next; exists ends the row `exists` without ever sending the create; anything else
    /// is handled like a create's answer (retries, pacing, re-login, stops), except that
    /// a probe creates nothing, so its faults are never ambiguous.
    pub fn on_probe(&mut self, row: usize, exchange: &Exchange, now_ms: u64) {
        self.tell_time(now_ms);
        let Some(pos) = self.in_flight.iter().position(|(r, _)| *r == row) else {
            return;
        };
        let (_, generation) = self.in_flight.swap_remove(pos);
        self.first_answer_seen = true;
        self.changed.push(row);
        if let Some(limit) = self.target.stated_rate_limit(exchange) {
            self.learn_limit(limit, now_ms);
        }
        let outcome = match self.target.read_probe(exchange) {
            ProbeAnswer::Absent => {
                self.api_proven = true;
                self.fault_streak = 0;
                self.rate_limit_streak = 0;
                self.throttle_level = 0;
                self.fruitless_logins = 0;
                self.on_success(now_ms);
                self.absent_known[row] = true;
                self.ready_at[row] = now_ms;
                self.requeue(row, true, "Not on the server: creating it.".into(), now_ms);
                self.settle(now_ms);
                return;
            }
            ProbeAnswer::Exists {
                code,
                message,
                emails,
            } => self.exists_or_conflict(row, code, message, &emails),
            ProbeAnswer::Other(outcome) => unambiguous(outcome),
        };
        // The row's identity stays held while its create is next (absent, above).
        self.release(row);
        self.apply(row, generation, outcome, true, now_ms);
    }

    /// The exists probes that can settle the rows left `unknown` once the run is over,
    /// for targets that have one (the same question as [`Run::settle_unknown`] asks of
    /// a listing). Send each, then hand its answer to [`Run::on_settle_probe`].
    pub fn settle_probes(&self) -> Vec<(usize, HttpRequest)> {
        let Some((_, session)) = &self.session else {
            return Vec::new();
        };
        if !self.is_over() {
            return Vec::new();
        }
        (0..self.rows.len())
            .filter(|&r| self.rows[r].status == Status::Unknown)
            .filter_map(|r| {
                let user = (self.users)(r)?;
                Some((r, self.target.exists_probe(session, &user)?))
            })
            .collect()
    }

    /// Settles one `unknown` row from its exists probe after the run: on the server ends
    /// `exists` (most likely created by Roster's lost attempt), absent ends `failed`
    /// (no attempt created it); any other answer leaves it `unknown`.
    pub fn on_settle_probe(&mut self, row: usize, exchange: &Exchange, now_ms: u64) {
        if !self.is_over() || self.rows.get(row).map(|r| r.status) != Some(Status::Unknown) {
            return;
        }
        let code = self.rows[row].code;
        match self.target.read_probe(exchange) {
            // An account with another person's address: not proof of Roster's create.
            ProbeAnswer::Exists { code, emails, .. }
                if matches!(
                    self.exists_or_conflict(row, code, String::new(), &emails),
                    Outcome::Conflict { .. }
                ) => {}
            ProbeAnswer::Exists { .. } => self.finish_row(
                row,
                Status::Exists,
                code,
                "The answer was lost, and the account is on the server (found by the exists check after the run): most likely created by Roster.".into(),
                now_ms,
            ),
            ProbeAnswer::Absent => {
                let message = format!(
                    "Not on the server when checked after the run, so no attempt created it. Last answer: {}",
                    self.rows[row].message
                );
                self.finish_row(row, Status::Failed, code, message, now_ms);
            }
            ProbeAnswer::Other(_) => {}
        }
    }

    /// Lets go of row `i`'s identity, and puts the rows that waited on a held identity
    /// back on the queue (each is checked again when its turn comes).
    fn release(&mut self, row: usize) {
        self.held.retain(|(r, _)| *r != row);
        self.release_waiting();
    }

    /// Puts every waiting row back at the queue's front, in input order.
    fn release_waiting(&mut self) {
        let mut waiting = std::mem::take(&mut self.waiting);
        waiting.sort_unstable();
        for row in waiting.into_iter().rev() {
            self.queue.push_front(row);
        }
    }

    /// What a probe that found the row's account means: `exists`, unless the answer
    /// lists the account's addresses and the row's is not among them (the user name is
    /// another person's: a conflict naming both addresses).
    fn exists_or_conflict(
        &self,
        row: usize,
        code: Option<i64>,
        message: String,
        emails: &[String],
    ) -> Outcome {
        let Some(user) = (self.users)(row) else {
            return Outcome::Exists { code, message };
        };
        let addresses: Vec<&str> = emails
            .iter()
            .map(String::as_str)
            .filter(|e| e.contains('@'))
            .collect();
        if addresses.is_empty()
            || addresses
                .iter()
                .any(|e| crate::input::plan::same_address(e, user.email.trim()))
        {
            return Outcome::Exists { code, message };
        }
        Outcome::Conflict {
            code,
            message: format!(
                "the exists check found an account with this user name, but its e-mail is {}, not {}: another person's account, not sent",
                addresses.join(", "),
                user.email
            ),
        }
    }

    /// The row's identities in words, for a conflict's message.
    fn identity_words(&self, row: usize) -> String {
        match (self.users)(row) {
            Some(user) => match user.username.as_deref() {
                Some(name) => format!("This row: user name \"{name}\", e-mail {}", user.email),
                None => format!("This row: e-mail {}", user.email),
            },
            None => "This row could not be read again".into(),
        }
    }

    /// What one answer (a create's, or a probe's) does to its row and to the run.
    fn apply(
        &mut self,
        row: usize,
        generation: u32,
        mut outcome: Outcome,
        probe: bool,
        now_ms: u64,
    ) {
        if probe {
            if let Outcome::Created { .. } = outcome {
                outcome = Outcome::Unreadable {
                    code: None,
                    message:
                        "The exists check's answer reads as a creation, which a check cannot be."
                            .into(),
                };
            }
        }
        if let Outcome::Unreadable { code, message } = outcome {
            // Before any answer showed that this is the API, HTML where JSON belongs is a
            // wrong Server URL; after that, one odd answer like a 5xx. A probe's creates
            // nothing, so it is never ambiguous.
            outcome = if self.api_proven {
                Outcome::Transient {
                    code,
                    message,
                    ambiguous: !probe,
                }
            } else {
                Outcome::Fatal {
                    kind: StopKind::NotTheApi,
                    code,
                    message: format!("Stopped: {message}"),
                    ambiguous: !probe,
                }
            };
        }
        if !matches!(outcome, Outcome::RateLimited { .. }) {
            self.rate_limit_streak = 0;
            self.throttle_level = 0;
        }
        if !matches!(outcome, Outcome::Transient { .. }) {
            self.api_proven = true;
            self.fault_streak = 0;
        }
        match outcome {
            Outcome::Created { target_id } => {
                self.fruitless_logins = 0;
                self.systemic_field = None;
                self.systemic_streak = 0;
                self.on_success(now_ms);
                let state = &mut self.rows[row];
                state.target_id = target_id;
                let message = if state.answer_lost {
                    "Created on retry after an earlier answer was lost.".into()
                } else {
                    String::new()
                };
                self.finish_row(row, Status::Created, None, message, now_ms);
            }
            Outcome::Exists { code, message } => {
                self.fruitless_logins = 0;
                self.systemic_field = None;
                self.systemic_streak = 0;
                self.on_success(now_ms);
                let message = if self.rows[row].answer_lost {
                    format!("{message}. An earlier attempt's answer was lost, so Roster most likely created this account.")
                } else {
                    message
                };
                self.finish_row(row, Status::Exists, code, message, now_ms);
            }
            Outcome::Conflict { code, message } => {
                self.fruitless_logins = 0;
                self.systemic_field = None;
                self.systemic_streak = 0;
                self.on_success(now_ms);
                let message = format!(
                    "Conflict: {}. {}. Not counted as done: check that account on the server before sending this row again.",
                    message.trim_end_matches('.'),
                    self.identity_words(row)
                );
                self.finish_after_refusal(row, Status::Rejected, code, message, now_ms);
            }
            Outcome::Rejected {
                code,
                message,
                field,
            } => {
                self.fruitless_logins = 0;
                self.on_success(now_ms);
                self.finish_after_refusal(row, Status::Rejected, code, message.clone(), now_ms);
                self.count_systemic(row, field, code, &message, now_ms);
            }
            Outcome::Transient {
                code,
                message,
                ambiguous,
            } => {
                self.fault_streak += 1;
                let stopped = self.is_stopped();
                let state = &mut self.rows[row];
                state.answer_lost |= ambiguous;
                let attempts = state.attempts;
                if attempts < self.config.max_attempts && !stopped {
                    let delay = self.config.backoff.delay(attempts, self.jitter.as_mut());
                    self.ready_at[row] = now_ms + delay;
                    self.rows[row].code = code;
                    self.requeue(row, false, format!("Retrying: {message}"), now_ms);
                } else {
                    // The server may have acted on a lost or broken answer: never `failed`.
                    let status = if state.answer_lost {
                        Status::Unknown
                    } else {
                        Status::Failed
                    };
                    let message = format!("{message} (after {attempts} attempts)");
                    self.finish_row(row, status, code, message, now_ms);
                }
                if self.fault_streak >= MAX_FAULT_STREAK {
                    self.hold_run(now_ms, format!(
                        "Paused: the last {MAX_FAULT_STREAK} answers were all faults ({}). The server may be overloaded or failing. Rows are kept; press Resume to go on, or Cancel.",
                        trim_message(&message)
                    ));
                }
            }
            Outcome::Unreadable { .. } => unreachable!("turned into Transient or Fatal above"),
            Outcome::Reauth { code, message } => {
                if self.session.as_ref().is_some_and(|(g, _)| *g == generation) {
                    self.session = None;
                }
                self.rows[row].attempts -= 1;
                self.rows[row].code = code;
                self.requeue(row, true, format!("Logging in again: {message}"), now_ms);
            }
            Outcome::RateLimited {
                retry_after,
                message,
            } => {
                self.rate_limited += 1;
                self.rate_limit_streak += 1;
                // Sent after the previous 429 was answered: a new refusal, not the rest
                // of the same burst.
                let fresh = self
                    .last_rate_limited_ms
                    .is_none_or(|last| self.sent_at[row] >= last);
                self.last_rate_limited_ms = Some(now_ms);
                if fresh {
                    self.throttle_level += 1;
                }
                let wait = match retry_after {
                    Some(RetryAfter::Delay(ms)) => Some(ms),
                    Some(RetryAfter::At(unix_ms)) => self
                        .wall_at_start_ms
                        .map(|wall| unix_ms.saturating_sub(wall + (now_ms - self.started_ms))),
                    None => None,
                };
                // Against a limit the server states (Laravel's throttle), the wait is
                // counted down in whole seconds from the window's timer, while the
                // window may end up to a second later (see `STATED_WAIT_MARGIN_MS`); a
                // 0 then means "at the next second", not "no wait".
                let stated = self.server_limit.is_some();
                let wait = if stated {
                    wait.map(|w| w + STATED_WAIT_MARGIN_MS)
                } else {
                    wait
                };
                // A date in the past (clocks apart) or none at all: back off the way
                // the throttling guidance says (see `pace::ThrottleBackoff`).
                let asked = wait.filter(|&w| w > 0);
                let too_long = asked.filter(|&w| w > RETRY_AFTER_CEILING_MS);
                if too_long.is_none() {
                    let wait = asked.unwrap_or_else(|| {
                        self.config
                            .throttle
                            .delay(self.throttle_level.max(1), self.jitter.as_mut())
                    });
                    self.not_before = self.not_before.max(now_ms + wait);
                }
                if let (Some(limit), Some(_)) = (self.server_limit.filter(|_| stated), asked) {
                    // The pace already held the stated limit: this 429 says the window's
                    // budget went elsewhere (another client, an earlier run), not that
                    // the pace is too fast, and its Retry-After says where the server's
                    // window ends. From then on, each window's budget goes at once (a
                    // halved or spread pace would make the run longer than rows /
                    // limit; see `stated_window`). A rate the admin typed below the
                    // limit stays the pace.
                    let typed_below = self.config.rate_per_min.is_some_and(|r| r < limit);
                    if typed_below {
                        if let Some(pacer) = &mut self.pacer {
                            pacer.hold(now_ms);
                        }
                    } else {
                        self.pacer = None;
                        self.window = Some(stated_window(limit));
                    }
                } else if fresh {
                    let observed = self.observed_rate_per_min(now_ms);
                    self.pacer
                        .get_or_insert_with(|| Pacer::new(observed.max(2), 1, now_ms))
                        .on_rate_limited(now_ms);
                } else if let Some(pacer) = &mut self.pacer {
                    // The same burst: the pace was halved already.
                    pacer.hold(now_ms);
                }
                self.rows[row].attempts -= 1;
                self.rows[row].code = Some(429);
                self.requeue(row, true, message, now_ms);
                if let Some(wait) = too_long {
                    // Not waited out by itself: the admin decides when to go on.
                    self.hold_run(now_ms, format!(
                        "Paused: the server refused a request as too many (HTTP 429) and asked to wait {} (Retry-After) before sending again, longer than the {} Roster waits by itself. Rows are kept; press Resume to send again when you choose (the server may refuse until then), or Cancel.",
                        duration_words(wait),
                        duration_words(RETRY_AFTER_CEILING_MS)
                    ));
                } else if self.rate_limit_streak >= MAX_RATE_LIMIT_STREAK {
                    let limit = self.server_limit.map_or_else(
                        || "The server did not state its limit.".to_owned(),
                        |l| format!("The server states a limit of {l} requests per minute (X-RateLimit-Limit)."),
                    );
                    self.hold_run(now_ms, format!(
                        "Paused: the server refused {MAX_RATE_LIMIT_STREAK} requests in a row as too many (HTTP 429) without letting one through. {limit} Another client may be using the same key. Lower Requests per minute, then press Resume."
                    ));
                }
            }
            Outcome::Fatal {
                kind,
                code,
                message,
                ambiguous,
            } => {
                self.rows[row].answer_lost |= ambiguous;
                self.finish_after_refusal(row, Status::Failed, code, message.clone(), now_ms);
                self.stop(Stop::new(kind, code, message), now_ms);
            }
        }
        self.settle(now_ms);
    }

    /// Counts a refusal towards a systemic stop: only refusals of the same field, each on
    /// a row that took that field from the run's defaults (a row with its own value says
    /// nothing about the rows after it, and neither adds to nor breaks the streak).
    fn count_systemic(
        &mut self,
        row: usize,
        field: Option<Field>,
        code: Option<i64>,
        message: &str,
        now_ms: u64,
    ) {
        let Some(field) = field else {
            self.systemic_field = None;
            self.systemic_streak = 0;
            return;
        };
        let from_default = (self.users)(row).is_some_and(|u| uses_default(&u, field));
        if !from_default {
            return;
        }
        if self.systemic_field != Some(field) {
            self.systemic_field = Some(field);
            self.systemic_streak = 0;
        }
        self.systemic_streak += 1;
        if self.systemic_streak >= MAX_SYSTEMIC_STREAK {
            self.stop(
                Stop::new(
                    StopKind::Systemic,
                    code,
                    format!(
                        "Stopped: {MAX_SYSTEMIC_STREAK} rows in a row that take {} from the run's defaults were refused the same way, so every such row would be too: {message}. Check the default, then send the rows again.",
                        field.label()
                    ),
                ),
                now_ms,
            );
        }
    }

    /// Pauses the run by itself, with the reason for the banner.
    fn hold_run(&mut self, now_ms: u64, reason: String) {
        if self.phase == Phase::Running {
            self.freeze(now_ms);
            self.phase = Phase::Paused;
            self.hold = Some(reason);
        }
    }

    /// Paces the run to the limit the server states, unless the user asked for less.
    fn learn_limit(&mut self, limit: u32, now_ms: u64) {
        if self.server_limit == Some(limit) {
            return;
        }
        self.server_limit = Some(limit);
        if self.window.is_some() {
            // Sending each window's budget at once already: a new budget.
            self.window = Some(stated_window(limit));
            return;
        }
        let per_min = (u64::from(limit) * MINUTE_MS / LEARNED_WINDOW_MS).max(1) as u32;
        let per_min = self.config.rate_per_min.map_or(per_min, |r| r.min(per_min));
        match &mut self.pacer {
            Some(pacer) => pacer.set_limit(per_min, now_ms),
            None => self.pacer = Some(Pacer::new(per_min, 1, now_ms)),
        }
    }

    /// Stops sending new requests; those in flight finish. The pause counts from the
    /// latest time the run was told (see [`Run::pause_at`] to give it).
    pub fn pause(&mut self) {
        self.pause_at(self.last_now);
    }

    /// [`Run::pause`] at `now_ms`: the rate and ETA shown stay as they were now until
    /// the run resumes.
    pub fn pause_at(&mut self, now_ms: u64) {
        if self.phase == Phase::Running {
            self.freeze(now_ms);
            self.phase = Phase::Paused;
        }
    }

    pub fn resume(&mut self, now_ms: u64) {
        if self.phase == Phase::Paused {
            self.thaw(now_ms);
            self.phase = Phase::Running;
            self.hold = None;
            self.rate_limit_streak = 0;
            self.throttle_level = 0;
            self.fault_streak = 0;
            self.settle(now_ms);
        }
    }

    /// Ends the run: rows not yet sent end `skipped`; those in flight finish.
    pub fn cancel(&mut self, now_ms: u64) {
        if matches!(self.phase, Phase::Running | Phase::Paused) {
            self.stop(
                Stop::new(StopKind::Cancelled, None, "Cancelled by the user."),
                now_ms,
            );
        }
    }

    fn count_request(&mut self, now_ms: u64) {
        self.note_send(now_ms);
        self.requests += 1;
        self.recent_sends.push_back(now_ms);
        while self
            .recent_sends
            .front()
            .is_some_and(|&t| t + MINUTE_MS < now_ms)
        {
            self.recent_sends.pop_front();
        }
    }

    /// The rate the run was sending at, in requests per minute, over the last minute or
    /// since its first send in it: a run whose first seconds met a 429 was sending much
    /// faster than the handful of requests it has sent so far.
    fn observed_rate_per_min(&self, now_ms: u64) -> u32 {
        let from = now_ms.saturating_sub(MINUTE_MS);
        let mut recent = self.recent_sends.iter().filter(|&&t| t >= from);
        let Some(&first) = recent.next() else {
            return 0;
        };
        let count = 1 + recent.count() as u64;
        let span = now_ms.saturating_sub(first).clamp(1_000, MINUTE_MS);
        (count * MINUTE_MS / span) as u32
    }

    fn on_success(&mut self, now_ms: u64) {
        if let Some(pacer) = &mut self.pacer {
            pacer.on_success(now_ms);
        }
    }

    fn is_stopped(&self) -> bool {
        matches!(self.phase, Phase::Stopped(_))
    }

    /// Puts a row back to be sent again, or, once the run has stopped, ends it: `unknown`
    /// if an earlier attempt's answer was lost, `skipped` otherwise.
    fn requeue(&mut self, row: usize, front: bool, message: String, now_ms: u64) {
        if let Phase::Stopped(stop) = &self.phase {
            let reason = stop.message.clone();
            self.finish_unsent(row, "Not sent again", &reason, now_ms);
            return;
        }
        self.set_status(row, Status::Pending);
        self.rows[row].message = message;
        if front {
            self.queue.push_front(row);
        } else {
            self.queue.push_back(row);
        }
        self.changed.push(row);
    }

    /// Ends a row the server refused. If an earlier attempt's answer was lost, that
    /// attempt may have made the account, so the row is `unknown`, not `status`.
    fn finish_after_refusal(
        &mut self,
        row: usize,
        status: Status,
        code: Option<i64>,
        message: String,
        now_ms: u64,
    ) {
        if self.rows[row].answer_lost {
            let message = format!(
                "{message}. An earlier attempt's answer was lost, so the account may exist anyway."
            );
            self.finish_row(row, Status::Unknown, code, message, now_ms);
        } else {
            self.finish_row(row, status, code, message, now_ms);
        }
    }

    fn set_status(&mut self, row: usize, status: Status) {
        let old = std::mem::replace(&mut self.rows[row].status, status);
        self.counts.shift(old, status);
        if self.in_scope[row] {
            self.scope_counts.shift(old, status);
        }
    }

    /// A queued row carried over from an earlier run: not this run's to send.
    fn leave_scope(&mut self, row: usize) {
        if std::mem::take(&mut self.in_scope[row]) {
            self.scope_counts.remove(self.rows[row].status);
        }
    }

    fn finish_row(
        &mut self,
        row: usize,
        status: Status,
        code: Option<i64>,
        message: String,
        now_ms: u64,
    ) {
        self.set_status(row, status);
        let state = &mut self.rows[row];
        state.message = message;
        state.code = code;
        state.finished_ms = Some(now_ms);
        self.changed.push(row);
    }

    /// Ends a row the stopped run will not send (again): `unknown` if an earlier
    /// attempt's answer was lost (the account may exist), `skipped` otherwise. Neither
    /// inherits the code of the answer that stopped the run.
    fn finish_unsent(&mut self, row: usize, not_sent: &str, reason: &str, now_ms: u64) {
        let (status, message) = if self.rows[row].answer_lost {
            (
                Status::Unknown,
                format!("An earlier attempt's answer was lost, so the account may exist. Not sent again: {reason}"),
            )
        } else {
            (Status::Skipped, format!("{not_sent}: {reason}"))
        };
        self.finish_row(row, status, None, message, now_ms);
    }

    fn stop(&mut self, stop: Stop, now_ms: u64) {
        self.release_waiting();
        for row in std::mem::take(&mut self.queue) {
            self.finish_unsent(row, "Not sent", &stop.message, now_ms);
        }
        self.hold = None;
        self.thaw(now_ms);
        self.phase = Phase::Stopped(stop);
        self.settle(now_ms);
    }

    /// Moves to `Finished` once every row is final, and notes when the run ended.
    fn settle(&mut self, now_ms: u64) {
        if self.in_flight.is_empty() && !self.waiting.is_empty() {
            self.release_waiting();
        }
        if self.phase == Phase::Running
            && self.queue.is_empty()
            && self.in_flight.is_empty()
            && !self.login_in_flight
        {
            self.phase = Phase::Finished;
        }
        if self.ended_ms.is_none() && self.is_over() {
            self.ended_ms = Some(now_ms);
        }
    }
}

/// A row's identities as the run compares them: its address and its user name, each
/// lowered and hashed (`None` when the row has none). A run holds both whatever the
/// target declares (see [`crate::targets::Kind::identities`]): waiting on an equal
/// address or user name costs nothing when rows are distinct, which the plan sees to.
type IdKeys = [Option<u64>; 2];

fn identity_keys(user: &UserRow) -> IdKeys {
    let key = |text: &str, salt: u64| {
        let text = text.trim();
        (!text.is_empty()).then(|| {
            let lower = text.to_lowercase();
            crate::input::plan::hash_lower_words(lower.as_bytes()) ^ salt
        })
    };
    [
        key(&user.email, 0),
        user.username
            .as_deref()
            .and_then(|u| key(u, 0x9E37_79B9_7F4A_7C15)),
    ]
}

/// Whether two rows share an address or a user name (by hash: a collision only makes
/// a row wait).
fn shares_identity(a: &IdKeys, b: &IdKeys) -> bool {
    (a[0].is_some() && a[0] == b[0]) || (a[1].is_some() && a[1] == b[1])
}

/// A probe's answer with its ambiguity cleared: a probe creates nothing.
fn unambiguous(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Transient { code, message, .. } => Outcome::Transient {
            code,
            message,
            ambiguous: false,
        },
        Outcome::Fatal {
            kind,
            code,
            message,
            ..
        } => Outcome::Fatal {
            kind,
            code,
            message,
            ambiguous: false,
        },
        other => other,
    }
}

/// Our window against a limit the server states per minute: the limit, sent in the
/// first 58 s of a 62 s window (see [`FixedWindow`]).
fn stated_window(limit: u32) -> FixedWindow {
    FixedWindow::new(limit, MINUTE_MS - 2_000, LEARNED_WINDOW_MS)
}

/// A wait in words, rounded up to a whole unit: "45 seconds", "20 minutes", "2 hours
/// 5 minutes".
fn duration_words(ms: u64) -> String {
    let seconds = ms.div_ceil(1_000);
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if seconds < 120 {
        return plural(seconds, "second");
    }
    let minutes = seconds.div_ceil(60);
    if minutes < 120 {
        return plural(minutes, "minute");
    }
    let (hours, rest) = (minutes / 60, minutes % 60);
    if rest == 0 {
        plural(hours, "hour")
    } else {
        format!("{} {}", plural(hours, "hour"), plural(rest, "minute"))
    }
}

/// A message cut to its first sentence-ish part, for a banner that quotes it.
fn trim_message(message: &str) -> String {
    let cut: String = message.chars().take(120).collect();
    if cut.len() < message.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Whether a row left `field` to the run's defaults (it has no value of its own).
fn uses_default(user: &UserRow, field: Field) -> bool {
    match field {
        Field::PackageId => user.package_id.is_none(),
        Field::Timezone => user.timezone.is_none(),
        Field::Role => user.role.is_none(),
        Field::QuotaMb => user.quota_mb.is_none(),
        Field::TenantId => user.tenant_id.is_none(),
        Field::LoginIps => user.login_ips.is_none(),
        _ => false,
    }
}
