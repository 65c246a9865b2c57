//! Planning again: the target's and the page's rules, and the rows checked against them
//! in slices when the target, the mapping or a setting changes.

use std::future::Future;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::input::map::Mapping;
use roster_core::input::plan::{PlannedRow, Tally};
use roster_core::input::reading::Planning;
use roster_core::input::validate::Rules;
use roster_core::run::StatusCounts;
use roster_core::Status;

use super::model::*;
use super::window::*;
use crate::glue::file::{yield_now, Budget};
use crate::ui::state::{AppState, RunView};

/// The rules for the chosen target (with its settings: a default some rows rely on) and
/// the page's own checks. A minimum that is not a number is reported and left out.
pub(crate) fn rules(state: AppState) -> Rules {
    let kind = state.form.target.get_untracked();
    // A bad setting is reported at Start (the target refuses it by its label); the
    // target plans as if it were absent.
    let target_rules = state
        .form
        .settings
        .with_untracked(|settings| kind.rules(settings));
    let min = roster_core::targets::whole_number(
        "Minimum password length",
        &state.plan.min_password.get_untracked(),
        0,
        256,
    );
    state
        .plan
        .settings_error
        .set(min.as_ref().err().map(ToString::to_string));
    let target_rules = roster_core::input::passwords::rules_for(
        target_rules,
        crate::ui::import::passwords::generating(state),
    );
    Rules {
        min_password_len: min.ok().flatten().unwrap_or(0) as usize,
        flag_dotless_domains: !state.plan.accept_dotless.get_untracked(),
        ..target_rules
    }
}

/// Gives the columns the automatic mapping left unmapped to the fields the newly chosen
/// target adds (a `username` column once a target has user names). Columns already
/// mapped, by the user or automatically, keep their field.
pub fn remap_for_target(state: AppState) {
    let rules = state
        .form
        .settings
        .with_untracked(|settings| state.form.target.with_untracked(|k| k.rules(settings)));
    let fields = rules.mapped_fields();
    let Some(auto) = state.plan.sheet.with_value(|sheet| {
        sheet
            .as_ref()
            .map(|sheet| Mapping::auto_for(&sheet.table, &*fields))
    }) else {
        return;
    };
    state.plan.mapping.update(|mapping| {
        // A field the new target never sends is not offered, nor kept mapped (issue 27).
        mapping.keep_only(&fields);
        mapping.declare_secrets(&fields);
        for (column, field) in auto.columns.iter().enumerate() {
            let Some(field) = *field else { continue };
            if mapping.columns.get(column) == Some(&None) && mapping.column_of(field).is_none() {
                mapping.columns[column] = Some(field);
            }
        }
    });
}

/// Plans the loaded sheet again (another target, mapping or setting).
pub fn replan(state: AppState) {
    if state.file.reading.get_value() || state.plan.sheet.with_value(Option::is_none) {
        return;
    }
    let job = state.file.next_job();
    // A small file is planned at once, before the next event: a Start pressed right after
    // a setting changed (its change event fires on that very click) sees the new plan.
    let small = state
        .plan
        .sheet
        .with_value(|sh| sh.as_ref().is_some_and(|sh| sh.len() <= SYNC_ROWS));
    let mut job = Box::pin(plan_job(state, job, small));
    let waker = std::task::Waker::noop();
    if job
        .as_mut()
        .poll(&mut std::task::Context::from_waker(waker))
        .is_pending()
    {
        // Until the new plan is in, Start waits (it would otherwise send the old plan).
        state.file.busy.set(Some(Busy {
            what: "Checking rows",
            fraction: 0.0,
        }));
        spawn_local(job);
    }
}

/// Plans the sheet with the current rules: drives the core's [`Planning`] machine over
/// the sheet where it is kept. `at_once`: never yield (a small sheet).
pub(crate) async fn plan_job(state: AppState, job: u64, at_once: bool) {
    // A newer job (a setting changed as the read ended) has planned already, or will:
    // this one must not touch the sheet's rules or index under it.
    if state.file.stale(job) {
        return;
    }
    let rules = rules(state);
    let mapping = state.plan.mapping.get_untracked();
    // The old plan stays in place (and on screen) until the new one replaces it: it
    // carries the rows the user excluded, for this job or a newer one that replaces it.
    // Start, Check and Dry run wait while `busy` says rows are being checked, so nothing
    // is sent from the old plan meanwhile.
    let excluded = state
        .plan
        .rows
        .with_untracked(|p| p.as_ref().map(|p| p.iter().map(|r| r.excluded).collect()));
    let Some((planning, old_duplicates)) = state
        .plan
        .sheet
        .try_update_value(|sheet| {
            sheet.as_mut().map(|sheet| {
                sheet.rules = rules;
                sheet.mapping = mapping;
                let old = sheet.take_duplicates();
                (Planning::new(sheet, excluded), old)
            })
        })
        .flatten()
    else {
        return;
    };
    spawn_local(drop_slowly_iter(old_duplicates.into_entries()));
    // Kept where an edit or an exclusion made meanwhile reaches it (`edit::during_recheck`):
    // applied to the plan being replaced, it would be lost or leave the index wrong.
    let planning_of = state.plan.planning;
    planning_of.set_value(Some((job, planning)));
    if !at_once {
        yield_now().await;
    }
    let mut budget = Budget::new(if at_once { u64::MAX / 2 } else { BUDGET_MS });
    loop {
        let step = |p: &mut Option<(u64, Planning)>| match p {
            Some((j, planning)) if *j == job && !state.file.stale(job) => state
                .plan
                .sheet
                .try_update_value(|sh| {
                    sh.as_mut()
                        .map(|sh| (planning.step(sh, ROW_STEP), planning.fraction()))
                })
                .flatten(),
            _ => None,
        };
        let Some((done, fraction)) = planning_of.try_update_value(step).flatten() else {
            // A newer job replaced this one (or will), or the sheet is gone: this job's
            // planning, if still kept, goes.
            planning_of.update_value(|p| {
                if p.as_ref().is_some_and(|(j, _)| *j == job) {
                    *p = None;
                }
            });
            return;
        };
        if done {
            break;
        }
        if budget.expired() {
            state.file.busy.set(Some(Busy {
                what: "Checking rows",
                fraction,
            }));
        }
        budget.tick().await;
    }
    let Some((_, planning)) = planning_of.try_update_value(Option::take).flatten() else {
        return;
    };
    let (rows, tally) = planning.finish();
    show_plan(state, rows, tally);
}

/// Takes the plan and the sheet out of the state and frees them in slices; the future
/// ends when they are gone.
pub(crate) fn let_go(state: AppState) -> impl Future<Output = ()> {
    let plan = state.plan.rows.try_update(Option::take).flatten();
    let sheet = state.plan.sheet.try_update_value(Option::take).flatten();
    async move {
        if let Some(plan) = plan.and_then(|p| Arc::try_unwrap(p).ok()) {
            drop_slowly(plan).await;
        }
        if let Some(mut sheet) = sheet {
            drop_slowly(std::mem::take(&mut sheet.table.records)).await;
            drop_slowly_iter(sheet.take_duplicates().into_entries()).await;
        }
    }
}

/// Drops a large vector a slice at a time, so freeing a million rows is no long task.
pub(crate) async fn drop_slowly<T>(mut items: Vec<T>) {
    while !items.is_empty() {
        let keep = items.len().saturating_sub(ROW_STEP * 5);
        items.truncate(keep);
        yield_now().await;
    }
}

/// [`drop_slowly`] for what an iterator owns.
pub(crate) async fn drop_slowly_iter<I: Iterator>(mut items: I) {
    while items.by_ref().take(ROW_STEP * 5).count() > 0 {
        yield_now().await;
    }
}

/// The import's counts before a run: what will be sent, what is invalid, what is skipped.
pub(crate) fn counts_of(t: Tally) -> StatusCounts {
    let mut counts = StatusCounts::default();
    counts.add(Status::Pending, t.valid);
    counts.add(Status::Invalid, t.invalid);
    counts.add(Status::Skipped, t.excluded);
    counts
}

/// Puts a new plan in place of the old one (freed in slices) and shows it.
pub(crate) fn show_plan(state: AppState, rows: Vec<PlannedRow>, tally: Tally) {
    let replaced = state
        .plan
        .rows
        .try_update_untracked(|p| p.replace(Arc::new(rows)))
        .flatten();
    state.plan.rows.notify();
    if let Some(plan) = replaced.and_then(|p| Arc::try_unwrap(p).ok()) {
        spawn_local(drop_slowly(plan));
    }
    // The dry run showed the previous plan's requests: they no longer apply.
    state.findings.preview.set(Vec::new());
    state.run.current.set_value(None);
    state.run.view.set(RunView::Idle);
    state.findings.login_error.set(None);
    state.plan.tally.set(tally);
    state.run.counts.set(counts_of(tally));
    state.file.busy.set(None);
    rebuild_order(state, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan's counts come from the tally's three numbers, never from a row each.
    #[test]
    fn the_counts_before_a_run_are_the_tallys() {
        let tally = Tally {
            valid: 3,
            invalid: 2,
            excluded: 1,
            missing: 1,
        };
        let counts = counts_of(tally);
        let one_each = [Status::Pending; 3]
            .into_iter()
            .chain([Status::Invalid; 2])
            .chain([Status::Skipped]);
        assert_eq!(counts, StatusCounts::of(one_each));
        assert_eq!(counts.total(), 6);
    }
}
