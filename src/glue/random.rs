//! Random bytes from the browser's `crypto.getRandomValues`, for generated passwords
//! (the core makes them: `roster_core::input::passwords`).

use wasm_bindgen::{JsCast, JsValue};

/// `getRandomValues` fills at most 65,536 bytes per call.
const MOST_PER_CALL: usize = 65_536;

/// Fills `buf` from `crypto.getRandomValues`. Without it (no secure source) nothing is
/// made: the caller refuses to generate.
pub fn fill(buf: &mut [u8]) -> Result<(), JsValue> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))?;
    let get: js_sys::Function =
        js_sys::Reflect::get(&crypto, &JsValue::from_str("getRandomValues"))?.dyn_into()?;
    for chunk in buf.chunks_mut(MOST_PER_CALL) {
        let array = js_sys::Uint8Array::new_with_length(chunk.len() as u32);
        get.call1(&crypto, &array)?;
        array.copy_to(chunk);
    }
    Ok(())
}

/// Whether the browser gives secure random bytes.
pub fn available() -> bool {
    fill(&mut [0u8; 1]).is_ok()
}
