//! The realm's OpenID endpoints: the password grant at the token endpoint (JWT-shaped
//! tokens with a lifespan) and the discovery document.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE,
    ORIGIN,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::form::parse_form;
use crate::server::{close_without_answer, ConnKill};
use crate::state::{App, Shared};
use crate::util::{base_url, header, json_answer, random_hex_token, random_uuid, unix_now};

use super::answers::*;
use super::model::KeycloakToken;
use super::origins::*;

/// A JWT-shaped token: base64url header and claims, a random "signature".
pub(super) fn jwt(
    realm: &str,
    base: &str,
    client_id: &str,
    username: &str,
    lifespan: u64,
) -> String {
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

pub(super) fn base64url(bytes: &[u8]) -> String {
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

pub(super) fn login(
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
}
