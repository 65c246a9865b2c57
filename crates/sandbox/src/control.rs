//! The control API under `/_sandbox/`, for tests and humans. JSON in, JSON out, CORS
//! always allowed (see `cors`).
//!
//! - `GET /_sandbox/state`: users, counters and the current knobs.
//! - `GET /_sandbox/config`: the current knobs.
//! - `POST /_sandbox/config`: merge knobs; answers the state.
//! - `POST /_sandbox/reset`: forget users, tokens, counters and rate-limit windows, go
//!   back to the configuration the server started with (the defaults unless `--config`
//!   or `--no-cors` were given), then merge the optional body; answers the state.
//! - `POST /_sandbox/seed`: pre-create users (not counted as calls, already-present
//!   ones skipped) of Aurora, Mumara, Keycloak, Graph and GitLab; answers the state.
//!
//! A bad body answers 400 `{"error": "..."}` and changes nothing.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ConfigError;
use crate::seeding::SeedError;
use crate::state::{App, AuroraUser, MumaraUser, Shared};
use crate::util::{random_uuid, unix_now, utc_datetime};

/// Is this a control API path?
pub fn is_control_path(path: &str) -> bool {
    path == "/_sandbox" || path.starts_with("/_sandbox/")
}

/// The control routes.
pub fn router() -> Router<App> {
    Router::new()
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/config", get(config).post(set_config))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/seed", post(seed))
}

/// Why a control request is refused: the 400 answer's `error`.
#[derive(Debug)]
pub enum ControlError {
    /// The body is not JSON.
    BadJson(serde_json::Error),
    /// The seed body is not the shape `/_sandbox/seed` takes.
    BadSeed(serde_json::Error),
    /// A Keycloak, Graph or GitLab seed entry refused.
    Seed(SeedError),
    /// Knobs refused.
    Config(ConfigError),
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::BadJson(e) => write!(f, "bad JSON: {e}"),
            ControlError::BadSeed(e) => write!(f, "bad seed: {e}"),
            ControlError::Seed(e) => write!(f, "{e}"),
            ControlError::Config(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ControlError {}

fn bad_request(error: ControlError) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": error.to_string() })),
    )
        .into_response()
}

/// An optional JSON object body (empty means `{}`).
fn json_body(body: &Bytes) -> Result<Value, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(ControlError::BadJson)
}

async fn state(State(app): State<App>) -> Json<Value> {
    Json(app.lock().snapshot())
}

async fn config(State(app): State<App>) -> Json<Value> {
    Json(json!(app.config()))
}

async fn set_config(State(app): State<App>, body: Bytes) -> Response {
    let patch = match json_body(&body) {
        Ok(patch) => patch,
        Err(error) => return bad_request(error),
    };
    let mut shared = app.lock();
    match shared.config.merged(&patch) {
        Ok(config) => {
            shared.config = config;
            app.log("[control] config changed");
            Json(shared.snapshot()).into_response()
        }
        Err(e) => bad_request(ControlError::Config(e)),
    }
}

async fn reset(State(app): State<App>, body: Bytes) -> Response {
    let patch = match json_body(&body) {
        Ok(patch) => patch,
        Err(error) => return bad_request(error),
    };
    match app.startup_config().merged(&patch) {
        Ok(config) => {
            let mut shared = app.lock();
            *shared = Shared::new(config);
            app.log("[control] reset");
            Json(shared.snapshot()).into_response()
        }
        Err(e) => bad_request(ControlError::Config(e)),
    }
}

/// `POST /_sandbox/seed` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default)]
    aurora: Vec<AuroraSeed>,
    #[serde(default)]
    mumara: Vec<MumaraSeed>,
    /// See `keycloak::seed`, `graph::seed`, `gitlab::seed`.
    #[serde(default)]
    keycloak: Vec<Value>,
    #[serde(default)]
    graph: Vec<Value>,
    #[serde(default)]
    gitlab: Vec<Value>,
}

/// `"a@localhost"` or `{"public_id": "a@localhost", "password": "...", "role": 2}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AuroraSeed {
    Address(String),
    User(AuroraSeedUser),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuroraSeedUser {
    public_id: String,
    #[serde(default)]
    password: String,
    #[serde(default = "normal_user")]
    role: i64,
}

fn normal_user() -> i64 {
    2
}

/// `"x@y.z"` or `{"email": "x@y.z", "name": "X", "password": "...", "package_id": 1}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum MumaraSeed {
    Email(String),
    User(MumaraSeedUser),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MumaraSeedUser {
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default = "first_package")]
    package_id: i64,
    #[serde(default = "utc")]
    timezone: String,
    #[serde(default)]
    login_ips: Option<String>,
}

fn first_package() -> i64 {
    1
}

fn utc() -> String {
    "00:00".into()
}

async fn seed(State(app): State<App>, body: Bytes) -> Response {
    let value = match json_body(&body) {
        Ok(value) => value,
        Err(error) => return bad_request(error),
    };
    let seed: Seed = match serde_json::from_value(value) {
        Ok(seed) => seed,
        Err(e) => return bad_request(ControlError::BadSeed(e)),
    };
    let mut shared = app.lock();
    // The new shapes check their entries first, so a bad one changes nothing.
    let mut trial = Shared::new(shared.config.clone());
    for (what, entries) in [
        ("keycloak", &seed.keycloak),
        ("graph", &seed.graph),
        ("gitlab", &seed.gitlab),
    ] {
        let checked = match what {
            "keycloak" => crate::keycloak::seed(&mut trial, entries.clone()),
            "graph" => crate::graph::seed(&mut trial, entries.clone()),
            _ => crate::gitlab::seed(&mut trial, entries.clone()),
        };
        if let Err(e) = checked {
            return bad_request(ControlError::Seed(e));
        }
    }
    let shapes = (
        crate::keycloak::seed(&mut shared, seed.keycloak),
        crate::graph::seed(&mut shared, seed.graph),
        crate::gitlab::seed(&mut shared, seed.gitlab),
    );
    debug_assert!(shapes.0.is_ok() && shapes.1.is_ok() && shapes.2.is_ok());
    for entry in seed.aurora {
        let user = match entry {
            AuroraSeed::Address(public_id) => AuroraSeedUser {
                public_id,
                password: String::new(),
                role: normal_user(),
            },
            AuroraSeed::User(user) => user,
        };
        if user.public_id.is_empty() || shared.aurora.find(&user.public_id).is_some() {
            continue;
        }
        shared.aurora.insert(AuroraUser {
            id: 0,
            uuid: random_uuid(),
            public_id: user.public_id,
            role: user.role,
            tenant_id: 0,
            quota_bytes: 0,
            domain_id: 0,
            password: user.password,
            seeded: true,
        });
    }
    for entry in seed.mumara {
        let user = match entry {
            MumaraSeed::Email(email) => MumaraSeedUser {
                email,
                name: String::new(),
                password: String::new(),
                package_id: first_package(),
                timezone: utc(),
                login_ips: None,
            },
            MumaraSeed::User(user) => user,
        };
        if user.email.is_empty() || shared.mumara.find(&user.email).is_some() {
            continue;
        }
        shared.mumara.insert(MumaraUser {
            id: 0,
            name: user.name,
            email: user.email,
            password: user.password,
            package_id: user.package_id,
            timezone: user.timezone,
            login_ips: user.login_ips,
            created_at: utc_datetime(unix_now()),
            seeded: true,
        });
    }
    app.log("[control] seeded");
    Json(shared.snapshot()).into_response()
}
