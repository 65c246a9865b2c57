//! A user's groups and the invitation e-mail, as Keycloak's `UserResource` answers them:
//!
//! - `PUT /admin/realms/{realm}/users/{id}/groups/{groupId}` (`UserResource.joinGroup`):
//!   after the admin authentication (401 / the realm's 404 / 403 as for the users), an
//!   unknown user is 404 `{"error":"User not found"}` (`UsersResource.user`), an unknown
//!   group `NotFoundException("Group not found")`: 404 `{"error":"Group not found"}`;
//!   joining is 204 with no body, also when the user is a member already (only a user
//!   who is not a direct member joins).
//! - `PUT /admin/realms/{realm}/users/{id}/execute-actions-email` (a JSON array of
//!   required actions, e.g. `["UPDATE_PASSWORD"]`; `UserResource.executeActionsEmail`):
//!   a user without an e-mail is 400 `{"errorMessage":"User email missing"}`, a
//!   disabled one 400 `{"errorMessage":"User is disabled"}`; when the realm cannot send
//!   (`EmailException`) 500 `{"errorMessage":"Failed to send execute actions email: …"}`;
//!   else the e-mail goes and the answer is 204 with no body. A body that is not a list
//!   of texts is 400, as JAX-RS answers a body it cannot read.
//!
//! CORS: the token's allowed origins, as on every admin answer (`authorize`).

use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::answers::*;
use super::authorize;
use super::origins::with_origins;
use crate::state::App;

/// `PUT /admin/realms/{realm}/users/{id}/groups/{groupId}`.
pub async fn join_group(
    State(app): State<App>,
    Path((realm, id, group)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    if request.method() != Method::PUT {
        return method_not_allowed();
    }
    pause(&app).await;
    let (response, outcome) = {
        let mut shared = app.lock();
        match authorize(&mut shared, request.headers(), &realm) {
            Err(response) => {
                let status = response.status().as_u16();
                (*response, format!("{status} refused"))
            }
            Ok(origins) => {
                let user = shared
                    .keycloak
                    .users
                    .iter()
                    .any(|u| u.realm == realm && u.id == id);
                let known = shared
                    .config
                    .keycloak
                    .groups
                    .iter()
                    .any(|g| g.realm == realm && g.id == group);
                let (response, outcome) = if !user {
                    (
                        error(StatusCode::NOT_FOUND, "User not found"),
                        "404 no user",
                    )
                } else if !known {
                    (
                        error(StatusCode::NOT_FOUND, "Group not found"),
                        "404 no group",
                    )
                } else {
                    let pair = (id.clone(), group.clone());
                    if !shared.keycloak.memberships.contains(&pair) {
                        shared.keycloak.memberships.push(pair);
                    }
                    (StatusCode::NO_CONTENT.into_response(), "204 joined")
                };
                (with_origins(response, &origins), outcome.to_owned())
            }
        }
    };
    app.log(format!(
        "[keycloak] PUT users/{id}/groups/{group} (realm {realm}) -> {outcome}"
    ));
    response
}

/// `PUT /admin/realms/{realm}/users/{id}/execute-actions-email`.
pub async fn execute_actions_email(
    State(app): State<App>,
    Path((realm, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    if request.method() != Method::PUT {
        return method_not_allowed();
    }
    pause(&app).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let (response, outcome) =
        {
            let mut shared = app.lock();
            match authorize(&mut shared, &parts.headers, &realm) {
                Err(response) => {
                    let status = response.status().as_u16();
                    (*response, format!("{status} refused"))
                }
                Ok(origins) => {
                    let user = shared
                        .keycloak
                        .users
                        .iter()
                        .find(|u| u.realm == realm && u.id == id)
                        .cloned();
                    let actions = serde_json::from_slice::<Vec<String>>(&body).ok();
                    let smtp = shared.config.keycloak.smtp;
                    let (response, outcome) = match (user, actions) {
                    (None, _) => (error(StatusCode::NOT_FOUND, "User not found"), "404 no user"),
                    (Some(_), None) => (
                        error(StatusCode::BAD_REQUEST, "HTTP 400 Bad Request"),
                        "400 not a list of actions",
                    ),
                    (Some(user), Some(_)) if user.email.is_none() => (
                        error_message(StatusCode::BAD_REQUEST, "User email missing"),
                        "400 no e-mail",
                    ),
                    (Some(user), Some(_)) if !user.enabled => (
                        error_message(StatusCode::BAD_REQUEST, "User is disabled"),
                        "400 disabled",
                    ),
                    (Some(_), Some(_)) if !smtp => (
                        error_message(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "Failed to send execute actions email: Please provide a valid address",
                        ),
                        "500 cannot send",
                    ),
                    (Some(user), Some(actions)) => {
                        shared.keycloak.emails.push((user.id, actions));
                        (StatusCode::NO_CONTENT.into_response(), "204 e-mail sent")
                    }
                };
                    (with_origins(response, &origins), outcome.to_owned())
                }
            }
        };
    app.log(format!(
        "[keycloak] PUT users/{id}/execute-actions-email (realm {realm}) -> {outcome}"
    ));
    response
}
