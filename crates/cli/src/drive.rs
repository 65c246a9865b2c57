//! The one loop that carries out a job's effects in a terminal, as `src/glue/driver.rs`
//! does in the page: requests go to a pool of threads (up to `--parallel` at once, on
//! one keep-alive client, HTTP/2 where the server offers it), journal writes go to the journal file at once, the job is woken
//! by sleeping until the time it asked for, and Ctrl-C becomes a Cancel: the requests in
//! flight finish, the journal's last write is made, and the job ends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use roster_core::http::{Exchange, HttpRequest};
use roster_core::job::{Command, Effect, Event, JournalProblem, Machine, Over, RequestId};
use roster_core::run::journal::StoreError;

use crate::store::FileStore;

/// How often the loop looks at Ctrl-C while it waits.
const POLL: Duration = Duration::from_millis(100);

/// Ctrl-C presses so far (the handler counts them; a second one exits at once).
pub static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);

/// A pool of threads that perform requests and hand the answers back.
pub struct Pool {
    orders: Option<Sender<(RequestId, HttpRequest)>>,
    answers: Receiver<(RequestId, Exchange)>,
    threads: Vec<thread::JoinHandle<()>>,
    started: Instant,
}

impl Pool {
    /// `parallel` threads sending on `client` (shared: one pool of kept-alive connections).
    pub fn new(client: reqwest::blocking::Client, parallel: usize) -> Pool {
        let (orders, inbox) = mpsc::channel::<(RequestId, HttpRequest)>();
        let inbox = Arc::new(Mutex::new(inbox));
        let (outbox, answers) = mpsc::channel();
        let threads = (0..parallel.max(1))
            .map(|_| {
                let inbox = Arc::clone(&inbox);
                let outbox: Sender<(RequestId, Exchange)> = outbox.clone();
                let client = client.clone();
                thread::spawn(move || loop {
                    let order = inbox.lock().map(|rx| rx.recv());
                    let Ok(Ok((id, request))) = order else { return };
                    let exchange = crate::http::perform(&client, &request);
                    if outbox.send((id, exchange)).is_err() {
                        return;
                    }
                })
            })
            .collect();
        Pool {
            orders: Some(orders),
            answers,
            threads,
            started: Instant::now(),
        }
    }

    /// The job's clock: milliseconds since the pool started.
    pub fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.orders.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// How a machine's run ended, for the exit code.
pub struct Ended {
    pub over: Over,
    /// Ctrl-C was pressed.
    pub interrupted: bool,
    /// A journal write failed mid-run, and the run was cancelled for it.
    pub journal_failed: bool,
}

/// Runs `machine` to its end, showing each effect with `show` (after it is carried out).
pub fn drive<M: Machine>(
    machine: &mut M,
    pool: &Pool,
    mut store: Option<&mut FileStore>,
    mut show: impl FnMut(&M, &Effect),
) -> Ended {
    let mut in_flight = 0usize;
    let mut wake: Option<u64> = None;
    let mut over: Option<Over> = None;
    let mut cancelled = false;
    let mut journal_failed = false;
    let orders = pool.orders.as_ref().expect("the pool is open");
    loop {
        let effects = machine.take_effects();
        let any = !effects.is_empty();
        for effect in effects {
            match &effect {
                Effect::Send { id, request } => {
                    in_flight += 1;
                    let _ = orders.send((*id, request.clone()));
                }
                Effect::Write(ops) => {
                    let result = match store.as_deref_mut() {
                        Some(store) => store.apply(ops),
                        None => Err(StoreError::new("Error", "no journal file")),
                    };
                    machine.handle(Event::Written(result), pool.now());
                }
                Effect::WakeAt(at) => wake = Some(*at),
                // The journal cannot be written: the page waits for the admin to free
                // space; a terminal has nobody to ask, so the run is cancelled (the rows
                // in flight finish, nothing more is sent) rather than go on unrecorded.
                Effect::JournalProblem(Some(JournalProblem::Paused(_))) if !cancelled => {
                    cancelled = true;
                    journal_failed = true;
                    machine.handle(Event::Command(Command::Cancel), pool.now());
                }
                Effect::Ended(o) => over = Some(o.clone()),
                Effect::Changed(_) | Effect::Announce(_) | Effect::JournalProblem(_) => {}
            }
            show(machine, &effect);
        }
        if any {
            continue;
        }
        if let Some(o) = &over {
            if in_flight == 0 {
                return Ended {
                    over: o.clone(),
                    interrupted: INTERRUPTS.load(Ordering::SeqCst) > 0,
                    journal_failed,
                };
            }
        }
        if !cancelled && INTERRUPTS.load(Ordering::SeqCst) > 0 {
            cancelled = true;
            machine.handle(Event::Command(Command::Cancel), pool.now());
            continue;
        }
        let now = pool.now();
        let wait = match wake {
            Some(at) if at <= now => {
                wake = None;
                machine.handle(Event::Tick, now);
                continue;
            }
            Some(at) => Duration::from_millis(at - now).min(POLL),
            None => POLL,
        };
        match pool.answers.recv_timeout(wait) {
            Ok((id, exchange)) => {
                in_flight = in_flight.saturating_sub(1);
                machine.handle(Event::Answer { id, exchange }, pool.now());
            }
            Err(RecvTimeoutError::Timeout) => {
                if wake.is_none() && in_flight == 0 && over.is_none() {
                    // Nothing awaited: a look now and then (a paused run).
                    machine.handle(Event::Tick, pool.now());
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                machine.handle(Event::Tick, pool.now());
            }
        }
    }
}
