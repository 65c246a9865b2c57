//! One run per file, target and server across the browser's tabs (issue 20), and what
//! Start does when something is already known about that file and server.
//!
//! A run holds a Web Lock named after its journal's key ([`lock_name`]) for its whole
//! life; a tab tells the others on a BroadcastChannel ([`CHANNEL`]) when it starts or
//! ends one ([`Notice`]), and a newly opened tab asks who holds one. The names hold the
//! journal key's two hashes only (the file's SHA-256 and the target's kind and URL,
//! cut short): never a secret, never a cell of the file.

use serde::{Deserialize, Serialize};

use super::journal::PREFIX;

/// The BroadcastChannel the tabs of one origin talk on.
pub const CHANNEL: &str = "roster.runs";

/// The prefix of the Web Lock names of runs.
pub const LOCK_PREFIX: &str = "roster.run.";

/// The Web Lock a run of the journal stored under `journal_key` holds
/// (`crate::run::journal::key`).
pub fn lock_name(journal_key: &str) -> String {
    let id = journal_key.strip_prefix(PREFIX).unwrap_or(journal_key);
    format!("{LOCK_PREFIX}{id}")
}

/// The journal key a run lock is named after, if `lock` is one ([`lock_name`]).
pub fn journal_key_of(lock: &str) -> Option<String> {
    let id = lock.strip_prefix(LOCK_PREFIX)?;
    (!id.is_empty()).then(|| format!("{PREFIX}{id}"))
}

/// A message between tabs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Notice {
    /// This tab holds the lock of a run (it started one, or answers [`Notice::Who`]).
    Started { lock: String },
    /// This tab's run has ended and its lock is released.
    Ended { lock: String },
    /// A tab that just opened asks which runs are going.
    Who,
}

impl Notice {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a notice serialises")
    }

    /// Reads a message from another tab; `None` for anything that is not a notice (a
    /// message of another version, another page of the origin on the same channel).
    pub fn from_json(text: &str) -> Option<Notice> {
        let notice = serde_json::from_str::<Notice>(text).ok()?;
        match &notice {
            Notice::Started { lock } | Notice::Ended { lock } => {
                journal_key_of(lock)?;
            }
            Notice::Who => {}
        }
        Some(notice)
    }
}

/// The run locks held by other tabs: `held` (every lock of the origin, as
/// `navigator.locks.query()` lists them) without the ones this tab holds, runs only,
/// sorted and once each.
pub fn held_elsewhere(held: &[String], ours: &[String]) -> Vec<String> {
    let mut out: Vec<String> = held
        .iter()
        .filter(|name| journal_key_of(name).is_some() && !ours.contains(name))
        .cloned()
        .collect();
    crate::sort::sort(&mut out);
    out.dedup();
    out
}

/// What pressing Start does for the file, target and server in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartChoice {
    /// Another tab is running this file against this server: nothing is sent.
    Elsewhere,
    /// A run of this file against this server did not finish: ask "Resume" (the
    /// default) or "Start over".
    AskResume,
    /// An earlier run of this tab created or found this many of the rows: ask before
    /// sending the whole file again.
    AskResend(usize),
    /// Nothing stands in the way: start.
    Go,
}

/// What Start does: `elsewhere` when another tab holds this run's lock; `resumable`
/// when an unfinished journal matches the file, target and server; `done_here` the rows
/// an earlier run of this tab created or found.
pub fn on_start(elsewhere: bool, resumable: bool, done_here: usize) -> StartChoice {
    if elsewhere {
        StartChoice::Elsewhere
    } else if resumable {
        StartChoice::AskResume
    } else if done_here > 0 {
        StartChoice::AskResend(done_here)
    } else {
        StartChoice::Go
    }
}

/// What a saved run (a stored journal) offers, given the loaded file and the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SavedRun {
    /// Another tab is running it: nothing that sends or deletes.
    Elsewhere,
    /// It ended: nothing to resume.
    Ended,
    /// Its file, target and server are in the form: Resume.
    Here,
    /// Its file is loaded, the form names another target or server: say which.
    FileLoaded,
    /// Its file is not loaded: say to drop it again.
    NotLoaded,
}

/// What a saved run offers: `elsewhere` when another tab holds its lock, `finished`
/// when it ended, `same_file` when the loaded file has its hash and row count,
/// `same_server` when the form names its target and server.
pub fn saved_run(elsewhere: bool, finished: bool, same_file: bool, same_server: bool) -> SavedRun {
    if elsewhere {
        SavedRun::Elsewhere
    } else if finished {
        SavedRun::Ended
    } else if same_file && same_server {
        SavedRun::Here
    } else if same_file {
        SavedRun::FileLoaded
    } else {
        SavedRun::NotLoaded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::journal::key;
    use proptest::prelude::*;

    #[test]
    fn the_lock_is_named_after_the_journal_key_and_holds_no_secret() {
        let k = key(
            &"ab".repeat(32),
            &"aurora".into(),
            "https://mail.example.com/",
        );
        let name = lock_name(&k);
        assert!(name.starts_with(LOCK_PREFIX));
        assert_eq!(journal_key_of(&name).as_deref(), Some(k.as_str()));
        // The URL is only in a hash: neither it nor the kind shows in the name.
        assert!(!name.contains("example"));
        assert!(!name.contains("aurora"));
        // The same file and server under another spelling of the URL: the same lock.
        assert_eq!(
            name,
            lock_name(&key(
                &"ab".repeat(32),
                &"aurora".into(),
                "HTTPS://Mail.Example.com"
            ))
        );
        assert_ne!(
            name,
            lock_name(&key(
                &"ab".repeat(32),
                &"mumara".into(),
                "https://mail.example.com/"
            ))
        );
        assert_eq!(journal_key_of("roster.run."), None);
        assert_eq!(journal_key_of("other.lock"), None);
    }

    #[test]
    fn notices_round_trip_and_strangers_are_ignored() {
        for n in [
            Notice::Started {
                lock: "roster.run.a.b".into(),
            },
            Notice::Ended {
                lock: "roster.run.a.b".into(),
            },
            Notice::Who,
        ] {
            assert_eq!(Notice::from_json(&n.to_json()), Some(n));
        }
        assert_eq!(Notice::from_json(r#"{"kind":"who"}"#), Some(Notice::Who));
        assert_eq!(
            Notice::from_json(r#"{"kind":"started","lock":"someone.else"}"#),
            None
        );
        assert_eq!(Notice::from_json(r#"{"kind":"stolen"}"#), None);
        assert_eq!(Notice::from_json("not json"), None);
    }

    #[test]
    fn held_elsewhere_leaves_out_ours_and_other_locks() {
        let held = [
            "roster.run.b.1".to_owned(),
            "roster.run.a.1".to_owned(),
            "unrelated".to_owned(),
            "roster.run.a.1".to_owned(),
        ];
        assert_eq!(
            held_elsewhere(&held, &["roster.run.b.1".to_owned()]),
            vec!["roster.run.a.1".to_owned()]
        );
        assert!(held_elsewhere(&held[..1], &held[..1]).is_empty());
    }

    #[test]
    fn start_refuses_a_run_going_elsewhere_then_offers_resume_before_anything() {
        assert_eq!(on_start(true, true, 3), StartChoice::Elsewhere);
        assert_eq!(on_start(true, false, 0), StartChoice::Elsewhere);
        assert_eq!(on_start(false, true, 3), StartChoice::AskResume);
        assert_eq!(on_start(false, true, 0), StartChoice::AskResume);
        assert_eq!(on_start(false, false, 3), StartChoice::AskResend(3));
        assert_eq!(on_start(false, false, 0), StartChoice::Go);
    }

    #[test]
    fn a_saved_run_offers_resume_only_for_its_file_and_server_and_never_while_running_elsewhere() {
        assert_eq!(saved_run(true, false, true, true), SavedRun::Elsewhere);
        assert_eq!(saved_run(true, true, true, true), SavedRun::Elsewhere);
        assert_eq!(saved_run(false, true, true, true), SavedRun::Ended);
        assert_eq!(saved_run(false, false, true, true), SavedRun::Here);
        assert_eq!(saved_run(false, false, true, false), SavedRun::FileLoaded);
        assert_eq!(saved_run(false, false, false, true), SavedRun::NotLoaded);
        assert_eq!(saved_run(false, false, false, false), SavedRun::NotLoaded);
    }

    proptest! {
        #[test]
        fn reading_any_message_never_panics(text in ".{0,200}") {
            let _ = Notice::from_json(&text);
            let _ = journal_key_of(&text);
        }

        #[test]
        fn reading_any_notice_shape_never_panics(kind in "[a-z]{0,8}", lock in ".{0,40}") {
            let text = format!(r#"{{"kind":{},"lock":{}}}"#,
                serde_json::Value::String(kind), serde_json::Value::String(lock));
            if let Some(Notice::Started { lock } | Notice::Ended { lock }) = Notice::from_json(&text) {
                prop_assert!(lock.starts_with(LOCK_PREFIX));
            }
        }
    }
}
