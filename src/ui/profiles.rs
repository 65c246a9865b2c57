//! Profile targets in the form: loading a profile file (picked with the keyboard or
//! dropped), its errors by key and line, what the chosen profile calls and the permission
//! it needs, and downloading it (a preset to adapt, or a loaded one).

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_core::targets::profile::{preset_json, Profile};
use roster_core::targets::TargetKind;

use super::target_choice;
use crate::glue::{download, file};

/// The largest profile file read: profiles are a few kilobytes.
const MAX_PROFILE_BYTES: f64 = 256.0 * 1024.0;

/// Reads a profile file and, when it is a good profile, remembers it, lists it and
/// chooses it; else says what is wrong, by line and key.
fn load(
    choose: Callback<TargetKind>,
    announcement: RwSignal<String>,
    targets: RwSignal<Vec<TargetKind>>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    picked: web_sys::File,
) {
    if picked.size() > MAX_PROFILE_BYTES {
        error.set(Some(format!(
            "{} is not a profile: it is larger than 256 KB.",
            picked.name()
        )));
        return;
    }
    spawn_local(async move {
        let name = picked.name();
        let text = match file::read_in_slices(&picked, |_| {}).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(message) => {
                error.set(Some(message.to_string()));
                return;
            }
        };
        match Profile::from_json(&text) {
            Err(e) => error.set(Some(format!("{name} cannot be used: {e}"))),
            Ok(profile) => {
                if TargetKind::builtins().iter().any(|k| k.id() == profile.id)
                    || preset_json(&profile.id).is_some()
                {
                    error.set(Some(format!(
                        "{name} has the id \"{}\" of a target Roster ships: give it an id of its own.",
                        profile.id
                    )));
                    return;
                }
                error.set(None);
                let remembered = target_choice::remember(&profile, &text);
                let kind = TargetKind::from_profile(profile);
                targets.update(|all| target_choice::add(all, kind.clone()));
                loading.set(false);
                choose.run(kind.clone());
                announcement.set(match remembered {
                    Ok(()) => format!("Profile {} loaded and chosen as the target.", kind.name()),
                    Err(e) => format!(
                        "Profile {} loaded and chosen as the target, but not remembered in this browser: {}. Load it again after a reload.",
                        kind.name(),
                        e.explain()
                    ),
                });
            }
        }
    });
}

/// The chosen profile as a file: a preset as shipped, a loaded one as read.
fn save(kind: TargetKind, error: RwSignal<Option<String>>) {
    let Some(profile) = kind.profile() else {
        return;
    };
    // Every profile in the list was read from a text (shipped, loaded, or remembered).
    let Some(text) = target_choice::text_of(&profile.id) else {
        error.set(Some(format!(
            "The text of profile {} is not at hand: load its file again.",
            profile.id
        )));
        return;
    };
    if let Err(message) = download::save_text(
        &format!("{}.roster-profile.json", kind.target_id().file_part()),
        "application/json",
        &text,
    ) {
        error.set(Some(message.to_string()));
    }
}

#[component]
pub fn ProfilePanel(
    target: Signal<TargetKind>,
    choose: Callback<TargetKind>,
    announcement: RwSignal<String>,
    targets: RwSignal<Vec<TargetKind>>,
    loading: RwSignal<bool>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);
    let about =
        move || target.with(|k| k.profile().map(|p| (p.about.clone(), p.permission.clone())));
    let loaded = move || target.with(target_choice::is_loaded);
    view! {
        <Show when=move || loading.get()>
            <div
                class="profile-loader"
                class:dragging=move || dragging.get()
                role="region"
                aria-label="Profile drop zone"
                on:dragover=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    let picked = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0));
                    if let Some(picked) = picked {
                        load(choose, announcement, targets, loading, error, picked);
                    }
                }
            >
                <p>"Drop a profile (.json) here, or"</p>
                <input
                    id="profile-file"
                    class="file-input"
                    type="file"
                    accept=".json,application/json"
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        if let Some(picked) = input.files().and_then(|f| f.get(0)) {
                            load(choose, announcement, targets, loading, error, picked);
                        }
                        input.set_value("");
                    }
                />
                <label for="profile-file" class="button">"Choose profile file"</label>
                <button type="button" on:click=move |_| {
                    loading.set(false);
                    error.set(None);
                }>"Cancel loading"</button>
            </div>
        </Show>
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert">{move || error.get()}</p>
        </Show>
        {move || about().map(|(about, permission)| view! {
            <div class="profile-about">
                <p>{about}</p>
                <p><strong>"Needs: "</strong>{permission}</p>
                <p>
                    <button type="button" on:click=move |_| save(target.get_untracked(), error)>"Download profile"</button>
                    <Show when=loaded>
                        <button type="button" on:click=move |_| {
                            let kind = target.get_untracked();
                            target_choice::forget(kind.id());
                            targets.update(|all| all.retain(|k| k.id() != kind.id()));
                            choose.run(TargetKind::default());
                        }>"Forget this profile"</button>
                    </Show>
                </p>
            </div>
        })}
    }
}
