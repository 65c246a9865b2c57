//! Step 4: the rows, with their live status. Only the rows in view are rendered (see
//! `sheet`: a fixed set of slots, one signal each, over the plan); rows have a fixed
//! height, so the scroll position says which rows are in view. Before the import the
//! user fixes rows here: edit an address in its cell or a row in the editor, exclude a
//! row, show only rows with problems, and act on every listed row at once (`bulk`).

use leptos::prelude::*;

use roster_core::input::plan::Tally;
use roster_core::State;

use super::cell::{edit_cell, Cell, Cells};
use super::row_keys::{on_row_key, Keys, EDIT, EXCLUDE, SELECT};
use super::sheet::{self, Selection, SlotView, TableView};
use super::state::AppState;

/// Slot `k` of the window: it shows the row at list position `first + k`, and tells
/// assistive technology where that row sits in the whole list (`aria-rowindex`).
fn slot_row(t: Table, keys: Keys, k: usize, slot: RwSignal<Option<SlotView>>) -> impl IntoView {
    let present = Memo::new(move |_| slot.with(Option::is_some));
    let get =
        move |f: fn(&SlotView) -> String| slot.with(|s| s.as_ref().map(f).unwrap_or_default());
    // One numbering everywhere: the input line the row starts on (as in the reports).
    let number = move || slot.with(|s| s.as_ref().map_or(0, |s| s.line));
    let locked = move || t.cells.active.get();
    view! {
        <Show when=move || present.get()>
            <tr aria-rowindex=move || (t.view.first.get() + k + 2).to_string() class=move || {
                get(|s| {
                    format!(
                        "status-{}{}{}",
                        s.status.word(),
                        if s.excluded { " excluded" } else { "" },
                        if s.warned { " warned" } else { "" },
                    )
                })
            }>
                <td class="num line">{move || number().to_string()}</td>
                <td class="fix">
                    <input
                        type="checkbox"
                        data-control=SELECT
                        tabindex=move || keys.tab_index(k, SELECT)
                        on:focus=move |_| keys.focused(k, SELECT)
                        on:keydown=move |ev| on_row_key(keys, k, SELECT, ev)
                        aria-label=move || format!("Select line {}", number())
                        disabled=locked
                        prop:checked=move || {
                            let i = slot.with(|s| s.as_ref().map(|s| s.index));
                            i.is_some_and(|i| t.selection.selected.with(|set| set.contains(&i)))
                        }
                        on:change=move |ev| {
                            if let Some(i) = slot.with_untracked(|s| s.as_ref().map(|s| s.index)) {
                                let on = event_target_checked(&ev);
                                t.selection.selected.update(|set| {
                                    if on {
                                        set.insert(i);
                                    } else {
                                        set.remove(&i);
                                    }
                                });
                            }
                        }
                    />
                </td>
                {edit_cell(t.cells, keys, k, slot, Cell::Email)}
                // The status right after the address: a phone shows both at once (issue 27).
                <td class="status">
                    <span class="badge">{move || get(|s| State::of(s.status, s.excluded).word().into())}</span>
                </td>
                {edit_cell(t.cells, keys, k, slot, Cell::Password)}
                // Two lines in the fixed row height; the whole text over the rows below
                // while the pointer is on it or the row holds the focus, in its title and
                // in the row editor.
                <td class="message" title=move || get(|s| s.message.clone())>
                    <div class="clamp">{move || get(|s| s.message.clone())}</div>
                </td>
                <td class="num">{move || get(|s| s.target_id.clone())}</td>
                <td class="fix">
                    <input
                        type="checkbox"
                        data-control=EXCLUDE
                        tabindex=move || keys.tab_index(k, EXCLUDE)
                        on:focus=move |_| keys.focused(k, EXCLUDE)
                        on:keydown=move |ev| on_row_key(keys, k, EXCLUDE, ev)
                        aria-label=move || format!("Exclude line {}", number())
                        disabled=locked
                        prop:checked=move || slot.with(|s| s.as_ref().is_some_and(|s| s.excluded))
                        on:change=move |ev| {
                            if let Some(i) = slot.with_untracked(|s| s.as_ref().map(|s| s.index)) {
                                t.exclude.run((i, event_target_checked(&ev)));
                            }
                        }
                    />
                </td>
                <td class="fix">
                    <button
                        type="button"
                        class="small"
                        data-control=EDIT
                        tabindex=move || keys.tab_index(k, EDIT)
                        on:focus=move |_| keys.focused(k, EDIT)
                        on:keydown=move |ev| on_row_key(keys, k, EDIT, ev)
                        aria-label=move || format!("Edit line {}", number())
                        disabled=locked
                        on:click=move |_| {
                            if let Some(i) = slot.with_untracked(|s| s.as_ref().map(|s| s.index)) {
                                t.selection.editing.set(Some(i));
                            }
                        }
                    >
                        "Edit"
                    </button>
                </td>
            </tr>
        </Show>
    }
}

/// What the rows table reads, and what it asks of the page.
#[derive(Clone, Copy)]
pub struct Table {
    pub view: TableView,
    pub selection: Selection,
    pub cells: Cells,
    /// Excludes a row, or takes it back: (row, excluded).
    pub exclude: Callback<(usize, bool)>,
    /// "Only rows with problems or warnings".
    pub only_problems: Callback<bool>,
    /// "Show status".
    pub status_filter: Callback<Option<State>>,
}

impl Table {
    pub fn of(state: AppState) -> Table {
        Table {
            view: state.view,
            selection: state.selection,
            cells: Cells {
                mapping: state.plan.mapping,
                editing: state.selection.cell_editing,
                active: state.run.active.into(),
                edit: Callback::new(move |(row, column, value): (usize, usize, String)| {
                    sheet::edit(state, row, column, &value)
                }),
            },
            exclude: Callback::new(move |(i, on)| sheet::set_excluded(state, i, on)),
            only_problems: Callback::new(move |on| sheet::set_only_problems(state, on)),
            status_filter: Callback::new(move |status| sheet::set_status_filter(state, status)),
        }
    }
}

/// The keyboard's way through the table (`row_keys`), scrolling the page's window.
pub fn keys(state: AppState) -> Keys {
    Keys::new(
        state.view,
        Callback::new(move |(top, viewport)| sheet::scroll_to(state, top, viewport)),
    )
}

/// The check's findings (unregistered domains) show on the rows: refresh them when a
/// check ends or the server changes. The problems filter lists the warned rows too, so
/// it is worked out again.
pub fn follow_check(state: AppState) {
    Effect::new(move |_| {
        state.findings.check.track();
        state.form.server_url.track();
        if state.view.only_problems.get_untracked() {
            sheet::refilter(state);
        } else {
            sheet::refresh_slots(state);
        }
    });
}

/// Step 4. `editor` shows the row editor when a row is being edited; `children` is the
/// bar that acts on the listed or selected rows.
#[component]
pub fn RowsTable(
    table: Table,
    keys: Keys,
    has_rows: Signal<bool>,
    tally: Signal<Tally>,
    editor: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    let t = table;
    let s = t.view;
    let editor = StoredValue::new(editor);
    let wrap = keys.wrap;
    let on_scroll = move |_| {
        if let Some(el) = wrap.get_untracked() {
            keys.scroll
                .run((el.scroll_top() as f64, el.client_height() as f64));
        }
    };
    let top_space = move || format!("{}px", super::fixed(s.top_px.get(), 3));
    let bottom_space = move || {
        let rest = sheet::bottom_px(s.listed.get(), s.first.get(), s.top_px.get());
        format!("{}px", super::fixed(rest, 3))
    };
    // The same words as the file summary and the table (issue 27).
    let counts = move || tally.get().parts().join(" · ");
    view! {
        <section class="step" aria-labelledby="step-rows">
            <h2 id="step-rows">"2. Rows"</h2>
            <Show
                when=move || has_rows.get()
                fallback=|| view! { <p class="hint">"The file's rows appear here once it is loaded."</p> }
            >
                <div class="rows-bar">
                    <p class="counts">{counts}</p>
                    <label class="check">
                        <input
                            type="checkbox"
                            prop:checked=move || s.only_problems.get()
                            on:change=move |ev| {
                                t.only_problems.run(event_target_checked(&ev));
                                if let Some(el) = wrap.get_untracked() {
                                    el.set_scroll_top(0);
                                }
                            }
                        />
                        "Only rows with problems or warnings"
                    </label>
                    <label class="check" for="status-filter">"Show status"</label>
                    <select
                        id="status-filter"
                        prop:value=move || s.status_filter.get().map_or("all", State::word)
                        on:change=move |ev| {
                            let status = sheet::status_named(&event_target_value(&ev));
                            t.status_filter.run(status);
                            if let Some(el) = wrap.get_untracked() {
                                el.set_scroll_top(0);
                            }
                        }
                    >
                        <option value="all">"all"</option>
                        {sheet::status_choices()
                            .map(|st| view! { <option value=st.word()>{st.word()}</option> })
                            .collect_view()}
                    </select>
                </div>
                {children()}
                {move || editor.with_value(ViewFn::run)}
                // A tab stop only while every row's control is disabled (mid-run), so the
                // keyboard can still scroll it; otherwise the table's one tab stop is a
                // row's control (the roving tabindex, issue 27).
                <div
                    class="table-wrap windowed"
                    role="region"
                    aria-label="Rows table"
                    aria-describedby="rows-keys"
                    tabindex=move || if t.cells.active.get() || s.listed.get() == 0 { "0" } else { "-1" }
                    node_ref=wrap
                    on:scroll=on_scroll
                >
                    <div class="spacer" style:height=top_space></div>
                    <table
                        aria-label="Rows"
                        class="rows"
                        aria-rowcount=move || (s.listed.get() + 1).to_string()
                    >
                        <colgroup>
                            <col class="c-line" />
                            <col class="c-select" />
                            <col class="c-email" />
                            <col class="c-status" />
                            <col class="c-password" />
                            <col class="c-message" />
                            <col class="c-id" />
                            <col class="c-fix" />
                            <col class="c-fix" />
                        </colgroup>
                        <thead>
                            <tr aria-rowindex="1">
                                <th scope="col">"Line"</th>
                                <th scope="col">"Select"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Password"</th>
                                <th scope="col">"Message"</th>
                                <th scope="col">"Target ID"</th>
                                <th scope="col">"Exclude"</th>
                                <th scope="col">"Edit"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {s.slots.into_iter().enumerate().map(|(k, slot)| slot_row(t, keys, k, slot)).collect_view()}
                        </tbody>
                    </table>
                    <div class="spacer" style:height=bottom_space></div>
                </div>
                // Help for touch first (issue 27); the keys for a keyboard after it, left
                // out on a touch screen.
                <p class="hint" id="rows-keys">
                    "Tap or click an address or a password to change it in place; Edit opens the whole row. "
                    <span class="keys-help">
                        "With a keyboard: ↑ and ↓ move between rows (Page Up, Page Down, Home and End too); ← and → between Select, the address, the password, Exclude and Edit. Enter or F2 edits in place; Enter saves, Esc cancels."
                    </span>
                </p>
                <Show when=move || s.listed.get() == 0>
                    <p class="hint">"No row has a problem or a warning."</p>
                </Show>
            </Show>
        </section>
    }
}
