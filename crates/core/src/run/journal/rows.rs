//! Row indices written compactly, as ranges (the rows in flight between two full writes).

/// Row indices as compact ranges: `3-7,9,12-13`.
pub fn encode_rows(rows: impl IntoIterator<Item = usize>) -> String {
    let mut rows: Vec<usize> = rows.into_iter().collect();
    rows.sort_unstable();
    rows.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < rows.len() {
        let start = rows[i];
        while i + 1 < rows.len() && rows[i + 1] == rows[i] + 1 {
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if rows[i] == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{}", rows[i]));
        }
        i += 1;
    }
    out
}

/// Reads [`encode_rows`]' ranges back; a damaged part is skipped.
pub fn decode_rows(text: &str) -> Vec<usize> {
    let mut rows = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                    if a <= b && b - a < 10_000_000 {
                        rows.extend(a..=b);
                    }
                }
            }
            None => rows.extend(part.parse::<usize>().ok()),
        }
    }
    rows
}
