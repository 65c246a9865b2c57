//! ejabberd's `mod_http_api` over real HTTP: `register` with Basic auth, every answer
//! the source gives (a bare JSON string on success, 409 10090, 500 10001 for a malformed
//! user name and an unknown virtual host, 401 10, 403 32, the 400 strings), `status`,
//! and CORS as `mod_http_api` hard-codes it.

mod common;

use common::{sandbox, sandbox_with, Sandbox};
use reqwest::Response;
use serde_json::{json, Value};

const ADMIN: (&str, &str) = ("admin@localhost", "sandbox-xmpp-admin");

async fn register(s: &Sandbox, auth: Option<(&str, &str)>, body: Value) -> Response {
    let mut request = s.client.post(format!("{}/api/register", s.api)).json(&body);
    if let Some((jid, password)) = auth {
        request = request.basic_auth(jid, Some(password));
    }
    request.send().await.unwrap()
}

fn acao(response: &Response) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn register_answers_as_ejabberd_admin_does() {
    let s = sandbox().await;
    let ok = register(
        &s,
        Some(ADMIN),
        json!({"user": "Ann", "host": "localhost", "password": "pw-1"}),
    )
    .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(acao(&ok), Some("*"));
    assert_eq!(
        ok.json::<Value>().await.unwrap(),
        json!("User Ann@localhost successfully registered")
    );
    // nodeprep: Ann and ann are one account.
    let again = register(
        &s,
        Some(ADMIN),
        json!({"user": "ann", "host": "localhost", "password": "pw-2"}),
    )
    .await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": 10090, "message": "User ann@localhost already registered"})
    );
    let malformed = register(
        &s,
        Some(ADMIN),
        json!({"user": "ann lee", "host": "localhost", "password": "pw"}),
    )
    .await;
    assert_eq!(malformed.status(), 500);
    assert_eq!(
        malformed.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": 10001,
               "message": "Can't register user ann lee@localhost at node ejabberd@localhost: Malformed username"})
    );
    let no_host = register(
        &s,
        Some(ADMIN),
        json!({"user": "bob", "host": "elsewhere.org", "password": "pw"}),
    )
    .await;
    assert_eq!(no_host.status(), 500);
    assert_eq!(
        no_host.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": 10001, "message": "Unknown virtual host"})
    );
    let missing = register(&s, Some(ADMIN), json!({"user": "bob", "host": "localhost"})).await;
    assert_eq!(missing.status(), 400);
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        json!("Request have missing argument: password")
    );
    let extra = register(
        &s,
        Some(ADMIN),
        json!({"user": "bob", "host": "localhost", "password": "p", "email": "b@x"}),
    )
    .await;
    assert_eq!(
        extra.json::<Value>().await.unwrap(),
        json!("Request have unknown arguments: [email]")
    );
    let state = s.state().await;
    assert_eq!(
        state["ejabberd"]["users"],
        json!([{"user": "ann", "host": "localhost", "password": "pw-1"}])
    );
}

#[tokio::test]
async fn register_needs_the_admins_basic_auth() {
    let s = sandbox().await;
    let body = json!({"user": "bob", "host": "localhost", "password": "pw"});
    let wrong = register(&s, Some(("admin@localhost", "nope")), body.clone()).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(acao(&wrong), Some("*"));
    assert_eq!(
        wrong.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": 10, "message": "You are not authorized to call this command."})
    );
    let none = register(&s, None, body.clone()).await;
    assert_eq!(none.status(), 403);
    assert_eq!(none.json::<Value>().await.unwrap()["code"], 32);
    // A registered user who is not an admin.
    register(
        &s,
        Some(ADMIN),
        json!({"user": "eve", "host": "localhost", "password": "eve-pw"}),
    )
    .await;
    let user = register(&s, Some(("eve@localhost", "eve-pw")), body.clone()).await;
    assert_eq!(user.status(), 403);
    let other = sandbox_with(json!({"ejabberd": {"admin_password": "other"}})).await;
    assert_eq!(register(&other, Some(ADMIN), body).await.status(), 401);
    assert_eq!(
        s.state().await["ejabberd"]["users"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn status_is_a_bare_string_and_cors_is_mod_http_apis_whatever_the_knob() {
    let s = sandbox_with(json!({"cors": null})).await;
    let status = s
        .client
        .get(format!("{}/api/status", s.api))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    assert_eq!(
        status.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(acao(&status), Some("*"));
    let text: Value = status.json().await.unwrap();
    assert!(text
        .as_str()
        .unwrap()
        .starts_with("The node ejabberd@localhost is started"));
    let preflight = s
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/register", s.api))
        .header("Origin", "http://127.0.0.1:8080")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert_eq!(h["access-control-allow-methods"], "GET, POST, OPTIONS");
    assert_eq!(
        h["access-control-allow-headers"],
        "Content-Type, Authorization, X-Admin"
    );
    assert_eq!(h["access-control-max-age"], "86400");
    assert!(h.get("access-control-expose-headers").is_none());
}
