//! "Generate passwords for rows without one" (issue 24): the passwords are made in the
//! core (`roster_core::input::passwords`) from `crypto.getRandomValues`, held here in
//! memory only, and handed out after the run: "Download passwords" (CSV) and
//! "Download printable slips". Leaving the page before the passwords are downloaded asks
//! first (`super::super::journal::install_leave_guard`).

use std::sync::Arc;

use leptos::prelude::*;
use roster_core::input::passwords::{self, Generated, Handout, Slip};
use roster_core::input::plan::PlannedRow;
use roster_core::job::Job;
use roster_core::run::Users;

use crate::glue::download;
use crate::ui::state::AppState;

/// The page's generated passwords. Memory only: never stored, logged or reported.
#[derive(Clone, Copy)]
pub struct Passwords {
    /// The box "Generate passwords for rows without one".
    pub generate: RwSignal<bool>,
    /// The run under way's: what it generated and which rows it sends.
    pending: StoredValue<Option<Handout>, LocalStorage>,
    /// The slips of the accounts created with a generated password, by every run of
    /// this page since the last download, with the server's URL and the target's name.
    slips: StoredValue<Vec<Slip>, LocalStorage>,
    place: StoredValue<(String, String), LocalStorage>,
    /// How many slips there are, and whether they were downloaded since the last one
    /// came.
    pub count: RwSignal<usize>,
    pub saved: RwSignal<bool>,
}

impl Passwords {
    pub fn new() -> Passwords {
        Passwords {
            generate: RwSignal::new(false),
            pending: StoredValue::new_local(None),
            slips: StoredValue::new_local(Vec::new()),
            place: StoredValue::new_local((String::new(), String::new())),
            count: RwSignal::new(0),
            saved: RwSignal::new(true),
        }
    }

    /// Whether leaving the page would lose passwords nobody has downloaded.
    pub fn unsaved(&self) -> bool {
        self.count.get_untracked() > 0 && !self.saved.get_untracked()
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Passwords::new()
    }
}

/// Whether passwords are generated: the box is ticked and no invitation e-mail replaces
/// the password ([`roster_core::input::passwords::generating`]).
pub fn generating(state: AppState) -> bool {
    let invites = state
        .form
        .settings
        .with_untracked(|s| state.form.target.with_untracked(|k| k.invites(s)));
    roster_core::input::passwords::generating(state.run.passwords.generate.get_untracked(), invites)
}

/// At Start: with the box ticked, a password for each row to send that has none, filled
/// into `users`; `None` with the reason when the browser has no secure random source.
pub fn generate(state: AppState, plan: &[PlannedRow], users: Users) -> Result<Users, String> {
    let p = state.run.passwords;
    if !generating(state) {
        p.pending.set_value(None);
        return Ok(users);
    }
    if !crate::glue::random::available() {
        return Err("Not started: this browser gives no secure random numbers (crypto.getRandomValues), so no password can be generated. Untick \"Generate passwords for rows without one\" or use another browser.".into());
    }
    let min = roster_core::targets::whole_number(
        "Minimum password length",
        &state.plan.min_password.get_untracked(),
        0,
        256,
    )
    .ok()
    .flatten()
    .unwrap_or(0) as usize;
    let policy = state
        .form
        .target
        .with_untracked(|k| k.password_policy())
        .with_min_len(min);
    // A failure part way would leave bytes unfilled: the passwords are then refused.
    let failed = std::cell::Cell::new(false);
    let mut random = |buf: &mut [u8]| {
        if crate::glue::random::fill(buf).is_err() {
            failed.set(true);
        }
    };
    let generated = Arc::new(Generated::for_rows(
        plan,
        state.plan.users(),
        &policy,
        &mut random,
    ));
    if failed.get() {
        return Err("Not started: the browser's secure random numbers (crypto.getRandomValues) failed, so no password was generated.".into());
    }
    let users = generated.users(users);
    // The handout is made once the job shows which rows it sends ([`started`]).
    p.pending.set_value(Some(Handout::new(generated, &[])));
    Ok(users)
}

/// Once the job is built: which rows this run sends (a resume carries others over).
pub fn started(state: AppState, job: &Job) {
    let p = state.run.passwords;
    p.pending.update_value(|pending| {
        if let Some(handout) = pending.take() {
            *pending = Some(handout.for_rows(job.run().rows()));
        }
    });
}

/// When the run ends: the slips of the accounts it created join the ones to hand out.
pub fn ended(state: AppState, job: &Job, server_url: &str, target: &str) {
    let p = state.run.passwords;
    let Some(handout) = p.pending.try_update_value(Option::take).flatten() else {
        return;
    };
    let slips = handout.slips(job.plan(), job.run().rows(), state.plan.users());
    if slips.is_empty() {
        return;
    }
    p.place
        .set_value((server_url.to_owned(), target.to_owned()));
    p.slips.update_value(|all| all.extend(slips));
    p.count.set(p.slips.with_value(Vec::len));
    p.saved.set(false);
}

pub(super) fn save(state: AppState, html: bool) {
    let p = state.run.passwords;
    let id = state.form.target.with_untracked(|k| k.target_id());
    let stamp = download::timestamp();
    let (url, target) = p.place.get_value();
    let result = p.slips.with_value(|slips| {
        if html {
            download::save_text(
                &roster_core::report::file_name("slips", None, &id, &stamp, "html"),
                "text/html;charset=utf-8",
                &passwords::slips_html(slips, &url, &target),
            )
        } else {
            download::save_text(
                &roster_core::report::file_name("passwords", None, &id, &stamp, "csv"),
                "text/csv;charset=utf-8",
                &passwords::csv(slips),
            )
        }
    });
    match result {
        Ok(()) => p.saved.set(true),
        Err(e) => state.announcement.set(e.to_string()),
    }
}

/// The box, in the run's settings.
#[component]
pub fn GenerateBox(
    passwords: Passwords,
    locked: Signal<bool>,
    /// Plans the rows again once the box changed.
    replan: Callback<()>,
    /// An invitation e-mail replaces the password: the box is not offered.
    invites: Signal<bool>,
    /// What is said instead when the file gives passwords.
    note: Signal<Option<&'static str>>,
) -> impl IntoView {
    let p = passwords;
    view! {
        <Show when=move || invites.get()>
            {move || note.get().map(|n| view! { <p class="hint invited-note">{n}</p> })}
        </Show>
        <Show when=move || !invites.get()>
        // One run of text, wrapping across the whole width (a flex row squeezed the label
        // into a narrow column at 390 px, issue 27).
        <label class="check generate">
            <input
                type="checkbox"
                disabled=move || locked.get()
                prop:checked=move || p.generate.get()
                on:change=move |ev| {
                    p.generate.set(event_target_checked(&ev));
                    replan.run(());
                }
            />
            " Generate passwords for rows without one"
            <span class="hint">" (made in this browser, of a length and characters the target accepts; held in memory only: download them after the run)"</span>
        </label>
        </Show>
    }
}

/// "Download passwords" and "Download printable slips", once a run created accounts
/// with generated passwords.
#[component]
pub fn Handouts(
    passwords: Passwords,
    /// Downloads the slips: as printable HTML (`true`) or as CSV.
    save: Callback<bool>,
) -> impl IntoView {
    let p = passwords;
    view! {
        <Show when=move || { p.count.get() > 0 }>
            <div class="handout" role="region" aria-label="Generated passwords">
                <p>
                    {move || format!(
                        "{} accounts were created with a generated password. It is shown nowhere else and is gone when this page closes: download it now and hand each one out.",
                        p.count.get()
                    )}
                </p>
                <button type="button" on:click=move |_| save.run(false)>"Download passwords"</button>
                <button type="button" on:click=move |_| save.run(true)>"Download printable slips"</button>
                <Show when=move || p.saved.get()>
                    <span class="hint">" Downloaded."</span>
                </Show>
            </div>
        </Show>
    }
}
