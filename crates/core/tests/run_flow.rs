//! Issue 13: the progress figures count only the rows a run sends, freeze while paused and
//! say what a cancel left unsent; a retry sends only the failed, unknown and stop-skipped
//! rows, never a created one, and its run still accounts for every row.

use std::collections::BTreeMap;

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan, users_of, PlannedRow};
use roster_core::input::read::{read, Table};
use roster_core::input::validate::Rules;
use roster_core::run::retry::{already_done, count_to_send, is_retried, Decision, RetryPlan};
use roster_core::run::{Command, Phase, Progress, Run, RunConfig, Status, StatusCounts};
use roster_core::targets::aurora::Aurora;
use roster_core::targets::send::Secrets;
use serde_json::{json, Value};

/// How the fake server answers the creates of one address, attempt after attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    /// Creates the account.
    Ok,
    /// Creates the account, then the answer is lost.
    Lose,
    /// A database error: nothing stored (a plain failure).
    Fail,
    /// Refuses the row (an Aurora error code that is neither fatal nor "exists").
    Refuse,
}

/// A small Aurora: one login, and scripted answers per address (`Ok` once the script is
/// used up). Counts every create it receives, by address.
#[derive(Default)]
struct Server {
    users: BTreeMap<String, i64>,
    script: BTreeMap<String, Vec<Answer>>,
    creates: BTreeMap<String, usize>,
}

fn envelope(body: Value) -> Exchange {
    Exchange::Answered(HttpResponse {
        status: 200,
        headers: vec![],
        body: body.to_string(),
    })
}

impl Server {
    fn script(mut self, email: &str, answers: &[Answer]) -> Server {
        self.script.insert(email.into(), answers.to_vec());
        self
    }

    fn handle(&mut self, req: &HttpRequest) -> Exchange {
        let Body::Form(fields) = &req.body else {
            panic!("Aurora sends forms")
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("Method").as_deref() == Some("LoginAsSuperadmin") {
            return envelope(json!({"Module": "Core", "Result": {"AuthToken": "tok"}}));
        }
        let params: Value = serde_json::from_str(&get("Parameters").unwrap()).unwrap();
        let email = params["PublicId"].as_str().unwrap().to_lowercase();
        *self.creates.entry(email.clone()).or_default() += 1;
        let answer = match self.script.get_mut(&email) {
            Some(s) if !s.is_empty() => s.remove(0),
            _ => Answer::Ok,
        };
        let error = |code: i64| envelope(json!({"Module": "Core", "ErrorCode": code}));
        match answer {
            Answer::Fail => envelope(json!({"Module": "Core", "Result": false})),
            Answer::Refuse => error(113),
            Answer::Ok | Answer::Lose => {
                if self.users.contains_key(&email) {
                    return error(111);
                }
                let id = self.users.len() as i64 + 1;
                self.users.insert(email, id);
                if answer == Answer::Lose {
                    Exchange::NoAnswer {
                        detail: "Failed to fetch".into(),
                    }
                } else {
                    envelope(json!({"Module": "Core", "Result": id}))
                }
            }
        }
    }
}

/// A file's plan, with its table: a run reads its rows' values from there when it sends
/// them. Reads as the planned rows.
struct Planned {
    rows: Vec<PlannedRow>,
    table: Table,
}

impl std::ops::Deref for Planned {
    type Target = Vec<PlannedRow>;

    fn deref(&self) -> &Vec<PlannedRow> {
        &self.rows
    }
}

impl std::ops::DerefMut for Planned {
    fn deref_mut(&mut self) -> &mut Vec<PlannedRow> {
        &mut self.rows
    }
}

/// The rules [`plan`] checks with.
fn rules() -> Rules {
    Rules {
        required: vec![Field::Email, Field::Password],
        ..Rules::default()
    }
}

fn planned(file: &str) -> Planned {
    let table = read(file.as_bytes()).unwrap();
    Planned {
        rows: plan(
            &table,
            &Mapping::auto(&table),
            &[Field::Email, Field::Password],
        ),
        table,
    }
}

fn config() -> RunConfig {
    RunConfig {
        concurrency: 1,
        max_attempts: 1,
        ..RunConfig::default()
    }
}

fn new_run(plan: &Planned, now: u64) -> Run {
    let secrets = Secrets::new()
        .with_shown("login", "superadmin")
        .with("password", "12345");
    Run::new(
        Box::new(Aurora::new("http://sandbox/")),
        secrets,
        plan,
        users_of(plan.table.clone(), Mapping::auto(&plan.table), rules()),
        config(),
        now,
    )
}

/// Performs one command, answered `ms` later. Returns false when none was ready.
fn step(run: &mut Run, server: &mut Server, now: &mut u64, ms: u64) -> bool {
    let Some(command) = run.next_command(*now) else {
        return false;
    };
    *now += ms;
    match command {
        Command::Login(req) => run.on_login(&server.handle(&req), *now),
        Command::Create { row, request } => run.on_create(row, &server.handle(&request), *now),
        Command::Probe { .. } => panic!("Aurora has no probe"),
        Command::Update { .. } => panic!("Aurora updates nothing"),
        Command::Step { .. } | Command::Lookup { .. } => panic!("Aurora has no steps"),
    }
    true
}

fn drive(run: &mut Run, server: &mut Server, now: &mut u64) {
    let mut steps = 0;
    while !run.is_over() {
        steps += 1;
        assert!(steps < 10_000, "the run does not end: {:?}", run.phase());
        // A step that sends nothing may end the run (a row it could not send).
        if !step(run, server, now, 100) && !run.is_over() {
            *now = run
                .next_wake(*now)
                .expect("a run with nothing to do is over");
        }
    }
}

/// Every row in exactly one final status, and the counts say the same.
fn assert_accounted(run: &Run) {
    assert!(run.rows().iter().all(|r| r.status.is_final()));
    assert_eq!(
        run.counts(),
        StatusCounts::of(run.rows().iter().map(|r| r.status))
    );
    assert_eq!(run.counts().done(), run.rows().len());
}

const FOUR: &str = "a@localhost | p1\nb@localhost | p2\nc@localhost | p3\nd@localhost | p4\n";

#[test]
fn a_queued_row_whose_values_cannot_be_had_ends_invalid_never_sent() {
    let plan = planned(FOUR);
    let users = users_of(plan.table.clone(), Mapping::auto(&plan.table), rules());
    // The source has no typed row for rows 1 and 3 (it must not happen: the page's sheet
    // cannot change during a run).
    let mut run = Run::new(
        Box::new(Aurora::new("http://sandbox/")),
        Secrets::new()
            .with_shown("login", "superadmin")
            .with("password", "12345"),
        &plan,
        move |i| if i % 2 == 1 { None } else { users(i) },
        config(),
        0,
    );
    let (mut server, mut now) = (Server::default(), 0);
    drive(&mut run, &mut server, &mut now);
    assert_eq!(run.phase(), &Phase::Finished);
    let statuses: Vec<Status> = run.rows().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Created,
            Status::Invalid,
            Status::Created,
            Status::Invalid
        ]
    );
    assert!(run.rows()[1]
        .message
        .starts_with("Not sent: the row could not be read again"));
    assert_eq!(run.rows()[1].attempts, 0);
    assert!(!server.creates.contains_key("b@localhost"));
    assert!(!server.creates.contains_key("d@localhost"));
    assert_eq!(server.creates.len(), 2);
    assert_accounted(&run);
    let p = run.progress(now);
    assert_eq!(p.counts.get(Status::Invalid), 2);
    assert_eq!(p.scope, 4, "they were rows to send");
    let split = p.split();
    assert_eq!((split.created, split.not_sent, split.remaining), (2, 2, 0));
    assert_eq!(split.done(), p.scope);
}

#[test]
fn only_invalid_rows_leave_nothing_to_send_and_an_empty_bar() {
    let plan = planned("not-an-address | p1\nalso bad | p2\n");
    let run = new_run(&plan, 0);
    let p = run.progress(0);
    assert_eq!(p.counts.get(Status::Invalid), 2);
    assert_eq!(p.scope, 0, "invalid rows are not rows to send");
    assert_eq!(p.split().done(), 0);
    // Before any run, the plan's tally gives the same figures.
    let planned = Progress::planned(StatusCounts::of([Status::Invalid, Status::Invalid]));
    assert_eq!((planned.scope, planned.split().done()), (0, 0));
}

#[test]
fn invalid_and_excluded_rows_are_not_done_before_anything_is_sent() {
    let mut plan = planned("a@localhost | p1\nbad | p2\nc@localhost | p3\nd@localhost | p4\n");
    plan[3].excluded = true;
    let mut run = new_run(&plan, 0);
    let p = run.progress(0);
    assert_eq!(
        p.counts.done(),
        2,
        "the invalid and the excluded row are final"
    );
    assert_eq!(
        (p.scope, p.split().done()),
        (2, 0),
        "but nothing sent is done"
    );
    assert_eq!(p.outside(), 2);
    let (mut server, mut now) = (Server::default(), 0);
    drive(&mut run, &mut server, &mut now);
    let p = run.progress(now);
    assert_eq!(p.split().created, 2);
    assert_eq!((p.scope, p.split().done()), (2, 2));
}

#[test]
fn the_split_counts_created_exists_and_problems() {
    let plan = planned(FOUR);
    let mut server = Server::default()
        .script("b@localhost", &[Answer::Refuse])
        .script("c@localhost", &[Answer::Fail]);
    server.users.insert("d@localhost".into(), 9);
    let mut run = new_run(&plan, 0);
    let mut now = 0;
    drive(&mut run, &mut server, &mut now);
    let split = run.progress(now).split();
    assert_eq!(
        (split.created, split.exists, split.problems, split.not_sent),
        (1, 1, 2, 0)
    );
}

#[test]
fn pausing_freezes_elapsed_rate_and_eta_and_resume_goes_on_from_there() {
    let file: String = (0..40)
        .map(|i| format!("u{i}@localhost | p{i}\n"))
        .collect();
    let plan = planned(&file);
    let mut run = new_run(&plan, 0);
    let (mut server, mut now) = (Server::default(), 0);
    // Ten seconds of sending, a row every half second.
    while now < 10_000 {
        step(&mut run, &mut server, &mut now, 500);
    }
    let before = run.progress(now);
    assert!(before.rate_per_min > 0.0 && before.eta_ms.is_some());
    run.pause_at(now);
    let paused = run.progress(now);
    assert!(paused.paused);
    for later in [now + 1_000, now + 5_000, now + 120_000] {
        let p = run.progress(later);
        assert_eq!(
            (p.elapsed_ms, p.rate_per_min, p.eta_ms),
            (paused.elapsed_ms, paused.rate_per_min, paused.eta_ms),
            "frozen at {later}"
        );
    }
    // Two minutes later the run resumes: the pause is not counted as time spent, and the
    // rate is not diluted by it.
    now += 120_000;
    run.resume(now);
    let resumed = run.progress(now);
    assert!(!resumed.paused);
    assert_eq!(resumed.elapsed_ms, paused.elapsed_ms);
    assert!((resumed.rate_per_min - paused.rate_per_min).abs() < 0.01);
    step(&mut run, &mut server, &mut now, 500);
    assert_eq!(run.progress(now).elapsed_ms, paused.elapsed_ms + 500);
}

#[test]
fn pause_without_a_time_counts_from_the_latest_time_the_run_was_told() {
    let plan = planned(FOUR);
    let mut run = new_run(&plan, 0);
    let (mut server, mut now) = (Server::default(), 0);
    step(&mut run, &mut server, &mut now, 100);
    step(&mut run, &mut server, &mut now, 100);
    // The glue's loop tells the run the time as it goes; Pause has no time of its own.
    run.next_wake(5_000);
    run.pause();
    assert_eq!(run.progress(60_000).elapsed_ms, 5_000);
}

#[test]
fn a_cancel_says_how_many_rows_were_not_sent() {
    let plan = planned(FOUR);
    let mut run = new_run(&plan, 0);
    let (mut server, mut now) = (Server::default(), 0);
    step(&mut run, &mut server, &mut now, 100); // login
    step(&mut run, &mut server, &mut now, 100); // a@ created
    run.pause_at(now);
    run.cancel(now + 1_000);
    assert!(run.is_over());
    let p = run.progress(now + 2_000);
    assert!(p.cancelled);
    assert_eq!(p.split().created, 1);
    assert_eq!(p.split().not_sent, 3);
    assert_eq!(p.split().done(), p.scope);
    assert_eq!(
        p.elapsed_ms, 200,
        "the paused second before the cancel is not counted"
    );
    assert_accounted(&run);
}

/// A first run: a@ created, b@ failed, c@ answer lost (created on the server), d@ refused.
fn first_run(server: &mut Server) -> (Planned, Run) {
    let plan = planned(FOUR);
    *server = std::mem::take(server)
        .script("b@localhost", &[Answer::Fail])
        .script("c@localhost", &[Answer::Lose])
        .script("d@localhost", &[Answer::Refuse]);
    let mut run = new_run(&plan, 0);
    let mut now = 0;
    drive(&mut run, server, &mut now);
    let statuses: Vec<Status> = run.rows().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Created,
            Status::Failed,
            Status::Unknown,
            Status::Rejected
        ]
    );
    (plan, run)
}

#[test]
fn a_retry_sends_only_failed_and_unknown_rows_and_accounts_for_all() {
    let mut server = Server::default();
    let (plan, first) = first_run(&mut server);
    let retry = retry_of(&plan, first.rows(), &plan);
    assert_eq!(retry.to_send(), [1, 2]);
    assert_eq!(retry.already_done(), 1);
    assert_eq!(
        retry.decisions[2],
        Some(Decision::Send { answer_lost: true })
    );

    let mut run = new_run(&plan, 0);
    run.retry(&retry, 0);
    assert_eq!(
        run.progress(0).scope,
        2,
        "the bar counts the retried rows only"
    );
    let before = server.creates.clone();
    let mut now = 0;
    drive(&mut run, &mut server, &mut now);
    let sent: Vec<&str> = server
        .creates
        .iter()
        .filter(|(k, n)| before.get(*k) != Some(n))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        sent,
        ["b@localhost", "c@localhost"],
        "nothing else was sent"
    );
    let rows = run.rows();
    assert_eq!(rows[0].status, Status::Created, "carried over, with its id");
    assert_eq!(rows[0].target_id, first.rows()[0].target_id);
    assert_eq!(rows[1].status, Status::Created);
    // c@ was created by the lost attempt: "exists" now, read as most likely Roster's.
    assert_eq!(rows[2].status, Status::Exists);
    assert!(
        rows[2].message.contains("most likely"),
        "{}",
        rows[2].message
    );
    assert_eq!(rows[3].status, Status::Rejected);
    assert_accounted(&run);
}

#[test]
fn a_retry_matches_rows_by_address_not_position() {
    let mut server = Server::default();
    let (plan, first) = first_run(&mut server);
    // The file comes back re-ordered, with a new row and an invalid one.
    let edited = planned(
        "c@localhost | p3\nnew@localhost | p5\nb@localhost | p2\nA@localhost | p1\nbad | p6\n",
    );
    let retry = retry_of(&plan, first.rows(), &edited);
    assert_eq!(retry.to_send(), [0, 2]);
    assert_eq!(retry.decisions[4], None, "an invalid row is never sent");
    // Sending the whole edited file again would send A@ (created) again: one row.
    assert_eq!(already_done([(&plan[..], first.rows())], &edited), 1);
    assert!(matches!(
        &retry.decisions[3],
        Some(Decision::Carry {
            status: Status::Created,
            ..
        })
    ));
    assert!(matches!(
        &retry.decisions[1],
        Some(Decision::Carry {
            status: Status::Skipped,
            ..
        })
    ));
    let mut run = new_run(&edited, 0);
    run.retry(&retry, 0);
    let queued: Vec<usize> = run
        .rows()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == Status::Pending)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(queued, [0, 2]);
}

#[test]
fn a_stop_leaves_skipped_rows_that_a_retry_sends_but_excluded_rows_stay_out() {
    let mut plan = planned(FOUR);
    plan[3].excluded = true;
    let mut run = new_run(&plan, 0);
    let (mut server, mut now) = (Server::default(), 0);
    step(&mut run, &mut server, &mut now, 100);
    step(&mut run, &mut server, &mut now, 100);
    run.cancel(now);
    assert!(matches!(run.phase(), Phase::Stopped(_)));
    let skipped: Vec<bool> = run.rows().iter().map(is_retried).collect();
    assert_eq!(skipped, [false, true, true, false]);
    let retry = retry_of(&plan, run.rows(), &plan);
    assert_eq!(retry.to_send(), [1, 2]);
    // Including the excluded row now does not make the retry send it.
    plan[3].excluded = false;
    let retry = retry_of(&plan, run.rows(), &plan);
    assert_eq!(retry.to_send(), [1, 2]);
    let mut again = new_run(&plan, 0);
    again.retry(&retry, 0);
    assert_eq!(again.rows()[3].status, Status::Skipped);
    drive(&mut again, &mut server, &mut now);
    assert_eq!(server.creates.get("d@localhost"), None);
    assert_eq!(server.creates.values().sum::<usize>(), 3);
    assert_accounted(&again);
}

#[test]
fn a_retry_plan_from_another_plan_never_sends_rows_it_does_not_know() {
    let plan = planned(FOUR);
    let short = RetryPlan {
        decisions: vec![Some(Decision::Send { answer_lost: false })],
    };
    let mut run = new_run(&plan, 0);
    run.retry(&short, 0);
    let statuses: Vec<Status> = run.rows().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Pending,
            Status::Skipped,
            Status::Skipped,
            Status::Skipped
        ]
    );
}

#[test]
fn rows_with_no_address_and_no_username_are_never_matched_nor_sent_by_a_retry() {
    let mut server = Server::default();
    let (mut plan, first) = first_run(&mut server);
    for row in plan.iter_mut() {
        row.email = Default::default();
        row.username = Default::default();
    }
    let retry = retry_of(&plan, first.rows(), &plan);
    assert!(retry.to_send().is_empty());
    assert_eq!(already_done([(&plan[..], first.rows())], &plan), 0);
    assert!(retry.decisions.iter().all(|d| matches!(
        d,
        Some(Decision::Carry {
            status: Status::Skipped,
            ..
        })
    )));
}

/// `RetryPlan::new`, checking that the count the run controls show (`count_to_send`) is
/// what the plan sends.
fn retry_of(
    earlier: &[PlannedRow],
    earlier_rows: &[roster_core::run::RowState],
    plan: &[PlannedRow],
) -> RetryPlan {
    let retry = RetryPlan::new(earlier, earlier_rows, plan);
    assert_eq!(
        count_to_send(earlier, earlier_rows, plan),
        retry.to_send().len(),
        "the count shown on the Retry button"
    );
    retry
}
