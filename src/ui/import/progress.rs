//! The run's progress (issue 13): a bar over the rows this run sends only, split by how
//! they ended (created, exists, problems, not sent) with a legend of counts, the rows it
//! does not send, and the pace. While paused the pace figures stand still (the core's
//! active clock); a cancelled run says how many rows it did not send.

use leptos::prelude::*;
use roster_core::run::{pace_words, Progress, Tally, OUTCOME_NAMES};

use crate::ui::fixed;

fn percent(part: usize, whole: usize) -> String {
    let p = if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    };
    format!("{}%", fixed(p, 2))
}

/// The bar, the legend, the tally and the pace. `running`: a run is shown (not a plan);
/// `login_failed`: the run shown ended at its login, sending nothing.
#[component]
pub fn RunProgress(
    shown: Signal<Progress>,
    running: Signal<bool>,
    login_failed: Signal<bool>,
) -> impl IntoView {
    // One set of numbers (issue 27): the bar, its legend, its spoken value and the
    // sentence under it all read the core's Tally.
    let tally = Memo::new(move |_| Tally::of(&shown.get()));
    let scope = move || tally.get().scope;
    let segment = move |class: &'static str| {
        view! {
            <div class=format!("progress-fill {class}") style:width=move || percent(tally.get().outcome(class), scope())></div>
        }
    };
    view! {
        <div
            class="progress"
            role="progressbar"
            aria-label="Import progress"
            aria-valuemin="0"
            aria-valuemax=move || scope().to_string()
            aria-valuenow=move || if login_failed.get() { "0".to_owned() } else { tally.get().done().to_string() }
            aria-valuetext=move || {
                if login_failed.get() {
                    // After a failed login: "None of 40 rows sent".
                    let n = scope();
                    format!("None of {n} {} sent", if n == 1 { "row" } else { "rows" })
                } else {
                    tally.get().value_text()
                }
            }
        >
            {OUTCOME_NAMES.iter().map(|(class, _)| segment(class)).collect_view()}
        </div>
        <ul class="legend" aria-label="Outcome of the rows to send">
            {OUTCOME_NAMES
                .iter()
                .map(|&(class, name)| view! {
                    <li hidden=move || !tally.get().shows(class)>
                        <span class=format!("swatch {class}") aria-hidden="true"></span>
                        {move || format!("{name}: {}", tally.get().outcome(class))}
                    </li>
                })
                .collect_view()}
        </ul>
        // After a failed login, no sentence here: the announcement says it in one
        // sentence (issue 20), and "No rows to send" would contradict it.
        <p class="tally" hidden=move || login_failed.get()>
            {move || if login_failed.get() { String::new() } else { tally.get().summary(running.get(), shown.get().cancelled) }}
        </p>
        <Show when=move || running.get()>
            <p class="pace">{move || pace_words(&shown.get())}</p>
        </Show>
    }
}
