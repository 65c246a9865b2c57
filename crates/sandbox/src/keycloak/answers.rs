//! Keycloak's error answers and the latency knob, shared by its endpoints.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::state::App;
use crate::util::json_answer;

pub(super) const MAX_BODY: usize = 1024 * 1024;

pub(super) fn error(status: StatusCode, error: &str) -> Response {
    json_answer(status, &json!({ "error": error }))
}

pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_answer(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

pub(super) fn error_message(status: StatusCode, message: &str) -> Response {
    json_answer(status, &json!({ "errorMessage": message }))
}

pub(super) fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP 405 Method Not Allowed",
    )
}

pub(super) async fn pause(app: &App) {
    crate::faults::pause(app.config().keycloak.faults.latency_ms).await;
}
