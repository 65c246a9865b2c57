//! "Check" and "Dry run": look before leaping. The check logs in and lists what the
//! server holds; the dry run shows the accounts an import would create and, under
//! technical details, the exact requests it would send. Neither creates anything.
//!
//! While a Check is going, Start and Dry run wait (disabled) and Check keeps the focus:
//! it is marked `aria-disabled` and ignores a press rather than being disabled, which
//! would drop the keyboard focus to the page, whence the next Tab lands past it (on
//! Start import, once the check is done). The Dry run is computed at once: nothing can
//! be pressed while it is going.
//!
//! A check that fails is diagnosed the way a run's failed login is (`super::diagnosis`),
//! so Check and Start give the same diagnosis for the same connection fault.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::input::plan::PlannedRow;
use roster_core::job::{words, Effect as JobEffect, Look, Over};
use roster_core::targets::check::check_for;
use roster_core::targets::preview::AccountPreview;

use super::launch::target_for;
use super::sheet::model::Busy;
use super::state::{AppState, Findings};
use crate::glue::driver;

/// How many creates the dry run shows.
const PREVIEW_ROWS: usize = 5;

pub(super) fn run_check(state: AppState) {
    let checking = state.findings.checking;
    if checking.get_untracked() {
        return;
    }
    let Some(plan) = state.plan.rows.get_untracked() else {
        state.file.error.set(Some("Choose a file first.".into()));
        return;
    };
    let (target, secrets) = match target_for(&state) {
        Ok(built) => built,
        Err(error) => {
            state.findings.login_error.set(Some(error.to_string()));
            return;
        }
    };
    let kind = state.form.target.get_untracked();
    let url = state.form.server_url.get_untracked().trim().to_owned();
    let Some(listing) = check_for(&*kind, &url, target, secrets) else {
        state
            .findings
            .check_summary
            .set(vec![words::no_check(kind.name())]);
        return;
    };
    state.findings.login_error.set(None);
    // A new attempt: the banner of an earlier one goes.
    super::diagnosis::clear(state);
    state.findings.check_summary.set(vec!["Checking…".into()]);
    checking.set(true);
    // The check's requests go through the same loop as a job's.
    let look = Rc::new(RefCell::new(Look::new(listing)));
    spawn_local(driver::run(look, None, move |effect| {
        let JobEffect::Ended(Over::Checked(result)) = effect else {
            return None;
        };
        checking.set(false);
        match result {
            Ok(report) => {
                let lines = words::check_summary(&report, &plan);
                // A login alone lists nothing: no finding to mark rows with.
                let listed = (!report.login_only).then(|| Arc::new((url.clone(), report)));
                state.findings.check.set(listed);
                state.findings.check_summary.set(lines);
            }
            Err(message) => {
                state.findings.check.set(None);
                state.findings.check_summary.set(vec![]);
                state.findings.login_error.set(Some(message.to_string()));
                // As after a failed login at Start: the probe tells a connection fault
                // (unreachable, blocked by CORS, not the API) from a refusal, which it
                // finds reachable and leaves alone.
                super::diagnosis::start(state, false, None);
            }
        }
        None
    }));
}

pub(super) fn dry_run(state: AppState, table: RwSignal<Option<AccountPreview>>) {
    let Some(plan) = state.plan.rows.get_untracked() else {
        state.file.error.set(Some("Choose a file first.".into()));
        return;
    };
    match target_for(&state) {
        Ok((target, secrets)) => {
            state.findings.login_error.set(None);
            let fields = state.form.target.with_untracked(|k| k.template_specs());
            let file_steps = state.plan.sheet.with_value(|sheet| {
                sheet
                    .as_ref()
                    .map(|s| roster_core::run::retry::file_steps(&s.table))
                    .unwrap_or_default()
            });
            let shown = roster_core::job::dry_run(
                target.as_ref(),
                &secrets,
                &fields,
                &plan,
                roster_core::input::passwords::stand_in(
                    state.plan.users(),
                    crate::ui::import::passwords::generating(state),
                ),
                &file_steps,
                PREVIEW_ROWS,
            );
            if let Some(summary) = shown.summary {
                state.findings.check_summary.set(vec![summary]);
            }
            table.set(Some(shown.accounts));
            state.findings.preview.set(shown.requests);
        }
        Err(error) => state.findings.login_error.set(Some(error.to_string())),
    }
}

#[component]
pub fn Preflight(
    findings: Findings,
    /// The planned rows (`None` before a file).
    rows: RwSignal<Option<Arc<Vec<PlannedRow>>>>,
    /// The file is being read.
    busy: RwSignal<Option<Busy>>,
    /// A run is going, or starting.
    active: RwSignal<bool>,
    starting: RwSignal<bool>,
    /// Runs the Check.
    check: Callback<()>,
    /// Runs the Dry run, showing its accounts in the table given.
    dry_run: Callback<RwSignal<Option<AccountPreview>>>,
) -> impl IntoView {
    let checking = findings.checking;
    // The Dry run's accounts; shown with its requests (`findings.preview`), which a new file
    // or a re-check clears.
    let table = RwSignal::new(None::<AccountPreview>);
    // A run that starts makes the preview stale: it goes.
    Effect::new(move |_| {
        if active.get() {
            findings.preview.set(Vec::new());
            table.set(None);
        }
    });
    let ready =
        move || !active.get() && !starting.get() && rows.get().is_some() && busy.get().is_none();
    let idle = move || ready() && !checking.get();
    view! {
        // Before a file exists there is nothing to check or preview: the first screen
        // leaves it out.
        <Show when=move || rows.with(Option::is_some)>
            <div class="preflight">
                <div class="actions">
                    <button
                        disabled=move || !ready()
                        aria-disabled=move || checking.get().then_some("true")
                        on:click=move |_| check.run(())
                    >
                        "Check"
                    </button>
                    <button disabled=move || !idle() on:click=move |_| dry_run.run(table)>"Dry run"</button>
                </div>
                <Show when=move || !findings.check_summary.get().is_empty()>
                    <ul class="check-summary" aria-label="Check results">
                        <For each=move || findings.check_summary.get() key=|line| line.clone() let:line>
                            <li>{line}</li>
                        </For>
                    </ul>
                </Show>
                <super::preview::DryRunPreview requests=findings.preview table=table />
            </div>
        </Show>
    }
}
