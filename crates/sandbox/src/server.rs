//! The accept loop, and the one thing axum alone cannot do: close a connection without
//! answering.
//!
//! Each accepted connection is served by hyper's HTTP/1.1 server (keep-alive on) and
//! given a [`ConnKill`], put into the extensions of every request it carries. A handler
//! that wants the client to see a network error (a dropped request, a lost answer) fires
//! it and never returns; the connection task, which `select!`s between the connection
//! and the kill signal, then drops the socket with nothing written.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::state::App;

/// Closes the connection that carried a request, without an answer.
#[derive(Clone, Default)]
pub struct ConnKill(Arc<Notify>);

impl ConnKill {
    fn fire(&self) {
        self.0.notify_one();
    }
}

/// Close the connection of the request whose [`ConnKill`] this is, answering nothing:
/// the client sees a network error. Outside the sandbox's accept loop (no `ConnKill`)
/// there is nothing to close, so it answers a recognisable 500 instead.
pub async fn close_without_answer(kill: Option<ConnKill>) -> Response {
    match kill {
        Some(kill) => {
            kill.fire();
            // The connection task drops this future together with the connection.
            std::future::pending::<Response>().await
        }
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "sandbox fault: this connection would have been closed without an answer",
        )
            .into_response(),
    }
}

/// Middleware: while a knob that closes connections is on, every answer carries
/// `Connection: close`, so each request travels on a fresh connection.
///
/// Why: a browser that sees a *reused* keep-alive connection close before any answer
/// assumes the server had timed the idle connection out and silently sends the request
/// again on a new one (Chromium does this even for POST). The page would then never see
/// the injected network error, and the retry would shift the "every Nth" counting. On a
/// fresh connection the error reaches the page, as it would from a real failing server.
pub async fn fresh_connections(
    State(app): State<App>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if app.config().closes_connections() {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Bind a listener on 127.0.0.1 only (`port` 0: any free port).
pub async fn bind(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await
}

/// Serve `router` on `listener` until `shutdown` turns true (or its sender goes away).
pub fn spawn_accept_loop(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(serve_connection(stream, router.clone(), shutdown.clone()));
                    }
                    // Out of file descriptors and the like: breathe, then go on.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                _ = shutdown.changed() => break,
            }
        }
    })
}

async fn serve_connection(stream: TcpStream, router: Router, mut shutdown: watch::Receiver<bool>) {
    let kill = ConnKill::default();
    let for_requests = kill.clone();
    let service = service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(for_requests.clone());
        let router = router.clone();
        async move {
            let response = router.oneshot(request.map(Body::new)).await;
            Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
        }
    });
    let connection = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        // Dropping the connection drops the socket: no status line, no body.
        _ = kill.0.notified() => {}
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(2), connection).await;
        }
    }
}

/// A started sandbox. Dropping it stops the listeners too; [`Running::shutdown`] also
/// waits for them.
pub struct Running {
    /// The API and control listener (Aurora at `/`, Mumara at `/api/addUser`).
    pub api_addr: SocketAddr,
    /// The static page listener, when a dist folder was given.
    pub page_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    pub(crate) fn new(
        api_addr: SocketAddr,
        page_addr: Option<SocketAddr>,
        shutdown: watch::Sender<bool>,
        tasks: Vec<JoinHandle<()>>,
    ) -> Running {
        Running {
            api_addr,
            page_addr,
            shutdown,
            tasks,
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn api_url(&self) -> String {
        format!("http://{}", self.api_addr)
    }

    /// `http://127.0.0.1:PORT` of the page listener, if any.
    pub fn page_url(&self) -> Option<String> {
        self.page_addr.map(|addr| format!("http://{addr}"))
    }

    /// `ROSTER_SANDBOX_READY {"api":"http://127.0.0.1:PORT","page":...}` (page `null`
    /// without a dist folder): the line a test harness waits for.
    pub fn ready_line(&self) -> String {
        let page = match self.page_url() {
            Some(url) => format!("\"{url}\""),
            None => "null".to_string(),
        };
        format!(
            "ROSTER_SANDBOX_READY {{\"api\":\"{}\",\"page\":{page}}}",
            self.api_url()
        )
    }

    /// Stop accepting, let open connections finish their current answer, and wait.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
