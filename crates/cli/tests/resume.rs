//! A run killed in the middle (SIGKILL: no chance to write anything more) and run again
//! with `--resume` creates no row twice: the rows in flight at the kill are settled by
//! the target's listing before anything is sent again. Ctrl-C (SIGINT) lets the requests
//! in flight finish, writes the journal, and exits 130; the same command then resumes.

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{command, folder, never_shown, report_rows, roster, said, Finisher, Sandbox};

const ROWS: usize = 30;

fn file(dir: &std::path::Path) {
    let mut text = String::from("email,password\n");
    for i in 0..ROWS {
        text.push_str(&format!("user{i:02}@example.com,Row-Pass-{i:02}x\n"));
    }
    std::fs::write(dir.join("people.csv"), text).unwrap();
}

fn args(server: &str) -> Vec<String> {
    [
        "import",
        "people.csv",
        "--target",
        "aurora",
        "--server",
        server,
        "--yes",
        "--parallel",
        "3",
        "--report",
        "out.csv",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn spawn(dir: &std::path::Path, args: &[String]) -> Child {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    command(dir, &args, &[("ROSTER_PASSWORD", "12345")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("roster starts")
}

/// Waits until the sandbox has seen at least `n` creates.
fn until_creates(sandbox: &Sandbox, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.state()["aurora"]["create_calls"]
        .as_u64()
        .unwrap_or(0)
        < n
    {
        assert!(Instant::now() < deadline, "the run did not get going");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every address the sandbox was asked to create, with how many times.
fn requests(state: &Value) -> Vec<(String, u64)> {
    state["aurora"]["create_requests"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

fn resumed_to_the_end(sandbox: &Sandbox, dir: &std::path::Path, server: &str, lost: bool) {
    let mut again = args(server);
    again.push("--resume".into());
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let out = roster(dir, &again, &[("ROSTER_PASSWORD", "12345")], "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Resuming it (--resume)"),
        "{}",
        said(&out)
    );
    // Rows in flight when the run died are looked up (Aurora's GetUsers) before any is
    // sent again; a run stopped by Ctrl-C had none in flight.
    let rechecked = String::from_utf8_lossy(&out.stderr)
        .contains("Checking the rows whose answer was lost (GetUsers)");
    assert_eq!(rechecked, lost, "{}", said(&out));
    let state = sandbox.state();
    let asked = requests(&state);
    assert_eq!(asked.len(), ROWS, "every row was sent: {asked:?}");
    assert!(
        asked.iter().all(|(_, n)| *n == 1),
        "no row was sent twice: {asked:?}"
    );
    assert_eq!(state["aurora"]["users"].as_array().unwrap().len(), ROWS);
    let report = report_rows(&dir.join("out.csv"));
    assert_eq!(report.len(), ROWS);
    assert!(
        report
            .iter()
            .all(|(_, s, _)| s == "created" || s == "exists"),
        "{report:?}"
    );
    never_shown("12345", &out, dir, &[]);
}

#[test]
fn a_kill_in_the_middle_then_resume_creates_no_row_twice() {
    let sandbox = Sandbox::start(json!({"aurora": {"latency_ms": 150}}));
    // The requests in flight at the kill are carried out all the same: their accounts
    // exist, and only the journal can tell the resumed run to look before sending.
    let finisher = Finisher::start(&sandbox.api);
    let dir = folder("kill");
    file(&dir);
    let server = format!("{}/", finisher.url);
    let mut child = spawn(&dir, &args(&server));
    until_creates(&sandbox, 7);
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let before = sandbox.state();
    let sent = requests(&before).len();
    assert!(sent < ROWS, "killed in the middle: {sent} sent");
    // Without --resume and without a terminal, it refuses rather than guess.
    let plain: Vec<String> = args(&server);
    let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
    let refused = roster(&dir, &plain, &[("ROSTER_PASSWORD", "12345")], "");
    assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
    assert_eq!(requests(&sandbox.state()).len(), sent, "nothing sent");
    // Let the requests still in the sandbox land before the resume looks.
    std::thread::sleep(Duration::from_millis(400));
    resumed_to_the_end(&sandbox, &dir, &server, true);
}

#[test]
fn ctrl_c_lets_the_requests_in_flight_finish_writes_the_journal_and_exits_130() {
    let sandbox = Sandbox::start(json!({"aurora": {"latency_ms": 150}}));
    let dir = folder("ctrl-c");
    file(&dir);
    let server = format!("{}/", sandbox.api);
    let child = spawn(&dir, &args(&server));
    until_creates(&sandbox, 5);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = child.wait_with_output().expect("roster ends");
    assert_eq!(out.status.code(), Some(130), "{}", said(&out));
    let state = sandbox.state();
    let asked = requests(&state);
    let created = state["aurora"]["users"].as_array().unwrap().len();
    assert!(asked.len() < ROWS, "stopped in the middle");
    // Every request sent was answered before the exit: the report says so.
    let report = report_rows(&dir.join("out.csv"));
    let done = report.iter().filter(|(_, s, _)| s == "created").count();
    assert_eq!(done, created, "{}", said(&out));
    assert!(report
        .iter()
        .all(|(_, s, _)| s == "created" || s == "skipped"));
    assert!(dir.join("people.csv.roster-journal").is_dir());
    resumed_to_the_end(&sandbox, &dir, &server, false);
}

/// The journal's files whose names contain `part`.
fn journal_files(dir: &std::path::Path, part: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir.join("people.csv.roster-journal"))
        .expect("the journal is a folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(part))
        .collect()
}

#[test]
fn the_journal_is_a_folder_of_pages_and_a_damaged_or_missing_page_refuses_the_resume() {
    let sandbox = Sandbox::start(json!({"aurora": {"latency_ms": 150}}));
    let dir = folder("pages");
    file(&dir);
    let server = format!("{}/", sandbox.api);
    let child = spawn(&dir, &args(&server));
    until_creates(&sandbox, 5);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = child.wait_with_output().expect("roster ends");
    assert_eq!(out.status.code(), Some(130), "{}", said(&out));
    // The head, and one page for 30 rows; no temporary file left.
    let pages = journal_files(&dir, ".page.");
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert!(journal_files(&dir, ".tmp").is_empty());
    let sent = sandbox.state()["aurora"]["create_calls"].clone();
    let mut again = args(&server);
    again.push("--resume".into());
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let refused = |why: &str| {
        let out = roster(&dir, &again, &[("ROSTER_PASSWORD", "12345")], "");
        assert_eq!(out.status.code(), Some(2), "{why}: {}", said(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("cannot be resumed"),
            "{why}: {}",
            said(&out)
        );
        assert_eq!(
            sandbox.state()["aurora"]["create_calls"],
            sent,
            "{why}: nothing sent"
        );
    };
    std::fs::write(&pages[0], "{\"statuses\":").unwrap();
    refused("a damaged page");
    std::fs::remove_file(&pages[0]).unwrap();
    refused("a missing page");
}

#[test]
fn mumara_killed_in_the_middle_then_resumed_creates_no_account_twice() {
    let sandbox = Sandbox::start(json!({"mumara": {"latency_ms": 150, "rate_limit": 1000}}));
    let dir = folder("kill-mumara");
    let mut text = String::from("name,email,password\n");
    for i in 0..ROWS {
        text.push_str(&format!(
            "User {i},user{i:02}@example.com,Row-Pass-{i:02}x\n"
        ));
    }
    std::fs::write(dir.join("people.csv"), text).unwrap();
    let args: Vec<String> = [
        "import",
        "people.csv",
        "--target",
        "mumara",
        "--server",
        &sandbox.api,
        "--set",
        "package_id=1",
        "--yes",
        "--parallel",
        "3",
        "--rate",
        "6000",
        "--report",
        "out.csv",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = [("ROSTER_API_KEY", "sandbox-key")];
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = command(&dir, &argv, &env)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.state()["mumara"]["add_calls"].as_u64().unwrap_or(0) < 7 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(400));
    let mut again = argv.clone();
    again.push("--resume");
    let out = roster(&dir, &again, &env, "");
    // Mumara cannot be asked whether an account exists: a row whose answer was lost at
    // the kill is sent again (the core's resume), and Mumara refuses a second account
    // for an address, so it ends exists; never a second account.
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let state = sandbox.state();
    let calls = state["mumara"]["add_calls_by_email"]
        .as_object()
        .unwrap()
        .clone();
    let on_server: Vec<String> = state["mumara"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(on_server.len(), ROWS, "one account per row");
    let report = report_rows(&dir.join("out.csv"));
    assert_eq!(report.len(), ROWS);
    for (email, status, _) in &report {
        assert!(on_server.contains(email), "{email}");
        let sent = calls.get(email).and_then(Value::as_u64).unwrap_or(0);
        match status.as_str() {
            "created" => assert_eq!(sent, 1, "{email}"),
            // Sent again after a lost answer: at most once more.
            "exists" => assert!(sent <= 2, "{email}: {sent}"),
            other => panic!("{email}: {other}"),
        }
    }
}
