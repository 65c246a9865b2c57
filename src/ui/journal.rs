//! The journal of the run in progress (issue 5): written while the run goes, at a pace
//! that follows the file's size, just before rows are sent, and as the page goes away.
//! What a journal holds: `roster_core::journal`; offering to resume one: `super::resume`.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use roster_core::run::journal::{fingerprint, Fingerprint, Journal};
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

/// Writes one run's journal as its rows change.
pub struct Writer {
    journal: Journal,
    written_at: Option<u64>,
    pending: bool,
    /// Rows handed to the network since the last full write.
    sending: Vec<usize>,
    /// The journal's pages as last written, so that a write stores only those that
    /// changed (see `roster_core::run::journal::PAGE_ROWS`).
    pages: Vec<String>,
}

impl Writer {
    fn write(&mut self, run: &Run, finished: bool) {
        self.journal
            .record(run.rows(), finished, js_sys::Date::now());
        store::save(&self.journal, &mut self.pages);
        self.written_at = Some(now_ms());
        self.pending = false;
        self.sending.clear();
    }

    /// Called before requests for these rows go out: a crash from now on finds them
    /// in flight, so a resumed run checks them instead of creating them blindly again.
    pub fn before_send(&mut self, rows: &[usize]) {
        if rows.is_empty() {
            return;
        }
        self.sending.extend_from_slice(rows);
        store::save_sending(&self.journal, self.sending.iter().copied());
    }

    /// Called with every display update of the run: writes at most every
    /// [`MIN_WRITE_MS`] (longer for large files, up to [`MAX_WRITE_MS`]).
    pub fn note(&mut self, run: &Run, changed: bool) {
        self.pending |= changed;
        if !self.pending {
            return;
        }
        let every = (run.rows().len() as u64 / ROWS_PER_WRITE_MS).clamp(MIN_WRITE_MS, MAX_WRITE_MS);
        let now = now_ms();
        if self.written_at.is_none_or(|t| now >= t + every) {
            self.write(run, false);
        }
    }

    /// The run is over: write its final state, or forget it when nothing was sent.
    pub fn finish(&mut self, state: AppState, run: &Run) {
        let sent = run
            .rows()
            .iter()
            .any(|r| r.attempts > 0 || r.first_sent_ms.is_some());
        let carried = !self.journal.previous().is_empty();
        if sent || carried {
            self.write(run, true);
        } else {
            store::remove(&self.journal.key());
        }
        CURRENT.with_borrow_mut(|c| *c = None);
        state.run.journals.update(|v| *v += 1);
    }
}

/// Starts the journal of a run that is about to be driven.
pub fn begin(state: AppState, run: &Run) -> Option<Rc<RefCell<Writer>>> {
    let fingerprint = file_fingerprint(state)?;
    let mut journal = Journal::new(
        &fingerprint,
        &state.sheet.name.get_untracked().unwrap_or_default(),
        state
            .form
            .target
            .with_untracked(|k| k.id().to_owned())
            .as_str(),
        &state.form.server_url.get_untracked(),
        js_sys::Date::now(),
    );
    journal.record(run.rows(), false, js_sys::Date::now());
    // A new run of this file against this server replaces its journal (a resumed one
    // was read already): no page of the old one may outlive it.
    store::remove(&journal.key());
    let mut pages = Vec::new();
    store::save(&journal, &mut pages);
    let writer = Rc::new(RefCell::new(Writer {
        journal,
        written_at: Some(now_ms()),
        pending: false,
        sending: Vec::new(),
        pages,
    }));
    CURRENT.with_borrow_mut(|c| *c = Some(writer.clone()));
    state.run.journals.update(|v| *v += 1);
    Some(writer)
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
    let over = run.is_over();
    writer.write(&run, over);
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
