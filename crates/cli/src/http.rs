//! Carries out the core's [`HttpRequest`]s with ureq (rustls, keep-alive): an answer of
//! any status is an answer; a redirect is never followed (a request that carries a
//! credential is never sent on to another address), and, unlike a browser, its
//! `Location` can be read.

use std::time::Duration;

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse};

/// How long one request may take, from connecting to the last byte of its answer.
const TIMEOUT: Duration = Duration::from_secs(120);

/// One agent shared by every thread: its pool keeps connections alive between requests.
pub fn agent(parallel: usize) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(TIMEOUT))
        .max_idle_connections_per_host(parallel.max(1))
        .user_agent(concat!("roster-cli/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Performs one request; never panics, whatever the server does.
pub fn perform(agent: &ureq::Agent, request: &HttpRequest) -> Exchange {
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(&request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let content_type = request.body.content_type();
    let built = if request.body == Body::Empty {
        builder.body(Vec::new())
    } else {
        builder
            .header("Content-Type", content_type)
            .body(request.body.encode().into_bytes())
    };
    let built = match built {
        Ok(r) => r,
        // A header name or value the HTTP library will not send: nothing left.
        Err(e) => {
            return Exchange::NotSent {
                reason: e.to_string(),
            }
        }
    };
    match agent.run(built) {
        Ok(mut response) => {
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
            match response
                .body_mut()
                .with_config()
                .limit(64 * 1024 * 1024)
                .read_to_vec()
            {
                Ok(bytes) => Exchange::Answered(HttpResponse {
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
        Err(e) => Exchange::NoAnswer {
            detail: e.to_string(),
        },
    }
}
