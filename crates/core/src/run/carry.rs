//! What a run takes from outside its own answers: rows a Check found on the server, a
//! saved journal's rows (a resume), and, once it is over, a listing's or the exists
//! probes' word on the rows it left unknown.

use super::*;

impl Run {
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
            if self.rows[row].status != Status::Unknown || self.updates.tried[row] {
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
                Status::Created | Status::Updated | Status::Exists => {
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

    /// The exists probes that can settle the rows left `unknown` once the run is over,
    /// for targets that have one (the same question as [`Run::settle_unknown`] asks of
    /// a listing). Send each, then hand its answer to [`Run::on_settle_probe`].
    pub fn settle_probes(&self) -> Vec<(usize, HttpRequest)> {
        let Some((_, session)) = &self.login.session else {
            return Vec::new();
        };
        if !self.is_over() {
            return Vec::new();
        }
        (0..self.rows.len())
            .filter(|&r| self.rows[r].status == Status::Unknown)
            // The account of an update was there before: finding it proves nothing.
            .filter(|&r| !self.updates.tried[r])
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
}
