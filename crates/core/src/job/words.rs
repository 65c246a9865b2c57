//! The sentences a job announces, and those the page shows about its journal: the core's
//! words, so that every front end says the same thing. What names a target's listing
//! (Aurora's `GetUsers`) comes from the target ([`crate::targets::check::Listing::call`]).

use crate::input::plan::PlannedRow;
use crate::run::journal::StoreError;
use crate::run::{Phase, Progress, State, Status, StatusCounts, Tally, PROBLEMS};
use crate::targets::check::CheckReport;

/// "4 created, 1 exists, 2 problems, …", naming only the states that occur, each by its
/// one word ([`crate::run::STATE_NAMES`]; rejected, failed and unknown rows together as
/// [`PROBLEMS`]). `excluded`: how many of the skipped rows the admin excluded (the rest
/// a stop left "not sent").
pub fn tally(counts: &StatusCounts, excluded: usize) -> String {
    let parts = counted(counts, excluded);
    if parts.is_empty() {
        "nothing yet".into()
    } else {
        parts.join(", ")
    }
}

/// The final states' counts that are not zero, in words (see [`tally`]).
pub fn counted(counts: &StatusCounts, excluded: usize) -> Vec<String> {
    let skipped = counts.get(Status::Skipped);
    let excluded = excluded.min(skipped);
    let problems =
        counts.get(Status::Rejected) + counts.get(Status::Failed) + counts.get(Status::Unknown);
    [
        (counts.get(Status::Created), State::Created.word()),
        (counts.get(Status::Updated), State::Updated.word()),
        (counts.get(Status::Exists), State::Exists.word()),
        (problems, PROBLEMS),
        (counts.get(Status::Invalid), State::Invalid.word()),
        (excluded, State::Excluded.word()),
        (skipped - excluded, State::NotSent.word()),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect()
}

/// "Import started: 12 rows to Aurora." (or "Retry started: …").
pub fn started(retry: bool, rows: usize, target: &str) -> String {
    let what = if retry {
        "Retry started"
    } else {
        "Import started"
    };
    format!("{what}: {rows} rows to {target}.")
}

/// Before a resume or a retry sends rows whose answer was lost, they are looked up.
pub fn rechecking(call: &str) -> String {
    format!("Checking the rows whose answer was lost ({call})…")
}

/// The look-up before a resume or a retry failed: nothing was sent.
pub const RECHECK_FAILED: &str = "Not resumed: the check before resuming failed. No row was sent.";

/// The look-up before a resume or a retry is over: the announcement moves on, instead of
/// "Checking the rows whose answer was lost…" staying up for the whole run (issue 27).
pub fn rechecked(found: usize) -> String {
    match found {
        0 => "Checked the rows whose answer was lost: none is on the server; sending.".into(),
        1 => "Checked the rows whose answer was lost: 1 is on the server (exists); sending the rest.".into(),
        n => format!("Checked the rows whose answer was lost: {n} are on the server (exists); sending the rest."),
    }
}

/// After the run, rows left unknown are settled by listing the server's accounts.
pub fn settling_by_listing(unknown: usize, call: &str) -> String {
    format!(
        "Checking {unknown} rows whose answer was lost, by listing the server's accounts ({call})…"
    )
}

/// After the run, rows left unknown are settled by asking about each account.
pub fn settling_by_probe(unknown: usize) -> String {
    format!(
        "Checking {unknown} rows whose answer was lost, by asking the server whether each account exists…"
    )
}

/// The run's last sentence, from its phase and the one tally (issue 27): this run's rows
/// by status, as the legend counts them, then the file's rows outside this run by why
/// ("The file's other rows: 16 done by an earlier run."), never the two mixed.
pub fn ended(phase: &Phase, progress: &Progress) -> String {
    let parts = Tally::of(progress).outside_parts();
    let outside = if parts.is_empty() {
        String::new()
    } else {
        format!(" The file's other rows: {}.", parts.join(", "))
    };
    match phase {
        // One sentence: the rows' figures (all skipped) are not repeated under the bar,
        // and the run stays for its report (issue 20).
        Phase::LoginFailed(_) => {
            "Import not started: the login failed, so no row was sent (the report lists every row as skipped).".to_owned()
        }
        Phase::Stopped(reason) => {
            // A target's reason often opens with "Stopped: " itself: said once (issue 27).
            let reason = reason.to_string();
            let reason = reason.strip_prefix("Stopped: ").unwrap_or(&reason);
            format!("Import stopped: {reason} Result: {}.{outside}", this_run(progress))
        }
        _ => format!("Import finished: {}.{outside}", this_run(progress)),
    }
}

/// This run's rows by final status, named as the legend names them (a row a stop left
/// unsent "not sent"; rejected, failed and unknown rows "problems").
fn this_run(progress: &Progress) -> String {
    let mut c = progress.scope_counts;
    // A row to send ends `invalid` only when its values could not be had when its turn
    // came: not sent, as the legend counts it.
    let invalid = c.get(Status::Invalid);
    c.add(Status::Skipped, invalid);
    for _ in 0..invalid {
        c.remove(Status::Invalid);
    }
    tally(&c, 0)
}

/// Start was refused because the journal's first write failed: the banner's text.
pub fn refused(error: &StoreError) -> String {
    format!(
        "Not started: the journal that lets an import resume after a reload or a crash could not be written: {}. No row was sent. Free space (delete saved runs below, or clear this site's data in the browser) and press Try again, or start without resume.",
        error.explain()
    )
}

/// Start was refused because the journal's first write failed: the announcement.
pub const REFUSED: &str =
    "Import not started: this browser could not store the run's journal. No row was sent.";

/// Why the run pauses when its journal cannot be written, with what to do.
pub fn paused_because(error: &StoreError) -> String {
    format!(
        "Paused: the journal that lets this import resume after a reload or a crash could not be written: {}. Nothing more is sent until it can be. Free space (delete saved runs below, or clear this site's data in the browser), then press Resume; or press Go on without resume.",
        error.explain()
    )
}

/// The last write of a run that ended failed.
pub fn unsaved(error: &StoreError) -> String {
    format!(
        "The run's last state could not be saved in this browser: {}. A resume of this file would not be trusted: check the rows on the server before sending it again.",
        error.explain()
    )
}

/// The journal was turned off while the run was paused on a failed write.
pub const WITHOUT_JOURNAL: &str = "Import resumed without a journal: if this tab is closed or crashes, this run cannot be resumed.";

/// What a Check found, line by line.
pub fn check_summary(report: &CheckReport, plan: &[PlannedRow]) -> Vec<String> {
    if report.login_only {
        // A failed logout of the check's own session, said after the login's result.
        return std::iter::once(LOGIN_OK.to_owned())
            .chain(report.note.clone())
            .collect();
    }
    let existing = report.existing_rows(plan).len();
    let held = report.existing.len();
    let mut lines = vec![format!(
        "Login OK. The server holds {held} account{}; {existing} of this file's rows {} among them and will be marked exists without being sent.",
        if held == 1 { "" } else { "s" },
        if existing == 1 { "is" } else { "are" }
    )];
    match &report.domains {
        None => lines.push("The server does not list its mail domains (not Aurora Corporate, or no MailDomains module), so domains were not checked.".into()),
        Some(_) => {
            let missing = report.unregistered_domains(plan);
            if missing.is_empty() {
                lines.push("Every address's domain is registered on the server.".into());
            } else {
                let list: Vec<String> =
                    missing.iter().map(|(d, n)| format!("{d} ({n} rows)")).collect();
                lines.push(format!(
                    "Warning: these domains are not registered on the server: {}. Aurora creates such users without a mailbox; add the domains first if they need mail.",
                    list.join(", ")
                ));
            }
        }
    }
    lines
}

/// What Check says when the login was all it could test (Keycloak's token).
pub const LOGIN_OK: &str = "Login OK. The server accepted the login, and no account was sent. This target has no read-only list of its accounts, so an account that exists already is found when its row is sent.";

/// What Check says of a target that has no read-only call.
pub fn no_check(target: &str) -> String {
    format!(
        "{target} has no read-only call to test the credentials with. The import sends its first row alone and stops right there, with the reason, if they are refused."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Stop;
    use crate::targets::send::StopKind;

    #[test]
    fn the_last_sentence_follows_the_phase() {
        let counts = StatusCounts::of([Status::Created, Status::Created, Status::Exists]);
        let counts = &Progress {
            counts,
            scope: 3,
            scope_counts: counts,
            ..Progress::default()
        };
        assert_eq!(
            ended(&Phase::Finished, counts),
            "Import finished: 2 created, 1 exists."
        );
        let stop = Stop::new(StopKind::Cancelled, None, "Cancelled by the user.");
        assert_eq!(
            ended(&Phase::Stopped(stop), counts),
            "Import stopped: Cancelled by the user. Result: 2 created, 1 exists."
        );
        let refused = Stop::new(
            StopKind::CredentialsRefused,
            None,
            "Stopped: the API key was refused (HTTP 401).",
        );
        assert_eq!(
            ended(&Phase::Stopped(refused), counts),
            "Import stopped: the API key was refused (HTTP 401). Result: 2 created, 1 exists."
        );
        assert_eq!(tally(&StatusCounts::default(), 0), "nothing yet");
        assert_eq!(
            started(true, 3, "Mumara"),
            "Retry started: 3 rows to Mumara."
        );
    }

    #[test]
    fn after_a_resume_the_last_sentence_counts_this_run_as_the_legend_does() {
        // The file: 1851 created (16 by an earlier run), 149 exists, 1 invalid.
        let mut all = vec![Status::Created; 1851];
        all.extend(vec![Status::Exists; 149]);
        all.push(Status::Invalid);
        let mut this_run = vec![Status::Created; 1835];
        this_run.extend(vec![Status::Exists; 149]);
        let progress = Progress {
            counts: StatusCounts::of(all),
            scope: this_run.len(),
            scope_counts: StatusCounts::of(this_run),
            ..Progress::default()
        };
        let tally = Tally::of(&progress);
        assert_eq!((tally.split.created, tally.earlier), (1835, 16));
        assert_eq!(
            ended(&Phase::Finished, &progress),
            "Import finished: 1835 created, 149 exists. The file's other rows: 1 invalid, 16 done by an earlier run."
        );
        // A stop's unsent rows are "not sent", as in the legend.
        let mut stopped = vec![Status::Created; 2];
        stopped.extend(vec![Status::Skipped; 3]);
        let progress = Progress {
            counts: StatusCounts::of(stopped.clone()),
            scope: 5,
            scope_counts: StatusCounts::of(stopped),
            ..Progress::default()
        };
        let stop = Stop::new(StopKind::Cancelled, None, "Cancelled by the user.");
        assert_eq!(
            ended(&Phase::Stopped(stop), &progress),
            "Import stopped: Cancelled by the user. Result: 2 created, 3 not sent."
        );
    }

    /// Issue 27: one name per state. Every count the page and the command line print
    /// ("N word") takes its word from the core's one table, and the retired second names
    /// (pending, skipped, valid, or failed/unknown/rejected where rows are counted
    /// together) are gone.
    #[test]
    fn every_count_is_said_with_the_one_word_of_its_state() {
        use crate::input::plan::Tally as PlanTally;
        use crate::run::{State, OUTCOME_NAMES, PROBLEMS, STATE_NAMES};
        // One word per state, each state once, and the two lookups agree.
        let mut words: Vec<&str> = STATE_NAMES.iter().map(|(_, w)| *w).collect();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), STATE_NAMES.len());
        for (state, word) in STATE_NAMES {
            assert_eq!((state.word(), State::named(word)), (word, Some(state)));
        }
        // Every status, excluded or not, is shown in a state of the table, and every
        // state of the table is reached.
        let mut reached = std::collections::HashSet::new();
        for status in [Status::Pending, Status::Sending]
            .into_iter()
            .chain(Status::FINAL)
        {
            for excluded in [false, true] {
                reached.insert(State::of(status, excluded));
            }
        }
        assert_eq!(reached.len(), STATE_NAMES.len());
        let known = |w: &str| w == PROBLEMS || STATE_NAMES.iter().any(|(_, n)| *n == w);
        for (_, w) in OUTCOME_NAMES {
            assert!(known(w), "legend word {w}");
        }
        // A file of every kind of row, and a run of every outcome.
        let mut all = vec![
            Status::Created,
            Status::Updated,
            Status::Exists,
            Status::Rejected,
            Status::Failed,
            Status::Unknown,
            Status::Skipped,
        ];
        let scope = all.clone();
        all.extend([Status::Invalid, Status::Skipped]);
        let progress = Progress {
            counts: StatusCounts::of(all.clone()),
            scope: scope.len(),
            scope_counts: StatusCounts::of(scope),
            ..Progress::default()
        };
        let plan = PlanTally {
            valid: 3,
            invalid: 1,
            excluded: 1,
            missing: 0,
        };
        let stop = crate::run::Stop::new(
            crate::targets::send::StopKind::Cancelled,
            None,
            "Cancelled by the user.",
        );
        let texts = [
            ended(&Phase::Finished, &progress),
            ended(&Phase::Stopped(stop), &progress),
            tally(&StatusCounts::of(all), 1),
            Tally::of(&progress).summary(true, false),
            Tally::of(&progress).summary(true, true),
            Tally::of(&progress).value_text(),
            plan.parts().join(", "),
        ];
        let counted = regex_lite_counts();
        for text in &texts {
            for word in counted(text) {
                assert!(known(&word), "{word:?} in {text:?} is no state's word");
            }
            for retired in [
                "pending", "skipped", "valid", "failed", "unknown", "rejected",
            ] {
                assert!(
                    !text
                        .split(|c: char| !c.is_alphabetic())
                        .any(|w| w == retired),
                    "{retired:?} in {text:?}"
                );
            }
        }
        assert_eq!(
            ended(&Phase::Finished, &progress),
            "Import finished: 1 created, 1 updated, 1 exists, 3 problems, 1 not sent. The file's other rows: 1 invalid, 1 excluded."
        );
        assert_eq!(plan.parts().join(", "), "3 ready, 1 invalid, 1 excluded");
    }

    /// The words after each number of a text ("3 problems" → "problems", "1 not sent"
    /// → "not sent"), up to the next comma, stop or number.
    fn regex_lite_counts() -> impl Fn(&str) -> Vec<String> {
        |text: &str| {
            let tokens: Vec<&str> = text.split_whitespace().collect();
            let mut found = Vec::new();
            for (i, t) in tokens.iter().enumerate() {
                if t.chars().all(|c| c.is_ascii_digit()) {
                    let mut word = Vec::new();
                    for next in &tokens[i + 1..] {
                        let end = next.ends_with([',', '.', ':', ';']);
                        let clean = next.trim_end_matches([',', '.', ':', ';']);
                        if clean.chars().any(|c| c.is_ascii_digit()) {
                            break;
                        }
                        word.push(clean);
                        if end {
                            break;
                        }
                    }
                    let word = word.join(" ");
                    // "12 of 40 rows sent", "5 rows to send": sizes, not states.
                    if !word.starts_with("of") && !word.starts_with("row") {
                        found.push(word);
                    }
                }
            }
            found
        }
    }
}
