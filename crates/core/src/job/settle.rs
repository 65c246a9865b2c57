//! A job's listings and probes: the look-up of rows whose answer was lost before a
//! resume or a retry sends them, and, once the run is over, settling the rows it left
//! unknown (by listing the server's accounts, then by asking about each).

use std::collections::VecDeque;

use super::{words, Effect, Job, Over, Stage, Tag};
use crate::http::Exchange;
use crate::run::Status;
use crate::targets::check::Listing;

impl Job {
    /// Sends a listing's next request (before the run when `recheck`, else after it).
    pub(super) fn look(&mut self, listing: Box<dyn Listing>, recheck: bool) {
        let next = listing.next();
        self.stage = if recheck {
            Stage::Recheck(listing)
        } else {
            Stage::Settling(listing)
        };
        if let Some(request) = next {
            self.send(Tag::Listing, request);
        }
    }

    /// The run is over: settle its unknown rows by listing, then by probe; then the last write.
    pub(super) fn settle(&mut self, now_ms: u64) {
        if !self.in_flight.is_empty() {
            return;
        }
        let unknown = self.run.counts().get(Status::Unknown);
        if matches!(self.stage, Stage::Sending) && unknown > 0 && self.kind.settles_unknown() {
            if let Some(listing) = self.kind.listing(&self.server_url, self.secrets.clone()) {
                self.effects
                    .push(Effect::Announce(words::settling_by_listing(
                        unknown,
                        listing.call(),
                    )));
                self.look(listing, false);
                return;
            }
        }
        if matches!(self.stage, Stage::Sending | Stage::Settling(_))
            && unknown > 0
            && self.kind.settles_by_probe()
        {
            let probes: VecDeque<_> = self.run.settle_probes().into();
            if !probes.is_empty() {
                self.effects
                    .push(Effect::Announce(words::settling_by_probe(unknown)));
                self.stage = Stage::Probing(probes);
                self.next_probe(now_ms);
                return;
            }
        }
        self.last_write(now_ms);
    }

    pub(super) fn next_probe(&mut self, now_ms: u64) {
        let Stage::Probing(probes) = &mut self.stage else {
            return;
        };
        match probes.pop_front() {
            Some((row, request)) => self.send(Tag::SettleProbe(row), request),
            None => {
                self.changed();
                self.last_write(now_ms);
            }
        }
    }

    pub(super) fn on_listing(&mut self, exchange: &Exchange, now_ms: u64) {
        let (recheck, mut listing) = match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Recheck(listing) => (true, listing),
            Stage::Settling(listing) => (false, listing),
            other => {
                self.stage = other;
                return;
            }
        };
        listing.on_answer(exchange);
        if let Some(request) = listing.next() {
            self.stage = if recheck {
                Stage::Recheck(listing)
            } else {
                Stage::Settling(listing)
            };
            self.send(Tag::Listing, request);
            return;
        }
        let found = listing
            .result()
            .map(|r| r.map(|report| report.existing_rows(&self.plan)));
        if recheck {
            match found {
                Some(Err(message)) => {
                    let message = message.to_owned();
                    self.effects
                        .push(Effect::Announce(words::RECHECK_FAILED.into()));
                    self.end_before_sending(Over::RecheckFailed(message));
                }
                found => {
                    let exists =
                        |run: &crate::run::Run| run.counts().get(crate::run::Status::Exists);
                    let before = exists(&self.run);
                    if let Some(Ok(rows)) = found {
                        self.run.mark_existing(&rows, now_ms);
                    }
                    let marked = exists(&self.run).saturating_sub(before);
                    self.effects
                        .push(Effect::Announce(words::rechecked(marked)));
                    self.stage = Stage::Sending;
                    self.pump(now_ms);
                }
            }
        } else {
            // A listing that fails settles nothing: the rows stay unknown.
            if let Some(Ok(rows)) = found {
                self.run.settle_unknown(&rows, now_ms);
                self.changed();
            }
            self.stage = Stage::Settling(listing);
            self.settle(now_ms);
        }
    }
}
