//! Profiles that need no shell (issue 24): Basic auth built from the typed login and
//! password, an auth per login alternative, `id_at` as a template, derived values
//! (`{user.email_domain}`), a bare JSON string answer matched through the pointer `""`, a
//! 5xx a rule makes `rejected`, a stop that names the wrong setting, a `pattern` check,
//! and fields a profile leaves out of the mapping. The profile is the ejabberd example
//! (`profiles/examples/ejabberd.json`), its answers those of ejabberd's `mod_http_api`
//! (as the sandbox's `ejabberd.rs` records them).

use std::collections::BTreeMap;
use std::sync::Arc;

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};
use roster_core::input::field::Field;
use roster_core::input::map::UserRow;
use roster_core::input::plan::PlannedRow;
use roster_core::run::{Command, Phase, Run, RunConfig, Status};
use roster_core::targets::diagnose::{classify, Finding, Probe};
use roster_core::targets::profile::{Profile, ProfileTarget};
use roster_core::targets::send::{LoginStep, Outcome, Secrets, Session, StopKind, Target};
use serde_json::Value;

const EJABBERD: &str = include_str!("../profiles/examples/ejabberd.json");

fn ejabberd() -> Arc<Profile> {
    Arc::new(Profile::from_json(EJABBERD).expect("the example parses"))
}

fn host(value: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("host".to_owned(), value.to_owned())])
}

fn user(username: &str, password: &str) -> UserRow {
    UserRow {
        email: format!("{}@corp.example.com", username.to_lowercase()),
        username: Some(username.into()),
        password: password.into(),
        ..UserRow::default()
    }
}

fn answer(status: u16, body: &str) -> Exchange {
    Exchange::Answered(HttpResponse::new(status, body))
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn json_body(request: &HttpRequest) -> Value {
    let Body::Json(text) = &request.body else {
        panic!("a JSON body: {request:?}")
    };
    serde_json::from_str(text).unwrap()
}

fn session_of(target: &ProfileTarget, secrets: &Secrets) -> Session {
    match target.login(secrets) {
        LoginStep::Ready(session) => session,
        other => panic!("no request to log in with typed credentials: {other:?}"),
    }
}

#[test]
fn basic_auth_is_built_from_the_typed_login_and_password() {
    let target = ProfileTarget::new(
        ejabberd(),
        "https://xmpp.example.org:5443/",
        &host("localhost"),
    );
    let secrets = Secrets::new()
        .with_shown("login", "admin@localhost")
        .with("password", "pä ss:w");
    let session = session_of(&target, &secrets);
    let request = target.create(&session, &user("ann", "pw-1"));
    // base64("admin@localhost:pä ss:w"), UTF-8 (RFC 7617): the password is kept as typed.
    assert_eq!(
        header(&request, "Authorization"),
        Some("Basic YWRtaW5AbG9jYWxob3N0OnDDpCBzczp3")
    );
    assert_eq!(request.url, "https://xmpp.example.org:5443/api/register");
    assert_eq!(
        json_body(&request),
        serde_json::json!({"user": "ann", "host": "localhost", "password": "pw-1"})
    );
    // Nothing secret in the URL.
    assert!(!request.url.contains("admin"));
}

#[test]
fn each_login_alternative_carries_its_own_auth() {
    let target = ProfileTarget::new(ejabberd(), "https://x.test", &host("localhost"));
    let oauth = Secrets::new().with("access_token", "tok-123");
    let session = session_of(&target, &oauth);
    let request = target.create(&session, &user("ann", "pw-1"));
    assert_eq!(header(&request, "Authorization"), Some("Bearer tok-123"));
    // The same target, logged in again with a login and password, switches to Basic.
    let basic = Secrets::new()
        .with_shown("login", "admin@localhost")
        .with("password", "pw");
    let session = session_of(&target, &basic);
    let request = target.create(&session, &user("ann", "pw-1"));
    assert!(header(&request, "Authorization")
        .unwrap()
        .starts_with("Basic "));
}

#[test]
fn a_profile_without_auth_needs_one_on_every_alternative_and_basic_or_value_not_both() {
    let no_auth = EJABBERD.replacen(
        r#""auth": { "header": "Authorization", "value": "Bearer {token}" }"#,
        r#""capture": {}"#,
        1,
    );
    let e = Profile::from_json(&no_auth).unwrap_err();
    assert_eq!(e.path, "auth", "{e}");
    assert!(e.message.contains("every login alternative"), "{e}");
    let both = EJABBERD.replacen(
        r#""auth": { "basic""#,
        r#""auth": { "value": "x", "basic""#,
        1,
    );
    let e = Profile::from_json(&both).unwrap_err();
    assert!(e.message.contains("not both"), "{e}");
    // A basic pair may not name what does not exist.
    let typo = EJABBERD.replacen("{credentials.login}", "{credentials.logn}", 1);
    let e = Profile::from_json(&typo).unwrap_err();
    assert_eq!(e.path, "login[0].auth.basic[0]", "{e}");
}

#[test]
fn a_bare_json_string_is_matched_through_the_pointer_to_the_whole_answer() {
    let target = ProfileTarget::new(ejabberd(), "https://x.test", &host("localhost"));
    let ok = answer(200, r#""User ann@localhost successfully registered""#);
    assert_eq!(
        target.read_create_for(&ok, &user("ann", "pw")),
        Outcome::Created {
            target_id: Some("ann@localhost".into())
        }
    );
    // A 200 that does not say so is never taken for a creation.
    let odd = answer(200, r#""Something else""#);
    assert!(
        matches!(target.read_create(&odd), Outcome::Unreadable { .. }),
        "{:?}",
        target.read_create(&odd)
    );
}

#[test]
fn id_at_may_be_a_template_of_the_row_and_the_settings() {
    let target = ProfileTarget::new(ejabberd(), "https://x.test", &host("xmpp.corp"));
    let created = answer(200, r#""User Bo@xmpp.corp successfully registered""#);
    assert_eq!(
        target.read_create_for(&created, &user("Bo", "pw")),
        Outcome::Created {
            target_id: Some("Bo@xmpp.corp".into())
        }
    );
    // An id never holds a secret.
    let secret = EJABBERD.replacen(
        "{user.username}@{settings.host}",
        "{credentials.password}",
        1,
    );
    let e = Profile::from_json(&secret).unwrap_err();
    assert_eq!(e.path, "id_at.template", "{e}");
}

#[test]
fn derived_values_such_as_the_address_domain_fill_templates() {
    let derived = EJABBERD.replacen(
        r#""host": "{settings.host}""#,
        r#""host": "{user.email_domain}""#,
        1,
    );
    let profile = Arc::new(Profile::from_json(&derived).expect("email_domain is a placeholder"));
    let target = ProfileTarget::new(profile, "https://x.test", &host("localhost"));
    let session = session_of(
        &target,
        &Secrets::new()
            .with_shown("login", "a@b")
            .with("password", "p"),
    );
    let row = UserRow {
        email: "Ann.Lee@Corp.Example.COM".into(),
        username: Some("ann".into()),
        password: "pw".into(),
        ..UserRow::default()
    };
    assert_eq!(
        json_body(&target.create(&session, &row))["host"],
        "corp.example.com"
    );
    // A row without an address has no domain: the key is left out, as for any empty value.
    let none = UserRow {
        email: String::new(),
        ..row
    };
    assert!(json_body(&target.create(&session, &none))
        .get("host")
        .is_none());
    let unknown = EJABBERD.replacen("{settings.host}", "{user.email_domian}", 1);
    assert!(Profile::from_json(&unknown).is_err());
}

#[test]
fn a_rule_makes_a_500_with_a_code_rejected_and_an_unknown_host_stops_naming_the_setting() {
    let target = ProfileTarget::new(ejabberd(), "https://x.test", &host("nohost"));
    let malformed = answer(
        500,
        r#"{"status":"error","code":10001,"message":"Can't register user a b@localhost at node ejabberd@localhost: Malformed username"}"#,
    );
    match target.read_create(&malformed) {
        Outcome::Rejected { code, message, .. } => {
            assert_eq!(code, Some(500));
            assert!(message.ends_with("Malformed username"), "{message}");
        }
        other => panic!("rejected, not {other:?}"),
    }
    let unknown_host = answer(
        500,
        r#"{"status":"error","code":10001,"message":"Unknown virtual host"}"#,
    );
    match target.read_create(&unknown_host) {
        Outcome::Fatal {
            kind,
            message,
            ambiguous,
            ..
        } => {
            assert_eq!(kind, StopKind::Systemic);
            assert!(!ambiguous);
            assert!(
                message.contains("the setting \"XMPP domain\" is wrong")
                    && message.contains("Unknown virtual host"),
                "{message}"
            );
        }
        other => panic!("a stop, not {other:?}"),
    }
    // Without a rule a 500 stays what it was: transient, maybe created.
    assert!(matches!(
        target.read_create(&answer(500, r#"{"status":"error","code":1,"message":"x"}"#)),
        Outcome::Transient {
            ambiguous: true,
            ..
        }
    ));
    let exists = answer(
        409,
        r#"{"status":"error","code":10090,"message":"User ann@localhost already registered"}"#,
    );
    assert!(matches!(
        target.read_create(&exists),
        Outcome::Exists { .. }
    ));
}

#[test]
fn a_setting_stop_must_name_a_declared_setting() {
    let unnamed = EJABBERD.replacen(r#", "setting": "host""#, "", 1);
    let e = Profile::from_json(&unnamed).unwrap_err();
    assert!(e.message.contains("needs `setting`"), "{e}");
    let unknown = EJABBERD.replacen(r#""setting": "host""#, r#""setting": "hots""#, 1);
    let e = Profile::from_json(&unknown).unwrap_err();
    assert!(e.message.contains("`hots`"), "{e}");
}

#[test]
fn a_pattern_check_refuses_a_user_name_before_anything_is_sent() {
    let profile = ejabberd();
    let problems = profile.row_problems(&user("ann lee", "pw"));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, Field::Username);
    assert!(
        problems[0].1.contains("does not match the pattern"),
        "{problems:?}"
    );
    // The whole value must match, not a part of it.
    assert!(!profile.row_problems(&user("ann:x", "pw")).is_empty());
    assert!(profile.row_problems(&user("ann.lee", "pw")).is_empty());
    assert!(profile.row_problems(&user("Zoë", "pw")).is_empty());
    // A pattern that is not one is refused with its line.
    let bad = EJABBERD.replacen(r#"[^\\s\"&'/:<>@]+"#, "([a-z]", 1);
    let e = Profile::from_json(&bad).unwrap_err();
    assert!(e.message.contains("is not a regular expression"), "{e}");
    assert_eq!(e.line, Some(18), "{e}");
}

#[test]
fn the_diagnosis_takes_a_bare_json_string_for_the_api() {
    let status = Probe::Answered {
        status: 200,
        content_type: "application/json".into(),
        body_start: "\"The node ejabberd@localhost is started with status: started".into(),
    };
    assert_eq!(
        classify(
            "http://page.test",
            "http://x.test/api/status",
            &status,
            false
        ),
        Finding::Reachable
    );
    for json in ["42", "true", "null"] {
        let probe = Probe::Answered {
            status: 200,
            content_type: "text/plain".into(),
            body_start: json.into(),
        };
        assert_eq!(
            classify("http://page.test", "http://x.test/", &probe, false),
            Finding::Reachable,
            "{json}"
        );
    }
    // Plain text is still not the API.
    let text = Probe::Answered {
        status: 200,
        content_type: "text/plain".into(),
        body_start: "It works!".into(),
    };
    assert!(matches!(
        classify("http://page.test", "http://x.test/", &text, false),
        Finding::WrongUrl { .. }
    ));
}

#[test]
fn fields_a_profile_never_sends_are_not_offered_in_the_mapping() {
    let profile = ejabberd();
    let rules = profile.rules();
    let offered: Vec<Field> = rules.mapped_fields().iter().map(|s| s.field).collect();
    assert!(!offered.contains(&Field::Name), "{offered:?}");
    assert!(!offered.contains(&Field::FirstName), "{offered:?}");
    assert!(offered.contains(&Field::Username));
    let options = roster_core::input::read::ReadOptions {
        header: Some(true),
        ..roster_core::input::read::ReadOptions::default()
    };
    let table =
        roster_core::input::read::read_with(b"Name,User,Password\nAnn Lee,ann,pw\n", &options)
            .expect("a table")
            .0;
    let mapping = roster_core::input::map::Mapping::auto_for(&table, rules.mapped_fields());
    assert_eq!(mapping.columns[0], None, "{mapping:?}");
    assert_eq!(mapping.columns[1], Some(Field::Username));
    // A field the profile sends cannot be left out.
    let used = EJABBERD.replacen(r#"["name", "#, r#"["username", "name", "#, 1);
    let e = Profile::from_json(&used).unwrap_err();
    assert_eq!(e.path, "unmapped[0]", "{e}");
}

/// A fake ejabberd: Basic auth of the admin, `register` as `ejabberd_admin:register/3`.
fn fake_ejabberd(request: &HttpRequest, users: &mut Vec<String>) -> Exchange {
    if header(request, "Authorization") != Some("Basic YWRtaW5AbG9jYWxob3N0OnB3") {
        return answer(
            401,
            r#"{"status":"error","code":10,"message":"You are not authorized to call this command."}"#,
        );
    }
    let body = json_body(request);
    let (u, h) = (
        body["user"].as_str().unwrap(),
        body["host"].as_str().unwrap(),
    );
    if h != "localhost" {
        return answer(
            500,
            r#"{"status":"error","code":10001,"message":"Unknown virtual host"}"#,
        );
    }
    if u.contains(' ') {
        return answer(
            500,
            &format!(
                r#"{{"status":"error","code":10001,"message":"Can't register user {u}@{h} at node ejabberd@localhost: Malformed username"}}"#
            ),
        );
    }
    if users.iter().any(|x| x.eq_ignore_ascii_case(u)) {
        return answer(
            409,
            &format!(
                r#"{{"status":"error","code":10090,"message":"User {u}@{h} already registered"}}"#
            ),
        );
    }
    users.push(u.to_owned());
    answer(200, &format!(r#""User {u}@{h} successfully registered""#))
}

#[test]
fn a_run_registers_with_basic_auth_and_ends_each_row_once() {
    let rows = [
        user("ann", "pw-a"),
        user("bob", "pw-b"),
        user("a b", "pw-c"),
    ];
    let plan: Vec<PlannedRow> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| PlannedRow {
            line: i as u32 + 2,
            email: r.email.clone().into(),
            username: r.username.clone().unwrap_or_default().into(),
            has_password: true,
            excluded: false,
            findings: Default::default(),
        })
        .collect();
    let target = ProfileTarget::new(ejabberd(), "http://x.test", &host("localhost"));
    let users = rows.to_vec();
    let mut run = Run::new(
        Box::new(target),
        Secrets::new()
            .with_shown("login", "admin@localhost")
            .with("password", "pw"),
        &plan,
        move |i| users.get(i).cloned(),
        RunConfig::default(),
        0,
    );
    let mut server = vec!["bob".to_owned()];
    let mut now = 0;
    for _ in 0..1000 {
        if run.is_over() {
            break;
        }
        match run.next_command(now) {
            Some(Command::Create { row, request }) => {
                now += 5;
                run.on_create(row, &fake_ejabberd(&request, &mut server), now)
            }
            Some(Command::Login(_)) => panic!("typed credentials need no login request"),
            Some(Command::Probe { .. } | Command::Update { .. }) => panic!("no exists probe"),
            Some(Command::Step { .. } | Command::Lookup { .. }) => panic!("no steps"),
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
    }
    assert_eq!(run.phase(), &Phase::Finished);
    let statuses: Vec<Status> = run.rows().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Status::Created, Status::Exists, Status::Rejected]
    );
    assert_eq!(run.rows()[0].target_id.as_deref(), Some("ann@localhost"));
    assert!(run.rows()[2].message.contains("Malformed username"));
    assert_eq!(server, ["bob", "ann"]);
}

#[test]
fn the_dry_run_shows_basic_auth_of_the_masked_password_never_the_typed_one() {
    use roster_core::targets::preview::preview;
    let rows = [user("ann", "row-secret")];
    let plan = [PlannedRow {
        line: 2,
        email: rows[0].email.clone().into(),
        username: "ann".into(),
        has_password: true,
        excluded: false,
        findings: Default::default(),
    }];
    let target = ProfileTarget::new(ejabberd(), "https://x.test", &host("localhost"));
    let secrets = Secrets::new()
        .with_shown("login", "admin@localhost")
        .with("password", "typed-secret");
    let out = preview(&target, &secrets, &plan, |i| rows.get(i).cloned(), 5).join("\n");
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    assert!(!out.contains(&b64("admin@localhost:typed-secret")), "{out}");
    assert!(
        !out.contains("typed-secret") && !out.contains("row-secret"),
        "{out}"
    );
    assert!(out.contains("Authorization: Basic "), "{out}");
}
