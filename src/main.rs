//! Mounts the page (`roster::ui::App`) and shows a notice if the app ever stops on a panic.

use wasm_bindgen::prelude::wasm_bindgen;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        // The details for the console, as before.
        console_error_panic_hook::hook(info);
        show_stopped();
    }));
    leptos::mount::mount_to_body(roster::ui::App);
}

/// Shows [`roster::stopped::MESSAGE`] in the alert `index.html` holds for it (hidden until
/// then), through the DOM alone: Leptos's reactive system may be what panicked. Never
/// panics itself.
fn show_stopped() {
    roster::stopped::show(
        || {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("roster-stopped"))
        },
        |alert, text| alert.set_text_content(Some(text)),
        |alert| {
            let _ = alert.remove_attribute("hidden");
        },
    );
}

/// For the end-to-end test of the panic hook only (`tests/e2e/specs/panic.spec.ts`, through
/// Trunk's `window.wasmBindings`): with the exact phrase `roster::stopped::PANIC_PHRASE`,
/// the run's loop panics at its next step. Returns whether the phrase was right.
#[wasm_bindgen]
pub fn roster_e2e_panic_on_purpose(phrase: &str) -> bool {
    roster::stopped::ask_for_panic(phrase)
}
