//! Resume after a reload or a crash (issue 5): the run journal is written while a run is in
//! progress; dropping the same file again for the same target offers "Resume previous
//! run"; closing or reloading the tab during a run asks first; saved runs are listed and
//! can be deleted. What a journal holds: `roster_core::journal`.

use leptos::prelude::*;
use roster_core::run::journal::Head;
use roster_core::Status;

use super::state::{AppState, RunView};
use crate::glue::journal as store;

/// The unfinished journal of the loaded file against the target in the form, if any:
/// its storage key and head.
fn matching(state: AppState) -> Option<(String, Head)> {
    let url = state.form.server_url.get();
    let target = state.form.target.with(|k| k.id().to_owned());
    state.run.journals.get();
    let rows = state.plan.with(|p| p.as_ref().map(|p| p.len()))?;
    if url.trim().is_empty() {
        return None;
    }
    // Known once the file is hashed (in slices after it is read; that bumps `journals`).
    let fingerprint = super::journal::known_fingerprint(state)?;
    store::list()
        .into_iter()
        .find(|(_, j)| j.matches(&fingerprint, &target, &url) && !j.finished && j.rows == rows)
}

/// A date and time in the browser's own locale ("12/1/2026, 3:04:05 PM" in en-US):
/// `Date.prototype.toLocaleString` called without a locale.
fn when(ms: f64) -> String {
    use wasm_bindgen::JsCast;
    let d = js_sys::Date::new(&ms.into());
    js_sys::Reflect::get(&d, &"toLocaleString".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&d).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| String::from(d.to_iso_string()))
}

fn summary(j: &Head) -> String {
    let counts = j.counts();
    let mut parts: Vec<String> = [
        Status::Created,
        Status::Exists,
        Status::Unknown,
        Status::Failed,
        Status::Rejected,
        Status::Skipped,
    ]
    .iter()
    .filter(|s| counts.get(**s) > 0)
    .map(|s| format!("{} {}", counts.get(*s), s.word()))
    .collect();
    let pending = counts.get(Status::Pending);
    if pending > 0 {
        parts.push(format!("{pending} not sent yet"));
    }
    parts.join(", ")
}

#[component]
pub fn ResumeOffer(state: AppState) -> impl IntoView {
    super::journal::install_leave_guard(state);
    // The matching journal, and why it cannot be resumed if it cannot (a stale or
    // foreign page, a damaged one: never resumed from a mix).
    let offer = Memo::new(move |_| {
        if state.run.active.get()
            || !matches!(state.run.view.get(), RunView::Idle | RunView::LoginFailed)
        {
            return None;
        }
        let (key, head) = matching(state)?;
        let refusal = store::load(&key).err().map(|r| r.to_string());
        Some((key, head, refusal))
    });
    view! {
        <Show when=move || offer.get().is_some()>
            <div class="resume-offer" role="region" aria-label="Previous run">
                <p>
                    {move || offer.get().map(|(_, j, refusal)| match refusal {
                        None => format!(
                            "This file was imported to this server before ({}) and the run did not finish: {}. Resuming sends only what is still open; created and existing rows are not sent again, and rows whose answer was lost are checked first.",
                            when(j.started_at),
                            summary(&j),
                        ),
                        Some(why) => format!(
                            "This file was imported to this server before ({}) and the run did not finish: {}. It cannot be resumed: {why}. Check on the server which accounts exist before sending the file again; delete the saved run under Saved runs when done.",
                            when(j.started_at),
                            summary(&j),
                        ),
                    })}
                </p>
                <Show when=move || offer.with(|o| o.as_ref().is_some_and(|o| o.2.is_none()))>
                <div class="actions">
                    <button
                        class="primary"
                        on:click=move |_| {
                            let Some((key, _, _)) = offer.get_untracked() else {
                                return;
                            };
                            match store::load(&key) {
                                Ok(journal) => super::launch::start_with(state, Some(journal)),
                                Err(why) => state.announcement.set(format!(
                                    "Not resumed: {why}. No row was sent; delete it under Saved runs, or start a new import."
                                )),
                            }
                        }
                    >
                        "Resume previous run"
                    </button>
                </div>
                </Show>
            </div>
        </Show>
    }
}

#[component]
/// The run journals kept in this browser, each with a Delete button.
pub fn SavedRuns(journals: RwSignal<u32>, active: Signal<bool>) -> impl IntoView {
    let list = Memo::new(move |_| {
        journals.get();
        active.get();
        store::list()
            .into_iter()
            .map(|(key, j)| {
                (
                    key,
                    j.file_name.clone(),
                    j.target.clone(),
                    roster_core::run::journal::strip_userinfo(&j.server_url),
                    j.started_at,
                    j.finished,
                    summary(&j),
                )
            })
            .collect::<Vec<_>>()
    });
    view! {
        <Show when=move || !list.get().is_empty()>
            <section class="step saved-runs" aria-labelledby="saved-runs">
                <h2 id="saved-runs">"Saved runs"</h2>
                <p class="hint">"Kept in this browser's local storage so that an interrupted import can be resumed: the file's hash, its name, the target's address (without any user name or password in it), each row's status and the id the server gave each created row (for Matrix Synapse that is the user id, @name:server, which holds the row's user name). Never a password, key or token, and no other cell of the file."</p>
                <ul aria-label="Saved runs">
                    <For each=move || list.get() key=|item| (item.0.clone(), item.5, item.6.clone()) let:item>
                        {
                            let (key, file, target, url, started, finished, counts) = item;
                            let label = format!("Delete saved run of {file}");
                            view! {
                                <li>
                                    <span>{format!(
                                        "{file} → {target} {url}, {} ({}): {counts}",
                                        when(started),
                                        if finished { "ended" } else { "interrupted" },
                                    )}</span>
                                    " "
                                    <button
                                        aria-label=label
                                        disabled=move || active.get()
                                        on:click=move |_| {
                                            store::remove(&key);
                                            journals.update(|v| *v += 1);
                                        }
                                    >
                                        "Delete"
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </section>
        </Show>
    }
}
