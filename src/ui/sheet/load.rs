//! Loading: a file's bytes read, decoded, parsed, mapped and planned in time slices.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::input::decode::TextEncoding;
use roster_core::input::plan::Tally;
use roster_core::input::read::{ReadError, ReadOptions};
use roster_core::input::reading::{Loaded, Progress, Reading};
use roster_core::run::StatusCounts;

use super::model::*;
use super::replan::*;
use super::window::*;
use crate::glue::file::{read_in_slices, Budget};
use crate::glue::storage;
use crate::ui::state::{AppState, RunView};

/// Starts over with new bytes: a dropped or picked file, or pasted text.
pub fn load_bytes(state: AppState, name: String, bytes: Vec<u8>) {
    start(state, name, Some(FileBytes::Read(Rc::new(bytes))), None);
}

/// Starts over with new bytes, or a workbook's file (see [`FileState::blob`]).
fn start(state: AppState, name: String, bytes: Option<FileBytes>, blob: Option<web_sys::Blob>) {
    state.file.start_as(name, bytes, blob);
    state.view.clear_filters();
    state.selection.editing.set(None);
    reread(state);
}

/// Reads a file in slices, then loads it.
pub fn load_file(state: AppState, file: web_sys::File) {
    let job = state.file.next_job();
    state.file.reading.set_value(true);
    state.file.error.set(None);
    state.file.busy.set(Some(Busy {
        what: "Reading the file",
        fraction: 0.0,
    }));
    spawn_local(async move {
        let name = file.name();
        // A workbook is not read here: its worker reads the file itself (issue 25).
        #[cfg(feature = "sheets")]
        if crate::glue::file::first_bytes(&file)
            .await
            .is_ok_and(|b| roster_core::input::read::workbook::is_workbook(&b))
        {
            if !state.file.stale(job) {
                start(state, name, None, Some(file.into()));
            }
            return;
        }
        let read = read_in_slices(&file, |f| {
            if !state.file.stale(job) {
                state.file.busy.set(Some(Busy {
                    what: "Reading the file",
                    fraction: f,
                }))
            }
        })
        .await;
        if state.file.stale(job) {
            return;
        }
        match read {
            Ok(bytes) => load_bytes(state, name, bytes),
            Err(message) => fail(state, format!("{name}: {message}")),
        }
    });
}

pub(crate) fn fail(state: AppState, message: String) {
    state.file.failed(message);
    state.findings.preview.set(Vec::new());
    spawn_local(let_go(state));
    state.plan.tally.set(Tally::default());
    state.run.current.set_value(None);
    state.run.view.set(RunView::Idle);
    state.run.counts.set(StatusCounts::default());
    rebuild_order(state, None);
}

/// Reads the kept bytes again with the current settings.
pub fn reread(state: AppState) {
    // Another reading may give other rows: a selection by row number no longer applies.
    state.selection.selected.set(Default::default());
    state.selection.cell_editing.set(None);
    let job = state.file.next_job();
    state.file.reading.set_value(true);
    spawn_local(read_job(state, job));
}

/// A file's bytes that are valid UTF-8 become its text in place (no copy), when UTF-8 is
/// how the file may be read (the user chose it, or nothing): the reading then parses that
/// text instead of decoding a copy, so an 83 MB file takes 83 MB while it is read, not
/// 166. Anything else (other bytes, another encoding chosen, a copy held elsewhere) is
/// read as before. Returns the bytes to read; the caller lets its own handle go first
/// (the bytes are moved only when this is the one handle) and keeps the result.
pub fn in_place(bytes: FileBytes, options: &ReadOptions) -> FileBytes {
    let FileBytes::Read(read) = bytes else {
        return bytes;
    };
    if !matches!(options.encoding, None | Some(TextEncoding::Utf8)) {
        return FileBytes::Read(read);
    }
    match Rc::try_unwrap(read) {
        Err(shared) => FileBytes::Read(shared),
        Ok(vec) => match String::from_utf8(vec) {
            Ok(text) => FileBytes::Text(Arc::new(text)),
            Err(not_utf8) => FileBytes::Read(Rc::new(not_utf8.into_bytes())),
        },
    }
}

/// Drives the core's [`Reading`] machine (decode, detect, parse, map, plan) a slice at a
/// time, telling `busy` how far it is when a slice ran out; `None` when `stale` says a
/// newer job started.
pub async fn read_in_steps(
    mut reading: Reading<FileBytes>,
    busy: impl Fn(&'static str, f64),
    stale: impl Fn() -> bool,
) -> Option<Result<Loaded, ReadError>> {
    let mut budget = Budget::new(BUDGET_MS);
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
        if stale() {
            return None;
        }
    }
    Some(reading.finish())
}

/// Reads the kept bytes: drives the core's [`Reading`] machine (decode, detect, parse,
/// map, plan) a slice at a time, then shows what it made.
pub(crate) async fn read_job(state: AppState, job: u64) {
    let blob = state.file.blob.get_value();
    if blob.is_none() && state.file.bytes.with_value(Option::is_none) {
        state.file.reading.set_value(false);
        return;
    }
    let name = state.file.name.get_untracked().unwrap_or_default();
    let options = state.file.options.get_untracked();
    let busy =
        |what: &'static str, fraction: f64| state.file.busy.set(Some(Busy { what, fraction }));
    busy("Decoding", 0.0);
    state.findings.preview.set(Vec::new());

    // The previous file (or the previous reading of this one) is let go of first, in
    // slices, so its memory serves the new one.
    let_go(state).await;
    if state.file.stale(job) {
        return;
    }
    // No memory is reserved up front any more: the reading now takes about 3.3 times the
    // file in all (the bytes become the text in place, the plan holds spans, the records'
    // vector is sized once), and grown as it goes it gave no long task in the 1M-row
    // loads of the benches, where a reservation of six times the file set the high-water
    // mark at 7 times (see BENCHMARKS.md, issue 14, section 9).
    let rules_used = rules(state);
    let memory: roster_core::input::reading::Memory =
        Box::new(|key| storage::get(&format!("{MEMORY_PREFIX}{key}")));
    // A workbook: the spreadsheet reader's worker writes its sheet as CSV text, read
    // below as a CSV file is (issue 25); its notes and the sheet's name go with it.
    let (bytes, mut sheet) = match blob {
        Some(blob) => match read_sheet(state, job, &name, blob).await {
            Some((text, sheet)) => (text, Some(sheet)),
            None => return,
        },
        None => {
            let Some(bytes) = state.file.bytes.get_value() else {
                return;
            };
            // The page's own handle goes for a moment, so that the reading's is the only one.
            state.file.bytes.set_value(None);
            let bytes = in_place(bytes, &options);
            state.file.bytes.set_value(Some(bytes.clone()));
            (bytes, None)
        }
    };
    let text = match &bytes {
        FileBytes::Text(text) => Some(Arc::clone(text)),
        FileBytes::Read(_) => None,
    };
    let options = if sheet.is_some() {
        options.for_sheet()
    } else {
        options
    };
    let mut reading = Reading::new(bytes, options, rules_used.clone(), memory);
    if let Some(text) = text {
        reading = reading.with_text(text);
    }
    if let Some((_, _, lines)) = &mut sheet {
        reading = reading.with_sheet_lines(std::mem::take(lines));
    }
    // One drive of the machine for a text file and a workbook's sheet alike.
    let mut loaded = match read_in_steps(reading, busy, || state.file.stale(job)).await {
        None => return,
        Some(Ok(loaded)) => loaded,
        Some(Err(e)) => return fail(state, format!("{name}: {e}")),
    };
    if let Some((sheet_name, notes, _)) = sheet {
        loaded.of_sheet(sheet_name, notes);
    }
    // The rows are shown in a task of their own, not after the reading's last slice.
    crate::glue::file::yield_now().await;
    if state.file.stale(job) {
        return;
    }
    show_loaded(state, loaded, rules_used);
}

/// A workbook's sheet (its name, the conversion's notes, its map of lines to rows).
type SheetRead = (String, Vec<String>, Vec<u32>);

/// Reads the workbook's sheet (the one chosen, else the one remembered, else the first
/// with data) in the spreadsheet reader's worker, which reads the file itself: its
/// bytes never enter the page; its sheet's text comes back once, and is kept as the
/// file's text (the table's spans hold it anyway; the saved run's hash is of it). A
/// setting change reads that text again: the reader's module then answers from what it
/// kept of the worker's answer (line map, notes), without the worker (issue 25).
/// `None` when it failed (and says so) or a newer job started.
#[cfg(feature = "sheets")]
async fn read_sheet(
    state: AppState,
    job: u64,
    name: &str,
    blob: web_sys::Blob,
) -> Option<(FileBytes, SheetRead)> {
    state.file.busy.set(Some(Busy {
        what: "Reading the workbook",
        fraction: 0.0,
    }));
    // The sheet's text is still kept when a setting changed: a new file or another sheet
    // lets it go first (so that the next one does not come beside it), and each starts a
    // newer job. The reader's module then gives its answer for it again, no worker.
    let kept = state.file.bytes.get_value().is_some();
    let want = state.file.sheet.get_untracked();
    let workbook = crate::glue::sheets::read_workbook(&blob, want.as_deref(), kept).await;
    if state.file.stale(job) {
        return None;
    }
    let workbook = match workbook {
        Ok(w) => w,
        Err(message) => {
            fail(state, format!("{name}: {message}"));
            return None;
        }
    };
    state.file.workbook.set(workbook.sheets);
    state.file.sheet.set(Some(workbook.chosen.clone()));
    if let Some(csv) = workbook.csv {
        state
            .file
            .bytes
            .set_value(Some(FileBytes::Text(Arc::new(csv))));
    }
    // No text came: the kept text is this sheet's.
    let text = state.file.bytes.get_value()?;
    Some((text, (workbook.chosen, workbook.notes, workbook.lines)))
}

/// Without the spreadsheet reader (`--no-default-features`, to measure what it costs the
/// page's first load) no file is taken for a workbook.
#[cfg(not(feature = "sheets"))]
async fn read_sheet(
    _: AppState,
    _: u64,
    _: &str,
    _: web_sys::Blob,
) -> Option<(FileBytes, SheetRead)> {
    None
}

/// Shows what a reading made of the file: how it was read, the table and its plan.
fn show_loaded(state: AppState, loaded: Loaded, rules_used: roster_core::input::validate::Rules) {
    state
        .file
        .read(Detected::of(&loaded), loaded.notes, loaded.file_text);
    state.plan.show_sheet(loaded.columns, loaded.sheet);
    show_plan(state, loaded.rows, loaded.tally);
    state.file.reading.set_value(false);
    // The file's hash finds a saved run to resume; worked out a slice at a time.
    spawn_local(crate::ui::journal::hash_file(state));
    // A setting changed while the file was read: plan again with it.
    if rules(state) != rules_used {
        replan(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> FileBytes {
        FileBytes::Read(Rc::new(bytes.to_vec()))
    }

    #[test]
    fn utf8_bytes_become_their_text_without_a_copy() {
        let bytes = b"email;password\na@example.com;x\n".to_vec();
        let at = bytes.as_ptr();
        let out = in_place(FileBytes::Read(Rc::new(bytes)), &ReadOptions::default());
        let FileBytes::Text(text) = out else {
            panic!("not taken as text")
        };
        assert_eq!(text.as_str(), "email;password\na@example.com;x\n");
        assert_eq!(text.as_ptr(), at, "the text is the bytes' own buffer");
        let chosen = ReadOptions {
            encoding: Some(TextEncoding::Utf8),
            ..ReadOptions::default()
        };
        assert!(matches!(in_place(read(b"a"), &chosen), FileBytes::Text(_)));
    }

    #[test]
    fn other_bytes_stay_bytes() {
        // Latin-1 "é": not UTF-8.
        let out = in_place(read(b"caf\xe9"), &ReadOptions::default());
        assert!(matches!(&out, FileBytes::Read(b) if b.as_slice() == b"caf\xe9"));
        // Another encoding chosen: read as bytes.
        let latin = ReadOptions {
            encoding: Some(TextEncoding::Windows1252),
            ..ReadOptions::default()
        };
        assert!(matches!(in_place(read(b"abc"), &latin), FileBytes::Read(_)));
        // A copy held elsewhere: never moved.
        let shared = Rc::new(b"abc".to_vec());
        let _other = Rc::clone(&shared);
        let out = in_place(FileBytes::Read(shared), &ReadOptions::default());
        assert!(matches!(out, FileBytes::Read(_)));
        // Text already: kept.
        let text = FileBytes::Text(Arc::new("abc".into()));
        assert!(matches!(
            in_place(text, &ReadOptions::default()),
            FileBytes::Text(_)
        ));
    }
}
