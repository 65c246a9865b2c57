//! The form that edits one row's cells, for long values and the columns the table does
//! not show. A field with a problem is marked (`aria-invalid`) and its problem is written
//! under it. The password cell is never filled in: typing one replaces it, leaving it
//! empty keeps it.

use leptos::html;
use leptos::prelude::*;
use roster_core::input::spec::is_secret_in;
use wasm_bindgen::JsCast;

use super::row_keys::{focus_row, Keys, EDIT};
use roster_core::targets::TargetKind;

use super::sheet::model::PlanState;

/// Each column's problems in row `row`, in words (empty for a column without one).
fn problems_by_column(plan: PlanState, row: usize, columns: usize) -> Vec<String> {
    let mapping = plan.mapping.get_untracked();
    let mut by_column = vec![String::new(); columns];
    plan.rows.with_untracked(|p| {
        if let Some(planned) = p.as_ref().and_then(|p| p.get(row)) {
            for problem in planned.problems() {
                let column = problem.field.and_then(|f| mapping.column_of(f));
                if let Some(text) = column.and_then(|c| by_column.get_mut(c)) {
                    if !text.is_empty() {
                        text.push_str("; ");
                    }
                    // The key words (issue 27); the value is in the field itself.
                    text.push_str(roster_core::input::validate::what_is_wrong(
                        &problem.message,
                    ));
                }
            }
        }
    });
    by_column
}

#[component]
pub fn RowEditor(
    plan: PlanState,
    /// The row in the editor (`None` closes it).
    editing: RwSignal<Option<usize>>,
    target: RwSignal<TargetKind>,
    row: usize,
    keys: Keys,
    /// Where a row is in the table's order, if it is listed.
    position: Callback<usize, Option<usize>>,
    /// A cell's value, by row and column.
    cell: Callback<(usize, usize), String>,
    /// Edits a cell, by row and column.
    edit: Callback<(usize, usize, String)>,
) -> impl IntoView {
    // Closing the editor gives the focus back to the row's Edit button.
    let close = move || {
        editing.set(None);
        focus_row(keys, position.run(row), EDIT);
    };
    // Opening it takes the focus to its first field with a problem, else its first.
    let form = NodeRef::<html::Form>::new();
    Effect::new(move |_| {
        let first = form.get().and_then(|f| {
            f.query_selector("input[aria-invalid=\"true\"]")
                .ok()
                .flatten()
                .or_else(|| f.query_selector("input").ok().flatten())
        });
        if let Some(input) = first.and_then(|i| i.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = input.focus();
        }
    });
    let columns = plan.columns.get_untracked();
    let mapping = plan.mapping.get_untracked();
    let specs = target.with_untracked(|k| k.field_specs());
    let secrets: Vec<bool> = (0..columns.len())
        .map(|c| {
            mapping
                .columns
                .get(c)
                .copied()
                .flatten()
                .is_some_and(|f| mapping.is_secret(f) || is_secret_in(&specs, f))
        })
        .collect();
    let originals: Vec<String> = (0..columns.len())
        .map(|c| {
            if secrets[c] {
                String::new()
            } else {
                cell.run((row, c))
            }
        })
        .collect();
    let bad = problems_by_column(plan, row, columns.len());
    let drafts: Vec<RwSignal<String>> = originals.iter().cloned().map(RwSignal::new).collect();
    let problems = move || {
        plan.rows.with(|p| {
            p.as_ref()
                .and_then(|p| p.get(row))
                .map(|r| {
                    // The table's words, whole (issue 27): the same shape, not cut.
                    let problems = plan.sheet.with_value(|sh| match sh {
                        Some(sh) => {
                            roster_core::input::invalid::explain(&sh.table, &sh.mapping, row, r)
                        }
                        None => r.problems_text(),
                    });
                    r.message_with_notes(&problems)
                })
                .unwrap_or_default()
        })
    };
    let save = {
        let drafts = drafts.clone();
        let secrets = secrets.clone();
        move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            for (c, draft) in drafts.iter().enumerate() {
                let value = draft.get_untracked();
                let changed = if secrets[c] {
                    !value.is_empty()
                } else {
                    value != originals[c]
                };
                if changed {
                    edit.run((row, c, value));
                }
            }
            close();
        }
    };
    let line = plan.rows.with_untracked(|p| {
        p.as_ref()
            .and_then(|p| p.get(row))
            .map_or(row as u64 + 1, |r| u64::from(r.line))
    });
    let title = format!("Edit line {line}");
    view! {
        <form
            class="row-editor"
            aria-label=title.clone()
            autocomplete="off"
            node_ref=form
            on:submit=save
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    close();
                }
            }
        >
            <h3>{title.clone()}</h3>
            <p class="hint">{problems}</p>
            <div class="fields">
                {columns
                    .into_iter()
                    .enumerate()
                    .map(|(c, name)| {
                        let id = format!("edit-col-{c}");
                        let note_id = format!("edit-col-{c}-problem");
                        let draft = drafts[c];
                        let secret = secrets[c];
                        let problem = bad[c].clone();
                        let invalid = !problem.is_empty();
                        view! {
                            <label for=id.clone() class:bad=invalid>{name}</label>
                            <input
                                id=id
                                class:bad=invalid
                                aria-invalid=invalid.then_some("true")
                                aria-describedby=invalid.then(|| note_id.clone())
                                type=if secret { "password" } else { "text" }
                                autocomplete=if secret { "new-password" } else { "off" }
                                spellcheck="false"
                                placeholder=if secret { "unchanged (type to replace)" } else { "" }
                                prop:value=move || draft.get()
                                on:input=move |ev| draft.set(event_target_value(&ev))
                            />
                            {invalid.then(|| view! { <p class="field-problem" id=note_id>{problem}</p> })}
                        }
                    })
                    .collect_view()}
            </div>
            <div class="actions">
                <button type="submit" class="primary">"Save row"</button>
                <button type="button" on:click=move |_| close()>"Discard changes"</button>
            </div>
        </form>
    }
}
