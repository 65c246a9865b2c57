//! Roster in the browser: the UI (`ui`) over the pure core (`roster_core`), with a thin
//! layer of browser glue (`glue`) for files, fetch, timers and downloads.

mod glue;
mod ui;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::App);
}
