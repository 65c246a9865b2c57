//! Pausing a run with a reason, and giving back creates the glue could not send (the
//! journal could not record them first): nothing is lost, nothing is sent twice, and every
//! row still ends in exactly one status after Resume.

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan, users_of};
use roster_core::input::read::read;
use roster_core::input::validate::Rules;
use roster_core::run::{Command, Phase, Run, RunConfig, Status};
use roster_core::targets::aurora::Aurora;
use roster_core::targets::send::Secrets;
use serde_json::{json, Value};

fn answer(result: Value) -> Exchange {
    Exchange::Answered(HttpResponse::new(
        200,
        json!({"AuthenticatedUserId": -1, "Module": "Core", "Result": result}).to_string(),
    ))
}

/// A well-behaved Aurora: every login works, every create makes the account. Counts the
/// creates per address.
#[derive(Default)]
struct Server {
    created: Vec<String>,
}

impl Server {
    fn handle(&mut self, req: &HttpRequest) -> Exchange {
        let Body::Form(fields) = &req.body else {
            panic!("Aurora takes forms");
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("Method").as_deref() == Some("LoginAsSuperadmin") {
            return answer(json!({"AuthToken": "tok"}));
        }
        let params: Value = serde_json::from_str(&get("Parameters").unwrap()).unwrap();
        self.created
            .push(params["PublicId"].as_str().unwrap().to_owned());
        answer(json!(self.created.len()))
    }
}

fn run(rows: usize) -> Run {
    let file: String = (0..rows)
        .map(|i| format!("u{i}@localhost | Pw-{i}\n"))
        .collect();
    let table = read(file.as_bytes()).unwrap();
    let planned = plan(
        &table,
        &Mapping::auto(&table),
        &[Field::Email, Field::Password],
    );
    let rules = Rules {
        required: vec![Field::Email, Field::Password],
        ..Rules::default()
    };
    Run::new(
        Box::new(Aurora::new("http://sandbox/")),
        Secrets::new()
            .with_shown("login", "superadmin")
            .with("password", "12345"),
        &planned,
        users_of(table.clone(), Mapping::auto(&table), rules),
        RunConfig::default(),
        0,
    )
}

fn commands(run: &mut Run, now: u64) -> Vec<Command> {
    std::iter::from_fn(|| run.next_command(now)).collect()
}

#[test]
fn pause_with_a_reason_holds_until_resume() {
    let mut run = run(3);
    run.pause_with(
        5,
        "Paused: the journal could not be written (QuotaExceededError).",
    );
    assert_eq!(run.phase(), &Phase::Paused);
    assert_eq!(
        run.hold(),
        Some("Paused: the journal could not be written (QuotaExceededError).")
    );
    assert!(commands(&mut run, 10).is_empty());
    run.resume(20);
    assert_eq!(run.hold(), None);
    assert_eq!(run.phase(), &Phase::Running);
    assert!(!commands(&mut run, 20).is_empty());
}

#[test]
fn creates_held_back_are_not_lost_and_sent_once_after_resume() {
    let rows = 12;
    let mut run = run(rows);
    let mut server = Server::default();
    let mut now = 0;
    // Log in, and let the first create through (one at a time until it is answered).
    for _ in 0..2 {
        for c in commands(&mut run, now) {
            now += 10;
            match c {
                Command::Login(req) => run.on_login(&server.handle(&req), now),
                Command::Create { row, request } => {
                    run.on_create(row, &server.handle(&request), now)
                }
                Command::Probe { .. } | Command::Update { .. } => {
                    unreachable!("Aurora has no probe")
                }
                Command::Step { .. } => unreachable!("Aurora has no steps"),
                Command::Lookup { .. } => unreachable!("no create conflicts here"),
            }
        }
    }
    assert_eq!(server.created.len(), 1);
    // The next batch is handed out, and its journal write fails: none of it is sent.
    let batch = commands(&mut run, now);
    let held: Vec<usize> = batch
        .iter()
        .filter_map(|c| match c {
            Command::Create { row, .. } => Some(*row),
            _ => None,
        })
        .collect();
    assert_eq!(held, [1, 2, 3, 4]);
    assert!(held
        .iter()
        .all(|&r| run.rows()[r].status == Status::Sending));
    let _ = run.take_changed();
    run.hold_back(&held, now, "Paused: storage is full.");
    assert_eq!(run.phase(), &Phase::Paused);
    assert_eq!(run.hold(), Some("Paused: storage is full."));
    for &r in &held {
        let state = &run.rows()[r];
        assert_eq!(state.status, Status::Pending, "row {r}");
        assert_eq!(
            state.attempts, 0,
            "row {r}: a create never sent is no attempt"
        );
        assert_eq!(state.first_sent_ms, None);
        assert!(!state.answer_lost);
    }
    assert_eq!(run.take_changed(), held);
    assert_eq!(run.counts().get(Status::Sending), 0);
    // Paused: nothing more is handed out, and the run is not over.
    assert!(commands(&mut run, now).is_empty());
    assert!(!run.is_over());
    // Resume: the held rows go first, in their order, and every row ends created once.
    run.resume(now);
    let mut first = true;
    while !run.is_over() {
        let batch = commands(&mut run, now);
        if first {
            let rows: Vec<usize> = batch
                .iter()
                .filter_map(|c| match c {
                    Command::Create { row, .. } => Some(*row),
                    _ => None,
                })
                .collect();
            assert_eq!(rows, [1, 2, 3, 4]);
            first = false;
        }
        if batch.is_empty() {
            now = run.next_wake(now).unwrap_or(now + 10).max(now + 1);
            continue;
        }
        for c in batch {
            now += 10;
            if let Command::Create { row, request } = c {
                run.on_create(row, &server.handle(&request), now);
            }
        }
    }
    assert_eq!(run.phase(), &Phase::Finished);
    assert_eq!(run.counts().get(Status::Created), rows);
    let mut created = server.created.clone();
    created.sort();
    created.dedup();
    assert_eq!(created.len(), rows, "an account created twice");
    assert!(run.rows().iter().all(|r| r.attempts == 1));
}
