//! Steps after a create on the command line (issue 24): a Groups column joins each new
//! Keycloak user to its groups, a group that does not exist leaves the account created
//! with a warning, and the invitation e-mail goes when the setting says yes.

mod support;

use serde_json::{json, Value};
use support::{folder, import_keycloak, report_rows, roster, said, Sandbox};

const STAFF: &str = "5b0f3c7e-1d2a-4c4e-9f00-000000000001";
const STUDENTS: &str = "5b0f3c7e-1d2a-4c4e-9f00-000000000002";
/// A group the admin makes between the two runs of the retry test.
const LATE: &str = "5b0f3c7e-1d2a-4c4e-9f00-000000000003";

#[test]
fn keycloak_groups_and_invitations_from_the_command_line() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("steps-keycloak");
    std::fs::write(
        dir.join("people.csv"),
        format!(
            "email,password,name,username,Groups\nann@example.com,Row-Pass-ann1!,Ann Example,ann,{STAFF};{STUDENTS}\nbob@example.com,Row-Pass-bob1!,Bob Example,bob,no-such-group\ncyd@example.com,,Cyd Example,cyd,\n"
        ),
    )
    .unwrap();
    let out = import_keycloak(
        &dir,
        &sandbox.api,
        "people.csv",
        &[
            "--set",
            "invite=yes",
            "--yes",
            "--report",
            "out.csv",
            "--retry-file",
            "retry.csv",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        stdout.contains("Steps after create: 5 done, 1 failed"),
        "{stdout}"
    );
    // The invitation replaces the password: cyd's row needs none, the file's passwords
    // are not sent, and the command says so once.
    assert_eq!(
        stdout
            .matches("Passwords in the file are not sent: an invitation e-mail is sent instead.")
            .count(),
        1,
        "{stdout}"
    );
    // bob's account was created and its step failed: the rows to retry hold it, its
    // failed step named in Roster's own column (dropped back, no create is sent).
    assert!(stdout.contains("Rows to retry: retry.csv"), "{stdout}");
    let retry = std::fs::read_to_string(dir.join("retry.csv")).unwrap();
    assert_eq!(
        retry,
        "email,password,name,username,Groups,steps to retry\r\nbob@example.com,Row-Pass-bob1!,Bob Example,bob,no-such-group,Join group: no-such-group\r\n"
    );
    assert!(!stdout.contains("with failed steps"), "{stdout}");
    // Every account created; bob's row says its step failed.
    let rows = report_rows(&dir.join("out.csv"));
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|(_, s, _)| s == "created"), "{rows:?}");
    let text = std::fs::read_to_string(dir.join("out.csv")).unwrap();
    let bob = text
        .lines()
        .find(|l| l.contains("bob@example.com"))
        .unwrap();
    assert!(
        bob.contains("Warning: the account was created, but 1 of 2 steps failed"),
        "{bob}"
    );
    assert!(text.lines().next().unwrap().contains(",steps"), "{text}");
    assert!(
        text.contains("Join group no-such-group: failed (No group has this id"),
        "{text}"
    );

    let state = sandbox.state();
    let member_of = |name: &str| -> Vec<Value> {
        state["keycloak"]["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["username"] == name)
            .map(|m| m["group_id"].clone())
            .collect()
    };
    // A row's steps may be in flight together: the server sees its joins in either order.
    let mut ann = member_of("ann");
    ann.sort_by_key(|g| g.to_string());
    let mut want = [json!(STAFF), json!(STUDENTS)];
    want.sort_by_key(|g| g.to_string());
    assert_eq!(ann, want);
    assert!(member_of("bob").is_empty());
    let mut invited: Vec<&str> = state["keycloak"]["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["username"].as_str().unwrap())
        .collect();
    invited.sort_unstable();
    assert_eq!(invited, ["ann", "bob", "cyd"]);
    for user in state["keycloak"]["users"].as_array().unwrap() {
        if ["ann", "bob", "cyd"].contains(&user["username"].as_str().unwrap()) {
            assert_eq!(user["password"], Value::Null, "{user}");
        }
    }
    assert_eq!(
        state["keycloak"]["emails"][0]["actions"],
        json!(["UPDATE_PASSWORD"])
    );
}

#[test]
fn generated_passwords_are_not_offered_with_the_invitation() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("steps-invite-generate");
    std::fs::write(
        dir.join("people.csv"),
        "email,password,name,username\nann@example.com,,Ann Example,ann\n",
    )
    .unwrap();
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "keycloak",
            "--server",
            &sandbox.api,
            "--login",
            "admin",
            "--set",
            "realm=roster",
            "--set",
            "invite=yes",
            "--generate-passwords",
            "--passwords-file",
            "handout.csv",
            "--yes",
        ],
        &[("ROSTER_PASSWORD", "admin")],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("--generate-passwords is not offered with an invitation e-mail"),
        "{}",
        said(&out)
    );
    assert!(!dir.join("handout.csv").exists());
    let state = sandbox.state();
    assert!(
        !state["keycloak"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "ann"),
        "nothing was sent"
    );
}

/// Issue 24: "A retry file holds the failed steps. Retrying them never sends a second
/// create." A step fails because its group does not exist yet; the admin makes the group
/// and passes the rows to retry to a second run: no create is sent, the account joins.
#[test]
fn a_retry_file_sends_the_failed_steps_and_no_create() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("steps-retry-file");
    std::fs::write(
        dir.join("people.csv"),
        format!(
            "email,password,name,username,Groups\nann@example.com,Row-Pass-ann1!,Ann Example,ann,{STAFF};{LATE}\nbob@example.com,Row-Pass-bob1!,Bob Example,bob,{STAFF}\n"
        ),
    )
    .unwrap();
    let run = |file: &str, more: &[&str]| import_keycloak(&dir, &sandbox.api, file, more);
    let import = |file: &str, retry: &str| {
        run(
            file,
            &["--yes", "--report", "out.csv", "--retry-file", retry],
        )
    };
    let out = import("people.csv", "retry.csv");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        stdout.contains("Steps after create: 2 done, 1 failed"),
        "{stdout}"
    );
    let retry = std::fs::read_to_string(dir.join("retry.csv")).unwrap();
    assert_eq!(
        retry,
        format!("email,password,name,username,Groups,steps to retry\r\nann@example.com,Row-Pass-ann1!,Ann Example,ann,{STAFF};{LATE},Join group: {LATE}\r\n")
    );
    assert_eq!(sandbox.state()["keycloak"]["create_calls"], json!(2));

    // The admin makes the missing group, then runs the rows to retry.
    sandbox.config(json!({"keycloak": {"groups": [
        {"id": STAFF, "name": "staff"},
        {"id": STUDENTS, "name": "students"},
        {"id": LATE, "name": "late"}
    ]}}));
    // A Dry run of the rows to retry shows no create for them, and says why.
    let dry = run("retry.csv", &["--dry-run"]);
    let dry_out = String::from_utf8_lossy(&dry.stdout).to_string();
    assert_eq!(dry.status.code(), Some(0), "{}", said(&dry));
    assert!(
        dry_out.contains(
            "1 row comes from a rows-to-retry file with failed steps: no create is sent for it"
        ),
        "{dry_out}"
    );
    assert!(
        !dry_out.contains("ann@example.com"),
        "a create shown: {dry_out}"
    );
    let out = import("retry.csv", "again.csv");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    // The account found by its user name, then the group joined.
    assert!(stdout.contains("Steps after create: 2 done."), "{stdout}");
    assert!(stdout.contains("Rows to retry: none"), "{stdout}");
    assert!(
        stdout.contains("  steps to retry → (Roster's: these rows are not created, their failed steps are sent again)"),
        "no field: {stdout}"
    );
    let state = sandbox.state();
    // No second create: the server saw the first run's two.
    assert_eq!(state["keycloak"]["create_calls"], json!(2), "{state}");
    let ann: Vec<Value> = state["keycloak"]["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["username"] == "ann")
        .map(|m| m["group_id"].clone())
        .collect();
    assert_eq!(ann, [json!(STAFF), json!(LATE)]);
    let rows = report_rows(&dir.join("out.csv"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].1, "created", "{rows:?}");
}

/// The invitation replaces passwords in updates too: `--update-passwords` is refused
/// while it is on, and nothing is sent.
#[test]
fn update_passwords_are_refused_with_the_invitation() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("steps-invite-update-passwords");
    std::fs::write(
        dir.join("people.csv"),
        "email,password,name,username\nann@example.com,Row-Pass-ann1!,Ann Example,ann\n",
    )
    .unwrap();
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "keycloak",
            "--server",
            &sandbox.api,
            "--login",
            "admin",
            "--set",
            "realm=roster",
            "--set",
            "invite=yes",
            "--existing",
            "update",
            "--update-passwords",
            "--yes",
        ],
        &[("ROSTER_PASSWORD", "admin")],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("--update-passwords is not offered for Keycloak: An invitation e-mail replaces passwords"),
        "{}",
        said(&out)
    );
    assert_eq!(sandbox.state()["keycloak"]["login_calls"], json!(0));
}
