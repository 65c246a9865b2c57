//! HTTP requests and answers as plain data. The core builds requests and reads answers;
//! only the browser glue performs them.

/// How the request body is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `application/x-www-form-urlencoded` fields, in order.
    Form(Vec<(String, String)>),
    /// `application/json` text.
    Json(String),
}

impl Body {
    pub fn content_type(&self) -> &'static str {
        match self {
            Body::Form(_) => "application/x-www-form-urlencoded",
            Body::Json(_) => "application/json",
        }
    }

    /// The body's bytes as sent on the wire.
    pub fn encode(&self) -> String {
        match self {
            Body::Form(fields) => form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish(),
            Body::Json(text) => text.clone(),
        }
    }
}

/// A POST the glue must perform, always with `credentials: "omit"` so that no cookie of
/// the target's origin can stand in for the token the request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
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
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
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
        let r = HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), "3".into())],
            body: String::new(),
        };
        assert_eq!(r.header("Retry-After"), Some("3"));
        assert_eq!(r.header("X-Other"), None);
    }
}
