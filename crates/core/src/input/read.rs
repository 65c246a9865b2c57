//! Reading a dropped file: bytes to text, text to records with their line numbers.

use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::input::decode::{self, TextEncoding};
use crate::input::detect;

/// One non-blank record of the input, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub fields: Fields,
}

/// A record's fields, trimmed and unquoted. Most records hold no text of their own: their
/// fields are spans of the decoded file's text, which every record shares (one reference
/// count, no copy). A record whose fields differ from the text (a doubled quote inside
/// quotes, an edited cell) holds its own copy, its fields back to back. Either way the
/// spans are inline for up to [`INLINE_FIELDS`] fields. A million records are then no
/// allocation at all (profiling the read path showed most of its time in the allocator;
/// see BENCHMARKS.md).
#[derive(Clone)]
pub struct Fields {
    text: Arc<String>,
    /// Where each field starts and ends in `text`.
    spans: SmallVec<[(u32, u32); INLINE_FIELDS]>,
    /// Bit `i` set: field `i` was trimmed, it differs from the cell as written (spaces
    /// around an unquoted value). Fields from the 64th on are not tracked.
    trimmed: u64,
}

/// How many fields a record holds without a second allocation.
pub const INLINE_FIELDS: usize = 8;

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            text: Arc::default(),
            spans: SmallVec::new(),
            trimmed: 0,
        }
    }
}

impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl Fields {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let (start, end) = *self.spans.get(i)?;
        Some(&self.text[start as usize..end as usize])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// Sets field `i` (adding empty fields up to it if the record is shorter). The record
    /// then holds its own copy of its fields. The value set is as written: not trimmed.
    pub fn set(&mut self, i: usize, value: &str) {
        let mut fields: Vec<&str> = self.iter().collect();
        if fields.len() <= i {
            fields.resize(i + 1, "");
        }
        fields[i] = value;
        let trimmed = self.trimmed & !1u64.checked_shl(i as u32).unwrap_or(0);
        *self = fields.into_iter().collect();
        self.trimmed = trimmed;
    }

    /// Whether field `i` was trimmed by the reader: the value differs from the cell as
    /// written (an unquoted cell with spaces around it). A quoted cell is kept as written.
    pub fn trimmed(&self, i: usize) -> bool {
        i < 64 && self.trimmed & (1 << i) != 0 && i < self.len()
    }
}

impl Fields {
    /// `value` as a [`SharedStr`]: a span of this record's text when it is one (a field,
    /// or a part of one), else a copy. An empty value is an empty span, wherever it
    /// points: no allocation (a row without a user name, or without an address).
    pub fn share(&self, value: &str) -> SharedStr {
        if value.is_empty() {
            return SharedStr {
                text: Arc::clone(&self.text),
                start: 0,
                end: 0,
            };
        }
        let base = self.text.as_ptr() as usize;
        let at = value.as_ptr() as usize;
        if at >= base && at + value.len() <= base + self.text.len() {
            let start = at - base;
            if let (Ok(start32), Ok(end)) =
                (u32::try_from(start), u32::try_from(start + value.len()))
            {
                return SharedStr {
                    text: Arc::clone(&self.text),
                    start: start32,
                    end,
                };
            }
        }
        SharedStr::from(value)
    }
}

/// A piece of text that shares the decoded file's text with the records (see [`Fields`]):
/// a reference count and a span, no copy of its own. Reads as a `&str`.
#[derive(Clone)]
pub struct SharedStr {
    text: Arc<String>,
    start: u32,
    end: u32,
}

impl SharedStr {
    pub fn as_str(&self) -> &str {
        &self.text[self.start as usize..self.end as usize]
    }
}

impl Default for SharedStr {
    fn default() -> SharedStr {
        SharedStr::from("")
    }
}

impl From<&str> for SharedStr {
    /// A copy of `value`, in a text of its own.
    fn from(value: &str) -> SharedStr {
        SharedStr::from(value.to_owned())
    }
}

impl From<String> for SharedStr {
    fn from(value: String) -> SharedStr {
        let end = u32::try_from(value.len()).expect("a value shorter than 4 GiB");
        SharedStr {
            text: Arc::new(value),
            start: 0,
            end,
        }
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Collects one record's fields, reused from record to record: either as spans of the
/// shared text (while every field is found in it) or, once one is not, as text of its
/// own; [`FieldsBuilder::build`] makes the record.
#[derive(Default)]
struct FieldsBuilder {
    /// The fields so far as spans of the shared text, while `owned` is false.
    spans: SmallVec<[(u32, u32); INLINE_FIELDS]>,
    /// The fields so far back to back, once one of them is not a span of the text.
    text: String,
    ends: SmallVec<[u32; INLINE_FIELDS]>,
    owned: bool,
    /// Whether every field so far is empty.
    empty: bool,
    /// Which fields so far were trimmed (see [`Fields::trimmed`]).
    trimmed: u64,
}

impl FieldsBuilder {
    fn clear(&mut self) {
        self.spans.clear();
        self.text.clear();
        self.ends.clear();
        self.owned = false;
        self.empty = true;
        self.trimmed = 0;
    }

    /// Marks the field just added as trimmed when `trimmed` (a value that differs from
    /// the cell as written).
    #[inline(always)]
    fn mark_trimmed(&mut self, trimmed: bool) {
        let n = if self.owned {
            self.ends.len()
        } else {
            self.spans.len()
        };
        if trimmed && (1..=64).contains(&n) {
            self.trimmed |= 1 << (n - 1);
        }
    }

    /// Adds a field found at `span` of the shared text `shared`.
    #[inline(always)]
    fn push_span(&mut self, shared: &str, span: (u32, u32)) {
        if self.owned {
            self.push(&shared[span.0 as usize..span.1 as usize]);
        } else {
            self.empty &= span.0 == span.1;
            self.spans.push(span);
        }
    }

    /// Adds a field that is not a span of the shared text (`shared`, whose spans so far
    /// are copied first).
    fn push_owned(&mut self, shared: &str, field: &str) {
        if !self.owned {
            self.owned = true;
            for &(start, end) in &self.spans {
                self.text.push_str(&shared[start as usize..end as usize]);
                self.ends.push(self.text.len() as u32);
            }
        }
        self.push(field);
    }

    fn push(&mut self, field: &str) {
        self.owned = true;
        self.empty &= field.is_empty();
        self.text.push_str(field);
        self.ends.push(self.text.len() as u32);
    }

    fn all_empty(&self) -> bool {
        self.empty
    }

    /// The record: spans of `shared`, or a copy of its own text.
    fn build(&self, shared: &Arc<String>) -> Fields {
        if !self.owned {
            return Fields {
                text: Arc::clone(shared),
                spans: self.spans.clone(),
                trimmed: self.trimmed,
            };
        }
        let mut start = 0;
        Fields {
            text: Arc::new(self.text.clone()),
            spans: self
                .ends
                .iter()
                .map(|&end| (std::mem::replace(&mut start, end), end))
                .collect(),
            trimmed: self.trimmed,
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
        builder.clear();
        builder.owned = true;
        for f in fields {
            builder.push(f.as_ref());
        }
        builder.build(&Arc::default())
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
    /// Records that could not be read cleanly (a quote that swallowed the lines after
    /// it), by record index, in order. The plan marks each one invalid with its message.
    pub broken: Vec<Broken>,
}

/// A record whose text was not read cleanly: a quoted field that runs across lines that
/// look like records of their own, across many lines, or to the end of the file. The
/// lines it swallowed are not rows; [`ReadOptions::literal_quotes`] reads them as rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// Index into [`Table::records`].
    pub record: usize,
    /// The line the quote opens on.
    pub line: u64,
    /// The line the quoted field ends on (the last line of the file when it never closes).
    pub last_line: u64,
    /// Whether the quote never closes.
    pub unclosed: bool,
}

impl Broken {
    /// What the row and the summary say: "line 5001: a quote opens here and never closes…".
    pub fn message(&self) -> String {
        let swallowed = self.last_line - self.line;
        let lines = if swallowed == 1 { "line" } else { "lines" };
        if self.unclosed {
            format!(
                "line {}: a quote opens here and never closes, so the {swallowed} {lines} after it (to the end of the file) were read into this one row",
                self.line
            )
        } else {
            format!(
                "line {}: a quote opens here and closes only on line {}, so the {swallowed} {lines} after it were read into this one row",
                self.line, self.last_line
            )
        }
    }
}

impl Table {
    /// The problem that makes record `i` unreadable, if any.
    pub fn broken_at(&self, i: usize) -> Option<&Broken> {
        if self.broken.is_empty() {
            return None;
        }
        self.broken
            .binary_search_by_key(&i, |b| b.record)
            .ok()
            .map(|k| &self.broken[k])
    }

    /// The lines of records with more or fewer fields than [`Table::width`].
    pub fn ragged_lines(&self) -> Vec<u64> {
        self.records
            .iter()
            .filter(|r| self.width > 0 && r.fields.len() != self.width)
            .map(|r| r.line)
            .collect()
    }

    /// Every line the file could not be read cleanly at, in words, for the summary: the
    /// quotes that swallowed lines, then the rows with a wrong number of fields.
    pub fn reading_notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self.broken.iter().map(Broken::message).collect();
        let ragged = self.ragged_lines();
        if !ragged.is_empty() {
            let shown: Vec<String> = ragged.iter().take(5).map(u64::to_string).collect();
            let more = if ragged.len() > 5 {
                format!(" and {} more", ragged.len() - 5)
            } else {
                String::new()
            };
            notes.push(format!(
                "{} {} a wrong number of fields where {} {} expected: line{} {}{more}",
                ragged.len(),
                if ragged.len() == 1 {
                    "row has"
                } else {
                    "rows have"
                },
                self.width,
                if self.width == 1 { "is" } else { "are" },
                if ragged.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ));
        }
        notes
    }

    /// The name of column `i` for messages: its header, or "column N".
    pub fn column_name(&self, i: usize) -> String {
        match self.header.as_ref().and_then(|h| h.get(i)) {
            Some(name) if !name.is_empty() => format!("column \"{name}\""),
            _ => format!("column {}", i + 1),
        }
    }
}

pub use super::error::ReadError;

/// Turns the file's bytes into text: UTF-8 (with or without a byte-order mark), UTF-16
/// with a mark, or Windows-1252 when the bytes are not UTF-8. See [`crate::input::decode`].
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
    /// Lenient quoting: a quote that does not close on its own line is an ordinary
    /// character, so one stray quote cannot swallow the lines after it.
    pub literal_quotes: bool,
}

/// How a text is laid out, detected or as overridden: what the parser uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub delimiter: u8,
    /// Lines above the data (a title, an export date) that are not read.
    pub skip_lines: usize,
    /// Whether the first record after the skipped lines holds the column names.
    pub header: bool,
    /// See [`ReadOptions::literal_quotes`]: the parser then reads
    /// [`literal_stray_quotes`]'s text.
    pub literal_quotes: bool,
}

/// The byte offset just past the first `lines` lines.
/// The least number of records the records' vector grows by.
const RECORDS_STEP: usize = 1024;

/// About how many records `text` holds, from the length of its lines in three samples
/// (its start, middle and end, 16 KB each), plus a thirty-second: room for all the
/// records at once, so that the vector is not grown by doubling, which holds the old and
/// the new buffer at the same time and leaves the old one as a hole (about 46 MB of a
/// 1M-row load's high-water mark). Past the estimate the parser grows it by an eighth.
fn estimate_records(text: &[u8]) -> usize {
    const SAMPLE: usize = 16 * 1024;
    let len = text.len();
    let (mut bytes, mut lines) = (0, 0);
    for at in [0, len / 2, len.saturating_sub(SAMPLE)] {
        let sample = &text[at.min(len)..(at + SAMPLE).min(len)];
        bytes += sample.len();
        lines += sample.iter().filter(|&&b| b == b'\n').count();
    }
    // Records are at least two bytes long (a field and a line break).
    let estimate = (len as u64 * lines.max(1) as u64 / bytes.max(1) as u64).min(len as u64 / 2);
    let estimate = usize::try_from(estimate).unwrap_or(usize::MAX);
    estimate + estimate / 32 + 16
}

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

/// How many records below the first one the header guess looks at.
const HEADER_SAMPLE: usize = 20;

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
        let mut below = Vec::new();
        for record in reader.records().map_while(Result::ok) {
            if record.iter().all(str::is_empty) {
                continue;
            }
            let fields: Vec<String> = record.iter().map(str::to_owned).collect();
            if first.is_none() {
                first = Some(fields);
            } else {
                below.push(fields);
                if below.len() >= HEADER_SAMPLE {
                    break;
                }
            }
        }
        first.is_some_and(|f| detect::header_guess_rows(&f, &below))
    });
    Layout {
        delimiter,
        skip_lines,
        header,
        literal_quotes: options.literal_quotes,
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

/// Whether trimming the cell `text[from..to]` to `span` changed its value as written:
/// it removed more than the single space a delimiter may have on its side (`a | b`,
/// `a, b`: the file's layout, not the cell's), or any space at the line's start or end
/// (`first`, `last` field of the record). Cheap when nothing was trimmed.
#[inline(always)]
fn trim_changed(
    text: &str,
    from: usize,
    to: usize,
    span: (u32, u32),
    first: bool,
    last: bool,
) -> bool {
    let (start, end) = (span.0 as usize, span.1 as usize);
    if end - start == to - from {
        return false;
    }
    let layout = |removed: &str, beside_delimiter: bool| {
        removed.is_empty() || (beside_delimiter && removed == " ")
    };
    !(layout(text.get(from..start).unwrap_or(""), !first)
        && layout(text.get(end..to).unwrap_or(""), !last))
}

/// `str::trim`, with ASCII ends trimmed byte by byte (most fields); an end that is not
/// plain ASCII (or is a vertical tab, which `trim` removes and `trim_ascii` keeps) takes
/// the general way.
fn trim(field: &str) -> &str {
    let quick = field.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii() && b != 0x0b);
    if plain(quick.as_bytes().first()) && plain(quick.as_bytes().last()) {
        quick
    } else {
        field.trim()
    }
}

/// The span of `text[from..to]` trimmed as [`trim`] trims (`from` and `to` are on
/// characters).
#[inline(always)]
fn trimmed_span(text: &str, from: usize, to: usize) -> (u32, u32) {
    let value = &text.as_bytes()[from..to];
    // Most fields start and end with a visible ASCII character: nothing to trim.
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b.is_ascii());
    if visible(value.first()) && visible(value.last()) {
        return (from as u32, to as u32);
    }
    let quick = value.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii() && b != 0x0b);
    let (start, len) = if plain(quick.first()) && plain(quick.last()) {
        (
            quick.as_ptr() as usize - value.as_ptr() as usize,
            quick.len(),
        )
    } else {
        let value = &text[from..to];
        let trimmed = value.trim();
        (
            trimmed.as_ptr() as usize - value.as_ptr() as usize,
            trimmed.len(),
        )
    };
    ((from + start) as u32, (from + start + len) as u32)
}

/// Where [`unquote`]'s answer lies within `field`, when it is a part of it (it is not when
/// a doubled quote is made one).
fn unquoted_span(field: &str) -> Option<(usize, usize)> {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) if !inner.is_empty() => {
            (!inner.contains("\"\"")).then_some((1, field.len() - 1))
        }
        _ => Some((0, field.len())),
    }
}

/// For each field of a record's raw bytes, whether it is quoted as `csv-core` reads
/// quotes: a quote as the field's first byte opens it, a doubled quote inside is a quote,
/// and the field ends at the first delimiter outside quotes. A quoted field is kept
/// exactly as written between its quotes (a password `" Pw1 "` keeps its spaces); only
/// an unquoted field is trimmed (the seed's `email | password` lines).
fn quoted_fields(raw: &[u8], delimiter: u8) -> Vec<bool> {
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
const MAX_FIELD_LINES: usize = 20;

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
fn swallowed(raw: &[u8], delimiter: u8, width: usize) -> Option<(usize, usize, bool)> {
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

/// Parses a text a few thousand records at a time, so the page can breathe in between:
/// call [`Parser::step`] until it says it is done, then [`Parser::finish`].
/// Fields are trimmed (so the seed's `email | password` lines read as two clean fields),
/// blank lines are skipped, and quoting follows RFC 4180, by `csv-core` (the `csv`
/// crate's parser, driven here straight from the text: no copy of the text into a
/// reader's buffer, and each record's place in the text is known exactly).
/// The parser owns the text (a borrowed one is copied once), and the records it makes
/// share it: see [`Fields`].
///
/// A quoted field that runs across lines looking like records of their own, across more
/// than [`MAX_FIELD_LINES`] lines, or to the end of the file is recorded in
/// [`Table::broken`]: its row is invalid and the summary names the line.
pub struct Parser {
    core: csv_core::Reader,
    /// The whole text, which the records' fields point into.
    text: Arc<String>,
    skipped: usize,
    layout: Layout,
    /// How far the text has been read (a byte offset in `text`), and the line there.
    pos: usize,
    line: u64,
    header: Option<Vec<String>>,
    records: Vec<Record>,
    /// Records with a line break inside a field (record index, byte range, first line),
    /// checked for swallowed lines once the file's usual width is known.
    multiline: Vec<(usize, std::ops::Range<usize>, u64)>,
    /// The record just read, as `csv-core` gives it: its fields' bytes back to back
    /// (unquoted) in `out`, and where each field ends in `out`.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// How many bytes of `out` and fields of `ends` the record just read uses.
    out_len: usize,
    fields: usize,
    /// Reused for each record's fields while they are trimmed and unquoted.
    scratch: FieldsBuilder,
    /// What each byte is to [`Parser::plain_record`]: see [`Byte`].
    bytes_are: [Byte; 256],
    /// Whether `csv-core` has read (it drops a byte-order mark at the start of what it
    /// reads first, so the first record is always its).
    core_started: bool,
    /// Whether quote-free records are read without `csv-core` (always, but in a test that
    /// checks that both readings agree).
    plain_reading: bool,
    done: bool,
}

/// What a byte is to a record's plain reading ([`Parser::plain_record`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Byte {
    Other,
    Delimiter,
    LineBreak,
    Quote,
}

/// How many `\n` bytes `bytes` holds, eight at a time (the span between two records is
/// short, one record's text, where a search for each line break costs more). Each word
/// gives a 1 in every byte that is a line break; up to 31 words are summed bytewise (at
/// most 248 per byte) before one multiplication adds a sum's eight bytes.
fn count_newlines(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // A 1 in each zero byte of `w` (exact: no carry crosses a byte).
    let zeros = |w: u64| (!(((w & LOW7) + LOW7) | w) & !LOW7) >> 7;
    let mut words = bytes.chunks_exact(8);
    let mut n = 0;
    loop {
        let mut sums = 0u64;
        let mut taken = 0;
        for word in words.by_ref().take(31) {
            let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            sums += zeros(w ^ (u64::from(b'\n') * ONES));
            taken += 1;
        }
        n += (sums.wrapping_mul(ONES) >> 56) as usize;
        if taken < 31 {
            break;
        }
    }
    n + words.remainder().iter().filter(|&&b| b == b'\n').count()
}

/// Where the first byte that may be a delimiter, a quote or a line break is in `bytes`,
/// from `i` on (or the end), eight bytes at a time: a byte below `#` (the quote, the
/// line breaks, but also a space) or equal to the delimiter. The caller looks at the
/// byte found. In each word the lowest byte flagged is exact (a borrow only runs upward).
fn next_special(bytes: &[u8], mut i: usize, delimiter: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES << 7;
    let d = u64::from(delimiter) * ONES;
    while let Some(word) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let below = w.wrapping_sub(ONES * u64::from(b'#')) & !w;
        let x = w ^ d;
        let delimiters = x.wrapping_sub(ONES) & !x;
        let found = (below | delimiters) & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i.min(bytes.len())..]
        .iter()
        .position(|&b| b == delimiter || b < b'#')
        .unwrap_or(bytes.len().saturating_sub(i))
}

impl Parser {
    pub fn new(text: impl Into<String>, layout: Layout) -> Parser {
        Parser::shared(Arc::new(text.into()), layout)
    }

    /// A parser of a text the caller shares (see [`crate::input::reading::Loaded::file_text`]).
    pub fn shared(text: Arc<String>, layout: Layout) -> Parser {
        let skipped = offset_after_lines(&text, layout.skip_lines);
        let records = estimate_records(&text.as_bytes()[skipped..]);
        Parser {
            // The `csv` crate's reading as Roster set it up before: its quoting defaults,
            // any number of fields per record; fields are trimmed here, as they are turned
            // into text.
            core: csv_core::ReaderBuilder::new()
                .delimiter(layout.delimiter)
                .build(),
            text,
            skipped,
            layout,
            pos: skipped,
            line: layout.skip_lines as u64 + 1,
            header: None,
            records: Vec::with_capacity(records),
            multiline: Vec::new(),
            out: vec![0; 1024],
            ends: vec![0; 32],
            out_len: 0,
            fields: 0,
            scratch: FieldsBuilder::default(),
            bytes_are: {
                let mut bytes_are = [Byte::Other; 256];
                bytes_are[usize::from(b'"')] = Byte::Quote;
                bytes_are[usize::from(b'\r')] = Byte::LineBreak;
                bytes_are[usize::from(b'\n')] = Byte::LineBreak;
                // A delimiter that is a quote or a line break leaves every record to
                // csv-core (the plain reading then sees a quote or a line break first).
                if bytes_are[usize::from(layout.delimiter)] == Byte::Other {
                    bytes_are[usize::from(layout.delimiter)] = Byte::Delimiter;
                }
                bytes_are
            },
            core_started: false,
            plain_reading: true,
            done: false,
        }
    }

    /// Reads the record at `pos` when it holds no quote at all (most records), without
    /// `csv-core`: its fields are then what `csv-core` would give, the bytes between its
    /// delimiters, and are put into `scratch` as trimmed spans of the text. The record is
    /// what follows any line breaks at `pos` up to the next line break, which is read
    /// too (a `\n` after a `\r` is left, as `csv-core` leaves it, to be skipped as a blank
    /// line). Returns the line breaks before the record and in all it read, or `None`
    /// (having read nothing) when the record holds a quote or the text is used up.
    fn plain_record(&mut self) -> Option<(u64, u64)> {
        let text = self.text.as_str();
        let bytes = text.as_bytes();
        if !self.core_started || !self.plain_reading || text.len() > u32::MAX as usize {
            return None;
        }
        let mut at = self.pos;
        let mut before = 0;
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            before += u64::from(bytes[at] == b'\n');
            at += 1;
        }
        if at == bytes.len() {
            return None;
        }
        // A quote anywhere leaves the record to csv-core (which clears `scratch` again).
        self.scratch.clear();
        let (bytes_are, scratch) = (&self.bytes_are, &mut self.scratch);
        let first = at;
        let mut from = at;
        let mut i = at;
        let end = loop {
            i = next_special(bytes, i, self.layout.delimiter);
            match bytes.get(i).map(|&b| bytes_are[usize::from(b)]) {
                Some(Byte::Delimiter) => {
                    let span = trimmed_span(text, from, i);
                    scratch.push_span(text, span);
                    scratch.mark_trimmed(trim_changed(text, from, i, span, from == first, false));
                    from = i + 1;
                }
                Some(Byte::Quote) => return None,
                Some(Byte::LineBreak) | None => break i,
                Some(Byte::Other) => {}
            }
            i += 1;
        };
        let span = trimmed_span(text, from, end);
        scratch.push_span(text, span);
        scratch.mark_trimmed(trim_changed(text, from, end, span, from == first, true));
        let newline = bytes.get(end) == Some(&b'\n');
        self.pos = (end + 1).min(bytes.len());
        // No field holds a line break.
        self.out_len = 0;
        Some((before, before + u64::from(newline)))
    }

    /// The text after the skipped lines.
    fn bytes(&self) -> &[u8] {
        &self.text.as_bytes()[self.skipped..]
    }

    /// Reads the next record into `out` and `ends`, from `pos` on. Returns false at the
    /// end of the text.
    fn next_record(&mut self) -> bool {
        use csv_core::ReadRecordResult;
        let text = self.text.as_bytes();
        self.out_len = 0;
        self.fields = 0;
        loop {
            let (result, read, written, ended) = self.core.read_record(
                &text[self.pos..],
                &mut self.out[self.out_len..],
                &mut self.ends[self.fields..],
            );
            self.pos += read;
            self.out_len += written;
            self.fields += ended;
            match result {
                // The whole rest of the text was given: the next call, with none, ends
                // the last record.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => return true,
                ReadRecordResult::End => return false,
            }
        }
    }

    /// Puts the record just read (the text's bytes `start..end`) into `scratch`, trimmed
    /// and unquoted: as spans of the text where its fields are found there unchanged (most
    /// records: `csv-core` changes a field only when it unquotes it), else as a copy.
    /// Returns the line breaks before the record's first field (blank lines, or the
    /// `\n` of the `\r\n` before it) and in the whole record.
    fn fields_of_record(&mut self, start: usize, end: usize) -> (u64, u64) {
        self.scratch.clear();
        let text = self.text.as_str();
        let bytes = text.as_bytes();
        // Where the record starts: `csv-core` skips the line breaks before it.
        let mut at = start;
        let mut before = 0;
        while at < end && matches!(bytes[at], b'\r' | b'\n') {
            before += u64::from(bytes[at] == b'\n');
            at += 1;
        }
        // And where it ends, before its line break.
        let mut content_end = end;
        while content_end > at && matches!(bytes[content_end - 1], b'\r' | b'\n') {
            content_end -= 1;
        }
        let content = &bytes[at..content_end];
        let fields = &self.ends[..self.fields];
        // Spans are 32-bit: a larger text is copied record by record.
        let small = text.len() <= u32::MAX as usize;
        // Without a quote, `csv-core` drops only the delimiters, so each field is the
        // text's own bytes, one after the other (most records). Checked by length too.
        if small && !content.contains(&b'"') && content.len() + 1 == self.out_len + fields.len() {
            let mut from = 0;
            for (k, &to) in fields.iter().enumerate() {
                // The field is the text's own bytes there; csv-core splits only at ASCII
                // bytes, so they start and end on characters.
                let value = &text[at..at + (to - from)];
                let trimmed = trim(value);
                let start = at + (trimmed.as_ptr() as usize - value.as_ptr() as usize);
                let span = (start as u32, (start + trimmed.len()) as u32);
                self.scratch.push_span(text, span);
                let last = k + 1 == fields.len();
                self.scratch.mark_trimmed(trim_changed(
                    text,
                    at,
                    at + value.len(),
                    span,
                    k == 0,
                    last,
                ));
                at += to - from + 1;
                from = to;
            }
            let after = bytes[content_end..end].iter().filter(|&&b| b == b'\n');
            return (before, before + after.count() as u64);
        }
        let newlines = before + count_newlines(&bytes[at..end]) as u64;
        // Which fields were quoted: trusted only when the count agrees with csv-core's.
        let quoted = Some(quoted_fields(content, self.layout.delimiter))
            .filter(|q| q.len() == fields.len())
            .unwrap_or_default();
        let mut aligned = small;
        let mut from = 0;
        for (k, &to) in fields.iter().enumerate() {
            let field = &self.out[from..to];
            from = to;
            if k > 0 {
                at += 1;
            }
            // (A byte-order mark that `csv-core` dropped at the start of the text after
            // the skipped lines puts the fields off the text's characters: no span then.)
            // A field csv-core unquoted is never the text as written, even when its value
            // happens to equal the text there (`""""""""` is `"""`, the first three bytes).
            let found = text
                .get(at..at + field.len())
                .filter(|value| aligned && value.as_bytes() == field)
                .filter(|_| !quoted.get(k).copied().unwrap_or(false));
            aligned = found.is_some();
            if let Some(value) = found {
                let trimmed = trim(value);
                let start = at + (trimmed.as_ptr() as usize - value.as_ptr() as usize);
                match unquoted_span(trimmed) {
                    Some((from, to)) => self
                        .scratch
                        .push_span(text, ((start + from) as u32, (start + to) as u32)),
                    None => self.scratch.push_owned(text, &unquote(trimmed)),
                }
                // Spaces outside a cell's quotes are no part of its value.
                let quoted =
                    trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"');
                let span = (start as u32, (start + trimmed.len()) as u32);
                let last = k + 1 == fields.len();
                self.scratch.mark_trimmed(
                    !quoted && trim_changed(text, at, at + value.len(), span, k == 0, last),
                );
            } else {
                // The text is UTF-8 and csv-core splits only at ASCII bytes, so every
                // field is UTF-8 too.
                let value = std::str::from_utf8(field)
                    .expect("fields of UTF-8 text split at ASCII are UTF-8");
                if quoted.get(k).copied().unwrap_or(false) {
                    // Unquoted by csv-core: the value is what was written between the
                    // quotes, spaces and all.
                    self.scratch.push_owned(text, value);
                } else {
                    let trimmed = value.trim();
                    self.scratch.push_owned(text, &unquote(trimmed));
                    let start = trimmed.as_ptr() as usize - value.as_ptr() as usize;
                    let span = (start as u32, (start + trimmed.len()) as u32);
                    let last = k + 1 == fields.len();
                    self.scratch.mark_trimmed(trim_changed(
                        value,
                        0,
                        value.len(),
                        span,
                        k == 0,
                        last,
                    ));
                }
            }
            at += field.len();
        }
        (before, newlines)
    }

    /// Reads up to `max_records` more records. Returns true when the text is used up.
    pub fn step(&mut self, max_records: usize) -> Result<bool, ReadError> {
        let mut read = 0;
        while read < max_records && !self.done {
            let start = self.pos;
            let (before, newlines) = match self.plain_record() {
                Some(counts) => counts,
                None => {
                    self.core_started = true;
                    if !self.next_record() {
                        self.done = true;
                        break;
                    }
                    self.fields_of_record(start, self.pos)
                }
            };
            read += 1;
            let end = self.pos;
            let line = self.line + before;
            self.line += newlines;
            if self.scratch.all_empty() {
                continue;
            }
            // A record that spans more than its own line (a line break in a field) is
            // looked at more closely; most records are not.
            let multiline = newlines > 1 && self.out[..self.out_len].contains(&b'\n');
            let fields = self.scratch.build(&self.text);
            if self.layout.header && self.header.is_none() && self.records.is_empty() {
                self.header = Some(fields.iter().map(str::to_owned).collect());
                continue;
            }
            if multiline {
                let range = start - self.skipped..end - self.skipped;
                self.multiline.push((self.records.len(), range, line));
            }
            if self.records.len() == self.records.capacity() {
                // Past the estimate: grow by an eighth, not by doubling (see
                // `estimate_records`).
                self.records
                    .reserve_exact(self.records.capacity() / 8 + RECORDS_STEP);
            }
            self.records.push(Record { line, fields });
        }
        Ok(self.done)
    }

    /// The records whose quoted fields swallowed lines, among those with a line break
    /// inside a field. `width` is how many fields a record has: the header's, or the most
    /// common count of the one-line records (1 when there are none).
    fn swallowing(&self, width: usize) -> Vec<Broken> {
        let bytes = self.bytes();
        let mut broken = Vec::new();
        for (record, range, line) in &self.multiline {
            let end = range.end.min(bytes.len());
            let mut from = range.start;
            while from < end && matches!(bytes[from], b'\r' | b'\n') {
                from += 1;
            }
            if let Some((before, inside, unclosed)) =
                swallowed(&bytes[from..end], self.layout.delimiter, width)
            {
                let quote_line = line + before as u64;
                broken.push(Broken {
                    record: *record,
                    line: quote_line,
                    last_line: quote_line + inside as u64,
                    unclosed,
                });
            }
        }
        broken
    }

    /// How many bytes of the text have been read, counting the skipped lines.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The table, once [`Parser::step`] said it is done.
    pub fn finish(self) -> Result<Table, ReadError> {
        if self.records.is_empty() {
            return Err(if self.header.is_some() {
                ReadError::HeaderOnly
            } else {
                ReadError::Empty
            });
        }
        // The most common field count, of every record and of the one-line ones (only
        // needed without a header).
        let mut all = std::collections::HashMap::<usize, usize>::new();
        if self.header.is_none() {
            for r in &self.records {
                *all.entry(r.fields.len()).or_default() += 1;
            }
        }
        let mode = |freq: &std::collections::HashMap<usize, usize>| {
            freq.iter().max_by_key(|&(&n, &c)| (c, n)).map(|(&n, _)| n)
        };
        let width = match &self.header {
            Some(h) => h.len(),
            None => mode(&all).unwrap_or(0),
        };
        let broken = if self.multiline.is_empty() {
            Vec::new()
        } else {
            let one_line_width = match &self.header {
                Some(h) => h.len(),
                None => {
                    let mut one_line = all;
                    for (i, _, _) in &self.multiline {
                        let n = self.records[*i].fields.len();
                        if let Some(c) = one_line.get_mut(&n) {
                            *c -= 1;
                        }
                    }
                    one_line.retain(|_, c| *c > 0);
                    mode(&one_line).unwrap_or(1)
                }
            };
            self.swallowing(one_line_width)
        };
        let mut records = self.records;
        if records.capacity() > records.len() + records.len() / 8 + RECORDS_STEP {
            // The estimate was far too high (a file whose samples had shorter lines than
            // the rest): the room is given back, not kept with the table.
            records.shrink_to_fit();
        }
        Ok(Table {
            delimiter: self.layout.delimiter,
            header: self.header,
            records,
            width,
            broken,
        })
    }
}

/// Parses a whole text with the given layout.
pub fn parse_layout(text: &str, layout: Layout) -> Result<Table, ReadError> {
    let lenient = if layout.literal_quotes {
        literal_stray_quotes(text, layout.delimiter)
    } else {
        None
    };
    let mut parser = Parser::new(lenient.unwrap_or_else(|| text.to_owned()), layout);
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
    fn records_are_sized_from_an_estimate_not_grown_by_doubling() {
        // Even lines: room for every record at once, a little more, never twice as much.
        let mut text = String::from("email,password\n");
        for i in 0..20_000 {
            text.push_str(&format!("user{:05}@example.com,pw-{:05}\n", i, i));
        }
        let t = read(text.as_bytes()).unwrap();
        assert_eq!(t.records.len(), 20_000);
        let cap = t.records.capacity();
        assert!(
            (20_000..=20_000 + 20_000 / 16).contains(&cap),
            "capacity {cap}"
        );
        // Short lines first, then long ones: the estimate is far too high, and the room
        // is given back at the end.
        let mut uneven = String::new();
        for i in 0..3_000 {
            uneven.push_str(&format!("a{i}@x.y,p\n"));
        }
        for i in 0..3_000 {
            uneven.push_str(&format!("b{i}@x.y,{}\n", "p".repeat(200)));
        }
        let t = read(uneven.as_bytes()).unwrap();
        assert_eq!(t.records.len(), 6_000);
        assert!(
            t.records.capacity() <= 6_000 + 6_000 / 8 + RECORDS_STEP,
            "{}",
            t.records.capacity()
        );
        // Long lines first, then short ones: the estimate is low, the growth by an eighth
        // keeps the excess small.
        let mut low = String::new();
        for i in 0..1_000 {
            low.push_str(&format!("c{i}@x.y,{}\n", "q".repeat(300)));
        }
        for i in 0..20_000 {
            low.push_str(&format!("d{i}@x.y,q\n"));
        }
        let t = read(low.as_bytes()).unwrap();
        assert_eq!(t.records.len(), 21_000);
        assert!(
            t.records.capacity() < 21_000 * 5 / 4,
            "{}",
            t.records.capacity()
        );
        assert!(estimate_records(b"") >= 16);
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
        assert_eq!(read(b"email,password\n"), Err(ReadError::HeaderOnly));
        assert_eq!(
            ReadError::HeaderOnly.to_string(),
            "The file has a header but no rows: add one line per account below the header."
        );
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

    /// Whether a record's fields point into the parsed text rather than a copy.
    fn shares(t: &Table, i: usize) -> bool {
        Arc::ptr_eq(&t.records[i].fields.text, &t.records[0].fields.text)
    }

    #[test]
    fn records_point_into_the_text_unless_a_field_was_unescaped() {
        let text = "title line\r\n\r\nemail | password | note\r\n\r\n  a@x.y |  p1 | \"n 1\"\r\n\r\n\r\nb@x.y|\"p \"\"2\"\"\"|x\nc@x.y | \"p3\" |\"\"\"\"\nd@x.y|p4| \"a\"\"b\" \n e@x.y ,p5,  \n";
        let t = parse_layout(
            text,
            Layout {
                delimiter: b'|',
                skip_lines: 1,
                header: true,
                literal_quotes: false,
            },
        )
        .unwrap();
        assert_eq!(
            t.header,
            Some(vec!["email".into(), "password".into(), "note".into()])
        );
        assert_eq!(
            fields(&t),
            [
                vec!["a@x.y", "p1", "n 1"],
                vec!["b@x.y", "p \"2\"", "x"],
                vec!["c@x.y", "p3", "\""],
                vec!["d@x.y", "p4", "a\"b"],
                vec!["e@x.y ,p5,"],
            ]
        );
        assert_eq!(
            t.records.iter().map(|r| r.line).collect::<Vec<_>>(),
            [5, 8, 9, 10, 11]
        );
        // Fields the csv crate or the unquoting changed are copied; the others are not.
        // (Line 9's last field, `""""`, reads as `"`, which is also what the text holds
        // where that field starts; but a field csv-core unquoted is never taken for the
        // text there, or `""""""""` would read as `"` instead of `"""`: it is copied.)
        let shared: Vec<bool> = (0..5).map(|i| shares(&t, i)).collect();
        assert_eq!(shared, [true, false, false, false, true]);
        // An edit gives the record its own copy, and the others keep pointing in.
        let mut t = t;
        t.records[4].fields.set(0, "f@x.y");
        assert!(!shares(&t, 4));
        assert_eq!(fields(&t)[4], ["f@x.y"]);
        assert_eq!(t.records[0].fields, ["a@x.y", "p1", "n 1"]);
    }

    #[test]
    fn a_shared_piece_of_a_field_points_into_the_text() {
        let t = read(b"email,password\nann@x.y,p1\n").unwrap();
        let fields = &t.records[0].fields;
        let email = fields.share(&fields[0]);
        assert_eq!(email, "ann@x.y");
        assert!(Arc::ptr_eq(&email.text, &fields.text));
        let domain = fields.share(fields[0].split_once('@').unwrap().1);
        assert_eq!((domain.as_str(), domain.start), ("x.y", 19));
        let other = fields.share("ann@x.y");
        assert!(!Arc::ptr_eq(&other.text, &fields.text));
        assert_eq!(other, email);
        assert_eq!(SharedStr::default(), "");
        // An empty value, from anywhere, is an empty span of the text: no copy.
        let empty = fields.share("");
        assert_eq!(empty, "");
        assert!(Arc::ptr_eq(&empty.text, &fields.text));
    }

    #[test]
    fn fields_are_trimmed_as_str_trim_does() {
        for field in [
            "",
            " ",
            " a ",
            "\u{b}a\u{b}",
            "\u{a0}a\u{2003}",
            " \u{85} é ",
            "\t\r\n a b \x0c",
            "\u{b}",
            "x\u{3000}",
        ] {
            assert_eq!(trim(field), field.trim(), "{field:?}");
        }
    }

    #[test]
    fn newlines_are_counted_eight_bytes_at_a_time() {
        let text: Vec<u8> = (0..=255u8)
            .chain(std::iter::repeat_n(b'\n', 600))
            .chain(0..=255u8)
            .map(|i| if i % 7 == 0 || i == 10 { b'\n' } else { i })
            .collect();
        for from in 0..20 {
            for to in (from..text.len()).step_by(3) {
                let slow = text[from..to].iter().filter(|&&b| b == b'\n').count();
                assert_eq!(count_newlines(&text[from..to]), slow);
            }
        }
        assert_eq!(
            count_newlines(&[0x8a, 0x0a, 0x0b, 0x09, 0xff, 0x0a, 0, 0x0a, 0x0a]),
            4
        );
    }

    #[test]
    fn the_next_delimiter_quote_or_line_break_is_found_eight_bytes_at_a_time() {
        let text: Vec<u8> = (0..=255u8)
            .chain(b"abc,def;\"g\rh\ni  j".iter().copied())
            .chain((0..=255u8).rev())
            .collect();
        for delimiter in [b',', b';', b'|', b'\t'] {
            for from in 0..text.len() {
                let slow = text[from..]
                    .iter()
                    .position(|&b| b == delimiter || b < b'#')
                    .map_or(text.len(), |p| from + p);
                assert_eq!(next_special(&text, from, delimiter), slow);
            }
        }
    }

    #[test]
    fn a_byte_order_mark_after_the_skipped_lines_is_dropped_without_a_panic() {
        // csv-core drops a mark at the start of what it reads first; the fields are then
        // off the text's characters and are copied (this panicked before).
        let skip_one = Layout {
            delimiter: b',',
            skip_lines: 1,
            header: false,
            literal_quotes: false,
        };
        let t = parse_layout("title\n\u{FEFF},,\na,b,c\n", skip_one).unwrap();
        assert_eq!(fields(&t), [["a", "b", "c"]]);
        let t = parse_layout("title\n\u{FEFF}x,y\na,b\n", skip_one).unwrap();
        assert_eq!(fields(&t), [["x", "y"], ["a", "b"]]);
        assert_eq!(t.records[1].line, 3);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The plain reading of quote-free records gives what csv-core gives: the same
        /// fields, lines, header, width and broken rows, whatever the quotes, line breaks,
        /// blank lines, spaces and byte-order marks around them.
        #[test]
        fn the_plain_reading_agrees_with_csv_core(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "bc", " ", "\t", "\u{b}", "\u{a0}", "é", "\u{FEFF}", "\"", "\"\"",
                    "\"a\"", " \"", ",", ";", "|", "\n", "\n", "\r", "\r\n", "\n\n",
                ]),
                0..80,
            ),
            delimiter in proptest::sample::select(vec![b',', b';', b'|', b'\t']),
            skip_lines in 0usize..3,
            header: bool,
            literal_quotes: bool,
        ) {
            let text: String = pieces.concat();
            let layout = Layout { delimiter, skip_lines, header, literal_quotes };
            let text = if literal_quotes {
                literal_stray_quotes(&text, delimiter).unwrap_or(text)
            } else {
                text
            };
            let read = |plain_reading: bool| {
                let mut parser = Parser::new(text.as_str(), layout);
                parser.plain_reading = plain_reading;
                while !parser.step(3)? {}
                parser.finish()
            };
            let (plain, core) = (read(true), read(false));
            // And which fields it says were trimmed (`Fields` compare by value only).
            let trimmed = |t: &Result<Table, ReadError>| {
                t.as_ref().map(|t| t.records.iter().map(|r| r.fields.trimmed).collect::<Vec<_>>()).ok()
            };
            proptest::prop_assert_eq!(trimmed(&plain), trimmed(&core));
            proptest::prop_assert_eq!(plain, core);
        }
    }

    #[test]
    fn a_trimmed_cell_is_marked_beyond_the_delimiters_own_space() {
        let t = read(b"a@x.y | p123\nb@x.y |  p 2 \n c@x.y | \"  p3 \"\n").unwrap();
        let marks = |i: usize| {
            (0..2)
                .map(|c| t.records[i].fields.trimmed(c))
                .collect::<Vec<_>>()
        };
        // `a | b`: one space beside the delimiter is the layout, not the cell.
        assert_eq!(marks(0), [false, false]);
        // Two spaces before, one at the line's end: the password was trimmed.
        assert_eq!(fields(&t)[1], ["b@x.y", "p 2"]);
        assert_eq!(marks(1), [false, true]);
        // A space at the line's start; a quoted value is kept as written.
        assert_eq!(fields(&t)[2], ["c@x.y", "  p3 "]);
        assert_eq!(marks(2), [true, false]);
        // An edited cell is as typed.
        let mut edited = t.records[1].fields.clone();
        edited.set(1, "new");
        assert!(!edited.trimmed(1));
        assert!(!edited.trimmed(7));
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
