//! The `roster` binary against the sandbox, which each test starts: Aurora, Mumara and
//! each preset shape the sandbox speaks (Keycloak, Graph, GitLab), the realism mode, the
//! exit codes, and secrets that are never printed or written. The sandbox's control API
//! is the ground truth the reports are compared with.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use support::{folder, never_shown, report_rows, roster, said, Sandbox};

const AURORA_PASSWORD: &str = "12345";

/// Five people; ann has an Aurora account already, the last row is invalid.
const AURORA_FILE: &str = "email,password,role\n\
ann@example.com,Row-Pass-ann1,2\n\
bob@example.com,Row-Pass-bob1,2\n\
cyd@example.com,Row-Pass-cyd1,1\n\
dee@example.com,Row-Pass-dee1,2\n\
not-an-address,Row-Pass-bad1,2\n";

/// Statuses by address, from a report.
fn by_email(rows: &[(String, String, String)]) -> BTreeMap<String, (String, String)> {
    rows.iter()
        .map(|(e, s, t)| (e.to_lowercase(), (s.clone(), t.clone())))
        .collect()
}

fn users(state: &Value, protocol: &str) -> Vec<Value> {
    state[protocol]["users"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn aurora_import_creates_what_the_report_says_and_exits_1_for_the_invalid_row() {
    let sandbox = Sandbox::start(Value::Null);
    sandbox.seed(json!({"aurora": ["ann@example.com"]}));
    let dir = folder("aurora");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--login",
            "superadmin",
            "--yes",
            "--report",
            "out.csv",
            "--report-json",
            "out.json",
            "--retry-file",
            "retry.csv",
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("people.csv: 5 rows (4 ready, 1 invalid, 0 excluded). Encoding: UTF-8. Delimiter: Comma ( , ). First line is a header."),
        "{}",
        said(&out)
    );
    assert!(
        stdout.contains("Result: 3 created, 1 exists, 1 invalid."),
        "{}",
        said(&out)
    );
    let report = by_email(&report_rows(&dir.join("out.csv")));
    let state = sandbox.state();
    // The report equals the server: every row created is there with the id reported.
    let on_server: BTreeMap<String, String> = users(&state, "aurora")
        .iter()
        .map(|u| {
            (
                u["public_id"].as_str().unwrap().to_owned(),
                u["id"].to_string(),
            )
        })
        .collect();
    for email in ["bob@example.com", "cyd@example.com", "dee@example.com"] {
        let (status, id) = &report[email];
        assert_eq!(status, "created", "{email}");
        assert_eq!(Some(id), on_server.get(email), "{email}'s id");
    }
    assert_eq!(report["ann@example.com"].0, "exists");
    assert_eq!(report["not-an-address"].0, "invalid");
    assert_eq!(on_server.len(), 4, "the seeded user and three created");
    assert_eq!(
        state["aurora"]["create_calls"], 4,
        "ann tried once, the invalid row never"
    );
    // cyd's role came from the file.
    let cyd = users(&state, "aurora")
        .into_iter()
        .find(|u| u["public_id"] == "cyd@example.com")
        .unwrap();
    assert_eq!(cyd["role"], 1);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["counts"]["created"], 3);
    // No row failed: there is nothing to retry (an invalid row needs fixing first).
    assert!(!dir.join("retry.csv").exists());
    assert!(stdout.contains("Rows to retry: none"), "{}", said(&out));
    // Neither the admin's password nor a row's password is printed or in the report,
    // the JSON report or the journal (the retry file is the input handed back).
    never_shown(AURORA_PASSWORD, &out, &dir, &[]);
    never_shown("Row-Pass-bob1", &out, &dir, &["people.csv", "retry.csv"]);
}

#[test]
fn every_row_created_or_existing_exits_0_and_a_second_run_creates_nothing() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("again");
    std::fs::write(
        dir.join("people.csv"),
        "email,password\nann@example.com,Row-Pass-ann1\nbob@example.com,Row-Pass-bob1\n",
    )
    .unwrap();
    let server = format!("{}/", sandbox.api);
    let args = [
        "import",
        "people.csv",
        "--target",
        "aurora",
        "--server",
        &server,
        "--yes",
        "--report",
        "out.csv",
    ];
    let env = [("ROSTER_PASSWORD", AURORA_PASSWORD)];
    let first = roster(&dir, &args, &env, "");
    assert_eq!(first.status.code(), Some(0), "{}", said(&first));
    let second = roster(&dir, &args, &env, "");
    assert_eq!(second.status.code(), Some(0), "{}", said(&second));
    let report = by_email(&report_rows(&dir.join("out.csv")));
    assert!(report.values().all(|(s, _)| s == "exists"), "{report:?}");
    assert_eq!(users(&sandbox.state(), "aurora").len(), 2);
}

#[test]
fn a_refused_password_stops_the_run_with_exit_3_and_creates_nothing() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("refused");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--yes",
        ],
        &[("ROSTER_PASSWORD", "wrong-password-42")],
        "",
    );
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    let state = sandbox.state();
    assert_eq!(state["aurora"]["create_calls"], 0);
    never_shown("wrong-password-42", &out, &dir, &[]);
}

#[test]
fn a_secret_given_as_an_argument_is_refused_with_exit_2_and_nothing_is_sent() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("argument");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    for secret in [
        vec!["--password", "hunter2-secret"],
        vec!["--password=hunter2-secret"],
        vec!["--api-key", "hunter2-secret"],
        vec!["--token=hunter2-secret"],
        vec!["--credential", "password=hunter2-secret"],
    ] {
        let mut args = vec![
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--yes",
        ];
        args.extend(secret.iter().copied());
        let out = roster(&dir, &args, &[], "");
        assert_eq!(out.status.code(), Some(2), "{secret:?}: {}", said(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("ROSTER_PASSWORD") && err.contains("--password-stdin"),
            "{err}"
        );
        never_shown("hunter2-secret", &out, &dir, &[]);
    }
    let state = sandbox.state();
    assert_eq!(state["aurora"]["login_calls"], 0, "nothing was sent");
    assert_eq!(state["aurora"]["create_calls"], 0);
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_sent() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("no-yes");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "y\n",
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--yes"),
        "{}",
        said(&out)
    );
    assert_eq!(sandbox.state()["aurora"]["login_calls"], 0);
}

#[test]
fn usage_and_file_errors_exit_2() {
    let dir = folder("usage");
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "import",
            "missing.csv",
            "--target",
            "aurora",
            "--server",
            "https://x.test/",
        ],
        vec![
            "import",
            "missing.csv",
            "--target",
            "nonesuch",
            "--server",
            "https://x.test/",
        ],
        vec!["import"],
        vec!["template", "--target", "nonesuch"],
    ];
    for args in cases {
        let out = roster(&dir, &args, &[], "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", said(&out));
    }
}

#[test]
fn the_password_comes_from_standard_input_with_password_stdin() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("stdin");
    std::fs::write(
        dir.join("people.csv"),
        "email,password\nann@example.com,Row-Pass-ann1\n",
    )
    .unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--yes",
            "--password-stdin",
        ],
        &[],
        "12345\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(users(&sandbox.state(), "aurora").len(), 1);
    never_shown(AURORA_PASSWORD, &out, &dir, &[]);
}

#[test]
fn dry_run_prints_the_requests_with_secrets_masked_and_sends_nothing() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("dry");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--dry-run",
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("AdminAuth") && stdout.contains("CreateUser"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bob%40example.com") || stdout.contains("bob@example.com"),
        "{stdout}"
    );
    never_shown(AURORA_PASSWORD, &out, &dir, &[]);
    never_shown("Row-Pass-bob1", &out, &dir, &["people.csv"]);
    let state = sandbox.state();
    assert_eq!(state["aurora"]["login_calls"], 0);
    assert_eq!(state["aurora"]["create_calls"], 0);
}

#[test]
fn check_lists_the_accounts_and_creates_nothing() {
    let sandbox = Sandbox::start(Value::Null);
    sandbox.seed(json!({"aurora": ["ann@example.com"]}));
    let dir = folder("check");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "check",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "",
    );
    // The invalid row makes it 1.
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .contains("Login OK. The server holds 1 account; 1 of this file's rows is among them"),
        "{stdout}"
    );
    assert_eq!(sandbox.state()["aurora"]["create_calls"], 0);
    let refused = roster(
        &dir,
        &[
            "check",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
        ],
        &[("ROSTER_PASSWORD", "wrong")],
        "",
    );
    assert_eq!(refused.status.code(), Some(3), "{}", said(&refused));
}

#[test]
fn mumara_takes_its_key_from_the_environment_and_its_package_from_set() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("mumara");
    std::fs::write(
        dir.join("people.csv"),
        "name,email,password\nAnn Example,ann@example.com,Row-Pass-ann1\nBob Example,bob@example.com,Row-Pass-bob1\nCyd Example,cyd@example.com,Row-Pass-cyd1\n",
    )
    .unwrap();
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "mumara",
            "--server",
            &sandbox.api,
            "--set",
            "package_id=2",
            "--yes",
            "--report",
            "out.csv",
        ],
        &[("ROSTER_API_KEY", "sandbox-key")],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let state = sandbox.state();
    let created = users(&state, "mumara");
    assert_eq!(created.len(), 3);
    assert!(created.iter().all(|u| u["package_id"] == 2), "{created:?}");
    let report = by_email(&report_rows(&dir.join("out.csv")));
    let emails: BTreeSet<String> = created
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(emails, report.keys().cloned().collect());
    assert!(report.values().all(|(s, _)| s == "created"));
    let calls = state["mumara"]["add_calls_by_email"].as_object().unwrap();
    assert!(calls.values().all(|n| n == 1), "{calls:?}");
    never_shown("sandbox-key", &out, &dir, &[]);
    // A key that is refused stops the run: exit 3.
    let dir = folder("mumara-refused");
    std::fs::write(
        dir.join("people.csv"),
        "name,email,password\nDee,dee@example.com,Row-Pass-dee1\n",
    )
    .unwrap();
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "mumara",
            "--server",
            &sandbox.api,
            "--set",
            "package_id=2",
            "--yes",
        ],
        &[("ROSTER_API_KEY", "not-the-key")],
        "",
    );
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
}

/// Each preset shape the sandbox speaks: the report equals the server's users.
fn preset(id: &str, env: &[(&str, &str)], extra: &[&str], protocol: &str, key: &str) {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder(id);
    std::fs::write(
        dir.join("people.csv"),
        "email,password,name,username\nann@example.com,Row-Pass-ann1!,Ann Example,ann\nbob@example.com,Row-Pass-bob1!,Bob Example,bob\n",
    )
    .unwrap();
    let mut args = vec![
        "import",
        "people.csv",
        "--target",
        id,
        "--server",
        &sandbox.api,
        "--yes",
        "--report",
        "out.csv",
    ];
    args.extend(extra);
    let out = roster(&dir, &args, env, "");
    assert_eq!(out.status.code(), Some(0), "{id}: {}", said(&out));
    let report = by_email(&report_rows(&dir.join("out.csv")));
    let on_server: BTreeSet<String> = users(&sandbox.state(), protocol)
        .iter()
        .filter(|u| u["seeded"] != true)
        .map(|u| u[key].as_str().unwrap().to_lowercase())
        .collect();
    let created: BTreeSet<String> = report
        .iter()
        .filter(|(_, (s, _))| s == "created")
        .map(|(e, _)| e.clone())
        .collect();
    assert_eq!(created.len(), 2, "{id}: {report:?}");
    assert_eq!(on_server, created, "{id}");
    for (_, secret) in env {
        never_shown(secret, &out, &dir, &[]);
    }
}

#[test]
fn keycloak_preset() {
    preset(
        "keycloak",
        &[("ROSTER_PASSWORD", "admin")],
        &["--login", "admin", "--set", "realm=roster"],
        "keycloak",
        "email",
    );
}

#[test]
fn graph_preset() {
    preset(
        "graph",
        &[("ROSTER_TOKEN", "sandbox-graph-token")],
        &[],
        "graph",
        "user_principal_name",
    );
}

#[test]
fn gitlab_preset() {
    preset(
        "gitlab",
        &[("ROSTER_TOKEN", "glpat-sandbox-admin")],
        &[],
        "gitlab",
        "email",
    );
}

#[test]
fn realism_mode_the_report_matches_the_server_and_no_row_is_created_twice() {
    let sandbox = Sandbox::start(json!({"preset": "realism"}));
    let dir = folder("realism");
    let mut text = String::from("email,password\n");
    for i in 0..40 {
        text.push_str(&format!("user{i:02}@example.com,Row-Pass-{i:02}x\n"));
    }
    std::fs::write(dir.join("people.csv"), &text).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--yes",
            "--report",
            "out.csv",
            "--parallel",
            "3",
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "",
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", said(&out));
    let report = by_email(&report_rows(&dir.join("out.csv")));
    let state = sandbox.state();
    let on_server: BTreeSet<String> = users(&state, "aurora")
        .iter()
        .map(|u| u["public_id"].as_str().unwrap().to_owned())
        .collect();
    for (email, (status, _)) in &report {
        match status.as_str() {
            "created" | "exists" => assert!(on_server.contains(email), "{email} {status}"),
            "failed" | "rejected" => assert!(!on_server.contains(email), "{email} {status}"),
            _ => {}
        }
    }
    for email in &on_server {
        let status = &report[email].0;
        assert!(
            matches!(status.as_str(), "created" | "exists" | "unknown"),
            "{email}: {status}"
        );
    }
    let code = out.status.code().unwrap();
    let all_good = report
        .values()
        .all(|(s, _)| s == "created" || s == "exists");
    assert_eq!(code == 0, all_good, "{}", said(&out));
    never_shown(AURORA_PASSWORD, &out, &dir, &[]);
}

#[test]
fn a_profile_file_with_its_own_credential_takes_it_from_roster_credential_id() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("profile");
    let preset: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../core/profiles/gitlab.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut mine = preset.clone();
    mine["id"] = json!("gitlab-pat");
    mine["name"] = json!("GitLab (own credential)");
    mine["credentials"] = json!([{"id": "gitlab_pat", "label": "GitLab PAT", "secret": true}]);
    mine["auth"] = json!({"header": "PRIVATE-TOKEN", "value": "{credentials.gitlab_pat}"});
    std::fs::write(dir.join("mine.json"), mine.to_string()).unwrap();
    std::fs::write(
        dir.join("people.csv"),
        "username,email,password,name\nqa,qa@example.com,Pw-qa-long-enough,Own QA\nqb,qb@example.com,Pw-qb-long-enough,Own QB\n",
    )
    .unwrap();
    let args = [
        "import",
        "people.csv",
        "--profile",
        "mine.json",
        "--server",
        &sandbox.api,
        "--yes",
        "--report",
        "out.csv",
        "--report-json",
        "out.json",
    ];
    // Without the credential: a usage error naming it, nothing sent.
    let missing = roster(&dir, &args, &[], "");
    assert_eq!(missing.status.code(), Some(2), "{}", said(&missing));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("GitLab PAT"),
        "{}",
        said(&missing)
    );
    assert_eq!(sandbox.state()["gitlab"]["create_calls"], 0);
    let out = roster(
        &dir,
        &args,
        &[("ROSTER_CREDENTIAL_GITLAB_PAT", "glpat-sandbox-admin")],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let state = sandbox.state();
    let names: BTreeSet<String> = users(&state, "gitlab")
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, BTreeSet::from(["qa".to_owned(), "qb".to_owned()]));
    never_shown("glpat-sandbox-admin", &out, &dir, &[]);
    never_shown("Pw-qa-long-enough", &out, &dir, &["people.csv"]);
}

#[test]
fn template_and_targets_come_from_the_core() {
    let dir = folder("template");
    let out = roster(&dir, &["template", "--target", "mumara"], &[], "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text,
        roster_core_template("mumara"),
        "the template is the page's, byte for byte"
    );
    let out = roster(&dir, &["targets"], &[], "");
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["aurora", "mumara", "synapse", "keycloak", "graph", "gitlab"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id}: {text}"
        );
    }
    assert!(
        text.contains("ROSTER_API_KEY") && text.contains("--set package_id=VALUE"),
        "{text}"
    );
}

fn roster_core_template(id: &str) -> String {
    roster_core::targets::TargetKind::by_id(id)
        .unwrap()
        .template()
}

#[test]
fn reading_and_row_options_do_what_the_page_s_controls_do() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("options");
    // A title line, no header, pipes; a duplicate address and an invalid row.
    std::fs::write(
        dir.join("people.txt"),
        "Export of 2026-12-01\nRow-Pass-ann1|ann@example.com\nRow-Pass-bob1|bob@example.com\nRow-Pass-an2|ANN@example.com\nRow-Pass-x|nope\n",
    )
    .unwrap();
    let server = format!("{}/", sandbox.api);
    let base = [
        "import",
        "people.txt",
        "--target",
        "aurora",
        "--server",
        &server,
        "--yes",
        "--report",
        "out.csv",
        "--delimiter",
        "pipe",
        "--skip-lines",
        "1",
        "--no-header",
        "--map",
        "Column 1=password",
        "--map",
        "Column 2=email",
    ];
    let env = [("ROSTER_PASSWORD", AURORA_PASSWORD)];
    // As read: both ann rows are invalid (one address twice), and so is "nope".
    let mut dry = base.to_vec();
    dry.push("--dry-run");
    let out = roster(&dir, &dry, &env, "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("people.txt: 4 rows (1 ready, 3 invalid, 0 excluded). Encoding: UTF-8. Delimiter: Pipe ( | ). No header line."),
        "{stdout}"
    );
    // Keep the first of each duplicate, leave the invalid row out: 2 sent, exit 0.
    let mut args = base.to_vec();
    args.extend(["--keep-first-duplicate", "--exclude-invalid"]);
    let out = roster(&dir, &args, &env, "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let report = report_rows(&dir.join("out.csv"));
    let statuses: Vec<(&str, &str)> = report
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("ann@example.com", "created"),
            ("bob@example.com", "created"),
            ("ANN@example.com", "skipped"),
            ("nope", "skipped")
        ]
    );
    let state = sandbox.state();
    let created: BTreeSet<String> = users(&state, "aurora")
        .iter()
        .map(|u| u["public_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        created,
        BTreeSet::from(["ann@example.com".to_owned(), "bob@example.com".to_owned()])
    );
    // A column or a field that is not there is a usage error.
    let mut bad = base.to_vec();
    bad.extend(["--map", "Shoe size=email"]);
    assert_eq!(roster(&dir, &bad, &env, "").status.code(), Some(2));
    let mut bad = base.to_vec();
    bad.extend(["--map", "Column 1=department"]);
    assert_eq!(roster(&dir, &bad, &env, "").status.code(), Some(2));
}

#[test]
fn a_license_limit_stops_the_run_with_exit_3() {
    let sandbox = Sandbox::start(json!({"aurora": {"license_limit": 2}}));
    let dir = folder("limit");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--yes",
            "--exclude-invalid",
            "--report",
            "out.csv",
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "",
    );
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Import stopped"),
        "{}",
        said(&out)
    );
    let report = by_email(&report_rows(&dir.join("out.csv")));
    let created = report.values().filter(|(s, _)| s == "created").count();
    assert_eq!(created, users(&sandbox.state(), "aurora").len());
    assert_eq!(created, 2);
}

#[test]
fn mumara_in_realism_mode_the_report_matches_the_server() {
    let sandbox = Sandbox::start(json!({"preset": "realism"}));
    let dir = folder("mumara-realism");
    let mut text = String::from("name,email,password\n");
    for i in 0..40 {
        text.push_str(&format!(
            "User {i},user{i:02}@example.com,Row-Pass-{i:02}x\n"
        ));
    }
    std::fs::write(dir.join("people.csv"), &text).unwrap();
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "mumara",
            "--server",
            &sandbox.api,
            "--set",
            "package_id=1",
            "--yes",
            "--rate",
            "6000",
            "--report",
            "out.csv",
            "--retry-file",
            "retry.csv",
        ],
        &[("ROSTER_API_KEY", "sandbox-key")],
        "",
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", said(&out));
    let report = by_email(&report_rows(&dir.join("out.csv")));
    let state = sandbox.state();
    let on_server: BTreeSet<String> = users(&state, "mumara")
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    for (email, (status, _)) in &report {
        match status.as_str() {
            "created" | "exists" => assert!(on_server.contains(email), "{email} {status}"),
            "failed" | "rejected" => assert!(!on_server.contains(email), "{email} {status}"),
            _ => {}
        }
    }
    for email in &on_server {
        let status = &report[email].0;
        assert!(
            matches!(status.as_str(), "created" | "exists" | "unknown"),
            "{email}: {status}"
        );
    }
    // The rows to retry are exactly those the run could not settle.
    let retry: BTreeSet<String> = std::fs::read_to_string(dir.join("retry.csv"))
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(str::to_owned))
        .collect();
    let unsettled: BTreeSet<String> = report
        .iter()
        .filter(|(_, (s, _))| matches!(s.as_str(), "failed" | "unknown" | "rejected" | "skipped"))
        .map(|(e, _)| e.clone())
        .collect();
    assert_eq!(retry, unsettled);
    assert_eq!(
        out.status.code() == Some(0),
        unsettled.is_empty(),
        "{}",
        said(&out)
    );
    never_shown("sandbox-key", &out, &dir, &[]);
}

#[test]
fn a_journal_that_cannot_be_written_sends_nothing_and_exits_2() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("journal");
    std::fs::write(dir.join("people.csv"), AURORA_FILE).unwrap();
    let server = format!("{}/", sandbox.api);
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--yes",
            "--journal",
            "no/such/folder/journal.json",
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No row was sent"),
        "{}",
        said(&out)
    );
    let state = sandbox.state();
    assert_eq!(state["aurora"]["login_calls"], 0);
    assert_eq!(state["aurora"]["create_calls"], 0);
}

#[test]
fn more_than_a_browser_s_six_requests_are_in_flight_at_once() {
    // A login and 64 creates at 500 ms each: 16 at once take about 2.5 s; a browser's 6
    // would need 6 s, one at a time 32 s.
    let sandbox = Sandbox::start(json!({"aurora": {"latency_ms": 500}}));
    let dir = folder("parallel");
    let mut text = String::from("email,password\n");
    for i in 0..64 {
        text.push_str(&format!("p{i:02}@example.com,Row-Pass-{i:02}x\n"));
    }
    std::fs::write(dir.join("people.csv"), text).unwrap();
    let server = format!("{}/", sandbox.api);
    let started = std::time::Instant::now();
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--yes",
            "--parallel",
            "16",
        ],
        &[("ROSTER_PASSWORD", AURORA_PASSWORD)],
        "",
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(users(&sandbox.state(), "aurora").len(), 64);
    assert!(
        took < std::time::Duration::from_millis(4_500),
        "took {took:?}"
    );
}

#[test]
fn keycloaks_check_tests_the_login_and_creates_nothing() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("check-keycloak");
    std::fs::write(
        dir.join("people.csv"),
        "username,email,password\nann,ann@example.com,Row-Pass-ann1\n",
    )
    .unwrap();
    let server = format!("{}/", sandbox.api);
    let args = [
        "check",
        "people.csv",
        "--target",
        "keycloak",
        "--server",
        &server,
        "--login",
        "admin",
        "--set",
        "realm=roster",
    ];
    let out = roster(&dir, &args, &[("ROSTER_PASSWORD", "admin")], "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\nLogin OK."), "{stdout}");
    assert!(!stdout.contains("no read-only call"), "{stdout}");
    let refused = roster(&dir, &args, &[("ROSTER_PASSWORD", "wrong")], "");
    assert_eq!(refused.status.code(), Some(3), "{}", said(&refused));
    assert!(
        said(&refused).contains("Check failed"),
        "{}",
        said(&refused)
    );
    never_shown("wrong", &refused, &dir, &["people.csv"]);
    let state = sandbox.state();
    assert_eq!(users(&state, "keycloak").len(), 0, "{state}");
}
