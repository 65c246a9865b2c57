//! The steps after a create (issue 24) on the sandbox's shapes: Keycloak's group
//! membership and execute-actions-email, GitLab's group members and `reset_password`,
//! answered as the real servers do and recorded in the state.

mod common;

use common::{sandbox, sandbox_with, Sandbox};
use reqwest::Response;
use serde_json::{json, Value};

const PAGE: &str = "http://127.0.0.1:8080";
const STAFF: &str = "5b0f3c7e-1d2a-4c4e-9f00-000000000001";
const GITLAB_ADMIN: &str = "glpat-sandbox-admin";

async fn kc_token(s: &Sandbox, client: &str) -> String {
    let response = s
        .client
        .post(format!(
            "{}/realms/master/protocol/openid-connect/token",
            s.api
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client),
            ("username", "admin"),
            ("password", "admin"),
        ])
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    answer["access_token"].as_str().unwrap().to_string()
}

/// Creates `username` in realm `roster`; its id from the Location.
async fn kc_create(s: &Sandbox, token: &str, username: &str, email: Option<&str>) -> String {
    let mut user = json!({"username": username, "enabled": true});
    if let Some(email) = email {
        user["email"] = json!(email);
    }
    let response = s
        .client
        .post(format!("{}/admin/realms/roster/users", s.api))
        .bearer_auth(token)
        .json(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location.rsplit('/').next().unwrap().to_owned()
}

async fn kc_put(s: &Sandbox, token: Option<&str>, path: &str, body: Option<Value>) -> Response {
    let mut request = s
        .client
        .put(format!("{}/admin/realms/roster/users/{path}", s.api))
        .header("origin", PAGE);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn json_of(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

#[tokio::test]
async fn keycloak_joins_groups_and_sends_the_invitation_as_keycloak_does() {
    let s = sandbox().await;
    let token = kc_token(&s, "roster").await;
    let ann = kc_create(&s, &token, "ann", Some("ann@example.com")).await;
    let bob = kc_create(&s, &token, "bob", None).await;

    // Joining: 204, no body; twice is still 204 and one membership. The page may read
    // it (the roster client's Web Origins), as every admin answer.
    let response = kc_put(&s, Some(&token), &format!("{ann}/groups/{STAFF}"), None).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    assert_eq!(response.text().await.unwrap(), "");
    let again = kc_put(&s, Some(&token), &format!("{ann}/groups/{STAFF}"), None).await;
    assert_eq!(again.status(), 204);
    // An unknown group, an unknown user, no token.
    let e = json_of(
        kc_put(&s, Some(&token), &format!("{ann}/groups/nope"), None).await,
        404,
    )
    .await;
    assert_eq!(e, json!({"error": "Group not found"}));
    let e = json_of(
        kc_put(&s, Some(&token), &format!("x/groups/{STAFF}"), None).await,
        404,
    )
    .await;
    assert_eq!(e, json!({"error": "User not found"}));
    let response = kc_put(&s, None, &format!("{ann}/groups/{STAFF}"), None).await;
    assert_eq!(response.status(), 401);

    // The invitation: 204 for a user with an address; 400 without one.
    let body = Some(json!(["UPDATE_PASSWORD"]));
    let response = kc_put(
        &s,
        Some(&token),
        &format!("{ann}/execute-actions-email"),
        body.clone(),
    )
    .await;
    assert_eq!(response.status(), 204);
    let e = json_of(
        kc_put(
            &s,
            Some(&token),
            &format!("{bob}/execute-actions-email"),
            body,
        )
        .await,
        400,
    )
    .await;
    assert_eq!(e, json!({"errorMessage": "User email missing"}));

    let state = s.state().await;
    assert_eq!(
        state["keycloak"]["memberships"],
        json!([{"user_id": ann, "username": "ann", "group_id": STAFF}])
    );
    assert_eq!(
        state["keycloak"]["emails"],
        json!([{"user_id": ann, "username": "ann", "actions": ["UPDATE_PASSWORD"]}])
    );
}

#[tokio::test]
async fn keycloak_without_mail_settings_fails_the_invitation_with_500() {
    let s = sandbox_with(json!({"keycloak": {"smtp": false}})).await;
    let token = kc_token(&s, "roster").await;
    let ann = kc_create(&s, &token, "ann", Some("ann@example.com")).await;
    let e = json_of(
        kc_put(
            &s,
            Some(&token),
            &format!("{ann}/execute-actions-email"),
            Some(json!(["UPDATE_PASSWORD"])),
        )
        .await,
        500,
    )
    .await;
    assert!(e["errorMessage"]
        .as_str()
        .unwrap()
        .starts_with("Failed to send execute actions email"));
    assert_eq!(s.state().await["keycloak"]["emails"], json!([]));
}

async fn gitlab(s: &Sandbox, path: &str, token: Option<&str>, body: Value) -> Response {
    let mut request = s
        .client
        .post(format!("{}/api/v4/{path}", s.api))
        .header("origin", PAGE)
        .json(&body);
    if let Some(token) = token {
        request = request.header("PRIVATE-TOKEN", token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn gitlab_adds_group_members_and_resets_passwords_as_gitlab_does() {
    let s = sandbox().await;
    let user = json_of(
        gitlab(&s, "users", Some(GITLAB_ADMIN), json!({"email": "grace@example.com", "username": "grace", "name": "Grace Hopper", "reset_password": true, "skip_confirmation": true})).await,
        201,
    )
    .await;
    let id = user["id"].as_u64().unwrap();

    // By id and by full path (URL-encoded), with an access level.
    let member = json_of(
        gitlab(
            &s,
            "groups/31/members",
            Some(GITLAB_ADMIN),
            json!({"user_id": id, "access_level": 30}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(member["username"], "grace");
    assert_eq!(member["access_level"], 30);
    let response = gitlab(
        &s,
        "groups/staff%2Fdevs/members",
        Some(GITLAB_ADMIN),
        json!({"user_id": id, "access_level": 40}),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    // Again: 409; no such group, user or level; no token.
    let e = json_of(
        gitlab(
            &s,
            "groups/31/members",
            Some(GITLAB_ADMIN),
            json!({"user_id": id, "access_level": 30}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(e, json!({"message": "Member already exists"}));
    let e = json_of(
        gitlab(
            &s,
            "groups/999/members",
            Some(GITLAB_ADMIN),
            json!({"user_id": id, "access_level": 30}),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(e, json!({"message": "404 Group Not Found"}));
    let e = json_of(
        gitlab(
            &s,
            "groups/31/members",
            Some(GITLAB_ADMIN),
            json!({"user_id": 999, "access_level": 30}),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(e, json!({"message": "404 User Not Found"}));
    let e = json_of(
        gitlab(
            &s,
            "groups/31/members",
            Some(GITLAB_ADMIN),
            json!({"user_id": id, "access_level": 35}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(
        e,
        json!({"error": "access_level does not have a valid value"})
    );
    let response = gitlab(
        &s,
        "groups/31/members",
        None,
        json!({"user_id": id, "access_level": 30}),
    )
    .await;
    assert_eq!(response.status(), 401);

    let state = s.state().await;
    assert_eq!(
        state["gitlab"]["members"],
        json!([
            {"group_id": 31, "user_id": id, "access_level": 30},
            {"group_id": 32, "user_id": id, "access_level": 40}
        ])
    );
    let grace = &state["gitlab"]["users"][0];
    assert_eq!(grace["reset_password_sent"], true);
    assert_eq!(grace["password"], Value::Null);
}
