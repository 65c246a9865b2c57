//! `roster import --existing update|stop` against the sandbox's GitLab shape (issue 24):
//! the preview printed before any update, the confirmation (--yes without a terminal),
//! passwords kept unless --update-passwords, and "stop at the first".

mod support;

use serde_json::json;
use support::{folder, import_keycloak, report_rows, roster, said, Sandbox};

const TOKEN: (&str, &str) = ("ROSTER_TOKEN", "glpat-sandbox-admin");

fn setup(name: &str) -> (Sandbox, support::Folder) {
    let sandbox = Sandbox::start(json!({}));
    sandbox.seed(json!({"gitlab": [
        {"email": "ann@example.com", "username": "ann", "name": "Ann", "password": "Old-pass-ann"}
    ]}));
    let dir = folder(name);
    std::fs::write(
        dir.join("people.csv"),
        "username,email,password,name\nann,ann@example.com,New-pass-ann,Ann Lee\nbob,bob@example.com,New-pass-bob,Bob\n",
    )
    .unwrap();
    (sandbox, dir)
}

fn user(state: &serde_json::Value, username: &str) -> serde_json::Value {
    state["gitlab"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .cloned()
        .unwrap_or_else(|| panic!("no {username}: {state}"))
}

#[test]
fn update_previews_then_updates_and_keeps_passwords_unless_asked() {
    let (sandbox, dir) = setup("update");
    let base = [
        "import",
        "people.csv",
        "--target",
        "gitlab",
        "--server",
        &sandbox.api,
        "--existing",
        "update",
        "--report",
        "out.csv",
    ];
    // Without a terminal and without --yes: the preview, then nothing sent.
    let mut args = base.to_vec();
    args.push("--no-resume");
    let refused = roster(&dir, &args, &[TOKEN], "");
    assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
    assert_eq!(user(&sandbox.state(), "ann")["name"], "Ann");
    assert_eq!(sandbox.state()["gitlab"]["update_calls"], 0);

    let mut args = base.to_vec();
    args.extend(["--yes", "--no-resume"]);
    let out = roster(&dir, &args, &[TOKEN], "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 account exists and will be updated. Their passwords stay as they are."),
        "{stdout}"
    );
    assert!(
        stdout.contains("Row 1: ann: name: \"Ann\" → \"Ann Lee\""),
        "{stdout}"
    );
    assert!(!stdout.contains("New-pass"), "never a password: {stdout}");
    let state = sandbox.state();
    assert_eq!(user(&state, "ann")["name"], "Ann Lee");
    assert_eq!(user(&state, "ann")["password"], "Old-pass-ann");
    assert_eq!(user(&state, "bob")["password"], "New-pass-bob");
    let report = report_rows(&dir.join("out.csv"));
    assert_eq!(report[0].1, "updated");
    assert_eq!(report[1].1, "created");

    // Ticked: the password of the existing account is set too.
    let mut args = base.to_vec();
    args.extend(["--yes", "--no-resume", "--update-passwords"]);
    let out = roster(&dir, &args, &[TOKEN], "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(user(&sandbox.state(), "ann")["password"], "New-pass-ann");
}

#[test]
fn stop_at_the_first_names_it_and_sends_nothing_after() {
    let (sandbox, dir) = setup("stop");
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "gitlab",
            "--server",
            &sandbox.api,
            "--existing",
            "stop",
            "--yes",
            "--report",
            "out.csv",
        ],
        &[TOKEN],
        "",
    );
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(
        said(&out).contains("Stopped at the first existing account: ann (row 1)"),
        "{}",
        said(&out)
    );
    let state = sandbox.state();
    assert_eq!(
        state["gitlab"]["users"].as_array().unwrap().len(),
        1,
        "bob not sent"
    );
    let report = report_rows(&dir.join("out.csv"));
    assert_eq!(
        (report[0].1.as_str(), report[1].1.as_str()),
        ("exists", "skipped")
    );
}

#[test]
fn update_passwords_alone_or_update_on_mumara_is_refused() {
    let (sandbox, dir) = setup("refused");
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "gitlab",
            "--server",
            &sandbox.api,
            "--update-passwords",
            "--yes",
        ],
        &[TOKEN],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("--update-passwords is for --existing update"));
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "mumara",
            "--server",
            &sandbox.api,
            "--existing",
            "update",
            "--yes",
        ],
        &[("ROSTER_API_KEY", "x")],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("Mumara's API documents no way to update"),
        "{}",
        said(&out)
    );
}

/// Keycloak and Graph update through their look-ups (the users search, GET by
/// principal name) and their PUT / PATCH; passwords stay.
#[test]
fn keycloak_and_graph_update_through_their_look_ups() {
    let sandbox = Sandbox::start(json!({}));
    sandbox.seed(json!({
        "keycloak": [{"realm": "roster", "username": "ann", "email": "ann@example.com",
                      "first_name": "Ann", "last_name": "Old", "password": "Old-pass-ann"}],
        "graph": [{"user_principal_name": "ann@example.com", "display_name": "Ann Old",
                   "password": "Old-Pass-ann1"}]
    }));
    let dir = folder("update-kc-graph");
    std::fs::write(
        dir.join("people.csv"),
        "username,email,password,name\nann,ann@example.com,New-Pass-ann1,Ann Lee\n",
    )
    .unwrap();
    let out = import_keycloak(
        &dir,
        &sandbox.api,
        "people.csv",
        &[
            "--existing",
            "update",
            "--yes",
            "--report",
            "kc.csv",
            "--no-resume",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        said(&out).contains("last_name: \"Old\" → \"Lee\""),
        "{}",
        said(&out)
    );
    let out = roster(
        &dir,
        &[
            "import",
            "people.csv",
            "--target",
            "graph",
            "--server",
            &sandbox.api,
            "--existing",
            "update",
            "--yes",
            "--report",
            "graph.csv",
            "--no-resume",
        ],
        &[("ROSTER_TOKEN", "sandbox-graph-token")],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let state = sandbox.state();
    let kc = &state["keycloak"]["users"][0];
    assert_eq!(
        (kc["last_name"].as_str(), kc["password"].as_str()),
        (Some("Lee"), Some("Old-pass-ann"))
    );
    let graph = &state["graph"]["users"][0];
    assert_eq!(
        (graph["display_name"].as_str(), graph["password"].as_str()),
        (Some("Ann Lee"), Some("Old-Pass-ann1"))
    );
    assert_eq!(report_rows(&dir.join("kc.csv"))[0].1, "updated");
    assert_eq!(report_rows(&dir.join("graph.csv"))[0].1, "updated");
}

/// Aurora (Core.GetUsers finds the account, Core.UpdateUser changes its role): the
/// preview shows the role old → new, the update changes it and nothing else, and
/// --update-passwords is refused with why (Aurora's update never changes passwords).
#[test]
fn aurora_update_previews_the_role_and_changes_it() {
    let sandbox = Sandbox::start(json!({}));
    sandbox.seed(json!({"aurora": [
        {"public_id": "ann@example.com", "password": "Old-pass-ann", "role": 2}
    ]}));
    let dir = folder("update-aurora");
    std::fs::write(
        dir.join("people.csv"),
        "email,password,role\nann@example.com,New-pass-ann,1\nbob@example.com,New-pass-bob,2\n",
    )
    .unwrap();
    let server = format!("{}/", sandbox.api);
    let base = [
        "import",
        "people.csv",
        "--target",
        "aurora",
        "--server",
        &server,
        "--login",
        "superadmin",
        "--existing",
        "update",
        "--report",
        "out.csv",
        "--no-resume",
    ];
    let password = [("ROSTER_PASSWORD", "12345")];
    let aurora_user = |state: &serde_json::Value, id: &str| {
        state["aurora"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["public_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id}: {state}"))
    };

    let mut args = base.to_vec();
    args.push("--update-passwords");
    let refused = roster(&dir, &args, &password, "");
    assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
    assert!(
        said(&refused).contains("Aurora's update never changes passwords"),
        "{}",
        said(&refused)
    );
    assert_eq!(sandbox.state()["aurora"]["logins"], 0, "nothing sent");

    let mut args = base.to_vec();
    args.push("--yes");
    let out = roster(&dir, &args, &password, "");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Row 1: ann@example.com: role: \"2\" → \"1\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("Their passwords stay as they are."),
        "{stdout}"
    );
    assert!(!stdout.contains("New-pass"), "never a password: {stdout}");
    let state = sandbox.state();
    assert_eq!(state["aurora"]["update_calls"], 1);
    assert_eq!(aurora_user(&state, "ann@example.com")["role"], 1);
    assert_eq!(
        aurora_user(&state, "ann@example.com")["password"],
        "Old-pass-ann"
    );
    assert_eq!(
        aurora_user(&state, "bob@example.com")["password"],
        "New-pass-bob"
    );
    let report = report_rows(&dir.join("out.csv"));
    assert_eq!(report[0].1, "updated");
    assert_eq!(report[1].1, "created");
}
