//! A row's way to its one final status, and the run's stop and end.

use super::*;

impl Run {
    pub(super) fn is_stopped(&self) -> bool {
        matches!(self.phase, Phase::Stopped(_))
    }

    /// Puts a row back to be sent again, or, once the run has stopped, ends it: `unknown`
    /// if an earlier attempt's answer was lost, `skipped` otherwise.
    pub(super) fn requeue(&mut self, row: usize, front: bool, message: String, now_ms: u64) {
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
    pub(super) fn finish_after_refusal(
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

    pub(super) fn set_status(&mut self, row: usize, status: Status) {
        let old = std::mem::replace(&mut self.rows[row].status, status);
        self.counts.shift(old, status);
        if self.scope.rows[row] {
            self.scope.counts.shift(old, status);
        }
    }

    /// A queued row carried over from an earlier run: not this run's to send.
    pub(super) fn leave_scope(&mut self, row: usize) {
        if std::mem::take(&mut self.scope.rows[row]) {
            self.scope.counts.remove(self.rows[row].status);
        }
    }

    pub(super) fn finish_row(
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
    pub(super) fn finish_unsent(&mut self, row: usize, not_sent: &str, reason: &str, now_ms: u64) {
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

    pub(super) fn stop(&mut self, stop: Stop, now_ms: u64) {
        self.release_waiting();
        for row in std::mem::take(&mut self.queue) {
            self.finish_unsent(row, "Not sent", &stop.message, now_ms);
        }
        self.stop_steps(&stop.message);
        self.hold = None;
        self.thaw(now_ms);
        self.phase = Phase::Stopped(stop);
        self.settle(now_ms);
    }

    /// Moves to `Finished` once every row is final, and notes when the run ended.
    pub(super) fn settle(&mut self, now_ms: u64) {
        if self.in_flight.is_empty() && !self.holds.waiting.is_empty() {
            self.release_waiting();
        }
        if self.phase == Phase::Running
            && self.queue.is_empty()
            && !self.steps_open()
            && self.in_flight.is_empty()
            && !self.login.login_in_flight
        {
            self.phase = Phase::Finished;
        }
        if self.ended_ms.is_none() && self.is_over() {
            self.ended_ms = Some(now_ms);
        }
    }
}
