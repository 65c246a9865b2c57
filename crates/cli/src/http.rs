//! Carries out the core's [`HttpRequest`]s with reqwest's blocking client (rustls,
//! keep-alive, HTTP/2 where the server offers it in TLS's ALPN, HTTP/1.1 otherwise): an
//! answer of any status is an answer; a redirect is never followed (a request that carries
//! a credential is never sent on to another address), and, unlike a browser, its
//! `Location` can be read.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};

/// How long one request may take, from connecting to the last byte of its answer.
const TIMEOUT: Duration = Duration::from_secs(120);
/// How long connecting (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read; a longer one is cut off and counted as no answer.
const LIMIT: u64 = 64 * 1024 * 1024;

/// One client shared by every thread: its pool keeps connections alive between requests
/// (and, over HTTP/2, runs them side by side on one connection). `ca_file` is a PEM file
/// of certificate authorities trusted besides the usual ones (a private CA).
pub fn client(parallel: usize, ca_file: Option<&Path>) -> Result<Client, String> {
    let mut builder = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_max_idle_per_host(parallel.max(1))
        .user_agent(concat!("roster-cli/", env!("CARGO_PKG_VERSION")))
        .use_rustls_tls();
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("Cannot read the CA file {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "The CA file {} is not PEM certificates: {e}",
                path.display()
            )
        })?;
        if certs.is_empty() {
            return Err(format!(
                "The CA file {} holds no PEM certificate.",
                path.display()
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| format!("The HTTP client cannot start: {e}"))
}

/// The request's headers, or why one cannot be sent (nothing is then sent).
fn headers(request: &HttpRequest) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (name, value) in &request.headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| format!("header name {name:?}: {e}"))?;
        // The value is not named: it may be a token.
        let v = HeaderValue::from_str(value).map_err(|e| format!("header {name}: {e}"))?;
        map.append(n, v);
    }
    if request.body != Body::Empty {
        map.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(request.body.content_type()),
        );
    }
    Ok(map)
}

/// Performs one request; never panics, whatever the server does.
pub fn perform(client: &Client, request: &HttpRequest) -> Exchange {
    let method = match reqwest::Method::from_bytes(request.method.as_str().as_bytes()) {
        Ok(m) => m,
        Err(e) => {
            return Exchange::NotSent {
                reason: e.to_string(),
            }
        }
    };
    let url = match reqwest::Url::parse(&request.url) {
        Ok(u) => u,
        Err(e) => {
            return Exchange::NotSent {
                reason: format!("the address cannot be used: {e}"),
            }
        }
    };
    let headers = match headers(request) {
        Ok(h) => h,
        Err(reason) => return Exchange::NotSent { reason },
    };
    let mut built = client.request(method, url).headers(headers);
    if request.body != Body::Empty {
        built = built.body(request.body.encode());
    }
    match built.send() {
        Ok(response) => {
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            if (300..400).contains(&status) && status != 304 {
                let location = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("location"))
                    .map(|(_, v)| v.clone());
                return Exchange::Redirected { location };
            }
            let mut bytes = Vec::new();
            match response.take(LIMIT + 1).read_to_end(&mut bytes) {
                Ok(_) if bytes.len() as u64 > LIMIT => Exchange::NoAnswer {
                    detail: format!("the answer is longer than {LIMIT} bytes"),
                },
                Ok(_) => Exchange::Answered(HttpResponse {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                }),
                // The answer began but did not arrive whole: it is lost.
                Err(e) => Exchange::NoAnswer {
                    detail: e.to_string(),
                },
            }
        }
        // A request the client would not build was never sent.
        Err(e) if e.is_builder() => Exchange::NotSent {
            reason: e.to_string(),
        },
        // The address is left out: the request's own, which the report already names.
        Err(e) => Exchange::NoAnswer {
            detail: error_chain(&e.without_url()),
        },
    }
}

/// An error with its causes ("error sending request: … : connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
