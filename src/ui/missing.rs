//! Rows that miss a field a form setting gives point to that setting (issue 27): Mumara
//! rows saying "package_id: missing" get a sentence above the table with a button that
//! takes the focus to the Package ID field. Which settings and how many rows: the core's
//! `missing_settings`.

use std::sync::Arc;

use leptos::prelude::*;
use roster_core::input::plan::{PlannedRow, Tally};
use roster_core::targets::{missing_settings, TargetKind};

/// "2 rows have no Package ID: enter it once for them all."
pub fn sentence(label: &str, rows: usize) -> String {
    let rows = if rows == 1 {
        "1 row has".to_owned()
    } else {
        format!("{rows} rows have")
    };
    format!("{rows} no {label}: enter it once for them all under Target.")
}

/// Focuses the form field of setting `id` and brings it into view.
fn go_to(id: &str) {
    let field = format!("setting-{}", id.replace('_', "-"));
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&field))
    {
        use wasm_bindgen::JsCast;
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

#[component]
pub fn MissingSettings(
    rows: RwSignal<Option<Arc<Vec<PlannedRow>>>>,
    tally: RwSignal<Tally>,
    target: RwSignal<TargetKind>,
) -> impl IntoView {
    let missing = Memo::new(move |_| {
        let settings = target.with(|k| k.settings());
        let tally = tally.get();
        rows.with(|r| {
            r.as_ref()
                .map_or_else(Vec::new, |r| missing_settings(&settings, r, tally))
        })
    });
    view! {
        <For
            each=move || missing.get()
            key=|(s, n)| (s.id.clone(), *n)
            children=move |(setting, n)| {
                let id = setting.id.clone();
                view! {
                    <p class="missing-setting" role="note">
                        {sentence(&setting.label, n)}
                        " "
                        <button type="button" class="link" on:click=move |_| go_to(&id)>
                            {format!("Go to {}", setting.label)}
                        </button>
                    </p>
                }
            }
        />
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sentence_counts_the_rows() {
        assert_eq!(
            super::sentence("Package ID", 2),
            "2 rows have no Package ID: enter it once for them all under Target."
        );
        assert!(super::sentence("Package ID", 1).starts_with("1 row has no"));
    }
}
