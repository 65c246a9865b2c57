//! The spreadsheet reader: a Web Worker of its own wasm (`crates/sheets`, built by Trunk
//! with `data-type="worker"`), started only when a workbook is dropped or chosen, so the
//! page's first load does not carry calamine. One worker per reading, ended once it
//! answers. The protocol is in `crates/sheets/src/bin/sheets_worker.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The worker's loader, written by Trunk next to index.html (workers are not hashed).
const LOADER: &str = "./sheets_worker_loader.js";

/// A workbook as the worker read it.
pub struct Workbook {
    /// Every sheet: its name, and whether it is hidden.
    pub sheets: Vec<(String, bool)>,
    /// Index into `sheets` of the sheet read.
    pub chosen: usize,
    /// Its rows, encoded as `roster_core::input::read::rows` says.
    pub rows: String,
    pub notes: Vec<String>,
}

/// Reads `bytes` as a workbook in the worker: the sheet named `sheet`, or the first
/// visible one with data. The error is a sentence for the page.
pub async fn read_workbook(bytes: &[u8], sheet: Option<&str>) -> Result<Workbook, String> {
    let worker = web_sys::Worker::new(LOADER)
        .map_err(|e| format!("The spreadsheet reader could not start: {e:?}"))?;
    let (send, receive) = oneshot::channel::<Result<Workbook, String>>();
    let send = Rc::new(RefCell::new(Some(send)));
    let request = Array::of2(
        &Uint8Array::from(bytes),
        &sheet.map_or(wasm_bindgen::JsValue::NULL, Into::into),
    );
    let answer = {
        let send = Rc::clone(&send);
        let worker = worker.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |msg: web_sys::MessageEvent| {
            let data = Array::from(&msg.data());
            match data.get(0).as_string().as_deref() {
                Some("ready") => {
                    let _ = worker.post_message(&request);
                }
                Some("ok") => {
                    let sheets = Array::from(&data.get(1))
                        .iter()
                        .map(|s| {
                            let s = Array::from(&s);
                            (
                                s.get(0).as_string().unwrap_or_default(),
                                s.get(1).is_truthy(),
                            )
                        })
                        .collect();
                    let chosen = data.get(2).as_f64().unwrap_or(0.0) as usize;
                    let rows = Uint8Array::new(&data.get(3)).to_vec();
                    let notes = Array::from(&data.get(4))
                        .iter()
                        .filter_map(|n| n.as_string())
                        .collect();
                    let result = String::from_utf8(rows)
                        .map(|rows| Workbook {
                            sheets,
                            chosen,
                            rows,
                            notes,
                        })
                        .map_err(|_| "The spreadsheet reader gave rows that are not text.".into());
                    if let Some(s) = send.borrow_mut().take() {
                        let _ = s.send(result);
                    }
                }
                _ => {
                    let message = data
                        .get(1)
                        .as_string()
                        .unwrap_or_else(|| "The spreadsheet reader failed.".into());
                    if let Some(s) = send.borrow_mut().take() {
                        let _ = s.send(Err(message));
                    }
                }
            }
        })
    };
    // The worker stops on bytes its reader cannot handle (or could not load at all).
    let stopped = {
        let send = Rc::clone(&send);
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            if let Some(s) = send.borrow_mut().take() {
                let _ = s.send(Err(
                    "The file is damaged: the spreadsheet reader stopped on it. Open it in your spreadsheet program and save it again as .xlsx or CSV.".into(),
                ));
            }
        })
    };
    worker.set_onmessage(Some(answer.as_ref().unchecked_ref()));
    worker.set_onerror(Some(stopped.as_ref().unchecked_ref()));
    let result = receive
        .await
        .unwrap_or_else(|_| Err("The spreadsheet reader failed.".into()));
    worker.terminate();
    worker.set_onmessage(None);
    worker.set_onerror(None);
    drop((answer, stopped));
    result
}
