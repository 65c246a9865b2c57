//! Step 1: the file, by drop or by the keyboard-reachable file picker.

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::map::Mapping;
use roster_core::read::read;

use super::state::{AppState, Loaded};
use crate::glue::file::read_bytes;

fn load(state: AppState, file: web_sys::File) {
    if state.active.get_untracked() {
        state.file_error.set(Some(
            "An import is running: wait for it to end before loading another file.".into(),
        ));
        return;
    }
    spawn_local(async move {
        let name = file.name();
        let outcome = match read_bytes(&file).await {
            Ok(bytes) => read(&bytes).map_err(|e| e.to_string()),
            Err(message) => Err(message),
        };
        match outcome {
            Ok(table) => {
                let mapping = Mapping::auto(&table);
                state.show_file(Loaded {
                    name,
                    table,
                    mapping,
                });
            }
            Err(message) => state.file_error.set(Some(format!("{name}: {message}"))),
        }
    });
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b'|' => "pipe ( | )",
        b'\t' => "tab",
        b';' => "semicolon ( ; )",
        _ => "comma ( , )",
    }
}

#[component]
pub fn FileStep(state: AppState) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|files| files.get(0))
        {
            load(state, file);
        }
    };
    let on_pick = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            load(state, file);
        }
        // Picking the same file again must load it again.
        input.set_value("");
    };
    let summary = move || {
        let loaded = state.loaded.get()?;
        state.plan.get().map(|plan| {
            let total = plan.len();
            let invalid = plan.iter().filter(|p| p.user.is_err()).count();
            format!(
                "{}: {} rows ({} ready, {} invalid). Delimiter: {}. {}",
                loaded.name,
                total,
                total - invalid,
                invalid,
                delimiter_name(loaded.table.delimiter),
                if loaded.table.header.is_some() {
                    "First line is a header."
                } else {
                    "No header line."
                }
            )
        })
    };
    view! {
        <section class="step" aria-labelledby="step-file">
            <h2 id="step-file">"1. File"</h2>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                role="region"
                aria-label="Drop zone"
                on:dragover=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop a CSV or pipe-delimited file here (one account per line, e.g. " <code>"a@example.com | password"</code> "), or"</p>
                <input
                    id="file-input"
                    class="file-input"
                    type="file"
                    accept=".csv,.txt,.tsv,text/csv,text/plain"
                    on:change=on_pick
                />
                <label for="file-input" class="button">"Choose file"</label>
            </div>
            <Show when=move || state.file_error.get().is_some()>
                <p class="error" role="alert">{move || state.file_error.get()}</p>
            </Show>
            <p class="summary">{summary}</p>
        </section>
    }
}
