//! Resume after a reload or a crash (issue 5): the run journal is written while a run is in
//! progress; dropping the same file again for the same target offers "Resume previous
//! run"; closing or reloading the tab during a run asks first; saved runs are listed and
//! can be deleted. What a journal holds: `roster_core::journal`.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use roster_core::journal::{fingerprint, Journal};
use roster_core::run::Run;
use roster_core::Status;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::state::{AppState, RunView};
use crate::glue::clock::now_ms;
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
    /// (identity of the file's bytes, their SHA-256): hashed once per file.
    static HASHED: RefCell<Option<(usize, usize, String)>> = const { RefCell::new(None) };
}

/// SHA-256 of the loaded file's bytes, if a file is loaded.
pub fn file_fingerprint(state: AppState) -> Option<String> {
    let bytes = state.sheet.bytes.get_value()?;
    let id = (Rc::as_ptr(&bytes) as usize, bytes.len());
    if let Some(hit) = HASHED.with_borrow(|h| {
        h.as_ref()
            .filter(|(p, n, _)| (*p, *n) == id)
            .map(|(_, _, f)| f.clone())
    }) {
        return Some(hit);
    }
    let hash = fingerprint(&bytes);
    HASHED.with_borrow_mut(|h| *h = Some((id.0, id.1, hash.clone())));
    Some(hash)
}

/// Writes one run's journal as its rows change.
pub struct Writer {
    journal: Journal,
    written_at: Option<u64>,
    pending: bool,
    /// Rows handed to the network since the last full write.
    sending: Vec<usize>,
}

impl Writer {
    fn write(&mut self, run: &Run, finished: bool) {
        self.journal
            .record(run.rows(), finished, js_sys::Date::now());
        store::save(&self.journal);
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
        state.journals.update(|v| *v += 1);
    }
}

/// Starts the journal of a run that is about to be driven.
pub fn begin(state: AppState, run: &Run) -> Option<Rc<RefCell<Writer>>> {
    let fingerprint = file_fingerprint(state)?;
    let mut journal = Journal::new(
        &fingerprint,
        &state.sheet.name.get_untracked().unwrap_or_default(),
        state.target.with_untracked(|k| k.id().to_owned()).as_str(),
        &state.server_url.get_untracked(),
        js_sys::Date::now(),
    );
    journal.record(run.rows(), false, js_sys::Date::now());
    store::save(&journal);
    let writer = Rc::new(RefCell::new(Writer {
        journal,
        written_at: Some(now_ms()),
        pending: false,
        sending: Vec::new(),
    }));
    CURRENT.with_borrow_mut(|c| *c = Some(writer.clone()));
    state.journals.update(|v| *v += 1);
    Some(writer)
}

/// Writes the journal of the run in progress now (the page is going away).
fn flush(state: AppState) {
    let Some(writer) = CURRENT.with_borrow(Clone::clone) else {
        return;
    };
    let Some(run) = state.run.get_value() else {
        return;
    };
    let (Ok(mut writer), Ok(run)) = (writer.try_borrow_mut(), run.try_borrow()) else {
        return;
    };
    let over = run.is_over();
    writer.write(&run, over);
}

/// The unfinished journal of the loaded file against the target in the form, if any.
fn matching(state: AppState) -> Option<Journal> {
    let url = state.server_url.get();
    let target = state.target.with(|k| k.id().to_owned());
    state.journals.get();
    let rows = state.plan.with(|p| p.as_ref().map(|p| p.len()))?;
    if url.trim().is_empty() {
        return None;
    }
    let fingerprint = file_fingerprint(state)?;
    store::list()
        .into_iter()
        .map(|(_, j)| j)
        .find(|j| j.matches(&fingerprint, &target, &url) && !j.finished && j.rows() == rows)
}

fn when(ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    String::from(d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

fn summary(j: &Journal) -> String {
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

/// Installs the page-leave handlers once: ask before leaving during a run, and write the
/// journal as the page goes.
fn install_leave_guard(state: AppState) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let before = Closure::<dyn FnMut(web_sys::BeforeUnloadEvent)>::new(
        move |ev: web_sys::BeforeUnloadEvent| {
            if state.active.get_untracked() {
                flush(state);
                ev.prevent_default();
                ev.set_return_value("An import is in progress.");
            }
        },
    );
    let hide = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        if state.active.get_untracked() {
            flush(state);
        }
    });
    let _ =
        window.add_event_listener_with_callback("beforeunload", before.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("pagehide", hide.as_ref().unchecked_ref());
    before.forget();
    hide.forget();
}

#[component]
pub fn ResumeOffer(state: AppState) -> impl IntoView {
    install_leave_guard(state);
    let offer = Memo::new(move |_| {
        if state.active.get() || state.run_view.get() != RunView::Idle {
            return None;
        }
        matching(state)
    });
    view! {
        <Show when=move || offer.get().is_some()>
            <div class="resume-offer" role="region" aria-label="Previous run">
                <p>
                    {move || offer.get().map(|j| format!(
                        "This file was imported to this server before ({}) and the run did not finish: {}. Resuming sends only what is still open; created and existing rows are not sent again, and rows whose answer was lost are checked first.",
                        when(j.started_at),
                        summary(&j),
                    ))}
                </p>
                <div class="actions">
                    <button
                        class="primary"
                        on:click=move |_| {
                            if let Some(j) = offer.get_untracked() {
                                super::import::start_with(state, Some(j));
                            }
                        }
                    >
                        "Resume previous run"
                    </button>
                </div>
            </div>
        </Show>
    }
}

#[component]
pub fn SavedRuns(state: AppState) -> impl IntoView {
    let list = Memo::new(move |_| {
        state.journals.get();
        state.active.get();
        store::list()
            .into_iter()
            .map(|(key, j)| {
                (
                    key,
                    j.file_name.clone(),
                    j.target.clone(),
                    j.server_url.clone(),
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
                <p class="hint">"Kept in this browser's local storage so that an interrupted import can be resumed: the file's hash, its name, the target's address and each row's status and id. Never a password, key, token or cell of the file."</p>
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
                                        disabled=move || state.active.get()
                                        on:click=move |_| {
                                            store::remove(&key);
                                            state.journals.update(|v| *v += 1);
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
