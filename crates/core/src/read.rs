//! Reading a dropped file: bytes to text, text to records with their line numbers.

use std::fmt;

use smallvec::SmallVec;

use crate::decode::{self, TextEncoding};
use crate::detect;

/// One non-blank record of the input, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub fields: Fields,
}

/// A record's fields, trimmed and unquoted, stored compactly: their text back to back in
/// one allocation, and where each one ends (inline for up to [`INLINE_FIELDS`] fields).
/// A million records are a million allocations this way, not one per field (profiling
/// the read path showed most of its time in the allocator; see BENCHMARKS.md).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fields {
    text: Box<str>,
    ends: SmallVec<[u32; INLINE_FIELDS]>,
}

/// How many fields a record holds without a second allocation.
pub const INLINE_FIELDS: usize = 8;

impl Fields {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// Sets field `i` (adding empty fields up to it if the record is shorter).
    pub fn set(&mut self, i: usize, value: &str) {
        let mut fields: Vec<&str> = self.iter().collect();
        if fields.len() <= i {
            fields.resize(i + 1, "");
        }
        fields[i] = value;
        *self = fields.into_iter().collect();
    }
}

/// Collects one record's fields, reused from record to record; [`FieldsBuilder::build`]
/// makes the compact copy.
#[derive(Default)]
struct FieldsBuilder {
    text: String,
    ends: SmallVec<[u32; INLINE_FIELDS]>,
}

impl FieldsBuilder {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn push(&mut self, field: &str) {
        self.text.push_str(field);
        self.ends.push(self.text.len() as u32);
    }

    fn all_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn build(&self) -> Fields {
        Fields {
            text: self.text.as_str().into(),
            ends: self.ends.clone(),
        }
    }
}

impl std::ops::Index<usize> for Fields {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        self.get(i).expect("field index in range")
    }
}

impl<S: AsRef<str>> FromIterator<S> for Fields {
    fn from_iter<I: IntoIterator<Item = S>>(fields: I) -> Fields {
        let mut builder = FieldsBuilder::default();
        for f in fields {
            builder.push(f.as_ref());
        }
        builder.build()
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Fields {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = &'a str;
    type IntoIter = Box<dyn Iterator<Item = &'a str> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A parsed file: an optional header, then the data records in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub delimiter: u8,
    pub header: Option<Vec<String>>,
    pub records: Vec<Record>,
    /// How many fields a record should have: the header's, or else the most common count.
    /// A record with another count is ragged, and the plan marks it invalid.
    pub width: usize,
}

impl Table {
    /// The name of column `i` for messages: its header, or "column N".
    pub fn column_name(&self, i: usize) -> String {
        match self.header.as_ref().and_then(|h| h.get(i)) {
            Some(name) if !name.is_empty() => format!("column \"{name}\""),
            _ => format!("column {}", i + 1),
        }
    }
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
                "This is not a text file (it looks like {looks_like}). Open it in your spreadsheet program, save it as CSV (UTF-8), and drop that file instead."
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

/// Turns the file's bytes into text: UTF-8 (with or without a byte-order mark), UTF-16
/// with a mark, or Windows-1252 when the bytes are not UTF-8. See [`crate::decode`].
pub fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    decode::decode(bytes, None).map(|(text, _)| text)
}

/// What the user may override; `None` means "detect".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadOptions {
    pub encoding: Option<TextEncoding>,
    pub delimiter: Option<u8>,
    pub header: Option<bool>,
    pub skip_lines: Option<usize>,
}

/// How a text is laid out, detected or as overridden: what the parser uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub delimiter: u8,
    /// Lines above the data (a title, an export date) that are not read.
    pub skip_lines: usize,
    /// Whether the first record after the skipped lines holds the column names.
    pub header: bool,
}

/// The byte offset just past the first `lines` lines.
fn offset_after_lines(text: &str, lines: usize) -> usize {
    if lines == 0 {
        return 0;
    }
    let mut seen = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            seen += 1;
            if seen == lines {
                return i + 1;
            }
        }
    }
    text.len()
}

/// Detects what `options` leaves open.
pub fn layout(text: &str, options: &ReadOptions) -> Layout {
    let delimiter = options.delimiter.unwrap_or_else(|| detect::delimiter(text));
    let skip_lines = options
        .skip_lines
        .unwrap_or_else(|| detect::preamble_lines(text, delimiter));
    let header = options.header.unwrap_or_else(|| {
        let rest = &text[offset_after_lines(text, skip_lines)..];
        let mut reader = reader(rest.as_bytes(), delimiter);
        let mut first = None;
        let mut next = None;
        for record in reader.records().map_while(Result::ok) {
            if record.iter().all(str::is_empty) {
                continue;
            }
            let fields: Vec<String> = record.iter().map(str::to_owned).collect();
            if first.is_none() {
                first = Some(fields);
            } else {
                next = Some(fields);
                break;
            }
        }
        first.is_some_and(|f| detect::header_guess(&f, next.as_deref()))
    });
    Layout {
        delimiter,
        skip_lines,
        header,
    }
}

fn reader(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes)
}

/// A field quoted after a space (`a@x.y | "p|w"`) keeps its quotes in RFC 4180; the
/// seed's ` | ` format puts spaces there, so such quotes are removed here.
fn unquote(field: &str) -> std::borrow::Cow<'_, str> {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) if !inner.is_empty() => inner.replace("\"\"", "\"").into(),
        _ => field.into(),
    }
}

/// Parses a text a few thousand records at a time, so the page can breathe in between:
/// call [`Parser::step`] until it says it is done, then [`Parser::finish`].
/// Fields are trimmed (so the seed's `email | password` lines read as two clean fields),
/// blank lines are skipped, and quoting follows RFC 4180, by the `csv` crate.
pub struct Parser<'a> {
    reader: csv::Reader<&'a [u8]>,
    bytes: &'a [u8],
    skipped: usize,
    layout: Layout,
    /// (byte offset, line number) counted so far, to turn offsets into lines.
    counted: (usize, u64),
    header: Option<Vec<String>>,
    records: Vec<Record>,
    record: csv::ByteRecord,
    /// Reused for each record's fields while they are trimmed and unquoted.
    scratch: FieldsBuilder,
    done: bool,
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str, layout: Layout) -> Parser<'a> {
        let skipped = offset_after_lines(text, layout.skip_lines);
        let bytes = &text.as_bytes()[skipped..];
        Parser {
            // Fields are trimmed here, as they are turned into text (the csv crate's own
            // trimming rebuilds every record).
            reader: csv::ReaderBuilder::new()
                .delimiter(layout.delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes),
            bytes,
            skipped,
            layout,
            counted: (0, layout.skip_lines as u64 + 1),
            header: None,
            records: Vec::new(),
            record: csv::ByteRecord::new(),
            scratch: FieldsBuilder::default(),
            done: false,
        }
    }

    /// The line a record starts on. The csv crate does not count the blank lines it
    /// skips, and a record's offset points before them, so lines are counted here from
    /// that offset past any line breaks. Offsets only grow, so this is linear overall.
    fn line_at(&mut self, mut byte: usize) -> u64 {
        while matches!(self.bytes.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let (from, line) = self.counted;
        let byte = byte.max(from);
        let newlines = self.bytes[from..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.counted = (byte, line + newlines as u64);
        self.counted.1
    }

    /// Reads up to `max_records` more records. Returns true when the text is used up.
    pub fn step(&mut self, max_records: usize) -> Result<bool, ReadError> {
        let mut read = 0;
        while read < max_records && !self.done {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    read += 1;
                    // The text is UTF-8 and the csv crate splits only at ASCII bytes, so
                    // every field is UTF-8 too.
                    self.scratch.clear();
                    for field in self.record.iter() {
                        let field = std::str::from_utf8(field)
                            .expect("fields of UTF-8 text split at ASCII are UTF-8");
                        self.scratch.push(&unquote(field.trim()));
                    }
                    if self.scratch.all_empty() {
                        continue;
                    }
                    let fields = self.scratch.build();
                    if self.layout.header && self.header.is_none() && self.records.is_empty() {
                        self.header = Some(fields.iter().map(str::to_owned).collect());
                        continue;
                    }
                    let offset = self.record.position().map_or(0, |p| p.byte() as usize);
                    let line = self.line_at(offset);
                    self.records.push(Record { line, fields });
                }
                Err(e) => {
                    let line = e
                        .position()
                        .map(|p| p.byte() as usize)
                        .map(|b| self.line_at(b));
                    return Err(ReadError::Csv {
                        line,
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(self.done)
    }

    /// How many bytes of the text have been read, counting the skipped lines.
    pub fn position(&self) -> usize {
        self.skipped + self.reader.position().byte() as usize
    }

    /// The table, once [`Parser::step`] said it is done.
    pub fn finish(self) -> Result<Table, ReadError> {
        if self.records.is_empty() {
            return Err(ReadError::Empty);
        }
        let width = match &self.header {
            Some(h) => h.len(),
            None => {
                let mut freq = std::collections::HashMap::<usize, usize>::new();
                for r in &self.records {
                    *freq.entry(r.fields.len()).or_default() += 1;
                }
                freq.into_iter()
                    .max_by_key(|&(n, c)| (c, n))
                    .map_or(0, |(n, _)| n)
            }
        };
        Ok(Table {
            delimiter: self.layout.delimiter,
            header: self.header,
            records: self.records,
            width,
        })
    }
}

/// Parses a whole text with the given layout.
pub fn parse_layout(text: &str, layout: Layout) -> Result<Table, ReadError> {
    let mut parser = Parser::new(text, layout);
    while !parser.step(usize::MAX)? {}
    parser.finish()
}

/// Splits text into records, detecting the delimiter, the preamble and the header.
pub fn parse(text: &str) -> Result<Table, ReadError> {
    parse_layout(text, layout(text, &ReadOptions::default()))
}

/// Decodes and parses a whole file, detecting what `options` leaves open.
pub fn read_with(
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<(Table, TextEncoding, Layout), ReadError> {
    let (text, encoding) = decode::decode(bytes, options.encoding)?;
    let layout = layout(&text, options);
    Ok((parse_layout(&text, layout)?, encoding, layout))
}

/// [`decode`] then [`parse`].
pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
    read_with(bytes, &ReadOptions::default()).map(|(table, _, _)| table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(t: &Table) -> Vec<Vec<&str>> {
        t.records
            .iter()
            .map(|r| r.fields.iter().collect())
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
    fn invalid_utf8_falls_back_to_windows_1252() {
        let t = read(b"Ren\xE9e@x.y,p\n").unwrap();
        assert_eq!(fields(&t), [["Renée@x.y", "p"]]);
    }

    // csv-spectrum style cases.
    #[test]
    fn spectrum_comma_in_quotes_and_escaped_quotes() {
        let t = read(b"email,name\na@x.y,\"Doe, John\"\nb@x.y,\"say \"\"hi\"\"\"\n").unwrap();
        assert_eq!(
            fields(&t),
            [["a@x.y", "Doe, John"], ["b@x.y", "say \"hi\""]]
        );
    }

    #[test]
    fn spectrum_newlines_in_quotes_keep_line_numbers() {
        let t = read(b"email,note\r\na@x.y,\"one\r\ntwo\nthree\"\r\nb@x.y,x\r\n").unwrap();
        assert_eq!(&t.records[0].fields[1], "one\r\ntwo\nthree");
        assert_eq!(t.records[0].line, 2);
        assert_eq!(t.records[1].line, 5);
    }

    #[test]
    fn spectrum_empty_fields_and_utf8() {
        let t = read("email,password,name\nä@x.y,,\n😀@x.y,p,日本\n".as_bytes()).unwrap();
        assert_eq!(fields(&t), [["ä@x.y", "", ""], ["😀@x.y", "p", "日本"]]);
    }

    #[test]
    fn spectrum_crlf_and_lf_mixed_without_final_newline() {
        let t = read(b"email,password\r\na@x.y,p\nb@x.y,q").unwrap();
        assert_eq!(fields(&t), [["a@x.y", "p"], ["b@x.y", "q"]]);
    }

    #[test]
    fn spectrum_quoted_empty_and_spaces() {
        let t = read(b"email,password\n  \"a@x.y\" ,\"\"\n").unwrap();
        assert_eq!(fields(&t), [["a@x.y", ""]]);
    }

    #[test]
    fn parser_in_steps_matches_one_go() {
        let mut text = String::from("email;password\n");
        for i in 0..1000 {
            text.push_str(&format!("u{i}@x.y;p{i}\n\n"));
        }
        let layout = layout(&text, &ReadOptions::default());
        let whole = parse_layout(&text, layout).unwrap();
        let mut parser = Parser::new(&text, layout);
        let mut steps = 0;
        let mut last = 0;
        while !parser.step(7).unwrap() {
            steps += 1;
            assert!(parser.position() >= last);
            last = parser.position();
        }
        assert!(steps > 100);
        assert_eq!(parser.finish().unwrap(), whole);
        assert_eq!(whole.records[999].line, 2000);
    }

    #[test]
    fn overrides_win_over_detection() {
        let bytes = b"a@x.y;1,5\nb@x.y;2,5\n";
        let (t, _, l) = read_with(bytes, &ReadOptions::default()).unwrap();
        assert_eq!((l.delimiter, t.width), (b';', 2));
        let (t, _, l) = read_with(
            bytes,
            &ReadOptions {
                delimiter: Some(b','),
                ..ReadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(l.delimiter, b',');
        assert_eq!(fields(&t)[0], ["a@x.y;1", "5"]);
        let (t, _, _) = read_with(
            b"email,password\na@x.y,p\n",
            &ReadOptions {
                header: Some(false),
                ..ReadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(t.header, None);
        assert_eq!(t.records.len(), 2);
    }
}
