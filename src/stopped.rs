//! What the page does if the app ever stops on a panic (issue 20): the panic hook's
//! message and decisions, kept here so that they are tested natively; `main.rs` installs
//! the hook and writes the message into `index.html`'s `#roster-stopped` alert.
//!
//! Nothing in the app panics on purpose, so the end-to-end test of the hook
//! (`tests/e2e/specs/panic.spec.ts`) asks for one: [`ask_for_panic`], reached only from the
//! browser's console or a test (the page's export `roster_e2e_panic_on_purpose`) and only
//! with [`PANIC_PHRASE`], makes the run's loop ([`crate::glue::driver`]) panic at its next
//! step, a real panic in the release build, in the middle of a run.

use std::sync::atomic::{AtomicBool, Ordering};

/// What the page says if the app ever stops on a panic (a release build aborts, and the
/// wasm can run nothing more). The same words whatever panicked: the panic's own message
/// goes to the console only, so no value of a row or a credential reaches the page.
pub const MESSAGE: &str = "Roster stopped on an internal error. The journal of this run is saved: reload the page and choose Resume.";

/// The exact words [`ask_for_panic`] needs: nothing typed or clicked in the page gets there.
pub const PANIC_PHRASE: &str = "stop this run with a panic to test the panic hook";

static PANIC_ASKED: AtomicBool = AtomicBool::new(false);

/// Asks the run's loop to panic at its next step, if `phrase` is [`PANIC_PHRASE`].
/// Returns whether it was asked.
pub fn ask_for_panic(phrase: &str) -> bool {
    let asked = phrase == PANIC_PHRASE;
    if asked {
        PANIC_ASKED.store(true, Ordering::SeqCst);
    }
    asked
}

/// Whether a panic was asked for (once: the request is taken).
pub fn panic_asked() -> bool {
    PANIC_ASKED.swap(false, Ordering::SeqCst)
}

/// Shows [`MESSAGE`] in the alert `find` gives (the hook passes `#roster-stopped`), through
/// `set_text` and `reveal`. Without an alert (a page without it, a document gone) it does
/// nothing: the hook must never panic itself.
pub fn show<E>(
    find: impl FnOnce() -> Option<E>,
    set_text: impl FnOnce(&E, &str),
    reveal: impl FnOnce(&E),
) {
    if let Some(alert) = find() {
        set_text(&alert, MESSAGE);
        reveal(&alert);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn the_message_says_what_happened_and_what_to_do() {
        assert!(MESSAGE.starts_with("Roster stopped on an internal error."));
        assert!(MESSAGE.contains("journal of this run is saved"));
        assert!(MESSAGE.contains("reload the page and choose Resume"));
    }

    #[test]
    fn the_alert_gets_the_message_then_is_shown() {
        let log = RefCell::new(Vec::new());
        show(
            || Some("alert"),
            |e, text| log.borrow_mut().push(format!("{e}: text {text}")),
            |e| log.borrow_mut().push(format!("{e}: shown")),
        );
        assert_eq!(
            log.into_inner(),
            vec![format!("alert: text {MESSAGE}"), "alert: shown".to_owned()]
        );
    }

    #[test]
    fn without_an_alert_nothing_is_done_and_nothing_panics() {
        let touched = RefCell::new(false);
        show(
            || None::<()>,
            |_, _| *touched.borrow_mut() = true,
            |_| *touched.borrow_mut() = true,
        );
        assert!(!touched.into_inner());
    }

    #[test]
    fn only_the_exact_phrase_asks_for_a_panic_and_the_request_is_taken_once() {
        for wrong in [
            "",
            "panic",
            "STOP THIS RUN WITH A PANIC TO TEST THE PANIC HOOK",
            " stop this run with a panic to test the panic hook",
        ] {
            assert!(!ask_for_panic(wrong), "{wrong:?}");
            assert!(!panic_asked(), "{wrong:?}");
        }
        assert!(ask_for_panic(PANIC_PHRASE));
        assert!(panic_asked());
        assert!(!panic_asked(), "taken by the first look");
    }
}
