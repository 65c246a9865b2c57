//! What to send next and when: the login, the concurrency bound, the pacer and the
//! server's windows, and the identity holds (no two requests for one account in flight).

use super::*;

/// The login and the session it gave.
#[derive(Debug, Default)]
pub(super) struct Login {
    pub(super) session: Option<(u32, Session)>,
    /// Bumped at each login, so that one invalid session triggers one re-login.
    pub(super) generation: u32,
    pub(super) login_in_flight: bool,
    pub(super) fruitless_logins: u32,
    pub(super) logged_in_once: bool,
    /// Failed attempts of the login under way, and when it may be tried again.
    pub(super) login_attempts: u32,
    pub(super) login_not_before: u64,
}

/// The identity holds.
#[derive(Debug, Default)]
pub(super) struct Holds {
    /// The identities (address, user name) of the rows in flight, and of rows whose
    /// probe said absent and whose create is next: no other row with an equal one is
    /// sent meanwhile (two creates of one account, or a create racing its own probe).
    pub(super) held: Vec<(usize, IdKeys)>,
    /// Rows taken off the queue because a row with an equal identity was held: they go
    /// back to the queue's front when a held row's answer comes.
    pub(super) waiting: Vec<usize>,
    /// Rows whose exists probe just said absent: their next send is the create itself.
    /// Cleared when the create goes, so every attempt is probed again (an earlier
    /// attempt's lost answer may have created the account).
    pub(super) absent_known: Vec<bool>,
}

impl Run {
    /// The next request to perform at `now_ms`, if one may start now.
    pub fn next_command(&mut self, now_ms: u64) -> Option<Command> {
        self.tell_time(now_ms);
        if self.in_flight.is_empty() && !self.holds.waiting.is_empty() {
            self.release_waiting();
        }
        // A conflict's look-up finishes a row in flight: it goes whatever the phase (a
        // paused or stopped run's requests in flight finish), when the pacer allows.
        if self.lookup_may_go() {
            if self.paced_at(now_ms) > now_ms {
                return None;
            }
            let pos = self.lookups.iter().position(|l| self.lookup_free(l))?;
            let lookup = self.lookups.remove(pos)?;
            let row = lookup.row;
            let request = self.send_lookup(lookup, now_ms);
            self.take_pace(now_ms);
            return Some(Command::Lookup { row, request });
        }
        if self.phase != Phase::Running
            || self.login.login_in_flight
            || (self.queue.is_empty() && self.step_queue.is_empty() && self.lookups.is_empty())
        {
            return None;
        }
        if self.login.session.is_none() {
            if now_ms < self.login.login_not_before {
                return None;
            }
            return match self.target.login(&self.secrets) {
                LoginStep::Request(request) => {
                    self.login.login_in_flight = true;
                    self.count_request(now_ms);
                    Some(Command::Login(request))
                }
                LoginStep::Ready(session) => {
                    self.login.generation += 1;
                    self.login.session = Some((self.login.generation, session));
                    self.next_command(now_ms)
                }
            };
        }
        let limit = if self.first_answer_seen {
            self.config.concurrency
        } else {
            1
        };
        if self.in_flight.len() + self.steps_in_flight.len() >= limit || now_ms < self.not_before {
            return None;
        }
        if let Some(pacer) = &mut self.pacer {
            if pacer.ready_at(now_ms) > now_ms {
                return None;
            }
        }
        if self
            .window
            .as_ref()
            .is_some_and(|w| w.ready_at(now_ms) > now_ms)
        {
            return None;
        }
        // A created account's steps go before the next create.
        if let Some(step) = self.next_step(now_ms) {
            return Some(step);
        }
        let (row, user) = loop {
            let pos = self
                .queue
                .iter()
                .position(|&r| self.ready_at[r] <= now_ms)?;
            let row = self.queue.remove(pos).expect("position is in range");
            match (self.users)(row) {
                Some(user) => {
                    let keys = identity_keys(&user);
                    if self
                        .holds
                        .held
                        .iter()
                        .any(|(r, k)| *r != row && shares_identity(k, &keys))
                    {
                        // Another row for this account is on its way: this one waits
                        // for its answer.
                        self.holds.waiting.push(row);
                        let state = &mut self.rows[row];
                        if !state.message.starts_with(WAITING) {
                            state.message = WAITING.into();
                            self.changed.push(row);
                        }
                        continue;
                    }
                    self.holds.held.retain(|(r, _)| *r != row);
                    self.holds.held.push((row, keys));
                    break (row, user);
                }
                None => {
                    self.release(row);
                    self.finish_row(row, Status::Invalid, None, NO_USER.into(), now_ms);
                    self.settle(now_ms);
                }
            }
        };
        let Some((generation, session)) = &self.login.session else {
            unreachable!("logged in above");
        };
        let update_next = std::mem::take(&mut self.updates.next[row]);
        let after_probe = std::mem::take(&mut self.holds.absent_known[row]) || update_next;
        let probe = if after_probe {
            None
        } else if self.finding() {
            self.target.find_probe(session, &user)
        } else {
            self.target.exists_probe(session, &user)
        };
        if self.updates.survey && probe.is_none() {
            // A survey sends nothing but probes.
            self.release(row);
            let message = "Not looked up: this target cannot say whether an account exists.";
            self.finish_row(row, Status::Skipped, None, message.into(), now_ms);
            self.settle(now_ms);
            return self.next_command(now_ms);
        }
        let update = if update_next {
            let found = self.updates.found[row].take();
            let request = found.and_then(|found| {
                self.target
                    .update(session, &user, &found, self.updates.on.passwords)
            });
            if request.is_none() {
                self.release(row);
                let message = "Not updated: the exists check's answer does not give what the update needs (the account's id). Nothing was sent.";
                self.finish_row(row, Status::Failed, None, message.into(), now_ms);
                self.settle(now_ms);
                return self.next_command(now_ms);
            }
            request
        } else {
            None
        };
        let request = match (&probe, update) {
            (Some(request), _) => request.clone(),
            (None, Some(request)) => request,
            (None, None) => self.target.create(session, &user),
        };
        self.updates.in_flight[row] = update_next;
        self.updates.tried[row] |= update_next;
        self.in_flight.push((row, *generation));
        self.sent_at[row] = now_ms;
        self.take_pace(now_ms);
        self.set_status(row, Status::Sending);
        let state = &mut self.rows[row];
        // A probe and the create it lets through are one attempt.
        if !after_probe {
            state.attempts += 1;
        }
        state.first_sent_ms.get_or_insert(now_ms);
        self.changed.push(row);
        if probe.is_some() {
            return Some(Command::Probe { row, request });
        }
        if update_next {
            return Some(Command::Update { row, request });
        }
        Some(Command::Create { row, request })
    }

    /// When a command may next be ready, if the run is waiting on time alone (the pacer,
    /// a Retry-After, or a row's backoff). `None` when waiting on answers or on the user.
    pub fn next_wake(&mut self, now_ms: u64) -> Option<u64> {
        self.tell_time(now_ms);
        if self.lookup_may_go() {
            // A look-up goes before anything else (see `next_command`).
            return Some(self.paced_at(now_ms));
        }
        if self.phase != Phase::Running
            || self.login.login_in_flight
            || (self.queue.is_empty() && self.step_queue.is_empty() && self.lookups.is_empty())
        {
            return None;
        }
        if self.login.session.is_none() {
            return Some(self.login.login_not_before.max(now_ms));
        }
        let limit = if self.first_answer_seen {
            self.config.concurrency
        } else {
            1
        };
        if self.in_flight.len() + self.steps_in_flight.len() >= limit {
            return None;
        }
        let row_ready = self
            .queue
            .iter()
            .map(|&r| self.ready_at[r])
            .chain(self.step_queue.iter().map(|s| s.ready_at))
            .min()?;
        Some(row_ready.max(self.paced_at(now_ms)))
    }

    /// Whether a conflict's look-up waits that may go once the pacer lets it. While a
    /// sending run logs in again (an answer found its session expired), look-ups wait for
    /// the new session, and their requests are built again with it; a run that no longer
    /// sends does not log in again, so its look-ups go as they are.
    fn lookup_may_go(&self) -> bool {
        let waits_for_login = self.login.session.is_none() && self.phase == Phase::Running;
        !waits_for_login && self.lookups.iter().any(|l| self.lookup_free(l))
    }

    /// When the pacer, the server's window and a Retry-After let the next request go.
    fn paced_at(&mut self, now_ms: u64) -> u64 {
        let paced = self.pacer.as_mut().map_or(now_ms, |p| p.ready_at(now_ms));
        let windowed = self.window.as_ref().map_or(now_ms, |w| w.ready_at(now_ms));
        paced.max(windowed).max(self.not_before).max(now_ms)
    }

    /// Counts a request sent now against the pacer, the window and the run's rate.
    pub(super) fn take_pace(&mut self, now_ms: u64) {
        if let Some(pacer) = &mut self.pacer {
            pacer.take(now_ms);
        }
        if let Some(window) = &mut self.window {
            window.take(now_ms);
        }
        self.count_request(now_ms);
    }

    pub(super) fn count_request(&mut self, now_ms: u64) {
        self.note_send(now_ms);
        self.requests += 1;
        self.recent_sends.push_back(now_ms);
        while self
            .recent_sends
            .front()
            .is_some_and(|&t| t + MINUTE_MS < now_ms)
        {
            self.recent_sends.pop_front();
        }
    }

    /// The rate the run was sending at, in requests per minute, over the last minute or
    /// since its first send in it: a run whose first seconds met a 429 was sending much
    /// faster than the handful of requests it has sent so far.
    pub(super) fn observed_rate_per_min(&self, now_ms: u64) -> u32 {
        let from = now_ms.saturating_sub(MINUTE_MS);
        let mut recent = self.recent_sends.iter().filter(|&&t| t >= from);
        let Some(&first) = recent.next() else {
            return 0;
        };
        let count = 1 + recent.count() as u64;
        let span = now_ms.saturating_sub(first).clamp(1_000, MINUTE_MS);
        (count * MINUTE_MS / span) as u32
    }

    /// Lets go of row `i`'s identity, and puts the rows that waited on a held identity
    /// back on the queue (each is checked again when its turn comes).
    pub(super) fn release(&mut self, row: usize) {
        self.holds.held.retain(|(r, _)| *r != row);
        self.release_waiting();
    }

    /// Puts every waiting row back at the queue's front, in input order.
    pub(super) fn release_waiting(&mut self) {
        let mut waiting = std::mem::take(&mut self.holds.waiting);
        waiting.sort_unstable();
        for row in waiting.into_iter().rev() {
            self.queue.push_front(row);
        }
    }
}

/// A row's identities as the run compares them: its address and its user name, each
/// lowered and hashed (`None` when the row has none). A run holds both whatever the
/// target declares (see [`crate::targets::Kind::identities`]): waiting on an equal
/// address or user name costs nothing when rows are distinct, which the plan sees to.
pub(super) type IdKeys = [Option<u64>; 2];

pub(super) fn identity_keys(user: &UserRow) -> IdKeys {
    let key = |text: &str, salt: u64| {
        let text = text.trim();
        (!text.is_empty()).then(|| {
            let lower = text.to_lowercase();
            crate::input::plan::hash_lower_words(lower.as_bytes()) ^ salt
        })
    };
    [
        key(&user.email, 0),
        user.username
            .as_deref()
            .and_then(|u| key(u, 0x9E37_79B9_7F4A_7C15)),
    ]
}

/// Whether two rows share an address or a user name (by hash: a collision only makes
/// a row wait).
pub(super) fn shares_identity(a: &IdKeys, b: &IdKeys) -> bool {
    (a[0].is_some() && a[0] == b[0]) || (a[1].is_some() && a[1] == b[1])
}
