//! The `redirect_slashes` knob: an API whose routes are declared with a trailing slash,
//! behind a router that redirects the path without it. This is Starlette's `Router`
//! (FastAPI's default, `redirect_slashes=True`, `starlette/routing.py`): when no route
//! matches a path but one matches it with a slash added, it answers
//! `307 Temporary Redirect` with `Location:` the same URL with that path (absolute, from
//! `Host`), for every method, with an empty body; the middleware around the router (CORS)
//! decorates that answer like any other, and a CORS preflight is answered before routing.
//!
//! With `"redirect_slashes": ["/api/v4/users"]`, a request to `/api/v4/users` (any method
//! but `OPTIONS`) is answered 307 to `/api/v4/users/`, and `/api/v4/users/` is served by
//! the handler of `/api/v4/users`. Every request that arrives at a slash path is recorded
//! (`GET /_sandbox/state` → `redirects.arrivals`: method, path, whether it carried a
//! credential header, its body length), so a test can tell a client that followed the
//! redirect with its token and body from one that did not.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, HOST, LOCATION};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::state::App;
pub use crate::state::{Arrival, RedirectState};

/// Answers 307 for a knob's path (a middleware over the matched routes, inside CORS).
pub async fn layer(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let redirected =
        request.method() != Method::OPTIONS && app.config().redirect_slashes.contains(&path);
    if !redirected {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let query = request
        .uri()
        .query()
        .map_or_else(String::new, |q| format!("?{q}"));
    let location = format!("http://{host}{path}/{query}");
    app.lock().redirects.served += 1;
    app.log(format!(
        "{} {path} -> 307 {location} (redirect_slashes)",
        request.method()
    ));
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The answer for a path no route matches: a knob's slash path is recorded and served by
/// the route without the slash; anything else is `None` (the plain 404).
pub async fn slash_route(app: &App, request: Request) -> Result<Response, Request> {
    let path = request.uri().path().to_string();
    let Some(route) = path
        .strip_suffix('/')
        .filter(|p| app.config().redirect_slashes.iter().any(|k| k == p))
        .map(str::to_owned)
    else {
        return Err(request);
    };
    app.lock().redirects.arrivals.push(Arrival {
        method: request.method().to_string(),
        path: path.clone(),
        credential: has_credential(request.headers()),
        body_bytes: request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0),
    });
    app.log(format!(
        "{} {path} (redirect_slashes target)",
        request.method()
    ));
    let (mut parts, body) = request.into_parts();
    let query = parts
        .uri
        .query()
        .map_or_else(String::new, |q| format!("?{q}"));
    parts.uri = match format!("{route}{query}").parse::<Uri>() {
        Ok(uri) => uri,
        Err(_) => return Ok(StatusCode::NOT_FOUND.into_response()),
    };
    let inner = crate::shapes_router().with_state(app.clone());
    Ok(
        match inner.oneshot(Request::from_parts(parts, body)).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
    )
}

fn has_credential(headers: &HeaderMap) -> bool {
    headers.contains_key(AUTHORIZATION) || headers.contains_key("private-token")
}
