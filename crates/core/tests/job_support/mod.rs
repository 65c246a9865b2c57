//! What the job tests share: a harness that carries out a job's effects on a fake clock,
//! an in-memory browser storage whose writes can be refused, and the built jobs.
//! The fake servers are in `servers`.

#![allow(dead_code)]

pub mod servers;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use roster_core::http::{Exchange, HttpRequest};
use roster_core::input::map::Mapping;
use roster_core::input::plan::{plan_with, users_of, PlannedRow};
use roster_core::input::read::read;
use roster_core::job::form::{target_for, Form};
use roster_core::job::{
    Command, Effect, Event, Job, JournalProblem, Machine, Over, RequestId, Start,
};
use roster_core::run::journal::{self, Journal, Store, StoreError};
use roster_core::run::retry::RetryPlan;
use roster_core::run::{RunConfig, Status};
use roster_core::targets::check::CheckReport;
use roster_core::targets::send::Secrets;
use roster_core::targets::{Settings, TargetKind};

/// A server as the tests script it: one answer per request.
pub trait Server {
    fn handle(&mut self, request: &HttpRequest) -> Exchange;
}

/// The browser's localStorage in memory; with `refuse`, every `set` is refused as a
/// full storage refuses it.
#[derive(Debug, Default, Clone)]
pub struct Mem {
    pub map: BTreeMap<String, String>,
    pub refuse: bool,
    /// Refuse the `set`s after this many more succeed (then `refuse` is on).
    pub refuse_after: Option<usize>,
}

impl Store for Mem {
    fn get(&self, key: &str) -> Option<String> {
        self.map.get(key).cloned()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if let Some(n) = self.refuse_after {
            if n == 0 {
                self.refuse = true;
                self.refuse_after = None;
            } else {
                self.refuse_after = Some(n - 1);
            }
        }
        if self.refuse {
            return Err(StoreError::new(
                "QuotaExceededError",
                "The quota has been exceeded.",
            ));
        }
        self.map.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&mut self, key: &str) {
        self.map.remove(key);
    }

    fn keys(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }
}

/// Carries out a machine's effects on a fake clock: requests are answered one at a time,
/// in the order they were sent, `latency` ms after the clock's time; journal writes go to
/// `store`; a wake moves the clock.
pub struct Harness<M: Machine> {
    pub machine: M,
    pub now: u64,
    pub latency: u64,
    pub store: Mem,
    in_flight: VecDeque<(RequestId, HttpRequest)>,
    wake: Option<u64>,
    /// Every request sent, in order, and the clock's time when each was sent.
    pub sent: Vec<HttpRequest>,
    pub sent_at: Vec<u64>,
    pub announced: Vec<String>,
    pub problems: Vec<Option<JournalProblem>>,
    pub changed: usize,
    pub over: Option<Over>,
    /// Journal writes carried out, and how many were refused.
    pub writes: usize,
    pub refused_writes: usize,
}

impl<M: Machine> Harness<M> {
    pub fn new(machine: M, store: Mem) -> Harness<M> {
        Harness {
            machine,
            now: 0,
            latency: 5,
            store,
            in_flight: VecDeque::new(),
            wake: None,
            sent: Vec::new(),
            sent_at: Vec::new(),
            announced: Vec::new(),
            problems: Vec::new(),
            changed: 0,
            over: None,
            writes: 0,
            refused_writes: 0,
        }
    }

    /// Carries out the effects given so far (writes at once, as a browser's storage).
    pub fn effects(&mut self) {
        loop {
            let effects = self.machine.take_effects();
            if effects.is_empty() {
                return;
            }
            for effect in effects {
                match effect {
                    Effect::Send { id, request } => {
                        assert!(self.over.is_none(), "a request after the job ended");
                        self.sent.push(request.clone());
                        self.sent_at.push(self.now);
                        self.in_flight.push_back((id, request));
                    }
                    Effect::Write(ops) => {
                        let result = journal::apply(&mut self.store, &ops);
                        self.writes += 1;
                        if result.is_err() {
                            self.refused_writes += 1;
                        }
                        self.machine.handle(Event::Written(result), self.now);
                    }
                    Effect::WakeAt(at) => self.wake = Some(at),
                    Effect::Changed(_) => self.changed += 1,
                    Effect::Announce(sentence) => self.announced.push(sentence),
                    Effect::JournalProblem(problem) => self.problems.push(problem),
                    Effect::Ended(over) => {
                        assert!(self.over.is_none(), "the job ended twice");
                        self.over = Some(over);
                    }
                }
            }
        }
    }

    /// One step: the next answer, or the next wake. `false` when nothing is left to do.
    pub fn step(&mut self, server: &mut dyn Server) -> bool {
        self.effects();
        if let Some((id, request)) = self.in_flight.pop_front() {
            self.now += self.latency;
            let exchange = server.handle(&request);
            self.machine
                .handle(Event::Answer { id, exchange }, self.now);
            return true;
        }
        if self.over.is_some() {
            return false;
        }
        match self.wake.take() {
            Some(at) => {
                self.now = self.now.max(at);
                self.machine.handle(Event::Tick, self.now);
                true
            }
            None => false,
        }
    }

    /// Steps until the job ends (or nothing is left to do); panics past 100,000 steps.
    pub fn finish(&mut self, server: &mut dyn Server) {
        for _ in 0..100_000 {
            if !self.step(server) {
                self.effects();
                return;
            }
        }
        panic!("the job did not end");
    }

    /// Steps until `until` holds of the harness (checked before each step).
    pub fn run_until(&mut self, server: &mut dyn Server, until: impl Fn(&Harness<M>) -> bool) {
        for _ in 0..100_000 {
            self.effects();
            if until(self) {
                return;
            }
            if !self.step(server) {
                panic!("the job stopped before the condition held");
            }
        }
        panic!("the condition never held");
    }

    pub fn command(&mut self, command: Command) {
        self.effects();
        self.machine.handle(Event::Command(command), self.now);
        self.effects();
    }

    /// Drops every request in flight and every wake: the page went away.
    pub fn crash(&mut self) {
        self.in_flight.clear();
        self.wake = None;
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
}

impl Harness<Job> {
    pub fn statuses(&self) -> Vec<Status> {
        self.machine.run().rows().iter().map(|r| r.status).collect()
    }
}

/// A file, a target and its settings and credentials: what Start takes from the page.
pub struct Setup {
    pub kind: TargetKind,
    pub url: String,
    pub settings: Settings,
    pub secrets: Secrets,
    pub text: String,
    pub config: RunConfig,
}

impl Setup {
    pub fn new(id: &str, url: &str, text: &str) -> Setup {
        Setup {
            kind: TargetKind::by_id(id).unwrap_or_else(|| panic!("no target {id}")),
            url: url.into(),
            settings: Settings::new(),
            secrets: Secrets::default(),
            text: text.into(),
            config: RunConfig {
                // One attempt: a lost answer ends the run unknown, to be settled.
                max_attempts: 1,
                ..RunConfig::default()
            },
        }
    }

    pub fn setting(mut self, id: &str, value: &str) -> Setup {
        self.settings.insert(id.into(), value.into());
        self
    }

    pub fn plan(&self) -> Arc<Vec<PlannedRow>> {
        let table = read(self.text.as_bytes()).expect("the file reads");
        let mapping = Mapping::auto(&table);
        Arc::new(plan_with(
            &table,
            &mapping,
            &self.kind.rules(&self.settings),
        ))
    }

    /// The journal's head for this file and server, as the page makes it.
    pub fn journal(&self) -> Journal {
        Journal::new(
            &journal::fingerprint(self.text.as_bytes()),
            "people.csv",
            &self.kind.target_id(),
            &self.url,
            1_796_108_400_000.0,
        )
        .with_run("run-1")
    }

    /// Start, as the page presses it: the form checked, the target built.
    pub fn start(&self, options: Options) -> Start {
        let target = target_for(Form {
            kind: &*self.kind,
            server_url: &self.url,
            http_ack: true,
            settings: &self.settings,
            secrets: &self.secrets,
        })
        .unwrap_or_else(|e| panic!("the form is refused: {e}"));
        let table = read(self.text.as_bytes()).unwrap();
        let file_steps = roster_core::run::retry::file_steps(&table);
        let mapping = Mapping::auto(&table);
        let users = users_of(table, mapping, self.kind.rules(&self.settings));
        Start {
            kind: self.kind.clone(),
            target,
            server_url: self.url.clone(),
            secrets: self.secrets.clone(),
            plan: self.plan(),
            users: Box::new(users),
            config: self.config,
            checked: options.checked,
            resume: options.resume,
            retry: options.retry,
            journal: options.journal.then(|| self.journal()),
            wall_ms: 1_796_108_400_000.0,
            jitter: None,
            existing: options.existing,
            file_steps,
        }
    }

    /// A job of this setup, with a journal.
    pub fn job(&self) -> Job {
        Job::new(self.start(Options::journaled()), 0)
    }
}

/// What else Start knows.
#[derive(Default)]
pub struct Options {
    pub journal: bool,
    pub checked: Option<CheckReport>,
    pub resume: Option<Journal>,
    pub retry: Option<RetryPlan>,
    pub existing: roster_core::run::OnExisting,
}

impl Options {
    pub fn journaled() -> Options {
        Options {
            journal: true,
            ..Options::default()
        }
    }
}

/// The journal stored for this setup, read back as a reload reads it.
pub fn stored(store: &Mem, setup: &Setup) -> Result<Journal, journal::Refusal> {
    journal::load(store, &setup.journal().key())
}

/// Counts of each status, in the order given.
pub fn count(statuses: &[Status], status: Status) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}
