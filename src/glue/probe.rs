//! The probes behind the reachability diagnosis (`roster_core::diagnose`): a normal
//! (`cors`) request to the API URL, and a `no-cors` request to the same URL, whose opaque
//! answer proves the server is there even when the browser blocks the page from reading it.
//! Neither sends a credential: no cookie, no token, no key.

use gloo_net::http::{Method, RequestBuilder};
use roster_core::http::HttpRequest;
use roster_core::targets::diagnose::Probe;
use web_sys::{AbortController, RequestCache, RequestCredentials, RequestMode};

/// How long a probe waits for an answer.
const PROBE_TIMEOUT_MS: u32 = 10_000;

fn abort_after(
    ms: u32,
) -> (
    Option<AbortController>,
    Option<gloo_timers::callback::Timeout>,
) {
    let controller = AbortController::new().ok();
    let timer = controller
        .clone()
        .map(|c| gloo_timers::callback::Timeout::new(ms, move || c.abort()));
    (controller, timer)
}

/// The target's side-effect-free request (`TargetKind::probe`), sent without any
/// credential.
pub async fn cors(probe: &HttpRequest) -> Probe {
    let (controller, timer) = abort_after(PROBE_TIMEOUT_MS);
    let signal = controller.as_ref().map(AbortController::signal);
    let builder = RequestBuilder::new(&probe.url)
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .abort_signal(signal.as_ref());
    let request = super::fetch::build(builder, probe);
    let Ok(request) = request else {
        return Probe::Failed;
    };
    let probe = match request.send().await {
        Ok(response) => {
            let status = response.status();
            let content_type = response.headers().get("content-type").unwrap_or_default();
            let body = response.text().await.unwrap_or_default();
            Probe::Answered {
                status,
                content_type,
                body_start: body.chars().take(300).collect(),
            }
        }
        Err(_) => Probe::Failed,
    };
    drop(timer);
    probe
}

/// Whether a `no-cors` GET of `url` gets an (opaque) answer: the server is reachable.
pub async fn no_cors(url: &str) -> bool {
    no_cors_with(Method::GET, url).await
}

/// Whether a `no-cors` request (`roster_core::targets::diagnose::login_check`: a POST or
/// a GET, no header, no body) gets an (opaque) answer: that endpoint answers.
pub async fn no_cors_request(request: &HttpRequest) -> bool {
    let method = match request.method {
        roster_core::http::Method::Post => Method::POST,
        _ => Method::GET,
    };
    no_cors_with(method, &request.url).await
}

async fn no_cors_with(method: Method, url: &str) -> bool {
    let (controller, timer) = abort_after(PROBE_TIMEOUT_MS);
    let signal = controller.as_ref().map(AbortController::signal);
    let sent = RequestBuilder::new(url)
        .method(method)
        .mode(RequestMode::NoCors)
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .abort_signal(signal.as_ref())
        .send()
        .await;
    drop(timer);
    sent.is_ok()
}

/// This page's URL and origin.
pub fn page() -> (String, String) {
    let location = web_sys::window().map(|w| w.location());
    let href = location
        .as_ref()
        .and_then(|l| l.href().ok())
        .unwrap_or_default();
    let origin = location
        .as_ref()
        .and_then(|l| l.origin().ok())
        .unwrap_or_default();
    (href, origin)
}
