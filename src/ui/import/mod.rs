//! Step 3: settings, start, watch, pause, cancel, and download the report (issue 13:
//! `controls` for the buttons and their questions, `progress` for the bar and figures,
//! `history` for the runs of this tab).

use leptos::prelude::*;
use roster_core::run::Progress;

use roster_core::run::journal::Head;
use roster_core::targets::preview::AccountPreview;

use super::reports::Report;
use super::sheet::model::{Busy, PlanState};
use super::state::{AppState, Findings, RunState, RunView, TargetForm, Tuning};

mod controls;
pub mod existing;
mod history;
pub mod passwords;
mod progress;
mod steps;

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

const LOGIN_ERROR: &str = "login-error";

/// What the hint under the engine settings says of the rate limit: the chosen target's
/// own limit when it documents one.
fn rate_hint(kind: &roster_core::targets::TargetKind) -> String {
    let limit = kind
        .default_rate()
        .map(|n| format!(" ({}: {n} per minute by default)", kind.name()))
        .unwrap_or_default();
    format!("Set Requests per minute to the server's rate limit{limit} so the run holds the limit instead of bouncing off it.")
}

/// What step 3 asks of the page: the actions its buttons trigger and the look-ups its
/// questions make.
#[derive(Clone, Copy)]
pub struct Actions {
    /// Plans the rows again ("Generate passwords" changed).
    pub replan: Callback<()>,
    /// Downloads the generated passwords: as printable slips (`true`) or as CSV.
    pub save_passwords: Callback<bool>,
    /// Starts the refused run again: with its journal (`true`) or without.
    pub relaunch: Callback<bool>,
    pub check: Callback<()>,
    pub dry_run: Callback<RwSignal<Option<AccountPreview>>>,
    pub elsewhere: Callback<(), bool>,
    pub matching: Callback<(), Option<(String, Head)>>,
    pub done_by_saved: Callback<(), usize>,
    pub guess_question: Callback<(), Option<String>>,
    pub confirm_guess: Callback<()>,
    pub start: Callback<()>,
    pub retry: Callback<()>,
    pub resume_saved: Callback<String>,
    pub save_report: Callback<Report>,
}

impl Actions {
    pub fn of(state: AppState) -> Actions {
        Actions {
            replan: Callback::new(move |()| super::sheet::replan(state)),
            save_passwords: Callback::new(move |html| passwords::save(state, html)),
            relaunch: Callback::new(move |with_journal| {
                super::launch::relaunch(state, with_journal)
            }),
            check: Callback::new(move |()| super::preflight::run_check(state)),
            dry_run: Callback::new(move |table| super::preflight::dry_run(state, table)),
            elsewhere: Callback::new(move |()| super::tabs::running_elsewhere(state)),
            matching: Callback::new(move |()| super::resume::matching(state)),
            done_by_saved: Callback::new(move |()| super::resume::done_by_saved_run(state)),
            guess_question: Callback::new(move |()| controls::guess_question(state)),
            confirm_guess: Callback::new(move |()| controls::confirm_first_guess(state)),
            start: Callback::new(move |()| {
                super::tabs::guarded(state, move || super::launch::start(state))
            }),
            retry: Callback::new(move |()| {
                super::tabs::guarded(state, move || super::launch::retry(state))
            }),
            resume_saved: Callback::new(move |key| super::resume::resume_saved(state, key)),
            save_report: Callback::new(move |kind| super::reports::save(state, kind)),
        }
    }
}

#[component]
pub fn Import(
    plan: PlanState,
    /// The file is being read.
    busy: RwSignal<Option<Busy>>,
    form: TargetForm,
    tuning: Tuning,
    findings: Findings,
    run: RunState,
    announcement: RwSignal<String>,
    actions: Actions,
) -> impl IntoView {
    let locked = Signal::derive(move || run.active.get());
    let invites =
        Signal::derive(move || form.settings.with(|s| form.target.with(|k| k.invites(s))));
    let invited_note = Signal::derive(move || {
        let any_password = plan.rows.with(|rows| {
            rows.as_ref()
                .is_some_and(|r| r.iter().any(|r| r.has_password))
        });
        roster_core::input::passwords::invited_note(invites.get(), any_password)
    });
    // Before a run (or after the plan changed), the plan's own figures: nothing done.
    let shown = Memo::new(move |_| {
        if run.view.get() == RunView::Idle && !run.active.get() {
            Progress::planned(run.counts.get())
        } else {
            run.progress.get()
        }
    });
    let view_is = move |v: RunView| run.view.get() == v;
    Effect::new(move |_| {
        if findings.login_error.with(Option::is_some) {
            crate::ui::focus::reveal_soon(LOGIN_ERROR);
        }
    });
    view! {
        <section class="step" aria-labelledby="step-import">
            <h2 id="step-import">"4. Import"</h2>
            <div class="fields settings">
                <Setting id="concurrency" label="Parallel requests" value=tuning.concurrency placeholder="4" locked=locked />
                <Setting id="rate" label="Requests per minute" value=tuning.rate_per_min placeholder="no limit" locked=locked />
                <Setting id="attempts" label="Attempts per row" value=tuning.max_attempts placeholder="4" locked=locked />
            </div>
            <passwords::GenerateBox
                passwords=run.passwords
                locked=locked
                replan=actions.replan
                invites=invites
                note=invited_note
            />
            <existing::ExistingAccounts existing=run.existing target=form.target settings=form.settings locked=locked />
            <p class="hint">
                "Browsers open at most 6 connections to one server over HTTP/1.1, so more than 6 parallel requests would only queue. "
                {move || rate_hint(&form.target.get())}
            </p>
            <super::preflight::Preflight
                findings=findings
                rows=plan.rows
                busy=busy
                active=run.active
                starting=run.starting
                check=actions.check
                dry_run=actions.dry_run
            />
            // A refused login at Check or Start shows here, where the admin pressed the
            // button, and is scrolled into view (issue 27); the alert role announces it.
            <Show when=move || findings.login_error.get().is_some()>
                <p class="error" id=LOGIN_ERROR role="alert">{move || findings.login_error.get()}</p>
            </Show>
        </section>
        // The run header: Start (or Retry), Pause, Cancel, the bar and its counts. A
        // sibling of the steps, so that once a run is shown it sticks to the top or the
        // bottom of the window while the rows table is looked at (issue 27).
        <div
            class="run-header"
            class:live=move || run.active.get() || run.view.get() != RunView::Idle
        >
            <controls::RunControls
                plan=plan
                busy=busy
                form=form
                checking=findings.checking
                run=run
                announcement=announcement
                elsewhere=actions.elsewhere
                matching=actions.matching
                done_by_saved=actions.done_by_saved
                guess_question=actions.guess_question
                confirm_guess=actions.confirm_guess
                start=actions.start
                retry=actions.retry
                resume_saved=actions.resume_saved
                save_report=actions.save_report
            />
            <progress::RunProgress
                shown=shown.into()
                running=Signal::derive(move || !matches!(run.view.get(), RunView::Idle | RunView::LoginFailed))
                login_failed=Signal::derive(move || view_is(RunView::LoginFailed))
            />
        </div>
        <div class="run-after">
            // Below the header, not in it, so that the header stays short: the update
            // preview to confirm (issue 24) and how the steps after the creates went.
            <existing::ExistingPreview existing=run.existing start=actions.start />
            <steps::StepsSummary steps=run.steps />
            <Show when=move || matches!(run.view.get(), RunView::Stopped(_))>
                <p class="banner" role="alert">
                    {move || match run.view.get() {
                        RunView::Stopped(reason) => reason,
                        _ => String::new(),
                    }}
                </p>
            </Show>
            <Show when=move || run.hold.get().is_some() && view_is(RunView::Paused)>
                <p class="banner hold" role="alert">{move || run.hold.get().unwrap_or_default()}</p>
            </Show>
            <super::journal::JournalProblemNotice
                run=run
                relaunch=actions.relaunch
            />
            <p class="announcement" role="status" aria-live="polite">{move || announcement.get()}</p>
            <passwords::Handouts
                passwords=run.passwords
                save=actions.save_passwords
            />
            <history::History history=run.history announcement=announcement />
        </div>
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
