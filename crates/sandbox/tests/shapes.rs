//! Keycloak, Microsoft Graph and GitLab over real HTTP: every answer of each endpoint,
//! the ugly ones included, the seeding and the CORS answers.

mod common;

use std::time::Duration;

use common::{assert_connection_error, sandbox, sandbox_with, Sandbox};
use reqwest::Response;
use serde_json::{json, Value};

const PAGE: &str = "http://127.0.0.1:8080";

// ---------------------------------------------------------------- Keycloak

async fn kc_login(s: &Sandbox, realm: &str, user: &str, password: &str) -> Response {
    s.client
        .post(format!(
            "{}/realms/{realm}/protocol/openid-connect/token",
            s.api
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn kc_token(s: &Sandbox, realm: &str) -> String {
    let response = kc_login(s, realm, "admin", "admin").await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    answer["access_token"].as_str().unwrap().to_string()
}

async fn kc_create(s: &Sandbox, realm: &str, token: &str, user: Value) -> Response {
    s.client
        .post(format!("{}/admin/realms/{realm}/users", s.api))
        .bearer_auth(token)
        .json(&user)
        .send()
        .await
        .unwrap()
}

fn kc_user(username: &str, email: &str) -> Value {
    json!({"username": username, "email": email, "firstName": "Ada", "lastName": "Lovelace",
           "enabled": true,
           "credentials": [{"type": "password", "value": "Secret-123", "temporary": false}]})
}

#[tokio::test]
async fn keycloak_token_answers() {
    let s = sandbox().await;
    let response = kc_login(&s, "roster", "admin", "admin").await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["expires_in"], 60);
    assert_eq!(answer["token_type"], "Bearer");
    assert_eq!(
        answer["access_token"].as_str().unwrap().split('.').count(),
        3
    );
    assert!(answer["refresh_token"].is_string());

    let response = kc_login(&s, "roster", "admin", "wrong").await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "error_description": "Invalid user credentials"})
    );

    let response = kc_login(&s, "nope", "admin", "admin").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "Realm does not exist"})
    );

    let url = format!("{}/realms/master/protocol/openid-connect/token", s.api);
    let response = s
        .client
        .post(&url)
        .form(&[
            ("grant_type", "password"),
            ("client_id", "other"),
            ("username", "admin"),
            ("password", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let response = s
        .client
        .post(&url)
        .form(&[("client_id", "admin-cli")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error_description"],
        "Missing form parameter: grant_type"
    );
    let response = s
        .client
        .post(&url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "admin-cli"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );

    // The legacy /auth prefix works too.
    let response = s
        .client
        .post(format!(
            "{}/auth/realms/master/protocol/openid-connect/token",
            s.api
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", "admin"),
            ("password", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let state = s.state().await;
    assert_eq!(state["keycloak"]["logins"], 2);
    assert_eq!(state["keycloak"]["login_calls"], 7);
}

async fn kc_put(s: &Sandbox, token: &str, id: &str, body: Value) -> Response {
    s.client
        .put(format!("{}/admin/realms/roster/users/{id}", s.api))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `PUT /admin/realms/{realm}/users/{id}` as `UserResource.updateUser` answers it
/// (issue 24's update): 204, only the fields given change.
#[tokio::test]
async fn keycloak_update_answers_as_keycloak_does() {
    let s = sandbox().await;
    let token = kc_token(&s, "roster").await;
    for (name, email) in [("ada", "ada@example.com"), ("bob", "bob@example.com")] {
        assert_eq!(
            kc_create(&s, "roster", &token, kc_user(name, email))
                .await
                .status(),
            201
        );
    }
    let found: Value = s
        .client
        .get(format!(
            "{}/admin/realms/roster/users?username=ada&exact=true",
            s.api
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = found[0]["id"].as_str().unwrap().to_owned();
    // Without credentials the password stays.
    let response = kc_put(
        &s,
        &token,
        &id,
        json!({"username": "ada", "firstName": "Augusta"}),
    )
    .await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.text().await.unwrap(), "");
    let state = s.state().await;
    let ada = &state["keycloak"]["users"][0];
    assert_eq!(ada["first_name"], "Augusta");
    assert_eq!(ada["last_name"], "Lovelace");
    assert_eq!(ada["password"], "Secret-123");
    assert_eq!(state["keycloak"]["update_calls"], 1);
    let response = kc_put(
        &s,
        &token,
        &id,
        json!({"credentials": [{"type": "password", "value": "Secret-456", "temporary": false}]}),
    )
    .await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        s.state().await["keycloak"]["users"][0]["password"],
        "Secret-456"
    );
    // Another user's name or address: 409.
    let response = kc_put(&s, &token, &id, json!({"username": "BOB"})).await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errorMessage": "User exists with same username"})
    );
    let response = kc_put(&s, &token, &id, json!({"email": "bob@example.com"})).await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errorMessage": "User exists with same email"})
    );
    let response = kc_put(&s, &token, "no-such-id", json!({"firstName": "x"})).await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "User not found"})
    );
    let response = kc_put(&s, "bogus", &id, json!({"firstName": "x"})).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn keycloak_create_conflicts_and_lookup() {
    let s = sandbox().await;
    let token = kc_token(&s, "roster").await;
    let response = kc_create(&s, "roster", &token, kc_user("Ada", "Ada@Example.com")).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/admin/realms/roster/users/", s.api)),
        "{location}"
    );
    assert_eq!(response.text().await.unwrap(), "");
    let id = location.rsplit('/').next().unwrap().to_string();

    // Same username in another case: 409 username; same e-mail: 409 email.
    let response = kc_create(&s, "roster", &token, kc_user("ADA", "other@example.com")).await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errorMessage": "User exists with same username"})
    );
    let response = kc_create(&s, "roster", &token, kc_user("ada2", "ada@example.com")).await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errorMessage": "User exists with same email"})
    );
    let response = kc_create(&s, "roster", &token, json!({"email": "x@example.com"})).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errorMessage": "User name is missing"})
    );
    let response = s
        .client
        .post(format!("{}/admin/realms/roster/users", s.api))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "unknown_error"})
    );

    // GET ?username=&exact=true, and by id.
    let found: Value = s
        .client
        .get(format!(
            "{}/admin/realms/roster/users?username=ADA&exact=true",
            s.api
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], id.as_str());
    assert_eq!(found[0]["username"], "ada");
    assert_eq!(found[0]["email"], "ada@example.com");
    assert_eq!(found[0]["firstName"], "Ada");
    let none: Value = s
        .client
        .get(format!(
            "{}/admin/realms/roster/users?username=ad&exact=true",
            s.api
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!([]));
    let response = s
        .client
        .get(&location)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = s
        .client
        .get(format!("{}/admin/realms/roster/users/nobody", s.api))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    let state = s.state().await;
    let users = state["keycloak"]["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["password"], "Secret-123");
    assert_eq!(users[0]["realm"], "roster");
    assert_eq!(state["keycloak"]["create_calls"], 5);
}

#[tokio::test]
async fn keycloak_tokens_expire_and_realms_are_separate() {
    let s = sandbox_with(json!({"keycloak": {"access_token_lifespan": 1}})).await;
    let token = kc_token(&s, "roster").await;
    assert_eq!(
        kc_create(&s, "roster", &token, kc_user("a", "a@example.com"))
            .await
            .status(),
        201
    );
    // No token, an unknown one: 401 with WWW-Authenticate.
    let response = s
        .client
        .post(format!("{}/admin/realms/roster/users", s.api))
        .json(&kc_user("b", "b@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "HTTP 401 Unauthorized"})
    );
    // A token of realm roster does not manage master; one of master manages all.
    let response = kc_create(&s, "master", &token, kc_user("b", "b@example.com")).await;
    assert_eq!(response.status(), 403);
    let master = kc_token(&s, "master").await;
    assert_eq!(
        kc_create(&s, "roster", &master, kc_user("b", "b@example.com"))
            .await
            .status(),
        201
    );
    // After the lifespan the token is refused; a new login works.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = kc_create(&s, "roster", &token, kc_user("c", "c@example.com")).await;
    assert_eq!(response.status(), 401);
    let fresh = kc_token(&s, "roster").await;
    assert_eq!(
        kc_create(&s, "roster", &fresh, kc_user("c", "c@example.com"))
            .await
            .status(),
        201
    );
    let state = s.state().await;
    assert_eq!(state["keycloak"]["faults_injected"]["token_expired"], 1);
    assert_eq!(state["keycloak"]["users"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn keycloak_faults_and_seed() {
    let s =
        sandbox_with(json!({"keycloak": {"http500_every": 2, "http500_after_insert_every": 3}}))
            .await;
    let seeded = s
        .control(
            "seed",
            json!({"keycloak": ["old", {"realm": "roster", "username": "Bob", "email": "bob@example.com", "password": "Old-pw-1"}]}),
        )
        .await;
    assert_eq!(seeded.status(), 200);
    let token = kc_token(&s, "roster").await;
    // Call 1: a seeded username is 409.
    assert_eq!(
        kc_create(&s, "roster", &token, kc_user("bob", "x@example.com"))
            .await
            .status(),
        409
    );
    // Call 2: 500, nothing created.
    let response = kc_create(&s, "roster", &token, kc_user("u2", "u2@example.com")).await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "unknown_error"})
    );
    // Call 3: created, then 500.
    assert_eq!(
        kc_create(&s, "roster", &token, kc_user("u3", "u3@example.com"))
            .await
            .status(),
        500
    );
    let state = s.state().await;
    let names: Vec<&str> = state["keycloak"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["old", "bob", "u3"]);
    assert_eq!(state["keycloak"]["users"][1]["password"], "Old-pw-1");
    assert_eq!(state["keycloak"]["users"][1]["seeded"], true);
    assert_eq!(state["keycloak"]["faults_injected"]["http500"], 1);
    assert_eq!(
        state["keycloak"]["faults_injected"]["http500_after_insert"],
        1
    );
    // A seed naming an unknown realm is refused and changes nothing.
    let response = s
        .control(
            "seed",
            json!({"keycloak": [{"realm": "nope", "username": "z"}], "gitlab": ["z@example.com"]}),
        )
        .await;
    assert_eq!(response.status(), 400);
    let state = s.state().await;
    assert!(state["gitlab"]["users"].as_array().unwrap().is_empty());
}

/// Issue 20: a token endpoint that dies mid-login closes the connection without an
/// answer, while the rest of Keycloak (the well-known document) answers.
#[tokio::test]
async fn keycloak_token_hangup_closes_the_token_endpoint_only() {
    // CORS off (an `admin-cli` without Web Origins): the well-known document still
    // answers any origin, as Keycloak's does.
    let s = sandbox_with(json!({"cors": null, "keycloak": {"token_hangup": true}})).await;
    let login = s
        .client
        .post(format!(
            "{}/realms/master/protocol/openid-connect/token",
            s.api
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", "admin"),
            ("password", "admin"),
        ])
        .send()
        .await;
    assert_connection_error(login);
    let known = s
        .client
        .get(format!(
            "{}/realms/master/.well-known/openid-configuration",
            s.api
        ))
        .header("Origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(known.status(), 200);
    assert_eq!(known.headers()["connection"], "close");
    assert_eq!(known.headers()["access-control-allow-origin"], PAGE);
    assert_eq!(known.headers()["access-control-allow-credentials"], "true");
    assert_eq!(known.headers()["cache-control"], "no-cache");
    let document: Value = known.json().await.unwrap();
    assert_eq!(
        document["token_endpoint"],
        format!("{}/realms/master/protocol/openid-connect/token", s.api)
    );
    let unknown = s
        .client
        .get(format!(
            "{}/realms/nope/.well-known/openid-configuration",
            s.api
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let state = s.state().await;
    assert_eq!(state["keycloak"]["login_calls"], 1);
    assert_eq!(state["keycloak"]["logins"], 0);
    assert_eq!(state["keycloak"]["faults_injected"]["token_hangup"], 1);
    // Off again: the same login answers.
    s.set_config(json!({"keycloak": {"token_hangup": false}}))
        .await;
    assert_eq!(kc_login(&s, "master", "admin", "admin").await.status(), 200);
}

#[tokio::test]
async fn keycloak_cors() {
    let s = sandbox().await;
    // A preflight is answered for any origin, as Keycloak does.
    let response = s
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/admin/realms/roster/users", s.api),
        )
        .header("origin", PAGE)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers();
    assert_eq!(h["access-control-allow-origin"], PAGE);
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(h["access-control-allow-methods"], "GET, PUT, POST, DELETE");
    assert!(h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .ends_with("Authorization"));
    assert_eq!(h["access-control-max-age"], "3600");
    let response = s
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/realms/roster/protocol/openid-connect/token", s.api),
        )
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-methods"],
        "POST, OPTIONS"
    );

    // CORS off: the preflight still passes, no answer has Access-Control-Allow-Origin,
    // so a browser blocks them.
    s.set_config(json!({"cors": null})).await;
    let response = s
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/admin/realms/roster/users", s.api),
        )
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    let response = kc_login_as(&s, "roster", "roster", Some(PAGE)).await;
    assert_eq!(response.status(), 200);
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));
    assert_eq!(s.state().await["preflights"], 3);
}

/// A password grant with `client_id`, sent from a page at `origin`.
async fn kc_login_as(s: &Sandbox, realm: &str, client_id: &str, origin: Option<&str>) -> Response {
    let mut request = s
        .client
        .post(format!(
            "{}/realms/{realm}/protocol/openid-connect/token",
            s.api
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", "admin"),
            ("password", "admin"),
        ]);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

/// Creates `username` with `token` from a page at [`PAGE`].
async fn kc_create_from_page(s: &Sandbox, token: &str, username: &str) -> Response {
    s.client
        .post(format!("{}/admin/realms/roster/users", s.api))
        .header("origin", PAGE)
        .bearer_auth(token)
        .json(&kc_user(username, &format!("{username}@example.com")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn keycloak_cors_follows_the_clients_web_origins() {
    // Issue 20: the admin API's answers carry Access-Control-Allow-Origin only for a
    // token whose client lists the page's origin in its Web Origins; admin-cli has none.
    let s = sandbox().await;
    s.set_config(json!({"keycloak": {"clients": [
        {"client_id": "admin-cli"},
        {"client_id": "roster-import", "web_origins": [PAGE]},
        {"client_id": "no-grants", "web_origins": [PAGE], "direct_access_grants": false},
    ]}}))
    .await;

    // admin-cli: the login works, but neither its answer nor the admin API's allows
    // the page (a browser blocks both).
    let response = kc_login_as(&s, "roster", "admin-cli", Some(PAGE)).await;
    assert_eq!(response.status(), 200);
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));
    let answer: Value = response.json().await.unwrap();
    let cli_token = answer["access_token"].as_str().unwrap().to_string();
    let response = kc_create_from_page(&s, &cli_token, "a").await;
    assert_eq!(
        response.status(),
        201,
        "the server acts; the page cannot read it"
    );
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));

    // The configured client: the login's answer and the admin API's allow the origin.
    let response = kc_login_as(&s, "roster", "roster-import", Some(PAGE)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    assert_eq!(
        response.headers()["access-control-allow-credentials"],
        "true"
    );
    let answer: Value = response.json().await.unwrap();
    let token = answer["access_token"].as_str().unwrap().to_string();
    let response = kc_create_from_page(&s, &token, "b").await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    assert!(!response
        .headers()
        .contains_key("access-control-expose-headers"));
    // Its 409 too (CORS is added before the users resource runs).
    let response = kc_create_from_page(&s, &token, "b").await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    // Another origin is not allowed.
    let response = s
        .client
        .get(format!("{}/admin/realms/roster/users?username=b", s.api))
        .header("origin", "http://elsewhere.example")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));
    // A wrong password with the configured client: readable (the client is known).
    let response = s
        .client
        .post(format!(
            "{}/realms/roster/protocol/openid-connect/token",
            s.api
        ))
        .header("origin", PAGE)
        .form(&[
            ("grant_type", "password"),
            ("client_id", "roster-import"),
            ("username", "admin"),
            ("password", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    // An unknown client: 401 invalid_client with no CORS header.
    let response = kc_login_as(&s, "roster", "nobody", Some(PAGE)).await;
    assert_eq!(response.status(), 401);
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));
    // Direct access grants off: 400 unauthorized_client.
    let response = kc_login_as(&s, "roster", "no-grants", Some(PAGE)).await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"], "unauthorized_client");
}

// ---------------------------------------------------------------- Microsoft Graph

const GRAPH_TOKEN: &str = "sandbox-graph-token";

fn graph_user(upn: &str) -> Value {
    json!({"accountEnabled": true, "displayName": "Adele Vance", "mailNickname": "AdeleV",
           "userPrincipalName": upn,
           "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}})
}

async fn graph_post(s: &Sandbox, token: Option<&str>, body: Value) -> Response {
    let mut request = s.client.post(format!("{}/v1.0/users", s.api)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn graph_error(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert!(response.headers().contains_key("request-id"));
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["error"]["innerError"]["date"].is_string(),
        "{answer}"
    );
    assert!(
        answer["error"]["innerError"]["request-id"].is_string(),
        "{answer}"
    );
    answer["error"].clone()
}

/// `PATCH /v1.0/users/{id}` ("Update user", issue 24's update): 204, only the properties
/// given change.
#[tokio::test]
async fn graph_update_answers_as_graph_does() {
    let s = sandbox().await;
    let created: Value = graph_post(&s, Some(GRAPH_TOKEN), graph_user("adele@example.com"))
        .await
        .json()
        .await
        .unwrap();
    graph_post(&s, Some(GRAPH_TOKEN), graph_user("other@example.com")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let patch = |body: Value, id: &str| {
        s.client
            .patch(format!("{}/v1.0/users/{id}", s.api))
            .bearer_auth(GRAPH_TOKEN)
            .json(&body)
            .send()
    };
    let response = patch(json!({"displayName": "Adele V."}), &id)
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.headers().contains_key("request-id"));
    let state = s.state().await;
    assert_eq!(state["graph"]["users"][0]["display_name"], "Adele V.");
    assert_eq!(state["graph"]["users"][0]["password"], "xWwvJ]6NMw+bWH-d");
    assert_eq!(state["graph"]["update_calls"], 1);
    let response = patch(json!({"passwordProfile": {"password": "weak"}}), &id)
        .await
        .unwrap();
    let error = graph_error(response, 400).await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("password complexity"));
    let response = patch(
        json!({"passwordProfile": {"password": "New-Pass-2026"}}),
        &id,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        s.state().await["graph"]["users"][0]["password"],
        "New-Pass-2026"
    );
    let response = patch(json!({"userPrincipalName": "other@example.com"}), &id)
        .await
        .unwrap();
    assert_eq!(
        graph_error(response, 400).await["details"][0]["code"],
        "ObjectConflict"
    );
    let response = patch(json!({"displayName": "x"}), "nobody@example.com")
        .await
        .unwrap();
    assert_eq!(
        graph_error(response, 404).await["code"],
        "Request_ResourceNotFound"
    );
}

#[tokio::test]
async fn graph_create_and_errors() {
    let s = sandbox().await;
    let response = graph_post(&s, Some(GRAPH_TOKEN), graph_user("AdeleV@example.com")).await;
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    assert_eq!(
        user["@odata.context"],
        format!("{}/v1.0/$metadata#users/$entity", s.api)
    );
    assert_eq!(user["id"].as_str().unwrap().len(), 36);
    assert_eq!(user["userPrincipalName"], "AdeleV@example.com");
    assert_eq!(user["displayName"], "Adele Vance");
    assert_eq!(user["businessPhones"], json!([]));
    assert!(user["mail"].is_null());

    // Same UPN in another case: 400, not 409.
    let error = graph_error(
        graph_post(&s, Some(GRAPH_TOKEN), graph_user("adelev@EXAMPLE.com")).await,
        400,
    )
    .await;
    assert_eq!(error["code"], "Request_BadRequest");
    assert_eq!(
        error["message"],
        "Another object with the same value for property userPrincipalName already exists."
    );
    assert_eq!(error["details"][0]["code"], "ObjectConflict");

    for property in [
        "accountEnabled",
        "displayName",
        "mailNickname",
        "passwordProfile",
        "userPrincipalName",
    ] {
        let mut body = graph_user("new@example.com");
        body.as_object_mut().unwrap().remove(property);
        let error = graph_error(graph_post(&s, Some(GRAPH_TOKEN), body).await, 400).await;
        assert_eq!(error["code"], "Request_BadRequest");
        assert_eq!(
            error["message"],
            format!("Invalid value specified for property '{property}' of resource 'User'.")
        );
    }
    let mut weak = graph_user("weak@example.com");
    weak["passwordProfile"]["password"] = json!("password");
    let error = graph_error(graph_post(&s, Some(GRAPH_TOKEN), weak).await, 400).await;
    assert_eq!(
        error["message"],
        "The specified password does not comply with password complexity requirements. Please provide a different password."
    );
    let error = graph_error(
        graph_post(&s, Some(GRAPH_TOKEN), graph_user("x@elsewhere.org")).await,
        400,
    )
    .await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("The domain portion of the userPrincipalName"));
    let error = graph_error(
        graph_post(&s, Some(GRAPH_TOKEN), graph_user("no-at-sign")).await,
        400,
    )
    .await;
    assert_eq!(error["message"], "Property userPrincipalName is invalid.");
    let response = s
        .client
        .post(format!("{}/v1.0/users", s.api))
        .bearer_auth(GRAPH_TOKEN)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(graph_error(response, 400).await["code"], "BadRequest");

    // Tokens.
    let response = graph_post(&s, None, graph_user("t@example.com")).await;
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let error = graph_error(response, 401).await;
    assert_eq!(error["code"], "InvalidAuthenticationToken");
    assert_eq!(error["message"], "Access token is empty.");
    let error = graph_error(
        graph_post(&s, Some("bogus"), graph_user("t@example.com")).await,
        401,
    )
    .await;
    assert_eq!(error["code"], "InvalidAuthenticationToken");
    let error = graph_error(
        graph_post(
            &s,
            Some("sandbox-graph-token-readonly"),
            graph_user("t@example.com"),
        )
        .await,
        403,
    )
    .await;
    assert_eq!(error["code"], "Authorization_RequestDenied");
    s.set_config(json!({"graph": {"token_expired": true}}))
        .await;
    let error = graph_error(
        graph_post(&s, Some(GRAPH_TOKEN), graph_user("t@example.com")).await,
        401,
    )
    .await;
    assert_eq!(
        error["message"],
        "Lifetime validation failed, the token is expired."
    );

    let state = s.state().await;
    assert_eq!(state["graph"]["users"].as_array().unwrap().len(), 1);
    assert_eq!(state["graph"]["users"][0]["password"], "xWwvJ]6NMw+bWH-d");
    assert_eq!(state["graph"]["users"][0]["mail_nickname"], "AdeleV");
}

#[tokio::test]
async fn graph_lookup_throttle_faults_seed_cors() {
    let s = sandbox_with(json!({"graph": {"rate_limit": 3, "rate_window_ms": 60000,
                                          "http503_every": 2}}))
    .await;
    s.control("seed", json!({"graph": ["old@example.com"]}))
        .await;
    let response = s
        .client
        .get(format!("{}/v1.0/users/OLD@example.com", s.api))
        .bearer_auth(GRAPH_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["userPrincipalName"],
        "old@example.com"
    );
    let response = s
        .client
        .get(format!("{}/v1.0/users/ghost@example.com", s.api))
        .bearer_auth(GRAPH_TOKEN)
        .send()
        .await
        .unwrap();
    let error = graph_error(response, 404).await;
    assert_eq!(error["code"], "Request_ResourceNotFound");
    // Request 3 (create call 1) is created; then the throttle (limit 3).
    assert_eq!(
        graph_post(&s, Some(GRAPH_TOKEN), graph_user("n1@example.com"))
            .await
            .status(),
        201
    );
    let response = graph_post(&s, Some(GRAPH_TOKEN), graph_user("n2@example.com")).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(graph_error(response, 429).await["code"], "TooManyRequests");

    // A fresh window: create call 2 is the 503 fault, nothing created.
    s.set_config(json!({"graph": {"rate_limit": null}})).await;
    let error = graph_error(
        graph_post(&s, Some(GRAPH_TOKEN), graph_user("n2@example.com")).await,
        503,
    )
    .await;
    assert_eq!(error["code"], "serviceNotAvailable");
    let state = s.state().await;
    assert_eq!(state["graph"]["rate_limited"], 1);
    assert_eq!(state["graph"]["create_calls"], 2);
    assert_eq!(state["graph"]["users"].as_array().unwrap().len(), 2);

    // CORS: preflight; Graph's exposed headers, without Retry-After.
    let response = s
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/v1.0/users", s.api))
        .header("origin", PAGE)
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        response.headers()["access-control-allow-headers"],
        "authorization,content-type"
    );
    assert_eq!(
        response.headers()["access-control-allow-methods"],
        "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    );
    assert_eq!(response.headers()["access-control-max-age"], "3600");
    assert!(response.headers().get("vary").is_none());
    let response = graph_post(&s, Some(GRAPH_TOKEN), graph_user("n3@example.com")).await;
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("location") && exposed.contains("request-id"));
    assert!(
        !exposed.contains("retry-after"),
        "Graph does not expose Retry-After to pages: {exposed}"
    );
    // Nor on a 429.
    s.set_config(json!({"graph": {"rate_limit": 1, "rate_window_ms": 60_000}}))
        .await;
    graph_post(&s, Some(GRAPH_TOKEN), graph_user("n4@example.com")).await;
    let response = graph_post(&s, Some(GRAPH_TOKEN), graph_user("n5@example.com")).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert!(!response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("retry-after"));
}

// ---------------------------------------------------------------- GitLab

const ADMIN: &str = "glpat-sandbox-admin";

fn gitlab_user(username: &str, email: &str) -> Value {
    json!({"email": email, "username": username, "name": "Grace Hopper",
           "password": "Compiler-1952", "skip_confirmation": true})
}

async fn gitlab_post(s: &Sandbox, token: Option<&str>, body: Value) -> Response {
    let mut request = s.client.post(format!("{}/api/v4/users", s.api)).json(&body);
    if let Some(token) = token {
        request = request.header("PRIVATE-TOKEN", token);
    }
    request.send().await.unwrap()
}

async fn body_of(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

#[tokio::test]
async fn gitlab_create_and_errors() {
    let s = sandbox().await;
    let user = body_of(
        gitlab_post(&s, Some(ADMIN), gitlab_user("grace", "grace@example.com")).await,
        201,
    )
    .await;
    assert_eq!(user["id"], 2);
    assert_eq!(user["username"], "grace");
    assert_eq!(user["email"], "grace@example.com");
    assert_eq!(user["state"], "active");
    assert_eq!(user["is_admin"], false);
    assert_eq!(user["web_url"], format!("{}/grace", s.api));

    // A Bearer token works too.
    let response = s
        .client
        .post(format!("{}/api/v4/users", s.api))
        .bearer_auth(ADMIN)
        .json(&gitlab_user("ada", "ada@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(body_of(response, 201).await["id"], 3);

    // E-mail first, then username; both case-insensitive.
    assert_eq!(
        body_of(
            gitlab_post(&s, Some(ADMIN), gitlab_user("GRACE", "GRACE@example.com")).await,
            409
        )
        .await,
        json!({"message": "Email has already been taken"})
    );
    assert_eq!(
        body_of(
            gitlab_post(&s, Some(ADMIN), gitlab_user("GRACE", "other@example.com")).await,
            409
        )
        .await,
        json!({"message": "Username has already been taken"})
    );
    let mut short = gitlab_user("short", "short@example.com");
    short["password"] = json!("1234567");
    assert_eq!(
        body_of(gitlab_post(&s, Some(ADMIN), short).await, 400).await,
        json!({"message": {"password": ["is too short (minimum is 8 characters)"]}})
    );
    assert_eq!(
        body_of(
            gitlab_post(&s, Some(ADMIN), gitlab_user("bad", "not-an-address")).await,
            400
        )
        .await,
        json!({"message": {"email": ["is invalid"]}})
    );
    assert!(body_of(
        gitlab_post(&s, Some(ADMIN), gitlab_user("-bad", "b@example.com")).await,
        400
    )
    .await["message"]["username"]
        .is_array());
    assert_eq!(
        body_of(
            gitlab_post(&s, Some(ADMIN), json!({"username": "x"})).await,
            400
        )
        .await,
        json!({"error": "email is missing, password, reset_password, force_random_password are missing, at least one parameter must be provided, name is missing"})
    );

    // Tokens: none or unknown 401 (before validation); not an admin 403 (after it).
    assert_eq!(
        body_of(gitlab_post(&s, None, json!({})).await, 401).await,
        json!({"message": "401 Unauthorized"})
    );
    assert_eq!(
        body_of(
            gitlab_post(&s, Some("glpat-bogus"), gitlab_user("z", "z@example.com")).await,
            401
        )
        .await,
        json!({"message": "401 Unauthorized"})
    );
    let refused = body_of(
        gitlab_post(&s, Some("glpat-sandbox-user"), json!({})).await,
        400,
    )
    .await;
    assert!(refused["error"]
        .as_str()
        .unwrap()
        .starts_with("email is missing"));
    assert_eq!(
        body_of(
            gitlab_post(
                &s,
                Some("glpat-sandbox-user"),
                gitlab_user("z", "z@example.com")
            )
            .await,
            403
        )
        .await,
        json!({"message": "403 Forbidden"})
    );

    // A form body is read too.
    let response = s
        .client
        .post(format!("{}/api/v4/users", s.api))
        .header("PRIVATE-TOKEN", ADMIN)
        .form(&[
            ("email", "form@example.com"),
            ("username", "form"),
            ("name", "Form"),
            ("password", "Form-pass-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    let found = body_of(
        s.client
            .get(format!("{}/api/v4/users?username=GRACE", s.api))
            .header("PRIVATE-TOKEN", ADMIN)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["email"], "grace@example.com");

    let state = s.state().await;
    let users = state["gitlab"]["users"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    assert_eq!(users[0]["password"], "Compiler-1952");
    assert_eq!(users[0]["skip_confirmation"], true);
}

async fn gitlab_put(s: &Sandbox, token: Option<&str>, id: &str, body: Value) -> Response {
    let mut request = s
        .client
        .put(format!("{}/api/v4/users/{id}", s.api))
        .json(&body);
    if let Some(token) = token {
        request = request.header("PRIVATE-TOKEN", token);
    }
    request.send().await.unwrap()
}

/// `PUT /api/v4/users/:id` as `lib/api/users.rb` answers it (issue 24's update).
#[tokio::test]
async fn gitlab_update_answers_as_gitlab_does() {
    let s = sandbox().await;
    for (name, email) in [("grace", "grace@example.com"), ("ada", "ada@example.com")] {
        gitlab_post(&s, Some(ADMIN), gitlab_user(name, email)).await;
    }
    // Only the keys given change: without `password` it stays.
    let user = body_of(
        gitlab_put(
            &s,
            Some(ADMIN),
            "2",
            json!({"name": "Grace B. Hopper", "skip_reconfirmation": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(user["id"], 2);
    assert_eq!(user["name"], "Grace B. Hopper");
    assert_eq!(user["email"], "grace@example.com");
    let state = s.state().await;
    assert_eq!(state["gitlab"]["users"][0]["password"], "Compiler-1952");
    assert_eq!(state["gitlab"]["update_calls"], 1);
    body_of(
        gitlab_put(&s, Some(ADMIN), "2", json!({"password": "Compiler-1953"})).await,
        200,
    )
    .await;
    assert_eq!(
        s.state().await["gitlab"]["users"][0]["password"],
        "Compiler-1953"
    );
    // Its own address and user name are no conflict; another user's are.
    body_of(
        gitlab_put(
            &s,
            Some(ADMIN),
            "2",
            json!({"email": "GRACE@example.com", "username": "grace"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        body_of(
            gitlab_put(&s, Some(ADMIN), "2", json!({"email": "ada@example.com"})).await,
            409
        )
        .await,
        json!({"message": "Email has already been taken"})
    );
    assert_eq!(
        body_of(
            gitlab_put(&s, Some(ADMIN), "2", json!({"username": "ADA"})).await,
            409
        )
        .await,
        json!({"message": "Username has already been taken"})
    );
    assert_eq!(
        body_of(
            gitlab_put(&s, Some(ADMIN), "2", json!({"password": "short"})).await,
            400
        )
        .await,
        json!({"message": {"password": ["is too short (minimum is 8 characters)"]}})
    );
    assert_eq!(
        body_of(
            gitlab_put(&s, Some(ADMIN), "99", json!({"name": "x"})).await,
            404
        )
        .await,
        json!({"message": "404 User Not Found"})
    );
    assert_eq!(
        body_of(
            gitlab_put(&s, Some(ADMIN), "grace", json!({"name": "x"})).await,
            400
        )
        .await,
        json!({"error": "id is invalid"})
    );
    assert_eq!(
        body_of(gitlab_put(&s, None, "2", json!({"name": "x"})).await, 401).await,
        json!({"message": "401 Unauthorized"})
    );
    assert_eq!(
        body_of(
            gitlab_put(&s, Some("glpat-sandbox-user"), "2", json!({"name": "x"})).await,
            403
        )
        .await,
        json!({"message": "403 Forbidden"})
    );
    // CORS as for the create: a preflight for PUT is granted, the answer is readable.
    let preflight = s
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v4/users/2", s.api),
        )
        .header("Origin", "http://127.0.0.1:8080")
        .header("Access-Control-Request-Method", "PUT")
        .header(
            "Access-Control-Request-Headers",
            "private-token, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    assert!(preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("PUT"));
    let answer = s
        .client
        .put(format!("{}/api/v4/users/2", s.api))
        .header("Origin", "http://127.0.0.1:8080")
        .header("PRIVATE-TOKEN", ADMIN)
        .json(&json!({"name": "Grace"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn gitlab_rate_limit_faults_seed_cors() {
    let s = sandbox_with(json!({"gitlab": {"rate_limit": 2, "rate_window_ms": 60000,
                                           "http500_after_insert_every": 1}}))
    .await;
    s.control("seed", json!({"gitlab": [{"email": "old@example.com", "username": "old", "password": "Old-pass-1"}]}))
        .await;
    let response = gitlab_post(&s, Some(ADMIN), gitlab_user("old", "old@example.com")).await;
    assert_eq!(response.headers()["ratelimit-limit"], "2");
    assert_eq!(response.headers()["ratelimit-remaining"], "1");
    assert_eq!(
        body_of(response, 409).await["message"],
        "Email has already been taken"
    );
    // Created, then 500.
    let response = gitlab_post(&s, Some(ADMIN), gitlab_user("new", "new@example.com")).await;
    assert_eq!(
        body_of(response, 500).await,
        json!({"message": "500 Internal Server Error"})
    );
    // Throttled: text body, Retry-After, RateLimit-*; CORS allows but does not expose them.
    let response = s
        .client
        .post(format!("{}/api/v4/users", s.api))
        .header("PRIVATE-TOKEN", ADMIN)
        .header("origin", PAGE)
        .json(&gitlab_user("third", "third@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let h = response.headers().clone();
    assert!(h["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(h["ratelimit-name"], "throttle_authenticated_api");
    assert_eq!(h["ratelimit-remaining"], "0");
    assert!(h["ratelimit-resettime"].to_str().unwrap().ends_with(" GMT"));
    assert!(h.contains_key("ratelimit-reset"));
    assert_eq!(h["access-control-allow-origin"], "*");
    let exposed = h["access-control-expose-headers"].to_str().unwrap();
    assert!(
        exposed.contains("X-Total")
            && !exposed.contains("Retry-After")
            && !exposed.contains("RateLimit")
    );
    assert_eq!(response.text().await.unwrap(), "Retry later\n");

    let response = s
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/v4/users", s.api))
        .header("origin", PAGE)
        .header(
            "access-control-request-headers",
            "private-token,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-headers"],
        "private-token,content-type"
    );
    assert_eq!(response.headers()["access-control-max-age"], "7200");
    assert_eq!(
        response.headers()["access-control-allow-methods"],
        "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    );
    assert_eq!(response.headers()["vary"], "Origin");

    let state = s.state().await;
    let names: Vec<&str> = state["gitlab"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["old", "new"]);
    assert_eq!(state["gitlab"]["rate_limited"], 1);
    assert_eq!(
        state["gitlab"]["faults_injected"]["http500_after_insert"],
        1
    );

    // CORS off: the generic 405 preflight and no header.
    s.set_config(json!({"cors": null})).await;
    let response = s
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/v4/users", s.api))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn reset_forgets_the_new_shapes_and_knobs_are_checked() {
    let s = sandbox().await;
    s.control(
        "seed",
        json!({"keycloak": ["k"], "graph": ["g@example.com"], "gitlab": ["l@example.com"]}),
    )
    .await;
    let state = s.state().await;
    for shape in ["keycloak", "graph", "gitlab"] {
        assert_eq!(
            state[shape]["users"].as_array().unwrap().len(),
            1,
            "{shape}"
        );
    }
    assert_eq!(state["config"]["keycloak"]["access_token_lifespan"], 60);
    let response = s
        .control("reset", json!({"keycloak": {"access_token_lifespan": 2}}))
        .await;
    assert_eq!(response.status(), 200);
    let state = s.state().await;
    for shape in ["keycloak", "graph", "gitlab"] {
        assert!(
            state[shape]["users"].as_array().unwrap().is_empty(),
            "{shape}"
        );
    }
    assert_eq!(state["config"]["keycloak"]["access_token_lifespan"], 2);
    for bad in [
        json!({"keycloak": {"access_token_lifespan": 0}}),
        json!({"graph": {"bogus": 1}}),
        json!({"gitlab": {"rate_window_ms": 0}}),
    ] {
        assert_eq!(s.control("config", bad).await.status(), 400);
    }
}

/// Graph's user resource has a `department` (at most 64 characters), returned only on
/// `$select`: stored at the create, absent from the default representation.
#[tokio::test]
async fn graph_department_is_stored_and_returned_on_select() {
    let s = sandbox().await;
    let mut body = graph_user("dept@example.com");
    body["department"] = json!("Vertrieb");
    let response = graph_post(&s, Some(GRAPH_TOKEN), body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert!(created.get("department").is_none(), "{created}");
    let get = |query: &'static str| {
        let s = &s;
        async move {
            let answer: Value = s
                .client
                .get(format!("{}/v1.0/users/dept@example.com{query}", s.api))
                .bearer_auth(GRAPH_TOKEN)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer
        }
    };
    assert!(get("").await.get("department").is_none());
    let selected = get("?$select=displayName,department").await;
    assert_eq!(selected["department"], "Vertrieb");
    assert_eq!(selected["displayName"], "Adele Vance");
    assert!(selected.get("userPrincipalName").is_none(), "{selected}");

    let mut long = graph_user("long@example.com");
    long["department"] = json!("x".repeat(65));
    let error = graph_error(graph_post(&s, Some(GRAPH_TOKEN), long).await, 400).await;
    assert_eq!(
        error["message"],
        "Invalid value specified for property 'department' of resource 'User'."
    );
}
