//! On a terminal (a pseudo-terminal made by util-linux's `script`): the password is
//! asked for without echo, the import asks for confirmation before sending, a progress
//! bar is drawn; and an unfinished run is offered for resume.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use support::{folder, Sandbox};

/// Runs `roster ARGS` on a pseudo-terminal in `dir`, typing `lines` one by one (a pause
/// before each, so each prompt is up when its answer comes). Returns the exit code and
/// everything the terminal showed.
fn on_terminal(dir: &std::path::Path, args: &[&str], lines: &[&str]) -> (Option<i32>, String) {
    let command = std::iter::once(env!("CARGO_BIN_EXE_roster"))
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .env_remove("ROSTER_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        std::thread::sleep(Duration::from_millis(700));
        let _ = stdin.write_all(format!("{line}\n").as_bytes());
        let _ = stdin.flush();
    }
    std::thread::sleep(Duration::from_millis(1500));
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let shown =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), shown)
}

#[test]
fn on_a_terminal_it_prompts_without_echo_confirms_and_offers_to_resume() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("terminal");
    std::fs::write(
        dir.join("people.csv"),
        "email,password\nann@example.com,Row-Pass-ann1\nbob@example.com,Row-Pass-bob1\n",
    )
    .unwrap();
    let server = format!("{}/", sandbox.api);
    let args = [
        "import",
        "people.csv",
        "--target",
        "aurora",
        "--server",
        &server,
    ];
    // Declined: nothing sent.
    let (code, shown) = on_terminal(&dir, &args, &["12345", "n"]);
    assert_eq!(code, Some(2), "{shown}");
    assert!(shown.contains("Password:"), "{shown}");
    assert!(shown.contains("Send 2 rows to Aurora at"), "{shown}");
    assert!(
        !shown.contains("12345"),
        "the password is not echoed: {shown}"
    );
    assert_eq!(sandbox.state()["aurora"]["login_calls"], 0);
    // Confirmed: sent, with a progress bar.
    let (code, shown) = on_terminal(&dir, &args, &["12345", "y"]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(!shown.contains("12345"), "{shown}");
    assert!(shown.contains("2/2 rows"), "the bar: {shown}");
    assert_eq!(
        sandbox.state()["aurora"]["users"].as_array().unwrap().len(),
        2
    );
    drop(sandbox);

    // An unfinished run in the journal (a refused license stopped it): offered again.
    let sandbox = Sandbox::start(json!({"aurora": {"license_limit": 1}}));
    let server = format!("{}/", sandbox.api);
    let dir = folder("terminal-resume");
    std::fs::write(
        dir.join("people.csv"),
        "email,password\nann@example.com,Row-Pass-ann1\nbob@example.com,Row-Pass-bob1\n",
    )
    .unwrap();
    let args = [
        "import",
        "people.csv",
        "--target",
        "aurora",
        "--server",
        &server,
    ];
    let (code, shown) = on_terminal(&dir, &args, &["12345", "y"]);
    assert_eq!(code, Some(3), "{shown}");
    sandbox.config(json!({"aurora": {"license_limit": null}}));
    let (code, shown) = on_terminal(&dir, &args, &["12345", "y", "y"]);
    assert!(
        shown.contains("An unfinished run of people.csv to this server is in the journal"),
        "{shown}"
    );
    assert!(shown.contains("Resume it?"), "{shown}");
    assert_eq!(code, Some(0), "{shown}");
    let asked = sandbox.state()["aurora"]["create_requests"].clone();
    assert_eq!(
        asked,
        json!({"ann@example.com": 1, "bob@example.com": 2}),
        "{shown}"
    );
}
