//! Steps after a create on the command line (issue 24): a Groups column joins each new
//! Keycloak user to its groups, a group that does not exist leaves the account created
//! with a warning, and the invitation e-mail goes when the setting says yes.

mod support;

use serde_json::{json, Value};
use support::{folder, report_rows, roster, said, Sandbox};

const STAFF: &str = "5b0f3c7e-1d2a-4c4e-9f00-000000000001";
const STUDENTS: &str = "5b0f3c7e-1d2a-4c4e-9f00-000000000002";

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
            "--yes",
            "--report",
            "out.csv",
        ],
        &[("ROSTER_PASSWORD", "admin")],
        "",
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
    // Both accounts created; bob's row says its step failed.
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
    assert_eq!(member_of("ann"), [json!(STAFF), json!(STUDENTS)]);
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
