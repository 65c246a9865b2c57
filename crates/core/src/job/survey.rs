//! The preview of an update (the run setting "Existing accounts: Update"): before any
//! update is sent, each row's account is looked up with the target's exists probe, and
//! the admin sees which accounts exist and, where the target reads them back, which of
//! their fields change (old → new, never a password). Only the rows the admin confirms
//! are updated by the run that follows ([`crate::run::OnExisting::confirmed`]).
//!
//! A [`Survey`] is a [`Machine`] like a job: the same loop carries out its requests
//! (the login, then one probe per row), and it ends with [`Over::Surveyed`].

use std::sync::Arc;

use super::{Effect, Event, Machine, Over, RequestId};
use crate::http::HttpRequest;
use crate::input::plan::PlannedRow;
use crate::run::{changes_of, Change, Phase, Run, RunConfig, Status, Users};
use crate::targets::send::{Secrets, Target};

/// One account the run would update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WillUpdate {
    /// The plan row.
    pub row: usize,
    /// Its user name, else its address.
    pub account: String,
    /// The fields that change, where the target reads the current values; `None` when
    /// it cannot (the account is overwritten with the file's values).
    pub changes: Option<Vec<Change>>,
}

/// What the survey found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preview {
    /// The accounts that exist, in row order.
    pub existing: Vec<WillUpdate>,
    /// Rows whose account is not there: the run creates them.
    pub new_rows: usize,
    /// Rows the survey could not look up (their probe failed), with why: the run looks
    /// them up again and updates none of them without a new preview.
    pub unsure: Vec<(usize, String)>,
}

impl Preview {
    /// The rows to confirm: every existing account shown.
    pub fn confirmed(&self) -> Vec<usize> {
        self.existing.iter().map(|w| w.row).collect()
    }

    /// The preview in words, one line each: the summary, then one line per account.
    pub fn lines(&self, passwords: bool) -> Vec<String> {
        let n = self.existing.len();
        let mut lines = Vec::new();
        let password = if passwords {
            " Their passwords are set to the file's too."
        } else {
            " Their passwords stay as they are."
        };
        let readable = self.existing.iter().all(|w| w.changes.is_some());
        if n == 0 {
            lines.push(
                "No account of the file is on the server yet: nothing will be updated.".into(),
            );
        } else if readable {
            lines.push(format!(
                "{n} account{} exist{} and will be updated.{password}",
                plural(n),
                if n == 1 { "s" } else { "" }
            ));
        } else {
            lines.push(format!(
                "These {n} account{} exist and will be overwritten with the file's values.{password}",
                plural(n)
            ));
        }
        if self.new_rows > 0 {
            lines.push(format!(
                "{} row{} not on the server will be created.",
                self.new_rows,
                plural(self.new_rows)
            ));
        }
        if !self.unsure.is_empty() {
            lines.push(format!(
                "{} row{} could not be looked up: the run will not update them.",
                self.unsure.len(),
                plural(self.unsure.len())
            ));
        }
        for w in &self.existing {
            let what = match &w.changes {
                Some(changes) if changes.is_empty() => "no field changes".to_owned(),
                Some(changes) => crate::run::changes_words(changes),
                None => "overwritten with the file's values".to_owned(),
            };
            lines.push(format!("Row {}: {}: {what}", w.row + 1, w.account));
        }
        lines
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The survey's machine.
pub struct Survey {
    run: Run,
    users: Arc<dyn Fn(usize) -> Option<crate::input::map::UserRow>>,
    next_id: RequestId,
    in_flight: Vec<(RequestId, Option<usize>)>,
    effects: Vec<Effect>,
    over: bool,
}

impl Survey {
    /// Looks up each valid row's account on `target`. `users` gives a row's typed row.
    pub fn new(
        target: Box<dyn Target>,
        secrets: Secrets,
        plan: &[PlannedRow],
        users: impl Fn(usize) -> Option<crate::input::map::UserRow> + 'static,
        config: RunConfig,
        now_ms: u64,
    ) -> Survey {
        let users: Arc<dyn Fn(usize) -> Option<crate::input::map::UserRow>> = Arc::new(users);
        let run_users: Users = {
            let users = users.clone();
            Box::new(move |i| users(i))
        };
        let run = Run::new(target, secrets, plan, run_users, config, now_ms).surveying();
        let mut survey = Survey {
            run,
            users,
            next_id: 0,
            in_flight: Vec::new(),
            effects: Vec::new(),
            over: false,
        };
        survey.effects.push(Effect::Announce(
            "Looking up which accounts are on the server already…".into(),
        ));
        survey.effects.push(Effect::WakeAt(now_ms));
        survey
    }

    pub fn run(&self) -> &Run {
        &self.run
    }

    fn send(&mut self, row: Option<usize>, request: HttpRequest) {
        self.next_id += 1;
        self.in_flight.push((self.next_id, row));
        self.effects.push(Effect::Send {
            id: self.next_id,
            request,
        });
    }

    fn pump(&mut self, now_ms: u64) {
        if self.over {
            return;
        }
        while let Some(command) = self.run.next_command(now_ms) {
            match command {
                crate::run::Command::Login(request) => self.send(None, request),
                crate::run::Command::Probe { row, request } => self.send(Some(row), request),
                // A survey never creates nor updates, so it has no steps (see
                // `Run::surveying`).
                crate::run::Command::Create { row, .. }
                | crate::run::Command::Update { row, .. }
                | crate::run::Command::Step { row, .. }
                | crate::run::Command::Lookup { row, .. } => {
                    unreachable!("a survey sent a create, an update or a step for row {row}")
                }
            }
        }
        if self.run.is_over() {
            self.end();
            return;
        }
        if let Some(at) = self.run.next_wake(now_ms) {
            self.effects.push(Effect::WakeAt(at.max(now_ms + 1)));
        }
    }

    fn end(&mut self) {
        self.over = true;
        let result = match self.run.phase() {
            Phase::LoginFailed(stop) | Phase::Stopped(stop) => Err(stop.message.clone()),
            _ => Ok(self.preview()),
        };
        self.effects.push(Effect::Ended(Over::Surveyed(result)));
    }

    /// What the survey found, from its rows' final states.
    fn preview(&self) -> Preview {
        let mut preview = Preview::default();
        for (row, state) in self.run.rows().iter().enumerate() {
            match state.status {
                Status::Exists if self.run.found(row).is_some() => {
                    let user = (self.users)(row);
                    let account = user.as_ref().map_or_else(
                        || format!("row {}", row + 1),
                        |u| {
                            u.username
                                .clone()
                                .filter(|n| !n.trim().is_empty())
                                .unwrap_or_else(|| u.email.clone())
                        },
                    );
                    let changes = match (self.run.current_values(row), user) {
                        (Some(current), Some(user)) => Some(changes_of(&current, &user)),
                        _ => None,
                    };
                    preview.existing.push(WillUpdate {
                        row,
                        account,
                        changes,
                    });
                }
                Status::Skipped if state.message.starts_with("Not on the server") => {
                    preview.new_rows += 1;
                }
                Status::Invalid | Status::Skipped if state.excluded || state.attempts == 0 => {}
                Status::Invalid => {}
                _ => preview.unsure.push((row, state.message.clone())),
            }
        }
        preview
    }
}

impl Machine for Survey {
    fn handle(&mut self, event: Event, now_ms: u64) {
        match event {
            Event::Answer { id, exchange } => {
                let Some(pos) = self.in_flight.iter().position(|(i, _)| *i == id) else {
                    return;
                };
                let (_, row) = self.in_flight.swap_remove(pos);
                match row {
                    None => self.run.on_login(&exchange, now_ms),
                    Some(row) => self.run.on_probe(row, &exchange, now_ms),
                }
                self.pump(now_ms);
            }
            Event::Tick => self.pump(now_ms),
            Event::Command(super::Command::Cancel) => {
                self.run.cancel(now_ms);
                self.pump(now_ms);
            }
            Event::Command(_) | Event::Written(_) => {}
        }
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }
}
