//! Reading a dropped file: bytes to text, text to records with their line numbers.

use std::fmt;

use crate::detect;

/// One non-blank record of the input, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A parsed file: an optional header, then the data records in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub delimiter: u8,
    pub header: Option<Vec<String>>,
    pub records: Vec<Record>,
}

/// Why a file could not be read. Every variant names what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Empty,
    Binary { looks_like: &'static str },
    NotUtf8 { byte_offset: usize },
    Csv { line: Option<u64>, message: String },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Empty => write!(f, "The file is empty: it holds no rows to import."),
            ReadError::Binary { looks_like } => write!(
                f,
                "This is not a text file (it looks like {looks_like}). Save the sheet as CSV (UTF-8) and drop that file instead."
            ),
            ReadError::NotUtf8 { byte_offset } => write!(
                f,
                "The file is not UTF-8 text (invalid byte at offset {byte_offset}). Save it as \"CSV UTF-8\" and try again."
            ),
            ReadError::Csv { line: Some(line), message } => {
                write!(f, "Line {line} cannot be read: {message}")
            }
            ReadError::Csv { line: None, message } => write!(f, "The file cannot be read: {message}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Turns the file's bytes into text. UTF-8, with or without a byte-order mark.
pub fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Empty);
    }
    if let Some(looks_like) = sniff_binary(bytes) {
        return Err(ReadError::Binary { looks_like });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|e| ReadError::NotUtf8 {
            byte_offset: e.valid_up_to(),
        })
}

/// Names the kind of a binary file from its first bytes, if it is one.
fn sniff_binary(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 7] = [
        (b"PK\x03\x04", "a ZIP archive or an Excel .xlsx workbook"),
        (b"\xD0\xCF\x11\xE0", "an old Excel .xls workbook"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1F\x8B", "a gzip archive"),
    ];
    if let Some((_, name)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return Some(name);
    }
    let head = &bytes[..bytes.len().min(4096)];
    head.contains(&0).then_some("a binary file")
}

/// Splits text into records. The delimiter and the header are detected; fields are trimmed
/// (so the seed's `email | password` lines read as two clean fields) and blank lines are
/// skipped. Quoting follows RFC 4180, by the `csv` crate.
pub fn parse(text: &str) -> Result<Table, ReadError> {
    let delimiter = detect::delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    // The csv crate does not count the blank lines it skips, and a record's offset points
    // before them, so lines are counted here from that offset past any line breaks.
    let bytes = text.as_bytes();
    let mut counted = (0usize, 1u64);
    let mut line_at = |mut byte: usize| {
        while matches!(bytes.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let (from, line) = counted;
        let newlines = bytes[from..byte].iter().filter(|&&b| b == b'\n').count();
        counted = (byte, line + newlines as u64);
        counted.1
    };
    for result in reader.records() {
        let record = result.map_err(|e| ReadError::Csv {
            line: e.position().map(|p| line_at(p.byte() as usize)),
            message: e.to_string(),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        records.push(Record {
            line: record.position().map_or(0, |p| line_at(p.byte() as usize)),
            fields: record.iter().map(str::to_owned).collect(),
        });
    }
    let header = match records.first() {
        Some(first) if detect::looks_like_header(&first.fields) => Some(records.remove(0).fields),
        _ => None,
    };
    if records.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(Table {
        delimiter,
        header,
        records,
    })
}

/// [`decode`] then [`parse`].
pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
    parse(&decode(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(t: &Table) -> Vec<Vec<&str>> {
        t.records
            .iter()
            .map(|r| r.fields.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn seed_batch_file() {
        let t = read(
            b"a@localhost | p123\na2@localhost | p232\na3@localhost | p333\na4@localhost | p444\n",
        )
        .unwrap();
        assert_eq!(t.delimiter, b'|');
        assert_eq!(t.header, None);
        assert_eq!(
            fields(&t),
            [
                ["a@localhost", "p123"],
                ["a2@localhost", "p232"],
                ["a3@localhost", "p333"],
                ["a4@localhost", "p444"]
            ]
        );
        assert_eq!(
            t.records.iter().map(|r| r.line).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
    }

    #[test]
    fn blank_lines_trailing_spaces_and_crlf() {
        let t = read(b"\r\na@localhost | p123   \r\n\r\n  a2@localhost|p232\r\n   \r\n").unwrap();
        assert_eq!(
            fields(&t),
            [["a@localhost", "p123"], ["a2@localhost", "p232"]]
        );
        assert_eq!(t.records[0].line, 2);
        assert_eq!(t.records[1].line, 4);
    }

    #[test]
    fn header_row_is_detected_and_removed() {
        let t = read(b"Email,Password\nx@y.z,secret\n").unwrap();
        assert_eq!(t.header, Some(vec!["Email".into(), "Password".into()]));
        assert_eq!(fields(&t), [["x@y.z", "secret"]]);
        assert_eq!(t.records[0].line, 2);
    }

    #[test]
    fn quoted_fields_keep_delimiters_and_newlines() {
        let t = read(b"email,password\n\"x@y.z\",\"a,b\"\"c\nd\"\n").unwrap();
        assert_eq!(fields(&t), [["x@y.z", "a,b\"c\nd"]]);
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let t = read("\u{FEFF}émile@x.y | pässwörd\n".as_bytes()).unwrap();
        assert_eq!(fields(&t), [["émile@x.y", "pässwörd"]]);
    }

    #[test]
    fn empty_and_header_only_files_are_errors() {
        assert_eq!(read(b""), Err(ReadError::Empty));
        assert_eq!(read(b" \n\r\n"), Err(ReadError::Empty));
        assert_eq!(read(b"email,password\n"), Err(ReadError::Empty));
    }

    #[test]
    fn binary_files_are_named() {
        let err = read(b"PK\x03\x04rest-of-zip").unwrap_err();
        assert!(err.to_string().contains("xlsx"), "{err}");
        assert!(matches!(read(b"ab\0cd"), Err(ReadError::Binary { .. })));
    }

    #[test]
    fn invalid_utf8_names_the_offset() {
        assert_eq!(
            read(b"ab\xFFcd"),
            Err(ReadError::NotUtf8 { byte_offset: 2 })
        );
    }
}
