//! The knobs' JSON as `GET /_sandbox/config` gives it and the words of a refused patch,
//! exactly as they were before the fault knobs became one struct (`tests/knobs/`).

use roster_sandbox::Config;
use serde_json::{json, Value};

fn file(name: &str) -> Value {
    let path = format!("{}/tests/knobs/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_knobs_read_as_before() {
    assert_eq!(
        serde_json::to_value(Config::default()).unwrap(),
        file("default.json")
    );
    let realism = Config::default()
        .merged(&json!({"preset": "realism"}))
        .unwrap();
    assert_eq!(
        serde_json::to_value(&realism).unwrap(),
        file("realism.json")
    );
    // What is written reads back the same.
    let back = Config::default()
        .merged(&serde_json::to_value(&realism).unwrap())
        .unwrap();
    assert_eq!(back, realism);
}

#[test]
fn a_refused_patch_is_worded_as_before() {
    let mut words = String::new();
    for p in ["aurora", "mumara", "keycloak", "graph", "gitlab"] {
        for patch in [
            json!({p: {"bogus_every": 1}}),
            json!({p: {"latency_ms": "x"}}),
            json!({p: {"http500_after_insert_every": -1}}),
        ] {
            let e = Config::default().merged(&patch).err().unwrap();
            words.push_str(&format!("{e}\n"));
        }
    }
    let path = format!("{}/tests/knobs/errors.txt", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(words, std::fs::read_to_string(path).unwrap());
}

#[test]
fn a_knob_another_protocol_has_is_refused() {
    for (p, knob) in [
        ("keycloak", "drop_every"),
        ("graph", "http500_every"),
        ("gitlab", "csrf_every"),
    ] {
        let e = Config::default()
            .merged(&json!({p: {knob: 1}}))
            .err()
            .unwrap();
        assert!(
            e.to_string().starts_with(&format!(
                "unknown field `{knob}`, expected one of `latency_ms`, "
            )),
            "{e}"
        );
    }
}
