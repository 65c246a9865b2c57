//! Drives a [`Run`]: performs the commands it gives, feeds the answers back, sleeps until
//! the engine's next wake-up, and reports changes. All decisions are the core's; this
//! loop only moves data and keeps time.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use gloo_timers::future::TimeoutFuture;
use roster_core::http::Exchange;
use roster_core::run::{Command, Run};
use roster_core::targets::check::Listing;

use super::clock::now_ms;
use super::fetch;

/// How often the display refreshes (elapsed time, ETA) while waiting on answers.
const REFRESH_MS: u64 = 1_000;
/// The display follows the run at most this often: answers arriving in between are
/// shown together, so a fast run does not spend its time re-rendering.
const DISPLAY_MS: u64 = 100;
/// How often a paused run with nothing in flight looks for Resume or Cancel.
const PAUSED_POLL_MS: u64 = 100;

/// Which command an answer belongs to.
enum Tag {
    Login,
    Probe(usize),
    Create(usize),
}

async fn perform(command: Command) -> (Tag, Exchange) {
    match command {
        Command::Login(request) => (Tag::Login, fetch::perform(&request).await),
        Command::Probe { row, request } => (Tag::Probe(row), fetch::perform(&request).await),
        Command::Create { row, request } => (Tag::Create(row), fetch::perform(&request).await),
    }
}

/// Runs until every row is final or the run stopped. `before_send` sees the rows whose
/// creates are about to go out (before any of them is sent); when it answers with a
/// reason (the journal could not record them), those creates are not sent: the run gets
/// them back and pauses with that reason (`Run::hold_back`). `notify` sees the run (it may
/// pause it), the rows that changed, and the time, after each step.
pub async fn drive(
    run: Rc<RefCell<Run>>,
    mut before_send: impl FnMut(&[usize]) -> Result<(), String>,
    mut notify: impl FnMut(&mut Run, Vec<usize>, u64),
) {
    let mut in_flight = FuturesUnordered::new();
    let mut shown_at = 0;
    loop {
        let now = now_ms();
        let wake = {
            let mut run = run.borrow_mut();
            let mut commands = Vec::new();
            while let Some(command) = run.next_command(now) {
                commands.push(command);
            }
            let rows: Vec<usize> = commands
                .iter()
                .filter_map(|c| match c {
                    Command::Create { row, .. } => Some(*row),
                    // A probe creates nothing: only creates are announced.
                    Command::Login(_) | Command::Probe { .. } => None,
                })
                .collect();
            if let Err(reason) = before_send(&rows) {
                run.hold_back(&rows, now, reason);
                commands.retain(|c| !matches!(c, Command::Create { .. }));
            }
            in_flight.extend(commands.into_iter().map(perform));
            let over = run.is_over();
            if over || now >= shown_at + DISPLAY_MS {
                shown_at = now;
                let changed = run.take_changed();
                notify(&mut run, changed, now);
            }
            if over {
                return;
            }
            run.next_wake(now)
        };
        let sleep_ms = match wake {
            Some(at) => at.saturating_sub(now).clamp(1, REFRESH_MS),
            None if in_flight.is_empty() => PAUSED_POLL_MS,
            None => REFRESH_MS,
        }
        // Changes not shown yet are shown when their turn comes, even if nothing else happens.
        .min(DISPLAY_MS);
        let timer = TimeoutFuture::new(sleep_ms as u32);
        if in_flight.is_empty() {
            timer.await;
            continue;
        }
        if let Either::Left((Some((tag, exchange)), _)) = select(in_flight.next(), timer).await {
            let now = now_ms();
            let mut run = run.borrow_mut();
            match tag {
                Tag::Login => run.on_login(&exchange, now),
                Tag::Probe(row) => run.on_probe(row, &exchange, now),
                Tag::Create(row) => run.on_create(row, &exchange, now),
            }
        }
    }
}

/// Performs a pre-flight check's requests one after the other until it is over.
pub async fn check(mut check: Box<dyn Listing>) -> Box<dyn Listing> {
    while let Some(request) = check.next() {
        let exchange = fetch::perform(&request).await;
        check.on_answer(&exchange);
    }
    check
}

/// Settles the rows a run left unknown with the target's exists probe (see
/// `Run::settle_probes`), one request after the other. Returns how many were probed.
pub async fn settle_by_probe(run: &Rc<RefCell<Run>>) -> usize {
    let probes = run.borrow_mut().settle_probes();
    for (row, request) in &probes {
        let exchange = fetch::perform(request).await;
        run.borrow_mut().on_settle_probe(*row, &exchange, now_ms());
    }
    probes.len()
}
