//! The run's buttons (issue 13). Start import (or, after a run with failed rows, "Retry N
//! failed rows" first) is disabled while something is missing, while a Check is going,
//! or while the file, target and server are being run in another tab (issue 20), and the
//! reason is shown next to it (its accessible description). Pause, Resume and Cancel are
//! shown only while they apply, after Start and Retry, which keep their place (hidden,
//! disabled) during a run: a second click on Start never lands on Pause. Resuming an
//! interrupted run instead of starting over, sending rows that an earlier run of this
//! tab created again, and cancelling a run, each ask first, inline, with the focus on
//! the safe answer.

use leptos::prelude::*;
use roster_core::job::Command;
use roster_core::run::retry::repeat_counts;
use roster_core::run::tabs::{on_start, StartChoice};
use roster_core::targets::diagnose::is_plain_http;

use crate::ui::focus::{
    self, CANCEL, CONFIRM_NO, CONFIRM_YES, PAUSE, REPORT, RESUME, RETRY, START,
};
use crate::ui::reports::{Report, ReportButtons};
use std::sync::Arc;

use roster_core::input::plan::PlannedRow;
use roster_core::run::journal::Head;

use crate::ui::resume;
use crate::ui::sheet::model::{Busy, PlanState};
use crate::ui::state::{AppState, RunState, RunView, TargetForm};
use crate::ui::tabs;

const REASON: &str = "start-reason";

/// The question on screen, if any.
#[derive(Clone, PartialEq)]
enum Ask {
    /// A run of this file against this server did not finish: resume it (the default)
    /// or start over.
    Resume,
    /// A password (or another guarded field) column chosen from its values alone: the
    /// question names the column and shows one masked value (`Guess::question`).
    Guess(String),
    /// Send the whole file again: this many of its rows were created or found before, by
    /// a run of this tab or (`Resend(_, true)`) by a finished run saved in this browser
    /// (another tab's).
    Resend(usize, bool),
    Cancel,
}

/// The question for the first column the mapping took from its values alone and the
/// admin has not confirmed (see `Mapping::open_guesses`), if any.
pub(super) fn guess_question(state: AppState) -> Option<String> {
    crate::ui::mapping::open_guesses(state.plan, |table, guesses| {
        guesses.first().map(|g| g.question(table))
    })
    .flatten()
}

/// The admin said yes: the guess asked about (the first open one) is confirmed.
pub(super) fn confirm_first_guess(state: AppState) {
    crate::ui::mapping::open_guesses(state.plan, |table, guesses| {
        crate::ui::mapping::confirm(table, &guesses[..guesses.len().min(1)])
    });
}

/// How many of the file's rows an earlier run created or found: this tab's history
/// (`here`) or a finished run saved in this browser (`saved`, another tab's), whichever
/// knows more; and whether that was the saved run.
fn done_before(here: usize, saved: usize) -> (usize, bool) {
    if saved > here {
        (saved, true)
    } else {
        (here, false)
    }
}

/// Retry's label: the rows it sends are failed, unknown, rejected or left unsent by a
/// stop, so it names none of those alone ("Retry 5 failed rows" was seen when 4 had
/// failed and 1 was not sent, issue 27).
fn retry_label(n: usize) -> String {
    match n {
        1 => "Retry 1 row".to_owned(),
        n => format!("Retry {n} rows"),
    }
}

/// Start's question before the whole file goes again; `retry_shown`: the Retry button is
/// there to point to.
fn resend_question(done: usize, by_saved: bool, retry_shown: bool) -> String {
    let by = if by_saved {
        "by an earlier run in this browser (another tab's, listed under saved runs)"
    } else {
        "by an earlier run in this tab"
    };
    let retry = if retry_shown {
        " To send only the rows that did not go through, use Retry."
    } else {
        ""
    };
    format!("Send the whole file again? {done} of its rows were already created or found on this server {by}; they would be sent again.{retry}")
}

/// Why Start cannot be pressed now, in words; `None` when it can.
fn blocker(
    rows: RwSignal<Option<Arc<Vec<PlannedRow>>>>,
    busy: RwSignal<Option<Busy>>,
    form: TargetForm,
    checking: RwSignal<bool>,
    elsewhere: Callback<(), bool>,
    sendable: usize,
) -> Option<String> {
    if rows.with(Option::is_none) {
        return Some("Choose a file first.".into());
    }
    if let Some(busy) = busy.get() {
        return Some(format!("Wait: {}.", busy.what.to_lowercase()));
    }
    let url = form.server_url.get();
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Some(
            "Enter the Server URL, starting with https:// (or http:// for a local server).".into(),
        );
    }
    if is_plain_http(url) && !form.http_ack.get() {
        return Some("The Server URL is http:// to another computer: tick \"I understand the password is sent unencrypted\", or use https://.".into());
    }
    form.credentials.track();
    let secrets = form.secrets();
    if let Some(missing) = form.target.with(|k| k.missing_credentials(&secrets)) {
        return Some(missing);
    }
    // A pasted key with a zero-width space, a curly quote where a header goes.
    let refused = form.settings.with(|settings| {
        form.target
            .with(|k| roster_core::targets::unsendable(&**k, url, settings, &secrets))
    });
    if refused.is_some() {
        return refused;
    }
    if sendable == 0 {
        return Some("No row can be sent: every row is invalid or excluded.".into());
    }
    if elsewhere.run(()) {
        return Some(tabs::ELSEWHERE.into());
    }
    if checking.get() {
        return Some("Wait: the check is going.".into());
    }
    None
}

#[component]
pub fn RunControls(
    plan: PlanState,
    /// The file is being read.
    busy: RwSignal<Option<Busy>>,
    form: TargetForm,
    /// A Check or a Dry run is going.
    checking: RwSignal<bool>,
    run: RunState,
    announcement: RwSignal<String>,
    /// Whether this file, target and server are being run in another tab.
    elsewhere: Callback<(), bool>,
    /// The saved run of this file and server that did not finish, if any.
    matching: Callback<(), Option<(String, Head)>>,
    /// How many of the file's rows a finished run saved in this browser created or found.
    done_by_saved: Callback<(), usize>,
    /// The question about the first guessed column not yet confirmed, if any.
    guess_question: Callback<(), Option<String>>,
    /// Confirms the guessed column asked about.
    confirm_guess: Callback<()>,
    /// Starts the import (unless another tab runs it).
    start: Callback<()>,
    /// Retries the failed rows (unless another tab runs them).
    retry: Callback<()>,
    /// Resumes the saved run of this key.
    resume_saved: Callback<String>,
    save_report: Callback<Report>,
) -> impl IntoView {
    let focus = focus::RunFocus::new(run);
    let launch = start;
    let ask = RwSignal::new(None::<Ask>);
    // The rows neither excluded nor invalid, as the tally keeps them (a count over a
    // million rows at every change was a long task).
    let sendable = Memo::new(move |_| plan.tally.with(|t| t.valid));
    let reason =
        Memo::new(move |_| blocker(plan.rows, busy, form, checking, elsewhere, sendable.get()));
    let blocked = move || reason.get().is_some() || run.active.get() || run.starting.get();
    // Start and Retry keep their place while a run starts and goes, hidden: what comes
    // in their place is nothing, never Pause.
    let held = move || run.active.get() || run.starting.get();
    // What the run history says about this file and server: rows to retry, rows done.
    let repeat = Memo::new(move |_| {
        let plan = plan.rows.get()?;
        let url = form.server_url.get();
        let id = form.target.with(|k| k.target_id());
        run.history.with(|h| {
            let runs: Vec<_> = h
                .iter()
                .filter(|r| r.same_server(&id, &url))
                .map(|r| (&r.plan[..], &r.rows[..]))
                .collect();
            (!runs.is_empty()).then(|| repeat_counts(&runs, &plan))
        })
    });
    let to_retry = move || repeat.get().map_or(0, |r| r.0);
    let idle = move || !run.active.get();
    let view_is = move |v: RunView| run.view.get() == v;
    let go = move || {
        focus.follow();
        launch.run(());
    };
    // After any guessed column is confirmed: the other tab, the saved run and the run
    // history may each have their question.
    let send = move || {
        if run.starting.get_untracked() || run.active.get_untracked() {
            return;
        }
        let (elsewhere, resumable, saved) = untrack(|| {
            (
                elsewhere.run(()),
                matching.run(()).is_some(),
                done_by_saved.run(()),
            )
        });
        let (done, by_saved) = done_before(repeat.get_untracked().map_or(0, |r| r.1), saved);
        match on_start(elsewhere, resumable, done) {
            StartChoice::Elsewhere => announcement.set(format!("Not started: {}", tabs::ELSEWHERE)),
            StartChoice::AskResume => {
                ask.set(Some(Ask::Resume));
                focus::focus_soon(CONFIRM_NO);
            }
            StartChoice::AskResend(done) => {
                ask.set(Some(Ask::Resend(done, by_saved)));
                focus::focus_soon(CONFIRM_NO);
            }
            StartChoice::Go => go(),
        }
    };
    // A guessed column is confirmed first (issue 21); then the rest of Start's questions.
    let start = move || {
        if run.starting.get_untracked() || run.active.get_untracked() {
            return;
        }
        match guess_question.run(()) {
            Some(question) => {
                ask.set(Some(Ask::Guess(question)));
                focus::focus_soon(CONFIRM_NO);
            }
            None => send(),
        }
    };
    // `Some(yes)` answers the question; `None` (Escape) leaves it unanswered.
    let answer = move |yes: Option<bool>| {
        let asked = ask.get_untracked();
        ask.set(None);
        let Some(yes) = yes else {
            match asked {
                Some(Ask::Cancel) => focus::focus_soon(CANCEL),
                _ => focus::focus_soon(START),
            }
            return;
        };
        match (asked, yes) {
            // Each guess is asked in turn, then Start's other questions, if any.
            (Some(Ask::Guess(_)), true) => {
                confirm_guess.run(());
                match guess_question.run(()) {
                    Some(question) => {
                        ask.set(Some(Ask::Guess(question)));
                        focus::focus_soon(CONFIRM_NO);
                    }
                    None => send(),
                }
            }
            (Some(Ask::Guess(_)), false) => focus::focus_soon(START),
            (Some(Ask::Resume), false) => match untrack(|| matching.run(())) {
                Some((key, _)) => {
                    focus.follow();
                    resume_saved.run(key);
                }
                None => focus::focus_soon(START),
            },
            (Some(Ask::Resume), true) => go(),
            (Some(Ask::Resend(..)), true) => go(),
            (Some(Ask::Cancel), true) => {
                focus.follow();
                run.command(Command::Cancel);
            }
            (Some(Ask::Resend(..)), false) => focus::focus_soon(START),
            (Some(Ask::Cancel), false) => focus::focus_soon(CANCEL),
            (None, _) => {}
        }
    };
    // A question about a run that has ended no longer applies, nor one about starting
    // once a run is going.
    Effect::new(move |_| {
        let active = run.active.get();
        match ask.get_untracked() {
            Some(Ask::Cancel) if !active => ask.set(None),
            Some(Ask::Resume | Ask::Resend(..) | Ask::Guess(_)) if active => ask.set(None),
            _ => {}
        }
    });
    let question = move || {
        match ask.get() {
        Some(Ask::Resume) => format!(
            "This file was imported to this server before and that run did not finish ({}). Resume it: only what is still open is sent. Or start over: every row is sent again, rows it created come back as exists, and its saved run is replaced.",
            untrack(|| matching.run(())).map(|(_, j)| resume::summary(&j)).unwrap_or_default()
        ),
        Some(Ask::Guess(question)) => question,
        Some(Ask::Resend(done, by_saved)) => resend_question(done, by_saved, to_retry() > 0),
        Some(Ask::Cancel) => "Cancel the import? Rows not sent yet end not sent (requests already sent finish); you can retry them afterwards.".into(),
        None => String::new(),
    }
    };
    let has_report =
        move || !run.active.get() && run.view.get() != RunView::Idle && plan.rows.get().is_some();
    view! {
        <div class="actions">
            <Show when=move || { to_retry() > 0 }>
                <button
                    id=RETRY
                    class=move || if held() { "primary held" } else { "primary" }
                    aria-describedby=REASON
                    disabled=blocked
                    on:click=move |_| {
                        focus.follow();
                        retry.run(())
                    }
                >
                    {move || retry_label(to_retry())}
                </button>
            </Show>
            <button
                id=START
                class=move || match (to_retry() > 0, held()) {
                    (true, true) => "held",
                    (true, false) => "",
                    (false, true) => "primary held",
                    (false, false) => "primary",
                }
                aria-describedby=REASON
                disabled=blocked
                on:click=move |_| start()
            >
                "Start import"
            </button>
            <Show when=move || view_is(RunView::Running) && run.active.get()>
                <button
                    id=PAUSE
                    on:click=move |_| {
                        focus.follow();
                        run.command(Command::Pause);
                        announcement.set(
                            "Import paused: requests already sent finish; nothing new is sent until Resume.".into(),
                        );
                    }
                >
                    "Pause"
                </button>
            </Show>
            <Show when=move || view_is(RunView::Paused) && run.active.get()>
                <button
                    id=RESUME
                    on:click=move |_| {
                        focus.follow();
                        run.command(Command::Resume);
                        announcement.set("Import resumed.".into());
                    }
                >
                    "Resume"
                </button>
            </Show>
            <Show when=move || (view_is(RunView::Running) || view_is(RunView::Paused)) && run.active.get()>
                <button
                    id=CANCEL
                    aria-expanded=move || (ask.get() == Some(Ask::Cancel)).to_string()
                    on:click=move |_| {
                        focus.follow();
                        ask.set(Some(Ask::Cancel));
                        focus::focus_soon(CONFIRM_NO);
                    }
                >
                    "Cancel"
                </button>
            </Show>
            // The downloads come with a run to report on (issue 27: no disabled Download
            // buttons before a run).
            <Show when=has_report>
                <button id=REPORT on:click=move |_| save_report.run(Report::Csv)>
                    "Download report"
                </button>
                <ReportButtons
                    enabled=Signal::derive(has_report)
                    save=save_report
                    retryable=Signal::derive(move || {
                        let t = roster_core::run::Tally::of(&run.progress.get());
                        t.split.problems + t.split.not_sent > 0 || run.steps_to_retry.get() > 0
                    })
                />
                <Show when=move || run.steps_left_out.with(Option::is_some)>
                    <p class="hint steps-left-out" role="note">
                        {move || run.steps_left_out.get().unwrap_or_default()}
                    </p>
                </Show>
            </Show>
        </div>
        <p id=REASON class="reason" hidden=move || !idle() || reason.get().is_none()>
            {move || reason.get().unwrap_or_default()}
        </p>
        <Show when=move || ask.get().is_some()>
            <div
                class="confirm"
                role="group"
                aria-labelledby="confirm-question"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        answer(None);
                    }
                }
            >
                <p id="confirm-question">{question}</p>
                <button id=CONFIRM_YES class="danger" on:click=move |_| answer(Some(true))>
                    {move || match ask.get() {
                        Some(Ask::Resume) => "Start over",
                        Some(Ask::Guess(_)) => "Yes, import with this column",
                        Some(Ask::Resend(..)) => "Send the whole file again",
                        _ => "Cancel the import",
                    }}
                </button>
                <button
                    id=CONFIRM_NO
                    class=move || if ask.get() == Some(Ask::Resume) { "primary" } else { "" }
                    on:click=move |_| answer(Some(false))
                >
                    {move || match ask.get() {
                        Some(Ask::Resume) => "Resume",
                        Some(Ask::Guess(_)) => "No, let me check the columns",
                        Some(Ask::Resend(..)) => "Don't send",
                        _ => "Keep importing",
                    }}
                </button>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod resend_tests {
    use super::{done_before, resend_question};

    #[test]
    fn a_finished_run_of_another_tab_counts_as_done_before() {
        assert_eq!(done_before(0, 0), (0, false));
        assert_eq!(done_before(6, 0), (6, false));
        assert_eq!(done_before(0, 12), (12, true));
        assert_eq!(done_before(12, 12), (12, false));
        assert!(resend_question(12, true, true).contains("12 of its rows"));
        assert!(resend_question(12, true, true).contains("another tab's"));
        assert!(resend_question(6, false, true).contains("earlier run in this tab"));
        // "use Retry" only when a Retry button is shown (issue 27).
        assert!(resend_question(6, false, true).contains("use Retry"));
        assert!(!resend_question(6, false, false).contains("Retry"));
        assert_eq!(super::retry_label(1), "Retry 1 row");
        assert_eq!(super::retry_label(5), "Retry 5 rows");
    }
}
