//! Two tabs, one file (issue 20): a run holds the Web Lock of its file, target and server
//! for its whole life, so a second tab can neither start it again nor touch its journal;
//! the tabs tell each other on a BroadcastChannel when a run starts or ends, and a tab
//! that opens asks which are going. `state.run.elsewhere` holds the run locks other tabs
//! hold; Start, Retry and Resume are not offered for those (`import::controls`,
//! `resume`). The names and the decisions: `roster_core::run::tabs`; the browser calls:
//! `crate::glue::locks`.

use std::cell::{Cell, RefCell};

use js_sys::Promise;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::run::journal::key;
use roster_core::run::tabs::{held_elsewhere, lock_name, Notice, CHANNEL};
use roster_core::targets::TargetId;
use wasm_bindgen_futures::JsFuture;

use super::state::AppState;
use crate::glue::locks::{self, Channel, Claim, Held};

/// Said when Start finds the run going in another tab.
pub const ELSEWHERE: &str = "This file is being imported to this server in another tab of this browser. Nothing is sent from this tab for it; this tab updates when that run ends.";

/// How often a tab looks again while a run is going elsewhere: a tab that crashes tells
/// nobody, but its lock goes with it.
const LOOK_AGAIN_MS: u32 = 2_000;

thread_local! {
    /// The lock of this tab's run.
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
    /// The release of this tab's last lock, until the browser has done it.
    static RELEASING: RefCell<Option<Promise>> = const { RefCell::new(None) };
    static CHANNEL_OF_TABS: RefCell<Option<Channel>> = const { RefCell::new(None) };
    /// The locks other tabs said they hold: what is known without Web Locks.
    static ANNOUNCED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static LOOKING: Cell<bool> = const { Cell::new(false) };
}

fn post(notice: &Notice) {
    CHANNEL_OF_TABS.with_borrow(|c| {
        if let Some(c) = c {
            c.post(&notice.to_json());
        }
    });
}

fn ours() -> Vec<String> {
    HELD.with_borrow(|h| h.iter().map(|h| h.name().to_owned()).collect())
}

/// The lock of a run of the file with this hash against the form's target and server.
fn lock_for(state: AppState, fingerprint: &str) -> String {
    let url = state.form.server_url.get();
    let target = state.form.target.with(|k| k.target_id());
    run_lock(fingerprint, &target, &url)
}

/// The lock of a run of the file with this hash against `target` at `url` (as typed):
/// the lock of its journal's key.
pub fn run_lock(fingerprint: &str, target: &TargetId, url: &str) -> String {
    lock_name(&key(fingerprint, target, url.trim()))
}

/// What Start says when another tab holds the run's lock.
pub fn not_started() -> String {
    format!("Not started: {ELSEWHERE}")
}

/// Whether another tab is running the loaded file against the form's target and server
/// (known once the file is hashed; never hashes). Tracks the form and `elsewhere`.
pub fn running_elsewhere(state: AppState) -> bool {
    let Some(fingerprint) = super::journal::known_fingerprint(state) else {
        return false;
    };
    let lock = lock_for(state, &fingerprint);
    state.run.elsewhere.with(|e| e.contains(&lock))
}

/// Whether another tab holds the lock of the journal stored under `journal_key`.
pub fn journal_elsewhere(state: AppState, journal_key: &str) -> bool {
    let lock = lock_name(journal_key);
    state.run.elsewhere.with(|e| e.contains(&lock))
}

/// Looks again which run locks other tabs hold; the saved runs are read again when that
/// changed (a run that ended elsewhere wrote its journal's end).
pub fn refresh(state: AppState) {
    spawn_local(async move {
        let held = match locks::held_names().await {
            Some(held) => held,
            None => ANNOUNCED.with_borrow(Clone::clone),
        };
        let now = held_elsewhere(&held, &ours());
        if state.run.elsewhere.get_untracked() != now {
            state.run.elsewhere.set(now.clone());
            state.run.journals.update(|v| *v += 1);
        }
        if !now.is_empty() && !LOOKING.replace(true) {
            gloo_timers::callback::Timeout::new(LOOK_AGAIN_MS, move || {
                LOOKING.set(false);
                refresh(state);
            })
            .forget();
        }
    });
}

/// Opens the channel, asks who runs what, and lets this tab's lock go when its run ends
/// (after the journal's last write).
pub fn install(state: AppState) {
    let channel = Channel::open(CHANNEL, move |text| match Notice::from_json(&text) {
        Some(Notice::Who) => {
            for lock in ours() {
                post(&Notice::Started { lock });
            }
        }
        Some(Notice::Started { lock }) => {
            ANNOUNCED.with_borrow_mut(|a| {
                if !a.contains(&lock) {
                    a.push(lock);
                }
            });
            refresh(state);
        }
        Some(Notice::Ended { lock }) => {
            ANNOUNCED.with_borrow_mut(|a| a.retain(|l| *l != lock));
            refresh(state);
        }
        None => {}
    });
    CHANNEL_OF_TABS.with_borrow_mut(|c| *c = channel);
    post(&Notice::Who);
    refresh(state);
    Effect::new(move |_| {
        if state.run.active.get() {
            return;
        }
        if let Some(held) = HELD.take() {
            release(held);
        }
    });
}

fn release(held: Held) {
    let lock = held.name().to_owned();
    let done = held.release_now();
    RELEASING.with_borrow_mut(|r| *r = Some(done.clone()));
    spawn_local(async move {
        let _ = JsFuture::from(done).await;
        post(&Notice::Ended { lock });
    });
}

/// Starts a run (`go`, which starts it or says why not) under the lock of the loaded
/// file, the form's target and server; if another tab holds it, nothing is started and
/// nothing of that tab's journal is touched. A second call before the run is going does
/// nothing (a double-click on Start).
pub fn guarded(state: AppState, go: impl FnOnce() + 'static) {
    if state.run.starting.get_untracked() || state.run.active.get_untracked() {
        return;
    }
    let Some(fingerprint) = super::journal::file_fingerprint(state) else {
        go();
        return;
    };
    let lock = untrack(|| lock_for(state, &fingerprint));
    state.run.starting.set(true);
    spawn_local(async move {
        // This tab's last run may still be letting its lock go.
        if let Some(done) = RELEASING.take() {
            let _ = JsFuture::from(done).await;
        }
        let claim = locks::claim(&lock).await;
        state.run.starting.set(false);
        match claim {
            Claim::Taken => {
                state.announcement.set(not_started());
                ANNOUNCED.with_borrow_mut(|a| {
                    if !a.contains(&lock) {
                        a.push(lock);
                    }
                });
                refresh(state);
                super::focus::focus_soon(super::focus::START);
            }
            Claim::Unsupported => go(),
            Claim::Held(held) => {
                HELD.with_borrow_mut(|h| *h = Some(held));
                go();
                if state.run.active.get_untracked() {
                    post(&Notice::Started { lock });
                } else if let Some(held) = HELD.take() {
                    // Not started (the form was incomplete): the lock goes at once.
                    release(held);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_lock_is_its_journal_lock() {
        let lock = run_lock("abc", &"keycloak".into(), " https://x/ ");
        assert_eq!(
            lock,
            lock_name(&key("abc", &"keycloak".into(), "https://x/"))
        );
        // Another file, target or server is another run.
        assert_ne!(lock, run_lock("abd", &"keycloak".into(), "https://x/"));
        assert_ne!(lock, run_lock("abc", &"gitlab".into(), "https://x/"));
        assert_ne!(lock, run_lock("abc", &"keycloak".into(), "https://y/"));
    }

    #[test]
    fn start_says_why_it_did_not_start() {
        assert!(not_started().starts_with("Not started: This file is being imported"));
        assert!(not_started().contains("Nothing is sent from this tab"));
    }
}
