//! Reading a dropped file from bytes to a checked plan, as one machine that works in
//! steps: decode → detect the layout → parse → map → plan and check every row.
//!
//! The page calls [`Reading::step`] with a small budget between yields, so a million rows
//! never block it; the native tests call the same machine until it is done. Every policy
//! of the reading lives here: the encoding guess and its UTF-8 → Windows-1252 fallback,
//! the empty and header-only files, the lenient re-read of stray quotes, a remembered
//! mapping before the automatic one, and what the summary must say about lines that were
//! not read cleanly.

use std::sync::Arc;

use crate::input::decode::{self, Decoder, TextEncoding};
use crate::input::map::Mapping;
use crate::input::plan::{PlannedRow, Sheet, Tally};
use crate::input::read::{layout, literal_stray_quotes, Layout, Parser, ReadError, ReadOptions};
use crate::input::validate::Rules;

/// Bytes decoded per unit of budget: 1,000 units (one page slice) decode 256 KB.
const DECODE_BYTES_PER_UNIT: usize = 256;
/// How many bytes of the file the encoding guess looks at.
const HEAD_BYTES: usize = 64 * 1024;

/// Where a machine stands after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// More to do: what is being done, and how far along it is (0 to 1).
    Working { what: &'static str, fraction: f64 },
    /// Finished: call `finish`.
    Done,
}

/// Planning a sheet's rows in steps: plan and check each row, index the addresses, flag
/// the duplicates, counting as it goes. The sheet is passed to every step, so it stays
/// where its owner keeps it (the page's store), and a newer job can take over.
#[derive(Debug)]
pub struct Planning {
    rows: Vec<PlannedRow>,
    /// Which rows the user excluded, carried over from the plan being replaced.
    excluded: Option<Vec<bool>>,
    pass: u8,
    at: usize,
    n: usize,
    tally: Tally,
    /// The rows that can be duplicates, found once the addresses are indexed.
    marks: Vec<bool>,
}

impl Planning {
    /// Starts planning `sheet` afresh. `excluded` (one flag per row) keeps the user's
    /// exclusions; it is ignored unless it has one flag per row. The sheet's duplicate
    /// index is cleared: take it out first to free it elsewhere if it is large.
    pub fn new(sheet: &mut Sheet, excluded: Option<Vec<bool>>) -> Planning {
        sheet.clear_duplicates();
        let n = sheet.len();
        Planning {
            rows: Vec::with_capacity(n),
            excluded: excluded.filter(|e| e.len() == n),
            pass: 0,
            at: 0,
            n,
            tally: Tally::default(),
            marks: Vec::new(),
        }
    }

    /// Does up to `budget` rows of work. Returns true when the plan is complete.
    pub fn step(&mut self, sheet: &mut Sheet, budget: usize) -> bool {
        let budget = budget.max(1);
        while self.pass < 3 && self.n == 0 {
            self.pass = 3;
        }
        if self.pass >= 3 {
            return true;
        }
        let range = self.at..self.at.saturating_add(budget).min(self.n);
        match self.pass {
            0 => {
                sheet.plan_range_into(&mut self.rows, range.clone());
                if let Some(excluded) = &self.excluded {
                    for (row, i) in self.rows[range.clone()].iter_mut().zip(range.clone()) {
                        row.excluded = excluded[i];
                    }
                }
            }
            1 => sheet.index_range(&self.rows, range.clone()),
            _ => {
                if range.start == 0 {
                    self.marks = sheet.duplicate_marks();
                }
                sheet.flag_range(&mut self.rows, range.clone(), &self.marks);
                for row in &self.rows[range.clone()] {
                    self.tally.add(row, 1);
                }
            }
        }
        self.at = range.end;
        if self.at >= self.n {
            self.at = 0;
            self.pass += 1;
        }
        self.pass >= 3
    }

    /// How far along the three passes are (0 to 1).
    pub fn fraction(&self) -> f64 {
        if self.n == 0 {
            return 1.0;
        }
        (self.pass as f64 + self.at as f64 / self.n as f64) / 3.0
    }

    /// Row `i`'s cell `column` set to `value` while this planning runs (the page's
    /// re-check of the rows after a setting changed, in steps): the sheet's cell is set,
    /// and the planning starts over if it has planned row `i` already (its row, the
    /// duplicate index and the marks would keep the old value); if not, it plans the
    /// new value when it gets there. Either way the plan it ends with is the edited
    /// sheet's.
    pub fn edit(&mut self, sheet: &mut Sheet, i: usize, column: usize, value: &str) {
        sheet.set_cell(i, column, value);
        self.again_after(sheet, i);
    }

    /// Row `i` excluded (or taken back) while this planning runs: kept with the user's
    /// exclusions, and planned as for [`Planning::edit`].
    pub fn set_excluded(&mut self, sheet: &mut Sheet, i: usize, excluded: bool) {
        let n = self.n;
        let flags = self.excluded.get_or_insert_with(|| vec![false; n]);
        if let Some(flag) = flags.get_mut(i) {
            *flag = excluded;
        }
        self.again_after(sheet, i);
    }

    /// Starts over when row `i` was planned already.
    fn again_after(&mut self, sheet: &mut Sheet, i: usize) {
        if self.pass > 0 || self.at > i {
            sheet.clear_duplicates();
            self.rows.clear();
            self.pass = 0;
            self.at = 0;
            self.tally = Tally::default();
            self.marks = Vec::new();
        }
    }

    /// The planned rows and their counts, once [`Planning::step`] said it is done.
    pub fn finish(self) -> (Vec<PlannedRow>, Tally) {
        (self.rows, self.tally)
    }
}

/// A file read to the end: how it was read, the sheet and its plan.
#[derive(Debug)]
pub struct Loaded {
    pub encoding: TextEncoding,
    pub layout: Layout,
    /// The column names as the page shows them: the header's, or "Column N".
    pub columns: Vec<String>,
    /// The key under which this header's mapping is remembered (column names only).
    pub memory_key: String,
    pub sheet: Sheet,
    pub rows: Vec<PlannedRow>,
    pub tally: Tally,
    /// Every line not read cleanly, in words (see [`crate::input::read::Table::reading_notes`]).
    pub notes: Vec<String>,
    /// Whether a quote swallowed lines, so that reading again with
    /// [`ReadOptions::literal_quotes`] would give more rows.
    pub stray_quotes: bool,
    /// The decoded text, when it is the file byte for byte (UTF-8 with no byte-order mark,
    /// nothing replaced or rewritten): the page keeps it to read the file again with other
    /// settings, and lets the file's own bytes go (one copy of the file, not two).
    pub file_text: Option<Arc<String>>,
    /// The workbook's sheet these rows are, for a spreadsheet ([`Loaded::of_sheet`]).
    pub sheet_name: Option<String>,
}

enum Phase {
    Start,
    Decoding {
        decoder: Decoder,
        at: usize,
    },
    Parsing {
        parser: Box<Parser>,
        encoding: TextEncoding,
        layout: Layout,
        len: usize,
        file_text: Option<Arc<String>>,
    },
    Planning {
        planning: Planning,
        loaded: Box<Loaded>,
    },
    Done(Result<Box<Loaded>, ReadError>),
    Finished,
}

/// Looks up a remembered mapping by its key (the page reads it from localStorage).
pub type Memory = Box<dyn Fn(&str) -> Option<String>>;

/// The whole reading of one file, in steps. See the module's documentation.
pub struct Reading<B: AsRef<[u8]>> {
    bytes: B,
    options: ReadOptions,
    rules: Rules,
    memory: Memory,
    phase: Phase,
    /// The file's bytes as text already (see [`Reading::with_text`]).
    text: Option<Arc<String>>,
    /// A workbook's map of lines to the sheet's rows (see [`Reading::with_sheet_lines`]).
    lines: Vec<u32>,
    /// Whether the bytes are a workbook's sheet as the spreadsheet reader wrote it.
    sheet: bool,
}

impl<B: AsRef<[u8]>> Reading<B> {
    /// Reads `bytes` with the user's `options` (what they leave open is detected), maps the
    /// columns (a mapping `memory` holds for the header first, else by name and content),
    /// and plans the rows with `rules`.
    pub fn new(bytes: B, options: ReadOptions, rules: Rules, memory: Memory) -> Reading<B> {
        Reading {
            bytes,
            options,
            rules,
            memory,
            phase: Phase::Start,
            text: None,
            lines: Vec::new(),
            sheet: false,
        }
    }

    /// The bytes are a workbook's sheet as the spreadsheet reader wrote it (CSV text,
    /// read with [`ReadOptions::for_sheet`]): each record's line becomes the sheet's row
    /// number by `lines` (see [`crate::input::read::workbook::sheet_line`]) before the
    /// rows are checked, so messages and reports give the sheet's row numbers.
    /// Its quotes are the writer's, so no multi-line cell is taken for a stray quote's
    /// work ([`Parser::quotes_as_written`]).
    pub fn with_sheet_lines(mut self, lines: Vec<u32>) -> Reading<B> {
        self.lines = lines;
        self.sheet = true;
        self
    }

    /// The file's bytes are this text, byte for byte (valid UTF-8 the page took over in
    /// place): when the file is read as UTF-8 and the text has no byte-order mark, the
    /// reading parses it as it is instead of decoding a copy, so the file is in memory
    /// once, not twice, while it is read. `text` must be the very buffer of the bytes
    /// given to [`Reading::new`]; anything else is ignored.
    pub fn with_text(mut self, text: Arc<String>) -> Reading<B> {
        let bytes = self.bytes.as_ref();
        if std::ptr::eq(text.as_ptr(), bytes.as_ptr()) && text.len() == bytes.len() {
            self.text = Some(text);
        }
        self
    }

    /// Does about `budget` units of work: a unit is a record parsed or a row planned, or
    /// 256 bytes decoded. Returns where the reading stands.
    pub fn step(&mut self, budget: usize) -> Progress {
        let budget = budget.max(1);
        let phase = std::mem::replace(&mut self.phase, Phase::Finished);
        self.phase = match phase {
            Phase::Start => self.start(),
            Phase::Decoding { mut decoder, at } => {
                let bytes = self.bytes.as_ref();
                let end = at
                    .saturating_add(budget.saturating_mul(DECODE_BYTES_PER_UNIT))
                    .min(bytes.len());
                decoder.push(&bytes[at..end], false);
                if end < bytes.len() {
                    Phase::Decoding { decoder, at: end }
                } else {
                    decoder.push(&[], true);
                    self.decoded(decoder)
                }
            }
            Phase::Parsing {
                mut parser,
                encoding,
                layout,
                len,
                file_text,
            } => match parser.step(budget) {
                Err(e) => Phase::Done(Err(e)),
                Ok(false) => Phase::Parsing {
                    parser,
                    encoding,
                    layout,
                    len,
                    file_text,
                },
                Ok(true) => match parser.finish() {
                    Err(e) => Phase::Done(Err(e)),
                    Ok(table) => self.mapped(table, encoding, layout, file_text),
                },
            },
            Phase::Planning {
                mut planning,
                mut loaded,
            } => {
                if planning.step(&mut loaded.sheet, budget) {
                    let (rows, tally) = planning.finish();
                    loaded.rows = rows;
                    loaded.tally = tally;
                    Phase::Done(Ok(loaded))
                } else {
                    Phase::Planning { planning, loaded }
                }
            }
            done @ (Phase::Done(_) | Phase::Finished) => done,
        };
        self.progress()
    }

    /// Where the reading stands, without doing anything.
    pub fn progress(&self) -> Progress {
        let len = self.bytes.as_ref().len().max(1) as f64;
        match &self.phase {
            Phase::Start => Progress::Working {
                what: "Decoding",
                fraction: 0.0,
            },
            Phase::Decoding { at, .. } => Progress::Working {
                what: "Decoding",
                fraction: *at as f64 / len,
            },
            Phase::Parsing { parser, len, .. } => Progress::Working {
                what: "Reading rows",
                fraction: parser.position() as f64 / (*len).max(1) as f64,
            },
            Phase::Planning { planning, .. } => Progress::Working {
                what: "Checking rows",
                fraction: planning.fraction(),
            },
            Phase::Done(_) | Phase::Finished => Progress::Done,
        }
    }

    /// Steps until done; for tests and small inputs.
    pub fn run(mut self, budget: usize) -> Result<Loaded, ReadError> {
        while self.step(budget) != Progress::Done {}
        self.finish()
    }

    /// The result, once [`Reading::step`] said it is done.
    ///
    /// # Panics
    /// Before that, or a second time.
    pub fn finish(&mut self) -> Result<Loaded, ReadError> {
        match std::mem::replace(&mut self.phase, Phase::Finished) {
            Phase::Done(result) => result.map(|b| *b),
            _ => panic!("Reading::finish called before the reading was done"),
        }
    }

    /// Picks the encoding: the user's, or the guess from the file's head.
    fn start(&mut self) -> Phase {
        let bytes = self.bytes.as_ref();
        let encoding = match self.options.encoding {
            Some(e) => e,
            None => {
                let head = &bytes[..bytes.len().min(HEAD_BYTES)];
                match decode::detect(head, head.len() == bytes.len()) {
                    Ok(e) => e,
                    Err(e) => return Phase::Done(Err(e)),
                }
            }
        };
        if encoding == TextEncoding::Utf8 {
            // The bytes are valid UTF-8 already: decoding would copy them unchanged, less
            // a byte-order mark (a text that starts with one is decoded as usual).
            if let Some(text) = self.text.take().filter(|t| !t.starts_with('\u{FEFF}')) {
                return self.parse_text(text, encoding, false);
            }
        }
        Phase::Decoding {
            decoder: Decoder::for_len(encoding, bytes.len()),
            at: 0,
        }
    }

    /// The text is decoded: a UTF-8 guess that met a malformed byte past the sampled
    /// head is redone as Windows-1252; then the layout is detected.
    fn decoded(&mut self, decoder: Decoder) -> Phase {
        let encoding = decoder.encoding();
        if self.options.encoding.is_none() && encoding == TextEncoding::Utf8 && decoder.malformed()
        {
            let len = self.bytes.as_ref().len();
            return Phase::Decoding {
                decoder: Decoder::for_len(TextEncoding::Windows1252, len),
                at: 0,
            };
        }
        let malformed = decoder.malformed();
        self.parse_text(Arc::new(decoder.finish()), encoding, malformed)
    }

    /// Detects the layout of the decoded text and starts parsing it.
    fn parse_text(&mut self, text: Arc<String>, encoding: TextEncoding, malformed: bool) -> Phase {
        if text.trim().is_empty() {
            return Phase::Done(Err(ReadError::Empty));
        }
        let layout = layout(&text, &self.options);
        let rewritten = layout
            .literal_quotes
            .then(|| literal_stray_quotes(&text, layout.delimiter))
            .flatten();
        let (text, rewritten) = match rewritten {
            Some(rewritten) => (Arc::new(rewritten), true),
            None => (text, false),
        };
        // Valid UTF-8 is copied as it is; only a byte-order mark would be dropped, and it
        // would make the text shorter than the file.
        let same_as_file = encoding == TextEncoding::Utf8
            && !malformed
            && !rewritten
            && text.len() == self.bytes.as_ref().len();
        let len = text.len();
        Phase::Parsing {
            parser: {
                let mut parser = Box::new(Parser::shared(Arc::clone(&text), layout));
                parser.quotes_as_written(self.sheet);
                parser
            },
            encoding,
            layout,
            len,
            file_text: same_as_file.then_some(text),
        }
    }

    /// The table is read: map its columns, then plan.
    fn mapped(
        &mut self,
        mut table: crate::input::read::Table,
        encoding: TextEncoding,
        layout: Layout,
        file_text: Option<Arc<String>>,
    ) -> Phase {
        if !self.lines.is_empty() {
            let at = |line| crate::input::read::workbook::sheet_line(&self.lines, line);
            for r in &mut table.records {
                r.line = u32::try_from(at(u64::from(r.line))).unwrap_or(u32::MAX);
            }
            for b in &mut table.broken {
                b.line = at(b.line);
                b.last_line = at(b.last_line);
            }
        }
        let memory_key = Mapping::memory_key(&table);
        let mapping = (self.memory)(&memory_key)
            .and_then(|m| Mapping::from_memory(&m, table.width))
            .unwrap_or_else(|| Mapping::auto_for(&table, self.rules.mapped_fields()));
        // A remembered mapping may feed a field this target never sends: not offered.
        let mut mapping = mapping;
        mapping.keep_only(&self.rules.mapped_fields());
        let columns = (0..table.width)
            .map(|i| match table.header.as_ref().and_then(|h| h.get(i)) {
                Some(name) if !name.is_empty() => name.clone(),
                _ => format!("Column {}", i + 1),
            })
            .collect();
        let notes = table.reading_notes();
        let stray_quotes = !table.broken.is_empty();
        let mut sheet = Sheet::new(table, mapping, self.rules.clone());
        let planning = Planning::new(&mut sheet, None);
        Phase::Planning {
            planning,
            loaded: Box::new(Loaded {
                encoding,
                layout,
                columns,
                memory_key,
                sheet,
                rows: Vec::new(),
                tally: Tally::default(),
                notes,
                stray_quotes,
                file_text,
                sheet_name: None,
            }),
        }
    }
}

impl Loaded {
    /// What a reading of a workbook's sheet (see [`Reading::with_sheet_lines`]) tells
    /// besides a CSV file's: the sheet's name, and the conversion's `notes` (a formula
    /// with no saved value, an error cell) first among the reading notes. The reading's
    /// text is the reader's, not the file: it is not kept as the file's text.
    pub fn of_sheet(&mut self, sheet: String, notes: Vec<String>) {
        self.notes.splice(0..0, notes);
        self.sheet_name = Some(sheet);
        self.file_text = None;
    }
}

/// Reads a workbook's sheet as the spreadsheet reader (`crates/sheets`) wrote it (`csv`,
/// its records' `lines` map, its `notes`) to the end with no remembered mapping, as the
/// page does: the native entry point for a sheet.
pub fn read_sheet_all(
    sheet: String,
    csv: String,
    lines: Vec<u32>,
    notes: Vec<String>,
    options: ReadOptions,
    rules: Rules,
) -> Result<Loaded, ReadError> {
    /// The text as the reading's bytes (no copy of it).
    struct Text(Arc<String>);
    impl AsRef<[u8]> for Text {
        fn as_ref(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }
    let csv = Arc::new(csv);
    let mut loaded = Reading::new(
        Text(Arc::clone(&csv)),
        options.for_sheet(),
        rules,
        Box::new(|_| None),
    )
    .with_text(csv)
    .with_sheet_lines(lines)
    .run(usize::MAX)?;
    loaded.of_sheet(sheet, notes);
    Ok(loaded)
}

/// Reads `bytes` to the end with no remembered mapping: the native entry point.
pub fn read_all(bytes: &[u8], options: ReadOptions, rules: Rules) -> Result<Loaded, ReadError> {
    Reading::new(bytes, options, rules, Box::new(|_| None)).run(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::Field;

    fn aurora() -> Rules {
        Rules {
            email_rule: Some(crate::targets::aurora::PUBLIC_ID_RULE),
            ..Rules::new(vec![Field::Email, Field::Password])
        }
    }

    /// Issue 25: a sheet's rows go through the CSV pipeline; the plan's rows keep the
    /// sheet's row numbers, and the conversion's notes lead the reading notes.
    #[test]
    fn a_sheets_rows_are_read_like_a_csv_with_their_row_numbers() {
        // As the spreadsheet reader writes it: the title padded, empty rows 4 to 8 as
        // blank lines, a cell with a line break on row 9 (so the next record, row 10, is
        // on line 11: the map says so).
        let csv = "Staff export 2026,,\nEmail,Password,Employee ID\nann@example.com,Pw-1-long-enough,00042\n\n\n\n\n\n\"not an\naddress\",Pw-2-long-enough,43\nbo@example.com,Pw-3-long-enough,44\n";
        let loaded = read_sheet_all(
            "Staff".into(),
            csv.into(),
            vec![11, 10],
            vec!["row 3, column C: a note".into()],
            ReadOptions::default(),
            aurora(),
        )
        .unwrap();
        let lines: Vec<u32> = loaded.sheet.table.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 9, 10]);
        assert!(!loaded.stray_quotes);
        assert!(loaded.file_text.is_none());
        assert_eq!(loaded.columns, ["Email", "Password", "Employee ID"]);
        assert_eq!(loaded.rows.len(), 3);
        assert_eq!(&loaded.sheet.table.records[1].fields[0], "not an\naddress");
        assert_eq!(loaded.notes[0], "row 3, column C: a note");
        assert_eq!(loaded.tally.invalid, 1);
        assert_eq!(loaded.sheet_name.as_deref(), Some("Staff"));
        let summary = crate::input::summary::file_summary(&crate::input::summary::FileFacts {
            name: "staff.xlsx",
            rows: loaded.rows.len(),
            tally: loaded.tally,
            encoding: loaded.encoding,
            layout: loaded.layout,
            notes: &loaded.notes,
            sheet: loaded.sheet_name.as_deref(),
        });
        assert!(
            summary.starts_with("staff.xlsx: 3 rows (2 ready, 1 invalid, 0 excluded). Sheet \"Staff\". A row of column names was found. Not read cleanly: row 3, column C: a note"),
            "{summary}"
        );
    }

    #[test]
    fn the_text_stands_in_for_the_file_only_when_it_is_the_file_byte_for_byte() {
        let read = |bytes: &[u8], options: ReadOptions| {
            read_all(bytes, options, aurora()).unwrap().file_text
        };
        let plain = "email;password\nann@x.y;pw-1\nbo@x.y;pw-2\n";
        assert_eq!(
            read(plain.as_bytes(), ReadOptions::default())
                .as_deref()
                .map(String::as_bytes),
            Some(plain.as_bytes())
        );
        // A byte-order mark is dropped from the text: the file's bytes are not the text.
        let bom = [b"\xEF\xBB\xBF".as_slice(), plain.as_bytes()].concat();
        assert_eq!(read(&bom, ReadOptions::default()), None);
        // Windows-1252 ("é" is one byte in the file, two in the text), whether detected or
        // chosen, and UTF-16.
        let latin = b"email;name\nann@x.y;Ren\xE9\n";
        assert_eq!(read(latin, ReadOptions::default()), None);
        let chosen = ReadOptions {
            encoding: Some(TextEncoding::Windows1252),
            ..ReadOptions::default()
        };
        assert_eq!(read(b"email\nann@x.y\n", chosen), None);
        let utf16: Vec<u8> = "email\nann@x.y\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let utf16_options = ReadOptions {
            encoding: Some(TextEncoding::Utf16Le),
            ..ReadOptions::default()
        };
        assert_eq!(read(&utf16, utf16_options), None);
        // Stray quotes read literally rewrite the text.
        let stray = "email;name\nann@x.y;\"Ann\nbo@x.y;Bo\n";
        let literal = ReadOptions {
            literal_quotes: true,
            ..ReadOptions::default()
        };
        let rewritten = read_all(stray.as_bytes(), literal, aurora()).unwrap();
        assert_eq!(rewritten.rows.len(), 2);
        assert_eq!(rewritten.file_text, None);
    }

    /// Bytes that are a shared text, as the page holds a file taken over in place.
    struct Shared(Arc<String>);

    impl AsRef<[u8]> for Shared {
        fn as_ref(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }

    #[test]
    fn a_file_taken_over_as_text_is_parsed_in_place_with_the_same_result() {
        let read = |text: &str, options: ReadOptions, give: bool| {
            let text = Arc::new(text.to_owned());
            let mut reading = Reading::new(
                Shared(Arc::clone(&text)),
                options,
                aurora(),
                Box::new(|_| None),
            );
            if give {
                reading = reading.with_text(Arc::clone(&text));
            }
            let loaded = reading.run(7).unwrap();
            let in_place = loaded
                .file_text
                .as_ref()
                .is_some_and(|t| Arc::ptr_eq(t, &text));
            (
                loaded.rows,
                loaded.columns,
                loaded.file_text.is_some(),
                in_place,
            )
        };
        let plain = "email;password\nann@x.y;pw-1\nbo@x.y;pw-2\nann@x.y;pw-3\nbad;pw\n";
        let given = read(plain, ReadOptions::default(), true);
        let decoded = read(plain, ReadOptions::default(), false);
        assert_eq!(given.0, decoded.0);
        assert_eq!(given.1, decoded.1);
        assert!(given.3, "the text is the page's own buffer, no copy");
        assert!(decoded.2 && !decoded.3, "decoded: a copy");
        // A byte-order mark, stray quotes read literally, and another chosen encoding:
        // the text is not used as it is, and the result is what decoding gives.
        let bom = format!("\u{FEFF}{plain}");
        for (text, options) in [
            (bom.as_str(), ReadOptions::default()),
            (
                "email;name\nann@x.y;\"Ann\nbo@x.y;Bo\n",
                ReadOptions {
                    literal_quotes: true,
                    ..ReadOptions::default()
                },
            ),
            (
                plain,
                ReadOptions {
                    encoding: Some(TextEncoding::Windows1252),
                    ..ReadOptions::default()
                },
            ),
        ] {
            let given = read(text, options, true);
            let decoded = read(text, options, false);
            assert_eq!(given.0, decoded.0);
            assert!(!given.3, "{text:?}");
        }
        // A text that is not the bytes' own buffer is ignored.
        let other = Arc::new(plain.to_owned());
        let loaded = Reading::new(
            Shared(Arc::new(plain.to_owned())),
            ReadOptions::default(),
            aurora(),
            Box::new(|_| None),
        )
        .with_text(Arc::clone(&other))
        .run(7)
        .unwrap();
        assert!(!loaded.file_text.is_some_and(|t| Arc::ptr_eq(&t, &other)));
    }

    #[test]
    fn small_steps_and_one_go_agree() {
        let mut text = String::from("email;password\n");
        for i in 0..3000 {
            text.push_str(&format!("u{}@x.y;p{i}\n", i % 2900));
        }
        let whole = read_all(text.as_bytes(), ReadOptions::default(), aurora()).unwrap();
        let mut reading = Reading::new(
            text.as_bytes(),
            ReadOptions::default(),
            aurora(),
            Box::new(|_| None),
        );
        let mut steps = 0;
        let mut seen = Vec::new();
        while let Progress::Working { what, fraction } = reading.step(100) {
            assert!((0.0..=1.0).contains(&fraction), "{what} {fraction}");
            if seen.last() != Some(&what) {
                seen.push(what);
            }
            steps += 1;
        }
        assert_eq!(seen, ["Decoding", "Reading rows", "Checking rows"]);
        assert!(steps > 30);
        let stepped = reading.finish().unwrap();
        assert_eq!(stepped.rows, whole.rows);
        assert_eq!(stepped.tally, whole.tally);
        assert_eq!(stepped.tally.invalid, 200);
        assert_eq!(stepped.layout.delimiter, b';');
    }

    #[test]
    fn utf8_that_breaks_late_is_read_as_windows_1252() {
        let mut bytes = b"email,password,name\n".to_vec();
        for i in 0..10_000 {
            bytes.extend_from_slice(format!("u{i}@x.y,p{i},Ann\n").as_bytes());
        }
        bytes.extend_from_slice(b"z@x.y,p,Ren\xE9e\n");
        let loaded = read_all(&bytes, ReadOptions::default(), aurora()).unwrap();
        assert_eq!(loaded.encoding, TextEncoding::Windows1252);
        assert_eq!(&loaded.sheet.table.records[10_000].fields[2], "Renée");
        // Forced UTF-8 keeps U+FFFD instead.
        let forced = read_all(
            &bytes,
            ReadOptions {
                encoding: Some(TextEncoding::Utf8),
                ..ReadOptions::default()
            },
            aurora(),
        )
        .unwrap();
        assert_eq!(
            &forced.sheet.table.records[10_000].fields[2],
            "Ren\u{FFFD}e"
        );
    }

    #[test]
    fn a_remembered_mapping_comes_first() {
        let bytes = b"a,b\nx@y.z,pw\n";
        let auto = read_all(bytes, ReadOptions::default(), aurora()).unwrap();
        let key = auto.memory_key.clone();
        let remembered = Reading::new(
            &bytes[..],
            ReadOptions::default(),
            aurora(),
            Box::new(move |k| (k == key).then(|| "password,email".to_owned())),
        )
        .run(10)
        .unwrap();
        assert_eq!(
            remembered.sheet.mapping.columns,
            [Some(Field::Password), Some(Field::Email)]
        );
    }

    #[test]
    fn empty_and_header_only() {
        for (bytes, err) in [
            (&b""[..], ReadError::Empty),
            (b"  \r\n", ReadError::Empty),
            (b"email,password\r\n", ReadError::HeaderOnly),
        ] {
            assert_eq!(
                read_all(bytes, ReadOptions::default(), aurora()).unwrap_err(),
                err
            );
        }
    }

    #[test]
    fn planning_keeps_exclusions() {
        let loaded = read_all(b"a@x.y,p\nb@x.y,q\n", ReadOptions::default(), aurora()).unwrap();
        let mut sheet = loaded.sheet;
        let mut planning = Planning::new(&mut sheet, Some(vec![false, true]));
        while !planning.step(&mut sheet, 1) {}
        let (rows, tally) = planning.finish();
        assert!(!rows[0].excluded && rows[1].excluded);
        assert_eq!((tally.valid, tally.excluded), (1, 1));
    }
}
