//! Step 3: settings, start, watch, pause, cancel, and download the report (issue 13:
//! `controls` for the buttons and their questions, `progress` for the bar and figures,
//! `history` for the runs of this tab).

use leptos::prelude::*;
use roster_core::run::Progress;

use super::state::{AppState, RunView};

mod controls;
mod history;
pub mod passwords;
mod progress;

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

/// What the hint under the engine settings says of the rate limit: the chosen target's
/// own limit when it documents one.
fn rate_hint(kind: &roster_core::targets::TargetKind) -> String {
    let limit = kind
        .default_rate()
        .map(|n| format!(" ({}: {n} per minute by default)", kind.name()))
        .unwrap_or_default();
    format!("Set Requests per minute to the server's rate limit{limit} so the run holds the limit instead of bouncing off it.")
}

#[component]
pub fn Import(state: AppState) -> impl IntoView {
    let locked = Signal::derive(move || state.run.active.get());
    // Before a run (or after the plan changed), the plan's own figures: nothing done.
    let shown = Memo::new(move |_| {
        if state.run.view.get() == RunView::Idle && !state.run.active.get() {
            Progress::planned(state.run.counts.get())
        } else {
            state.run.progress.get()
        }
    });
    let view_is = move |v: RunView| state.run.view.get() == v;
    view! {
        <section class="step" aria-labelledby="step-import">
            <h2 id="step-import">"3. Import"</h2>
            <div class="fields settings">
                <Setting id="concurrency" label="Parallel requests" value=state.tuning.concurrency placeholder="4" locked=locked />
                <Setting id="rate" label="Requests per minute" value=state.tuning.rate_per_min placeholder="no limit" locked=locked />
                <Setting id="attempts" label="Attempts per row" value=state.tuning.max_attempts placeholder="4" locked=locked />
            </div>
            <passwords::GenerateBox
                passwords=state.run.passwords
                locked=locked
                replan=Callback::new(move |()| super::sheet::replan(state))
            />
            <p class="hint">
                "Browsers open at most 6 connections to one server over HTTP/1.1, so more than 6 parallel requests would only queue. "
                {move || rate_hint(&state.form.target.get())}
            </p>
            <super::preflight::Preflight
                findings=state.findings
                rows=state.plan.rows
                busy=state.file.busy
                active=state.run.active
                starting=state.run.starting
                check=Callback::new(move |()| super::preflight::run_check(state))
                dry_run=Callback::new(move |table| super::preflight::dry_run(state, table))
            />
            <controls::RunControls
                plan=state.plan
                busy=state.file.busy
                form=state.form
                checking=state.findings.checking
                run=state.run
                announcement=state.announcement
                elsewhere=Callback::new(move |()| super::tabs::running_elsewhere(state))
                matching=Callback::new(move |()| super::resume::matching(state))
                done_by_saved=Callback::new(move |()| super::resume::done_by_saved_run(state))
                guess_question=Callback::new(move |()| controls::guess_question(state))
                confirm_guess=Callback::new(move |()| controls::confirm_first_guess(state))
                start=Callback::new(move |()| super::tabs::guarded(state, move || super::launch::start(state)))
                retry=Callback::new(move |()| super::tabs::guarded(state, move || super::launch::retry(state)))
                resume_saved=Callback::new(move |key| super::resume::resume_saved(state, key))
                save_report=Callback::new(move |kind| super::reports::save(state, kind))
            />
            <progress::RunProgress
                shown=shown.into()
                running=Signal::derive(move || !matches!(state.run.view.get(), RunView::Idle | RunView::LoginFailed))
                login_failed=Signal::derive(move || view_is(RunView::LoginFailed))
            />
            <Show when=move || matches!(state.run.view.get(), RunView::Stopped(_))>
                <p class="banner" role="alert">
                    {move || match state.run.view.get() {
                        RunView::Stopped(reason) => reason,
                        _ => String::new(),
                    }}
                </p>
            </Show>
            <Show when=move || state.run.hold.get().is_some() && view_is(RunView::Paused)>
                <p class="banner hold" role="alert">{move || state.run.hold.get().unwrap_or_default()}</p>
            </Show>
            <super::journal::JournalProblemNotice
                run=state.run
                relaunch=Callback::new(move |with_journal| super::launch::relaunch(state, with_journal))
            />
            <p class="announcement" role="status" aria-live="polite">{move || state.announcement.get()}</p>
            <passwords::Handouts
                passwords=state.run.passwords
                save=Callback::new(move |html| passwords::save(state, html))
            />
            <history::History history=state.run.history announcement=state.announcement />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::rate_hint;
    use roster_core::targets::TargetKind;

    #[test]
    fn the_rate_hint_names_the_chosen_targets_own_limit() {
        let mumara = TargetKind::by_id("mumara").unwrap();
        assert!(rate_hint(&mumara).contains("(Mumara: 60 per minute by default)"));
        let aurora = TargetKind::by_id("aurora").unwrap();
        assert!(!rate_hint(&aurora).contains('('));
    }
}
