//! The key path (`create.method`, `answers[2].status`) of the place where serde_json
//! stopped with an error, found by walking the profile's text up to the error's line and
//! column. Only run when a profile does not read, so the reader itself stays a plain
//! `Deserialize` (a path-tracking wrapper around every deserializer costs the page
//! about 14 KB gzip).

/// The byte offset serde_json's 1-based `line` and `column` (bytes read on that line)
/// point at, clamped to the text.
pub(super) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = 0;
    if line > 1 {
        let mut seen = 0;
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                seen += 1;
                if seen == line - 1 {
                    start = i + 1;
                    break;
                }
            }
        }
        if seen < line - 1 {
            return bytes.len();
        }
    }
    start.saturating_add(column).min(bytes.len())
}

enum Frame {
    /// An object, and the key last read in it (until the comma after its value).
    Object { key: Option<String> },
    /// An array: the element's index, and whether that element has begun.
    Array { index: usize, begun: bool },
}

/// The key path at `offset` of a JSON `text`, as `a.b[2].c`; `.` at the top; the same
/// path serde_path_to_error gives (tested), for serde_json's error `message`.
pub(super) fn path_at(text: &str, offset: usize, message: &str) -> String {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    // Whether the last thing read is an object's key (no colon yet).
    let mut after_key = false;
    while i < end {
        let b = bytes[i];
        if !b.is_ascii_whitespace() {
            after_key = false;
        }
        match b {
            b'{' | b'[' => {
                begin_value(&mut stack);
                stack.push(if b == b'{' {
                    Frame::Object { key: None }
                } else {
                    Frame::Array {
                        index: 0,
                        begun: false,
                    }
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key }) => *key = None,
                Some(Frame::Array { index, begun }) => {
                    *index += 1;
                    *begun = false;
                }
                None => {}
            },
            b'"' => {
                // The string runs to the next quote that no backslash escapes.
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let close = j.min(bytes.len());
                match stack.last_mut() {
                    Some(Frame::Object { key: key @ None }) => {
                        *key = Some(unescape(&bytes[start..close]));
                        after_key = true;
                    }
                    _ => begin_value(&mut stack),
                }
                i = close;
                if after_key {
                    i += 1;
                    continue;
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => begin_value(&mut stack),
        }
        i += 1;
    }
    // A value serde_json stopped in front of (a map or list of the wrong type) is the
    // element being read; an enum's unknown variant written as a map's key is not a key.
    if matches!(bytes.get(end), Some(b'[' | b'{')) {
        begin_value(&mut stack);
    }
    if after_key && message.starts_with("unknown variant") {
        if let Some(Frame::Object { key }) = stack.last_mut() {
            *key = None;
        }
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Array { index, begun: true } => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
            _ => {}
        }
    }
    if path.is_empty() {
        path.push('.');
    }
    path
}

/// A value begins: in an array, that is its element's.
fn begin_value(stack: &mut [Frame]) {
    if let Some(Frame::Array { begun, .. }) = stack.last_mut() {
        *begun = true;
    }
}

/// A key's text, its common escapes undone (profile keys are plain ASCII).
fn unescape(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('\\') {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::{preset_json, Profile, ProfileError};

    /// Every way to break one spot of a value: each leaf replaced by values of other
    /// types, each key removed, an unknown key added to each object.
    fn breakages(value: &Value, out: &mut Vec<Value>, rebuild: &dyn Fn(Value) -> Value) {
        let replacements = [
            Value::from("x!"),
            Value::from(99_999),
            Value::from(-1),
            Value::from(true),
            Value::Null,
            Value::Array(vec![Value::from(1)]),
            serde_json::json!({ "zz": 1 }),
        ];
        for r in &replacements {
            if r != value {
                out.push(rebuild(r.clone()));
            }
        }
        match value {
            Value::Object(map) => {
                let mut extra = map.clone();
                extra.insert("unheard_of".into(), Value::from(1));
                out.push(rebuild(Value::Object(extra)));
                for key in map.keys() {
                    let mut less = map.clone();
                    less.remove(key);
                    out.push(rebuild(Value::Object(less)));
                    let (k, m) = (key.clone(), map.clone());
                    breakages(&map[key], out, &move |v| {
                        let mut m = m.clone();
                        m.insert(k.clone(), v);
                        rebuild(Value::Object(m))
                    });
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let all = items.clone();
                    breakages(item, out, &move |v| {
                        let mut all = all.clone();
                        all[i] = v;
                        rebuild(Value::Array(all))
                    });
                }
            }
            _ => {}
        }
    }

    /// The path serde_path_to_error (the reference, which wraps every deserializer and
    /// so is not in the app) gives for a text serde cannot read.
    fn reference(text: &str) -> Option<String> {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize::<_, Profile>(&mut de)
            .err()
            .map(|e| e.path().to_string())
    }

    #[test]
    fn the_key_path_of_a_serde_error_is_the_one_serde_path_to_error_gives() {
        let mut compared = 0;
        let mut near = 0;
        for id in ["synapse", "keycloak", "graph", "gitlab"] {
            let preset: Value = serde_json::from_str(preset_json(id).unwrap()).unwrap();
            let mut broken = Vec::new();
            breakages(&preset, &mut broken, &|v| v);
            for value in &broken {
                for text in [
                    serde_json::to_string_pretty(value).unwrap(),
                    serde_json::to_string(value).unwrap(),
                ] {
                    let Some(expected) = reference(&text) else {
                        continue;
                    };
                    let ProfileError { path, .. } = Profile::from_json(&text).unwrap_err();
                    compared += 1;
                    if path == expected {
                        continue;
                    }
                    // Two rare shapes differ by one segment: an error inside an enum's
                    // variant written as a map names the variant (`id_at.pointer`, where
                    // the reference stops at `id_at`), and a rule written as a list (serde
                    // reads a struct from one) stops at the list.
                    let (long, short) = if path.len() > expected.len() {
                        (&path, &expected)
                    } else {
                        (&expected, &path)
                    };
                    let rest = long.strip_prefix(short.as_str()).unwrap_or_else(|| {
                        panic!("{path} is not {expected}: {text}");
                    });
                    let one_segment = (rest.starts_with('.') && !rest[1..].contains(['.', '[']))
                        || (rest.starts_with('[')
                            && rest.matches('[').count() == 1
                            && !rest.contains('.'));
                    assert!(one_segment, "{path} is not {expected}: {text}");
                    near += 1;
                }
            }
        }
        assert!(
            compared > 2_000 && near * 20 < compared,
            "{near} of {compared}"
        );
    }

    #[test]
    fn a_key_path_is_found_in_any_text_without_a_panic() {
        for text in [
            "",
            "{",
            "\"",
            "{\"a\\",
            "[[[",
            "{\"a\":[1,{\"b\":\"\\u00e9",
            "é{\"é\":",
        ] {
            for line in 0..3 {
                for column in 0..12 {
                    let at = super::offset_of(text, line, column);
                    assert!(at <= text.len());
                    assert!(!super::path_at(text, at, "").is_empty());
                    assert!(!super::path_at(text, at, "unknown variant").is_empty());
                }
            }
        }
        assert_eq!(super::path_at("{\"a\": [1, {\"b\": 2", 17, ""), "a[1].b");
    }
}
