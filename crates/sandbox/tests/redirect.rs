//! The `redirect_slashes` knob (Starlette's trailing-slash redirect): 307 with an absolute
//! Location for every method, CORS as the path's, the slash path served and recorded.

mod common;

use common::sandbox_with;
use reqwest::redirect::Policy;
use serde_json::{json, Value};

#[tokio::test]
async fn a_path_without_its_slash_is_redirected_and_the_slash_path_is_served() {
    let s = sandbox_with(json!({"redirect_slashes": ["/api/v4/users"]})).await;
    let manual = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let post = manual
        .post(format!("{}/api/v4/users?x=1", s.api))
        .header("PRIVATE-TOKEN", "glpat-sandbox-admin")
        .header("Origin", "http://127.0.0.1:8080")
        .json(&json!({"email": "a@example.com", "username": "a", "name": "A", "password": "Secret-1234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 307);
    let location = post.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{}/api/v4/users/?x=1", s.api));
    // Decorated by the CORS middleware around the router, like any answer of the path.
    assert!(post.headers().contains_key("access-control-allow-origin"));
    assert!(post.bytes().await.unwrap().is_empty());
    // A preflight is answered before routing, not redirected.
    let preflight = manual
        .request(reqwest::Method::OPTIONS, format!("{}/api/v4/users", s.api))
        .header("Origin", "http://127.0.0.1:8080")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);

    // Nothing was created; the slash path is the route, and its arrivals are recorded.
    let state: Value = s
        .client
        .get(format!("{}/_sandbox/state", s.api))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["gitlab"]["users"].as_array().unwrap().len(), 0);
    assert_eq!(state["redirects"]["served"], 1);
    assert_eq!(state["redirects"]["arrivals"], json!([]));
    let created = manual
        .post(&location)
        .header("PRIVATE-TOKEN", "glpat-sandbox-admin")
        .json(&json!({"email": "a@example.com", "username": "a", "name": "A", "password": "Secret-1234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let plain_get = manual.get(&location).send().await.unwrap();
    // Served by GitLab's route (which refuses a request without a token), not the 404.
    assert!(plain_get.status().is_client_error() && plain_get.status() != 404);
    let state: Value = s
        .client
        .get(format!("{}/_sandbox/state", s.api))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["gitlab"]["users"].as_array().unwrap().len(), 1);
    let arrivals = state["redirects"]["arrivals"].as_array().unwrap();
    assert_eq!(arrivals.len(), 2);
    assert_eq!(arrivals[0]["method"], "POST");
    assert_eq!(arrivals[0]["credential"], true);
    assert_eq!(arrivals[1]["method"], "GET");
    assert_eq!(arrivals[1]["credential"], false);
    assert_eq!(arrivals[1]["body_bytes"], 0);
}

#[tokio::test]
async fn without_the_knob_nothing_is_redirected() {
    let s = sandbox_with(json!({})).await;
    let response = s
        .client
        .get(format!("{}/api/v4/users/", s.api))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
