//! Where a journal is kept: a key-value [`Store`] whose writes can fail, the [`Writer`]
//! that writes one run's journal to it, and reading it back ([`load`], [`list`]).
//! A write can also be handed over as data ([`StoreOp`]s, carried out by [`apply`]), for a
//! job whose effects another layer performs.

use super::{
    decode_rows, encode_rows, is_head_key, page_key, Head, Journal, Refusal, RowState,
    SENDING_SUFFIX,
};

/// A browser storage's refusal of a write: the DOMException's name and message
/// (`QuotaExceededError`: full; `SecurityError`: storage blocked for the page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    pub name: String,
    pub message: String,
}

impl StoreError {
    pub fn new(name: &str, message: &str) -> StoreError {
        StoreError {
            name: name.to_owned(),
            message: message.to_owned(),
        }
    }

    /// What went wrong, in words, with the browser's own reason:
    /// "this browser's storage for this page is full (QuotaExceededError: …)".
    pub fn explain(&self) -> String {
        let what = match self.name.as_str() {
            "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => {
                "this browser's storage for this page is full"
            }
            "SecurityError" => {
                "this browser blocks storage for this page (a private window or a site-data setting)"
            }
            _ => "this browser refused to store it",
        };
        let message = self.message.trim();
        if message.is_empty() {
            format!("{what} ({})", self.name)
        } else {
            format!("{what} ({}: {message})", self.name)
        }
    }
}

/// A key-value storage as the browser's `localStorage` is: a write may fail.
pub trait Store {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    fn remove(&mut self, key: &str);
    fn keys(&self) -> Vec<String>;
}

/// Writes one run's journal to a [`Store`]: the pages whose rows changed since the last
/// write, then the head; and, between two full writes, the rows about to be sent. Every
/// failed write is returned, and nothing it was to record is forgotten: the rows sent since
/// the last full write are kept until a full write succeeds.
#[derive(Debug)]
pub struct Writer {
    journal: Journal,
    /// The rows of each page as last stored (JSON), so a write skips pages that did not change.
    written: Vec<Option<String>>,
    /// Rows handed to the network since the last full write.
    sending: Vec<usize>,
}

impl Writer {
    pub fn new(journal: Journal) -> Writer {
        Writer {
            journal,
            written: Vec::new(),
            sending: Vec::new(),
        }
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The first write of a run: any journal stored under the same key (an older run of
    /// the same file and server) is removed first, so that none of its pages outlives it.
    pub fn begin(&mut self, store: &mut dyn Store) -> Result<(), StoreError> {
        remove(store, &self.journal.key());
        self.write(store)
    }

    /// Takes the run's rows as they are now and writes them.
    pub fn record(
        &mut self,
        store: &mut dyn Store,
        rows: &[RowState],
        finished: bool,
        now_wall_ms: f64,
    ) -> Result<(), StoreError> {
        self.journal.record(rows, finished, now_wall_ms);
        self.write(store)
    }

    /// Writes the journal: the pages that changed, then the head. The first failure ends
    /// the write and is returned; the rows sent since the last full write stay listed.
    pub fn write(&mut self, store: &mut dyn Store) -> Result<(), StoreError> {
        let key = self.journal.key();
        let pages = self.journal.page_count();
        self.journal.seq += 1;
        let seq = self.journal.seq;
        self.journal.page_seqs.resize(pages, 0);
        self.written.resize(pages, None);
        for n in 0..pages {
            let rows = serde_json::to_string(&self.journal.page_rows(n)).expect("rows serialise");
            if self.written[n].as_ref() == Some(&rows) {
                continue;
            }
            store.set(&page_key(&key, n), &self.journal.page_json(n, seq))?;
            self.journal.page_seqs[n] = seq;
            self.written[n] = Some(rows);
        }
        store.set(&key, &self.journal.head().to_json())?;
        // The journal now holds every row in flight: the interim list is done.
        self.sending.clear();
        store.remove(&self.journal.sending_key());
        Ok(())
    }

    /// Writes the rows about to be sent (with those sent since the last full write),
    /// before their requests go out. On failure, they must not be sent.
    pub fn before_send(&mut self, store: &mut dyn Store, rows: &[usize]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let before = self.sending.len();
        self.sending.extend_from_slice(rows);
        let value = format!(
            "{}:{}",
            self.journal.run,
            encode_rows(self.sending.iter().copied())
        );
        let written = store.set(&self.journal.sending_key(), &value);
        if written.is_err() {
            // Not sent: they are not in flight.
            self.sending.truncate(before);
        }
        written
    }

    /// Rows handed to the network since the last full write.
    pub fn sending(&self) -> &[usize] {
        &self.sending
    }
}

/// Deletes a journal: its head, its pages and its sending list.
pub fn remove(store: &mut dyn Store, key: &str) {
    let pages = format!("{key}.page.");
    for k in store.keys().into_iter().filter(|k| k.starts_with(&pages)) {
        store.remove(&k);
    }
    store.remove(key);
    store.remove(&format!("{key}{SENDING_SUFFIX}"));
}

/// The whole journal stored under `key`, with the rows sent after its last full write
/// marked in flight; refused with the reason if it is missing, damaged or mixed. A journal
/// of the format before pages (one value) is read too; a version-2 head is refused
/// ([`Refusal::OlderFormat`]).
pub fn load(store: &dyn Store, key: &str) -> Result<Journal, Refusal> {
    let text = store.get(key).ok_or(Refusal::Missing)?;
    let mut j = match Head::from_json(&text) {
        Some(head) => {
            let pages: Vec<Option<String>> = (0..head.pages)
                .map(|n| store.get(&page_key(key, n)))
                .collect();
            Journal::from_pages(&head, &pages)?
        }
        None => Journal::from_json(&text).ok_or(Refusal::Damaged(None))?,
    };
    // Rows sent after the last full write: in flight when the page went away.
    if let Some(sending) = store.get(&j.sending_key()) {
        let ranges = match sending.split_once(':') {
            Some((run, _)) if run != j.run => return Err(Refusal::ForeignSending),
            Some((_, ranges)) => ranges,
            None => sending.as_str(),
        };
        j.mark_sending(&decode_rows(ranges));
    }
    Ok(j)
}

/// Every stored journal's head with its key, newest first. Only the heads are read,
/// unless rows were sent after a journal's last full write: its counts then come from the
/// whole journal (when it can be read).
pub fn list(store: &dyn Store) -> Vec<(String, Head)> {
    let mut all: Vec<(String, Head)> = store
        .keys()
        .into_iter()
        .filter(|k| is_head_key(k))
        .filter_map(|k| {
            let text = store.get(&k)?;
            let head = match Head::from_json(&text) {
                Some(head) => head,
                None => Journal::from_json(&text)?.head(),
            };
            let head = match store.get(&format!("{k}{SENDING_SUFFIX}")) {
                Some(_) => load(store, &k).map_or(head, |j| j.head()),
                None => head,
            };
            Some((k, head))
        })
        .collect();
    crate::sort::sort_by(&mut all, |a, b| b.1.updated_at.total_cmp(&a.1.updated_at));
    all
}

/// One write to a [`Store`], as data: what a job hands over for another layer to carry
/// out ([`apply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOp {
    Set {
        key: String,
        value: String,
    },
    Remove(String),
    /// Deletes the whole journal stored under this key ([`remove`]).
    RemoveJournal(String),
}

/// Carries out the writes in order; the first refusal ends them and is returned (the
/// writes before it stay done).
pub fn apply(store: &mut dyn Store, ops: &[StoreOp]) -> Result<(), StoreError> {
    for op in ops {
        match op {
            StoreOp::Set { key, value } => store.set(key, value)?,
            StoreOp::Remove(key) => store.remove(key),
            StoreOp::RemoveJournal(key) => remove(store, key),
        }
    }
    Ok(())
}

/// A [`Store`] that keeps the writes it is asked for, as [`StoreOp`]s, and reads nothing.
#[derive(Debug, Default)]
struct Recorder(Vec<StoreOp>);

impl Store for Recorder {
    fn get(&self, _key: &str) -> Option<String> {
        None
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.0.push(StoreOp::Set {
            key: key.to_owned(),
            value: value.to_owned(),
        });
        Ok(())
    }

    fn remove(&mut self, key: &str) {
        self.0.push(StoreOp::Remove(key.to_owned()));
    }

    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The [`Writer`]'s writes as data, for a job whose effects another layer carries out.
/// Each gives the writes to perform; when they fail, [`Writer::unwritten`] says so, with
/// what [`Writer::sending`] held before, so that nothing they were to record is taken as
/// stored.
impl Writer {
    /// [`Writer::begin`] as data.
    pub fn begin_ops(&mut self) -> Vec<StoreOp> {
        let mut ops = vec![StoreOp::RemoveJournal(self.journal.key())];
        ops.extend(self.write_ops());
        ops
    }

    /// [`Writer::write`] as data.
    pub fn write_ops(&mut self) -> Vec<StoreOp> {
        let mut recorder = Recorder::default();
        self.write(&mut recorder)
            .expect("a recorder refuses no write");
        recorder.0
    }

    /// [`Writer::record`] as data.
    pub fn record_ops(
        &mut self,
        rows: &[RowState],
        finished: bool,
        now_wall_ms: f64,
    ) -> Vec<StoreOp> {
        self.journal.record(rows, finished, now_wall_ms);
        self.write_ops()
    }

    /// [`Writer::before_send`] as data.
    pub fn before_send_ops(&mut self, rows: &[usize]) -> Vec<StoreOp> {
        let mut recorder = Recorder::default();
        self.before_send(&mut recorder, rows)
            .expect("a recorder refuses no write");
        recorder.0
    }

    /// The writes last given as data failed (all or some of them): no page is taken as
    /// stored any more (the next write stores every page again), and the rows in flight
    /// are those before them.
    pub fn unwritten(&mut self, sending: Vec<usize>) {
        self.written.clear();
        self.sending = sending;
    }

    /// The key the journal is stored under.
    pub fn key(&self) -> String {
        self.journal.key()
    }
}
