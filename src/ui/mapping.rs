//! The column mapping (one select per column, named by the column's header or
//! "Column N", with a note under it when another column competes for its field, or a
//! question when a password or another guarded field was taken from its values alone), the
//! values of fixed-value columns (a select per distinct word: `user` → 2 Normal user), the
//! checks and defaults that apply to every row, and the template.

use std::cell::RefCell;

use leptos::prelude::*;
use roster_core::input::map::{Field, FieldSpec, Guess, Mapping, GUARDED};
use roster_core::input::read::Table;
use roster_core::input::values::{found_values, meaning, FoundValues};

use roster_core::targets::TargetKind;

use super::sheet::model::{FileState, PlanState};
use crate::glue::download;

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
pub fn open_guesses<T>(plan: PlanState, then: impl FnOnce(&Table, &[Guess]) -> T) -> Option<T> {
    let mapping = plan.mapping.get_untracked();
    plan.sheet.with_value(|sheet| {
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
fn close_calls(
    file: FileState,
    plan: PlanState,
    active: RwSignal<bool>,
) -> Memo<Vec<(usize, String)>> {
    Memo::new(move |_| {
        file.detected.track();
        // A guess confirmed when Start asked is no question once the run starts.
        active.track();
        let mapping = plan.mapping.get();
        let guesses = open_guesses(plan, |table, guesses| {
            guesses
                .iter()
                .map(|g| (g.column, g.note(table)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
        plan.sheet.with_value(|sheet| {
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
    fields: Signal<Vec<FieldSpec>>,
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
        let mut fields: Vec<FieldSpec> = fields.get();
        if let Some(f) = current().filter(|f| !fields.iter().any(|s| s.field == *f)) {
            fields.push(FieldSpec::builtin(f));
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
                    .map(|spec| {
                        let f = spec.field;
                        view! {
                            <option value=f.label().to_owned() prop:selected=move || current() == Some(f)>
                                {spec.choice_label()}
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

/// The distinct words of each mapped fixed-value column (see `found_values`), counted
/// again when the file, its rows, the target or the columns change, in a task of its own:
/// not in the one that shows a new file's rows or an edit (a million cells take about
/// 25 ms). The admin's value choices are left out here (each select reads them), and an
/// unchanged count is not set again, so that choosing keeps the select and its focus.
fn found(
    file: FileState,
    plan: PlanState,
    target: RwSignal<TargetKind>,
) -> ReadSignal<Vec<FoundValues>> {
    let (found, set_found) = signal(Vec::new());
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        file.detected.track();
        plan.tally.track();
        plan.mapping.track();
        target.track();
        let ask = asked.get_value().wrapping_add(1);
        asked.set_value(ask);
        leptos::task::spawn_local(async move {
            crate::glue::file::yield_now().await;
            // A newer change asked again meanwhile, or the panel is gone.
            if asked.try_get_value() != Some(ask) {
                return;
            }
            let mapping = plan.mapping.with_untracked(|m| Mapping {
                columns: m.columns.clone(),
                ..Mapping::default()
            });
            let specs = target.with_untracked(|k| k.field_specs());
            let values = plan.sheet.with_value(|sheet| {
                sheet.as_ref().map_or_else(Vec::new, |sheet| {
                    found_values(&sheet.table, &mapping, &specs)
                })
            });
            if found.try_with_untracked(|f| *f != values) == Some(true) {
                set_found.try_set(values);
            }
        });
    });
    found
}

/// One column's words, a select each: the field's values, by value and label. A word
/// Roster knows is on its value already; the admin's choice is remembered.
#[component]
fn ValueSelects(
    found: FoundValues,
    column_name: String,
    mapping: RwSignal<Mapping>,
    locked: Signal<bool>,
    set: Callback<(Field, String, Option<String>)>,
) -> impl IntoView {
    let title = found.spec.title().to_owned();
    let spec = found.spec.clone();
    let field = found.field;
    let more = found.more.then(|| {
        view! {
            <p class="hint">
                {format!("Only the first {} words are listed.", roster_core::input::values::MAX_WORDS)}
            </p>
        }
    });
    let selects = found
        .words
        .into_iter()
        .enumerate()
        .map(|(i, word)| {
            let id = format!("value-{}-{i}", found.column);
            let rows = if word.rows == 1 {
                "1 row".to_owned()
            } else {
                format!("{} rows", word.rows)
            };
            let label = format!("{title}: {} ({rows})", word.word);
            let spec = spec.clone();
            let w = word.word.clone();
            let current = move || {
                mapping.with(|m| meaning(m, &spec, &w).value().map(str::to_owned))
            };
            let options = found
                .spec
                .values
                .iter()
                .map(|v| {
                    let value = v.value.clone();
                    let current = current.clone();
                    let is = value.clone();
                    view! {
                        <option value=value prop:selected=move || current().as_deref() == Some(is.as_str())>
                            {v.choice()}
                        </option>
                    }
                })
                .collect_view();
            let none = current.clone();
            let w = word.word.clone();
            view! {
                <label for=id.clone()>{label}</label>
                <select
                    id=id
                    disabled=move || locked.get()
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        set.run((field, w.clone(), (!value.is_empty()).then_some(value)));
                    }
                >
                    <option value="" prop:selected=move || none().is_none()>"(not known: its rows are invalid)"</option>
                    {options}
                </select>
            }
        })
        .collect_view();
    view! {
        <p class="values-of">{format!("{title}, column {column_name}:")}</p>
        <div class="fields">{selects}</div>
        {more}
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
            // As it is typed (issue 27): a minimum password length flags the short
            // passwords at once, not when the field is left.
            on:input=move |ev| {
                value.set(event_target_value(&ev));
                changed.run(());
            }
        />
    }
}

/// The columns the chosen target does not take, named with it (issue 27): Aurora never
/// sends a name, so a name column is not imported. Said in the target step, beside the
/// target it is about, never in the file step before a target is chosen.
pub fn not_imported(plan: PlanState, target: RwSignal<TargetKind>) -> Signal<Option<String>> {
    Signal::derive(move || {
        plan.tally.track();
        let names = plan.mapping.with(|m| {
            plan.sheet.with_value(|sh| {
                sh.as_ref()
                    .map_or_else(Vec::new, |sh| m.not_imported(&sh.table))
            })
        });
        (!names.is_empty()).then(|| {
            roster_core::input::summary::not_imported(
                target.with(|k| k.name().to_owned()).as_str(),
                &names,
            )
        })
    })
}

#[component]
pub fn MappingPanel(
    file: FileState,
    plan: PlanState,
    /// A run is going.
    active: RwSignal<bool>,
    target: RwSignal<TargetKind>,
    /// Maps a column to a field (or to none).
    set_mapping: Callback<(usize, Option<Field>)>,
    /// Plans the rows again (a check's setting changed).
    replan: Callback<()>,
    /// Maps a word of a column with fixed values: (field, word, value).
    set_value: Callback<(Field, String, Option<String>)>,
) -> impl IntoView {
    let loaded = move || file.detected.get().is_some();
    let close_calls = close_calls(file, plan, active);
    let active = Signal::from(active);
    let mapping_locked = Signal::derive(move || active.get() || file.busy.get().is_some());
    let fields = Signal::derive(move || target.with(|k| k.field_specs()));
    let map_column = set_mapping;
    let set_mapping = Callback::new(move |(index, field): (usize, Option<Field>)| {
        // A guarded field the admin picks for a column is the admin's own say.
        if let Some(field) = field.filter(|f| GUARDED.contains(f)) {
            plan.sheet.with_value(|sheet| {
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
        map_column.run((index, field))
    });
    let found = found(file, plan, target);
    let save_template = move |_| {
        let kind = target.get_untracked();
        if let Err(message) = download::save_text(
            &kind.template_file_name(),
            "text/csv;charset=utf-8",
            &kind.template(),
        ) {
            file.error.set(Some(message.to_string()));
        }
    };
    view! {
        <Show when=loaded>
            <fieldset class="mapping">
                <legend>"Columns"</legend>
                <p class="hint">
                    "Which field each column feeds. Remembered in this browser for the next file with the same header (the column names, and the words of a fixed-value column you map under Values; never another value)."
                </p>
                <div class="fields">
                    {move || {
                        // Roster's own column of a rows-to-retry file feeds no field.
                        let own = plan.sheet.with_value(|sh| {
                            sh.as_ref().and_then(|sh| roster_core::run::retry::steps_column(&sh.table))
                        });
                        plan.columns
                            .get()
                            .into_iter()
                            .enumerate()
                            .filter(move |(index, _)| Some(*index) != own)
                            .map(|(index, name)| {
                                view! {
                                    <ColumnSelect
                                        index=index
                                        name=name
                                        mapping=plan.mapping
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
        <Show when=move || found.with(|f| !f.is_empty())>
            <fieldset class="values">
                <legend>"Values"</legend>
                <p class="hint">
                    "What each word of a column with fixed values is sent as. Words Roster knows (in English, German, French, Spanish, Italian, Portuguese or Dutch) are chosen already; your choices are remembered in this browser with the columns."
                </p>
                {move || {
                    let columns = plan.columns.get();
                    found
                        .get()
                        .into_iter()
                        .map(|f| {
                            let name = columns.get(f.column).cloned().unwrap_or_default();
                            view! {
                                <ValueSelects
                                    found=f
                                    column_name=name
                                    mapping=plan.mapping
                                    locked=mapping_locked
                                    set=set_value
                                />
                            }
                        })
                        .collect_view()
                }}
            </fieldset>
        </Show>
        <fieldset class="checks">
            <legend>"Checks"</legend>
            <div class="fields">
                <NumberSetting
                    locked=active
                    changed=replan
                    id="min-password"
                    label="Minimum password length"
                    value=plan.min_password
                    hint="no minimum"
                />
            </div>
            <Show when=move || plan.settings_error.get().is_some()>
                <p class="error" role="alert">{move || plan.settings_error.get()}</p>
            </Show>
            <p class="hint">
                "A target's defaults (under 2. Target) fill rows whose column is missing or empty. "
                <button type="button" on:click=save_template>"Download template"</button>
                {move || format!(" gives a CSV with the header {} expects, a note per column and an example row to replace.", target.with(|k| k.name().to_owned()))}
            </p>
        </fieldset>
    }
}
