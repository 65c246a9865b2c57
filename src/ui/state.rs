//! The page's reactive state. Each row has its own signal, so an update re-renders one row.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use roster_core::plan::PlannedRow;
use roster_core::read::Table;
use roster_core::run::{Phase, RowState, Run, StatusCounts};
use roster_core::Status;

/// A file that was read and planned.
pub struct Loaded {
    pub name: String,
    pub table: Table,
    pub plan: Vec<PlannedRow>,
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
    /// Which file load the row belongs to, so a new file re-renders every row.
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
    pub file_error: RwSignal<Option<String>>,
    pub rows: RwSignal<Vec<RowView>>,
    pub target: RwSignal<String>,
    pub server_url: RwSignal<String>,
    pub login: RwSignal<String>,
    /// Held in memory only, never written anywhere.
    pub password: RwSignal<String>,
    pub api_key: RwSignal<String>,
    pub login_error: RwSignal<Option<String>>,
    pub run_view: RwSignal<RunView>,
    /// True from Start until the last request in flight has come back.
    pub active: RwSignal<bool>,
    pub counts: RwSignal<StatusCounts>,
    /// The sentence the live region announces.
    pub announcement: RwSignal<String>,
    pub run: StoredValue<Option<Rc<RefCell<Run>>>, LocalStorage>,
}

impl AppState {
    pub fn new() -> AppState {
        AppState {
            loaded: RwSignal::new(None),
            file_error: RwSignal::new(None),
            rows: RwSignal::new(Vec::new()),
            target: RwSignal::new("aurora".into()),
            server_url: RwSignal::new(String::new()),
            login: RwSignal::new("superadmin".into()),
            password: RwSignal::new(String::new()),
            api_key: RwSignal::new(String::new()),
            login_error: RwSignal::new(None),
            run_view: RwSignal::new(RunView::Idle),
            active: RwSignal::new(false),
            counts: RwSignal::new(StatusCounts::default()),
            announcement: RwSignal::new(String::new()),
            run: StoredValue::new_local(None),
        }
    }

    /// Shows a freshly planned file: one row view per input row.
    pub fn show_file(&self, loaded: Loaded) {
        let load = self.rows.with_untracked(|rows| rows.first().map_or(0, |r| r.load + 1));
        let rows: Vec<RowView> = loaded
            .plan
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
        self.counts
            .set(StatusCounts::of(rows.iter().map(|r| r.cell.get_untracked().status)));
        self.rows.set(rows);
        self.loaded.set(Some(Arc::new(loaded)));
        self.file_error.set(None);
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
