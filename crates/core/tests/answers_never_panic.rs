//! Issue 20: no server answer may crash the page. A panic in the core aborts the wasm (a
//! release build aborts on panic), so the run freezes with its rows in flight. Every
//! function that reads something a server sent is fed arbitrary answers here: bytes
//! (lossily decoded, as the browser's `text()` does), arbitrary UTF-8 of any length, and
//! long texts of multi-byte characters laid over the offsets where readers cut (80, 256,
//! 300), with arbitrary statuses and headers, redirects and lost answers. Nothing may
//! panic.
//!
//! Covered: each built-in target's classifiers (Aurora: login, create, probe, `GetUsers`
//! results; Mumara: create, probe, stated rate limit), every shipped preset's login (with
//! a password and with a pasted token: the whoami), probe and create classification,
//! Check (`target/check.rs`, page by page), the diagnosis (`target/diagnose.rs`), the
//! `http.rs` helpers, `Retry-After`, a conflict's look-up of the other account (its
//! reader, and runs whose look-ups meet any answer: the row stays a conflict), and whole
//! runs fed arbitrary exchanges.

use proptest::prelude::*;
use roster_core::http::{json_in, prefix, Exchange, HttpResponse};
use roster_core::input::map::{Field, Mapping, UserRow};
use roster_core::input::plan::{plan_with, users_of};
use roster_core::input::read::read;
use roster_core::run::{Command, OnExisting, Phase, Run, RunConfig, Status};
use roster_core::targets::aurora::AuroraCheck;
use roster_core::targets::aurora::{self, Aurora};
use roster_core::targets::check::Listing;
use roster_core::targets::diagnose::{classify, diagnose, Probe};
use roster_core::targets::mumara::{retry_after, Mumara, MumaraDefaults};
use roster_core::targets::send::{Secrets, Session, Target};
use roster_core::targets::{Settings, TargetKind};

/// Characters of every UTF-8 width, and the ones that bite: quotes, braces, angle
/// brackets, line breaks, a zero-width space, a byte order mark.
const PIECES: &[&str] = &[
    "é",
    "ß",
    "日本",
    "😀",
    "Ω",
    "\u{200B}",
    "\u{FEFF}",
    "\"",
    "{",
    "}",
    "<",
    ">",
    "\n",
    " ",
    "a",
    "ü",
    "€",
    "\\",
    "<body>",
    "<!DOCTYPE html>",
    "{\"Result\":",
    "\r\n",
];

/// A text whose multi-byte characters straddle the byte offsets readers cut at.
fn straddling() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            0usize, 1, 2, 3, 78, 79, 80, 81, 253, 254, 255, 256, 257, 298, 299, 300,
        ]),
        prop::sample::select(vec!["é", "日", "😀", "\u{200B}"]),
        1usize..200,
        prop::sample::select(vec![
            "",
            "{\"name\":\"",
            "<!DOCTYPE html><p>",
            "{\"message\":\"",
            "{\"Result\":\"",
        ]),
    )
        .prop_map(|(pad, ch, n, lead)| format!("{lead}{}{}\"}}", "x".repeat(pad), ch.repeat(n)))
}

fn pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES.to_vec()), 0..400)
        .prop_map(|parts| parts.concat())
}

/// A body as a server might send it: arbitrary bytes, arbitrary UTF-8, long multi-byte
/// text, or JSON shapes the classifiers look for with arbitrary values in them.
fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        any::<String>(),
        straddling(),
        pieces(),
        (pieces(), any::<i64>()).prop_map(|(s, n)| {
            serde_json::json!({
                "Result": {"AuthToken": s, "Items": [{"PublicId": s}], "Count": n},
                "ErrorCode": n, "ErrorMessage": s, "Module": "Core",
                "status": "error", "result": s, "message": s,
                "errors": {"email": [s]},
                "error": s, "error_description": s, "errorMessage": s,
                "access_token": s, "user_id": s, "home_server": s, "id": n, "name": s,
            })
            .to_string()
        }),
        (pieces(), any::<i64>()).prop_map(|(s, n)| {
            serde_json::json!([{"id": s, "username": s, "email": s}, n]).to_string()
        }),
        (straddling(), any::<u64>())
            .prop_map(|(s, n)| format!("{{\"Result\":{n},\"Module\":\"{s}")),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![
            0u16, 200, 201, 204, 301, 302, 400, 401, 403, 404, 405, 409, 415, 419, 422, 429, 500,
            502, 503
        ]),
        any::<u16>(),
    ]
}

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "Retry-After",
            "Date",
            "Content-Type",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "RateLimit-Limit",
            "Location",
            "WWW-Authenticate",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    let value = prop_oneof![
        any::<String>(),
        straddling(),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("Tue, 01 Dec 2026 07:20:31 GMT".to_owned()),
        Just("Sun, 06 Nov 1994 08:49:37 GMT".to_owned()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        Just("text/html; charset=UTF-8".to_owned()),
        Just("application/json".to_owned()),
        Just("0".to_owned()),
    ];
    (name, value)
}

fn response() -> impl Strategy<Value = HttpResponse> {
    (status(), prop::collection::vec(header(), 0..5), body()).prop_map(|(status, headers, body)| {
        HttpResponse {
            status,
            headers,
            body,
        }
    })
}

fn exchange() -> impl Strategy<Value = Exchange> {
    prop_oneof![
        6 => response().prop_map(Exchange::Answered),
        1 => any::<String>().prop_map(|detail| Exchange::NoAnswer { detail }),
        1 => any::<String>().prop_map(|reason| Exchange::NotSent { reason }),
        1 => prop::option::of(prop_oneof![any::<String>(), straddling()])
            .prop_map(|location| Exchange::Redirected { location }),
    ]
}

fn exchanges() -> impl Strategy<Value = Vec<Exchange>> {
    prop::collection::vec(exchange(), 1..24)
}

/// Every shipped target (built-ins and presets), built with every setting filled.
fn kinds() -> Vec<(TargetKind, Settings)> {
    TargetKind::shipped()
        .into_iter()
        .map(|kind| {
            let mut settings = Settings::new();
            for s in kind.settings() {
                let value = if s.id == "timezone" { "+01:00" } else { "1" };
                settings.insert(s.id.clone(), value.into());
            }
            assert!(
                kind.build("http://sandbox", &settings).is_ok(),
                "{} builds",
                kind.name()
            );
            (kind, settings)
        })
        .collect()
}

/// The credentials to try: a login and password, and a pasted token or key.
fn secret_sets() -> [Secrets; 2] {
    [
        Secrets::new()
            .with_shown("login", "admin")
            .with("password", "pw"),
        Secrets::new()
            .with("api_key", "key")
            .with("access_token", "token"),
    ]
}

fn row() -> UserRow {
    UserRow {
        username: Some("ann.example".into()),
        email: "ann.example@example.com".into(),
        password: "Example-Pass-2026".into(),
        name: Some("Ann Example".into()),
        package_id: Some(1),
        ..UserRow::default()
    }
}

/// A row with values for every preset's steps: `;`-separated lists, a blank item and
/// text no server would take.
fn row_with_steps() -> UserRow {
    let list = "#a:sandbox; ;!b:sandbox;7;a/b;日本😀".to_owned();
    UserRow {
        custom: vec![
            (Field::custom("rooms").unwrap(), list.clone()),
            (Field::custom("groups").unwrap(), list),
        ],
        ..row()
    }
}

/// Every classifier of one target, on one exchange.
fn classify_all(target: &dyn Target, exchange: &Exchange) {
    let _ = target.read_create(exchange);
    let _ = target.read_probe(exchange);
    let _ = target.read_update(exchange);
    let _ = target.read_find(exchange);
    let _ = target.current_values(exchange);
    let _ = target.read_find_for(exchange, &row());
    let _ = target.current_values_for(exchange, &row());
    let session = Session::new("token").with_captured("server_name", "sandbox");
    let _ = target.update(&session, &row(), exchange, true);
    let _ = target.update(&session, &row(), exchange, false);
    let _ = target.stated_rate_limit(exchange);
    let _ = target.read_login(exchange);
}

/// A run of three rows against `kind`, every request answered from `answers` in turn.
fn run_against(
    kind: &TargetKind,
    settings: &Settings,
    secrets: &Secrets,
    answers: &[Exchange],
    existing: OnExisting,
) {
    let Ok(target) = kind.build("http://sandbox", settings) else {
        return;
    };
    let template = kind.template();
    let example = template.lines().nth(3).unwrap_or_default().to_owned();
    let mut file: String = template
        .lines()
        .take(3)
        .map(|l| format!("{l}\r\n"))
        .collect();
    for i in 1..=3 {
        file.push_str(&example.replace("ann.example", &format!("ann{i}.example")));
        file.push_str("\r\n");
    }
    let table = read(file.as_bytes()).expect("the template reads");
    let mapping = Mapping::auto_for(&table, kind.field_specs());
    let rules = kind.rules(settings);
    let plan = plan_with(&table, &mapping, &rules);
    let config = RunConfig {
        concurrency: 2,
        max_attempts: 3,
        ..RunConfig::default()
    };
    let mut run = Run::new(
        target,
        secrets.clone(),
        &plan,
        users_of(table, mapping, rules),
        config,
        0,
    )
    .with_existing(existing);
    let mut now = 0u64;
    let mut next = 0usize;
    let mut answer = || {
        let exchange = answers[next % answers.len()].clone();
        next += 1;
        exchange
    };
    // The create answers whose look-up the run queued.
    let mut conflicts: Vec<(usize, Exchange)> = Vec::new();
    for _ in 0..200 {
        if run.is_over() {
            break;
        }
        match run.next_command(now) {
            Some(Command::Login(_)) => run.on_login(&answer(), now + 5),
            Some(Command::Probe { row, .. }) => run.on_probe(row, &answer(), now + 5),
            Some(Command::Create { row, .. }) => {
                let create = answer();
                // A conflict whose rule names a look-up: its answer comes with the look-up's.
                if run.lookup_for(row, &create, now) {
                    conflicts.push((row, create));
                } else {
                    run.on_create(row, &create, now + 5);
                }
            }
            Some(Command::Lookup { row, .. }) => {
                if let Some(pos) = conflicts.iter().position(|(r, _)| *r == row) {
                    let (_, create) = conflicts.swap_remove(pos);
                    run.on_create_looked_up(row, &create, &answer(), now + 5);
                }
            }
            Some(Command::Update { row, .. }) => run.on_update(row, &answer(), now + 5),
            Some(Command::Step { row, step, .. }) => run.on_step(row, step, &answer(), now + 5),
            None => {
                now = match run.next_wake(now) {
                    Some(at) if at > now => at.min(now.saturating_add(86_400_000)),
                    _ => now + 1_000,
                };
            }
        }
        let _ = run.take_changed();
    }
    if !run.is_over() {
        run.cancel(now);
    }
    for (row, _) in run.settle_probes() {
        run.on_settle_probe(row, &answer(), now);
    }
    let _ = run.counts();
}

/// Keycloak's answer to a create whose address is another user's.
fn same_email() -> Exchange {
    Exchange::Answered(HttpResponse::new(
        409,
        r#"{"errorMessage":"User exists with same email"}"#,
    ))
}

/// A Keycloak run of three rows where every create is answered 409 "User exists with
/// same email" and every look-up of the other account by one of `answers` in turn: the
/// rows' final statuses, and whether each was sent.
fn keycloak_conflicts(answers: &[Exchange]) -> Vec<(Status, bool)> {
    let kind = TargetKind::by_id("keycloak").expect("the preset");
    let settings = Settings::from([("realm".to_owned(), "people".to_owned())]);
    let target = kind.build("http://sandbox", &settings).expect("builds");
    let file = "email,password,username\nann1@x.test,Pass-word-1,ann1\nann2@x.test,Pass-word-2,ann2\nann3@x.test,Pass-word-3,ann3\n";
    let table = read(file.as_bytes()).expect("reads");
    let mapping = Mapping::auto_for(&table, kind.field_specs());
    let rules = kind.rules(&settings);
    let plan = plan_with(&table, &mapping, &rules);
    let secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "pw");
    let mut run = Run::new(
        target,
        secrets,
        &plan,
        users_of(table, mapping, rules),
        RunConfig::default(),
        0,
    );
    let mut now = 0u64;
    let mut next = 0usize;
    for _ in 0..200 {
        if run.is_over() {
            break;
        }
        match run.next_command(now) {
            Some(Command::Login(_)) => run.on_login(
                &Exchange::Answered(HttpResponse::new(200, r#"{"access_token":"t"}"#)),
                now + 5,
            ),
            Some(Command::Create { row, .. }) => {
                assert!(run.lookup_for(row, &same_email(), now), "a look-up");
            }
            Some(Command::Lookup { row, request }) => {
                assert_eq!(request.method, roster_core::http::Method::Get);
                let answer = answers[next % answers.len()].clone();
                next += 1;
                run.on_create_looked_up(row, &same_email(), &answer, now + 5);
            }
            Some(Command::Probe { .. }) => unreachable!("Keycloak has no probe"),
            Some(Command::Update { .. }) => unreachable!("updates are not switched on"),
            Some(Command::Step { .. }) => unreachable!("these rows have no groups"),
            // Look-ups answered 429 are sent again, and past the 429 streak (or a long
            // Retry-After) the run pauses: the admin cancels, and the look-ups waiting go.
            None if *run.phase() == Phase::Paused => run.cancel(now),
            None => now = run.next_wake(now).unwrap_or(now + 1_000).max(now + 1),
        }
    }
    assert!(run.is_over());
    run.rows()
        .iter()
        .map(|r| (r.status, r.first_sent_ms.is_some()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn http_helpers_never_panic(response in response(), cut in 0usize..700) {
        let _ = response.looks_like_html();
        let snippet = response.snippet();
        prop_assert!(snippet.chars().count() <= 81);
        let _ = response.header("Retry-After");
        let _ = json_in(&response.body, |_| true);
        let _ = json_in(&response.body, serde_json::Value::is_object);
        let head = prefix(&response.body, cut);
        prop_assert!(head.len() <= cut && response.body.starts_with(head));
        let _ = retry_after(&response);
    }

    #[test]
    fn aurora_and_mumara_read_any_answer(exchange in exchange()) {
        let aurora = Aurora::new("http://sandbox/");
        classify_all(&aurora, &exchange);
        let _ = aurora::read_result(&exchange);
        let mumara = Mumara::new("http://sandbox", MumaraDefaults { package_id: Some(1), timezone: None });
        classify_all(&mumara, &exchange);
    }

    /// Aurora's look-up for an update (`Core.GetUsers`): any list of users, whatever
    /// their `PublicId`, `Id` and `Role` hold (the row's address among them or not),
    /// gives an answer, and an update only for a positive whole `Id`.
    #[test]
    fn aurora_reads_any_list_of_users_for_an_update(
        items in prop::collection::vec(
            (
                prop_oneof![Just("ann.example@example.com".to_owned()), Just("ANN.example@Example.com ".to_owned()), straddling()],
                prop_oneof![Just(serde_json::json!(7)), Just(serde_json::json!(-1)), Just(serde_json::json!("7")), Just(serde_json::json!(1e300)), Just(serde_json::json!(null)), Just(serde_json::json!(u64::MAX))],
                prop_oneof![Just(serde_json::json!(2)), Just(serde_json::json!("x")), Just(serde_json::json!([1])), Just(serde_json::json!(-5))],
            ),
            0..4,
        ),
        noise in prop_oneof![Just(String::new()), Just("<b>Notice</b>:  Undefined index: X<br />\n".to_owned())],
    ) {
        let items: Vec<serde_json::Value> = items
            .into_iter()
            .map(|(public_id, id, role)| serde_json::json!({"Id": id, "PublicId": public_id, "Role": role}))
            .collect();
        let body = format!("{noise}{}", serde_json::json!({"Result": {"Items": items, "Count": items.len()}}));
        let exchange = Exchange::Answered(HttpResponse::new(200, &body));
        let aurora = Aurora::new("http://sandbox/");
        classify_all(&aurora, &exchange);
        let session = Session::new("token");
        if let Some(request) = aurora.update(&session, &row(), &exchange, false) {
            let body = format!("{:?}", request.body);
            prop_assert!(body.contains("UpdateUser") && !body.contains("Example-Pass"), "{body}");
        }
    }

    #[test]
    fn every_preset_reads_any_login_probe_and_create_answer(exchange in exchange()) {
        for (kind, settings) in kinds() {
            for secrets in secret_sets() {
                let Ok(target) = kind.build("http://sandbox", &settings) else { continue };
                // The login (or the whoami of a pasted token) sets what its answer means.
                let _ = target.login(&secrets);
                let _ = target.read_login(&exchange);
                let session = Session::new("token").with_captured("server_name", "sandbox");
                let _ = target.create(&session, &row());
                let _ = target.exists_probe(&session, &row());
                let _ = target.read_create(&exchange);
                let _ = target.read_probe(&exchange);
                let _ = target.read_update(&exchange);
                let _ = target.read_find(&exchange);
                let _ = target.find_probe(&session, &row());
                let _ = target.current_values(&exchange);
                let _ = target.update(&session, &row(), &exchange, true);
                let _ = target.stated_rate_limit(&exchange);
                // A conflict's look-up (Keycloak's 409 "same email"), after any answer,
                // and any answer to it.
                let _ = target.conflict_lookup(&session, &row(), &exchange);
                let _ = target.read_lookup(&exchange, &exchange);
                if let Ok(name) = target.read_lookup(&same_email(), &exchange) {
                    prop_assert!(!name.is_empty() && name.chars().count() <= 200);
                }
                // Every step of the preset (rooms, groups, the invitation), on any answer.
                let _ = target.id_lookup(&session, &row_with_steps());
                let _ = target.read_id_lookup(&exchange);
                for task in target.steps_for(&row_with_steps()) {
                    let _ = target.step(&session, &row_with_steps(), Some("7"), &task);
                    let _ = target.read_step(&task, &exchange);
                }
            }
        }
    }

    #[test]
    fn a_conflict_stays_a_conflict_whatever_its_lookup_answers(answers in exchanges()) {
        let statuses = keycloak_conflicts(&answers);
        // Every row sent ends one conflict (rejected): never exists, never created. A
        // row not sent when the run was cancelled (look-ups answered 429 paused it)
        // ends skipped.
        for (status, sent) in statuses {
            let expected = if sent { Status::Rejected } else { Status::Skipped };
            prop_assert_eq!(status, expected);
        }
    }

    #[test]
    fn check_reads_any_answers_page_by_page(answers in exchanges(), login_ok in any::<bool>()) {
        let secrets = Secrets::new().with_shown("login", "superadmin").with("password", "12345");
        let mut check = AuroraCheck::new(Aurora::new("http://sandbox/"), secrets);
        let mut answers = answers.into_iter();
        if login_ok && check.next().is_some() {
            // Past the login, so that the listing pages and the domains meet the answers.
            check.on_answer(&Exchange::Answered(HttpResponse::new(
                200,
                r#"{"Module":"Core","Result":{"AuthToken":"t"}}"#,
            )));
        }
        while check.next().is_some() {
            let Some(exchange) = answers.next() else { break };
            check.on_answer(&exchange);
        }
        let _ = check.is_over();
        let _ = check.result();
    }

    #[test]
    fn the_diagnosis_reads_any_probe(
        status in status(),
        content_type in prop_oneof![any::<String>(), straddling()],
        body in body(),
        page in prop_oneof![any::<String>(), Just("http://127.0.0.1:8080/".to_owned()), Just("https://roster.example/".to_owned())],
        url in prop_oneof![any::<String>(), straddling(), Just("http://127.0.0.1:8787/".to_owned())],
        failed in any::<bool>(),
        no_cors in any::<bool>(),
    ) {
        let probe = if failed {
            Probe::Failed
        } else {
            // As the glue builds it: the first 300 characters.
            Probe::Answered { status, content_type, body_start: body.chars().take(300).collect() }
        };
        let finding = classify(&page, &url, &probe, no_cors);
        for (kind, _) in kinds() {
            let _ = diagnose(finding.clone(), &page, &url, &kind);
        }
    }

}

proptest! {
    // Each case runs a whole run per target and per credential set: fewer cases.
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn runs_survive_any_exchanges(answers in exchanges()) {
        for (kind, settings) in kinds() {
            for secrets in secret_sets() {
                run_against(&kind, &settings, &secrets, &answers, OnExisting::default());
                // Every row's update confirmed: the updates meet the same answers.
                run_against(&kind, &settings, &secrets, &answers, OnExisting::update(true, 0..3));
            }
        }
    }
}

/// The case that froze the page: a created user's name echoed back, its multi-byte
/// characters straddling byte 256 of the answer, for every target.
#[test]
fn a_name_echoed_across_byte_256_is_read_for_every_target() {
    for pad in 0..4 {
        let name = format!("{}{}", "x".repeat(pad), "日本語".repeat(60));
        let body = serde_json::json!({"id": 7, "username": "ann", "name": name}).to_string();
        for status in [200, 201, 400, 409, 500] {
            let exchange = Exchange::Answered(HttpResponse::new(status, body.clone()));
            for (kind, settings) in kinds() {
                let target = match kind.build("http://sandbox", &settings) {
                    Ok(t) => t,
                    Err(e) => panic!("{}: {e}", kind.name()),
                };
                classify_all(&*target, &exchange);
            }
        }
    }
}
