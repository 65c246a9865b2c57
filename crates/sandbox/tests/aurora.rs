//! Aurora over real HTTP: login, CreateUser, reads, token expiry and every fault.

mod common;

use std::time::{Duration, Instant};

use common::{assert_connection_error, error_code, sandbox, sandbox_with, Sandbox, LOGIN_PARAMS};
use serde_json::{json, Value};

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn login_ok_wrong_password_and_envelopes() {
    let s = sandbox().await;
    let ok = s
        .aurora_raw("AdminAuth", "LoginAsSuperadmin", LOGIN_PARAMS, None)
        .await;
    assert_eq!(
        keys(&ok),
        [
            "@Time",
            "AuthenticatedUserId",
            "Method",
            "Module",
            "Result",
            "SubscriptionsResult"
        ]
    );
    assert_eq!(ok["Module"], "AdminAuth");
    assert_eq!(ok["Method"], "LoginAsSuperadmin");
    assert!(ok["SubscriptionsResult"].is_null());
    let token = ok["Result"]["AuthToken"].as_str().unwrap();
    assert_eq!(token.len(), 32);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));

    let wrong = s
        .aurora(
            "AdminAuth",
            "LoginAsSuperadmin",
            json!({"Login": "superadmin", "Password": "nope"}),
            None,
        )
        .await;
    assert_eq!(error_code(&wrong), 102);
    assert_eq!(
        keys(&wrong),
        [
            "@Time",
            "AuthenticatedUserId",
            "ErrorCode",
            "ErrorMessage",
            "Module",
            "SubscriptionsResult"
        ]
    );
    assert_eq!(wrong["Module"], "AdminAuth");
    assert_eq!(wrong["ErrorMessage"], "AuthError");

    // Keep-alive by default.
    let plain = s
        .aurora_form(
            &[
                ("Module", "AdminAuth"),
                ("Method", "LoginAsSuperadmin"),
                ("Parameters", LOGIN_PARAMS),
            ],
            None,
        )
        .await;
    assert!(!plain.headers().contains_key("connection"));

    s.set_config(json!({"aurora": {"superadmin_ip_denied": true}}))
        .await;
    let denied = s
        .aurora_raw("AdminAuth", "LoginAsSuperadmin", LOGIN_PARAMS, None)
        .await;
    assert_eq!(error_code(&denied), 108);
    let state = s.state().await;
    assert_eq!(state["aurora"]["logins"], 2);
    assert_eq!(
        state["aurora"]["faults_injected"]["superadmin_ip_denied"],
        1
    );
}

#[tokio::test]
async fn x_client_webclient_moves_the_token_into_a_cookie_that_wins() {
    let s = sandbox().await;
    let response = s
        .client
        .post(format!("{}/?/Api/", s.api))
        .header("X-Client", "WebClient")
        .form(&[
            ("Module", "AdminAuth"),
            ("Method", "LoginAsSuperadmin"),
            ("Parameters", LOGIN_PARAMS),
        ])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("AuthToken="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["Result"]["AuthToken"], json!(true));

    // The cookie alone authenticates, and it wins over a bad Bearer header.
    let cookie_pair = cookie.split(';').next().unwrap().to_string();
    let params = Sandbox::create_params("cookie@localhost", "pw").to_string();
    let created: Value = s
        .client
        .post(format!("{}/?/Api/", s.api))
        .header("Cookie", &cookie_pair)
        .bearer_auth("not-a-token")
        .form(&[
            ("Module", "Core"),
            ("Method", "CreateUser"),
            ("Parameters", &params),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["Result"], 1);

    // And a stale cookie wins over a good header: the reason to send credentials "omit".
    let token = s.login().await;
    let params = Sandbox::create_params("other@localhost", "pw").to_string();
    let refused: Value = s
        .client
        .post(format!("{}/?/Api/", s.api))
        .header("Cookie", "AuthToken=stale")
        .bearer_auth(&token)
        .form(&[
            ("Module", "Core"),
            ("Method", "CreateUser"),
            ("Parameters", &params),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&refused), 101);
}

#[tokio::test]
async fn create_user_success_duplicate_and_invalid_input() {
    let s = sandbox().await;
    let token = s.login().await;
    let created = s
        .aurora(
            "Core",
            "CreateUser",
            Sandbox::create_params("alice@localhost", "p123"),
            Some(&token),
        )
        .await;
    assert_eq!(created["Result"], 1);
    assert_eq!(created["Module"], "Core");
    assert_eq!(created["Method"], "CreateUser");
    assert_eq!(s.create(&token, "bob@example.com").await["Result"], 2);

    let duplicate = s.create(&token, "ALICE@localhost").await;
    assert_eq!(error_code(&duplicate), 111);
    assert_eq!(duplicate["ErrorMessage"], "UserAlreadyExists");
    assert_eq!(duplicate["Module"], "Core");

    for bad in ["no-at-sign", "a@b@c", "sp ace@x.y", "quote'@x.y", ""] {
        let answer = s.create(&token, bad).await;
        assert_eq!(error_code(&answer), 103, "{bad}");
        assert_eq!(answer["Module"], "Core");
    }
    let mut string_role = Sandbox::create_params("carol@localhost", "pw");
    string_role["Role"] = json!("2");
    assert_eq!(
        error_code(
            &s.aurora("Core", "CreateUser", string_role, Some(&token))
                .await
        ),
        103
    );
    let mut big_role = Sandbox::create_params("carol@localhost", "pw");
    big_role["Role"] = json!(4);
    assert_eq!(
        error_code(&s.aurora("Core", "CreateUser", big_role, Some(&token)).await),
        103
    );
    let mut string_bool = Sandbox::create_params("carol@localhost", "pw");
    string_bool["Forced"] = json!("true");
    assert_eq!(
        error_code(
            &s.aurora("Core", "CreateUser", string_bool, Some(&token))
                .await
        ),
        103
    );
    let garbage = s
        .aurora_raw("Core", "CreateUser", "{not json", Some(&token))
        .await;
    assert_eq!(error_code(&garbage), 103);

    // A JSON body is not read: 103 raised before dispatch, Module "".
    let response = s
        .client
        .post(format!("{}/?/Api/", s.api))
        .bearer_auth(&token)
        .json(&json!({"Module": "Core", "Method": "CreateUser",
                      "Parameters": Sandbox::create_params("json@localhost", "pw").to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(error_code(&answer), 103);
    assert_eq!(answer["Module"], "");

    // A form without Method: 103 too.
    let answer: Value = s
        .aurora_form(&[("Module", "Core")], Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&answer), 103);

    // Multipart is a form as well.
    let params = Sandbox::create_params("multi@localhost", "pw").to_string();
    let body = format!(
        "--B0UND\r\nContent-Disposition: form-data; name=\"Module\"\r\n\r\nCore\r\n\
         --B0UND\r\nContent-Disposition: form-data; name=\"Method\"\r\n\r\nCreateUser\r\n\
         --B0UND\r\nContent-Disposition: form-data; name=\"Parameters\"\r\n\r\n{params}\r\n--B0UND--\r\n"
    );
    let answer: Value = s
        .client
        .post(format!("{}/?/Api/", s.api))
        .bearer_auth(&token)
        .header("Content-Type", "multipart/form-data; boundary=B0UND")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["Result"], 3);

    let state = s.state().await;
    let users = state["aurora"]["users"].as_array().unwrap();
    let ids: Vec<&str> = users
        .iter()
        .map(|u| u["public_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["alice@localhost", "bob@example.com", "multi@localhost"]
    );
    assert_eq!(users[0]["password"], "p123");
    assert_eq!(users[0]["role"], 2);
    assert_eq!(users[0]["tenant_id"], 0);
    assert_eq!(users[0]["quota_bytes"], 0);
    assert_eq!(users[0]["id"], 1);
    // Every CreateUser POST that reached the method is counted, whatever its outcome.
    assert_eq!(state["aurora"]["create_calls"], 13);
}

#[tokio::test]
async fn tokens_are_required_and_expire_after_n_creates() {
    let s = sandbox_with(json!({"aurora": {"token_expires_after_creates": 2}})).await;
    let missing = s
        .aurora(
            "Core",
            "CreateUser",
            Sandbox::create_params("a@localhost", "pw"),
            None,
        )
        .await;
    assert_eq!(error_code(&missing), 101);
    assert_eq!(missing["Module"], "");
    assert_eq!(error_code(&s.create("made-up", "a@localhost").await), 101);
    assert_eq!(
        error_code(&s.aurora("Core", "GetUsers", json!({}), None).await),
        101
    );

    let token = s.login().await;
    assert_eq!(s.create(&token, "a1@localhost").await["Result"], 1);
    // A failed create does not use the token up.
    assert_eq!(error_code(&s.create(&token, "a1@localhost").await), 111);
    assert_eq!(s.create(&token, "a2@localhost").await["Result"], 2);
    let expired = s.create(&token, "a3@localhost").await;
    assert_eq!(error_code(&expired), 101);
    assert_eq!(expired["Module"], "");

    let fresh = s.login().await;
    assert_ne!(fresh, token);
    assert_eq!(s.create(&fresh, "a3@localhost").await["Result"], 3);
    let state = s.state().await;
    assert_eq!(state["aurora"]["faults_injected"]["token_expired"], 1);
    assert_eq!(state["aurora"]["logins"], 2);

    // Logout ends a token.
    let logout = s.aurora("Core", "Logout", json!({}), Some(&fresh)).await;
    assert_eq!(logout["Result"], true);
    assert_eq!(error_code(&s.create(&fresh, "a4@localhost").await), 101);
}

#[tokio::test]
async fn get_users_pages_and_searches() {
    let s = sandbox().await;
    let token = s.login().await;
    for address in [
        "anna@localhost",
        "bob@localhost",
        "Bobby@example.com",
        "carl@example.com",
        "dora@localhost",
    ] {
        s.create(&token, address).await;
    }
    let page = |offset: i64, limit: i64, search: &str| json!({"TenantId": 0, "Offset": offset, "Limit": limit, "Search": search});
    let first = s
        .aurora("Core", "GetUsers", page(0, 2, ""), Some(&token))
        .await;
    assert_eq!(first["Result"]["Count"], 5);
    let items = first["Result"]["Items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        keys(&items[0]),
        [
            "Groups",
            "Id",
            "IsDisabled",
            "Name",
            "PublicId",
            "Role",
            "UUID"
        ]
    );
    assert_eq!(items[0]["PublicId"], "anna@localhost");
    assert_eq!(items[0]["Id"], 1);
    assert_eq!(items[0]["IsDisabled"], false);
    assert_eq!(items[0]["Groups"], json!([]));
    assert_eq!(items[0]["UUID"].as_str().unwrap().len(), 36);

    let last = s
        .aurora("Core", "GetUsers", page(4, 2, ""), Some(&token))
        .await;
    assert_eq!(last["Result"]["Items"].as_array().unwrap().len(), 1);
    assert_eq!(last["Result"]["Items"][0]["PublicId"], "dora@localhost");

    let search = s
        .aurora("Core", "GetUsers", page(0, 10, "BOB"), Some(&token))
        .await;
    assert_eq!(search["Result"]["Count"], 2);
    let found: Vec<&str> = search["Result"]["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["PublicId"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["bob@localhost", "Bobby@example.com"]);

    let paged_search = s
        .aurora("Core", "GetUsers", page(1, 1, "bob"), Some(&token))
        .await;
    assert_eq!(paged_search["Result"]["Count"], 2);
    assert_eq!(
        paged_search["Result"]["Items"][0]["PublicId"],
        "Bobby@example.com"
    );

    let wrong_type = s
        .aurora("Core", "GetUsers", json!({"Limit": "10"}), Some(&token))
        .await;
    assert_eq!(error_code(&wrong_type), 103);
}

#[tokio::test]
async fn tenants_domains_unknown_methods_and_pages() {
    let s = sandbox().await;
    let token = s.login().await;
    let tenants = s
        .aurora("Core", "GetTenants", json!({}), Some(&token))
        .await;
    assert_eq!(
        tenants["Result"],
        json!({"Items": [{"Id": 1, "Name": "Default", "SiteName": ""}], "Count": 1})
    );

    s.create(&token, "x@example.com").await;
    let domains = s
        .aurora(
            "MailDomains",
            "GetDomains",
            json!({"TenantId": 1}),
            Some(&token),
        )
        .await;
    assert_eq!(domains["Module"], "MailDomains");
    assert_eq!(domains["Result"]["Count"], 2);
    assert_eq!(
        domains["Result"]["Items"][1],
        json!({"Id": 2, "Name": "example.com", "TenantId": 1, "MailServerId": 1, "Count": 1})
    );
    let zero = s
        .aurora(
            "MailDomains",
            "GetDomains",
            json!({"TenantId": 0}),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&zero), 103);
    s.set_config(json!({"aurora": {"domains": ["corp.test"]}}))
        .await;
    let domains = s
        .aurora(
            "MailDomains",
            "GetDomains",
            json!({"TenantId": 1}),
            Some(&token),
        )
        .await;
    assert_eq!(domains["Result"]["Items"][0]["Name"], "corp.test");
    assert_eq!(domains["Result"]["Count"], 1);

    let blocked = s
        .aurora(
            "Core",
            "GetUserByPublicId",
            json!({"PublicId": "x@example.com"}),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&blocked), 116);
    assert_eq!(blocked["Module"], "Core");

    let page = s.client.get(format!("{}/", s.api)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("Aurora sandbox"));
    let missing = s
        .client
        .get(format!("{}/nothing-here", s.api))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn drop_every_closes_the_connection_and_creates_nothing() {
    let s = sandbox_with(json!({"aurora": {"drop_every": 2}})).await;
    let token = s.login().await;
    let first = s.try_create(&token, "u1@localhost").await.unwrap();
    assert_eq!(first.status(), 200);
    // While a connection-closing fault is on, no connection is reused (a browser would
    // silently resend a request whose reused connection closed).
    assert_eq!(first.headers()["connection"], "close");
    assert_connection_error(s.try_create(&token, "u2@localhost").await);
    let third: Value = s
        .try_create(&token, "u3@localhost")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(third["Result"], 2);
    let state = s.state().await;
    let users: Vec<&str> = state["aurora"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["public_id"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["u1@localhost", "u3@localhost"]);
    assert_eq!(state["aurora"]["faults_injected"]["drop"], 1);
    assert_eq!(state["aurora"]["create_calls"], 3);
}

#[tokio::test]
async fn lost_answer_creates_the_user_then_closes_the_connection() {
    let s = sandbox_with(json!({"aurora": {"lost_answer_every": 2}})).await;
    let token = s.login().await;
    s.create(&token, "u1@localhost").await;
    assert_connection_error(s.try_create(&token, "u2@localhost").await);
    let state = s.state().await;
    assert_eq!(state["aurora"]["users"][1]["public_id"], "u2@localhost");
    assert_eq!(state["aurora"]["faults_injected"]["lost_answer"], 1);
    // The retry of the ambiguous row learns "already exists".
    assert_eq!(error_code(&s.create(&token, "u2@localhost").await), 111);
}

#[tokio::test]
async fn http500_result_false_and_error0_create_nothing() {
    let s = sandbox_with(json!({"aurora": {"http500_every": 3}})).await;
    let token = s.login().await;
    s.create(&token, "a@localhost").await;
    s.create(&token, "b@localhost").await;
    let fatal = s.try_create(&token, "c@localhost").await.unwrap();
    assert_eq!(fatal.status(), 500);
    assert!(fatal.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(fatal.text().await.unwrap().contains("Fatal error"));

    s.set_config(json!({"aurora": {"http500_every": null, "result_false_every": 4}}))
        .await;
    let result_false = s.create(&token, "d@localhost").await;
    assert_eq!(result_false["Result"], false);
    assert!(result_false.get("ErrorCode").is_none());

    s.set_config(json!({"aurora": {"result_false_every": 0, "error0_every": 5}}))
        .await;
    let error0 = s.create(&token, "e@localhost").await;
    assert_eq!(error_code(&error0), 0);
    assert_eq!(error0["ErrorMessage"], "Reserved address");

    let state = s.state().await;
    assert_eq!(state["aurora"]["users"].as_array().unwrap().len(), 2);
    let faults = &state["aurora"]["faults_injected"];
    assert_eq!(
        (
            faults["http500"].as_u64(),
            faults["result_false"].as_u64(),
            faults["error0"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
}

#[tokio::test]
async fn license_limit_create_denied_and_latency() {
    let s = sandbox_with(json!({"aurora": {"license_limit": 1}})).await;
    let token = s.login().await;
    assert_eq!(s.create(&token, "a@localhost").await["Result"], 1);
    let limit = s.create(&token, "b@localhost").await;
    assert_eq!(error_code(&limit), 115);
    assert_eq!(limit["ErrorMessage"], "LicenseLimit");

    s.set_config(json!({"aurora": {"license_limit": null, "create_denied": true}}))
        .await;
    assert_eq!(error_code(&s.create(&token, "b@localhost").await), 108);

    s.set_config(json!({"aurora": {"create_denied": false, "latency_ms": 150}}))
        .await;
    let started = Instant::now();
    assert_eq!(s.create(&token, "b@localhost").await["Result"], 2);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn create_requests_counts_each_address_asked_for_whatever_the_answer() {
    let s = sandbox_with(json!({"aurora": {"drop_every": 3}})).await;
    let token = s.login().await;
    s.try_create(&token, "A1@localhost").await.unwrap();
    // Asked again: answered "exists", counted again.
    s.try_create(&token, "a1@localhost").await.unwrap();
    // Closed without an answer (drop_every): still asked for.
    assert_connection_error(s.try_create(&token, "a2@localhost").await);
    s.try_create(&token, "a3@localhost").await.unwrap();
    let state = s.state().await;
    assert_eq!(
        state["aurora"]["create_requests"],
        json!({"a1@localhost": 2, "a2@localhost": 1, "a3@localhost": 1})
    );
    assert_eq!(state["aurora"]["create_calls"], 4);
}

/// `Core.UpdateUser` as `Traits/Users.php` answers the superadmin: `Result: true`, the
/// role replaced (-1 leaves it), an unknown `UserId` refused with 103, a wrong type 103,
/// no token 101; CORS as for every call of the Web API.
#[tokio::test]
async fn update_user_changes_the_role_and_refuses_an_unknown_id() {
    let s = sandbox().await;
    let token = s.login().await;
    let id = s.create(&token, "ann@localhost").await["Result"]
        .as_i64()
        .unwrap();
    let role = |state: &Value| state["aurora"]["users"][0]["role"].clone();
    assert_eq!(role(&s.state().await), 2);

    let updated = s
        .aurora(
            "Core",
            "UpdateUser",
            json!({"UserId": id, "TenantId": 0, "Role": 1}),
            Some(&token),
        )
        .await;
    assert_eq!(updated["Result"], true);
    assert_eq!(updated["Method"], "UpdateUser");
    let state = s.state().await;
    assert_eq!(role(&state), 1);
    assert_eq!(state["aurora"]["users"][0]["public_id"], "ann@localhost");
    assert_eq!(state["aurora"]["update_calls"], 1);

    // Role -1 (the default) leaves the role; an empty PublicId leaves the address.
    let kept = s
        .aurora(
            "Core",
            "UpdateUser",
            json!({"UserId": id, "PublicId": "", "Role": -1}),
            Some(&token),
        )
        .await;
    assert_eq!(kept["Result"], true);
    assert_eq!(role(&s.state().await), 1);

    let unknown = s
        .aurora(
            "Core",
            "UpdateUser",
            json!({"UserId": id + 100, "Role": 2}),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&unknown), 103);
    assert!(unknown.get("Result").is_none(), "{unknown}");
    let typed = s
        .aurora(
            "Core",
            "UpdateUser",
            json!({"UserId": id, "Role": "2"}),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&typed), 103);
    let no_token = s
        .aurora("Core", "UpdateUser", json!({"UserId": id, "Role": 2}), None)
        .await;
    assert_eq!(error_code(&no_token), 101);
    let state = s.state().await;
    assert_eq!(role(&state), 1);
    assert_eq!(state["aurora"]["update_calls"], 5);

    // CORS: the same grant as CreateUser's (the request's origin, with credentials).
    let response = reqwest::Client::new()
        .post(format!("{}/?/Api/", s.api))
        .header("Origin", "http://127.0.0.1:8080")
        .bearer_auth(&token)
        .form(&[
            ("Module", "Core"),
            ("Method", "UpdateUser"),
            ("Parameters", &format!(r#"{{"UserId":{id},"Role":3}}"#)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        response.headers()["access-control-allow-credentials"],
        "true"
    );
    assert_eq!(role(&s.state().await), 3);
}
