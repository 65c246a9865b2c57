//! What a job and the layer that carries out its effects say to each other: the events
//! it takes, the effects it gives, and how it ends.

use crate::http::{Exchange, HttpRequest};
use crate::run::journal::{StoreError, StoreOp};
use crate::run::Ending;
use crate::targets::check::CheckReport;

/// Which request an answer belongs to: the job numbers every request it asks for.
pub type RequestId = u64;

/// What the admin asks of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    Cancel,
    /// The run paused on a failed journal write goes on without its journal.
    GoOnWithoutJournal,
}

/// What happened, for the job.
#[derive(Debug)]
pub enum Event {
    /// The answer to request `id` (or the lack of one).
    Answer {
        id: RequestId,
        exchange: Exchange,
    },
    /// The time the job asked to be woken at came (or any other time passed).
    Tick,
    Command(Command),
    /// The result of the last [`Effect::Write`].
    Written(Result<(), StoreError>),
}

/// What the front end must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Perform this request; hand its answer back as [`Event::Answer`] with this id.
    Send { id: RequestId, request: HttpRequest },
    /// Carry out these storage writes in order ([`crate::run::journal::apply`]), then
    /// hand the result back as [`Event::Written`] before anything else.
    Write(Vec<StoreOp>),
    /// Hand [`Event::Tick`] back at this time (the latest `WakeAt` replaces the others).
    WakeAt(u64),
    /// These rows changed (perhaps none: the counts, the progress or the phase did).
    Changed(Vec<usize>),
    /// Say this sentence (the page's live region).
    Announce(String),
    /// The journal's trouble to show, or `None` when there is none any more.
    JournalProblem(Option<JournalProblem>),
    /// The job is over; no effect follows.
    Ended(Over),
}

/// The run's journal could not be written (issue 20): what the page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalProblem {
    /// Start refused: the first write failed ([`words::refused`], with the browser's
    /// reason).
    Refused(String),
    /// The run paused on a failed write: the hold reason it paused with
    /// ([`words::paused_because`]).
    Paused(String),
    /// The last write of a run that ended failed ([`words::unsaved`]).
    Unsaved(String),
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Over {
    /// Start refused: the journal's first write failed. Nothing was sent.
    JournalRefused(StoreError),
    /// The look-up of rows whose answer was lost, before a resume or a retry, failed
    /// (the message is for the login fields). Nothing was sent.
    RecheckFailed(String),
    /// The run went to its end; `None` when its login failed (nothing was sent).
    Ran(Option<Ending>),
    /// A [`Look`] ended: what it found, or why it failed.
    Checked(Result<CheckReport, CheckFailed>),
    /// A [`super::Survey`] ended: the preview of an update, or why it could not be made.
    Surveyed(Result<super::survey::Preview, String>),
}

/// A state machine whose effects one loop carries out: a [`Job`] or a [`Look`].
pub trait Machine {
    fn handle(&mut self, event: Event, now_ms: u64);
    /// The effects given since the last call, in order.
    fn take_effects(&mut self) -> Vec<Effect>;
}

/// Why a Check found nothing: the server's refusal in words (a failed login, a denied
/// listing), or no answer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckFailed {
    Refused(String),
    NoAnswer,
}

impl std::fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckFailed::Refused(message) => f.write_str(message),
            CheckFailed::NoAnswer => f.write_str("The check ended without an answer."),
        }
    }
}

impl std::error::Error for CheckFailed {}
