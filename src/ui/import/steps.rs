//! The steps after the creates (issue 24): one status line saying how many are done,
//! failed and to go (the core's `run::steps_summary`); each row's own steps are in its
//! message and in the report's `steps` column.

use leptos::prelude::*;

#[component]
pub fn StepsSummary(steps: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || steps.get().is_some()>
            <p class="steps-summary" role="status" aria-label="Steps after create">
                {move || steps.get().unwrap_or_default()}
            </p>
        </Show>
    }
}
