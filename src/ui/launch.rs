//! Starting a run: the form checked and turned into a target, secrets and settings, the
//! run built (with what a check or a saved journal already knows), and driven to its end,
//! with the journal, the reports and the diagnosis following it.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::report::PastRun;
use roster_core::run::retry::RetryPlan;
use roster_core::run::{Phase, Run, RunConfig, StatusCounts};
use roster_core::targets::send::{Secrets, Target};
use roster_core::Status;

use super::state::AppState;
use crate::glue::clock::{now_ms, BrowserJitter};
use crate::glue::driver;
use crate::glue::file::yield_now;

/// The engine settings from the form, or what is wrong with them.
fn run_config(state: &AppState) -> Result<RunConfig, String> {
    let number = |text: String, what: &str, range: std::ops::RangeInclusive<u32>| {
        let text = text.trim().to_owned();
        match text.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(format!(
                "{what} must be a whole number from {} to {}.",
                range.start(),
                range.end()
            )),
        }
    };
    let concurrency = number(
        state.tuning.concurrency.get_untracked(),
        "Parallel requests",
        1..=6,
    )?;
    let max_attempts = number(
        state.tuning.max_attempts.get_untracked(),
        "Attempts per row",
        1..=10,
    )?;
    let rate = state.tuning.rate_per_min.get_untracked();
    let rate_per_min = if rate.trim().is_empty() {
        None
    } else {
        Some(number(rate, "Requests per minute", 1..=100_000)?)
    };
    Ok(RunConfig {
        concurrency: concurrency as usize,
        max_attempts,
        rate_per_min,
        ..RunConfig::default()
    })
}

/// Checks the form and builds the target, or says what is missing.
pub(super) fn target_for(state: &AppState) -> Result<(Box<dyn Target>, Secrets), String> {
    let url = state.form.server_url.get_untracked().trim().to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(
            "Enter the Server URL, starting with https:// (or http:// for a local server).".into(),
        );
    }
    if roster_core::targets::diagnose::is_plain_http(&url) && !state.form.http_ack.get_untracked() {
        return Err(
            "This Server URL is http:// to another computer: the password (or API key) would cross the network unencrypted. Use https://, or tick \"I understand the password is sent unencrypted\"."
                .into(),
        );
    }
    let target = state.form.target()?;
    let secrets = state.form.secrets();
    let refused = state.form.target.with_untracked(|k| {
        k.missing_credentials(&secrets).or_else(|| {
            state.form.settings.with_untracked(|settings| {
                roster_core::targets::unsendable(&**k, &url, settings, &secrets)
            })
        })
    });
    match refused {
        Some(problem) => Err(problem),
        None => Ok((target, secrets)),
    }
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
    let (Some(last), Some(plan)) = (last_run(&state), state.plan.get_untracked()) else {
        return;
    };
    let retry = RetryPlan::new(&last.plan, &last.rows, &plan);
    if retry.to_send().is_empty() {
        state
            .announcement
            .set("Nothing to retry: no row of this file failed in the last run.".into());
        return;
    }
    launch(state, None, Some(retry), true);
}

/// Starts a run; with `resume`, carries over that journal's finished rows and checks its
/// unknown ones first (issue 5: `super::resume`).
pub(super) fn start_with(state: AppState, resume: Option<roster_core::run::journal::Journal>) {
    launch(state, resume, None, true);
}

/// Starts again a run whose Start was refused because its journal could not be written:
/// with the journal ("Try again") or without it ("Start without resume").
pub(super) fn relaunch(
    state: AppState,
    resume: Option<roster_core::run::journal::Journal>,
    retry: Option<RetryPlan>,
    with_journal: bool,
) {
    launch(state, resume, retry, with_journal);
}

/// Starts a run, a resumed one, or a retry of the last one. With `with_journal`, nothing
/// is sent unless the journal's first write succeeds.
fn launch(
    state: AppState,
    resume: Option<roster_core::run::journal::Journal>,
    retry: Option<RetryPlan>,
    with_journal: bool,
) {
    let Some(plan) = state.plan.get_untracked() else {
        state.file_error.set(Some("Choose a file first.".into()));
        return;
    };
    if let Some(busy) = state.sheet.busy.get_untracked() {
        state.announcement.set(format!(
            "Not started: the file is still being read ({}). Start again when it is done.",
            busy.what.to_lowercase()
        ));
        return;
    }
    let (target, secrets) = match target_for(&state) {
        Ok(t) => t,
        Err(message) => {
            state.findings.login_error.set(Some(message));
            return;
        }
    };
    let config = match run_config(&state) {
        Ok(c) => c,
        Err(message) => {
            state.announcement.set(message);
            return;
        }
    };
    state.findings.login_error.set(None);
    state.run.journal_problem.set(None);
    super::diagnosis::clear(state);
    let name = target.name().to_owned();
    let kind = state.form.target.get_untracked();
    let now = now_ms();
    let url = state.form.server_url.get_untracked().trim().to_owned();
    // Resuming Aurora: rows whose answer was lost are looked up first (GetUsers).
    let lost_before = resume
        .as_ref()
        .is_some_and(|j| j.previous().iter().any(|p| p.1 == Status::Unknown))
        || retry.as_ref().is_some_and(|r| {
            r.decisions.iter().any(|d| {
                matches!(
                    d,
                    Some(roster_core::run::retry::Decision::Send { answer_lost: true })
                )
            })
        });
    let recheck = (kind.settles_unknown() && lost_before)
        .then(|| kind.listing(&url, secrets.clone()))
        .flatten();
    // After an Aurora run, rows left unknown are settled by listing the accounts.
    let settle = kind
        .settles_unknown()
        .then(|| kind.listing(&url, secrets.clone()))
        .flatten();
    let mut run = Run::new(target, secrets, &plan, state.sheet.users(), config, now)
        .with_jitter(Box::new(BrowserJitter))
        .with_wall_clock(js_sys::Date::now() as u64);
    if let Some(check) = state.findings.check.get_untracked().filter(|c| c.0 == url) {
        run.mark_existing(&check.1.existing_rows(&plan), now);
    }
    if let Some(journal) = &resume {
        run.resume_from(&journal.previous(), now);
    }
    let is_retry = retry.is_some();
    if let Some(retry) = &retry {
        run.retry(retry, now);
    }
    // What the reports and the run history keep of the URL: never a `user:pass@`.
    let shown_url = roster_core::run::journal::strip_userinfo(&url);
    super::reports::begin(state, &name, &shown_url, now);
    let again = (resume.clone(), retry.clone());
    let run = Rc::new(RefCell::new(run));
    state.run.current.set_value(Some(run.clone()));
    state.run.active.set(true);
    {
        // The page shows the new run at once (its bar counts only the rows it sends).
        let mut run = run.borrow_mut();
        let changed = run.take_changed();
        super::follow::sync(state, &run, &changed);
    }
    let what = if is_retry {
        "Retry started"
    } else {
        "Import started"
    };
    state.announcement.set(format!(
        "{what}: {} rows to {name}.",
        run.borrow().counts().get(Status::Pending)
    ));
    spawn_local(async move {
        // The journal's first write (every row) and the list of saved runs it updates
        // come in a task of their own, after the page has shown the run: Start in one
        // task was over 50 ms at 100,000 rows. Nothing is sent before the journal is:
        // if its first write fails, Start is refused (or the admin chose to go without).
        yield_now().await;
        let journal = if with_journal {
            let first = super::journal::begin(state, &run.borrow());
            match first {
                Ok(writer) => Some(writer),
                Err(error) => {
                    state.run.active.set(false);
                    state.run.current.set_value(None);
                    state.run.view.set(super::state::RunView::Idle);
                    super::journal::refused(state, &error, again.0, again.1);
                    return;
                }
            }
        } else {
            None
        };
        yield_now().await;
        if let Some(listing) = recheck {
            state
                .announcement
                .set("Checking the rows whose answer was lost (GetUsers)…".into());
            let check = driver::check(listing).await;
            match check.result() {
                Some(Ok(report)) => {
                    let mut run = run.borrow_mut();
                    run.mark_existing(&report.existing_rows(&plan), now_ms());
                }
                Some(Err(message)) => {
                    state.findings.login_error.set(Some(message.to_owned()));
                    state.run.active.set(false);
                    state.run.current.set_value(None);
                    state.announcement.set(
                        "Not resumed: the check before resuming failed. No row was sent.".into(),
                    );
                    return;
                }
                None => {}
            }
        }
        let mut diagnosing = false;
        let sending = journal.clone();
        // A journal write that fails pauses the run with the reason; the rows it was to
        // record before their creates go out are held back, unsent.
        let before_send = move |rows: &[usize]| match &sending {
            Some(journal) => journal.borrow_mut().before_send(rows).map_err(|error| {
                let reason = super::journal::paused_because(&error);
                state
                    .run
                    .journal_problem
                    .set(Some(super::journal::JournalProblem::Paused(reason.clone())));
                reason
            }),
            None => Ok(()),
        };
        driver::drive(run.clone(), before_send, |run, changed, now| {
            if let Some(journal) = &journal {
                let written = journal.borrow_mut().note(run, !changed.is_empty());
                if let Err(error) = written {
                    super::journal::pause(state, run, &error, now);
                }
            }
            super::diagnosis::watch(state, run, &mut diagnosing);
            super::follow::sync(state, run, &changed);
            state.run.progress.set(run.progress(now));
        })
        .await;
        let unknown = run.borrow().counts().get(Status::Unknown);
        if let (Some(listing), true) = (settle, unknown > 0) {
            state.announcement.set(format!(
                "Checking {unknown} rows whose answer was lost, by listing the server's accounts (GetUsers)…"
            ));
            let check = driver::check(listing).await;
            if let Some(Ok(report)) = check.result() {
                let mut run = run.borrow_mut();
                run.settle_unknown(&report.existing_rows(&plan), now_ms());
                let changed = run.take_changed();
                super::follow::sync(state, &run, &changed);
                state.run.progress.set(run.progress(now_ms()));
            }
        }
        let unknown = run.borrow().counts().get(Status::Unknown);
        if kind.settles_by_probe() && unknown > 0 {
            state.announcement.set(format!(
                "Checking {unknown} rows whose answer was lost, by asking the server whether each account exists…"
            ));
            if driver::settle_by_probe(&run).await > 0 {
                let mut run = run.borrow_mut();
                let changed = run.take_changed();
                super::follow::sync(state, &run, &changed);
                state.run.progress.set(run.progress(now_ms()));
            }
        }
        // The end of a run touches every row three times: the journal's last write, the
        // run history's copy (and the Retry count it sets off), the display. Each is a
        // task of its own, so that a run of 100k rows does not end in one long task.
        if let Some(journal) = &journal {
            journal.borrow_mut().finish(state, &run.borrow());
        }
        yield_now().await;
        super::reports::end(state);
        record(state, &run.borrow(), &plan, &kind.target_id(), is_retry);
        yield_now().await;
        state.run.active.set(false);
        let run = run.borrow();
        super::diagnosis::after_run(state, &run, diagnosing);
        let counts = run.counts();
        let sentence = match run.phase() {
            // One sentence: the rows' figures (all skipped) are not repeated under the
            // bar, and the run stays for its report (issue 20).
            Phase::LoginFailed(_) => {
                "Import not started: the login failed, so no row was sent (the report lists every row as skipped).".to_owned()
            }
            Phase::Stopped(reason) => {
                format!("Import stopped: {reason} Result: {}.", tally(&counts))
            }
            _ => format!("Import finished: {}.", tally(&counts)),
        };
        state.announcement.set(sentence);
    });
}

/// Keeps the run that just ended in the run history (not a run whose login failed:
/// it sent nothing).
fn record(
    state: AppState,
    run: &Run,
    plan: &Arc<Vec<roster_core::input::plan::PlannedRow>>,
    target_id: &roster_core::targets::TargetId,
    retry: bool,
) {
    let ending = match run.phase() {
        Phase::LoginFailed(_) => return,
        Phase::Stopped(stop) if stop.kind == roster_core::targets::send::StopKind::Cancelled => {
            "cancelled"
        }
        Phase::Stopped(_) => "stopped",
        _ => "finished",
    };
    let Some(info) = state.run.info.get_untracked() else {
        return;
    };
    let input = state
        .sheet
        .sheet
        .with_value(|sheet| sheet.as_ref().map(|s| (s.table.clone(), s.mapping.clone())));
    state.run.history.update(|h| {
        let past = PastRun {
            number: h.len() as u32 + 1,
            info,
            target_id: target_id.clone(),
            plan: plan.clone(),
            rows: run.rows().to_vec(),
            input,
            ending,
            retry,
        };
        h.push(Arc::new(past));
    });
}

/// "4 created, 1 exists, …", naming only the statuses that occur.
pub(super) fn tally(counts: &StatusCounts) -> String {
    let parts: Vec<String> = Status::FINAL
        .iter()
        .filter(|s| counts.get(**s) > 0)
        .map(|s| format!("{} {}", counts.get(*s), s.word()))
        .collect();
    if parts.is_empty() {
        "nothing yet".into()
    } else {
        parts.join(", ")
    }
}
