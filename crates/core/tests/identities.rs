//! Two rows, one account (issue 20): what identifies an account on each target, rows
//! that share an identity (a user name taken from the address included) flagged before
//! anything is sent, never two requests for one identity in flight, and an "exists" or
//! an update whose account is not the row's reported as a conflict, never as done.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use roster_core::http::{Exchange, HttpRequest, HttpResponse, Method};
use roster_core::input::map::{Field, Mapping, UserRow};
use roster_core::input::plan::{plan_with, users_of, PlannedRow, Sheet, Tally};
use roster_core::input::read::read;
use roster_core::run::retry::{repeat_counts, Decision, RetryPlan};
use roster_core::run::{Command, Run, RunConfig, Status};
use roster_core::targets::profile::{presets, Profile, ProfileTarget};
use roster_core::targets::send::{Outcome, ProbeAnswer, Secrets, Target};
use roster_core::targets::TargetKind;
use serde_json::json;

fn preset(id: &str) -> Arc<Profile> {
    Arc::new(presets().into_iter().find(|p| p.id == id).unwrap())
}

fn answer(status: u16, body: &str) -> Exchange {
    Exchange::Answered(HttpResponse::new(status, body))
}

fn kind(id: &str) -> TargetKind {
    TargetKind::by_id(id).unwrap_or_else(|| panic!("no target {id}"))
}

fn rules_of(id: &str) -> roster_core::input::validate::Rules {
    kind(id).rules(&BTreeMap::from([("realm".to_owned(), "r".to_owned())]))
}

// ---------------------------------------------------------------- declared identities

#[test]
fn every_target_declares_what_identifies_an_account() {
    let ids = |id: &str| kind(id).identities();
    assert_eq!(ids("aurora"), [Field::Email]);
    assert_eq!(ids("mumara"), [Field::Email]);
    assert_eq!(ids("synapse"), [Field::Username]);
    assert_eq!(ids("keycloak"), [Field::Username, Field::Email]);
    assert_eq!(ids("graph"), [Field::Email]);
    assert_eq!(ids("gitlab"), [Field::Username, Field::Email]);
    assert!(rules_of("synapse").unique_usernames);
    assert!(rules_of("keycloak").unique_usernames);
    assert!(!rules_of("graph").unique_usernames);
    assert!(!rules_of("aurora").unique_usernames);
    // A profile names only email or username, and only fields it has.
    let text = preset("graph").to_pretty_json().replace(
        "\"identities\": [\n    \"email\"\n  ]",
        "\"identities\": [\"name\"]",
    );
    let err = Profile::from_json(&text).unwrap_err();
    assert_eq!(err.path, "identities[0]", "{err}");
}

// ---------------------------------------------------------------- the plan

#[test]
fn two_addresses_with_one_local_part_are_one_synapse_account_and_are_flagged() {
    let t = read(
        b"email,password\njohn@a.org,pw-1\njohn@b.org,pw-2\nJohn@c.org,pw-3\nann@a.org,pw-4\n",
    )
    .unwrap();
    let rules = rules_of("synapse");
    let m = Mapping::auto_for(&t, rules.mapped_fields());
    let rows = plan_with(&t, &m, &rules);
    let texts: Vec<String> = rows.iter().map(PlannedRow::problems_text).collect();
    // The key words first, then the value (issue 27).
    assert!(
        texts[0].starts_with(
            "appears more than once (also on line 3, 4; the address's local part); the server would take those rows for one account; keep one and exclude or fix the others — username = \"john\""
        ),
        "{texts:?}"
    );
    assert!(texts[0].contains("also on line 3, 4"), "{texts:?}");
    assert!(texts[1].contains("also on line 2, 4"), "{texts:?}");
    // Compared as the server compares: the local part is lowered.
    assert!(texts[2].contains("also on line 2, 3"), "{texts:?}");
    assert!(texts[0].contains(" — username = "), "{texts:?}");
    assert!(rows[3].is_valid());
    // Aurora and Graph: the address identifies the account, these rows are distinct.
    for id in ["aurora", "graph"] {
        let rules = rules_of(id);
        let m = Mapping::auto_for(&t, rules.mapped_fields());
        let rows = plan_with(&t, &m, &rules);
        assert!(
            rows.iter()
                .all(|r| !r.problems_text().contains("appears more than once")),
            "{id}: {rows:?}"
        );
    }
}

#[test]
fn keycloak_flags_a_shared_user_name_and_a_shared_address_each() {
    let t = read(
        b"username,email,password\nann,ann@x.org,pw\nANN,other@x.org,pw\nbob,bob@x.org,pw\ncyd,BOB@x.org,pw\n",
    )
    .unwrap();
    let rules = rules_of("keycloak");
    let m = Mapping::auto_for(&t, rules.mapped_fields());
    let rows = plan_with(&t, &m, &rules);
    let invalid: Vec<bool> = rows.iter().map(|r| !r.is_valid()).collect();
    assert_eq!(invalid, [true, true, true, true]);
    assert!(rows[1]
        .problems_text()
        .starts_with("appears more than once"));
    assert!(rows[1].problems_text().contains(" — username = \"ANN\""));
    assert!(rows[1].problems_text().contains("\"ANN\""));
    assert!(rows[3]
        .problems_text()
        .contains("appears more than once (also on line"));
    assert!(rows[3].problems_text().contains("\"BOB@x.org\""));
}

#[test]
fn keep_the_first_works_for_user_names_and_changing_the_target_flags_again() {
    let t = read(b"email,password\njohn@a.org,pw-1\njohn@b.org,pw-2\nann@a.org,pw-3\n").unwrap();
    let aurora = rules_of("aurora");
    let m = Mapping::auto_for(&t, rules_of("synapse").mapped_fields());
    let mut sheet = Sheet::new(t, m, aurora);
    let mut rows = sheet.plan_all();
    assert!(rows.iter().all(PlannedRow::is_valid));
    // The target changes to Synapse: planning again flags the pair.
    sheet.rules = rules_of("synapse");
    let mut rows2 = sheet.plan_all();
    assert_eq!(Tally::of(&rows2).invalid, 2);
    // The page's steps (ranges) find the same.
    sheet.clear_duplicates();
    let mut stepped = sheet.plan_range(0..3);
    sheet.index_range(&stepped, 0..3);
    let marks = sheet.duplicate_marks();
    sheet.flag_range(&mut stepped, 0..3, &marks);
    assert_eq!(stepped, rows2);
    let mut tally = Tally::of(&rows2);
    let changed = sheet.keep_first_among(&mut rows2, &mut tally, &[0, 1, 2]);
    assert_eq!(changed, [0, 1]);
    let excluded: Vec<bool> = rows2.iter().map(|r| r.excluded).collect();
    assert_eq!(excluded, [false, true, false]);
    assert!(rows2[0].is_valid());
    assert_eq!(
        tally,
        Tally {
            valid: 2,
            invalid: 0,
            excluded: 1,
            missing: 0
        }
    );
    // Editing the kept row's address into another local part frees nothing and
    // flags nothing; editing the excluded row back in flags both again.
    let changed = sheet.set_excluded(&mut rows2, &mut tally, 1, false);
    assert_eq!(changed, [0, 1]);
    assert!(!rows2[0].is_valid() && !rows2[1].is_valid());
    let changed = sheet.edit(&mut rows2, &mut tally, 1, 0, "jo@b.org");
    assert_eq!(changed, [0, 1]);
    assert!(rows2[0].is_valid() && rows2[1].is_valid());
    assert_eq!(tally, Tally::of(&rows2));
    rows.clear();
}

#[test]
fn keep_the_first_takes_rows_in_order_against_the_rows_still_kept() {
    // Line 2 and 3 share a user name; 3 and 4 share an address. Keeping the first
    // excludes 3, after which 4 shares nothing with a kept row.
    let t = read(
        b"username,email,password,name\nann,ann@x.org,pw,A\nann,bob@x.org,pw,B\ncyd,bob@x.org,pw,C\n",
    )
    .unwrap();
    let rules = rules_of("gitlab");
    let m = Mapping::auto_for(&t, rules.mapped_fields());
    let mut sheet = Sheet::new(t, m, rules);
    let mut rows = sheet.plan_all();
    let mut tally = Tally::of(&rows);
    assert_eq!(tally.invalid, 3);
    sheet.keep_first_duplicates(&mut rows, &mut tally);
    let excluded: Vec<bool> = rows.iter().map(|r| r.excluded).collect();
    assert_eq!(excluded, [false, true, false]);
    assert!(rows[0].is_valid() && rows[2].is_valid(), "{rows:?}");
}

// ---------------------------------------------------------------- the run

/// A Synapse that records which accounts have a request in flight: the test sends every
/// command the run gives before answering any, as a browser does with `concurrency`
/// requests at once.
#[derive(Default)]
struct Synapse {
    users: BTreeMap<String, String>,
    puts: Vec<String>,
    most_in_flight_for_one: usize,
}

impl Synapse {
    fn user_of(request: &HttpRequest) -> String {
        let path = request
            .url
            .rsplit('/')
            .next()
            .unwrap()
            .replace("%40", "@")
            .replace("%3A", ":");
        path.trim_start_matches('@')
            .split(':')
            .next()
            .unwrap()
            .to_owned()
    }

    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        if request.url.ends_with("/_matrix/client/v3/login") {
            return answer(200, r#"{"user_id":"@admin:syn.test","access_token":"tok"}"#);
        }
        let local = Synapse::user_of(request);
        match request.method {
            Method::Get => match self.users.get(&local) {
                Some(email) => answer(
                    200,
                    &json!({"name": format!("@{local}:syn.test"), "threepids": [{"medium": "email", "address": email}]})
                        .to_string(),
                ),
                None => answer(404, r#"{"errcode":"M_NOT_FOUND","error":"User not found"}"#),
            },
            Method::Put => {
                self.puts.push(local.clone());
                let body: serde_json::Value = match &request.body {
                    roster_core::http::Body::Json(t) => serde_json::from_str(t).unwrap(),
                    other => panic!("{other:?}"),
                };
                let email = body["threepids"][0]["address"].as_str().unwrap().to_owned();
                let existed = self.users.insert(local.clone(), email).is_some();
                answer(
                    if existed { 200 } else { 201 },
                    &json!({"name": format!("@{local}:syn.test")}).to_string(),
                )
            }
            other => panic!("{other:?}"),
        }
    }
}

fn synapse_run(text: &str, concurrency: usize) -> (Run, usize) {
    let t = read(text.as_bytes()).unwrap();
    let rules = rules_of("synapse");
    let m = Mapping::auto_for(&t, rules.mapped_fields());
    // The engine's own plan, without the duplicate rules: rows that got through (an
    // edit after planning, a profile that declared less): the run is the last defence.
    let plan = roster_core::input::plan::plan(&t, &m, &[Field::Email, Field::Password]);
    let n = plan.len();
    let target = ProfileTarget::new(preset("synapse"), "http://syn", &BTreeMap::new());
    let run = Run::new(
        Box::new(target),
        Secrets::new()
            .with_shown("login", "admin")
            .with("password", "pw"),
        &plan,
        users_of(t, m, rules),
        RunConfig {
            concurrency,
            ..RunConfig::default()
        },
        0,
    );
    (run, n)
}

fn drive(run: &mut Run, server: &mut Synapse) {
    let mut now = 0;
    for _ in 0..10_000 {
        if run.is_over() {
            return;
        }
        let mut batch = Vec::new();
        while let Some(c) = run.next_command(now) {
            batch.push(c);
        }
        if batch.is_empty() {
            now = run.next_wake(now).unwrap_or(now + 10).max(now + 1);
            continue;
        }
        let mut per_user: BTreeMap<String, usize> = BTreeMap::new();
        for c in &batch {
            if let Command::Probe { request, .. } | Command::Create { request, .. } = c {
                *per_user.entry(Synapse::user_of(request)).or_default() += 1;
            }
        }
        server.most_in_flight_for_one = server
            .most_in_flight_for_one
            .max(per_user.values().copied().max().unwrap_or(0));
        for c in batch {
            now += 5;
            match c {
                Command::Login(r) => run.on_login(&server.handle(&r), now),
                Command::Probe { row, request } => run.on_probe(row, &server.handle(&request), now),
                Command::Create { row, request } => {
                    run.on_create(row, &server.handle(&request), now)
                }
                Command::Update { .. } => panic!("no update in this run"),
                Command::Step { .. } | Command::Lookup { .. } => {
                    panic!("these rows have no rooms to join")
                }
            }
        }
    }
    panic!("the run did not end")
}

#[test]
fn the_run_never_has_two_requests_for_one_identity_in_flight() {
    let (mut run, n) = synapse_run(
        "email,password\njohn@a.org,pw-1\njohn@b.org,pw-2\nann@a.org,pw-3\nJOHN@c.org,pw-4\nbob@a.org,pw-5\ncyd@a.org,pw-6\n",
        4,
    );
    let mut server = Synapse::default();
    drive(&mut run, &mut server);
    assert_eq!(server.most_in_flight_for_one, 1, "{:?}", run.rows());
    // One PUT for john: the first row's. The others found the account, and it is not
    // theirs (its address is john@a.org): conflicts, never `exists`.
    assert_eq!(server.puts.iter().filter(|u| *u == "john").count(), 1);
    assert_eq!(server.users["john"], "john@a.org");
    let statuses: Vec<Status> = run.rows().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Created,
            Status::Rejected,
            Status::Created,
            Status::Rejected,
            Status::Created,
            Status::Created
        ]
    );
    let message = &run.rows()[1].message;
    assert!(message.starts_with("Conflict: "), "{message}");
    assert!(
        message.contains("john@a.org") && message.contains("john@b.org"),
        "{message}"
    );
    assert!(message.contains("user name \"john\""), "{message}");
    assert_eq!(run.rows().len(), n);
}

#[test]
fn a_synapse_put_that_updates_is_a_conflict_never_created_or_exists() {
    let (mut run, _) = synapse_run("email,password\njohn@a.org,pw-1\n", 1);
    let mut server = Synapse::default();
    let Some(Command::Login(r)) = run.next_command(0) else {
        panic!()
    };
    run.on_login(&server.handle(&r), 1);
    let Some(Command::Probe { row, request }) = run.next_command(2) else {
        panic!()
    };
    run.on_probe(row, &server.handle(&request), 3);
    // Someone makes the account between the probe and the PUT.
    server
        .users
        .insert("john".into(), "john@elsewhere.org".into());
    let Some(Command::Create { row, request }) = run.next_command(4) else {
        panic!()
    };
    run.on_create(row, &server.handle(&request), 5);
    let state = &run.rows()[0];
    assert_eq!(state.status, Status::Rejected);
    assert!(
        state.message.starts_with("Conflict: Synapse answered 200"),
        "{}",
        state.message
    );
    assert!(
        state.message.contains("overwrote its password"),
        "{}",
        state.message
    );
    assert_eq!(
        run.counts().get(Status::Created) + run.counts().get(Status::Exists),
        0
    );
}

#[test]
fn a_probe_that_finds_the_rows_own_address_is_exists() {
    let (mut run, _) = synapse_run("email,password\nJohn@A.org,pw-1\n", 1);
    let mut server = Synapse::default();
    server.users.insert("john".into(), "john@a.org".into());
    drive(&mut run, &mut server);
    assert_eq!(run.rows()[0].status, Status::Exists);
    assert!(server.puts.is_empty());
}

// ---------------------------------------------------------------- answers

#[test]
fn each_409_is_classified_by_its_message() {
    let kc = ProfileTarget::new(
        preset("keycloak"),
        "https://kc",
        &BTreeMap::from([("realm".to_owned(), "r".to_owned())]),
    );
    match kc.read_create(&answer(
        409,
        r#"{"errorMessage":"User exists with same username"}"#,
    )) {
        Outcome::Exists {
            code: Some(409), ..
        } => {}
        other => panic!("{other:?}"),
    }
    match kc.read_create(&answer(
        409,
        r#"{"errorMessage":"User exists with same email"}"#,
    )) {
        Outcome::Conflict {
            code: Some(409),
            message,
        } => {
            assert!(
                message.contains("belongs to another Keycloak user"),
                "{message}"
            );
            assert!(
                message.ends_with("User exists with same email"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let gl = ProfileTarget::new(preset("gitlab"), "https://gl", &BTreeMap::new());
    for (body, words) in [
        (
            r#"{"message":"Email has already been taken"}"#,
            "another GitLab user",
        ),
        (
            r#"{"message":"Username has already been taken"}"#,
            "taken after the exists check",
        ),
    ] {
        match gl.read_create(&answer(409, body)) {
            Outcome::Conflict {
                code: Some(409),
                message,
            } => {
                assert!(message.contains(words), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
    // GitLab's probe: the user name's account, with its address for the comparison.
    let found = gl.read_probe(&answer(
        200,
        r#"[{"id":7,"username":"ann","email":"ann@x.org","state":"active"}]"#,
    ));
    match found {
        ProbeAnswer::Exists { emails, .. } => assert_eq!(emails, ["ann@x.org"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(gl.read_probe(&answer(200, "[]")), ProbeAnswer::Absent);
    let row = UserRow {
        email: "ann@x.org".into(),
        password: "pw".into(),
        name: Some("Ann".into()),
        username: Some("ann".into()),
        ..UserRow::default()
    };
    let probe = gl
        .exists_probe(&roster_core::targets::send::Session::new("t"), &row)
        .unwrap();
    assert_eq!(probe.url, "https://gl/api/v4/users?username=ann");
}

// ---------------------------------------------------------------- retry and resume

#[test]
fn retry_and_resume_never_count_a_conflict_as_done() {
    let (mut run, _) = synapse_run("email,password\njohn@a.org,pw-1\njohn@b.org,pw-2\n", 1);
    let mut server = Synapse::default();
    drive(&mut run, &mut server);
    assert_eq!(run.rows()[1].status, Status::Rejected);
    let t = read(b"email,password\njohn@a.org,pw-1\njohn@b.org,pw-2\n").unwrap();
    let m = Mapping::auto_for(&t, rules_of("synapse").mapped_fields());
    let plan = roster_core::input::plan::plan(&t, &m, &[Field::Email, Field::Password]);
    let retry = RetryPlan::new(&plan, run.rows(), &plan);
    match &retry.decisions[1] {
        Some(Decision::Carry {
            status, message, ..
        }) => {
            assert_eq!(*status, Status::Rejected);
            assert!(message.contains("Conflict"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Sending the file again would send the created row again (1 done), never the
    // conflict.
    let (to_retry, done) = repeat_counts(&[(&plan, run.rows())], &plan);
    assert_eq!((to_retry, done), (0, 1));
    // A resume carries created and exists rows only.
    let mut again = synapse_run("email,password\njohn@a.org,pw-1\njohn@b.org,pw-2\n", 1).0;
    let previous: Vec<(usize, Status, Option<String>)> = run
        .rows()
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.status, r.target_id.clone()))
        .collect();
    again.resume_from(&previous, 0);
    let statuses: Vec<Status> = again.rows().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Created, Status::Pending]);
    let _ = BTreeSet::<u8>::new();
}

#[test]
fn a_row_waiting_for_its_identity_ends_like_any_unsent_row_when_the_run_stops() {
    let (mut run, n) = synapse_run(
        "email,password\njohn@a.org,pw-1\njohn@b.org,pw-2\nann@a.org,pw-3\n",
        4,
    );
    let mut server = Synapse::default();
    let Some(Command::Login(r)) = run.next_command(0) else {
        panic!()
    };
    run.on_login(&server.handle(&r), 1);
    // The first answer opens the run up to 4 in flight.
    let Some(Command::Probe { row, request }) = run.next_command(2) else {
        panic!()
    };
    assert_eq!(row, 0);
    run.on_probe(row, &server.handle(&request), 3);
    let mut batch = Vec::new();
    while let Some(c) = run.next_command(4) {
        batch.push(c);
    }
    // Row 0's create and row 2's probe; row 1 (john again) waits.
    let rows: Vec<usize> = batch
        .iter()
        .map(|c| match c {
            Command::Probe { row, .. } | Command::Create { row, .. } => *row,
            Command::Login(_)
            | Command::Update { .. }
            | Command::Step { .. }
            | Command::Lookup { .. } => panic!(),
        })
        .collect();
    assert_eq!(rows, [0, 2]);
    assert_eq!(run.rows()[1].status, Status::Pending);
    assert!(run.rows()[1]
        .message
        .starts_with("Waiting: another row with the same"));
    run.cancel(5);
    for c in batch {
        match c {
            Command::Probe { row, request } => run.on_probe(row, &server.handle(&request), 6),
            Command::Create { row, request } => run.on_create(row, &server.handle(&request), 6),
            Command::Login(_)
            | Command::Update { .. }
            | Command::Step { .. }
            | Command::Lookup { .. } => panic!(),
        }
    }
    assert!(run.is_over());
    let statuses: Vec<Status> = run.rows().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Status::Created, Status::Skipped, Status::Skipped]
    );
    assert_eq!(run.counts().done(), n);
}
