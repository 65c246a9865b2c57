//! Time and chance from the browser, for the engine's clock and jitter.

use roster_core::run::pace::Jitter;

/// Milliseconds on the page's monotonic clock.
pub fn now_ms() -> u64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now()) as u64
}

/// Jitter from `Math.random`.
pub struct BrowserJitter;

impl Jitter for BrowserJitter {
    fn pick(&mut self, max: u64) -> u64 {
        (js_sys::Math::random() * (max as f64 + 1.0)).floor() as u64
    }
}
