//! The editable cells of the rows table, as in a spreadsheet (issue 13): the address and
//! the password, the two input columns the table shows. Each is a button showing the
//! value (named "email, line N: address"); Enter, F2 or a click turns it into a text
//! field; Enter (or leaving the field) saves, Esc cancels. The row editor stays for long
//! values and the columns the table does not show.
//!
//! A password is never shown: its cell shows a fixed mask, its field opens empty (typed
//! as a password) and saves only when something was typed.

use leptos::html;
use leptos::prelude::*;
use roster_core::input::map::{Field, Mapping};

use super::row_keys::{focus_row, on_row_key, Keys, CELL, PASSWORD};
use super::sheet::SlotView;

/// Shown instead of a password: a fixed mask, so not even the length shows.
pub const MASK: &str = "••••••••";

/// Which cell: its field, and how it shows and saves.
#[derive(Clone, Copy, PartialEq)]
pub enum Cell {
    Email,
    Password,
}

impl Cell {
    fn field(self) -> Field {
        match self {
            Cell::Email => Field::Email,
            Cell::Password => Field::Password,
        }
    }

    /// Its `data-control`, for the keyboard (`row_keys`).
    fn control(self) -> &'static str {
        match self {
            Cell::Email => CELL,
            Cell::Password => PASSWORD,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Cell::Email => "email",
            Cell::Password => "password",
        }
    }

    /// What the cell shows for a row.
    fn shown(self, view: &SlotView) -> String {
        match self {
            Cell::Email if view.email.is_empty() => "(empty)".to_owned(),
            Cell::Email => view.email.clone(),
            Cell::Password if view.has_password => MASK.to_owned(),
            Cell::Password => "(none)".to_owned(),
        }
    }

    /// The text the field opens with: the address, or nothing for a password.
    fn draft(self, view: &SlotView) -> String {
        match self {
            Cell::Email => view.email.clone(),
            Cell::Password => String::new(),
        }
    }

    /// Whether the draft is a change worth saving.
    fn changed(self, view: &SlotView, draft: &str) -> bool {
        match self {
            Cell::Email => draft.trim() != view.email,
            Cell::Password => !draft.is_empty(),
        }
    }
}

/// What the editable cells read and ask of the page.
#[derive(Clone, Copy)]
pub struct Cells {
    /// Which column a cell's field is in (a field without one cannot be edited here).
    pub mapping: RwSignal<Mapping>,
    /// The row and cell being edited.
    pub editing: RwSignal<Option<(usize, &'static str)>>,
    /// A run is going: nothing is edited.
    pub active: Signal<bool>,
    /// Saves a value into a row's column: (row, column, value).
    pub edit: Callback<(usize, usize, String)>,
}

/// Saves the draft into row `row`'s column for `cell` (when it changed) and closes it.
fn commit(cells: Cells, cell: Cell, view: Option<SlotView>, draft: &str) {
    cells.editing.set(None);
    let Some(view) = view.filter(|v| cell.changed(v, draft)) else {
        return;
    };
    let column = cells.mapping.with_untracked(|m| m.column_of(cell.field()));
    if let Some(column) = column {
        cells.edit.run((view.index, column, draft.to_owned()));
    }
}

/// The `cell` of slot `k`.
pub fn edit_cell(
    cells: Cells,
    keys: Keys,
    k: usize,
    slot: RwSignal<Option<SlotView>>,
    cell: Cell,
) -> impl IntoView {
    let index = move || slot.with(|s| s.as_ref().map(|s| s.index));
    let line = move || slot.with(|s| s.as_ref().map_or(0, |s| s.line));
    // The field's name: "email, line N"; the button's adds what it shows (its visible
    // text must be part of its name).
    let name = move || format!("{}, line {}", cell.word(), line());
    let shown = move || slot.with(|s| s.as_ref().map(|v| cell.shown(v)).unwrap_or_default());
    let editing = Memo::new(move |_| {
        index().is_some() && cells.editing.get() == index().map(|i| (i, cell.control()))
    });
    // Only a file with a column for the field can be edited here.
    let editable = move || cells.mapping.with(|m| m.column_of(cell.field()).is_some());
    let locked = move || cells.active.get() || !editable();
    let draft = RwSignal::new(String::new());
    let input = NodeRef::<html::Input>::new();
    let open = move || {
        if let Some(i) = index().filter(|_| !locked()) {
            draft.set(
                slot.with_untracked(|s| s.as_ref().map(|v| cell.draft(v)).unwrap_or_default()),
            );
            cells.editing.set(Some((i, cell.control())));
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
    let back = move |row: usize| focus_row(keys, keys.view.position(row), cell.control());
    let save = move || {
        commit(cells, cell, slot.get_untracked(), &draft.get_untracked());
        // A typed password is not kept past its save.
        draft.update_untracked(String::clear);
    };
    let class = match cell {
        Cell::Email => "email",
        Cell::Password => "password",
    };
    view! {
        <td class=class title=move || if cell == Cell::Email { shown() } else { String::new() }>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <button
                            type="button"
                            class="cell"
                            data-control=cell.control()
                            tabindex=move || keys.tab_index(k, cell.control())
                            on:focus=move |_| keys.focused(k, cell.control())
                            aria-label=move || format!("{}: {}", name(), shown())
                            disabled=locked
                            on:click=move |_| open()
                            on:keydown=move |ev| {
                                if ev.key() == "F2" {
                                    ev.prevent_default();
                                    open();
                                } else {
                                    on_row_key(keys, k, cell.control(), ev);
                                }
                            }
                        >
                            {shown}
                        </button>
                    }
                }
            >
                <input
                    type=if cell == Cell::Password { "password" } else { "text" }
                    class="cell-input"
                    node_ref=input
                    aria-label=name
                    placeholder=if cell == Cell::Password { "new password" } else { "" }
                    spellcheck="false"
                    autocomplete=if cell == Cell::Password { "new-password" } else { "off" }
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        let Some(row) = index() else { return };
                        match ev.key().as_str() {
                            "Enter" => {
                                ev.prevent_default();
                                save();
                                back(row);
                            }
                            "Escape" => {
                                ev.prevent_default();
                                cells.editing.set(None);
                                back(row);
                            }
                            _ => {}
                        }
                    }
                    on:blur=move |_| {
                        // Leaving the field saves it, as a spreadsheet does (Enter and Esc
                        // have closed it already).
                        if editing.get_untracked() {
                            save();
                        }
                    }
                />
            </Show>
        </td>
    }
}

#[cfg(test)]
mod tests {
    use roster_core::Status;

    use super::*;

    fn row(email: &str, has_password: bool) -> SlotView {
        SlotView {
            index: 4,
            line: 6,
            email: email.to_owned(),
            has_password,
            excluded: false,
            status: Status::Pending,
            message: String::new(),
            warned: false,
            target_id: String::new(),
        }
    }

    #[test]
    fn an_address_shows_as_written_and_opens_with_itself() {
        let v = row("a@example.com", false);
        assert_eq!(Cell::Email.shown(&v), "a@example.com");
        assert_eq!(Cell::Email.draft(&v), "a@example.com");
        assert_eq!(Cell::Email.shown(&row("", false)), "(empty)");
    }

    #[test]
    fn a_password_never_shows_and_opens_empty() {
        let v = row("a@example.com", true);
        assert_eq!(Cell::Password.shown(&v), MASK);
        assert_eq!(Cell::Password.draft(&v), "");
        assert_eq!(Cell::Password.shown(&row("a@example.com", false)), "(none)");
    }

    #[test]
    fn only_a_real_change_is_saved() {
        let v = row("a@example.com", true);
        assert!(!Cell::Email.changed(&v, "a@example.com"));
        // Spaces around an address are not a change.
        assert!(!Cell::Email.changed(&v, "  a@example.com "));
        assert!(Cell::Email.changed(&v, "b@example.com"));
        assert!(Cell::Email.changed(&v, ""));
        // An empty password field keeps the password; anything typed replaces it, even
        // spaces.
        assert!(!Cell::Password.changed(&v, ""));
        assert!(Cell::Password.changed(&v, " "));
    }

    #[test]
    fn each_cell_names_its_control() {
        assert_eq!(Cell::Email.control(), CELL);
        assert_eq!(Cell::Password.control(), PASSWORD);
    }
}
