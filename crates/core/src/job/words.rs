//! The sentences a job announces, and those the page shows about its journal: the core's
//! words, so that every front end says the same thing. What names a target's listing
//! (Aurora's `GetUsers`) comes from the target ([`crate::targets::check::Listing::call`]).

use crate::input::plan::PlannedRow;
use crate::run::journal::StoreError;
use crate::run::{Phase, Progress, Status, StatusCounts, Tally};
use crate::targets::check::CheckReport;

/// "4 created, 1 exists, …", naming only the statuses that occur.
pub fn tally(counts: &StatusCounts) -> String {
    let parts: Vec<String> = Status::FINAL
        .iter()
        .filter(|s| counts.get(**s) > 0)
        .map(|s| format!("{} {}", counts.get(*s), s.word()))
        .collect();
    if parts.is_empty() {
        "nothing yet".into()
    } else {
        parts.join(", ")
    }
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

/// This run's rows by final status, a row a stop left unsent said "not sent" as the
/// legend says it.
fn this_run(progress: &Progress) -> String {
    let c = &progress.scope_counts;
    let mut parts: Vec<String> = Status::FINAL
        .iter()
        .filter(|s| !matches!(s, Status::Skipped | Status::Invalid) && c.get(**s) > 0)
        .map(|s| format!("{} {}", c.get(*s), s.word()))
        .collect();
    let not_sent = progress.split().not_sent;
    if not_sent > 0 {
        parts.push(format!("{not_sent} not sent"));
    }
    if parts.is_empty() {
        "nothing yet".into()
    } else {
        parts.join(", ")
    }
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
        return vec![LOGIN_OK.into()];
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
        assert_eq!(tally(&StatusCounts::default()), "nothing yet");
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
}
