//! Step 2: the target and its credentials. Secrets stay in memory: the inputs are not
//! autocompleted from or saved to the browser's stores.

use leptos::prelude::*;

use roster_core::targets::{CredentialField, Setting, TargetKind};

use super::state::TargetForm;

/// The Target select's value for "Load a profile…".
const LOAD: &str = "__load_profile";

/// How long after the last key a typed Package ID re-checks the rows.
const RECHECK_MS: u32 = 300;

/// The target form. `choose` switches the kind of target; `recheck` checks the rows again
/// after a setting they rely on changed.
#[component]
pub fn Connection(
    form: TargetForm,
    active: Signal<bool>,
    login_error: RwSignal<Option<String>>,
    announcement: RwSignal<String>,
    choose: Callback<TargetKind>,
    recheck: Callback<()>,
    /// The file's columns the chosen target does not import, in words.
    not_imported: Signal<Option<String>>,
) -> impl IntoView {
    let locked = move || active.get();
    // The built-ins, the presets and the profiles remembered in this browser.
    let targets = RwSignal::new(super::target_choice::all_targets());
    // "Load a profile…" was chosen: the profile picker shows.
    let loading = RwSignal::new(false);
    // A typed setting the target refuses, said at once (an empty one is asked for at Start).
    let refused = Memo::new(move |_| {
        form.target.with(|k| {
            form.settings
                .with(|s| roster_core::targets::refused_setting(&**k, s).map(|e| e.to_string()))
        })
    });
    view! {
        <section class="step" aria-labelledby="step-target">
            <h2 id="step-target">"3. Target"</h2>
            <form class="fields" autocomplete="off" on:submit=|ev| ev.prevent_default()>
                <label for="target">"Target"</label>
                <select
                    id="target"
                    prop:value=move || {
                        if loading.get() {
                            LOAD.to_owned()
                        } else {
                            form.target.with(|k| k.id().to_owned())
                        }
                    }
                    disabled=locked
                    on:change=move |ev| {
                        let id = event_target_value(&ev);
                        if id == LOAD {
                            loading.set(true);
                            return;
                        }
                        loading.set(false);
                        let kind = targets.with(|all| all.iter().find(|k| k.id() == id).cloned());
                        if let Some(kind) = kind {
                            choose.run(kind);
                        }
                    }
                >
                    {move || {
                        targets
                            .get()
                            .into_iter()
                            .map(|k| view! { <option value=k.id().to_owned()>{k.name().to_owned()}</option> })
                            .collect_view()
                    }}
                    <option value=LOAD>"Load a profile…"</option>
                </select>
                <super::profiles::ProfilePanel
                    target=form.target.into()
                    choose=choose
                    announcement=announcement
                    targets=targets
                    loading=loading
                />

                <label for="server-url">"Server URL"</label>
                <input
                    id="server-url"
                    type="url"
                    placeholder=move || form.target.with(|k| k.server_placeholder().to_owned())
                    spellcheck="false"
                    autocomplete="url"
                    prop:value=move || form.server_url.get()
                    disabled=locked
                    on:input=move |ev| form.server_url.set(event_target_value(&ev))
                />
                {move || {
                    let kind = form.target.get();
                    let credentials = kind
                        .credentials()
                        .into_iter()
                        .map(|field| credential_input(form, field, active, login_error))
                        .collect_view();
                    let settings = kind
                        .settings()
                        .into_iter()
                        .map(|setting| setting_input(form, setting, active, recheck))
                        .collect_view();
                    view! { {credentials} {settings} }
                }}
            </form>
            <Show when=move || not_imported.get().is_some()>
                <p class="summary not-imported">{move || not_imported.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || refused.get().is_some()>
                <p class="error" role="alert" id="setting-refused">{move || refused.get()}</p>
            </Show>
            <Show when=move || roster_core::targets::diagnose::is_plain_http(&form.server_url.get())>
                <div class="http-warning" role="alert">
                    <p>"Warning: this Server URL starts with http:// and is not this computer, so the password (or API key) and every user's password cross the network unencrypted. Use https:// if the server has it."</p>
                    <label>
                        <input
                            type="checkbox"
                            prop:checked=move || form.http_ack.get()
                            disabled=locked
                            on:change=move |ev| {
                                form.http_ack.set(event_target_checked(&ev));
                                login_error.set(None);
                            }
                        />
                        " I understand the password is sent unencrypted"
                    </label>
                </div>
            </Show>
            <p class="hint">"Passwords and keys stay in this tab's memory. They are never stored, logged or written to a report."</p>
        </section>
    }
}

/// One credential of the target's form. Secrets are `type="password"` and never
/// autocompleted.
fn credential_input(
    form: TargetForm,
    field: CredentialField,
    active: Signal<bool>,
    login_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = field.control_id();
    let key = field.id.clone();
    let read_key = field.id;
    view! {
        <label for=id.clone()>{field.label}</label>
        <input
            id=id
            type=if field.secret { "password" } else { "text" }
            autocomplete="off"
            spellcheck="false"
            prop:value=move || form.credentials.with(|typed| typed.get(&read_key).cloned().unwrap_or_default())
            disabled=move || active.get()
            on:input=move |ev| {
                let value = event_target_value(&ev);
                form.credentials.update(|typed| {
                    typed.insert(key.clone(), value);
                });
                login_error.set(None);
            }
        />
    }
}

/// One run setting of the target's form. A setting the rows rely on (a default package)
/// checks them again a moment after the last key.
fn setting_input(
    form: TargetForm,
    setting: Setting,
    active: Signal<bool>,
    recheck: Callback<()>,
) -> impl IntoView {
    // Bumped by every key: only the last key's timer re-checks.
    let typed = StoredValue::new(0u64);
    let key = setting.id.clone();
    let read_key = key.clone();
    let id = format!("setting-{}", setting.id.replace('_', "-"));
    let set = move |value: String| {
        let key = key.clone();
        form.settings.update(|s| {
            s.insert(key, value);
        });
    };
    let set_change = set.clone();
    let affects_rows = setting.affects_rows;
    // What to set up on the server for this setting, read as the field's description.
    let hint_id = (!setting.hint.is_empty()).then(|| format!("{id}-hint"));
    let hint = hint_id.clone().map(|hint_id| {
        view! { <p class="hint setting-hint" id=hint_id>{setting.hint.clone()}</p> }
    });
    view! {
        <label for=id.clone()>{setting.label}</label>
        <input
            id=id
            aria-describedby=hint_id
            type="text"
            inputmode=if setting.numeric { "numeric" } else { "text" }
            placeholder=setting.placeholder
            prop:value=move || form.settings.with(|s| s.get(&read_key).cloned().unwrap_or_default())
            disabled=move || active.get()
            on:input=move |ev| {
                set(event_target_value(&ev));
                if affects_rows {
                    typed.update_value(|n| *n += 1);
                    let mine = typed.get_value();
                    leptos::task::spawn_local(async move {
                        gloo_timers::future::TimeoutFuture::new(RECHECK_MS).await;
                        if typed.get_value() == mine {
                            recheck.run(());
                        }
                    });
                }
            }
            on:change=move |ev| {
                set_change(event_target_value(&ev));
                if affects_rows {
                    typed.update_value(|n| *n += 1);
                    recheck.run(());
                }
            }
        />
        {hint}
    }
}
