//! How a run ended, for the run history and its sentences.

use std::fmt;

use super::Phase;
use crate::targets::send::StopKind;

/// How a run that sent (or could have sent) rows ended. A run whose login failed sent
/// nothing and has no ending: it is not kept in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ending {
    /// Every row has its final status.
    Finished,
    /// The admin cancelled it.
    Cancelled,
    /// It stopped on a fatal answer (a refused key, a server that is not the API…).
    Stopped,
}

impl Ending {
    /// The ending of a run in this phase; `None` while it goes, or when its login failed.
    pub fn of(phase: &Phase) -> Option<Ending> {
        match phase {
            Phase::Finished => Some(Ending::Finished),
            Phase::Stopped(stop) if stop.kind == StopKind::Cancelled => Some(Ending::Cancelled),
            Phase::Stopped(_) => Some(Ending::Stopped),
            Phase::Running | Phase::Paused | Phase::LoginFailed(_) => None,
        }
    }

    /// The word the history shows: "finished", "cancelled" or "stopped".
    pub fn word(self) -> &'static str {
        match self {
            Ending::Finished => "finished",
            Ending::Cancelled => "cancelled",
            Ending::Stopped => "stopped",
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Stop;

    #[test]
    fn each_phase_has_its_ending() {
        assert_eq!(Ending::of(&Phase::Finished), Some(Ending::Finished));
        let cancel = Stop::new(StopKind::Cancelled, None, "Cancelled.");
        assert_eq!(
            Ending::of(&Phase::Stopped(cancel)).map(Ending::word),
            Some("cancelled")
        );
        let fatal = Stop::new(StopKind::CredentialsRefused, Some(401), "Refused.");
        assert_eq!(Ending::of(&Phase::Stopped(fatal)), Some(Ending::Stopped));
        let login = Stop::new(StopKind::CredentialsRefused, Some(401), "Refused.");
        assert_eq!(Ending::of(&Phase::LoginFailed(login)), None);
        assert_eq!(Ending::of(&Phase::Running), None);
        assert_eq!(Ending::Stopped.to_string(), "stopped");
    }
}
