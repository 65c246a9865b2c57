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

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::{RowState, Run, Status};
use crate::input::plan::{hash_lower_words, same_address, PlannedRow};

/// What a retry does with one row the current plan could send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Sent again; `answer_lost` when an earlier attempt's answer was lost.
    Send { answer_lost: bool },
    /// Created by the earlier run, with steps that failed: not created again; those
    /// steps are sent again for the account the earlier run made (`target_id`).
    Steps {
        target_id: Option<String>,
        steps: Vec<super::StepState>,
    },
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

/// The key rows are matched by: the address and the username, trimmed, ignoring case.
/// A row with neither cannot be matched: a retry never sends it, and never counts it as
/// done.
fn key(planned: &PlannedRow) -> Option<(&str, &str)> {
    // The typed row's user name (the address's local part lowered, when taken from
    // there), on valid rows only, as the plan held it.
    let username = if planned.is_valid() {
        planned.username.trim()
    } else {
        ""
    };
    let email = planned.email.trim();
    (!email.is_empty() || !username.is_empty()).then_some((email, username))
}

/// The hash of a key in lower case (as `str::to_lowercase` lowers it): equal keys hash
/// alike. ASCII is lowered and hashed eight bytes at a time, with no allocation. This runs
/// over every row of a run when it ends (the run controls count the rows to retry), so
/// keys are hashed, not built as strings.
fn key_hash((email, username): (&str, &str)) -> u64 {
    let lower = |s: &str| {
        if s.is_ascii() {
            hash_lower_words(s.as_bytes())
        } else {
            hash_lower_words(s.to_lowercase().as_bytes())
        }
    };
    lower(email)
        ^ lower(username)
            .rotate_left(29)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Whether two keys are the same, ignoring case.
fn same_key(a: (&str, &str), b: (&str, &str)) -> bool {
    same_address(a.0, b.0) && same_address(a.1, b.1)
}

/// An earlier run's rows by key. Rows are grouped by [`key_hash`], and a match compares
/// the keys themselves, so two keys whose hashes collide are never taken for one.
struct Earlier<'a> {
    plan: &'a [PlannedRow],
    rows: &'a [RowState],
    by_key: FxHashMap<u64, SmallVec<[usize; 1]>>,
}

impl<'a> Earlier<'a> {
    /// Indexes the earlier rows.
    fn new(plan: &'a [PlannedRow], rows: &'a [RowState]) -> Self {
        let mut by_key: FxHashMap<u64, SmallVec<[usize; 1]>> =
            FxHashMap::with_capacity_and_hasher(plan.len().min(rows.len()), Default::default());
        // Only rows that have a row state.
        for (i, planned) in plan.iter().enumerate().take(rows.len()) {
            if let Some(k) = key(planned) {
                by_key.entry(key_hash(k)).or_default().push(i);
            }
        }
        Earlier { plan, rows, by_key }
    }

    /// The earlier rows with this key, in order.
    fn matching<'s>(&'s self, k: (&'s str, &'s str)) -> impl Iterator<Item = &'a RowState> + 's {
        self.matching_hashed(key_hash(k), k)
    }

    /// [`Earlier::matching`], with the key's hash worked out already.
    fn matching_hashed<'s>(
        &'s self,
        hash: u64,
        k: (&'s str, &'s str),
    ) -> impl Iterator<Item = &'a RowState> + 's {
        self.by_key
            .get(&hash)
            .into_iter()
            .flatten()
            .filter(move |&&i| key(&self.plan[i]).is_some_and(|e| same_key(e, k)))
            .map(|&i| &self.rows[i])
    }

    /// The deciding earlier row for `planned`'s key: a row that reached the server's
    /// account wins over one to retry, which wins over one left alone (see [`rank`]);
    /// the first of the best.
    fn best(&self, planned: &PlannedRow) -> Option<&'a RowState> {
        let mut best: Option<&RowState> = None;
        for row in self.matching(key(planned)?) {
            if best.is_none_or(|b| rank(row) > rank(b)) {
                best = Some(row);
            }
        }
        best
    }
}

/// How many rows a retry over `plan` would send: the length of
/// `RetryPlan::new(earlier, earlier_rows, plan).to_send()`, without building the plan
/// (the run controls show it whenever a run ends).
pub fn count_to_send(
    earlier: &[PlannedRow],
    earlier_rows: &[RowState],
    plan: &[PlannedRow],
) -> usize {
    repeat_counts(&[(earlier, earlier_rows)], plan).0
}

/// What sending `plan` again means after `runs` against the same server (oldest first):
/// how many rows a retry of the last run would send ([`count_to_send`]), and how many
/// rows the plan would send that one of the runs created or found on the server
/// ([`already_done`]). One index per run and one look-up per row and run: the run
/// controls show both whenever a run ends.
pub fn repeat_counts(runs: &[(&[PlannedRow], &[RowState])], plan: &[PlannedRow]) -> (usize, usize) {
    let Some(last) = runs.len().checked_sub(1) else {
        return (0, 0);
    };
    let indexes: Vec<Earlier> = runs
        .iter()
        .map(|(planned, rows)| Earlier::new(planned, rows))
        .collect();
    let (mut retry, mut done) = (0, 0);
    for k in plan
        .iter()
        .filter(|p| !p.excluded && p.is_valid())
        .filter_map(key)
    {
        let hash = key_hash(k);
        let mut reached = false;
        for (n, index) in indexes.iter().enumerate() {
            let mut best: Option<&RowState> = None;
            for row in index.matching_hashed(hash, k) {
                reached |= row.status.is_done();
                if n == last && best.is_none_or(|b| rank(row) > rank(b)) {
                    best = Some(row);
                }
            }
            retry += usize::from(best.is_some_and(|row| rank(row) == 2 || steps_to_retry(row)));
        }
        done += usize::from(reached);
    }
    (retry, done)
}

/// Whether a retry sends this row's steps again: it was created, and a step failed.
pub fn steps_to_retry(row: &RowState) -> bool {
    row.status == Status::Created && row.failed_steps().next().is_some()
}

/// How an earlier row counts when several rows share an address: a row that reached
/// the server's account wins over one to retry, which wins over one left alone.
fn rank(row: &RowState) -> u8 {
    match row.status {
        Status::Created | Status::Updated | Status::Exists => 3,
        _ if is_retried(row) => 2,
        Status::Rejected => 1,
        _ => 0,
    }
}

impl RetryPlan {
    /// `earlier` is the earlier run's plan and row states (same order); `plan` is the
    /// plan the retry runs over (the same file, possibly edited since).
    pub fn new(earlier: &[PlannedRow], earlier_rows: &[RowState], plan: &[PlannedRow]) -> Self {
        let earlier = Earlier::new(earlier, earlier_rows);
        let decisions = plan
            .iter()
            .map(|planned| {
                if planned.excluded || !planned.is_valid() {
                    return None;
                }
                Some(match earlier.best(planned) {
                    Some(row) if steps_to_retry(row) => Decision::Steps {
                        target_id: row.target_id.clone(),
                        steps: row.steps.clone(),
                    },
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
            .filter(|(_, d)| matches!(d, Some(Decision::Send { .. } | Decision::Steps { .. })))
            .map(|(i, _)| i)
            .collect()
    }

    /// Rows the plan would send that the earlier run created or found on the server:
    /// sending the whole file again would send them again.
    pub fn already_done(&self) -> usize {
        self.decisions
            .iter()
            .filter(|d| matches!(d, Some(Decision::Carry { status, .. }) if status.is_done()))
            .count()
    }
}

/// Rows `plan` would send whose address one of the `earlier` runs (plan and row states)
/// created or found on the server: sending the whole file again sends these again.
pub fn already_done<'a>(
    earlier: impl IntoIterator<Item = (&'a [PlannedRow], &'a [RowState])>,
    plan: &[PlannedRow],
) -> usize {
    let runs: Vec<(&[PlannedRow], &[RowState])> = earlier.into_iter().collect();
    repeat_counts(&runs, plan).1
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
                Some(Decision::Steps { target_id, steps }) => {
                    // Never created again: its failed steps are sent, the others kept.
                    self.queue.retain(|&r| r != row);
                    self.leave_scope(row);
                    self.rows[row].target_id = target_id;
                    self.finish_row(
                        row,
                        Status::Created,
                        None,
                        "Created in the previous run: not created again; its failed steps are sent again.".into(),
                        now_ms,
                    );
                    self.rows[row].steps = steps
                        .into_iter()
                        .map(|mut s| {
                            if s.outcome == super::StepOutcome::Failed {
                                s.outcome = super::StepOutcome::Pending;
                                s.message.clear();
                                s.attempts = 0;
                            }
                            s
                        })
                        .collect();
                    self.queue_pending_steps(row, now_ms);
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

/// The column the "rows to retry" file adds for created accounts whose steps failed
/// ([`crate::report::retry_file`]): it names the steps to send again, as
/// `Join group: 12; Join room: !abc:hs`. Roster writes it and reads it back: it is no
/// field, never offered in the mapping, and a row with a cell in it is never created
/// (its account is found, then those steps are sent: [`Run::steps_from_file`]).
pub const STEPS_COLUMN: &str = "steps to retry";

/// Where [`STEPS_COLUMN`] is in a file with a header (a headerless file has none).
pub fn steps_column(table: &crate::input::read::Table) -> Option<usize> {
    table
        .header
        .as_ref()?
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(STEPS_COLUMN))
}

/// One step as the [`STEPS_COLUMN`] names it: `label: value`, or the label alone.
pub fn step_words(label: &str, value: &str) -> String {
    if value.is_empty() {
        label.to_owned()
    } else {
        format!("{label}: {value}")
    }
}

/// Whether a row has failed steps (besides the id lookup) for the [`STEPS_COLUMN`].
pub fn has_steps_cell(row: &RowState) -> bool {
    row.failed_steps()
        .any(|s| s.step != super::steps::ID_LOOKUP)
}

/// The [`STEPS_COLUMN`] cell of a row: its failed steps (not the id lookup, which a
/// retry always sends first). The rows to retry guard it against formula injection as
/// every other cell ([`crate::report::retry_file`]).
pub fn steps_cell(row: &RowState) -> String {
    let words: Vec<String> = row
        .failed_steps()
        .filter(|s| s.step != super::steps::ID_LOOKUP)
        .map(|s| step_words(&s.label, &s.value))
        .collect();
    words.join("; ")
}

/// The steps a [`STEPS_COLUMN`] cell names, as [`step_words`] wrote them (the reader took
/// the formula guard off: [`crate::input::read::guard`]).
pub fn read_steps_cell(cell: &str) -> Vec<String> {
    cell.trim()
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The rows of a dropped-back "rows to retry" file whose account an earlier run created
/// and whose steps failed: (row, the steps its [`STEPS_COLUMN`] cell names). Empty when
/// the file has no such column.
pub fn file_steps(table: &crate::input::read::Table) -> Vec<(usize, Vec<String>)> {
    let Some(column) = steps_column(table) else {
        return Vec::new();
    };
    table
        .records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let steps = read_steps_cell(r.fields.get(column).unwrap_or_default());
            (!steps.is_empty()).then_some((i, steps))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::validate::Problem;

    fn planned(email: &str, username: &str, valid: bool) -> PlannedRow {
        PlannedRow {
            line: 1,
            email: email.into(),
            username: username.into(),
            has_password: true,
            excluded: false,
            findings: crate::input::planned::Findings::new(
                if valid {
                    Vec::new()
                } else {
                    vec![Problem {
                        field: None,
                        column: None,
                        message: "bad".into(),
                    }]
                },
                Vec::new(),
            ),
        }
    }

    fn state(status: Status, excluded: bool) -> RowState {
        RowState {
            status,
            message: String::new(),
            code: None,
            excluded,
            target_id: None,
            attempts: 1,
            answer_lost: false,
            first_sent_ms: None,
            finished_ms: None,
            steps: Vec::new(),
        }
    }

    /// The matching as it was written first: every key built as a lower-cased string.
    fn reference(earlier: &[PlannedRow], rows: &[RowState], plan: &[PlannedRow]) -> (usize, usize) {
        let text = |p: &PlannedRow| {
            key(p).map(|(e, u)| format!("{}\n{}", e.to_lowercase(), u.to_lowercase()))
        };
        let mut best: std::collections::HashMap<String, &RowState> = Default::default();
        for (p, r) in earlier.iter().zip(rows) {
            let Some(k) = text(p) else { continue };
            let slot = best.entry(k).or_insert(r);
            if rank(r) > rank(slot) {
                *slot = r;
            }
        }
        let ranks: Vec<u8> = plan
            .iter()
            .filter(|p| !p.excluded && p.is_valid())
            .filter_map(|p| text(p).and_then(|k| best.get(&k)).map(|r| rank(r)))
            .collect();
        let count = |r: u8| ranks.iter().filter(|&&x| x == r).count();
        (count(2), count(3))
    }

    #[test]
    fn hashed_keys_match_as_the_lower_cased_strings_did() {
        // Case, the Kelvin sign (lowers to ASCII `k`), user names, rows without a key,
        // invalid rows (no user name), and an address repeated with different outcomes.
        let emails = ["a@x", "A@X", "\u{212A}@x", "k@x", "b@x", "", "ü@x", "Ü@X"];
        let users = ["", "bob", "BOB", "k"];
        let statuses = [
            Status::Created,
            Status::Failed,
            Status::Unknown,
            Status::Rejected,
            Status::Skipped,
            Status::Exists,
            Status::Invalid,
        ];
        let mut earlier = Vec::new();
        let mut rows = Vec::new();
        let mut plan = Vec::new();
        let mut seed = 7u32;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) as usize % n
        };
        for _ in 0..400 {
            let valid = next(5) != 0;
            earlier.push(planned(emails[next(8)], users[next(4)], valid));
            rows.push(state(statuses[next(7)], next(6) == 0));
            plan.push(planned(emails[next(8)], users[next(4)], next(5) != 0));
        }
        let (retry, done) = reference(&earlier, &rows, &plan);
        assert_eq!(count_to_send(&earlier, &rows, &plan), retry);
        assert_eq!(
            RetryPlan::new(&earlier, &rows, &plan).to_send().len(),
            retry
        );
        assert_eq!(RetryPlan::new(&earlier, &rows, &plan).already_done(), done);
        assert_eq!(already_done([(&earlier[..], &rows[..])], &plan), done);
        assert_eq!(
            repeat_counts(&[(&earlier[..], &rows[..])], &plan),
            (retry, done)
        );
        // Two runs: the retry follows the last; "already done" any of them.
        let (second, second_rows) = (plan.clone(), rows.iter().rev().cloned().collect::<Vec<_>>());
        let both = [(&earlier[..], &rows[..]), (&second[..], &second_rows[..])];
        assert_eq!(
            repeat_counts(&both, &plan),
            (
                count_to_send(&second, &second_rows, &plan),
                already_done(both, &plan)
            )
        );
        assert!(
            retry > 0 && done > 0,
            "the sample exercises both ({retry}, {done})"
        );
    }

    #[test]
    fn colliding_hashes_are_not_one_key() {
        // Two keys put in one group by hand, as a hash collision would: they still do not
        // match each other.
        let earlier = vec![planned("a@x", "", true), planned("b@x", "", true)];
        let rows = vec![state(Status::Created, false), state(Status::Failed, false)];
        let mut index = Earlier::new(&earlier, &rows);
        let h = key_hash(("a@x", ""));
        index.by_key.insert(h, SmallVec::from_slice(&[1, 0]));
        assert_eq!(
            index.best(&planned("a@x", "", true)).map(|r| r.status),
            Some(Status::Created)
        );
        assert_eq!(index.matching(("a@x", "")).count(), 1);
    }
}
