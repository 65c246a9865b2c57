//! CORS, one switch for both protocols (the `cors` knob), as a middleware over every route.
//!
//! On (`"*"` or one origin): a preflight `OPTIONS` to any path is answered 204 with the
//! allowed origin, methods, the requested headers echoed back (as Aurora's
//! `AllowCrossDomainRequestsFromOrigin` does) and a max age; every other answer,
//! errors included, gets the allowed origin and exposes the rate-limit headers so the
//! page can read `Retry-After`.
//!
//! Off: `OPTIONS` is answered 405 with no CORS header and answers carry none, so a
//! browser blocks everything, exactly as with a real server nobody configured.
//!
//! That generic answer is the one Roster's diagnosis gives as a reverse-proxy rule for
//! Mumara, which documents no CORS of its own. Aurora's API (`/`, `/index.php`) answers as
//! the Aurora framework's `Application::Start` does with `AllowCrossDomainRequestsFromOrigin`
//! set (see [`aurora_preflight`]): no max age, so a browser asks again every few seconds.
//! Keycloak, Graph and GitLab paths answer CORS as those servers do (each module's
//! `preflight` and `decorate`, driven by the same `cors` knob); see their documentation.
//!
//! The control API (`/_sandbox/...`) always allows CORS (the configured origin, else `*`),
//! and its preflights are not counted.

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    ALLOW, ORIGIN,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub(crate) mod rule;

pub use rule::{expose, preflight_answer, PreflightRule};

use crate::config::Cors;
use crate::control::is_control_path;
use crate::state::App;
use crate::{ejabberd, gitlab, graph, keycloak};

/// The headers a page may read from an API answer.
pub const EXPOSED_HEADERS: &str =
    "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
/// `Access-Control-Allow-Methods` of a preflight answer.
pub const ALLOWED_METHODS: &str = "POST, GET, OPTIONS";
/// `Access-Control-Max-Age` of a preflight answer, in seconds.
pub const MAX_AGE: &str = "600";

/// The CORS middleware (see the module documentation).
pub async fn layer(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let control = is_control_path(&path);
    let configured = app.config().cors;
    let allow_origin = match configured.allow_origin() {
        Some(origin) => Some(origin.to_string()),
        None if control => Some("*".to_string()),
        None => None,
    };
    let specific = allow_origin.as_deref().is_some_and(|o| o != "*");
    let shape = Shape::of(&path);

    if request.method() == Method::OPTIONS {
        if let Some(response) =
            shape.and_then(|s| s.preflight(&configured, request.headers(), &path))
        {
            app.lock().preflights += 1;
            app.log(format!(
                "OPTIONS {path} preflight -> {}",
                response.status().as_u16()
            ));
            return response;
        }
        let response = match &allow_origin {
            Some(origin) => preflight_answer(
                origin,
                &PreflightRule {
                    status: StatusCode::NO_CONTENT,
                    methods: ALLOWED_METHODS,
                    max_age: MAX_AGE,
                    vary: specific,
                },
                request.headers(),
            ),
            None => {
                let mut response =
                    (StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed").into_response();
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, POST"));
                response
            }
        };
        if !control {
            app.lock().preflights += 1;
            app.log(format!(
                "OPTIONS {path} preflight -> {}{}",
                response.status().as_u16(),
                if allow_origin.is_some() {
                    ""
                } else {
                    " (CORS off: no CORS headers)"
                }
            ));
        }
        return response;
    }

    if let Some(shape) = shape {
        let request_headers = request.headers().clone();
        let origin = request_headers.get(ORIGIN).cloned();
        let mut response = next.run(request).await;
        shape.decorate(
            &configured,
            &request_headers,
            origin.as_ref(),
            &mut response,
        );
        return response;
    }
    let mut response = next.run(request).await;
    if let Some(origin) = allow_origin {
        expose(&origin, EXPOSED_HEADERS, specific, &mut response);
    }
    response
}

/// Aurora's preflight with `AllowCrossDomainRequestsFromOrigin` set (Aurora framework,
/// `system/Application.php`, `Start`): HTTP 200 with no body; the allowed origin (the
/// request's own `Origin` for `*`, since `*` does not work with cookies) and
/// `Access-Control-Allow-Credentials: true`; `Access-Control-Allow-Methods: GET, POST,
/// OPTIONS` when a method is asked about and the requested headers echoed. No max age and
/// no `Vary`. `None` when the setting is empty: the generic 405 applies.
pub fn aurora_preflight(cors: &Cors, request_headers: &HeaderMap) -> Option<Response> {
    let mut response = StatusCode::OK.into_response();
    let origin = aurora_origin(cors, request_headers)?;
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    if request_headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
    }
    if let Some(requested) = request_headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    Some(response)
}

/// The origin Aurora allows: the configured one, or for `*` the request's (none for a
/// request without one, which no browser sends cross-origin).
fn aurora_origin(cors: &Cors, request_headers: &HeaderMap) -> Option<HeaderValue> {
    match cors {
        Cors::Off => None,
        Cors::Any => request_headers.get(ORIGIN).cloned(),
        Cors::Origin(only) => HeaderValue::from_str(only).ok(),
    }
}

/// The CORS headers on every Aurora answer: the allowed origin and credentials; nothing
/// is exposed.
fn aurora_decorate(cors: &Cors, request_headers: &HeaderMap, response: &mut Response) {
    if let Some(origin) = aurora_origin(cors, request_headers) {
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

/// A server whose CORS answers the sandbox reproduces on its own paths.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Aurora,
    Keycloak,
    Graph,
    Gitlab,
    Ejabberd,
}

impl Shape {
    fn of(path: &str) -> Option<Shape> {
        if path == "/" || path == "/index.php" {
            Some(Shape::Aurora)
        } else if keycloak::is_keycloak_path(path) {
            Some(Shape::Keycloak)
        } else if graph::is_graph_path(path) {
            Some(Shape::Graph)
        } else if gitlab::is_gitlab_path(path) {
            Some(Shape::Gitlab)
        } else if ejabberd::is_ejabberd_path(path) {
            Some(Shape::Ejabberd)
        } else {
            None
        }
    }

    /// The preflight answer; `None` when CORS is off and the generic 405 applies.
    fn preflight(self, cors: &Cors, headers: &HeaderMap, path: &str) -> Option<Response> {
        match self {
            Shape::Aurora => aurora_preflight(cors, headers),
            // Keycloak answers every preflight, configured or not.
            Shape::Keycloak => Some(keycloak::preflight(headers, path)),
            Shape::Graph => graph::preflight(cors, headers),
            Shape::Gitlab => gitlab::preflight(cors, headers),
            // mod_http_api answers every preflight itself, whatever the knob says.
            Shape::Ejabberd => Some(ejabberd::preflight(false)),
        }
    }

    fn decorate(
        self,
        cors: &Cors,
        request_headers: &HeaderMap,
        origin: Option<&HeaderValue>,
        response: &mut Response,
    ) {
        match self {
            Shape::Aurora => aurora_decorate(cors, request_headers, response),
            Shape::Keycloak => keycloak::decorate(cors, origin, response),
            Shape::Graph => graph::decorate(cors, response),
            Shape::Gitlab => gitlab::decorate(cors, response),
            Shape::Ejabberd => ejabberd::decorate(response),
        }
    }
}
