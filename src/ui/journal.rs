//! The journal of the run in progress (issue 5), as the page sees it: the file's
//! fingerprint (hashed a slice at a time), the last write as the page goes away, and the
//! offers when a write fails. When and what to write is the job's (`roster_core::job`),
//! carried out by the glue's loop; what a journal holds: `roster_core::run::journal`;
//! offering to resume one: `super::resume`. A write that fails is never ignored: Start
//! refuses to send (unless the admin chooses "Start without resume"), and a run pauses
//! with the reason ([`JournalProblem`]).

use leptos::prelude::*;
use roster_core::job::{Command, JournalProblem};
use roster_core::run::journal::{self as core_journal, fingerprint, Fingerprint};
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::sheet::WeakBytes;
use super::state::{AppState, RunState};
use crate::glue::clock::now_ms;
use crate::glue::file::yield_now;
use crate::glue::journal as store;

thread_local! {
    /// (the file's bytes, their SHA-256): hashed once per file.
    static HASHED: RefCell<Option<(WeakBytes, String)>> = const { RefCell::new(None) };
}

/// How much of the file one step of [`hash_file`] hashes: a few milliseconds.
const HASH_SLICE: usize = 1 << 20;

/// SHA-256 of the loaded file's bytes, if it has been hashed ([`hash_file`]). Never
/// hashes: the resume offer asks at every keystroke in the Server URL.
pub fn known_fingerprint(state: AppState) -> Option<String> {
    let bytes = state.file.bytes.get_value()?;
    HASHED.with_borrow(|h| {
        h.as_ref()
            .filter(|(of, _)| of.is(&bytes))
            .map(|(_, f)| f.clone())
    })
}

/// SHA-256 of the loaded file's bytes, hashing them now if [`hash_file`] has not yet
/// (a run started straight after the file was read).
pub fn file_fingerprint(state: AppState) -> Option<String> {
    if let Some(known) = known_fingerprint(state) {
        return Some(known);
    }
    let bytes = state.file.bytes.get_value()?;
    let hash = fingerprint(bytes.as_ref());
    HASHED.with_borrow_mut(|h| *h = Some((bytes.downgrade(), hash.clone())));
    Some(hash)
}

/// Hashes the loaded file a slice at a time, yielding to the page in between (83 MB in
/// one go was a freeze of about a second), then lets the resume offer look again.
pub async fn hash_file(state: AppState) {
    let Some(bytes) = state.file.bytes.get_value() else {
        return;
    };
    if known_fingerprint(state).is_some() {
        return;
    }
    let mut hasher = Fingerprint::new();
    // Each slice in a task of its own, the first too: this starts in the task that
    // showed the file's rows.
    for slice in bytes.as_ref().chunks(HASH_SLICE) {
        yield_now().await;
        hasher.update(slice);
    }
    let still = state
        .file
        .bytes
        .with_value(|b| b.as_ref().is_some_and(|b| bytes.downgrade().is(b)));
    if still {
        let hash = hasher.finish();
        HASHED.with_borrow_mut(|h| *h = Some((bytes.downgrade(), hash)));
        state.run.journals.update(|v| *v += 1);
    }
}

/// Writes the journal of the run in progress now (the page is going away).
fn flush(state: AppState) {
    let Some(job) = state.run.current.get_value() else {
        return;
    };
    let Ok(mut job) = job.try_borrow_mut() else {
        return;
    };
    // Nothing can be done about a failure as the page goes: the run paused on the
    // failure that came first, and a resume then says why it cannot be trusted.
    if let (Some(ops), Ok(mut local)) = (job.flush(now_ms()), store::local()) {
        let _ = core_journal::apply(&mut local, &ops);
    }
}

/// Installs the page-leave handlers once: ask before leaving during a run, and write the
/// journal as the page goes.
pub(super) fn install_leave_guard(state: AppState) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let before = Closure::<dyn FnMut(web_sys::BeforeUnloadEvent)>::new(
        move |ev: web_sys::BeforeUnloadEvent| {
            if state.run.active.get_untracked() {
                flush(state);
                ev.prevent_default();
                ev.set_return_value("An import is in progress.");
            } else if state.run.passwords.unsaved() {
                // Generated passwords live in this page only (issue 24).
                ev.prevent_default();
                ev.set_return_value("Generated passwords have not been downloaded.");
            }
        },
    );
    let hide = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        if state.run.active.get_untracked() {
            flush(state);
        }
    });
    let _ =
        window.add_event_listener_with_callback("beforeunload", before.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("pagehide", hide.as_ref().unchecked_ref());
    before.forget();
    hide.forget();
}

/// The id of the "Start without resume" button (it takes the focus after a refusal).
pub const START_WITHOUT: &str = "start-without-journal";

/// The journal's offers: "Start without resume" after a refused Start, "Go on without
/// resume" while a run is paused on a failed write.
#[component]
pub fn JournalProblemNotice(
    run: RunState,
    /// Starts the refused run again: with its journal (`true`, "Try again") or without.
    relaunch: Callback<bool>,
) -> impl IntoView {
    let problem = run.journal_problem;
    let refused = move || match problem.get() {
        Some(JournalProblem::Refused(text)) if !run.active.get() => Some(text),
        _ => None,
    };
    let paused = move || match problem.get() {
        Some(JournalProblem::Paused(reason)) => {
            run.active.get() && run.hold.get().as_ref() == Some(&reason)
        }
        _ => false,
    };
    let unsaved = move || match problem.get() {
        Some(JournalProblem::Unsaved(text)) if !run.active.get() => Some(text),
        _ => None,
    };
    let relaunch = move |with_journal: bool| {
        problem.set(None);
        super::focus::focus_soon(super::focus::PAUSE);
        relaunch.run(with_journal);
    };
    let go_on_without = move |_| {
        run.command(Command::GoOnWithoutJournal);
        super::focus::focus_soon(super::focus::PAUSE);
    };
    view! {
        <Show when=move || refused().is_some()>
            <div class="banner journal-problem" role="alert">
                <p>{move || refused().unwrap_or_default()}</p>
                <p>"Without resume, nothing of this run is kept in the browser: if the tab is closed, reloaded or crashes during the import, Roster cannot tell which rows were sent, and they must be checked on the server by hand before sending the file again."</p>
                <div class="actions">
                    <button class="primary" on:click=move |_| relaunch(true)>"Try again"</button>
                    <button id=START_WITHOUT on:click=move |_| relaunch(false)>"Start without resume"</button>
                </div>
            </div>
        </Show>
        <Show when=paused>
            <div class="banner journal-problem">
                <p>"Going on without the journal: if the tab is closed, reloaded or crashes before the import ends, this run cannot be resumed, and Roster cannot tell which rows were sent."</p>
                <button on:click=go_on_without>"Go on without resume"</button>
            </div>
        </Show>
        <Show when=move || unsaved().is_some()>
            <p class="banner journal-problem" role="alert">{move || unsaved().unwrap_or_default()}</p>
        </Show>
    }
}
