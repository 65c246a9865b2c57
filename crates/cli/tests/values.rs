//! Values in words on the command line (issue 24): an HR export whose Role column says
//! `user`, `Tenant admin`, `Kunde` and a word Roster does not know. `check` lists each
//! word with what it is sent as and how to map the unknown one; `import` with
//! `--value "Role:Chef=1"` creates every account with its role, as the sandbox's Aurora
//! holds it.

mod support;

use serde_json::Value;
use support::{folder, roster, said, Sandbox};

const HR: &str = "E-mail,Password,Role\n\
ann@example.com,Row-Pass-ann1,user\n\
bob@example.com,Row-Pass-bob1,Tenant admin\n\
cyd@example.com,Row-Pass-cyd1,Kunde\n\
dee@example.com,Row-Pass-dee1,Chef\n\
eve@example.com,Row-Pass-eve1,USER\n";

#[test]
fn role_words_map_without_help_and_value_maps_the_rest() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("values");
    std::fs::write(dir.join("hr.csv"), HR).unwrap();
    let server = format!("{}/", sandbox.api);
    let base = ["hr.csv", "--target", "aurora", "--server", &server];
    let env = [("ROSTER_PASSWORD", "12345")];

    let check = roster(&dir, &[&["check"], &base[..]].concat(), &env, "");
    assert_eq!(check.status.code(), Some(1), "{}", said(&check));
    let stdout = String::from_utf8_lossy(&check.stdout);
    for line in [
        "Values of Role (Role):",
        "user (2 rows) → 2 Normal user",
        "Tenant admin (1 row) → 1 Tenant admin",
        "Kunde (1 row) → 3 Customer",
        "Chef (1 row) → not known: add --value \"Role:Chef=VALUE\"",
        "4 ready, 1 invalid",
    ] {
        assert!(stdout.contains(line), "{line:?} in\n{}", said(&check));
    }

    let bad = roster(
        &dir,
        &[&["import"], &base[..], &["--value", "Role:Chef=9", "--yes"]].concat(),
        &env,
        "",
    );
    assert_eq!(bad.status.code(), Some(2), "{}", said(&bad));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("1 Tenant admin, 2 Normal user, 3 Customer"),
        "{}",
        said(&bad)
    );

    let out = roster(
        &dir,
        &[
            &["import"],
            &base[..],
            &["--value", "Role:Chef=Tenant admin", "--yes"],
        ]
        .concat(),
        &env,
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Chef (1 row) → 1 Tenant admin (--value)"),
        "{}",
        said(&out)
    );
    assert!(stdout.contains("Result: 5 created."), "{}", said(&out));
    let state = sandbox.state();
    let mut roles: Vec<(String, i64)> = state["aurora"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["public_id"].as_str().unwrap().to_owned(),
                u["role"].as_i64().unwrap(),
            )
        })
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            ("ann@example.com".to_owned(), 2),
            ("bob@example.com".to_owned(), 1),
            ("cyd@example.com".to_owned(), 3),
            ("dee@example.com".to_owned(), 1),
            ("eve@example.com".to_owned(), 2),
        ]
    );
}
