//! Issue 20, "Two rows, one account", on the command line: Keycloak's 409 "User exists
//! with same email" is a conflict whose message names both user names (the other one
//! found by the preset's look-up, which the job sends: the command line gets it like the
//! page), never `exists`, and the other user is untouched.

mod support;

use serde_json::{json, Value};
use support::{folder, import_keycloak, said, Sandbox};

#[test]
fn keycloak_names_the_other_account_of_a_taken_address() {
    let sandbox = Sandbox::start(Value::Null);
    sandbox.seed(json!({"keycloak": [{"realm": "roster", "username": "jane",
        "email": "shared@example.com", "password": "Seeded-pw-1"}]}));
    let dir = folder("conflict");
    std::fs::write(
        dir.join("people.csv"),
        "username,email,password,name\njohn,shared@example.com,Pw-john-x7Q!,John Doe\nann,ann@example.com,Pw-ann-x7Q!,Ann Lee\n",
    )
    .unwrap();
    let out = import_keycloak(
        &dir,
        &sandbox.api,
        "people.csv",
        &["--yes", "--report", "out.csv"],
    );
    // A row refused: not every row created or existing.
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let mut reader = csv::Reader::from_path(dir.join("out.csv")).expect("the report");
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<(String, String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[at("email")].to_owned(),
                r[at("status")].to_owned(),
                r[at("message")].to_owned(),
            )
        })
        .collect();
    assert_eq!(rows[0].1, "rejected", "{rows:?}");
    let message = &rows[0].2;
    assert!(message.starts_with("Conflict: "), "{message}");
    assert!(
        message.contains("The other account is \"jane\""),
        "{message}"
    );
    assert!(message.contains("user name \"john\""), "{message}");
    assert_eq!(rows[1].1, "created", "{rows:?}");
    let state = sandbox.state();
    let names: Vec<&str> = state["keycloak"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.contains(&"jane") && names.contains(&"ann"),
        "{names:?}"
    );
}
