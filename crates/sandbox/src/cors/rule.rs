//! The two CORS answers every server here builds, whatever its rules: a preflight's and
//! a real answer's headers. Each protocol's module decides what goes in them.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What a server's preflight answer holds besides the allowed origin.
pub struct PreflightRule {
    pub status: StatusCode,
    /// `Access-Control-Allow-Methods`.
    pub methods: &'static str,
    /// `Access-Control-Max-Age`, in seconds.
    pub max_age: &'static str,
    /// Whether the answer says `Vary: Origin`.
    pub vary: bool,
}

/// A preflight answer allowing `origin`, with `rule`'s methods and max age, and the
/// requested headers echoed back.
pub fn preflight_answer(
    origin: &str,
    rule: &PreflightRule,
    request_headers: &HeaderMap,
) -> Response {
    let mut response = rule.status.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(rule.methods),
    );
    if let Some(requested) = request_headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    headers.insert(
        ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(rule.max_age),
    );
    if rule.vary {
        headers.insert(VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// The CORS headers of a real answer: `origin` allowed, the `exposed` headers (for Aurora
/// and Mumara, the rate-limit headers, so a page can honour a 429's `Retry-After`), and
/// `Vary: Origin` when `vary`.
pub fn expose(origin: &str, exposed: &'static str, vary: bool, response: &mut Response) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(exposed),
    );
    if vary {
        headers.append(VARY, HeaderValue::from_static("Origin"));
    }
}
