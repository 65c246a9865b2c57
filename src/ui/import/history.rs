//! The runs of this tab (issue 13): when, where, how they ended, with each run's reports.
//! The list is kept in memory only; it goes with the tab.

use std::sync::Arc;

use leptos::prelude::*;
use roster_core::report::PastRun;

/// "14:05:09" in the browser's own way of writing times.
fn when(wall_ms: f64) -> String {
    let date = js_sys::Date::new(&wall_ms.into());
    String::from(date.to_locale_time_string("default"))
}

/// "Run 2 (retry), 14:05:09, Aurora at https://…: finished. 3 created, 1 failed."
fn describe(run: &PastRun) -> String {
    let kind = if run.retry { " (retry)" } else { "" };
    format!(
        "Run {}{kind}, {}, {} at {}, {}: {}. {}.",
        run.number,
        when(run.info.started_wall_ms),
        run.info.target,
        run.info.server_url,
        if run.info.file_name.is_empty() {
            "pasted rows"
        } else {
            &run.info.file_name
        },
        run.ending,
        roster_core::job::words::tally(
            &run.counts(),
            run.rows.iter().filter(|r| r.excluded).count()
        )
    )
}

#[component]
pub fn History(
    history: RwSignal<Vec<Arc<PastRun>>>,
    announcement: RwSignal<String>,
) -> impl IntoView {
    view! {
        <Show when=move || history.with(|h| !h.is_empty())>
            <h3 id="run-history">"Runs in this tab"</h3>
            // Newest first, each named by its own number ("Run 2"): a list, not a
            // numbered one ("1. Run 2 / 2. Run 1" before, issue 27).
            <ul class="history" aria-labelledby="run-history">
                <For
                    each=move || history.get().into_iter().rev()
                    key=|run| run.number
                    children=move |run| {
                        let (csv, json) = (run.clone(), run.clone());
                        let n = run.number;
                        view! {
                            <li>
                                <span>{describe(&run)}</span>
                                " "
                                <button on:click=move |_| crate::ui::reports::save_past(&csv, false, announcement)>
                                    {format!("Run {n} report (CSV)")}
                                </button>
                                <button on:click=move |_| crate::ui::reports::save_past(&json, true, announcement)>
                                    {format!("Run {n} report (JSON)")}
                                </button>
                            </li>
                        }
                    }
                />
            </ul>
        </Show>
    }
}
