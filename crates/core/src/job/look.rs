//! "Check" as a [`Machine`]: a target's [`Listing`] carried out by the same loop as a
//! job, one request after the other, ending with what it found.

use super::{CheckFailed, Effect, Event, Machine, Over, RequestId};
use crate::targets::check::Listing;

pub struct Look {
    listing: Box<dyn Listing>,
    asked: Option<RequestId>,
    next_id: RequestId,
    effects: Vec<Effect>,
    over: bool,
}

impl Look {
    /// Starts the listing: its first request is the first effect.
    pub fn new(listing: Box<dyn Listing>) -> Look {
        let mut look = Look {
            listing,
            asked: None,
            next_id: 0,
            effects: Vec::new(),
            over: false,
        };
        look.ask();
        look
    }

    fn ask(&mut self) {
        match self.listing.next() {
            Some(request) => {
                self.next_id += 1;
                self.asked = Some(self.next_id);
                self.effects.push(Effect::Send {
                    id: self.next_id,
                    request,
                });
            }
            None => {
                self.over = true;
                let result = match self.listing.result() {
                    Some(Ok(report)) => Ok(report.clone()),
                    Some(Err(message)) => Err(CheckFailed::Refused(message.to_owned())),
                    None => Err(CheckFailed::NoAnswer),
                };
                self.effects.push(Effect::Ended(Over::Checked(result)));
            }
        }
    }
}

impl Machine for Look {
    fn handle(&mut self, event: Event, _now_ms: u64) {
        if let Event::Answer { id, exchange } = event {
            if self.asked == Some(id) && !self.over {
                self.asked = None;
                self.listing.on_answer(&exchange);
                self.ask();
            }
        }
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }
}
