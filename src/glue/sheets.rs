//! The spreadsheet reader: a Web Worker of its own wasm (`crates/sheets`, built by Trunk
//! with `data-type="worker"`), started only when a workbook is dropped or chosen, so the
//! page's first load does not carry calamine. One worker per reading, ended once it
//! answers. The protocol is in `crates/sheets/src/bin/sheets_worker.rs`. Kept small (it
//! is in the page's first load): each message is awaited as a promise, no channel.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::Worker;

/// The worker's loader, written by Trunk next to index.html (workers are not hashed).
const LOADER: &str = "./sheets_worker_loader.js";

/// A workbook as the worker read it.
pub struct Workbook {
    /// Every sheet's name; a hidden one's ends with a NUL (see `crate::ui::sheet_select`).
    pub sheets: Vec<String>,
    /// Index into `sheets` of the sheet read.
    pub chosen: usize,
    /// The sheet as CSV text, and its map of lines to row numbers (see
    /// `roster_core::input::read::workbook`): the page reads it as it reads a CSV file.
    pub csv: String,
    pub lines: Vec<u32>,
    pub notes: Vec<String>,
}

/// The worker's next message (its data), or `None` when it stopped (an error event).
async fn next(worker: &Worker) -> Option<Array> {
    let message = Promise::new(&mut |resolve, reject| {
        worker.set_onmessage(Some(&resolve));
        worker.set_onerror(Some(&reject));
    });
    let event = JsFuture::from(message).await.ok()?;
    Some(js_sys::Reflect::get(&event, &"data".into()).ok()?.into())
}

/// Reads `bytes` as a workbook in the worker: the sheet named `sheet`, or the first
/// visible one with data. The error is a sentence for the page.
pub async fn read_workbook(bytes: &[u8], sheet: Option<&str>) -> Result<Workbook, String> {
    let worker =
        Worker::new(LOADER).map_err(|_| "The spreadsheet reader could not start.".to_owned())?;
    // The worker says "ready" once it listens, then answers the one request.
    let mut answer = next(&worker).await;
    if answer.is_some() {
        let request = Array::of2(
            &Uint8Array::from(bytes),
            &sheet.map_or(JsValue::NULL, Into::into),
        );
        answer = match worker.post_message(&request) {
            Ok(()) => next(&worker).await,
            Err(_) => None,
        };
    }
    worker.terminate();
    // The worker stops on bytes its reader cannot handle (or could not load at all).
    let data = answer.ok_or("The file is damaged: the spreadsheet reader stopped on it. Open it in your spreadsheet program and save it again as .xlsx or CSV.")?;
    let text = |v: JsValue| v.as_string().unwrap_or_default();
    if text(data.get(0)) != "ok" {
        return Err(data
            .get(1)
            .as_string()
            .unwrap_or_else(|| "The spreadsheet reader failed.".into()));
    }
    let sheets = Array::from(&data.get(1)).iter().map(text).collect();
    let csv = String::from_utf8(Uint8Array::new(&data.get(3)).to_vec())
        .map_err(|_| "The spreadsheet reader gave rows that are not text.")?;
    Ok(Workbook {
        sheets,
        chosen: text(data.get(2)).parse().unwrap_or(0),
        csv,
        lines: Uint8Array::new(&data.get(5))
            .to_vec()
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        notes: Array::from(&data.get(4)).iter().map(text).collect(),
    })
}
