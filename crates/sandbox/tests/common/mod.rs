//! Shared helpers: start a sandbox in-process on free ports and talk to it over HTTP.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Client, Response};
use roster_sandbox::{start, Config, Options, Running};
use serde_json::{json, Value};

pub const LOGIN_PARAMS: &str = r#"{"Login":"superadmin","Password":"12345"}"#;

pub struct Sandbox {
    pub running: Running,
    pub api: String,
    pub client: Client,
}

/// A client that never reuses a connection, so a closed connection is seen exactly once.
pub fn client() -> Client {
    Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub async fn sandbox() -> Sandbox {
    sandbox_with(json!({})).await
}

pub async fn sandbox_with(patch: Value) -> Sandbox {
    let config = Config::default().merged(&patch).unwrap();
    let running = start(Options {
        api_port: 0,
        page_port: 0,
        config,
        ..Options::default()
    })
    .await
    .unwrap();
    let api = running.api_url();
    Sandbox {
        running,
        api,
        client: client(),
    }
}

impl Sandbox {
    /// POST a form to `/?/Api/`.
    pub async fn aurora_form(&self, form: &[(&str, &str)], token: Option<&str>) -> Response {
        let mut request = self.client.post(format!("{}/?/Api/", self.api)).form(form);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// Call Module.Method with `params` (a JSON string) and return the envelope.
    pub async fn aurora_raw(
        &self,
        module: &str,
        method: &str,
        params: &str,
        token: Option<&str>,
    ) -> Value {
        let response = self
            .aurora_form(
                &[
                    ("Module", module),
                    ("Method", method),
                    ("Parameters", params),
                ],
                token,
            )
            .await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        response.json().await.unwrap()
    }

    pub async fn aurora(
        &self,
        module: &str,
        method: &str,
        params: Value,
        token: Option<&str>,
    ) -> Value {
        self.aurora_raw(module, method, &params.to_string(), token)
            .await
    }

    pub async fn login(&self) -> String {
        let answer = self
            .aurora_raw("AdminAuth", "LoginAsSuperadmin", LOGIN_PARAMS, None)
            .await;
        answer["Result"]["AuthToken"].as_str().unwrap().to_string()
    }

    /// The seed's CreateUser parameters for `public_id`.
    pub fn create_params(public_id: &str, password: &str) -> Value {
        json!({"UserId":0,"TenantId":0,"Role":2,"WriteSeparateLog":false,"Forced":true,
               "PublicId":public_id,"DomainId":0,"QuotaBytes":0,"Password":password})
    }

    pub async fn create(&self, token: &str, public_id: &str) -> Value {
        self.aurora(
            "Core",
            "CreateUser",
            Self::create_params(public_id, "secret-1"),
            Some(token),
        )
        .await
    }

    /// CreateUser without reading the answer (for the faults).
    pub async fn try_create(&self, token: &str, public_id: &str) -> reqwest::Result<Response> {
        let params = Self::create_params(public_id, "secret-1").to_string();
        self.client
            .post(format!("{}/?/Api/", self.api))
            .bearer_auth(token)
            .form(&[
                ("Module", "Core"),
                ("Method", "CreateUser"),
                ("Parameters", &params),
            ])
            .send()
            .await
    }

    /// POST /api/addUser with JSON.
    pub async fn mumara(&self, key: Option<&str>, body: Value) -> reqwest::Result<Response> {
        let mut request = self
            .client
            .post(format!("{}/api/addUser", self.api))
            .json(&body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send().await
    }

    pub fn mumara_user(email: &str) -> Value {
        json!({"name":"David Seagal","email":email,"password":"secret789","package_id":1,
               "timezone":"+05:00","login_ips":"192.168.1.1,192.168.1.2","response":1})
    }

    pub async fn state(&self) -> Value {
        self.client
            .get(format!("{}/_sandbox/state", self.api))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn control(&self, what: &str, body: Value) -> Response {
        self.client
            .post(format!("{}/_sandbox/{what}", self.api))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn set_config(&self, patch: Value) {
        let response = self.control("config", patch).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
}

/// The request failed at the network level: no status, not a timeout.
pub fn assert_connection_error(result: reqwest::Result<Response>) {
    match result {
        Ok(response) => panic!(
            "expected a connection error, got HTTP {}",
            response.status()
        ),
        Err(error) => {
            assert!(error.status().is_none(), "{error:?}");
            assert!(!error.is_timeout(), "{error:?}");
            assert!(error.is_request() || error.is_connect(), "{error:?}");
        }
    }
}

pub fn error_code(envelope: &Value) -> i64 {
    assert!(
        envelope.get("Result").is_none(),
        "an error has no Result: {envelope}"
    );
    envelope["ErrorCode"].as_i64().unwrap()
}
