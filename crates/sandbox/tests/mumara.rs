//! Mumara over real HTTP: addUser answers, keys, field errors, rate limit and faults.

mod common;

use std::time::Duration;

use common::{assert_connection_error, sandbox, sandbox_with, Sandbox};
use serde_json::{json, Value};

const KEY: Option<&str> = Some("sandbox-key");

#[tokio::test]
async fn add_user_with_and_without_response() {
    let s = sandbox().await;
    let response = s
        .mumara(KEY, Sandbox::mumara_user("david@example.com"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-ratelimit-limit"], "60");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "59");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["result"], "User has been successfully created.");
    let created = &answer["response"];
    assert_eq!(created["id"], 2);
    assert_eq!(created["user_id"], 1);
    assert_eq!(created["name"], "David Seagal");
    assert_eq!(created["email"], "david@example.com");
    assert_eq!(created["login_ips"], "192.168.1.1,192.168.1.2");
    assert_eq!(created["role"], "client");
    assert_eq!(created["is_client"], 1);
    assert_eq!(created["role_id"], 3);
    assert_eq!(created["package_id"], 1);
    assert_eq!(created["time_zone"], "+5:+00");
    assert_eq!(created["created_at"].as_str().unwrap().len(), 19);

    let mut plain = Sandbox::mumara_user("eve@example.com");
    plain.as_object_mut().unwrap().remove("response");
    plain["package_id"] = json!("2"); // a numeric string is accepted
    plain.as_object_mut().unwrap().remove("timezone");
    plain.as_object_mut().unwrap().remove("login_ips");
    let answer: Value = s.mumara(KEY, plain).await.unwrap().json().await.unwrap();
    assert_eq!(
        answer,
        json!({"status": "success", "result": "User has been successfully created."})
    );

    let state = s.state().await;
    let users = &state["mumara"]["users"];
    assert_eq!(users[0]["password"], "secret789");
    assert_eq!(users[0]["timezone"], "+05:00");
    assert_eq!(users[1]["package_id"], 2);
    assert_eq!(users[1]["timezone"], "00:00");
    assert!(users[1]["login_ips"].is_null());
    assert_eq!(users[1]["id"], 3);
    assert_eq!(state["mumara"]["add_calls"], 2);
}

#[tokio::test]
async fn keys_401_and_403() {
    let s = sandbox().await;
    let body = Sandbox::mumara_user("k@example.com");
    for key in [None, Some("wrong-key")] {
        let response = s.mumara(key, body.clone()).await.unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers().contains_key("x-ratelimit-remaining"));
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer,
            json!({"status": "error", "result": "Unauthenticated."})
        );
    }
    // The V1 query-string key is not accepted.
    let response = s
        .client
        .post(format!("{}/api/addUser?api_token=sandbox-key", s.api))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let response = s.mumara(Some("sandbox-key-noperm"), body).await.unwrap();
    assert_eq!(response.status(), 403);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"status": "error",
               "result": "Error: You do not have permission to perform this action."})
    );
    assert_eq!(s.state().await["mumara"]["users"], json!([]));
}

#[tokio::test]
async fn field_package_duplicate_and_limit_errors() {
    let s = sandbox().await;
    let response = s.mumara(KEY, json!({})).await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert_eq!(
        text,
        r#"{"status":"error","result":{"email":["Error: Missing required parameter, email"],"password":["Error: Missing required parameter, password"],"name":["Error: Missing required parameter, name"],"package_id":["Error: Missing required parameter, package id"]}}"#
    );

    let mut bad = Sandbox::mumara_user("not-an-address");
    bad["timezone"] = json!("UTC+5");
    bad["login_ips"] = json!("192.168.1.1,300.1.1.1");
    let answer: Value = s.mumara(KEY, bad).await.unwrap().json().await.unwrap();
    assert_eq!(answer["status"], "error");
    let fields = answer["result"].as_object().unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["email", "login_ips", "timezone"]);
    for messages in fields.values() {
        assert!(messages[0].as_str().unwrap().starts_with("Error: "));
    }

    let mut no_package = Sandbox::mumara_user("p@example.com");
    no_package["package_id"] = json!(9);
    let answer: Value = s
        .mumara(KEY, no_package)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"status": "error", "result": "Error: Package doesn`t exsit"})
    );

    s.mumara(KEY, Sandbox::mumara_user("dup@example.com"))
        .await
        .unwrap();
    let answer: Value = s
        .mumara(KEY, Sandbox::mumara_user("DUP@example.com"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"status": "error", "result": "Error: User already exists."})
    );

    s.set_config(json!({"mumara": {"user_limit": 1, "status_capitalized": true}}))
        .await;
    let answer: Value = s
        .mumara(KEY, Sandbox::mumara_user("new@example.com"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"status": "Error", "result": "Error: User limit reached for your license."})
    );
    s.set_config(json!({"mumara": {"user_limit": null, "packages": [1, 9]}}))
        .await;
    let answer: Value = s
        .mumara(KEY, Sandbox::mumara_user("new@example.com"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["status"], "Success");
    let state = s.state().await;
    assert_eq!(state["mumara"]["users"].as_array().unwrap().len(), 2);
    assert_eq!(state["mumara"]["faults_injected"]["user_limit"], 1);
}

#[tokio::test]
async fn rate_limit_429_then_recovery_after_the_window() {
    let s = sandbox_with(json!({"mumara": {"rate_limit": 3, "rate_window_ms": 300}})).await;
    for (i, remaining) in ["2", "1", "0"].into_iter().enumerate() {
        let response = s
            .mumara(KEY, Sandbox::mumara_user(&format!("r{i}@example.com")))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-ratelimit-limit"], "3");
        assert_eq!(response.headers()["x-ratelimit-remaining"], remaining);
    }
    let limited = s
        .mumara(KEY, Sandbox::mumara_user("r3@example.com"))
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let headers = limited.headers().clone();
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(headers["x-ratelimit-limit"], "3");
    let reset: u64 = headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset >= now && reset <= now + 2, "{reset} vs {now}");
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("Retry-After"));
    let answer: Value = limited.json().await.unwrap();
    assert_eq!(answer, json!({"message": "Too Many Attempts."}));

    // Another key has its own window.
    let other = s
        .mumara(Some("sandbox-key-noperm"), json!({}))
        .await
        .unwrap();
    assert_eq!(other.status(), 403);

    tokio::time::sleep(Duration::from_millis(320)).await;
    let again = s
        .mumara(KEY, Sandbox::mumara_user("r3@example.com"))
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["x-ratelimit-remaining"], "2");
    let state = s.state().await;
    assert_eq!(state["mumara"]["rate_limited"], 1);
    assert_eq!(state["mumara"]["users"].as_array().unwrap().len(), 4);
    // 429s are not add_calls.
    assert_eq!(state["mumara"]["add_calls"], 5);
}

#[tokio::test]
async fn faults_502_drop_and_lost_answer() {
    let s = sandbox_with(json!({"mumara": {"http502_every": 2}})).await;
    s.mumara(KEY, Sandbox::mumara_user("a@example.com"))
        .await
        .unwrap();
    let bad_gateway = s
        .mumara(KEY, Sandbox::mumara_user("b@example.com"))
        .await
        .unwrap();
    assert_eq!(bad_gateway.status(), 502);
    assert_eq!(bad_gateway.headers()["access-control-allow-origin"], "*");
    assert!(bad_gateway
        .text()
        .await
        .unwrap()
        .contains("502 Bad Gateway"));

    s.set_config(json!({"mumara": {"http502_every": null, "drop_every": 3}}))
        .await;
    assert_connection_error(s.mumara(KEY, Sandbox::mumara_user("c@example.com")).await);

    s.set_config(json!({"mumara": {"drop_every": null, "lost_answer_every": 4}}))
        .await;
    assert_connection_error(s.mumara(KEY, Sandbox::mumara_user("d@example.com")).await);
    let retry: Value = s
        .mumara(KEY, Sandbox::mumara_user("d@example.com"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retry["result"], "Error: User already exists.");

    let state = s.state().await;
    let emails: Vec<&str> = state["mumara"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["a@example.com", "d@example.com"]);
    let faults = &state["mumara"]["faults_injected"];
    assert_eq!(faults["http502"], 1);
    assert_eq!(faults["drop"], 1);
    assert_eq!(faults["lost_answer"], 1);
}

#[tokio::test]
async fn get_is_405_and_latency_applies() {
    let s = sandbox_with(json!({"mumara": {"latency_ms": 120}})).await;
    let response = s
        .client
        .get(format!("{}/api/addUser", s.api))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let started = std::time::Instant::now();
    s.mumara(KEY, Sandbox::mumara_user("slow@example.com"))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(120));
}

/// Issue 20: every addUser POST past the rate limiter is counted by the address it
/// carried, whatever its outcome, so a test can see a row sent twice although the
/// second one only answers "User already exists.".
#[tokio::test]
async fn add_calls_are_counted_by_address() {
    let s = sandbox_with(json!({"mumara": {"lost_answer_every": 2}})).await;
    let first = s
        .mumara(KEY, Sandbox::mumara_user("Ann@Example.com"))
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    // The second call is created, then its answer is lost.
    assert!(s
        .mumara(KEY, Sandbox::mumara_user("bo@example.com"))
        .await
        .is_err());
    // Sent again: "User already exists."; sent with another case: the same address.
    let again: Value = s
        .mumara(KEY, Sandbox::mumara_user("bo@example.com"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["result"], "Error: User already exists.");
    // Call 4 (its answer lost as well): the same address in another case.
    assert!(s
        .mumara(KEY, Sandbox::mumara_user(" ANN@example.com"))
        .await
        .is_err());
    let state = s.state().await;
    assert_eq!(state["mumara"]["users"].as_array().unwrap().len(), 2);
    assert_eq!(
        state["mumara"]["add_calls_by_email"],
        json!({"ann@example.com": 2, "bo@example.com": 2})
    );
    assert_eq!(state["mumara"]["add_calls"], 4);
    // A reset forgets them.
    s.control("reset", json!({})).await;
    assert_eq!(s.state().await["mumara"]["add_calls_by_email"], json!({}));
}
