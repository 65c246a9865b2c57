//! The run: every row's state, and the engine that decides what to send next.
//!
//! The engine is a state machine with no clock and no I/O. The glue asks it for
//! [`Command`]s, performs them, and hands each [`Exchange`] back. Every row ends in exactly
//! one final [`Status`]; a row whose answer was lost never ends `created` or `failed`
//! unless a later answer proves it.

use std::collections::VecDeque;
use std::fmt;

use crate::http::{Exchange, HttpRequest};
use crate::map::UserRow;
use crate::plan::PlannedRow;
use crate::send::{LoginStep, Outcome, Secrets, Session, Target};

/// A row's state. All but `Pending` and `Sending` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pending,
    Sending,
    Created,
    Exists,
    Invalid,
    Rejected,
    Failed,
    Unknown,
    Skipped,
}

impl Status {
    pub const FINAL: [Status; 7] = [
        Status::Created,
        Status::Exists,
        Status::Invalid,
        Status::Rejected,
        Status::Failed,
        Status::Unknown,
        Status::Skipped,
    ];

    /// The word shown in the table and written to reports.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Created => "created",
            Status::Exists => "exists",
            Status::Invalid => "invalid",
            Status::Rejected => "rejected",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, Status::Pending | Status::Sending)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// How many rows are in each status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts([usize; 9]);

impl StatusCounts {
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for s in statuses {
            counts.0[s as usize] += 1;
        }
        counts
    }

    pub fn get(&self, status: Status) -> usize {
        self.0[status as usize]
    }

    /// Rows in a final status.
    pub fn done(&self) -> usize {
        Status::FINAL.iter().map(|s| self.get(*s)).sum()
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// One row's state in the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowState {
    pub status: Status,
    pub message: String,
    pub target_id: Option<String>,
    pub attempts: u32,
    /// An earlier attempt got no answer: the account may have been made by it.
    pub answer_lost: bool,
}

/// What the glue must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Login(HttpRequest),
    Create { row: usize, request: HttpRequest },
}

/// Where the run stands as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Sending (or logging in).
    Running,
    /// No new requests; those in flight finish.
    Paused,
    /// The first login failed; nothing was sent. The message is for the login fields.
    LoginFailed(String),
    /// Stopped for good: fatal condition or cancel. Unsent rows end `skipped`.
    Stopped(String),
    /// Every row has its final status.
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Attempts per row for transient faults, the first included.
    pub max_attempts: u32,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            concurrency: 4,
            max_attempts: 3,
        }
    }
}

/// Logins in a row that are each followed by an invalid session before any create
/// succeeds; past this the run stops instead of looping.
const MAX_FRUITLESS_LOGINS: u32 = 3;

pub struct Run {
    target: Box<dyn Target>,
    secrets: Secrets,
    config: RunConfig,
    users: Vec<Option<UserRow>>,
    rows: Vec<RowState>,
    queue: VecDeque<usize>,
    session: Option<(u32, Session)>,
    /// Bumped at each login, so that one invalid session triggers one re-login.
    generation: u32,
    login_in_flight: bool,
    /// Which session each create in flight used.
    in_flight: Vec<(usize, u32)>,
    fruitless_logins: u32,
    logged_in_once: bool,
    phase: Phase,
    changed: Vec<usize>,
}

impl Run {
    /// Starts a run over the plan. Invalid rows are final at once and never sent.
    pub fn new(
        target: Box<dyn Target>,
        secrets: Secrets,
        plan: &[PlannedRow],
        config: RunConfig,
    ) -> Run {
        let mut rows = Vec::with_capacity(plan.len());
        let mut users = Vec::with_capacity(plan.len());
        let mut queue = VecDeque::new();
        for (i, planned) in plan.iter().enumerate() {
            let (status, message) = match &planned.user {
                _ if planned.excluded => (Status::Skipped, "Excluded by the user.".to_owned()),
                Ok(_) => {
                    queue.push_back(i);
                    (Status::Pending, String::new())
                }
                Err(_) => (Status::Invalid, planned.problems_text()),
            };
            users.push(planned.user.as_ref().ok().cloned());
            rows.push(RowState {
                status,
                message,
                target_id: None,
                attempts: 0,
                answer_lost: false,
            });
        }
        let config = RunConfig {
            concurrency: config.concurrency.max(1),
            max_attempts: config.max_attempts.max(1),
        };
        let mut run = Run {
            target,
            secrets,
            config,
            users,
            rows,
            queue,
            session: None,
            generation: 0,
            login_in_flight: false,
            in_flight: Vec::new(),
            fruitless_logins: 0,
            logged_in_once: false,
            phase: Phase::Running,
            changed: Vec::new(),
        };
        run.settle();
        run
    }

    pub fn rows(&self) -> &[RowState] {
        &self.rows
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn target_name(&self) -> &'static str {
        self.target.name()
    }

    pub fn counts(&self) -> StatusCounts {
        StatusCounts::of(self.rows.iter().map(|r| r.status))
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

    /// The next request to perform, if one may start now.
    pub fn next_command(&mut self) -> Option<Command> {
        if self.phase != Phase::Running || self.login_in_flight {
            return None;
        }
        let Some((generation, session)) = &self.session else {
            if self.queue.is_empty() {
                return None;
            }
            return match self.target.login(&self.secrets) {
                LoginStep::Request(request) => {
                    self.login_in_flight = true;
                    Some(Command::Login(request))
                }
                LoginStep::Ready(session) => {
                    self.generation += 1;
                    self.session = Some((self.generation, session));
                    self.next_command()
                }
            };
        };
        if self.in_flight.len() >= self.config.concurrency {
            return None;
        }
        let row = self.queue.pop_front()?;
        let user = self.users[row].as_ref().expect("queued rows are valid");
        let request = self.target.create(session, user);
        self.in_flight.push((row, *generation));
        let state = &mut self.rows[row];
        state.status = Status::Sending;
        state.attempts += 1;
        self.changed.push(row);
        Some(Command::Create { row, request })
    }

    /// Hands back the answer to a [`Command::Login`].
    pub fn on_login(&mut self, exchange: &Exchange) {
        self.login_in_flight = false;
        match self.target.read_login(exchange) {
            Ok(session) => {
                self.generation += 1;
                self.session = Some((self.generation, session));
                self.fruitless_logins += 1;
                self.logged_in_once = true;
                if self.fruitless_logins > MAX_FRUITLESS_LOGINS {
                    self.stop("Stopped: the server keeps rejecting fresh logins' tokens.".into());
                }
            }
            Err(e) if !self.logged_in_once => {
                self.phase = Phase::LoginFailed(e.message);
            }
            Err(e) => self.stop(format!("Stopped: logging in again failed. {}", e.message)),
        }
        self.settle();
    }

    /// Hands back the answer to a [`Command::Create`] for `row`.
    pub fn on_create(&mut self, row: usize, exchange: &Exchange) {
        let Some(pos) = self.in_flight.iter().position(|(r, _)| *r == row) else {
            return;
        };
        let (_, generation) = self.in_flight.swap_remove(pos);
        self.changed.push(row);
        match self.target.read_create(exchange) {
            Outcome::Created { target_id } => {
                self.fruitless_logins = 0;
                let state = &mut self.rows[row];
                state.target_id = target_id;
                state.message = if state.answer_lost {
                    "Created on retry after an earlier answer was lost.".into()
                } else {
                    String::new()
                };
                state.status = Status::Created;
            }
            Outcome::Exists { message } => {
                let state = &mut self.rows[row];
                state.message = if state.answer_lost {
                    format!("{message}. An earlier attempt's answer was lost, so Roster most likely created this account.")
                } else {
                    message
                };
                state.status = Status::Exists;
            }
            Outcome::Rejected { message, .. } => {
                self.finish_row(row, Status::Rejected, message);
            }
            Outcome::Transient { message, ambiguous } => {
                let stopped = self.is_stopped();
                let state = &mut self.rows[row];
                state.answer_lost |= ambiguous;
                if state.attempts < self.config.max_attempts && !stopped {
                    self.requeue(row, false, format!("Retrying: {message}"));
                } else {
                    let status = if state.answer_lost {
                        Status::Unknown
                    } else {
                        Status::Failed
                    };
                    let tries = state.attempts;
                    self.finish_row(row, status, format!("{message} (after {tries} attempts)"));
                }
            }
            Outcome::Reauth { message } => {
                if self.session.as_ref().is_some_and(|(g, _)| *g == generation) {
                    self.session = None;
                }
                self.rows[row].attempts -= 1;
                self.requeue(row, true, format!("Logging in again: {message}"));
            }
            Outcome::RateLimited { message, .. } => {
                self.rows[row].attempts -= 1;
                self.requeue(row, true, message);
            }
            Outcome::Fatal { message, .. } => {
                self.finish_row(row, Status::Failed, message.clone());
                self.stop(message);
            }
        }
        self.settle();
    }

    /// Stops sending new requests; those in flight finish.
    pub fn pause(&mut self) {
        if self.phase == Phase::Running {
            self.phase = Phase::Paused;
        }
    }

    pub fn resume(&mut self) {
        if self.phase == Phase::Paused {
            self.phase = Phase::Running;
            self.settle();
        }
    }

    /// Ends the run: rows not yet sent end `skipped`; those in flight finish.
    pub fn cancel(&mut self) {
        if matches!(self.phase, Phase::Running | Phase::Paused) {
            self.stop("Cancelled by the user.".into());
        }
    }

    fn is_stopped(&self) -> bool {
        matches!(self.phase, Phase::Stopped(_))
    }

    /// Puts a row back to be sent again, or, once the run has stopped, ends it: `unknown`
    /// if an earlier attempt's answer was lost, `skipped` otherwise.
    fn requeue(&mut self, row: usize, front: bool, message: String) {
        if let Phase::Stopped(reason) = &self.phase {
            let status = if self.rows[row].answer_lost {
                Status::Unknown
            } else {
                Status::Skipped
            };
            let message = format!("Not sent again: {reason}");
            self.finish_row(row, status, message);
            return;
        }
        let state = &mut self.rows[row];
        state.status = Status::Pending;
        state.message = message;
        if front {
            self.queue.push_front(row);
        } else {
            self.queue.push_back(row);
        }
        self.changed.push(row);
    }

    fn finish_row(&mut self, row: usize, status: Status, message: String) {
        let state = &mut self.rows[row];
        state.status = status;
        state.message = message;
        self.changed.push(row);
    }

    fn stop(&mut self, reason: String) {
        for row in std::mem::take(&mut self.queue) {
            self.finish_row(row, Status::Skipped, format!("Not sent: {reason}"));
        }
        self.phase = Phase::Stopped(reason);
    }

    /// Moves to `Finished` once every row is final.
    fn settle(&mut self) {
        if self.phase == Phase::Running
            && self.queue.is_empty()
            && self.in_flight.is_empty()
            && !self.login_in_flight
        {
            self.phase = Phase::Finished;
        }
    }
}
