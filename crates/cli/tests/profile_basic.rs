//! A profile that needs no shell, on the command line (issue 24): the ejabberd example
//! profile (`--profile`) against the sandbox's ejabberd shape, with Basic auth built from
//! the admin JID (`--login`) and the password from the environment. The sandbox's
//! control API is the ground truth.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::{folder, never_shown, report_rows, roster, said, Sandbox};

const PROFILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/profiles/examples/ejabberd.json"
);
const ADMIN_PASSWORD: &str = "sandbox-xmpp-admin";

/// ann and bob are registered; "cy d" is refused by the profile's pattern before
/// anything is sent; the Name column is not imported (the profile leaves it unmapped).
const FILE: &str = "Name,username,password\n\
Ann Lee,ann,Pw-ann-1\n\
Bob Ray,bob,Pw-bob-1\n\
Cy Dee,cy d,Pw-cy-1\n";

#[test]
fn an_ejabberd_profile_imports_with_basic_auth_from_a_typed_login_and_password() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("ejabberd");
    std::fs::write(dir.join("people.csv"), FILE).unwrap();
    let args = |host: &str| -> Vec<String> {
        [
            "import",
            "people.csv",
            "--profile",
            PROFILE,
            "--server",
            &sandbox.api,
            "--login",
            "admin@localhost",
            "--set",
            &format!("host={host}"),
            "--yes",
            "--no-resume",
            "--report",
            "out.csv",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |host: &str| {
        let args = args(host);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        roster(&dir, &args, &[("ROSTER_PASSWORD", ADMIN_PASSWORD)], "")
    };
    // A virtual host ejabberd does not serve stops the run, naming the setting.
    let wrong = run("elsewhere.org");
    let text = said(&wrong);
    assert_ne!(wrong.status.code(), Some(0), "{text}");
    assert!(
        text.contains("the setting \"XMPP domain\" is wrong")
            && text.contains("Unknown virtual host"),
        "{text}"
    );
    assert_eq!(sandbox.state()["ejabberd"]["users"], serde_json::json!([]));

    let out = run("localhost");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the invalid row: {}",
        said(&out)
    );
    let state = sandbox.state();
    let users: BTreeMap<String, String> = state["ejabberd"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert_eq!(u["host"], "localhost");
            (
                u["user"].as_str().unwrap().to_owned(),
                u["password"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        users,
        BTreeMap::from([
            ("ann".to_owned(), "Pw-ann-1".to_owned()),
            ("bob".to_owned(), "Pw-bob-1".to_owned())
        ])
    );
    let report = report_rows(&dir.join("out.csv"));
    let statuses: Vec<(&str, &str)> = report
        .iter()
        .map(|(_, status, id)| (status.as_str(), id.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("created", "ann@localhost"),
            ("created", "bob@localhost"),
            ("invalid", "")
        ],
        "{}",
        said(&out)
    );
    never_shown(ADMIN_PASSWORD, &out, &dir, &[]);

    // Again: both exist (409 code 10090), nothing is registered twice.
    let calls = sandbox.state()["ejabberd"]["register_calls"]
        .as_u64()
        .unwrap();
    let again = run("localhost");
    let report = report_rows(&dir.join("out.csv"));
    let statuses: Vec<&str> = report.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(
        statuses,
        ["exists", "exists", "invalid"],
        "{}",
        said(&again)
    );
    let state = sandbox.state();
    assert_eq!(
        state["ejabberd"]["register_calls"].as_u64().unwrap(),
        calls + 2
    );
    assert_eq!(state["ejabberd"]["users"].as_array().unwrap().len(), 2);
}
