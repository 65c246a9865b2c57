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
