//! Run journals in localStorage (see `roster_core::journal`): written while a run is in
//! progress, read back to resume, listed and deleted by the user. Only what the journal's
//! head and pages hold goes there: statuses, target ids, the file's hash, the target URL
//! and the file's name; never a password, token, key or cell of the file.
//!
//! A journal is a head under its key and its rows in pages (`PAGE_ROWS` rows each): a
//! write rewrites only the pages that changed since the last one.

use roster_core::run::journal::{
    decode_rows, encode_rows, is_head_key, page_key, Head, Journal, SENDING_SUFFIX,
};

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Writes a journal: the pages that differ from `written` (the pages as last written
/// by this writer; updated here), then the head. A full storage drops a page's target
/// ids and tries again (they only fill the report's target_id column of carried-over
/// rows). False if a page could not be written at all.
pub fn save(journal: &Journal, written: &mut Vec<String>) -> bool {
    let Some(s) = storage() else {
        return false;
    };
    let key = journal.key();
    let pages = journal.page_count();
    written.resize(pages, String::new());
    let mut whole = true;
    for (n, last) in written.iter_mut().enumerate() {
        let page = journal.page_json(n, true);
        if *last == page {
            continue;
        }
        let place = page_key(&key, n);
        if s.set_item(&place, &page).is_ok() {
            *last = page;
        } else if s.set_item(&place, &journal.page_json(n, false)).is_err() {
            whole = false;
        }
    }
    if s.set_item(&key, &journal.head().to_json()).is_err() {
        return false;
    }
    if whole {
        // The journal now holds every row in flight: the interim list is done.
        let _ = s.remove_item(&journal.sending_key());
    }
    whole
}

/// Writes the rows handed to the network since the last full write, before they go.
pub fn save_sending(journal: &Journal, rows: impl IntoIterator<Item = usize>) -> bool {
    let Some(s) = storage() else {
        return false;
    };
    s.set_item(&journal.sending_key(), &encode_rows(rows))
        .is_ok()
}

/// Deletes a journal: its head, its pages and its sending list.
pub fn remove(key: &str) {
    let Some(s) = storage() else {
        return;
    };
    let pages = format!("{key}.page.");
    let n = s.length().unwrap_or(0);
    let doomed: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(&pages))
        .collect();
    for k in doomed {
        let _ = s.remove_item(&k);
    }
    let _ = s.remove_item(key);
    let _ = s.remove_item(&format!("{key}{SENDING_SUFFIX}"));
}

/// The whole journal stored under `key`, with the rows sent after its last full write
/// marked in flight; `None` if it is missing or damaged. A journal of the format before
/// pages (one value) is read too.
pub fn load(key: &str) -> Option<Journal> {
    let s = storage()?;
    let text = s.get_item(key).ok().flatten()?;
    let mut j = match Head::from_json(&text) {
        Some(head) => {
            let pages: Vec<Option<String>> = (0..head.pages)
                .map(|n| s.get_item(&page_key(key, n)).ok().flatten())
                .collect();
            Journal::from_pages(&head, &pages)?
        }
        None => Journal::from_json(&text)?,
    };
    // Rows sent after the last full write: in flight when the page went away.
    if let Some(sending) = s.get_item(&j.sending_key()).ok().flatten() {
        j.mark_sending(&decode_rows(&sending));
    }
    Some(j)
}

/// Every stored journal's head with its key, newest first. Only the heads are read,
/// unless rows were sent after a journal's last full write: its counts then come from
/// the whole journal.
pub fn list() -> Vec<(String, Head)> {
    let Some(s) = storage() else {
        return Vec::new();
    };
    let n = s.length().unwrap_or(0);
    let keys: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| is_head_key(k))
        .collect();
    let mut all: Vec<(String, Head)> = keys
        .into_iter()
        .filter_map(|k| {
            let text = s.get_item(&k).ok().flatten()?;
            let head = match Head::from_json(&text) {
                Some(head) => head,
                None => Journal::from_json(&text)?.head(),
            };
            let sending = format!("{k}{SENDING_SUFFIX}");
            let head = match s.get_item(&sending).ok().flatten() {
                Some(_) => load(&k).map_or(head, |j| j.head()),
                None => head,
            };
            Some((k, head))
        })
        .collect();
    all.sort_by(|a, b| b.1.updated_at.total_cmp(&a.1.updated_at));
    all
}
