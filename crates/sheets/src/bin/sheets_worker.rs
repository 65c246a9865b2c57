//! The page's spreadsheet reader, a Web Worker of its own (Trunk: `data-type="worker"`,
//! started by `sheets_worker_loader.js`, which the page's `sheets_page.js` module starts
//! only when a workbook is dropped or chosen).
//!
//! It says `["ready"]` once it listens; then each message `[file: Blob, sheet: string |
//! null]` is answered `["ok", [name, …], chosen, csv: Uint8Array, [note, …], lines:
//! Uint32Array]` (the index of the sheet read as a number, a hidden sheet's name ending
//! with a NUL; the sheet as CSV text, UTF-8, and its map of lines to row numbers as
//! `roster_sheets::Converted` says; their buffers transferred, not copied; the text is
//! kept in 1 MiB JS buffers as it is written (out of the worker's wasm memory, which never
//! shrinks), then padded into the answer's buffer at its exact size, each piece freed as
//! it is copied) or
//! `["error", message]`. The workbook's bytes come from the Blob here (a structured
//! clone of a Blob is a handle): they never enter the page's memory, and the worker reads
//! them slice by slice as calamine asks for them.

#[cfg(target_arch = "wasm32")]
fn main() {
    use js_sys::{Array, Uint32Array, Uint8Array};
    use roster_sheets::Store;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use web_sys::{Blob, DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |msg: MessageEvent| {
        let data = Array::from(&msg.data());
        let sheet = data.get(1).as_string();
        let answer = Array::new();
        // A worker may read a Blob synchronously: calamine reads the workbook's parts
        // from the file slice by slice (64 KiB at a time), so that its bytes are never
        // all in memory here.
        let blob: Blob = data.get(0).unchecked_into();
        drop(data);
        let converted = match FileReaderSync::new() {
            Ok(reader) => {
                let size = blob.size();
                let file = BlobFile {
                    blob,
                    reader,
                    at: 0,
                    size: if size.is_finite() && size > 0.0 {
                        size as u64
                    } else {
                        0
                    },
                };
                let file = std::io::BufReader::with_capacity(64 * 1024, file);
                // The text's full pieces go to JS buffers as they fill: the worker's
                // wasm memory (which never shrinks) holds calamine's reading and one
                // piece of text.
                let mut stores = || Some(Box::new(JsStore::default()) as Box<dyn Store>);
                roster_sheets::convert_from(file, sheet.as_deref(), &mut stores)
                    .map_err(|e| e.to_string())
            }
            Err(_) => Err("The browser could not read the file.".to_owned()),
        };
        match converted {
            Ok(c) => {
                let sheets = Array::new();
                for s in &c.sheets {
                    // A hidden sheet's name ends with a NUL, which no sheet name holds
                    // (XML cannot carry it).
                    let name = if s.hidden {
                        format!("{}\0", s.name)
                    } else {
                        s.name.clone()
                    };
                    sheets.push(&name.into());
                }
                // The text padded straight into a JS buffer of its exact size, piece by
                // piece (never a padded copy in wasm, nor a second JS copy).
                let csv = Uint8Array::new_with_length(c.text.len() as u32);
                let mut at = 0u32;
                c.text.write_to(|piece| {
                    let end = at + piece.len() as u32;
                    csv.subarray(at, end).copy_from(piece);
                    at = end;
                });
                let lines = Uint32Array::from(c.lines.as_slice());
                let notes = Array::new();
                for n in &c.notes {
                    notes.push(&n.as_str().into());
                }
                answer.push(&"ok".into());
                answer.push(&sheets);
                answer.push(&JsValue::from(c.chosen as u32));
                answer.push(&csv);
                answer.push(&notes);
                answer.push(&lines);
                let transfer = Array::of2(&csv.buffer(), &lines.buffer());
                let _ = reply.post_message_with_transfer(&answer, &transfer);
            }
            Err(e) => {
                answer.push(&"error".into());
                answer.push(&JsValue::from(e));
                let _ = reply.post_message(&answer);
            }
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    /// Frees an ArrayBuffer's memory now: `buffer.transfer(0)` (where the browser has it).
    fn free(buffer: &JsValue) {
        if let Ok(f) = js_sys::Reflect::get(buffer, &"transfer".into()) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let _ = f.call1(buffer, &JsValue::from(0));
            }
        }
    }
    /// The dropped file, read as calamine asks (`Read` + `Seek`), a slice at a time.
    struct BlobFile {
        blob: Blob,
        reader: FileReaderSync,
        at: u64,
        size: u64,
    }
    impl std::io::Read for BlobFile {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = (self.size.saturating_sub(self.at)).min(out.len() as u64);
            if n == 0 {
                return Ok(0);
            }
            let failed = |_| std::io::Error::other("the browser could not read the file");
            let slice = self
                .blob
                .slice_with_f64_and_f64(self.at as f64, (self.at + n) as f64)
                .map_err(failed)?;
            let buffer = self.reader.read_as_array_buffer(&slice).map_err(failed)?;
            let bytes = Uint8Array::new(&buffer);
            let got = (bytes.length() as usize).min(n as usize);
            bytes.subarray(0, got as u32).copy_to(&mut out[..got]);
            free(&buffer);
            self.at += got as u64;
            Ok(got)
        }
    }
    impl std::io::Seek for BlobFile {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            let at = match to {
                std::io::SeekFrom::Start(n) => Some(n),
                std::io::SeekFrom::End(d) => self.size.checked_add_signed(d),
                std::io::SeekFrom::Current(d) => self.at.checked_add_signed(d),
            };
            let Some(at) = at else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a seek before the start of the file",
                ));
            };
            self.at = at;
            Ok(at)
        }
    }
    /// A sheet's text's pieces in JS buffers, each freed once taken back.
    #[derive(Default)]
    struct JsStore(Vec<Option<Uint8Array>>);
    impl Store for JsStore {
        fn put(&mut self, piece: &[u8]) {
            self.0.push(Some(Uint8Array::from(piece)));
        }
        fn take(&mut self, i: usize, into: &mut Vec<u8>) {
            into.clear();
            if let Some(piece) = self.0.get_mut(i).and_then(Option::take) {
                into.resize(piece.length() as usize, 0);
                piece.copy_to(into);
                free(&piece.buffer());
            }
        }
    }
    on_message.forget();
    let _ = scope.post_message(&Array::of1(&"ready".into()));
}

/// Natively there is no worker: the command line calls `roster_sheets::convert`.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
