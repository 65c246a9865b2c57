//! Step 2: the target and its credentials. Secrets stay in memory: the inputs are not
//! autocompleted from or saved to the browser's stores.

use leptos::prelude::*;

use super::state::AppState;

/// How long after the last key a typed Package ID re-checks the rows.
const RECHECK_MS: u32 = 300;

#[component]
pub fn Connection(state: AppState) -> impl IntoView {
    let is_mumara = move || state.target.get() == "mumara";
    let locked = move || state.active.get();
    // Bumped by every key in the Package ID field: only the last key's timer re-checks.
    let typed = StoredValue::new(0u64);
    view! {
        <section class="step" aria-labelledby="step-target">
            <h2 id="step-target">"2. Target"</h2>
            <form class="fields" autocomplete="off" on:submit=|ev| ev.prevent_default()>
                <label for="target">"Target"</label>
                <select
                    id="target"
                    prop:value=move || state.target.get()
                    disabled=locked
                    on:change=move |ev| {
                        let target = event_target_value(&ev);
                        // Mumara keys allow 60 requests a minute unless set otherwise.
                        if target == "mumara" && state.rate_per_min.get_untracked().trim().is_empty() {
                            state.rate_per_min.set("60".into());
                        }
                        state.target.set(target);
                        state.replan();
                    }
                >
                    <option value="aurora">"Aurora"</option>
                    <option value="mumara">"Mumara"</option>
                </select>

                <label for="server-url">"Server URL"</label>
                <input
                    id="server-url"
                    type="url"
                    placeholder=move || if is_mumara() { "https://mumara.example.com" } else { "https://mail.example.com/" }
                    spellcheck="false"
                    autocomplete="url"
                    prop:value=move || state.server_url.get()
                    disabled=locked
                    on:input=move |ev| state.server_url.set(event_target_value(&ev))
                />

                <Show
                    when=is_mumara
                    fallback=move || view! {
                        <label for="login">"Login"</label>
                        <input
                            id="login"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            prop:value=move || state.login.get()
                            disabled=locked
                            on:input=move |ev| state.login.set(event_target_value(&ev))
                        />
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            type="password"
                            autocomplete="off"
                            prop:value=move || state.password.get()
                            disabled=locked
                            on:input=move |ev| {
                                state.password.set(event_target_value(&ev));
                                state.login_error.set(None);
                            }
                        />
                    }
                >
                    <label for="api-key">"API key"</label>
                    <input
                        id="api-key"
                        type="password"
                        autocomplete="off"
                        prop:value=move || state.api_key.get()
                        disabled=locked
                        on:input=move |ev| state.api_key.set(event_target_value(&ev))
                    />
                    <label for="package-default">"Package ID"</label>
                    <input
                        id="package-default"
                        type="text"
                        inputmode="numeric"
                        placeholder="for rows without a package_id column"
                        prop:value=move || state.package_default.get()
                        disabled=locked
                        on:input=move |ev| {
                            // Rows are re-checked while typing, a moment after the last key.
                            state.package_default.set(event_target_value(&ev));
                            typed.update_value(|n| *n += 1);
                            let mine = typed.get_value();
                            leptos::task::spawn_local(async move {
                                gloo_timers::future::TimeoutFuture::new(RECHECK_MS).await;
                                if typed.get_value() == mine {
                                    state.replan();
                                }
                            });
                        }
                        on:change=move |ev| {
                            state.package_default.set(event_target_value(&ev));
                            typed.update_value(|n| *n += 1);
                            state.replan();
                        }
                    />
                    <label for="timezone-default">"Timezone"</label>
                    <input
                        id="timezone-default"
                        type="text"
                        placeholder="e.g. +05:00 (Mumara's default is 00:00)"
                        prop:value=move || state.timezone_default.get()
                        disabled=locked
                        on:change=move |ev| state.timezone_default.set(event_target_value(&ev))
                    />
                </Show>
            </form>
            <Show when=move || roster_core::diagnose::is_plain_http(&state.server_url.get())>
                <div class="http-warning" role="alert">
                    <p>"Warning: this Server URL starts with http:// and is not this computer, so the password (or API key) and every user's password cross the network unencrypted. Use https:// if the server has it."</p>
                    <label>
                        <input
                            type="checkbox"
                            prop:checked=move || state.http_ack.get()
                            disabled=locked
                            on:change=move |ev| {
                                state.http_ack.set(event_target_checked(&ev));
                                state.login_error.set(None);
                            }
                        />
                        " I understand the password is sent unencrypted"
                    </label>
                </div>
            </Show>
            <Show when=move || state.login_error.get().is_some()>
                <p class="error" role="alert">{move || state.login_error.get()}</p>
            </Show>
            <p class="hint">"Passwords and keys stay in this tab's memory. They are never stored, logged or written to a report."</p>
        </section>
    }
}
