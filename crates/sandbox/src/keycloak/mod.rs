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
//!   array of UserRepresentations; `GET /admin/realms/{realm}/users/{id}` → one, or 404.
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
use std::time::{Duration, Instant};

use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, CACHE_CONTROL, CONTENT_TYPE, LOCATION,
    ORIGIN, VARY, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::config::Cors;
use crate::form::parse_form;
use crate::server::{close_without_answer, ConnKill};
use crate::state::{App, Shared};
use crate::util::{
    base_url, bearer, every_hit, header, is_json, json_answer, query_params, random_hex_token,
    random_uuid, unix_millis, unix_now,
};

pub mod model;

pub use model::{
    KeycloakClient, KeycloakConfig, KeycloakFaults, KeycloakState, KeycloakToken, KeycloakUser,
};

const MAX_BODY: usize = 1024 * 1024;

/// The public client the admin CLI and scripts log in with.
pub const CLIENT_ID: &str = "admin-cli";

/// The Web Origins that decide whether a page may read an answer (see [`decorate`]): set
/// by a handler on its answer once it knows the client (the token endpoint) or the
/// token (the admin API). An answer without it allows no origin.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Vec<String>);

fn with_origins(mut response: Response, origins: &[String]) -> Response {
    response
        .extensions_mut()
        .insert(AllowedOrigins(origins.to_vec()));
    response
}

/// `DefaultCors.DEFAULT_ALLOW_HEADERS` plus `Authorization` (preflights of `auth()` calls).
pub const PREFLIGHT_ALLOW_HEADERS: &str = "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, Authorization";

/// A `/_sandbox/seed` entry: `"username"` (realm `roster`, no e-mail) or an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Seed {
    Username(String),
    User(SeedUser),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    #[serde(default = "default_seed_realm")]
    realm: String,
    username: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

fn default_seed_realm() -> String {
    "roster".into()
}

/// Pre-create users (existing usernames skipped).
pub fn seed(shared: &mut Shared, entries: Vec<Value>) -> Result<(), String> {
    let mut users = Vec::new();
    for entry in entries {
        let user = match serde_json::from_value::<Seed>(entry)
            .map_err(|e| format!("bad keycloak seed: {e}"))?
        {
            Seed::Username(username) => SeedUser {
                realm: default_seed_realm(),
                username,
                email: None,
                first_name: None,
                last_name: None,
                password: None,
            },
            Seed::User(user) => user,
        };
        if !shared.config.keycloak.realms.contains(&user.realm) {
            return Err(format!("keycloak seed: no realm {:?}", user.realm));
        }
        users.push(user);
    }
    for user in users {
        if user.username.trim().is_empty()
            || shared
                .keycloak
                .by_username(&user.realm, &user.username)
                .is_some()
        {
            continue;
        }
        shared.keycloak.users.push(KeycloakUser {
            id: random_uuid(),
            realm: user.realm,
            username: user.username.trim().to_lowercase(),
            email: user.email.map(|e| e.trim().to_lowercase()),
            first_name: user.first_name,
            last_name: user.last_name,
            enabled: true,
            email_verified: false,
            password: user.password,
            temporary_password: false,
            required_actions: Vec::new(),
            attributes: json!({}),
            created_timestamp: unix_millis(),
            seeded: true,
        });
    }
    Ok(())
}

/// Is this a Keycloak path (with or without the legacy `/auth` prefix)?
pub fn is_keycloak_path(path: &str) -> bool {
    let path = path.strip_prefix("/auth").unwrap_or(path);
    path.starts_with("/realms/") || path.starts_with("/admin/realms/")
}

/// The methods a preflight allows: the token endpoint's or the admin API's.
fn preflight_methods(path: &str) -> &'static str {
    if path.contains("/protocol/openid-connect/") {
        "POST, OPTIONS"
    } else {
        "GET, PUT, POST, DELETE"
    }
}

/// Answer a preflight to a Keycloak path as `DefaultCors` does: any origin is echoed.
pub fn preflight(request_headers: &HeaderMap, path: &str) -> Response {
    let mut response = StatusCode::OK.into_response();
    let Some(origin) = request_headers.get(ORIGIN).cloned() else {
        return response;
    };
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(preflight_methods(path)),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(PREFLIGHT_ALLOW_HEADERS),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("3600"));
    response
}

/// Add the CORS headers of a real answer: the request's origin, when the answer's
/// [`AllowedOrigins`] hold it (or `*`), and `Access-Control-Allow-Credentials: true`;
/// nothing is exposed. With the `cors` knob off, no answer allows any origin.
pub fn decorate(cors: &Cors, request_origin: Option<&HeaderValue>, response: &mut Response) {
    let Some(origin) = request_origin else {
        return;
    };
    let allowed = !matches!(cors, Cors::Off)
        && response
            .extensions()
            .get::<AllowedOrigins>()
            .is_some_and(|allowed| {
                origin
                    .to_str()
                    .is_ok_and(|o| allowed.0.iter().any(|a| a == "*" || a == o))
            });
    if allowed {
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.append(VARY, HeaderValue::from_static("Origin"));
    }
}

fn error(status: StatusCode, error: &str) -> Response {
    json_answer(status, &json!({ "error": error }))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_answer(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

fn error_message(status: StatusCode, message: &str) -> Response {
    json_answer(status, &json!({ "errorMessage": message }))
}

fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP 405 Method Not Allowed",
    )
}

async fn pause(app: &App) {
    let latency = app.config().keycloak.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
}

/// A JWT-shaped token: base64url header and claims, a random "signature".
fn jwt(realm: &str, base: &str, client_id: &str, username: &str, lifespan: u64) -> String {
    let now = unix_now();
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "sandbox"});
    let claims = json!({
        "exp": now + lifespan, "iat": now, "jti": random_uuid(),
        "iss": format!("{base}/realms/{realm}"), "typ": "Bearer", "azp": client_id,
        "preferred_username": username, "scope": "profile email",
    });
    format!(
        "{}.{}.{}{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes()),
        random_hex_token(),
        random_hex_token()
    )
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// `GET /realms/{realm}/.well-known/openid-configuration`, as `RealmsResource
/// .getWellKnownResponse` answers it: the OIDC discovery document of the realm
/// (`OIDCWellKnownProvider`), `Cache-Control: no-cache`, and CORS for **any** origin
/// (`Cors.builder().allowAllOrigins().auth()`: the origin echoed, credentials allowed),
/// whatever the `admin-cli` client allows; an unknown realm is 404 `{"error":"Realm does
/// not exist"}`. Roster's Keycloak preset diagnoses a connection with it.
pub async fn well_known(
    State(app): State<App>,
    Path(realm): Path<String>,
    request: Request,
) -> Response {
    if request.method() != Method::GET {
        return method_not_allowed();
    }
    pause(&app).await;
    let known = app.config().keycloak.realms.contains(&realm);
    if !known {
        return error(StatusCode::NOT_FOUND, "Realm does not exist");
    }
    let prefix = if request.uri().path().starts_with("/auth/") {
        "/auth"
    } else {
        ""
    };
    let issuer = format!("{}{prefix}/realms/{realm}", base_url(request.headers()));
    let oidc = format!("{issuer}/protocol/openid-connect");
    let mut response = json_answer(
        StatusCode::OK,
        &json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{oidc}/auth"),
            "token_endpoint": format!("{oidc}/token"),
            "introspection_endpoint": format!("{oidc}/token/introspect"),
            "userinfo_endpoint": format!("{oidc}/userinfo"),
            "end_session_endpoint": format!("{oidc}/logout"),
            "jwks_uri": format!("{oidc}/certs"),
            "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password", "client_credentials"],
            "response_types_supported": ["code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post", "tls_client_auth", "client_secret_jwt"],
            "scopes_supported": ["openid", "profile", "email", "roles", "web-origins", "offline_access"],
        }),
    );
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(origin) = request.headers().get(ORIGIN).cloned() {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// `POST /realms/{realm}/protocol/openid-connect/token`.
pub async fn token(
    State(app): State<App>,
    Path(realm): Path<String>,
    request: Request,
) -> Response {
    if request.method() != Method::POST {
        return method_not_allowed();
    }
    pause(&app).await;
    let kill = request.extensions().get::<ConnKill>().cloned();
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let form = parse_form(header(&parts.headers, CONTENT_TYPE.as_str()), &body).unwrap_or_default();
    let base = base_url(&parts.headers);
    let hangup = {
        let mut shared = app.lock();
        shared.keycloak.login_calls += 1;
        let hangup = shared.config.keycloak.token_hangup;
        if hangup {
            shared.keycloak.faults.token_hangup += 1;
        }
        hangup
    };
    if hangup {
        app.log(format!(
            "[keycloak] POST token (realm {realm}) -> fault token_hangup: closed without an answer"
        ));
        return close_without_answer(kill).await;
    }
    let (response, outcome) = {
        let mut shared = app.lock();
        login(&mut shared, &realm, &form, &base)
    };
    app.log(format!(
        "[keycloak] POST token (realm {realm}) -> {outcome}"
    ));
    response
}

fn login(
    shared: &mut Shared,
    realm: &str,
    form: &HashMap<String, String>,
    base: &str,
) -> (Response, String) {
    let knobs = shared.config.keycloak.clone();
    if !knobs.realms.iter().any(|r| r == realm) {
        return (
            error(StatusCode::NOT_FOUND, "Realm does not exist"),
            "404 realm does not exist".into(),
        );
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type").is_empty() {
        return (
            oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing form parameter: grant_type",
            ),
            "400 no grant_type".into(),
        );
    }
    let Some(client) = knobs
        .clients
        .iter()
        .find(|c| c.client_id == field("client_id"))
    else {
        return (
            oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            ),
            "401 invalid_client".into(),
        );
    };
    // From here on the answer carries the client's Web Origins (`checkClient`:
    // `cors.allowedOrigins(session, client)`).
    let origins = client.web_origins.clone();
    let refuse = |status, error: &str, description: &str, outcome: &str| {
        (
            with_origins(oauth_error(status, error, description), &origins),
            outcome.to_string(),
        )
    };
    if field("grant_type") != "password" {
        return refuse(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type",
            "400 unsupported_grant_type",
        );
    }
    if !client.direct_access_grants {
        return refuse(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "Client not allowed for direct access grants",
            "400 unauthorized_client",
        );
    }
    if field("username").is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing parameter: username",
            "400 no username",
        );
    }
    if !field("username").eq_ignore_ascii_case(&knobs.admin_username)
        || field("password") != knobs.admin_password
    {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "Invalid user credentials",
            "401 invalid_grant",
        );
    }
    let client_id = client.client_id.clone();
    let lifespan = knobs.access_token_lifespan;
    let access_token = jwt(realm, base, &client_id, &knobs.admin_username, lifespan);
    let now = Instant::now();
    shared
        .keycloak
        .tokens
        .retain(|_, t| t.expires + Duration::from_secs(600) > now);
    shared.keycloak.tokens.insert(
        access_token.clone(),
        KeycloakToken {
            realm: realm.to_string(),
            expires: now + Duration::from_secs(lifespan),
            allowed_origins: origins.clone(),
        },
    );
    shared.keycloak.logins += 1;
    let body = json!({
        "access_token": access_token,
        "expires_in": lifespan,
        "refresh_expires_in": 1800,
        "refresh_token": jwt(realm, base, &client_id, &knobs.admin_username, 1800),
        "token_type": "Bearer",
        "not-before-policy": 0,
        "session_state": random_uuid(),
        "scope": "profile email",
    });
    (
        with_origins(json_answer(StatusCode::OK, &body), &origins),
        format!("200 token ({lifespan} s, client {client_id})"),
    )
}

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

/// `GET /admin/realms/{realm}/users/{id}`.
pub async fn user(
    State(app): State<App>,
    Path((realm, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    if request.method() != Method::GET {
        return method_not_allowed();
    }
    pause(&app).await;
    let mut shared = app.lock();
    let origins = match authorize(&mut shared, request.headers(), &realm) {
        Ok(origins) => origins,
        Err(response) => return *response,
    };
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
    if every_hit(knobs.http500_every, call) {
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
    if every_hit(knobs.http500_after_insert_every, call) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_pads_nothing() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn paths() {
        assert!(is_keycloak_path("/realms/x/protocol/openid-connect/token"));
        assert!(is_keycloak_path("/auth/admin/realms/x/users"));
        assert!(!is_keycloak_path("/api/v4/users"));
    }
}
