//! Step 3: settings, start, watch, pause, cancel, and download the report.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::run::{Phase, Progress, Run, RunConfig, StatusCounts};
use roster_core::send::{Secrets, Target};
use roster_core::Status;

use super::state::{AppState, RunView};
use crate::glue::clock::{now_ms, BrowserJitter};
use crate::glue::driver;

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

/// `1 h 02 min`, `3 min 05 s`, `12 s`.
fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

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
        state.concurrency.get_untracked(),
        "Parallel requests",
        1..=6,
    )?;
    let max_attempts = number(
        state.max_attempts.get_untracked(),
        "Attempts per row",
        1..=10,
    )?;
    let rate = state.rate_per_min.get_untracked();
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
    let url = state.server_url.get_untracked().trim().to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(
            "Enter the Server URL, starting with https:// (or http:// for a local server).".into(),
        );
    }
    if roster_core::diagnose::is_plain_http(&url) && !state.http_ack.get_untracked() {
        return Err(
            "This Server URL is http:// to another computer: the password (or API key) would cross the network unencrypted. Use https://, or tick \"I understand the password is sent unencrypted\"."
                .into(),
        );
    }
    let target = state.target()?;
    let secrets = state.secrets();
    match state
        .target
        .with_untracked(|k| k.missing_credentials(&secrets))
    {
        Some(missing) => Err(missing),
        None => Ok((target, secrets)),
    }
}

fn start(state: AppState) {
    start_with(state, None);
}

/// Starts a run; with `resume`, carries over that journal's finished rows and checks its
/// unknown ones first (issue 5: `super::resume`).
pub(super) fn start_with(state: AppState, resume: Option<roster_core::journal::Journal>) {
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
            state.login_error.set(Some(message));
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
    state.login_error.set(None);
    state.diagnosis.set(None);
    let name = target.name().to_owned();
    let kind = state.target.get_untracked();
    let now = now_ms();
    let url = state.server_url.get_untracked().trim().to_owned();
    // Resuming Aurora: rows whose answer was lost are looked up first (GetUsers).
    let recheck = resume
        .as_ref()
        .filter(|j| kind.settles_unknown() && j.previous().iter().any(|p| p.1 == Status::Unknown))
        .map(|_| {
            (
                roster_core::send::aurora::Aurora::new(&url),
                secrets.clone(),
            )
        });
    // After an Aurora run, rows left unknown are settled by listing the accounts.
    let settle = kind.settles_unknown().then(|| {
        (
            roster_core::send::aurora::Aurora::new(&url),
            secrets.clone(),
        )
    });
    let mut run = Run::new(target, secrets, &plan, config, now)
        .with_jitter(Box::new(BrowserJitter))
        .with_wall_clock(js_sys::Date::now() as u64);
    if let Some(check) = state.check.get_untracked().filter(|c| c.0 == url) {
        run.mark_existing(&check.1.existing_rows(&plan), now);
    }
    if let Some(journal) = &resume {
        run.resume_from(&journal.previous(), now);
    }
    super::reports::begin(state, &name, &url, now);
    let journal = super::resume::begin(state, &run);
    let run = Rc::new(RefCell::new(run));
    state.run.set_value(Some(run.clone()));
    state.active.set(true);
    state.announcement.set(format!(
        "Import started: {} rows to {name}.",
        run.borrow().counts().get(Status::Pending)
    ));
    spawn_local(async move {
        if let Some((aurora, secrets)) = recheck {
            state
                .announcement
                .set("Checking the rows whose answer was lost (GetUsers)…".into());
            let check = driver::check(roster_core::check::AuroraCheck::new(aurora, secrets)).await;
            match check.result() {
                Some(Ok(report)) => {
                    let mut run = run.borrow_mut();
                    run.mark_existing(&report.existing_rows(&plan), now_ms());
                }
                Some(Err(message)) => {
                    state.login_error.set(Some(message.to_owned()));
                    state.active.set(false);
                    state.run.set_value(None);
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
        let before_send = move |rows: &[usize]| {
            if let Some(journal) = &sending {
                journal.borrow_mut().before_send(rows);
            }
        };
        driver::drive(run.clone(), before_send, |run, changed, now| {
            if let Some(journal) = &journal {
                journal.borrow_mut().note(run, !changed.is_empty());
            }
            super::diagnosis::watch(state, run, &mut diagnosing);
            state.sync(run, &changed);
            state.progress.set(run.progress(now));
        })
        .await;
        let unknown = run.borrow().counts().get(Status::Unknown);
        if let (Some((aurora, secrets)), true) = (settle, unknown > 0) {
            state.announcement.set(format!(
                "Checking {unknown} rows whose answer was lost, by listing the server's accounts (GetUsers)…"
            ));
            let check = driver::check(roster_core::check::AuroraCheck::new(aurora, secrets)).await;
            if let Some(Ok(report)) = check.result() {
                let mut run = run.borrow_mut();
                run.settle_unknown(&report.existing_rows(&plan), now_ms());
                let changed = run.take_changed();
                state.sync(&run, &changed);
                state.progress.set(run.progress(now_ms()));
            }
        }
        state.active.set(false);
        let run = run.borrow();
        if let Some(journal) = &journal {
            journal.borrow_mut().finish(state, &run);
        }
        super::reports::end(state);
        super::diagnosis::after_run(state, &run, diagnosing);
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
    super::reports::save_csv(state);
}

/// "12 requests/min (paced at 60) · elapsed 1 min 05 s · about 3 min 10 s left · 2 × 429".
fn pace_line(p: &Progress) -> String {
    let rate = if p.rate_per_min > 0.0 {
        format!("{} requests/min", super::fixed(p.rate_per_min, 0))
    } else {
        "rate: measuring".to_owned()
    };
    let mut parts = vec![rate];
    if let Some(paced) = p.paced_per_min {
        parts[0].push_str(&format!(" (paced at {})", super::fixed(paced, 0)));
    }
    parts.push(format!("elapsed {}", duration(p.elapsed_ms)));
    if let Some(eta) = p.eta_ms {
        parts.push(format!("about {} left", duration(eta)));
    }
    if let Some(limit) = p.server_limit_per_min {
        parts.push(format!("server limit {limit}/min"));
    }
    if p.rate_limited > 0 {
        parts.push(format!("{} × rate limited (429)", p.rate_limited));
    }
    parts.join(" · ")
}

#[component]
fn Setting(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    placeholder: &'static str,
    locked: Signal<bool>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            type="text"
            inputmode="numeric"
            placeholder=placeholder
            prop:value=move || value.get()
            disabled=move || locked.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

#[component]
pub fn Import(state: AppState) -> impl IntoView {
    let with_run = move |f: fn(&mut Run, u64)| {
        if let Some(run) = state.run.get_value() {
            let now = now_ms();
            f(&mut run.borrow_mut(), now);
            let changed = run.borrow_mut().take_changed();
            state.sync(&run.borrow(), &changed);
        }
    };
    let locked = Signal::derive(move || state.active.get());
    let focus = super::focus::RunFocus::new(state);
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
            <div class="fields settings">
                <Setting id="concurrency" label="Parallel requests" value=state.concurrency placeholder="4" locked=locked />
                <Setting id="rate" label="Requests per minute" value=state.rate_per_min placeholder="no limit" locked=locked />
                <Setting id="attempts" label="Attempts per row" value=state.max_attempts placeholder="4" locked=locked />
            </div>
            <p class="hint">
                "Browsers open at most 6 connections to one server over HTTP/1.1, so more than 6 parallel requests would only queue. "
                "Set Requests per minute to the server's rate limit (Mumara: 60 by default) so the run holds the limit instead of bouncing off it."
            </p>
            <super::preflight::Preflight state=state />
            <div class="actions">
                <button
                    id=super::focus::START
                    class="primary"
                    disabled=move || state.active.get() || state.plan.get().is_none() || state.sheet.busy.get().is_some()
                    on:click=move |_| {
                        focus.follow();
                        start(state)
                    }
                >
                    "Start import"
                </button>
                <button
                    id=super::focus::PAUSE
                    disabled=move || !view_is(RunView::Running)
                    on:click=move |_| {
                        focus.follow();
                        with_run(|run, _| run.pause());
                        state.announcement.set(
                            "Import paused: requests already sent finish; nothing new is sent until Resume.".into(),
                        );
                    }
                >
                    "Pause"
                </button>
                <button
                    id=super::focus::RESUME
                    disabled=move || !view_is(RunView::Paused)
                    on:click=move |_| {
                        focus.follow();
                        with_run(Run::resume);
                        state.announcement.set("Import resumed.".into());
                    }
                >
                    "Resume"
                </button>
                <button
                    id=super::focus::CANCEL
                    disabled=move || !(view_is(RunView::Running) || view_is(RunView::Paused))
                    on:click=move |_| {
                        focus.follow();
                        with_run(Run::cancel)
                    }
                >
                    "Cancel"
                </button>
                <button id=super::focus::REPORT disabled=move || !has_report() on:click=move |_| save_report(state)>
                    "Download report"
                </button>
                <super::reports::ReportButtons state=state enabled=Signal::derive(has_report) />
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
                <div class="progress-fill" style:width=move || format!("{}%", super::fixed(percent(), 1))></div>
            </div>
            <p class="tally">
                {move || format!("{} of {} rows done: {}", done(), total(), tally(&state.counts.get()))}
            </p>
            <Show when=move || state.run_view.get() != RunView::Idle>
                <p class="pace">{move || pace_line(&state.progress.get())}</p>
            </Show>
            <Show when=move || matches!(state.run_view.get(), RunView::Stopped(_))>
                <p class="banner" role="alert">
                    {move || match state.run_view.get() {
                        RunView::Stopped(reason) => reason,
                        _ => String::new(),
                    }}
                </p>
            </Show>
            <Show when=move || state.hold.get().is_some() && view_is(RunView::Paused)>
                <p class="banner hold" role="alert">{move || state.hold.get().unwrap_or_default()}</p>
            </Show>
            <p class="announcement" role="status" aria-live="polite">{move || state.announcement.get()}</p>
        </section>
    }
}
