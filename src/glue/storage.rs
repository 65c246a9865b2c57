//! The browser's localStorage, for remembered column mappings and loaded target profiles
//! only. Nothing secret and no data value ever goes here (see
//! `roster_core::input::map::Mapping::to_memory`; a profile's credentials are labels).

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored value, if storage is available and holds one.
pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Stores a value; a full or disabled storage is not an error worth showing.
pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// Removes a stored value.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}
