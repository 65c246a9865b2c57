//! The page follows the run: after every step of the engine, the rows it changed, the
//! counts, the login error, the engine's own pause and the phase reach the page's state.

use leptos::prelude::*;
use roster_core::run::{Phase, Run};

use super::sheet;
use super::state::{AppState, RunView};

/// Copies the run's state into the rendered rows that changed (the only way run
/// updates reach the table).
pub fn sync(state: AppState, run: &Run, changed: &[usize]) {
    sheet::sync(state, run, changed);
    state.run.counts.set(run.counts());
    let steps = roster_core::run::steps_summary(run.rows());
    if steps != state.run.steps.get_untracked() {
        state.run.steps.set(steps);
    }
    let has_header = state
        .plan
        .sheet
        .with_value(|sh| sh.as_ref().is_some_and(|sh| sh.table.header.is_some()));
    let left_out = roster_core::report::steps_left_out_note(
        has_header,
        run.rows(),
        roster_core::report::RETRY_ON_PAGE,
    );
    if left_out != state.run.steps_left_out.get_untracked() {
        state.run.steps_left_out.set(left_out);
    }
    let in_file = roster_core::report::steps_in_retry_file(has_header, run.rows());
    if in_file != state.run.steps_to_retry.get_untracked() {
        state.run.steps_to_retry.set(in_file);
    }
    state
        .run
        .progress
        .set(run.progress(crate::glue::clock::now_ms()));
    if let Phase::LoginFailed(stop) = run.phase() {
        state.findings.login_error.set(Some(stop.message.clone()));
    }
    let hold = run.hold().map(str::to_owned);
    if hold.is_some() && hold != state.run.hold.get_untracked() {
        // The engine paused by itself: the banner (an alert) says why; the live
        // region says what happened without repeating it.
        state.announcement.set(
            "Import paused automatically (see why above). Press Resume to go on, or Cancel.".into(),
        );
    }
    if hold != state.run.hold.get_untracked() {
        state.run.hold.set(hold);
    }
    state.run.view.set(RunView::from(run.phase()));
}
