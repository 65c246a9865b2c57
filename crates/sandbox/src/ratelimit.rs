//! Fixed-window rate limits: [`RateLimiter::check`], a window of exactly `window` from
//! the first request after the previous window ended (Graph's and GitLab's shapes), and
//! [`RateLimiter::check_laravel`], Mumara's, counted the way Laravel counts.
//!
//! Laravel (`Illuminate\Routing\Middleware\ThrottleRequests::handle` and
//! `Illuminate\Cache\RateLimiter`, laravel/framework): `tooManyAttempts` runs first and
//! a refused request is answered 429 without a `hit`, so 429s do not count; every other
//! request is `hit` before the controller runs, so a 422 or any other answer counts.
//! `hit` (`increment`) stores `$key.':timer'` = `availableAt($decaySeconds)` (the current
//! Unix time in whole seconds plus the decay) and the counter, both with that decay as
//! their time to live; with the default file or database cache an entry expires at
//! `time() + $seconds` (whole seconds), so a window ends on a whole second: one that
//! starts 0.9 s into a second lasts 59.1 s. A 429's `Retry-After` is `availableIn`:
//! the timer minus `currentTime()` (whole seconds), and `X-RateLimit-Reset` the current
//! time plus that.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the limiter decided for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go on; `remaining` more requests fit in this window.
    Allowed { limit: u64, remaining: u64 },
    /// Over the limit: 429 with `Retry-After: retry_after` (seconds, rounded up) and
    /// `X-RateLimit-Reset: reset_unix`.
    Limited {
        limit: u64,
        retry_after: u64,
        reset_unix: u64,
    },
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u64,
}

/// A Laravel window: when it ends (Unix ms, on a whole second) and its hits.
#[derive(Debug)]
struct WallWindow {
    end_ms: u64,
    hits: u64,
}

/// Windows per key.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: HashMap<String, Window>,
    laravel: HashMap<String, WallWindow>,
}

impl RateLimiter {
    /// Count one request for `key` at `now_ms` (Unix ms) as Laravel's throttle does (see
    /// the module documentation): `decay_ms` is the decay (whole seconds in Laravel).
    pub fn check_laravel(&mut self, key: &str, limit: u64, decay_ms: u64, now_ms: u64) -> Verdict {
        // An expired timer and counter are gone (`tooManyAttempts` then resets).
        if self.laravel.get(key).is_some_and(|w| now_ms >= w.end_ms) {
            self.laravel.remove(key);
        }
        let hits = self.laravel.get(key).map_or(0, |w| w.hits);
        if hits >= limit {
            let end_ms = self.laravel.get(key).map_or(now_ms, |w| w.end_ms);
            // `availableIn`: the timer minus the current time, both whole seconds.
            let retry_after = if end_ms.is_multiple_of(1000) {
                (end_ms / 1000).saturating_sub(now_ms / 1000)
            } else {
                (end_ms - now_ms).div_ceil(1000)
            }
            .max(1);
            return Verdict::Limited {
                limit,
                retry_after,
                reset_unix: now_ms / 1000 + retry_after,
            };
        }
        // `hit`: the timer and the counter are added with the window's first hit.
        // A decay that is not whole seconds (Laravel has none; quick tests use them) runs
        // exactly from the first hit.
        let end_ms = if decay_ms.is_multiple_of(1000) {
            (now_ms / 1000) * 1000 + decay_ms
        } else {
            now_ms + decay_ms
        };
        let window = self
            .laravel
            .entry(key.to_string())
            .or_insert(WallWindow { end_ms, hits: 0 });
        window.hits += 1;
        Verdict::Allowed {
            limit,
            remaining: limit.saturating_sub(window.hits),
        }
    }

    /// Count one request for `key` at `now`.
    pub fn check(&mut self, key: &str, limit: u64, window: Duration, now: Instant) -> Verdict {
        let entry = self.windows.entry(key.to_string()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(entry.start) >= window {
            *entry = Window {
                start: now,
                count: 0,
            };
        }
        if entry.count < limit {
            entry.count += 1;
            return Verdict::Allowed {
                limit,
                remaining: limit - entry.count,
            };
        }
        let left = window.saturating_sub(now.duration_since(entry.start));
        let reset = SystemTime::now() + left;
        let reset_unix = reset
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64().ceil() as u64)
            .unwrap_or(0);
        Verdict::Limited {
            limit,
            retry_after: (left.as_secs_f64().ceil() as u64).max(1),
            reset_unix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window() {
        let mut limiter = RateLimiter::default();
        let start = Instant::now();
        let window = Duration::from_millis(1000);
        assert_eq!(
            limiter.check("k", 2, window, start),
            Verdict::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        assert_eq!(
            limiter.check("k", 2, window, start + Duration::from_millis(10)),
            Verdict::Allowed {
                limit: 2,
                remaining: 0
            }
        );
        match limiter.check("k", 2, window, start + Duration::from_millis(100)) {
            Verdict::Limited { retry_after, .. } => assert_eq!(retry_after, 1),
            other => panic!("{other:?}"),
        }
        // Another key has its own window.
        assert!(matches!(
            limiter.check("other", 2, window, start + Duration::from_millis(100)),
            Verdict::Allowed { .. }
        ));
        // The window ends one second after its first request.
        assert_eq!(
            limiter.check("k", 2, window, start + Duration::from_millis(1000)),
            Verdict::Allowed {
                limit: 2,
                remaining: 1
            }
        );
    }

    #[test]
    fn laravel_windows_end_on_a_whole_second_and_429s_do_not_count() {
        let mut limiter = RateLimiter::default();
        // The first hit 0.9 s into a second: the window ends 59.1 s later.
        let t0 = 1_796_108_400_900;
        assert_eq!(
            limiter.check_laravel("k", 2, 60_000, t0),
            Verdict::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        limiter.check_laravel("k", 2, 60_000, t0 + 1_000);
        // Refused 30.2 s later (second 431): Retry-After is the timer (t0's second 400,
        // plus 60) minus the current second.
        assert_eq!(
            limiter.check_laravel("k", 2, 60_000, t0 + 30_200),
            Verdict::Limited {
                limit: 2,
                retry_after: 29,
                reset_unix: 1_796_108_460,
            }
        );
        // The refusals did not count, and at 59.1 s the window is over.
        assert!(matches!(
            limiter.check_laravel("k", 2, 60_000, t0 + 59_099),
            Verdict::Limited { retry_after: 1, .. }
        ));
        assert_eq!(
            limiter.check_laravel("k", 2, 60_000, t0 + 59_100),
            Verdict::Allowed {
                limit: 2,
                remaining: 1
            }
        );
    }

    #[test]
    fn retry_after_rounds_up() {
        let mut limiter = RateLimiter::default();
        let start = Instant::now();
        let window = Duration::from_millis(60_000);
        limiter.check("k", 1, window, start);
        match limiter.check("k", 1, window, start + Duration::from_millis(30_500)) {
            Verdict::Limited { retry_after, .. } => assert_eq!(retry_after, 30),
            other => panic!("{other:?}"),
        }
        match limiter.check("k", 1, window, start + Duration::from_millis(29_500)) {
            Verdict::Limited { retry_after, .. } => assert_eq!(retry_after, 31),
            other => panic!("{other:?}"),
        }
    }
}
