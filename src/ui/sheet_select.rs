//! A workbook's "Sheet" select (issue 25), shown only for a workbook with several sheets:
//! hidden sheets are listed and marked; the choice reads the file again and is
//! remembered, with the column mappings, by the workbook's sheet names (never a cell).
//! The sheets are one string each, a hidden one's name followed by a NUL (no sheet name
//! holds one: the workbook's XML cannot carry it), so that the list is the page's usual
//! `Vec<String>` signal.

use leptos::prelude::*;

use crate::glue::sheets::{read_workbook, Workbook};
use crate::glue::storage;

use super::sheet::{FileBytes, FileState};

/// A sheet's name, without the mark of a hidden sheet.
pub(crate) fn name(sheet: &str) -> &str {
    sheet.strip_suffix('\0').unwrap_or(sheet)
}

/// Where the sheet chosen for a workbook with these sheets is remembered.
pub(crate) fn memory_key(sheets: &[String]) -> String {
    let names: Vec<&str> = sheets.iter().map(|s| name(s)).collect();
    format!("roster.sheet.v1.{}", names.join("\u{1F}"))
}

/// The sheet as the select lists it.
pub(crate) fn label(sheet: &str) -> String {
    match sheet.strip_suffix('\0') {
        Some(hidden) => format!("{hidden} (hidden)"),
        None => sheet.to_owned(),
    }
}

/// The remembered sheet, when it is not the one read and the workbook has it.
pub(crate) fn remembered_other(
    wb: &[String],
    chosen: usize,
    remembered: Option<String>,
) -> Option<String> {
    remembered
        .filter(|r| wb.get(chosen).is_none_or(|c| name(c) != r) && wb.iter().any(|n| name(n) == r))
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
                        .map(|sheet| {
                            let value = name(&sheet).to_owned();
                            let selected = chosen.as_deref() == Some(value.as_str());
                            view! {
                                <option value=value selected=selected>
                                    {label(&sheet)}
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

    fn wb() -> Vec<String> {
        vec!["Cover".into(), "Staff".into(), "Archive\0".into()]
    }

    #[test]
    fn the_choice_is_remembered_by_sheet_names_only() {
        assert_eq!(
            memory_key(&wb()),
            "roster.sheet.v1.Cover\u{1F}Staff\u{1F}Archive"
        );
        assert_eq!(label("Archive\0"), "Archive (hidden)");
        assert_eq!(label("Staff"), "Staff");
        assert_eq!(name("Archive\0"), "Archive");
        assert_eq!(
            remembered_other(&wb(), 1, Some("Archive".into())),
            Some("Archive".into())
        );
        assert_eq!(remembered_other(&wb(), 1, Some("Staff".into())), None);
        assert_eq!(remembered_other(&wb(), 1, Some("Gone".into())), None);
        assert_eq!(remembered_other(&wb(), 1, None), None);
    }
}
