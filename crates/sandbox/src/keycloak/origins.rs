//! Keycloak's CORS (`DefaultCors`): the preflight any origin gets, and the allowed
//! origins a real answer carries (the client's Web Origins).

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::config::Cors;

/// The Web Origins that decide whether a page may read an answer (see [`decorate`]): set
/// by a handler on its answer once it knows the client (the token endpoint) or the
/// token (the admin API). An answer without it allows no origin.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Vec<String>);

pub(super) fn with_origins(mut response: Response, origins: &[String]) -> Response {
    response
        .extensions_mut()
        .insert(AllowedOrigins(origins.to_vec()));
    response
}

/// `DefaultCors.DEFAULT_ALLOW_HEADERS` plus `Authorization` (preflights of `auth()` calls).
pub const PREFLIGHT_ALLOW_HEADERS: &str = "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, Authorization";

/// Is this a Keycloak path (with or without the legacy `/auth` prefix)?
pub fn is_keycloak_path(path: &str) -> bool {
    let path = path.strip_prefix("/auth").unwrap_or(path);
    path.starts_with("/realms/") || path.starts_with("/admin/realms/")
}

/// The methods a preflight allows: the token endpoint's or the admin API's.
pub(super) fn preflight_methods(path: &str) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(is_keycloak_path("/realms/x/protocol/openid-connect/token"));
        assert!(is_keycloak_path("/auth/admin/realms/x/users"));
        assert!(!is_keycloak_path("/api/v4/users"));
    }
}
