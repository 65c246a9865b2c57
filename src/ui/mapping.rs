//! The column mapping (one select per column, named by the column's header or
//! "Column N", with a note under it when another column competes for its field, or a
//! question when a password or another guarded field was taken from its values alone), the
//! checks and defaults that apply to every row, and the template.

use std::cell::RefCell;

use leptos::prelude::*;
use roster_core::input::map::{Field, Guess, Mapping, GUARDED};
use roster_core::input::read::Table;

use super::sheet;
use super::state::AppState;
use crate::glue::download;

/// The field's name in the mapping's options.
fn field_label(f: Field) -> &'static str {
    match f {
        Field::Email => "Email",
        Field::Password => "Password",
        Field::Name => "Name",
        Field::FirstName => "First name (joined into name)",
        Field::LastName => "Last name (joined into name)",
        Field::Role => "Role",
        Field::QuotaMb => "Quota (MB, or with a unit: 2 GB)",
        Field::TenantId => "Tenant ID",
        Field::PackageId => "Package ID",
        Field::Timezone => "Timezone",
        Field::LoginIps => "Login IPs",
        Field::Username => "Username",
    }
}

thread_local! {
    /// The guarded columns the admin has confirmed in this tab (chosen in a select, or
    /// answered yes when Start asked), by the file's memory key (column names or count).
    static CONFIRMED: RefCell<Vec<(String, Guess)>> = const { RefCell::new(Vec::new()) };
}

/// Records that the admin confirmed `guesses` for `table`.
pub fn confirm(table: &Table, guesses: &[Guess]) {
    let key = Mapping::memory_key(table);
    CONFIRMED.with_borrow_mut(|all| {
        for g in guesses {
            if !all.iter().any(|(k, c)| *k == key && c == g) {
                all.push((key.clone(), *g));
            }
        }
    });
}

/// The current mapping's guesses the admin has not confirmed (see
/// `Mapping::open_guesses`), with the table.
pub fn open_guesses<T>(state: AppState, then: impl FnOnce(&Table, &[Guess]) -> T) -> Option<T> {
    let mapping = state.sheet.mapping.get_untracked();
    state.sheet.sheet.with_value(|sheet| {
        let table = &sheet.as_ref()?.table;
        let key = Mapping::memory_key(table);
        let confirmed: Vec<Guess> = CONFIRMED.with_borrow(|all| {
            all.iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, g)| *g)
                .collect()
        });
        Some(then(table, &mapping.open_guesses(table, &confirmed)))
    })
}

/// The close calls of the current mapping (see `Mapping::competitions`) and its guesses
/// (a password, role, quota, tenant or package column chosen from its values alone, see
/// `Mapping::guesses`: asked as a question), as (the column, the sentence). Recomputed
/// when the file or the mapping changes.
fn close_calls(state: AppState) -> Memo<Vec<(usize, String)>> {
    let s = state.sheet;
    Memo::new(move |_| {
        s.detected.track();
        // A guess confirmed when Start asked is no question once the run starts.
        state.run.active.track();
        let mapping = s.mapping.get();
        let guesses = open_guesses(state, |table, guesses| {
            guesses
                .iter()
                .map(|g| (g.column, g.note(table)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
        s.sheet.with_value(|sheet| {
            sheet.as_ref().map_or_else(Vec::new, |sheet| {
                let table = &sheet.table;
                guesses
                    .into_iter()
                    .chain(
                        mapping
                            .competitions(table)
                            .iter()
                            .map(|c| (c.chosen, c.message(table))),
                    )
                    .chain(mapping.name_source(table))
                    .collect()
            })
        })
    })
}

/// The field column `index` feeds: the target's fields (and the current one, if the
/// target has no such field); `set` maps the column.
#[component]
fn ColumnSelect(
    index: usize,
    name: String,
    mapping: RwSignal<Mapping>,
    fields: Signal<Vec<Field>>,
    locked: Signal<bool>,
    close_calls: Memo<Vec<(usize, String)>>,
    set: Callback<(usize, Option<Field>)>,
) -> impl IntoView {
    let id = format!("map-col-{index}");
    let note_id = format!("map-col-{index}-note");
    // This column's close calls, one sentence each, in one line.
    let notes = move || {
        close_calls.with(|all| {
            all.iter()
                .filter(|(column, _)| *column == index)
                .map(|(_, text)| text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let current = move || mapping.with(|m| m.columns.get(index).copied().flatten());
    let options = move || {
        let mut fields: Vec<Field> = fields.get();
        if let Some(f) = current().filter(|f| !fields.contains(f)) {
            fields.push(f);
        }
        fields
    };
    view! {
        <label for=id.clone()>{name}</label>
        <select
            id=id
            aria-describedby=note_id.clone()
            disabled=move || locked.get()
            on:change=move |ev| set.run((index, Field::from_label(&event_target_value(&ev))))
        >
            <option value="" prop:selected=move || current().is_none()>"(not imported)"</option>
            {move || {
                options()
                    .into_iter()
                    .map(|f| {
                        view! {
                            <option value=f.label() prop:selected=move || current() == Some(f)>
                                {field_label(f)}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </select>
        // Always there (empty and hidden without a close call), so the select's
        // description never points at a missing element.
        <p class="map-note" id=note_id role="note" hidden=move || notes().is_empty()>
            {notes}
        </p>
    }
}

/// A number the rows are checked with; `changed` checks them again.
#[component]
fn NumberSetting(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    hint: &'static str,
    locked: Signal<bool>,
    changed: Callback<()>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            type="number"
            min="0"
            step="1"
            placeholder=hint
            disabled=move || locked.get()
            prop:value=move || value.get()
            on:change=move |ev| {
                value.set(event_target_value(&ev));
                changed.run(());
            }
        />
    }
}

#[component]
pub fn MappingPanel(state: AppState) -> impl IntoView {
    let s = state.sheet;
    let loaded = move || s.detected.get().is_some();
    let close_calls = close_calls(state);
    let active = Signal::from(state.run.active);
    let mapping_locked = Signal::derive(move || active.get() || s.busy.get().is_some());
    let fields = Signal::derive(move || state.form.target.with(|k| k.fields()));
    let set_mapping = Callback::new(move |(index, field): (usize, Option<Field>)| {
        // A guarded field the admin picks for a column is the admin's own say.
        if let Some(field) = field.filter(|f| GUARDED.contains(f)) {
            s.sheet.with_value(|sheet| {
                if let Some(sheet) = sheet {
                    confirm(
                        &sheet.table,
                        &[Guess {
                            field,
                            column: index,
                        }],
                    );
                }
            });
        }
        sheet::set_mapping(state, index, field)
    });
    let replan = Callback::new(move |()| sheet::replan(state));
    let save_template = move |_| {
        let kind = state.form.target.get_untracked();
        if let Err(message) = download::save_text(
            &kind.template_file_name(),
            "text/csv;charset=utf-8",
            &kind.template(),
        ) {
            state.file_error.set(Some(message));
        }
    };
    view! {
        <Show when=loaded>
            <fieldset class="mapping">
                <legend>"Columns"</legend>
                <p class="hint">
                    "Which field each column feeds. Remembered in this browser for the next file with the same header (the column names only, never a value)."
                </p>
                <div class="fields">
                    {move || {
                        s.columns
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(index, name)| {
                                view! {
                                    <ColumnSelect
                                        index=index
                                        name=name
                                        mapping=s.mapping
                                        fields=fields
                                        locked=mapping_locked
                                        close_calls=close_calls
                                        set=set_mapping
                                    />
                                }
                            })
                            .collect_view()
                    }}
                </div>
            </fieldset>
        </Show>
        <fieldset class="checks">
            <legend>"Checks and defaults"</legend>
            <div class="fields">
                <NumberSetting
                    locked=active
                    changed=replan
                    id="min-password"
                    label="Minimum password length"
                    value=s.min_password
                    hint="no minimum"
                />
            </div>
            <Show when=move || s.settings_error.get().is_some()>
                <p class="error" role="alert">{move || s.settings_error.get()}</p>
            </Show>
            <p class="hint">
                "Defaults fill rows whose column is missing or empty. "
                <button type="button" on:click=save_template>"Download template"</button>
                {move || format!(" gives a CSV with the header {} expects, a note per column and an example row to replace.", state.form.target.with(|k| k.name().to_owned()))}
            </p>
        </fieldset>
    }
}
