//! Reading a picked or dropped file's bytes, and letting the page breathe during long work.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// How much of a file one read brings in: small enough that copying it into the app's
/// memory is a short task.
const SLICE: f64 = 4.0 * 1024.0 * 1024.0;

/// Reads the file slice by slice, telling `progress` the share read so far (0 to 1) and
/// yielding to the page between slices.
pub async fn read_in_slices(
    file: &web_sys::File,
    mut progress: impl FnMut(f64),
) -> Result<Vec<u8>, FileReadError> {
    let fail = |e: wasm_bindgen::JsValue| FileReadError(format!("{e:?}"));
    let size = file.size();
    let mut bytes = Vec::with_capacity(size as usize);
    let mut start = 0.0;
    while start < size {
        let end = (start + SLICE).min(size);
        let blob = file.slice_with_f64_and_f64(start, end).map_err(fail)?;
        let buffer = JsFuture::from(blob.array_buffer()).await.map_err(fail)?;
        let chunk = js_sys::Uint8Array::new(&buffer);
        let at = bytes.len();
        bytes.resize(at + chunk.length() as usize, 0);
        chunk.copy_to(&mut bytes[at..]);
        start = end;
        progress(start / size);
        yield_now().await;
    }
    Ok(bytes)
}

/// The browser could not read a file; holds what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReadError(pub String);

impl std::fmt::Display for FileReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "The browser could not read the file: {}", self.0)
    }
}

impl std::error::Error for FileReadError {}

/// Lets the browser handle input and paint before the next piece of work: resolves on a
/// `MessageChannel` message (a task of its own, without `setTimeout`'s 4 ms clamp).
pub async fn yield_now() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        gloo_timers::future::TimeoutFuture::new(0).await;
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        channel
            .port1()
            .set_onmessage(Some(resolve.unchecked_ref::<js_sys::Function>()));
        let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
    });
    let _ = JsFuture::from(promise).await;
    channel.port1().set_onmessage(None);
}

/// A stopwatch for slicing work: `expired` once `budget_ms` have passed since the start.
pub struct Budget {
    until: u64,
    budget_ms: u64,
}

impl Budget {
    pub fn new(budget_ms: u64) -> Budget {
        Budget {
            until: super::clock::now_ms() + budget_ms,
            budget_ms,
        }
    }

    pub fn expired(&self) -> bool {
        super::clock::now_ms() >= self.until
    }

    /// Yields to the page if the budget is spent, and starts a new one.
    pub async fn tick(&mut self) {
        if self.expired() {
            yield_now().await;
            *self = Budget::new(self.budget_ms);
        }
    }
}

/// The file's first bytes (enough to tell a workbook: see
/// `roster_core::input::read::workbook::is_workbook`), without reading the rest.
#[cfg(feature = "sheets")]
pub async fn first_bytes(file: &web_sys::Blob) -> Result<Vec<u8>, wasm_bindgen::JsValue> {
    let head = file.slice_with_f64_and_f64(0.0, 8.0)?;
    let buffer = JsFuture::from(head.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
