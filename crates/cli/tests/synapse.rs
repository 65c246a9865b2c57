//! `roster import --target synapse` against a real Matrix Synapse (the one `make test`
//! installs in `.tools/synapse`, started here with its own defaults, as
//! `tests/e2e/lib/synapse-process.ts` starts it): the case the e2e spec checks, 20 rows
//! of which one account exists already: 19 created, the existing one reported exists and
//! left untouched (its password and display name). Checked through Synapse's own APIs.
//!
//! Synapse limits logins per address to a burst of 5: this test logs in 4 times (roster's
//! check and its run, then the old and the file's password of the existing account).
//! Roster logs its own logins out when done: the admin's device count is unchanged.
//!
//! `ROSTER_SYNAPSE=off` skips it (as it does the e2e specs); otherwise a missing Synapse
//! is a failure that says how to install it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{folder, never_shown, report_rows, roster, said};

fn venv() -> PathBuf {
    std::env::var_os("ROSTER_SYNAPSE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/synapse"))
}

struct Synapse {
    child: Child,
    url: String,
    secret: String,
    python: PathBuf,
    agent: ureq::Agent,
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Synapse {
    fn start(dir: &Path) -> Synapse {
        let python = venv().join("bin/python");
        assert!(
            python.exists(),
            "Matrix Synapse is not installed: {} does not exist. Install it (once) with\n  bash -c 'source scripts/lib.sh; source scripts/synapse-lib.sh; ensure_synapse'\n(make test does this), or set ROSTER_SYNAPSE=off to skip.",
            python.display()
        );
        let config = dir.join("homeserver.yaml");
        let generated = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "--server-name", "localhost"])
            .arg("--config-path")
            .arg(&config)
            .arg("--data-directory")
            .arg(dir)
            .args(["--generate-config", "--report-stats=no"])
            .current_dir(dir)
            .output()
            .expect("Synapse generates its config");
        assert!(
            generated.status.success(),
            "{}",
            String::from_utf8_lossy(&generated.stderr)
        );
        let yaml = std::fs::read_to_string(&config).unwrap();
        let secret = yaml
            .lines()
            .find_map(|l| l.strip_prefix("registration_shared_secret:"))
            .map(|v| v.trim().trim_matches('"').to_owned())
            .expect("a registration secret");
        let port = free_port();
        let overrides = dir.join("overrides.yaml");
        std::fs::write(
            &overrides,
            format!(
                "listeners:\n  - port: {port}\n    bind_addresses: ['127.0.0.1']\n    type: http\n    tls: false\n    x_forwarded: false\n    resources:\n      - names: [client]\n        compress: false\ntrusted_key_servers: []\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("synapse.out")).unwrap();
        let child = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config)
            .arg("-c")
            .arg(&overrides)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("Synapse starts");
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build(),
        );
        let url = format!("http://127.0.0.1:{port}");
        let synapse = Synapse {
            child,
            url,
            secret,
            python,
            agent,
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let ready = synapse
                .agent
                .get(format!("{}/_matrix/client/versions", synapse.url))
                .call()
                .is_ok_and(|r| r.status() == 200);
            if ready {
                return synapse;
            }
            assert!(
                Instant::now() < deadline,
                "Synapse did not start: {}",
                std::fs::read_to_string(dir.join("synapse.out")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        if !body.is_empty() {
            request = request.header("Content-Type", "application/json");
        }
        let mut response = self
            .agent
            .run(request.body(body).unwrap())
            .expect("Synapse answers");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// HMAC-SHA1 of the parts joined by NUL (computed by Synapse's own Python: an
    /// argument cannot hold a NUL).
    fn hmac(&self, parts: &[&str]) -> String {
        let out = Command::new(&self.python)
            .args([
                "-c",
                "import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), '\\0'.join(sys.argv[2:]).encode(), hashlib.sha1).hexdigest())",
                &self.secret,
            ])
            .args(parts)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Shared-secret registration; the new account's access token.
    fn register(
        &self,
        user: &str,
        password: &str,
        admin: bool,
        displayname: Option<&str>,
    ) -> String {
        let (_, nonce) = self.call("GET", "/_synapse/admin/v1/register", None, None);
        let nonce = nonce["nonce"].as_str().unwrap().to_owned();
        let what = if admin { "admin" } else { "notadmin" };
        let mac = self.hmac(&[&nonce, user, password, what]);
        let mut body = json!({"nonce": nonce, "username": user, "password": password, "admin": admin, "mac": mac});
        if let Some(name) = displayname {
            body["displayname"] = json!(name);
        }
        let (status, answer) = self.call("POST", "/_synapse/admin/v1/register", None, Some(body));
        assert_eq!(status, 200, "registering {user}: {answer}");
        answer["access_token"].as_str().unwrap().to_owned()
    }

    fn user(&self, token: &str, user_id: &str) -> Option<Value> {
        let path = format!(
            "/_synapse/admin/v2/users/{}",
            user_id.replace('@', "%40").replace(':', "%3A")
        );
        let (status, body) = self.call("GET", &path, Some(token), None);
        (status == 200).then_some(body)
    }

    /// How many devices the user has (Synapse's admin API), each login's own.
    fn devices(&self, token: &str, user_id: &str) -> usize {
        let path = format!(
            "/_synapse/admin/v2/users/{}/devices",
            user_id.replace('@', "%40").replace(':', "%3A")
        );
        let (status, body) = self.call("GET", &path, Some(token), None);
        assert_eq!(status, 200, "{body}");
        body["devices"].as_array().expect("a device list").len()
    }

    fn login(&self, user: &str, password: &str) -> u16 {
        let body = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": password});
        self.call("POST", "/_matrix/client/v3/login", None, Some(body))
            .0
    }
}

#[test]
fn synapse_20_rows_one_existing_19_created_the_existing_one_untouched() {
    if std::env::var("ROSTER_SYNAPSE").as_deref() == Ok("off") {
        eprintln!("ROSTER_SYNAPSE=off: the real Synapse case is skipped");
        return;
    }
    let dir = folder("synapse");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let synapse = Synapse::start(&home);
    let admin_password = "Admin-pw-cli-7Q!";
    let admin_token = synapse.register("admin", admin_password, true, None);
    let rows: Vec<(String, String, String, String)> = (1..=20)
        .map(|i| {
            (
                format!("u{i}-cli"),
                format!("u{i}-cli@example.com"),
                format!("Pw-u{i}-cli-x7Q!"),
                format!("User Number {i}"),
            )
        })
        .collect();
    let taken = &rows[6];
    synapse.register(&taken.0, "Old-pw-cli-9Z!", false, Some("Old Name"));
    let mut text = String::from("username,email,password,name\n");
    for (u, e, p, n) in &rows {
        text.push_str(&format!("{u},{e},{p},{n}\n"));
    }
    std::fs::write(dir.join("synapse.csv"), text).unwrap();
    // Synapse keeps a device per password login: Roster logs its own out when done, so
    // the admin's devices are as many after Check and after the run as before.
    let devices = synapse.devices(&admin_token, "@admin:localhost");
    let check = roster(
        &dir,
        &[
            "check",
            "synapse.csv",
            "--target",
            "synapse",
            "--server",
            &synapse.url,
            "--login",
            "admin",
        ],
        &[("ROSTER_PASSWORD", admin_password)],
        "",
    );
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("Login OK."),
        "{}",
        said(&check)
    );
    assert_eq!(
        synapse.devices(&admin_token, "@admin:localhost"),
        devices,
        "Check login left a device behind"
    );
    let out = roster(
        &dir,
        &[
            "import",
            "synapse.csv",
            "--target",
            "synapse",
            "--server",
            &synapse.url,
            "--login",
            "admin",
            "--yes",
            "--report",
            "out.csv",
            "--report-json",
            "out.json",
        ],
        &[("ROSTER_PASSWORD", admin_password)],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(
        synapse.devices(&admin_token, "@admin:localhost"),
        devices,
        "the run left a device behind"
    );
    let report = report_rows(&dir.join("out.csv"));
    let created: Vec<_> = report.iter().filter(|r| r.1 == "created").collect();
    let exists: Vec<_> = report.iter().filter(|r| r.1 == "exists").collect();
    assert_eq!(created.len(), 19, "{report:?}");
    assert_eq!(exists.len(), 1);
    assert_eq!(exists[0].0, taken.1);
    for (u, e, _, n) in rows.iter().filter(|r| r.0 != taken.0) {
        let id = format!("@{u}:localhost");
        let user = synapse
            .user(&admin_token, &id)
            .unwrap_or_else(|| panic!("{id} created"));
        assert_eq!(user["displayname"], json!(n));
        let row = report.iter().find(|r| &r.0 == e).unwrap();
        // The CSV report neutralises a cell starting with @ (README "Reports").
        assert_eq!(row.2, format!("'{id}"));
    }
    let taken_id = format!("@{}:localhost", taken.0);
    let after = synapse.user(&admin_token, &taken_id).unwrap();
    assert_eq!(
        after["displayname"], "Old Name",
        "the existing account keeps its name"
    );
    assert_eq!(
        synapse.login(&taken.0, "Old-pw-cli-9Z!"),
        200,
        "its old password still works"
    );
    assert_eq!(
        synapse.login(&taken.0, &taken.2),
        403,
        "the file's password was not set"
    );
    never_shown(admin_password, &out, &dir, &[]);
    never_shown(&admin_token, &out, &dir, &[]);
    never_shown(&rows[0].2, &out, &dir, &["synapse.csv"]);
}
