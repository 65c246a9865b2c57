//! The reachability diagnosis (issue 5): when the first request of a run gets no usable
//! answer, probe the server and show what is wrong and the fix that applies, with this
//! page's origin filled in. The classification is the core's (`roster_core::diagnose`).

use std::cell::Cell;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::http::HttpRequest;
use roster_core::job::Command;
use roster_core::run::{Phase, Run};
use roster_core::targets::diagnose::{
    classify, classify_blocked_login, classify_login, diagnose, login_check, Finding,
};
use roster_core::targets::send::{LoginStep, StopKind};
use roster_core::targets::TargetKind;
use roster_core::Status;

use super::state::AppState;
use crate::glue::probe;

/// The URL the run calls, for the target chosen in the form.
fn api_of(state: AppState) -> (String, TargetKind) {
    let url = state.form.server_url.get_untracked();
    let kind = state.form.target.get_untracked();
    (kind.api_url(&url), kind)
}

/// Whether any request of the run got an answer the page could read.
fn answered_any(run: &Run) -> bool {
    run.rows().iter().any(|r| {
        matches!(
            r.status,
            Status::Created | Status::Updated | Status::Exists | Status::Rejected
        )
    })
}

thread_local! {
    /// Bumped by every new attempt (a Check, a run, a probe): a probe's finding shows only
    /// if no attempt began while it was out, so a slow probe of an earlier attempt never
    /// puts its banner over a new one.
    static ATTEMPT: Cell<u64> = const { Cell::new(0) };
}

fn next_attempt() -> u64 {
    ATTEMPT.with(|a| {
        a.set(a.get() + 1);
        a.get()
    })
}

fn is_current(attempt: u64) -> bool {
    ATTEMPT.with(|a| a.get() == attempt)
}

/// A new attempt begins (Check, Start): the banner of an earlier one goes, and a probe
/// still out for it is ignored.
pub fn clear(state: AppState) {
    next_attempt();
    state.findings.diagnosis.set(None);
}

/// Probes the server and shows the diagnosis; `pause` pauses the run if the server
/// cannot be used as it is. `login`: the login got no answer; when the API answers,
/// this `no-cors` request to the login endpoint tells a login that closes the
/// connection from one blocked by CORS (`classify_login`).
pub fn start(state: AppState, pause: bool, login: Option<HttpRequest>) {
    let (api, kind) = api_of(state);
    let probe_request = state
        .form
        .settings
        .with_untracked(|settings| kind.probe(&state.form.server_url.get_untracked(), settings));
    state.findings.diagnosis.set(None);
    let attempt = next_attempt();
    spawn_local(async move {
        let (page_url, page_origin) = probe::page();
        let cors = probe::cors(&probe_request).await;
        let no_cors = if matches!(cors, roster_core::targets::diagnose::Probe::Failed) {
            probe::no_cors(&api).await
        } else {
            true
        };
        let mut finding = classify(&page_url, &api, &cors, no_cors);
        let mut url = api;
        // The diagnosis request may be the login endpoint itself (Keycloak's token
        // endpoint): a block there is told from a connection it closes.
        let probe_is_login = login.as_ref().is_some_and(|l| l.url == probe_request.url);
        if probe_is_login && finding == Finding::BlockedByBrowser {
            let answered = probe::no_cors_request(&probe_request).await;
            finding = classify_blocked_login(finding, probe_is_login, answered);
            if finding == Finding::LoginUnanswered {
                url = probe_request.url.clone();
            }
        }
        if let Some(login) = login.filter(|_| finding == Finding::Reachable) {
            finding = classify_login(finding, probe::no_cors_request(&login).await);
            url = login.url;
        }
        if finding == Finding::Reachable || !is_current(attempt) {
            return;
        }
        if pause {
            let unanswered = state.run.current.with_value(|job| {
                job.as_ref()
                    .and_then(|job| job.try_borrow().ok())
                    .is_some_and(|job| {
                        *job.run().phase() == Phase::Running && !answered_any(job.run())
                    })
            });
            if unanswered {
                state.run.command(Command::Pause);
                state.announcement.set(
                    "Import paused: the server cannot be reached from this page (see the diagnosis). Fix it, then press Resume, or Cancel."
                        .into(),
                );
            }
        }
        state
            .findings
            .diagnosis
            .set(Some(diagnose(finding, &page_origin, &url, &kind)));
    });
}

/// Watches a run as it goes: the first request that got no answer, before any answer
/// came back, starts the diagnosis once (the first create of a target without a login
/// step; a login that gets no answer ends the run instead, see [`after_run`]).
pub fn watch(state: AppState, run: &Run, started: &mut bool) {
    if *started || answered_any(run) {
        return;
    }
    if run.rows().iter().any(|r| r.answer_lost) {
        *started = true;
        start(state, true, None);
    }
}

/// After a run: a login that got no usable answer (no answer, HTTP 404, not JSON), or a
/// run stopped before any row was answered because the answer was not the API's, is
/// diagnosed. A refused login (a wrong password) is not: the server answered.
pub fn after_run(state: AppState, run: &Run, started: bool) {
    if started || answered_any(run) {
        return;
    }
    let diagnose = match run.phase() {
        Phase::LoginFailed(stop) | Phase::Stopped(stop) => stop.kind.wants_diagnosis(),
        _ => false,
    };
    // A login that got no answer: its endpoint is looked at on its own too.
    let login = match run.phase() {
        Phase::LoginFailed(stop) if stop.kind == StopKind::Unreachable => login_request(state),
        _ => None,
    };
    if diagnose {
        start(state, false, login);
    }
}

/// The `no-cors` check of the form's login request (its URL and method only: no
/// credential goes with it).
fn login_request(state: AppState) -> Option<HttpRequest> {
    let target = state.form.target().ok()?;
    match target.login(&state.form.secrets()) {
        LoginStep::Request(request) => Some(login_check(&request)),
        LoginStep::Ready(_) => None,
    }
}

#[component]
/// The diagnosis of the last connection fault, with its fixes.
pub fn DiagnosisPanel(
    diagnosis: RwSignal<Option<roster_core::targets::diagnose::Diagnosis>>,
    active: Signal<bool>,
) -> impl IntoView {
    // A run that starts is a new attempt (Start clears the banner itself; this also
    // drops a Check's probe still out).
    Effect::new(move |was_active: Option<bool>| {
        let active = active.get();
        if active && was_active == Some(false) {
            next_attempt();
        }
        active
    });
    view! {
        <Show when=move || diagnosis.get().is_some()>
            {move || diagnosis.get().map(|d| view! {
                <section class="diagnosis step" role="region" aria-label="Connection diagnosis">
                    <h2>"Connection diagnosis"</h2>
                    <p class="diagnosis-headline" role="alert">{d.headline.clone()}</p>
                    <p>{d.explanation.clone()}</p>
                    {d.fixes.iter().map(|fix| view! {
                        <div class="fix">
                            <h3>{fix.title.clone()}</h3>
                            <ol>
                                {fix.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}
                            </ol>
                            {fix.snippet.clone().map(|code| view! { <pre><code>{code}</code></pre> })}
                        </div>
                    }).collect_view()}
                    <div class="actions">
                        <button on:click=move |_| diagnosis.set(None)>"Dismiss diagnosis"</button>
                    </div>
                </section>
            })}
        </Show>
    }
}
