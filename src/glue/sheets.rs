//! The spreadsheet reader (issue 25): a Web Worker of its own wasm (`crates/sheets`,
//! built by Trunk with `data-type="worker"`), started by the JS module
//! `src/glue/sheets_page.js` (copied into dist), which the page imports only when a
//! workbook is dropped or chosen: neither calamine nor the worker's protocol is in the
//! page's first load, only the few lines here that import the module and decode its
//! answer with what the page already has (strings, arrays, a `Uint8Array`).

use js_sys::{Array, Promise, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

// A snippet loaded with the page (counted by scripts/size-check.sh): the dynamic import
// of the module, relative to this snippet's place in dist (`snippets/<crate>/`).
#[wasm_bindgen(
    inline_js = "export function read(f,s,k){return import(new URL('../../sheets_page.js',import.meta.url)).then(m=>m.read(f,s,k))}"
)]
extern "C" {
    fn read(file: &web_sys::Blob, sheet: &JsValue, kept: bool) -> Promise;
}

/// A workbook's sheet as the worker read it.
pub struct Workbook {
    /// The sheets for the select: value, label, value, label, … (a hidden one's label
    /// says so).
    pub sheets: Vec<String>,
    /// The name of the sheet read.
    pub chosen: String,
    /// The sheet as CSV text, and its map of lines to row numbers (see
    /// `roster_core::input::read::workbook`): the page reads it as it reads a CSV file.
    /// None when the page kept the sheet's text and asked for that sheet again (`kept`).
    pub csv: Option<String>,
    pub lines: Vec<u32>,
    pub notes: Vec<String>,
}

/// Reads the workbook `file` in the worker: the sheet named `sheet`, else the one
/// remembered for its sheets, else the first visible one with data. `kept`: the page
/// still holds the text of the sheet it read last; when that is the sheet asked for, of
/// this file (a setting changed), the module answers again without the worker, and
/// without the text. The error is a sentence for the page.
pub async fn read_workbook(
    file: &web_sys::Blob,
    sheet: Option<&str>,
    kept: bool,
) -> Result<Workbook, String> {
    let data: Array = JsFuture::from(read(file, &sheet.map_or(JsValue::NULL, Into::into), kept))
        .await
        .map_err(|e| {
            e.as_string()
                .unwrap_or_else(|| "The spreadsheet reader could not start.".into())
        })?
        .into();
    // A list comes as one string, each item ended by U+001F (no sheet name or note holds one).
    let strings = |v: JsValue| {
        v.as_string()
            .unwrap_or_default()
            .split_terminator('\u{1f}')
            .map(String::from)
            .collect()
    };
    // The text arrives in a buffer the worker handed over: one copy, into the page's own
    // (none when the module answered for the text the page kept, see `kept`).
    let csv = data.get(0);
    let csv = (!csv.is_null()).then(|| Uint8Array::new(&csv).to_vec());
    // And that buffer is freed now, before the page's memory grows with the reading.
    let _ = js_sys::Function::from(data.get(5)).call0(&JsValue::NULL);
    let csv = csv
        .map(String::from_utf8)
        .transpose()
        .map_err(|_| "The spreadsheet reader gave rows that are not text.")?;
    Ok(Workbook {
        csv,
        lines: Uint32Array::new(&data.get(1)).to_vec(),
        chosen: data.get(2).as_string().unwrap_or_default(),
        notes: strings(data.get(3)),
        sheets: strings(data.get(4)),
    })
}
