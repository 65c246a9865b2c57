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
use roster_core::run::StatusCounts;
use roster_core::Status;

use super::state::{AppState, RunView};
use crate::glue::journal as store;

/// The saved journals of the loaded file against the target and server in the form:
/// their storage keys and heads (none until the file is hashed or a URL is typed).
fn saved_of_this_file(state: AppState) -> Vec<(String, Head)> {
    let url = state.form.server_url.get();
    let target = state.form.target.with(|k| k.target_id());
    state.run.journals.get();
    let Some(rows) = state.plan.rows.with(|p| p.as_ref().map(|p| p.len())) else {
        return Vec::new();
    };
    if url.trim().is_empty() {
        return Vec::new();
    }
    // Known once the file is hashed (in slices after it is read; that bumps `journals`).
    let Some(fingerprint) = super::journal::known_fingerprint(state) else {
        return Vec::new();
    };
    store::list()
        .into_iter()
        .filter(|(_, j)| j.matches(&fingerprint, &target, &url) && j.rows == rows)
        .collect()
}

/// The unfinished journal of the loaded file against the target in the form, if any:
/// its storage key and head.
pub(crate) fn matching(state: AppState) -> Option<(String, Head)> {
    saved_of_this_file(state)
        .into_iter()
        .find(|(_, j)| !j.finished)
}

/// The rows a finished saved run of the loaded file against the target in the form
/// created or found (another tab's, or this browser's before a reload); 0 when none.
pub(crate) fn done_by_saved_run(state: AppState) -> usize {
    untrack(|| saved_of_this_file(state))
        .iter()
        .filter(|(_, j)| j.finished)
        .map(|(_, j)| {
            let counts = j.counts();
            counts.get(Status::Created) + counts.get(Status::Updated) + counts.get(Status::Exists)
        })
        .max()
        .unwrap_or(0)
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
    counts_summary(&j.counts())
}

/// A saved run's rows in words, by the core's one word for each state:
/// "3 created, 1 problems, 6 ready".
pub fn counts_summary(counts: &StatusCounts) -> String {
    let mut parts = roster_core::job::words::counted(counts, 0);
    let pending = counts.get(Status::Pending);
    if pending > 0 {
        parts.push(format!("{pending} {}", roster_core::State::Ready.word()));
    }
    parts.join(", ")
}

/// What the resume offer says of the loaded file's unfinished run, started `when`:
/// that it goes on in another tab, that resuming sends only what is still open, or why
/// it cannot be resumed (`refusal`).
pub fn offer_text(elsewhere: bool, when: &str, so_far: &str, refusal: Option<&str>) -> String {
    if elsewhere {
        return format!("{} So far: {so_far}.", super::tabs::ELSEWHERE);
    }
    match refusal {
        None => format!(
            "This file was imported to this server before ({when}) and the run did not finish: {so_far}. Resuming sends only what is still open; created and existing rows are not sent again, and rows whose answer was lost are checked first."
        ),
        Some(why) => format!(
            "This file was imported to this server before ({when}) and the run did not finish: {so_far}. It cannot be resumed: {why}. Check on the server which accounts exist before sending the file again; delete the saved run under Saved runs when done."
        ),
    }
}

/// How a saved run can be resumed, after its line in Saved runs (empty when it is
/// offered there, or over).
pub fn how_to_resume(resumable: SavedRun, file: &str, target: &str, url: &str) -> String {
    match resumable {
        SavedRun::Ended | SavedRun::Here => String::new(),
        SavedRun::Elsewhere => " Running in another tab of this browser now.".to_owned(),
        SavedRun::FileLoaded => format!(
            " To resume it, choose the target {target} and enter the Server URL {url} (and the login)."
        ),
        SavedRun::NotLoaded => format!(
            " To resume it, choose or drop the same file ({file}) again, with the target {target} and the Server URL {url}."
        ),
    }
}

/// A saved run's line in Saved runs.
pub fn saved_line(
    file: &str,
    target: &str,
    url: &str,
    when: &str,
    resumable: SavedRun,
    counts: &str,
) -> String {
    let how = how_to_resume(resumable, file, target, url);
    let ended = if resumable == SavedRun::Ended {
        "ended"
    } else {
        "interrupted"
    };
    format!("{file} → {target} {url}, {when} ({ended}): {counts}.{how}")
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

/// The unfinished run the loaded file offers to resume: its key, its head, and why it
/// cannot be resumed if it cannot.
pub type Offer = (String, Head, Option<String>);

/// The resume offer of the moment: the matching journal, and why it cannot be resumed if
/// it cannot (a stale or foreign page, a damaged one: never resumed from a mix). None
/// while a run is going or over.
pub fn offer(state: AppState) -> Memo<Option<Offer>> {
    Memo::new(move |_| {
        if state.run.active.get()
            || !matches!(state.run.view.get(), RunView::Idle | RunView::LoginFailed)
        {
            return None;
        }
        let (key, head) = matching(state)?;
        let refusal = store::load(&key).err().map(|r| r.to_string());
        Some((key, head, refusal))
    })
}

/// "Resume previous run": `offer` (see [`offer`]), which another tab may be running
/// (`elsewhere`); `resume` resumes the run saved under a key.
#[component]
pub fn ResumeOffer(
    offer: Memo<Option<Offer>>,
    elsewhere: Signal<bool>,
    starting: Signal<bool>,
    resume: Callback<String>,
    /// "Generate passwords for rows without one" is ticked: the earlier run's are gone.
    #[prop(optional, into)]
    generating: Signal<bool>,
) -> impl IntoView {
    view! {
        <Show when=move || offer.get().is_some()>
            <div class="resume-offer" role="region" aria-label="Previous run">
                <p>
                    {move || offer.get().map(|(_, j, refusal)| offer_text(
                        elsewhere.get(),
                        &when(j.started_at),
                        &summary(&j),
                        refusal.as_deref(),
                    ))}
                </p>
                <Show when=move || generating.get()>
                    <p class="passwords-lost">{roster_core::input::passwords::RESUME_NOTE}</p>
                </Show>
                <Show when=move || !elsewhere.get() && offer.with(|o| o.as_ref().is_some_and(|o| o.2.is_none()))>
                    <div class="actions">
                        <button
                            class="primary"
                            disabled=move || starting.get()
                            on:click=move |_| {
                                if let Some((key, _, _)) = offer.get_untracked() {
                                    resume.run(key);
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

/// A saved run as Saved runs lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub key: String,
    pub file: String,
    pub target: String,
    /// The server's address without any user name or password in it.
    pub url: String,
    pub started: f64,
    pub resumable: SavedRun,
    pub counts: String,
}

/// The saved runs of the moment, with what each offers given the loaded file and form.
pub fn saved_runs(state: AppState) -> Memo<Vec<Saved>> {
    Memo::new(move |_| {
        state.run.journals.get();
        state.run.active.get();
        let fingerprint = super::journal::known_fingerprint(state);
        let rows = state.plan.rows.with(|p| p.as_ref().map(|p| p.len()));
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
                Saved {
                    key,
                    file: j.file_name.clone(),
                    // The target by its name ("Aurora"), as the form writes it; its id
                    // (lower case) only for a target this page does not know (issue 27).
                    target: roster_core::targets::TargetKind::by_id(j.target.as_str())
                        .map_or_else(|| j.target.to_string(), |k| k.name().to_owned()),
                    url: roster_core::run::journal::strip_userinfo(&j.server_url),
                    started: j.started_at,
                    resumable,
                    counts: summary(&j),
                }
            })
            .collect()
    })
}

/// Deletes the run journal saved under `key`; the lists read again.
pub fn delete_saved(state: AppState, key: &str) {
    store::remove(key);
    state.run.journals.update(|v| *v += 1);
}

/// The run journals kept in this browser (`list`, see [`saved_runs`]), each with a
/// Delete button; an interrupted one says how to resume it, and offers Resume when its
/// file, target and server are loaded.
#[component]
pub fn SavedRuns(
    list: Memo<Vec<Saved>>,
    active: Signal<bool>,
    starting: Signal<bool>,
    resume: Callback<String>,
    delete: Callback<String>,
) -> impl IntoView {
    view! {
        <Show when=move || !list.get().is_empty()>
            <section class="step saved-runs" aria-labelledby="saved-runs">
                <h2 id="saved-runs">"Saved runs"</h2>
                <p class="hint">"Kept in this browser's local storage so that an interrupted import can be resumed: the file's hash, its name, the target's address (without any user name or password in it), each row's status and the id the server gave each created row (some servers' ids hold the row's user name). Never a password, key or token, and no other cell of the file."</p>
                <ul aria-label="Saved runs">
                    <For each=move || list.get() key=|item| (item.key.clone(), item.resumable, item.counts.clone()) let:item>
                        {
                            let Saved { key, file, target, url, started, resumable, counts } = item;
                            let label = format!("Delete saved run of {file}");
                            let resume_label = format!("Resume saved run of {file}");
                            let elsewhere = resumable == SavedRun::Elsewhere;
                            let here = resumable == SavedRun::Here;
                            let resume_key = key.clone();
                            view! {
                                <li>
                                    <span>{saved_line(&file, &target, &url, &when(started), resumable, &counts)}</span>
                                    " "
                                    {here.then(|| view! {
                                        <button
                                            class="primary"
                                            aria-label=resume_label
                                            disabled=move || active.get() || starting.get()
                                            on:click=move |_| resume.run(resume_key.clone())
                                        >
                                            "Resume"
                                        </button>
                                        " "
                                    })}
                                    <button
                                        aria-label=label
                                        disabled=move || active.get() || elsewhere
                                        on:click=move |_| delete.run(key.clone())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counts_name_each_outcome_then_what_is_left() {
        let mut c = StatusCounts::default();
        assert_eq!(counts_summary(&c), "");
        c.add(Status::Pending, 6);
        c.add(Status::Failed, 1);
        c.add(Status::Created, 3);
        assert_eq!(counts_summary(&c), "3 created, 1 problems, 6 ready");
        c.add(Status::Unknown, 2);
        c.add(Status::Exists, 1);
        assert_eq!(
            counts_summary(&c),
            "3 created, 1 exists, 3 problems, 6 ready"
        );
    }

    #[test]
    fn the_offer_says_what_resuming_does_or_why_it_cannot() {
        let ok = offer_text(false, "12/1/2026, 3:04:05 PM", "3 created", None);
        assert!(ok.starts_with("This file was imported to this server before (12/1/2026, 3:04:05 PM) and the run did not finish: 3 created. Resuming sends only what is still open"), "{ok}");
        let refused = offer_text(false, "then", "3 created", Some("a page is missing"));
        assert!(
            refused.contains("It cannot be resumed: a page is missing."),
            "{refused}"
        );
        assert!(!refused.contains("Resuming sends"), "{refused}");
        let elsewhere = offer_text(true, "then", "3 created", Some("ignored"));
        assert_eq!(
            elsewhere,
            format!("{} So far: 3 created.", crate::ui::tabs::ELSEWHERE)
        );
    }

    #[test]
    fn a_saved_run_says_how_to_resume_it() {
        let line = |r| saved_line("a.csv", "Mail server", "https://x", "then", r, "1 created");
        assert_eq!(
            line(SavedRun::Ended),
            "a.csv → Mail server https://x, then (ended): 1 created."
        );
        assert_eq!(
            line(SavedRun::Here),
            "a.csv → Mail server https://x, then (interrupted): 1 created."
        );
        assert!(line(SavedRun::Elsewhere).ends_with(" Running in another tab of this browser now."));
        assert!(line(SavedRun::FileLoaded).ends_with(
            " To resume it, choose the target Mail server and enter the Server URL https://x (and the login)."
        ));
        assert!(line(SavedRun::NotLoaded).ends_with(
            " To resume it, choose or drop the same file (a.csv) again, with the target Mail server and the Server URL https://x."
        ));
    }
}
