//! Resume after a reload or a crash (issue 5): the run journal is written while a run is in
//! progress; dropping the same file again for the same target offers "Resume previous
//! run" (and Start asks "Resume" or "Start over", `import::controls`); closing or
//! reloading the tab during a run asks first; saved runs are listed, say how to resume
//! them, offer Resume when their file, target and server are in the form, and can be
//! deleted. A run going in another tab (issue 20, `super::tabs`) is shown as such, with
//! nothing that would send or delete. What a journal holds: `roster_core::journal`.

use leptos::prelude::*;
use roster_core::run::journal::Head;
use roster_core::run::tabs::{saved_run, SavedRun};
use roster_core::Status;

use super::state::{AppState, RunView};
use crate::glue::journal as store;

/// The unfinished journal of the loaded file against the target in the form, if any:
/// its storage key and head.
pub(crate) fn matching(state: AppState) -> Option<(String, Head)> {
    let url = state.form.server_url.get();
    let target = state.form.target.with(|k| k.target_id());
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

pub(crate) fn summary(j: &Head) -> String {
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

/// Resumes the run saved under `key`, under its lock (`super::tabs::guarded`): the
/// journal is read once the lock is held.
pub(crate) fn resume_saved(state: AppState, key: String) {
    super::tabs::guarded(state, move || {
        match store::load(&key) {
            Ok(journal) => super::launch::start_with(state, Some(journal)),
            Err(why) => state.announcement.set(format!(
                "Not resumed: {why}. No row was sent; delete it under Saved runs, or start a new import."
            )),
        }
    });
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
    let elsewhere = Memo::new(move |_| super::tabs::running_elsewhere(state));
    view! {
        <Show when=move || offer.get().is_some()>
            <div class="resume-offer" role="region" aria-label="Previous run">
                <p>
                    {move || offer.get().map(|(_, j, refusal)| if elsewhere.get() { format!(
                        "{} So far: {}.",
                        super::tabs::ELSEWHERE,
                        summary(&j),
                    ) } else { match refusal {
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
                    } })}
                </p>
                <Show when=move || !elsewhere.get() && offer.with(|o| o.as_ref().is_some_and(|o| o.2.is_none()))>
                    <div class="actions">
                        <button
                            class="primary"
                            disabled=move || state.run.starting.get()
                            on:click=move |_| {
                                if let Some((key, _, _)) = offer.get_untracked() {
                                    resume_saved(state, key);
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
/// The run journals kept in this browser, each with a Delete button; an interrupted one
/// says how to resume it, and offers Resume when its file, target and server are loaded.
pub fn SavedRuns(state: AppState) -> impl IntoView {
    let journals = state.run.journals;
    let active = Signal::from(state.run.active);
    let list = Memo::new(move |_| {
        journals.get();
        active.get();
        let fingerprint = super::journal::known_fingerprint(state);
        let rows = state.plan.with(|p| p.as_ref().map(|p| p.len()));
        let url = state.form.server_url.get();
        let target = state.form.target.with(|k| k.target_id());
        store::list()
            .into_iter()
            .map(|(key, j)| {
                let same_file =
                    fingerprint.as_deref() == Some(j.fingerprint.as_str()) && rows == Some(j.rows);
                let resumable = saved_run(
                    super::tabs::journal_elsewhere(state, &key),
                    j.finished,
                    same_file,
                    j.matches(&j.fingerprint, &target, &url),
                );
                (
                    key,
                    j.file_name.clone(),
                    j.target.clone(),
                    roster_core::run::journal::strip_userinfo(&j.server_url),
                    j.started_at,
                    resumable,
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
                            let (key, file, target, url, started, resumable, counts) = item;
                            let label = format!("Delete saved run of {file}");
                            let resume_label = format!("Resume saved run of {file}");
                            let how = match resumable {
                                SavedRun::Ended => String::new(),
                                SavedRun::Elsewhere => " Running in another tab of this browser now.".to_owned(),
                                SavedRun::Here => String::new(),
                                SavedRun::FileLoaded => format!(" To resume it, choose the target {target} and enter the Server URL {url} (and the login)."),
                                SavedRun::NotLoaded => format!(" To resume it, choose or drop the same file ({file}) again, with the target {target} and the Server URL {url}."),
                            };
                            let ended = resumable == SavedRun::Ended;
                            let elsewhere = resumable == SavedRun::Elsewhere;
                            let here = resumable == SavedRun::Here;
                            let resume_key = key.clone();
                            view! {
                                <li>
                                    <span>{format!(
                                        "{file} → {target} {url}, {} ({}): {counts}.{how}",
                                        when(started),
                                        if ended { "ended" } else { "interrupted" },
                                    )}</span>
                                    " "
                                    {here.then(|| view! {
                                        <button
                                            class="primary"
                                            aria-label=resume_label
                                            disabled=move || active.get() || state.run.starting.get()
                                            on:click=move |_| resume_saved(state, resume_key.clone())
                                        >
                                            "Resume"
                                        </button>
                                        " "
                                    })}
                                    <button
                                        aria-label=label
                                        disabled=move || active.get() || elsewhere
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
