//! The engine against a scripted, in-memory Aurora: what it sends, and what every row ends as.

use std::collections::{BTreeMap, VecDeque};

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan, users_of};
use roster_core::input::read::read;
use roster_core::input::validate::Rules;
use roster_core::run::{Command, Phase, Run, RunConfig, Status, StatusCounts, MAX_LOGIN_ATTEMPTS};
use roster_core::targets::aurora::Aurora;
use roster_core::targets::send::{Secrets, StopKind};
use serde_json::{json, Value};

/// What the fake server does with the next create it receives.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// Connection dropped before the server acted.
    Drop,
    /// The server created the user, then the answer was lost.
    LoseAnswer,
    Http500,
    ResultFalse,
    ExpireToken,
    Code(i64),
    /// PHP printed a notice before the JSON; the user was created.
    NoticeBeforeJson,
    /// The user was inserted, then PHP died: HTTP 500 with its fatal-error page.
    Http500AfterInsert,
    /// The user was inserted, then the answer came back as HTML with status 200.
    NotJsonAfterInsert,
}

/// What the fake server does with the next login.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LoginFault {
    Drop,
    Http502,
}

#[derive(Default)]
struct FakeAurora {
    users: BTreeMap<String, (i64, String)>,
    next_id: i64,
    tokens: Vec<String>,
    logins: usize,
    creates: usize,
    faults: VecDeque<Option<Fault>>,
    login_faults: VecDeque<Option<LoginFault>>,
    /// Every Nth create (counting valid-token creates) finds its token expired.
    expire_every: Option<usize>,
    authorised_creates: usize,
}

fn envelope(result: Value) -> Exchange {
    Exchange::Answered(HttpResponse {
        status: 200,
        headers: vec![],
        body: json!({"AuthenticatedUserId": -1, "Module": "Core", "Result": result}).to_string(),
    })
}

fn error(code: i64) -> Exchange {
    Exchange::Answered(HttpResponse {
        status: 200,
        headers: vec![],
        body: json!({"AuthenticatedUserId": -1, "Module": "", "ErrorCode": code}).to_string(),
    })
}

impl FakeAurora {
    fn with_faults<const N: usize>(faults: [Option<Fault>; N]) -> FakeAurora {
        FakeAurora {
            faults: faults.into(),
            ..FakeAurora::default()
        }
    }

    fn handle(&mut self, req: &HttpRequest) -> Exchange {
        let Body::Form(fields) = &req.body else {
            return error(103);
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let params: Value = serde_json::from_str(get("Parameters").unwrap_or("")).unwrap();
        match (get("Module"), get("Method")) {
            (Some("AdminAuth"), Some("LoginAsSuperadmin")) => {
                self.logins += 1;
                match self.login_faults.pop_front().flatten() {
                    Some(LoginFault::Drop) => {
                        return Exchange::NoAnswer {
                            detail: "Failed to fetch".into(),
                        }
                    }
                    Some(LoginFault::Http502) => {
                        return Exchange::Answered(HttpResponse::new(
                            502,
                            "<html><body><h1>502 Bad Gateway</h1></body></html>",
                        ))
                    }
                    None => {}
                }
                if params["Login"] == "superadmin" && params["Password"] == "12345" {
                    let token = format!("tok{}", self.logins);
                    self.tokens.push(token.clone());
                    envelope(json!({ "AuthToken": token }))
                } else {
                    error(102)
                }
            }
            (Some("Core"), Some("CreateUser")) => {
                self.creates += 1;
                let bearer = req
                    .headers
                    .iter()
                    .find(|(n, _)| n == "Authorization")
                    .and_then(|(_, v)| v.strip_prefix("Bearer "))
                    .unwrap_or("");
                if !self.tokens.iter().any(|t| t == bearer) {
                    return error(101);
                }
                self.authorised_creates += 1;
                if self
                    .expire_every
                    .is_some_and(|n| self.authorised_creates.is_multiple_of(n))
                {
                    self.tokens.clear();
                    return error(101);
                }
                let fault = self.faults.pop_front().flatten();
                match fault {
                    Some(Fault::Drop) => {
                        return Exchange::NoAnswer {
                            detail: "Failed to fetch".into(),
                        }
                    }
                    Some(Fault::Http500) => {
                        return Exchange::Answered(HttpResponse {
                            status: 500,
                            headers: vec![],
                            body: "<b>Fatal error</b>".into(),
                        })
                    }
                    Some(Fault::ResultFalse) => return envelope(json!(false)),
                    Some(Fault::ExpireToken) => {
                        self.tokens.clear();
                        return error(101);
                    }
                    Some(Fault::Code(c)) => return error(c),
                    _ => {}
                }
                let email = params["PublicId"].as_str().unwrap().to_lowercase();
                if self.users.contains_key(&email) {
                    return error(111);
                }
                self.next_id += 1;
                let password = params["Password"].as_str().unwrap().to_owned();
                self.users.insert(email, (self.next_id, password));
                let created =
                    json!({"AuthenticatedUserId": -1, "Module": "Core", "Result": self.next_id});
                match fault {
                    Some(Fault::LoseAnswer) => Exchange::NoAnswer {
                        detail: "Failed to fetch".into(),
                    },
                    Some(Fault::NoticeBeforeJson) => Exchange::Answered(HttpResponse::new(
                        200,
                        format!("<br />\n<b>Notice</b>:  Undefined index: Forced in <b>/var/www/aurora/modules/Core/Module.php</b> on line <b>1120</b><br />\n{created}"),
                    )),
                    Some(Fault::Http500AfterInsert) => Exchange::Answered(HttpResponse::new(
                        500,
                        "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to a member function toResponseArray() on null in /var/www/aurora/system/Api.php:812",
                    )),
                    Some(Fault::NotJsonAfterInsert) => Exchange::Answered(HttpResponse::new(
                        200,
                        "<html><body>Service temporarily unavailable</body></html>",
                    )),
                    _ => envelope(json!(self.next_id)),
                }
            }
            _ => error(116),
        }
    }
}

fn secrets(password: &str) -> Secrets {
    Secrets::new()
        .with_shown("login", "superadmin")
        .with("password", password)
}

fn start(file: &str, password: &str, config: RunConfig) -> Run {
    start_with(file, password, config, |_| {})
}

fn start_with(
    file: &str,
    password: &str,
    config: RunConfig,
    edit: impl FnOnce(&mut Vec<roster_core::input::plan::PlannedRow>),
) -> Run {
    let table = read(file.as_bytes()).unwrap();
    let mut planned = plan(
        &table,
        &Mapping::auto(&table),
        &[Field::Email, Field::Password],
    );
    edit(&mut planned);
    let rules = Rules {
        required: vec![Field::Email, Field::Password],
        ..Rules::default()
    };
    let users = users_of(table.clone(), Mapping::auto(&table), rules);
    Run::new(
        Box::new(Aurora::new("http://sandbox/")),
        secrets(password),
        &planned,
        users,
        config,
        0,
    )
}

/// Drives the run to its end on a fake clock, answering requests in batches as a
/// concurrent glue would; each answer takes 10 ms. Returns the final time.
fn drive(run: &mut Run, server: &mut FakeAurora) -> u64 {
    let mut now = 0;
    let mut steps = 0;
    while !run.is_over() {
        steps += 1;
        assert!(steps < 100_000, "the run does not end");
        let mut batch = Vec::new();
        while let Some(cmd) = run.next_command(now) {
            batch.push(cmd);
        }
        if batch.is_empty() {
            // The engine paused by itself (faults in a row): the user presses Resume.
            if run.hold().is_some() {
                run.resume(now);
                continue;
            }
            let wake = run
                .next_wake(now)
                .unwrap_or_else(|| panic!("stuck in {:?}", run.phase()));
            assert!(wake > now, "woken for nothing at {now}");
            now = wake;
            continue;
        }
        for cmd in batch {
            now += 10;
            match cmd {
                Command::Login(req) => {
                    let answer = server.handle(&req);
                    run.on_login(&answer, now);
                }
                Command::Create { row, request } => {
                    let answer = server.handle(&request);
                    run.on_create(row, &answer, now);
                }
                Command::Probe { .. } | Command::Update { .. } => {
                    panic!("Aurora has no exists probe")
                }
                Command::Step { .. } | Command::Lookup { .. } => panic!("Aurora has no steps"),
            }
        }
    }
    now
}

fn statuses(run: &Run) -> Vec<Status> {
    run.rows().iter().map(|r| r.status).collect()
}

const SEED: &str =
    "a@localhost | p123\na2@localhost | p232\na3@localhost | p333\na4@localhost | p444\n";

#[test]
fn seed_file_is_created_with_one_login() {
    let mut server = FakeAurora::default();
    let mut run = start(SEED, "12345", RunConfig::default());
    drive(&mut run, &mut server);
    assert_eq!(run.phase(), &Phase::Finished);
    assert_eq!(statuses(&run), [Status::Created; 4]);
    assert_eq!(server.logins, 1);
    assert_eq!(server.creates, 4);
    assert_eq!(server.users["a3@localhost"].1, "p333");
    for (i, row) in run.rows().iter().enumerate() {
        let email = [
            "a@localhost",
            "a2@localhost",
            "a3@localhost",
            "a4@localhost",
        ][i];
        assert_eq!(row.target_id, Some(server.users[email].0.to_string()));
        assert_eq!(row.attempts, 1);
    }
}

#[test]
fn wrong_password_sends_no_row() {
    let mut server = FakeAurora::default();
    let mut run = start(SEED, "wrong", RunConfig::default());
    drive(&mut run, &mut server);
    let Phase::LoginFailed(message) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert!(message.message.contains("wrong login or password"));
    assert_eq!(message.kind, StopKind::CredentialsRefused);
    assert_eq!(server.creates, 0);
    assert_eq!(server.logins, 1, "a refusal is not tried again");
    // No row is left pending: each ends skipped, saying why.
    assert_eq!(statuses(&run), [Status::Skipped; 4]);
    assert!(run.rows()[0].message.contains("wrong login or password"));
    assert!(run.is_over());
}

#[test]
fn existing_user_is_exists_and_invalid_rows_are_never_sent() {
    let mut server = FakeAurora::default();
    server
        .users
        .insert("a2@localhost".into(), (99, "old".into()));
    server.next_id = 99;
    let mut run = start(
        "a@localhost | p1\na2@localhost | p2\nnot-an-address | p3\n",
        "12345",
        RunConfig::default(),
    );
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [Status::Created, Status::Exists, Status::Invalid]
    );
    assert_eq!(server.creates, 2);
    assert_eq!(server.users["a2@localhost"].1, "old");
}

#[test]
fn transient_faults_are_retried_and_lost_answers_resolved() {
    let mut server = FakeAurora::with_faults([
        Some(Fault::Http500),
        Some(Fault::LoseAnswer),
        Some(Fault::ResultFalse),
        Some(Fault::Drop),
    ]);
    let mut run = start(SEED, "12345", RunConfig::default());
    drive(&mut run, &mut server);
    let rows = run.rows();
    assert_eq!(rows[0].status, Status::Created);
    assert_eq!(rows[0].attempts, 2);
    // Created by the first attempt whose answer was lost; the retry says it exists.
    assert_eq!(rows[1].status, Status::Exists);
    assert!(
        rows[1].message.contains("most likely created"),
        "{}",
        rows[1].message
    );
    assert_eq!(rows[2].status, Status::Created);
    // Dropped before the server acted: the retry creates it, and says an answer was lost.
    assert_eq!(rows[3].status, Status::Created);
    assert!(rows[3].message.contains("lost"));
    assert_eq!(server.users.len(), 4);
}

#[test]
fn a_row_never_answered_ends_unknown_and_one_always_failing_ends_failed() {
    let config = RunConfig {
        concurrency: 1,
        max_attempts: 2,
        ..RunConfig::default()
    };
    // Retries go to the back of the queue: a, b, c, a, b. A database error (Result:
    // false) stores nothing, so b, refused twice, did not get its account.
    let mut server = FakeAurora::with_faults([
        Some(Fault::Drop),
        Some(Fault::ResultFalse),
        None,
        Some(Fault::Drop),
        Some(Fault::ResultFalse),
    ]);
    let mut run = start(
        "a@localhost | p1\nb@localhost | p2\nc@localhost | p3\n",
        "12345",
        config,
    );
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [Status::Unknown, Status::Failed, Status::Created]
    );
    assert!(run.rows()[0].message.contains("after 2 attempts"));
}

#[test]
fn expired_token_logs_in_once_more_and_retries_the_row() {
    let mut server = FakeAurora::with_faults([None, Some(Fault::ExpireToken)]);

    let config = RunConfig {
        concurrency: 1,
        max_attempts: 1,
        ..RunConfig::default()
    };
    let mut run = start(SEED, "12345", config);
    drive(&mut run, &mut server);
    assert_eq!(statuses(&run), [Status::Created; 4]);
    assert_eq!(server.logins, 2);
    assert_eq!(
        run.rows()[1].attempts,
        1,
        "a re-login does not use up an attempt"
    );
}

#[test]
fn fatal_code_stops_the_run_and_skips_the_rest() {
    let mut server = FakeAurora::with_faults([None, Some(Fault::Code(115))]);

    let config = RunConfig {
        concurrency: 1,
        max_attempts: 3,
        ..RunConfig::default()
    };
    let mut run = start(SEED, "12345", config);
    drive(&mut run, &mut server);
    let Phase::Stopped(reason) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert!(reason.message.contains("115"), "{reason}");
    assert_eq!(
        statuses(&run),
        [
            Status::Created,
            Status::Failed,
            Status::Skipped,
            Status::Skipped
        ]
    );
    assert_eq!(server.creates, 2, "nothing is sent after the stop");
}

#[test]
fn rejected_codes_are_final_per_row() {
    let mut server = FakeAurora::with_faults([Some(Fault::Code(103)), Some(Fault::Code(0))]);

    let config = RunConfig {
        concurrency: 1,
        max_attempts: 3,
        ..RunConfig::default()
    };
    let mut run = start(SEED, "12345", config);
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [
            Status::Rejected,
            Status::Rejected,
            Status::Created,
            Status::Created
        ]
    );
    assert!(run.rows()[0].message.contains("103"));
}

#[test]
fn pause_holds_new_requests_and_cancel_skips_the_rest() {
    let mut server = FakeAurora::default();
    let mut run = start(
        SEED,
        "12345",
        RunConfig {
            concurrency: 1,
            max_attempts: 1,
            ..RunConfig::default()
        },
    );
    let Some(Command::Login(req)) = run.next_command(0) else {
        panic!()
    };
    run.on_login(&server.handle(&req), 0);
    let Some(Command::Create { row, request }) = run.next_command(0) else {
        panic!()
    };
    run.pause();
    assert_eq!(run.next_command(0), None);
    run.on_create(row, &server.handle(&request), 0);
    assert_eq!(run.next_command(0), None, "paused");
    assert!(!run.is_over());
    run.resume(0);
    let Some(Command::Create { row, request }) = run.next_command(0) else {
        panic!()
    };
    run.cancel(0);
    run.on_create(row, &server.handle(&request), 0);
    assert!(run.is_over());
    assert_eq!(
        statuses(&run),
        [
            Status::Created,
            Status::Created,
            Status::Skipped,
            Status::Skipped
        ]
    );
    assert_eq!(run.counts().done(), 4);
}

#[test]
fn concurrency_is_bounded() {
    let config = RunConfig {
        concurrency: 2,
        max_attempts: 1,
        ..RunConfig::default()
    };
    let mut run = start(SEED, "12345", config);
    let mut server = FakeAurora::default();
    let Some(Command::Login(req)) = run.next_command(0) else {
        panic!()
    };
    assert_eq!(
        run.next_command(0),
        None,
        "one login at a time, nothing before it"
    );
    run.on_login(&server.handle(&req), 0);
    let Some(Command::Create { row, request }) = run.next_command(0) else {
        panic!()
    };
    assert_eq!(
        run.next_command(0),
        None,
        "one create until the first answer"
    );
    run.on_create(row, &server.handle(&request), 0);
    assert!(matches!(run.next_command(0), Some(Command::Create { .. })));
    assert!(matches!(run.next_command(0), Some(Command::Create { .. })));
    assert_eq!(
        run.next_command(0),
        None,
        "then at most `concurrency` at once"
    );
}

#[test]
fn excluded_rows_end_skipped_and_are_never_sent() {
    let mut server = FakeAurora::default();
    let mut run = start_with(SEED, "12345", RunConfig::default(), |rows| {
        rows[2].excluded = true
    });
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [
            Status::Created,
            Status::Created,
            Status::Skipped,
            Status::Created
        ]
    );
    assert_eq!(run.rows()[2].message, "Excluded by the user.");
    assert!(!server.users.contains_key("a3@localhost"));
    assert_eq!(server.creates, 3);
}

#[test]
fn resume_skips_finished_rows_and_resolves_unknown_ones() {
    let mut server = FakeAurora::default();
    // The previous run created a and lost b's answer (b was in fact created).
    server
        .users
        .insert("a@localhost".into(), (1, "p123".into()));
    server
        .users
        .insert("a2@localhost".into(), (2, "p232".into()));
    server.next_id = 2;
    let mut run = start(SEED, "12345", RunConfig::default());
    run.resume_from(
        &[
            (0, Status::Created, Some("1".into())),
            (1, Status::Unknown, None),
            (2, Status::Failed, None),
        ],
        0,
    );
    drive(&mut run, &mut server);
    let rows = run.rows();
    assert_eq!(
        statuses(&run),
        [
            Status::Created,
            Status::Exists,
            Status::Created,
            Status::Created
        ]
    );
    assert_eq!(rows[0].target_id.as_deref(), Some("1"));
    assert_eq!(rows[0].attempts, 0, "not sent again");
    assert!(rows[1].message.contains("most likely created"));
    assert_eq!(server.creates, 3);
    assert_eq!(server.users.len(), 4);
}

#[test]
fn a_102_mid_run_logs_in_again_and_sends_the_row_again() {
    let mut server = FakeAurora::with_faults([None, Some(Fault::Code(102))]);
    let config = RunConfig {
        concurrency: 1,
        ..RunConfig::default()
    };
    let mut run = start(SEED, "12345", config);
    drive(&mut run, &mut server);
    assert_eq!(statuses(&run), [Status::Created; 4]);
    assert_eq!(server.logins, 2);
    assert_eq!(
        run.rows()[1].attempts,
        1,
        "a re-login does not use up an attempt"
    );
}

#[test]
fn each_fatal_aurora_code_stops_with_its_cause() {
    for (code, kind) in [
        (108, StopKind::AccessDenied),
        (115, StopKind::Limit),
        (116, StopKind::AccessDenied),
    ] {
        let mut server = FakeAurora::with_faults([None, Some(Fault::Code(code))]);
        let config = RunConfig {
            concurrency: 1,
            ..RunConfig::default()
        };
        let mut run = start(SEED, "12345", config);
        drive(&mut run, &mut server);
        let Phase::Stopped(stop) = run.phase() else {
            panic!("{code}: {:?}", run.phase())
        };
        assert_eq!((stop.kind, stop.code), (kind, Some(code)));
        assert_eq!(
            statuses(&run),
            [
                Status::Created,
                Status::Failed,
                Status::Skipped,
                Status::Skipped
            ]
        );
        assert_eq!(run.rows()[1].code, Some(code));
        assert_eq!(run.rows()[2].code, None);
    }
}

#[test]
fn unknown_rows_are_settled_by_a_listing_after_the_run() {
    let config = RunConfig {
        concurrency: 1,
        max_attempts: 1,
        ..RunConfig::default()
    };
    // a: 500 after the insert; b: dropped before the server acted; c: fine.
    let mut server =
        FakeAurora::with_faults([Some(Fault::Http500AfterInsert), Some(Fault::Drop), None]);
    let mut run = start(
        "a@localhost | p1\nb@localhost | p2\nc@localhost | p3\n",
        "12345",
        config,
    );
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [Status::Unknown, Status::Unknown, Status::Created]
    );
    // The glue lists the server's accounts (GetUsers) and hands back the rows found.
    let on_server: Vec<usize> = ["a@localhost", "b@localhost", "c@localhost"]
        .iter()
        .enumerate()
        .filter(|(_, e)| server.users.contains_key(**e))
        .map(|(i, _)| i)
        .collect();
    run.settle_unknown(&on_server, 99_000);
    assert_eq!(
        statuses(&run),
        [Status::Exists, Status::Failed, Status::Created]
    );
    assert!(run.rows()[0].message.contains("most likely created"));
    assert!(run.rows()[1].message.contains("Not on the server"));
    assert_eq!(run.counts(), StatusCounts::of(statuses(&run)));
    assert!(run.take_changed().contains(&1));
}

#[test]
fn a_500_is_ambiguous_and_never_failed() {
    let config = RunConfig {
        concurrency: 1,
        max_attempts: 2,
        ..RunConfig::default()
    };
    let mut server = FakeAurora::with_faults([Some(Fault::Http500), Some(Fault::Http500)]);
    let mut run = start("a@localhost | p1\n", "12345", config);
    drive(&mut run, &mut server);
    let row = &run.rows()[0];
    assert_eq!(row.status, Status::Unknown, "{}", row.message);
    assert_eq!(row.code, Some(500));
    assert!(row.message.contains("may or may not"), "{}", row.message);
}

#[test]
fn php_notices_before_the_json_are_read_through() {
    let mut server =
        FakeAurora::with_faults([Some(Fault::NoticeBeforeJson), Some(Fault::NoticeBeforeJson)]);
    let mut run = start(SEED, "12345", RunConfig::default());
    drive(&mut run, &mut server);
    assert_eq!(statuses(&run), [Status::Created; 4]);
    assert_eq!(server.creates, 4, "nothing sent twice");
    for (i, row) in run.rows().iter().enumerate() {
        let email = [
            "a@localhost",
            "a2@localhost",
            "a3@localhost",
            "a4@localhost",
        ][i];
        assert_eq!(row.target_id, Some(server.users[email].0.to_string()));
    }
}

#[test]
fn a_500_or_html_after_the_insert_ends_exists_most_likely_created() {
    let mut server = FakeAurora::with_faults([
        // The first answer is normal, so the server is known to be Aurora.
        None,
        Some(Fault::Http500AfterInsert),
        Some(Fault::NotJsonAfterInsert),
    ]);
    let config = RunConfig {
        concurrency: 1,
        ..RunConfig::default()
    };
    let mut run = start(SEED, "12345", config);
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [
            Status::Created,
            Status::Exists,
            Status::Exists,
            Status::Created
        ]
    );
    for row in &run.rows()[1..3] {
        assert!(
            row.message.contains("most likely created"),
            "{}",
            row.message
        );
        assert_eq!(
            row.code,
            Some(111),
            "the final answer (111) decided, not the 500"
        );
    }
    assert_eq!(server.users.len(), 4);
}

#[test]
fn html_after_a_good_login_is_one_odd_answer_not_a_stop() {
    // The login's token proved the server is Aurora: HTML on the first create is one
    // odd (ambiguous) answer, resolved by the retry.
    let mut server = FakeAurora::with_faults([Some(Fault::NotJsonAfterInsert)]);
    let mut run = start(SEED, "12345", RunConfig::default());
    drive(&mut run, &mut server);
    assert_eq!(run.phase(), &Phase::Finished, "{:?}", run.phase());
    assert_eq!(
        statuses(&run),
        [
            Status::Exists,
            Status::Created,
            Status::Created,
            Status::Created
        ]
    );
    assert!(run.rows()[0].message.contains("most likely created"));
}

#[test]
fn token_expiry_every_ten_creates_with_two_dropped_relogins() {
    let file: String = (0..60)
        .map(|i| format!("u{i}@localhost | pw{i}\n"))
        .collect();
    let mut server = FakeAurora {
        expire_every: Some(10),
        // The first login works; the first re-login is dropped twice, then works.
        login_faults: [None, Some(LoginFault::Drop), Some(LoginFault::Drop)].into(),
        ..FakeAurora::default()
    };
    let mut run = start(&file, "12345", RunConfig::default());
    drive(&mut run, &mut server);
    assert_eq!(run.phase(), &Phase::Finished, "{:?}", run.phase());
    assert_eq!(run.counts().get(Status::Created), 60);
    assert_eq!(server.users.len(), 60);
    // 1 login + 6 re-logins after expiries, 2 of which were dropped once more.
    assert_eq!(server.logins, 1 + 6 + 2);
}

#[test]
fn a_dropped_or_failing_first_login_is_tried_again_then_stops() {
    let mut server = FakeAurora {
        login_faults: [Some(LoginFault::Http502), Some(LoginFault::Drop)].into(),
        ..FakeAurora::default()
    };
    let mut run = start(SEED, "12345", RunConfig::default());
    drive(&mut run, &mut server);
    assert_eq!(statuses(&run), [Status::Created; 4]);
    assert_eq!(server.logins, 3);

    let mut server = FakeAurora {
        login_faults: [Some(LoginFault::Drop); 10].into(),
        ..FakeAurora::default()
    };
    let mut run = start(SEED, "12345", RunConfig::default());
    let end = drive(&mut run, &mut server);
    assert_eq!(server.logins, MAX_LOGIN_ATTEMPTS as usize, "bounded");
    assert!(end > 0, "spaced by backoff");
    let Phase::LoginFailed(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::Unreachable);
    assert!(stop.message.contains("5 attempts"), "{}", stop.message);
    assert_eq!(statuses(&run), [Status::Skipped; 4]);
}

#[test]
fn a_relogin_that_keeps_failing_stops_with_rows_unknown_or_skipped() {
    let mut server = FakeAurora {
        expire_every: Some(2),
        login_faults: [
            None,
            Some(LoginFault::Http502),
            Some(LoginFault::Http502),
            Some(LoginFault::Http502),
            Some(LoginFault::Http502),
            Some(LoginFault::Http502),
        ]
        .into(),
        ..FakeAurora::default()
    };
    let config = RunConfig {
        concurrency: 1,
        ..RunConfig::default()
    };
    let mut run = start(SEED, "12345", config);
    drive(&mut run, &mut server);
    let Phase::Stopped(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::ServerFault);
    assert!(
        stop.message.contains("logging in again failed"),
        "{}",
        stop.message
    );
    assert_eq!(
        statuses(&run),
        [
            Status::Created,
            Status::Skipped,
            Status::Skipped,
            Status::Skipped
        ]
    );
}

#[test]
fn fruitless_logins_reset_on_any_answer_that_proves_the_token_worked() {
    // Every create after the first with each token expires it; the answers in between
    // are "exists": the run must not mistake that for tokens that never work.
    let file: String = (0..12)
        .map(|i| format!("u{i}@localhost | pw{i}\n"))
        .collect();
    let mut server = FakeAurora {
        expire_every: Some(2),
        ..FakeAurora::default()
    };
    for i in 0..12 {
        server
            .users
            .insert(format!("u{i}@localhost"), (i, "old".into()));
    }
    let config = RunConfig {
        concurrency: 1,
        ..RunConfig::default()
    };
    let mut run = start(&file, "12345", config);
    drive(&mut run, &mut server);
    assert_eq!(run.phase(), &Phase::Finished, "{:?}", run.phase());
    assert_eq!(run.counts().get(Status::Exists), 12);
}

#[test]
fn a_fatal_stop_leaves_ambiguous_rows_unknown_never_failed() {
    let config = RunConfig {
        concurrency: 1,
        max_attempts: 3,
        ..RunConfig::default()
    };
    // a: 500 after insert (ambiguous, retried later); b: licence limit, stop.
    let mut server = FakeAurora::with_faults([
        None,
        Some(Fault::Http500AfterInsert),
        Some(Fault::Code(115)),
    ]);
    let mut run = start(SEED, "12345", config);
    drive(&mut run, &mut server);
    let Phase::Stopped(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::Limit);
    assert_eq!(stop.code, Some(115));
    let rows = run.rows();
    assert_eq!(rows[0].status, Status::Created);
    assert_eq!(rows[1].status, Status::Unknown, "{}", rows[1].message);
    assert_eq!(rows[2].status, Status::Failed);
    assert_eq!(rows[2].code, Some(115));
    assert_eq!(rows[3].status, Status::Skipped);
    assert_eq!(rows[3].code, None);
}

#[test]
fn many_faults_in_a_row_pause_the_run_and_resume_goes_on() {
    let file: String = (0..20)
        .map(|i| format!("u{i}@localhost | pw{i}\n"))
        .collect();
    let mut faults = vec![None];
    faults.extend([Some(Fault::ResultFalse); 12]);
    let mut server = FakeAurora {
        faults: faults.into(),
        ..FakeAurora::default()
    };
    let config = RunConfig {
        concurrency: 1,
        ..RunConfig::default()
    };
    let mut run = start(&file, "12345", config);
    let mut now = 0;
    while run.phase() == &Phase::Running {
        if let Some(cmd) = run.next_command(now) {
            now += 10;
            match cmd {
                Command::Login(req) => run.on_login(&server.handle(&req), now),
                Command::Create { row, request } => {
                    run.on_create(row, &server.handle(&request), now)
                }
                Command::Probe { .. } | Command::Update { .. } => {
                    panic!("Aurora has no exists probe")
                }
                Command::Step { .. } | Command::Lookup { .. } => panic!("Aurora has no steps"),
            }
        } else {
            now = run.next_wake(now).expect("waiting on time");
        }
    }
    assert_eq!(run.phase(), &Phase::Paused);
    assert!(
        run.hold().unwrap().contains("12 answers"),
        "{:?}",
        run.hold()
    );
    assert!(run.counts().get(Status::Pending) > 0);
    run.resume(now);
    assert_eq!(run.hold(), None);
    drive(&mut run, &mut server);
    assert_eq!(run.counts().get(Status::Created), 20);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn fault() -> impl Strategy<Value = Option<Fault>> {
        prop_oneof![
            6 => Just(None),
            1 => Just(Some(Fault::Drop)),
            1 => Just(Some(Fault::LoseAnswer)),
            1 => Just(Some(Fault::Http500)),
            1 => Just(Some(Fault::ResultFalse)),
            1 => Just(Some(Fault::ExpireToken)),
            1 => Just(Some(Fault::Code(103))),
            1 => Just(Some(Fault::NoticeBeforeJson)),
            1 => Just(Some(Fault::Http500AfterInsert)),
            1 => Just(Some(Fault::NotJsonAfterInsert)),
        ]
    }

    fn login_fault() -> impl Strategy<Value = Option<LoginFault>> {
        prop_oneof![
            3 => Just(None),
            1 => Just(Some(LoginFault::Drop)),
            1 => Just(Some(LoginFault::Http502)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Under any faults, every row ends in exactly one final status, and the rows
        /// reported `created` or `exists` are exactly the accounts the server holds.
        #[test]
        fn every_row_accounted_for_once(
            n in 1usize..25,
            faults in proptest::collection::vec(fault(), 0..60),
            login_faults in proptest::collection::vec(login_fault(), 0..8),
            expire_every in proptest::option::of(2usize..9),
            concurrency in 1usize..7,
            max_attempts in 1u32..5,
        ) {
            let file: String = (0..n).map(|i| format!("u{i}@localhost | pw{i}\n")).collect();
            let config = RunConfig { concurrency, max_attempts, ..RunConfig::default() };
            let mut server = FakeAurora {
                faults: faults.into(),
                login_faults: login_faults.into(),
                expire_every,
                ..FakeAurora::default()
            };
            let mut run = start(&file, "12345", config);
            drive(&mut run, &mut server);
            prop_assert!(run.is_over());
            prop_assert_eq!(run.rows().len(), n);
            prop_assert_eq!(run.counts().done(), n);
            // The counts kept along the way match a recount.
            prop_assert_eq!(run.counts(), StatusCounts::of(run.rows().iter().map(|r| r.status)));
            for (i, row) in run.rows().iter().enumerate() {
                let email = format!("u{i}@localhost");
                let held = server.users.get(&email);
                match row.status {
                    Status::Created => {
                        let (id, password) = held.expect("created rows are on the server");
                        prop_assert_eq!(row.target_id.clone(), Some(id.to_string()));
                        prop_assert_eq!(password, &format!("pw{i}"));
                    }
                    Status::Exists => prop_assert!(held.is_some(), "row {} exists", i),
                    Status::Unknown => prop_assert!(row.answer_lost),
                    Status::Failed | Status::Rejected | Status::Skipped => {
                        prop_assert!(held.is_none(), "row {} is {} but on the server", i, row.status)
                    }
                    other => prop_assert!(false, "row {} ended {}", i, other),
                }
            }
            let reported = run.counts().get(Status::Created) + run.counts().get(Status::Exists);
            let unknown_held = run
                .rows()
                .iter()
                .enumerate()
                .filter(|(i, r)| r.status == Status::Unknown && server.users.contains_key(&format!("u{i}@localhost")))
                .count();
            prop_assert_eq!(reported + unknown_held, server.users.len());
        }
    }
}
