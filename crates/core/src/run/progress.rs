//! The figures the page shows while a run goes: how many of the rows to send are done and
//! how they ended, the rate, the time elapsed and the time left (issue 13).
//!
//! Only the rows the run sends count: invalid and excluded rows, and rows carried over
//! from an earlier run, are final from the start and never sent, so they are not "done".
//! Time is counted on the run's active clock: a pause stops it, so the elapsed time, the
//! rate and the time left stay as they were while the run is paused.

use std::collections::VecDeque;

use super::{Phase, Run, State, Status, StatusCounts, MINUTE_MS, PROBLEMS, STATE_NAMES};
use crate::targets::send::StopKind;

/// Figures for the progress display.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// Every row of the file, by status.
    pub counts: StatusCounts,
    /// How many rows this run is to send, and their statuses (see [`Progress::split`]).
    pub scope: usize,
    pub scope_counts: StatusCounts,
    /// The run is paused (by the user or by itself): the figures below are frozen.
    pub paused: bool,
    /// The user cancelled the run.
    pub cancelled: bool,
    /// The run has ended: its rate is the whole run's average.
    pub ended: bool,
    /// Requests sent, retries and logins included.
    pub requests: u64,
    pub rate_limited: u64,
    /// Requests sent in the last minute of sending.
    pub rate_per_min: f64,
    /// The pacer's current rate, when the run is paced.
    pub paced_per_min: Option<f64>,
    /// Time spent running, pauses left out.
    pub elapsed_ms: u64,
    /// Time left at the current pace, once there is a pace to go by.
    pub eta_ms: Option<u64>,
    /// The rate limit the server states (`X-RateLimit-Limit`), per minute.
    pub server_limit_per_min: Option<u32>,
}

/// How the rows to send ended so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Split {
    pub created: usize,
    /// Existing accounts updated (the run setting "Existing accounts: Update").
    pub updated: usize,
    pub exists: usize,
    /// Rejected, failed or unknown: rows to look at.
    pub problems: usize,
    /// Not sent because the run stopped (cancelled or a fatal answer).
    pub not_sent: usize,
    /// Not final yet: waiting or in flight.
    pub remaining: usize,
}

impl Split {
    /// Rows with a final status.
    pub fn done(&self) -> usize {
        self.created + self.updated + self.exists + self.problems + self.not_sent
    }
}

impl Progress {
    /// The figures for a plan before any run: `counts` is the plan's tally, whose
    /// pending rows are the rows to send.
    pub fn planned(counts: StatusCounts) -> Progress {
        let scope = counts.get(Status::Pending);
        Progress {
            counts,
            scope,
            scope_counts: StatusCounts::of(std::iter::repeat_n(Status::Pending, scope)),
            ..Progress::default()
        }
    }

    pub fn split(&self) -> Split {
        let c = &self.scope_counts;
        Split {
            created: c.get(Status::Created),
            updated: c.get(Status::Updated),
            exists: c.get(Status::Exists),
            problems: c.get(Status::Rejected) + c.get(Status::Failed) + c.get(Status::Unknown),
            // A row to send ends `skipped` only when a stop left it unsent, and `invalid`
            // only when its values could not be had when its turn came (see
            // `run::Users`; invalid rows are never queued).
            not_sent: c.get(Status::Skipped) + c.get(Status::Invalid),
            remaining: c.get(Status::Pending) + c.get(Status::Sending),
        }
    }

    /// Rows of the file that this run does not send: invalid, excluded, or carried over.
    pub fn outside(&self) -> usize {
        self.counts.total() - self.scope
    }
}

/// Pause timekeeping: the latest time the run was told, when the current pause began,
/// the paused time so far, and the rate and ETA frozen at the pause.
#[derive(Debug)]
pub(super) struct PauseClock {
    pub(super) last_now: u64,
    pub(super) paused_at: Option<u64>,
    pub(super) paused_total_ms: u64,
    pub(super) frozen: Option<(f64, Option<u64>)>,
    /// Send times on the run's active clock (paused time taken out), the last minute's.
    pub(super) active_sends: VecDeque<u64>,
}

impl PauseClock {
    pub(super) fn new(now_ms: u64) -> PauseClock {
        PauseClock {
            last_now: now_ms,
            paused_at: None,
            paused_total_ms: 0,
            frozen: None,
            active_sends: VecDeque::new(),
        }
    }
}

/// The rows this run is to send (valid, not excluded, not carried over from an earlier
/// run), and their statuses: what the progress bar counts.
#[derive(Debug)]
pub(super) struct Scope {
    pub(super) rows: Vec<bool>,
    pub(super) counts: StatusCounts,
}

impl Run {
    pub fn progress(&self, now_ms: u64) -> Progress {
        // While paused, time stands still at the pause.
        let now = self.clock.paused_at.map_or(now_ms, |p| p.min(now_ms));
        let end = self.ended_ms.unwrap_or(now).max(self.started_ms);
        let elapsed_ms = self.active_clock(end);
        let rate_per_min = if self.ended_ms.is_some() {
            self.requests as f64 * MINUTE_MS as f64 / elapsed_ms.max(1) as f64
        } else {
            let window_start = elapsed_ms.saturating_sub(MINUTE_MS);
            let last_minute = self
                .clock
                .active_sends
                .iter()
                .filter(|&&t| t >= window_start)
                .count();
            if elapsed_ms >= MINUTE_MS {
                last_minute as f64
            } else if elapsed_ms >= 2_000 {
                // Over the first minute, extrapolate from the time elapsed so far.
                last_minute as f64 * MINUTE_MS as f64 / elapsed_ms as f64
            } else {
                0.0
            }
        };
        let paced_per_min = self.pacer.as_ref().map(super::Pacer::rate_per_min);
        let (rate_per_min, eta_ms) = match self.clock.frozen {
            Some(frozen) if self.clock.paused_at.is_some() => frozen,
            _ => (rate_per_min, self.eta(rate_per_min, paced_per_min)),
        };
        Progress {
            counts: self.counts,
            scope: self.scope.counts.total(),
            scope_counts: self.scope.counts,
            paused: self.phase == Phase::Paused,
            cancelled: matches!(&self.phase, Phase::Stopped(s) if s.kind == StopKind::Cancelled),
            ended: self.ended_ms.is_some(),
            requests: self.requests,
            rate_limited: self.rate_limited,
            rate_per_min,
            paced_per_min,
            elapsed_ms,
            eta_ms,
            server_limit_per_min: self.server_limit,
        }
    }

    /// Time left for the rows still to send, at the rate measured (or paced).
    fn eta(&self, rate_per_min: f64, paced_per_min: Option<f64>) -> Option<u64> {
        let remaining = self.counts.get(Status::Pending) + self.counts.get(Status::Sending);
        let pace = match paced_per_min {
            Some(p) if rate_per_min > 0.0 => rate_per_min.min(p),
            Some(p) => p,
            None => rate_per_min,
        };
        (self.ended_ms.is_none() && pace > 0.0)
            .then(|| (remaining as f64 / pace * MINUTE_MS as f64) as u64)
    }

    /// Milliseconds of running from the start to `at` (not paused at `at`), pauses left out.
    fn active_clock(&self, at: u64) -> u64 {
        let open = self.clock.paused_at.map_or(0, |p| at.saturating_sub(p));
        at.saturating_sub(self.started_ms)
            .saturating_sub(self.clock.paused_total_ms)
            .saturating_sub(open)
    }

    /// Notes the latest time the glue gave the run.
    pub(super) fn tell_time(&mut self, now_ms: u64) {
        self.clock.last_now = self.clock.last_now.max(now_ms);
    }

    /// A send at `now_ms`, on the active clock; keeps the last minute's.
    pub(super) fn note_send(&mut self, now_ms: u64) {
        self.tell_time(now_ms);
        let at = self.active_clock(now_ms);
        self.clock.active_sends.push_back(at);
        while self
            .clock
            .active_sends
            .front()
            .is_some_and(|&t| t + MINUTE_MS < at)
        {
            self.clock.active_sends.pop_front();
        }
    }

    /// The run pauses at `now_ms`: its clock stops, and the rate and ETA it shows are
    /// kept as they are now.
    pub(super) fn freeze(&mut self, now_ms: u64) {
        if self.clock.paused_at.is_some() {
            return;
        }
        self.tell_time(now_ms);
        let now = now_ms.max(self.started_ms);
        let shown = self.progress(now);
        self.clock.frozen = Some((shown.rate_per_min, shown.eta_ms));
        self.clock.paused_at = Some(now);
    }

    /// The run goes on (or stops) at `now_ms`: the pause is over.
    pub(super) fn thaw(&mut self, now_ms: u64) {
        self.tell_time(now_ms);
        if let Some(at) = self.clock.paused_at.take() {
            self.clock.paused_total_ms += now_ms.saturating_sub(at);
        }
        self.clock.frozen = None;
    }
}

/// The one set of numbers the page shows about a run (issue 27): the bar's legend, the
/// sentence under it, the bar's spoken value and Retry all read this, so they cannot
/// disagree. This run's rows (`scope`) by how they ended, and the file's other rows by
/// why they are not in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Rows this run sends.
    pub scope: usize,
    /// This run's rows by how they ended (`problems`: rejected, failed or unknown, one
    /// name everywhere).
    pub split: Split,
    /// Rows of the file outside this run: invalid, excluded by the admin, or ended by an
    /// earlier run (a resumed run's carried rows).
    pub invalid: usize,
    pub excluded: usize,
    pub earlier: usize,
}

/// The name of each of a run's outcomes, the one word the legend, the sentence under
/// the bar and the announcements use for it.
/// "updated" is said only by a run that updates (see [`Tally::shows`]).
/// Each word is [`STATE_NAMES`]'s (or the group word [`PROBLEMS`]).
pub const OUTCOME_NAMES: [(&str, &str); 5] = [
    ("created", STATE_NAMES[2].1),
    ("updated", STATE_NAMES[3].1),
    ("exists", STATE_NAMES[4].1),
    ("problems", PROBLEMS),
    ("not-sent", STATE_NAMES[7].1),
];

/// "1 row", "40 rows".
fn rows(n: usize) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

impl Tally {
    pub fn of(p: &Progress) -> Tally {
        let s = p.split();
        let outside = |status: Status| {
            p.counts
                .get(status)
                .saturating_sub(p.scope_counts.get(status))
        };
        let invalid = outside(Status::Invalid);
        let excluded = outside(Status::Skipped);
        Tally {
            scope: p.scope,
            split: s,
            invalid,
            excluded,
            earlier: p.outside().saturating_sub(invalid + excluded),
        }
    }

    /// The count of the outcome named `class` (a key of [`OUTCOME_NAMES`]).
    pub fn outcome(&self, class: &str) -> usize {
        match class {
            "created" => self.split.created,
            "updated" => self.split.updated,
            "exists" => self.split.exists,
            "problems" => self.split.problems,
            "not-sent" => self.split.not_sent,
            _ => 0,
        }
    }

    /// Whether the outcome named `class` is said at all: every outcome is, except
    /// "updated" in a run that updated nothing.
    pub fn shows(&self, class: &str) -> bool {
        class != "updated" || self.split.updated > 0
    }

    /// Rows the server answered for.
    pub fn sent(&self) -> usize {
        self.split.created + self.split.updated + self.split.exists + self.split.problems
    }

    /// Rows of this run with a final status (what the bar fills).
    pub fn done(&self) -> usize {
        self.split.done()
    }

    /// The bar's spoken value: "12 of 40 rows sent: 10 created, 1 exists, 1 problems";
    /// a row a stop left unsent is not counted as sent ("0 of 5 rows sent: … 5 not sent").
    pub fn value_text(&self) -> String {
        if self.scope == 0 {
            return "No rows to send".into();
        }
        let mut text = format!(
            "{} of {} sent: {} created, {} exists, {} {PROBLEMS}",
            self.sent(),
            rows(self.scope),
            self.split.created,
            self.split.exists,
            self.split.problems
        );
        if self.split.updated > 0 {
            text.push_str(&format!(", {} updated", self.split.updated));
        }
        if self.split.not_sent > 0 {
            text.push_str(&format!(
                ", {} {}",
                self.split.not_sent,
                State::NotSent.word()
            ));
        }
        text
    }

    /// The file's rows outside this run, each by its own name, or `None`:
    /// "Not in this run: 2 invalid, 1 excluded, 16 done by an earlier run."
    pub fn outside_words(&self) -> Option<String> {
        let parts = self.outside_parts();
        (!parts.is_empty()).then(|| format!("Not in this run: {}.", parts.join(", ")))
    }

    /// "2 invalid", "1 excluded", "16 done by an earlier run": the file's rows outside
    /// this run, those there are.
    pub fn outside_parts(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if self.invalid > 0 {
            parts.push(format!("{} {}", self.invalid, State::Invalid.word()));
        }
        if self.excluded > 0 {
            parts.push(format!("{} {}", self.excluded, State::Excluded.word()));
        }
        if self.earlier > 0 {
            parts.push(format!("{} done by an earlier run", self.earlier));
        }
        parts
    }

    /// The sentence under the bar. `running`: a run is shown (not a plan); `cancelled`:
    /// the user cancelled it.
    pub fn summary(&self, running: bool, cancelled: bool) -> String {
        let head = if cancelled {
            let updated = if self.split.updated > 0 {
                format!(", {} updated", self.split.updated)
            } else {
                String::new()
            };
            format!(
                "Cancelled: {} {}. {} created, {} exists, {} {PROBLEMS}{updated}.",
                self.split.not_sent,
                State::NotSent.word(),
                self.split.created,
                self.split.exists,
                self.split.problems
            )
        } else if self.scope == 0 {
            "No rows to send.".to_owned()
        } else if !running {
            format!("{} to send.", rows(self.scope))
        } else {
            format!("{}.", self.value_text())
        };
        match self.outside_words() {
            Some(outside) => format!("{head} {outside}"),
            None => head,
        }
    }
}

/// `1 h 02 min`, `3 min 05 s`, `12 s`.
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

/// The pace line under the bar (issue 27: a rate over a window that means something).
/// Before a whole minute of sending, the requests are counted, never scaled up to a
/// minute ("15 requests in 2 s", not "450 requests/min"); from then on, the requests of
/// the last minute while running, and the average per minute once the run has ended.
/// The server's stated limit reads as what it allows, beside the pace the run holds.
/// "Paused · 58 requests in the last minute (paced at 60/min) · elapsed 3 min 05 s ·
/// about 1 min 10 s left · the server allows 60/min".
pub fn pace_words(p: &Progress) -> String {
    let requests = |n: u64| {
        if n == 1 {
            "1 request".to_owned()
        } else {
            format!("{n} requests")
        }
    };
    let mut rate = if p.elapsed_ms < MINUTE_MS {
        if p.requests == 0 {
            "no request yet".to_owned()
        } else {
            format!(
                "{} in {}",
                requests(p.requests),
                duration(p.elapsed_ms.max(1000))
            )
        }
    } else if p.ended {
        format!(
            "{} requests/min on average",
            (p.requests as f64 * MINUTE_MS as f64 / p.elapsed_ms as f64).round() as u64
        )
    } else {
        format!(
            "{} in the last minute",
            requests(p.rate_per_min.round() as u64)
        )
    };
    if let Some(paced) = p.paced_per_min {
        rate.push_str(&format!(" (paced at {}/min)", paced.round() as u64));
    }
    let mut parts = Vec::new();
    if p.paused {
        parts.push("Paused".to_owned());
    }
    parts.push(rate);
    parts.push(format!("elapsed {}", duration(p.elapsed_ms)));
    if let Some(eta) = p.eta_ms {
        parts.push(format!("about {} left", duration(eta)));
    }
    if let Some(limit) = p.server_limit_per_min {
        parts.push(format!("the server allows {limit}/min"));
    }
    if p.rate_limited > 0 {
        parts.push(format!("{} × rate limited (429)", p.rate_limited));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tally_tests {
    use super::*;

    fn progress(all: &[(Status, usize)], scope: &[(Status, usize)]) -> Progress {
        let counts = StatusCounts::of(all.iter().flat_map(|&(s, n)| std::iter::repeat_n(s, n)));
        let scope_counts =
            StatusCounts::of(scope.iter().flat_map(|&(s, n)| std::iter::repeat_n(s, n)));
        Progress {
            counts,
            scope: scope_counts.total(),
            scope_counts,
            ..Progress::default()
        }
    }

    /// "The legend said "not sent: 0" directly above "Not sent: 1 excluded or done in an
    /// earlier run", though there was no earlier run": the excluded row is called
    /// excluded, and no earlier run is named.
    #[test]
    fn rows_outside_the_run_are_named_by_why() {
        let p = progress(
            &[(Status::Created, 4), (Status::Skipped, 1)],
            &[(Status::Created, 4)],
        );
        let t = Tally::of(&p);
        assert_eq!((t.excluded, t.earlier, t.split.not_sent), (1, 0, 0));
        assert_eq!(
            t.summary(true, false),
            "4 of 4 rows sent: 4 created, 0 exists, 0 problems. Not in this run: 1 excluded."
        );
        assert!(!t.summary(true, false).contains("earlier"));
        // A resumed run: 16 rows ended in the run before, 2 invalid.
        let p = progress(
            &[
                (Status::Created, 20),
                (Status::Exists, 2),
                (Status::Invalid, 2),
            ],
            &[(Status::Created, 5), (Status::Exists, 1)],
        );
        let t = Tally::of(&p);
        assert_eq!((t.invalid, t.excluded, t.earlier), (2, 0, 16));
        assert_eq!(
            t.outside_words().unwrap(),
            "Not in this run: 2 invalid, 16 done by an earlier run."
        );
    }

    /// "5 of 5 rows to send done" appeared with 0 created after the key was refused:
    /// rows a stop left unsent are not sent.
    #[test]
    fn rows_a_stop_left_unsent_are_not_counted_as_sent() {
        let p = progress(&[(Status::Skipped, 5)], &[(Status::Skipped, 5)]);
        let t = Tally::of(&p);
        assert_eq!(
            (t.sent(), t.done(), t.split.not_sent, t.excluded),
            (0, 5, 5, 0)
        );
        assert_eq!(
            t.value_text(),
            "0 of 5 rows sent: 0 created, 0 exists, 0 problems, 5 not sent"
        );
        // The legend's names and counts come from the same table and tally.
        let legend: Vec<String> = OUTCOME_NAMES
            .iter()
            .filter(|(class, _)| t.shows(class))
            .map(|(class, name)| format!("{name}: {}", t.outcome(class)))
            .collect();
        assert_eq!(
            legend,
            ["created: 0", "exists: 0", "problems: 0", "not sent: 5"]
        );
    }

    fn paced(requests: u64, elapsed_ms: u64, last_minute: f64) -> Progress {
        Progress {
            requests,
            elapsed_ms,
            rate_per_min: last_minute,
            ..Progress::default()
        }
    }

    /// "8649 requests/min" for 15 rows: under a minute, requests are counted, not
    /// scaled up to a minute.
    #[test]
    fn a_rate_under_a_minute_is_a_count_over_the_time_taken() {
        let p = paced(15, 104, 8649.0);
        assert_eq!(
            pace_words(&Progress { ended: true, ..p }),
            "15 requests in 1 s · elapsed 0 s"
        );
        let p = paced(40, 12_500, 192.0);
        assert!(pace_words(&p).starts_with("40 requests in 12 s ·"));
        assert!(!pace_words(&p).contains("/min"));
        assert!(pace_words(&paced(0, 500, 0.0)).starts_with("no request yet"));
    }

    /// "72 requests/min … server limit 60/min" read like a breach: over a full minute
    /// the window is the last minute, and the limit says what the server allows.
    #[test]
    fn a_rate_over_a_minute_is_the_last_minute_and_the_limit_what_the_server_allows() {
        let mut p = paced(130, 125_000, 59.0);
        p.server_limit_per_min = Some(60);
        p.paced_per_min = Some(60.0);
        assert_eq!(
            pace_words(&p),
            "59 requests in the last minute (paced at 60/min) · elapsed 2 min 05 s · the server allows 60/min"
        );
        // Ended: the average over the whole run.
        assert!(
            pace_words(&Progress { ended: true, ..p }).starts_with("62 requests/min on average")
        );
    }
}
