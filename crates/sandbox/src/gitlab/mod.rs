//! GitLab's users API: `POST /api/v4/users`, `GET /api/v4/users?username=` (or
//! `?search=`, as `User.search` matches: see `search_rank`) and `PUT /api/v4/users/:id`
//! (see [`user`]), with a
//! personal access token in `PRIVATE-TOKEN` (or `Authorization: Bearer`, or the
//! `private_token` query parameter).
//!
//! Where each answer comes from (GitLab's `lib/api/users.rb`, `lib/api/helpers.rb`,
//! `config/application.rb` and the rate-limit documentation):
//! - the `before` block (`authenticate_non_get!`) runs before Grape validates the
//!   parameters: no or an unknown token is 401 `{"message":"401 Unauthorized"}`;
//! - Grape's parameter validation (`requires :email, :name, :username`,
//!   `at_least_one_of :password, :reset_password, :force_random_password`) is 400
//!   `{"error":"email is missing, ..."}`, messages in declaration order, joined by ", ";
//! - then `authenticated_as_admin!`: a token of a user who is not an admin is 403
//!   `{"message":"403 Forbidden"}`;
//! - the user is saved; if it is not, `conflict!('Email has already been taken')` when
//!   any user has that e-mail (case-insensitive), then `conflict!('Username has already
//!   been taken')` (usernames are unique case-insensitively): 409 `{"message": ...}`;
//!   else `render_validation_error!`: 400 `{"message":{"password":["is too short
//!   (minimum is 8 characters)"]}}` (the minimum is an instance setting, 8 by default),
//!   `{"message":{"email":["is invalid"]}}`, and the username path rule's message;
//! - success: 201 with the `UserWithAdmin` entity (`id`, `username`, `name`, `state`,
//!   `email`, `is_admin`, ...);
//! - an exception: 500 `{"message":"500 Internal Server Error"}` (`handle_api_exception`);
//! - Rack::Attack throttles (off by default on a self-managed instance, hence
//!   `rate_limit: null`): 429, body `Retry later` (text/plain), `Retry-After` (seconds),
//!   `RateLimit-Name`, `RateLimit-Limit`, `RateLimit-Observed`, `RateLimit-Remaining`,
//!   `RateLimit-Reset` (Unix seconds), `RateLimit-ResetTime` (HTTP date); allowed
//!   answers carry the same `RateLimit-*` headers but `ResetTime` and `Retry-After`;
//! - CORS (`config/application.rb`, `Rack::Cors` for `/api/*`: origins `*`, credentials
//!   false, any header, any method): `Access-Control-Allow-Origin: *` on every answer,
//!   429 included, and only GitLab's own list of exposed headers (`Link`, `X-Total`,
//!   ..., `X-Request-Id`, `ETag`): **neither `Retry-After` nor `RateLimit-*` is
//!   exposed**, so a page cannot read them; a preflight is 200 with the methods,
//!   the requested headers echoed and `Access-Control-Max-Age: 7200` (rack-cors).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::config::Cors;
use crate::cors::rule::{expose, preflight_answer, PreflightRule};
use crate::faults::Fault;
use crate::form::parse_form;
use crate::ratelimit::Verdict;
use crate::seeding::SeedError;
use crate::state::{App, Shared};
use crate::util::{
    base_url, bearer, header, http_date, is_json, json_answer, query_params, unix_now,
};

pub mod model;

pub use model::{GitlabConfig, GitlabFaults, GitlabState, GitlabUser, ROOT_ID};

const MAX_BODY: usize = 1024 * 1024;

/// `Access-Control-Expose-Headers` of GitLab's `/api/*` CORS rule.
pub const EXPOSED_HEADERS: &str = "Link, X-Total, X-Total-Pages, X-Per-Page, X-Page, X-Next-Page, X-Prev-Page, X-Gitlab-Blob-Id, X-Gitlab-Commit-Id, X-Gitlab-Content-Sha256, X-Gitlab-Encoding, X-Gitlab-File-Name, X-Gitlab-File-Path, X-Gitlab-Last-Commit-Id, X-Gitlab-Ref, X-Gitlab-Size, X-Request-Id, ETag";

const RATELIMIT_NAME: HeaderName = HeaderName::from_static("ratelimit-name");
const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_OBSERVED: HeaderName = HeaderName::from_static("ratelimit-observed");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
const RATELIMIT_RESETTIME: HeaderName = HeaderName::from_static("ratelimit-resettime");

/// A `/_sandbox/seed` entry: `"x@y.z"` (username = local part) or an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Seed {
    Email(String),
    User(SeedUser),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    email: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    secondary_emails: Vec<String>,
}

/// Pre-create users (an existing e-mail or username is skipped).
pub fn seed(shared: &mut Shared, entries: Vec<Value>) -> Result<(), SeedError> {
    let mut users = Vec::new();
    for entry in entries {
        users.push(
            match serde_json::from_value::<Seed>(entry).map_err(|error| SeedError::Shape {
                protocol: "gitlab",
                error,
            })? {
                Seed::Email(email) => SeedUser {
                    email,
                    username: None,
                    name: None,
                    password: None,
                    secondary_emails: Vec::new(),
                },
                Seed::User(user) => user,
            },
        );
    }
    for user in users {
        let email = user.email.trim().to_string();
        let local = email.split('@').next().unwrap_or("").to_string();
        let username = user.username.unwrap_or_else(|| local.clone());
        if email.is_empty()
            || shared.gitlab.by_email(&email).is_some()
            || shared.gitlab.by_username(&username).is_some()
        {
            continue;
        }
        shared.gitlab.insert(GitlabUser {
            id: 0,
            username,
            name: user.name.unwrap_or(local),
            email,
            secondary_emails: user.secondary_emails,
            password: user.password,
            is_admin: false,
            skip_confirmation: true,
            created_at: created_at(),
            seeded: true,
            reset_password_sent: false,
        });
    }
    Ok(())
}

fn created_at() -> String {
    format!("{}.000Z", crate::util::iso_datetime(unix_now()))
}

/// Is this a path under GitLab's `/api/*` CORS rule (the REST API v4)?
pub fn is_gitlab_path(path: &str) -> bool {
    path.starts_with("/api/v4/")
}

/// A preflight to `/api/*` as rack-cors answers it for GitLab's rule.
pub fn preflight(cors: &Cors, request_headers: &HeaderMap) -> Option<Response> {
    let rule = PreflightRule {
        status: StatusCode::OK,
        methods: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
        max_age: "7200",
        vary: true,
    };
    Some(preflight_answer(
        cors.allow_origin()?,
        &rule,
        request_headers,
    ))
}

/// The CORS headers of a real `/api/*` answer.
pub fn decorate(cors: &Cors, response: &mut Response) {
    if let Some(origin) = cors.allow_origin() {
        expose(origin, EXPOSED_HEADERS, true, response);
    }
}

fn message(status: StatusCode, message: Value) -> Response {
    json_answer(status, &json!({ "message": message }))
}

/// The token of a request: `PRIVATE-TOKEN`, else a Bearer, else `?private_token=`.
fn token(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    header(headers, "private-token")
        .filter(|t| !t.is_empty())
        .map(String::from)
        .or_else(|| bearer(headers))
        .or_else(|| query.get("private_token").cloned())
}

/// Count one request in the throttle; `Err` is the 429, `Ok` the headers to add.
fn throttle(shared: &mut Shared, key: &str) -> Result<Option<(u64, u64, u64)>, Box<Response>> {
    let Some(limit) = shared.config.gitlab.rate_limit else {
        return Ok(None);
    };
    let window = Duration::from_millis(shared.config.gitlab.rate_window_ms);
    match shared
        .gitlab
        .limiter
        .check(key, limit, window, Instant::now())
    {
        Verdict::Allowed { limit, remaining } => {
            let reset = unix_now() + window.as_secs().max(1);
            Ok(Some((limit, remaining, reset)))
        }
        Verdict::Limited {
            limit,
            retry_after,
            reset_unix,
        } => {
            shared.gitlab.rate_limited += 1;
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "Retry later\n").into_response();
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            rate_headers(headers, limit, limit + 1, 0, reset_unix);
            if let Ok(value) = HeaderValue::from_str(&http_date(reset_unix)) {
                headers.insert(RATELIMIT_RESETTIME, value);
            }
            headers.insert(RETRY_AFTER, HeaderValue::from(retry_after));
            Err(Box::new(response))
        }
    }
}

fn rate_headers(headers: &mut HeaderMap, limit: u64, observed: u64, remaining: u64, reset: u64) {
    headers.insert(
        RATELIMIT_NAME,
        HeaderValue::from_static("throttle_authenticated_api"),
    );
    headers.insert(RATELIMIT_LIMIT, HeaderValue::from(limit));
    headers.insert(RATELIMIT_OBSERVED, HeaderValue::from(observed));
    headers.insert(RATELIMIT_REMAINING, HeaderValue::from(remaining));
    headers.insert(RATELIMIT_RESET, HeaderValue::from(reset));
}

/// `GET` / `POST /api/v4/users`.
pub async fn users(State(app): State<App>, request: Request) -> Response {
    let method = request.method().clone();
    if method != Method::POST && method != Method::GET {
        return message(
            StatusCode::METHOD_NOT_ALLOWED,
            json!("405 Method Not Allowed"),
        );
    }
    crate::faults::pause(app.config().gitlab.faults.latency_ms).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let query = query_params(parts.uri.query());
    let token = token(&parts.headers, &query);
    let base = base_url(&parts.headers);
    let (mut response, outcome) = {
        let mut shared = app.lock();
        match throttle(&mut shared, token.as_deref().unwrap_or("unauthenticated")) {
            Err(response) => (*response, "429 throttled".to_string()),
            Ok(rate) => {
                let (mut response, outcome) = if method == Method::GET {
                    list(&shared, token.as_deref(), &query, &base)
                } else {
                    let input = read_input(&parts.headers, &body);
                    create(&mut shared, token.as_deref(), &input, &base)
                };
                if let Some((limit, remaining, reset)) = rate {
                    rate_headers(
                        response.headers_mut(),
                        limit,
                        limit - remaining,
                        remaining,
                        reset,
                    );
                }
                (response, outcome)
            }
        }
    };
    app.log(format!("[gitlab] {method} /api/v4/users -> {outcome}"));
    if !response.headers().contains_key("x-request-id") {
        let id = crate::util::random_hex_token();
        if let Ok(value) = HeaderValue::from_str(&id[..26]) {
            response.headers_mut().insert("x-request-id", value);
        }
    }
    response
}

/// `PUT /api/v4/users/:id`, as `lib/api/users.rb` answers it: `authenticate_non_get!`
/// (401), Grape's `requires :id, type: Integer` (400 `{"error":"id is invalid"}`),
/// `authenticated_as_admin!` (403), `not_found!('User')` (404 `{"message":"404 User Not
/// Found"}`), `conflict!` when another user has the e-mail (any of theirs) or the user
/// name (409), the model's validations (400 `{"message":{...}}`), else 200 with the
/// `UserWithAdmin` entity. Only the keys given change: without `password` the password
/// stays.
pub async fn user(
    State(app): State<App>,
    axum::extract::Path(id): axum::extract::Path<String>,
    request: Request,
) -> Response {
    let method = request.method().clone();
    if method != Method::PUT {
        return message(
            StatusCode::METHOD_NOT_ALLOWED,
            json!("405 Method Not Allowed"),
        );
    }
    crate::faults::pause(app.config().gitlab.faults.latency_ms).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let query = query_params(parts.uri.query());
    let token = token(&parts.headers, &query);
    let base = base_url(&parts.headers);
    let (response, outcome) = {
        let mut shared = app.lock();
        match throttle(&mut shared, token.as_deref().unwrap_or("unauthenticated")) {
            Err(response) => (*response, "429 throttled".to_string()),
            Ok(rate) => {
                let input = read_input(&parts.headers, &body);
                let (mut response, outcome) =
                    update(&mut shared, token.as_deref(), &id, &input, &base);
                if let Some((limit, remaining, reset)) = rate {
                    rate_headers(
                        response.headers_mut(),
                        limit,
                        limit - remaining,
                        remaining,
                        reset,
                    );
                }
                (response, outcome)
            }
        }
    };
    app.log(format!("[gitlab] PUT /api/v4/users/{id} -> {outcome}"));
    response
}

fn update(
    shared: &mut Shared,
    token: Option<&str>,
    id: &str,
    input: &Map<String, Value>,
    base: &str,
) -> (Response, String) {
    let knobs = shared.config.gitlab.clone();
    let Some(token) = token.filter(|t| *t == knobs.admin_token || *t == knobs.user_token) else {
        return (
            message(StatusCode::UNAUTHORIZED, json!("401 Unauthorized")),
            "401 no or unknown token".into(),
        );
    };
    let Ok(id) = id.parse::<u64>() else {
        return (
            json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "id is invalid" }),
            ),
            "400 id is invalid".into(),
        );
    };
    if token != knobs.admin_token {
        return (
            message(StatusCode::FORBIDDEN, json!("403 Forbidden")),
            "403 not an admin".into(),
        );
    }
    let Some(index) = shared.gitlab.users.iter().position(|u| u.id == id) else {
        return (
            message(StatusCode::NOT_FOUND, json!("404 User Not Found")),
            "404 no such user".into(),
        );
    };
    let email = present(input, "email").then(|| text(input, "email").trim().to_string());
    let username = present(input, "username").then(|| text(input, "username").trim().to_string());
    let others = |u: &&GitlabUser| u.id != id;
    if let Some(email) = &email {
        let taken = shared.gitlab.users.iter().filter(others).any(|u| {
            u.email.eq_ignore_ascii_case(email)
                || u.secondary_emails
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(email))
        });
        if taken {
            return (
                message(StatusCode::CONFLICT, json!("Email has already been taken")),
                "409 email taken".into(),
            );
        }
    }
    if let Some(username) = &username {
        let taken = shared
            .gitlab
            .users
            .iter()
            .filter(others)
            .any(|u| u.username.eq_ignore_ascii_case(username));
        if taken {
            return (
                message(
                    StatusCode::CONFLICT,
                    json!("Username has already been taken"),
                ),
                "409 username taken".into(),
            );
        }
    }
    let name = present(input, "name").then(|| text(input, "name"));
    let password = present(input, "password").then(|| text(input, "password"));
    let mut errors = Map::new();
    if email.as_deref().is_some_and(|e| !valid_email(e)) {
        errors.insert("email".into(), json!(["is invalid"]));
    }
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        errors.insert("name".into(), json!(["can't be blank"]));
    }
    if password
        .as_deref()
        .is_some_and(|p| p.chars().count() < knobs.password_min_length)
    {
        errors.insert(
            "password".into(),
            json!([format!(
                "is too short (minimum is {} characters)",
                knobs.password_min_length
            )]),
        );
    }
    if username.as_deref().is_some_and(|u| !valid_username(u)) {
        errors.insert(
            "username".into(),
            json!(["can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'."]),
        );
    }
    if !errors.is_empty() {
        let fields: Vec<&String> = errors.keys().collect();
        let why = format!("400 invalid {fields:?}");
        return (message(StatusCode::BAD_REQUEST, Value::Object(errors)), why);
    }
    let user = &mut shared.gitlab.users[index];
    let mut changed = Vec::new();
    if let Some(email) = email.filter(|e| *e != user.email) {
        user.email = email;
        changed.push("email");
    }
    if let Some(username) = username.filter(|u| *u != user.username) {
        user.username = username;
        changed.push("username");
    }
    if let Some(name) = name.filter(|n| *n != user.name) {
        user.name = name;
        changed.push("name");
    }
    if let Some(password) = password {
        user.password = Some(password);
        changed.push("password");
    }
    shared.gitlab.update_calls += 1;
    let answer = user.with_admin(base);
    (
        json_answer(StatusCode::OK, &answer),
        format!("200 updated (id {id}: {})", changed.join(", ")),
    )
}

/// A JSON object body, else a form body (Grape reads both); other bodies have no fields.
fn read_input(headers: &HeaderMap, body: &[u8]) -> Map<String, Value> {
    if is_json(headers) {
        return match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
    }
    parse_form(header(headers, CONTENT_TYPE.as_str()), body)
        .map(|form| {
            form.into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        })
        .unwrap_or_default()
}

fn list(
    shared: &Shared,
    token: Option<&str>,
    query: &HashMap<String, String>,
    base: &str,
) -> (Response, String) {
    let knobs = &shared.config.gitlab;
    let known = token.is_some_and(|t| t == knobs.admin_token || t == knobs.user_token);
    if token.is_some() && !known {
        return (
            message(StatusCode::UNAUTHORIZED, json!("401 Unauthorized")),
            "401".into(),
        );
    }
    let username = query.get("username").filter(|u| !u.is_empty());
    if token.is_none() && username.is_none() {
        return (
            message(
                StatusCode::FORBIDDEN,
                json!("403 Forbidden - Not authorized to access /api/v4/users"),
            ),
            "403".into(),
        );
    }
    let admin = token == Some(knobs.admin_token.as_str());
    let search = query
        .get("search")
        .map(|q| q.trim_start_matches('@').to_lowercase())
        .filter(|q| !q.trim().is_empty());
    let mut matched: Vec<(u8, &GitlabUser)> = shared
        .gitlab
        .users
        .iter()
        .filter(|u| username.is_none_or(|w| u.username.eq_ignore_ascii_case(w)))
        .filter_map(|u| match &search {
            None => Some((0, u)),
            Some(q) => search_rank(u, q, admin).map(|rank| (rank, u)),
        })
        .collect();
    // `User.search`'s order: exact name, exact username, exact e-mail, then the rest,
    // each by name.
    if search.is_some() {
        matched.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    }
    let found: Vec<Value> = matched
        .into_iter()
        .map(|(_, u)| {
            if admin {
                u.with_admin(base)
            } else {
                u.basic(base)
            }
        })
        .collect();
    let count = found.len();
    (
        json_answer(StatusCode::OK, &Value::Array(found)),
        format!("200 {count} user(s)"),
    )
}

/// GitLab's `User.search` (`app/models/user.rb`, through `UsersFinder#by_search`): the
/// query (lower-cased, a leading `@` dropped) is a part of the name or the username; for
/// an admin (`with_private_emails`) also the whole primary e-mail or the whole of a
/// secondary one (`search_with_secondary_emails`). The rank `User.search` orders by:
/// 0 the name, 1 the username, 2 the e-mail exactly, 3 the rest. `None`: no match.
fn search_rank(user: &GitlabUser, query: &str, admin: bool) -> Option<u8> {
    let name = user.name.to_lowercase();
    let username = user.username.to_lowercase();
    let email = user.email.to_lowercase();
    if name == query {
        Some(0)
    } else if username == query {
        Some(1)
    } else if admin && email == query {
        Some(2)
    } else if name.contains(query)
        || username.contains(query)
        || (admin
            && user
                .secondary_emails
                .iter()
                .any(|e| e.eq_ignore_ascii_case(query)))
    {
        Some(3)
    } else {
        None
    }
}

fn present(input: &Map<String, Value>, key: &str) -> bool {
    input.get(key).is_some_and(|v| !v.is_null())
}

fn text(input: &Map<String, Value>, key: &str) -> String {
    match input.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn truthy(input: &Map<String, Value>, key: &str) -> bool {
    match input.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "true" | "1" | "yes" | "t"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// GitLab's namespace path rule for usernames.
fn valid_username(username: &str) -> bool {
    let lower = username.to_ascii_lowercase();
    !username.is_empty()
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        && !username.starts_with('-')
        && !username.starts_with('.')
        && !username.ends_with('.')
        && !lower.ends_with(".git")
        && !lower.ends_with(".atom")
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn create(
    shared: &mut Shared,
    token: Option<&str>,
    input: &Map<String, Value>,
    base: &str,
) -> (Response, String) {
    let knobs = shared.config.gitlab.clone();
    let Some(token) = token.filter(|t| *t == knobs.admin_token || *t == knobs.user_token) else {
        return (
            message(StatusCode::UNAUTHORIZED, json!("401 Unauthorized")),
            "401 no or unknown token".into(),
        );
    };
    // Grape's validations, in the order the parameters are declared.
    let mut missing = Vec::new();
    if !present(input, "email") {
        missing.push("email is missing".to_string());
    }
    if !["password", "reset_password", "force_random_password"]
        .iter()
        .any(|k| present(input, k))
    {
        missing.push(
            "password, reset_password, force_random_password are missing, at least one parameter must be provided"
                .to_string(),
        );
    }
    for key in ["name", "username"] {
        if !present(input, key) {
            missing.push(format!("{key} is missing"));
        }
    }
    if !missing.is_empty() {
        return (
            json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": missing.join(", ") }),
            ),
            "400 missing parameters".into(),
        );
    }
    if token != knobs.admin_token {
        return (
            message(StatusCode::FORBIDDEN, json!("403 Forbidden")),
            "403 not an admin".into(),
        );
    }
    shared.gitlab.create_calls += 1;
    let call = shared.gitlab.create_calls;
    if knobs.faults.hits(Fault::Http500, call) {
        shared.gitlab.faults.http500 += 1;
        return (
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!("500 Internal Server Error"),
            ),
            "500 (fault, nothing created)".into(),
        );
    }
    let email = text(input, "email").trim().to_string();
    let username = text(input, "username").trim().to_string();
    let name = text(input, "name");
    // `reset_password` (Users::BuildService): a random password, and the reset e-mail.
    let reset = truthy(input, "reset_password");
    let password = (present(input, "password") && !reset).then(|| text(input, "password"));
    if shared.gitlab.by_email(&email).is_some() {
        return (
            message(StatusCode::CONFLICT, json!("Email has already been taken")),
            "409 email taken".into(),
        );
    }
    if shared.gitlab.by_username(&username).is_some() {
        return (
            message(
                StatusCode::CONFLICT,
                json!("Username has already been taken"),
            ),
            "409 username taken".into(),
        );
    }
    let mut errors = Map::new();
    if !valid_email(&email) {
        errors.insert("email".into(), json!(["is invalid"]));
    }
    if name.trim().is_empty() {
        errors.insert("name".into(), json!(["can't be blank"]));
    }
    if let Some(password) = &password {
        if password.chars().count() < knobs.password_min_length {
            errors.insert(
                "password".into(),
                json!([format!(
                    "is too short (minimum is {} characters)",
                    knobs.password_min_length
                )]),
            );
        }
    }
    if !valid_username(&username) {
        errors.insert(
            "username".into(),
            json!(["can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'."]),
        );
    }
    if !errors.is_empty() {
        let fields: Vec<&String> = errors.keys().collect();
        let why = format!("400 invalid {fields:?}");
        return (message(StatusCode::BAD_REQUEST, Value::Object(errors)), why);
    }
    let user = GitlabUser {
        id: 0,
        username,
        email,
        secondary_emails: Vec::new(),
        name,
        password,
        is_admin: truthy(input, "admin"),
        skip_confirmation: truthy(input, "skip_confirmation"),
        created_at: created_at(),
        seeded: false,
        reset_password_sent: reset,
    };
    let answer_user = user.clone();
    let id = shared.gitlab.insert(user);
    if knobs.faults.hits(Fault::Http500AfterInsert, call) {
        shared.gitlab.faults.http500_after_insert += 1;
        return (
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!("500 Internal Server Error"),
            ),
            "500 (fault after the insert: created)".into(),
        );
    }
    let answer = GitlabUser { id, ..answer_user }.with_admin(base);
    (
        json_answer(StatusCode::CREATED, &answer),
        format!("201 created (id {id})"),
    )
}

/// `POST /api/v4/groups/:id/members` (`lib/api/members.rb`, `Members::CreateService`):
/// after authentication, Grape's validation (`requires :access_level`, values
/// `Gitlab::Access.all_values`; `user_id` or `username`) is 400 `{"error": "..."}`; the
/// group (by id, or by its full path URL-encoded) not found or not visible is 404
/// `{"message":"404 Group Not Found"}`; a token that may not admin the group's members
/// 403 `{"message":"403 Forbidden"}`; an unknown user 404 `{"message":"404 User Not
/// Found"}`; a member already there 409 `{"message":"Member already exists"}`; success
/// 201 with the member (`id`, `username`, `name`, `state`, `access_level`, …).
pub async fn group_members(
    State(app): State<App>,
    axum::extract::Path(group): axum::extract::Path<String>,
    request: Request,
) -> Response {
    if request.method() != Method::POST {
        return message(
            StatusCode::METHOD_NOT_ALLOWED,
            json!("405 Method Not Allowed"),
        );
    }
    crate::faults::pause(app.config().gitlab.faults.latency_ms).await;
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let query = query_params(parts.uri.query());
    let token = token(&parts.headers, &query);
    let base = base_url(&parts.headers);
    let input = read_input(&parts.headers, &body);
    let (response, outcome) = {
        let mut shared = app.lock();
        match throttle(&mut shared, token.as_deref().unwrap_or("unauthenticated")) {
            Err(response) => (*response, "429 throttled".to_string()),
            Ok(_) => add_member(&mut shared, token.as_deref(), &group, &input, &base),
        }
    };
    app.log(format!(
        "[gitlab] POST /api/v4/groups/{group}/members -> {outcome}"
    ));
    response
}

/// `Gitlab::Access.all_values`: Guest, Planner, Reporter, Developer, Maintainer, Owner
/// (and Minimal access).
const ACCESS_LEVELS: [u64; 7] = [5, 10, 15, 20, 30, 40, 50];

fn add_member(
    shared: &mut Shared,
    token: Option<&str>,
    group: &str,
    input: &Map<String, Value>,
    base: &str,
) -> (Response, String) {
    let knobs = shared.config.gitlab.clone();
    let Some(token) = token.filter(|t| *t == knobs.admin_token || *t == knobs.user_token) else {
        return (
            message(StatusCode::UNAUTHORIZED, json!("401 Unauthorized")),
            "401 no or unknown token".into(),
        );
    };
    let level = text(input, "access_level");
    if level.is_empty() {
        return (
            json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "access_level is missing" }),
            ),
            "400 no access_level".into(),
        );
    }
    let Some(level) = level
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|l| ACCESS_LEVELS.contains(l))
    else {
        return (
            json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "access_level does not have a valid value" }),
            ),
            "400 bad access_level".into(),
        );
    };
    if !present(input, "user_id") && !present(input, "username") {
        return (
            json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "user_id, username are missing, exactly one parameter must be provided" }),
            ),
            "400 no user".into(),
        );
    }
    let found = knobs
        .groups
        .iter()
        .find(|g| g.id.to_string() == group || g.full_path.eq_ignore_ascii_case(group));
    let Some(found) = found.cloned() else {
        return (
            message(StatusCode::NOT_FOUND, json!("404 Group Not Found")),
            "404 no such group".into(),
        );
    };
    if token != knobs.admin_token {
        return (
            message(StatusCode::FORBIDDEN, json!("403 Forbidden")),
            "403 not an admin".into(),
        );
    }
    let user = if present(input, "user_id") {
        let id = text(input, "user_id");
        shared
            .gitlab
            .users
            .iter()
            .find(|u| u.id.to_string() == id.trim())
    } else {
        shared.gitlab.by_username(&text(input, "username"))
    };
    let Some(user) = user.cloned() else {
        return (
            message(StatusCode::NOT_FOUND, json!("404 User Not Found")),
            "404 no such user".into(),
        );
    };
    if shared
        .gitlab
        .members
        .iter()
        .any(|m| m.group_id == found.id && m.user_id == user.id)
    {
        return (
            message(StatusCode::CONFLICT, json!("Member already exists")),
            "409 member exists".into(),
        );
    }
    shared.gitlab.members.push(model::GitlabMember {
        group_id: found.id,
        user_id: user.id,
        access_level: level,
    });
    let mut member = user.basic(base);
    if let Some(object) = member.as_object_mut() {
        object.insert("access_level".into(), json!(level));
        object.insert("created_at".into(), json!(created_at()));
        object.insert("expires_at".into(), Value::Null);
    }
    (
        json_answer(StatusCode::CREATED, &member),
        format!("201 member of {} (level {level})", found.full_path),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(valid_username("alice.smith"));
        assert!(valid_username("a_b-c"));
        assert!(!valid_username("-a"));
        assert!(!valid_username("a."));
        assert!(!valid_username("repo.git"));
        assert!(!valid_username("a b"));
        assert!(!valid_username("a@b"));
    }
}
