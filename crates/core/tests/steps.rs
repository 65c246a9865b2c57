//! Steps after a create (issue 24): a profile's requests run after a row's create
//! succeeds, once per value of a `;`-separated column, as requests of the run; a failed
//! step leaves the account `created` with a warning; a retry sends the failed steps and
//! never a second create.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse, Method};
use roster_core::input::map::{Field, UserRow};
use roster_core::input::plan::PlannedRow;
use roster_core::report;
use roster_core::run::retry::{count_to_send, RetryPlan};
use roster_core::run::{Command, Phase, Run, RunConfig, Status, StepOutcome};
use roster_core::targets::profile::{presets, Profile, ProfileTarget};
use roster_core::targets::send::{Secrets, Session, Target};
use serde_json::{json, Value};

fn preset(id: &str) -> Arc<Profile> {
    Arc::new(presets().into_iter().find(|p| p.id == id).unwrap())
}

fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn user(name: &str, groups: &str) -> UserRow {
    UserRow {
        username: Some(name.into()),
        email: format!("{name}@x.org"),
        password: "Pw-123456".into(),
        name: Some("A Person".into()),
        custom: if groups.is_empty() {
            Vec::new()
        } else {
            vec![(Field::custom("groups").unwrap(), groups.into())]
        },
        ..UserRow::default()
    }
}

fn planned(users: &[UserRow]) -> Vec<PlannedRow> {
    users
        .iter()
        .enumerate()
        .map(|(i, u)| PlannedRow {
            line: i as u32 + 2,
            email: u.email.as_str().into(),
            username: u.username.as_deref().unwrap_or_default().into(),
            has_password: true,
            excluded: false,
            findings: Default::default(),
        })
        .collect()
}

fn answer(status: u16, body: &str) -> Exchange {
    Exchange::Answered(HttpResponse::new(status, body))
}

/// Keycloak's admin API as its sources answer it: the token, the users collection
/// (201 with a Location), a user's group membership (204; 404 `Group not found`) and
/// execute-actions-email (204).
#[derive(Default)]
struct FakeKeycloak {
    groups: BTreeSet<String>,
    users: BTreeSet<String>,
    memberships: BTreeSet<(String, String)>,
    invited: Vec<(String, Value)>,
    /// Group PUTs answered 503 (a proxy's fault), whatever the group.
    failing: bool,
    /// The `Location` a browser cannot read (Keycloak's CORS exposes no header).
    hide_location: bool,
    requests: Vec<(Method, String)>,
}

impl FakeKeycloak {
    fn handle(&mut self, r: &HttpRequest) -> Exchange {
        self.requests.push((r.method, r.url.clone()));
        if r.url.ends_with("/protocol/openid-connect/token") {
            return answer(200, r#"{"access_token":"t","expires_in":60}"#);
        }
        let path = r
            .url
            .strip_prefix("http://kc/admin/realms/r/users")
            .unwrap();
        if path.is_empty() && r.method == Method::Post {
            let Body::Json(text) = &r.body else { panic!() };
            let body: Value = serde_json::from_str(text).unwrap();
            let name = body["username"].as_str().unwrap().to_owned();
            if !self.users.insert(name.clone()) {
                return answer(409, r#"{"errorMessage":"User exists with same username"}"#);
            }
            if self.hide_location {
                return answer(201, "");
            }
            return Exchange::Answered(HttpResponse::new(201, "").with_header(
                "Location",
                &format!("http://kc/admin/realms/r/users/id-{name}"),
            ));
        }
        if let Some(query) = path.strip_prefix("?") {
            // The search by user name (`exact=true`).
            let name = query
                .split('&')
                .find_map(|p| p.strip_prefix("username="))
                .unwrap_or_default();
            assert!(query.contains("exact=true"), "{query}");
            let found: Vec<Value> = self
                .users
                .iter()
                .filter(|u| *u == name)
                .map(|u| json!({"id": format!("id-{u}"), "username": u}))
                .collect();
            return answer(200, &Value::Array(found).to_string());
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (r.method, parts.as_slice()) {
            (Method::Put, [id, "groups", group]) => {
                if self.failing {
                    return answer(503, "<html><body>Service Unavailable</body></html>");
                }
                if !self.groups.contains(*group) {
                    return answer(404, r#"{"error":"Group not found"}"#);
                }
                self.memberships.insert(((*id).into(), (*group).into()));
                answer(204, "")
            }
            (Method::Put, [id, "execute-actions-email"]) => {
                let Body::Json(text) = &r.body else { panic!() };
                self.invited
                    .push(((*id).into(), serde_json::from_str(text).unwrap()));
                answer(204, "")
            }
            _ => answer(404, r#"{"error":"HTTP 404 Not Found"}"#),
        }
    }

    fn creates(&self) -> usize {
        self.requests
            .iter()
            .filter(|(m, u)| *m == Method::Post && u.ends_with("/users"))
            .count()
    }
}

fn keycloak_run(users: &[UserRow], extra: &[(&str, &str)]) -> Run {
    let mut pairs = vec![("realm", "r")];
    pairs.extend_from_slice(extra);
    let target = ProfileTarget::new(preset("keycloak"), "http://kc", &settings(&pairs));
    let users_owned = users.to_vec();
    Run::new(
        Box::new(target),
        Secrets::new()
            .with_shown("login", "admin")
            .with("password", "pw"),
        &planned(users),
        move |i| users_owned.get(i).cloned(),
        RunConfig {
            concurrency: 2,
            ..RunConfig::default()
        },
        0,
    )
}

fn drive(run: &mut Run, kc: &mut FakeKeycloak) {
    let mut now = 0;
    for _ in 0..10_000 {
        if run.is_over() {
            return;
        }
        match run.next_command(now) {
            Some(Command::Login(r)) => run.on_login(&kc.handle(&r), now),
            Some(Command::Create { row, request }) => run.on_create(row, &kc.handle(&request), now),
            Some(Command::Step { row, step, request }) => {
                run.on_step(row, step, &kc.handle(&request), now)
            }
            Some(Command::Probe { .. }) => panic!("Keycloak has no probe"),
            Some(Command::Update { .. }) => panic!("updates are not switched on"),
            Some(Command::Lookup { .. }) => panic!("no create conflicts here"),
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
    }
    panic!("the run did not end");
}

#[test]
fn steps_run_once_per_value_after_the_create() {
    let mut kc = FakeKeycloak {
        groups: ["g1", "g2"].map(String::from).into(),
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1; g2;g1; "), user("bob", "")];
    let mut run = keycloak_run(&users, &[]);
    drive(&mut run, &mut kc);
    assert_eq!(run.phase(), &Phase::Finished);
    let rows = run.rows();
    assert_eq!(rows[0].status, Status::Created);
    assert_eq!(rows[1].status, Status::Created);
    // One PUT per distinct value, for the id the create's Location gave.
    let puts: Vec<&str> = kc
        .requests
        .iter()
        .filter(|(m, _)| *m == Method::Put)
        .map(|(_, u)| u.as_str())
        .collect();
    assert_eq!(
        puts,
        [
            "http://kc/admin/realms/r/users/id-ann/groups/g1",
            "http://kc/admin/realms/r/users/id-ann/groups/g2"
        ]
    );
    assert_eq!(
        kc.memberships,
        [("id-ann", "g1"), ("id-ann", "g2")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .into()
    );
    let outcomes: Vec<StepOutcome> = rows[0].steps.iter().map(|s| s.outcome).collect();
    assert_eq!(outcomes, [StepOutcome::Done, StepOutcome::Done]);
    assert!(rows[1].steps.is_empty());
    assert_eq!(rows[0].message, "");
    // The report shows each step's outcome.
    let csv = report::csv_report(&planned(&users), rows);
    assert!(csv.lines().next().unwrap().ends_with(",steps"), "{csv}");
    assert!(
        csv.contains("Join group g1: done; Join group g2: done"),
        "{csv}"
    );
    // No invitation unless the setting says so.
    assert!(kc.invited.is_empty());
}

#[test]
fn a_failed_step_leaves_the_account_created_with_a_warning_and_a_retry_sends_only_it() {
    let mut kc = FakeKeycloak {
        groups: ["g1"].map(String::from).into(),
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1;staff"), user("bob", "g1")];
    let mut run = keycloak_run(&users, &[]);
    drive(&mut run, &mut kc);
    assert_eq!(run.phase(), &Phase::Finished);
    let rows = run.rows().to_vec();
    assert_eq!(rows[0].status, Status::Created);
    assert_eq!(rows[0].steps[0].outcome, StepOutcome::Done);
    assert_eq!(rows[0].steps[1].outcome, StepOutcome::Failed);
    assert!(
        rows[0].steps[1].message.contains("Group not found"),
        "{:?}",
        rows[0].steps[1]
    );
    assert!(
        rows[0].message.contains(
            "Warning: the account was created, but 1 of 2 steps failed: Join group staff: failed"
        ),
        "{}",
        rows[0].message
    );
    assert_eq!(rows[1].status, Status::Created);
    assert_eq!(rows[1].message, "");
    assert_eq!(kc.creates(), 2);
    let summary = roster_core::run::steps_summary(&rows).unwrap();
    assert!(
        summary.starts_with("Steps after create: 2 done, 1 failed"),
        "{summary}"
    );

    // The retry file holds the row with the failed step.
    let plan = planned(&users);
    assert_eq!(count_to_send(&plan, &rows, &plan), 1);
    let retry = RetryPlan::new(&plan, &rows, &plan);
    assert_eq!(retry.to_send(), [0]);

    // Retrying it sends that step again, for the same account, and no create.
    kc.groups.insert("staff".into());
    kc.requests.clear();
    let mut again = keycloak_run(&users, &[]);
    again.retry(&retry, 0);
    drive(&mut again, &mut kc);
    assert_eq!(kc.creates(), 0, "{:?}", kc.requests);
    let puts: Vec<&str> = kc
        .requests
        .iter()
        .filter(|(m, _)| *m == Method::Put)
        .map(|(_, u)| u.as_str())
        .collect();
    assert_eq!(puts, ["http://kc/admin/realms/r/users/id-ann/groups/staff"]);
    let rows = again.rows();
    assert_eq!(rows[0].status, Status::Created);
    assert!(rows[0].steps.iter().all(|s| s.outcome == StepOutcome::Done));
    assert!(!rows[0].message.contains("Warning"), "{}", rows[0].message);
    assert_eq!(rows[1].status, Status::Created);
    assert!(kc.memberships.contains(&("id-ann".into(), "staff".into())));
    assert_eq!(
        roster_core::run::steps_summary(rows).as_deref(),
        Some("Steps after create: 2 done.")
    );
}

#[test]
fn a_step_whose_faults_do_not_pass_fails_after_its_attempts_and_the_account_stays_created() {
    let mut kc = FakeKeycloak {
        failing: true,
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1")];
    let mut run = keycloak_run(&users, &[]);
    drive(&mut run, &mut kc);
    let row = &run.rows()[0];
    assert_eq!(row.status, Status::Created);
    assert_eq!(row.steps[0].outcome, StepOutcome::Failed);
    assert_eq!(row.steps[0].attempts, RunConfig::default().max_attempts);
    assert!(row.message.contains("Warning"), "{}", row.message);
    assert_eq!(kc.creates(), 1);
}

#[test]
fn the_keycloak_invitation_is_a_step_when_its_setting_says_yes() {
    let mut kc = FakeKeycloak::default();
    let users = [user("ann", "")];
    let mut run = keycloak_run(&users, &[("invite", "yes")]);
    drive(&mut run, &mut kc);
    let row = &run.rows()[0];
    assert_eq!(row.status, Status::Created);
    assert_eq!(row.steps.len(), 1);
    assert_eq!(row.steps[0].label, "Invitation e-mail");
    assert_eq!(row.steps[0].outcome, StepOutcome::Done);
    assert_eq!(
        kc.invited,
        [("id-ann".to_owned(), json!(["UPDATE_PASSWORD"]))]
    );
    let csv = report::csv_report(&planned(&users), run.rows());
    assert!(csv.contains("Invitation e-mail: done"), "{csv}");
}

#[test]
fn synapse_joins_rooms_and_gitlab_adds_to_groups_as_their_apis_document() {
    let session = Session::new("t").with_captured("server_name", "sandbox");
    let synapse = ProfileTarget::new(preset("synapse"), "http://syn", &settings(&[]));
    let row = UserRow {
        custom: vec![(
            Field::custom("rooms").unwrap(),
            "#lobby:sandbox;!abc:sandbox".into(),
        )],
        ..user("ann", "")
    };
    let tasks = synapse.steps_for(&row);
    assert_eq!(tasks.len(), 2);
    let join = synapse
        .step(&session, &row, Some("@ann:sandbox"), &tasks[0])
        .unwrap();
    assert_eq!(join.method, Method::Post);
    assert_eq!(
        join.url,
        "http://syn/_synapse/admin/v1/join/%23lobby%3Asandbox"
    );
    assert_eq!(
        join.body,
        Body::Json(r#"{"user_id":"@ann:sandbox"}"#.into())
    );
    let done = synapse.read_step(&tasks[0], &answer(200, r#"{"room_id":"!abc:sandbox"}"#));
    assert!(matches!(
        done,
        roster_core::targets::send::Outcome::Created { .. }
    ));
    // The admin not in the room: that row's join is refused, the run goes on.
    let refused = synapse.read_step(
        &tasks[1],
        &answer(
            403,
            r#"{"errcode":"M_FORBIDDEN","error":"User @admin:sandbox not in room"}"#,
        ),
    );
    assert!(
        matches!(
            refused,
            roster_core::targets::send::Outcome::Rejected { .. }
        ),
        "{refused:?}"
    );

    let gitlab = ProfileTarget::new(
        preset("gitlab"),
        "http://gl",
        &settings(&[("access_level", "40")]),
    );
    let row = user("ann", "7; dev/team");
    let tasks = gitlab.steps_for(&row);
    let add = gitlab.step(&session, &row, Some("12"), &tasks[1]).unwrap();
    assert_eq!(add.url, "http://gl/api/v4/groups/dev%2Fteam/members");
    let Body::Json(text) = &add.body else {
        panic!()
    };
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"user_id": 12, "access_level": 40})
    );
    let exists = gitlab.read_step(
        &tasks[0],
        &answer(409, r#"{"message":"Member already exists"}"#),
    );
    assert!(matches!(
        exists,
        roster_core::targets::send::Outcome::Exists { .. }
    ));
}

#[test]
fn a_resumed_run_sends_the_steps_its_journal_had_not_done_and_no_create() {
    use roster_core::run::journal::Journal;
    use roster_core::targets::TargetId;
    let mut kc = FakeKeycloak {
        groups: ["g1", "g2"].map(String::from).into(),
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1;g2")];
    let mut run = keycloak_run(&users, &[]);
    // Log in, create, and send the first step; the page dies before its answer.
    let mut now = 0;
    let mut sent_step = None;
    while sent_step.is_none() {
        match run.next_command(now) {
            Some(Command::Login(r)) => run.on_login(&kc.handle(&r), now),
            Some(Command::Create { row, request }) => run.on_create(row, &kc.handle(&request), now),
            Some(Command::Step { step, request, .. }) => {
                kc.handle(&request);
                sent_step = Some(step);
            }
            _ => now += 10,
        }
    }
    let mut journal = Journal::new(
        "f",
        "users.csv",
        &TargetId::new("keycloak"),
        "http://kc",
        0.0,
    );
    journal.record(run.rows(), false, 1.0);
    // Stored and read back as the page does.
    let head = journal.head();
    let pages = vec![Some(
        journal.page_json(0, head.page_seqs.first().copied().unwrap_or(0)),
    )];
    let head = roster_core::run::journal::Head {
        page_seqs: vec![head.page_seqs.first().copied().unwrap_or(0)],
        ..head
    };
    let back = Journal::from_pages(&head, &pages).unwrap();
    assert_eq!(back.step_letters(), [(0, "sp".to_owned())]);
    assert!(!journal.to_json().contains("g1"), "no value of the file");

    kc.requests.clear();
    let mut resumed = keycloak_run(&users, &[]);
    resumed.resume_from(&back.previous(), 0);
    resumed.resume_steps(back.step_letters(), &[], 0);
    drive(&mut resumed, &mut kc);
    assert_eq!(kc.creates(), 0, "{:?}", kc.requests);
    // Both steps go (the one in flight may not have arrived), none twice in this run.
    let puts: Vec<&str> = kc
        .requests
        .iter()
        .filter(|(m, _)| *m == Method::Put)
        .map(|(_, u)| u.as_str())
        .collect();
    assert_eq!(
        puts,
        [
            "http://kc/admin/realms/r/users/id-ann/groups/g1",
            "http://kc/admin/realms/r/users/id-ann/groups/g2"
        ]
    );
    let row = &resumed.rows()[0];
    assert_eq!(row.status, Status::Created);
    assert!(
        row.steps.iter().all(|s| s.outcome == StepOutcome::Done),
        "{row:?}"
    );
}

#[test]
fn without_a_readable_location_the_steps_find_the_id_by_the_user_name_first() {
    let mut kc = FakeKeycloak {
        groups: ["g1"].map(String::from).into(),
        hide_location: true,
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1"), user("bob", "")];
    let mut run = keycloak_run(&users, &[]);
    drive(&mut run, &mut kc);
    let rows = run.rows();
    assert_eq!(rows[0].status, Status::Created);
    assert_eq!(rows[0].target_id.as_deref(), Some("id-ann"));
    let words: Vec<String> = rows[0].steps.iter().map(|s| s.words()).collect();
    assert_eq!(
        words,
        ["Find the new account's id: done", "Join group g1: done"]
    );
    // bob has no steps: no lookup either.
    assert!(rows[1].steps.is_empty());
    assert_eq!(rows[1].target_id, None);
    let after_create: Vec<(Method, &str)> = kc
        .requests
        .iter()
        .filter(|(_, u)| !u.ends_with("/token") && !u.ends_with("/users"))
        .map(|(m, u)| (*m, u.as_str()))
        .collect();
    assert_eq!(
        after_create,
        [
            (
                Method::Get,
                "http://kc/admin/realms/r/users?username=ann&exact=true"
            ),
            (
                Method::Put,
                "http://kc/admin/realms/r/users/id-ann/groups/g1"
            ),
        ]
    );
    assert!(kc.memberships.contains(&("id-ann".into(), "g1".into())));
}

#[test]
fn gitlabs_invitation_goes_with_the_create_and_is_reported_per_row() {
    let target = ProfileTarget::new(
        preset("gitlab"),
        "http://gl",
        &settings(&[("invite", "yes")]),
    );
    let users = [user("ann", "31"), user("bob", "")];
    let users_owned = users.to_vec();
    let mut run = Run::new(
        Box::new(target),
        Secrets::new().with("access_token", "glpat"),
        &planned(&users),
        move |i| users_owned.get(i).cloned(),
        RunConfig::default(),
        0,
    );
    let mut creates: Vec<Value> = Vec::new();
    let mut members: Vec<String> = Vec::new();
    let mut now = 0;
    while !run.is_over() {
        let handle = |r: &HttpRequest, creates: &mut Vec<Value>, members: &mut Vec<String>| {
            if r.method == Method::Get {
                return answer(200, "[]");
            }
            let Body::Json(text) = &r.body else { panic!() };
            if r.url.ends_with("/api/v4/users") {
                creates.push(serde_json::from_str(text).unwrap());
                return answer(201, &format!(r#"{{"id":{}}}"#, creates.len() + 1));
            }
            members.push(format!("{} {text}", r.url));
            answer(201, r#"{"id":2,"access_level":30}"#)
        };
        match run.next_command(now) {
            Some(Command::Login(_)) => panic!("a pasted token"),
            Some(Command::Probe { row, request }) => {
                run.on_probe(row, &handle(&request, &mut creates, &mut members), now)
            }
            Some(Command::Create { row, request }) => {
                run.on_create(row, &handle(&request, &mut creates, &mut members), now)
            }
            Some(Command::Step { row, step, request }) => run.on_step(
                row,
                step,
                &handle(&request, &mut creates, &mut members),
                now,
            ),
            Some(Command::Update { .. }) => panic!("updates are not switched on"),
            Some(Command::Lookup { .. }) => panic!("no create conflicts here"),
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
    }
    // The create asks GitLab for the reset e-mail; no request of its own follows.
    assert!(
        creates.iter().all(|c| c["reset_password"] == json!(true)),
        "{creates:?}"
    );
    assert_eq!(
        members,
        [r#"http://gl/api/v4/groups/31/members {"access_level":30,"user_id":2}"#]
    );
    let csv = report::csv_report(&planned(&users), run.rows());
    assert!(
        csv.contains("Join group 31: done; Invitation e-mail (reset_password): done (asked for with the create)"),
        "{csv}"
    );
    assert!(
        run.rows()[1].steps.iter().map(|s| s.words()).eq([
            "Invitation e-mail (reset_password): done (asked for with the create)".to_owned()
        ]),
        "{:?}",
        run.rows()[1].steps
    );
}

/// Issue 24: "an invitation e-mail INSTEAD of a password". With the invitation on, the
/// password is not required, and neither Keycloak's nor GitLab's create sends one, even
/// when the row gives one; without it, both send the row's password.
#[test]
fn with_the_invitation_on_rows_need_no_password_and_the_create_sends_none() {
    use roster_core::targets::TargetKind;
    let session = Session::new("t");
    let ann = user("ann", "");
    for (id, key) in [("keycloak", "credentials"), ("gitlab", "password")] {
        let kind = TargetKind::by_id(id).unwrap();
        let off = settings(&[("realm", "r")]);
        let on = settings(&[("realm", "r"), ("invite", "yes")]);
        assert!(kind.required(&off).contains(&Field::Password), "{id}");
        assert!(!kind.required(&on).contains(&Field::Password), "{id}");
        assert!(!kind.invites(&off) && kind.invites(&on), "{id}");
        // The row is valid without a password once the invitation is on.
        let rules = kind.rules(&on);
        assert!(!rules.required.contains(&Field::Password), "{id}");

        let body = |s: &BTreeMap<String, String>| -> Value {
            let target = ProfileTarget::new(preset(id), "http://x", s);
            let Body::Json(text) = target.create(&session, &ann).body else {
                panic!("{id}: a JSON create")
            };
            serde_json::from_str(&text).unwrap()
        };
        let sent = body(&off);
        assert!(sent.get(key).is_some(), "{id} sends the password: {sent}");
        assert!(sent.to_string().contains("Pw-123456"), "{id}: {sent}");
        let sent = body(&on);
        assert!(sent.get(key).is_none(), "{id} sends no {key}: {sent}");
        assert!(!sent.to_string().contains("Pw-123456"), "{id}: {sent}");
        assert_eq!(sent["username"], json!("ann"), "{id}: {sent}");
        if id == "gitlab" {
            // GitLab's API needs one of password / reset_password / force_random_password.
            assert_eq!(sent["reset_password"], json!(true), "{sent}");
        }
    }
}

#[test]
fn a_setting_may_replace_only_a_field_the_profile_declares() {
    let text = preset("gitlab")
        .to_pretty_json()
        .replace(r#""replaces": ["#, r#""replaces": ["pasword", "#)
        .replace(
            "\"replaces\": [\n        \"password\"",
            "\"replaces\": [\n        \"pasword\"",
        );
    let err = Profile::from_json(&text).unwrap_err();
    assert!(
        err.to_string()
            .contains("`pasword` is not one of the profile's fields"),
        "{err}"
    );
    assert!(Profile::from_json(&preset("gitlab").to_pretty_json()).is_ok());
}

/// Issue 24: "A retry file holds the failed steps. Retrying them never sends a second
/// create." The downloaded rows to retry hold a created row whose step failed, with its
/// failed steps in Roster's own column; a row that failed itself has that cell empty.
#[test]
fn the_rows_to_retry_hold_created_rows_with_their_failed_steps() {
    let mut kc = FakeKeycloak {
        groups: ["g1"].map(String::from).into(),
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1;staff;=2+3"), user("bob", "g1")];
    let mut run = keycloak_run(&users, &[]);
    drive(&mut run, &mut kc);
    let mut rows = run.rows().to_vec();
    assert_eq!(rows[0].status, Status::Created);
    assert_eq!(rows[0].steps[1].outcome, StepOutcome::Failed);
    rows[1].status = Status::Failed;
    let file = "username,email,password,name,Groups\r\nann,ann@x.org,Pw-123456,A Person,g1;staff;=2+3\r\nbob,bob@x.org,Pw-123456,A Person,g1\r\n";
    let table = roster_core::input::read::read(file.as_bytes()).unwrap();
    let retry = report::retry_file(&table, &rows).unwrap();
    assert_eq!(
        retry,
        "username,email,password,name,Groups,steps to retry\r\nann,ann@x.org,Pw-123456,A Person,g1;staff;=2+3,Join group: staff; Join group: =2+3\r\nbob,bob@x.org,Pw-123456,A Person,g1,\r\n"
    );
    // Nothing is left out, so nothing is said about it; the page offers the download.
    assert_eq!(report::steps_left_out(true, &rows), 0);
    assert_eq!(
        report::steps_left_out_note(true, &rows, report::RETRY_ON_PAGE),
        None
    );
    assert_eq!(report::steps_in_retry_file(true, &rows), 1);
    // Alone, the created row still makes a file.
    rows[1].status = Status::Created;
    let alone = report::retry_file(&table, &rows).unwrap();
    assert!(
        alone.contains("ann@x.org") && !alone.contains("bob@x.org"),
        "{alone}"
    );

    // A file without a header has no room for the column: the row is left out, and
    // the note says so.
    let bare =
        "ann,ann@x.org,Pw-123456,A Person,g1;staff;=2+3\r\nbob,bob@x.org,Pw-123456,A Person,g1\r\n";
    let bare = roster_core::input::read::read(bare.as_bytes()).unwrap();
    assert!(bare.header.is_none());
    assert_eq!(report::retry_file(&bare, &rows), None);
    assert_eq!(
        report::steps_left_out_note(false, &rows, report::RETRY_ON_PAGE).as_deref(),
        Some("1 account with failed steps: use Retry on this page (the rows to retry of a file without a header leave them out: dropped back in, they would be sent again as new accounts; with a header, the column \"steps to retry\" holds their failed steps).")
    );
}

/// The column's cell is Roster's own text in a file the admin opens in a spreadsheet:
/// a step whose words start like a formula gets the file's `'` guard, as every cell of
/// the rows to retry, and reading the file back takes the guard off.
#[test]
fn the_steps_cell_is_safe_against_formula_injection_and_reads_back() {
    use roster_core::run::retry::{file_steps, read_steps_cell, steps_cell};
    use roster_core::run::StepState;
    let mut row = roster_core::run::RowState {
        status: Status::Created,
        message: String::new(),
        code: None,
        excluded: false,
        target_id: None,
        attempts: 1,
        answer_lost: false,
        first_sent_ms: None,
        finished_ms: None,
        steps: Vec::new(),
    };
    let step = |label: &str, value: &str, outcome| StepState {
        step: 0,
        label: label.into(),
        value: value.into(),
        outcome,
        message: "x".into(),
        attempts: 1,
    };
    row.steps = vec![
        step("=HYPERLINK(\"http://evil\")", "7", StepOutcome::Failed),
        step("Join group", "8", StepOutcome::Done),
        step("@Join", "", StepOutcome::Failed),
    ];
    let cell = steps_cell(&row);
    assert_eq!(cell, "=HYPERLINK(\"http://evil\"): 7; @Join");
    let table = roster_core::input::read::read(b"email,password\nann@x.org,pw\n").unwrap();
    let file = report::retry_file(&table, std::slice::from_ref(&row)).unwrap();
    assert_eq!(
        file,
        "email,password,steps to retry\r\nann@x.org,pw,\"'=HYPERLINK(\"\"http://evil\"\"): 7; @Join\"\r\n"
    );
    let back = roster_core::input::read::read(file.as_bytes()).unwrap();
    assert_eq!(
        file_steps(&back),
        [(
            0,
            vec![
                "=HYPERLINK(\"http://evil\"): 7".to_owned(),
                "@Join".to_owned()
            ]
        )]
    );
    // A cell that starts with a quote of its own keeps it.
    assert_eq!(read_steps_cell("'quoted: 1"), ["'quoted: 1"]);
}

/// The rows to retry dropped back in: the row with steps is never created; its account
/// is looked up by its user name, then exactly its failed steps are sent. The column is
/// no field: the mapping leaves it alone.
#[test]
fn a_dropped_back_retry_file_sends_no_create_and_only_the_failed_steps() {
    let mut kc = FakeKeycloak {
        groups: ["g1"].map(String::from).into(),
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1;staff"), user("bob", "g9")];
    let mut run = keycloak_run(&users, &[]);
    drive(&mut run, &mut kc);
    let rows = run.rows().to_vec();
    assert_eq!(kc.creates(), 2);
    let file = "username,email,password,name,Groups\r\nann,ann@x.org,Pw-123456,A Person,g1;staff\r\nbob,bob@x.org,Pw-123456,A Person,g9\r\n";
    let table = roster_core::input::read::read(file.as_bytes()).unwrap();
    let retry = report::retry_file(&table, &rows).unwrap();

    // Read back as the page and the CLI read it.
    let back = roster_core::input::read::read(retry.as_bytes()).unwrap();
    let rules = preset("keycloak").rules();
    let fields = rules.mapped_fields();
    let mapping = roster_core::input::map::Mapping::auto_for(&back, &fields);
    assert_eq!(mapping.columns[5], None, "{mapping:?}");
    assert!(!mapping
        .not_imported(&back)
        .iter()
        .any(|c| c == "steps to retry"));
    let file_steps = roster_core::run::retry::file_steps(&back);
    assert_eq!(
        file_steps,
        [
            (0, vec!["Join group: staff".to_owned()]),
            (1, vec!["Join group: g9".to_owned()])
        ]
    );

    kc.groups.insert("staff".into());
    kc.groups.insert("g9".into());
    kc.requests.clear();
    let mut again = keycloak_run(&users, &[]);
    again.steps_from_file(&file_steps, 0);
    drive(&mut again, &mut kc);
    assert_eq!(again.phase(), &Phase::Finished);
    assert_eq!(kc.creates(), 0, "{:?}", kc.requests);
    let sent: Vec<(Method, &str)> = kc.requests.iter().map(|(m, u)| (*m, u.as_str())).collect();
    assert_eq!(
        sent,
        [
            (
                Method::Post,
                "http://kc/realms/master/protocol/openid-connect/token"
            ),
            (
                Method::Get,
                "http://kc/admin/realms/r/users?username=ann&exact=true"
            ),
            (
                Method::Get,
                "http://kc/admin/realms/r/users?username=bob&exact=true"
            ),
            (
                Method::Put,
                "http://kc/admin/realms/r/users/id-ann/groups/staff"
            ),
            (
                Method::Put,
                "http://kc/admin/realms/r/users/id-bob/groups/g9"
            ),
        ]
    );
    for row in again.rows() {
        assert_eq!(row.status, Status::Created, "{row:?}");
        assert!(
            row.steps.iter().all(|s| s.outcome == StepOutcome::Done),
            "{row:?}"
        );
        assert!(!row.message.contains("Warning"), "{}", row.message);
    }
    assert!(kc.memberships.contains(&("id-ann".into(), "staff".into())));
    assert!(kc.memberships.contains(&("id-bob".into(), "g9".into())));
}

/// A row of the file whose account is not there (removed since, or another user name):
/// the row fails, saying why; nothing is created and no step is sent.
#[test]
fn a_retry_file_row_whose_account_is_not_found_fails_and_creates_nothing() {
    let mut kc = FakeKeycloak {
        groups: ["staff"].map(String::from).into(),
        users: ["bob".to_owned()].into(),
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1;staff"), user("bob", "staff")];
    let mut run = keycloak_run(&users, &[]);
    run.steps_from_file(
        &[
            (0, vec!["Join group: staff".to_owned()]),
            (1, vec!["Join group: nope".to_owned()]),
        ],
        0,
    );
    drive(&mut run, &mut kc);
    assert_eq!(run.phase(), &Phase::Finished);
    assert_eq!(kc.creates(), 0, "{:?}", kc.requests);
    assert!(
        !kc.requests.iter().any(|(m, _)| *m == Method::Put),
        "{:?}",
        kc.requests
    );
    let rows = run.rows();
    assert_eq!(rows[0].status, Status::Failed);
    assert!(
        rows[0]
            .message
            .starts_with("Not created, steps not sent: the account was not found by its user name"),
        "{}",
        rows[0].message
    );
    // A step the row's columns do not give: refused before anything is sent.
    assert_eq!(rows[1].status, Status::Failed);
    assert!(
        rows[1].message.contains("names Join group: nope"),
        "{}",
        rows[1].message
    );
    assert_eq!(run.counts().get(Status::Failed), 2);
    // Dropped back again, the failed row keeps its steps: still never created.
    let file = "username,email,password,name,Groups,steps to retry\r\nann,ann@x.org,Pw-123456,A Person,g1;staff,Join group: staff\r\n";
    let table = roster_core::input::read::read(file.as_bytes()).unwrap();
    let retry = report::retry_file(&table, &rows[..1]).unwrap();
    assert_eq!(retry, file);
}

#[test]
fn the_invitation_setting_checks_the_rows_again_when_it_changes() {
    use roster_core::targets::TargetKind;
    for id in ["keycloak", "gitlab"] {
        let kind = TargetKind::by_id(id).unwrap();
        let invite = kind
            .settings()
            .into_iter()
            .find(|s| s.id == "invite")
            .unwrap();
        assert!(invite.affects_rows, "{id}");
    }
}

/// Lookups are paced like creates: with a rate limit, the id lookups a page needs
/// (Keycloak's `Location` unreadable) and the steps go through the same pacer, so no
/// two requests of the run (the login aside) come closer than the limit allows, and a
/// dropped-back retry file's lookups too.
#[test]
fn with_a_rate_limit_lookups_and_steps_are_paced_like_creates() {
    let users: Vec<UserRow> = (0..5).map(|i| user(&format!("u{i}"), "g1")).collect();
    let paced = |file: bool| {
        let mut kc = FakeKeycloak {
            groups: ["g1"].map(String::from).into(),
            hide_location: true,
            users: if file {
                users.iter().map(|u| u.username.clone().unwrap()).collect()
            } else {
                BTreeSet::new()
            },
            ..FakeKeycloak::default()
        };
        let target = ProfileTarget::new(
            preset("keycloak"),
            "http://kc",
            &settings(&[("realm", "r")]),
        );
        let users_owned = users.clone();
        let mut run = Run::new(
            Box::new(target),
            Secrets::new()
                .with_shown("login", "admin")
                .with("password", "pw"),
            &planned(&users),
            move |i| users_owned.get(i).cloned(),
            RunConfig {
                concurrency: 4,
                rate_per_min: Some(30),
                ..RunConfig::default()
            },
            0,
        );
        if file {
            let named: Vec<(usize, Vec<String>)> = (0..users.len())
                .map(|i| (i, vec!["Join group: g1".to_owned()]))
                .collect();
            run.steps_from_file(&named, 0);
        }
        let mut sent: Vec<(u64, String)> = Vec::new();
        let mut now = 0;
        while !run.is_over() {
            match run.next_command(now) {
                Some(Command::Login(r)) => run.on_login(&kc.handle(&r), now),
                Some(Command::Create { row, request }) => {
                    sent.push((now, format!("create {row}")));
                    run.on_create(row, &kc.handle(&request), now)
                }
                Some(Command::Step { row, step, request }) => {
                    let what = if request.method == Method::Get {
                        "lookup"
                    } else {
                        "step"
                    };
                    sent.push((now, format!("{what} {row}")));
                    run.on_step(row, step, &kc.handle(&request), now)
                }
                Some(other) => panic!("{other:?}"),
                None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
            }
            now += 1;
            assert!(now < 3_600_000, "the run did not end");
        }
        assert!(run
            .rows()
            .iter()
            .all(|r| r.steps.iter().all(|s| s.outcome == StepOutcome::Done)));
        sent
    };
    for file in [false, true] {
        let sent = paced(file);
        let lookups = sent.iter().filter(|(_, w)| w.starts_with("lookup")).count();
        assert_eq!(lookups, 5, "{sent:?}");
        assert_eq!(sent.len(), if file { 10 } else { 15 }, "{sent:?}");
        // 30 a minute: one every 2 s, lookups counted.
        for pair in sent.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= 2_000, "{pair:?} in {sent:?}");
        }
        // And never more than 30 in any minute.
        for (i, (t, _)) in sent.iter().enumerate() {
            let in_minute = sent[i..]
                .iter()
                .take_while(|(u, _)| *u < t + 60_000)
                .count();
            assert!(in_minute <= 30, "{in_minute} from {t}");
        }
    }
}

proptest::proptest! {
    /// The steps cell is read from a file the admin may have edited: any text reads
    /// without a panic, and what Roster writes reads back as written (a step's words
    /// never hold the `;` that separates them: a column's values are split on it).
    #[test]
    fn the_steps_cell_reads_any_text_and_reads_back_what_it_wrote(
        any in "\\PC{0,40}",
        // A label never starts with the `'` of the formula guard (a profile's label).
        steps in proptest::collection::vec(("[^;'\\s][^;]{0,11}", "[^;]{0,12}"), 1..4),
    ) {
        use roster_core::run::retry::{read_steps_cell, step_words, steps_cell};
        use roster_core::run::StepState;
        let _ = read_steps_cell(&any);
        let steps: Vec<(String, String)> = steps
            .into_iter()
            .map(|(l, v)| (l.trim().to_owned(), v.trim().to_owned()))
            .filter(|(l, _)| !l.is_empty())
            .collect();
        proptest::prop_assume!(!steps.is_empty());
        let row = roster_core::run::RowState {
            status: Status::Created,
            message: String::new(),
            code: None,
            excluded: false,
            target_id: None,
            attempts: 1,
            answer_lost: false,
            first_sent_ms: None,
            finished_ms: None,
            steps: steps
                .iter()
                .map(|(l, v)| StepState {
                    step: 0,
                    label: l.clone(),
                    value: v.clone(),
                    outcome: StepOutcome::Failed,
                    message: String::new(),
                    attempts: 1,
                })
                .collect(),
        };
        use roster_core::input::read::guard::{formula_lead, guard, unguard};
        let cell = steps_cell(&row);
        // The file guards it (as every cell); the reader takes the guard off.
        let guarded = guard(&cell);
        proptest::prop_assert!(!formula_lead(&guarded));
        let back = read_steps_cell(unguard(&guarded));
        let want: Vec<String> = steps.iter().map(|(l, v)| step_words(l, v)).collect();
        proptest::prop_assert_eq!(back, want);
    }
}

/// A run of a "rows to retry" file that is interrupted resumes its named steps: the
/// journal's letters are those of the id lookup and the steps the file names (not of
/// every step of the row), so the resumed run sends the one not done, and no create.
#[test]
fn a_resumed_retry_file_run_sends_its_named_steps_not_done() {
    use roster_core::run::journal::Journal;
    use roster_core::targets::TargetId;
    let mut kc = FakeKeycloak {
        groups: ["g1", "g2", "g3"].map(String::from).into(),
        users: ["ann".to_owned()].into(),
        ..FakeKeycloak::default()
    };
    let users = [user("ann", "g1;g2;g3")];
    let file = [(0, vec!["Join group: g2".to_owned()])];
    let mut run = keycloak_run(&users, &[]);
    run.steps_from_file(&file, 0);
    // The lookup is answered, the step is sent; the page dies before its answer.
    let mut now = 0;
    loop {
        match run.next_command(now) {
            Some(Command::Login(r)) => run.on_login(&kc.handle(&r), now),
            Some(Command::Step { row, step, request }) => {
                let answer = kc.handle(&request);
                if request.method == Method::Get {
                    run.on_step(row, step, &answer, now);
                } else {
                    break;
                }
            }
            Some(other) => panic!("{other:?}"),
            None => now += 10,
        }
    }
    let mut journal = Journal::new(
        "f",
        "retry.csv",
        &TargetId::new("keycloak"),
        "http://kc",
        0.0,
    );
    journal.record(run.rows(), false, 1.0);
    let head = journal.head();
    let pages = vec![Some(
        journal.page_json(0, head.page_seqs.first().copied().unwrap_or(0)),
    )];
    let head = roster_core::run::journal::Head {
        page_seqs: vec![head.page_seqs.first().copied().unwrap_or(0)],
        ..head
    };
    let back = Journal::from_pages(&head, &pages).unwrap();
    assert_eq!(back.step_letters(), [(0, "ds".to_owned())]);

    kc.requests.clear();
    let mut resumed = keycloak_run(&users, &[]);
    resumed.resume_from(&back.previous(), 0);
    resumed.resume_steps(back.step_letters(), &file, 0);
    resumed.steps_from_file(&file, 0);
    drive(&mut resumed, &mut kc);
    assert_eq!(kc.creates(), 0, "{:?}", kc.requests);
    let puts: Vec<&str> = kc
        .requests
        .iter()
        .filter(|(m, _)| *m == Method::Put)
        .map(|(_, u)| u.as_str())
        .collect();
    assert_eq!(puts, ["http://kc/admin/realms/r/users/id-ann/groups/g2"]);
    let row = &resumed.rows()[0];
    assert_eq!(row.status, Status::Created);
    assert_eq!(row.steps.len(), 2, "{row:?}");
    assert!(
        row.steps.iter().all(|s| s.outcome == StepOutcome::Done),
        "{row:?}"
    );
}
