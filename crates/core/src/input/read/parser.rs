//! The parser of delimited text (RFC 4180, by `csv-core`), a few thousand records at a
//! time, and the detection of a text's layout.

use std::sync::Arc;

use super::cells::{trim, trim_changed, trimmed_span, unquote, unquoted_span};
use super::quotes::{quoted_fields, swallowed};
use super::{header_guess, Broken, FieldsBuilder, Layout, ReadError, ReadOptions, Record, Table};
use crate::input::detect;

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
        header_guess(
            reader
                .records()
                .map_while(Result::ok)
                .map(|r| r.iter().map(str::to_owned).collect()),
        )
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
/// than [`super::quotes::MAX_FIELD_LINES`] lines, or to the end of the file is recorded in
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
    /// The text's quotes were written by a CSV writer (a workbook's sheet, see
    /// [`Parser::quotes_as_written`]): no multi-line field is a stray quote's work.
    quotes_written: bool,
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
            quotes_written: false,
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
            self.records.push(Record {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                fields,
                edited: Default::default(),
            });
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

    /// The text is a CSV writer's (the spreadsheet reader's sheet): every quote it holds
    /// was written to quote a field, so a field spanning many lines, or any multi-line
    /// cell of a one-column sheet, is a cell's own text, never a stray quote's work.
    pub fn quotes_as_written(&mut self, written: bool) {
        self.quotes_written = written;
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
        let broken = if self.multiline.is_empty() || self.quotes_written {
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
        let mut table = Table {
            delimiter: self.layout.delimiter,
            header: self.header,
            records,
            width,
            broken,
        };
        // Roster's own download dropped back: its formula guard taken off.
        super::guard::unguard_table(&mut table);
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::{
        literal_stray_quotes, parse_layout, read, Layout, ReadOptions, Table,
    };
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
                t.as_ref().map(|t| t.records.iter().map(|r| r.fields.spans.trimmed()).collect::<Vec<_>>()).ok()
            };
            proptest::prop_assert_eq!(trimmed(&plain), trimmed(&core));
            proptest::prop_assert_eq!(plain, core);
        }
    }
}
