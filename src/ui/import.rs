//! Step 3: start, watch, pause, cancel, and download the report.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::report::csv_report;
use roster_core::run::{Phase, Run, RunConfig, StatusCounts};
use roster_core::send::{Secrets, Target};
use roster_core::Status;

use super::state::{AppState, RunView};
use crate::glue::{download, driver};

/// "4 created, 1 exists, …", naming only the statuses that occur.
fn tally(counts: &StatusCounts) -> String {
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

/// Checks the form and builds the target, or says what is missing.
fn target_for(state: &AppState) -> Result<(Box<dyn Target>, Secrets), String> {
    let url = state.server_url.get_untracked().trim().to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(
            "Enter the Server URL, starting with https:// (or http:// for a local server).".into(),
        );
    }
    let target = state.target()?;
    let secrets = Secrets {
        login: state.login.get_untracked().trim().to_owned(),
        password: state.password.get_untracked(),
        api_key: state.api_key.get_untracked().trim().to_owned(),
    };
    match state.target.get_untracked().as_str() {
        "mumara" if secrets.api_key.is_empty() => {
            Err("Enter the Mumara API key (Settings → API Keys).".into())
        }
        "mumara" => Ok((target, secrets)),
        _ if secrets.login.is_empty() || secrets.password.is_empty() => {
            Err("Enter the super administrator's Login and Password.".into())
        }
        _ => Ok((target, secrets)),
    }
}

fn start(state: AppState) {
    let Some(plan) = state.plan.get_untracked() else {
        state.file_error.set(Some("Choose a file first.".into()));
        return;
    };
    let (target, secrets) = match target_for(&state) {
        Ok(t) => t,
        Err(message) => {
            state.login_error.set(Some(message));
            return;
        }
    };
    state.login_error.set(None);
    let name = target.name();
    let run = Rc::new(RefCell::new(Run::new(
        target,
        secrets,
        &plan,
        RunConfig::default(),
    )));
    state.run.set_value(Some(run.clone()));
    state.active.set(true);
    state.announcement.set(format!(
        "Import started: {} rows to {name}.",
        run.borrow().counts().get(Status::Pending)
    ));
    spawn_local(async move {
        driver::drive(run.clone(), |run, changed| state.sync(run, &changed)).await;
        state.active.set(false);
        let run = run.borrow();
        let counts = run.counts();
        let sentence = match run.phase() {
            Phase::LoginFailed(_) => {
                state.run.set_value(None);
                "Import not started: the login failed. No row was sent.".to_owned()
            }
            Phase::Stopped(reason) => {
                format!("Import stopped: {reason} Result: {}.", tally(&counts))
            }
            _ => format!("Import finished: {}.", tally(&counts)),
        };
        state.announcement.set(sentence);
    });
}

fn save_report(state: AppState) {
    let (Some(plan), Some(run)) = (state.plan.get_untracked(), state.run.get_value()) else {
        return;
    };
    let run = run.borrow();
    let csv = csv_report(&plan, run.rows());
    let name = format!(
        "roster-report-{}-{}.csv",
        run.target_name().to_lowercase(),
        download::timestamp()
    );
    if let Err(message) = download::save_text(&name, "text/csv;charset=utf-8", &csv) {
        state.announcement.set(message);
    }
}

#[component]
pub fn Import(state: AppState) -> impl IntoView {
    let with_run = move |f: fn(&mut Run)| {
        if let Some(run) = state.run.get_value() {
            f(&mut run.borrow_mut());
            let changed = run.borrow_mut().take_changed();
            state.sync(&run.borrow(), &changed);
        }
    };
    let total = move || state.counts.get().total();
    let done = move || state.counts.get().done();
    let view_is = move |v: RunView| state.run_view.get() == v;
    let has_report = move || {
        !state.active.get() && state.run_view.get() != RunView::Idle && state.plan.get().is_some()
    };
    let percent = move || {
        let total = total();
        if total == 0 {
            0.0
        } else {
            done() as f64 * 100.0 / total as f64
        }
    };
    view! {
        <section class="step" aria-labelledby="step-import">
            <h2 id="step-import">"3. Import"</h2>
            <div class="actions">
                <button
                    class="primary"
                    disabled=move || state.active.get() || state.plan.get().is_none()
                    on:click=move |_| start(state)
                >
                    "Start import"
                </button>
                <button disabled=move || !view_is(RunView::Running) on:click=move |_| with_run(Run::pause)>
                    "Pause"
                </button>
                <button disabled=move || !view_is(RunView::Paused) on:click=move |_| with_run(Run::resume)>
                    "Resume"
                </button>
                <button
                    disabled=move || !(view_is(RunView::Running) || view_is(RunView::Paused))
                    on:click=move |_| with_run(Run::cancel)
                >
                    "Cancel"
                </button>
                <button disabled=move || !has_report() on:click=move |_| save_report(state)>
                    "Download report"
                </button>
            </div>
            <div
                class="progress"
                role="progressbar"
                aria-label="Import progress"
                aria-valuemin="0"
                aria-valuemax=move || total().to_string()
                aria-valuenow=move || done().to_string()
                aria-valuetext=move || format!("{} of {} rows done", done(), total())
            >
                <div class="progress-fill" style:width=move || format!("{:.1}%", percent())></div>
            </div>
            <p class="tally">
                {move || format!("{} of {} rows done: {}", done(), total(), tally(&state.counts.get()))}
            </p>
            <Show when=move || matches!(state.run_view.get(), RunView::Stopped(_))>
                <p class="banner" role="alert">
                    {move || match state.run_view.get() {
                        RunView::Stopped(reason) => reason,
                        _ => String::new(),
                    }}
                </p>
            </Show>
            <p class="announcement" role="status" aria-live="polite">{move || state.announcement.get()}</p>
        </section>
    }
}
