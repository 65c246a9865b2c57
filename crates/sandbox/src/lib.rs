//! Roster's local sandbox target server: an in-memory stand-in for the Aurora
//! (Afterlogic) and Mumara admin APIs, on one port, with fault knobs for tests, a control
//! API and, optionally, the built page on a second port.
//!
//! `main.rs` is only the command line; everything else is here so the integration tests
//! can [`start`] a server in-process on free ports.

pub mod aurora;
pub mod cli;
pub mod config;
pub mod control;
mod cors;
pub mod ejabberd;
pub mod faults;
mod form;
pub mod gitlab;
pub mod graph;
pub mod keycloak;
pub mod mumara;
mod ratelimit;
pub mod redirect;
pub mod seeding;
mod server;
mod state;
mod static_files;
mod util;

use std::io;
use std::path::PathBuf;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::any;
use axum::{middleware, Router};
use tokio::sync::watch;

pub use config::{
    AuroraConfig, Config, ConfigError, Cors, LoginFault, MumaraConfig, RefuseKey, RetryAfter,
    Validation,
};
pub use server::Running;
use state::App;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct Options {
    /// Port of the API and control listener; 0 picks a free one.
    pub api_port: u16,
    /// Port of the page listener (used only with `dist`); 0 picks a free one.
    pub page_port: u16,
    /// Folder of the built page to serve on the page listener.
    pub dist: Option<PathBuf>,
    /// The knobs to start with (and to go back to on reset).
    pub config: Config,
    /// Print one line per API request on stdout.
    pub log: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api_port: 8787,
            page_port: 8080,
            dist: None,
            config: Config::default(),
            log: false,
        }
    }
}

/// Bind the listeners (127.0.0.1 only) and start serving.
pub async fn start(options: Options) -> io::Result<Running> {
    let dist = match &options.dist {
        Some(dir) => {
            let dir = std::fs::canonicalize(dir)
                .map_err(|e| io::Error::new(e.kind(), format!("--dist {}: {e}", dir.display())))?;
            if !dir.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("--dist {} is not a folder", dir.display()),
                ));
            }
            Some(dir)
        }
        None => None,
    };
    let app = App::new(options.config, options.log);
    let (shutdown, stop) = watch::channel(false);

    let api_listener = server::bind(options.api_port).await?;
    let api_addr = api_listener.local_addr()?;
    let page = match dist {
        Some(dir) => {
            let listener = server::bind(options.page_port).await?;
            Some((listener.local_addr()?, listener, dir))
        }
        None => None,
    };

    let mut tasks = vec![server::spawn_accept_loop(
        api_listener,
        api_router(app),
        stop.clone(),
    )];
    let page_addr = page.map(|(addr, listener, dir)| {
        tasks.push(server::spawn_accept_loop(
            listener,
            static_files::router(dir),
            stop.clone(),
        ));
        addr
    });
    Ok(Running::new(api_addr, page_addr, shutdown, tasks))
}

/// Keycloak (also under the legacy `/auth` prefix), Microsoft Graph and GitLab.
pub(crate) fn shapes_router() -> Router<App> {
    let mut router = Router::new();
    for prefix in ["", "/auth"] {
        router = router
            .route(
                &format!("{prefix}/realms/{{realm}}/protocol/openid-connect/token"),
                any(keycloak::token),
            )
            .route(
                &format!("{prefix}/realms/{{realm}}/.well-known/openid-configuration"),
                any(keycloak::well_known),
            )
            .route(
                &format!("{prefix}/admin/realms/{{realm}}/users"),
                any(keycloak::users),
            )
            .route(
                &format!("{prefix}/admin/realms/{{realm}}/users/{{id}}"),
                any(keycloak::user),
            )
            .route(
                &format!("{prefix}/admin/realms/{{realm}}/users/{{id}}/groups/{{group}}"),
                any(keycloak::join_group),
            )
            .route(
                &format!("{prefix}/admin/realms/{{realm}}/users/{{id}}/execute-actions-email"),
                any(keycloak::execute_actions_email),
            );
    }
    router
        .route("/v1.0/users", any(graph::users))
        .route("/v1.0/users/{key}", any(graph::user))
        .route("/api/v4/users", any(gitlab::users))
        .route("/api/v4/users/{id}", any(gitlab::user))
        .route("/api/v4/groups/{group}/members", any(gitlab::group_members))
        .route("/api/register", any(ejabberd::call))
        .route("/api/status", any(ejabberd::call))
}

/// 404, except where the `redirect_slashes` knob serves a path with a slash.
async fn not_found(
    axum::extract::State(app): axum::extract::State<App>,
    request: axum::extract::Request,
) -> axum::response::Response {
    match redirect::slash_route(&app, request).await {
        Ok(response) => response,
        Err(_) => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// Aurora at `/` (and `/index.php`), Mumara at `/api/addUser`, Keycloak, Graph and GitLab
/// at their own paths, the control API under
/// `/_sandbox/`, 404 elsewhere; CORS over all of it, and `Connection: close` while a
/// connection-closing fault is on.
fn api_router(app: App) -> Router {
    Router::new()
        .route("/", any(aurora::entry))
        .route("/index.php", any(aurora::entry))
        .route("/api/addUser", any(mumara::add_user))
        .route("/login", any(mumara::login_page))
        .merge(shapes_router())
        .merge(control::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), redirect::layer))
        .layer(middleware::from_fn_with_state(app.clone(), cors::layer))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            server::fresh_connections,
        ))
        .with_state(app)
}
