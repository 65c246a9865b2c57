//! The browser's localStorage, for remembered column mappings only. Nothing secret and
//! no data value ever goes here (see `roster_core::input::map::Mapping::to_memory`).

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
