//! Retrying an earlier run (issue 13, "repeat-safe"): which rows a retry sends, and how
//! every other row is accounted for, so that nothing already created is sent twice.
//!
//! A retry sends only the rows the earlier run left `failed`, `unknown` or `skipped` by a
//! stop (not excluded by the user). Rows are matched by address, not by position, so an
//! edited or re-ordered file cannot make a retry send a created row again. A row whose
//! earlier answer was lost (`unknown`) may have been created by that attempt: it is sent
//! as a row whose answer was lost, so an "already exists" reads as "most likely created".
//! Every other row the current plan could send is carried over: `created` and `exists`
//! (and `rejected`) as they ended, anything else as `skipped`, never sent. The retry's run
//! thus holds every row in exactly one final status, and its report accounts for all.

use std::collections::HashMap;

use super::{RowState, Run, Status};
use crate::input::plan::PlannedRow;

/// What a retry does with one row the current plan could send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Sent again; `answer_lost` when an earlier attempt's answer was lost.
    Send { answer_lost: bool },
    /// Not sent: ends with this status, target id, code and message.
    Carry {
        status: Status,
        target_id: Option<String>,
        code: Option<i64>,
        message: String,
    },
}

/// A retry of an earlier run over the current plan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetryPlan {
    /// By row of the current plan: `None` for rows the plan never sends (invalid or
    /// excluded now), else what the retry does with it.
    pub decisions: Vec<Option<Decision>>,
}

/// Whether a retry sends a row that ended this way.
pub fn is_retried(row: &RowState) -> bool {
    match row.status {
        Status::Failed | Status::Unknown => true,
        Status::Skipped => !row.excluded,
        _ => false,
    }
}

/// The key rows are matched by: the address and the username, trimmed and lower-cased.
/// A row with neither cannot be matched: a retry never sends it, and never counts it as
/// done.
fn key(planned: &PlannedRow) -> Option<String> {
    // The typed row's user name (the address's local part lowered, when taken from
    // there: lowered below anyway), on valid rows only, as the plan held it.
    let username = if planned.is_valid() {
        planned.username.trim()
    } else {
        ""
    };
    let email = planned.email.trim();
    if email.is_empty() && username.is_empty() {
        return None;
    }
    // One allocation per row: this runs over every row of a run when it ends.
    let mut key = String::with_capacity(email.len() + 1 + username.len());
    push_lowercase(&mut key, email);
    key.push('\n');
    push_lowercase(&mut key, username);
    Some(key)
}

/// Appends `s` lower-cased, as `str::to_lowercase` does.
fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// The earlier run's deciding row for each key: a row that reached the server's account
/// wins over one to retry, which wins over one left alone (see [`rank`]).
fn best_rows<'a>(
    earlier: &[PlannedRow],
    earlier_rows: &'a [RowState],
) -> HashMap<String, &'a RowState> {
    let mut by_key: HashMap<String, &RowState> = HashMap::with_capacity(earlier.len());
    for (planned, row) in earlier.iter().zip(earlier_rows) {
        let Some(key) = key(planned) else { continue };
        let slot = by_key.entry(key).or_insert(row);
        if rank(row) > rank(slot) {
            *slot = row;
        }
    }
    by_key
}

/// How many rows a retry over `plan` would send: the length of
/// `RetryPlan::new(earlier, earlier_rows, plan).to_send()`, without building the plan
/// (the run controls show it whenever a run ends).
pub fn count_to_send(
    earlier: &[PlannedRow],
    earlier_rows: &[RowState],
    plan: &[PlannedRow],
) -> usize {
    let by_key = best_rows(earlier, earlier_rows);
    plan.iter()
        .filter(|p| !p.excluded && p.is_valid())
        .filter(|p| {
            key(p)
                .and_then(|k| by_key.get(&k))
                .is_some_and(|row| rank(row) == 2)
        })
        .count()
}

/// How an earlier row counts when several rows share an address: a row that reached
/// the server's account wins over one to retry, which wins over one left alone.
fn rank(row: &RowState) -> u8 {
    match row.status {
        Status::Created | Status::Exists => 3,
        _ if is_retried(row) => 2,
        Status::Rejected => 1,
        _ => 0,
    }
}

impl RetryPlan {
    /// `earlier` is the earlier run's plan and row states (same order); `plan` is the
    /// plan the retry runs over (the same file, possibly edited since).
    pub fn new(earlier: &[PlannedRow], earlier_rows: &[RowState], plan: &[PlannedRow]) -> Self {
        let by_key = best_rows(earlier, earlier_rows);
        let decisions = plan
            .iter()
            .map(|planned| {
                if planned.excluded || !planned.is_valid() {
                    return None;
                }
                Some(match key(planned).and_then(|k| by_key.get(&k)) {
                    Some(row) if rank(row) == 3 => Decision::Carry {
                        status: row.status,
                        target_id: row.target_id.clone(),
                        code: row.code,
                        message: format!("{} in the previous run: not sent again.", row.status),
                    },
                    Some(row) if is_retried(row) => Decision::Send {
                        answer_lost: row.status == Status::Unknown || row.answer_lost,
                    },
                    Some(row) if row.status == Status::Rejected => Decision::Carry {
                        status: Status::Rejected,
                        target_id: None,
                        code: row.code,
                        message: format!(
                            "Rejected in the previous run, not sent again by the retry: {}",
                            row.message
                        ),
                    },
                    Some(_) => Decision::Carry {
                        status: Status::Skipped,
                        target_id: None,
                        code: None,
                        message: "Not sent by the retry: the previous run did not send this row (it was invalid or excluded then). Start import sends the whole file.".into(),
                    },
                    None => Decision::Carry {
                        status: Status::Skipped,
                        target_id: None,
                        code: None,
                        message: "Not sent by the retry: this row was not in the previous run. Start import sends the whole file.".into(),
                    },
                })
            })
            .collect();
        RetryPlan { decisions }
    }

    /// The rows the retry sends, in order.
    pub fn to_send(&self) -> Vec<usize> {
        self.decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| matches!(d, Some(Decision::Send { .. })))
            .map(|(i, _)| i)
            .collect()
    }

    /// Rows the plan would send that the earlier run created or found on the server:
    /// sending the whole file again would send them again.
    pub fn already_done(&self) -> usize {
        self.decisions
            .iter()
            .filter(|d| {
                matches!(d, Some(Decision::Carry { status, .. }) if matches!(status, Status::Created | Status::Exists))
            })
            .count()
    }
}

/// Rows `plan` would send whose address one of the `earlier` runs (plan and row states)
/// created or found on the server: sending the whole file again sends these again.
pub fn already_done<'a>(
    earlier: impl IntoIterator<Item = (&'a [PlannedRow], &'a [RowState])>,
    plan: &[PlannedRow],
) -> usize {
    let mut done = std::collections::HashSet::new();
    for (planned, rows) in earlier {
        for (p, r) in planned.iter().zip(rows) {
            if matches!(r.status, Status::Created | Status::Exists) {
                done.extend(key(p));
            }
        }
    }
    plan.iter()
        .filter(|p| !p.excluded && p.is_valid() && key(p).is_some_and(|k| done.contains(&k)))
        .count()
}

impl Run {
    /// Makes this run a retry: rows the plan does not send again end at once as it says
    /// (never sent), and rows whose earlier answer was lost are sent as such. Call it
    /// before the run sends anything; the plan must be over this run's plan.
    pub fn retry(&mut self, plan: &RetryPlan, now_ms: u64) {
        let queued: Vec<usize> = self.queue.iter().copied().collect();
        for row in queued {
            let decision = plan.decisions.get(row).cloned().flatten();
            let (status, target_id, code, message) = match decision {
                Some(Decision::Send { answer_lost }) => {
                    self.rows[row].answer_lost |= answer_lost;
                    continue;
                }
                Some(Decision::Carry {
                    status,
                    target_id,
                    code,
                    message,
                }) => (status, target_id, code, message),
                // The retry plan does not know this row: it is not sent rather than
                // risk sending a row the earlier run created.
                None => (
                    Status::Skipped,
                    None,
                    None,
                    "Not sent by the retry: the row is not in the previous run's results.".into(),
                ),
            };
            self.queue.retain(|&r| r != row);
            self.leave_scope(row);
            self.rows[row].target_id = target_id;
            self.finish_row(row, status, code, message, now_ms);
        }
        self.settle(now_ms);
    }
}
