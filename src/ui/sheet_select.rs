//! A workbook's "Sheet" select (issue 25), shown only for a workbook with several sheets:
//! hidden sheets are listed and marked; the choice reads the file again and is
//! remembered, with the column mappings, by the workbook's sheet names (never a cell).

use leptos::prelude::*;

use crate::glue::sheets::{read_workbook, Workbook};
use crate::glue::storage;

use super::sheet::{FileBytes, FileState};

/// Where the sheet chosen for a workbook with these sheets is remembered.
pub(crate) fn memory_key(sheets: &[(String, bool)]) -> String {
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    format!("roster.sheet.v1.{}", names.join("\u{1F}"))
}

/// The sheet as the select lists it.
pub(crate) fn label(name: &str, hidden: bool) -> String {
    if hidden {
        format!("{name} (hidden)")
    } else {
        name.to_owned()
    }
}

/// The remembered sheet, when it is not the one read and the workbook has it.
pub(crate) fn remembered_other(
    wb: &[(String, bool)],
    chosen: usize,
    remembered: Option<String>,
) -> Option<String> {
    remembered
        .filter(|r| wb.get(chosen).is_none_or(|(c, _)| c != r) && wb.iter().any(|(n, _)| n == r))
}

/// Reads the workbook in the worker: the sheet chosen, else the one remembered for these
/// sheets, else the first visible sheet with data.
pub(crate) async fn read(file: FileState, bytes: &FileBytes) -> Result<Workbook, String> {
    let mut want = file.sheet.get_untracked();
    // One call of the reader, in a loop (each call site would be its own future).
    loop {
        let wb = read_workbook(bytes.as_ref(), want.as_deref()).await?;
        if want.is_none() {
            let remembered = storage::get(&memory_key(&wb.sheets));
            if let Some(other) = remembered_other(&wb.sheets, wb.chosen, remembered) {
                want = Some(other);
                continue;
            }
        }
        return Ok(wb);
    }
}

#[component]
pub fn SheetSelect(file: FileState, locked: Signal<bool>, reread: Callback<()>) -> impl IntoView {
    let on_change = move |ev: web_sys::Event| {
        let name = event_target_value(&ev);
        // Not a secret nor a cell: the sheet's name, under the sheets' names.
        let _ = storage::set(&memory_key(&file.workbook.get_untracked()), &name);
        file.sheet.set(Some(name));
        reread.run(());
    };
    // Hidden rather than inside a `Show` (no view of its own to build: the page's first
    // load carries this component, see BENCHMARKS.md's spreadsheet section).
    view! {
        <p class="sheet-select" hidden=move || file.workbook.with(|w| w.len() < 2)>
            <label for="sheet-select">"Sheet "</label>
            <select id="sheet-select" disabled=move || locked.get() on:change=on_change>
                {move || {
                    let chosen = file.sheet.get();
                    file.workbook
                        .get()
                        .into_iter()
                        .map(|(name, hidden)| {
                            let selected = chosen.as_deref() == Some(name.as_str());
                            view! {
                                <option value=name.clone() selected=selected>
                                    {label(&name, hidden)}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wb() -> Vec<(String, bool)> {
        vec![
            ("Cover".into(), false),
            ("Staff".into(), false),
            ("Archive".into(), true),
        ]
    }

    #[test]
    fn the_choice_is_remembered_by_sheet_names_only() {
        assert_eq!(
            memory_key(&wb()),
            "roster.sheet.v1.Cover\u{1F}Staff\u{1F}Archive"
        );
        assert_eq!(label("Archive", true), "Archive (hidden)");
        assert_eq!(
            remembered_other(&wb(), 1, Some("Archive".into())),
            Some("Archive".into())
        );
        assert_eq!(remembered_other(&wb(), 1, Some("Staff".into())), None);
        assert_eq!(remembered_other(&wb(), 1, Some("Gone".into())), None);
        assert_eq!(remembered_other(&wb(), 1, None), None);
    }
}
