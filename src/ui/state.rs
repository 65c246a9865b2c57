//! The page's reactive state. The rows themselves live in the plan; the table renders a
//! window of them (see `sheet`), so an update re-renders at most the one row it concerns.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use roster_core::job::{Command, Job, JournalProblem};
use roster_core::run::{Phase, Progress, StatusCounts};
use roster_core::targets::check::CheckReport;
use roster_core::targets::send::{Secrets, Target};
use roster_core::targets::{credentials, Settings, TargetKind};

use super::sheet::model::{FileState, PlanState, Selection, TableView};

/// Where the import stands, as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum RunView {
    Idle,
    Running,
    Paused,
    Finished,
    Stopped(String),
    /// The login failed before any row was sent: every row ended `skipped`, and the
    /// report says so.
    LoginFailed,
}

impl From<&Phase> for RunView {
    fn from(p: &Phase) -> Self {
        match p {
            Phase::Running => RunView::Running,
            Phase::Paused => RunView::Paused,
            Phase::Finished => RunView::Finished,
            Phase::Stopped(stop) => RunView::Stopped(stop.message.clone()),
            Phase::LoginFailed(_) => RunView::LoginFailed,
        }
    }
}

/// The target form: which kind of target, where it is, and how to log in to it.
#[derive(Clone, Copy)]
pub struct TargetForm {
    /// The kind of target chosen in the form: the form, the mapping's choices and the
    /// rules all follow its description (`roster_core::targets`).
    pub target: RwSignal<TargetKind>,
    pub server_url: RwSignal<String>,
    /// What was typed for each credential the target declares, by credential id. Held
    /// in memory only, never written anywhere.
    pub credentials: RwSignal<credentials::Typed>,
    /// The target's run settings (Mumara's default package, a realm), by setting id.
    pub settings: RwSignal<Settings>,
    /// "I understand the password is sent unencrypted", for an http:// non-loopback URL.
    pub http_ack: RwSignal<bool>,
}

/// The engine's settings as typed: parallel requests, requests per minute, attempts per row.
#[derive(Clone, Copy)]
pub struct Tuning {
    pub concurrency: RwSignal<String>,
    pub rate_per_min: RwSignal<String>,
    pub max_attempts: RwSignal<String>,
}

/// What the page learnt about the server before or at the start of a run.
#[derive(Clone, Copy)]
pub struct Findings {
    /// Why the login failed, or why the form cannot be sent.
    pub login_error: RwSignal<Option<String>>,
    /// The last pre-flight check: the server it ran against and what it found.
    pub check: RwSignal<Option<Arc<(String, CheckReport)>>>,
    /// The check's or the dry run's findings, in words.
    pub check_summary: RwSignal<Vec<String>>,
    /// The dry run's requests, secrets masked.
    pub preview: RwSignal<Vec<String>>,
    /// Why the server could not be reached, and the fixes (issue 5).
    pub diagnosis: RwSignal<Option<roster_core::targets::diagnose::Diagnosis>>,
    /// A Check or a Dry run is going: Start waits for it.
    pub checking: RwSignal<bool>,
}

/// The import: the run being driven and what the page shows of it.
#[derive(Clone, Copy)]
pub struct RunState {
    pub view: RwSignal<RunView>,
    /// Why the engine paused the run by itself (429s or faults in a row).
    pub hold: RwSignal<Option<String>>,
    /// True from Start until the last request in flight has come back.
    pub active: RwSignal<bool>,
    pub counts: RwSignal<StatusCounts>,
    /// The steps after the creates, in a sentence (`run::steps_summary`); `None` without.
    pub steps: RwSignal<Option<String>>,
    /// Created accounts whose steps failed, left out of the rows to retry, in a sentence
    /// (`report::steps_left_out_note`), said next to that button.
    pub steps_left_out: RwSignal<Option<String>>,
    /// Created accounts whose failed steps the rows to retry hold (a file with a header).
    pub steps_to_retry: RwSignal<usize>,
    /// Rate, ETA and elapsed time of the current run.
    pub progress: RwSignal<Progress>,
    /// The job under way (or the last one): its run is what the page shows.
    pub current: StoredValue<Option<Rc<RefCell<Job>>>, LocalStorage>,
    /// Where the admin's commands (Pause, Resume, Cancel…) go to the job under way.
    pub commands: StoredValue<Option<UnboundedSender<Command>>, LocalStorage>,
    /// The run's target, URL, file and wall-clock start and end, for the reports (issue 5).
    pub info: RwSignal<Option<roster_core::report::RunInfo>>,
    /// The runs of this tab that ended, oldest first: the run history, each with its
    /// reports, and what a retry or a second Start import is checked against (issue 13).
    pub history: RwSignal<Vec<Arc<roster_core::report::PastRun>>>,
    /// Bumped when a saved run journal is created, ended or deleted (the list re-reads).
    pub journals: RwSignal<u32>,
    /// The run's journal could not be written (issue 20): what the page says and offers.
    pub journal_problem: RwSignal<Option<JournalProblem>>,
    /// From Start until the run is going (or refused): a second press does nothing.
    pub starting: RwSignal<bool>,
    /// The run locks other tabs hold (issue 20: `super::tabs`).
    pub elsewhere: RwSignal<Vec<String>>,
    /// Generated passwords (issue 24), memory only.
    pub passwords: super::import::passwords::Passwords,
    /// The run setting "Existing accounts" and the update's preview (issue 24).
    pub existing: super::import::existing::ExistingState,
}

impl RunState {
    /// Sends a command to the job under way (nothing when none is).
    pub fn command(&self, command: Command) {
        self.commands.with_value(|sender| {
            if let Some(sender) = sender {
                let _ = sender.unbounded_send(command);
            }
        });
    }
}

/// The whole page's state, in groups by concern. A component takes the groups (or
/// signals) it shows; the page's actions (`sheet`, `launch`, `preflight`) take the whole
/// of it.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The loaded file: its bytes, how it is read, the reading's progress.
    pub file: FileState,
    /// The file's rows as planned: columns, mapping, the core sheet, the rules' settings.
    pub plan: PlanState,
    /// The rows table: filters and the window of slots.
    pub view: TableView,
    /// The rows the user picked: ticked, in the editor, the cell being edited.
    pub selection: Selection,
    pub form: TargetForm,
    pub tuning: Tuning,
    pub findings: Findings,
    pub run: RunState,
    /// The sentence the live region announces.
    pub announcement: RwSignal<String>,
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}

impl AppState {
    pub fn new() -> AppState {
        AppState {
            file: FileState::new(),
            plan: PlanState::new(),
            view: TableView::new(),
            selection: Selection::new(),
            form: TargetForm {
                target: RwSignal::new(TargetKind::default()),
                server_url: RwSignal::new(String::new()),
                credentials: RwSignal::new(credentials::initial_form(
                    &TargetKind::default().credentials(),
                )),
                settings: RwSignal::new(Settings::new()),
                http_ack: RwSignal::new(false),
            },
            tuning: Tuning {
                concurrency: RwSignal::new("4".into()),
                rate_per_min: RwSignal::new(String::new()),
                max_attempts: RwSignal::new("4".into()),
            },
            findings: Findings {
                login_error: RwSignal::new(None),
                check: RwSignal::new(None),
                check_summary: RwSignal::new(Vec::new()),
                preview: RwSignal::new(Vec::new()),
                diagnosis: RwSignal::new(None),
                checking: RwSignal::new(false),
            },
            run: RunState {
                view: RwSignal::new(RunView::Idle),
                hold: RwSignal::new(None),
                active: RwSignal::new(false),
                counts: RwSignal::new(StatusCounts::default()),
                steps: RwSignal::new(None),
                steps_left_out: RwSignal::new(None),
                steps_to_retry: RwSignal::new(0),
                progress: RwSignal::new(Progress::default()),
                current: StoredValue::new_local(None),
                commands: StoredValue::new_local(None),
                info: RwSignal::new(None),
                history: RwSignal::new(Vec::new()),
                journals: RwSignal::new(0),
                journal_problem: RwSignal::new(None),
                starting: RwSignal::new(false),
                elsewhere: RwSignal::new(Vec::new()),
                passwords: super::import::passwords::Passwords::new(),
                existing: super::import::existing::ExistingState::new(),
            },
            announcement: RwSignal::new(String::new()),
        }
    }
}

impl TargetForm {
    /// The target the form describes. The URL is checked when the run starts.
    pub fn target(&self) -> Result<Box<dyn Target>, roster_core::targets::BuildError> {
        let url = self.server_url.get_untracked();
        self.settings
            .with_untracked(|settings| self.target.with_untracked(|k| k.build(&url, settings)))
    }

    /// What the user typed to authenticate, for the credentials the target declares
    /// (trimmed, but for a password).
    pub fn secrets(&self) -> Secrets {
        let fields = self.target.with_untracked(|k| k.credentials());
        self.credentials
            .with_untracked(|typed| credentials::secrets(&fields, typed))
    }
}
