//! The sheet's state, in parts by concern: the file and how it is read ([`FileState`]),
//! the rows as planned ([`PlanState`]), the table's filters and window ([`TableView`]),
//! and what the user picked in it ([`Selection`]). A leaf: it knows no other part of the
//! page.

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use roster_core::input::decode::TextEncoding;
use roster_core::input::map::{Mapping, UserRow};
use roster_core::input::plan::{PlannedRow, Sheet, Tally};
use roster_core::input::read::{Layout, ReadOptions};
use roster_core::input::reading::Loaded;
use roster_core::{State, Status};

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

impl Detected {
    /// How a file was read, from what the reading made of it.
    pub fn of(loaded: &Loaded) -> Detected {
        Detected {
            encoding: loaded.encoding,
            layout: loaded.layout,
            rows: loaded.rows.len(),
            stray_quotes: loaded.stray_quotes,
        }
    }
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

/// The loaded file: its name and bytes, how it is read, and the reading's progress.
#[derive(Clone, Copy)]
pub struct FileState {
    /// The file's (or pasted text's) name and bytes, kept to read again on a new setting.
    pub name: RwSignal<Option<String>>,
    pub bytes: StoredValue<Option<FileBytes>, LocalStorage>,
    /// The user's overrides; `None` fields are detected.
    pub options: RwSignal<ReadOptions>,
    pub detected: RwSignal<Option<Detected>>,
    /// Every line the file could not be read cleanly at, in words, for the summary.
    pub notes: RwSignal<Vec<String>>,
    pub busy: RwSignal<Option<Busy>>,
    /// Why the file could not be read or loaded.
    pub error: RwSignal<Option<String>>,
    /// A workbook's sheets for the Sheet select, value, label, value, label, … (see
    /// `crate::glue::sheets`), and the one read or to read (issue 25).
    pub workbook: RwSignal<Vec<String>>,
    pub sheet: RwSignal<Option<String>>,
    /// A workbook as dropped or chosen: the browser's handle on the file, never its
    /// bytes, which only the spreadsheet reader's worker reads (`bytes` is then `None`
    /// until its sheet's text comes back).
    pub blob: StoredValue<Option<web_sys::Blob>, LocalStorage>,
    pub(crate) job: StoredValue<u64>,
    /// True while a file is read: a replan then waits for the read, which plans at its end.
    pub(crate) reading: StoredValue<bool>,
}

impl FileState {
    pub fn new() -> FileState {
        FileState {
            name: RwSignal::new(None),
            bytes: StoredValue::new_local(None),
            options: RwSignal::new(ReadOptions::default()),
            detected: RwSignal::new(None),
            notes: RwSignal::new(Vec::new()),
            busy: RwSignal::new(None),
            error: RwSignal::new(None),
            workbook: RwSignal::new(Vec::new()),
            sheet: RwSignal::new(None),
            blob: StoredValue::new_local(None),
            job: StoredValue::new(0),
            reading: StoredValue::new(false),
        }
    }

    /// New bytes to read (a dropped or picked file, or pasted text), with the reading
    /// settings detected again.
    pub fn start(&self, name: String, bytes: FileBytes) {
        self.start_as(name, Some(bytes), None);
    }

    /// New bytes, or a workbook (`blob`: its bytes are not read here), to read.
    pub fn start_as(&self, name: String, bytes: Option<FileBytes>, blob: Option<web_sys::Blob>) {
        self.bytes.set_value(bytes);
        self.blob.set_value(blob);
        self.name.set(Some(name));
        self.options.set(ReadOptions::default());
        self.workbook.set(Vec::new());
        self.sheet.set(None);
    }

    /// The file was read: how, and what could not be read cleanly (the caller ends the
    /// reading, `reading`, once the plan is shown). Its text, when it is
    /// the file byte for byte, is kept in place of the bytes, which go now.
    pub fn read(&self, detected: Detected, notes: Vec<String>, text: Option<Arc<String>>) {
        if let Some(text) = text {
            self.bytes.set_value(Some(FileBytes::Text(text)));
        }
        self.detected.set(Some(detected));
        self.notes.set(notes);
        self.error.set(None);
    }

    /// The file could not be read: nothing of it is shown, the error is.
    pub fn failed(&self, message: String) {
        self.reading.set_value(false);
        self.busy.set(None);
        self.detected.set(None);
        self.notes.set(Vec::new());
        self.error.set(Some(message));
    }

    pub(crate) fn next_job(&self) -> u64 {
        self.job.update_value(|j| *j += 1);
        self.job.get_value()
    }

    pub(crate) fn stale(&self, job: u64) -> bool {
        self.job.get_value() != job
    }
}

impl Default for FileState {
    fn default() -> Self {
        FileState::new()
    }
}

/// The file's rows as planned for the target: the columns, the mapping, the core sheet,
/// the rules' settings, and the planned rows with their tally.
#[derive(Clone, Copy)]
pub struct PlanState {
    /// The loaded file's rows, mapped and checked for the chosen target.
    pub rows: RwSignal<Option<Arc<Vec<PlannedRow>>>>,
    /// The column names (header, or "Column N"), for the mapping and the row editor.
    pub columns: RwSignal<Vec<String>>,
    /// The mapping as the page shows it; the sheet holds the same.
    pub mapping: RwSignal<Mapping>,
    pub sheet: StoredValue<Option<Sheet>, LocalStorage>,
    pub tally: RwSignal<Tally>,
    pub min_password: RwSignal<String>,
    /// The admin accepts addresses whose domain has no dot (intranet names).
    pub accept_dotless: RwSignal<bool>,
    pub settings_error: RwSignal<Option<String>>,
}

impl PlanState {
    pub fn new() -> PlanState {
        PlanState {
            rows: RwSignal::new(None),
            columns: RwSignal::new(Vec::new()),
            mapping: RwSignal::new(Mapping::default()),
            sheet: StoredValue::new_local(None),
            tally: RwSignal::new(Tally::default()),
            min_password: RwSignal::new(String::new()),
            accept_dotless: RwSignal::new(false),
            settings_error: RwSignal::new(None),
        }
    }

    /// A newly read sheet: its columns and its mapping as read (remembered or automatic).
    pub fn show_sheet(&self, columns: Vec<String>, sheet: Sheet) {
        self.columns.set(columns);
        self.mapping.set(sheet.mapping.clone());
        self.sheet.set_value(Some(sheet));
    }

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
}

impl Default for PlanState {
    fn default() -> Self {
        PlanState::new()
    }
}

/// The table's view of the rows: the filters, which rows they list, and the window of
/// slots over that list.
#[derive(Clone, Copy)]
pub struct TableView {
    pub only_problems: RwSignal<bool>,
    /// List only rows in this status (during and after a run too).
    pub status_filter: RwSignal<Option<State>>,
    /// The rows listed when filtering (ascending); `None` lists every row.
    pub(crate) order: StoredValue<Option<Vec<usize>>>,
    /// How many rows the list holds.
    pub listed: RwSignal<usize>,
    /// The list position of the first rendered slot.
    pub first: RwSignal<usize>,
    /// The height of the space above the rendered rows, in CSS pixels.
    pub top_px: RwSignal<f64>,
    pub slots: [RwSignal<Option<SlotView>>; SLOTS],
}

impl TableView {
    pub fn new() -> TableView {
        TableView {
            only_problems: RwSignal::new(false),
            status_filter: RwSignal::new(None),
            order: StoredValue::new(None),
            listed: RwSignal::new(0),
            first: RwSignal::new(0),
            top_px: RwSignal::new(0.0),
            slots: std::array::from_fn(|_| RwSignal::new(None)),
        }
    }
}

impl TableView {
    /// No filter: every row listed (a new file).
    pub fn clear_filters(&self) {
        self.only_problems.set(false);
        self.status_filter.set(None);
    }

    /// The list position of row `i`, if it is listed.
    pub fn position(&self, i: usize) -> Option<usize> {
        self.order
            .with_value(|o| super::filter::position_in(o.as_deref(), i))
    }

    /// The row at list position `pos`.
    pub fn row_at(&self, pos: usize) -> Option<usize> {
        self.order
            .with_value(|o| super::filter::row_in(o.as_deref(), pos))
    }

    /// The filters now on.
    pub fn filters(&self) -> super::filter::Filters {
        super::filter::Filters {
            only_problems: self.only_problems.get_untracked(),
            status: self.status_filter.get_untracked(),
        }
    }
}

impl Default for TableView {
    fn default() -> Self {
        TableView::new()
    }
}

/// What the user picked in the table: the row in the editor, the cell being edited, the
/// ticked rows.
#[derive(Clone, Copy)]
pub struct Selection {
    pub editing: RwSignal<Option<usize>>,
    /// The row and cell (`data-control`) being edited in the grid (issue 13).
    pub cell_editing: RwSignal<Option<(usize, &'static str)>>,
    /// The rows the user ticked for "Set … on selected rows" (issue 13); cleared when the
    /// file is read again.
    pub selected: RwSignal<BTreeSet<usize>>,
}

impl Selection {
    pub fn new() -> Selection {
        Selection {
            editing: RwSignal::new(None),
            cell_editing: RwSignal::new(None),
            selected: RwSignal::new(BTreeSet::new()),
        }
    }
}

impl Default for Selection {
    fn default() -> Self {
        Selection::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_starts_with_detected_settings_and_a_failure_clears_the_file() {
        let file = FileState::new();
        file.options.set(ReadOptions {
            header: Some(false),
            ..ReadOptions::default()
        });
        file.start("a.csv".into(), FileBytes::Read(Rc::new(b"x".to_vec())));
        assert_eq!(file.name.get_untracked().as_deref(), Some("a.csv"));
        assert_eq!(file.options.get_untracked(), ReadOptions::default());
        assert!(
            file.bytes
                .with_value(|b| b.as_ref().map(|b| b.as_ref().to_vec()))
                == Some(b"x".to_vec())
        );

        file.busy.set(Some(Busy {
            what: "Decoding",
            fraction: 0.5,
        }));
        file.notes.set(vec!["line 2".into()]);
        file.reading.set_value(true);
        file.failed("a.csv: unreadable".into());
        assert_eq!(file.busy.get_untracked(), None);
        assert_eq!(file.detected.get_untracked(), None);
        assert!(file.notes.get_untracked().is_empty());
        assert!(!file.reading.get_value());
        assert_eq!(
            file.error.get_untracked().as_deref(),
            Some("a.csv: unreadable")
        );
    }

    #[test]
    fn a_file_read_keeps_its_text_in_place_of_its_bytes() {
        let file = FileState::new();
        file.error.set(Some("old".into()));
        file.start("a.csv".into(), FileBytes::Read(Rc::new(b"abc".to_vec())));
        let text = Arc::new("abc".to_owned());
        let detected = Detected {
            encoding: TextEncoding::Utf8,
            layout: Layout {
                delimiter: b',',
                skip_lines: 0,
                header: true,
                literal_quotes: false,
            },
            rows: 1,
            stray_quotes: false,
        };
        file.read(detected, vec!["n".into()], Some(Arc::clone(&text)));
        assert!(file
            .bytes
            .with_value(|b| matches!(b, Some(FileBytes::Text(t)) if Arc::ptr_eq(t, &text))));
        assert_eq!(file.detected.get_untracked(), Some(detected));
        assert_eq!(file.notes.get_untracked(), vec!["n".to_owned()]);
        assert_eq!(file.error.get_untracked(), None);
        // No text (another encoding): the bytes stay.
        let other = FileState::new();
        other.start("b.csv".into(), FileBytes::Read(Rc::new(b"abc".to_vec())));
        other.read(detected, Vec::new(), None);
        assert!(other
            .bytes
            .with_value(|b| matches!(b, Some(FileBytes::Read(_)))));
    }

    #[test]
    fn a_job_is_stale_once_a_newer_one_starts() {
        let file = FileState::new();
        let first = file.next_job();
        assert!(!file.stale(first));
        let second = file.next_job();
        assert!(file.stale(first));
        assert!(!file.stale(second));
    }

    #[test]
    fn the_table_view_clears_its_filters_for_a_new_file() {
        let view = TableView::new();
        view.only_problems.set(true);
        view.status_filter.set(Some(State::Failed));
        assert!(view.filters().any());
        view.clear_filters();
        assert_eq!(view.filters(), Default::default());
    }

    #[test]
    fn weak_bytes_know_their_own_copy_only() {
        let a = FileBytes::Read(Rc::new(b"abc".to_vec()));
        let b = FileBytes::Read(Rc::new(b"abc".to_vec()));
        let weak = a.downgrade();
        assert!(weak.is(&a));
        assert!(!weak.is(&b));
        assert!(!weak.is(&FileBytes::Text(Arc::new("abc".into()))));
    }
}
