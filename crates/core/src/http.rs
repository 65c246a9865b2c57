//! HTTP requests and answers as plain data. The core builds requests and reads answers;
//! only the browser glue performs them.

/// How the request body is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `application/x-www-form-urlencoded` fields, in order.
    Form(Vec<(String, String)>),
    /// `application/json` text.
    Json(String),
    /// No body at all (a `GET`): no `Content-Type` either.
    Empty,
}

impl Body {
    /// The `Content-Type` to send; empty for [`Body::Empty`], which sends none.
    pub fn content_type(&self) -> &'static str {
        match self {
            Body::Form(_) => "application/x-www-form-urlencoded",
            Body::Json(_) => "application/json",
            Body::Empty => "",
        }
    }

    /// The body's bytes as sent on the wire.
    pub fn encode(&self) -> String {
        match self {
            Body::Form(fields) => form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish(),
            Body::Json(text) => text.clone(),
            Body::Empty => String::new(),
        }
    }
}

/// The HTTP method of a request. The built-in targets only POST; profile targets
/// (`crate::target::profile`) also GET (exists probes, whoami) and PUT (upserts).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    #[default]
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request the glue must perform, always with `credentials: "omit"` so that no cookie of
/// the target's origin can stand in for the token the request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// Extra headers. `Content-Type` comes from the body.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// An answer that arrived: any status, with its headers and text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The URL the answer came from, when the browser followed a redirect to get it
    /// (fetch follows redirects: a `302` to a login page arrives as that page's `200`).
    pub redirected_to: Option<String>,
}

impl HttpResponse {
    /// An answer with a status and a body, and no headers.
    pub fn new(status: u16, body: impl Into<String>) -> HttpResponse {
        HttpResponse {
            status,
            body: body.into(),
            ..HttpResponse::default()
        }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> HttpResponse {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Whether the body is an HTML page rather than data.
    pub fn looks_like_html(&self) -> bool {
        let head = self.body.trim_start();
        let head = &head[..head.len().min(256)];
        let lower = head.to_ascii_lowercase();
        lower.starts_with("<!doctype")
            || lower.starts_with("<html")
            || lower.contains("<body")
            || self
                .header("Content-Type")
                .is_some_and(|t| t.to_ascii_lowercase().contains("text/html"))
    }

    /// The first few characters of the body on one line, for messages.
    pub fn snippet(&self) -> String {
        let flat: String = self.body.split_whitespace().collect::<Vec<_>>().join(" ");
        let cut: String = flat.chars().take(80).collect();
        if cut.len() < flat.len() {
            format!("{cut}…")
        } else {
            cut
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The JSON object in a body that may carry noise around it: PHP prints notices,
/// warnings and deprecations (as HTML or text) before the output of a script that goes
/// on to answer normally, and sometimes after it. Tries the whole body first, then each
/// `{` in turn (at most 64), and takes the first object `accept` agrees is the answer.
/// Returns the object and whether noise had to be skipped.
pub fn json_in(
    body: &str,
    accept: impl Fn(&serde_json::Value) -> bool,
) -> Option<(serde_json::Value, bool)> {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        return accept(&value).then_some((value, false));
    }
    for (tried, (at, _)) in body.match_indices('{').enumerate() {
        if tried == 64 {
            break;
        }
        let mut values =
            serde_json::Deserializer::from_str(&body[at..]).into_iter::<serde_json::Value>();
        if let Some(Ok(value)) = values.next() {
            if value.is_object() && accept(&value) {
                return Some((value, true));
            }
        }
    }
    None
}

/// What a fetch gave back: an answer, or no answer at all. The browser does not say why a
/// request failed (refused, DNS, TLS and CORS all look the same), only that it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    Answered(HttpResponse),
    NoAnswer { detail: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_body_is_percent_encoded() {
        let b = Body::Form(vec![
            ("Module".into(), "Core".into()),
            ("Parameters".into(), r#"{"A":"x y&z=+"}"#.into()),
        ]);
        assert_eq!(
            b.encode(),
            "Module=Core&Parameters=%7B%22A%22%3A%22x+y%26z%3D%2B%22%7D"
        );
        assert_eq!(b.content_type(), "application/x-www-form-urlencoded");
    }

    #[test]
    fn header_lookup_ignores_case() {
        let r = HttpResponse::new(429, "").with_header("retry-after", "3");
        assert_eq!(r.header("Retry-After"), Some("3"));
        assert_eq!(r.header("X-Other"), None);
    }

    #[test]
    fn json_is_found_after_php_notices_and_before_trailing_noise() {
        let has_result = |v: &serde_json::Value| v.get("Result").is_some();
        assert_eq!(
            json_in(r#"{"Result":1}"#, has_result),
            Some((serde_json::json!({"Result":1}), false))
        );
        let noisy = "<br />\n<b>Notice</b>:  Undefined index: x in <b>/var/www/a.php</b> on line <b>12</b><br />\n{\"Result\":{\"a\":{\"b\":2}}}";
        assert_eq!(
            json_in(noisy, has_result),
            Some((serde_json::json!({"Result":{"a":{"b":2}}}), true))
        );
        let trailing = "{\"Result\":3}\n<b>Deprecated</b>: y";
        assert_eq!(
            json_in(trailing, has_result).map(|v| v.0["Result"].clone()),
            Some(3.into())
        );
        // A brace inside the notice does not fool it.
        let brace = "Warning: {oops} in x.php\n{\"Result\":4}";
        assert_eq!(
            json_in(brace, has_result).map(|v| v.0["Result"].clone()),
            Some(4.into())
        );
        assert_eq!(json_in("<html>no json</html>", has_result), None);
        assert_eq!(json_in(r#"{"Other":1}"#, has_result), None);
    }
}
