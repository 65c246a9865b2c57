//! The page: four steps (file, target, import, rows), each a component over shared state.

mod connection;
mod diagnosis;
mod file_step;
mod import;
mod mapping;
mod preflight;
mod reports;
mod resume;
mod rows_table;
mod sheet;
mod state;

use leptos::prelude::*;

pub use state::AppState;

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    view! {
        <header class="masthead">
            <h1>"Roster"</h1>
            <p class="tagline">"Create user accounts in bulk from a spreadsheet. Everything runs in this tab: no server of ours sees your file or your passwords."</p>
        </header>
        <main>
            <file_step::FileStep state=state />
            <connection::Connection state=state />
            <diagnosis::DiagnosisPanel state=state />
            <resume::ResumeOffer state=state />
            <import::Import state=state />
            <rows_table::RowsTable state=state />
            <resume::SavedRuns state=state />
        </main>
    }
}
