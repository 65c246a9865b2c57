//! The rows to retry the command line writes are safe against formula injection and
//! read back exactly: a cell that starts like a formula is written with a leading `'`,
//! and the same file given back to `roster import` sends the cell as the admin wrote it.

mod support;

use serde_json::{json, Value};
use support::{folder, import_keycloak, said, Sandbox};

#[test]
fn the_rows_to_retry_are_guarded_and_read_back_as_given() {
    // Every create fails (HTTP 500) in the first run; the server accepts them in the next.
    let sandbox = Sandbox::start(json!({"keycloak": {"http500_every": 1}}));
    let dir = folder("guard-retry-file");
    let evil = r#"=HYPERLINK("http://evil.example/","x")Aa1!"#;
    std::fs::write(
        dir.join("people.csv"),
        format!(
            "email,password,name,username\nann@example.com,\"{}\",Ann Example,ann\nbob@example.com,'quoted-Pw1!,Bob Example,bob\n",
            evil.replace('"', "\"\"")
        ),
    )
    .unwrap();
    let run = |file: &str, retry: &str| {
        let more = ["--yes", "--report", "out.csv", "--retry-file", retry];
        import_keycloak(&dir, &sandbox.api, file, &more)
    };
    let out = run("people.csv", "retry.csv");
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(sandbox.state()["keycloak"]["users"], json!([]));
    let retry = std::fs::read_to_string(dir.join("retry.csv")).unwrap();
    // Guarded: the formula with a leading ', a ' of the admin's own doubled; Roster's
    // column says the file is its own.
    assert_eq!(
        retry,
        "email,password,name,username,steps to retry\r\nann@example.com,\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")Aa1!\",Ann Example,ann,\r\nbob@example.com,''quoted-Pw1!,Bob Example,bob,\r\n"
    );

    // The admin drops the rows to retry back in: each password as the admin wrote it.
    sandbox.config(json!({"keycloak": {"http500_every": null}}));
    let out = run("retry.csv", "again.csv");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let users: Vec<Value> = sandbox.state()["keycloak"]["users"]
        .as_array()
        .unwrap()
        .clone();
    let password = |name: &str| {
        users
            .iter()
            .find(|u| u["username"] == name)
            .map(|u| u["password"].clone())
    };
    assert_eq!(password("ann"), Some(json!(evil)), "{users:?}");
    assert_eq!(password("bob"), Some(json!("'quoted-Pw1!")), "{users:?}");
}
