//! Run journals in localStorage (see `roster_core::journal`): written while a run is in
//! progress, read back to resume, listed and deleted by the user. Only what
//! `Journal::to_json` holds goes there: statuses, target ids, the file's hash, the target
//! URL and the file's name; never a password, token, key or cell of the file.

use roster_core::journal::{Journal, PREFIX};

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Writes a journal; a full storage drops the target ids and tries again (they only
/// fill the report's target_id column of carried-over rows).
pub fn save(journal: &Journal) -> bool {
    let Some(s) = storage() else {
        return false;
    };
    let key = journal.key();
    if s.set_item(&key, &journal.to_json()).is_ok() {
        return true;
    }
    let mut lean = journal.clone();
    lean.ids.clear();
    s.set_item(&key, &lean.to_json()).is_ok()
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Every stored journal with its key, newest first.
pub fn list() -> Vec<(String, Journal)> {
    let Some(s) = storage() else {
        return Vec::new();
    };
    let n = s.length().unwrap_or(0);
    let keys: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(PREFIX))
        .collect();
    let mut all: Vec<(String, Journal)> = keys
        .into_iter()
        .filter_map(|k| {
            let j = Journal::from_json(&s.get_item(&k).ok().flatten()?)?;
            Some((k, j))
        })
        .collect();
    all.sort_by(|a, b| b.1.updated_at.total_cmp(&a.1.updated_at));
    all
}
