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

/// SHA-256 of the file's bytes, as lower-case hex.
pub fn fingerprint(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
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

    /// Whether this journal is for this file and target.
    pub fn matches(&self, fingerprint: &str, target: &str, server_url: &str) -> bool {
        self.fingerprint == fingerprint
            && self.target == target
            && normalize_url(&self.server_url) == normalize_url(server_url)
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
        assert!(back.matches("ff", "aurora", "http://h"));
        assert!(!back.matches("ff", "mumara", "http://h"));
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
        let text = j.to_json();
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
}
