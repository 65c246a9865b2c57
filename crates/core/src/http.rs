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
/// (`crate::targets::profile`) also GET (exists probes, whoami) and PUT (upserts).
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
        // At most 256 bytes, cut on a character boundary (an answer is outside text).
        let lower = prefix(head, 256).to_ascii_lowercase();
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

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What a fetch gave back: an answer, a redirect, or no answer at all. The browser does
/// not say why a request failed (refused, DNS, TLS and CORS all look the same), only that
/// it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    Answered(HttpResponse),
    /// The server answered with a redirect (3xx), which was not followed: a request
    /// that carries a credential, a token or a password is never sent on to another
    /// address. The browser hides a redirect's `Location` from the page; `location` is
    /// where a plain `GET` of the same URL (no credential, no body) ended up, when that
    /// could be learned, and `None` when it could not.
    Redirected {
        location: Option<String>,
    },
    NoAnswer {
        detail: String,
    },
    /// The request was never sent: the browser would not build it (a header value it
    /// cannot send, named in `reason`). Nothing reached the server.
    NotSent {
        reason: String,
    },
}

impl Exchange {
    /// A redirect to `location` (known or not).
    pub fn redirected(location: Option<&str>) -> Exchange {
        Exchange::Redirected {
            location: location.map(str::to_owned),
        }
    }
}

/// "the server answered with a redirect to …", in words, for messages.
pub fn redirect_words(location: Option<&str>) -> String {
    match location {
        Some(to) => format!("the server answered with a redirect to {to}"),
        None => "the server answered with a redirect, and the browser does not show where to (a plain GET of the same address was not redirected, or could not be read)".into(),
    }
}

/// Why a header value cannot be sent by a browser, in words naming the header; `None`
/// when it can. Fetch takes a header value as a byte string: every character must be at
/// most U+00FF, and none may be NUL, CR or LF (the page's `Headers.append` throws
/// otherwise). Never shows the value: it may be a secret.
pub fn header_problem(name: &str, value: &str) -> Option<String> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !name_ok {
        return Some(format!(
            "The header name \"{name}\" cannot be sent: a header name is letters, digits and !#$%&'*+-.^_`|~ only."
        ));
    }
    let bad = value
        .chars()
        .find(|&c| u32::from(c) > 0xFF || matches!(c, '\0' | '\r' | '\n'))?;
    Some(format!(
        "The header {name} cannot be sent: its value holds {} ({}), and a browser sends only characters up to U+00FF in a header, and no line break or NUL.",
        char_name(bad),
        code_point(bad),
    ))
}

/// `U+200B`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// A few words for a character nobody sees or that a keyboard rarely types.
pub fn char_name(c: char) -> &'static str {
    match c {
        '\u{200B}' => "a zero-width space",
        '\u{200C}' | '\u{200D}' => "a zero-width joiner",
        '\u{2060}' => "a word joiner",
        '\u{FEFF}' => "a byte order mark (zero-width no-break space)",
        '\u{00AD}' => "a soft hyphen",
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
            "a text direction mark"
        }
        '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' => "a curly quote",
        '\u{2013}' | '\u{2014}' => "a dash",
        '\u{2028}' | '\u{2029}' => "a line separator",
        '\r' | '\n' => "a line break",
        '\t' => "a tab",
        c if c.is_control() => "a control character",
        c if is_invisible(c) => "an invisible formatting character",
        c if u32::from(c) > 0xFF => "a character outside Latin-1",
        _ => "a character",
    }
}

/// Whether `c` is invisible: a control character (Unicode Cc), a format character
/// (Unicode Cf: zero-width spaces and joiners, the byte order mark, direction marks, the
/// soft hyphen, tags) or a line or paragraph separator. Such a character in a pasted key
/// or password is almost always an accident of the copy.
pub fn is_invisible(c: char) -> bool {
    // The Cf ranges of Unicode 15.1 (`General_Category=Format`).
    const FORMAT: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let n = u32::from(c);
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}')
        || FORMAT.iter().any(|&(lo, hi)| (lo..=hi).contains(&n))
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
    fn html_is_sniffed_without_cutting_a_character() {
        // Byte 256 falls inside "é" (2 bytes) or "日" (3 bytes): it used to panic.
        for pad in 0..4 {
            for ch in ["é", "日", "😀"] {
                let body = format!("{}{}", "x".repeat(250 + pad), ch.repeat(10));
                assert!(!HttpResponse::new(201, body.clone()).looks_like_html());
                let page = format!("<!DOCTYPE html>{body}");
                assert!(HttpResponse::new(200, page).looks_like_html());
            }
        }
        assert_eq!(prefix("aé", 2), "a");
        assert_eq!(prefix("aé", 3), "aé");
        assert_eq!(prefix("", 0), "");
    }

    #[test]
    fn header_values_a_browser_refuses_are_named() {
        assert_eq!(header_problem("Authorization", "Bearer abc-123 é"), None);
        let zw = header_problem("PRIVATE-TOKEN", "glpat\u{200B}x").unwrap();
        assert!(zw.contains("PRIVATE-TOKEN"), "{zw}");
        assert!(
            zw.contains("U+200B") && zw.contains("zero-width space"),
            "{zw}"
        );
        assert!(!zw.contains("glpat"), "never the value: {zw}");
        let quote = header_problem("X-Key", "k\u{2019}").unwrap();
        assert!(quote.contains("curly quote"), "{quote}");
        assert!(header_problem("X-Key", "a\nb").is_some());
        assert!(header_problem("Bad Name", "v").is_some());
    }

    #[test]
    fn invisible_characters_are_known() {
        for c in [
            '\u{200B}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{202E}',
            '\u{0007}',
            '\u{E0041}',
        ] {
            assert!(is_invisible(c), "{}", code_point(c));
        }
        for c in ['a', 'é', ' ', '\u{00A0}', '日', '’'] {
            assert!(!is_invisible(c), "{}", code_point(c));
        }
    }

    #[test]
    fn redirects_are_described_with_or_without_a_location() {
        assert!(redirect_words(Some("https://h/x/")).contains("https://h/x/"));
        assert!(redirect_words(None).contains("does not show where"));
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
