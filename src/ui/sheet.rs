//! The input side of the page: the file's bytes and reading settings, the core [`Sheet`]
//! (table, mapping, rules), reading and planning in time slices, and the window of rows
//! the table shows.
//!
//! # Rows at scale
//!
//! The planned rows live once, in [`AppState::plan`] (an `Arc<Vec<PlannedRow>>`, edited in
//! place with `Arc::make_mut`, which copies nothing while no one else holds the Arc). No
//! row has a signal of its own. The table renders a fixed number of slots ([`SLOTS`]);
//! each slot has one signal holding the view of the row it shows now. Scrolling re-fills
//! the slots; a change to row `i` (an edit, an exclusion, or the run's [`sync`]) refreshes
//! only the slot that shows row `i`, if any. A million rows cost a million plain structs
//! and `SLOTS` signals, and an update to one row touches one slot.
//!
//! # Never a long task
//!
//! Reading, decoding, parsing and planning run in slices of [`BUDGET_MS`] and yield to the
//! page in between ([`crate::glue::file::Budget`]). Each job has a number; a job that
//! finds a newer one started (another file, another setting) stops.

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::input::decode::TextEncoding;
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{PlannedRow, Sheet, Tally};
use roster_core::input::read::{Layout, ReadOptions};
use roster_core::input::reading::{Planning, Progress, Reading};
use roster_core::input::validate::{Defaults, Rules};
use roster_core::run::{Run, StatusCounts};
use roster_core::Status;

use super::state::{AppState, RunView};
use crate::glue::file::{read_in_slices, yield_now, Budget};
use crate::glue::storage;

/// How many rows the table renders at once.
pub const SLOTS: usize = 48;
/// Rows rendered above the first visible one.
pub const OVERSCAN: usize = 6;
/// The fixed height of a table row, in CSS pixels (see style/main.css).
pub const ROW_PX: f64 = 34.0;
/// The table's scroll height is capped here (browsers cap an element's height near
/// 2^25 px; a million 34 px rows would pass it): past the cap, the scroll position is
/// scaled to a row number instead of mapping pixel for pixel.
pub const MAX_SCROLL_PX: f64 = 8_000_000.0;
/// The longest stretch of work between two yields to the page.
pub const BUDGET_MS: u64 = 8;
/// Sheets up to this many rows are re-planned at once, without yielding.
const SYNC_ROWS: usize = 20_000;
/// Records parsed or rows planned (or 256 KB decoded) per step of the core's machines;
/// the time budget is checked between steps.
const ROW_STEP: usize = 1_000;
/// The localStorage key prefix of remembered mappings.
const MEMORY_PREFIX: &str = "roster.mapping.v1.";

/// What one rendered row shows.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotView {
    pub index: usize,
    pub line: u64,
    pub email: String,
    pub has_password: bool,
    pub excluded: bool,
    pub status: Status,
    pub message: String,
    pub target_id: String,
}

/// Reading settings as detected or overridden, for the file step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detected {
    pub encoding: TextEncoding,
    pub layout: Layout,
    pub rows: usize,
    /// A quote swallowed lines: reading with stray quotes taken literally gives more rows.
    pub stray_quotes: bool,
}

/// Where a long job stands, for the progress bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Busy {
    pub what: &'static str,
    pub fraction: f64,
}

#[derive(Clone, Copy)]
pub struct SheetState {
    /// The file's (or pasted text's) name and bytes, kept to read again on a new setting.
    pub name: RwSignal<Option<String>>,
    pub bytes: StoredValue<Option<Rc<Vec<u8>>>, LocalStorage>,
    /// The user's overrides; `None` fields are detected.
    pub options: RwSignal<ReadOptions>,
    pub detected: RwSignal<Option<Detected>>,
    /// Every line the file could not be read cleanly at, in words, for the summary.
    pub notes: RwSignal<Vec<String>>,
    /// The column names (header, or "Column N"), for the mapping and the row editor.
    pub columns: RwSignal<Vec<String>>,
    /// The mapping as the page shows it; the sheet holds the same.
    pub mapping: RwSignal<Mapping>,
    pub sheet: StoredValue<Option<Sheet>, LocalStorage>,
    pub busy: RwSignal<Option<Busy>>,
    job: StoredValue<u64>,
    /// True while a file is read: a replan then waits for the read, which plans at its end.
    reading: StoredValue<bool>,
    pub tally: RwSignal<Tally>,
    pub role_default: RwSignal<String>,
    pub quota_default: RwSignal<String>,
    pub tenant_default: RwSignal<String>,
    pub min_password: RwSignal<String>,
    /// The admin accepts addresses whose domain has no dot (intranet names).
    pub accept_dotless: RwSignal<bool>,
    pub settings_error: RwSignal<Option<String>>,
    pub only_problems: RwSignal<bool>,
    /// List only rows in this status (during and after a run too).
    pub status_filter: RwSignal<Option<Status>>,
    /// The rows listed when filtering (ascending); `None` lists every row.
    order: StoredValue<Option<Vec<usize>>>,
    /// How many rows the list holds.
    pub listed: RwSignal<usize>,
    /// The list position of the first rendered slot.
    pub first: RwSignal<usize>,
    /// The height of the space above the rendered rows, in CSS pixels.
    pub top_px: RwSignal<f64>,
    pub slots: [RwSignal<Option<SlotView>>; SLOTS],
    pub editing: RwSignal<Option<usize>>,
}

impl SheetState {
    pub fn new() -> SheetState {
        SheetState {
            name: RwSignal::new(None),
            bytes: StoredValue::new_local(None),
            options: RwSignal::new(ReadOptions::default()),
            detected: RwSignal::new(None),
            notes: RwSignal::new(Vec::new()),
            columns: RwSignal::new(Vec::new()),
            mapping: RwSignal::new(Mapping::default()),
            sheet: StoredValue::new_local(None),
            busy: RwSignal::new(None),
            job: StoredValue::new(0),
            reading: StoredValue::new(false),
            tally: RwSignal::new(Tally::default()),
            role_default: RwSignal::new(String::new()),
            quota_default: RwSignal::new(String::new()),
            tenant_default: RwSignal::new(String::new()),
            min_password: RwSignal::new(String::new()),
            accept_dotless: RwSignal::new(false),
            settings_error: RwSignal::new(None),
            only_problems: RwSignal::new(false),
            status_filter: RwSignal::new(None),
            order: StoredValue::new(None),
            listed: RwSignal::new(0),
            first: RwSignal::new(0),
            top_px: RwSignal::new(0.0),
            slots: std::array::from_fn(|_| RwSignal::new(None)),
            editing: RwSignal::new(None),
        }
    }

    fn next_job(&self) -> u64 {
        self.job.update_value(|j| *j += 1);
        self.job.get_value()
    }

    fn stale(&self, job: u64) -> bool {
        self.job.get_value() != job
    }
}

/// Starts over with new bytes: a dropped or picked file, or pasted text.
pub fn load_bytes(state: AppState, name: String, bytes: Vec<u8>) {
    let s = state.sheet;
    s.bytes.set_value(Some(Rc::new(bytes)));
    s.name.set(Some(name));
    s.options.set(ReadOptions::default());
    s.only_problems.set(false);
    s.status_filter.set(None);
    s.editing.set(None);
    reread(state);
}

/// Reads a file in slices, then loads it.
pub fn load_file(state: AppState, file: web_sys::File) {
    let s = state.sheet;
    let job = s.next_job();
    s.reading.set_value(true);
    state.file_error.set(None);
    s.busy.set(Some(Busy {
        what: "Reading the file",
        fraction: 0.0,
    }));
    spawn_local(async move {
        let name = file.name();
        let read = read_in_slices(&file, |f| {
            if !s.stale(job) {
                s.busy.set(Some(Busy {
                    what: "Reading the file",
                    fraction: f,
                }))
            }
        })
        .await;
        if s.stale(job) {
            return;
        }
        match read {
            Ok(bytes) => load_bytes(state, name, bytes),
            Err(message) => fail(state, format!("{name}: {message}")),
        }
    });
}

fn fail(state: AppState, message: String) {
    let s = state.sheet;
    s.reading.set_value(false);
    s.busy.set(None);
    s.detected.set(None);
    s.notes.set(Vec::new());
    state.preview.set(Vec::new());
    spawn_local(let_go(state));
    s.tally.set(Tally::default());
    state.run.set_value(None);
    state.run_view.set(RunView::Idle);
    state.counts.set(StatusCounts::default());
    rebuild_order(state, None);
    state.file_error.set(Some(message));
}

/// Reads the kept bytes again with the current settings.
pub fn reread(state: AppState) {
    let job = state.sheet.next_job();
    state.sheet.reading.set_value(true);
    spawn_local(read_job(state, job));
}

/// The file's bytes as the core's reading machine takes them.
struct SharedBytes(Rc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// Reads the kept bytes: drives the core's [`Reading`] machine (decode, detect, parse,
/// map, plan) a slice at a time, then shows what it made.
async fn read_job(state: AppState, job: u64) {
    let s = state.sheet;
    let Some(bytes) = s.bytes.get_value() else {
        s.reading.set_value(false);
        return;
    };
    let name = s.name.get_untracked().unwrap_or_default();
    let options = s.options.get_untracked();
    let mut budget = Budget::new(BUDGET_MS);
    let busy = |what: &'static str, fraction: f64| s.busy.set(Some(Busy { what, fraction }));
    busy("Decoding", 0.0);
    state.preview.set(Vec::new());

    // The previous file (or the previous reading of this one) is let go of first, in
    // slices, so its memory serves the new one.
    let_go(state).await;
    if s.stale(job) {
        return;
    }
    // Reading a file takes about six times its size in memory besides its bytes (text,
    // records, plan, address index: 5.7 times for the 1M-row bench file, measured with no
    // reservation). Asking for it once, up front, grows the app's memory in one step;
    // grown piece by piece past a few hundred MB, it gave long tasks (see BENCHMARKS.md).
    drop(Vec::<u8>::with_capacity(bytes.len().saturating_mul(6)));
    yield_now().await;

    let rules_used = rules(state);
    let mut reading = Reading::new(
        SharedBytes(bytes),
        options,
        rules_used.clone(),
        Box::new(|key| storage::get(&format!("{MEMORY_PREFIX}{key}"))),
    );
    loop {
        match reading.step(ROW_STEP) {
            Progress::Done => break,
            Progress::Working { what, fraction } => {
                if budget.expired() {
                    busy(what, fraction);
                }
            }
        }
        budget.tick().await;
        if s.stale(job) {
            return;
        }
    }
    let loaded = match reading.finish() {
        Ok(loaded) => loaded,
        Err(e) => return fail(state, format!("{name}: {e}")),
    };
    drop(reading);
    s.detected.set(Some(Detected {
        encoding: loaded.encoding,
        layout: loaded.layout,
        rows: loaded.rows.len(),
        stray_quotes: loaded.stray_quotes,
    }));
    s.notes.set(loaded.notes);
    s.columns.set(loaded.columns);
    s.mapping.set(loaded.sheet.mapping.clone());
    state.file_error.set(None);
    s.sheet.set_value(Some(loaded.sheet));
    show_plan(state, loaded.rows, loaded.tally);
    s.reading.set_value(false);
    // A setting changed while the file was read: plan again with it.
    if rules(state) != rules_used {
        replan(state);
    }
}

/// Puts a new plan in place of the old one (freed in slices) and shows it.
fn show_plan(state: AppState, rows: Vec<PlannedRow>, tally: Tally) {
    let s = state.sheet;
    let replaced = state
        .plan
        .try_update_untracked(|p| p.replace(Arc::new(rows)))
        .flatten();
    state.plan.notify();
    if let Some(plan) = replaced.and_then(|p| Arc::try_unwrap(p).ok()) {
        spawn_local(drop_slowly(plan));
    }
    // The dry run showed the previous plan's requests: they no longer apply.
    state.preview.set(Vec::new());
    state.run.set_value(None);
    state.run_view.set(RunView::Idle);
    state.login_error.set(None);
    s.tally.set(tally);
    state.counts.set(counts_of(tally));
    s.busy.set(None);
    rebuild_order(state, None);
}

/// The rules for the chosen target and the page's settings. A setting that is not a
/// number is reported and left out.
fn rules(state: AppState) -> Rules {
    let s = state.sheet;
    let kind = state.target.get_untracked();
    // A bad setting is reported at Start; plan as if it were absent.
    let target_rules = state
        .settings
        .with_untracked(|settings| kind.rules(settings));
    let mut errors = Vec::new();
    let mut number = |label: &str, raw: String, min: u64, max: u64| -> Option<u64> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<u64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            _ => {
                errors.push(format!(
                    "{label} must be a whole number from {min} to {max}."
                ));
                None
            }
        }
    };
    let aurora = kind.has_account_defaults();
    let role = number("Default role", s.role_default.get_untracked(), 1, 3);
    let quota = number(
        "Default quota (MB)",
        s.quota_default.get_untracked(),
        0,
        roster_core::input::validate::MAX_QUOTA_MB,
    );
    let tenant = number(
        "Default tenant ID",
        s.tenant_default.get_untracked(),
        0,
        u64::MAX,
    );
    let min = number(
        "Minimum password length",
        s.min_password.get_untracked(),
        0,
        256,
    );
    s.settings_error
        .set((!errors.is_empty()).then(|| errors.join(" ")));
    Rules {
        min_password_len: min.unwrap_or(0) as usize,
        defaults: if aurora {
            Defaults {
                role: role.map(|r| r as u8),
                quota_mb: quota,
                tenant_id: tenant,
            }
        } else {
            Defaults::default()
        },
        flag_dotless_domains: !s.accept_dotless.get_untracked(),
        ..target_rules
    }
}

/// Gives the columns the automatic mapping left unmapped to the fields the newly chosen
/// target adds (a `username` column once a target has user names). Columns already
/// mapped, by the user or automatically, keep their field.
pub fn remap_for_target(state: AppState) {
    let s = state.sheet;
    let fields = state
        .settings
        .with_untracked(|settings| state.target.with_untracked(|k| k.rules(settings)))
        .mapped_fields();
    let Some(auto) = s.sheet.with_value(|sheet| {
        sheet
            .as_ref()
            .map(|sheet| Mapping::auto_for(&sheet.table, fields))
    }) else {
        return;
    };
    s.mapping.update(|mapping| {
        for (column, field) in auto.columns.iter().enumerate() {
            let Some(field) = *field else { continue };
            if mapping.columns.get(column) == Some(&None) && mapping.column_of(field).is_none() {
                mapping.columns[column] = Some(field);
            }
        }
    });
}

/// Plans the loaded sheet again (another target, mapping or setting).
pub fn replan(state: AppState) {
    let s = state.sheet;
    if s.reading.get_value() || s.sheet.with_value(Option::is_none) {
        return;
    }
    let job = s.next_job();
    // A small file is planned at once, before the next event: a Start pressed right after
    // a setting changed (its change event fires on that very click) sees the new plan.
    let small = s
        .sheet
        .with_value(|sh| sh.as_ref().is_some_and(|sh| sh.len() <= SYNC_ROWS));
    let mut job = Box::pin(plan_job(state, job, small));
    let waker = std::task::Waker::noop();
    if job
        .as_mut()
        .poll(&mut std::task::Context::from_waker(waker))
        .is_pending()
    {
        // Until the new plan is in, Start waits (it would otherwise send the old plan).
        s.busy.set(Some(Busy {
            what: "Checking rows",
            fraction: 0.0,
        }));
        spawn_local(job);
    }
}

/// Plans the sheet with the current rules: drives the core's [`Planning`] machine over
/// the sheet where it is kept. `at_once`: never yield (a small sheet).
async fn plan_job(state: AppState, job: u64, at_once: bool) {
    let s = state.sheet;
    // A newer job (a setting changed as the read ended) has planned already, or will:
    // this one must not touch the sheet's rules or index under it.
    if s.stale(job) {
        return;
    }
    let rules = rules(state);
    let mapping = s.mapping.get_untracked();
    // The old plan stays in place (and on screen) until the new one replaces it: it
    // carries the rows the user excluded, for this job or a newer one that replaces it.
    // Start, Check and Dry run wait while `busy` says rows are being checked, so nothing
    // is sent from the old plan meanwhile.
    let excluded = state
        .plan
        .with_untracked(|p| p.as_ref().map(|p| p.iter().map(|r| r.excluded).collect()));
    let Some((planning, old_duplicates)) = s
        .sheet
        .try_update_value(|sheet| {
            sheet.as_mut().map(|sheet| {
                sheet.rules = rules;
                sheet.mapping = mapping;
                let old = sheet.take_duplicates();
                (Planning::new(sheet, excluded), old)
            })
        })
        .flatten()
    else {
        return;
    };
    spawn_local(drop_slowly_iter(old_duplicates.into_entries()));
    let mut planning = planning;
    if !at_once {
        yield_now().await;
    }
    if s.stale(job) {
        return;
    }
    let mut budget = Budget::new(if at_once { u64::MAX / 2 } else { BUDGET_MS });
    loop {
        let done = s
            .sheet
            .try_update_value(|sh| sh.as_mut().map(|sh| planning.step(sh, ROW_STEP)))
            .flatten();
        match done {
            None => return,
            Some(true) => break,
            Some(false) => {}
        }
        if budget.expired() {
            s.busy.set(Some(Busy {
                what: "Checking rows",
                fraction: planning.fraction(),
            }));
        }
        budget.tick().await;
        if s.stale(job) {
            return;
        }
    }
    let (rows, tally) = planning.finish();
    show_plan(state, rows, tally);
}

/// Takes the plan and the sheet out of the state and frees them in slices; the future
/// ends when they are gone.
fn let_go(state: AppState) -> impl Future<Output = ()> {
    let plan = state.plan.try_update(Option::take).flatten();
    let sheet = state.sheet.sheet.try_update_value(Option::take).flatten();
    async move {
        if let Some(plan) = plan.and_then(|p| Arc::try_unwrap(p).ok()) {
            drop_slowly(plan).await;
        }
        if let Some(mut sheet) = sheet {
            drop_slowly(std::mem::take(&mut sheet.table.records)).await;
            drop_slowly_iter(sheet.take_duplicates().into_entries()).await;
        }
    }
}

/// Drops a large vector a slice at a time, so freeing a million rows is no long task.
async fn drop_slowly<T>(mut items: Vec<T>) {
    while !items.is_empty() {
        let keep = items.len().saturating_sub(ROW_STEP * 5);
        items.truncate(keep);
        yield_now().await;
    }
}

/// [`drop_slowly`] for what an iterator owns.
async fn drop_slowly_iter<I: Iterator>(mut items: I) {
    while items.by_ref().take(ROW_STEP * 5).count() > 0 {
        yield_now().await;
    }
}

/// The import's counts before a run: what will be sent, what is invalid, what is skipped.
fn counts_of(t: Tally) -> StatusCounts {
    StatusCounts::of(
        std::iter::repeat_n(Status::Pending, t.valid)
            .chain(std::iter::repeat_n(Status::Invalid, t.invalid))
            .chain(std::iter::repeat_n(Status::Skipped, t.excluded)),
    )
}

/// Statuses the "Only rows with problems" filter keeps.
fn is_problem(status: Status) -> bool {
    matches!(
        status,
        Status::Invalid | Status::Rejected | Status::Failed | Status::Unknown
    )
}

/// What row `i` shows: the run's state when a run exists, else the plan's verdict.
fn view_of(planned: &PlannedRow, index: usize, run: Option<&Run>) -> SlotView {
    let (status, message, target_id) = match run.and_then(|r| r.rows().get(index)) {
        Some(r) => (
            r.status,
            r.message.clone(),
            r.target_id.clone().unwrap_or_default(),
        ),
        None if planned.excluded => (
            Status::Skipped,
            "Excluded by the user.".to_owned(),
            String::new(),
        ),
        None => match &planned.user {
            Ok(_) => (Status::Pending, String::new(), String::new()),
            Err(_) => (Status::Invalid, planned.problems_text(), String::new()),
        },
    };
    SlotView {
        index,
        line: planned.line,
        email: planned.email.clone(),
        has_password: planned.has_password,
        excluded: planned.excluded,
        status,
        message,
        target_id,
    }
}

/// Runs `f` with the current run, if there is one and it is not being driven right now.
fn with_run<T>(state: AppState, f: impl FnOnce(Option<&Run>) -> T) -> T {
    let run = state.run.get_value();
    let borrowed = run.as_ref().and_then(|r| r.try_borrow().ok());
    f(borrowed.as_deref())
}

/// The list position of row `i`, if it is listed.
pub fn position(state: AppState, i: usize) -> Option<usize> {
    state.sheet.order.with_value(|o| match o {
        None => Some(i),
        Some(order) => order.binary_search(&i).ok(),
    })
}

fn row_at(state: AppState, pos: usize) -> Option<usize> {
    state.sheet.order.with_value(|o| match o {
        None => Some(pos),
        Some(order) => order.get(pos).copied(),
    })
}

/// Fills every slot from the list, starting at the current first position.
pub fn refresh_slots(state: AppState) {
    with_run(state, |run| fill_slots(state, run));
}

fn fill_slots(state: AppState, run: Option<&Run>) {
    let s = state.sheet;
    let first = s.first.get_untracked();
    let listed = s.listed.get_untracked();
    let plan = state.plan.get_untracked();
    for (k, slot) in s.slots.iter().enumerate() {
        let view = plan.as_ref().and_then(|plan| {
            let pos = first + k;
            if pos >= listed {
                return None;
            }
            let i = row_at(state, pos)?;
            plan.get(i).map(|p| view_of(p, i, run))
        });
        if slot.with_untracked(|v| *v != view) {
            slot.set(view);
        }
    }
}

/// Refreshes the slots showing any of `rows`, and nothing else.
fn refresh_rows(state: AppState, rows: &[usize], run: Option<&Run>) {
    let s = state.sheet;
    let first = s.first.get_untracked();
    let Some(plan) = state.plan.get_untracked() else {
        return;
    };
    for &i in rows {
        let Some(pos) = position(state, i) else {
            continue;
        };
        if pos < first || pos >= first + SLOTS {
            continue;
        }
        if let Some(p) = plan.get(i) {
            s.slots[pos - first].set(Some(view_of(p, i, run)));
        }
    }
}

/// Lists every row, or only those with problems, and shows the top of the list.
pub fn rebuild_order(state: AppState, run: Option<&Run>) {
    filter_rows(state, run);
    let s = state.sheet;
    s.first.set(0);
    s.top_px.set(0.0);
    fill_slots(state, run);
}

/// Recomputes which rows the filters list, keeping the scroll position (clamped).
fn filter_rows(state: AppState, run: Option<&Run>) {
    let s = state.sheet;
    let n = state
        .plan
        .with_untracked(|p| p.as_ref().map_or(0, |p| p.len()));
    let problems = s.only_problems.get_untracked();
    let wanted = s.status_filter.get_untracked();
    let order = if problems || wanted.is_some() {
        let plan = state.plan.get_untracked();
        let status = |i: usize| match run.and_then(|r| r.rows().get(i)) {
            Some(r) => r.status,
            None => plan
                .as_ref()
                .map_or(Status::Pending, |p| view_of_status(&p[i])),
        };
        Some(
            (0..n)
                .filter(|&i| {
                    let st = status(i);
                    (!problems || is_problem(st)) && wanted.is_none_or(|w| w == st)
                })
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let listed = order.as_ref().map_or(n, Vec::len);
    s.listed.set(listed);
    s.order.set_value(order);
    if s.first.get_untracked() >= listed {
        s.first.set(listed.saturating_sub(1));
    }
}

fn view_of_status(p: &PlannedRow) -> Status {
    if p.excluded {
        Status::Skipped
    } else if p.user.is_ok() {
        Status::Pending
    } else {
        Status::Invalid
    }
}

/// Toggles the "Only rows with problems" filter.
pub fn set_only_problems(state: AppState, on: bool) {
    state.sheet.only_problems.set(on);
    with_run(state, |run| rebuild_order(state, run));
}

/// The scroll height of the whole list, capped at [`MAX_SCROLL_PX`].
pub fn scroll_height(listed: usize) -> f64 {
    (listed as f64 * ROW_PX).min(MAX_SCROLL_PX)
}

/// Scrolling: works out which rows are in view from the scroll position and the
/// viewport's height, renders them, and places them where the viewport is.
pub fn scroll_to(state: AppState, scroll_top: f64, viewport: f64) {
    let s = state.sheet;
    let listed = s.listed.get_untracked();
    let total = listed as f64 * ROW_PX;
    let height = scroll_height(listed);
    let max_first = listed.saturating_sub(SLOTS);
    let (first, top_px) = if total <= height {
        let first = ((scroll_top / ROW_PX).floor() as usize)
            .saturating_sub(OVERSCAN)
            .min(max_first);
        (first, first as f64 * ROW_PX)
    } else {
        let in_view = (viewport / ROW_PX).ceil() as usize;
        let fraction = (scroll_top / (height - viewport).max(1.0)).clamp(0.0, 1.0);
        let first_visible = (fraction * listed.saturating_sub(in_view) as f64).round() as usize;
        let first = first_visible.saturating_sub(OVERSCAN).min(max_first);
        let above = (first_visible - first.min(first_visible)) as f64 * ROW_PX;
        (first, (scroll_top - above).max(0.0))
    };
    s.top_px.set(top_px);
    if s.first.get_untracked() != first {
        s.first.set(first);
        refresh_slots(state);
    }
}

/// The scroll position that shows list position `pos` whole, below the table's sticky
/// header (`head_px` high), or `None` when it is in view already. The keyboard uses it
/// to move through rows the window has not rendered yet.
pub fn reveal(
    state: AppState,
    pos: usize,
    scroll_top: f64,
    viewport: f64,
    head_px: f64,
) -> Option<f64> {
    let listed = state.sheet.listed.get_untracked();
    let height = scroll_height(listed);
    let room = (viewport - head_px).max(ROW_PX);
    if listed as f64 * ROW_PX <= height {
        // Pixel for pixel: row `pos` starts `pos` rows below the header.
        let top = pos as f64 * ROW_PX;
        if top < scroll_top {
            Some(top)
        } else if top + ROW_PX > scroll_top + room {
            Some(top + ROW_PX - room)
        } else {
            None
        }
    } else {
        // Scaled (see `scroll_to`): the scroll position says which row is first in view.
        let in_view = (viewport / ROW_PX).ceil() as usize;
        let span = listed.saturating_sub(in_view).max(1) as f64;
        let range = (height - viewport).max(1.0);
        let first = ((scroll_top / range).clamp(0.0, 1.0) * span).round() as usize;
        let fits = ((room / ROW_PX).floor() as usize).max(1);
        let want = if pos < first {
            pos
        } else if pos >= first + fits {
            pos + 1 - fits
        } else {
            return None;
        };
        Some(want as f64 / span * range)
    }
}

/// The run's single way into the table: copies the changed rows into their slots.
pub fn sync(state: AppState, run: &Run, changed: &[usize]) {
    let s = state.sheet;
    if (s.only_problems.get_untracked() || s.status_filter.get_untracked().is_some())
        && !changed.is_empty()
    {
        // Rows move in and out of a filtered list as their status changes. The driver
        // calls this at most every 100 ms, so one pass over the statuses is cheap.
        filter_rows(state, Some(run));
        fill_slots(state, Some(run));
    } else {
        refresh_rows(state, changed, Some(run));
    }
}

pub fn set_status_filter(state: AppState, status: Option<Status>) {
    state.sheet.status_filter.set(status);
    with_run(state, |run| rebuild_order(state, run));
}

/// Applies a change to some rows of the plan, then refreshes tally, counts and slots.
/// Only the rows the core names as changed are re-counted and re-rendered.
fn change_rows(
    state: AppState,
    f: impl FnOnce(&mut Sheet, &mut [PlannedRow], &mut Tally) -> Vec<usize>,
) {
    let s = state.sheet;
    if state.active.get_untracked() {
        return;
    }
    let mut tally = s.tally.get_untracked();
    let mut changed = Vec::new();
    state.plan.update_untracked(|plan| {
        let Some(plan) = plan else { return };
        let rows = Arc::make_mut(plan);
        s.sheet.update_value(|sheet| {
            if let Some(sheet) = sheet {
                changed = f(sheet, rows, &mut tally);
            }
        });
    });
    s.tally.set(tally);
    state.counts.set(counts_of(tally));
    // A change after a run starts a new plan: the old run's results no longer apply.
    if state.run.with_value(Option::is_some) {
        state.run.set_value(None);
        state.run_view.set(RunView::Idle);
        rebuild_order(state, None);
    } else {
        refresh_rows(state, &changed, None);
    }
}

/// Sets one cell of row `i` and re-checks it and the rows sharing its address.
pub fn edit(state: AppState, i: usize, column: usize, value: &str) {
    change_rows(state, |sheet, rows, tally| {
        sheet.edit(rows, tally, i, column, value)
    });
}

/// Excludes every row whose address an earlier row has: the first of each duplicate
/// is kept. Returns how many rows were excluded.
pub fn keep_first_duplicates(state: AppState) -> usize {
    let before = state.sheet.tally.get_untracked().excluded;
    change_rows(state, |sheet, rows, tally| {
        sheet.keep_first_duplicates(rows, tally)
    });
    state.sheet.tally.get_untracked().excluded - before
}

pub fn set_excluded(state: AppState, i: usize, excluded: bool) {
    change_rows(state, |sheet, rows, tally| {
        sheet.set_excluded(rows, tally, i, excluded)
    });
}

/// Changes which field column `column` feeds; a field feeds from one column only.
/// The new mapping is remembered for files with the same header (names only).
pub fn set_mapping(state: AppState, column: usize, field: Option<Field>) {
    let s = state.sheet;
    s.mapping.update(|m| {
        if let Some(f) = field {
            for c in m.columns.iter_mut() {
                if *c == Some(f) {
                    *c = None;
                }
            }
        }
        if let Some(c) = m.columns.get_mut(column) {
            *c = field;
        }
    });
    let key = s.sheet.with_value(|sh| {
        sh.as_ref()
            .map(|sh| format!("{MEMORY_PREFIX}{}", Mapping::memory_key(&sh.table)))
    });
    if let Some(key) = key {
        storage::set(&key, &s.mapping.with_untracked(Mapping::to_memory));
    }
    replan(state);
}

/// The current text of a cell, for the row editor (never used for a password column).
pub fn cell(state: AppState, i: usize, column: usize) -> String {
    state.sheet.sheet.with_value(|sh| {
        sh.as_ref()
            .and_then(|sh| sh.table.records.get(i))
            .and_then(|r| r.fields.get(column).map(str::to_owned))
            .unwrap_or_default()
    })
}
