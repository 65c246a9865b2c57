//! Run journals in localStorage (see `roster_core::journal`): written while a run is in
//! progress, read back to resume, listed and deleted by the user. Only what
//! `Journal::to_json` holds goes there: statuses, target ids, the file's hash, the target
//! URL and the file's name; never a password, token, key or cell of the file.

use roster_core::run::journal::{decode_rows, encode_rows, Journal, PREFIX, SENDING_SUFFIX};

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
        // The full journal now holds every row in flight: the interim list is done.
        let _ = s.remove_item(&journal.sending_key());
        return true;
    }
    let mut lean = journal.clone();
    lean.ids.clear();
    s.set_item(&key, &lean.to_json()).is_ok()
}

/// Writes the rows handed to the network since the last full write, before they go.
pub fn save_sending(journal: &Journal, rows: impl IntoIterator<Item = usize>) -> bool {
    let Some(s) = storage() else {
        return false;
    };
    s.set_item(&journal.sending_key(), &encode_rows(rows))
        .is_ok()
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
        let _ = s.remove_item(&format!("{key}{SENDING_SUFFIX}"));
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
        .filter(|k| k.starts_with(PREFIX) && !k.ends_with(SENDING_SUFFIX))
        .collect();
    let mut all: Vec<(String, Journal)> = keys
        .into_iter()
        .filter_map(|k| {
            let mut j = Journal::from_json(&s.get_item(&k).ok().flatten()?)?;
            // Rows sent after the last full write: in flight when the page went away.
            if let Some(sending) = s.get_item(&j.sending_key()).ok().flatten() {
                j.mark_sending(&decode_rows(&sending));
            }
            Some((k, j))
        })
        .collect();
    all.sort_by(|a, b| b.1.updated_at.total_cmp(&a.1.updated_at));
    all
}
