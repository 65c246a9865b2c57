//! CORS, the control API, static files, the READY line and the binary itself.

mod common;

use std::path::PathBuf;

use common::{client, sandbox, sandbox_with, Sandbox};
use roster_sandbox::{start, Config, Options};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn preflight(s: &Sandbox, path: &str) -> reqwest::Response {
    s.client
        .request(reqwest::Method::OPTIONS, format!("{}{path}", s.api))
        .header("Origin", "http://127.0.0.1:8080")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_on_answers_preflights_and_marks_every_answer() {
    let s = sandbox().await;
    // Mumara's and any other path: the reverse-proxy rule Roster's diagnosis gives.
    for path in ["/api/addUser", "/whatever"] {
        let response = preflight(&s, path).await;
        assert_eq!(response.status(), 204, "{path}");
        let h = response.headers();
        assert_eq!(h["access-control-allow-origin"], "*");
        assert_eq!(h["access-control-allow-methods"], "POST, GET, OPTIONS");
        assert_eq!(
            h["access-control-allow-headers"],
            "authorization,content-type"
        );
        assert_eq!(h["access-control-max-age"], "600");
    }
    let unauthenticated = s.mumara(None, json!({})).await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(
        unauthenticated.headers()["access-control-allow-origin"],
        "*"
    );
    assert_eq!(
        unauthenticated.headers()["access-control-expose-headers"],
        "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
    );
    assert_eq!(s.state().await["preflights"], 2);
}

#[tokio::test]
async fn aurora_answers_cors_as_its_application_start_does() {
    let s = sandbox().await;
    // `*`: the request's origin, with credentials; the methods and the requested headers;
    // no max age (a browser asks again every few seconds) and no Vary.
    let response = preflight(&s, "/?/Api/").await;
    assert_eq!(response.status(), 200);
    let h = response.headers();
    assert_eq!(h["access-control-allow-origin"], "http://127.0.0.1:8080");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(h["access-control-allow-methods"], "GET, POST, OPTIONS");
    assert_eq!(
        h["access-control-allow-headers"],
        "authorization,content-type"
    );
    assert!(!h.contains_key("access-control-max-age"));
    assert!(!h.contains_key("vary"));
    assert_eq!(s.state().await["preflights"], 1);
    // Every answer, a 500 after the insert included, allows the origin; nothing is exposed.
    s.set_config(json!({"aurora": {"http500_every": 1}})).await;
    let token = s.login().await;
    let fatal = s
        .client
        .post(format!("{}/?/Api/", s.api))
        .header("Origin", "http://127.0.0.1:8080")
        .bearer_auth(&token)
        .form(&[
            ("Module", "Core"),
            ("Method", "CreateUser"),
            (
                "Parameters",
                r#"{"PublicId":"x@localhost","Password":"pw"}"#,
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(fatal.status(), 500);
    assert_eq!(
        fatal.headers()["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
    assert_eq!(fatal.headers()["access-control-allow-credentials"], "true");
    assert!(!fatal
        .headers()
        .contains_key("access-control-expose-headers"));
    // One origin: that origin, whoever asks.
    s.set_config(json!({"cors": "https://roster.example.org"}))
        .await;
    let response = preflight(&s, "/?/Api/").await;
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://roster.example.org"
    );
}

#[tokio::test]
async fn cors_for_one_origin() {
    let s = sandbox_with(json!({"cors": "http://127.0.0.1:8080"})).await;
    let response = preflight(&s, "/api/addUser").await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
    assert_eq!(response.headers()["vary"], "Origin");
    let answer = s.mumara(Some("sandbox-key"), json!({})).await.unwrap();
    assert_eq!(
        answer.headers()["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
}

#[tokio::test]
async fn cors_off_sends_no_cors_headers_but_control_keeps_them() {
    let s = sandbox_with(json!({"cors": null})).await;
    let response = preflight(&s, "/api/addUser").await;
    assert_ne!(response.status(), 204);
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));
    assert!(!response
        .headers()
        .contains_key("access-control-allow-headers"));
    let answer = s
        .mumara(Some("sandbox-key"), Sandbox::mumara_user("a@example.com"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
    let login = s
        .aurora_form(
            &[
                ("Module", "AdminAuth"),
                ("Method", "LoginAsSuperadmin"),
                ("Parameters", common::LOGIN_PARAMS),
            ],
            None,
        )
        .await;
    assert!(!login.headers().contains_key("access-control-allow-origin"));

    // The control API stays reachable from a browser, and its preflights are not counted.
    let control = preflight(&s, "/_sandbox/state").await;
    assert_eq!(control.status(), 204);
    assert_eq!(control.headers()["access-control-allow-origin"], "*");
    let state = s
        .client
        .get(format!("{}/_sandbox/state", s.api))
        .send()
        .await
        .unwrap();
    assert_eq!(state.headers()["access-control-allow-origin"], "*");
    let state: Value = state.json().await.unwrap();
    assert_eq!(state["preflights"], 1);
    assert!(state["config"]["cors"].is_null());

    // And CORS can be switched back on at run time.
    s.set_config(json!({"cors": "*"})).await;
    assert_eq!(preflight(&s, "/api/addUser").await.status(), 204);
}

#[tokio::test]
async fn control_config_reset_seed_and_state() {
    let s = sandbox().await;
    let state = s.state().await;
    let mut top: Vec<&str> = state
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    top.sort();
    assert_eq!(
        top,
        [
            "aurora",
            "config",
            "ejabberd",
            "gitlab",
            "graph",
            "keycloak",
            "mumara",
            "preflights",
            "redirects"
        ]
    );
    assert_eq!(
        state["config"],
        serde_json::to_value(Config::default()).unwrap()
    );
    assert_eq!(state["config"]["mumara"]["packages"], json!([1, 2, 3]));
    assert_eq!(
        state["config"]["aurora"]["domains"],
        json!(["localhost", "example.com"])
    );

    // Merge, and refuse what is not a knob.
    s.set_config(json!({"aurora": {"drop_every": 5}, "mumara": {"rate_limit": 7}}))
        .await;
    let bad = s
        .control("config", json!({"aurora": {"drop_evry": 5}}))
        .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("drop_evry"));
    let bad_json = s
        .client
        .post(format!("{}/_sandbox/config", s.api))
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    let config: Value = s
        .client
        .get(format!("{}/_sandbox/config", s.api))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["aurora"]["drop_every"], 5);
    assert_eq!(config["mumara"]["rate_limit"], 7);
    assert_eq!(config["mumara"]["rate_window_ms"], 60000);

    // Seed: strings or objects; not counted as calls; duplicates skipped.
    let seeded = s
        .control(
            "seed",
            json!({
                "aurora": ["a@localhost", {"public_id": "b@localhost", "password": "pw", "role": 1}, "A@LOCALHOST"],
                "mumara": [{"email": "x@y.z", "name": "X"}, "w@y.z"]
            }),
        )
        .await;
    assert_eq!(seeded.status(), 200);
    let state: Value = seeded.json().await.unwrap();
    assert_eq!(state["aurora"]["users"].as_array().unwrap().len(), 2);
    assert_eq!(state["aurora"]["users"][1]["role"], 1);
    assert_eq!(state["aurora"]["users"][1]["seeded"], true);
    assert_eq!(state["aurora"]["create_calls"], 0);
    assert_eq!(state["mumara"]["users"][0]["name"], "X");
    assert_eq!(state["mumara"]["add_calls"], 0);
    let user_keys: Vec<&str> = {
        let mut k: Vec<&str> = state["mumara"]["users"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        k.sort();
        k
    };
    for key in [
        "email",
        "id",
        "login_ips",
        "name",
        "package_id",
        "password",
        "timezone",
    ] {
        assert!(user_keys.contains(&key), "{key}");
    }

    // Seeded users exist for the APIs.
    let token = s.login().await;
    assert_eq!(
        common::error_code(&s.create(&token, "a@localhost").await),
        111
    );
    let exists: Value = s
        .mumara(Some("sandbox-key"), Sandbox::mumara_user("X@y.z"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(exists["result"], "Error: User already exists.");

    // Reset: everything forgotten, defaults back, then the body applied.
    let reset = s
        .control("reset", json!({"mumara": {"rate_limit": 2}}))
        .await;
    assert_eq!(reset.status(), 200);
    let state: Value = reset.json().await.unwrap();
    assert_eq!(state["aurora"]["users"], json!([]));
    assert_eq!(state["aurora"]["logins"], 0);
    assert_eq!(state["mumara"]["users"], json!([]));
    assert_eq!(state["mumara"]["add_calls"], 0);
    assert!(state["config"]["aurora"]["drop_every"].is_null());
    assert_eq!(state["config"]["mumara"]["rate_limit"], 2);
    // Tokens are forgotten too.
    assert_eq!(
        common::error_code(&s.create(&token, "c@localhost").await),
        101
    );
    // Ids start again at 1.
    let token = s.login().await;
    assert_eq!(s.create(&token, "c@localhost").await["Result"], 1);

    // An empty body resets to the defaults.
    let reset = s
        .client
        .post(format!("{}/_sandbox/reset", s.api))
        .send()
        .await
        .unwrap();
    let state: Value = reset.json().await.unwrap();
    assert_eq!(state["config"]["mumara"]["rate_limit"], 60);
}

fn dist_folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("roster-sandbox-dist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><title>Roster</title>",
    )
    .unwrap();
    std::fs::write(dir.join("pkg/roster_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("pkg/roster.js"), "export default 1;").unwrap();
    std::fs::write(dir.join("style.css"), "body{}").unwrap();
    // A file next to the folder that must stay unreachable.
    std::fs::write(
        dir.parent()
            .unwrap()
            .join(format!("roster-sandbox-secret-{}.txt", std::process::id())),
        "secret",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc", dir.join("etc-link")).unwrap();
    dir
}

/// Send a request line as is (no client-side path normalisation) and return the status.
async fn raw_status(addr: std::net::SocketAddr, path: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.contains("secret"), "{path} leaked: {text}");
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn static_files_with_mime_types_and_no_traversal() {
    let dir = dist_folder();
    let running = start(Options {
        api_port: 0,
        page_port: 0,
        dist: Some(dir.clone()),
        ..Options::default()
    })
    .await
    .unwrap();
    let page = running.page_url().unwrap();
    let addr = running.page_addr.unwrap();
    assert_ne!(running.page_addr, Some(running.api_addr));
    let http = client();

    let index = http.get(format!("{page}/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    assert!(index.text().await.unwrap().contains("Roster"));
    for (path, mime) in [
        ("/pkg/roster_bg.wasm", "application/wasm"),
        ("/pkg/roster.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
    ] {
        let response = http.get(format!("{page}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], mime, "{path}");
    }
    let wasm = http
        .get(format!("{page}/pkg/roster_bg.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"\0asm\x01\0\0\0");
    assert_eq!(
        http.get(format!("{page}/nope.js"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // A folder without index.html: no listing.
    let listing = http.get(format!("{page}/pkg/")).send().await.unwrap();
    assert_eq!(listing.status(), 404);
    assert_eq!(
        http.get(format!("{page}/empty"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        http.post(format!("{page}/")).send().await.unwrap().status(),
        405
    );

    let secret = format!("roster-sandbox-secret-{}.txt", std::process::id());
    for path in [
        format!("/../{secret}"),
        format!("/pkg/../../{secret}"),
        format!("/%2e%2e/{secret}"),
        format!("/pkg/..%2f..%2f{secret}"),
        format!("/..\\{secret}"),
        "/etc-link/passwd".to_string(),
        "/etc-link/hostname".to_string(),
    ] {
        assert_eq!(raw_status(addr, &path).await, 404, "{path}");
    }
    // The page listener serves no API.
    assert_eq!(
        http.get(format!("{page}/_sandbox/state"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(dir.parent().unwrap().join(secret));
}

#[tokio::test]
async fn ready_line_and_shutdown() {
    let s = sandbox().await;
    let line = s.running.ready_line();
    assert_eq!(
        line,
        format!(
            "ROSTER_SANDBOX_READY {{\"api\":\"http://127.0.0.1:{}\",\"page\":null}}",
            s.running.api_addr.port()
        )
    );
    let json: Value =
        serde_json::from_str(line.strip_prefix("ROSTER_SANDBOX_READY ").unwrap()).unwrap();
    assert_eq!(json["api"], s.api);
    assert!(s.running.api_addr.ip().is_loopback());
    let api = s.api.clone();
    s.running.shutdown().await;
    assert!(client()
        .get(format!("{api}/_sandbox/state"))
        .send()
        .await
        .is_err());
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_prints_ready_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_roster-sandbox"))
        .args(["--api-port", "0", "--no-cors"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let ready = loop {
        let line = lines.next().expect("READY line").unwrap();
        if let Some(json) = line.strip_prefix("ROSTER_SANDBOX_READY ") {
            break serde_json::from_str::<Value>(json).unwrap();
        }
        banner.push(line);
    };
    assert!(banner[0].starts_with("Roster sandbox is running"));
    assert!(banner.iter().any(|l| l.contains("Password 12345")));
    assert!(ready["page"].is_null());
    let api = ready["api"].as_str().unwrap().to_string();

    let http = client();
    let preflight = http
        .request(reqwest::Method::OPTIONS, format!("{api}/api/addUser"))
        .send()
        .await
        .unwrap();
    assert!(!preflight
        .headers()
        .contains_key("access-control-allow-origin"));
    let body = json!({"name": "N", "email": "n@example.com", "password": "top-secret-pw",
                      "package_id": 1});
    http.post(format!("{api}/api/addUser"))
        .bearer_auth("sandbox-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(child.wait().unwrap().success());
    let log = rest.join("\n");
    assert!(log.contains("/api/addUser"), "{log}");
    assert!(!log.contains("top-secret-pw"), "{log}");
    assert!(!log.contains("sandbox-key"), "{log}");
}
