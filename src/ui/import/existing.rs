//! The run setting "Existing accounts" (issue 24): Skip, Update or Stop at the first,
//! "Also set passwords of existing accounts", and the preview an update needs before
//! anything is sent. The decisions (what the survey finds, what changes, what the run
//! does with each account) are the core's (`roster_core::job::survey`,
//! `roster_core::run::OnExisting`); this module only shows them and carries them out.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::job::{Effect, Over, Preview, Survey};
use roster_core::run::{Existing, OnExisting, RunConfig};
use roster_core::targets::TargetKind;

use crate::glue::driver;
use crate::ui::state::AppState;

/// The setting, the preview shown, and the confirmed update Start takes.
#[derive(Clone, Copy)]
pub struct ExistingState {
    pub setting: RwSignal<Existing>,
    /// "Also set passwords of existing accounts".
    pub passwords: RwSignal<bool>,
    /// The preview waiting for the admin's answer.
    pub preview: RwSignal<Option<Preview>>,
    /// The accounts are being looked up.
    pub surveying: RwSignal<bool>,
    /// The update the admin confirmed: the next Start takes it (once).
    confirmed: StoredValue<Option<OnExisting>>,
}

impl ExistingState {
    pub fn new() -> ExistingState {
        ExistingState {
            setting: RwSignal::new(Existing::Skip),
            passwords: RwSignal::new(false),
            preview: RwSignal::new(None),
            surveying: RwSignal::new(false),
            confirmed: StoredValue::new(None),
        }
    }
}

impl Default for ExistingState {
    fn default() -> Self {
        ExistingState::new()
    }
}

/// The setting as Start takes it for `kind`: Update falls back to nothing offered when
/// the target cannot update (the select does not offer it then).
pub fn effective(setting: Existing, kind: &TargetKind) -> Existing {
    if setting == Existing::Update && !kind.updates() {
        Existing::Skip
    } else {
        setting
    }
}

/// What Start sends with: the setting, or, for Update, the confirmed preview. `None`
/// when Start must wait: the accounts are being looked up for the preview, which the
/// admin confirms (and that starts the run) or cancels.
pub(in crate::ui) fn for_start(
    state: AppState,
    plan: &[roster_core::input::plan::PlannedRow],
    config: RunConfig,
) -> Option<OnExisting> {
    let e = state.run.existing;
    let kind = state.form.target.get_untracked();
    match effective(e.setting.get_untracked(), &kind) {
        Existing::Skip => Some(OnExisting::default()),
        Existing::Stop => Some(OnExisting::stop()),
        Existing::Update => {
            if let Some(confirmed) = e.confirmed.try_update_value(Option::take).flatten() {
                return Some(confirmed);
            }
            survey(state, plan, config);
            None
        }
    }
}

/// Looks up each row's account (exists probes only, nothing written) for the preview.
fn survey(state: AppState, plan: &[roster_core::input::plan::PlannedRow], config: RunConfig) {
    let e = state.run.existing;
    if e.surveying.get_untracked() {
        return;
    }
    let (target, secrets) = match super::super::launch::target_for(&state) {
        Ok(t) => t,
        Err(error) => {
            state.findings.login_error.set(Some(error.to_string()));
            return;
        }
    };
    e.preview.set(None);
    e.surveying.set(true);
    state
        .announcement
        .set("Looking up which accounts of the file are on the server already…".into());
    let survey = Survey::new(
        target,
        secrets,
        plan,
        state.plan.users(),
        config,
        crate::glue::clock::now_ms(),
    );
    let survey = Rc::new(RefCell::new(survey));
    spawn_local(driver::run(survey, None, move |effect| {
        match effect {
            Effect::Announce(sentence) => state.announcement.set(sentence),
            Effect::Ended(Over::Surveyed(result)) => {
                e.surveying.set(false);
                match result {
                    Ok(preview) => {
                        state.announcement.set(format!(
                            "Preview of the update: {} existing account{}. Confirm to start.",
                            preview.existing.len(),
                            if preview.existing.len() == 1 { "" } else { "s" }
                        ));
                        e.preview.set(Some(preview));
                        super::super::focus::focus_soon(CONFIRM);
                    }
                    Err(message) => {
                        state.findings.login_error.set(Some(message.clone()));
                        state.announcement.set(format!(
                            "The preview of the update could not be made: {message} Nothing was sent."
                        ));
                    }
                }
            }
            _ => {}
        }
        None
    }));
}

/// The id of the preview's confirm button (it takes the focus when the preview comes).
const CONFIRM: &str = "existing-confirm";

/// The setting: a select, the passwords box under Update, and why Update is not offered
/// when the target cannot update.
#[component]
pub fn ExistingAccounts(
    existing: ExistingState,
    target: RwSignal<TargetKind>,
    settings: RwSignal<roster_core::targets::Settings>,
    locked: Signal<bool>,
) -> impl IntoView {
    let updates = Signal::derive(move || target.with(|k| k.updates()));
    let shown = move || effective(existing.setting.get(), &target.get());
    // Why the target's update cannot set passwords (Aurora), or may not (an invitation
    // e-mail replaces them): the box is not offered, and never ticked then.
    let no_passwords =
        Signal::derive(move || settings.with(|s| target.with(|k| k.no_update_passwords_with(s))));
    leptos::prelude::Effect::new(move || {
        if no_passwords.with(Option::is_some) && existing.passwords.get_untracked() {
            existing.passwords.set(false);
        }
    });
    view! {
        <div class="fields existing">
            <label for="existing">"Existing accounts"</label>
            <select
                id="existing"
                disabled=move || locked.get()
                on:change=move |ev| {
                    if let Some(choice) = Existing::parse(&event_target_value(&ev)) {
                        existing.setting.set(choice);
                        existing.preview.set(None);
                    }
                }
            >
                {move || {
                    Existing::ALL
                        .into_iter()
                        .filter(|e| *e != Existing::Update || updates.get())
                        .map(|e| {
                            view! {
                                <option value=e.word() selected=move || shown() == e>
                                    {e.label()}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
        <p class="hint" hidden=move || updates.get()>
            {move || target.with(|k| k.no_update())}
        </p>
        <Show when=move || shown() == Existing::Update && no_passwords.with(Option::is_some)>
            <p class="hint">{move || no_passwords.get().unwrap_or_default()}</p>
        </Show>
        <Show when=move || shown() == Existing::Update && no_passwords.with(Option::is_none)>
            <label class="check">
                <input
                    type="checkbox"
                    disabled=move || locked.get()
                    prop:checked=move || existing.passwords.get()
                    on:change=move |ev| {
                        existing.passwords.set(event_target_checked(&ev));
                        existing.preview.set(None);
                    }
                />
                " Also set passwords of existing accounts"
                <span class="hint">" (unticked, their passwords stay as they are)"</span>
            </label>
        </Show>
        <Show when=move || shown() == Existing::Update>
            <p class="hint">
                "Start first looks up which accounts exist and shows what would change; nothing is updated until you confirm."
            </p>
        </Show>
    }
}

/// The preview of an update, with Confirm and Cancel.
#[component]
pub fn ExistingPreview(existing: ExistingState, start: Callback<()>) -> impl IntoView {
    let lines = move || {
        existing
            .preview
            .get()
            .map(|p| p.lines(existing.passwords.get_untracked()))
            .unwrap_or_default()
    };
    let count = move || {
        existing
            .preview
            .with(|p| p.as_ref().map_or(0, |p| p.existing.len()))
    };
    view! {
        <Show when=move || existing.preview.with(Option::is_some)>
            <section class="existing-preview" role="region" aria-labelledby="existing-preview-title">
                <h3 id="existing-preview-title">"Preview of the update"</h3>
                <ul>
                    {move || lines().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                </ul>
                <button
                    id=CONFIRM
                    type="button"
                    on:click=move |_| {
                        let Some(preview) = existing.preview.get_untracked() else { return };
                        let on = OnExisting::update(existing.passwords.get_untracked(), preview.confirmed());
                        existing.confirmed.set_value(Some(on));
                        existing.preview.set(None);
                        start.run(());
                    }
                >
                    {move || match count() {
                        0 => "Start import".to_owned(),
                        1 => "Update 1 account and start".to_owned(),
                        n => format!("Update {n} accounts and start"),
                    }}
                </button>
                <button type="button" on:click=move |_| existing.preview.set(None)>
                    "Cancel"
                </button>
            </section>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::effective;
    use roster_core::run::Existing;
    use roster_core::targets::TargetKind;

    #[test]
    fn update_is_taken_only_for_a_target_that_updates() {
        let synapse = TargetKind::by_id("synapse").unwrap();
        let mumara = TargetKind::by_id("mumara").unwrap();
        assert_eq!(effective(Existing::Update, &synapse), Existing::Update);
        assert_eq!(effective(Existing::Update, &mumara), Existing::Skip);
        assert_eq!(effective(Existing::Stop, &mumara), Existing::Stop);
        assert!(mumara
            .no_update()
            .contains("Mumara's API documents no way to update"));
        let aurora = TargetKind::by_id("aurora").unwrap();
        assert_eq!(effective(Existing::Update, &aurora), Existing::Update);
    }
}
