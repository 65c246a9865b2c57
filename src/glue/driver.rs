//! Carries out a core [`Machine`]'s effects (a job, or a Check): performs its requests,
//! writes its journal to localStorage, keeps its time, and feeds every result back, with
//! the admin's commands. All decisions are the core's (`roster_core::job`); this one loop
//! only moves data and keeps time. The effects for the page (rows changed, sentences, the
//! end) go to `show`, in order, each after the ones before it were carried out.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::UnboundedReceiver;
use futures::future::{select_all, FutureExt, LocalBoxFuture};
use futures::stream::{FuturesUnordered, StreamExt};
use gloo_timers::future::TimeoutFuture;
use roster_core::http::{Exchange, HttpRequest};
use roster_core::job::{Command, Effect, Event, Machine, RequestId};
use roster_core::run::journal;

use super::clock::now_ms;
use super::fetch;
use super::journal::local;

async fn perform(id: RequestId, request: HttpRequest) -> (RequestId, Exchange) {
    (id, fetch::perform(&request).await)
}

/// What woke the loop.
enum Woke {
    Answer(Option<(RequestId, Exchange)>),
    Timer,
    Command(Option<Command>),
}

/// Runs `machine` until it ends. `show` sees the page's effects (and each journal write,
/// after it was carried out); when it returns a task, the loop waits for it before going
/// on (the end of a large run is spread over several tasks).
pub async fn run<M: Machine>(
    machine: Rc<RefCell<M>>,
    mut commands: Option<UnboundedReceiver<Command>>,
    mut show: impl FnMut(Effect) -> Option<LocalBoxFuture<'static, ()>>,
) {
    let mut in_flight = FuturesUnordered::new();
    let mut wake: Option<u64> = None;
    loop {
        let mut ended = false;
        loop {
            let effects = machine.borrow_mut().take_effects();
            if effects.is_empty() {
                break;
            }
            for effect in effects {
                let shown = match effect {
                    Effect::Send { id, request } => {
                        in_flight.push(perform(id, request));
                        continue;
                    }
                    Effect::WakeAt(at) => {
                        wake = Some(at);
                        continue;
                    }
                    Effect::Write(ops) => {
                        let result = local().and_then(|mut store| journal::apply(&mut store, &ops));
                        machine
                            .borrow_mut()
                            .handle(Event::Written(result), now_ms());
                        Effect::Write(ops)
                    }
                    other => other,
                };
                ended |= matches!(shown, Effect::Ended(_));
                if let Some(task) = show(shown) {
                    task.await;
                }
            }
        }
        if ended {
            return;
        }
        let woke = {
            let mut waits: Vec<LocalBoxFuture<'_, Woke>> = Vec::new();
            if !in_flight.is_empty() {
                waits.push(in_flight.next().map(Woke::Answer).boxed_local());
            }
            if let Some(at) = wake {
                // At least a millisecond: the page renders in between.
                let ms = at.saturating_sub(now_ms()).max(1);
                waits.push(
                    TimeoutFuture::new(ms.min(u64::from(u32::MAX)) as u32)
                        .map(|()| Woke::Timer)
                        .boxed_local(),
                );
            }
            if let Some(commands) = commands.as_mut() {
                waits.push(commands.next().map(Woke::Command).boxed_local());
            }
            if waits.is_empty() {
                // Nothing can come any more (it does not happen: a machine that waits
                // on nothing has ended).
                return;
            }
            select_all(waits).await.0
        };
        if crate::stopped::panic_asked() {
            // The end-to-end test of the panic hook asked for a real panic mid-run
            // (`crate::stopped`): nothing in the page reaches this.
            panic!("a panic asked for through roster_e2e_panic_on_purpose");
        }
        let now = now_ms();
        let event = match woke {
            Woke::Answer(Some((id, exchange))) => Event::Answer { id, exchange },
            Woke::Answer(None) => continue,
            Woke::Timer => {
                wake = None;
                Event::Tick
            }
            Woke::Command(Some(command)) => Event::Command(command),
            Woke::Command(None) => {
                commands = None;
                continue;
            }
        };
        machine.borrow_mut().handle(event, now);
    }
}
