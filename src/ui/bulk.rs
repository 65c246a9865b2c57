//! Fixing many rows at once (issue 13): actions on the rows the table lists (the
//! filters above it choose them): exclude every invalid row, keep the first of each
//! duplicate address, set one field to one value (on the rows ticked Select, if any),
//! download the invalid rows as CSV.

use leptos::prelude::*;
use roster_core::input::bulk;
use roster_core::input::map::{Field, FieldSpec};

use std::collections::BTreeSet;

use roster_core::targets::TargetKind;

use super::sheet::model::{FileState, PlanState};
use crate::glue::download;

/// The fields a bulk action may set: the target's, but the ones that name an account;
/// the password last (setting one for many rows is the rare case).
fn settable(target: RwSignal<TargetKind>) -> Vec<FieldSpec> {
    target.with(|k| bulk::settable(&k.field_specs()))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[component]
pub fn BulkBar(
    file: FileState,
    plan: PlanState,
    /// How many rows the table lists.
    listed: RwSignal<usize>,
    /// The rows ticked Select.
    selected: RwSignal<BTreeSet<usize>>,
    target: RwSignal<TargetKind>,
    /// A run is going.
    active: RwSignal<bool>,
    /// Excludes the listed invalid rows: how many.
    exclude_invalid: Callback<(), usize>,
    /// Excludes the listed rows whose address (or user name) appears earlier: how many.
    keep_first: Callback<(), usize>,
    /// Sets a field to a value on the selected (or listed) rows: on how many.
    set_field: Callback<(Field, String), usize>,
    /// The listed invalid rows as CSV, if there are any.
    invalid_csv: Callback<(), Option<String>>,
) -> impl IntoView {
    let note = RwSignal::new(String::new());
    // A new file (or a new reading of it) makes the last note stale.
    Effect::new(move |_| {
        file.detected.track();
        note.set(String::new());
    });
    let locked = move || active.get() || file.busy.get().is_some();
    let field = RwSignal::new(None::<Field>);
    let value = RwSignal::new(String::new());
    // The chosen field, if the target still has it (another target may not).
    let chosen = move || {
        let fields = settable(target);
        field
            .get()
            .and_then(|f| fields.iter().find(|s| s.field == f).cloned())
            .or_else(|| fields.first().cloned())
    };
    let listed = move || listed.get();
    let exclude_invalid = move |_| {
        let n = exclude_invalid.run(());
        note.set(match n {
            0 => "No listed row is invalid.".to_owned(),
            n => format!("Excluded {n} invalid row{}.", plural(n)),
        });
    };
    let keep_first = move |_| {
        let n = keep_first.run(());
        // For targets whose user names identify accounts, a user name counts too.
        let what = if plan
            .sheet
            .with_value(|sh| sh.as_ref().is_some_and(|sh| sh.rules.unique_usernames))
        {
            "address or user name"
        } else {
            "address"
        };
        note.set(match n {
            0 if what == "address" => "No duplicate addresses to exclude.".to_owned(),
            0 => "No duplicate addresses or user names to exclude.".to_owned(),
            1 => format!("Excluded 1 row whose {what} appears earlier in the file."),
            n => format!("Excluded {n} rows whose {what} appears earlier in the file."),
        });
    };
    let set_field = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Some(spec) = chosen() else { return };
        let f = spec.field;
        let v = value.get_untracked();
        let n = set_field.run((f, v.clone()));
        if spec.is_secret() {
            value.set(String::new());
            note.set(format!("Set {} on {n} row{}.", f.label(), plural(n)));
        } else {
            note.set(format!(
                "Set {} to \"{}\" on {n} row{}.",
                f.label(),
                v.trim(),
                plural(n)
            ));
        }
    };
    let download = move |_| match invalid_csv.run(()) {
        None => note.set("No listed row is invalid: nothing to download.".into()),
        Some(csv) => {
            let base = file.name.get_untracked().unwrap_or_else(|| "rows".into());
            let base = base
                .rsplit_once('.')
                .map_or(base.as_str(), |(b, _)| b)
                .to_owned();
            let name = format!("{base}-invalid-rows-{}.csv", download::timestamp());
            note.set(
                match download::save_text(&name, "text/csv;charset=utf-8", &csv) {
                    Ok(()) => format!("Downloaded the invalid rows as {name}."),
                    Err(e) => e.to_string(),
                },
            );
        }
    };
    view! {
        <div class="bulk" role="group" aria-labelledby="bulk-title">
            <p class="bulk-title" id="bulk-title">
                {move || format!("On the {} listed row{}:", listed(), plural(listed()))}
            </p>
            <button type="button" disabled=locked on:click=exclude_invalid>"Exclude all invalid"</button>
            <button type="button" disabled=locked on:click=keep_first>"Keep the first of each duplicate"</button>
            <button type="button" disabled=move || active.get() on:click=download>"Download invalid rows (CSV)"</button>
            <form class="bulk-set" aria-label="Set a field" on:submit=set_field>
                <label for="bulk-field">"Set"</label>
                <select
                    id="bulk-field"
                    disabled=locked
                    prop:value=move || chosen().map_or(String::new(), |s| s.field.label().to_owned())
                    on:change=move |ev| {
                        field.set(Field::from_label(&event_target_value(&ev)));
                        value.set(String::new());
                    }
                >
                    {move || {
                        settable(target)
                            .into_iter()
                            .map(|s| {
                                // The field's label for people ("Quota (MB, …)"), its
                                // key as the value (issue 27: not `quota_mb`).
                                let value = s.field.label().to_owned();
                                let shown = s.choice_label();
                                view! { <option value=value>{shown}</option> }
                            })
                            .collect_view()
                    }}
                </select>
                <label for="bulk-value">"to"</label>
                <input
                    id="bulk-value"
                    type=move || if chosen().is_some_and(|s| s.is_secret()) { "password" } else { "text" }
                    autocomplete="off"
                    spellcheck="false"
                    disabled=locked
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button type="submit" disabled=locked>
                    {move || match selected.with(|set| set.len()) {
                        0 => "Set on listed rows".to_owned(),
                        n => format!("Set on {n} selected row{}", plural(n)),
                    }}
                </button>
            </form>
            <Show when=move || selected.with(|set| !set.is_empty())>
                <button type="button" on:click=move |_| selected.set(Default::default())>
                    "Clear selection"
                </button>
            </Show>
            <p class="bulk-note" aria-live="polite">{move || note.get()}</p>
        </div>
    }
}
