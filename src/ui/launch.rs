//! Starting a job: the form checked and turned into a target (the core's `job::form`),
//! the job built with what a Check, a saved journal or the last run already knows, and
//! handed to the glue's loop (`glue::driver::run`). The job sequences the whole import
//! (`roster_core::job`); the page only renders its effects and sends it commands.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use futures::channel::mpsc;
use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::job::form::{self, Form, FormError};
use roster_core::job::{Effect, Job, JournalProblem, Over, Start};
use roster_core::report::PastRun;
use roster_core::run::journal::{Journal, StoreError, StoreOp};
use roster_core::run::retry::RetryPlan;
use roster_core::run::Ending;
use roster_core::targets::send::{Secrets, Target};
use roster_core::targets::TargetId;

use super::state::{AppState, RunView};
use crate::glue::clock::{now_ms, BrowserJitter};
use crate::glue::driver;
use crate::glue::file::yield_now;

/// Checks the form and builds the target, or says what is wrong.
pub(super) fn target_for(state: &AppState) -> Result<(Box<dyn Target>, Secrets), FormError> {
    let url = state.form.server_url.get_untracked();
    let http_ack = state.form.http_ack.get_untracked();
    let secrets = state.form.secrets();
    let target = state.form.target.with_untracked(|kind| {
        state.form.settings.with_untracked(|settings| {
            form::target_for(Form {
                kind: &**kind,
                server_url: &url,
                http_ack,
                settings,
                secrets: &secrets,
            })
        })
    })?;
    Ok((target, secrets))
}

pub(super) fn start(state: AppState) {
    start_with(state, None);
}

/// The last run of this tab against the form's target and server, if any.
pub(super) fn last_run(state: &AppState) -> Option<Arc<PastRun>> {
    let url = state.form.server_url.get_untracked();
    let id = state.form.target.with_untracked(|k| k.target_id());
    state
        .run
        .history
        .with_untracked(|h| h.iter().rev().find(|r| r.same_server(&id, &url)).cloned())
}

/// "Retry N failed rows" (issue 13): sends only the rows the last run against this
/// server left failed, unknown or skipped by a stop; every other row is carried over.
pub(super) fn retry(state: AppState) {
    let (Some(last), Some(plan)) = (last_run(&state), state.plan.rows.get_untracked()) else {
        return;
    };
    let retry = RetryPlan::new(&last.plan, &last.rows, &plan);
    if retry.to_send().is_empty() {
        state
            .announcement
            .set("Nothing to retry: no row of this file ended with problems or not sent in the last run.".into());
        return;
    }
    launch(state, None, Some(retry), true);
}

/// Starts a run; with `resume`, carries over that journal's finished rows and checks its
/// unknown ones first (issue 5: `super::resume`).
pub(super) fn start_with(state: AppState, resume: Option<Journal>) {
    launch(state, resume, None, true);
}

thread_local! {
    /// What the refused Start was to send (a resumed journal, a retry), so that "Try
    /// again" and "Start without resume" start the same run.
    static REFUSED: RefCell<Option<(Option<Journal>, Option<RetryPlan>)>> = const { RefCell::new(None) };
}

/// Starts again the run whose Start was refused because its journal could not be
/// written: with the journal ("Try again") or without it ("Start without resume").
pub(super) fn relaunch(state: AppState, with_journal: bool) {
    let Some((resume, retry)) = REFUSED.with_borrow_mut(Option::take) else {
        return;
    };
    launch(state, resume, retry, with_journal);
}

/// A run id: the wall-clock start and a random number (two tabs may start the same
/// file against the same server in the same millisecond).
fn run_id() -> String {
    format!(
        "{:x}-{:08x}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * f64::from(u32::MAX)) as u32
    )
}

/// The new run's journal (its head: the file, the target, the server, the run's id), or
/// why it cannot be made.
fn new_journal(state: AppState) -> Result<Journal, StoreError> {
    let fingerprint = super::journal::file_fingerprint(state)
        .ok_or_else(|| StoreError::new("Error", "the file's bytes are no longer loaded"))?;
    Ok(Journal::new(
        &fingerprint,
        &state.file.name.get_untracked().unwrap_or_default(),
        &state.form.target.with_untracked(|k| k.target_id()),
        &state.form.server_url.get_untracked(),
        js_sys::Date::now(),
    )
    .with_run(&run_id()))
}

/// Starts a run, a resumed one, or a retry of the last one. With `with_journal`, nothing
/// is sent unless the journal's first write succeeds.
fn launch(state: AppState, resume: Option<Journal>, retry: Option<RetryPlan>, with_journal: bool) {
    let Some(plan) = state.plan.rows.get_untracked() else {
        state.file.error.set(Some("Choose a file first.".into()));
        return;
    };
    if let Some(busy) = state.file.busy.get_untracked() {
        state.announcement.set(format!(
            "Not started: the file is still being read ({}). Start again when it is done.",
            busy.what.to_lowercase()
        ));
        return;
    }
    let (target, secrets) = match target_for(&state) {
        Ok(t) => t,
        Err(error) => {
            state.findings.login_error.set(Some(error.to_string()));
            return;
        }
    };
    let config = match form::run_config(
        &state.tuning.concurrency.get_untracked(),
        &state.tuning.max_attempts.get_untracked(),
        &state.tuning.rate_per_min.get_untracked(),
    ) {
        Ok(c) => c,
        Err(error) => {
            state.announcement.set(error.to_string());
            return;
        }
    };
    let Some(existing) = super::import::existing::for_start(state, &plan, config) else {
        // The update's preview comes first; its Confirm starts the run.
        return;
    };
    let journal = if with_journal {
        match new_journal(state) {
            Ok(journal) => Some(journal),
            Err(error) => {
                refused(state, &error, resume, retry);
                return;
            }
        }
    } else {
        None
    };
    state.findings.login_error.set(None);
    // The Check's words were about the server before this run: they go (issue 27); its
    // result stays for the run to use.
    state.findings.check_summary.set(Vec::new());
    state.run.journal_problem.set(None);
    super::diagnosis::clear(state);
    let name = target.name().to_owned();
    let kind = state.form.target.get_untracked();
    let now = now_ms();
    let url = state.form.server_url.get_untracked().trim().to_owned();
    let checked = state
        .findings
        .check
        .get_untracked()
        .filter(|c| c.0 == url)
        .map(|c| c.1.clone());
    // What the reports and the run history keep of the URL: never a `user:pass@`.
    let shown_url = roster_core::run::journal::strip_userinfo(&url);
    super::reports::begin(state, &name, &shown_url, now);
    let again = (resume.clone(), retry.clone());
    let users = match super::import::passwords::generate(state, &plan, Box::new(state.plan.users()))
    {
        Ok(users) => users,
        Err(message) => {
            state.announcement.set(message);
            return;
        }
    };
    // A dropped-back "rows to retry" file: its rows that name steps are never created.
    let file_steps = state.plan.sheet.with_value(|sheet| {
        sheet
            .as_ref()
            .map(|s| roster_core::run::retry::file_steps(&s.table))
            .unwrap_or_default()
    });
    let job = Job::new(
        Start {
            kind: kind.clone(),
            target,
            server_url: url,
            secrets,
            plan,
            users,
            config,
            checked,
            resume,
            retry,
            journal,
            wall_ms: js_sys::Date::now(),
            jitter: Some(Box::new(BrowserJitter)),
            existing,
            file_steps,
        },
        now,
    );
    super::import::passwords::started(state, &job);
    let job = Rc::new(RefCell::new(job));
    let (commands, orders) = mpsc::unbounded();
    state.run.current.set_value(Some(job.clone()));
    state.run.commands.set_value(Some(commands));
    state.run.active.set(true);
    // The first connection fault before any answer starts the diagnosis, once.
    let diagnosing = Rc::new(Cell::new(false));
    let target_id = kind.target_id();
    let shown = job.clone();
    spawn_local(driver::run(job, Some(orders), move |effect| {
        show(state, &shown, effect, &diagnosing, &target_id, &again)
    }));
}

/// Renders one of the job's effects.
fn show(
    state: AppState,
    job: &Rc<RefCell<Job>>,
    effect: Effect,
    diagnosing: &Rc<Cell<bool>>,
    target_id: &TargetId,
    again: &(Option<Journal>, Option<RetryPlan>),
) -> Option<LocalBoxFuture<'static, ()>> {
    match effect {
        Effect::Changed(rows) => {
            let job = job.borrow();
            let run = job.run();
            let mut started = diagnosing.get();
            super::diagnosis::watch(state, run, &mut started);
            diagnosing.set(started);
            super::follow::sync(state, run, &rows);
        }
        Effect::Announce(sentence) => state.announcement.set(sentence),
        Effect::JournalProblem(problem) => state.run.journal_problem.set(problem),
        Effect::Write(ops) => {
            // A journal begun, turned off or forgotten: the list of saved runs re-reads.
            if ops.iter().any(|op| matches!(op, StoreOp::RemoveJournal(_))) {
                state.run.journals.update(|v| *v += 1);
            }
        }
        Effect::Ended(Over::JournalRefused(_)) => {
            state.run.active.set(false);
            state.run.current.set_value(None);
            state.run.commands.set_value(None);
            state.run.view.set(RunView::Idle);
            REFUSED.with_borrow_mut(|r| *r = Some(again.clone()));
            super::focus::focus_soon(super::journal::START_WITHOUT);
        }
        Effect::Ended(Over::RecheckFailed(message)) => {
            state.findings.login_error.set(Some(message));
            state.run.active.set(false);
            state.run.current.set_value(None);
            state.run.commands.set_value(None);
            state.run.journals.update(|v| *v += 1);
        }
        Effect::Ended(Over::Ran(ending)) => {
            state.run.commands.set_value(None);
            let job = job.clone();
            let diagnosing = diagnosing.get();
            let target_id = target_id.clone();
            // The end of a run touches every row three times: the journal's last write
            // (done), the run history's copy (and the Retry count it sets off), the
            // display. Each is a task of its own, so that a run of 100k rows does not
            // end in one long task.
            return Some(
                async move {
                    state.run.journals.update(|v| *v += 1);
                    yield_now().await;
                    super::reports::end(state);
                    if let Some(info) = state.run.info.get_untracked() {
                        super::import::passwords::ended(
                            state,
                            &job.borrow(),
                            &info.server_url,
                            &info.target,
                        );
                    }
                    if let Some(ending) = ending {
                        record(state, &job.borrow(), &target_id, ending);
                    }
                    yield_now().await;
                    state.run.active.set(false);
                    super::diagnosis::after_run(state, job.borrow().run(), diagnosing);
                }
                .boxed_local(),
            );
        }
        Effect::Ended(Over::Checked(_) | Over::Surveyed(_))
        | Effect::Send { .. }
        | Effect::WakeAt(_) => {}
    }
    None
}

/// Start was refused before the job began (the file's bytes are gone): as a refused
/// first write.
fn refused(state: AppState, error: &StoreError, resume: Option<Journal>, retry: Option<RetryPlan>) {
    REFUSED.with_borrow_mut(|r| *r = Some((resume, retry)));
    state.run.journal_problem.set(Some(JournalProblem::Refused(
        roster_core::job::words::refused(error),
    )));
    state
        .announcement
        .set(roster_core::job::words::REFUSED.into());
    super::focus::focus_soon(super::journal::START_WITHOUT);
}

/// Keeps the run that just ended in the run history (not a run whose login failed:
/// it sent nothing).
fn record(state: AppState, job: &Job, target_id: &TargetId, ending: Ending) {
    let Some(info) = state.run.info.get_untracked() else {
        return;
    };
    let input = state
        .plan
        .sheet
        .with_value(|sheet| sheet.as_ref().map(|s| (s.table.clone(), s.mapping.clone())));
    state.run.history.update(|h| {
        let past = PastRun {
            number: h.len() as u32 + 1,
            info,
            target_id: target_id.clone(),
            plan: job.plan().clone(),
            rows: job.run().rows().to_vec(),
            input,
            ending,
            retry: job.is_retry(),
        };
        h.push(Arc::new(past));
    });
}
