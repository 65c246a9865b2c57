//! The page's reactive state. The rows themselves live in the plan; the table renders a
//! window of them (see `sheet`), so an update re-renders at most the one row it concerns.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use roster_core::check::CheckReport;
use roster_core::input::plan::PlannedRow;
use roster_core::run::{Phase, Progress, Run, StatusCounts};
use roster_core::send::{Secrets, Target};
use roster_core::target::{Credential, Settings, TargetKind};

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
    /// The kind of target chosen in the form: the form, the mapping's choices and the
    /// rules all follow its description (`roster_core::target`).
    pub target: RwSignal<TargetKind>,
    pub server_url: RwSignal<String>,
    pub login: RwSignal<String>,
    /// Held in memory only, never written anywhere.
    pub password: RwSignal<String>,
    /// Held in memory only, never written anywhere.
    pub api_key: RwSignal<String>,
    /// Held in memory only, never written anywhere.
    pub access_token: RwSignal<String>,
    /// The target's run settings (Mumara's default package, a realm), by setting id.
    pub settings: RwSignal<Settings>,
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
            target: RwSignal::new(TargetKind::Aurora),
            server_url: RwSignal::new(String::new()),
            login: RwSignal::new("superadmin".into()),
            password: RwSignal::new(String::new()),
            api_key: RwSignal::new(String::new()),
            access_token: RwSignal::new(String::new()),
            settings: RwSignal::new(Settings::new()),
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
        self.settings
            .with_untracked(|settings| self.target.with_untracked(|k| k.build(&url, settings)))
    }

    /// The signal that holds one credential of the form.
    pub fn credential(&self, credential: Credential) -> RwSignal<String> {
        match credential {
            Credential::Login => self.login,
            Credential::Password => self.password,
            Credential::ApiKey => self.api_key,
            Credential::AccessToken => self.access_token,
        }
    }

    /// What the user typed to authenticate (trimmed, but for the password).
    pub fn secrets(&self) -> Secrets {
        Secrets {
            login: self.login.get_untracked().trim().to_owned(),
            password: self.password.get_untracked(),
            api_key: self.api_key.get_untracked().trim().to_owned(),
            access_token: self.access_token.get_untracked().trim().to_owned(),
        }
    }

    /// Switches the form to another kind of target: its own settings, rate and initial
    /// login (a login typed by the user is kept), and the rows checked against its rules.
    pub fn choose_target(&self, kind: TargetKind) {
        let old = self.target.get_untracked();
        if old == kind {
            return;
        }
        for field in old.credentials() {
            let signal = self.credential(field.credential);
            if !field.initial.is_empty() && signal.get_untracked() == field.initial {
                signal.set(String::new());
            }
        }
        for field in kind.credentials() {
            let signal = self.credential(field.credential);
            if signal.get_untracked().is_empty() && !field.initial.is_empty() {
                signal.set(field.initial.clone());
            }
        }
        if old.default_rate() == self.rate_per_min.get_untracked().trim().parse().ok() {
            self.rate_per_min.set(String::new());
        }
        if let Some(rate) = kind.default_rate() {
            if self.rate_per_min.get_untracked().trim().is_empty() {
                self.rate_per_min.set(rate.to_string());
            }
        }
        self.settings.set(Settings::new());
        self.target.set(kind);
        self.login_error.set(None);
        self.diagnosis.set(None);
        sheet::remap_for_target(*self);
        self.replan();
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
