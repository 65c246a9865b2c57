//! The realism knobs over real HTTP: each answers in the exact shape a real Aurora (PHP)
//! or Mumara (Laravel) installation gives, and `/_sandbox/state` stays the ground truth
//! of which users exist (see the sandbox README for the source of every shape).

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{assert_connection_error, error_code, sandbox_with, Sandbox, LOGIN_PARAMS};
use reqwest::{redirect, Client, Response};
use serde_json::{json, Value};

const KEY: &str = "sandbox-key";

fn aurora_public_ids(state: &Value) -> Vec<String> {
    state["aurora"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["public_id"].as_str().unwrap().to_string())
        .collect()
}

fn mumara_emails(state: &Value) -> Vec<String> {
    state["mumara"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect()
}

fn content_type(response: &Response) -> String {
    response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string()
}

async fn login_request(s: &Sandbox) -> reqwest::Result<Response> {
    s.client
        .post(format!("{}/?/Api/", s.api))
        .form(&[
            ("Module", "AdminAuth"),
            ("Method", "LoginAsSuperadmin"),
            ("Parameters", LOGIN_PARAMS),
        ])
        .send()
        .await
}

/// addUser as Roster sends it: JSON body, `Accept: application/json`, the key.
async fn add_json(client: &Client, s: &Sandbox, key: &str, body: Value) -> Response {
    client
        .post(format!("{}/api/addUser", s.api))
        .bearer_auth(key)
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A client that does not follow redirects.
fn no_redirects() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------- Aurora

#[tokio::test]
async fn aurora_php_notice_warning_deprecation_before_the_json() {
    let s = sandbox_with(json!({"aurora": {"php_notice_every": 2}})).await;
    let token = s.login().await;
    let plain = s.try_create(&token, "a1@localhost").await.unwrap();
    assert!(content_type(&plain).starts_with("application/json"));

    let expected = [
        ("a2@localhost", "<br />\n<b>Notice</b>:  Undefined index: IsDisabled in <b>/var/www/aurora/vendor/afterlogic/aurora-module-core/Module.php</b> on line <b>1023</b><br />\n"),
        ("a3@localhost", ""),
        ("a4@localhost", "<br />\n<b>Warning</b>:  Undefined array key \"Note\" in <b>/var/www/aurora/vendor/afterlogic/aurora-module-core/Traits/Users.php</b> on line <b>349</b><br />\n"),
        ("a5@localhost", ""),
        ("a6@localhost", "<br />\n<b>Deprecated</b>:  Function create_function() is deprecated in <b>/var/www/aurora/vendor/afterlogic/aurora-framework/Api.php</b> on line <b>403</b><br />\n"),
    ];
    for (i, (public_id, notice)) in expected.iter().enumerate() {
        let response = s.try_create(&token, public_id).await.unwrap();
        assert_eq!(response.status(), 200);
        let noisy = !notice.is_empty();
        let ct = content_type(&response);
        assert_eq!(ct.starts_with("text/html"), noisy, "{public_id}: {ct}");
        let body = response.text().await.unwrap();
        let json_part = body.strip_prefix(notice).expect("the notice comes first");
        let envelope: Value = serde_json::from_str(json_part).unwrap();
        assert_eq!(envelope["Result"], json!(i as u64 + 2), "{public_id}");
        assert_eq!(envelope["Module"], "Core");
        assert_eq!(envelope["Method"], "CreateUser");
    }
    assert_eq!(s.create(&token, "a7@localhost").await["Result"], 7);
    // A notice in front of an error envelope too (call 8): the error still reads.
    let duplicate = s.try_create(&token, "a1@localhost").await.unwrap();
    let body = duplicate.text().await.unwrap();
    assert!(body.starts_with("<br />\n<b>Notice</b>:"));
    let envelope: Value = serde_json::from_str(&body[body.find('{').unwrap()..]).unwrap();
    assert_eq!(error_code(&envelope), 111);

    let state = s.state().await;
    assert_eq!(aurora_public_ids(&state).len(), 7);
    assert_eq!(state["aurora"]["faults_injected"]["php_notice"], 4);
}

#[tokio::test]
async fn aurora_http500_after_insert_and_before_insert() {
    let s = sandbox_with(json!({"aurora": {"http500_after_insert_every": 2, "http500_every": 3}}))
        .await;
    let token = s.login().await;
    assert_eq!(s.create(&token, "a1@localhost").await["Result"], 1);
    // Call 2: inserted, then the fatal page.
    let after = s.try_create(&token, "a2@localhost").await.unwrap();
    assert_eq!(after.status(), 500);
    assert!(content_type(&after).starts_with("text/html"));
    let page = after.text().await.unwrap();
    assert!(page.starts_with("<br />\n<b>Fatal error</b>:  Uncaught Error:"));
    assert!(page.contains(" on line <b>"));
    // Call 3: the fatal page before anything was inserted.
    let before = s.try_create(&token, "a3@localhost").await.unwrap();
    assert_eq!(before.status(), 500);
    assert_eq!(before.text().await.unwrap(), page);
    // A retry of the ambiguous row finds it: 111.
    s.set_config(json!({"aurora": {"http500_after_insert_every": null, "http500_every": null}}))
        .await;
    let retry = s.create(&token, "a2@localhost").await;
    assert_eq!(error_code(&retry), 111);

    let state = s.state().await;
    assert_eq!(aurora_public_ids(&state), ["a1@localhost", "a2@localhost"]);
    let faults = &state["aurora"]["faults_injected"];
    assert_eq!(faults["http500_after_insert"], 1);
    assert_eq!(faults["http500"], 1);
}

#[tokio::test]
async fn aurora_http200_non_json_after_insert() {
    let s = sandbox_with(json!({"aurora": {"non_json_after_insert_every": 1}})).await;
    let token = s.login().await;
    let response = s.try_create(&token, "a1@localhost").await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/html"));
    let body = response.text().await.unwrap();
    assert_eq!(
        body,
        "<br />\n<b>Fatal error</b>:  Maximum execution time of 30 seconds exceeded in <b>/var/www/aurora/vendor/afterlogic/aurora-module-mail/Module.php</b> on line <b>612</b><br />\n"
    );
    assert!(serde_json::from_str::<Value>(&body).is_err());
    assert!(!body.contains('{'));
    let state = s.state().await;
    assert_eq!(aurora_public_ids(&state), ["a1@localhost"]);
    assert_eq!(
        state["aurora"]["faults_injected"]["non_json_after_insert"],
        1
    );
}

#[tokio::test]
async fn aurora_token_expiry_101_and_102() {
    for code in [101, 102] {
        let s = sandbox_with(json!({"aurora": {
            "token_expires_after_creates": 2, "token_expiry_code": code}}))
        .await;
        let token = s.login().await;
        s.create(&token, "a1@localhost").await;
        s.create(&token, "a2@localhost").await;
        let expired = s.create(&token, "a3@localhost").await;
        assert_eq!(error_code(&expired), code);
        assert_eq!(expired["Module"], "");
        let name = if code == 101 {
            "InvalidToken"
        } else {
            "AuthError"
        };
        assert_eq!(expired["ErrorMessage"], name);
        let fresh = s.login().await;
        assert_eq!(s.create(&fresh, "a3@localhost").await["Result"], 3);
    }
    let bad =
        roster_sandbox::Config::default().merged(&json!({"aurora": {"token_expiry_code": 103}}));
    assert!(bad.is_err());
}

#[tokio::test]
async fn aurora_108_115_116_and_result_false() {
    let s = sandbox_with(json!({"aurora": {"create_method_denied": true}})).await;
    let token = s.login().await;
    let denied = s.create(&token, "a1@localhost").await;
    assert_eq!(error_code(&denied), 116);
    assert_eq!(denied["ErrorMessage"], "MethodAccessDenied");
    assert_eq!(denied["Module"], "Core");

    s.set_config(json!({"aurora": {"create_method_denied": false, "create_denied": true}}))
        .await;
    let access = s.create(&token, "a1@localhost").await;
    assert_eq!(error_code(&access), 108);
    assert_eq!(access["ErrorMessage"], "AccessDenied");

    // The licence allows 3 users: the 4th create answers 115.
    s.set_config(json!({"aurora": {"create_denied": false, "license_limit": 3}}))
        .await;
    for i in 1..=3 {
        assert_eq!(
            s.create(&token, &format!("l{i}@localhost")).await["Result"],
            i
        );
    }
    let limit = s.create(&token, "l4@localhost").await;
    assert_eq!(error_code(&limit), 115);
    assert_eq!(limit["ErrorMessage"], "LicenseLimit");

    s.set_config(json!({"aurora": {"license_limit": null, "result_false_every": 1}}))
        .await;
    let result_false = s.create(&token, "f@localhost").await;
    assert_eq!(result_false["Result"], false);
    assert!(result_false.get("ErrorCode").is_none());
    assert_eq!(result_false["Module"], "Core");

    let state = s.state().await;
    assert_eq!(
        aurora_public_ids(&state),
        ["l1@localhost", "l2@localhost", "l3@localhost"]
    );
    assert_eq!(
        state["aurora"]["faults_injected"]["create_method_denied"],
        1
    );
}

#[tokio::test]
async fn aurora_login_dropped_twice_then_works() {
    let s = sandbox_with(json!({"aurora": {
        "login_fault": "drop", "login_fault_after": 1, "login_fault_count": 2}}))
    .await;
    let first = s.login().await;
    assert_eq!(first.len(), 32);
    assert_connection_error(login_request(&s).await);
    assert_connection_error(login_request(&s).await);
    let again = s.login().await;
    assert_ne!(again, first);
    let state = s.state().await;
    assert_eq!(state["aurora"]["login_calls"], 4);
    assert_eq!(state["aurora"]["logins"], 2);
    assert_eq!(state["aurora"]["faults_injected"]["login_fault"], 2);
}

#[tokio::test]
async fn aurora_login_answered_500_or_503() {
    for (fault, status, marker) in [
        ("http500", 500, "<b>Fatal error</b>"),
        ("http503", 503, "503 Service Temporarily Unavailable"),
    ] {
        let s = sandbox_with(json!({"aurora": {
            "login_fault": fault, "login_fault_after": 0, "login_fault_count": 2}}))
        .await;
        for _ in 0..2 {
            let response = login_request(&s).await.unwrap();
            assert_eq!(response.status(), status);
            assert!(content_type(&response).starts_with("text/html"));
            assert!(response.text().await.unwrap().contains(marker));
        }
        assert_eq!(s.login().await.len(), 32);
        assert_eq!(s.state().await["aurora"]["logins"], 1);
    }
}

// ---------------------------------------------------------------- Mumara

#[tokio::test]
async fn mumara_laravel_unauthenticated_json_or_redirect_to_login() {
    let s = sandbox_with(json!({"mumara": {"refuse_key": "laravel"}})).await;
    let raw = no_redirects();
    // Accept: application/json -> 401 JSON, with the throttle headers.
    let json401 = add_json(&raw, &s, KEY, Sandbox::mumara_user("a@example.com")).await;
    assert_eq!(json401.status(), 401);
    assert_eq!(json401.headers()["x-ratelimit-limit"], "60");
    assert_eq!(
        json401.text().await.unwrap(),
        r#"{"message":"Unauthenticated."}"#
    );

    // No JSON asked for -> 302 to /login.
    let redirect = raw
        .post(format!("{}/api/addUser", s.api))
        .bearer_auth(KEY)
        .json(&Sandbox::mumara_user("a@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 302);
    assert_eq!(
        redirect.headers()["location"],
        format!("{}/login", s.api).as_str()
    );
    assert!(content_type(&redirect).starts_with("text/html"));
    assert!(redirect.text().await.unwrap().contains("Redirecting to"));

    // A client that follows it (as fetch does) lands on the HTML login page.
    let followed = s
        .client
        .post(format!("{}/api/addUser", s.api))
        .bearer_auth(KEY)
        .json(&Sandbox::mumara_user("a@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(followed.status(), 200);
    assert!(followed.url().path().ends_with("/login"));
    assert!(content_type(&followed).starts_with("text/html"));
    let page = followed.text().await.unwrap();
    assert!(page.contains("<title>Login</title>"));
    assert!(page.contains("name=\"_token\""));

    let state = s.state().await;
    assert!(mumara_emails(&state).is_empty());
    assert_eq!(state["mumara"]["faults_injected"]["refused_key"], 3);
}

#[tokio::test]
async fn mumara_refusals_json401_redirect_status_error_forbidden() {
    let raw = no_redirects();
    let cases = [
        ("json401", 401, r#"{"message":"Unauthenticated."}"#),
        (
            "status_error",
            200,
            r#"{"status":"error","result":"Error: Invalid API token."}"#,
        ),
        (
            "forbidden",
            403,
            r#"{"message":"This action is unauthorized."}"#,
        ),
    ];
    for (mode, status, body) in cases {
        let s = sandbox_with(json!({"mumara": {"refuse_key": mode}})).await;
        let response = add_json(&raw, &s, KEY, Sandbox::mumara_user("a@example.com")).await;
        assert_eq!(response.status(), status, "{mode}");
        assert!(content_type(&response).starts_with("application/json"));
        assert_eq!(response.text().await.unwrap(), body, "{mode}");
        assert!(mumara_emails(&s.state().await).is_empty());
    }
    // "redirect" redirects even a request that asks for JSON.
    let s = sandbox_with(json!({"mumara": {"refuse_key": "redirect"}})).await;
    let response = add_json(&raw, &s, KEY, Sandbox::mumara_user("a@example.com")).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        format!("{}/login", s.api).as_str()
    );
    assert!(mumara_emails(&s.state().await).is_empty());
}

#[tokio::test]
async fn mumara_laravel_422_taken_and_field_errors() {
    let s = sandbox_with(json!({"mumara": {"validation": "laravel"}})).await;
    s.control("seed", json!({"mumara": ["taken@example.com"]}))
        .await;
    let client = &s.client;
    let taken = add_json(client, &s, KEY, Sandbox::mumara_user("taken@example.com")).await;
    assert_eq!(taken.status(), 422);
    assert_eq!(taken.headers()["x-ratelimit-remaining"], "59");
    assert_eq!(
        taken.text().await.unwrap(),
        r#"{"message":"The given data was invalid.","errors":{"email":["The email has already been taken."]}}"#
    );

    let mut package = Sandbox::mumara_user("p@example.com");
    package["package_id"] = json!(9);
    let unknown = add_json(client, &s, KEY, package).await;
    assert_eq!(unknown.status(), 422);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "The given data was invalid.",
               "errors": {"package_id": ["The selected package id is invalid."]}})
    );

    let missing = add_json(client, &s, KEY, json!({"email": "nope"})).await;
    assert_eq!(missing.status(), 422);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "The given data was invalid.",
               "errors": {
                   "email": ["The email must be a valid email address."],
                   "password": ["The password field is required."],
                   "name": ["The name field is required."],
                   "package_id": ["The package id field is required."]}})
    );

    let ok = add_json(client, &s, KEY, Sandbox::mumara_user("new@example.com")).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        mumara_emails(&s.state().await),
        ["taken@example.com", "new@example.com"]
    );
}

#[tokio::test]
async fn mumara_419_csrf_json_and_page() {
    let s = sandbox_with(json!({"mumara": {"csrf_every": 1}})).await;
    let json419 = add_json(&s.client, &s, KEY, Sandbox::mumara_user("a@example.com")).await;
    assert_eq!(json419.status(), 419);
    assert_eq!(
        json419.text().await.unwrap(),
        r#"{"message":"CSRF token mismatch."}"#
    );
    let page = s
        .mumara(Some(KEY), Sandbox::mumara_user("a@example.com"))
        .await
        .unwrap();
    assert_eq!(page.status(), 419);
    assert!(content_type(&page).starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Page Expired</title>"));
    assert!(html.contains("419"));
    let state = s.state().await;
    assert!(mumara_emails(&state).is_empty());
    assert_eq!(state["mumara"]["faults_injected"]["csrf"], 2);
}

#[tokio::test]
async fn mumara_429_retry_after_seconds_or_http_date_and_a_limit_of_120() {
    for format in ["seconds", "http_date"] {
        let s = sandbox_with(json!({"mumara": {
            "rate_limit": 120, "rate_window_ms": 60000, "retry_after_format": format}}))
        .await;
        let mut last = None;
        for i in 0..120 {
            let mut body = Sandbox::mumara_user(&format!("r{i}@example.com"));
            body["response"] = json!(0);
            last = Some(add_json(&s.client, &s, KEY, body).await);
        }
        // A success carries the limit and what is left, nothing else.
        let ok = last.unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.headers()["x-ratelimit-limit"], "120");
        assert_eq!(ok.headers()["x-ratelimit-remaining"], "0");
        assert!(ok.headers().get("retry-after").is_none());
        assert!(ok.headers().get("x-ratelimit-reset").is_none());

        let before = unix_now();
        let limited = add_json(&s.client, &s, KEY, Sandbox::mumara_user("x@example.com")).await;
        assert_eq!(limited.status(), 429);
        let headers = limited.headers();
        assert_eq!(headers["x-ratelimit-limit"], "120");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        let reset: u64 = headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            reset >= before + 55 && reset <= before + 61,
            "{reset} vs {before}"
        );
        let retry_after = headers["retry-after"].to_str().unwrap().to_string();
        match format {
            "seconds" => {
                let secs: u64 = retry_after.parse().unwrap();
                assert!((55..=60).contains(&secs), "{secs}");
            }
            _ => {
                // IMF-fixdate: "Tue, 01 Dec 2026 07:20:31 GMT", the moment of the reset.
                assert!(retry_after.ends_with(" GMT"), "{retry_after}");
                assert_eq!(retry_after.len(), 29, "{retry_after}");
                assert_eq!(&retry_after[3..5], ", ");
                let time = &retry_after[17..25];
                let reset_time = format!(
                    "{:02}:{:02}:{:02}",
                    (reset % 86_400) / 3600,
                    (reset % 3600) / 60,
                    reset % 60
                );
                assert_eq!(time, reset_time);
            }
        }
        assert_eq!(
            limited.text().await.unwrap(),
            r#"{"message":"Too Many Attempts."}"#
        );
        let state = s.state().await;
        assert_eq!(mumara_emails(&state).len(), 120);
        assert_eq!(state["mumara"]["rate_limited"], 1);
    }
}

#[tokio::test]
async fn mumara_500_and_503_pages_before_and_after_insert() {
    let s = sandbox_with(json!({"mumara": {
        "http500_every": 5, "http503_every": 4,
        "http500_after_insert_every": 2, "http503_after_insert_every": 3}}))
    .await;
    let mut answers = Vec::new();
    for i in 1..=5 {
        let response = add_json(
            &s.client,
            &s,
            KEY,
            Sandbox::mumara_user(&format!("u{i}@example.com")),
        )
        .await;
        let status = response.status().as_u16();
        let throttled = response.headers().contains_key("x-ratelimit-limit");
        let html = content_type(&response).starts_with("text/html");
        let body = response.text().await.unwrap();
        answers.push((status, throttled, html, body));
    }
    assert_eq!(answers[0].0, 200);
    // 2: created, then Laravel's 500 page (through the throttle: headers on).
    assert_eq!(&answers[1].0, &500);
    assert!(answers[1].1 && answers[1].2);
    assert!(answers[1].3.contains("<title>Server Error</title>"));
    // 3: created, then a 503 page (no throttle headers).
    assert_eq!(answers[2].0, 503);
    assert!(!answers[2].1 && answers[2].2);
    assert!(answers[2].3.contains("<title>Service Unavailable</title>"));
    // 4: 503 before insert; 5: 500 before insert.
    assert_eq!(answers[3].0, 503);
    assert!(!answers[3].1);
    assert_eq!(answers[4].0, 500);
    assert!(answers[4].1);

    let state = s.state().await;
    assert_eq!(
        mumara_emails(&state),
        ["u1@example.com", "u2@example.com", "u3@example.com"]
    );
    let faults = &state["mumara"]["faults_injected"];
    assert_eq!(faults["http500_after_insert"], 1);
    assert_eq!(faults["http503_after_insert"], 1);
    assert_eq!(faults["http503"], 1);
    assert_eq!(faults["http500"], 1);
}

#[tokio::test]
async fn mumara_status_error_with_an_unrecognised_message() {
    let s = sandbox_with(json!({"mumara": {"status_error_every": 2}})).await;
    add_json(&s.client, &s, KEY, Sandbox::mumara_user("a@example.com")).await;
    let odd = add_json(&s.client, &s, KEY, Sandbox::mumara_user("b@example.com")).await;
    assert_eq!(odd.status(), 200);
    assert_eq!(
        odd.text().await.unwrap(),
        r#"{"status":"error","result":"Error: Request could not be processed (code 0x1f)."}"#
    );
    assert_eq!(mumara_emails(&s.state().await), ["a@example.com"]);
}

// ---------------------------------------------------------------- preset

#[tokio::test]
async fn realism_preset_expands_and_can_be_adjusted() {
    let s = sandbox_with(json!({"preset": "realism", "mumara": {"rate_limit": 90}})).await;
    let config = &s.state().await["config"];
    assert_eq!(config["aurora"]["php_notice_every"], 5);
    assert_eq!(config["aurora"]["http500_after_insert_every"], 7);
    assert_eq!(config["aurora"]["token_expires_after_creates"], 10);
    assert_eq!(config["aurora"]["login_fault"], "drop");
    assert_eq!(config["mumara"]["validation"], "laravel");
    assert_eq!(config["mumara"]["retry_after_format"], "http_date");
    assert_eq!(config["mumara"]["rate_limit"], 90);
    assert!(config.get("preset").is_none());

    let response = s.control("config", json!({"preset": "chaos"})).await;
    assert_eq!(response.status(), 400);
    let reset = s.control("reset", json!({"preset": "realism"})).await;
    assert_eq!(reset.status(), 200);
    let state: Value = reset.json().await.unwrap();
    assert_eq!(state["config"]["mumara"]["rate_limit"], 120);
}
