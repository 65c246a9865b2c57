//! Performing a core [`HttpRequest`] with the browser's fetch.

use gloo_net::http::{Headers, RequestBuilder};
use roster_core::http::{header_problem, Body, Exchange, HttpRequest, HttpResponse, Method};
use web_sys::{AbortController, RequestCache, RequestCredentials, RequestRedirect, ResponseType};

/// How long a request may go unanswered before it counts as lost.
pub const TIMEOUT_MS: u32 = 60_000;
/// How long the look-up of where a redirect leads may take.
const REDIRECT_LOOKUP_MS: u32 = 10_000;

/// The request on `builder`: its method, headers and body (none, and no `Content-Type`,
/// for an empty body). A header a browser cannot send (a character above U+00FF, a line
/// break) is an error naming the header, never a throw: the headers are appended one by
/// one through `Headers.append`, which reports what it refuses.
pub fn build(
    builder: RequestBuilder,
    request: &HttpRequest,
) -> Result<gloo_net::http::Request, RequestError> {
    let method = match request.method {
        Method::Get => gloo_net::http::Method::GET,
        Method::Post => gloo_net::http::Method::POST,
        Method::Put => gloo_net::http::Method::PUT,
        Method::Patch => gloo_net::http::Method::PATCH,
        Method::Delete => gloo_net::http::Method::DELETE,
    };
    let raw = web_sys::Headers::new().map_err(|e| RequestError::Browser(js_words(&e)))?;
    let content_type =
        (request.body != Body::Empty).then(|| ("Content-Type", request.body.content_type()));
    let extra = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    for (name, value) in content_type.into_iter().chain(extra) {
        if let Some(problem) = header_problem(name, value) {
            return Err(RequestError::Header(problem));
        }
        raw.append(name, value).map_err(|e| RequestError::Refused {
            name: name.to_owned(),
            why: js_words(&e),
        })?;
    }
    let builder = builder.method(method).headers(Headers::from_raw(raw));
    let built = if request.body == Body::Empty {
        builder.build()
    } else {
        builder.body(request.body.encode())
    };
    built.map_err(|e| RequestError::Browser(e.to_string()))
}

/// Why a request was not sent: nothing left the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// A header a browser cannot send, in the core's words ([`header_problem`]).
    Header(String),
    /// The browser refused a header: its name and the browser's words.
    Refused { name: String, why: String },
    /// The browser refused the request, in its words.
    Browser(String),
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestError::Header(problem) => f.write_str(problem),
            RequestError::Refused { name, why } => {
                write!(f, "The header {name} cannot be sent: {why}")
            }
            RequestError::Browser(words) => f.write_str(words),
        }
    }
}

impl std::error::Error for RequestError {}

/// Performs the request with its method. Cookies are never sent (`credentials: "omit"`): a cookie of the
/// target's origin could otherwise stand in for the token the request carries. Redirects
/// are not followed (`redirect: "manual"`): every request here carries a credential, a
/// token or a password, which must not travel on to another address; a redirect comes
/// back as [`Exchange::Redirected`], with where a plain GET of the same URL leads.
pub async fn perform(request: &HttpRequest) -> Exchange {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    let builder = RequestBuilder::new(&request.url)
        .credentials(RequestCredentials::Omit)
        .redirect(RequestRedirect::Manual)
        .abort_signal(signal.as_ref());
    let sent = match build(builder, request) {
        Ok(req) => req,
        // Nothing left the page: say so, never "no answer" (which would leave the row
        // unknown).
        Err(reason) => {
            return Exchange::NotSent {
                reason: reason.to_string(),
            }
        }
    };
    let timer =
        controller.map(|c| gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || c.abort()));
    let exchange = match sent.send().await {
        // The browser hides a redirect's status and Location from the page.
        Ok(response) if response.type_() == ResponseType::Opaqueredirect => {
            drop(timer);
            return Exchange::Redirected {
                location: where_it_leads(&request.url).await,
            };
        }
        Ok(response) => {
            let status = response.status();
            let headers = response.headers().entries().collect();
            match response.text().await {
                Ok(body) => Exchange::Answered(HttpResponse {
                    status,
                    headers,
                    body,
                }),
                Err(e) => Exchange::NoAnswer {
                    detail: format!("the answer broke off: {e}"),
                },
            }
        }
        Err(e) => Exchange::NoAnswer {
            detail: if signal.as_ref().is_some_and(|s| s.aborted()) {
                format!("no answer within {} s", TIMEOUT_MS / 1000)
            } else {
                network_detail(&e)
            },
        },
    };
    drop(timer);
    exchange
}

/// Where a redirect of `url` leads, as far as a page may learn it: a `GET` of the same
/// URL with no credential, no header and no body, whose redirects the browser follows;
/// the URL its answer came from. `None` when that GET was not redirected (the server
/// redirects only the original method) or could not be read (CORS, no answer).
async fn where_it_leads(url: &str) -> Option<String> {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    let timer = controller
        .map(|c| gloo_timers::callback::Timeout::new(REDIRECT_LOOKUP_MS, move || c.abort()));
    let answer = RequestBuilder::new(url)
        .method(gloo_net::http::Method::GET)
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .abort_signal(signal.as_ref())
        .send()
        .await;
    drop(timer);
    let response = answer.ok()?;
    (response.redirected() && !response.url().is_empty()).then(|| response.url())
}

fn js_words(error: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{error:?}"))
}

fn network_detail(error: &gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(js) => js.message.clone(),
        other => other.to_string(),
    }
}
