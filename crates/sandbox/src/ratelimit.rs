//! Mumara's per-key rate limit, in the style of Laravel's `throttle` middleware: a fixed
//! window that starts at the first request after the previous window ended, `limit`
//! requests allowed in it, the rest answered 429 until it ends.

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

/// Windows per key.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: HashMap<String, Window>,
}

impl RateLimiter {
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
