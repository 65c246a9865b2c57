//! Quotes that do not close where they should: which fields a record's raw bytes quote,
//! whether a quoted field swallowed lines that look like records of their own, and the
//! lenient reading that makes such a quote an ordinary character.

/// For each field of a record's raw bytes, whether it is quoted as `csv-core` reads
/// quotes: a quote as the field's first byte opens it, a doubled quote inside is a quote,
/// and the field ends at the first delimiter outside quotes. A quoted field is kept
/// exactly as written between its quotes (a password `" Pw1 "` keeps its spaces); only
/// an unquoted field is trimmed (the seed's `email | password` lines).
pub(super) fn quoted_fields(raw: &[u8], delimiter: u8) -> Vec<bool> {
    // A field counts as quoted once its quote closes: one that never closes (a stray
    // quote that ran to the end) is trimmed as before.
    let mut out = vec![false];
    let mut inside = raw.first() == Some(&b'"');
    let mut i = usize::from(inside);
    while i < raw.len() {
        let b = raw[i];
        if inside {
            if b == b'"' {
                if raw.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    inside = false;
                    *out.last_mut().expect("one field") = true;
                }
            }
        } else if b == delimiter {
            out.push(false);
            inside = raw.get(i + 1) == Some(&b'"');
            i += usize::from(inside);
        }
        i += 1;
    }
    out
}

/// The state of one field while a record's raw bytes are scanned, as `csv-core` reads
/// them with its defaults: a quote counts only as a field's first byte, a doubled quote
/// inside quotes is a quote, and after the closing quote the field goes on unquoted.
struct QuoteScan {
    delimiter: u8,
    field_start: bool,
    /// Where the open quote is, while inside one.
    open: Option<usize>,
}

impl QuoteScan {
    fn new(delimiter: u8) -> QuoteScan {
        QuoteScan {
            delimiter,
            field_start: true,
            open: None,
        }
    }

    /// Feeds the byte at `i` (`next` is the one after it). Returns the quoted field's
    /// (open, close) offsets when this byte closes one; skips a doubled quote.
    fn feed(
        &mut self,
        i: usize,
        b: u8,
        next: Option<u8>,
        skip: &mut bool,
    ) -> Option<(usize, usize)> {
        match self.open {
            Some(open) => {
                if b == b'"' {
                    if next == Some(b'"') {
                        *skip = true;
                    } else {
                        self.open = None;
                        self.field_start = false;
                        return Some((open, i));
                    }
                }
                None
            }
            None => {
                if self.field_start && b == b'"' {
                    self.open = Some(i);
                }
                self.field_start = b == self.delimiter || b == b'\n' || b == b'\r';
                None
            }
        }
    }
}

/// How many continuation lines a quoted field may span before it is taken for a stray
/// quote even when none of them looks like a record.
pub(super) const MAX_FIELD_LINES: usize = 20;

/// Whether one record's raw bytes hold a quoted field that swallowed other lines. Only
/// called for records with a line break inside a field (rare). The record is taken for
/// a stray quote's work when it ends inside quotes (the quote never closes), when it
/// spans more than [`MAX_FIELD_LINES`] line breaks, or when a line strictly inside it
/// looks like a record of its own: as many delimiters as a record has (`width` fields),
/// or any text at all in a one-column file. A real multi-line value (an address, a note)
/// has none of these: its first and last lines hold the other fields, the ones between
/// hold text without the delimiters of a whole record.
///
/// Returns (line breaks before the first quoted field with a line break, where the
/// trouble starts even when a later quote is the one that swallows; line breaks from
/// there to the record's end; whether the record ends inside quotes).
pub(super) fn swallowed(raw: &[u8], delimiter: u8, width: usize) -> Option<(usize, usize, bool)> {
    let looks_like_record = |line: &[u8]| {
        if width <= 1 {
            line.iter().any(|b| !b.is_ascii_whitespace())
        } else {
            line.iter().filter(|&&b| b == delimiter).count() >= width - 1
        }
    };
    // The record's own terminator is not part of it.
    let content = raw.strip_suffix(b"\n").unwrap_or(raw);
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    let mut scan = QuoteScan::new(delimiter);
    let mut skip = false;
    let mut first_multiline: Option<usize> = None;
    for (i, &b) in content.iter().enumerate() {
        if std::mem::take(&mut skip) {
            continue;
        }
        if let Some((open, close)) = scan.feed(i, b, content.get(i + 1).copied(), &mut skip) {
            if content[open..close].contains(&b'\n') {
                first_multiline.get_or_insert(open);
            }
        }
    }
    let unclosed = match scan.open {
        Some(open) if content[open..].contains(&b'\n') => {
            first_multiline.get_or_insert(open);
            true
        }
        _ => false,
    };
    let open = first_multiline?;
    let lines: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
    let breaks = lines.len() - 1;
    let inner = &lines[1..lines.len() - 1];
    let found = unclosed || breaks > MAX_FIELD_LINES || inner.iter().any(|l| looks_like_record(l));
    if !found {
        return None;
    }
    let before = content[..open].iter().filter(|&&b| b == b'\n').count();
    Some((before, breaks - before, unclosed))
}

/// The text with every quote that does not close on its own line made an ordinary
/// character (RFC 4180's lenient reading of a stray quote), or `None` when no line has
/// one. Such a field and the fields after it on its line are split at the delimiter, and
/// each piece holding a quote is written as a quoted field with its quotes doubled, so
/// the parser reads the quote as text. Line breaks are kept, so line numbers stay.
pub fn literal_stray_quotes(text: &str, delimiter: u8) -> Option<String> {
    let mut out: Option<String> = None;
    let mut done = 0;
    let mut line_start = 0;
    let bytes = text.as_bytes();
    while line_start < bytes.len() {
        let line_end = bytes[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| line_start + p);
        let content_end = if line_end > line_start && bytes[line_end - 1] == b'\r' {
            line_end - 1
        } else {
            line_end
        };
        let line = &bytes[line_start..content_end];
        let mut scan = QuoteScan::new(delimiter);
        let mut skip = false;
        for (i, &b) in line.iter().enumerate() {
            if std::mem::take(&mut skip) {
                continue;
            }
            scan.feed(i, b, line.get(i + 1).copied(), &mut skip);
        }
        if let Some(open) = scan.open {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len() + 64));
            let open = line_start + open;
            out.push_str(&text[done..open]);
            let rest = &text[open..content_end];
            for (k, piece) in rest.split(delimiter as char).enumerate() {
                if k > 0 {
                    out.push(delimiter as char);
                }
                if piece.contains('"') {
                    out.push('"');
                    out.push_str(&piece.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(piece);
                }
            }
            done = content_end;
        }
        line_start = line_end + 1;
    }
    out.map(|mut out| {
        out.push_str(&text[done..]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::Broken;
    use crate::input::read::{
        layout, parse, parse_layout, read, read_with, Layout, ReadOptions, Table,
    };
    fn fields(t: &Table) -> Vec<Vec<&str>> {
        t.records
            .iter()
            .map(|r| r.fields.iter().collect())
            .collect()
    }

    fn users(n: usize, broken: &[(usize, &str)]) -> String {
        let mut text = String::from("email,password,name\n");
        for i in 1..=n {
            let name = broken
                .iter()
                .find(|(k, _)| *k == i)
                .map_or(format!("Name {i}"), |(_, v)| v.to_string());
            text.push_str(&format!("user{i}@example.com,pw-{i},{name}\n"));
        }
        text
    }

    #[test]
    fn an_unclosed_quote_is_named_and_its_row_broken() {
        // Line 5001 holds user 5000, whose name opens a quote that never closes.
        let text = users(10_000, &[(5000, "\"Name 5000")]);
        let t = parse(&text).unwrap();
        assert_eq!(t.records.len(), 5000);
        assert_eq!(
            t.broken,
            [Broken {
                record: 4999,
                line: 5001,
                last_line: 10_001,
                unclosed: true
            }]
        );
        assert_eq!(
            t.broken[0].message(),
            "line 5001: a quote opens here and never closes, so the 5000 lines after it (to the end of the file) were read into this one row"
        );
        assert!(t.broken_at(4999).is_some() && t.broken_at(4998).is_none());
        let lenient = parse_layout(
            &text,
            Layout {
                literal_quotes: true,
                ..layout(&text, &ReadOptions::default())
            },
        )
        .unwrap();
        assert_eq!(lenient.records.len(), 10_000);
        assert!(lenient.broken.is_empty());
        assert_eq!(
            fields(&lenient)[4999],
            ["user5000@example.com", "pw-5000", "\"Name 5000"]
        );
        assert_eq!(lenient.records[4999].line, 5001);
        assert_eq!(lenient.records[9999].line, 10_001);
    }

    #[test]
    fn two_stray_quotes_are_named_with_both_lines() {
        let text = users(10_000, &[(1000, "\"Name 1000"), (5000, "Name 5000\"")]);
        let t = parse(&text).unwrap();
        assert_eq!(t.records.len(), 6000);
        assert_eq!(t.broken.len(), 1);
        assert_eq!(
            t.broken[0].message(),
            "line 1001: a quote opens here and closes only on line 5001, so the 4000 lines after it were read into this one row"
        );
        let lenient = read_with(
            text.as_bytes(),
            &ReadOptions {
                literal_quotes: true,
                ..ReadOptions::default()
            },
        )
        .unwrap()
        .0;
        assert_eq!(lenient.records.len(), 10_000);
        assert_eq!(&lenient.records[999].fields[2], "\"Name 1000");
        assert_eq!(&lenient.records[4999].fields[2], "Name 5000\"");
    }

    #[test]
    fn quoted_fields_keep_their_spaces() {
        let t = read(
            b"email,password,name\n\
              lead@x.y,\" lead-space-Pw1\",Lead\n\
              trail@x.y,\"trail-space-Pw2 \", Trail \n\
              \"both@x.y\",\"  both \"\"Pw3\"\"  \",\" Both \"\n",
        )
        .unwrap();
        assert_eq!(
            fields(&t),
            [
                ["lead@x.y", " lead-space-Pw1", "Lead"],
                ["trail@x.y", "trail-space-Pw2 ", "Trail"],
                ["both@x.y", "  both \"Pw3\"  ", " Both "],
            ]
        );
        assert_eq!(quoted_fields(b"a,\" b\",c", b','), [false, true, false]);
        assert_eq!(quoted_fields(b"\"a\"\"\",\"unclosed", b','), [true, false]);
        assert_eq!(quoted_fields(b"a;\"b;c\";d", b';'), [false, true, false]);
        // A quoted value that equals the text where it starts (`"""` written as eight
        // quotes) is still the unquoted value, not that text unquoted once more.
        let t = read(b"a@x.y,\"\"\"\"\"\"\"\",\"\"\n").unwrap();
        assert_eq!(fields(&t), [["a@x.y", "\"\"\"", ""]]);
    }

    proptest::proptest! {
        /// A quoted field reads as the `csv` crate unquotes it, spaces and all (only
        /// unquoted fields are trimmed).
        #[test]
        fn quoted_fields_read_as_the_csv_crate_unquotes_them(
            cells in proptest::collection::vec("[ a-z\"Pw1,]{0,8}", 2..5),
        ) {
            let line: Vec<String> = cells
                .iter()
                .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                .collect();
            let text = format!("a@x.y,{}\nb@x.y,{}\n", line.join(","), line.join(","));
            let layout = Layout { delimiter: b',', skip_lines: 0, header: false, literal_quotes: false };
            let t = parse_layout(&text, layout).unwrap();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            for (record, want) in t.records.iter().zip(reader.records()) {
                let want = want.unwrap();
                let got: Vec<&str> = record.fields.iter().collect();
                let want: Vec<&str> = want.iter().collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn real_multiline_fields_are_not_broken() {
        let t = read(b"email,password,note\na@x.y,p,\"first line\nsecond line\"\nb@x.y,q,\"x\"\n")
            .unwrap();
        assert!(t.broken.is_empty());
        assert_eq!(t.records.len(), 2);
        assert_eq!(literal_stray_quotes("a,\"b\",c\n", b','), None);
        assert_eq!(
            literal_stray_quotes("a,\"b,c\r\nd,e\n", b',').unwrap(),
            "a,\"\"\"b\",c\r\nd,e\n"
        );
    }
}
