//! Pacing and retry policy: a token bucket that holds a rate limit, slowed down
//! multiplicatively on 429 and sped up additively on success (AIMD), and exponential
//! backoff with full jitter. Time is milliseconds on a clock the caller owns.

/// Where random numbers come from: `pick(max)` returns a value in `0..=max`. Injected so
/// that the policy is deterministic in tests.
pub trait Jitter {
    fn pick(&mut self, max: u64) -> u64;
}

/// A small deterministic generator (xorshift64*), for tests and as a default.
#[derive(Debug, Clone)]
pub struct XorShift(pub u64);

impl Jitter for XorShift {
    fn pick(&mut self, max: u64) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        if max == u64::MAX {
            r
        } else {
            r % (max + 1)
        }
    }
}

/// Exponential backoff with full jitter: attempt `n` (1-based) waits a uniform time in
/// `0..=min(cap, base · 2^(n-1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: 500,
            cap_ms: 30_000,
        }
    }
}

impl Backoff {
    pub fn ceiling(&self, attempt: u32) -> u64 {
        let shift = attempt.saturating_sub(1).min(32);
        self.base_ms.saturating_mul(1u64 << shift).min(self.cap_ms)
    }

    pub fn delay(&self, attempt: u32, jitter: &mut dyn Jitter) -> u64 {
        jitter.pick(self.ceiling(attempt))
    }
}

/// How long to wait after a 429 that did not say how long (no `Retry-After`, or one the
/// page may not read, as with Microsoft Graph, whose CORS rule does not expose it).
///
/// Microsoft Graph's throttling guidance ("Best practices to handle throttling",
/// learn.microsoft.com/graph/throttling): "If no Retry-After header is provided by the
/// response, we recommend implementing an exponential backoff retry policy." The Graph
/// SDKs' retry handler (msgraph-sdk-design, `middleware/RetryHandler.md`) gives the
/// numbers: an exponential backoff "with random offset", an initial interval of 3 s and
/// a maximum interval of 180 s. So the `n`th 429 in a row waits `min(180 s, 3 s ·
/// 2^(n-1))` plus a random offset of up to a second (so that clients do not come back
/// together), and never less than that: unlike [`Backoff`]'s full jitter, a 429 must
/// not be answered by an immediate retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleBackoff {
    pub base_ms: u64,
    pub cap_ms: u64,
    /// The random offset added to each wait: `0..=offset_ms`.
    pub offset_ms: u64,
}

impl Default for ThrottleBackoff {
    fn default() -> Self {
        ThrottleBackoff {
            base_ms: 3_000,
            cap_ms: 180_000,
            offset_ms: 1_000,
        }
    }
}

impl ThrottleBackoff {
    /// The wait before the random offset, for the `streak`th 429 in a row (1-based).
    pub fn floor(&self, streak: u32) -> u64 {
        let shift = streak.saturating_sub(1).min(32);
        self.base_ms.saturating_mul(1u64 << shift).min(self.cap_ms)
    }

    pub fn delay(&self, streak: u32, jitter: &mut dyn Jitter) -> u64 {
        self.floor(streak) + jitter.pick(self.offset_ms)
    }
}

/// The longest `Retry-After` (or `retry_after_ms`) a run waits out by itself: a server
/// that asks for more pauses the run, which says how long the server asked to wait, and
/// the admin resumes it.
pub const RETRY_AFTER_CEILING_MS: u64 = 15 * 60_000;

/// A token bucket that spaces requests to a rate in requests per minute.
///
/// The bucket holds at most `burst` tokens; each send takes one. A 429 halves the rate
/// (never below 1/min) and empties the bucket; each success gives back a little of the
/// configured rate, so a run that hit the limit climbs back to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacer {
    limit_per_min: f64,
    rate_per_min: f64,
    burst: f64,
    tokens: f64,
    updated_ms: u64,
}

impl Pacer {
    pub fn new(limit_per_min: u32, burst: u32, now_ms: u64) -> Pacer {
        let limit = f64::from(limit_per_min.max(1));
        let burst = f64::from(burst.max(1));
        Pacer {
            limit_per_min: limit,
            rate_per_min: limit,
            burst,
            tokens: burst,
            updated_ms: now_ms,
        }
    }

    /// The rate the pacer holds now, in requests per minute.
    pub fn rate_per_min(&self) -> f64 {
        self.rate_per_min
    }

    fn refill(&mut self, now_ms: u64) {
        if now_ms > self.updated_ms {
            let elapsed = (now_ms - self.updated_ms) as f64;
            self.tokens = (self.tokens + elapsed * self.rate_per_min / 60_000.0).min(self.burst);
            self.updated_ms = now_ms;
        }
    }

    /// When a token will be there: `now_ms` if one is there already.
    pub fn ready_at(&mut self, now_ms: u64) -> u64 {
        self.refill(now_ms);
        if self.tokens >= 1.0 {
            now_ms
        } else {
            let missing = 1.0 - self.tokens;
            now_ms + (missing * 60_000.0 / self.rate_per_min).ceil() as u64
        }
    }

    /// Holds a new limit from now on (a limit the server stated): the current rate
    /// never exceeds it.
    pub fn set_limit(&mut self, limit_per_min: u32, now_ms: u64) {
        self.refill(now_ms);
        self.limit_per_min = f64::from(limit_per_min.max(1));
        self.rate_per_min = self.rate_per_min.min(self.limit_per_min);
        self.tokens = self.tokens.min(self.burst);
    }

    /// Takes a token; call only when [`Pacer::ready_at`] said now.
    pub fn take(&mut self, now_ms: u64) {
        self.refill(now_ms);
        self.tokens -= 1.0;
    }

    /// The server said 429 although the pace holds its stated limit: keep the pace,
    /// start from an empty bucket.
    pub fn hold(&mut self, now_ms: u64) {
        self.refill(now_ms);
        self.tokens = self.tokens.min(0.0);
    }

    /// The server said 429: slow down and start from an empty bucket.
    pub fn on_rate_limited(&mut self, now_ms: u64) {
        self.refill(now_ms);
        self.rate_per_min = (self.rate_per_min * 0.5).max(1.0);
        self.tokens = self.tokens.min(0.0);
    }

    /// A request went through: climb back towards the limit by 1/20 of it.
    pub fn on_success(&mut self, now_ms: u64) {
        self.refill(now_ms);
        self.rate_per_min = (self.rate_per_min + self.limit_per_min / 20.0).min(self.limit_per_min);
    }
}

/// A fixed window of our own: at most `limit` sends in each window of `window_ms`, sent
/// only in its first `open_ms`, the window opening with the first send after the
/// previous one closed. Once a 429 against a stated limit has shown where the server's
/// window ends (Laravel's throttle: `limit` requests per fixed window from the window's
/// first request), the run sends each window's budget at once instead of spreading it:
/// spread evenly, the wait for the refused window would be lost for good and the run
/// would end past rows / limit. The margins: the server's window opens when our first
/// request arrives, after we sent it, so ours is longer than the server's, and nothing is
/// sent near its end, so no request of one window arrives in the server's next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedWindow {
    limit: u32,
    open_ms: u64,
    window_ms: u64,
    /// When the current window opened, and the sends in it.
    current: Option<(u64, u32)>,
}

impl FixedWindow {
    pub fn new(limit: u32, open_ms: u64, window_ms: u64) -> FixedWindow {
        FixedWindow {
            limit: limit.max(1),
            open_ms: open_ms.min(window_ms),
            window_ms,
            current: None,
        }
    }

    /// When a send may go: `now_ms` if the window is open and has room, or a new one
    /// opens now.
    pub fn ready_at(&self, now_ms: u64) -> u64 {
        match self.current {
            Some((start, sent)) if now_ms < start + self.window_ms => {
                if now_ms < start + self.open_ms && sent < self.limit {
                    now_ms
                } else {
                    start + self.window_ms
                }
            }
            _ => now_ms,
        }
    }

    /// Counts a send; call only when [`FixedWindow::ready_at`] said now.
    pub fn take(&mut self, now_ms: u64) {
        self.current = match self.current {
            Some((start, sent)) if now_ms < start + self.window_ms => Some((start, sent + 1)),
            _ => Some((now_ms, 1)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_and_jitter_stays_inside() {
        let b = Backoff {
            base_ms: 100,
            cap_ms: 1_000,
        };
        assert_eq!(
            (1..=6).map(|n| b.ceiling(n)).collect::<Vec<_>>(),
            [100, 200, 400, 800, 1_000, 1_000]
        );
        assert_eq!(b.ceiling(200), 1_000);
        let mut j = XorShift(7);
        for n in 1..10 {
            assert!(b.delay(n, &mut j) <= b.ceiling(n));
        }
        struct Max;
        impl Jitter for Max {
            fn pick(&mut self, max: u64) -> u64 {
                max
            }
        }
        assert_eq!(b.delay(3, &mut Max), 400);
    }

    #[test]
    fn pacer_spaces_requests_at_the_limit() {
        let mut p = Pacer::new(60, 1, 0);
        let mut now = 0;
        let mut sent = Vec::new();
        while sent.len() < 61 {
            now = p.ready_at(now);
            p.take(now);
            sent.push(now);
        }
        // One a second: 60 in the first minute, the 61st at 60 s.
        assert_eq!(sent[1], 1_000);
        assert_eq!(sent[59], 59_000);
        assert_eq!(sent[60], 60_000);
    }

    #[test]
    fn pacer_allows_a_burst_then_the_rate() {
        let mut p = Pacer::new(120, 4, 0);
        for _ in 0..4 {
            assert_eq!(p.ready_at(0), 0);
            p.take(0);
        }
        assert_eq!(p.ready_at(0), 500);
    }

    #[test]
    fn a_fixed_window_sends_its_budget_then_waits_for_the_next() {
        let mut w = FixedWindow::new(3, 800, 1_000);
        assert_eq!(w.ready_at(500), 500);
        for t in [500, 510, 520] {
            assert_eq!(w.ready_at(t), t);
            w.take(t);
        }
        assert_eq!(
            w.ready_at(530),
            1_500,
            "full until the window that opened at 500 ends"
        );
        assert_eq!(w.ready_at(1_500), 1_500);
        w.take(1_700);
        assert_eq!(w.ready_at(1_800), 1_800, "a new window opened at 1.7 s");
        assert_eq!(
            w.ready_at(2_500),
            2_700,
            "nothing sent in a window's last 200 ms"
        );
    }

    #[test]
    fn rate_limit_halves_the_rate_and_success_climbs_back() {
        let mut p = Pacer::new(60, 1, 0);
        p.take(0);
        p.on_rate_limited(0);
        assert_eq!(p.rate_per_min(), 30.0);
        assert_eq!(p.ready_at(0), 2_000);
        for _ in 0..10 {
            p.on_success(0);
        }
        assert_eq!(p.rate_per_min(), 60.0);
        let mut q = Pacer::new(1, 1, 0);
        q.on_rate_limited(0);
        assert_eq!(q.rate_per_min(), 1.0, "never below one a minute");
    }
}
