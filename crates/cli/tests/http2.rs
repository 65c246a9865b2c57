//! The CLI's HTTP: HTTP/2 when the server offers it (TLS with ALPN `h2`), HTTP/1.1 when it
//! does not (the plain sandbox), connections kept alive, and `--ca-file` to trust a
//! private certificate authority. A front started by the test (a CA and a server
//! certificate made by rcgen, hyper serving HTTP/2 and HTTP/1.1) records each request's
//! HTTP version and passes it on, unchanged, to the sandbox, whose state stays the ground
//! truth.

mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};
use support::{folder, report_rows, roster, said, Sandbox};
use tokio_rustls::rustls;

/// What the front saw.
#[derive(Default)]
struct Seen {
    versions: Mutex<Vec<Version>>,
    connections: AtomicUsize,
}

/// A front on a free port of 127.0.0.1 that passes every request on to `upstream`.
struct Front {
    addr: SocketAddr,
    seen: Arc<Seen>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Front {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A CA (its PEM) and a TLS configuration for 127.0.0.1 signed by it, offering h2 and
/// http/1.1 in ALPN, as a server that speaks HTTP/2 does.
fn tls() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Roster test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (ca.pem(), Arc::new(config))
}

/// Passes one request on to `upstream` (HTTP/1.1, no redirect followed) and its answer back.
async fn pass_on(
    request: Request<Incoming>,
    upstream: Arc<String>,
    seen: Arc<Seen>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    seen.versions.lock().unwrap().push(request.version());
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let answer = tokio::task::spawn_blocking(move || {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut builder = ureq::http::Request::builder()
            .method(parts.method.as_str())
            .uri(format!("{upstream}{path}"));
        for (name, value) in &parts.headers {
            if name != hyper::header::HOST {
                builder = builder.header(name.as_str(), value.as_bytes());
            }
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        let mut answer = ureq::Agent::new_with_config(config)
            .run(builder.body(body).unwrap())
            .expect("the sandbox answers");
        let mut back = Response::builder().status(answer.status().as_u16());
        for (name, value) in answer.headers() {
            // Connection-specific headers are not HTTP/2's.
            if !matches!(
                name.as_str(),
                "connection" | "keep-alive" | "transfer-encoding" | "upgrade"
            ) {
                back = back.header(name.as_str(), value.as_bytes());
            }
        }
        let bytes = answer.body_mut().read_to_vec().unwrap();
        back.body(Full::new(Bytes::from(bytes))).unwrap()
    })
    .await
    .unwrap();
    Ok(answer)
}

fn front(upstream: &str, tls: Option<Arc<rustls::ServerConfig>>) -> Front {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let seen = Arc::new(Seen::default());
    let upstream = Arc::new(upstream.trim_end_matches('/').to_owned());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let s = Arc::clone(&seen);
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            s.connections.fetch_add(1, Ordering::SeqCst);
            let (seen, upstream, acceptor) =
                (Arc::clone(&s), Arc::clone(&upstream), acceptor.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |r| {
                    pass_on(r, Arc::clone(&upstream), Arc::clone(&seen))
                });
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                match acceptor {
                    Some(acceptor) => {
                        // A client that does not trust the certificate hangs up here.
                        let Ok(stream) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                    }
                }
            });
        }
    });
    Front {
        addr,
        seen,
        runtime: Some(runtime),
    }
}

const FILE: &str = "email,password\n\
ann@example.com,Row-Pass-ann1\n\
bob@example.com,Row-Pass-bob1\n\
cyd@example.com,Row-Pass-cyd1\n\
dee@example.com,Row-Pass-dee1\n\
eve@example.com,Row-Pass-eve1\n\
fay@example.com,Row-Pass-fay1\n";

fn import(
    dir: &std::path::Path,
    server: &str,
    parallel: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "import",
        "people.csv",
        "--target",
        "aurora",
        "--server",
        server,
        "--login",
        "superadmin",
        "--yes",
        "--parallel",
        parallel,
        "--report",
        "out.csv",
    ];
    args.extend_from_slice(extra);
    roster(dir, &args, &[("ROSTER_PASSWORD", "12345")], "")
}

fn aurora_users(sandbox: &Sandbox) -> Vec<String> {
    let mut users: Vec<String> = sandbox.state()["aurora"]["users"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|u| u["public_id"].as_str().map(str::to_lowercase))
        .collect();
    users.sort();
    users
}

#[test]
fn over_tls_it_speaks_http2_when_the_server_offers_it_and_trusts_only_the_given_ca() {
    let sandbox = Sandbox::start(Value::Null);
    sandbox.seed(json!({"aurora": ["ann@example.com"]}));
    let (ca_pem, config) = tls();
    let front = front(&sandbox.api, Some(config));
    let dir = folder("http2");
    std::fs::write(dir.join("people.csv"), FILE).unwrap();
    std::fs::write(dir.join("ca.pem"), &ca_pem).unwrap();
    let server = format!("https://{}/", front.addr);

    // Without --ca-file the certificate is not trusted: no request is made, nothing created.
    let out = import(&dir, &server, "3", &[]);
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        front.seen.versions.lock().unwrap().is_empty(),
        "no request gets through an untrusted certificate"
    );
    assert_eq!(
        aurora_users(&sandbox),
        ["ann@example.com"],
        "{}",
        said(&out)
    );
    let _ = std::fs::remove_file(dir.join("people.csv.roster-journal.json"));
    let _ = std::fs::remove_dir_all(dir.join("people.csv.roster-journal"));

    // With it, every request goes over HTTP/2, and the report is the sandbox's state.
    let out = import(&dir, &server, "3", &["--ca-file", "ca.pem", "--no-resume"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let versions = front.seen.versions.lock().unwrap().clone();
    assert!(
        versions.len() >= 5,
        "the creates went through the front: {versions:?}"
    );
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_2),
        "HTTP/2 when offered: {versions:?}"
    );
    let report = report_rows(&dir.join("out.csv"));
    let created: Vec<&str> = report
        .iter()
        .filter(|(_, s, _)| s == "created")
        .map(|(e, _, _)| e.as_str())
        .collect();
    assert_eq!(created.len(), 5, "{report:?}");
    assert_eq!(
        aurora_users(&sandbox),
        [
            "ann@example.com",
            "bob@example.com",
            "cyd@example.com",
            "dee@example.com",
            "eve@example.com",
            "fay@example.com"
        ]
    );
}

#[test]
fn over_plain_http_it_speaks_http1_1_on_kept_alive_connections() {
    let sandbox = Sandbox::start(Value::Null);
    let front = front(&sandbox.api, None);
    let dir = folder("http1");
    std::fs::write(dir.join("people.csv"), FILE).unwrap();
    let server = format!("http://{}/", front.addr);
    let out = import(&dir, &server, "1", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let versions = front.seen.versions.lock().unwrap().clone();
    assert!(versions.len() >= 6, "{versions:?}");
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_11),
        "HTTP/1.1 where HTTP/2 is not offered: {versions:?}"
    );
    let connections = front.seen.connections.load(Ordering::SeqCst);
    assert!(
        connections < versions.len(),
        "connections are kept alive: {connections} for {} requests",
        versions.len()
    );
    assert_eq!(aurora_users(&sandbox).len(), 6, "{}", said(&out));
}
