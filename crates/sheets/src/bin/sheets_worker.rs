//! The page's spreadsheet reader, a Web Worker of its own (Trunk: `data-type="worker"`,
//! loaded by `sheets_worker_loader.js` only when a workbook is dropped or chosen).
//!
//! It says `["ready"]` once it listens; then each message `[bytes: Uint8Array, sheet:
//! string | null]` is answered `["ok", [name, …], chosen, csv: Uint8Array,
//! [note, …], lines: Uint8Array]` (the index of the sheet read as a decimal string; the
//! sheet as CSV text, UTF-8, and its map of lines to row numbers as
//! `roster_sheets::Converted` says, each number 4 bytes little-endian; their buffers
//! transferred; strings and bytes only, so that the page decodes them with what it has)
//! or `["error", message]`.

#[cfg(target_arch = "wasm32")]
fn main() {
    use js_sys::{Array, Uint8Array};
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |msg: MessageEvent| {
        let data = Array::from(&msg.data());
        let bytes = Uint8Array::new(&data.get(0)).to_vec();
        let sheet = data.get(1).as_string();
        let answer = Array::new();
        match roster_sheets::convert(&bytes, sheet.as_deref()) {
            Ok(c) => {
                drop(bytes);
                let sheets = Array::new();
                for s in &c.sheets {
                    // A hidden sheet's name ends with a NUL, which no sheet name holds
                    // (XML cannot carry it): one string a sheet, as the page lists them.
                    let name = if s.hidden {
                        format!("{}\0", s.name)
                    } else {
                        s.name.clone()
                    };
                    sheets.push(&name.into());
                }
                let csv = Uint8Array::from(c.csv.as_bytes());
                drop(c.csv);
                let lines: Vec<u8> = c.lines.iter().flat_map(|n| n.to_le_bytes()).collect();
                let lines = Uint8Array::from(lines.as_slice());
                let notes = Array::new();
                for n in &c.notes {
                    notes.push(&n.as_str().into());
                }
                answer.push(&"ok".into());
                answer.push(&sheets);
                answer.push(&c.chosen.to_string().into());
                answer.push(&csv);
                answer.push(&notes);
                answer.push(&lines);
                let transfer = Array::of2(&csv.buffer(), &lines.buffer());
                let _ = reply.post_message_with_transfer(&answer, &transfer);
            }
            Err(e) => {
                answer.push(&"error".into());
                answer.push(&JsValue::from(e.to_string()));
                let _ = reply.post_message(&answer);
            }
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&Array::of1(&"ready".into()));
}

/// Natively there is no worker: the command line calls `roster_sheets::convert`.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
