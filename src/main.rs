//! Mounts the page (`roster::ui::App`) and shows a notice if the app ever stops on a panic.

/// What the page says if the app ever stops on a panic (a release build aborts, and the
/// wasm can run nothing more).
const STOPPED: &str = "Roster stopped on an internal error. The journal of this run is saved: reload the page and choose Resume.";

fn main() {
    std::panic::set_hook(Box::new(|info| {
        // The details for the console, as before.
        console_error_panic_hook::hook(info);
        show_stopped();
    }));
    leptos::mount::mount_to_body(roster::ui::App);
}

/// Shows [`STOPPED`] in the alert `index.html` holds for it (hidden until then), through
/// the DOM alone: Leptos's reactive system may be what panicked. Never panics itself.
fn show_stopped() {
    let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("roster-stopped"))
    else {
        return;
    };
    element.set_text_content(Some(STOPPED));
    let _ = element.remove_attribute("hidden");
}
