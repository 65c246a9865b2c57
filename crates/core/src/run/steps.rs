//! Steps after a create (a profile's `steps`: join rooms, add to groups, send an
//! invitation): queued when a row's create succeeds, one request per step and value,
//! sent under the same concurrency bound, pacing, backoff and re-login as creates. A
//! step never changes its row's status: the account stays `created`, and a failed step
//! adds a warning to the row's message.

use super::*;
use crate::targets::send::StepTask;

/// The steps after the creates of a run, in one sentence for the page and the command
/// line: "Steps after create: 5 done, 1 failed (see the rows' messages and the report's
/// steps column), 2 to go." `None` when no row has steps.
pub fn steps_summary(rows: &[RowState]) -> Option<String> {
    let (mut done, mut failed, mut open) = (0usize, 0usize, 0usize);
    for step in rows.iter().flat_map(|r| &r.steps) {
        match step.outcome {
            StepOutcome::Done => done += 1,
            StepOutcome::Failed => failed += 1,
            StepOutcome::Pending | StepOutcome::Sending => open += 1,
        }
    }
    if done + failed + open == 0 {
        return None;
    }
    let mut text = format!("Steps after create: {done} done");
    if failed > 0 {
        text.push_str(&format!(
            ", {failed} failed (the accounts stay created: see the rows' messages and the report's steps column; Retry sends the failed steps again)"
        ));
    }
    if open > 0 {
        text.push_str(&format!(", {open} to go"));
    }
    text.push('.');
    Some(text)
}

/// Where a row's message says that steps failed.
pub const STEP_WARNING: &str = "Warning: ";

/// The place of the id lookup among a row's steps ([`StepState::step`]): it runs first,
/// alone, when the create's answer gave no id and the steps need one.
pub const ID_LOOKUP: usize = usize::MAX;

/// The message of a row a "rows to retry" file says an earlier run created.
const FROM_FILE: &str = "Created by an earlier run (the rows to retry say so): not created again; its account is looked up, then its failed steps are sent again.";

/// The id lookup's label, as the report shows it.
const ID_LOOKUP_LABEL: &str = "Find the new account's id";

/// A step waiting to be sent: its row, its place among the row's steps, and when it may
/// go (a retry's backoff).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct QueuedStep {
    pub(super) row: usize,
    pub(super) slot: usize,
    pub(super) ready_at: u64,
}

impl Run {
    /// Queues the steps of a row that was just created.
    pub(super) fn queue_steps(&mut self, row: usize, now_ms: u64) {
        let Some(user) = (self.users)(row) else {
            return;
        };
        let tasks = self.target.steps_for(&user);
        if tasks.is_empty() {
            return;
        }
        // Steps that send nothing were done by the create itself.
        let recorded: Vec<bool> = tasks.iter().map(|t| !self.target.step_sends(t)).collect();
        let lookup = self.rows[row].target_id.is_none()
            && self
                .login
                .session
                .as_ref()
                .is_some_and(|(_, session)| self.target.id_lookup(session, &user).is_some());
        let lookup = lookup && recorded.iter().any(|r| !r);
        let mut steps: Vec<StepState> = Vec::new();
        if lookup {
            steps.push(StepState::pending(
                ID_LOOKUP,
                ID_LOOKUP_LABEL.into(),
                String::new(),
            ));
        }
        steps.extend(tasks.into_iter().zip(recorded).map(|(t, recorded)| {
            let mut step = StepState::pending(t.step, t.label, t.value);
            if recorded {
                step.outcome = StepOutcome::Done;
                step.message = "asked for with the create".into();
            }
            step
        }));
        self.rows[row].steps = steps;
        self.queue_pending_steps(row, now_ms);
    }

    /// Queues a row's steps that are pending (a retry of its failed steps); while its id
    /// lookup is pending, that alone.
    pub(super) fn queue_pending_steps(&mut self, row: usize, now_ms: u64) {
        let lookup_first = self.rows[row]
            .steps
            .iter()
            .any(|s| s.step == ID_LOOKUP && s.outcome == StepOutcome::Pending);
        for slot in 0..self.rows[row].steps.len() {
            let step = &self.rows[row].steps[slot];
            if lookup_first && step.step != ID_LOOKUP {
                continue;
            }
            if step.outcome == StepOutcome::Pending {
                self.step_queue.push_back(QueuedStep {
                    row,
                    slot,
                    ready_at: now_ms,
                });
            }
        }
    }

    /// Whether steps wait or are in flight.
    pub(super) fn steps_open(&self) -> bool {
        !self.step_queue.is_empty() || !self.steps_in_flight.is_empty()
    }

    /// The next step that may go now, if any (the caller checked the bound and pacing).
    pub(super) fn next_step(&mut self, now_ms: u64) -> Option<Command> {
        loop {
            let pos = self.step_queue.iter().position(|s| s.ready_at <= now_ms)?;
            let queued = self.step_queue.remove(pos)?;
            let (row, slot) = (queued.row, queued.slot);
            let state = &self.rows[row].steps[slot];
            let task = StepTask {
                step: state.step,
                label: state.label.clone(),
                value: state.value.clone(),
            };
            let (generation, session) = self.login.session.as_ref()?;
            let generation = *generation;
            let request = (self.users)(row).and_then(|user| {
                if task.step == ID_LOOKUP {
                    return self.target.id_lookup(session, &user);
                }
                self.target
                    .step(session, &user, self.rows[row].target_id.as_deref(), &task)
            });
            let Some(request) = request else {
                self.end_step(row, slot, StepOutcome::Failed, NO_USER.into());
                continue;
            };
            self.steps_in_flight.push((row, slot, generation));
            self.take_pace(now_ms);
            let step = &mut self.rows[row].steps[slot];
            step.outcome = StepOutcome::Sending;
            step.attempts += 1;
            self.changed.push(row);
            return Some(Command::Step {
                row,
                step: slot,
                request,
            });
        }
    }

    /// Hands back the answer to a [`Command::Step`].
    pub fn on_step(&mut self, row: usize, slot: usize, exchange: &Exchange, now_ms: u64) {
        self.tell_time(now_ms);
        let Some(pos) = self
            .steps_in_flight
            .iter()
            .position(|&(r, s, _)| r == row && s == slot)
        else {
            return;
        };
        let (_, _, generation) = self.steps_in_flight.swap_remove(pos);
        self.changed.push(row);
        if let Some(limit) = self.target.stated_rate_limit(exchange) {
            self.learn_limit(limit, now_ms);
        }
        let state = &self.rows[row].steps[slot];
        let task = StepTask {
            step: state.step,
            label: state.label.clone(),
            value: state.value.clone(),
        };
        let mut missing = None;
        let read = if task.step == ID_LOOKUP {
            match self.target.read_id_lookup(exchange) {
                Ok(id) => {
                    self.rows[row].target_id = Some(id);
                    Outcome::Created { target_id: None }
                }
                Err(outcome) => {
                    // A row of a "rows to retry" file whose account is not there: it
                    // fails (never created here).
                    if let Outcome::Rejected { code, message, .. } = &outcome {
                        if self.from_file[row] {
                            missing = Some((*code, message.clone()));
                        }
                    }
                    outcome
                }
            }
        } else {
            self.target.read_step(&task, exchange)
        };
        let outcome = match read {
            // Before a step, a create proved this is the API: an odd answer is a fault.
            Outcome::Unreadable { code, message } => Outcome::Transient {
                code,
                message,
                ambiguous: false,
            },
            other => other,
        };
        if !matches!(outcome, Outcome::RateLimited { .. }) {
            self.streaks.rate_limit_streak = 0;
            self.streaks.throttle_level = 0;
        }
        if !matches!(outcome, Outcome::Transient { .. }) {
            self.streaks.fault_streak = 0;
        }
        match outcome {
            Outcome::Created { .. } => {
                self.login.fruitless_logins = 0;
                self.on_success(now_ms);
                self.end_step(row, slot, StepOutcome::Done, String::new());
            }
            Outcome::Exists { message, .. } => {
                self.login.fruitless_logins = 0;
                self.on_success(now_ms);
                self.end_step(row, slot, StepOutcome::Done, message);
            }
            Outcome::Rejected { message, code, .. } | Outcome::Conflict { message, code } => {
                self.login.fruitless_logins = 0;
                self.on_success(now_ms);
                let message = match code {
                    Some(c) => format!("{message} (HTTP {c})"),
                    None => message,
                };
                self.end_step(row, slot, StepOutcome::Failed, message);
            }
            Outcome::Transient { message, .. } | Outcome::Unreadable { message, .. } => {
                self.streaks.fault_streak += 1;
                let attempts = self.rows[row].steps[slot].attempts;
                if attempts < self.config.max_attempts && !self.is_stopped() {
                    let delay = self.config.backoff.delay(attempts, self.jitter.as_mut());
                    self.requeue_step(row, slot, now_ms + delay, format!("Retrying: {message}"));
                } else {
                    let message = format!("{message} (after {attempts} attempts)");
                    self.end_step(row, slot, StepOutcome::Failed, message);
                }
                if self.streaks.fault_streak >= MAX_FAULT_STREAK {
                    self.hold_run(now_ms, format!(
                        "Paused: the last {MAX_FAULT_STREAK} answers were all faults ({}). The server may be overloaded or failing. Rows are kept; press Resume to go on, or Cancel.",
                        answer::trim_message(&message)
                    ));
                }
            }
            Outcome::Reauth { message, .. } => {
                if self
                    .login
                    .session
                    .as_ref()
                    .is_some_and(|(g, _)| *g == generation)
                {
                    self.login.session = None;
                }
                let step = &mut self.rows[row].steps[slot];
                step.attempts = step.attempts.saturating_sub(1);
                self.requeue_step(row, slot, now_ms, format!("Logging in again: {message}"));
            }
            Outcome::RateLimited {
                retry_after,
                message,
            } => {
                self.rate_limited += 1;
                self.streaks.rate_limit_streak += 1;
                self.streaks.throttle_level += 1;
                let wait = self
                    .retry_after_wait(retry_after, now_ms)
                    .filter(|&w| w > 0)
                    .map(|w| w.min(RETRY_AFTER_CEILING_MS))
                    .unwrap_or_else(|| {
                        self.config
                            .throttle
                            .delay(self.streaks.throttle_level.max(1), self.jitter.as_mut())
                    });
                self.not_before = self.not_before.max(now_ms + wait);
                if let Some(pacer) = &mut self.pacer {
                    pacer.on_rate_limited(now_ms);
                }
                let step = &mut self.rows[row].steps[slot];
                step.attempts = step.attempts.saturating_sub(1);
                self.requeue_step(row, slot, now_ms, message);
            }
            Outcome::Fatal {
                kind,
                code,
                message,
                ..
            } => {
                self.end_step(row, slot, StepOutcome::Failed, message.clone());
                self.stop(Stop::new(kind, code, message), now_ms);
            }
        }
        if let Some((code, message)) = missing {
            let message = format!(
                "Not created, steps not sent: {message}. The rows to retry said an earlier run created this account; check its user name, or empty its cell in the column \"{}\" to create it.",
                super::retry::STEPS_COLUMN
            );
            self.finish_row(row, Status::Failed, code, message, now_ms);
        }
        self.settle(now_ms);
    }

    /// Puts a step back to be sent at `ready_at`, or, once the run has stopped, ends it
    /// failed.
    fn requeue_step(&mut self, row: usize, slot: usize, ready_at: u64, message: String) {
        if let Phase::Stopped(stop) = &self.phase {
            let message = format!("Not sent again: {}", stop.message);
            self.end_step(row, slot, StepOutcome::Failed, message);
            return;
        }
        let step = &mut self.rows[row].steps[slot];
        step.outcome = StepOutcome::Pending;
        step.message = message;
        self.step_queue.push_back(QueuedStep {
            row,
            slot,
            ready_at,
        });
        self.changed.push(row);
    }

    /// Ends one step, and says in the row's message which of its steps failed.
    pub(super) fn end_step(
        &mut self,
        row: usize,
        slot: usize,
        outcome: StepOutcome,
        message: String,
    ) {
        let step = &mut self.rows[row].steps[slot];
        step.outcome = outcome;
        step.message = message;
        // The id lookup's end lets the other steps go, or fails them (no id, no step).
        if step.step == ID_LOOKUP {
            if outcome == StepOutcome::Done {
                let now = self.clock.last_now;
                self.queue_pending_steps(row, now);
            } else {
                for other in self.rows[row].steps.iter_mut() {
                    if other.step != ID_LOOKUP && other.outcome == StepOutcome::Pending {
                        other.outcome = StepOutcome::Failed;
                        other.message = "not sent: the new account's id is not known".into();
                    }
                }
            }
        }
        self.warn_of_steps(row);
        self.changed.push(row);
    }

    /// The row's message: what it said before, and a warning naming the failed steps.
    pub(super) fn warn_of_steps(&mut self, row: usize) {
        let state = &mut self.rows[row];
        let base = match state.message.find(STEP_WARNING) {
            Some(at) => state.message[..at].trim_end().to_owned(),
            None => state.message.clone(),
        };
        let failed: Vec<String> = state.failed_steps().map(StepState::words).collect();
        state.message = if failed.is_empty() {
            base
        } else {
            let warning = format!(
                "{STEP_WARNING}the account was created, but {} of {} steps failed: {}.",
                failed.len(),
                state.steps.len(),
                failed.join("; ")
            );
            if base.is_empty() {
                warning
            } else {
                format!("{base} {warning}")
            }
        };
    }

    /// Carries over the steps of rows a saved journal had created (a resume): their
    /// steps are found again from the row, and those not done then (pending or in flight)
    /// are sent; failed ones stay failed (a retry sends them). A row whose steps no longer
    /// match the journal's (the file changed) keeps none.
    /// `file`: the rows of a "rows to retry" file ([`Run::steps_from_file`]), whose
    /// letters are those of their id lookup and named steps.
    pub fn resume_steps(
        &mut self,
        letters: &[(usize, String)],
        file: &[(usize, Vec<String>)],
        now_ms: u64,
    ) {
        let mut from_file: Vec<Option<&Vec<String>>> = Vec::new();
        if !file.is_empty() {
            from_file.resize(self.rows.len(), None);
            for (row, named) in file {
                if let Some(slot) = from_file.get_mut(*row) {
                    *slot = Some(named);
                }
            }
        }
        for (row, letters) in letters {
            let row = *row;
            if self.rows.get(row).map(|r| r.status) != Some(Status::Created) {
                continue;
            }
            if let Some(named) = from_file.get(row).copied().flatten() {
                if self.resume_file_row(row, named, letters) {
                    self.warn_of_steps(row);
                    self.queue_pending_steps(row, now_ms);
                    self.changed.push(row);
                }
                continue;
            }
            let Some(user) = (self.users)(row) else {
                continue;
            };
            let tasks = self.target.steps_for(&user);
            let mut outcomes: Vec<StepOutcome> = letters
                .chars()
                .filter_map(StepOutcome::from_letter)
                .collect();
            if outcomes.len() == tasks.len() + 1 && self.rows[row].target_id.is_some() {
                // The id lookup's letter: the journal holds the id it found.
                outcomes.remove(0);
            }
            if tasks.len() != outcomes.len() {
                continue;
            }
            self.rows[row].steps = tasks
                .into_iter()
                .zip(outcomes)
                .map(|(t, outcome)| StepState {
                    step: t.step,
                    label: t.label,
                    value: t.value,
                    outcome,
                    message: if outcome == StepOutcome::Failed {
                        "failed in the previous run".into()
                    } else {
                        String::new()
                    },
                    attempts: 0,
                })
                .collect();
            self.warn_of_steps(row);
            self.queue_pending_steps(row, now_ms);
            self.changed.push(row);
        }
        // A run whose rows were all carried over ended already: its steps reopen it.
        if self.phase == Phase::Finished && self.steps_open() {
            self.phase = Phase::Running;
            self.ended_ms = None;
        }
        self.settle(now_ms);
    }

    /// Takes the rows of a dropped-back "rows to retry" file whose
    /// [`super::retry::STEPS_COLUMN`] names steps (`file`: row and steps, see
    /// [`super::retry::file_steps`]): an earlier run created their accounts, so they are
    /// never created. Each still queued ends `created` at once, with its account to be
    /// found (`id_lookup`) and then the named steps sent; a lookup that finds no account
    /// makes the row `failed` ([`Run::on_step`]). A row naming a step its columns do not
    /// give, or on a target that cannot find an account, ends `failed`, never sent. Call
    /// it before the run sends anything (after a resume or a retry, which decide first).
    pub fn steps_from_file(&mut self, file: &[(usize, Vec<String>)], now_ms: u64) {
        let mut wanted: Vec<Option<&Vec<String>>> = vec![None; self.rows.len()];
        for (row, named) in file {
            if let Some(slot) = wanted.get_mut(*row) {
                *slot = Some(named);
            }
        }
        let mut taken = Vec::new();
        self.queue.retain(|&r| match wanted[r] {
            Some(named) => {
                taken.push((r, named));
                false
            }
            None => true,
        });
        for (row, named) in taken {
            self.leave_scope(row);
            match self.file_row_steps(row, named) {
                Ok(steps) => {
                    self.rows[row].target_id = None;
                    self.finish_row(row, Status::Created, None, FROM_FILE.into(), now_ms);
                    self.rows[row].steps = steps;
                    self.from_file[row] = true;
                    self.queue_pending_steps(row, now_ms);
                }
                Err(message) => self.finish_row(row, Status::Failed, None, message, now_ms),
            }
        }
        self.settle(now_ms);
    }

    /// The steps of a row a "rows to retry" file names (`named`): the id lookup, then the
    /// row's steps the file names, all pending; or why none can be sent.
    fn file_row_steps(&self, row: usize, named: &[String]) -> Result<Vec<StepState>, String> {
        let user = (self.users)(row).ok_or_else(|| NO_USER.to_owned())?;
        let tasks = self.target.steps_for(&user);
        let words = |t: &StepTask| super::retry::step_words(&t.label, &t.value);
        let unknown: Vec<&str> = named
            .iter()
            .filter(|n| !tasks.iter().any(|t| words(t) == **n))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "Not sent: the column \"{}\" names {}, which this row's columns do not give (was the row edited?). No account was created: the file says an earlier run created it.",
                super::retry::STEPS_COLUMN,
                unknown.join("; ")
            ));
        }
        if self.target.id_lookup(&Session::new(""), &user).is_none() {
            return Err(format!(
                "Not sent: {} cannot look an existing account up, so the steps in the column \"{}\" cannot be sent again (use Retry on the page of the run that created it). No account was created.",
                self.target.name(),
                super::retry::STEPS_COLUMN
            ));
        }
        let mut steps = vec![StepState::pending(
            ID_LOOKUP,
            ID_LOOKUP_LABEL.into(),
            String::new(),
        )];
        steps.extend(
            tasks
                .into_iter()
                .filter(|t| named.contains(&words(t)))
                .map(|t| StepState::pending(t.step, t.label, t.value)),
        );
        Ok(steps)
    }

    /// [`Run::resume_steps`] for a row of a "rows to retry" file that the interrupted
    /// run had taken ([`Run::steps_from_file`]): its journal letters are those of the id
    /// lookup and the named steps. `false` when they do not fit (the file changed).
    fn resume_file_row(&mut self, row: usize, named: &[String], letters: &str) -> bool {
        let Ok(mut steps) = self.file_row_steps(row, named) else {
            return false;
        };
        let outcomes: Vec<StepOutcome> = letters
            .chars()
            .filter_map(StepOutcome::from_letter)
            .collect();
        if outcomes.len() != steps.len() {
            return false;
        }
        for (step, outcome) in steps.iter_mut().zip(outcomes) {
            step.outcome = outcome;
            if outcome == StepOutcome::Failed {
                step.message = "failed in the previous run".into();
            }
        }
        // Without the id the lookup found (the journal holds it), look it up again.
        if self.rows[row].target_id.is_none() && steps[0].outcome == StepOutcome::Done {
            steps[0].outcome = StepOutcome::Pending;
        }
        self.rows[row].message = FROM_FILE.into();
        self.rows[row].steps = steps;
        self.from_file[row] = true;
        true
    }

    /// Ends the steps not sent when the run stops: failed, with the reason.
    pub(super) fn stop_steps(&mut self, reason: &str) {
        for queued in std::mem::take(&mut self.step_queue) {
            self.end_step(
                queued.row,
                queued.slot,
                StepOutcome::Failed,
                format!("Not sent: {reason}"),
            );
        }
    }
}
