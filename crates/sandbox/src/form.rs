//! Reading a POST body the way PHP fills `$_POST`: only for
//! `application/x-www-form-urlencoded` and `multipart/form-data`. Any other content
//! type (JSON included) gives no fields at all, which is why Aurora answers a JSON body
//! with 103.

use std::collections::HashMap;

/// The form fields of a body, or `None` when its content type is not a form.
/// A repeated field keeps its last value, as PHP does.
pub fn parse_form(content_type: Option<&str>, body: &[u8]) -> Option<HashMap<String, String>> {
    let content_type = content_type?;
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
            Some(pairs.into_iter().collect())
        }
        "multipart/form-data" => {
            let boundary = parameter(content_type, "boundary")?;
            Some(parse_multipart(body, &boundary).into_iter().collect())
        }
        _ => None,
    }
}

/// A `key=value` parameter of a header value such as a content type.
fn parameter(header: &str, key: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|part| {
        let (k, v) = part.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The text fields of a multipart body (file parts are read as text too; none expected).
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<(String, String)> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut fields = Vec::new();
    let mut positions = Vec::new();
    let mut from = 0;
    while let Some(at) = find(body, &delimiter, from) {
        positions.push(at);
        from = at + delimiter.len();
    }
    for pair in positions.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n", 0) else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let value = String::from_utf8_lossy(&part[split + 4..]).into_owned();
        let name = head.lines().find_map(|line| {
            let (key, rest) = line.split_once(':')?;
            if !key.trim().eq_ignore_ascii_case("content-disposition") {
                return None;
            }
            parameter(rest, "name")
        });
        if let Some(name) = name {
            fields.push((name, value));
        }
    }
    fields
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded() {
        let form = parse_form(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"Module=Core&Method=CreateUser&Parameters=%7B%22a%22%3A1%7D",
        )
        .unwrap();
        assert_eq!(form["Module"], "Core");
        assert_eq!(form["Parameters"], r#"{"a":1}"#);
    }

    #[test]
    fn json_is_not_a_form() {
        assert!(parse_form(Some("application/json"), b"{\"Module\":\"Core\"}").is_none());
        assert!(parse_form(None, b"Module=Core").is_none());
    }

    #[test]
    fn multipart() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"Module\"\r\n\r\nCore\r\n--XyZ\r\ncontent-disposition: form-data; name=\"Parameters\"\r\n\r\n{\"a\":\"x\r\ny\"}\r\n--XyZ--\r\n";
        let form = parse_form(Some("multipart/form-data; boundary=XyZ"), body).unwrap();
        assert_eq!(form["Module"], "Core");
        assert_eq!(form["Parameters"], "{\"a\":\"x\r\ny\"}");
    }
}
