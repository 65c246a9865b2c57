//! A job's journal: when to write it (at a pace that follows the file's size, just before
//! rows are sent, at the end), as storage writes handed over as data. What a journal holds
//! and how it is written: [`crate::run::journal`].

use crate::run::journal::{ends_run, Journal, StoreError, StoreOp, Writer};
use crate::run::{RowState, Run};

/// The least time between two journal writes; a large file writes less often. Whatever
/// happens in between is written when the page goes away ([`super::Job::flush`]).
const MIN_WRITE_MS: u64 = 250;
/// A write costs time in proportion to the rows (every status, every target id, then
/// the storage): one row in this many adds a millisecond to the least time between two
/// writes, so 100,000 rows write every 2 s rather than 4 times a second.
const ROWS_PER_WRITE_MS: u64 = 50;
/// The most time between two writes, whatever the size.
const MAX_WRITE_MS: u64 = 10_000;

pub(super) struct JobJournal {
    writer: Writer,
    written_at: Option<u64>,
    /// Rows changed since the last write that succeeded.
    pending: bool,
    /// Turned off by the admin ("Go on without resume"): nothing is written any more.
    pub(super) off: bool,
    /// The rows in flight before the writes awaiting their result, to restore if they fail.
    sending_before: Vec<usize>,
}

impl JobJournal {
    pub(super) fn new(journal: Journal) -> JobJournal {
        JobJournal {
            writer: Writer::new(journal),
            written_at: None,
            pending: false,
            off: false,
            sending_before: Vec::new(),
        }
    }

    pub(super) fn key(&self) -> String {
        self.writer.key()
    }

    /// The first write (every row), replacing any journal of an older run of the same
    /// file and server.
    pub(super) fn begin(&mut self, rows: &[RowState], wall: f64, now_ms: u64) -> Vec<StoreOp> {
        self.sending_before = self.writer.sending().to_vec();
        self.written_at = Some(now_ms);
        let mut ops = vec![StoreOp::RemoveJournal(self.writer.key())];
        ops.extend(self.writer.record_ops(rows, false, wall));
        ops
    }

    /// The rows about to be sent, before their requests go out.
    pub(super) fn before_send(&mut self, rows: &[usize]) -> Vec<StoreOp> {
        self.sending_before = self.writer.sending().to_vec();
        self.writer.before_send_ops(rows)
    }

    /// At each display update of the run: a write at most every [`MIN_WRITE_MS`] (longer
    /// for large files, up to [`MAX_WRITE_MS`]). A failed write is tried again later.
    pub(super) fn note(
        &mut self,
        rows: &[RowState],
        changed: bool,
        wall: f64,
        now_ms: u64,
    ) -> Option<Vec<StoreOp>> {
        self.pending |= changed;
        if !self.pending || self.off {
            return None;
        }
        let every = (rows.len() as u64 / ROWS_PER_WRITE_MS).clamp(MIN_WRITE_MS, MAX_WRITE_MS);
        if self.written_at.is_some_and(|t| now_ms < t + every) {
            return None;
        }
        Some(self.write_now(rows, false, wall, now_ms))
    }

    /// A full write of the rows as they are now.
    pub(super) fn write_now(
        &mut self,
        rows: &[RowState],
        finished: bool,
        wall: f64,
        now_ms: u64,
    ) -> Vec<StoreOp> {
        self.written_at = Some(now_ms);
        self.pending = true;
        self.sending_before = self.writer.sending().to_vec();
        self.writer.record_ops(rows, finished, wall)
    }

    /// The result of the writes last given.
    pub(super) fn written(&mut self, result: &Result<(), StoreError>) {
        match result {
            Ok(()) => self.pending = false,
            Err(_) => self
                .writer
                .unwritten(std::mem::take(&mut self.sending_before)),
        }
    }

    /// The run is over: its final state (`true`: the result matters), or forgetting it
    /// when nothing was sent (`false`). `None` when the journal is off.
    pub(super) fn finish(&mut self, run: &Run, wall: f64) -> Option<(Vec<StoreOp>, bool)> {
        if self.off {
            return None;
        }
        let sent = run
            .rows()
            .iter()
            .any(|r| r.attempts > 0 || r.first_sent_ms.is_some());
        let carried = !self.writer.journal().previous().is_empty();
        if sent || carried {
            self.sending_before = self.writer.sending().to_vec();
            let ops = self
                .writer
                .record_ops(run.rows(), ends_run(run.phase()), wall);
            Some((ops, true))
        } else {
            Some((vec![StoreOp::RemoveJournal(self.writer.key())], false))
        }
    }

    /// Turns the journal off for the rest of the run: the key of what it had stored, to
    /// delete (it would be out of date).
    pub(super) fn turn_off(&mut self) -> Option<String> {
        if self.off {
            return None;
        }
        self.off = true;
        Some(self.writer.key())
    }
}
