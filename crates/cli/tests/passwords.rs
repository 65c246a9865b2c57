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
