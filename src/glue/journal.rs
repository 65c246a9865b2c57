//! Run journals in localStorage (see `roster_core::run::journal`): written while a run is
//! in progress, read back to resume, listed and deleted by the user. Only what the
//! journal's head and pages hold goes there: statuses, target ids, the file's hash, the
//! target URL (without userinfo) and the file's name; never a password, token or key.
//!
//! What to write and when a stored journal can be trusted is the core's
//! (`roster_core::run::journal::{Writer, load, list}`); this is the browser's storage
//! under its [`Store`] trait, every refusal with the browser's own reason.

use roster_core::run::journal::{self, Head, Journal, Refusal, Store, StoreError};
use wasm_bindgen::JsValue;

/// The page's localStorage.
pub struct Local(web_sys::Storage);

/// The DOMException's name and message (`QuotaExceededError`, `SecurityError`).
fn store_error(e: &JsValue) -> StoreError {
    let field = |name: &str| {
        js_sys::Reflect::get(e, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    StoreError::new(
        &field("name").unwrap_or_else(|| "Error".into()),
        &field("message")
            .or_else(|| e.as_string())
            .unwrap_or_default(),
    )
}

/// This page's localStorage, or why there is none (a browser that blocks it throws
/// `SecurityError` on access).
pub fn local() -> Result<Local, StoreError> {
    let window = web_sys::window().ok_or_else(|| StoreError::new("Error", "no window"))?;
    match window.local_storage() {
        Ok(Some(s)) => Ok(Local(s)),
        Ok(None) => Err(StoreError::new(
            "SecurityError",
            "this browser gives the page no localStorage",
        )),
        Err(e) => Err(store_error(&e)),
    }
}

impl Store for Local {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get_item(key).ok().flatten()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.0.set_item(key, value).map_err(|e| store_error(&e))
    }

    fn remove(&mut self, key: &str) {
        let _ = self.0.remove_item(key);
    }

    fn keys(&self) -> Vec<String> {
        let n = self.0.length().unwrap_or(0);
        (0..n)
            .filter_map(|i| self.0.key(i).ok().flatten())
            .collect()
    }
}

/// Deletes a journal: its head, its pages and its sending list.
pub fn remove(key: &str) {
    if let Ok(mut s) = local() {
        journal::remove(&mut s, key);
    }
}

/// The whole journal stored under `key`, or why it cannot be resumed.
pub fn load(key: &str) -> Result<Journal, Refusal> {
    let s = local().map_err(|_| Refusal::Missing)?;
    journal::load(&s, key)
}

/// Every stored journal's head with its key, newest first.
pub fn list() -> Vec<(String, Head)> {
    local().map(|s| journal::list(&s)).unwrap_or_default()
}
