//! A journal whose writes are slow (a disk's fsync, the command line's case): the answers
//! that arrive while one write goes are read together, and the rows they free are recorded
//! in one write, not one write per answer. Every row still ends once, and the journal
//! holds what happened.

mod job_support;

use std::collections::VecDeque;

use job_support::servers::Aurora;
use job_support::{stored, Mem, Server, Setup};
use roster_core::http::HttpRequest;
use roster_core::job::{Effect, Event, Job, Machine, Over, RequestId};
use roster_core::run::journal::{self, StoreOp};
use roster_core::run::{RunConfig, Status};
use roster_core::targets::send::Secrets;

fn setup(rows: usize, concurrency: usize) -> Setup {
    let mut text = String::from("email,password,name\n");
    for i in 0..rows {
        text.push_str(&format!("u{i}@x.test,Pass-{i}-word,User {i}\n"));
    }
    let mut setup = Setup::new("aurora", "http://aurora.test", &text);
    setup.secrets = Secrets::new()
        .with_shown("login", "superadmin")
        .with("password", "secret");
    setup.config = RunConfig {
        concurrency,
        max_attempts: 1,
        ..RunConfig::default()
    };
    setup
}

/// Drives a job whose journal writes are acknowledged only after every answer in flight
/// has come in. Returns the journal writes made, and the job's end.
fn run_with_slow_writes(
    job: Job,
    store: &mut Mem,
    server: &mut dyn Server,
) -> (usize, Option<Over>) {
    let mut job = job;
    let mut sends: VecDeque<(RequestId, HttpRequest)> = VecDeque::new();
    let mut writes: VecDeque<Vec<StoreOp>> = VecDeque::new();
    let mut wake: Option<u64> = None;
    let mut over = None;
    let mut made = 0;
    let mut now = 0;
    job.handle(Event::Tick, now);
    for _ in 0..100_000 {
        for effect in job.take_effects() {
            match effect {
                Effect::Send { id, request } => sends.push_back((id, request)),
                Effect::Write(ops) => writes.push_back(ops),
                Effect::WakeAt(at) => wake = Some(at),
                Effect::Ended(end) => over = Some(end),
                Effect::Changed(_) | Effect::Announce(_) | Effect::JournalProblem(_) => {}
            }
        }
        if over.is_some() && writes.is_empty() {
            return (made, over);
        }
        now += 5;
        if let Some(ops) = writes.pop_front() {
            // The write is slow: every answer in flight comes in first.
            while let Some((id, request)) = sends.pop_front() {
                let exchange = server.handle(&request);
                job.handle(Event::Answer { id, exchange }, now);
            }
            made += 1;
            let result = journal::apply(store, &ops);
            job.handle(Event::Written(result), now);
        } else if let Some((id, request)) = sends.pop_front() {
            let exchange = server.handle(&request);
            job.handle(Event::Answer { id, exchange }, now);
        } else if let Some(at) = wake.take() {
            now = now.max(at);
            job.handle(Event::Tick, now);
        } else {
            return (made, over);
        }
    }
    panic!("the job did not end");
}

#[test]
fn answers_that_come_in_during_a_slow_write_are_recorded_in_one_write() {
    let rows = 96;
    let setup = setup(rows, 8);
    let mut server = Aurora::with(&[]);
    let mut store = Mem::default();
    let (writes, over) = run_with_slow_writes(setup.job(), &mut store, &mut server);
    assert!(matches!(over, Some(Over::Ran(_))), "{over:?}");
    assert_eq!(
        server.accounts.creates.len(),
        rows,
        "every row created once"
    );
    let journal = stored(&store, &setup).expect("the journal reads back");
    assert_eq!(journal.counts().get(Status::Created), rows);
    // A batch of up to 8 freed rows per write (plus the first write, the login's and the
    // last): one write per answer would be about 100.
    assert!(
        writes <= 40,
        "{writes} journal writes for {rows} rows at 8 in flight"
    );
}

/// A slot freed is refilled in the same step: the job's handling of an answer gives the
/// next create at once (its journal write carried out as the page and the command line
/// do, synchronously), never after a wake, a timer tick or a display step. A run bound by
/// the server's latency then keeps every slot busy but for the time the answer takes to
/// read. No tick is ever delivered while a request is in flight.
#[test]
fn a_slot_freed_by_an_answer_is_refilled_in_the_same_step() {
    let rows = 40;
    let concurrency = 6;
    let setup = setup(rows, concurrency);
    let mut server = Aurora::with(&[]);
    let mut store = Mem::default();
    let mut job = setup.job();
    let mut sends: VecDeque<(RequestId, HttpRequest)> = VecDeque::new();
    let mut wake: Option<u64> = None;
    let mut over = None;
    let mut now = 0;
    let mut creates_sent = 0;
    let mut answered_creates = 0;
    // Carries out the effects given so far: writes at once, sends queued.
    let mut carry = |job: &mut Job,
                     sends: &mut VecDeque<(RequestId, HttpRequest)>,
                     wake: &mut Option<u64>,
                     over: &mut Option<Over>,
                     creates_sent: &mut usize,
                     now: u64| loop {
        let effects = job.take_effects();
        if effects.is_empty() {
            return;
        }
        for effect in effects {
            match effect {
                Effect::Send { id, request } => {
                    if request.body.encode().contains("CreateUser") {
                        *creates_sent += 1;
                    }
                    sends.push_back((id, request));
                }
                Effect::Write(ops) => {
                    let result = journal::apply(&mut store, &ops);
                    job.handle(Event::Written(result), now);
                }
                Effect::WakeAt(at) => *wake = Some(at),
                Effect::Ended(end) => *over = Some(end),
                Effect::Changed(_) | Effect::Announce(_) | Effect::JournalProblem(_) => {}
            }
        }
    };
    job.handle(Event::Tick, now);
    for _ in 0..10_000 {
        carry(
            &mut job,
            &mut sends,
            &mut wake,
            &mut over,
            &mut creates_sent,
            now,
        );
        if over.is_some() {
            break;
        }
        let Some((id, request)) = sends.pop_front() else {
            // Only before the first request (the journal's first write) and after the
            // login: a wake with nothing in flight.
            now = now.max(wake.take().expect("a wake when nothing is in flight"));
            job.handle(Event::Tick, now);
            continue;
        };
        // Answers 17 ms apart: some fall on a display step (and its journal write).
        now += 17;
        let is_create = request.body.encode().contains("CreateUser");
        job.handle(
            Event::Answer {
                id,
                exchange: server.handle(&request),
            },
            now,
        );
        carry(
            &mut job,
            &mut sends,
            &mut wake,
            &mut over,
            &mut creates_sent,
            now,
        );
        if is_create {
            answered_creates += 1;
            // The freed slot has its next create already: as many in flight as the
            // concurrency allows, or every row not yet answered.
            let in_flight = sends.len();
            assert_eq!(
                in_flight,
                concurrency.min(rows - answered_creates),
                "after {answered_creates} answers, {creates_sent} creates sent"
            );
        }
    }
    assert!(matches!(over, Some(Over::Ran(_))), "{over:?}");
    assert_eq!(server.accounts.creates.len(), rows);
}
