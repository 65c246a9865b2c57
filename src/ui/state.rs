//! The page's reactive state. Each row has its own signal, so an update re-renders one row.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use roster_core::map::Mapping;
use roster_core::plan::{plan, PlannedRow};
use roster_core::read::Table;
use roster_core::run::{Phase, Progress, RowState, Run, StatusCounts};
use roster_core::send::aurora::Aurora;
use roster_core::send::mumara::{Mumara, MumaraDefaults};
use roster_core::send::Target;
use roster_core::Status;

/// A file as it was read, with its column mapping.
pub struct Loaded {
    pub name: String,
    pub table: Table,
    pub mapping: Mapping,
}

/// What one table row shows.
#[derive(Clone, Debug, PartialEq)]
pub struct RowCell {
    pub status: Status,
    pub message: String,
    pub target_id: String,
}

impl From<&RowState> for RowCell {
    fn from(s: &RowState) -> Self {
        RowCell {
            status: s.status,
            message: s.message.clone(),
            target_id: s.target_id.clone().unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RowView {
    /// Which plan the row belongs to, so a new plan re-renders every row.
    pub load: u32,
    pub index: usize,
    pub email: String,
    pub has_password: bool,
    pub cell: RwSignal<RowCell>,
}

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
            Phase::Stopped(reason) => RunView::Stopped(reason.clone()),
            Phase::LoginFailed(_) => RunView::Idle,
        }
    }
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub loaded: RwSignal<Option<Arc<Loaded>>>,
    /// The loaded file's rows, mapped and checked for the chosen target.
    pub plan: RwSignal<Option<Arc<Vec<PlannedRow>>>>,
    pub file_error: RwSignal<Option<String>>,
    pub rows: RwSignal<Vec<RowView>>,
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
    pub run: StoredValue<Option<Rc<RefCell<Run>>>, LocalStorage>,
}

impl AppState {
    pub fn new() -> AppState {
        AppState {
            loaded: RwSignal::new(None),
            plan: RwSignal::new(None),
            file_error: RwSignal::new(None),
            rows: RwSignal::new(Vec::new()),
            target: RwSignal::new("aurora".into()),
            server_url: RwSignal::new(String::new()),
            login: RwSignal::new("superadmin".into()),
            password: RwSignal::new(String::new()),
            api_key: RwSignal::new(String::new()),
            package_default: RwSignal::new(String::new()),
            timezone_default: RwSignal::new(String::new()),
            login_error: RwSignal::new(None),
            run_view: RwSignal::new(RunView::Idle),
            active: RwSignal::new(false),
            counts: RwSignal::new(StatusCounts::default()),
            progress: RwSignal::new(Progress::default()),
            concurrency: RwSignal::new("4".into()),
            rate_per_min: RwSignal::new(String::new()),
            max_attempts: RwSignal::new("4".into()),
            announcement: RwSignal::new(String::new()),
            run: StoredValue::new_local(None),
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

    /// Shows a freshly read file.
    pub fn show_file(&self, loaded: Loaded) {
        self.loaded.set(Some(Arc::new(loaded)));
        self.file_error.set(None);
        self.replan();
    }

    /// Maps and checks the file for the chosen target, and shows one row per input row.
    pub fn replan(&self) {
        let Some(loaded) = self.loaded.get_untracked() else {
            return;
        };
        let required = match self.target() {
            Ok(target) => target.required(),
            // A bad default is reported at Start; plan as if it were absent.
            Err(_) => vec![],
        };
        let planned = plan(&loaded.table, &loaded.mapping, &required);
        let load = self
            .rows
            .with_untracked(|rows| rows.first().map_or(0, |r| r.load + 1));
        let rows: Vec<RowView> = planned
            .iter()
            .enumerate()
            .map(|(index, planned)| {
                let (status, message) = match &planned.user {
                    Ok(_) => (Status::Pending, String::new()),
                    Err(_) => (Status::Invalid, planned.problems_text()),
                };
                RowView {
                    load,
                    index,
                    email: planned.email.clone(),
                    has_password: planned.has_password,
                    cell: RwSignal::new(RowCell {
                        status,
                        message,
                        target_id: String::new(),
                    }),
                }
            })
            .collect();
        self.counts.set(StatusCounts::of(
            rows.iter().map(|r| r.cell.get_untracked().status),
        ));
        self.rows.set(rows);
        self.plan.set(Some(Arc::new(planned)));
        self.run.set_value(None);
        self.run_view.set(RunView::Idle);
        self.login_error.set(None);
    }

    /// Copies the run's state into the signals of the rows that changed.
    pub fn sync(&self, run: &Run, changed: &[usize]) {
        self.rows.with_untracked(|rows| {
            for &i in changed {
                if let (Some(view), Some(state)) = (rows.get(i), run.rows().get(i)) {
                    view.cell.set(RowCell::from(state));
                }
            }
        });
        self.counts.set(run.counts());
        if let Phase::LoginFailed(message) = run.phase() {
            self.login_error.set(Some(message.clone()));
        }
        self.run_view.set(RunView::from(run.phase()));
    }
}
