//! Step 4: every input row with its live status. Each row re-renders on its own signal.

use leptos::prelude::*;

use super::state::{AppState, RowView};

/// Shown instead of a password: a fixed mask, so not even the length shows.
const MASK: &str = "••••••••";

#[component]
fn Row(row: RowView) -> impl IntoView {
    let cell = row.cell;
    view! {
        <tr class=move || format!("status-{}", cell.get().status.word())>
            <td class="num">{row.index + 1}</td>
            <td class="email">{row.email}</td>
            <td class="password">{if row.has_password { MASK } else { "(none)" }}</td>
            <td class="status"><span class="badge">{move || cell.get().status.word()}</span></td>
            <td class="message">{move || cell.get().message}</td>
            <td class="num">{move || cell.get().target_id}</td>
        </tr>
    }
}

#[component]
pub fn RowsTable(state: AppState) -> impl IntoView {
    view! {
        <section class="step" aria-labelledby="step-rows">
            <h2 id="step-rows">"4. Rows"</h2>
            <Show
                when=move || !state.rows.with(Vec::is_empty)
                fallback=|| view! { <p class="hint">"The file's rows appear here once it is loaded."</p> }
            >
                <div class="table-wrap">
                    <table aria-label="Rows">
                        <thead>
                            <tr>
                                <th scope="col">"#"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Password"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Message"</th>
                                <th scope="col">"Target ID"</th>
                            </tr>
                        </thead>
                        <tbody>
                            <For each=move || state.rows.get() key=|row| (row.load, row.index) let:row>
                                <Row row=row />
                            </For>
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}
