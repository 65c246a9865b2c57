//! Step 4: the rows, with their live status. Only the rows in view are rendered (see
//! `sheet`: a fixed set of slots, one signal each, over the plan); rows have a fixed
//! height, so the scroll position says which rows are in view. Before the import the
//! user fixes rows here: edit a row's cells, exclude a row, show only rows with problems.

use leptos::html;
use leptos::prelude::*;
use roster_core::input::map::Field;
use roster_core::Status;
use wasm_bindgen::JsCast;

use super::row_keys::{focus_row, on_row_key, Keys, EDIT, EXCLUDE};
use super::sheet::{self, SlotView, ROW_PX, SLOTS};
use super::state::AppState;

/// Shown instead of a password: a fixed mask, so not even the length shows.
const MASK: &str = "••••••••";

/// Slot `k` of the window: it shows the row at list position `first + k`, and tells
/// assistive technology where that row sits in the whole list (`aria-rowindex`).
fn slot_row(
    state: AppState,
    keys: Keys,
    k: usize,
    slot: RwSignal<Option<SlotView>>,
) -> impl IntoView {
    let present = Memo::new(move |_| slot.with(Option::is_some));
    let get =
        move |f: fn(&SlotView) -> String| slot.with(|s| s.as_ref().map(f).unwrap_or_default());
    let number = move || slot.with(|s| s.as_ref().map_or(0, |s| s.index + 1));
    let locked = move || state.active.get();
    view! {
        <Show when=move || present.get()>
            <tr aria-rowindex=move || (state.sheet.first.get() + k + 2).to_string() class=move || {
                get(|s| {
                    format!(
                        "status-{}{}",
                        s.status.word(),
                        if s.excluded { " excluded" } else { "" },
                    )
                })
            }>
                <td class="num">{move || number().to_string()}</td>
                <td class="num line">{move || get(|s| s.line.to_string())}</td>
                <td class="email" title=move || get(|s| s.email.clone())>{move || get(|s| s.email.clone())}</td>
                <td class="password">
                    {move || get(|s| if s.has_password { MASK.into() } else { "(none)".into() })}
                </td>
                <td class="status">
                    <span class="badge">{move || get(|s| s.status.word().into())}</span>
                </td>
                <td class="message" title=move || get(|s| s.message.clone())>{move || get(|s| s.message.clone())}</td>
                <td class="num">{move || get(|s| s.target_id.clone())}</td>
                <td class="fix">
                    <input
                        type="checkbox"
                        data-control=EXCLUDE
                        on:keydown=move |ev| on_row_key(state, keys, k, EXCLUDE, ev)
                        aria-label=move || format!("Exclude row {}", number())
                        disabled=locked
                        prop:checked=move || slot.with(|s| s.as_ref().is_some_and(|s| s.excluded))
                        on:change=move |ev| {
                            if let Some(i) = slot.with_untracked(|s| s.as_ref().map(|s| s.index)) {
                                sheet::set_excluded(state, i, event_target_checked(&ev));
                            }
                        }
                    />
                </td>
                <td class="fix">
                    <button
                        type="button"
                        class="small"
                        data-control=EDIT
                        on:keydown=move |ev| on_row_key(state, keys, k, EDIT, ev)
                        aria-label=move || format!("Edit row {}", number())
                        disabled=locked
                        on:click=move |_| {
                            if let Some(i) = slot.with_untracked(|s| s.as_ref().map(|s| s.index)) {
                                state.sheet.editing.set(Some(i));
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

/// The form that edits one row's cells. The password cell is never filled in: typing
/// one replaces it, leaving it empty keeps it.
#[component]
fn RowEditor(state: AppState, row: usize, keys: Keys) -> impl IntoView {
    let s = state.sheet;
    // Closing the editor gives the focus back to the row's Edit button.
    let close = move || {
        s.editing.set(None);
        focus_row(state, keys, sheet::position(state, row), EDIT);
    };
    // Opening it takes the focus to its first field.
    let form = NodeRef::<html::Form>::new();
    Effect::new(move |_| {
        let first = form
            .get()
            .and_then(|f| f.query_selector("input").ok().flatten());
        if let Some(input) = first.and_then(|i| i.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = input.focus();
        }
    });
    let columns = s.columns.get_untracked();
    let mapping = s.mapping.get_untracked();
    let secret: Vec<bool> = (0..columns.len())
        .map(|c| {
            mapping
                .columns
                .get(c)
                .copied()
                .flatten()
                .is_some_and(Field::is_secret)
        })
        .collect();
    let is_secret = move |c: usize| secret[c];
    let originals: Vec<String> = (0..columns.len())
        .map(|c| {
            if is_secret(c) {
                String::new()
            } else {
                sheet::cell(state, row, c)
            }
        })
        .collect();
    let secrets: Vec<bool> = (0..columns.len()).map(is_secret).collect();
    let drafts: Vec<RwSignal<String>> = originals.iter().cloned().map(RwSignal::new).collect();
    let problems = move || {
        state.plan.with(|p| {
            p.as_ref()
                .and_then(|p| p.get(row))
                .map(|r| r.problems_text())
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
                    sheet::edit(state, row, c, &value);
                }
            }
            close();
        }
    };
    let title = format!("Edit row {}", row + 1);
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
                        let draft = drafts[c];
                        let secret = secrets[c];
                        view! {
                            <label for=id.clone()>{name}</label>
                            <input
                                id=id
                                type=if secret { "password" } else { "text" }
                                autocomplete=if secret { "new-password" } else { "off" }
                                spellcheck="false"
                                placeholder=if secret { "unchanged (type to replace)" } else { "" }
                                prop:value=move || draft.get()
                                on:input=move |ev| draft.set(event_target_value(&ev))
                            />
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

#[component]
pub fn RowsTable(state: AppState) -> impl IntoView {
    let s = state.sheet;
    let wrap = NodeRef::<html::Div>::new();
    let keys = Keys {
        wrap,
        pending: StoredValue::new(None),
    };
    let has_rows = move || {
        state
            .plan
            .with(|p| p.as_ref().is_some_and(|p| !p.is_empty()))
    };
    let on_scroll = move |_| {
        if let Some(el) = wrap.get_untracked() {
            sheet::scroll_to(state, el.scroll_top() as f64, el.client_height() as f64);
        }
    };
    let top_space = move || format!("{}px", super::fixed(s.top_px.get(), 3));
    let bottom_space = move || {
        let listed = s.listed.get();
        let rendered = listed.saturating_sub(s.first.get()).min(SLOTS) as f64 * ROW_PX;
        let rest = sheet::scroll_height(listed) - s.top_px.get() - rendered;
        format!("{}px", super::fixed(rest.max(0.0), 3))
    };
    let counts = move || {
        let t = s.tally.get();
        format!(
            "{} valid · {} invalid · {} excluded",
            t.valid, t.invalid, t.excluded
        )
    };
    view! {
        <section class="step" aria-labelledby="step-rows">
            <h2 id="step-rows">"4. Rows"</h2>
            <Show
                when=has_rows
                fallback=|| view! { <p class="hint">"The file's rows appear here once it is loaded."</p> }
            >
                <div class="rows-bar">
                    <p class="counts">{counts}</p>
                    <label class="check">
                        <input
                            type="checkbox"
                            prop:checked=move || s.only_problems.get()
                            on:change=move |ev| {
                                sheet::set_only_problems(state, event_target_checked(&ev));
                                if let Some(el) = wrap.get_untracked() {
                                    el.set_scroll_top(0);
                                }
                            }
                        />
                        "Only rows with problems"
                    </label>
                    <label class="check" for="status-filter">"Show status"</label>
                    <select
                        id="status-filter"
                        prop:value=move || s.status_filter.get().map_or("all", |st| st.word())
                        on:change=move |ev| {
                            let word = event_target_value(&ev);
                            let status = [Status::Pending, Status::Sending]
                                .into_iter()
                                .chain(Status::FINAL)
                                .find(|st| st.word() == word);
                            sheet::set_status_filter(state, status);
                            if let Some(el) = wrap.get_untracked() {
                                el.set_scroll_top(0);
                            }
                        }
                    >
                        <option value="all">"all"</option>
                        {[Status::Pending, Status::Sending]
                            .into_iter()
                            .chain(Status::FINAL)
                            .map(|st| view! { <option value=st.word()>{st.word()}</option> })
                            .collect_view()}
                    </select>
                </div>
                {move || {
                    s.editing
                        .get()
                        .filter(|_| !state.active.get())
                        .map(|row| view! { <RowEditor state=state row=row keys=keys /> })
                }}
                // Focusable, so the keyboard can scroll it even when every row's control is
                // disabled (mid-run).
                <div
                    class="table-wrap windowed"
                    role="region"
                    aria-label="Rows table"
                    aria-describedby="rows-keys"
                    tabindex="0"
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
                            <col class="c-num" />
                            <col class="c-line" />
                            <col class="c-email" />
                            <col class="c-password" />
                            <col class="c-status" />
                            <col class="c-message" />
                            <col class="c-id" />
                            <col class="c-fix" />
                            <col class="c-fix" />
                        </colgroup>
                        <thead>
                            <tr aria-rowindex="1">
                                <th scope="col">"#"</th>
                                <th scope="col">"Line"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Password"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Message"</th>
                                <th scope="col">"Target ID"</th>
                                <th scope="col">"Exclude"</th>
                                <th scope="col">"Edit"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {s.slots.into_iter().enumerate().map(|(k, slot)| slot_row(state, keys, k, slot)).collect_view()}
                        </tbody>
                    </table>
                    <div class="spacer" style:height=bottom_space></div>
                </div>
                <p class="hint" id="rows-keys">
                    "In the table, ↑ and ↓ move between rows (Page Up, Page Down, Home and End too); ← and → between Exclude and Edit."
                </p>
                <Show when=move || s.listed.get() == 0>
                    <p class="hint">"No row has a problem."</p>
                </Show>
            </Show>
        </section>
    }
}
