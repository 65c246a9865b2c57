//! The browser's localStorage, for remembered column mappings and loaded target profiles
//! only. Nothing secret and no data value ever goes here, but the words of fixed-value
//! columns the admin mapped (a role's `user`; see
//! `roster_core::input::map::Mapping::to_memory`; a profile's credentials are labels).
//! A write that the browser refuses (full, blocked) is returned with its reason: the
//! caller says so, or states why it may be ignored.

use roster_core::run::journal::{Store, StoreError};

use super::journal::local;

/// The stored value, if storage is available and holds one.
pub fn get(key: &str) -> Option<String> {
    local().ok()?.get(key)
}

/// Stores a value, or says why the browser refused it.
pub fn set(key: &str, value: &str) -> Result<(), StoreError> {
    local()?.set(key, value)
}

/// Removes a stored value.
pub fn remove(key: &str) {
    if let Ok(mut s) = local() {
        s.remove(key);
    }
}
