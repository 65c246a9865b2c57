//! The run journal: what a reload or a crash must not lose, kept in browser storage while a
//! run is in progress, so that dropping the same file again for the same target can resume
//! without creating anyone twice.
//!
//! It holds a fingerprint of the file (SHA-256 of its bytes), the target's kind and URL
//! (without any `user:password@` typed into it), the file's name, and each row's status as
//! one letter, plus the id the target gave each created row (for Matrix Synapse that id is
//! `@localpart:server`, so it holds the row's user name). It never holds a password, a
//! token, a key, a message or any other cell of the file.
//!
//! A journal is stored in several keys (a head and pages, see [`PAGE_ROWS`]), written one
//! after the other: every page carries the run's id and the number of the write that
//! stored it, and the head lists which write each page must come from, so a page left over
//! from another run or from a write that did not complete is refused ([`Refusal`]), never
//! read into a mix. Writing goes through a [`Store`] whose writes can fail (a full or
//! blocked browser storage), and every failure is returned with the browser's reason.
//!
//! Rows in flight when the journal was written (`Sending`) are read back as `unknown`: their
//! answer was lost with the page, so a resumed run checks them first (Aurora: GetUsers) or
//! sends them again as rows whose answer was lost (Mumara: "already exists" then reads as
//! "most likely created").

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::run::{Phase, RowState, Status, StatusCounts};
use crate::targets::TargetId;

mod rows;
mod store;

pub use rows::{decode_rows, encode_rows};
pub use store::{apply, list, load, remove, Store, StoreError, StoreOp, Writer};

/// The storage key prefix of journals.
pub const PREFIX: &str = "roster.journal.v1.";

/// Rows per stored page of a journal. A journal is stored as a [`Head`] under its key and
/// its rows in pages under [`page_key`]s, so that a write during a run rewrites only the
/// pages whose rows changed (a 100,000-row journal in one value was a write of about
/// 2 MB every 2 s, long tasks at the end of a large run), and listing saved runs reads
/// only the heads.
pub const PAGE_ROWS: usize = 5_000;

/// The storage key of page `n` of the journal stored under `key`.
pub fn page_key(key: &str, n: usize) -> String {
    format!("{key}.page.{n}")
}

/// Whether a storage key is a journal's head (not one of its pages or its sending list).
pub fn is_head_key(key: &str) -> bool {
    key.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.matches('.').count() == 1)
}

/// SHA-256 of the file's bytes, as lower-case hex.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut f = Fingerprint::new();
    f.update(bytes);
    f.finish()
}

/// [`fingerprint`] a piece at a time (a large file is hashed in slices, between which
/// the page can paint and take input).
#[derive(Default)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    pub fn new() -> Fingerprint {
        Fingerprint(Sha256::new())
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The storage key of the journal of one file against one target: one journal per pair,
/// so a new run of the same file against the same server replaces the old journal.
pub fn key(fingerprint: &str, target: &TargetId, server_url: &str) -> String {
    let place = self::fingerprint(format!("{}\n{}", target, normalize_url(server_url)).as_bytes());
    format!(
        "{PREFIX}{}.{}",
        &fingerprint[..16.min(fingerprint.len())],
        &place[..16]
    )
}

/// The URL without the `user:password@` an address may carry before its host (RFC 3986's
/// userinfo): what is kept of a Server URL anywhere it is stored or reported.
pub fn strip_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The URL as compared between runs: trimmed, without userinfo and trailing slashes,
/// scheme and host lower-cased.
pub fn normalize_url(url: &str) -> String {
    let url = strip_userinfo(url.trim());
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            format!(
                "{}://{}{}",
                scheme.to_lowercase(),
                host.to_lowercase(),
                path
            )
        }
        None => url.to_owned(),
    }
}

fn letter(status: Status) -> char {
    match status {
        Status::Pending => 'p',
        Status::Sending => 'o',
        Status::Created => 'c',
        Status::Updated => 'd',
        Status::Exists => 'e',
        Status::Invalid => 'i',
        Status::Rejected => 'r',
        Status::Failed => 'f',
        Status::Unknown => 'u',
        Status::Skipped => 's',
    }
}

fn status_of(letter: char) -> Option<Status> {
    Some(match letter {
        'p' => Status::Pending,
        // In flight when the page went away: the answer is lost.
        'o' | 'u' => Status::Unknown,
        'c' => Status::Created,
        'd' => Status::Updated,
        'e' => Status::Exists,
        'i' => Status::Invalid,
        'r' => Status::Rejected,
        'f' => Status::Failed,
        's' => Status::Skipped,
        _ => return None,
    })
}

/// One run's journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// Format version.
    pub v: u32,
    /// SHA-256 of the file's bytes.
    pub fingerprint: String,
    /// The file's name, for the list of saved runs.
    pub file_name: String,
    /// The target's kind (`aurora`, `mumara`, a profile's id), stored as text.
    pub target: TargetId,
    /// The Server URL, without userinfo ([`strip_userinfo`]).
    pub server_url: String,
    /// Wall-clock times (Unix milliseconds).
    pub started_at: f64,
    pub updated_at: f64,
    /// The run finished: every row it was to send has its outcome ([`ends_run`]). A run
    /// that stopped, was cancelled or whose login failed is not finished: its rows not
    /// sent are still to send, so it stays resumable.
    pub finished: bool,
    /// One letter per input row: `c`reated, `e`xists, `i`nvalid, `r`ejected, `f`ailed,
    /// `u`nknown, `s`kipped, `p`ending, `o` in flight.
    pub statuses: String,
    /// Target ids of created (or carried-over) rows: (row index, id).
    pub ids: Vec<(usize, String)>,
    /// This run's id: every stored page carries it, so a page of another run (an older
    /// one of the same file and server, or another tab's) is told apart.
    #[serde(default)]
    pub run: String,
    /// How many writes of this journal were started ([`Writer::write`]).
    #[serde(default)]
    pub seq: u64,
    /// The write each stored page comes from (see [`Head::page_seqs`]).
    #[serde(default)]
    pub page_seqs: Vec<u64>,
    /// The steps after the create of created rows that have any: (row index, one letter
    /// per step in order, [`crate::run::StepOutcome::letter`]). No value of the file: a
    /// resumed run finds the steps again from the row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<(usize, String)>,
}

/// Whether a run in this phase is written as finished (so no longer offered to resume):
/// only a run that finished. A run that stopped (a fatal answer, a cancel) or whose login
/// failed still has rows to send: those skipped by the stop are sent by a resumed run.
pub fn ends_run(phase: &Phase) -> bool {
    matches!(phase, Phase::Finished)
}

impl Journal {
    pub fn new(
        fingerprint: &str,
        file_name: &str,
        target: &TargetId,
        server_url: &str,
        now_wall_ms: f64,
    ) -> Journal {
        Journal {
            v: 1,
            fingerprint: fingerprint.to_owned(),
            file_name: file_name.to_owned(),
            target: target.clone(),
            server_url: strip_userinfo(server_url.trim()),
            started_at: now_wall_ms,
            updated_at: now_wall_ms,
            finished: false,
            statuses: String::new(),
            ids: Vec::new(),
            run: format!("{:x}", now_wall_ms.max(0.0) as u64),
            seq: 0,
            page_seqs: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Gives the run an id of the caller's (the page's: its start time and a random
    /// number), instead of its start time alone.
    pub fn with_run(mut self, id: &str) -> Journal {
        self.run = id.to_owned();
        self
    }

    pub fn key(&self) -> String {
        key(&self.fingerprint, &self.target, &self.server_url)
    }

    /// Takes the run's row states as they are now.
    pub fn record(&mut self, rows: &[RowState], finished: bool, now_wall_ms: f64) {
        // A row waiting to be sent again after a lost answer is unknown if the page dies now.
        self.statuses = rows
            .iter()
            .map(|r| match r.status {
                Status::Pending if r.answer_lost => 'u',
                status => letter(status),
            })
            .collect();
        self.ids = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status.is_done())
            .filter_map(|(i, r)| Some((i, r.target_id.clone()?)))
            .collect();
        self.steps = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status == Status::Created && !r.steps.is_empty())
            .map(|(i, r)| (i, r.steps.iter().map(|s| s.outcome.letter()).collect()))
            .collect();
        self.finished = finished;
        self.updated_at = now_wall_ms;
    }

    /// The rows a resumed run carries over, as [`crate::run::Run::resume_from`] takes them:
    /// `created` and `exists` rows with their ids, and `unknown` rows (rows that were in
    /// flight included). Other rows are sent again as new.
    pub fn previous(&self) -> Vec<(usize, Status, Option<String>)> {
        let mut ids = self.ids.iter().peekable();
        self.statuses
            .chars()
            .enumerate()
            .filter_map(|(i, c)| {
                let status = status_of(c)?;
                if !(status.is_done() || status == Status::Unknown) {
                    return None;
                }
                while ids.peek().is_some_and(|(r, _)| *r < i) {
                    ids.next();
                }
                let id = ids
                    .peek()
                    .filter(|(r, _)| *r == i)
                    .map(|(_, id)| id.clone());
                Some((i, status, id))
            })
            .collect()
    }

    /// Rows per status as the journal has them (rows in flight count as `unknown`).
    pub fn counts(&self) -> StatusCounts {
        StatusCounts::of(self.statuses.chars().filter_map(status_of))
    }

    /// How many rows the file had.
    pub fn rows(&self) -> usize {
        self.statuses.chars().count()
    }

    /// Rows whose outcome is open: pending, in flight, or unknown.
    pub fn open_rows(&self) -> usize {
        self.statuses
            .chars()
            .filter(|c| matches!(c, 'p' | 'o' | 'u'))
            .count()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a journal serialises")
    }

    /// Reads a stored journal; `None` for anything that is not one (another version,
    /// a damaged value).
    pub fn from_json(text: &str) -> Option<Journal> {
        serde_json::from_str::<Journal>(text)
            .ok()
            .filter(|j| j.v == 1)
    }

    /// The head to store (see [`PAGE_ROWS`]).
    pub fn head(&self) -> Head {
        let mut letters: Vec<(char, usize)> = Vec::new();
        let mut tally = [0usize; 128];
        for b in self.statuses.bytes() {
            tally[usize::from(b & 0x7f)] += 1;
        }
        for (b, &n) in tally.iter().enumerate().filter(|(_, n)| **n > 0) {
            letters.push((char::from(b as u8), n));
        }
        Head {
            v: HEAD_VERSION,
            fingerprint: self.fingerprint.clone(),
            file_name: self.file_name.clone(),
            target: self.target.clone(),
            server_url: self.server_url.clone(),
            started_at: self.started_at,
            updated_at: self.updated_at,
            finished: self.finished,
            rows: self.statuses.len(),
            pages: self.page_count(),
            letters,
            run: self.run.clone(),
            seq: self.seq,
            page_seqs: self.page_seqs.clone(),
        }
    }

    /// How many pages the rows take (see [`PAGE_ROWS`]).
    pub fn page_count(&self) -> usize {
        self.statuses.len().div_ceil(PAGE_ROWS)
    }

    /// Page `n`'s rows (statuses, target ids and steps), as a page stores them.
    #[allow(clippy::type_complexity)]
    fn page_rows(&self, n: usize) -> (String, Vec<(usize, String)>, Vec<(usize, String)>) {
        let rows = n * PAGE_ROWS..((n + 1) * PAGE_ROWS).min(self.statuses.len());
        let from = self.ids.partition_point(|(r, _)| *r < rows.start);
        let to = self.ids.partition_point(|(r, _)| *r < rows.end);
        let steps_from = self.steps.partition_point(|(r, _)| *r < rows.start);
        let steps_to = self.steps.partition_point(|(r, _)| *r < rows.end);
        (
            self.statuses.get(rows).unwrap_or_default().to_owned(),
            self.ids[from..to].to_vec(),
            self.steps[steps_from..steps_to].to_vec(),
        )
    }

    /// The steps of created rows as this journal holds them (see [`Journal::steps`]).
    pub fn step_letters(&self) -> &[(usize, String)] {
        &self.steps
    }

    /// Page `n` as stored by write `seq` of this run.
    pub fn page_json(&self, n: usize, seq: u64) -> String {
        let (statuses, ids, steps) = self.page_rows(n);
        let page = Page {
            run: self.run.clone(),
            seq,
            statuses,
            ids,
            steps,
        };
        serde_json::to_string(&page).expect("a journal page serialises")
    }

    /// Reads a stored journal back from its head and its pages, in order; refused (with
    /// the reason) if a page is missing, damaged, of another run or of another write than
    /// the head says, or if the head is of the format before pages carried a run id
    /// (version 2, whose pages could not be told apart): a journal that cannot be trusted
    /// is not resumed.
    pub fn from_pages(head: &Head, pages: &[Option<String>]) -> Result<Journal, Refusal> {
        if head.v != HEAD_VERSION {
            return Err(Refusal::OlderFormat);
        }
        if pages.len() != head.pages
            || head.page_seqs.len() != head.pages
            || head.rows.div_ceil(PAGE_ROWS) != head.pages
        {
            return Err(Refusal::Damaged(None));
        }
        let mut statuses = String::with_capacity(head.rows);
        let mut ids = Vec::new();
        let mut steps = Vec::new();
        for (n, text) in pages.iter().enumerate() {
            let text = text.as_deref().ok_or(Refusal::MissingPage(n))?;
            let page: Page = serde_json::from_str(text).map_err(|_| Refusal::Damaged(Some(n)))?;
            if page.run != head.run {
                return Err(Refusal::ForeignPage(n));
            }
            if page.seq != head.page_seqs[n] {
                return Err(Refusal::StalePage {
                    page: n,
                    newer: page.seq > head.page_seqs[n],
                });
            }
            let rows = n * PAGE_ROWS..((n + 1) * PAGE_ROWS).min(head.rows);
            let fits = page.statuses.len() == rows.len()
                && page
                    .statuses
                    .bytes()
                    .all(|b| status_of(char::from(b)).is_some())
                && page.ids.iter().all(|(r, _)| rows.contains(r))
                && page.steps.iter().all(|(r, letters)| {
                    rows.contains(r)
                        && letters
                            .chars()
                            .all(|c| crate::run::StepOutcome::from_letter(c).is_some())
                });
            if !fits {
                return Err(Refusal::Damaged(Some(n)));
            }
            statuses.push_str(&page.statuses);
            ids.extend(page.ids);
            steps.extend(page.steps);
        }
        crate::sort::sort_by_key(&mut ids, |(r, _)| *r);
        if statuses.len() != head.rows {
            return Err(Refusal::Damaged(None));
        }
        Ok(Journal {
            v: 1,
            fingerprint: head.fingerprint.clone(),
            file_name: head.file_name.clone(),
            target: head.target.clone(),
            server_url: head.server_url.clone(),
            started_at: head.started_at,
            updated_at: head.updated_at,
            finished: head.finished,
            statuses,
            ids,
            run: head.run.clone(),
            seq: head.seq,
            page_seqs: head.page_seqs.clone(),
            steps,
        })
    }

    /// The storage key of the rows sent since the journal was last written in full: the
    /// glue writes it (small, cheap) *before* each request goes out, so that a crash
    /// between two full writes never loses which rows may have been created.
    pub fn sending_key(&self) -> String {
        format!("{}{SENDING_SUFFIX}", self.key())
    }

    /// Marks rows that were handed to the network after the last full write as in
    /// flight (their answer is lost with the page), unless the journal already holds an
    /// outcome for them.
    pub fn mark_sending(&mut self, rows: &[usize]) {
        let mut letters: Vec<char> = self.statuses.chars().collect();
        for &row in rows {
            if let Some(c) = letters.get_mut(row) {
                if *c == 'p' {
                    *c = 'o';
                }
            }
        }
        self.statuses = letters.into_iter().collect();
    }
}

/// A stored journal's head: what the list of saved runs and the resume offer show,
/// without the rows (those are in the pages; see [`PAGE_ROWS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// Format version: 3 (a head and pages that carry the run's id and their write's
    /// number); 2 was a head and pages without them (listed, never resumed); 1 was the
    /// whole journal in one value (still read).
    pub v: u32,
    pub fingerprint: String,
    pub file_name: String,
    pub target: TargetId,
    pub server_url: String,
    pub started_at: f64,
    pub updated_at: f64,
    pub finished: bool,
    /// How many rows the file had.
    pub rows: usize,
    /// How many pages hold them.
    pub pages: usize,
    /// Rows per status letter (see [`Journal::statuses`]).
    pub letters: Vec<(char, usize)>,
    /// The run's id, which every page must carry.
    #[serde(default)]
    pub run: String,
    /// The write that stored this head.
    #[serde(default)]
    pub seq: u64,
    /// The write each page must come from (a page whose rows did not change is not
    /// written again, so it keeps an earlier write's number).
    #[serde(default)]
    pub page_seqs: Vec<u64>,
}

/// The format version of heads written now.
pub const HEAD_VERSION: u32 = 3;

/// One page of a stored journal: the statuses of rows `n * PAGE_ROWS ..` and the target
/// ids among them, with the run and the write that stored them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Page {
    #[serde(default)]
    run: String,
    #[serde(default)]
    seq: u64,
    statuses: String,
    ids: Vec<(usize, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    steps: Vec<(usize, String)>,
}

impl Head {
    pub fn from_json(text: &str) -> Option<Head> {
        serde_json::from_str::<Head>(text)
            .ok()
            .filter(|h| h.v == 2 || h.v == HEAD_VERSION)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a journal head serialises")
    }

    /// Whether this journal is for this file and target.
    pub fn matches(&self, fingerprint: &str, target: &TargetId, server_url: &str) -> bool {
        self.fingerprint == fingerprint
            && self.target == *target
            && normalize_url(&self.server_url) == normalize_url(server_url)
    }

    /// Rows per status (rows in flight count as `unknown`), as [`Journal::counts`].
    pub fn counts(&self) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for &(letter, n) in &self.letters {
            if let Some(status) = status_of(letter) {
                counts.add(status, n);
            }
        }
        counts
    }
}

/// The suffix of a journal's [`Journal::sending_key`].
pub const SENDING_SUFFIX: &str = ".sending";

/// Why a stored journal is not resumed. Each says what is wrong in words (its `Display`),
/// for the resume offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing is stored under the key (deleted meanwhile), or storage cannot be read.
    Missing,
    /// Page `n` is not in storage.
    MissingPage(usize),
    /// The head (`None`) or page `n` cannot be read, or does not fit the head.
    Damaged(Option<usize>),
    /// Page `n` belongs to another run of the same file and server.
    ForeignPage(usize),
    /// Page `n` comes from another write than the head says: older (a write of it
    /// failed) or newer (the head's write failed).
    StalePage { page: usize, newer: bool },
    /// The list of rows sent since the last full write belongs to another run.
    ForeignSending,
    /// A head of version 2, whose pages carried no run id or write number.
    OlderFormat,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Missing => f.write_str("the saved run is no longer in this browser's storage"),
            Refusal::MissingPage(n) => write!(f, "part {} of its rows is missing from this browser's storage", n + 1),
            Refusal::Damaged(None) => f.write_str("its saved state is damaged"),
            Refusal::Damaged(Some(n)) => write!(f, "part {} of its rows is damaged", n + 1),
            Refusal::ForeignPage(n) => write!(f, "part {} of its rows belongs to another run of this file (another tab, or an earlier run), so the saved rows are a mix", n + 1),
            Refusal::StalePage { page, newer: false } => write!(f, "part {} of its rows is older than the rest: a write of it failed (storage full or blocked), so it may not show rows sent since", page + 1),
            Refusal::StalePage { page, newer: true } => write!(f, "part {} of its rows is newer than its summary: the last write did not complete (storage full or blocked)", page + 1),
            Refusal::ForeignSending => f.write_str("its list of rows in flight belongs to another run of this file (another tab, or an earlier run)"),
            Refusal::OlderFormat => f.write_str("it was saved by an older version of Roster, whose saved rows cannot be checked for a stale part"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::Mapping;
    use crate::input::plan::plan;
    use crate::input::read::read;
    use crate::run::{Run, RunConfig};
    use crate::targets::aurora::Aurora;
    use crate::targets::send::Secrets;

    fn row(status: Status, id: Option<&str>) -> RowState {
        RowState {
            status,
            code: None,
            excluded: false,
            message: "Aurora error 103 with pw-secret-1 echoed".into(),
            target_id: id.map(str::to_owned),
            attempts: 1,
            answer_lost: false,
            first_sent_ms: None,
            finished_ms: None,
            steps: Vec::new(),
        }
    }

    #[test]
    fn fingerprint_is_sha256() {
        assert_eq!(
            fingerprint(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn fingerprint_in_pieces_is_the_same() {
        let bytes: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut f = Fingerprint::new();
        for piece in bytes.chunks(777) {
            f.update(piece);
        }
        assert_eq!(f.finish(), fingerprint(&bytes));
    }

    #[test]
    fn keys_follow_file_and_target() {
        let f = fingerprint(b"a@x | p\n");
        let k = key(&f, &"aurora".into(), "https://Mail.Example.com/");
        assert!(k.starts_with(PREFIX));
        assert_eq!(k, key(&f, &"aurora".into(), "https://mail.example.com"));
        assert_ne!(k, key(&f, &"mumara".into(), "https://mail.example.com"));
        assert_ne!(k, key(&f, &"aurora".into(), "https://other.example.com"));
        assert_ne!(
            k,
            key(
                &fingerprint(b"b"),
                &"aurora".into(),
                "https://mail.example.com"
            )
        );
    }

    /// Journals and heads stored before the target's id had a type of its own (the id
    /// as text) load, and are written the same way.
    #[test]
    fn journals_stored_with_the_target_as_text_still_load() {
        let stored = r#"{"v":1,"fingerprint":"ff","file_name":"users.csv","target":"graph","server_url":"https://graph.example","started_at":1.0,"updated_at":2.0,"finished":false,"statuses":"cp","ids":[[0,"41"]],"run":"1","seq":3,"page_seqs":[]}"#;
        let journal = Journal::from_json(stored).unwrap();
        assert_eq!(journal.target, "graph");
        assert_eq!(journal.to_json(), stored);
        let head = r#"{"v":3,"fingerprint":"ff","file_name":"users.csv","target":"graph","server_url":"https://graph.example","started_at":1.0,"updated_at":2.0,"finished":false,"rows":2,"pages":1,"letters":[["c",1],["p",1]],"run":"1","seq":3,"page_seqs":[3]}"#;
        let head = Head::from_json(head).unwrap();
        assert!(head.matches("ff", &TargetId::new("graph"), "https://graph.example/"));
        assert!(!head.matches("ff", &TargetId::builtin("aurora"), "https://graph.example/"));
    }

    #[test]
    fn round_trip_and_previous_rows() {
        let mut j = Journal::new("ff", "users.csv", &"aurora".into(), "http://h/", 1.0);
        let rows = [
            row(Status::Created, Some("7")),
            row(Status::Sending, None),
            row(Status::Pending, None),
            row(Status::Exists, None),
            row(Status::Failed, None),
            row(Status::Unknown, None),
            row(Status::Created, Some("9")),
            row(Status::Invalid, None),
        ];
        j.record(&rows, false, 2.0);
        assert_eq!(j.statuses, "copefuci");
        let mut retrying = rows.clone();
        retrying[2].answer_lost = true;
        j.record(&retrying, false, 2.0);
        assert_eq!(
            j.statuses, "couefuci",
            "a retry after a lost answer is unknown"
        );
        j.record(&rows, false, 2.0);
        let back = Journal::from_json(&j.to_json()).unwrap();
        assert_eq!(back, j);
        assert_eq!(
            back.previous(),
            vec![
                (0, Status::Created, Some("7".into())),
                (1, Status::Unknown, None),
                (3, Status::Exists, None),
                (5, Status::Unknown, None),
                (6, Status::Created, Some("9".into())),
            ]
        );
        assert_eq!(back.rows(), 8);
        assert_eq!(back.open_rows(), 3);
        assert_eq!(back.counts().get(Status::Unknown), 2);
        assert!(back.head().matches("ff", &"aurora".into(), "http://h"));
        assert!(!back.head().matches("ff", &"mumara".into(), "http://h"));
        assert!(Journal::from_json("{\"v\":2}").is_none());
        assert!(Journal::from_json("not json").is_none());
    }

    #[test]
    fn never_holds_a_secret() {
        let file = b"email,password\na@localhost,pw-secret-1\nb@localhost,pw-secret-2\n";
        let table = read(file).unwrap();
        let planned = plan(
            &table,
            &Mapping::auto(&table),
            &[
                crate::input::map::Field::Email,
                crate::input::map::Field::Password,
            ],
        );
        let secrets = Secrets::new()
            .with_shown("login", "superadmin")
            .with("password", "admin-secret-pw")
            .with("api_key", "key-secret-xyz");
        let mut run = Run::new(
            Box::new(Aurora::new("http://h/")),
            secrets,
            &planned,
            crate::input::plan::users_of(
                table.clone(),
                Mapping::auto(&table),
                crate::input::validate::Rules {
                    required: vec![
                        crate::input::map::Field::Email,
                        crate::input::map::Field::Password,
                    ],
                    ..Default::default()
                },
            ),
            RunConfig::default(),
            0,
        );
        let _ = run.next_command(0);
        let mut j = Journal::new(
            &fingerprint(file),
            "f.csv",
            &"aurora".into(),
            "http://h/",
            0.0,
        );
        let mut rows = run.rows().to_vec();
        rows[1] = row(Status::Created, Some("1"));
        j.record(&rows, false, 1.0);
        // Both stored forms: the one value of version 1, and the head and pages.
        let mut text = j.to_json();
        text.push_str(&j.head().to_json());
        for n in 0..j.page_count() {
            text.push_str(&j.page_json(n, 1));
        }
        for secret in [
            "pw-secret-1",
            "pw-secret-2",
            "admin-secret-pw",
            "key-secret-xyz",
            "superadmin",
            "a@localhost",
            "echoed",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    #[test]
    fn rows_sent_since_the_last_write_come_back_unknown() {
        assert_eq!(encode_rows([9, 3, 4, 5, 12, 13, 3]), "3-5,9,12-13");
        assert_eq!(decode_rows("3-5,9,12-13"), [3, 4, 5, 9, 12, 13]);
        assert_eq!(decode_rows("x,2,5-3,7"), [2, 7]);
        assert_eq!(encode_rows([]), "");
        let mut j = Journal::new("ab", "f.csv", &"aurora".into(), "http://h/", 0.0);
        j.record(
            &[
                row(Status::Created, Some("1")),
                row(Status::Pending, None),
                row(Status::Pending, None),
                row(Status::Invalid, None),
            ],
            false,
            1.0,
        );
        // Row 1 was handed to fetch after that write, and the page crashed.
        j.mark_sending(&decode_rows(&encode_rows([0, 1, 3])));
        assert_eq!(j.statuses, "copi");
        let previous = j.previous();
        assert!(
            previous.contains(&(1, Status::Unknown, None)),
            "{previous:?}"
        );
        assert!(!previous.iter().any(|p| p.0 == 2));
        assert!(j.sending_key().starts_with(&j.key()));
    }

    /// localStorage as a test double: a quota in characters (keys and values, as
    /// browsers count it), a write beyond it refused as Chromium does.
    #[derive(Default)]
    struct Mem {
        items: std::collections::BTreeMap<String, String>,
        quota: Option<usize>,
        writes: usize,
    }

    impl Mem {
        fn used(&self) -> usize {
            self.items.iter().map(|(k, v)| k.len() + v.len()).sum()
        }
    }

    impl Store for Mem {
        fn get(&self, key: &str) -> Option<String> {
            self.items.get(key).cloned()
        }
        fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
            let old = self.items.get(key).map_or(0, |v| key.len() + v.len());
            if let Some(quota) = self.quota {
                if self.used() - old + key.len() + value.len() > quota {
                    return Err(StoreError::new(
                        "QuotaExceededError",
                        "Failed to execute 'setItem' on 'Storage': Setting the value exceeded the quota.",
                    ));
                }
            }
            self.writes += 1;
            self.items.insert(key.to_owned(), value.to_owned());
            Ok(())
        }
        fn remove(&mut self, key: &str) {
            self.items.remove(key);
        }
        fn keys(&self) -> Vec<String> {
            self.items.keys().cloned().collect()
        }
    }

    fn many_rows(n: usize) -> Vec<RowState> {
        (0..n)
            .map(|i| match i % 5 {
                0 => row(Status::Created, Some(&format!("id{i}"))),
                1 => row(Status::Sending, None),
                2 => row(Status::Exists, Some(&format!("x{i}"))),
                3 => row(Status::Failed, None),
                _ => row(Status::Pending, None),
            })
            .collect()
    }

    #[test]
    fn stored_in_pages_and_read_back() {
        let n = 2 * PAGE_ROWS + 17;
        let rows = many_rows(n);
        let mut store = Mem::default();
        let mut w = Writer::new(Journal::new(
            "ff",
            "users.csv",
            &"aurora".into(),
            "http://h/",
            1.0,
        ));
        w.record(&mut store, &rows, false, 3.0).unwrap();
        let j = w.journal().clone();
        let key = j.key();
        let head = Head::from_json(&store.get(&key).unwrap()).unwrap();
        assert_eq!((head.rows, head.pages, head.v), (n, 3, HEAD_VERSION));
        assert_eq!(head.counts(), j.counts());
        assert!(head.matches("ff", &"aurora".into(), "http://h"));
        assert_eq!(load(&store, &key).unwrap(), j);
        // A page holds its own rows' ids only, and the last page is short.
        assert!(store.get(&page_key(&key, 0)).unwrap().contains("\"id0\""));
        assert!(!store.get(&page_key(&key, 1)).unwrap().contains("\"id0\""));
        // A write stores only the pages that changed, then the head.
        let writes = store.writes;
        let mut later = rows.clone();
        later[n - 1] = row(Status::Created, Some("last"));
        w.record(&mut store, &later, false, 4.0).unwrap();
        assert_eq!(store.writes - writes, 2);
        let back = load(&store, &key).unwrap();
        assert_eq!(back.statuses, w.journal().statuses);
        assert_eq!(back.ids.last().unwrap().1, "last");
        // A missing, damaged or misplaced page: refused, rather than a wrong journal.
        let pages: Vec<Option<String>> = (0..3).map(|p| store.get(&page_key(&key, p))).collect();
        let head = Head::from_json(&store.get(&key).unwrap()).unwrap();
        assert_eq!(Journal::from_pages(&head, &pages).unwrap(), back);
        let mut missing = pages.clone();
        missing[1] = None;
        assert_eq!(
            Journal::from_pages(&head, &missing),
            Err(Refusal::MissingPage(1))
        );
        assert!(Journal::from_pages(&head, &pages[..2]).is_err());
        let mut swapped = pages.clone();
        swapped.swap(0, 1);
        assert!(Journal::from_pages(&head, &swapped).is_err());
        let mut wrong = pages.clone();
        wrong[0] = Some(pages[0].as_ref().unwrap().replacen("\"c", "\"z", 1));
        assert_eq!(
            Journal::from_pages(&head, &wrong),
            Err(Refusal::Damaged(Some(0)))
        );
        // A version-1 value is not a head, and is still read whole.
        assert!(Head::from_json(&j.to_json()).is_none());
        let mut old = Mem::default();
        old.set(&key, &j.to_json()).unwrap();
        assert_eq!(load(&old, &key).unwrap().statuses, j.statuses);
    }

    #[test]
    fn a_stale_or_foreign_page_is_refused_with_the_reason() {
        let n = 2 * PAGE_ROWS + 17;
        let rows = many_rows(n);
        let mut store = Mem::default();
        let mut w = Writer::new(
            Journal::new("ff", "users.csv", &"aurora".into(), "http://h/", 1.0).with_run("run-a"),
        );
        w.record(&mut store, &rows, false, 2.0).unwrap();
        let key = w.journal().key();
        let page1_then = store.get(&page_key(&key, 1)).unwrap();
        // Every page carries the run and the write that stored it; the head lists them.
        assert!(page1_then.contains("\"run\":\"run-a\""), "{page1_then}");
        assert!(page1_then.contains("\"seq\":1"), "{page1_then}");
        let mut later = rows.clone();
        for (r, state) in later.iter_mut().enumerate().skip(PAGE_ROWS).take(10) {
            *state = row(Status::Created, Some(&format!("n{r}")));
        }
        w.record(&mut store, &later, false, 3.0).unwrap();
        let head = Head::from_json(&store.get(&key).unwrap()).unwrap();
        assert_eq!((head.seq, head.page_seqs.clone()), (2, vec![1, 2, 1]));
        assert!(load(&store, &key).is_ok());

        // Page 1 as it was before the last write (its write was lost): the lengths fit,
        // and on main it was read back as if current.
        let mut stale = Mem {
            items: store.items.clone(),
            ..Mem::default()
        };
        stale.items.insert(page_key(&key, 1), page1_then.clone());
        let refused = load(&stale, &key).unwrap_err();
        assert_eq!(
            refused,
            Refusal::StalePage {
                page: 1,
                newer: false
            }
        );
        assert!(
            refused.to_string().contains("part 2 of its rows is older"),
            "{refused}"
        );

        // A page of another run of the same file and server.
        let mut other = Writer::new(
            Journal::new("ff", "users.csv", &"aurora".into(), "http://h/", 1.0).with_run("run-b"),
        );
        let mut theirs = Mem::default();
        other.record(&mut theirs, &rows, false, 2.0).unwrap();
        let mut mixed = Mem {
            items: store.items.clone(),
            ..Mem::default()
        };
        mixed
            .items
            .insert(page_key(&key, 2), theirs.get(&page_key(&key, 2)).unwrap());
        assert_eq!(load(&mixed, &key), Err(Refusal::ForeignPage(2)));
        // Its list of rows in flight too.
        let mut foreign_sending = Mem {
            items: store.items.clone(),
            ..Mem::default()
        };
        other.before_send(&mut foreign_sending, &[4]).unwrap();
        assert_eq!(load(&foreign_sending, &key), Err(Refusal::ForeignSending));

        // A head of the format before run ids (version 2): listed, not resumed.
        let mut v2 = Mem {
            items: store.items.clone(),
            ..Mem::default()
        };
        let mut head2 = head.clone();
        head2.v = 2;
        v2.items.insert(key.clone(), head2.to_json());
        assert_eq!(load(&v2, &key), Err(Refusal::OlderFormat));
        assert_eq!(list(&v2).len(), 1);
    }

    #[test]
    fn a_failed_write_is_returned_and_forgets_nothing() {
        let rows = many_rows(40);
        let mut store = Mem::default();
        let mut w = Writer::new(Journal::new(
            "ff",
            "users.csv",
            &"aurora".into(),
            "http://h/",
            1.0,
        ));
        w.begin(&mut store).unwrap();
        w.record(&mut store, &rows, false, 2.0).unwrap();
        let key = w.journal().key();
        w.before_send(&mut store, &[4, 9]).unwrap();
        // The storage fills up.
        store.quota = Some(store.used());
        let refused = w.before_send(&mut store, &[14]).unwrap_err();
        assert_eq!(refused.name, "QuotaExceededError");
        assert!(refused
            .explain()
            .starts_with("this browser's storage for this page is full (QuotaExceededError: "));
        // Row 14 was not recorded as sent, so it must not be sent; 4 and 9 still are.
        assert_eq!(w.sending(), [4, 9]);
        let mut more = rows.clone();
        more[0] = row(Status::Created, Some("a-much-longer-id-than-before"));
        let failed = w.record(&mut store, &more, false, 3.0);
        assert!(failed.is_err());
        // The list of rows in flight outlives a failed full write (on main it was cleared).
        assert_eq!(w.sending(), [4, 9]);
        let stored = load(&store, &key).unwrap();
        assert_eq!(&stored.statuses[4..5], "o");
        // Space freed: the next write goes through and the list is done.
        store.quota = None;
        w.record(&mut store, &more, false, 4.0).unwrap();
        assert!(w.sending().is_empty());
        assert!(store.get(&w.journal().sending_key()).is_none());
        assert_eq!(
            load(&store, &key).unwrap().ids[0].1,
            "a-much-longer-id-than-before"
        );
        // A first write into a full storage fails too (Start refuses on it).
        let mut full = Mem {
            quota: Some(0),
            ..Mem::default()
        };
        let mut fresh = Writer::new(Journal::new(
            "ff",
            "users.csv",
            &"aurora".into(),
            "http://h/",
            1.0,
        ));
        assert!(fresh.begin(&mut full).is_err());
        let blocked = StoreError::new("SecurityError", "The operation is insecure.");
        assert!(blocked.explain().contains("blocks storage"));
    }

    #[test]
    fn a_stopped_run_stays_resumable() {
        use crate::targets::send::StopKind;
        let mut stopped_rows = many_rows(10);
        stopped_rows[4] = row(Status::Skipped, None);
        stopped_rows[9] = row(Status::Skipped, None);
        for phase in [
            Phase::Stopped(crate::run::Stop::new(StopKind::Limit, Some(115), "licence")),
            Phase::Stopped(crate::run::Stop::new(StopKind::Cancelled, None, "cancel")),
            Phase::LoginFailed(crate::run::Stop::new(
                StopKind::CredentialsRefused,
                None,
                "no",
            )),
            Phase::Paused,
        ] {
            assert!(!ends_run(&phase), "{phase:?}");
            let mut j = Journal::new("ff", "f.csv", &"aurora".into(), "http://h/", 0.0);
            j.record(&stopped_rows, ends_run(&phase), 1.0);
            assert!(!j.head().finished);
            // The rows the stop skipped are not carried over: a resumed run sends them.
            assert!(!j.previous().iter().any(|p| p.0 == 4 || p.0 == 9));
        }
        assert!(ends_run(&Phase::Finished));
    }

    #[test]
    fn a_url_with_credentials_is_stored_without_them() {
        let typed = "https://admin:s3cret-pw@Mail.Example.com:8443/webmail/?x=a@b";
        assert_eq!(
            strip_userinfo(typed),
            "https://Mail.Example.com:8443/webmail/?x=a@b"
        );
        assert_eq!(strip_userinfo("http://u@h/"), "http://h/");
        assert_eq!(strip_userinfo("http://h/p@q"), "http://h/p@q");
        assert_eq!(strip_userinfo("no scheme@h"), "no scheme@h");
        let mut store = Mem::default();
        let mut w = Writer::new(Journal::new("ff", "f.csv", &"aurora".into(), typed, 0.0));
        w.record(&mut store, &many_rows(3), false, 1.0).unwrap();
        w.before_send(&mut store, &[1]).unwrap();
        let everything: String = store
            .items
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        for secret in ["admin", "s3cret-pw", ":s3"] {
            assert!(!everything.contains(secret), "{secret} in {everything}");
        }
        assert!(everything.contains("https://Mail.Example.com:8443/webmail/?x=a@b"));
        // The same server with or without credentials is one journal.
        assert_eq!(
            w.journal().key(),
            key(
                "ff",
                &"aurora".into(),
                "HTTPS://mail.example.com:8443/webmail/?x=a@b"
            )
        );
        assert!(w.journal().head().matches("ff", &"aurora".into(), typed));
        assert_eq!(normalize_url("HTTP://u:p@HOST/x/"), "http://host/x");
    }

    proptest::proptest! {
        #[test]
        fn strip_userinfo_never_panics_and_leaves_no_userinfo(url in "\\PC{0,40}", user in "[^/?#@]{0,8}") {
            let stripped = strip_userinfo(&url);
            let _ = normalize_url(&url);
            if let Some((_, rest)) = stripped.split_once("://") {
                let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                proptest::prop_assert!(!rest[..end].contains('@'));
            }
            let with = format!("https://{user}:pw@host/{url}");
            proptest::prop_assert_eq!(strip_userinfo(&with), format!("https://host/{url}"));
        }
    }

    #[test]
    fn head_keys_are_told_from_pages_and_sending_lists() {
        let j = Journal::new("ab", "f.csv", &"aurora".into(), "http://h/", 0.0);
        let k = j.key();
        assert!(is_head_key(&k));
        assert!(!is_head_key(&page_key(&k, 3)));
        assert!(!is_head_key(&j.sending_key()));
        assert!(!is_head_key("other.key"));
    }
}
