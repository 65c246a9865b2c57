//! The run's buttons (issue 13). Start import (or, after a run with failed rows, "Retry N
//! failed rows" first) is disabled while something is missing, and the reason is shown
//! next to it (its accessible description). Pause, Resume and Cancel are shown only
//! while they apply. Sending rows that an earlier run of this tab created again, and
//! cancelling a run, each ask first, inline, with the focus on the safe answer.

use leptos::prelude::*;
use roster_core::run::retry::repeat_counts;
use roster_core::run::Run;
use roster_core::target::diagnose::is_plain_http;
use roster_core::target::Credential;

use crate::glue::clock::now_ms;
use crate::ui::focus::{
    self, CANCEL, CONFIRM_NO, CONFIRM_YES, PAUSE, REPORT, RESUME, RETRY, START,
};
use crate::ui::reports::{self, Report, ReportButtons};
use crate::ui::state::{AppState, RunView};

const REASON: &str = "start-reason";

/// The question on screen, if any.
#[derive(Clone, Copy, PartialEq)]
enum Ask {
    /// Send the whole file again: this many of its rows were created or found before.
    Resend(usize),
    Cancel,
}

/// Why Start cannot be pressed now, in words; `None` when it can.
fn blocker(state: AppState, sendable: usize) -> Option<String> {
    if state.plan.with(Option::is_none) {
        return Some("Choose a file first.".into());
    }
    if let Some(busy) = state.sheet.busy.get() {
        return Some(format!("Wait: {}.", busy.what.to_lowercase()));
    }
    let url = state.form.server_url.get();
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Some(
            "Enter the Server URL, starting with https:// (or http:// for a local server).".into(),
        );
    }
    if is_plain_http(url) && !state.form.http_ack.get() {
        return Some("The Server URL is http:// to another computer: tick \"I understand the password is sent unencrypted\", or use https://.".into());
    }
    for c in [
        Credential::Login,
        Credential::Password,
        Credential::ApiKey,
        Credential::AccessToken,
    ] {
        state.form.credential(c).track();
    }
    let secrets = state.form.secrets();
    if let Some(missing) = state.form.target.with(|k| k.missing_credentials(&secrets)) {
        return Some(missing);
    }
    // A pasted key with a zero-width space, a curly quote where a header goes.
    let refused = state.form.settings.with(|settings| {
        state
            .form
            .target
            .with(|k| roster_core::target::unsendable(&**k, url, settings, &secrets))
    });
    if refused.is_some() {
        return refused;
    }
    if sendable == 0 {
        return Some("No row can be sent: every row is invalid or excluded.".into());
    }
    None
}

#[component]
pub fn RunControls(state: AppState) -> impl IntoView {
    let focus = focus::RunFocus::new(state);
    let save_report = Callback::new(move |kind: Report| reports::save(state, kind));
    let ask = RwSignal::new(None::<Ask>);
    let sendable = Memo::new(move |_| {
        state.plan.with(|p| {
            p.as_ref().map_or(0, |p| {
                p.iter().filter(|r| !r.excluded && r.is_valid()).count()
            })
        })
    });
    let reason = Memo::new(move |_| blocker(state, sendable.get()));
    let blocked = move || reason.get().is_some() || state.run.active.get();
    // What the run history says about this file and server: rows to retry, rows done.
    let repeat = Memo::new(move |_| {
        let plan = state.plan.get()?;
        let url = state.form.server_url.get();
        let id = state.form.target.with(|k| k.id().to_owned());
        state.run.history.with(|h| {
            let runs: Vec<_> = h
                .iter()
                .filter(|r| r.same_server(&id, &url))
                .map(|r| (&r.plan[..], &r.rows[..]))
                .collect();
            (!runs.is_empty()).then(|| repeat_counts(&runs, &plan))
        })
    });
    let to_retry = move || repeat.get().map_or(0, |r| r.0);
    let idle = move || !state.run.active.get();
    let view_is = move |v: RunView| state.run.view.get() == v;
    let with_run = move |f: &dyn Fn(&mut Run, u64)| {
        if let Some(run) = state.run.current.get_value() {
            f(&mut run.borrow_mut(), now_ms());
            let changed = run.borrow_mut().take_changed();
            crate::ui::follow::sync(state, &run.borrow(), &changed);
        }
    };
    let start = move || match repeat.get_untracked() {
        Some((_, done)) if done > 0 => {
            ask.set(Some(Ask::Resend(done)));
            focus::focus_soon(CONFIRM_NO);
        }
        _ => {
            focus.follow();
            crate::ui::launch::start(state);
        }
    };
    let answer = move |yes: bool| {
        let asked = ask.get_untracked();
        ask.set(None);
        match (asked, yes) {
            (Some(Ask::Resend(_)), true) => {
                focus.follow();
                crate::ui::launch::start(state);
            }
            (Some(Ask::Cancel), true) => {
                focus.follow();
                with_run(&|run, now| run.cancel(now));
            }
            (Some(Ask::Resend(_)), false) => focus::focus_soon(START),
            (Some(Ask::Cancel), false) => focus::focus_soon(CANCEL),
            (None, _) => {}
        }
    };
    // A question about a run that has ended no longer applies.
    Effect::new(move |_| {
        if !state.run.active.get() && ask.get_untracked() == Some(Ask::Cancel) {
            ask.set(None);
        }
    });
    let question = move || {
        match ask.get() {
        Some(Ask::Resend(done)) => format!(
            "Send the whole file again? {done} of its rows were already created or found on this server by an earlier run in this tab; they would be sent again. To send only the rows that failed, use Retry."
        ),
        Some(Ask::Cancel) => "Cancel the import? Rows not sent yet end skipped (requests already sent finish); you can retry them afterwards.".into(),
        None => String::new(),
    }
    };
    let has_report = move || {
        !state.run.active.get()
            && state.run.view.get() != RunView::Idle
            && state.plan.get().is_some()
    };
    view! {
        <div class="actions">
            <Show when=move || { idle() && to_retry() > 0 }>
                <button
                    id=RETRY
                    class="primary"
                    aria-describedby=REASON
                    disabled=blocked
                    on:click=move |_| {
                        focus.follow();
                        crate::ui::launch::retry(state)
                    }
                >
                    {move || match to_retry() {
                        1 => "Retry 1 failed row".to_owned(),
                        n => format!("Retry {n} failed rows"),
                    }}
                </button>
            </Show>
            <Show when=idle>
                <button
                    id=START
                    class=move || { if to_retry() > 0 { "" } else { "primary" } }
                    aria-describedby=REASON
                    disabled=blocked
                    on:click=move |_| start()
                >
                    "Start import"
                </button>
            </Show>
            <Show when=move || view_is(RunView::Running) && state.run.active.get()>
                <button
                    id=PAUSE
                    on:click=move |_| {
                        focus.follow();
                        with_run(&|run, now| run.pause_at(now));
                        state.announcement.set(
                            "Import paused: requests already sent finish; nothing new is sent until Resume.".into(),
                        );
                    }
                >
                    "Pause"
                </button>
            </Show>
            <Show when=move || view_is(RunView::Paused) && state.run.active.get()>
                <button
                    id=RESUME
                    on:click=move |_| {
                        focus.follow();
                        with_run(&|run, now| run.resume(now));
                        state.announcement.set("Import resumed.".into());
                    }
                >
                    "Resume"
                </button>
            </Show>
            <Show when=move || (view_is(RunView::Running) || view_is(RunView::Paused)) && state.run.active.get()>
                <button
                    id=CANCEL
                    aria-expanded=move || (ask.get() == Some(Ask::Cancel)).to_string()
                    on:click=move |_| {
                        focus.follow();
                        ask.set(Some(Ask::Cancel));
                        focus::focus_soon(CONFIRM_NO);
                    }
                >
                    "Cancel"
                </button>
            </Show>
            <button id=REPORT disabled=move || !has_report() on:click=move |_| save_report.run(Report::Csv)>
                "Download report"
            </button>
            <ReportButtons enabled=Signal::derive(has_report) save=save_report />
        </div>
        <p id=REASON class="reason" hidden=move || !idle() || reason.get().is_none()>
            {move || reason.get().unwrap_or_default()}
        </p>
        <Show when=move || ask.get().is_some()>
            <div
                class="confirm"
                role="group"
                aria-labelledby="confirm-question"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        answer(false);
                    }
                }
            >
                <p id="confirm-question">{question}</p>
                <button id=CONFIRM_YES class="danger" on:click=move |_| answer(true)>
                    {move || match ask.get() {
                        Some(Ask::Resend(_)) => "Send the whole file again",
                        _ => "Cancel the import",
                    }}
                </button>
                <button id=CONFIRM_NO on:click=move |_| answer(false)>
                    {move || match ask.get() {
                        Some(Ask::Resend(_)) => "Don't send",
                        _ => "Keep importing",
                    }}
                </button>
            </div>
        </Show>
    }
}
