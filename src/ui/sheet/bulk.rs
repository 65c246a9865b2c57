//! Bulk actions on the rows the table lists (issue 13): the filters choose the rows, the
//! core changes them ([`roster_core::input::bulk`]), the list is filtered again.

use leptos::prelude::*;
use roster_core::input::field::Field;
use roster_core::input::invalid::invalid_rows_csv;

use super::edit::change_rows;
use super::window::*;
use crate::ui::state::AppState;

/// The rows the table lists now (every row when no filter is on), ascending.
pub fn listed_rows(state: AppState) -> Vec<usize> {
    let n = state
        .plan
        .rows
        .with_untracked(|p| p.as_ref().map_or(0, |p| p.len()));
    state.view.order.with_value(|o| match o {
        Some(order) => order.clone(),
        None => (0..n).collect(),
    })
}

/// After a bulk change: rows may have left the filtered list (or joined it).
fn relist(state: AppState) {
    with_run(state, |run| {
        filter_rows(state, run);
        fill_slots(state, run);
    });
}

/// Excludes every listed row that is invalid. Returns how many were excluded.
pub fn exclude_invalid(state: AppState) -> usize {
    let among = listed_rows(state);
    let before = state.plan.tally.get_untracked().excluded;
    change_rows(state, |sheet, rows, tally| {
        sheet.exclude_invalid(rows, tally, &among)
    });
    relist(state);
    state.plan.tally.get_untracked().excluded - before
}

/// Excludes every listed row whose address (or user name, where it identifies an
/// account) an earlier row has: the first of each duplicate is kept. Returns how many
/// rows were excluded.
pub fn keep_first_duplicates(state: AppState) -> usize {
    let among = listed_rows(state);
    let before = state.plan.tally.get_untracked().excluded;
    change_rows(state, |sheet, rows, tally| {
        sheet.keep_first_among(rows, tally, &among)
    });
    relist(state);
    state.plan.tally.get_untracked().excluded - before
}

/// The rows a "Set" acts on: the selected ones, or else every listed row.
pub fn rows_to_set(state: AppState) -> Vec<usize> {
    let selected = state.selection.selected.get_untracked();
    if selected.is_empty() {
        listed_rows(state)
    } else {
        selected.into_iter().collect()
    }
}

/// Sets `field` to `value` on the selected rows, or on every listed row when none is
/// selected. A field no column feeds gets a column of its own, shown in the mapping and
/// the row editor. Returns how many rows it set.
pub fn set_field(state: AppState, field: Field, value: &str) -> usize {
    let among = rows_to_set(state);
    let had_column = state
        .plan
        .mapping
        .with_untracked(|m| m.column_of(field).is_some());
    change_rows(state, |sheet, rows, tally| {
        sheet.set_field(rows, tally, &among, field, value)
    });
    if !had_column {
        let found = state.plan.sheet.with_value(|sh| {
            sh.as_ref().map(|sh| {
                let names: Vec<String> = (0..sh.table.width)
                    .map(|i| match sh.table.header.as_ref().and_then(|h| h.get(i)) {
                        Some(name) if !name.is_empty() => name.clone(),
                        _ => format!("Column {}", i + 1),
                    })
                    .collect();
                (names, sh.mapping.clone())
            })
        });
        if let Some((names, mapping)) = found {
            state.plan.columns.set(names);
            state.plan.mapping.set(mapping);
        }
    }
    relist(state);
    let width = state
        .plan
        .sheet
        .with_value(|sh| sh.as_ref().map_or(0, |sh| sh.table.width));
    state.plan.sheet.with_value(|sh| {
        sh.as_ref().map_or(0, |sh| {
            among
                .iter()
                .filter(|&&i| {
                    sh.table
                        .records
                        .get(i)
                        .is_some_and(|r| r.fields.len() == width)
                })
                .count()
        })
    })
}

/// The listed rows that are invalid, as CSV (see [`invalid_rows_csv`]).
pub fn invalid_csv(state: AppState) -> Option<String> {
    let among = listed_rows(state);
    let plan = state.plan.rows.get_untracked()?;
    state.plan.sheet.with_value(|sh| {
        sh.as_ref()
            .and_then(|sh| invalid_rows_csv(&sh.table, &sh.mapping, &plan, &among))
    })
}
