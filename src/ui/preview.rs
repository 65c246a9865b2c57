//! What a Dry run shows: a table of the accounts an import would create (the mapped
//! fields, passwords masked; the rows come from `roster_core::targets::preview::accounts`)
//! and, folded under "technical details", the exact requests with every secret masked,
//! each with a Copy button.

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::targets::preview::AccountPreview;

use crate::glue::clipboard;

/// The sentence above the table.
fn headline(table: &AccountPreview) -> String {
    let shown = table.rows.len();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if shown == table.ready {
        format!(
            "Dry run: this import would create {shown} account{}. Nothing was sent; passwords are masked.",
            plural(shown)
        )
    } else {
        format!(
            "Dry run: the first {shown} of the {} accounts this import would create. Nothing was sent; passwords are masked.",
            table.ready
        )
    }
}

/// The preview table.
fn accounts_table(table: AccountPreview) -> impl IntoView {
    let headers = table
        .titles
        .iter()
        .map(|t| view! { <th scope="col">{t.clone()}</th> })
        .collect_view();
    let rows = table
        .rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .map(|cell| view! { <td>{cell}</td> })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{format!("line {}", row.line)}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        // The box scrolls sideways on a narrow screen; it takes the focus so the keyboard
        // can scroll it too.
        <div class="dry-run-scroll" role="region" aria-label="Accounts preview (scrolls sideways)" tabindex="0">
            <table class="dry-run-table" aria-label="Accounts this import would create">
                <thead>
                    <tr>
                        <th scope="col">"Line"</th>
                        {headers}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Copies one request and says whether it worked.
fn copy(text: String, number: usize, said: RwSignal<String>) {
    spawn_local(async move {
        let sentence = match clipboard::copy_text(&text).await {
            Ok(()) => format!("Request {number} copied."),
            Err(why) => why.to_string(),
        };
        said.set(sentence);
    });
}

#[component]
pub fn DryRunPreview(
    /// The requests a run would send, secrets masked; empty when there is no preview.
    requests: RwSignal<Vec<String>>,
    /// The accounts a run would create.
    table: RwSignal<Option<AccountPreview>>,
) -> impl IntoView {
    let said = RwSignal::new(String::new());
    // "Request 2 copied." belongs to the requests it was said of.
    Effect::new(move |_| {
        requests.track();
        said.set(String::new());
    });
    let shown = move || !requests.with(Vec::is_empty);
    view! {
        <Show when=shown>
            <section class="dry-run" role="region" aria-label="Dry run preview">
                {move || table.get().map(|t| view! {
                    <p class="dry-run-headline">{headline(&t)}</p>
                    {(!t.rows.is_empty()).then(|| accounts_table(t))}
                })}
                <details class="technical">
                    <summary>{move || {
                        let n = requests.with(Vec::len);
                        format!(
                            "Dry run: technical details (the first {n} request{} an import would send, secrets masked)",
                            if n == 1 { "" } else { "s" }
                        )
                    }}</summary>
                    {move || {
                        requests
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, text)| {
                                let number = i + 1;
                                let copied = text.clone();
                                view! {
                                    <div class="request">
                                        <div class="request-head">
                                            <span>{format!("Request {number}")}</span>
                                            <button
                                                type="button"
                                                aria-label=format!("Copy request {number}")
                                                on:click=move |_| copy(copied.clone(), number, said)
                                            >
                                                "Copy"
                                            </button>
                                        </div>
                                        <pre>{text}</pre>
                                    </div>
                                }
                            })
                            .collect_view()
                    }}
                    <p class="copied" role="status" aria-live="polite">{move || said.get()}</p>
                </details>
            </section>
        </Show>
    }
}
