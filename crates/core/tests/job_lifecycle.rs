//! The job's lifecycle beyond a plain run: a journal that cannot be written (Start
//! refused; a run that pauses, then resumes or goes on without it), pause, resume and
//! cancel, a resume or a retry that looks up its lost rows first, a Check, and a reload in
//! the middle: a job rebuilt from the journal its effects wrote.

mod job_support;

use job_support::servers::{Aurora, Mumara};
use job_support::{count, stored, Harness, Mem, Options, Setup};
use roster_core::job::{Command, Effect, Event, Job, JournalProblem, Look, Machine, Over};
use roster_core::run::retry::RetryPlan;
use roster_core::run::{Ending, Phase, Status};
use roster_core::targets::send::Secrets;

fn file(n: usize) -> String {
    let mut text = String::from("email,password,name\n");
    for i in 0..n {
        text.push_str(&format!("u{i}@x.test,Pass-{i}-word,User {i}\n"));
    }
    text
}

fn aurora(n: usize) -> Setup {
    let mut setup = Setup::new("aurora", "http://aurora.test", &file(n));
    setup.secrets = Secrets::new()
        .with_shown("login", "superadmin")
        .with("password", "secret");
    setup
}

fn mumara(n: usize) -> Setup {
    let mut setup = Setup::new("mumara", "http://mumara.test", &file(n)).setting("package_id", "1");
    setup.secrets = Secrets::new().with("api_key", "mumara-key");
    setup
}

fn creates(h: &Harness<Job>) -> usize {
    h.machine
        .run()
        .rows()
        .iter()
        .filter(|r| r.status == Status::Created)
        .count()
}

#[test]
fn start_is_refused_when_the_journal_cannot_be_written_and_nothing_is_sent() {
    let setup = aurora(3);
    let mut server = Aurora::with(&[]);
    let store = Mem {
        refuse: true,
        ..Mem::default()
    };
    let mut h = Harness::new(setup.job(), store);
    h.finish(&mut server);
    let Some(Over::JournalRefused(error)) = &h.over else {
        panic!("refused: {:?}", h.over)
    };
    assert_eq!(error.name, "QuotaExceededError");
    assert!(h.sent.is_empty(), "no request: {:?}", h.sent);
    assert_eq!(server.accounts.logins, 0);
    assert_eq!(
        h.announced.last().unwrap(),
        "Import not started: this browser could not store the run's journal. No row was sent."
    );
    assert!(roster_core::job::words::refused(error)
        .contains("this browser's storage for this page is full"));
    assert!(
        h.store.map.is_empty(),
        "nothing of it is left: {:?}",
        h.store.map
    );
}

#[test]
fn start_without_resume_sends_with_no_journal_at_all() {
    let setup = aurora(3);
    let mut server = Aurora::with(&[]);
    let store = Mem {
        refuse: true,
        ..Mem::default()
    };
    let mut h = Harness::new(Job::new(setup.start(Options::default()), 0), store);
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(h.writes, 0);
    assert_eq!(creates(&h), 3);
}

#[test]
fn a_write_that_fails_mid_run_holds_the_creates_back_and_pauses_until_resume() {
    let setup = aurora(12);
    let mut server = Aurora::with(&[]);
    // The first write stores a page and the head; the next write is refused.
    let store = Mem {
        refuse_after: Some(2),
        ..Mem::default()
    };
    let mut h = Harness::new(setup.job(), store);
    h.run_until(&mut server, |h| h.refused_writes > 0);
    h.effects();
    let reason = match h.problems.last() {
        Some(Some(JournalProblem::Paused(reason))) => reason.clone(),
        other => panic!("paused on the journal: {other:?}"),
    };
    assert!(reason.starts_with("Paused: the journal"), "{reason}");
    assert_eq!(*h.machine.run().phase(), Phase::Paused);
    assert_eq!(h.machine.run().hold(), Some(reason.as_str()));
    // Held back: no create went out for a row the journal could not record.
    assert!(
        server.accounts.creates.is_empty(),
        "{:?}",
        server.accounts.creates
    );
    // Paused: time passes, nothing is sent.
    let sent = h.sent.len();
    for _ in 0..50 {
        h.step(&mut server);
    }
    assert_eq!(h.sent.len(), sent);
    assert!(h.over.is_none());
    // Space is freed; Resume.
    h.store.refuse = false;
    h.command(Command::Resume);
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(creates(&h), 12);
    assert!(server.accounts.creates.len() == 12, "each row created once");
    let last = stored(&h.store, &setup).unwrap();
    assert!(last.finished);
    assert_eq!(last.counts().get(Status::Created), 12);
}

#[test]
fn going_on_without_the_journal_deletes_it_and_finishes() {
    let setup = aurora(8);
    let mut server = Aurora::with(&[]);
    let store = Mem {
        refuse_after: Some(2),
        ..Mem::default()
    };
    let mut h = Harness::new(setup.job(), store);
    h.run_until(&mut server, |h| h.refused_writes > 0);
    h.command(Command::GoOnWithoutJournal);
    assert_eq!(h.problems.last(), Some(&None));
    assert!(h
        .announced
        .last()
        .unwrap()
        .starts_with("Import resumed without a journal"));
    assert!(!h.machine.has_journal());
    h.finish(&mut server);
    assert_eq!(creates(&h), 8);
    assert!(stored(&h.store, &setup).is_err(), "the journal is gone");
    assert!(h.store.map.is_empty(), "{:?}", h.store.map);
}

#[test]
fn the_last_write_that_fails_is_said_and_the_run_still_ends() {
    let setup = aurora(2);
    let mut server = Aurora::with(&[]);
    let mut h = Harness::new(setup.job(), Mem::default());
    // The last create is in flight (recorded before it left): the next write is the last.
    h.run_until(&mut server, |h| creates(h) == 1 && h.in_flight() > 0);
    h.store.refuse = true;
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    match h.problems.last() {
        Some(Some(JournalProblem::Unsaved(text))) => {
            assert!(
                text.starts_with("The run's last state could not be saved"),
                "{text}"
            )
        }
        other => panic!("unsaved: {other:?}"),
    }
}

#[test]
fn pause_sends_nothing_resume_goes_on_and_cancel_skips_the_rest() {
    let setup = mumara(20);
    let mut server = Mumara::with(&[]);
    let mut h = Harness::new(setup.job(), Mem::default());
    h.run_until(&mut server, |h| creates(h) >= 3);
    h.command(Command::Pause);
    assert_eq!(*h.machine.run().phase(), Phase::Paused);
    // Those in flight finish; then nothing more goes out.
    while h.in_flight() > 0 {
        h.step(&mut server);
    }
    let sent = h.sent.len();
    for _ in 0..100 {
        h.step(&mut server);
    }
    assert_eq!(h.sent.len(), sent, "nothing is sent while paused");
    let paused_at = creates(&h);
    h.command(Command::Resume);
    h.run_until(&mut server, |h| creates(h) >= paused_at + 3);
    h.command(Command::Cancel);
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Cancelled))));
    let statuses = h.statuses();
    let created = count(&statuses, Status::Created);
    assert_eq!(created, server.accounts.creates.len());
    assert_eq!(created + count(&statuses, Status::Skipped), 20);
    assert!(count(&statuses, Status::Skipped) > 0);
    let sentence = h.announced.last().unwrap();
    assert!(
        sentence.starts_with("Import stopped: Cancelled by the user. Result: "),
        "{sentence}"
    );
    // A cancelled run stays resumable.
    assert!(!stored(&h.store, &setup).unwrap().finished);
}

/// The row of a request to `u<row>@x.test`.
fn row_of(request: &roster_core::http::HttpRequest) -> Option<usize> {
    let text = format!("{request:?}");
    let at = text.find("@x.test")?;
    let start = text[..at].rfind('u')?;
    text[start + 1..at].parse().ok()
}

/// Whether the row of the request sent last reads as in flight only through the
/// journal's list of rows sent since its last full write (its pages still say pending):
/// a reload now tests what that list is for.
fn only_listed_in_flight(h: &Harness<Job>, setup: &Setup) -> bool {
    let Some(row) = h.sent.last().and_then(row_of) else {
        return false;
    };
    let mut pages_only = h.store.clone();
    pages_only
        .map
        .retain(|k, _| !k.ends_with(roster_core::run::journal::SENDING_SUFFIX));
    let from_pages = stored(&pages_only, setup).map(|j| j.previous());
    let from_all = stored(&h.store, setup).map(|j| j.previous());
    let status = |p: &Result<Vec<(usize, Status, Option<String>)>, _>| {
        p.as_ref()
            .ok()
            .and_then(|p| p.iter().find(|(r, _, _)| *r == row).map(|(_, s, _)| *s))
    };
    // `previous` lists finished rows only: pending rows are not in it. Some rows are
    // recorded as created already (a full write came after their answers).
    let some_created = from_all
        .as_ref()
        .is_ok_and(|p| p.iter().any(|(_, s, _)| *s == Status::Created));
    some_created && status(&from_pages).is_none() && status(&from_all) == Some(Status::Unknown)
}

/// Delivers the request sent last to the server and drops every answer: the page went
/// away just after the request left (after the journal listed its row as in flight, and
/// before any full write recorded it), before its answer came.
fn crash_after_last_request(h: &mut Harness<Job>, server: &mut dyn job_support::Server) {
    h.effects();
    assert!(h.in_flight() > 0);
    let request = h.sent.last().expect("a request was sent").clone();
    server.handle(&request);
    h.crash();
}

#[test]
fn a_reload_in_the_middle_resumes_from_the_journal_rechecks_the_lost_row_and_resends_nothing_created(
) {
    let setup = aurora(40);
    let mut server = Aurora::with(&[]);
    let mut h = Harness::new(setup.job(), Mem::default());
    // Answers take long enough for full journal writes now and then (at most every
    // 250 ms), not after every answer.
    h.latency = 30;
    // Run until some rows are created and a create just left whose row only the list of
    // rows in flight records (no full write since), then the page goes away.
    h.run_until(&mut server, |h| {
        creates(h) >= 4 && h.in_flight() > 0 && only_listed_in_flight(h, &setup)
    });
    crash_after_last_request(&mut h, &mut server);
    // Whatever pages the effects wrote is what the reload finds.
    let journal = stored(&h.store, &setup).expect("the journal is readable after the crash");
    let previous = journal.previous();
    let created: Vec<usize> = previous
        .iter()
        .filter(|p| p.1 == Status::Created)
        .map(|p| p.0)
        .collect();
    let lost: Vec<usize> = previous
        .iter()
        .filter(|p| p.1 == Status::Unknown)
        .map(|p| p.0)
        .collect();
    assert!(!created.is_empty(), "{previous:?}");
    assert!(
        !lost.is_empty(),
        "the row in flight reads as unknown: {previous:?}"
    );
    let creates_before = server.accounts.creates.clone();

    // The reload: a job rebuilt from the journal.
    let mut options = Options::journaled();
    options.resume = Some(journal);
    let mut resumed = Harness::new(Job::new(setup.start(options), 0), h.store.clone());
    resumed.finish(&mut server);
    assert_eq!(resumed.over, Some(Over::Ran(Some(Ending::Finished))));
    assert!(resumed
        .announced
        .contains(&"Checking the rows whose answer was lost (GetUsers)…".to_owned()));
    // The look-up's sentence does not stay up for the whole run: the next one says it
    // is over (issue 27).
    let at = resumed
        .announced
        .iter()
        .position(|s| s.starts_with("Checking the rows whose answer was lost"))
        .unwrap();
    assert!(
        resumed.announced[at + 1].starts_with("Checked the rows whose answer was lost: "),
        "{:?}",
        resumed.announced
    );
    let statuses = resumed.statuses();
    for row in &created {
        assert_eq!(statuses[*row], Status::Created, "row {row} carried over");
    }
    for row in &lost {
        // In flight when the page went: the one the server received is found by the
        // look-up (exists, not sent again); the others never reached it and are sent now.
        let email = format!("u{row}@x.test");
        let reached = creates_before.contains(&email);
        let expected = if reached {
            Status::Exists
        } else {
            Status::Created
        };
        assert_eq!(statuses[*row], expected, "row {row}");
    }
    assert!(lost
        .iter()
        .any(|row| creates_before.contains(&format!("u{row}@x.test"))));
    // No create went to a row the journal says was created, nor twice to any row.
    let again: Vec<&String> = server.accounts.creates[creates_before.len()..]
        .iter()
        .collect();
    for row in &created {
        let email = format!("u{row}@x.test");
        assert!(
            !again.contains(&&email),
            "{email} was sent again: {again:?}"
        );
    }
    for row in 0..10 {
        assert_eq!(
            server.accounts.creates_of(&format!("u{row}@x.test")),
            1,
            "row {row}"
        );
    }
    assert_eq!(server.accounts.users.len(), 40);
    assert!(statuses
        .iter()
        .all(|s| matches!(s, Status::Created | Status::Exists)));
}

#[test]
fn a_reload_against_a_target_without_a_listing_sends_the_lost_row_again_as_most_likely_created() {
    let setup = mumara(40);
    let mut server = Mumara::with(&[]);
    let mut h = Harness::new(setup.job(), Mem::default());
    h.latency = 30;
    h.run_until(&mut server, |h| {
        creates(h) >= 6 && h.in_flight() > 0 && only_listed_in_flight(h, &setup)
    });
    crash_after_last_request(&mut h, &mut server);
    let journal = stored(&h.store, &setup).unwrap();
    let created: Vec<usize> = journal
        .previous()
        .iter()
        .filter(|p| p.1 == Status::Created)
        .map(|p| p.0)
        .collect();
    assert!(!created.is_empty());
    let mut options = Options::journaled();
    options.resume = Some(journal);
    let mut resumed = Harness::new(Job::new(setup.start(options), 0), h.store.clone());
    resumed.finish(&mut server);
    let statuses = resumed.statuses();
    for row in &created {
        assert_eq!(server.accounts.creates_of(&format!("u{row}@x.test")), 1);
        assert_eq!(statuses[*row], Status::Created);
    }
    assert_eq!(server.accounts.users.len(), 40);
    let exists: Vec<_> = resumed
        .machine
        .run()
        .rows()
        .iter()
        .filter(|r| r.status == Status::Exists)
        .collect();
    assert!(!exists.is_empty());
    assert!(
        exists.iter().all(|r| r
            .message
            .contains("Roster most likely created this account")),
        "{exists:?}"
    );
}

#[test]
fn a_retry_of_lost_rows_looks_them_up_first_and_a_failed_look_up_sends_nothing() {
    let setup = aurora(3);
    let mut server = Aurora::with(&[]);
    server.accounts.lose.insert("u1@x.test".into());
    let mut first = Harness::new(setup.job(), Mem::default());
    first.finish(&mut server);
    assert_eq!(
        first.statuses()[1],
        Status::Exists,
        "settled by the listing"
    );

    // A retry whose last run left a row unknown, against a server that refuses the
    // look-up's login now: nothing is sent.
    let mut rows = first.machine.run().rows().to_vec();
    rows[1].status = Status::Unknown;
    rows[1].answer_lost = true;
    let plan = setup.plan();
    let retry = RetryPlan::new(&plan, &rows, &plan);
    let mut refusing = setup;
    refusing.secrets.set("password", "changed", true);
    let mut options = Options::journaled();
    options.retry = Some(retry);
    let mut h = Harness::new(Job::new(refusing.start(options), 0), Mem::default());
    let creates = server.accounts.creates.len();
    h.finish(&mut server);
    match &h.over {
        Some(Over::RecheckFailed(message)) => {
            assert!(message.contains("wrong login or password"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.announced[0], "Retry started: 1 rows to Aurora.");
    assert_eq!(
        h.announced.last().unwrap(),
        "Not resumed: the check before resuming failed. No row was sent."
    );
    assert_eq!(server.accounts.creates.len(), creates);
}

#[test]
fn a_check_goes_through_the_same_effects() {
    let setup = aurora(3);
    let server = &mut Aurora::with(&["u0@x.test", "someone@else.test"]);
    let listing = setup
        .kind
        .listing(&setup.url, setup.secrets.clone())
        .expect("Aurora has a listing");
    assert_eq!(listing.call(), "GetUsers");
    let mut h = Harness::new(Look::new(listing), Mem::default());
    h.finish(server);
    let Some(Over::Checked(Ok(report))) = &h.over else {
        panic!("{:?}", h.over)
    };
    assert_eq!(report.existing_rows(&setup.plan()), [0]);
    let lines = roster_core::job::words::check_summary(report, &setup.plan());
    assert!(
        lines[0].starts_with(
            "Login OK. The server holds 2 accounts; 1 of this file's rows is among them"
        ),
        "{lines:?}"
    );
    // Its result marks those rows exists at Start, unsent.
    let mut options = Options::journaled();
    options.checked = Some(report.clone());
    let mut run = Harness::new(Job::new(setup.start(options), 0), Mem::default());
    run.finish(server);
    assert_eq!(
        run.statuses(),
        [Status::Exists, Status::Created, Status::Created]
    );
    assert_eq!(server.accounts.creates_of("u0@x.test"), 0);
    assert!(setup_kind_without_listing_has_none());
}

fn setup_kind_without_listing_has_none() -> bool {
    let setup = mumara(1);
    setup
        .kind
        .listing(&setup.url, setup.secrets.clone())
        .is_none()
}

#[test]
fn events_that_come_before_a_write_result_wait_for_it() {
    let setup = aurora(2);
    let mut job = setup.job();
    job.take_effects();
    job.handle(Event::Tick, 1);
    let effects = job.take_effects();
    assert!(
        matches!(effects.last(), Some(Effect::Write(_))),
        "{effects:?}"
    );
    // A command before the write's result is taken after it.
    job.handle(Event::Command(Command::Pause), 2);
    assert_eq!(*job.run().phase(), Phase::Running);
    job.handle(Event::Written(Ok(())), 3);
    assert_eq!(*job.run().phase(), Phase::Paused);
}

#[test]
fn the_page_going_away_writes_every_row_as_it_is() {
    let setup = mumara(12);
    let mut server = Mumara::with(&[]);
    let mut h = Harness::new(setup.job(), Mem::default());
    // Fast answers: no paced full write since the first, so the rows created so far are
    // only in the list of rows sent.
    h.run_until(&mut server, |h| creates(h) >= 5);
    let before = stored(&h.store, &setup).unwrap();
    assert_eq!(
        before.counts().get(Status::Created),
        0,
        "{:?}",
        before.previous()
    );
    let ops = h
        .machine
        .flush(h.now)
        .expect("a job with a journal writes as the page goes");
    roster_core::run::journal::apply(&mut h.store, &ops).unwrap();
    let after = stored(&h.store, &setup).unwrap();
    assert_eq!(after.counts().get(Status::Created), creates(&h));
    // Without a journal there is nothing to write.
    let mut without = Job::new(setup.start(Options::default()), 0);
    without.take_effects();
    without.handle(Event::Tick, 1);
    assert_eq!(without.flush(2), None);
}

#[test]
fn a_reload_against_a_probing_preset_asks_before_it_puts_and_puts_nothing_twice() {
    let mut text = String::from("email,password,name,username\n");
    for i in 0..12 {
        text.push_str(&format!("u{i}@x.test,Pass-{i}-word,User {i},u{i}\n"));
    }
    let mut setup = Setup::new("synapse", "http://syn.test", &text);
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    let mut server = job_support::servers::Synapse::with(&[]);
    let mut h = Harness::new(setup.job(), Mem::default());
    h.latency = 120;
    // A PUT is next to be answered when the page goes.
    h.run_until(&mut server, |h| {
        creates(h) >= 4
            && h.in_flight() > 0
            && h.sent.last().map(|r| r.method) == Some(roster_core::http::Method::Put)
    });
    crash_after_last_request(&mut h, &mut server);
    let journal = stored(&h.store, &setup).unwrap();
    let created: Vec<usize> = journal
        .previous()
        .iter()
        .filter(|p| p.1 == Status::Created)
        .map(|p| p.0)
        .collect();
    assert!(!created.is_empty());
    let mut options = Options::journaled();
    options.resume = Some(journal);
    let mut resumed = Harness::new(Job::new(setup.start(options), 0), h.store.clone());
    resumed.finish(&mut server);
    assert_eq!(resumed.over, Some(Over::Ran(Some(Ending::Finished))));
    for i in 0..12 {
        assert_eq!(
            server.accounts.creates_of(&format!("u{i}")),
            1,
            "u{i} was put once"
        );
    }
    let statuses = resumed.statuses();
    for row in &created {
        assert_eq!(statuses[*row], Status::Created);
    }
    assert!(statuses
        .iter()
        .all(|s| matches!(s, Status::Created | Status::Exists)));
}
