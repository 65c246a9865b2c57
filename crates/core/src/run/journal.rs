//! The run journal: what a reload or a crash must not lose, kept in browser storage while a
//! run is in progress, so that dropping the same file again for the same target can resume
//! without creating anyone twice.
//!
//! It holds a fingerprint of the file (SHA-256 of its bytes), the target's kind and URL,
//! the file's name, and each row's status as one letter, plus the target id of created
//! rows. It never holds a password, a token, a key, a message or any other cell of the
//! file: nothing the user typed into the login fields and nothing but the file's hash.
//!
//! Rows in flight when the journal was written (`Sending`) are read back as `unknown`: their
//! answer was lost with the page, so a resumed run checks them first (Aurora: GetUsers) or
//! sends them again as rows whose answer was lost (Mumara: "already exists" then reads as
//! "most likely created").

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::run::{RowState, Status, StatusCounts};

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
pub fn key(fingerprint: &str, target: &str, server_url: &str) -> String {
    let place = self::fingerprint(format!("{}\n{}", target, normalize_url(server_url)).as_bytes());
    format!(
        "{PREFIX}{}.{}",
        &fingerprint[..16.min(fingerprint.len())],
        &place[..16]
    )
}

/// The URL as compared between runs: trimmed, without trailing slashes, scheme and host
/// lower-cased.
pub fn normalize_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
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
    /// `aurora` or `mumara`.
    pub target: String,
    pub server_url: String,
    /// Wall-clock times (Unix milliseconds).
    pub started_at: f64,
    pub updated_at: f64,
    /// The run ended (finished, stopped or cancelled): nothing was in flight any more.
    pub finished: bool,
    /// One letter per input row: `c`reated, `e`xists, `i`nvalid, `r`ejected, `f`ailed,
    /// `u`nknown, `s`kipped, `p`ending, `o` in flight.
    pub statuses: String,
    /// Target ids of created (or carried-over) rows: (row index, id).
    pub ids: Vec<(usize, String)>,
}

impl Journal {
    pub fn new(
        fingerprint: &str,
        file_name: &str,
        target: &str,
        server_url: &str,
        now_wall_ms: f64,
    ) -> Journal {
        Journal {
            v: 1,
            fingerprint: fingerprint.to_owned(),
            file_name: file_name.to_owned(),
            target: target.to_owned(),
            server_url: server_url.trim().to_owned(),
            started_at: now_wall_ms,
            updated_at: now_wall_ms,
            finished: false,
            statuses: String::new(),
            ids: Vec::new(),
        }
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
            .filter(|(_, r)| matches!(r.status, Status::Created | Status::Exists))
            .filter_map(|(i, r)| Some((i, r.target_id.clone()?)))
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
                if !matches!(status, Status::Created | Status::Exists | Status::Unknown) {
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
            v: 2,
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
        }
    }

    /// How many pages the rows take (see [`PAGE_ROWS`]).
    pub fn page_count(&self) -> usize {
        self.statuses.len().div_ceil(PAGE_ROWS)
    }

    /// Page `n` as stored; `with_ids: false` leaves the target ids out (for a full
    /// storage: they only fill the report's target_id column of carried-over rows).
    pub fn page_json(&self, n: usize, with_ids: bool) -> String {
        let rows = n * PAGE_ROWS..((n + 1) * PAGE_ROWS).min(self.statuses.len());
        let ids = if with_ids {
            let from = self.ids.partition_point(|(r, _)| *r < rows.start);
            let to = self.ids.partition_point(|(r, _)| *r < rows.end);
            self.ids[from..to].to_vec()
        } else {
            Vec::new()
        };
        let page = Page {
            statuses: self.statuses.get(rows).unwrap_or_default().to_owned(),
            ids,
        };
        serde_json::to_string(&page).expect("a journal page serialises")
    }

    /// Reads a stored journal back from its head and its pages, in order; `None` if a
    /// page is missing or does not fit the head (a journal that cannot be trusted is not
    /// resumed).
    pub fn from_pages(head: &Head, pages: &[Option<String>]) -> Option<Journal> {
        if pages.len() != head.pages {
            return None;
        }
        let mut statuses = String::with_capacity(head.rows);
        let mut ids = Vec::new();
        for (n, text) in pages.iter().enumerate() {
            let page: Page = serde_json::from_str(text.as_deref()?).ok()?;
            let rows = n * PAGE_ROWS..((n + 1) * PAGE_ROWS).min(head.rows);
            let fits = page.statuses.len() == rows.len()
                && page
                    .statuses
                    .bytes()
                    .all(|b| status_of(char::from(b)).is_some())
                && page.ids.iter().all(|(r, _)| rows.contains(r));
            if !fits {
                return None;
            }
            statuses.push_str(&page.statuses);
            ids.extend(page.ids);
        }
        ids.sort_by_key(|(r, _)| *r);
        (statuses.len() == head.rows).then(|| Journal {
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
    /// Format version: 2 (a head and pages; 1 was the whole journal in one value).
    pub v: u32,
    pub fingerprint: String,
    pub file_name: String,
    pub target: String,
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
}

/// One page of a stored journal: the statuses of rows `n * PAGE_ROWS ..` and the target
/// ids among them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Page {
    statuses: String,
    ids: Vec<(usize, String)>,
}

impl Head {
    pub fn from_json(text: &str) -> Option<Head> {
        serde_json::from_str::<Head>(text).ok().filter(|h| h.v == 2)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a journal head serialises")
    }

    /// Whether this journal is for this file and target.
    pub fn matches(&self, fingerprint: &str, target: &str, server_url: &str) -> bool {
        self.fingerprint == fingerprint
            && self.target == target
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

/// Row indices as compact ranges: `3-7,9,12-13`.
pub fn encode_rows(rows: impl IntoIterator<Item = usize>) -> String {
    let mut rows: Vec<usize> = rows.into_iter().collect();
    rows.sort_unstable();
    rows.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < rows.len() {
        let start = rows[i];
        while i + 1 < rows.len() && rows[i + 1] == rows[i] + 1 {
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if rows[i] == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{}", rows[i]));
        }
        i += 1;
    }
    out
}

/// Reads [`encode_rows`]' ranges back; a damaged part is skipped.
pub fn decode_rows(text: &str) -> Vec<usize> {
    let mut rows = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                    if a <= b && b - a < 10_000_000 {
                        rows.extend(a..=b);
                    }
                }
            }
            None => rows.extend(part.parse::<usize>().ok()),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::Mapping;
    use crate::input::plan::plan;
    use crate::input::read::read;
    use crate::run::{Run, RunConfig};
    use crate::target::aurora::Aurora;
    use crate::target::send::Secrets;

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
        let k = key(&f, "aurora", "https://Mail.Example.com/");
        assert!(k.starts_with(PREFIX));
        assert_eq!(k, key(&f, "aurora", "https://mail.example.com"));
        assert_ne!(k, key(&f, "mumara", "https://mail.example.com"));
        assert_ne!(k, key(&f, "aurora", "https://other.example.com"));
        assert_ne!(
            k,
            key(&fingerprint(b"b"), "aurora", "https://mail.example.com")
        );
    }

    #[test]
    fn round_trip_and_previous_rows() {
        let mut j = Journal::new("ff", "users.csv", "aurora", "http://h/", 1.0);
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
        assert!(back.head().matches("ff", "aurora", "http://h"));
        assert!(!back.head().matches("ff", "mumara", "http://h"));
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
        let secrets = Secrets {
            login: "superadmin".into(),
            password: "admin-secret-pw".into(),
            api_key: "key-secret-xyz".into(),
            ..Secrets::default()
        };
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
        let mut j = Journal::new(&fingerprint(file), "f.csv", "aurora", "http://h/", 0.0);
        let mut rows = run.rows().to_vec();
        rows[1] = row(Status::Created, Some("1"));
        j.record(&rows, false, 1.0);
        // Both stored forms: the one value of version 1, and the head and pages.
        let mut text = j.to_json();
        text.push_str(&j.head().to_json());
        for n in 0..j.page_count() {
            text.push_str(&j.page_json(n, true));
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
        let mut j = Journal::new("ab", "f.csv", "aurora", "http://h/", 0.0);
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

    #[test]
    fn stored_in_pages_and_read_back() {
        let n = 2 * PAGE_ROWS + 17;
        let rows: Vec<RowState> = (0..n)
            .map(|i| match i % 5 {
                0 => row(Status::Created, Some(&format!("id{i}"))),
                1 => row(Status::Sending, None),
                2 => row(Status::Exists, Some(&format!("x{i}"))),
                3 => row(Status::Failed, None),
                _ => row(Status::Pending, None),
            })
            .collect();
        let mut j = Journal::new("ff", "users.csv", "aurora", "http://h/", 1.0);
        j.record(&rows, false, 3.0);
        let head = j.head();
        assert_eq!((head.rows, head.pages, head.v), (n, 3, 2));
        assert_eq!(head.counts(), j.counts());
        assert!(head.matches("ff", "aurora", "http://h"));
        let back = Head::from_json(&head.to_json()).unwrap();
        assert_eq!(back, head);
        let pages: Vec<Option<String>> = (0..head.pages)
            .map(|p| Some(j.page_json(p, true)))
            .collect();
        assert_eq!(Journal::from_pages(&back, &pages).unwrap(), j);
        // A page holds its own rows' ids only, and the last page is short.
        assert!(pages[0].as_ref().unwrap().contains("\"id0\""));
        assert!(!pages[1].as_ref().unwrap().contains("\"id0\""));
        // Without ids (a full storage) the statuses still come back.
        let lean: Vec<Option<String>> = (0..head.pages)
            .map(|p| Some(j.page_json(p, false)))
            .collect();
        let read = Journal::from_pages(&back, &lean).unwrap();
        assert_eq!(read.statuses, j.statuses);
        assert!(read.ids.is_empty());
        // A missing, damaged or misplaced page: no journal, rather than a wrong one.
        let mut missing = pages.clone();
        missing[1] = None;
        assert!(Journal::from_pages(&back, &missing).is_none());
        assert!(Journal::from_pages(&back, &pages[..2]).is_none());
        let mut swapped = pages.clone();
        swapped.swap(1, 2);
        assert!(Journal::from_pages(&back, &swapped).is_none());
        let mut wrong = pages.clone();
        wrong[0] = Some(pages[0].as_ref().unwrap().replacen("\"c", "\"z", 1));
        assert!(Journal::from_pages(&back, &wrong).is_none());
        // A version-1 value is not a head.
        assert!(Head::from_json(&j.to_json()).is_none());
    }

    #[test]
    fn head_keys_are_told_from_pages_and_sending_lists() {
        let j = Journal::new("ab", "f.csv", "aurora", "http://h/", 0.0);
        let k = j.key();
        assert!(is_head_key(&k));
        assert!(!is_head_key(&page_key(&k, 3)));
        assert!(!is_head_key(&j.sending_key()));
        assert!(!is_head_key("other.key"));
    }
}
