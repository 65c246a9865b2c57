//! Changes to rows: a cell edited, a row excluded, duplicates dropped, the mapping set.

use std::sync::Arc;

use leptos::prelude::*;
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{PlannedRow, Sheet, Tally};
use roster_core::input::reading::Planning;

use super::model::*;
use super::replan::*;
use super::window::*;
use crate::glue::storage;
use crate::ui::state::{AppState, RunView};

/// Applies a change to some rows of the plan, then refreshes tally, counts and slots.
/// Only the rows the core names as changed are re-counted and re-rendered.
pub(crate) fn change_rows(
    state: AppState,
    f: impl FnOnce(&mut Sheet, &mut [PlannedRow], &mut Tally) -> Vec<usize>,
) {
    if state.run.active.get_untracked() {
        return;
    }
    let mut tally = state.plan.tally.get_untracked();
    let mut changed = Vec::new();
    state.plan.rows.update_untracked(|plan| {
        let Some(plan) = plan else { return };
        let rows = Arc::make_mut(plan);
        state.plan.sheet.update_value(|sheet| {
            if let Some(sheet) = sheet {
                changed = f(sheet, rows, &mut tally);
            }
        });
    });
    state.plan.tally.set(tally);
    state.run.counts.set(counts_of(tally));
    // A change after a run starts a new plan: the old run's results no longer apply.
    if state.run.current.with_value(Option::is_some) {
        state.run.current.set_value(None);
        state.run.view.set(RunView::Idle);
        rebuild_order(state, None);
    } else {
        refresh_rows(state, &changed, None);
    }
}

/// Sets one cell of row `i` and re-checks it and the rows sharing its address.
pub fn edit(state: AppState, i: usize, column: usize, value: &str) {
    if during_recheck(state, |planning, sheet| {
        planning.edit(sheet, i, column, value)
    }) {
        return;
    }
    change_rows(state, |sheet, rows, tally| {
        sheet.edit(rows, tally, i, column, value)
    });
}

pub fn set_excluded(state: AppState, i: usize, excluded: bool) {
    if during_recheck(state, |planning, sheet| {
        planning.set_excluded(sheet, i, excluded)
    }) {
        return;
    }
    change_rows(state, |sheet, rows, tally| {
        sheet.set_excluded(rows, tally, i, excluded)
    });
}

/// While the rows are checked again (`replan`, in steps), a change goes to that
/// re-check, whose plan replaces the one shown when it ends ([`Planning::edit`]): made
/// to the plan shown and the half-built index, it would be lost or leave a wrong
/// duplicate verdict. `false` when no re-check is under way.
fn during_recheck(state: AppState, f: impl FnOnce(&mut Planning, &mut Sheet)) -> bool {
    if state.run.active.get_untracked() {
        return false;
    }
    let job = state.file.job.get_value();
    state
        .plan
        .planning
        .try_update_value(|p| match p {
            Some((j, planning)) if *j == job => {
                state.plan.sheet.update_value(|sheet| {
                    if let Some(sheet) = sheet {
                        f(planning, sheet);
                    }
                });
                true
            }
            _ => false,
        })
        .unwrap_or(false)
}

/// Changes which field column `column` feeds; a field feeds from one column only.
/// The new mapping is remembered for files with the same header (names only).
pub fn set_mapping(state: AppState, column: usize, field: Option<Field>) {
    let fields = state.form.target.with_untracked(|k| k.field_specs());
    state
        .plan
        .mapping
        .update(|m| m.assign(column, field, &fields));
    remember_mapping(state);
    replan(state);
}

/// Notes what `word` of `field`'s column means (`None`: what it obviously means, if
/// anything); remembered with the mapping.
pub fn set_value(state: AppState, field: Field, word: &str, value: Option<&str>) {
    state
        .plan
        .mapping
        .update(|m| m.choose_value(field, word, value));
    remember_mapping(state);
    replan(state);
}

/// Remembers the mapping for files with the same header (names, and the words of
/// fixed-value columns the admin mapped).
fn remember_mapping(state: AppState) {
    let key = state.plan.sheet.with_value(|sh| {
        sh.as_ref()
            .map(|sh| format!("{MEMORY_PREFIX}{}", Mapping::memory_key(&sh.table)))
    });
    if let Some(key) = key {
        // A mapping not remembered only means choosing it again next time.
        let _ = storage::set(&key, &state.plan.mapping.with_untracked(Mapping::to_memory));
    }
}

/// The current text of a cell, for the row editor (never used for a password column).
pub fn cell(state: AppState, i: usize, column: usize) -> String {
    state.plan.sheet.with_value(|sh| {
        sh.as_ref()
            .and_then(|sh| sh.table.records.get(i))
            .and_then(|r| r.fields.get(column).map(str::to_owned))
            .unwrap_or_default()
    })
}
