//! Row statuses and their counts.

use std::fmt;

/// A row's state. All but `Pending` and `Sending` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pending,
    Sending,
    Created,
    /// An existing account updated with the row's values (the run setting "Existing
    /// accounts: Update"). Done, like `created`.
    Updated,
    Exists,
    Invalid,
    Rejected,
    Failed,
    Unknown,
    Skipped,
}

impl Status {
    pub const FINAL: [Status; 8] = [
        Status::Created,
        Status::Updated,
        Status::Exists,
        Status::Invalid,
        Status::Rejected,
        Status::Failed,
        Status::Unknown,
        Status::Skipped,
    ];

    /// The word shown in the table and written to reports.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Created => "created",
            Status::Updated => "updated",
            Status::Exists => "exists",
            Status::Invalid => "invalid",
            Status::Rejected => "rejected",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
        }
    }

    /// Done: a retry or a resume does not send the row again.
    pub fn is_done(self) -> bool {
        matches!(self, Status::Created | Status::Updated | Status::Exists)
    }

    pub fn is_final(self) -> bool {
        !matches!(self, Status::Pending | Status::Sending)
    }
}

/// A row's state as the page and the command line name it (issue 27: one name per
/// state, everywhere). The report's `status` column keeps [`Status::word`], an interface
/// for scripts; every word a person reads comes from [`STATE_NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Valid and not excluded: to be sent (before a run, or waiting in one).
    Ready,
    Sending,
    Created,
    Updated,
    Exists,
    Invalid,
    /// Excluded by the admin: never sent.
    Excluded,
    /// Left unsent by a stop (cancel, a refused login, a fatal answer).
    NotSent,
    /// The server refused the row (`rejected`), it failed (`failed`) or its answer was
    /// lost (`unknown`): rows to look at. The table keeps the report's finer word.
    Rejected,
    Failed,
    Unknown,
}

/// The one word for each state. The three problem states share the group word
/// [`PROBLEMS`] wherever rows are counted together (legend, sentences, buttons).
pub const STATE_NAMES: [(State, &str); 11] = [
    (State::Ready, "ready"),
    (State::Sending, "sending"),
    (State::Created, "created"),
    (State::Updated, "updated"),
    (State::Exists, "exists"),
    (State::Invalid, "invalid"),
    (State::Excluded, "excluded"),
    (State::NotSent, "not sent"),
    (State::Rejected, "rejected"),
    (State::Failed, "failed"),
    (State::Unknown, "unknown"),
];

/// The group word for rejected, failed and unknown rows.
pub const PROBLEMS: &str = "problems";

impl State {
    /// The state a row in `status` is shown in (`excluded`: the admin excluded it).
    pub fn of(status: Status, excluded: bool) -> State {
        match status {
            Status::Pending => State::Ready,
            Status::Sending => State::Sending,
            Status::Created => State::Created,
            Status::Updated => State::Updated,
            Status::Exists => State::Exists,
            Status::Invalid => State::Invalid,
            Status::Skipped if excluded => State::Excluded,
            Status::Skipped => State::NotSent,
            Status::Rejected => State::Rejected,
            Status::Failed => State::Failed,
            Status::Unknown => State::Unknown,
        }
    }

    /// Its word, from [`STATE_NAMES`].
    pub fn word(self) -> &'static str {
        STATE_NAMES
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("", |(_, w)| w)
    }

    /// The state named `word` (a word of [`STATE_NAMES`]).
    pub fn named(word: &str) -> Option<State> {
        STATE_NAMES
            .iter()
            .find(|(_, w)| *w == word)
            .map(|(s, _)| *s)
    }

    /// Rejected, failed or unknown: counted together as [`PROBLEMS`].
    pub fn is_problem(self) -> bool {
        matches!(self, State::Rejected | State::Failed | State::Unknown)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// How many rows are in each status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts([usize; 10]);

impl StatusCounts {
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for s in statuses {
            counts.0[s as usize] += 1;
        }
        counts
    }

    /// Moves one row from `from` to `to`.
    pub fn shift(&mut self, from: Status, to: Status) {
        self.0[from as usize] -= 1;
        self.0[to as usize] += 1;
    }

    /// Counts `n` more rows in `status`.
    pub fn add(&mut self, status: Status, n: usize) {
        self.0[status as usize] += n;
    }

    /// Takes one row in `status` out of the counts (a row leaving a subset).
    pub fn remove(&mut self, status: Status) {
        self.0[status as usize] -= 1;
    }

    pub fn get(&self, status: Status) -> usize {
        self.0[status as usize]
    }

    /// Rows in a final status.
    pub fn done(&self) -> usize {
        Status::FINAL.iter().map(|s| self.get(*s)).sum()
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// One row's state in the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowState {
    pub status: Status,
    pub message: String,
    /// The target's error code or the HTTP status of the answer that decided the row,
    /// when it had one (Aurora's `ErrorCode`, Mumara's 422 or 401, a 5xx).
    pub code: Option<i64>,
    /// The user excluded the row before the run: it ends `skipped` and is never sent.
    pub excluded: bool,
    pub target_id: Option<String>,
    pub attempts: u32,
    /// An earlier attempt got no answer: the account may have been made by it.
    pub answer_lost: bool,
    /// When the first attempt was sent, and when the row reached its final status
    /// (milliseconds on the run's clock).
    pub first_sent_ms: Option<u64>,
    pub finished_ms: Option<u64>,
    /// The steps run after the row's create (see [`crate::targets::profile::Step`]): empty
    /// for a row that was not created or whose target has none.
    pub steps: Vec<StepState>,
}

impl RowState {
    /// The steps that failed.
    pub fn failed_steps(&self) -> impl Iterator<Item = &StepState> {
        self.steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::Failed)
    }
}

/// Where one step after a create stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    Pending,
    Sending,
    Done,
    /// Refused, or its faults did not pass, or the run stopped before it: the account
    /// stays `created`, with a warning.
    Failed,
}

impl StepOutcome {
    pub fn word(self) -> &'static str {
        match self {
            StepOutcome::Pending => "pending",
            StepOutcome::Sending => "sending",
            StepOutcome::Done => "done",
            StepOutcome::Failed => "failed",
        }
    }

    /// The outcome a journal's letter stands for.
    pub fn from_letter(letter: char) -> Option<StepOutcome> {
        Some(match letter {
            'p' => StepOutcome::Pending,
            // A step in flight when the journal was written is sent again: joining a
            // room or a group twice does no harm.
            's' => StepOutcome::Pending,
            'd' => StepOutcome::Done,
            'f' => StepOutcome::Failed,
            _ => return None,
        })
    }

    pub fn letter(self) -> char {
        match self {
            StepOutcome::Pending => 'p',
            StepOutcome::Sending => 's',
            StepOutcome::Done => 'd',
            StepOutcome::Failed => 'f',
        }
    }
}

/// One step of a created row: which step (its index among the target's steps), its
/// label, the value it runs for, and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub step: usize,
    pub label: String,
    pub value: String,
    pub outcome: StepOutcome,
    pub message: String,
    pub attempts: u32,
}

impl StepState {
    /// A step not sent yet.
    pub fn pending(step: usize, label: String, value: String) -> StepState {
        StepState {
            step,
            label,
            value,
            outcome: StepOutcome::Pending,
            message: String::new(),
            attempts: 0,
        }
    }

    /// "Join room #x:example.org: done".
    pub fn words(&self) -> String {
        let what = if self.value.is_empty() {
            self.label.clone()
        } else {
            format!("{} {}", self.label, self.value)
        };
        if self.message.is_empty() {
            format!("{what}: {}", self.outcome.word())
        } else {
            format!("{what}: {} ({})", self.outcome.word(), self.message)
        }
    }
}
