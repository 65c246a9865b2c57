//! Two rows, one account (issue 20): the answers that tell whose account is there, as
//! the real servers give them. GitLab's users API answers 409 "Email has already been
//! taken" for any user's primary *or secondary* address (`User.by_any_email`), so that
//! answer never proves the account is the row's; its `GET /users?username=` gives the
//! user name's account with its primary address. Keycloak checks the user name, then
//! the e-mail, each with its own 409 message.

mod common;

use common::sandbox;
use serde_json::{json, Value};

const ADMIN: &str = "glpat-sandbox-admin";

#[tokio::test]
async fn gitlab_matches_secondary_addresses_and_lists_a_user_name_with_its_address() {
    let s = sandbox().await;
    s.control(
        "seed",
        json!({"gitlab": [{"email": "john@a.org", "username": "john",
                           "secondary_emails": ["jd@b.org"], "password": "Old-pass-1"}]}),
    )
    .await;
    let post = |username: &str, email: &str| {
        s.client
            .post(format!("{}/api/v4/users", s.api))
            .header("PRIVATE-TOKEN", ADMIN)
            .json(&json!({"email": email, "username": username, "name": "J D",
                          "password": "Compiler-1952", "skip_confirmation": true}))
            .send()
    };
    // Another user name, with john's secondary address: the e-mail is taken.
    let r = post("jdoe", "JD@b.org").await.unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"message": "Email has already been taken"}));
    // A free address, john's user name: the user name is taken.
    let r = post("John", "new@c.org").await.unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"message": "Username has already been taken"}));
    // The lookup the GitLab preset's exists check sends.
    let r = s
        .client
        .get(format!("{}/api/v4/users?username=john", s.api))
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let found: Value = r.json().await.unwrap();
    assert_eq!(found[0]["username"], "john");
    assert_eq!(found[0]["email"], "john@a.org");
    let r = s
        .client
        .get(format!("{}/api/v4/users?username=nobody", s.api))
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));
}

/// The look-up the GitLab preset sends after "Email has already been taken", to name the
/// other account: `GET /api/v4/users?search=<address>` as `User.search` answers it: an
/// admin finds the user whose primary or secondary address it is; anyone else finds
/// nobody by an address (private e-mails).
#[tokio::test]
async fn gitlab_search_finds_the_user_of_a_primary_or_secondary_address_for_an_admin() {
    let s = sandbox().await;
    s.control(
        "seed",
        json!({"gitlab": [
            {"email": "john@a.org", "username": "john", "name": "John A",
             "secondary_emails": ["jd@b.org"], "password": "Old-pass-1"},
            {"email": "ann@a.org", "username": "ann", "name": "Ann B", "password": "Old-pass-2"}
        ]}),
    )
    .await;
    let search = |q: &str, token: &'static str| {
        s.client
            .get(format!("{}/api/v4/users", s.api))
            .query(&[("search", q)])
            .header("PRIVATE-TOKEN", token)
            .header("Origin", "http://page.example")
            .send()
    };
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    for (q, want) in [
        ("JD@b.org", vec!["john"]),
        ("john@a.org", vec!["john"]),
        ("ann@a.org", vec!["ann"]),
        ("nobody@x.org", vec![]),
        // A part of a name or a user name, as `fuzzy_arel_match`.
        ("n", vec!["ann", "john"]),
    ] {
        let r = search(q, ADMIN).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "*",
            "CORS as for the other calls"
        );
        assert_eq!(names(&r.json().await.unwrap()), want, "{q}");
    }
    let r = search("jd@b.org", "glpat-sandbox-user").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(names(&r.json().await.unwrap()), Vec::<String>::new());
}

#[tokio::test]
async fn keycloak_says_which_identity_is_taken() {
    let s = sandbox().await;
    s.control(
        "seed",
        json!({"keycloak": [{"realm": "roster", "username": "john", "email": "john@a.org"}]}),
    )
    .await;
    let token: Value = s
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
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let post = |username: &str, email: &str| {
        s.client
            .post(format!("{}/admin/realms/roster/users", s.api))
            .bearer_auth(&token)
            .json(&json!({"username": username, "email": email, "enabled": true}))
            .send()
    };
    let r = post("jdoe", "John@A.org").await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errorMessage": "User exists with same email"})
    );
    let r = post("JOHN", "other@a.org").await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errorMessage": "User exists with same username"})
    );
}
