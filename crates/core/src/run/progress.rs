//! The figures the page shows while a run goes: how many of the rows to send are done and
//! how they ended, the rate, the time elapsed and the time left (issue 13).
//!
//! Only the rows the run sends count: invalid and excluded rows, and rows carried over
//! from an earlier run, are final from the start and never sent, so they are not "done".
//! Time is counted on the run's active clock: a pause stops it, so the elapsed time, the
//! rate and the time left stay as they were while the run is paused.

use std::collections::VecDeque;

use super::{Phase, Run, Status, StatusCounts, MINUTE_MS};
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
