//! What the CLI's tests share: the sandbox as a process (its release build, started on a
//! free port; its control API is the ground truth), the built `roster` binary run in a
//! folder of its own with a clean environment, and reading its reports.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The sandbox's release binary, built once if it is not there yet.
fn sandbox_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = workspace();
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"));
            let binary = target.join("release/roster-sandbox");
            if !binary.exists() {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let status = Command::new(cargo)
                    .args(["build", "--release", "-p", "roster-sandbox"])
                    .current_dir(&root)
                    .status()
                    .expect("cargo runs");
                assert!(status.success(), "the sandbox builds");
            }
            binary
        })
        .clone()
}

/// A sandbox process on a free port, stopped when dropped.
pub struct Sandbox {
    child: Child,
    pub api: String,
    agent: ureq::Agent,
}

impl Sandbox {
    /// Starts the sandbox with these knobs (`null` for the defaults).
    pub fn start(config: Value) -> Sandbox {
        let mut command = Command::new(sandbox_binary());
        command.args(["--api-port", "0", "--quiet"]);
        if !config.is_null() {
            command.args(["--config", &config.to_string()]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sandbox starts");
        let stdout = child.stdout.take().expect("its output");
        let mut api = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("a line");
            if let Some(json) = line.strip_prefix("ROSTER_SANDBOX_READY ") {
                let ready: Value = serde_json::from_str(json).expect("the ready line");
                api = ready["api"].as_str().map(str::to_owned);
                break;
            }
        }
        let api = api.expect("the sandbox says where it listens");
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build();
        Sandbox {
            child,
            api,
            agent: ureq::Agent::new_with_config(config),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.api);
        let mut response = match body {
            Some(body) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .expect("the control API answers"),
            None => {
                assert_eq!(method, "GET");
                self.agent
                    .get(&url)
                    .call()
                    .expect("the control API answers")
            }
        };
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let text = response.body_mut().read_to_string().expect("a body");
        serde_json::from_str(&text).expect("JSON")
    }

    pub fn state(&self) -> Value {
        self.call("GET", "/_sandbox/state", None)
    }

    pub fn config(&self, knobs: Value) -> Value {
        self.call("POST", "/_sandbox/config", Some(knobs))
    }

    pub fn seed(&self, seed: Value) -> Value {
        self.call("POST", "/_sandbox/seed", Some(seed))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder of the test's own, emptied first; removed when the test passes, kept (with
/// its reports and journal) when it fails.
pub struct Folder(PathBuf);

impl std::ops::Deref for Folder {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn folder(name: &str) -> Folder {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "roster-cli-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a test folder");
    Folder(dir)
}

/// `roster` with these arguments, in `dir`, with no ROSTER_* variable but `env`.
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command.args(args).current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("ROSTER_") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Runs `roster` to its end, with `stdin` as its standard input (not a terminal).
pub fn roster(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = command(dir, args, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("roster starts");
    // Roster may end without reading it (a refusal): a closed pipe is no failure.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("roster ends")
}

/// `roster import FILE` against the sandbox's Keycloak at `api` (realm `roster`, the
/// admin's login with its password from the environment), with `more` arguments.
pub fn import_keycloak(dir: &Path, api: &str, file: &str, more: &[&str]) -> Output {
    let mut args = vec![
        "import",
        file,
        "--target",
        "keycloak",
        "--server",
        api,
        "--login",
        "admin",
        "--set",
        "realm=roster",
    ];
    args.extend_from_slice(more);
    roster(dir, &args, &[("ROSTER_PASSWORD", "admin")], "")
}

/// The exit code, stdout and stderr, for messages.
pub fn said(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The CSV report's rows: (email, status, target id), by header name.
pub fn report_rows(path: &Path) -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_path(path).expect("the report");
    let header = reader.headers().expect("a header").clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (e, s, t) = (at("email"), at("status"), at("target_id"));
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            (r[e].to_owned(), r[s].to_owned(), r[t].to_owned())
        })
        .collect()
}

/// Every file in `dir`, as text, with its name.
pub fn files(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(dir)
        .expect("the folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                String::from_utf8_lossy(&std::fs::read(e.path()).unwrap_or_default()).into_owned(),
            )
        })
        .collect()
}

/// Asserts that `secret` is in none of the output and none of the files but `allowed`.
pub fn never_shown(secret: &str, output: &Output, dir: &Path, allowed: &[&str]) {
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!out.contains(secret), "the secret is printed: {out}");
    assert!(!err.contains(secret), "the secret is printed: {err}");
    for (name, text) in files(dir) {
        if !allowed.contains(&name.as_str()) {
            assert!(!text.contains(secret), "the secret is in {name}");
        }
    }
}

/// A server in front of the sandbox that finishes every request it has received, even
/// when the client went away meanwhile (as a PHP or Rails application behind a proxy
/// does: a killed client does not stop the request it sent). The sandbox itself drops a
/// request whose client disconnects during its `latency_ms`, so a killed client would
/// never leave an account created behind it without this. One request per connection.
pub struct Finisher {
    pub url: String,
}

impl Finisher {
    pub fn start(upstream: &str) -> Finisher {
        let up = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let up = up.clone();
                std::thread::spawn(move || finish(client, &up));
            }
        });
        Finisher { url }
    }
}

fn finish(client: std::net::TcpStream, upstream: &str) {
    use std::io::Read;
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    // The whole request is here: from now on it is carried out whatever the client does.
    let Ok(mut server) = std::net::TcpStream::connect(upstream) else {
        return;
    };
    let mut request = head.concat().into_bytes();
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(&body);
    if server.write_all(&request).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = server.read_to_end(&mut answer);
    let mut client = client;
    let _ = client.write_all(&answer);
}
