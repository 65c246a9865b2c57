//! Keycloak: the OpenID Connect password grant and the admin REST API's users, on the
//! sandbox's API port (also under the legacy `/auth` prefix of Keycloak before 17).
//!
//! - `POST /realms/{realm}/protocol/openid-connect/token` (form `grant_type=password`,
//!   `client_id=admin-cli`, `username`, `password`) → 200 `{"access_token", "expires_in",
//!   "refresh_expires_in", "refresh_token", "token_type": "Bearer", "not-before-policy",
//!   "session_state", "scope"}`;
//! - `POST /admin/realms/{realm}/users` (Bearer, a UserRepresentation) → 201, no body,
//!   `Location: <base>/admin/realms/{realm}/users/{id}`;
//! - `GET /admin/realms/{realm}/users?username=&email=&exact=&search=&first=&max=` → an
//!   array of UserRepresentations; `GET /admin/realms/{realm}/users/{id}` → one, or 404;
//! - `PUT /admin/realms/{realm}/users/{id}/groups/{groupId}` and
//!   `PUT /admin/realms/{realm}/users/{id}/execute-actions-email` (see `groups`).
//!
//! Where each answer comes from:
//! - Keycloak's `UsersResource.createUser` (services/.../resources/admin/UsersResource.java):
//!   a blank username is 400 `{"errorMessage":"User name is missing"}`; an existing
//!   username is `ErrorResponse.exists("User exists with same username")`, an existing
//!   e-mail (unless the realm allows duplicate e-mails) `"User exists with same email"`,
//!   both 409 `{"errorMessage": ...}`; success is `Response.created(<request URL>/<id>)`:
//!   201 with a `Location` and no body.
//! - Keycloak stores usernames and e-mails in lower case (`KeycloakModelUtils`), so
//!   `Alice` and `alice` are the same user.
//! - `AdminRoot.authenticateRealmAdminRequest`: no, unknown or expired token →
//!   `NotAuthorizedException("Bearer")`: 401 with `WWW-Authenticate: Bearer`, rendered by
//!   `KeycloakErrorHandler` as `{"error":"HTTP 401 Unauthorized"}` (the exception's
//!   message as `error`, Keycloak 20+). Other exceptions the same way: an unknown realm
//!   on the token endpoint `{"error":"Realm does not exist"}` (404), a body that is not
//!   JSON 400 and an uncaught server error 500 `{"error":"unknown_error"}`.
//! - The token endpoint (`TokenEndpoint`, `ResourceOwnerPasswordCredentialsGrantType`):
//!   wrong user or password → 401 `{"error":"invalid_grant","error_description":"Invalid
//!   user credentials"}`; an unknown client → 401 `invalid_client`; no `grant_type` →
//!   400 `invalid_request` "Missing form parameter: grant_type"; another grant →
//!   400 `unsupported_grant_type`. Tokens live `accessTokenLifespan` seconds (a realm
//!   setting, 60 by default), so a long run must log in again.
//! - CORS (keycloak/keycloak `services/.../cors/DefaultCors.java`, `AdminRoot.java`,
//!   `TokenEndpoint.java`): a preflight is answered 200 for any origin (`DefaultCors.add`
//!   skips the origin check for preflights) with the origin echoed,
//!   `Access-Control-Allow-Credentials: true`, the endpoint's methods, Keycloak's fixed
//!   header list plus `Authorization`, `Access-Control-Max-Age: 3600`. A real answer
//!   carries `Access-Control-Allow-Origin` only when the request's origin is among the
//!   allowed ones (or they hold `*`). The token endpoint allows its client's Web Origins
//!   once it knows the client (`TokenEndpoint.checkClient`: `cors.allowedOrigins(session,
//!   client)`, so an unknown client or a form without `grant_type` gets none); the admin
//!   API allows the token's `allowed-origins` claim (`AdminRoot.getRealmsAdmin`:
//!   `Cors.add(request).allowedOrigins(auth.getToken())`), which is its client's Web
//!   Origins. `admin-cli` has none (Keycloak creates it so), so a page on another origin can read neither the login's answer
//!   nor the admin API's with an `admin-cli` token: it needs a public client with Direct
//!   access grants on and the page's origin in its Web Origins (knob `clients`). With the
//!   `cors` knob off, no answer allows any origin. No header is exposed.
//!
//! Sandbox choices: the admin (`admin_username` / `admin_password`) can log in to every
//! realm of `realms`; a token from `master` works on every realm, one from another realm
//! only there (elsewhere 403 `{"error":"HTTP 403 Forbidden"}`). The access token is a
//! JWT-shaped string (header, claims, random signature) whose claims are not checked.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::header::{LOCATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::faults::Fault;
use crate::state::{App, Shared};
use crate::util::{base_url, bearer, is_json, json_answer, query_params, random_uuid, unix_millis};

mod answers;
mod groups;
mod login;
pub mod model;
mod origins;
mod seed;

use answers::*;
pub use groups::{execute_actions_email, join_group};
pub use login::{token, well_known};
use origins::*;
pub use origins::{decorate, is_keycloak_path, preflight, AllowedOrigins, PREFLIGHT_ALLOW_HEADERS};
pub use seed::seed;

pub use model::{
    KeycloakClient, KeycloakConfig, KeycloakFaults, KeycloakState, KeycloakToken, KeycloakUser,
};

/// The public client the admin CLI and scripts log in with.
pub const CLIENT_ID: &str = "admin-cli";

/// Check the bearer token for an admin request on `realm`: the token's allowed origins,
/// or the answer. `AdminRoot.getRealmsAdmin` authenticates first, then adds CORS from the
/// token (`Cors.add(request).allowedOrigins(auth.getToken())`, i.e. the token's
/// `allowed-origins` claim, its client's Web Origins), then hands over to the realm's
/// resources: a missing or unknown token's 401 comes before any CORS header; the realm's
/// 404 and 403 come after. An expired token's 401 carries its origins here (the sandbox's
/// choice: the page can then read the 401 and log in again).
fn authorize(
    shared: &mut Shared,
    headers: &HeaderMap,
    realm: &str,
) -> Result<Vec<String>, Box<Response>> {
    let unauthorized = |origins: &[String]| {
        let mut response = error(StatusCode::UNAUTHORIZED, "HTTP 401 Unauthorized");
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        with_origins(response, origins)
    };
    let Some(token) = bearer(headers) else {
        return Err(Box::new(unauthorized(&[])));
    };
    let Some(found) = shared.keycloak.tokens.get(&token).cloned() else {
        return Err(Box::new(unauthorized(&[])));
    };
    let origins = found.allowed_origins;
    if found.expires <= Instant::now() {
        shared.keycloak.faults.token_expired += 1;
        return Err(Box::new(unauthorized(&origins)));
    }
    if !shared.config.keycloak.realms.iter().any(|r| r == realm) {
        return Err(Box::new(with_origins(
            error(StatusCode::NOT_FOUND, "Realm not found."),
            &origins,
        )));
    }
    if found.realm != "master" && found.realm != realm {
        return Err(Box::new(with_origins(
            error(StatusCode::FORBIDDEN, "HTTP 403 Forbidden"),
            &origins,
        )));
    }
    Ok(origins)
}

/// `GET` / `POST /admin/realms/{realm}/users`.
pub async fn users(
    State(app): State<App>,
    Path(realm): Path<String>,
    request: Request,
) -> Response {
    let method = request.method().clone();
    if method != Method::POST && method != Method::GET {
        return method_not_allowed();
    }
    pause(&app).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let (response, outcome) = {
        let mut shared = app.lock();
        match authorize(&mut shared, &parts.headers, &realm) {
            Err(response) => {
                let response = *response;
                let status = response.status().as_u16();
                (response, format!("{status} refused"))
            }
            Ok(origins) if method == Method::GET => {
                let params = query_params(parts.uri.query());
                let found = search(&shared, &realm, &params);
                let count = found.as_array().map_or(0, Vec::len);
                (
                    with_origins(json_answer(StatusCode::OK, &found), &origins),
                    format!("200 {count} user(s)"),
                )
            }
            Ok(origins) => {
                let location = format!("{}{}", base_url(&parts.headers), parts.uri.path());
                let (response, outcome) =
                    create(&mut shared, &realm, &parts.headers, &body, &location);
                (with_origins(response, &origins), outcome)
            }
        }
    };
    app.log(format!(
        "[keycloak] {method} users (realm {realm}) -> {outcome}"
    ));
    response
}

/// `GET` and `PUT /admin/realms/{realm}/users/{id}`. The PUT is `UserResource.updateUser`:
/// 404 `{"error":"User not found"}` for an unknown id, the user profile's checks (409
/// `User exists with same username` / `… same email` when another user of the realm has
/// it, 400 `User name is missing` for an empty one), then only the fields given change
/// (`updateUserFromRep`: a field left out stays), a `password` credential sets the
/// password (`createCredentials`), and the answer is 204 with no body.
pub async fn user(
    State(app): State<App>,
    Path((realm, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let method = request.method().clone();
    if method != Method::GET && method != Method::PUT {
        return method_not_allowed();
    }
    pause(&app).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let mut shared = app.lock();
    let origins = match authorize(&mut shared, &parts.headers, &realm) {
        Ok(origins) => origins,
        Err(response) => return *response,
    };
    if method == Method::PUT {
        let (response, outcome) = update(&mut shared, &realm, &id, &parts.headers, &body);
        drop(shared);
        app.log(format!(
            "[keycloak] PUT user {id} (realm {realm}) -> {outcome}"
        ));
        return with_origins(response, &origins);
    }
    let response = match shared
        .keycloak
        .users
        .iter()
        .find(|u| u.realm == realm && u.id == id)
    {
        Some(user) => json_answer(StatusCode::OK, &user.representation()),
        None => error(StatusCode::NOT_FOUND, "User not found"),
    };
    with_origins(response, &origins)
}

/// `UsersResource.getUsers`: `search` (substring of username, e-mail, names), else the
/// `username` / `email` / `firstName` / `lastName` filters (substring, or equal with
/// `exact=true`), all case-insensitive; `first` / `max` (100 by default) paginate.
fn search(shared: &Shared, realm: &str, params: &HashMap<String, String>) -> Value {
    let exact = params.get("exact").is_some_and(|v| v == "true");
    let matches = |value: Option<&str>, wanted: &str| {
        let (value, wanted) = (value.unwrap_or("").to_lowercase(), wanted.to_lowercase());
        if exact {
            value == wanted
        } else {
            value.contains(&wanted)
        }
    };
    let first: usize = params
        .get("first")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let max: usize = params
        .get("max")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let found: Vec<Value> = shared
        .keycloak
        .users
        .iter()
        .filter(|u| u.realm == realm)
        .filter(|u| match params.get("search") {
            Some(term) => {
                let term = term.trim().trim_matches('*').to_lowercase();
                [
                    Some(u.username.as_str()),
                    u.email.as_deref(),
                    u.first_name.as_deref(),
                    u.last_name.as_deref(),
                ]
                .iter()
                .any(|v| v.unwrap_or("").to_lowercase().contains(&term))
            }
            None => {
                params
                    .get("username")
                    .is_none_or(|w| matches(Some(&u.username), w))
                    && params
                        .get("email")
                        .is_none_or(|w| matches(u.email.as_deref(), w))
                    && params
                        .get("firstName")
                        .is_none_or(|w| matches(u.first_name.as_deref(), w))
                    && params
                        .get("lastName")
                        .is_none_or(|w| matches(u.last_name.as_deref(), w))
            }
        })
        .skip(first)
        .take(max)
        .map(KeycloakUser::representation)
        .collect();
    Value::Array(found)
}

fn text(rep: &Map<String, Value>, key: &str) -> Option<String> {
    rep.get(key).and_then(Value::as_str).map(str::to_string)
}

fn update(
    shared: &mut Shared,
    realm: &str,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response, String) {
    let Some(index) = shared
        .keycloak
        .users
        .iter()
        .position(|u| u.realm == realm && u.id == id)
    else {
        return (
            error(StatusCode::NOT_FOUND, "User not found"),
            "404 no such user".into(),
        );
    };
    if !is_json(headers) {
        return (
            error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "HTTP 415 Unsupported Media Type",
            ),
            "415 not JSON".into(),
        );
    }
    let Ok(Value::Object(rep)) = serde_json::from_slice::<Value>(body) else {
        return (
            error(StatusCode::BAD_REQUEST, "unknown_error"),
            "400 bad JSON".into(),
        );
    };
    let username = text(&rep, "username").map(|u| u.trim().to_lowercase());
    if username.as_deref() == Some("") {
        return (
            error_message(StatusCode::BAD_REQUEST, "User name is missing"),
            "400 no username".into(),
        );
    }
    let email = text(&rep, "email").map(|e| e.trim().to_lowercase());
    let others = |u: &&KeycloakUser| u.realm == realm && u.id != id;
    if let Some(username) = &username {
        if shared
            .keycloak
            .users
            .iter()
            .filter(others)
            .any(|u| u.username == *username)
        {
            return (
                error_message(StatusCode::CONFLICT, "User exists with same username"),
                "409 username exists".into(),
            );
        }
    }
    if let Some(email) = email.as_ref().filter(|e| !e.is_empty()) {
        let duplicates = shared.config.keycloak.duplicate_emails_allowed;
        let taken = shared
            .keycloak
            .users
            .iter()
            .filter(others)
            .any(|u| u.email.as_deref() == Some(email.as_str()));
        if taken && !duplicates {
            return (
                error_message(StatusCode::CONFLICT, "User exists with same email"),
                "409 email exists".into(),
            );
        }
    }
    let password = rep
        .get("credentials")
        .and_then(Value::as_array)
        .and_then(|credentials| {
            credentials.iter().find(|c| {
                c.get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "password")
            })
        })
        .and_then(|c| c.get("value").and_then(Value::as_str).map(String::from));
    let user = &mut shared.keycloak.users[index];
    let mut changed = Vec::new();
    if let Some(username) = username {
        user.username = username;
    }
    if let Some(email) = email {
        user.email = Some(email).filter(|e| !e.is_empty());
        changed.push("email");
    }
    if let Some(first) = text(&rep, "firstName") {
        user.first_name = Some(first);
        changed.push("firstName");
    }
    if let Some(last) = text(&rep, "lastName") {
        user.last_name = Some(last);
        changed.push("lastName");
    }
    if let Some(enabled) = rep.get("enabled").and_then(Value::as_bool) {
        user.enabled = enabled;
    }
    if let Some(password) = password {
        user.password = Some(password);
        changed.push("password");
    }
    shared.keycloak.update_calls += 1;
    (
        StatusCode::NO_CONTENT.into_response(),
        format!("204 updated ({})", changed.join(", ")),
    )
}

fn create(
    shared: &mut Shared,
    realm: &str,
    headers: &HeaderMap,
    body: &[u8],
    location_base: &str,
) -> (Response, String) {
    let knobs = shared.config.keycloak.clone();
    shared.keycloak.create_calls += 1;
    let call = shared.keycloak.create_calls;
    if knobs.faults.hits(Fault::Http500, call) {
        shared.keycloak.faults.http500 += 1;
        return (
            error(StatusCode::INTERNAL_SERVER_ERROR, "unknown_error"),
            "500 (fault, nothing created)".into(),
        );
    }
    if !is_json(headers) {
        return (
            error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "HTTP 415 Unsupported Media Type",
            ),
            "415 not JSON".into(),
        );
    }
    let rep = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(rep)) => rep,
        _ => {
            return (
                error(StatusCode::BAD_REQUEST, "unknown_error"),
                "400 bad JSON".into(),
            )
        }
    };
    let username = text(&rep, "username").unwrap_or_default();
    if username.trim().is_empty() {
        return (
            error_message(StatusCode::BAD_REQUEST, "User name is missing"),
            "400 no username".into(),
        );
    }
    let email = text(&rep, "email").filter(|e| !e.trim().is_empty());
    if shared
        .keycloak
        .by_username(realm, username.trim())
        .is_some()
    {
        return (
            error_message(StatusCode::CONFLICT, "User exists with same username"),
            "409 username exists".into(),
        );
    }
    if let Some(email) = &email {
        if !knobs.duplicate_emails_allowed
            && shared.keycloak.by_email(realm, email.trim()).is_some()
        {
            return (
                error_message(StatusCode::CONFLICT, "User exists with same email"),
                "409 email exists".into(),
            );
        }
    }
    let password = rep
        .get("credentials")
        .and_then(Value::as_array)
        .and_then(|credentials| {
            credentials.iter().find(|c| {
                c.get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "password")
            })
        });
    let user = KeycloakUser {
        id: random_uuid(),
        realm: realm.to_string(),
        username: username.trim().to_lowercase(),
        email: email.map(|e| e.trim().to_lowercase()),
        first_name: text(&rep, "firstName"),
        last_name: text(&rep, "lastName"),
        enabled: rep.get("enabled").and_then(Value::as_bool).unwrap_or(false),
        email_verified: rep
            .get("emailVerified")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        password: password.and_then(|c| c.get("value").and_then(Value::as_str).map(String::from)),
        temporary_password: password
            .and_then(|c| c.get("temporary").and_then(Value::as_bool))
            .unwrap_or(false),
        required_actions: rep
            .get("requiredActions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        attributes: rep.get("attributes").cloned().unwrap_or(json!({})),
        created_timestamp: unix_millis(),
        seeded: false,
    };
    let id = user.id.clone();
    shared.keycloak.users.push(user);
    if knobs.faults.hits(Fault::Http500AfterInsert, call) {
        shared.keycloak.faults.http500_after_insert += 1;
        return (
            error(StatusCode::INTERNAL_SERVER_ERROR, "unknown_error"),
            "500 (fault after the insert: created)".into(),
        );
    }
    let mut response = StatusCode::CREATED.into_response();
    let location = format!("{}/{id}", location_base.trim_end_matches('/'));
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    (response, "201 created".into())
}
