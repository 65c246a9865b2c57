//! "Existing accounts: Update" for Aurora (issue 24): `Core.GetUsers` finds the account
//! (its `Id` and `Role`), the preview shows the role old → new, `Core.UpdateUser` sends
//! the row's role, and never a password. Against a fake Aurora written from
//! aurora-module-core's `Traits/Users.php`: GetUsers matches `PublicId LIKE %search%`,
//! UpdateUser answers `Result: true`, leaves the role for -1 and throws 103
//! (InvalidInputParameter) for an unknown `UserId`.

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};
use roster_core::input::map::UserRow;
use roster_core::input::plan::PlannedRow;
use roster_core::job::{Effect, Event, Machine, Over, Preview, Survey};
use roster_core::run::{Command, OnExisting, Run, RunConfig, Status};
use roster_core::targets::aurora::{Aurora, NO_PASSWORDS};
use roster_core::targets::send::{Secrets, Target};
use roster_core::targets::TargetKind;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct User {
    id: i64,
    public_id: String,
    role: i64,
    password: String,
}

#[derive(Default)]
struct FakeAurora {
    users: Vec<User>,
    /// Every call: Method and Parameters.
    seen: Vec<(String, Value)>,
    /// Delete this account after the look-ups (it is gone when the update comes).
    gone_before_update: Option<String>,
}

fn ok(result: Value) -> Exchange {
    Exchange::Answered(HttpResponse::new(
        200,
        json!({"AuthenticatedUserId": -1, "Module": "Core", "Result": result}).to_string(),
    ))
}

fn error(code: i64) -> Exchange {
    Exchange::Answered(HttpResponse::new(
        200,
        json!({"AuthenticatedUserId": -1, "ErrorCode": code, "Module": "Core"}).to_string(),
    ))
}

impl FakeAurora {
    fn new() -> FakeAurora {
        let user = |id, public_id: &str, role| User {
            id,
            public_id: public_id.into(),
            role,
            password: format!("old-{public_id}"),
        };
        FakeAurora {
            users: vec![
                user(7, "ann@x.org", 2),
                // Matches "ann@x.org" by Aurora's LIKE search, but is another account.
                user(8, "jann@x.org", 2),
                user(9, "cid@x.org", 1),
            ],
            ..FakeAurora::default()
        }
    }

    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let Body::Form(form) = &request.body else {
            panic!("Aurora takes a form")
        };
        let field = |k: &str| form.iter().find(|(n, _)| n == k).unwrap().1.clone();
        let method = field("Method");
        let params: Value = serde_json::from_str(&field("Parameters")).unwrap();
        self.seen.push((method.clone(), params.clone()));
        match method.as_str() {
            "LoginAsSuperadmin" => ok(json!({"AuthToken": "tok"})),
            "GetUsers" => {
                assert_eq!(params["Limit"], 0, "every match");
                let search = params["Search"].as_str().unwrap().to_lowercase();
                let items: Vec<Value> = self
                    .users
                    .iter()
                    .filter(|u| u.public_id.to_lowercase().contains(&search))
                    .map(|u| json!({"Id": u.id, "UUID": "u", "Name": "", "PublicId": u.public_id, "Role": u.role, "IsDisabled": false, "Groups": []}))
                    .collect();
                ok(json!({"Count": items.len(), "Items": items}))
            }
            "UpdateUser" => {
                if let Some(gone) = self.gone_before_update.take() {
                    self.users.retain(|u| u.public_id != gone);
                }
                let id = params["UserId"].as_i64().unwrap();
                let Some(user) = self.users.iter_mut().find(|u| u.id == id) else {
                    return error(103);
                };
                let role = params["Role"].as_i64().unwrap();
                if (0..=4).contains(&role) {
                    user.role = role;
                }
                ok(json!(true))
            }
            "CreateUser" => {
                let public_id = params["PublicId"].as_str().unwrap().to_owned();
                if self
                    .users
                    .iter()
                    .any(|u| u.public_id.eq_ignore_ascii_case(&public_id))
                {
                    return error(111);
                }
                let id = 100 + self.users.len() as i64;
                self.users.push(User {
                    id,
                    public_id,
                    role: params["Role"].as_i64().unwrap(),
                    password: params["Password"].as_str().unwrap().into(),
                });
                ok(json!(id))
            }
            other => panic!("unexpected {other}"),
        }
    }

    fn calls(&self, method: &str) -> Vec<&Value> {
        self.seen
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, p)| p)
            .collect()
    }

    fn user(&self, public_id: &str) -> &User {
        self.users
            .iter()
            .find(|u| u.public_id == public_id)
            .unwrap()
    }
}

/// ann (on the server, role 2 → 1), bob (new), cid (on the server, role 1, no role in
/// the file: left as it is).
fn file() -> (Vec<PlannedRow>, Vec<UserRow>) {
    [
        ("ANN@x.org", Some(1)),
        ("bob@x.org", Some(3)),
        ("cid@x.org", None),
    ]
    .iter()
    .enumerate()
    .map(|(i, (email, role))| {
        (
            PlannedRow {
                line: i as u32 + 2,
                email: (*email).into(),
                username: String::new().into(),
                has_password: true,
                excluded: false,
                findings: Default::default(),
            },
            UserRow {
                email: (*email).into(),
                password: format!("new-pw-{i}"),
                role: *role,
                ..UserRow::default()
            },
        )
    })
    .unzip()
}

fn secrets() -> Secrets {
    Secrets::new()
        .with_shown("login", "superadmin")
        .with("password", "admin-pw")
}

fn target() -> Box<dyn Target> {
    Box::new(Aurora::new("http://aurora"))
}

fn preview(server: &mut FakeAurora) -> Preview {
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
        let mut events = Vec::new();
        for effect in survey.take_effects() {
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

fn run(on: OnExisting, server: &mut FakeAurora) -> Run {
    let (plan, users) = file();
    let mut run = Run::new(
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
    .with_existing(on);
    let mut now = 0;
    for _ in 0..10_000 {
        if run.is_over() {
            return run;
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
            Some(Command::Step { .. } | Command::Lookup { .. }) => panic!("Aurora has no steps"),
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
    }
    panic!("the run did not end");
}

fn statuses(run: &Run) -> Vec<Status> {
    run.rows().iter().map(|r| r.status).collect()
}

#[test]
fn update_is_offered_for_aurora_without_the_passwords_box() {
    let aurora = TargetKind::by_id("aurora").unwrap();
    assert!(aurora.updates());
    assert_eq!(aurora.no_update_passwords().as_deref(), Some(NO_PASSWORDS));
    let synapse = TargetKind::by_id("synapse").unwrap();
    assert_eq!(synapse.no_update_passwords(), None);
}

#[test]
fn the_preview_shows_the_role_old_to_new_and_sends_only_look_ups() {
    let mut server = FakeAurora::new();
    let preview = preview(&mut server);
    let methods: Vec<&str> = server.seen.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        methods,
        ["LoginAsSuperadmin", "GetUsers", "GetUsers", "GetUsers"]
    );
    assert_eq!(server.calls("GetUsers")[0]["Search"], "ANN@x.org");
    assert_eq!(preview.confirmed(), [0, 2]);
    assert_eq!(preview.new_rows, 1);
    let ann = preview.existing[0]
        .changes
        .as_ref()
        .expect("GetUsers gives Role");
    assert_eq!(
        ann.iter()
            .map(|c| (c.field.as_str(), c.old.as_str(), c.new.as_str()))
            .collect::<Vec<_>>(),
        [("role", "2", "1")]
    );
    // cid's row gives no role: nothing changes.
    assert_eq!(preview.existing[1].changes.as_deref(), Some(&[][..]));
    let lines = preview.lines(false).join("\n");
    assert!(
        lines.contains("Row 1: ANN@x.org: role: \"2\" → \"1\""),
        "{lines}"
    );
    assert!(!lines.contains("pw"), "never a password: {lines}");
}

#[test]
fn the_confirmed_update_changes_the_role_and_never_the_password() {
    let mut server = FakeAurora::new();
    let confirmed = preview(&mut server).confirmed();
    // Even with the box ticked (the page and the CLI do not offer it for Aurora).
    let done = run(OnExisting::update(true, confirmed), &mut server);
    assert_eq!(
        statuses(&done),
        [Status::Updated, Status::Created, Status::Updated]
    );
    let updates = server.calls("UpdateUser");
    assert_eq!(
        updates,
        [
            &json!({"UserId": 7, "TenantId": 0, "Role": 1}),
            &json!({"UserId": 9, "TenantId": 0, "Role": -1})
        ]
    );
    assert_eq!(server.user("ann@x.org").role, 1);
    assert_eq!(server.user("ann@x.org").password, "old-ann@x.org");
    assert_eq!(
        server.user("jann@x.org").role,
        2,
        "the look-alike is untouched"
    );
    assert_eq!(server.user("cid@x.org").role, 1);
    assert_eq!(server.user("bob@x.org").role, 3);
    assert_eq!(server.calls("CreateUser").len(), 1, "bob's create only");
    assert_eq!(done.rows()[0].message, "Updated: role: \"2\" → \"1\".");
}

#[test]
fn skip_sends_no_update_and_an_account_missing_from_the_preview_is_a_conflict() {
    let mut server = FakeAurora::new();
    let skipped = run(OnExisting::default(), &mut server);
    assert_eq!(
        statuses(&skipped),
        [Status::Exists, Status::Created, Status::Exists]
    );
    assert!(server.calls("UpdateUser").is_empty());
    assert!(server.calls("GetUsers").is_empty(), "Skip looks nothing up");

    // Only cid was confirmed: ann, found by the run's look-up, is not updated.
    let mut server = FakeAurora::new();
    let done = run(OnExisting::update(false, [2]), &mut server);
    assert_ne!(done.rows()[0].status, Status::Updated);
    assert!(
        done.rows()[0].message.contains("not in the preview"),
        "{}",
        done.rows()[0].message
    );
    assert_eq!(done.rows()[2].status, Status::Updated);
    assert_eq!(server.calls("UpdateUser").len(), 1);
    assert_eq!(server.user("ann@x.org").role, 2);
}

#[test]
fn an_account_gone_before_its_update_is_refused_by_103_and_not_created() {
    let mut server = FakeAurora::new();
    let confirmed = preview(&mut server).confirmed();
    server.gone_before_update = Some("ann@x.org".into());
    let done = run(OnExisting::update(false, confirmed), &mut server);
    assert_eq!(done.rows()[0].status, Status::Rejected);
    assert!(
        done.rows()[0].message.contains("no longer there"),
        "{}",
        done.rows()[0].message
    );
    assert_eq!(server.calls("CreateUser").len(), 1, "bob's only");
}

#[test]
fn update_answers_are_read_as_aurora_writes_them() {
    use roster_core::targets::send::Outcome;
    let a = Aurora::new("http://aurora");
    assert_eq!(
        a.read_update(&ok(json!(true))),
        Outcome::Created { target_id: None }
    );
    assert!(matches!(
        a.read_update(&ok(json!(false))),
        Outcome::Transient {
            ambiguous: false,
            ..
        }
    ));
    assert!(matches!(
        a.read_update(&Exchange::NoAnswer { detail: "reset".into() }),
        Outcome::Transient { ambiguous: true, ref message, .. } if message.contains("updated")
    ));
    assert!(matches!(a.read_update(&error(101)), Outcome::Reauth { .. }));
    assert!(matches!(a.read_update(&error(108)), Outcome::Fatal { .. }));
    assert!(matches!(
        a.read_update(&ok(json!({"odd": 1}))),
        Outcome::Unreadable { .. }
    ));
}
