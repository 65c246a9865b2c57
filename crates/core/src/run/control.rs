//! Holding a run: the admin's pause, resume and cancel, and the engine's own holds (a
//! journal that cannot be written, 429s or faults in a row), each with its reason.

use super::*;

impl Run {
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

    /// Pauses the run by itself, with the reason for the banner.
    pub(super) fn hold_run(&mut self, now_ms: u64, reason: String) {
        if self.phase == Phase::Running {
            self.freeze(now_ms);
            self.phase = Phase::Paused;
            self.hold = Some(reason);
        }
    }

    /// Stops sending new requests; those in flight finish. The pause counts from the
    /// latest time the run was told (see [`Run::pause_at`] to give it).
    pub fn pause(&mut self) {
        self.pause_at(self.clock.last_now);
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
            self.streaks.rate_limit_streak = 0;
            self.streaks.throttle_level = 0;
            self.streaks.fault_streak = 0;
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
}
