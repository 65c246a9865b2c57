//! Which kind of target the form is for: switching to another one, and the profiles the
//! admin loaded, remembered in this browser by id (a profile holds no secret: its
//! credentials are labels, never values).

use std::cell::RefCell;

use leptos::prelude::*;
use roster_core::targets::profile::Profile;
use roster_core::targets::{credentials, Settings, TargetKind};

use super::sheet;
use super::state::AppState;
use crate::glue::storage;

/// The localStorage key that lists the remembered profiles' ids, comma-separated.
const INDEX_KEY: &str = "roster.profiles.v1";
/// The prefix of a remembered profile's key; its JSON follows the id.
const PROFILE_PREFIX: &str = "roster.profile.v1.";

thread_local! {
    /// The text of each profile the admin loaded, as read, by id: what is remembered in
    /// this browser and what "Download profile" gives back (so that the page need not
    /// write profiles out: with the preset read-once change, about 7 KB gzip).
    static TEXTS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// Keeps a loaded profile's text, as read, for [`text_of`].
pub fn keep_text(id: &str, text: &str) {
    TEXTS.with_borrow_mut(|texts| {
        texts.retain(|(kept, _)| kept != id);
        texts.push((id.to_owned(), text.to_owned()));
    });
}

/// A profile's text: a preset's as shipped, a loaded one's as read.
pub fn text_of(id: &str) -> Option<String> {
    roster_core::targets::profile::preset_json(id)
        .map(str::to_owned)
        .or_else(|| {
            TEXTS.with_borrow(|texts| {
                texts
                    .iter()
                    .find(|(kept, _)| kept == id)
                    .map(|(_, text)| text.clone())
            })
        })
}

/// What the Target select lists: the built-ins, the shipped presets, then the profiles
/// remembered in this browser (one that no longer reads is left out).
pub fn all_targets() -> Vec<TargetKind> {
    let mut all = TargetKind::shipped();
    for id in remembered_ids() {
        let Some(text) = storage::get(&format!("{PROFILE_PREFIX}{id}")) else {
            continue;
        };
        if let Ok(profile) = Profile::from_json(&text) {
            keep_text(&profile.id, &text);
            add(&mut all, TargetKind::from_profile(profile));
        }
    }
    all
}

/// Adds a target to the list, replacing one with the same id.
pub fn add(all: &mut Vec<TargetKind>, kind: TargetKind) {
    match all.iter().position(|k| k.id() == kind.id()) {
        Some(i) => all[i] = kind,
        None => all.push(kind),
    }
}

/// Whether a target is a profile the admin loaded (not built in, not shipped).
pub fn is_loaded(kind: &TargetKind) -> bool {
    kind.profile().is_some() && roster_core::targets::profile::preset_json(kind.id()).is_none()
}

fn remembered_ids() -> Vec<String> {
    storage::get(INDEX_KEY)
        .unwrap_or_default()
        .split(',')
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Remembers a loaded profile in this browser, by its id, as its text was read (which
/// [`Profile::from_json`] accepted), or says why the browser refused to store it.
pub fn remember(
    profile: &Profile,
    text: &str,
) -> Result<(), roster_core::run::journal::StoreError> {
    keep_text(&profile.id, text);
    storage::set(&format!("{PROFILE_PREFIX}{}", profile.id), text)?;
    let mut ids = remembered_ids();
    if !ids.contains(&profile.id) {
        ids.push(profile.id.clone());
    }
    storage::set(INDEX_KEY, &ids.join(","))
}

/// Forgets a remembered profile.
pub fn forget(id: &str) {
    storage::remove(&format!("{PROFILE_PREFIX}{id}"));
    let ids: Vec<String> = remembered_ids().into_iter().filter(|i| i != id).collect();
    // A forgotten id left in the list names no stored profile: it is skipped when read.
    let _ = storage::set(INDEX_KEY, &ids.join(","));
}

/// Switches the form to another kind of target: its own settings, rate and initial
/// login (a login typed by the user is kept), and the rows checked against its rules.
pub fn choose(state: AppState, kind: TargetKind) {
    let old = state.form.target.get_untracked();
    if old == kind {
        return;
    }
    state.form.credentials.update(|typed| {
        credentials::switch(&old.credentials(), &kind.credentials(), typed);
    });
    if old.default_rate()
        == state
            .tuning
            .rate_per_min
            .get_untracked()
            .trim()
            .parse()
            .ok()
    {
        state.tuning.rate_per_min.set(String::new());
    }
    if let Some(rate) = kind.default_rate() {
        if state.tuning.rate_per_min.get_untracked().trim().is_empty() {
            state.tuning.rate_per_min.set(rate.to_string());
        }
    }
    state.form.settings.set(Settings::new());
    state.form.target.set(kind);
    state.findings.login_error.set(None);
    state.findings.diagnosis.set(None);
    sheet::remap_for_target(state);
    sheet::replan(state);
}
