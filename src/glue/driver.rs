//! Drives a [`Run`]: performs the commands it gives, feeds the answers back, and reports
//! changes. All decisions are the core's; this loop only moves data.

use std::cell::RefCell;
use std::rc::Rc;

use futures::stream::{FuturesUnordered, StreamExt};
use roster_core::http::Exchange;
use roster_core::run::{Command, Run};

use super::fetch;

/// Which command an answer belongs to.
enum Tag {
    Login,
    Create(usize),
}

async fn perform(command: Command) -> (Tag, Exchange) {
    match command {
        Command::Login(request) => (Tag::Login, fetch::perform(&request).await),
        Command::Create { row, request } => (Tag::Create(row), fetch::perform(&request).await),
    }
}

/// Runs until every row is final or the run stopped. `notify` sees the run and the rows
/// that changed after each step.
pub async fn drive(run: Rc<RefCell<Run>>, mut notify: impl FnMut(&Run, Vec<usize>)) {
    let mut in_flight = FuturesUnordered::new();
    loop {
        {
            let mut run = run.borrow_mut();
            while let Some(command) = run.next_command() {
                in_flight.push(perform(command));
            }
            let changed = run.take_changed();
            notify(&run, changed);
            if run.is_over() {
                return;
            }
        }
        match in_flight.next().await {
            Some((Tag::Login, exchange)) => run.borrow_mut().on_login(&exchange),
            Some((Tag::Create(row), exchange)) => run.borrow_mut().on_create(row, &exchange),
            // Paused with nothing in flight: look again shortly for Resume or Cancel.
            None => gloo_timers::future::TimeoutFuture::new(100).await,
        }
    }
}
