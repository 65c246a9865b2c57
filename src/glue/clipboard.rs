//! Copying text to the clipboard (the Dry run's Copy buttons).

use wasm_bindgen_futures::JsFuture;

/// Writes `text` to the clipboard; the error says so in words when the browser refuses
/// (no clipboard outside a secure context, or a permission denied).
pub async fn copy_text(text: &str) -> Result<(), CopyRefused> {
    let window = web_sys::window().ok_or(CopyRefused)?;
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| CopyRefused)
}

/// The browser did not let the page write to the clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyRefused;

impl std::fmt::Display for CopyRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("The browser did not allow copying: select the text and copy it instead.")
    }
}

impl std::error::Error for CopyRefused {}
