//! What a run does with an account that is already on the server (the run setting
//! "Existing accounts"): skip it (the default), update it with the row's values, or stop
//! at the first. An update runs only for a row whose exists probe found the account in
//! this run and whose update the admin confirmed in the preview; an account that appears
//! after the preview is a conflict, never overwritten unasked.

use std::collections::BTreeSet;

use super::*;

/// The run setting "Existing accounts".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Existing {
    /// Today's behaviour: the row ends `exists`, nothing is sent for it.
    #[default]
    Skip,
    /// The account is updated with the row's values, after the admin confirmed it.
    Update,
    /// The run stops at the first existing account; the rest are not sent.
    Stop,
}

impl Existing {
    pub const ALL: [Existing; 3] = [Existing::Skip, Existing::Update, Existing::Stop];

    /// The word of the command line (`--existing`) and of the page's select.
    pub fn word(self) -> &'static str {
        match self {
            Existing::Skip => "skip",
            Existing::Update => "update",
            Existing::Stop => "stop",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Existing::Skip => "Skip",
            Existing::Update => "Update",
            Existing::Stop => "Stop at the first",
        }
    }

    pub fn parse(word: &str) -> Option<Existing> {
        Existing::ALL
            .into_iter()
            .find(|e| e.word().eq_ignore_ascii_case(word.trim()))
    }
}

/// The setting as a run carries it out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OnExisting {
    pub existing: Existing,
    /// "Also set passwords of existing accounts": without it an update sends no password.
    pub passwords: bool,
    /// The rows whose update the admin confirmed in the preview (plan indices). Only
    /// these are updated; another row whose account is found ends as a conflict.
    pub confirmed: BTreeSet<usize>,
}

impl OnExisting {
    /// Update the confirmed rows.
    pub fn update(passwords: bool, confirmed: impl IntoIterator<Item = usize>) -> OnExisting {
        OnExisting {
            existing: Existing::Update,
            passwords,
            confirmed: confirmed.into_iter().collect(),
        }
    }

    pub fn stop() -> OnExisting {
        OnExisting {
            existing: Existing::Stop,
            ..OnExisting::default()
        }
    }
}

/// What the run keeps per row for updates (and for a survey: the preview's look).
#[derive(Debug, Default)]
pub(super) struct Updates {
    pub(super) on: OnExisting,
    /// Probe only, never create or update: the preview's look at which accounts exist.
    pub(super) survey: bool,
    /// The exists probe's answer that found the row's account: what the update (its id)
    /// and the preview (the current values) read.
    pub(super) found: Vec<Option<Exchange>>,
    /// The row's next send is its update (its probe just found the account).
    pub(super) next: Vec<bool>,
    /// The request in flight for the row is an update.
    pub(super) in_flight: Vec<bool>,
    /// An update was sent for the row: its lost answer is never settled as `exists`.
    pub(super) tried: Vec<bool>,
    /// The fields the update changes, in words, for the report.
    pub(super) changes: Vec<Option<String>>,
}

impl Updates {
    pub(super) fn new(n: usize) -> Updates {
        Updates {
            found: vec![None; n],
            next: vec![false; n],
            in_flight: vec![false; n],
            tried: vec![false; n],
            changes: vec![None; n],
            ..Updates::default()
        }
    }
}

/// One field an update changes: its label, the value on the server, the row's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// The fields whose row value differs from the server's, from a target's current values
/// (never a password: no target reads one back, and a field called so is left out).
pub fn changes_of(current: &[(String, String)], user: &UserRow) -> Vec<Change> {
    current
        .iter()
        .filter(|(label, _)| !label.eq_ignore_ascii_case("password"))
        .filter_map(|(label, old)| {
            let field = Field::from_label(label)?;
            let new = user.value(field)?.trim().to_owned();
            // An empty cell leaves the value as it is (the key is left out of the body).
            if new.is_empty() || new == old.trim() {
                return None;
            }
            Some(Change {
                field: label.clone(),
                old: old.trim().to_owned(),
                new,
            })
        })
        .collect()
}

/// The changes in words: `name: "Ann" → "Ann Lee"`.
pub fn changes_words(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("{}: \"{}\" → \"{}\"", c.field, c.old, c.new))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Run {
    /// The run carries out the setting "Existing accounts".
    pub fn with_existing(mut self, on: OnExisting) -> Run {
        self.updates.on = on;
        self
    }

    /// A survey: each row's account is looked up (exists probe) and nothing else is
    /// sent. Found accounts end `exists` (their answers kept for [`Run::found`]), the
    /// others `skipped`. What the preview of an update is made of.
    pub fn surveying(mut self) -> Run {
        self.updates.survey = true;
        self
    }

    /// The exists probe's answer that found row `row`'s account, in a survey.
    pub fn found(&self, row: usize) -> Option<&Exchange> {
        self.updates.found.get(row)?.as_ref()
    }

    /// Whether the target can update (its exists probe finds the account, and it
    /// declares the update).
    pub fn target_updates(&self) -> bool {
        self.target.updates()
    }

    /// The current values of a found account, by field label, where the target reads
    /// them.
    pub fn current_values(&self, row: usize) -> Option<Vec<(String, String)>> {
        let user = (self.users)(row)?;
        self.target.current_values_for(self.found(row)?, &user)
    }

    /// A probe found row `row`'s account (and it is the row's, not another person's).
    /// `true` when the setting took the row over; `false` for the default (`exists`).
    pub(super) fn on_found(
        &mut self,
        row: usize,
        code: Option<i64>,
        exchange: &Exchange,
        now_ms: u64,
    ) -> bool {
        if self.updates.survey {
            self.updates.found[row] = Some(exchange.clone());
            self.on_success(now_ms);
            self.release(row);
            self.finish_row(
                row,
                Status::Exists,
                code,
                "On the server: the update would overwrite it with this row's values.".into(),
                now_ms,
            );
            self.settle(now_ms);
            return true;
        }
        match self.updates.on.existing {
            Existing::Skip => false,
            Existing::Stop => {
                self.on_success(now_ms);
                self.release(row);
                self.finish_row(
                    row,
                    Status::Exists,
                    code,
                    "Already on the server: not sent. The run stopped here (Existing accounts: Stop at the first).".into(),
                    now_ms,
                );
                self.stop_at_existing(row, code, now_ms);
                true
            }
            Existing::Update if self.updates.on.confirmed.contains(&row) => {
                self.on_success(now_ms);
                let changes = (self.users)(row).and_then(|user| {
                    let current = self.target.current_values_for(exchange, &user)?;
                    Some(changes_words(&changes_of(&current, &user)))
                });
                self.updates.changes[row] = changes;
                self.updates.found[row] = Some(exchange.clone());
                self.updates.next[row] = true;
                self.ready_at[row] = now_ms;
                // The identity stays held while its update is next.
                self.requeue(row, true, "On the server: updating it.".into(), now_ms);
                self.settle(now_ms);
                true
            }
            Existing::Update => false,
        }
    }

    /// Stops the run at row `row`'s existing account ("Stop at the first"), naming it.
    pub(super) fn stop_at_existing(&mut self, row: usize, code: Option<i64>, now_ms: u64) {
        let account = self.account_words(row);
        self.stop(
            Stop::new(
                StopKind::Existing,
                code,
                format!(
                    "Stopped at the first existing account: {account} (row {}) is already on the server. Existing accounts: Stop at the first; the rows after it were not sent.",
                    row + 1
                ),
            ),
            now_ms,
        );
    }

    /// Whether an `exists` from a create's answer stops the run ("Stop at the first"):
    /// not when an earlier attempt's answer was lost (the account is most likely
    /// Roster's own).
    pub(super) fn stops_at(&self, row: usize) -> bool {
        !self.updates.survey
            && self.updates.on.existing == Existing::Stop
            && !self.rows[row].answer_lost
    }

    /// Whether the run looks accounts up with the update's look-up ([`Target::find_probe`])
    /// rather than the exists probe: in a survey, and with "Existing accounts: Update".
    pub(super) fn finding(&self) -> bool {
        self.updates.survey || self.updates.on.existing == Existing::Update
    }

    /// An account found that the preview did not show (it appeared after it): never
    /// overwritten unasked.
    pub(super) fn unconfirmed(&self) -> bool {
        !self.updates.survey && self.updates.on.existing == Existing::Update
    }

    /// The row's account in words: its user name, else its address.
    fn account_words(&self, row: usize) -> String {
        match (self.users)(row) {
            Some(user) => user
                .username
                .filter(|u| !u.trim().is_empty())
                .unwrap_or(user.email),
            None => format!("row {}", row + 1),
        }
    }

    /// Hands back the answer to a [`Command::Update`] for `row`.
    pub fn on_update(&mut self, row: usize, exchange: &Exchange, now_ms: u64) {
        let Some(generation) = self.take_answer(row, exchange, now_ms) else {
            return;
        };
        self.release(row);
        let outcome = self.target.read_update(exchange);
        self.apply(row, generation, outcome, false, now_ms);
        self.updates.in_flight[row] = false;
    }

    /// The message of an updated row: the fields it changed, where they could be read.
    pub(super) fn updated_message(&self, row: usize) -> String {
        let lost = if self.rows[row].answer_lost {
            " (on retry after an earlier answer was lost)"
        } else {
            ""
        };
        match self.updates.changes[row].as_deref() {
            Some("") => format!("Updated{lost}: no field changed."),
            Some(words) => format!("Updated{lost}: {words}."),
            None => format!("Updated{lost} with this row's values."),
        }
    }
}
