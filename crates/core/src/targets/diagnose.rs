//! Why a request got no usable answer, and the fix that applies.
//!
//! A browser hides why a fetch failed: a refused connection, an unknown host, an untrusted
//! certificate and a CORS refusal all read "Failed to fetch". The page gathers a few
//! observations (its own origin, the target URL, a normal `cors` request to the API URL
//! and a `no-cors` request to the same URL) and [`classify`] tells them apart:
//!
//! - mixed content: an `https://` page cannot call an `http://` server (not loopback);
//! - unreachable: even the `no-cors` request fails (DNS, refused, TLS);
//! - blocked by the browser: the `no-cors` request gets its opaque answer, so the server
//!   is there, but the normal request is refused: the server does not allow this origin;
//! - wrong base URL: the server answers, but with 404 or HTML instead of the API's JSON;
//! - reachable: the API answers JSON, so the problem is elsewhere (credentials, key);
//! - after a login that got no answer while the API answers ([`classify_login`]): a
//!   `no-cors` request to the login endpoint itself tells a login that closes the
//!   connection without answering (a crashing login) from a login endpoint that answers
//!   but not to this page's origin (CORS on that endpoint only).
//!
//! [`diagnose`] turns the finding into words and the fixes, with the page's origin
//! filled in.

use crate::http::{Body, HttpRequest, Method};
use crate::targets::TargetKind;

/// What one probe request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A network error: no answer the page may read.
    Failed,
    /// An answer: its status, `Content-Type`, and the start of its body.
    Answered {
        status: u16,
        content_type: String,
        body_start: String,
    },
}

/// What the observations show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    MixedContent,
    Unreachable,
    BlockedByBrowser,
    WrongUrl {
        status: u16,
        html: bool,
    },
    Reachable,
    /// The API answers this page, but the login endpoint gave no answer at all, not even
    /// to a `no-cors` request: it closes the connection (a crash on the server's side).
    LoginUnanswered,
    /// The API answers this page, and the login endpoint answers a `no-cors` request, but
    /// the login's own answer is blocked: that endpoint does not allow this origin.
    LoginBlocked,
}

/// `scheme://host[:port]` of a URL, lower-cased; `None` when it has no scheme.
pub fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    if host_port.is_empty() {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_lowercase(),
        host_port.to_lowercase()
    ))
}

/// The host of a URL, without port or brackets.
pub fn host_of(url: &str) -> Option<String> {
    let origin = origin_of(url)?;
    let host_port = origin.split_once("://")?.1;
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    Some(host.to_owned())
}

/// A URL's scheme and authority (`user:pass@host:port`), cut the way the WHATWG URL
/// parser cuts an `http(s)` URL: tabs and newlines dropped, any run of `/` or `\` after
/// the scheme, the authority ending at `/`, `\`, `?` or `#`. `None` without a scheme.
fn scheme_and_authority(url: &str) -> Option<(String, String)> {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, rest) = url.split_once(':')?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return None;
    }
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or("");
    Some((scheme.to_ascii_lowercase(), authority.to_owned()))
}

/// A URL's scheme (lower case) and host (lower case, IPv6 without brackets): the
/// authority of [`scheme_and_authority`] after its last `@`, without the port.
fn scheme_and_host(url: &str) -> Option<(String, String)> {
    let (scheme, authority) = scheme_and_authority(url)?;
    let host_port = authority.rsplit('@').next().unwrap_or(&authority);
    let host = match host_port.strip_prefix('[') {
        Some(inside) => inside.split(']').next().unwrap_or(inside),
        None => host_port.split(':').next().unwrap_or(host_port),
    };
    Some((scheme, host.to_lowercase()))
}

/// Whether a URL carries a user name or password before its host (`user:pass@`), cut
/// as [`scheme_and_authority`] cuts it. Browsers refuse to fetch such a URL, and what
/// they say names the whole URL, password included.
pub fn has_userinfo(url: &str) -> bool {
    scheme_and_authority(url).is_some_and(|(_, authority)| authority.contains('@'))
}

/// Whether a URL's host is this machine: `localhost` (or a name under it), an IPv4
/// address in 127.0.0.0/8 written as four decimal numbers, or the IPv6 loopback
/// (`[::1]`). Browsers treat those as secure, and nothing sent to them crosses a
/// network. The address is parsed (`std::net`), never matched by its beginning: a name
/// such as `127.evil.example.com` is another computer. A loopback address written in a
/// form the browser also accepts but this does not (`127.1`) is taken for another
/// computer: a warning too many, never one too few.
pub fn is_loopback(url: &str) -> bool {
    let Some((_, host)) = scheme_and_host(url) else {
        return false;
    };
    if let Ok(ip) = host.parse::<std::net::Ipv6Addr>() {
        return ip.is_loopback();
    }
    if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
        return ip.is_loopback();
    }
    let name = host.strip_suffix('.').unwrap_or(&host);
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether a URL sends credentials unencrypted over a network: `http:` (however many
/// slashes follow) to a host that is not loopback.
pub fn is_plain_http(url: &str) -> bool {
    scheme_and_host(url).is_some_and(|(scheme, _)| scheme == "http") && !is_loopback(url)
}

/// Whether a page at `page_url` calling `target_url` is mixed content (blocked).
pub fn is_mixed_content(page_url: &str, target_url: &str) -> bool {
    page_url.trim().to_lowercase().starts_with("https://") && is_plain_http(target_url)
}

/// Classifies the observations: `cors` is the normal request to the API URL, `no_cors`
/// whether a `no-cors` request to the same URL got its (opaque) answer.
pub fn classify(page_url: &str, target_url: &str, cors: &Probe, no_cors: bool) -> Finding {
    if is_mixed_content(page_url, target_url) {
        return Finding::MixedContent;
    }
    match cors {
        Probe::Failed if no_cors => Finding::BlockedByBrowser,
        Probe::Failed => Finding::Unreachable,
        Probe::Answered {
            status,
            content_type,
            body_start,
        } => {
            let body = body_start.trim_start();
            let html = content_type.to_lowercase().contains("html")
                || body.starts_with('<')
                || body.to_lowercase().starts_with("<!doctype");
            let json = looks_like_json(body, content_type);
            if *status == 404 || html || (!json && *status != 429) {
                Finding::WrongUrl {
                    status: *status,
                    html,
                }
            } else {
                Finding::Reachable
            }
        }
    }
}

/// Whether an answer's start is JSON: any JSON document, a bare string (ejabberd's
/// `"User x@h successfully registered"`), number or literal included, or any body the
/// server labels JSON (`application/json`, `application/problem+json`). `body` may be
/// cut, so an object, an array or a string is known by its first character.
fn looks_like_json(body: &str, content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    body.starts_with(['{', '[', '"'])
        || ct.contains("/json")
        || ct.contains("+json")
        || serde_json::from_str::<serde_json::Value>(body).is_ok()
}

/// The request the page sends `no-cors` to a login endpoint that got no answer: the
/// login's URL and method (POST, else GET: the only ones `no-cors` allows), without any
/// header or body, so without any credential.
pub fn login_check(login: &HttpRequest) -> HttpRequest {
    HttpRequest {
        method: if login.method == Method::Post {
            Method::Post
        } else {
            Method::Get
        },
        url: login.url.clone(),
        headers: Vec::new(),
        body: Body::Empty,
    }
}

/// After a login that got no answer: when the API answered this page (`Reachable`),
/// the login endpoint is judged by the `no-cors` request [`login_check`]: answered, the
/// browser blocked only the login's answer ([`Finding::LoginBlocked`]); not answered,
/// the login endpoint closes the connection ([`Finding::LoginUnanswered`]). Any other
/// finding stands.
pub fn classify_login(finding: Finding, login_answered_no_cors: bool) -> Finding {
    match finding {
        Finding::Reachable if login_answered_no_cors => Finding::LoginBlocked,
        Finding::Reachable => Finding::LoginUnanswered,
        other => other,
    }
}

/// When the diagnosis request is the login endpoint itself (Keycloak's token endpoint)
/// and the browser blocked it while the API answered a `no-cors` request: a `no-cors`
/// request to that endpoint tells the two apart. Answered, the block stands (the endpoint
/// does not allow this origin); not answered, the endpoint closes the connection
/// ([`Finding::LoginUnanswered`]), which no CORS setting would fix. Any other finding, or
/// a diagnosis request that is not the login's, stands.
pub fn classify_blocked_login(
    finding: Finding,
    probe_is_login: bool,
    endpoint_answered_no_cors: bool,
) -> Finding {
    match finding {
        Finding::BlockedByBrowser if probe_is_login && !endpoint_answered_no_cors => {
            Finding::LoginUnanswered
        }
        other => other,
    }
}

/// One way to fix it: a title, what to do, and an optional snippet to paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub steps: Vec<String>,
    pub snippet: Option<String>,
}

/// A finding in words, with the fixes that apply (best first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub finding: Finding,
    pub headline: String,
    pub explanation: String,
    pub fixes: Vec<Fix>,
}

/// The nginx rules that add CORS for `origin` in front of a server.
pub fn nginx_rules(origin: &str) -> String {
    format!(
        r#"# In the server {{ }} block of the target, inside the location that serves the API:
location / {{
    if ($request_method = OPTIONS) {{
        add_header Access-Control-Allow-Origin "{origin}" always;
        add_header Access-Control-Allow-Methods "POST, OPTIONS" always;
        add_header Access-Control-Allow-Headers "Authorization, Content-Type, Accept" always;
        add_header Access-Control-Max-Age 600 always;
        add_header Vary Origin always;
        return 204;
    }}
    add_header Access-Control-Allow-Origin "{origin}" always;
    add_header Access-Control-Expose-Headers "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset" always;
    add_header Vary Origin always;
    # ... the existing proxy_pass / fastcgi_pass / try_files lines stay here ...
}}"#
    )
}

/// The Apache rules (mod_headers, mod_rewrite) that add CORS for `origin`.
pub fn apache_rules(origin: &str) -> String {
    format!(
        r#"# In the target's <VirtualHost> (or its .htaccess); needs mod_headers and mod_rewrite:
<IfModule mod_headers.c>
    Header always set Access-Control-Allow-Origin "{origin}"
    Header always set Access-Control-Allow-Methods "POST, OPTIONS"
    Header always set Access-Control-Allow-Headers "Authorization, Content-Type, Accept"
    Header always set Access-Control-Expose-Headers "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
    Header always set Access-Control-Max-Age "600"
    Header merge Vary Origin
</IfModule>
RewriteEngine On
RewriteCond %{{REQUEST_METHOD}} OPTIONS
RewriteRule ^ - [R=204,L]"#
    )
}

fn same_origin_fix(kind: &TargetKind, target_origin: &str) -> Fix {
    let where_ = kind.web_root();
    Fix {
        title: format!("Host Roster on the server's own origin ({target_origin})"),
        steps: vec![
            "Build Roster for a sub-folder: trunk build --release --public-url /roster/".into(),
            format!("Copy the files of dist/ into a new folder roster/ in {where_}."),
            format!("Open {target_origin}/roster/ and use {target_origin}/ as the Server URL. A page on the server's own origin needs no CORS at all."),
        ],
        snippet: None,
    }
}

/// Words and fixes for a finding. `page_origin` is this page's origin, `target_url` the
/// URL that failed (for the login findings, the login's URL).
pub fn diagnose(
    finding: Finding,
    page_origin: &str,
    target_url: &str,
    kind: &TargetKind,
) -> Diagnosis {
    let target_origin = origin_of(target_url).unwrap_or_else(|| target_url.to_owned());
    let name = kind.name();
    let cors_fixes = || {
        let mut fixes = Vec::new();
        // The server's own way first, when the profile names one.
        if let Some(fix) = kind.profile().and_then(|p| p.cors_fix.as_ref()) {
            fixes.push(Fix {
                title: fix.title.replace("{origin}", page_origin),
                steps: fix
                    .steps
                    .iter()
                    .map(|s| s.replace("{origin}", page_origin))
                    .collect(),
                snippet: None,
            });
        }
        fixes.push(same_origin_fix(kind, &target_origin));
        let setting = kind.cors_setting();
        if let Some(setting) = setting {
            fixes.push(Fix {
                title: format!("Allow this page's origin in {name} ({page_origin})"),
                steps: vec![
                    format!("On the {name} server, open {}.", setting.file),
                    format!(
                        "Set {} to \"{page_origin}\" (this page's origin), save, and try again.",
                        setting.key
                    ),
                ],
                snippet: Some(format!("\"{}\": \"{page_origin}\"", setting.key)),
            });
        }
        let older = if setting.is_some() {
            format!("For an older {name}, add CORS in the web server in front of it")
        } else {
            format!("{name} has no CORS setting: add CORS in the web server in front of it")
        };
        fixes.push(Fix {
            title: format!("{older} (nginx)"),
            steps: vec![format!(
                "Add these rules for {target_origin}, with this page's origin {page_origin}, then reload nginx."
            )],
            snippet: Some(nginx_rules(page_origin)),
        });
        fixes.push(Fix {
            title: format!("{older} (Apache)"),
            steps: vec![format!(
                "Add these rules for {target_origin}, with this page's origin {page_origin}, then reload Apache."
            )],
            snippet: Some(apache_rules(page_origin)),
        });
        fixes
    };
    let (headline, explanation, fixes) = match &finding {
        Finding::MixedContent => (
            "Blocked: this https page may not call an http server (mixed content).".to_owned(),
            format!(
                "The page is served over https but the Server URL {target_url} is plain http, so the browser refuses every request to it before it leaves the computer."
            ),
            vec![
                Fix {
                    title: "Use the server's https address".into(),
                    steps: vec![format!(
                        "Change the Server URL to {} if the server has a certificate.",
                        target_url.replacen("http://", "https://", 1)
                    )],
                    snippet: None,
                },
                Fix {
                    title: "Or open Roster over http, next to the server".into(),
                    steps: vec!["Host Roster's dist/ on the server itself (same origin), see below, or on an http address.".into()],
                    snippet: None,
                },
                same_origin_fix(kind, &target_origin),
            ],
        ),
        Finding::Unreachable => (
            format!("Server unreachable: nothing answers at {target_origin}."),
            format!(
                "Even a plain request that the browser never blocks got no answer from {target_url}: the host name does not resolve, nothing listens on that port (connection refused), a firewall drops it, or the TLS certificate is not trusted. This is not a CORS problem."
            ),
            vec![Fix {
                title: "Check the address".into(),
                steps: vec![
                    format!("Check the Server URL for typos, the scheme (https or http) and the port: {target_url}"),
                    format!("Open {target_origin}/ in a new tab: if the browser warns about the certificate, the certificate must be fixed (or trusted) first."),
                    format!("Check that the {name} server is running and reachable from this computer (VPN, firewall)."),
                ],
                snippet: None,
            }],
        ),
        Finding::BlockedByBrowser => (
            format!("Reachable but blocked by the browser: {target_origin} does not allow this page's origin ({page_origin})."),
            format!(
                "The server answers (a request the browser does not let the page read got through), but it sends no CORS headers for {page_origin}, so the browser blocks every answer. One of these fixes applies:"
            ),
            cors_fixes(),
        ),
        Finding::WrongUrl { status, html } => {
            let what = if *status == 404 {
                "HTTP 404 (not found)".to_owned()
            } else if *html {
                format!("an HTML page (HTTP {status}) instead of the API's JSON")
            } else {
                format!("HTTP {status} without the API's JSON")
            };
            let hint = kind.server_url_hint();
            (
                format!("Wrong Server URL: the server answered {what}."),
                format!("{target_url} is reachable, but it is not {name}'s API. {hint}"),
                vec![Fix {
                    title: "Fix the Server URL".into(),
                    steps: vec![
                        hint.to_owned(),
                        "If the installation is in a sub-folder, include the folder (https://example.com/webmail/).".into(),
                    ],
                    snippet: None,
                }],
            )
        }
        Finding::LoginUnanswered => (
            format!("The login endpoint gave no answer: {target_url} closed the connection, while the rest of {target_origin} answers."),
            format!(
                "The server is up and lets this page read its answers (the diagnosis request got {name}'s answer), and even a plain request to the login endpoint, which the browser never blocks, got no answer. The server closes the connection on the login without answering, as it does when the login crashes on its side (an error, an out-of-memory kill, a proxy timeout). This is not a CORS problem."
            ),
            vec![Fix {
                title: "Look at the server's error log".into(),
                steps: vec![
                    format!("Find the login requests to {target_url} of the last minutes in the error log of {name} and of the web server or proxy in front of it: the crash or timeout there is the cause."),
                    "Fix it on the server, then press Start import again.".into(),
                ],
                snippet: None,
            }],
        ),
        Finding::LoginBlocked => (
            format!("The login is blocked by the browser: {target_url} answers, but not to this page's origin ({page_origin})."),
            format!(
                "The rest of {target_origin} answers this page, but the login endpoint sends no CORS headers for {page_origin}, so the browser blocks the login's answer. One of these fixes applies:"
            ),
            cors_fixes(),
        ),
        Finding::Reachable => (
            format!("{name} answers at {target_origin}."),
            "The server and its API are reachable from this page; see the message above for what it refused.".into(),
            Vec::new(),
        ),
    };
    Diagnosis {
        finding,
        headline,
        explanation,
        fixes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, content_type: &str, body: &str) -> Probe {
        Probe::Answered {
            status,
            content_type: content_type.into(),
            body_start: body.into(),
        }
    }

    #[test]
    fn origins_and_hosts() {
        assert_eq!(
            origin_of("https://Mail.Example.com:8443/x/?/Api/").as_deref(),
            Some("https://mail.example.com:8443")
        );
        assert_eq!(host_of("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(
            host_of("http://127.0.0.1:8787/").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(origin_of("mail.example.com"), None);
        assert!(is_loopback("http://localhost:8080"));
        assert!(is_loopback("http://127.0.0.1/"));
        assert!(is_loopback("http://[::1]/"));
        assert!(!is_loopback("http://127.example.com/"));
        assert!(is_plain_http("http://mail.example.com/"));
        assert!(is_plain_http("HTTP://10.0.0.5/"));
        assert!(!is_plain_http("https://mail.example.com/"));
        assert!(!is_plain_http("http://127.0.0.1:8787/"));
    }

    /// Issue 20: a host is loopback by its parsed address, not by how its name begins.
    #[test]
    fn loopback_is_the_parsed_address_not_a_prefix() {
        for url in [
            "http://127.evil.example.com/",
            "http://127.0.0.1.evil.example.com/",
            "http://127.1.2.evil/",
            "http://evil.example\\@127.0.0.1/",
            "http://localhost.evil.example.com/",
            "http://[::2]/",
            "http://128.0.0.1/",
            "http://10.0.0.5:8080/",
            "http://evil.example?@127.0.0.1/",
            "http://127.0.0.1:80@evil.example/",
            "http://127.0.0.1\t.evil.example/",
            "http:evil.example/",
            // Loopback to a browser, but not written as four decimal numbers: warned.
            "http://127.1/",
        ] {
            assert!(!is_loopback(url), "{url}");
            assert!(is_plain_http(url), "{url}");
        }
        for url in [
            "http://127.0.0.1:8787/",
            "http://127.255.0.9/",
            "http://user@127.0.0.1:8787/",
            "HTTP://LOCALHOST:8080/",
            "http://localhost./",
            "http://app.localhost/",
            "http://[::1]:8787/",
            "http://[0:0:0:0:0:0:0:1]/",
            " http://127.0.0.1/ ",
            "http:///127.0.0.1/",
            // The fragment starts at `#`: the host is 127.0.0.1.
            "http://127.0.0.1#@evil.example/",
        ] {
            assert!(is_loopback(url), "{url}");
            assert!(!is_plain_http(url), "{url}");
        }
        assert!(is_plain_http("http:\\\\mail.example.com/"));
        assert!(!is_plain_http("https://127.evil.example.com/"));
        assert!(!is_loopback("not a url"));
    }

    #[test]
    fn classification() {
        let page = "http://127.0.0.1:8080/";
        let api = "http://127.0.0.1:8787/?/Api/";
        assert_eq!(
            classify(page, api, &Probe::Failed, true),
            Finding::BlockedByBrowser
        );
        assert_eq!(
            classify(page, api, &Probe::Failed, false),
            Finding::Unreachable
        );
        assert_eq!(
            classify(
                "https://roster.example.com/",
                "http://mail.example.com/?/Api/",
                &Probe::Failed,
                false
            ),
            Finding::MixedContent
        );
        assert_eq!(
            classify(
                "https://roster.example.com/",
                "http://127.0.0.1:8787/",
                &Probe::Failed,
                true
            ),
            Finding::BlockedByBrowser,
            "loopback is not mixed content"
        );
        assert_eq!(
            classify(page, api, &answered(404, "text/plain", "Not Found"), false),
            Finding::WrongUrl {
                status: 404,
                html: false
            }
        );
        assert_eq!(
            classify(
                page,
                api,
                &answered(
                    200,
                    "text/html; charset=utf-8",
                    "<!doctype html><title>Site"
                ),
                true
            ),
            Finding::WrongUrl {
                status: 200,
                html: true
            }
        );
        assert_eq!(
            classify(page, api, &answered(200, "", "  <html>"), true),
            Finding::WrongUrl {
                status: 200,
                html: true
            }
        );
        assert_eq!(
            classify(
                page,
                api,
                &answered(405, "text/plain", "Method Not Allowed"),
                true
            ),
            Finding::WrongUrl {
                status: 405,
                html: false
            }
        );
        assert_eq!(
            classify(
                page,
                api,
                &answered(200, "application/json", "{\"ErrorCode\":116}"),
                true
            ),
            Finding::Reachable
        );
        assert_eq!(
            classify(
                page,
                api,
                &answered(401, "application/json", "{\"status\":\"error\"}"),
                true
            ),
            Finding::Reachable
        );
    }

    /// Issue 20: a token endpoint that closes the connection is not called a CORS
    /// problem when the same server answered the diagnosis; a login endpoint that answers
    /// a `no-cors` request but not this page is.
    #[test]
    fn a_login_without_an_answer_is_told_from_a_blocked_login() {
        let keycloak = TargetKind::by_id("keycloak").unwrap();
        let token = "http://127.0.0.1:8787/realms/master/protocol/openid-connect/token";
        let login = HttpRequest {
            method: Method::Post,
            url: token.into(),
            headers: vec![("Authorization".into(), "Basic c2VjcmV0".into())],
            body: Body::Form(vec![("password".into(), "secret".into())]),
        };
        let check = login_check(&login);
        assert_eq!((check.method, check.url.as_str()), (Method::Post, token));
        assert!(check.headers.is_empty() && check.body == Body::Empty);
        let put = HttpRequest {
            method: Method::Put,
            ..login.clone()
        };
        assert_eq!(login_check(&put).method, Method::Get);

        assert_eq!(
            classify_login(Finding::Reachable, false),
            Finding::LoginUnanswered
        );
        assert_eq!(
            classify_login(Finding::Reachable, true),
            Finding::LoginBlocked
        );
        for other in [
            Finding::Unreachable,
            Finding::BlockedByBrowser,
            Finding::MixedContent,
        ] {
            assert_eq!(classify_login(other.clone(), false), other);
        }

        // The diagnosis request is the login endpoint (Keycloak): blocked while the API
        // answers, and silent even to no-cors, is a login that closes the connection.
        assert_eq!(
            classify_blocked_login(Finding::BlockedByBrowser, true, false),
            Finding::LoginUnanswered
        );
        assert_eq!(
            classify_blocked_login(Finding::BlockedByBrowser, true, true),
            Finding::BlockedByBrowser
        );
        assert_eq!(
            classify_blocked_login(Finding::BlockedByBrowser, false, false),
            Finding::BlockedByBrowser
        );
        assert_eq!(
            classify_blocked_login(Finding::Unreachable, true, false),
            Finding::Unreachable
        );

        let gone = diagnose(
            Finding::LoginUnanswered,
            "http://127.0.0.1:8080",
            token,
            &keycloak,
        );
        assert!(
            gone.headline
                .starts_with("The login endpoint gave no answer"),
            "{}",
            gone.headline
        );
        assert!(gone.headline.contains(token));
        assert!(gone.explanation.contains("not a CORS problem"));
        assert!(gone.fixes.iter().all(|f| f.snippet.is_none()));
        assert!(!format!("{gone:?}").contains("Access-Control-Allow-Origin"));

        let blocked = diagnose(
            Finding::LoginBlocked,
            "http://127.0.0.1:8080",
            token,
            &keycloak,
        );
        assert!(blocked.headline.contains("blocked by the browser"));
        assert!(blocked.fixes.iter().any(|f| f
            .snippet
            .as_deref()
            .is_some_and(|s| s.contains("http://127.0.0.1:8080"))));
    }

    #[test]
    fn cors_fix_names_this_origin_everywhere() {
        let d = diagnose(
            Finding::BlockedByBrowser,
            "https://roster.example.org",
            "https://mail.example.com/?/Api/",
            &TargetKind::by_id("aurora").unwrap(),
        );
        assert!(d.headline.contains("blocked by the browser"));
        assert_eq!(d.fixes.len(), 4);
        assert!(d.fixes[0]
            .steps
            .iter()
            .any(|s| s.contains("https://mail.example.com/roster/")));
        assert_eq!(
            d.fixes[1].snippet.as_deref(),
            Some("\"AllowCrossDomainRequestsFromOrigin\": \"https://roster.example.org\"")
        );
        assert!(d.fixes[1].steps[0].contains("data/settings/config.json"));
        let nginx = d.fixes[2].snippet.as_deref().unwrap();
        assert!(nginx.contains(
            "add_header Access-Control-Allow-Origin \"https://roster.example.org\" always;"
        ));
        assert!(nginx.contains("Authorization, Content-Type"));
        let apache = d.fixes[3].snippet.as_deref().unwrap();
        assert!(apache.contains(
            "Header always set Access-Control-Allow-Origin \"https://roster.example.org\""
        ));
        assert!(apache.contains("RewriteCond %{REQUEST_METHOD} OPTIONS"));

        let m = diagnose(
            Finding::BlockedByBrowser,
            "http://127.0.0.1:8080",
            "http://m.example.com/api/addUser",
            &TargetKind::by_id("mumara").unwrap(),
        );
        assert_eq!(m.fixes.len(), 3, "no Aurora setting for Mumara");
        assert!(m.fixes[1].title.contains("Mumara has no CORS setting"));
    }

    #[test]
    fn other_findings_in_words() {
        let u = diagnose(
            Finding::Unreachable,
            "http://p",
            "http://127.0.0.1:9/?/Api/",
            &TargetKind::by_id("aurora").unwrap(),
        );
        assert!(u.headline.starts_with("Server unreachable"));
        assert!(u.explanation.contains("not a CORS problem"));
        let w = diagnose(
            Finding::WrongUrl {
                status: 404,
                html: false,
            },
            "http://p",
            "http://h/wrong/?/Api/",
            &TargetKind::by_id("aurora").unwrap(),
        );
        assert!(w.headline.starts_with("Wrong Server URL"));
        assert!(w.headline.contains("404"));
        let h = diagnose(
            Finding::WrongUrl {
                status: 200,
                html: true,
            },
            "http://p",
            "http://h/",
            &TargetKind::by_id("mumara").unwrap(),
        );
        assert!(h.headline.contains("HTML"));
        let mixed = diagnose(
            Finding::MixedContent,
            "https://p",
            "http://mail.example.com/",
            &TargetKind::by_id("aurora").unwrap(),
        );
        assert!(mixed.headline.contains("mixed content"));
        assert!(mixed.fixes[0].steps[0].contains("https://mail.example.com/"));
    }

    #[test]
    fn a_user_name_or_password_in_the_url_is_found_where_the_browser_finds_it() {
        for url in [
            "http://user:secret@127.0.0.1:8080/",
            "https://admin@mail.example.com",
            "http:\\\\u:p@host/",
            " https://u:p@host?x=1",
        ] {
            assert!(has_userinfo(url), "{url}");
        }
        for url in [
            "https://mail.example.com/",
            "https://host/path@x",
            "https://host/?next=a@b",
            "https://host/#a@b",
            "no scheme",
            "",
        ] {
            assert!(!has_userinfo(url), "{url}");
        }
    }
}
