//! The page's reactive state. The rows themselves live in the plan; the table renders a
//! window of them (see `sheet`), so an update re-renders at most the one row it concerns.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use roster_core::check::CheckReport;
use roster_core::plan::PlannedRow;
use roster_core::run::{Phase, Progress, Run, StatusCounts};
use roster_core::send::aurora::Aurora;
use roster_core::send::mumara::{Mumara, MumaraDefaults};
use roster_core::send::Target;

use super::sheet::{self, SheetState};

/// Where the import stands, as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum RunView {
    Idle,
    Running,
    Paused,
    Finished,
    Stopped(String),
}

impl From<&Phase> for RunView {
    fn from(p: &Phase) -> Self {
        match p {
            Phase::Running => RunView::Running,
            Phase::Paused => RunView::Paused,
            Phase::Finished => RunView::Finished,
            Phase::Stopped(stop) => RunView::Stopped(stop.message.clone()),
            Phase::LoginFailed(_) => RunView::Idle,
        }
    }
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// The loaded file: reading settings, mapping, rules, and the table's row window.
    pub sheet: SheetState,
    /// The loaded file's rows, mapped and checked for the chosen target.
    pub plan: RwSignal<Option<Arc<Vec<PlannedRow>>>>,
    pub file_error: RwSignal<Option<String>>,
    pub target: RwSignal<String>,
    pub server_url: RwSignal<String>,
    pub login: RwSignal<String>,
    /// Held in memory only, never written anywhere.
    pub password: RwSignal<String>,
    /// Held in memory only, never written anywhere.
    pub api_key: RwSignal<String>,
    pub package_default: RwSignal<String>,
    pub timezone_default: RwSignal<String>,
    pub login_error: RwSignal<Option<String>>,
    pub run_view: RwSignal<RunView>,
    /// Why the engine paused the run by itself (429s or faults in a row).
    pub hold: RwSignal<Option<String>>,
    /// True from Start until the last request in flight has come back.
    pub active: RwSignal<bool>,
    pub counts: RwSignal<StatusCounts>,
    /// Rate, ETA and elapsed time of the current run.
    pub progress: RwSignal<Progress>,
    /// Engine settings: parallel requests, requests per minute, attempts per row.
    pub concurrency: RwSignal<String>,
    pub rate_per_min: RwSignal<String>,
    pub max_attempts: RwSignal<String>,
    /// The sentence the live region announces.
    pub announcement: RwSignal<String>,
    /// The last pre-flight check: the server it ran against and what it found.
    pub check: RwSignal<Option<Arc<(String, CheckReport)>>>,
    /// The check's or the dry run's findings, in words.
    pub check_summary: RwSignal<Vec<String>>,
    /// The dry run's requests, secrets masked.
    pub preview: RwSignal<Vec<String>>,
    pub run: StoredValue<Option<Rc<RefCell<Run>>>, LocalStorage>,
    /// The run's target, URL, file and wall-clock start and end, for the reports (issue 5).
    pub run_info: RwSignal<Option<roster_core::report::RunInfo>>,
    /// "I understand the password is sent unencrypted", for an http:// non-loopback URL.
    pub http_ack: RwSignal<bool>,
    /// Why the server could not be reached, and the fixes (issue 5).
    pub diagnosis: RwSignal<Option<roster_core::diagnose::Diagnosis>>,
    /// Bumped when a saved run journal is created, ended or deleted (the list re-reads).
    pub journals: RwSignal<u32>,
}

impl AppState {
    pub fn new() -> AppState {
        AppState {
            sheet: SheetState::new(),
            plan: RwSignal::new(None),
            file_error: RwSignal::new(None),
            target: RwSignal::new("aurora".into()),
            server_url: RwSignal::new(String::new()),
            login: RwSignal::new("superadmin".into()),
            password: RwSignal::new(String::new()),
            api_key: RwSignal::new(String::new()),
            package_default: RwSignal::new(String::new()),
            timezone_default: RwSignal::new(String::new()),
            login_error: RwSignal::new(None),
            run_view: RwSignal::new(RunView::Idle),
            hold: RwSignal::new(None),
            active: RwSignal::new(false),
            counts: RwSignal::new(StatusCounts::default()),
            progress: RwSignal::new(Progress::default()),
            concurrency: RwSignal::new("4".into()),
            rate_per_min: RwSignal::new(String::new()),
            max_attempts: RwSignal::new("4".into()),
            announcement: RwSignal::new(String::new()),
            check: RwSignal::new(None),
            check_summary: RwSignal::new(Vec::new()),
            preview: RwSignal::new(Vec::new()),
            run: StoredValue::new_local(None),
            run_info: RwSignal::new(None),
            http_ack: RwSignal::new(false),
            diagnosis: RwSignal::new(None),
            journals: RwSignal::new(0),
        }
    }

    /// The target the form describes. The URL is checked when the run starts.
    pub fn target(&self) -> Result<Box<dyn Target>, String> {
        let url = self.server_url.get_untracked();
        match self.target.get_untracked().as_str() {
            "mumara" => {
                let package = self.package_default.get_untracked();
                let package = package.trim();
                let package_id = if package.is_empty() {
                    None
                } else {
                    match package.parse::<u64>() {
                        Ok(id) if id > 0 => Some(id),
                        _ => {
                            return Err(format!(
                                "Package ID \"{package}\" is not a positive number."
                            ))
                        }
                    }
                };
                let timezone = self.timezone_default.get_untracked().trim().to_owned();
                if let Some(problem) = (!timezone.is_empty())
                    .then(|| roster_core::validate::timezone_problem(&timezone))
                    .flatten()
                {
                    return Err(format!("Timezone: {problem}"));
                }
                Ok(Box::new(Mumara::new(
                    &url,
                    MumaraDefaults {
                        package_id,
                        timezone: (!timezone.is_empty()).then_some(timezone),
                    },
                )))
            }
            _ => Ok(Box::new(Aurora::new(&url))),
        }
    }

    /// Maps and checks the file for the chosen target again (in slices; see `sheet`).
    pub fn replan(&self) {
        sheet::replan(*self);
    }

    /// Copies the run's state into the rendered rows that changed (the only way run
    /// updates reach the table).
    pub fn sync(&self, run: &Run, changed: &[usize]) {
        sheet::sync(*self, run, changed);
        self.counts.set(run.counts());
        if let Phase::LoginFailed(stop) = run.phase() {
            self.login_error.set(Some(stop.message.clone()));
        }
        let hold = run.hold().map(str::to_owned);
        if hold.is_some() && hold != self.hold.get_untracked() {
            // The engine paused by itself: the banner (an alert) says why; the live
            // region says what happened without repeating it.
            self.announcement.set(
                "Import paused automatically (see why above). Press Resume to go on, or Cancel."
                    .into(),
            );
        }
        if hold != self.hold.get_untracked() {
            self.hold.set(hold);
        }
        self.run_view.set(RunView::from(run.phase()));
    }
}
