//! Copying text to the clipboard (the Dry run's Copy buttons).

use wasm_bindgen_futures::JsFuture;

/// Writes `text` to the clipboard; the error says so in words when the browser refuses
/// (no clipboard outside a secure context, or a permission denied).
pub async fn copy_text(text: &str) -> Result<(), String> {
    let refused =
        || "The browser did not allow copying: select the text and copy it instead.".to_owned();
    let window = web_sys::window().ok_or_else(refused)?;
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| refused())
}
