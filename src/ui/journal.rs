//! The journal of the run in progress (issue 5): written while the run goes, at a pace
//! that follows the file's size, just before rows are sent, and as the page goes away.
//! What a journal holds: `roster_core::journal`; offering to resume one: `super::resume`.
//! A write that fails is never ignored: Start refuses to send (unless the admin chooses
//! "Start without resume"), and a run pauses with the reason ([`JournalProblem`]).

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use roster_core::run::journal::{self, fingerprint, Fingerprint, Journal, StoreError};
use roster_core::run::retry::RetryPlan;
use roster_core::run::Run;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::sheet::WeakBytes;
use super::state::AppState;
use crate::glue::clock::now_ms;
use crate::glue::file::yield_now;
use crate::glue::journal as store;

/// The least time between two journal writes; a large file writes less often. Whatever
/// happens in between is written when the page goes away (`beforeunload`/`pagehide`).
const MIN_WRITE_MS: u64 = 250;
/// A write costs time in proportion to the rows (every status, every target id, then
/// localStorage): one row in this many adds a millisecond to the least time between two
/// writes, so 100,000 rows write every 2 s rather than 4 times a second.
const ROWS_PER_WRITE_MS: u64 = 50;
/// The most time between two writes, whatever the size.
const MAX_WRITE_MS: u64 = 10_000;

thread_local! {
    /// The journal of the run in progress, for the page-leave handlers.
    static CURRENT: RefCell<Option<Rc<RefCell<Writer>>>> = const { RefCell::new(None) };
    /// (the file's bytes, their SHA-256): hashed once per file.
    static HASHED: RefCell<Option<(WeakBytes, String)>> = const { RefCell::new(None) };
}

/// How much of the file one step of [`hash_file`] hashes: a few milliseconds.
const HASH_SLICE: usize = 1 << 20;

/// SHA-256 of the loaded file's bytes, if it has been hashed ([`hash_file`]). Never
/// hashes: the resume offer asks at every keystroke in the Server URL.
pub fn known_fingerprint(state: AppState) -> Option<String> {
    let bytes = state.sheet.bytes.get_value()?;
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
    let bytes = state.sheet.bytes.get_value()?;
    let hash = fingerprint(bytes.as_ref());
    HASHED.with_borrow_mut(|h| *h = Some((bytes.downgrade(), hash.clone())));
    Some(hash)
}

/// Hashes the loaded file a slice at a time, yielding to the page in between (83 MB in
/// one go was a freeze of about a second), then lets the resume offer look again.
pub async fn hash_file(state: AppState) {
    let Some(bytes) = state.sheet.bytes.get_value() else {
        return;
    };
    if known_fingerprint(state).is_some() {
        return;
    }
    let mut hasher = Fingerprint::new();
    for slice in bytes.as_ref().chunks(HASH_SLICE) {
        hasher.update(slice);
        yield_now().await;
    }
    let still = state
        .sheet
        .bytes
        .with_value(|b| b.as_ref().is_some_and(|b| bytes.downgrade().is(b)));
    if still {
        let hash = hasher.finish();
        HASHED.with_borrow_mut(|h| *h = Some((bytes.downgrade(), hash)));
        state.run.journals.update(|v| *v += 1);
    }
}

/// Writes one run's journal as its rows change (what and how: the core's
/// `journal::Writer`; when: here). A write that fails is returned with the browser's
/// reason, so the run can pause; "Go on without resume" turns the journal off.
pub struct Writer {
    writer: journal::Writer,
    written_at: Option<u64>,
    pending: bool,
    /// Turned off by the admin ("Go on without resume"): nothing is written any more.
    off: bool,
}

/// Why the run pauses when its journal cannot be written, with what to do.
pub fn paused_because(error: &StoreError) -> String {
    format!(
        "Paused: the journal that lets this import resume after a reload or a crash could not be written: {}. Nothing more is sent until it can be. Free space (delete saved runs below, or clear this site's data in the browser), then press Resume; or press Go on without resume.",
        error.explain()
    )
}

impl Writer {
    fn write(&mut self, run: &Run, finished: bool) -> Result<(), StoreError> {
        if self.off {
            return Ok(());
        }
        self.pending = true;
        let mut store = store::local()?;
        self.writer
            .record(&mut store, run.rows(), finished, js_sys::Date::now())?;
        self.written_at = Some(now_ms());
        self.pending = false;
        Ok(())
    }

    /// Called before requests for these rows go out: a crash from now on finds them
    /// in flight, so a resumed run checks them instead of creating them blindly again.
    /// When this fails, they must not be sent.
    pub fn before_send(&mut self, rows: &[usize]) -> Result<(), StoreError> {
        if self.off || rows.is_empty() {
            return Ok(());
        }
        let mut store = store::local()?;
        self.writer.before_send(&mut store, rows)
    }

    /// Called with every display update of the run: writes at most every
    /// [`MIN_WRITE_MS`] (longer for large files, up to [`MAX_WRITE_MS`]). A failed write
    /// is tried again at the next update.
    pub fn note(&mut self, run: &Run, changed: bool) -> Result<(), StoreError> {
        self.pending |= changed;
        if !self.pending || self.off {
            return Ok(());
        }
        let every = (run.rows().len() as u64 / ROWS_PER_WRITE_MS).clamp(MIN_WRITE_MS, MAX_WRITE_MS);
        let now = now_ms();
        if self.written_at.is_none_or(|t| now >= t + every) {
            self.written_at = Some(now);
            return self.write(run, false);
        }
        Ok(())
    }

    /// Turns the journal off for the rest of the run and deletes what it had stored (it
    /// would be out of date): the admin chose to go on without resume.
    pub fn turn_off(&mut self) {
        self.off = true;
        store::remove(&self.writer.journal().key());
    }

    /// The run is over: write its final state, or forget it when nothing was sent. A run
    /// that stopped stays resumable (`journal::ends_run`).
    pub fn finish(&mut self, state: AppState, run: &Run) {
        let sent = run
            .rows()
            .iter()
            .any(|r| r.attempts > 0 || r.first_sent_ms.is_some());
        let carried = !self.writer.journal().previous().is_empty();
        if !self.off && (sent || carried) {
            if let Err(e) = self.write(run, journal::ends_run(run.phase())) {
                state.run.journal_problem.set(Some(JournalProblem::Unsaved(format!(
                    "The run's last state could not be saved in this browser: {}. A resume of this file would not be trusted: check the rows on the server before sending it again.",
                    e.explain()
                ))));
            }
        } else if !self.off {
            store::remove(&self.writer.journal().key());
        }
        CURRENT.with_borrow_mut(|c| *c = None);
        state.run.journals.update(|v| *v += 1);
    }
}

/// A run id: the wall-clock start and a random number (two tabs may start the same
/// file against the same server in the same millisecond).
fn run_id() -> String {
    format!(
        "{:x}-{:08x}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * f64::from(u32::MAX)) as u32
    )
}

/// Starts the journal of a run that is about to be driven: its first write (every row).
/// `Err` with the browser's reason when that write fails: then nothing may be sent
/// unless the admin chooses to go on without resume.
pub fn begin(state: AppState, run: &Run) -> Result<Rc<RefCell<Writer>>, StoreError> {
    let fingerprint = file_fingerprint(state)
        .ok_or_else(|| StoreError::new("Error", "the file's bytes are no longer loaded"))?;
    let mut journal = Journal::new(
        &fingerprint,
        &state.sheet.name.get_untracked().unwrap_or_default(),
        &run.target_id(),
        &state.form.server_url.get_untracked(),
        js_sys::Date::now(),
    )
    .with_run(&run_id());
    journal.record(run.rows(), false, js_sys::Date::now());
    let mut writer = journal::Writer::new(journal);
    // A new run of this file against this server replaces its journal (a resumed one
    // was read already): no page of the old one may outlive it.
    let first = store::local().and_then(|mut s| writer.begin(&mut s));
    state.run.journals.update(|v| *v += 1);
    if let Err(e) = first {
        // Whatever part of it was written is of no use.
        store::remove(&writer.journal().key());
        return Err(e);
    }
    let writer = Rc::new(RefCell::new(Writer {
        writer,
        written_at: Some(now_ms()),
        pending: false,
        off: false,
    }));
    CURRENT.with_borrow_mut(|c| *c = Some(writer.clone()));
    Ok(writer)
}

/// Writes the journal of the run in progress now (the page is going away).
fn flush(state: AppState) {
    let Some(writer) = CURRENT.with_borrow(Clone::clone) else {
        return;
    };
    let Some(run) = state.run.current.get_value() else {
        return;
    };
    let (Ok(mut writer), Ok(run)) = (writer.try_borrow_mut(), run.try_borrow()) else {
        return;
    };
    // Nothing can be done about a failure as the page goes: the run paused on the
    // failure that came first, and a resume then says why it cannot be trusted.
    let finished = run.is_over() && journal::ends_run(run.phase());
    let _ = writer.write(&run, finished);
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

/// The run's journal could not be written (issue 20): what the page says, and offers.
#[derive(Clone, Debug, PartialEq)]
pub enum JournalProblem {
    /// Start refused: the first write failed. The sentence, with the browser's reason.
    Refused(String),
    /// The run paused on a failed write: the run's hold reason it paused with.
    Paused(String),
    /// The last write of a run that ended failed.
    Unsaved(String),
}

thread_local! {
    /// What the refused Start was to send (a resumed journal, a retry), so that "Start
    /// without resume" starts the same run.
    static REFUSED: RefCell<Option<(Option<Journal>, Option<RetryPlan>)>> = const { RefCell::new(None) };
}

/// The id of the "Start without resume" button (it takes the focus after a refusal).
const START_WITHOUT: &str = "start-without-journal";

/// Start was refused because the journal's first write failed: say why, and keep what
/// the run was to send for "Start without resume".
pub fn refused(
    state: AppState,
    error: &StoreError,
    resume: Option<Journal>,
    retry: Option<RetryPlan>,
) {
    REFUSED.with_borrow_mut(|r| *r = Some((resume, retry)));
    state.run.journal_problem.set(Some(JournalProblem::Refused(format!(
        "Not started: the journal that lets an import resume after a reload or a crash could not be written: {}. No row was sent. Free space (delete saved runs below, or clear this site's data in the browser) and press Try again, or start without resume.",
        error.explain()
    ))));
    state.announcement.set(
        "Import not started: this browser could not store the run's journal. No row was sent."
            .into(),
    );
    super::focus::focus_soon(START_WITHOUT);
}

/// Pauses the run on a failed journal write, with the reason (a run paused already, by
/// the admin or for another reason, stays paused as it is; the write is tried again).
pub fn pause(state: AppState, run: &mut Run, error: &StoreError, now: u64) {
    let reason = paused_because(error);
    run.pause_with(now, reason.clone());
    if run.hold() == Some(reason.as_str()) {
        state
            .run
            .journal_problem
            .set(Some(JournalProblem::Paused(reason)));
    }
}

/// The journal's offers: "Start without resume" after a refused Start, "Go on without
/// resume" while a run is paused on a failed write.
#[component]
pub fn JournalProblemNotice(state: AppState) -> impl IntoView {
    let problem = state.run.journal_problem;
    let refused = move || match problem.get() {
        Some(JournalProblem::Refused(text)) if !state.run.active.get() => Some(text),
        _ => None,
    };
    let paused = move || match problem.get() {
        Some(JournalProblem::Paused(reason)) => {
            state.run.active.get() && state.run.hold.get().as_ref() == Some(&reason)
        }
        _ => false,
    };
    let unsaved = move || match problem.get() {
        Some(JournalProblem::Unsaved(text)) if !state.run.active.get() => Some(text),
        _ => None,
    };
    let relaunch = move |with_journal: bool| {
        let Some((resume, retry)) = REFUSED.with_borrow_mut(Option::take) else {
            return;
        };
        problem.set(None);
        super::focus::focus_soon(super::focus::PAUSE);
        super::launch::relaunch(state, resume, retry, with_journal);
    };
    let go_on_without = move |_| {
        if let Some(writer) = CURRENT.with_borrow(Clone::clone) {
            writer.borrow_mut().turn_off();
        }
        problem.set(None);
        state.run.journals.update(|v| *v += 1);
        if let Some(run) = state.run.current.get_value() {
            let mut run = run.borrow_mut();
            run.resume(now_ms());
            let changed = run.take_changed();
            super::follow::sync(state, &run, &changed);
        }
        state.announcement.set(
            "Import resumed without a journal: if this tab is closed or crashes, this run cannot be resumed.".into(),
        );
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
