//! Fixing many rows at once (issue 13): actions on the rows the table lists (the
//! filters above it choose them): exclude every invalid row, keep the first of each
//! duplicate address, set one field to one value (on the rows ticked Select, if any),
//! download the invalid rows as CSV.

use leptos::prelude::*;
use roster_core::input::map::Field;

use super::sheet;
use super::state::AppState;
use crate::glue::download;

/// The fields a bulk action may set: the target's, but the ones that name an account;
/// the password last (setting one for many rows is the rare case).
fn settable(state: AppState) -> Vec<Field> {
    let mut fields: Vec<Field> = state
        .form
        .target
        .with(|k| k.fields())
        .into_iter()
        .filter(|f| !matches!(f, Field::Email | Field::Username))
        .collect();
    fields.sort_by_key(|f| f.is_secret());
    fields
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[component]
pub fn BulkBar(state: AppState) -> impl IntoView {
    let s = state.sheet;
    let note = RwSignal::new(String::new());
    // A new file (or a new reading of it) makes the last note stale.
    Effect::new(move |_| {
        s.detected.track();
        note.set(String::new());
    });
    let locked = move || state.run.active.get() || s.busy.get().is_some();
    let field = RwSignal::new(None::<Field>);
    let value = RwSignal::new(String::new());
    // The chosen field, if the target still has it (another target may not).
    let chosen = move || {
        let fields = settable(state);
        field
            .get()
            .filter(|f| fields.contains(f))
            .or_else(|| fields.first().copied())
    };
    let listed = move || s.listed.get();
    let exclude_invalid = move |_| {
        let n = sheet::exclude_invalid(state);
        note.set(match n {
            0 => "No listed row is invalid.".to_owned(),
            n => format!("Excluded {n} invalid row{}.", plural(n)),
        });
    };
    let keep_first = move |_| {
        let n = sheet::keep_first_duplicates(state);
        // For targets whose user names identify accounts, a user name counts too.
        let what = if s
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
        let Some(f) = chosen() else { return };
        let v = value.get_untracked();
        let n = sheet::set_field(state, f, &v);
        if f.is_secret() {
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
    let download = move |_| match sheet::invalid_csv(state) {
        None => note.set("No listed row is invalid: nothing to download.".into()),
        Some(csv) => {
            let base = s.name.get_untracked().unwrap_or_else(|| "rows".into());
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
            <button type="button" disabled=move || state.run.active.get() on:click=download>"Download invalid rows (CSV)"</button>
            <form class="bulk-set" aria-label="Set a field" on:submit=set_field>
                <label for="bulk-field">"Set"</label>
                <select
                    id="bulk-field"
                    disabled=locked
                    prop:value=move || chosen().map_or("", Field::label)
                    on:change=move |ev| {
                        field.set(Field::from_label(&event_target_value(&ev)));
                        value.set(String::new());
                    }
                >
                    {move || {
                        settable(state)
                            .into_iter()
                            .map(|f| view! { <option value=f.label()>{f.label()}</option> })
                            .collect_view()
                    }}
                </select>
                <label for="bulk-value">"to"</label>
                <input
                    id="bulk-value"
                    type=move || if chosen().is_some_and(Field::is_secret) { "password" } else { "text" }
                    autocomplete="off"
                    spellcheck="false"
                    disabled=locked
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button type="submit" disabled=locked>
                    {move || match s.selected.with(|set| set.len()) {
                        0 => "Set on listed rows".to_owned(),
                        n => format!("Set on {n} selected row{}", plural(n)),
                    }}
                </button>
            </form>
            <Show when=move || s.selected.with(|set| !set.is_empty())>
                <button type="button" on:click=move |_| s.selected.set(Default::default())>
                    "Clear selection"
                </button>
            </Show>
            <p class="bulk-note" aria-live="polite">{move || note.get()}</p>
        </div>
    }
}
