//! The job: a whole import, from Start to the last row's final status and the journal's
//! last write, as one state machine with no I/O (effects as data, in the manner of crux).
//!
//! A front end builds a [`Job`] from what Start knows ([`Start`]), then carries out the
//! [`Effect`]s it gives (send this request, write these journal keys, wake me then, show
//! these rows, announce this sentence, the job ended) and hands each result back as an
//! [`Event`] (the answer to request `id`, the time, a user [`Command`], the write's
//! result). The job sequences every phase the page used to: the journal's first write
//! (nothing is sent unless it succeeds, or the admin chose to go without), the re-check of
//! rows whose answer was lost before a resume or a retry sends them, the run itself
//! ([`crate::run::Run`]: login, pacing, probes, creates, re-login, stops), pause, resume
//! and cancel, the journal's writes, settling the rows left unknown (by listing, then by
//! probe), the journal's last write, and the ending.
//!
//! "Check" goes through the same effects: [`Look`]. Both are [`Machine`]s, so one loop
//! carries out either.
//!
//! A journal write ([`Effect::Write`]) must be answered ([`Event::Written`]) before any
//! other event: the glue carries it out at once (browser storage is synchronous).

mod dry_run;
pub mod form;
mod journal;
mod look;
mod protocol;
mod settle;
pub mod survey;
pub mod words;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::http::{Exchange, HttpRequest};
use crate::input::plan::PlannedRow;
use crate::run::journal::{Journal, StoreError, StoreOp};
use crate::run::pace::Jitter;
use crate::run::retry::{Decision, RetryPlan};
use crate::run::{Ending, OnExisting, Run, RunConfig, Status, Users};
use crate::targets::check::{CheckReport, Listing};
use crate::targets::send::{Secrets, Target};
use crate::targets::TargetKind;
pub use dry_run::{dry_run, steps_only_note, DryRun};
use journal::JobJournal;
pub use look::Look;
pub use protocol::{CheckFailed, Command, Effect, Event, JournalProblem, Machine, Over, RequestId};
pub use survey::{Preview, Survey, WillUpdate};

/// What Start knows.
pub struct Start {
    pub kind: TargetKind,
    /// The target built from the form ([`form::target_for`]).
    pub target: Box<dyn Target>,
    /// As typed; the listings use it.
    pub server_url: String,
    pub secrets: Secrets,
    pub plan: Arc<Vec<PlannedRow>>,
    /// Where a row's typed row comes from ([`Users`]).
    pub users: Users,
    pub config: RunConfig,
    /// What a Check of this server found: those rows end `exists`, unsent.
    pub checked: Option<CheckReport>,
    /// A saved journal this run resumes: its finished rows are carried over.
    pub resume: Option<Journal>,
    /// A retry of the last run: only the rows it left failed, unknown or skipped are sent.
    pub retry: Option<RetryPlan>,
    /// This run's journal (its head: file, target, server, run id), or `None` when the
    /// admin chose to start without resume.
    pub journal: Option<Journal>,
    /// The wall clock (Unix ms) now, for the journal's and the reports' times.
    pub wall_ms: f64,
    /// The backoff's randomness (the engine's own when `None`).
    pub jitter: Option<Box<dyn Jitter>>,
    /// The run setting "Existing accounts" (skip, update the confirmed rows, stop at
    /// the first), the same for the page and the command line.
    pub existing: OnExisting,
    /// The rows of a dropped-back "rows to retry" file that name steps to send again
    /// ([`crate::run::retry::file_steps`]): never created, their account is found and
    /// those steps sent ([`Run::steps_from_file`]).
    pub file_steps: Vec<(usize, Vec<String>)>,
}

/// Which request is in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Login,
    Probe(usize),
    Create(usize),
    Update(usize),
    /// A step after a create: the row and its step's place.
    Step(usize, usize),
    Listing,
    SettleProbe(usize),
    /// The look-up that names the other account of a create's conflict
    /// ([`Run::lookup_for`]); the create's answer waits in `Job::conflicts`.
    Lookup(usize),
    /// The end of the session the run's login made ([`Run::logout_request`]).
    Logout,
}

enum Stage {
    /// Shown, not yet begun: the first tick writes the journal (the page shows the run
    /// before it spends time on a large first write).
    Shown,
    FirstWrite,
    /// Rows whose answer was lost are looked up before any is sent again.
    Recheck(Box<dyn Listing>),
    Sending,
    /// The run is over; its unknown rows are settled by listing the server's accounts.
    Settling(Box<dyn Listing>),
    /// …then by asking about each account.
    Probing(VecDeque<(usize, HttpRequest)>),
    LastWrite,
    /// The session the run's login made is ended (its answer changes no row).
    LoggingOut,
    Over,
}

/// What the job waits for the journal write's result to do.
enum Awaiting {
    First,
    /// The creates (and other requests) held until their rows are recorded as in flight.
    BeforeSend(Vec<crate::run::Command>),
    Note,
    Last,
    /// A removal: nothing to do either way.
    Nothing,
}

/// How often the display follows the run: answers arriving in between are shown
/// together, so a fast run does not spend its time re-rendering.
const DISPLAY_MS: u64 = 100;
/// How often the display refreshes (elapsed time, ETA) while waiting on answers.
const REFRESH_MS: u64 = 1_000;
/// How often a paused run with nothing in flight is looked at.
const PAUSED_POLL_MS: u64 = 100;

pub struct Job {
    run: Run,
    plan: Arc<Vec<PlannedRow>>,
    kind: TargetKind,
    server_url: String,
    secrets: Secrets,
    journal: Option<JobJournal>,
    retry: bool,
    stage: Stage,
    /// Rows whose answer was lost are looked up first (a resume or a retry of them).
    recheck: bool,
    awaiting: Option<Awaiting>,
    next_id: RequestId,
    in_flight: HashMap<RequestId, Tag>,
    /// The create answers whose conflict look-up is queued or in flight, by row.
    conflicts: HashMap<usize, Exchange>,
    shown_at: u64,
    /// The wall clock at `started_ms`, for the journal's times.
    wall_at_start: f64,
    started_ms: u64,
    effects: Vec<Effect>,
    /// Events that came while a journal write's result was awaited.
    queued: VecDeque<(Event, u64)>,
    over: Option<Over>,
}

/// Whether a resume or a retry sends rows whose earlier answer was lost.
fn lost_before(resume: Option<&Journal>, retry: Option<&RetryPlan>) -> bool {
    resume.is_some_and(|j| j.previous().iter().any(|p| p.1 == Status::Unknown))
        || retry.is_some_and(|r| {
            r.decisions
                .iter()
                .any(|d| matches!(d, Some(Decision::Send { answer_lost: true })))
        })
}

impl Job {
    /// Builds the run Start asks for (with what a Check, a saved journal or the last run
    /// already knows) and shows it; the first tick begins it.
    pub fn new(start: Start, now_ms: u64) -> Job {
        let recheck = lost_before(start.resume.as_ref(), start.retry.as_ref());
        let mut run = Run::new(
            start.target,
            start.secrets.clone(),
            &start.plan,
            start.users,
            start.config,
            now_ms,
        )
        .with_wall_clock(start.wall_ms as u64)
        .with_existing(start.existing);
        if let Some(jitter) = start.jitter {
            run = run.with_jitter(jitter);
        }
        if let Some(report) = &start.checked {
            run.mark_existing(&report.existing_rows(&start.plan), now_ms);
        }
        if let Some(journal) = &start.resume {
            run.resume_from(&journal.previous(), now_ms);
            run.resume_steps(journal.step_letters(), &start.file_steps, now_ms);
        }
        if let Some(retry) = &start.retry {
            run.retry(retry, now_ms);
        }
        if !start.file_steps.is_empty() {
            run.steps_from_file(&start.file_steps, now_ms);
        }
        let mut job = Job {
            plan: start.plan,
            kind: start.kind,
            server_url: start.server_url,
            secrets: start.secrets,
            journal: start.journal.map(JobJournal::new),
            retry: start.retry.is_some(),
            stage: Stage::Shown,
            recheck,
            awaiting: None,
            next_id: 0,
            in_flight: HashMap::new(),
            conflicts: HashMap::new(),
            shown_at: now_ms,
            wall_at_start: start.wall_ms,
            started_ms: now_ms,
            effects: Vec::new(),
            queued: VecDeque::new(),
            over: None,
            run,
        };
        // The page shows the new run at once (its bar counts only the rows it sends).
        let changed = job.run.take_changed();
        job.effects.push(Effect::Changed(changed));
        let sentence = words::started(
            job.retry,
            job.run.counts().get(Status::Pending),
            job.run.target_name(),
        );
        job.effects.push(Effect::Announce(sentence));
        job.effects.push(Effect::WakeAt(now_ms));
        job
    }

    pub fn run(&self) -> &Run {
        &self.run
    }

    pub fn plan(&self) -> &Arc<Vec<PlannedRow>> {
        &self.plan
    }

    /// Whether this job retries the last run.
    pub fn is_retry(&self) -> bool {
        self.retry
    }

    /// How the job ended, once it has.
    pub fn over(&self) -> Option<&Over> {
        self.over.as_ref()
    }

    /// Whether the run has a journal that is written (not turned off, not refused).
    pub fn has_journal(&self) -> bool {
        self.journal.as_ref().is_some_and(|j| !j.off)
    }

    /// The journal's writes of the run as it is now, for a page that goes away (nothing
    /// can be done about a failure then: the run paused on the failure that came first,
    /// and a resume then says why it cannot be trusted). `None` without a journal.
    pub fn flush(&mut self, now_ms: u64) -> Option<Vec<StoreOp>> {
        if !matches!(
            self.stage,
            Stage::Recheck(_) | Stage::Sending | Stage::Settling(_) | Stage::Probing(_)
        ) {
            return None;
        }
        let finished = self.run.is_over() && crate::run::journal::ends_run(self.run.phase());
        let wall = self.wall(now_ms);
        let journal = self.journal.as_mut().filter(|j| !j.off)?;
        Some(journal.write_now(self.run.rows(), finished, wall, now_ms))
    }

    fn wall(&self, now_ms: u64) -> f64 {
        self.wall_at_start + now_ms.saturating_sub(self.started_ms) as f64
    }

    fn send(&mut self, tag: Tag, request: HttpRequest) {
        self.next_id += 1;
        self.in_flight.insert(self.next_id, tag);
        self.effects.push(Effect::Send {
            id: self.next_id,
            request,
        });
    }

    fn write(&mut self, ops: Vec<StoreOp>, awaiting: Awaiting) {
        self.awaiting = Some(awaiting);
        self.effects.push(Effect::Write(ops));
    }

    fn changed(&mut self) {
        let changed = self.run.take_changed();
        self.effects.push(Effect::Changed(changed));
    }

    /// The journal's first write, or straight on without one.
    fn begin(&mut self, now_ms: u64) {
        let wall = self.wall(now_ms);
        let rows = self.run.rows();
        match self.journal.as_mut() {
            Some(journal) => {
                let ops = journal.begin(rows, wall, now_ms);
                self.stage = Stage::FirstWrite;
                self.write(ops, Awaiting::First);
            }
            None => self.after_first_write(now_ms),
        }
    }

    fn after_first_write(&mut self, now_ms: u64) {
        let listing = (self.recheck && self.kind.settles_unknown())
            .then(|| self.kind.listing(&self.server_url, self.secrets.clone()))
            .flatten();
        match listing {
            Some(listing) => {
                self.effects
                    .push(Effect::Announce(words::rechecking(listing.call())));
                self.look(listing, true);
            }
            None => {
                self.stage = Stage::Sending;
                self.pump(now_ms);
            }
        }
    }

    /// One step of the run: the requests it may start now (held back when the journal
    /// cannot record them), the display and the journal's paced write, and the next wake.
    fn pump(&mut self, now_ms: u64) {
        let mut commands = Vec::new();
        while let Some(command) = self.run.next_command(now_ms) {
            commands.push(command);
        }
        let rows: Vec<usize> = commands
            .iter()
            .filter_map(|c| match c {
                crate::run::Command::Create { row, .. }
                | crate::run::Command::Update { row, .. } => Some(*row),
                // A probe or a step creates nothing: only creates and updates are announced.
                crate::run::Command::Login(_)
                | crate::run::Command::Probe { .. }
                | crate::run::Command::Step { .. }
                | crate::run::Command::Lookup { .. } => None,
            })
            .collect();
        if let Some(journal) = self.journal.as_mut().filter(|j| !j.off && !rows.is_empty()) {
            let ops = journal.before_send(&rows);
            self.write(ops, Awaiting::BeforeSend(commands));
            return;
        }
        self.dispatch(commands, now_ms);
    }

    /// Sends the run's requests, then shows and records what changed.
    fn dispatch(&mut self, commands: Vec<crate::run::Command>, now_ms: u64) {
        for command in commands {
            match command {
                crate::run::Command::Login(request) => self.send(Tag::Login, request),
                crate::run::Command::Probe { row, request } => self.send(Tag::Probe(row), request),
                crate::run::Command::Create { row, request } => {
                    self.send(Tag::Create(row), request)
                }
                crate::run::Command::Update { row, request } => {
                    self.send(Tag::Update(row), request)
                }
                crate::run::Command::Step { row, step, request } => {
                    self.send(Tag::Step(row, step), request)
                }
                crate::run::Command::Lookup { row, request } => {
                    self.send(Tag::Lookup(row), request)
                }
            }
        }
        let over = self.run.is_over();
        if over || now_ms >= self.shown_at + DISPLAY_MS {
            self.shown_at = now_ms;
            let changed = self.run.take_changed();
            let any = !changed.is_empty();
            self.effects.push(Effect::Changed(changed));
            let wall = self.wall(now_ms);
            let rows = self.run.rows();
            if let Some(ops) = self
                .journal
                .as_mut()
                .and_then(|j| j.note(rows, any, wall, now_ms))
            {
                self.write(ops, Awaiting::Note);
                return;
            }
        }
        self.after_step(now_ms);
    }

    /// After the run's step (and its journal write): the next wake, or the settling.
    fn after_step(&mut self, now_ms: u64) {
        if self.run.is_over() {
            self.settle(now_ms);
            return;
        }
        let sleep = match self.run.next_wake(now_ms) {
            Some(at) => at.saturating_sub(now_ms).clamp(1, REFRESH_MS),
            None if self.in_flight.is_empty() => PAUSED_POLL_MS,
            None => REFRESH_MS,
        }
        // Changes not shown yet are shown when their turn comes, even if nothing else happens.
        .min(DISPLAY_MS);
        self.effects.push(Effect::WakeAt(now_ms + sleep));
    }

    /// The journal's last write: the run's final state, or forgetting it when nothing was
    /// sent. A run that stopped stays resumable (`journal::ends_run`).
    fn last_write(&mut self, now_ms: u64) {
        self.stage = Stage::LastWrite;
        let wall = self.wall(now_ms);
        let run = &self.run;
        match self.journal.as_mut().and_then(|j| j.finish(run, wall)) {
            Some((ops, true)) => self.write(ops, Awaiting::Last),
            Some((ops, false)) => {
                self.write(ops, Awaiting::Nothing);
            }
            None => self.end(),
        }
    }

    /// The run is over and recorded: the session its login made is ended first, when the
    /// target has a logout (a stopped or failed run's too), then the job ends.
    fn end(&mut self) {
        if !matches!(self.stage, Stage::LoggingOut) {
            if let Some(request) = self.run.logout_request() {
                self.stage = Stage::LoggingOut;
                self.send(Tag::Logout, request);
                return;
            }
        }
        self.ended(None);
    }

    /// The job's end; `note` says what the logout's answer says, when it failed.
    fn ended(&mut self, note: Option<String>) {
        self.stage = Stage::Over;
        let over = Over::Ran(Ending::of(self.run.phase()));
        self.over = Some(over.clone());
        // Only the counts are read: the time does not matter.
        let mut sentence = words::ended(self.run.phase(), &self.run.progress(0));
        if let Some(note) = note {
            sentence = format!("{sentence} {note}");
        }
        self.effects.push(Effect::Ended(over));
        self.effects.push(Effect::Announce(sentence));
    }

    fn end_before_sending(&mut self, over: Over) {
        self.stage = Stage::Over;
        self.over = Some(over.clone());
        self.effects.push(Effect::Ended(over));
    }

    fn on_written(&mut self, result: Result<(), StoreError>, now_ms: u64) {
        let Some(awaiting) = self.awaiting.take() else {
            return;
        };
        let failed = result.as_ref().err().cloned();
        if let Some(journal) = self.journal.as_mut() {
            journal.written(&result);
        }
        match (awaiting, failed) {
            (Awaiting::First, None) => self.after_first_write(now_ms),
            (Awaiting::First, Some(error)) => {
                // Whatever part of it was written is of no use.
                let key = self.journal.take().map(|j| j.key());
                if let Some(key) = key {
                    self.effects
                        .push(Effect::Write(vec![StoreOp::RemoveJournal(key)]));
                    self.awaiting = Some(Awaiting::Nothing);
                }
                self.effects
                    .push(Effect::JournalProblem(Some(JournalProblem::Refused(
                        words::refused(&error),
                    ))));
                self.effects.push(Effect::Announce(words::REFUSED.into()));
                self.end_before_sending(Over::JournalRefused(error));
            }
            (Awaiting::BeforeSend(commands), None) => self.dispatch(commands, now_ms),
            (Awaiting::BeforeSend(mut commands), Some(error)) => {
                // Not recorded as in flight: the creates go back to the run, which
                // pauses with the reason; a login or a probe creates nothing and goes.
                let reason = words::paused_because(&error);
                let rows: Vec<usize> = commands
                    .iter()
                    .filter_map(|c| match c {
                        crate::run::Command::Create { row, .. }
                        | crate::run::Command::Update { row, .. } => Some(*row),
                        _ => None,
                    })
                    .collect();
                self.run.hold_back(&rows, now_ms, reason.clone());
                commands.retain(|c| {
                    !matches!(
                        c,
                        crate::run::Command::Create { .. } | crate::run::Command::Update { .. }
                    )
                });
                self.effects
                    .push(Effect::JournalProblem(Some(JournalProblem::Paused(reason))));
                self.dispatch(commands, now_ms);
            }
            (Awaiting::Note, None) => self.after_step(now_ms),
            (Awaiting::Note, Some(error)) => {
                // A run paused already (by the admin, or for another reason) stays paused
                // as it is; the write is tried again.
                let reason = words::paused_because(&error);
                self.run.pause_with(now_ms, reason.clone());
                if self.run.hold() == Some(reason.as_str()) {
                    self.effects
                        .push(Effect::JournalProblem(Some(JournalProblem::Paused(reason))));
                }
                self.changed();
                self.after_step(now_ms);
            }
            (Awaiting::Last, Some(error)) => {
                self.effects
                    .push(Effect::JournalProblem(Some(JournalProblem::Unsaved(
                        words::unsaved(&error),
                    ))));
                self.end();
            }
            (Awaiting::Last | Awaiting::Nothing, _) => {
                if matches!(self.stage, Stage::LastWrite) {
                    self.end();
                }
            }
        }
    }

    fn on_answer(&mut self, id: RequestId, exchange: Exchange, now_ms: u64) {
        if self.read_answer(id, exchange, now_ms) && matches!(self.stage, Stage::Sending) {
            self.pump(now_ms);
        }
    }

    /// Gives an answer to whom it belongs. `true` for an answer of the run (a login, a
    /// probe or a create), after which the run may send more (see [`Job::pump`]).
    fn read_answer(&mut self, id: RequestId, exchange: Exchange, now_ms: u64) -> bool {
        let Some(tag) = self.in_flight.remove(&id) else {
            return false;
        };
        match tag {
            Tag::Login => self.run.on_login(&exchange, now_ms),
            Tag::Probe(row) => self.run.on_probe(row, &exchange, now_ms),
            Tag::Create(row) => {
                if self.run.lookup_for(row, &exchange, now_ms) {
                    // The run sends the look-up when its pacer allows; the row is
                    // finished when the look-up is answered.
                    self.conflicts.insert(row, exchange);
                } else {
                    self.run.on_create(row, &exchange, now_ms);
                }
            }
            Tag::Lookup(row) => match self.conflicts.remove(&row) {
                Some(create) => {
                    if !self
                        .run
                        .on_create_looked_up(row, &create, &exchange, now_ms)
                    {
                        // Refused as too many (429): the run sends the look-up again.
                        self.conflicts.insert(row, create);
                    }
                }
                None => return false,
            },
            Tag::Update(row) => self.run.on_update(row, &exchange, now_ms),
            Tag::Step(row, step) => self.run.on_step(row, step, &exchange, now_ms),
            Tag::SettleProbe(row) => {
                self.run.on_settle_probe(row, &exchange, now_ms);
                self.next_probe(now_ms);
                return false;
            }
            Tag::Listing => {
                self.on_listing(&exchange, now_ms);
                return false;
            }
            Tag::Logout => {
                self.ended(crate::targets::send::logout_note(&exchange));
                return false;
            }
        }
        true
    }

    /// After a write: the events that waited for it, in order. The run's answers among
    /// them are read together and the run is pumped once after them, so the rows they
    /// free are recorded in one journal write, not one write per answer (a slow disk
    /// would otherwise pace the whole import).
    fn replay_queued(&mut self) {
        let mut pump_at = None;
        while self.awaiting.is_none() {
            let Some((event, at)) = self.queued.pop_front() else {
                break;
            };
            match event {
                Event::Answer { id, exchange } if matches!(self.stage, Stage::Sending) => {
                    if self.read_answer(id, exchange, at) {
                        pump_at = Some(at);
                    }
                }
                other => {
                    if let Some(at) = pump_at.take() {
                        self.pump_if_sending(at);
                        if self.awaiting.is_some() {
                            self.queued.push_front((other, at));
                            return;
                        }
                    }
                    self.handle(other, at);
                }
            }
        }
        if let Some(at) = pump_at {
            if self.awaiting.is_none() {
                self.pump_if_sending(at);
            }
        }
    }

    fn pump_if_sending(&mut self, now_ms: u64) {
        if matches!(self.stage, Stage::Sending) {
            self.pump(now_ms);
        }
    }

    fn on_command(&mut self, command: Command, now_ms: u64) {
        if matches!(self.stage, Stage::Over) {
            return;
        }
        match command {
            Command::Pause => self.run.pause_at(now_ms),
            Command::Resume => self.run.resume(now_ms),
            Command::Cancel => self.run.cancel(now_ms),
            Command::GoOnWithoutJournal => {
                if let Some(key) = self.journal.as_mut().and_then(JobJournal::turn_off) {
                    self.effects
                        .push(Effect::Write(vec![StoreOp::RemoveJournal(key)]));
                    self.awaiting = Some(Awaiting::Nothing);
                }
                self.effects.push(Effect::JournalProblem(None));
                self.run.resume(now_ms);
                self.effects
                    .push(Effect::Announce(words::WITHOUT_JOURNAL.into()));
            }
        }
        self.changed();
        if matches!(self.stage, Stage::Sending) && self.awaiting.is_none() {
            self.pump(now_ms);
        }
    }
}

impl Machine for Job {
    fn handle(&mut self, event: Event, now_ms: u64) {
        if let Event::Written(result) = event {
            self.on_written(result, now_ms);
            self.replay_queued();
            return;
        }
        if self.awaiting.is_some() {
            // Written comes first (see the module's note): an event before it waits.
            self.queued.push_back((event, now_ms));
            return;
        }
        match event {
            Event::Answer { id, exchange } => self.on_answer(id, exchange, now_ms),
            Event::Tick => match self.stage {
                Stage::Shown => self.begin(now_ms),
                Stage::Sending => self.pump(now_ms),
                _ => {}
            },
            Event::Command(command) => self.on_command(command, now_ms),
            Event::Written(_) => unreachable!("handled above"),
        }
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }
}
