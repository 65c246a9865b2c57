//! The address cell of the rows table, editable in place as in a spreadsheet (issue 13):
//! a button showing the address (named "email, line N: address"); Enter, F2 or a click turns it
//! into a text field; Enter (or leaving the field) saves, Esc cancels. The row editor
//! stays for long values and the other columns.

use leptos::html;
use leptos::prelude::*;
use roster_core::input::map::Field;

use super::row_keys::{focus_row, on_row_key, Keys, CELL};
use super::sheet::{self, SlotView};
use super::state::AppState;

/// Saves the draft into row `row`'s address column (when it changed) and closes the cell.
fn commit(state: AppState, row: usize, original: &str, draft: &str) {
    state.sheet.cell_editing.set(None);
    let column = state
        .sheet
        .mapping
        .with_untracked(|m| m.column_of(Field::Email));
    if let Some(column) = column.filter(|_| draft.trim() != original) {
        sheet::edit(state, row, column, draft);
    }
}

/// The address cell of slot `k`.
pub fn email_cell(
    state: AppState,
    keys: Keys,
    k: usize,
    slot: RwSignal<Option<SlotView>>,
) -> impl IntoView {
    let s = state.sheet;
    let get =
        move |f: fn(&SlotView) -> String| slot.with(|s| s.as_ref().map(f).unwrap_or_default());
    let index = move || slot.with(|s| s.as_ref().map(|s| s.index));
    // The field's name: "email, line N"; the button's adds what it shows (its visible
    // text must be part of its name).
    let name = move || format!("email, line {}", get(|s| s.line.to_string()));
    let shown = move || {
        let email = get(|s| s.email.clone());
        if email.is_empty() {
            "(empty)".to_owned()
        } else {
            email
        }
    };
    let editing = Memo::new(move |_| index().is_some() && s.cell_editing.get() == index());
    // Only a file with an address column can be edited here.
    let editable = move || s.mapping.with(|m| m.column_of(Field::Email).is_some());
    let locked = move || state.active.get() || !editable();
    let draft = RwSignal::new(String::new());
    let input = NodeRef::<html::Input>::new();
    let open = move || {
        if let Some(i) = index().filter(|_| !locked()) {
            draft.set(get(|s| s.email.clone()));
            s.cell_editing.set(Some(i));
        }
    };
    // Opening takes the focus into the field, its text selected.
    Effect::new(move |_| {
        if editing.get() {
            if let Some(el) = input.get() {
                let _ = el.focus();
                el.select();
            }
        }
    });
    // Back to the cell's button (the row stays listed while it is edited).
    let back = move |row: usize| focus_row(state, keys, sheet::position(state, row), CELL);
    view! {
        <td class="email" title=move || get(|s| s.email.clone())>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <button
                            type="button"
                            class="cell"
                            data-control=CELL
                            aria-label=move || format!("{}: {}", name(), shown())
                            disabled=locked
                            on:click=move |_| open()
                            on:keydown=move |ev| {
                                if ev.key() == "F2" {
                                    ev.prevent_default();
                                    open();
                                } else {
                                    on_row_key(state, keys, k, CELL, ev);
                                }
                            }
                        >
                            {shown}
                        </button>
                    }
                }
            >
                <input
                    type="text"
                    class="cell-input"
                    node_ref=input
                    aria-label=name
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        let Some(row) = index() else { return };
                        match ev.key().as_str() {
                            "Enter" => {
                                ev.prevent_default();
                                commit(state, row, &get(|s| s.email.clone()), &draft.get_untracked());
                                back(row);
                            }
                            "Escape" => {
                                ev.prevent_default();
                                s.cell_editing.set(None);
                                back(row);
                            }
                            _ => {}
                        }
                    }
                    on:blur=move |_| {
                        // Leaving the field saves it, as a spreadsheet does (Enter and Esc
                        // have closed it already).
                        if let Some(row) = index().filter(|&i| s.cell_editing.get_untracked() == Some(i)) {
                            commit(state, row, &get(|s| s.email.clone()), &draft.get_untracked());
                        }
                    }
                />
            </Show>
        </td>
    }
}
