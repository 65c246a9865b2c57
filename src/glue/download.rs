//! Handing a generated file to the user as a download.

use wasm_bindgen::JsCast;

/// How long the object URL outlives the click. Revoking it at once cancels the download
/// in some browsers (the navigation the click starts reads the URL later); a minute is
/// long after any download has begun, and the blob is freed then.
const REVOKE_AFTER_MS: u32 = 60_000;

/// What the browser refused when a download was to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadError {
    Blob,
    ObjectUrl,
    NoDocument,
    Link,
}

impl std::fmt::Display for DownloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self {
            DownloadError::Blob => "blob",
            DownloadError::ObjectUrl => "object URL",
            DownloadError::NoDocument => "no document",
            DownloadError::Link => "link",
        };
        write!(f, "The download could not start ({what}).")
    }
}

impl std::error::Error for DownloadError {}

/// Saves `text` as a file called `name`, through a temporary object URL that is revoked
/// a minute later.
pub fn save_text(name: &str, mime: &str, text: &str) -> Result<(), DownloadError> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| DownloadError::Blob)?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| DownloadError::ObjectUrl)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(DownloadError::NoDocument)?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| DownloadError::Link)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    gloo_timers::callback::Timeout::new(REVOKE_AFTER_MS, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// The local date and time as `YYYYMMDD-HHMMSS`, for file names.
pub fn timestamp() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}
