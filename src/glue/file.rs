//! Reading a picked or dropped file's bytes.

use wasm_bindgen_futures::JsFuture;

/// The whole file, as bytes. The core decodes and parses them.
pub async fn read_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("The browser could not read the file: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
