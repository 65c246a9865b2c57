//! Performing a core [`HttpRequest`] with the browser's fetch.

use gloo_net::http::RequestBuilder;
use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse, Method};
use web_sys::{AbortController, RequestCredentials};

/// How long a request may go unanswered before it counts as lost.
pub const TIMEOUT_MS: u32 = 60_000;

/// The request on `builder`: its method, headers and body (none, and no `Content-Type`,
/// for an empty body).
pub fn build(
    builder: RequestBuilder,
    request: &HttpRequest,
) -> Result<gloo_net::http::Request, gloo_net::Error> {
    let method = match request.method {
        Method::Get => gloo_net::http::Method::GET,
        Method::Post => gloo_net::http::Method::POST,
        Method::Put => gloo_net::http::Method::PUT,
        Method::Patch => gloo_net::http::Method::PATCH,
        Method::Delete => gloo_net::http::Method::DELETE,
    };
    let mut builder = builder.method(method);
    if request.body != Body::Empty {
        builder = builder.header("Content-Type", request.body.content_type());
    }
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if request.body == Body::Empty {
        builder.build()
    } else {
        builder.body(request.body.encode())
    }
}

/// Performs the request with its method. Cookies are never sent (`credentials: "omit"`): a cookie of the
/// target's origin could otherwise stand in for the token the request carries.
pub async fn perform(request: &HttpRequest) -> Exchange {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    let builder = RequestBuilder::new(&request.url)
        .credentials(RequestCredentials::Omit)
        .abort_signal(signal.as_ref());
    let sent = match build(builder, request) {
        Ok(req) => req,
        Err(e) => {
            return Exchange::NoAnswer {
                detail: format!("the request could not be built: {e}"),
            }
        }
    };
    let timer =
        controller.map(|c| gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || c.abort()));
    let exchange = match sent.send().await {
        Ok(response) => {
            let status = response.status();
            let headers = response.headers().entries().collect();
            // fetch follows redirects: say where the answer came from when it did.
            let redirected_to = response.redirected().then(|| response.url());
            match response.text().await {
                Ok(body) => Exchange::Answered(HttpResponse {
                    status,
                    headers,
                    body,
                    redirected_to,
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

fn network_detail(error: &gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(js) => js.message.clone(),
        other => other.to_string(),
    }
}
