//! The sheet's state: the file, its reading settings, the core sheet, the row window's
//! slots, and the page's row filters. A leaf: it knows no other part of the page.

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use roster_core::input::decode::TextEncoding;
use roster_core::input::map::{Mapping, UserRow};
use roster_core::input::plan::{Sheet, Tally};
use roster_core::input::read::{Layout, ReadOptions};
use roster_core::Status;

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
pub(crate) const SYNC_ROWS: usize = 20_000;
/// Records parsed or rows planned (or 256 KB decoded) per step of the core's machines;
/// the time budget is checked between steps.
pub(crate) const ROW_STEP: usize = 1_000;
/// The localStorage key prefix of remembered mappings.
pub(crate) const MEMORY_PREFIX: &str = "roster.mapping.v1.";

/// What one rendered row shows.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotView {
    pub index: usize,
    pub line: u64,
    pub email: String,
    pub has_password: bool,
    pub excluded: bool,
    pub status: Status,
    /// The row's problems with their column and value, the run's answer, or a warning.
    pub message: String,
    /// The message is a warning the pre-flight check found (an unregistered domain).
    pub warned: bool,
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

/// The loaded file's bytes, kept to read it again with other settings: as read, or, once
/// read, the decoded text when that is the file byte for byte (`Loaded::file_text`; the
/// usual UTF-8 file), so that the page holds one copy of the file, not two.
#[derive(Clone)]
pub enum FileBytes {
    Read(Rc<Vec<u8>>),
    Text(Arc<String>),
}

impl FileBytes {
    /// A handle that tells whether later bytes are this very copy (the same file read
    /// again keeps it), for caching its hash. It keeps the copy's allocation from being
    /// reused by another file, so two files never look alike by address.
    pub fn downgrade(&self) -> WeakBytes {
        match self {
            FileBytes::Read(bytes) => WeakBytes::Read(Rc::downgrade(bytes)),
            FileBytes::Text(text) => WeakBytes::Text(Arc::downgrade(text)),
        }
    }
}

/// See [`FileBytes::downgrade`].
pub enum WeakBytes {
    Read(std::rc::Weak<Vec<u8>>),
    Text(std::sync::Weak<String>),
}

impl WeakBytes {
    pub fn is(&self, bytes: &FileBytes) -> bool {
        match (self, bytes) {
            (WeakBytes::Read(w), FileBytes::Read(b)) => std::ptr::eq(w.as_ptr(), Rc::as_ptr(b)),
            (WeakBytes::Text(w), FileBytes::Text(t)) => std::ptr::eq(w.as_ptr(), Arc::as_ptr(t)),
            _ => false,
        }
    }
}

impl AsRef<[u8]> for FileBytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            FileBytes::Read(bytes) => bytes,
            FileBytes::Text(text) => text.as_bytes(),
        }
    }
}

#[derive(Clone, Copy)]
pub struct SheetState {
    /// The file's (or pasted text's) name and bytes, kept to read again on a new setting.
    pub name: RwSignal<Option<String>>,
    pub bytes: StoredValue<Option<FileBytes>, LocalStorage>,
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
    pub(crate) job: StoredValue<u64>,
    /// True while a file is read: a replan then waits for the read, which plans at its end.
    pub(crate) reading: StoredValue<bool>,
    pub tally: RwSignal<Tally>,
    pub min_password: RwSignal<String>,
    /// The admin accepts addresses whose domain has no dot (intranet names).
    pub accept_dotless: RwSignal<bool>,
    pub settings_error: RwSignal<Option<String>>,
    pub only_problems: RwSignal<bool>,
    /// List only rows in this status (during and after a run too).
    pub status_filter: RwSignal<Option<Status>>,
    /// The rows listed when filtering (ascending); `None` lists every row.
    pub(crate) order: StoredValue<Option<Vec<usize>>>,
    /// How many rows the list holds.
    pub listed: RwSignal<usize>,
    /// The list position of the first rendered slot.
    pub first: RwSignal<usize>,
    /// The height of the space above the rendered rows, in CSS pixels.
    pub top_px: RwSignal<f64>,
    pub slots: [RwSignal<Option<SlotView>>; SLOTS],
    pub editing: RwSignal<Option<usize>>,
    /// The row and cell (`data-control`) being edited in the grid (issue 13).
    pub cell_editing: RwSignal<Option<(usize, &'static str)>>,
    /// The rows the user ticked for "Set … on selected rows" (issue 13); cleared when the
    /// file is read again.
    pub selected: RwSignal<BTreeSet<usize>>,
}

impl SheetState {
    /// A run's user source (`roster_core::run::Users`): row `i`'s typed row, built from
    /// the sheet when the run sends it. The sheet cannot change while a run is active
    /// (edits, file loads, the mapping and the settings are refused or locked), so this
    /// is the row that was planned; `None` (no sheet) ends the row `invalid`, never sent.
    pub fn users(self) -> impl Fn(usize) -> Option<UserRow> + 'static {
        let sheet = self.sheet;
        move |i| {
            sheet
                .try_with_value(|s| s.as_ref().and_then(|s| s.user(i)))
                .flatten()
        }
    }

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
            cell_editing: RwSignal::new(None),
            selected: RwSignal::new(BTreeSet::new()),
        }
    }

    pub(crate) fn next_job(&self) -> u64 {
        self.job.update_value(|j| *j += 1);
        self.job.get_value()
    }

    pub(crate) fn stale(&self, job: u64) -> bool {
        self.job.get_value() != job
    }
}
