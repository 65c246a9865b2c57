//! What a read-only look at the server finds, and the trait every such look follows.
//!
//! A [`Listing`] logs in and lists the accounts the server holds (and its mail domains
//! where it can), for "Check", for re-checking rows whose answer was lost before a resume
//! or a retry sends them again, and for settling the rows a run left unknown. A target
//! that has one returns it from [`super::Kind::listing`] (Aurora's lives with Aurora:
//! `super::aurora::listing`). Like the run, it is a state machine: [`Listing::next`] gives
//! the request to perform, [`Listing::on_answer`] takes its answer.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use crate::http::{Exchange, HttpRequest};
use crate::input::plan::PlannedRow;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    /// Every account's PublicId, lower-cased.
    pub existing: HashSet<String>,
    /// The registered mail domains, lower-cased; `None` when the server does not say
    /// (not Aurora Corporate, or the MailDomains module is off).
    pub domains: Option<BTreeSet<String>>,
}

impl CheckReport {
    /// Input rows (by index) whose address the server holds already.
    pub fn existing_rows(&self, plan: &[PlannedRow]) -> Vec<usize> {
        plan.iter()
            .enumerate()
            .filter(|(_, p)| p.is_valid() && self.existing.contains(&p.email.to_lowercase()))
            .map(|(i, _)| i)
            .collect()
    }

    /// Domains of ready rows that the server does not list, with how many rows use each.
    pub fn unregistered_domains(&self, plan: &[PlannedRow]) -> BTreeMap<String, usize> {
        let mut missing = BTreeMap::new();
        let Some(domains) = &self.domains else {
            return missing;
        };
        for p in plan.iter().filter(|p| p.is_valid()) {
            if let Some((_, domain)) = p.email.rsplit_once('@') {
                let domain = domain.to_lowercase();
                if !domains.contains(&domain) {
                    *missing.entry(domain).or_insert(0) += 1;
                }
            }
        }
        missing
    }
}

/// A read-only look at the server: log in, list its accounts. Performed one request
/// after the other until it is over.
pub trait Listing: fmt::Debug {
    /// The server's call that lists the accounts, for the sentences the page announces
    /// (Aurora's `GetUsers`).
    fn call(&self) -> &str;

    /// The request to perform now, or `None` once the listing is over.
    fn next(&self) -> Option<HttpRequest>;

    /// Takes the answer to the request [`Listing::next`] gave.
    fn on_answer(&mut self, exchange: &Exchange);

    fn is_over(&self) -> bool;

    /// The result once the listing is over: what was found, or why it failed.
    fn result(&self) -> Option<Result<&CheckReport, &str>>;
}
