//! Step 3: settings, start, watch, pause, cancel, and download the report.

use leptos::prelude::*;
use roster_core::run::{Progress, Run, StatusCounts};
use roster_core::Status;

use super::state::{AppState, RunView};
use crate::glue::clock::now_ms;

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

/// `1 h 02 min`, `3 min 05 s`, `12 s`.
fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
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
                        super::launch::start(state)
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
