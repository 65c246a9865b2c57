//! `roster import --generate-passwords --passwords-file FILE` against the sandbox's
//! Aurora (which keeps each account's password, so the test sees what was sent): rows
//! without a password are created with a generated one; a row with its own keeps it; the
//! file (mode 0600) lists the accounts created with a generated password, each with the
//! password the server got; no generated password is printed or in any other file.

mod support;

use serde_json::{json, Value};
use support::{folder, never_shown, report_rows, roster, said, Sandbox};

/// ann exists already; bob gives his own password; cyd and dee give none.
const FILE: &str = "email,password,role\n\
ann@example.com,,2\n\
bob@example.com,Row-Pass-bob1,2\n\
cyd@example.com,,2\n\
dee@example.com,,1\n";

fn server_passwords(state: &Value) -> Vec<(String, String)> {
    state["aurora"]["users"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|u| {
            (
                u["public_id"].as_str().unwrap().to_owned(),
                u["password"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn generated_passwords_are_created_and_handed_out_in_a_private_file_only() {
    let sandbox = Sandbox::start(Value::Null);
    sandbox.seed(json!({"aurora": ["ann@example.com"]}));
    let dir = folder("passwords");
    std::fs::write(dir.join("people.csv"), FILE).unwrap();
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
            "--generate-passwords",
            "--passwords-file",
            "handout.csv",
            "--report",
            "out.csv",
            "--report-json",
            "out.json",
            "--retry-file",
            "retry.csv",
        ],
        &[("ROSTER_PASSWORD", "12345")],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let statuses: Vec<(String, String)> = report_rows(&dir.join("out.csv"))
        .into_iter()
        .map(|(e, s, _)| (e, s))
        .collect();
    assert_eq!(
        statuses,
        [
            ("ann@example.com".to_owned(), "exists".to_owned()),
            ("bob@example.com".into(), "created".into()),
            ("cyd@example.com".into(), "created".into()),
            ("dee@example.com".into(), "created".into()),
        ]
    );
    let on_server = server_passwords(&sandbox.state());
    let sent = |who: &str| {
        on_server
            .iter()
            .find(|(e, _)| e == who)
            .map(|(_, p)| p.clone())
            .unwrap()
    };
    assert_eq!(
        sent("bob@example.com"),
        "Row-Pass-bob1",
        "bob keeps his own"
    );

    // The handout: cyd and dee only (ann exists, bob had his own), with what the
    // server got.
    let mut reader = csv::Reader::from_path(dir.join("handout.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["account", "sign_in_address", "password"]
    );
    let handed: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(handed.len(), 2, "{handed:?}");
    for (row, who) in handed.iter().zip(["cyd@example.com", "dee@example.com"]) {
        assert_eq!(row[0], who);
        assert_eq!(row[1], who);
        assert_eq!(row[2], sent(who), "the password handed out is the one sent");
        assert!(row[2].chars().count() >= 20);
        never_shown(&row[2], &out, &dir, &["handout.csv"]);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("handout.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner alone");
    }
    assert!(said(&out).contains("Passwords: 2 generated passwords"));
}

#[test]
fn generating_without_a_passwords_file_is_refused_before_anything_is_sent() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("passwords-refused");
    std::fs::write(dir.join("people.csv"), FILE).unwrap();
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
            "--generate-passwords",
        ],
        &[("ROSTER_PASSWORD", "12345")],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("--generate-passwords needs --passwords-file"));
    assert_eq!(sandbox.state()["aurora"]["create_calls"], 0);
}

#[test]
fn without_the_option_rows_without_a_password_stay_invalid() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("passwords-off");
    std::fs::write(dir.join("people.csv"), FILE).unwrap();
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
        ],
        &[("ROSTER_PASSWORD", "12345")],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("1 ready, 3 invalid"), "{}", said(&out));
}

/// The handout file's rows: (account, password).
fn handout(path: &std::path::Path) -> Vec<(String, String)> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[2].to_owned())
        })
        .collect()
}

#[test]
fn a_resumed_run_says_the_earlier_passwords_are_gone_and_hands_out_only_its_own() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    const ROWS: usize = 24;
    let sandbox = Sandbox::start(json!({"aurora": {"latency_ms": 150}}));
    let dir = folder("passwords-resume");
    let mut text = String::from("email,password\n");
    for i in 0..ROWS {
        text.push_str(&format!("user{i:02}@example.com,\n"));
    }
    std::fs::write(dir.join("people.csv"), text).unwrap();
    let server = format!("{}/", sandbox.api);
    let args = |file: &str, resume: bool| {
        let mut a: Vec<String> = [
            "import",
            "people.csv",
            "--target",
            "aurora",
            "--server",
            &server,
            "--login",
            "superadmin",
            "--yes",
            "--parallel",
            "2",
            "--generate-passwords",
            "--passwords-file",
            file,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if resume {
            a.push("--resume".into());
        }
        a
    };
    // The first run is stopped with Ctrl-C part way: it hands out what it created.
    let first = args("first.csv", false);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let child = support::command(&dir, &first, &[("ROSTER_PASSWORD", "12345")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.state()["aurora"]["create_calls"]
        .as_u64()
        .unwrap_or(0)
        < 5
    {
        assert!(
            Instant::now() < deadline,
            "the first run never sent 5 creates"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", said(&out));
    let earlier = handout(&dir.join("first.csv"));
    assert!(
        !earlier.is_empty() && earlier.len() < ROWS,
        "{}",
        earlier.len()
    );

    let again = args("second.csv", true);
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let out = roster(&dir, &again, &[("ROSTER_PASSWORD", "12345")], "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        said(&out).contains(roster_core::input::passwords::RESUME_NOTE),
        "{}",
        said(&out)
    );
    let later = handout(&dir.join("second.csv"));
    // Each account is handed out once, by the run that created it, with what the
    // server got; together they are every row.
    let on_server = server_passwords(&sandbox.state());
    assert_eq!(on_server.len(), ROWS);
    let mut all: Vec<String> = Vec::new();
    for (account, password) in earlier.iter().chain(&later) {
        let sent = &on_server.iter().find(|(e, _)| e == account).unwrap().1;
        assert_eq!(sent, password, "{account}");
        all.push(account.clone());
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), ROWS, "every account handed out exactly once");
    assert_eq!(earlier.len() + later.len(), ROWS);
}
