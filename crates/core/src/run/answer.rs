//! Reading an answer into the run: the login's, a probe's and a create's, with re-login,
//! retries and backoff, learned rate limits, and the streaks that pause or stop a run.

use super::*;

/// Faults, 429s and systemic refusals in a row.
#[derive(Debug, Default)]
pub(super) struct Streaks {
    /// Transient faults with no answer in between that proves the server works.
    pub(super) fault_streak: u32,
    /// 429s in a row with no request let through.
    pub(super) rate_limit_streak: u32,
    /// The 429s in a row that were each sent after the one before was answered: the
    /// exponent of the throttle backoff and the pacer's slow-downs. A 429 for a request
    /// already in flight when the previous 429 came says nothing new (the same burst).
    pub(super) throttle_level: u32,
    /// When the last 429 was answered.
    pub(super) last_rate_limited_ms: Option<u64>,
    pub(super) systemic_streak: u32,
    /// The current run of systemic refusals: the field, and the last message.
    pub(super) systemic_field: Option<Field>,
}

/// A conflict's look-up waiting for the pacer: its request as built when queued, with
/// the session it was built with and the create's answer to build it again.
pub(super) struct QueuedLookup {
    pub(super) row: usize,
    generation: u32,
    request: HttpRequest,
    create: Exchange,
    /// The server refused it as too many (HTTP 429): it waits while the run is paused,
    /// as the creates do.
    refused: bool,
}

impl Run {
    /// Hands back the answer to a [`Command::Login`]. A login that got no answer or a
    /// server error is tried again with backoff, one at a time, up to
    /// [`MAX_LOGIN_ATTEMPTS`]; a refusal ends the run at once.
    pub fn on_login(&mut self, exchange: &Exchange, now_ms: u64) {
        self.tell_time(now_ms);
        self.login.login_in_flight = false;
        match self.target.read_login(exchange) {
            Ok(session) => {
                self.login.generation += 1;
                self.login.session = Some((self.login.generation, session));
                self.login.fruitless_logins += 1;
                self.login.login_attempts = 0;
                self.login.logged_in_once = true;
                // A token from the login proves the server is the target's API.
                self.api_proven = true;
                if self.login.fruitless_logins > MAX_FRUITLESS_LOGINS {
                    self.stop(
                        Stop::new(
                            StopKind::CredentialsRefused,
                            None,
                            "Stopped: the server keeps rejecting fresh logins' tokens.",
                        ),
                        now_ms,
                    );
                }
            }
            Err(e) if e.transient && self.login.login_attempts + 1 < MAX_LOGIN_ATTEMPTS => {
                self.login.login_attempts += 1;
                let delay = self
                    .config
                    .backoff
                    .delay(self.login.login_attempts, self.jitter.as_mut())
                    .max(self.config.backoff.base_ms / 2);
                self.login.login_not_before = now_ms + delay;
            }
            Err(e) => {
                let attempts = self.login.login_attempts + 1;
                let mut stop = Stop::from(e);
                if attempts > 1 {
                    stop.message = format!("{} ({attempts} attempts)", stop.message);
                }
                if self.login.logged_in_once {
                    stop.message = format!("Stopped: logging in again failed. {}", stop.message);
                    self.stop(stop, now_ms);
                } else {
                    let reason = format!("Not sent: {}", stop.message);
                    self.release_waiting();
                    for row in std::mem::take(&mut self.queue) {
                        self.finish_row(row, Status::Skipped, None, reason.clone(), now_ms);
                    }
                    self.phase = Phase::LoginFailed(stop);
                    self.ended_ms = Some(now_ms);
                }
            }
        }
        self.settle(now_ms);
    }

    /// Hands back the answer to a [`Command::Create`] for `row`.
    pub fn on_create(&mut self, row: usize, exchange: &Exchange, now_ms: u64) {
        self.create_answered(row, exchange, None, now_ms);
    }

    /// Whether `exchange` (the answer to `row`'s create, not handed back yet) is a
    /// conflict whose rule names a look-up of the other account. If so the look-up is
    /// queued: [`Run::next_command`] gives it as a [`Command::Lookup`] when the pacer
    /// lets it go, like any other request. The row stays in flight, its identities held,
    /// until [`Run::on_create_looked_up`] hands both answers back.
    pub fn lookup_for(&mut self, row: usize, exchange: &Exchange, now_ms: u64) -> bool {
        self.tell_time(now_ms);
        if !self.in_flight.iter().any(|(r, _)| *r == row)
            || self.lookups.iter().any(|l| l.row == row)
            || self.lookups_sent.iter().any(|l| l.row == row)
        {
            return false;
        }
        let Some(user) = (self.users)(row) else {
            return false;
        };
        let Some((generation, session)) = self.login.session.as_ref() else {
            return false;
        };
        match self.target.conflict_lookup(session, &user, exchange) {
            Some(request) => {
                self.lookups.push_back(QueuedLookup {
                    row,
                    generation: *generation,
                    request,
                    create: exchange.clone(),
                    refused: false,
                });
                true
            }
            None => false,
        }
    }

    /// Sends the queued look-up: its request, built again with the session of now when
    /// the run logged in again while it waited (its token would be the old one's); as
    /// built when there is no session now (a run that no longer sends, see
    /// `next_command`). It is kept until its answer comes, to be sent again after a 429.
    pub(super) fn send_lookup(&mut self, mut lookup: QueuedLookup, now_ms: u64) -> HttpRequest {
        if let Some((generation, session)) = self.login.session.as_ref() {
            if *generation != lookup.generation {
                let again = (self.users)(lookup.row)
                    .and_then(|user| self.target.conflict_lookup(session, &user, &lookup.create));
                if let Some(request) = again {
                    lookup.request = request;
                    lookup.generation = *generation;
                }
            }
        }
        self.sent_at[lookup.row] = now_ms;
        let request = lookup.request.clone();
        self.lookups_sent.push(lookup);
        request
    }

    /// Whether a queued look-up may go (once the pacer lets it): one the server refused
    /// as too many waits while the run is paused, and every look-up waits while the run
    /// paused by itself (429s or faults in a row), as the creates do; the admin's Resume
    /// or Cancel lets them go.
    pub(super) fn lookup_free(&self, lookup: &QueuedLookup) -> bool {
        self.phase != Phase::Paused || !(lookup.refused || self.hold.is_some())
    }

    /// Hands back the answer to `row`'s create together with the answer to the look-up
    /// [`Run::lookup_for`] gave for it: the conflict's message names the other account,
    /// or says that it could not be named. Either way the row ends a conflict, and this
    /// returns `true`. A look-up refused as too many (HTTP 429) is handled as a create's
    /// 429 is (the streak, the wait, the pacer, the pause) and queued again: the row
    /// stays in flight and this returns `false` (hand both answers back again when the
    /// look-up sent again is answered). Once the run has stopped, a 429 is not waited
    /// out: the conflict stands, unnamed, and says why.
    pub fn on_create_looked_up(
        &mut self,
        row: usize,
        create: &Exchange,
        lookup: &Exchange,
        now_ms: u64,
    ) -> bool {
        let sent = self.lookups_sent.iter().position(|l| l.row == row);
        let sent = sent.map(|i| self.lookups_sent.swap_remove(i));
        if let (Some(mut queued), Exchange::Answered(response)) = (sent, lookup) {
            let in_flight = self.in_flight.iter().any(|(r, _)| *r == row);
            if response.status == 429 && in_flight && !self.is_stopped() {
                self.tell_time(now_ms);
                if let Some(limit) = self.target.stated_rate_limit(lookup) {
                    self.learn_limit(limit, now_ms);
                }
                queued.refused = true;
                self.lookups.push_front(queued);
                self.rows[row].code = Some(429);
                self.rows[row].message =
                    "Conflict: its look-up was rate limited (HTTP 429): asking again.".into();
                self.changed.push(row);
                let retry_after = crate::targets::mumara::retry_after(response);
                self.on_rate_limited(self.sent_at[row], retry_after, now_ms);
                self.settle(now_ms);
                return false;
            }
        }
        self.create_answered(row, create, Some(lookup), now_ms);
        true
    }

    fn create_answered(
        &mut self,
        row: usize,
        exchange: &Exchange,
        lookup: Option<&Exchange>,
        now_ms: u64,
    ) {
        let Some(generation) = self.take_answer(row, exchange, now_ms) else {
            return;
        };
        self.release(row);
        let mut outcome = match (self.users)(row) {
            Some(user) => self.target.read_create_for(exchange, &user),
            None => self.target.read_create(exchange),
        };
        if let (Outcome::Conflict { message, .. }, Some(lookup)) = (&mut outcome, lookup) {
            let named = match self.target.read_lookup(exchange, lookup) {
                Ok(name) => format!("The other account is \"{name}\""),
                Err(why) => format!("The other account could not be named ({why})"),
            };
            *message = format!("{}. {named}", message.trim_end_matches('.'));
        }
        self.apply(row, generation, outcome, false, now_ms);
    }

    /// Takes the answer to `row`'s request in flight: the request leaves the in-flight
    /// list and the server's stated rate limit is learned. `None` for an answer to a
    /// request no longer in flight (a stale one), which changes nothing.
    pub(super) fn take_answer(
        &mut self,
        row: usize,
        exchange: &Exchange,
        now_ms: u64,
    ) -> Option<u32> {
        self.tell_time(now_ms);
        let pos = self.in_flight.iter().position(|(r, _)| *r == row)?;
        let (_, generation) = self.in_flight.swap_remove(pos);
        self.first_answer_seen = true;
        self.changed.push(row);
        if let Some(limit) = self.target.stated_rate_limit(exchange) {
            self.learn_limit(limit, now_ms);
        }
        Some(generation)
    }

    /// Hands back the answer to a [`Command::Probe`] for `row`: absent sends the create
    /// next; exists ends the row `exists` without ever sending the create; anything else
    /// is handled like a create's answer (retries, pacing, re-login, stops), except that
    /// a probe creates nothing, so its faults are never ambiguous.
    pub fn on_probe(&mut self, row: usize, exchange: &Exchange, now_ms: u64) {
        // The probe's row keeps its identities held: its create comes next.
        let Some(generation) = self.take_answer(row, exchange, now_ms) else {
            return;
        };
        let answer = if self.finding() {
            match (self.users)(row) {
                Some(user) => self.target.read_find_for(exchange, &user),
                None => self.target.read_find(exchange),
            }
        } else {
            self.target.read_probe(exchange)
        };
        let outcome = match answer {
            ProbeAnswer::Absent => {
                self.api_proven = true;
                self.streaks.fault_streak = 0;
                self.streaks.rate_limit_streak = 0;
                self.streaks.throttle_level = 0;
                self.login.fruitless_logins = 0;
                self.on_success(now_ms);
                if self.updates.survey {
                    self.release(row);
                    let message = "Not on the server: the run would create it.";
                    self.finish_row(row, Status::Skipped, None, message.into(), now_ms);
                    self.settle(now_ms);
                    return;
                }
                self.holds.absent_known[row] = true;
                self.ready_at[row] = now_ms;
                self.requeue(row, true, "Not on the server: creating it.".into(), now_ms);
                self.settle(now_ms);
                return;
            }
            ProbeAnswer::Exists {
                code,
                message,
                emails,
            } => match self.exists_or_conflict(row, code, message, &emails) {
                Outcome::Exists { code, .. } if self.on_found(row, code, exchange, now_ms) => {
                    return
                }
                Outcome::Exists { code, .. } if self.unconfirmed() => Outcome::Conflict {
                    code,
                    message: "the account is on the server, but it was not in the preview the admin confirmed (it appeared after the preview): not updated".into(),
                },
                other => other,
            },
            ProbeAnswer::Other(outcome) => unambiguous(outcome),
        };
        // The row's identity stays held while its create is next (absent, above).
        self.release(row);
        self.apply(row, generation, outcome, true, now_ms);
    }

    /// What a probe that found the row's account means: `exists`, unless the answer
    /// lists the account's addresses and the row's is not among them (the user name is
    /// another person's: a conflict naming both addresses).
    pub(super) fn exists_or_conflict(
        &self,
        row: usize,
        code: Option<i64>,
        message: String,
        emails: &[String],
    ) -> Outcome {
        let Some(user) = (self.users)(row) else {
            return Outcome::Exists { code, message };
        };
        let addresses: Vec<&str> = emails
            .iter()
            .map(String::as_str)
            .filter(|e| e.contains('@'))
            .collect();
        if addresses.is_empty()
            || addresses
                .iter()
                .any(|e| crate::input::plan::same_address(e, user.email.trim()))
        {
            return Outcome::Exists { code, message };
        }
        Outcome::Conflict {
            code,
            message: format!(
                "the exists check found an account with this user name, but its e-mail is {}, not {}: another person's account, not sent",
                addresses.join(", "),
                user.email
            ),
        }
    }

    /// The row's identities in words, for a conflict's message.
    pub(super) fn identity_words(&self, row: usize) -> String {
        match (self.users)(row) {
            Some(user) => match user.username.as_deref() {
                Some(name) => format!("This row: user name \"{name}\", e-mail {}", user.email),
                None => format!("This row: e-mail {}", user.email),
            },
            None => "This row could not be read again".into(),
        }
    }

    /// What one answer (a create's, or a probe's) does to its row and to the run.
    pub(super) fn apply(
        &mut self,
        row: usize,
        generation: u32,
        mut outcome: Outcome,
        probe: bool,
        now_ms: u64,
    ) {
        if probe {
            if let Outcome::Created { .. } = outcome {
                outcome = Outcome::Unreadable {
                    code: None,
                    message:
                        "The exists check's answer reads as a creation, which a check cannot be."
                            .into(),
                };
            }
        }
        if let Outcome::Unreadable { code, message } = outcome {
            // Before any answer showed that this is the API, HTML where JSON belongs is a
            // wrong Server URL; after that, one odd answer like a 5xx. A probe's creates
            // nothing, so it is never ambiguous.
            outcome = if self.api_proven {
                Outcome::Transient {
                    code,
                    message,
                    ambiguous: !probe,
                }
            } else {
                Outcome::Fatal {
                    kind: StopKind::NotTheApi,
                    code,
                    message: format!("Stopped: {message}"),
                    ambiguous: !probe,
                }
            };
        }
        if !matches!(outcome, Outcome::RateLimited { .. }) {
            self.streaks.rate_limit_streak = 0;
            self.streaks.throttle_level = 0;
        }
        if !matches!(outcome, Outcome::Transient { .. }) {
            self.api_proven = true;
            self.streaks.fault_streak = 0;
        }
        match outcome {
            Outcome::Created { target_id } => {
                self.login.fruitless_logins = 0;
                self.streaks.systemic_field = None;
                self.streaks.systemic_streak = 0;
                self.on_success(now_ms);
                if self.updates.in_flight[row] {
                    self.rows[row].target_id = target_id;
                    let message = self.updated_message(row);
                    self.finish_row(row, Status::Updated, None, message, now_ms);
                } else {
                    let state = &mut self.rows[row];
                    state.target_id = target_id;
                    let message = if state.answer_lost {
                        "Created on retry after an earlier answer was lost.".into()
                    } else {
                        String::new()
                    };
                    self.finish_row(row, Status::Created, None, message, now_ms);
                    self.queue_steps(row, now_ms);
                }
            }
            Outcome::Exists { code, message } => {
                self.login.fruitless_logins = 0;
                self.streaks.systemic_field = None;
                self.streaks.systemic_streak = 0;
                self.on_success(now_ms);
                let message = if self.rows[row].answer_lost {
                    format!("{message}. An earlier attempt's answer was lost, so Roster most likely created this account.")
                } else {
                    message
                };
                let stops = self.stops_at(row);
                self.finish_row(row, Status::Exists, code, message, now_ms);
                if stops {
                    self.stop_at_existing(row, code, now_ms);
                }
            }
            Outcome::Conflict { code, message } => {
                self.login.fruitless_logins = 0;
                self.streaks.systemic_field = None;
                self.streaks.systemic_streak = 0;
                self.on_success(now_ms);
                let message = format!(
                    "Conflict: {}. {}. Not counted as done: check that account on the server before sending this row again.",
                    message.trim_end_matches('.'),
                    self.identity_words(row)
                );
                self.finish_after_refusal(row, Status::Rejected, code, message, now_ms);
            }
            Outcome::Rejected {
                code,
                message,
                field,
            } => {
                self.login.fruitless_logins = 0;
                self.on_success(now_ms);
                self.finish_after_refusal(row, Status::Rejected, code, message.clone(), now_ms);
                self.count_systemic(row, field, code, &message, now_ms);
            }
            Outcome::Transient {
                code,
                message,
                ambiguous,
            } => {
                self.streaks.fault_streak += 1;
                let stopped = self.is_stopped();
                let state = &mut self.rows[row];
                state.answer_lost |= ambiguous;
                let attempts = state.attempts;
                if attempts < self.config.max_attempts && !stopped {
                    let delay = self.config.backoff.delay(attempts, self.jitter.as_mut());
                    self.ready_at[row] = now_ms + delay;
                    self.rows[row].code = code;
                    self.requeue(row, false, format!("Retrying: {message}"), now_ms);
                } else {
                    // The server may have acted on a lost or broken answer: never `failed`.
                    let status = if state.answer_lost {
                        Status::Unknown
                    } else {
                        Status::Failed
                    };
                    let message = format!("{message} (after {attempts} attempts)");
                    self.finish_row(row, status, code, message, now_ms);
                }
                if self.streaks.fault_streak >= MAX_FAULT_STREAK {
                    self.hold_run(now_ms, format!(
                        "Paused: the last {MAX_FAULT_STREAK} answers were all faults ({}). The server may be overloaded or failing. Rows are kept; press Resume to go on, or Cancel.",
                        trim_message(&message)
                    ));
                }
            }
            Outcome::Unreadable { .. } => unreachable!("turned into Transient or Fatal above"),
            Outcome::Reauth { code, message } => {
                if self
                    .login
                    .session
                    .as_ref()
                    .is_some_and(|(g, _)| *g == generation)
                {
                    self.login.session = None;
                }
                self.rows[row].attempts -= 1;
                self.rows[row].code = code;
                self.requeue(row, true, format!("Logging in again: {message}"), now_ms);
            }
            Outcome::RateLimited {
                retry_after,
                message,
            } => {
                let sent_ms = self.sent_at[row];
                self.rows[row].attempts -= 1;
                self.rows[row].code = Some(429);
                self.requeue(row, true, message, now_ms);
                self.on_rate_limited(sent_ms, retry_after, now_ms);
            }
            Outcome::Fatal {
                kind,
                code,
                message,
                ambiguous,
            } => {
                self.rows[row].answer_lost |= ambiguous;
                self.finish_after_refusal(row, Status::Failed, code, message.clone(), now_ms);
                self.stop(Stop::new(kind, code, message), now_ms);
            }
        }
        self.settle(now_ms);
    }

    /// How long a `Retry-After` asks to wait from `now_ms`: a delay as given, a date
    /// counted from the run's own clock and the wall clock at its start (`None` without
    /// one, or without the header).
    pub(super) fn retry_after_wait(
        &self,
        retry_after: Option<RetryAfter>,
        now_ms: u64,
    ) -> Option<u64> {
        match retry_after {
            Some(RetryAfter::Delay(ms)) => Some(ms),
            Some(RetryAfter::At(unix_ms)) => self
                .wall_at_start_ms
                .map(|wall| unix_ms.saturating_sub(wall + (now_ms - self.started_ms))),
            None => None,
        }
    }

    /// A 429 to a request sent at `sent_ms` (a create's, a probe's, an update's or a
    /// conflict's look-up): it counts towards the 429 streak, the next request waits (the
    /// server's Retry-After, else the throttle backoff), the pacer slows, and the run
    /// pauses past [`MAX_RATE_LIMIT_STREAK`] or a Retry-After longer than Roster waits.
    /// The refused request itself is put back by the caller.
    pub(super) fn on_rate_limited(
        &mut self,
        sent_ms: u64,
        retry_after: Option<RetryAfter>,
        now_ms: u64,
    ) {
        self.rate_limited += 1;
        self.streaks.rate_limit_streak += 1;
        // Sent after the previous 429 was answered: a new refusal, not the rest
        // of the same burst.
        let fresh = self
            .streaks
            .last_rate_limited_ms
            .is_none_or(|last| sent_ms >= last);
        self.streaks.last_rate_limited_ms = Some(now_ms);
        if fresh {
            self.streaks.throttle_level += 1;
        }
        let wait = self.retry_after_wait(retry_after, now_ms);
        // Against a limit the server states (Laravel's throttle), the wait is
        // counted down in whole seconds from the window's timer, while the
        // window may end up to a second later (see `STATED_WAIT_MARGIN_MS`); a
        // 0 then means "at the next second", not "no wait".
        let stated = self.server_limit.is_some();
        let wait = if stated {
            wait.map(|w| w + STATED_WAIT_MARGIN_MS)
        } else {
            wait
        };
        // A date in the past (clocks apart) or none at all: back off the way
        // the throttling guidance says (see `pace::ThrottleBackoff`).
        let asked = wait.filter(|&w| w > 0);
        let too_long = asked.filter(|&w| w > RETRY_AFTER_CEILING_MS);
        if too_long.is_none() {
            let wait = asked.unwrap_or_else(|| {
                self.config
                    .throttle
                    .delay(self.streaks.throttle_level.max(1), self.jitter.as_mut())
            });
            self.not_before = self.not_before.max(now_ms + wait);
        }
        if let (Some(limit), Some(_)) = (self.server_limit.filter(|_| stated), asked) {
            // The pace already held the stated limit: this 429 says the window's
            // budget went elsewhere (another client, an earlier run), not that
            // the pace is too fast, and its Retry-After says where the server's
            // window ends. From then on, each window's budget goes at once (a
            // halved or spread pace would make the run longer than rows /
            // limit; see `stated_window`). A rate the admin typed below the
            // limit stays the pace.
            let typed_below = self.config.rate_per_min.is_some_and(|r| r < limit);
            if typed_below {
                if let Some(pacer) = &mut self.pacer {
                    pacer.hold(now_ms);
                }
            } else {
                self.pacer = None;
                self.window = Some(stated_window(limit));
            }
        } else if fresh {
            let observed = self.observed_rate_per_min(now_ms);
            self.pacer
                .get_or_insert_with(|| Pacer::new(observed.max(2), 1, now_ms))
                .on_rate_limited(now_ms);
        } else if let Some(pacer) = &mut self.pacer {
            // The same burst: the pace was halved already.
            pacer.hold(now_ms);
        }
        if let Some(wait) = too_long {
            // Not waited out by itself: the admin decides when to go on.
            self.hold_run(now_ms, format!(
                "Paused: the server refused a request as too many (HTTP 429) and asked to wait {} (Retry-After) before sending again, longer than the {} Roster waits by itself. Rows are kept; press Resume to send again when you choose (the server may refuse until then), or Cancel.",
                duration_words(wait),
                duration_words(RETRY_AFTER_CEILING_MS)
            ));
        } else if self.streaks.rate_limit_streak >= MAX_RATE_LIMIT_STREAK {
            let limit = self.server_limit.map_or_else(
                || "The server did not state its limit.".to_owned(),
                |l| {
                    format!(
                        "The server states a limit of {l} requests per minute (X-RateLimit-Limit)."
                    )
                },
            );
            self.hold_run(now_ms, format!(
                "Paused: the server refused {MAX_RATE_LIMIT_STREAK} requests in a row as too many (HTTP 429) without letting one through. {limit} Another client may be using the same key. Lower Requests per minute, then press Resume."
            ));
        }
    }

    /// Counts a refusal towards a systemic stop: only refusals of the same field, each on
    /// a row that took that field from the run's defaults (a row with its own value says
    /// nothing about the rows after it, and neither adds to nor breaks the streak).
    pub(super) fn count_systemic(
        &mut self,
        row: usize,
        field: Option<Field>,
        code: Option<i64>,
        message: &str,
        now_ms: u64,
    ) {
        let Some(field) = field else {
            self.streaks.systemic_field = None;
            self.streaks.systemic_streak = 0;
            return;
        };
        let from_default = (self.users)(row).is_some_and(|u| uses_default(&u, field));
        if !from_default {
            return;
        }
        if self.streaks.systemic_field != Some(field) {
            self.streaks.systemic_field = Some(field);
            self.streaks.systemic_streak = 0;
        }
        self.streaks.systemic_streak += 1;
        if self.streaks.systemic_streak >= MAX_SYSTEMIC_STREAK {
            self.stop(
                Stop::new(
                    StopKind::Systemic,
                    code,
                    format!(
                        "Stopped: {MAX_SYSTEMIC_STREAK} rows in a row that take {} from the run's defaults were refused the same way, so every such row would be too: {message}. Check the default, then send the rows again.",
                        field.label()
                    ),
                ),
                now_ms,
            );
        }
    }

    /// Paces the run to the limit the server states, unless the user asked for less.
    pub(super) fn learn_limit(&mut self, limit: u32, now_ms: u64) {
        if self.server_limit == Some(limit) {
            return;
        }
        self.server_limit = Some(limit);
        if self.window.is_some() {
            // Sending each window's budget at once already: a new budget.
            self.window = Some(stated_window(limit));
            return;
        }
        let per_min = (u64::from(limit) * MINUTE_MS / LEARNED_WINDOW_MS).max(1) as u32;
        let per_min = self.config.rate_per_min.map_or(per_min, |r| r.min(per_min));
        match &mut self.pacer {
            Some(pacer) => pacer.set_limit(per_min, now_ms),
            None => self.pacer = Some(Pacer::new(per_min, 1, now_ms)),
        }
    }

    pub(super) fn on_success(&mut self, now_ms: u64) {
        if let Some(pacer) = &mut self.pacer {
            pacer.on_success(now_ms);
        }
    }
}

/// A probe's answer with its ambiguity cleared: a probe creates nothing.
pub(super) fn unambiguous(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Transient { code, message, .. } => Outcome::Transient {
            code,
            message,
            ambiguous: false,
        },
        Outcome::Fatal {
            kind,
            code,
            message,
            ..
        } => Outcome::Fatal {
            kind,
            code,
            message,
            ambiguous: false,
        },
        other => other,
    }
}

/// Our window against a limit the server states per minute: the limit, sent in the
/// first 58 s of a 62 s window (see [`FixedWindow`]).
pub(super) fn stated_window(limit: u32) -> FixedWindow {
    FixedWindow::new(limit, MINUTE_MS - 2_000, LEARNED_WINDOW_MS)
}

/// A wait in words, rounded up to a whole unit: "45 seconds", "20 minutes", "2 hours
/// 5 minutes".
pub(super) fn duration_words(ms: u64) -> String {
    let seconds = ms.div_ceil(1_000);
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if seconds < 120 {
        return plural(seconds, "second");
    }
    let minutes = seconds.div_ceil(60);
    if minutes < 120 {
        return plural(minutes, "minute");
    }
    let (hours, rest) = (minutes / 60, minutes % 60);
    if rest == 0 {
        plural(hours, "hour")
    } else {
        format!("{} {}", plural(hours, "hour"), plural(rest, "minute"))
    }
}

/// A message cut to its first sentence-ish part, for a banner that quotes it.
pub(super) fn trim_message(message: &str) -> String {
    let cut: String = message.chars().take(120).collect();
    if cut.len() < message.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Whether a row left `field` to the run's defaults (it has no value of its own).
pub(super) fn uses_default(user: &UserRow, field: Field) -> bool {
    match field {
        Field::PackageId => user.package_id.is_none(),
        Field::Timezone => user.timezone.is_none(),
        Field::Role => user.role.is_none(),
        Field::QuotaMb => user.quota_mb.is_none(),
        Field::TenantId => user.tenant_id.is_none(),
        Field::LoginIps => user.login_ips.is_none(),
        _ => false,
    }
}
