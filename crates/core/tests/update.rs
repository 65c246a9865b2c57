//! The run setting "Existing accounts" (issue 24): skip (the default), update the
//! accounts the admin confirmed in the preview, or stop at the first; the preview (a
//! survey of exists probes) and the `updated` status, against a fake Synapse that keeps
//! each account's password, display name and address as Synapse's admin API does (a PUT
//! on an existing user changes only the keys it is given).

use std::collections::BTreeMap;
use std::sync::Arc;

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse, Method};
use roster_core::input::map::UserRow;
use roster_core::input::plan::PlannedRow;
use roster_core::job::{Effect, Event, Machine, Over, Preview, Survey};
use roster_core::run::retry::RetryPlan;
use roster_core::run::{Command, Existing, OnExisting, Phase, Run, RunConfig, Status};
use roster_core::targets::profile::{presets, ProfileTarget};
use roster_core::targets::send::{Secrets, StopKind, Target};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Account {
    password: String,
    displayname: String,
    email: String,
}

#[derive(Default)]
struct FakeSynapse {
    users: BTreeMap<String, Account>,
    /// Every request: method, path, JSON body.
    seen: Vec<(Method, String, Value)>,
    /// The next PUTs are carried out, then their answers lost.
    lose_puts: usize,
}

fn answer(status: u16, body: &str) -> Exchange {
    Exchange::Answered(HttpResponse::new(status, body))
}

impl FakeSynapse {
    fn with(users: &[(&str, &str, &str, &str)]) -> FakeSynapse {
        FakeSynapse {
            users: users
                .iter()
                .map(|(local, password, name, email)| {
                    (
                        (*local).to_owned(),
                        Account {
                            password: (*password).into(),
                            displayname: (*name).into(),
                            email: (*email).into(),
                        },
                    )
                })
                .collect(),
            ..FakeSynapse::default()
        }
    }

    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let path = request.url.strip_prefix("http://syn").unwrap().to_owned();
        let body = match &request.body {
            Body::Json(text) => serde_json::from_str(text).unwrap(),
            _ => Value::Null,
        };
        self.seen.push((request.method, path.clone(), body.clone()));
        if path == "/_matrix/client/v3/login" {
            return answer(200, r#"{"user_id":"@admin:syn.test","access_token":"tok"}"#);
        }
        let user = path
            .strip_prefix("/_synapse/admin/v2/users/")
            .unwrap()
            .replace("%40", "@")
            .replace("%3A", ":");
        let local = user
            .strip_prefix('@')
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .to_owned();
        match request.method {
            Method::Get => match self.users.get(&local) {
                Some(a) => answer(
                    200,
                    &json!({"name": user, "displayname": a.displayname, "deactivated": false,
                        "threepids": [{"medium": "email", "address": a.email}]})
                    .to_string(),
                ),
                None => answer(404, r#"{"errcode":"M_NOT_FOUND","error":"User not found"}"#),
            },
            Method::Put => {
                let existed = self.users.contains_key(&local);
                let account = self.users.entry(local).or_insert(Account {
                    password: String::new(),
                    displayname: String::new(),
                    email: String::new(),
                });
                if let Some(p) = body["password"].as_str() {
                    account.password = p.into();
                }
                if let Some(n) = body["displayname"].as_str() {
                    account.displayname = n.into();
                }
                if let Some(e) = body["threepids"][0]["address"].as_str() {
                    account.email = e.into();
                }
                if self.lose_puts > 0 {
                    self.lose_puts -= 1;
                    return Exchange::NoAnswer {
                        detail: "connection reset".into(),
                    };
                }
                answer(
                    if existed { 200 } else { 201 },
                    &json!({"name": user}).to_string(),
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn puts(&self) -> Vec<&Value> {
        self.seen
            .iter()
            .filter(|(m, _, _)| *m == Method::Put)
            .map(|(_, _, b)| b)
            .collect()
    }
}

/// The file: ann (on the server, a new display name), bob (new), cid (on the server).
fn file() -> (Vec<PlannedRow>, Vec<UserRow>) {
    [
        ("ann@syn.test", "ann", "Ann Lee"),
        ("bob@syn.test", "bob", "Bob"),
        ("cid@syn.test", "cid", "Cid"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (email, username, name))| {
        (
            PlannedRow {
                line: i as u32 + 2,
                email: (*email).into(),
                username: (*username).into(),
                has_password: true,
                excluded: false,
                findings: Default::default(),
            },
            UserRow {
                email: (*email).into(),
                password: format!("new-pw-{username}"),
                name: Some((*name).into()),
                username: Some((*username).into()),
                ..UserRow::default()
            },
        )
    })
    .unzip()
}

fn server() -> FakeSynapse {
    FakeSynapse::with(&[
        ("ann", "old-pw-ann", "Ann", "ann@syn.test"),
        ("cid", "old-pw-cid", "Cid", "cid@syn.test"),
    ])
}

fn target() -> Box<dyn Target> {
    let profile = presets().into_iter().find(|p| p.id == "synapse").unwrap();
    Box::new(ProfileTarget::new(
        Arc::new(profile),
        "http://syn/",
        &BTreeMap::new(),
    ))
}

fn secrets() -> Secrets {
    Secrets::new()
        .with_shown("login", "admin")
        .with("password", "admin-pw")
}

fn run_with(on: OnExisting) -> Run {
    let (plan, users) = file();
    Run::new(
        target(),
        secrets(),
        &plan,
        move |i| users.get(i).cloned(),
        RunConfig {
            concurrency: 1,
            ..RunConfig::default()
        },
        0,
    )
    .with_existing(on)
}

fn drive(run: &mut Run, server: &mut FakeSynapse) {
    let mut now = 0;
    for _ in 0..10_000 {
        if run.is_over() {
            return;
        }
        match run.next_command(now) {
            Some(Command::Login(r)) => run.on_login(&server.handle(&r), now),
            Some(Command::Probe { row, request }) => {
                run.on_probe(row, &server.handle(&request), now)
            }
            Some(Command::Create { row, request }) => {
                run.on_create(row, &server.handle(&request), now)
            }
            Some(Command::Update { row, request }) => {
                run.on_update(row, &server.handle(&request), now)
            }
            Some(Command::Step { .. } | Command::Lookup { .. }) => {
                panic!("these rows have no steps")
            }
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
    }
    panic!("the run did not end");
}

/// The survey as a machine, its requests answered by `server`.
fn preview(server: &mut FakeSynapse) -> Preview {
    let (plan, users) = file();
    let mut survey = Survey::new(
        target(),
        secrets(),
        &plan,
        move |i| users.get(i).cloned(),
        RunConfig::default(),
        0,
    );
    let mut now = 0;
    for _ in 0..1_000 {
        let effects = survey.take_effects();
        let mut events = Vec::new();
        for effect in effects {
            match effect {
                Effect::Send { id, request } => events.push(Event::Answer {
                    id,
                    exchange: server.handle(&request),
                }),
                Effect::WakeAt(_) => events.push(Event::Tick),
                Effect::Ended(Over::Surveyed(result)) => {
                    return result.expect("the survey ends with a preview")
                }
                _ => {}
            }
        }
        now += 10;
        for event in events {
            survey.handle(event, now);
        }
    }
    panic!("the survey did not end")
}

fn statuses(run: &Run) -> Vec<Status> {
    run.rows().iter().map(|r| r.status).collect()
}

#[test]
fn skip_is_the_default_and_sends_nothing_to_an_existing_account() {
    let mut server = server();
    let mut run = run_with(OnExisting::default());
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [Status::Exists, Status::Created, Status::Exists]
    );
    assert_eq!(server.puts().len(), 1, "only bob's create");
    assert_eq!(server.users["ann"].displayname, "Ann");
}

#[test]
fn the_preview_shows_which_fields_change_and_sends_nothing_but_probes() {
    let mut server = server();
    let preview = preview(&mut server);
    assert!(server.seen.iter().all(|(m, _, _)| *m != Method::Put));
    assert_eq!(preview.confirmed(), [0, 2]);
    assert_eq!(preview.new_rows, 1);
    let ann = &preview.existing[0];
    assert_eq!(ann.account, "ann");
    let changes = ann
        .changes
        .as_ref()
        .expect("Synapse's GET gives the values");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (
            changes[0].field.as_str(),
            changes[0].old.as_str(),
            changes[0].new.as_str()
        ),
        ("name", "Ann", "Ann Lee")
    );
    assert_eq!(preview.existing[1].changes.as_deref(), Some(&[][..]));
    let lines = preview.lines(false).join("\n");
    assert!(
        lines.contains("2 accounts exist and will be updated. Their passwords stay as they are."),
        "{lines}"
    );
    assert!(
        lines.contains("Row 1: ann: name: \"Ann\" → \"Ann Lee\""),
        "{lines}"
    );
    assert!(
        lines.contains("1 row not on the server will be created."),
        "{lines}"
    );
    assert!(!lines.contains("pw"), "never a password: {lines}");
}

#[test]
fn an_update_without_the_box_ticked_keeps_the_password() {
    let mut server = server();
    let confirmed = preview(&mut server).confirmed();
    let mut run = run_with(OnExisting::update(false, confirmed));
    drive(&mut run, &mut server);
    assert_eq!(
        statuses(&run),
        [Status::Updated, Status::Created, Status::Updated]
    );
    assert_eq!(server.users["ann"].displayname, "Ann Lee");
    assert_eq!(server.users["ann"].password, "old-pw-ann");
    assert_eq!(server.users["cid"].password, "old-pw-cid");
    let puts = server.puts();
    assert_eq!(puts.len(), 3);
    assert!(puts[0].get("password").is_none(), "{}", puts[0]);
    assert_eq!(puts[0]["logout_devices"], json!(false));
    assert_eq!(
        run.rows()[0].message,
        "Updated: name: \"Ann\" → \"Ann Lee\"."
    );
    assert_eq!(run.rows()[2].message, "Updated: no field changed.");
    // The new account still gets its password.
    assert_eq!(server.users["bob"].password, "new-pw-bob");
}

#[test]
fn an_update_with_the_box_ticked_sets_the_password() {
    let mut server = server();
    let confirmed = preview(&mut server).confirmed();
    let mut run = run_with(OnExisting::update(true, confirmed));
    drive(&mut run, &mut server);
    assert_eq!(run.rows()[0].status, Status::Updated);
    assert_eq!(server.users["ann"].password, "new-pw-ann");
    assert_eq!(server.users["ann"].displayname, "Ann Lee");
}

#[test]
fn an_account_that_appears_after_the_preview_is_a_conflict_never_overwritten() {
    let mut server = server();
    let confirmed = preview(&mut server).confirmed();
    // bob's account is made by someone else between the preview and the run.
    server.users.insert(
        "bob".into(),
        Account {
            password: "bobs-own".into(),
            displayname: "Robert".into(),
            email: "bob@syn.test".into(),
        },
    );
    let mut run = run_with(OnExisting::update(false, confirmed));
    drive(&mut run, &mut server);
    assert_eq!(run.rows()[1].status, Status::Rejected);
    assert!(
        run.rows()[1].message.contains("not in the preview"),
        "{}",
        run.rows()[1].message
    );
    assert_eq!(server.users["bob"].displayname, "Robert");
    assert_eq!(server.users["bob"].password, "bobs-own");
    assert_eq!(server.puts().len(), 2, "ann's and cid's updates only");
}

#[test]
fn an_update_never_runs_for_a_row_whose_probe_did_not_find_the_account() {
    let mut server = server();
    // The admin confirmed bob too (as if the preview had found it), but the probe says
    // absent: bob is created, never updated.
    let mut run = run_with(OnExisting::update(false, [0, 1, 2]));
    drive(&mut run, &mut server);
    assert_eq!(run.rows()[1].status, Status::Created);
}

#[test]
fn an_update_whose_answer_was_lost_ends_unknown_never_settled_as_exists() {
    let mut server = server();
    server.lose_puts = 100;
    let confirmed = preview(&mut server).confirmed();
    let mut run = run_with(OnExisting::update(false, confirmed));
    drive(&mut run, &mut server);
    assert_eq!(run.rows()[0].status, Status::Unknown);
    assert!(
        run.settle_probes()
            .iter()
            .all(|(row, _)| *row != 0 && *row != 2),
        "an update's account was there before: its probe proves nothing"
    );
}

#[test]
fn stop_at_the_first_names_the_account_and_sends_none_after_it() {
    let mut server = server();
    let mut run = run_with(OnExisting::stop());
    drive(&mut run, &mut server);
    let Phase::Stopped(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::Existing);
    assert!(stop.message.contains("ann (row 1)"), "{}", stop.message);
    assert_eq!(
        statuses(&run),
        [Status::Exists, Status::Skipped, Status::Skipped]
    );
    assert!(server.puts().is_empty());
    assert!(!server.users.contains_key("bob"));
}

#[test]
fn retry_and_resume_treat_updated_as_done() {
    let mut server = server();
    let confirmed = preview(&mut server).confirmed();
    let mut run = run_with(OnExisting::update(false, confirmed));
    drive(&mut run, &mut server);
    let (plan, _) = file();
    let retry = RetryPlan::new(&plan, run.rows(), &plan);
    assert_eq!(retry.already_done(), 3);
    assert!(Status::Updated.is_done());
    assert_eq!(Existing::parse("UPDATE"), Some(Existing::Update));
    assert_eq!(Existing::parse("stop"), Some(Existing::Stop));
    assert_eq!(Existing::parse("overwrite"), None);
}

#[test]
fn stop_at_the_first_also_stops_on_a_creates_exists_answer() {
    // Keycloak has no exists probe: its create answers 409 for a user that is there.
    let profile = presets().into_iter().find(|p| p.id == "keycloak").unwrap();
    let settings: BTreeMap<String, String> = [("realm".to_owned(), "r".to_owned())].into();
    let target = ProfileTarget::new(Arc::new(profile), "http://kc/", &settings);
    let (plan, users) = file();
    let mut run = Run::new(
        Box::new(target),
        secrets(),
        &plan,
        move |i| users.get(i).cloned(),
        RunConfig {
            concurrency: 1,
            ..RunConfig::default()
        },
        0,
    )
    .with_existing(OnExisting::stop());
    let mut creates = Vec::new();
    let mut now = 0;
    while !run.is_over() {
        match run.next_command(now) {
            Some(Command::Login(_)) => run.on_login(&answer(200, r#"{"access_token":"t"}"#), now),
            Some(Command::Create { row, .. }) => {
                creates.push(row);
                let exchange = if row == 0 {
                    answer(409, r#"{"errorMessage":"User exists with same username"}"#)
                } else {
                    answer(201, "")
                };
                run.on_create(row, &exchange, now)
            }
            Some(other) => panic!("{other:?}"),
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
    }
    assert_eq!(creates, [0]);
    assert_eq!(
        statuses(&run),
        [Status::Exists, Status::Skipped, Status::Skipped]
    );
    let Phase::Stopped(stop) = run.phase() else {
        panic!("{:?}", run.phase())
    };
    assert_eq!(stop.kind, StopKind::Existing);
}

/// Keycloak has no exists probe (its create answers 409 itself): an update looks the
/// account up with `update.find` (the users search, exact user name), then PUTs it.
#[test]
fn keycloak_finds_with_its_search_and_puts_without_credentials_unless_asked() {
    let profile = presets().into_iter().find(|p| p.id == "keycloak").unwrap();
    let settings: BTreeMap<String, String> = [("realm".to_owned(), "r".to_owned())].into();
    let profile = Arc::new(profile);
    let (plan, users) = file();
    for passwords in [false, true] {
        let target = ProfileTarget::new(profile.clone(), "http://kc/", &settings);
        let users = users.clone();
        let mut run = Run::new(
            Box::new(target),
            secrets(),
            &plan,
            move |i| users.get(i).cloned(),
            RunConfig {
                concurrency: 1,
                ..RunConfig::default()
            },
            0,
        )
        .with_existing(OnExisting::update(passwords, [0]));
        let mut seen = Vec::new();
        let mut now = 0;
        while !run.is_over() {
            match run.next_command(now) {
                Some(Command::Login(_)) => {
                    run.on_login(&answer(200, r#"{"access_token":"t"}"#), now)
                }
                Some(Command::Probe { row, request }) => {
                    assert_eq!(request.method, Method::Get);
                    seen.push(format!("GET {}", request.url));
                    let body = match row {
                        0 => {
                            r#"[{"id":"u-1","username":"ann","email":"ann@syn.test","firstName":"Ann","lastName":""}]"#
                        }
                        2 => {
                            r#"[{"id":"u-3","username":"cid","email":"cid@syn.test","firstName":"Cid"}]"#
                        }
                        _ => "[]",
                    };
                    run.on_probe(row, &answer(200, body), now)
                }
                Some(Command::Create { row, .. }) => {
                    seen.push(format!("POST {row}"));
                    run.on_create(row, &answer(201, ""), now)
                }
                Some(Command::Update { row, request }) => {
                    let Body::Json(text) = &request.body else {
                        panic!("{request:?}")
                    };
                    let body: Value = serde_json::from_str(text).unwrap();
                    assert_eq!(request.url, "http://kc/admin/realms/r/users/u-1");
                    assert_eq!(body["firstName"], "Ann");
                    assert_eq!(body["lastName"], "Lee");
                    assert_eq!(body.get("credentials").is_some(), passwords, "{body}");
                    seen.push(format!("PUT {row}"));
                    run.on_update(row, &answer(204, ""), now)
                }
                Some(Command::Step { .. } | Command::Lookup { .. }) => {
                    panic!("these rows have no steps")
                }
                None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
            }
            now += 1;
        }
        assert_eq!(
            seen[0],
            "GET http://kc/admin/realms/r/users?username=ann&exact=true"
        );
        assert_eq!(
            statuses(&run),
            [Status::Updated, Status::Created, Status::Rejected]
        );
        // cid (row 2) was found by the search but not confirmed: a conflict, not sent.
        assert!(!seen.contains(&"PUT 2".to_owned()));
        assert_eq!(run.rows()[0].message, "Updated: last_name: \"\" → \"Lee\".");
    }
}

/// Graph: the look-up is `GET /users/{userPrincipalName}`, the update a PATCH by id
/// without `passwordProfile` unless passwords are ticked.
#[test]
fn graph_finds_by_principal_name_and_patches() {
    let profile = presets().into_iter().find(|p| p.id == "graph").unwrap();
    let target = ProfileTarget::new(Arc::new(profile), "http://graph/", &BTreeMap::new());
    let (plan, users) = file();
    let mut run = Run::new(
        Box::new(target),
        Secrets::new().with("access_token", "t"),
        &plan,
        move |i| users.get(i).cloned(),
        RunConfig {
            concurrency: 1,
            ..RunConfig::default()
        },
        0,
    )
    .with_existing(OnExisting::update(false, [0]));
    let mut now = 0;
    let mut patched = None;
    while !run.is_over() {
        match run.next_command(now) {
            Some(Command::Probe { row, request }) => {
                let exchange = if row == 0 {
                    assert_eq!(request.url, "http://graph/v1.0/users/ann%40syn.test");
                    answer(
                        200,
                        r#"{"id":"g-1","displayName":"Ann","mailNickname":"ann"}"#,
                    )
                } else {
                    answer(
                        404,
                        r#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist"}}"#,
                    )
                };
                run.on_probe(row, &exchange, now)
            }
            Some(Command::Create { row, .. }) => {
                run.on_create(row, &answer(201, r#"{"id":"g-new"}"#), now)
            }
            Some(Command::Update { row, request }) => {
                assert_eq!(request.method, Method::Patch);
                assert_eq!(request.url, "http://graph/v1.0/users/g-1");
                let Body::Json(text) = &request.body else {
                    panic!("{request:?}")
                };
                patched = Some(serde_json::from_str::<Value>(text).unwrap());
                run.on_update(row, &answer(204, ""), now)
            }
            Some(Command::Login(_)) => panic!("a pasted token needs no login"),
            Some(Command::Step { .. } | Command::Lookup { .. }) => {
                panic!("these rows have no steps")
            }
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
    }
    let patched = patched.expect("ann's PATCH");
    assert_eq!(patched["displayName"], "Ann Lee");
    assert!(patched.get("passwordProfile").is_none(), "{patched}");
    assert_eq!(
        statuses(&run),
        [Status::Updated, Status::Created, Status::Created]
    );
    assert_eq!(
        run.rows()[0].message,
        "Updated: name: \"Ann\" → \"Ann Lee\"."
    );
}

/// An invitation e-mail replaces passwords (`"replaces": ["password"]`): with it on,
/// "Also set passwords of existing accounts" is not offered (the page hides the box, the
/// CLI refuses `--update-passwords`), and an update never carries a password, ticked or
/// not.
#[test]
fn with_the_invitation_on_an_update_never_sends_a_password() {
    use roster_core::targets::send::Session;
    use roster_core::targets::TargetKind;
    let row = UserRow {
        username: Some("ann".into()),
        email: "ann@x.org".into(),
        password: "Pw-123456".into(),
        name: Some("Ann Lee".into()),
        ..UserRow::default()
    };
    let session = Session::new("t");
    let found = answer(
        200,
        r#"[{"id":"7","username":"ann","email":"ann@x.org","name":"Ann","firstName":"Ann"}]"#,
    );
    for (id, base) in [("gitlab", vec![]), ("keycloak", vec![("realm", "r")])] {
        let profile = Arc::new(presets().into_iter().find(|p| p.id == id).unwrap());
        let kind = TargetKind::from_profile((*profile).clone());
        for invite in ["no", "yes"] {
            let mut settings: BTreeMap<String, String> = base
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            settings.insert("invite".into(), invite.into());
            let offered = kind.no_update_passwords_with(&settings);
            assert_eq!(
                offered.is_some(),
                invite == "yes",
                "{id} {invite}: {offered:?}"
            );
            let target = ProfileTarget::new(profile.clone(), "http://api/", &settings);
            let request = target.update(&session, &row, &found, true).unwrap();
            let Body::Json(text) = &request.body else {
                panic!("{request:?}")
            };
            let sends = text.contains("Pw-123456");
            assert_eq!(sends, invite == "no", "{id} {invite}: {text}");
        }
    }
}

/// Synapse's update sends no `threepids` for a row without an address (an emptied list
/// is left out with its key): the preview's field diff lists only what the update sends,
/// so no address change for such a row (an empty cell is never a change), and the
/// address a row gives.
#[test]
fn the_preview_shows_no_address_change_for_a_row_without_an_address() {
    use roster_core::input::map::Mapping;
    use roster_core::input::plan::{plan_with, users_of};
    let profile = Arc::new(presets().into_iter().find(|p| p.id == "synapse").unwrap());
    let rules = profile.rules();
    let table = roster_core::input::read::read(
        b"username,email,password,name\r\nann,,new-pw-ann,Ann Lee\r\ncid,cid@syn.test,new-pw-cid,Cid New\r\n",
    )
    .unwrap();
    let mapping = Mapping::auto_for(&table, rules.mapped_fields());
    let plan = plan_with(&table, &mapping, &rules);
    let users = users_of(table, mapping, rules);
    // ann's account has no address (Synapse's GET lists no threepid's address).
    let mut server = FakeSynapse::with(&[
        ("ann", "old-pw-ann", "Ann", ""),
        ("cid", "old-pw-cid", "Cid", "cid@syn.test"),
    ]);
    let mut survey = Survey::new(target(), secrets(), &plan, users, RunConfig::default(), 0);
    let mut now = 0;
    let preview = loop {
        let mut events = Vec::new();
        let mut done = None;
        for effect in survey.take_effects() {
            match effect {
                Effect::Send { id, request } => events.push(Event::Answer {
                    id,
                    exchange: server.handle(&request),
                }),
                Effect::WakeAt(_) => events.push(Event::Tick),
                Effect::Ended(Over::Surveyed(result)) => done = Some(result.unwrap()),
                _ => {}
            }
        }
        if let Some(p) = done {
            break p;
        }
        now += 10;
        assert!(now < 10_000, "the survey did not end");
        for event in events {
            survey.handle(event, now);
        }
    };
    assert_eq!(preview.existing.len(), 2, "{preview:?}");
    let words = |i: usize| {
        preview.existing[i]
            .changes
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| format!("{}: {} -> {}", c.field, c.old, c.new))
            .collect::<Vec<_>>()
    };
    assert_eq!(words(0), ["name: Ann -> Ann Lee"]);
    assert_eq!(words(1), ["name: Cid -> Cid New"]);
}

/// The update's look-ups (the exists probe that finds each account) are paced like
/// creates and updates: with 30 requests a minute, none comes within 2 s of another.
#[test]
fn with_a_rate_limit_the_updates_lookups_are_paced_like_creates() {
    let (plan, users) = file();
    let mut server = server();
    let mut run = Run::new(
        target(),
        secrets(),
        &plan,
        move |i| users.get(i).cloned(),
        RunConfig {
            concurrency: 4,
            rate_per_min: Some(30),
            ..RunConfig::default()
        },
        0,
    )
    .with_existing(OnExisting::update(false, [0, 2]));
    let mut sent: Vec<(u64, &str)> = Vec::new();
    let mut now = 0;
    while !run.is_over() {
        match run.next_command(now) {
            Some(Command::Login(r)) => run.on_login(&server.handle(&r), now),
            Some(Command::Probe { row, request }) => {
                sent.push((now, "lookup"));
                run.on_probe(row, &server.handle(&request), now)
            }
            Some(Command::Create { row, request }) => {
                sent.push((now, "create"));
                run.on_create(row, &server.handle(&request), now)
            }
            Some(Command::Update { row, request }) => {
                sent.push((now, "update"));
                run.on_update(row, &server.handle(&request), now)
            }
            Some(other) => panic!("{other:?}"),
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
        assert!(now < 3_600_000, "the run did not end");
    }
    assert_eq!(
        statuses(&run),
        [Status::Updated, Status::Created, Status::Updated]
    );
    assert_eq!(
        sent.iter().filter(|(_, w)| *w == "lookup").count(),
        3,
        "{sent:?}"
    );
    assert_eq!(sent.len(), 6, "{sent:?}");
    for pair in sent.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= 2_000, "{pair:?} in {sent:?}");
    }
}
