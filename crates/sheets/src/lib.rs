//! A workbook's bytes to its sheets, and a sheet to rows of text cells as the admin sees
//! them in the spreadsheet, read by calamine. What comes out is CSV text (written by the
//! `csv` crate) that the page's and the command line's CSV reading reads as it reads a
//! CSV file (see [`roster_core::input::read::workbook`]): every row padded to the sheet's
//! width, each on the line of its row number (blank lines for empty rows), with a map of
//! lines to row numbers where a cell's line break (or a long gap) puts a row elsewhere.
//! The command line calls [`convert`] natively; the page calls it in a Web Worker
//! (`src/bin/sheets_worker.rs` of this crate), so that the page itself never links
//! calamine nor a second reading path.
//!
//! - Numbers read as typed: `42`, not `42.0`; a phone number stored as a number keeps
//!   every digit. Text cells keep their leading zeros.
//! - Dates become ISO dates (`2026-01-05`), times `13:30:00`, both `2026-01-05T13:30:00`;
//!   booleans `true` / `false`; an error cell its code (`#N/A`), with a note.
//! - A formula gives its cached value; one with none (a file saved by a program that does
//!   not compute formulas) is read as empty, with a note naming the cell.
//! - A merged cell is named once (its value is in its first cell only); empty trailing
//!   rows and columns are not rows or columns.
//! - An `.xlsx` sheet is streamed cell by cell (never a whole grid in memory); `.ods` and
//!   sheets are read whole by calamine.
//! - The text is kept in 1 MiB pieces (never grown by doubling), optionally handed to a
//!   [`Store`] as they fill (the page's worker keeps them in JS buffers), and padded to
//!   the sheet's width as it is given out, at its exact size ([`Text::write_to`]). The
//!   worker reads the workbook from the dropped file slice by slice ([`convert_from`]).
//! - An `.xls` (Excel 97-2003) is refused with a message to save it as `.xlsx` or CSV:
//!   calamine's reader of that format panics on damaged files.

use std::io::{Cursor, Read as _, Seek, SeekFrom};

use calamine::{
    CellErrorType, Data, DataRef, ExcelDateTime, Ods, OdsError, Reader, SheetVisible, Xlsx,
    XlsxError,
};

/// One sheet of a workbook, as the sheet select lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetInfo {
    pub name: String,
    /// Hidden (or "very hidden") in the spreadsheet program.
    pub hidden: bool,
}

/// A workbook read: its sheets, which one was read, and that sheet's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub sheets: Vec<SheetInfo>,
    /// Index into `sheets` of the sheet read.
    pub chosen: usize,
    /// The sheet's non-blank rows as CSV text, each row padded to the sheet's width and
    /// on the line of its row number where it can be.
    pub csv: String,
    /// Pairs (CSV line, sheet row), by line, of the records not on their row's line
    /// (see [`roster_core::input::read::workbook::sheet_line`]); usually empty.
    pub lines: Vec<u32>,
    /// What the reading has to say about cells (a formula with no saved value, an error
    /// cell), one note per kind with the first cells named.
    pub notes: Vec<String>,
}

/// Why a workbook could not be read, in words the page and the command line show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Password-protected.
    Encrypted,
    /// Not a readable workbook (a damaged zip, broken XML): what calamine said.
    Damaged(String),
    /// `--sheet NAME` or the select named a sheet the workbook does not have.
    NoSuchSheet { name: String, sheets: Vec<String> },
    /// A workbook with no sheet at all.
    NoSheets,
    /// An Excel 97-2003 workbook (`.xls`), which Roster does not read.
    OldExcel,
}

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SheetError::Encrypted => f.write_str(
                "The workbook is password-protected (encrypted), so Roster cannot read it. Open it in your spreadsheet program, remove the password (or save a copy without one) as .xlsx, .ods or CSV, and choose that file.",
            ),
            SheetError::Damaged(why) => write!(
                f,
                "The file is damaged: it looks like a spreadsheet but cannot be read ({why}). Open it in your spreadsheet program and save it again as .xlsx or CSV."
            ),
            SheetError::NoSuchSheet { name, sheets } => write!(
                f,
                "The workbook has no sheet named \"{name}\". Its sheets: {}.",
                sheets
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            SheetError::NoSheets => f.write_str("The workbook has no sheets."),
            SheetError::OldExcel => f.write_str(
                "This is an Excel 97-2003 workbook (.xls), an old format Roster does not read. Open it in your spreadsheet program and save it as .xlsx (Excel Workbook) or CSV, then choose that file.",
            ),
        }
    }
}

impl std::error::Error for SheetError {}

/// The kind of workbook the bytes look like, from their first bytes and, for a zip, the
/// names of its parts; `None` for anything else (a CSV, text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip: an Office Open XML (`.xlsx`) or OpenDocument (`.ods`) workbook, or a damaged one.
    Zip,
    /// An OLE compound file: an `.xls` workbook, or an encrypted `.xlsx`.
    Compound,
}

/// See [`Kind`]. The page hands a file to the worker when this says it is a workbook.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if !roster_core::input::read::workbook::is_workbook(bytes) {
        None
    } else if bytes.starts_with(b"PK") {
        Some(Kind::Zip)
    } else {
        Some(Kind::Compound)
    }
}

/// Whether an OLE compound file holds an encrypted Office Open XML package: its directory
/// names the `EncryptedPackage` stream (MS-OFFCRYPTO 2.3.4.4), in UTF-16.
fn is_encrypted_package(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(name.len()).any(|w| w == name.as_slice())
}

/// Reads the workbook `bytes`: lists its sheets and converts one, the one named `sheet`
/// or else the first visible sheet with data (two non-blank rows at least: a cover sheet
/// holding only a title is skipped; the first visible sheet when none has data).
pub fn convert(bytes: &[u8], sheet: Option<&str>) -> Result<Converted, SheetError> {
    convert_text(bytes, sheet).map(Read::into_converted)
}

/// As [`convert`], with the sheet's text not yet padded: [`Text`] gives it at its exact
/// padded size, piece by piece (the page's worker copies it so into a JS buffer of that
/// size). The workbook (calamine's reader, its shared strings) is dropped on return,
/// before any answer is built.
pub fn convert_text(bytes: &[u8], sheet: Option<&str>) -> Result<Read, SheetError> {
    convert_text_into(bytes, sheet, &mut || None)
}

/// Makes a [`Store`] for each sheet read, or none (the text stays in memory).
pub type Stores<'s> = dyn FnMut() -> Option<Box<dyn Store>> + 's;

/// As [`convert_text`], the full pieces of each sheet's text kept in a store of its own
/// as they are written (see [`Store`]).
pub fn convert_text_into(
    bytes: &[u8],
    sheet: Option<&str>,
    stores: &mut Stores<'_>,
) -> Result<Read, SheetError> {
    convert_from(Cursor::new(bytes), sheet, stores)
}

/// As [`convert_text_into`], reading the workbook from `file` as calamine asks for its
/// parts (the page's worker reads it so from the dropped file, slice by slice: the
/// workbook's bytes are never all in its memory).
pub fn convert_from<R: std::io::Read + Seek>(
    file: R,
    sheet: Option<&str>,
    stores: &mut Stores<'_>,
) -> Result<Read, SheetError> {
    let mut book = Book::open(file)?;
    let sheets = book.sheets();
    if sheets.is_empty() {
        return Err(SheetError::NoSheets);
    }
    if let Some(name) = sheet {
        let Some(chosen) = sheets.iter().position(|s| s.name == name) else {
            return Err(SheetError::NoSuchSheet {
                name: name.to_owned(),
                sheets: sheets.into_iter().map(|s| s.name).collect(),
            });
        };
        let sheet = book.rows(name, stores)?;
        return Ok(sheet.read(sheets, chosen));
    }
    let mut first: Option<(usize, Sheet)> = None;
    for (i, s) in sheets.iter().enumerate().filter(|(_, s)| !s.hidden) {
        let sheet = book.rows(&s.name, stores)?;
        if sheet.count >= 2 {
            return Ok(sheet.read(sheets, i));
        }
        first.get_or_insert((i, sheet));
    }
    let (chosen, sheet) = match first {
        Some(f) => f,
        None => (0, book.rows(&sheets[0].name, stores)?),
    };
    Ok(sheet.read(sheets, chosen))
}

/// A workbook read, its sheet's text not yet padded: see [`Converted`] and [`Text`].
pub struct Read {
    pub sheets: Vec<SheetInfo>,
    pub chosen: usize,
    pub text: Text,
    pub lines: Vec<u32>,
    pub notes: Vec<String>,
}

impl Read {
    /// With the text as one `String` of its exact padded size.
    pub fn into_converted(self) -> Converted {
        Converted {
            sheets: self.sheets,
            chosen: self.chosen,
            csv: self.text.into_string(),
            lines: self.lines,
            notes: self.notes,
        }
    }
}

/// One sheet converted: see [`Converted`]; `count` is how many non-blank rows it has.
pub struct Sheet {
    pub text: Text,
    pub lines: Vec<u32>,
    pub notes: Vec<String>,
    pub count: usize,
}

impl Sheet {
    fn read(self, sheets: Vec<SheetInfo>, chosen: usize) -> Read {
        Read {
            sheets,
            chosen,
            text: self.text,
            lines: self.lines,
            notes: self.notes,
        }
    }
}

/// The size of the pieces a sheet's text is kept in, and given out in.
const CHUNK: usize = 1 << 20;

/// Bytes kept in pieces of [`CHUNK`] bytes: growing never copies what is written, nor
/// needs room for it twice (as a `Vec` growing by doubling does).
struct Chunks {
    /// The pieces kept here, after the `stored` ones.
    chunks: Vec<Vec<u8>>,
    len: usize,
    /// The size of a piece: [`CHUNK`] (smaller in tests).
    size: usize,
    /// Where full pieces go as they fill, when anywhere (the page's worker keeps them in
    /// JS buffers, out of its wasm memory, which never shrinks); one piece is kept here.
    store: Option<Box<dyn Store>>,
    stored: usize,
}

/// Keeps the full pieces of a sheet's text elsewhere, in order, and gives each back
/// once (see [`convert_text_into`]).
pub trait Store {
    /// Keeps a copy of the next piece.
    fn put(&mut self, piece: &[u8]);
    /// Gives back the piece put `i`-th into `into` (cleared first), and lets it go: each
    /// is asked for once, in order.
    fn take(&mut self, i: usize, into: &mut Vec<u8>);
}

impl Default for Chunks {
    fn default() -> Chunks {
        Chunks {
            chunks: Vec::new(),
            len: 0,
            size: CHUNK,
            store: None,
            stored: 0,
        }
    }
}

impl Chunks {
    fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = self.chunks.last().map_or(0, |c| self.size - c.len());
            if room == 0 {
                match (&mut self.store, self.chunks.last_mut()) {
                    (Some(store), Some(full)) => {
                        store.put(full);
                        full.clear();
                        self.stored += 1;
                    }
                    _ => self.chunks.push(Vec::with_capacity(self.size)),
                }
                continue;
            }
            let n = room.min(bytes.len());
            if let Some(c) = self.chunks.last_mut() {
                c.extend_from_slice(&bytes[..n]);
            }
            self.len += n;
            bytes = &bytes[n..];
        }
    }

    fn push_fill(&mut self, byte: u8, mut n: usize) {
        let run = [byte; 256];
        while n > 0 {
            let k = n.min(run.len());
            self.push(&run[..k]);
            n -= k;
        }
    }
}

/// A sheet's CSV text as written, rows not yet padded, with where each record ends (after
/// its line break) and how many cells it has: [`Text::len`] is the size of the text with
/// every record padded to the widest, and [`Text::write_to`] gives that text out in
/// pieces, freeing what it has given out as it goes.
pub struct Text {
    text: Chunks,
    ends: Vec<usize>,
    widths: Vec<u16>,
    width: usize,
}

impl Text {
    /// The padded text's size in bytes.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.text.len + self.missing()
    }

    /// The empty cells the records lack to be as wide as the widest (a comma each).
    fn missing(&self) -> usize {
        self.widths
            .iter()
            .map(|&w| self.width - usize::from(w))
            .sum()
    }

    /// Calls `out` with the padded text, in order, in pieces of at most 1 MiB
    /// (the last may be shorter), which add up to [`Text::len`] bytes. Each piece of the
    /// unpadded text is freed once given out.
    pub fn write_to(self, out: impl FnMut(&[u8])) {
        self.write_in(CHUNK, out)
    }

    fn write_in(self, size: usize, mut out: impl FnMut(&[u8])) {
        let Text {
            text,
            ends,
            widths,
            width,
        } = self;
        let mut piece: Vec<u8> = Vec::with_capacity(size);
        let mut emit = |bytes: &[u8], piece: &mut Vec<u8>| {
            let mut bytes = bytes;
            while !bytes.is_empty() {
                let n = (size - piece.len()).min(bytes.len());
                piece.extend_from_slice(&bytes[..n]);
                bytes = &bytes[n..];
                if piece.len() == size {
                    out(piece);
                    piece.clear();
                }
            }
        };
        // Where the text not yet given out starts, and the commas owed before the line
        // break at `ends[next] - 1`.
        let mut at = 0;
        let mut next = 0;
        let commas = [b','; 256];
        let Chunks {
            chunks,
            mut store,
            stored,
            ..
        } = text;
        let mut back = Vec::new();
        let stored = (0..stored).filter_map(|i| {
            let store = store.as_mut()?;
            store.take(i, &mut back);
            Some(std::mem::take(&mut back))
        });
        for chunk in stored.chain(chunks) {
            // `ends` only grow, and each record holds its line break.
            let start = at;
            let stop = at + chunk.len();
            let mut from = start;
            while next < ends.len() && ends[next] - 1 < stop {
                let lf = ends[next] - 1;
                emit(&chunk[from - start..lf - start], &mut piece);
                let mut m = width - usize::from(widths[next]);
                while m > 0 {
                    let k = m.min(commas.len());
                    emit(&commas[..k], &mut piece);
                    m -= k;
                }
                from = lf;
                next += 1;
            }
            emit(&chunk[from - start..], &mut piece);
            at = stop;
            // `chunk` is freed here.
        }
        if !piece.is_empty() {
            out(&piece);
        }
    }

    /// The padded text as one `String` of its exact size.
    pub fn into_string(self) -> String {
        let mut csv = Vec::with_capacity(self.len());
        self.write_to(|piece| csv.extend_from_slice(piece));
        // The csv crate writes the cells' UTF-8 and ASCII separators only.
        String::from_utf8(csv).unwrap_or_default()
    }
}

enum Book<R> {
    Xlsx(Box<Xlsx<R>>),
    Ods(Box<Ods<R>>),
}

fn damaged(e: impl std::fmt::Display) -> SheetError {
    SheetError::Damaged(e.to_string())
}

impl<R: std::io::Read + Seek> Book<R> {
    fn open(mut file: R) -> Result<Book<R>, SheetError> {
        let unreadable = |e: std::io::Error| SheetError::Damaged(e.to_string());
        // The first bytes tell the kind; an OpenDocument file names its type in its
        // first part, `mimetype`.
        let mut head = Vec::with_capacity(128);
        file.by_ref()
            .take(128)
            .read_to_end(&mut head)
            .map_err(unreadable)?;
        match sniff(&head) {
            Some(Kind::Compound) => {
                let mut bytes = head;
                file.read_to_end(&mut bytes).map_err(unreadable)?;
                if is_encrypted_package(&bytes) {
                    return Err(SheetError::Encrypted);
                }
                // calamine's .xls reader panics on damaged files (this crate's property
                // test found it): Roster does not read the old format.
                Err(SheetError::OldExcel)
            }
            Some(Kind::Zip) => {
                file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
                let ods = head
                    .windows(b"opendocument.spreadsheet".len())
                    .any(|w| w == b"opendocument.spreadsheet");
                if ods {
                    match Ods::new(file) {
                        Ok(o) => Ok(Book::Ods(Box::new(o))),
                        Err(OdsError::Password) => Err(SheetError::Encrypted),
                        Err(e) => Err(damaged(e)),
                    }
                } else {
                    match Xlsx::new(file) {
                        Ok(x) => Ok(Book::Xlsx(Box::new(x))),
                        Err(XlsxError::FileNotFound(part)) => Err(SheetError::Damaged(format!(
                            "it is a zip without the spreadsheet part {part}"
                        ))),
                        Err(e) => Err(damaged(e)),
                    }
                }
            }
            None => Err(SheetError::Damaged(
                "it is neither an Office Open XML, OpenDocument nor Excel 97 workbook".into(),
            )),
        }
    }

    fn sheets(&self) -> Vec<SheetInfo> {
        let meta = match self {
            Book::Xlsx(b) => b.sheets_metadata(),
            Book::Ods(b) => b.sheets_metadata(),
        };
        meta.iter()
            .filter(|s| matches!(s.typ, calamine::SheetType::WorkSheet))
            .map(|s| SheetInfo {
                name: s.name.clone(),
                hidden: s.visible != SheetVisible::Visible,
            })
            .collect()
    }

    /// The sheet's non-blank rows as CSV, its notes, and how many rows it has.
    fn rows(&mut self, name: &str, stores: &mut Stores<'_>) -> Result<Sheet, SheetError> {
        let mut out = RowsOut::default();
        out.csv.store = stores();
        match self {
            Book::Xlsx(b) => {
                let mut cells = b.worksheet_cells_reader(name).map_err(damaged)?;
                while let Some(cell) = cells.next_cell_with_formula_metadata().map_err(damaged)? {
                    let (row, col) = cell.pos;
                    let no_value = cell.formula.is_some() && matches!(cell.value, DataRef::Empty);
                    out.cell(
                        row,
                        col,
                        text_of_ref(&cell.value),
                        no_value,
                        is_error_ref(&cell.value),
                    );
                }
            }
            Book::Ods(b) => {
                let range = b.worksheet_range(name).map_err(damaged)?;
                out.range(&range);
            }
        }
        Ok(out.finish())
    }
}

/// The most empty rows written as blank lines between two rows; a longer gap is bridged
/// by the map of lines instead (a damaged file may name any row number).
const MAX_BLANK_LINES: u64 = 4096;

/// Builds the CSV text cell by cell, in the order the sheet stores them (row by row): a
/// row is written once its last cell is read, with only the cells up to its last
/// non-blank one; [`RowsOut::finish`] pads every row to the widest in place.
struct RowsOut {
    csv: Chunks,
    /// One record as the writer writes it, before it joins `csv`.
    record: Vec<u8>,
    /// Writes each record into `csv`, quoted as RFC 4180 says.
    writer: csv::WriterBuilder,
    /// Line breaks written so far (the next record's line is one more).
    newlines: u64,
    /// See [`Converted::lines`].
    lines: Vec<u32>,
    /// Where each record's text ends (after its line break), and how many cells it has.
    ends: Vec<usize>,
    widths: Vec<u16>,
    width: usize,
    row: Option<u32>,
    cells: Vec<String>,
    count: usize,
    no_value: Vec<String>,
    errors: Vec<String>,
}

impl Default for RowsOut {
    fn default() -> RowsOut {
        let mut writer = csv::WriterBuilder::new();
        writer
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1024);
        RowsOut {
            csv: Chunks::default(),
            record: Vec::new(),
            writer,
            newlines: 0,
            lines: Vec::new(),
            ends: Vec::new(),
            widths: Vec::new(),
            width: 0,
            row: None,
            cells: Vec::new(),
            count: 0,
            no_value: Vec::new(),
            errors: Vec::new(),
        }
    }
}

impl RowsOut {
    fn cell(&mut self, row: u32, col: u32, text: String, no_value: bool, error: bool) {
        if self.row != Some(row) {
            self.flush();
            self.row = Some(row);
        }
        if no_value || error {
            let at = format!("row {}, column {}", u64::from(row) + 1, column_name(col));
            if no_value {
                self.no_value.push(at);
            } else {
                self.errors.push(format!("{at} ({text})"));
            }
        }
        if text.is_empty() {
            return;
        }
        let col = col as usize;
        // A column past any a real sheet has (Excel's last is XFD, 16,384) is not read.
        if col >= 16_384 {
            return;
        }
        if self.cells.len() <= col {
            self.cells.resize(col + 1, String::new());
        }
        self.cells[col] = text;
    }

    fn range(&mut self, range: &calamine::Range<Data>) {
        let Some((r0, c0)) = range.start() else {
            return;
        };
        for (i, row) in range.rows().enumerate() {
            for (j, v) in row.iter().enumerate() {
                if matches!(v, Data::Empty) {
                    continue;
                }
                let error = matches!(v, Data::Error(_));
                self.cell(r0 + i as u32, c0 + j as u32, text_of_data(v), false, error);
            }
        }
    }

    /// Writes the row read so far, on the line of its row number when it can be.
    fn flush(&mut self) {
        let Some(row) = self.row else {
            return;
        };
        // Cells past the last non-blank one are not written (nor counted in the width).
        let used = self
            .cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1);
        if used > 0 {
            // A cell the writer quotes (it holds a comma, a quote or a line break) would
            // keep the spaces around it inside the quotes: they are left out here, as
            // the reading leaves them out of any other cell.
            for c in &mut self.cells[..used] {
                if c.contains([',', '"', '\n', '\r']) && c.trim().len() != c.len() {
                    *c = c.trim().to_owned();
                }
            }
            let number = u64::from(row) + 1;
            let line = self.newlines + 1;
            let gap = number.saturating_sub(line);
            if gap <= MAX_BLANK_LINES {
                // `gap` is below 4,097 here.
                self.csv.push_fill(b'\n', gap as usize);
                self.newlines += gap;
            }
            let line = self.newlines + 1;
            if line != number {
                // Both fit: rows are u32 + 1 at most, and lines are fewer than the rows
                // plus the line breaks of the cells.
                self.lines.push(u32::try_from(line).unwrap_or(u32::MAX));
                self.lines.push(u32::try_from(number).unwrap_or(u32::MAX));
            }
            self.record.clear();
            {
                // Writing into a vector cannot fail.
                let mut w = self.writer.from_writer(&mut self.record);
                let _ = w.write_record(&self.cells[..used]);
                let _ = w.flush();
            }
            self.newlines += self.record.iter().filter(|&&b| b == b'\n').count() as u64;
            self.csv.push(&self.record);
            self.ends.push(self.csv.len);
            self.widths.push(used as u16);
            self.width = self.width.max(used);
            self.count += 1;
        }
        self.cells.clear();
    }

    fn finish(mut self) -> Sheet {
        self.flush();
        let mut notes = Vec::new();
        let list = |cells: &[String]| {
            let shown = cells.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
            if cells.len() > 5 {
                format!("{shown} and {} more", cells.len() - 5)
            } else {
                shown
            }
        };
        if !self.no_value.is_empty() {
            notes.push(format!(
                "{} {} a formula with no saved value (the program that wrote the file did not compute {}), read as empty: {}. Open the file in your spreadsheet program and save it again to keep the values.",
                self.no_value.len(),
                if self.no_value.len() == 1 { "cell holds" } else { "cells hold" },
                if self.no_value.len() == 1 { "it" } else { "them" },
                list(&self.no_value)
            ));
        }
        if !self.errors.is_empty() {
            notes.push(format!(
                "{} {} an error value, read as its code: {}",
                self.errors.len(),
                if self.errors.len() == 1 {
                    "cell holds"
                } else {
                    "cells hold"
                },
                list(&self.errors)
            ));
        }
        Sheet {
            text: Text {
                text: self.csv,
                ends: self.ends,
                widths: self.widths,
                width: self.width,
            },
            lines: self.lines,
            notes,
            count: self.count,
        }
    }
}

/// `A`, `B`, … `Z`, `AA`, … for column index `col` (0-based).
pub fn column_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push(b'A' + r);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A number as the spreadsheet shows it in a general format: an integral value without
/// `.0` (`4915112345678`, not `4.915112345678e12`), any other in its shortest form.
pub fn number_text(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A date, a time or both, in ISO 8601; a duration as `[h]:mm:ss`.
pub fn date_text(dt: &ExcelDateTime) -> String {
    let v = dt.as_f64();
    if dt.is_duration() || !v.is_finite() {
        let secs = (v * 86_400.0).round();
        if !secs.is_finite() || secs.abs() > 1e12 {
            return number_text(v);
        }
        let secs = secs as i64;
        let (sign, secs) = if secs < 0 { ("-", -secs) } else { ("", secs) };
        return format!(
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let date = format!("{y:04}-{mo:02}-{d:02}");
    let time = if ms > 0 {
        format!("{h:02}:{mi:02}:{s:02}.{ms:03}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    if (h, mi, s, ms) == (0, 0, 0, 0) {
        date
    } else if (0.0..1.0).contains(&v) {
        time
    } else {
        format!("{date}T{time}")
    }
}

/// An ISO date-time as OpenDocument stores it, without a midnight time.
fn iso_text(s: &str) -> String {
    s.strip_suffix("T00:00:00")
        .unwrap_or(s)
        .trim_end_matches('Z')
        .to_owned()
}

fn error_text(e: &CellErrorType) -> String {
    e.to_string()
}

fn text_of_ref(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => date_text(dt),
        DataRef::DateTimeIso(s) => iso_text(s),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => error_text(e),
        DataRef::Empty => String::new(),
    }
}

fn is_error_ref(v: &DataRef<'_>) -> bool {
    matches!(v, DataRef::Error(_))
}

fn text_of_data(v: &Data) -> String {
    match v {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => date_text(dt),
        Data::DateTimeIso(s) => iso_text(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => error_text(e),
        Data::Empty => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;
    use roster_core::input::map::Field;
    use roster_core::input::read::ReadOptions;
    use roster_core::input::validate::Rules;

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(4915112345678.0), "4915112345678");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn dates_and_times_are_iso() {
        let dt = |v| ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false);
        assert_eq!(date_text(&dt(46027.0)), "2026-01-05");
        assert_eq!(date_text(&dt(46027.5)), "2026-01-05T12:00:00");
        assert_eq!(date_text(&dt(0.5625)), "13:30:00");
        let dur = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(date_text(&dur), "36:00:00");
        assert_eq!(iso_text("2026-01-05T00:00:00"), "2026-01-05");
    }

    #[test]
    fn columns_are_named_as_the_spreadsheet_names_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }

    /// Empty trailing cells and rows (a sheet's formatted but empty cells) are not read;
    /// an empty cell inside a row keeps its place.
    #[test]
    fn empty_trailing_cells_and_rows_are_not_read() {
        let mut out = RowsOut::default();
        out.cell(0, 0, "Email".into(), false, false);
        out.cell(0, 1, "Password".into(), false, false);
        out.cell(0, 7, String::new(), false, false);
        out.cell(1, 0, "a@x.y".into(), false, false);
        out.cell(1, 2, "c".into(), false, false);
        out.cell(1, 9, String::new(), false, false);
        out.cell(2, 3, String::new(), false, false);
        out.cell(40, 0, String::new(), false, false);
        let sheet = out.finish();
        assert_eq!(sheet.count, 2);
        assert!(sheet.notes.is_empty());
        // Every row padded to the widest.
        assert_eq!(sheet.text.into_string(), "Email,Password,\na@x.y,,c\n");
        assert!(sheet.lines.is_empty());
    }

    fn sheet_of(rows: &[(u32, &[&str])]) -> Sheet {
        let mut out = RowsOut::default();
        for (row, cells) in rows {
            for (col, c) in cells.iter().enumerate() {
                out.cell(*row, col as u32, (*c).to_owned(), false, false);
            }
        }
        out.finish()
    }

    fn read(sheet: Sheet, options: ReadOptions) -> roster_core::input::reading::Loaded {
        roster_core::input::reading::read_sheet_all(
            "Staff".into(),
            sheet.text.into_string(),
            sheet.lines,
            sheet.notes,
            options,
            Rules::new(vec![Field::Email]),
        )
        .unwrap()
    }

    fn records(l: &roster_core::input::reading::Loaded) -> Vec<(u64, Vec<String>)> {
        l.sheet
            .table
            .records
            .iter()
            .map(|r| {
                (
                    u64::from(r.line),
                    r.fields.iter().map(str::to_owned).collect(),
                )
            })
            .collect()
    }

    fn owned(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    /// The rows go through the page's CSV reading: a title (padded by the writer) is
    /// skipped, the header found, each record keeps its sheet row number across empty
    /// rows, and cells are trimmed as a CSV file's are.
    #[test]
    fn rows_keep_the_sheets_row_numbers_and_skip_a_padded_title() {
        let sheet = sheet_of(&[
            (0, &["Staff export 2026"]),
            (2, &["First name", "Last name", "Email", "Employee ID"]),
            (3, &[" Ann ", "Lee", "ann@x.y", "00042"]),
            (4, &["", " ", "", ""]),
            (6, &["Bo", "Ek", "bo@x.y"]),
        ]);
        assert_eq!(sheet.count, 4);
        assert!(sheet.lines.is_empty());
        let loaded = read(sheet, ReadOptions::default());
        assert_eq!(loaded.layout.skip_lines, 2);
        assert_eq!(
            loaded.columns,
            ["First name", "Last name", "Email", "Employee ID"]
        );
        assert_eq!(
            records(&loaded),
            [
                (4, owned(&["Ann", "Lee", "ann@x.y", "00042"])),
                (7, owned(&["Bo", "Ek", "bo@x.y", ""]))
            ]
        );
        assert!(loaded.sheet.table.records[0].fields.trimmed(0));
        assert!(loaded.sheet.table.ragged_lines().is_empty());
        assert_eq!(loaded.sheet_name.as_deref(), Some("Staff"));
    }

    /// A cell with a line break, a comma or a quote reads back as it was; the rows after
    /// it keep their numbers by the map, and a long gap of empty rows is bridged by it.
    #[test]
    fn cells_with_line_breaks_and_long_gaps_keep_the_row_numbers() {
        let sheet = sheet_of(&[
            (0, &["Email", "Address", "Note"]),
            (
                1,
                &["a@x.y", "1 Main St\nSpringfield", "says \"hi\", twice"],
            ),
            (2, &["b@x.y", "2 Elm St", "-"]),
            (9_999, &["c@x.y", "3 Oak St", "far"]),
        ]);
        assert_eq!(sheet.lines, [4, 3, 5, 10_000]);
        let loaded = read(sheet, ReadOptions::default());
        assert_eq!(
            records(&loaded),
            [
                (
                    2,
                    owned(&["a@x.y", "1 Main St\nSpringfield", "says \"hi\", twice"])
                ),
                (3, owned(&["b@x.y", "2 Elm St", "-"])),
                (10_000, owned(&["c@x.y", "3 Oak St", "far"])),
            ]
        );
        assert!(!loaded.stray_quotes);
    }

    #[test]
    fn a_cell_of_many_lines_and_a_one_column_sheets_multi_line_cell_are_read_cleanly() {
        // A CSV file's quoted field over 20 lines, or holding text in a one-column file,
        // is taken for a stray quote's work; a sheet's quotes are the writer's.
        let long: String = (1..=25)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let sheet = sheet_of(&[
            (0, &["Email", "Note"]),
            (1, &["a@x.y", long.as_str()]),
            (2, &["b@x.y", "short"]),
        ]);
        let loaded = read(sheet, ReadOptions::default());
        assert!(!loaded.stray_quotes);
        assert_eq!(
            records(&loaded),
            [
                (2, owned(&["a@x.y", long.as_str()])),
                (3, owned(&["b@x.y", "short"]))
            ]
        );
        let sheet = sheet_of(&[(0, &["Email"]), (1, &["a@x.y\nb@x.y"]), (2, &["c@x.y"])]);
        let loaded = read(sheet, ReadOptions::default());
        assert!(!loaded.stray_quotes);
        assert_eq!(
            records(&loaded),
            [(2, owned(&["a@x.y\nb@x.y"])), (3, owned(&["c@x.y"]))]
        );
    }

    /// `text` kept in pieces of `size` bytes.
    fn text_of(text: &[u8], ends: &[usize], widths: &[u16], width: usize, size: usize) -> Text {
        let mut chunks = Chunks {
            size,
            ..Chunks::default()
        };
        chunks.push(text);
        Text {
            text: chunks,
            ends: ends.to_vec(),
            widths: widths.to_vec(),
            width,
        }
    }

    fn pieces(text: Text, size: usize) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        text.write_in(size, |p| got.push(p.to_vec()));
        got
    }

    /// Every record gets its missing cells before its line break (not before the blank
    /// lines after it, nor inside a quoted line break), whatever pieces the text is in.
    #[test]
    fn padding_in_place_moves_every_record() {
        let csv = b"a\n\nb,c,d\n\"x\ny\"\n";
        for size in [1, 2, 3, 5, 64, CHUNK] {
            let text = text_of(csv, &[2, 9, 15], &[1, 3, 1], 3, size);
            assert_eq!(text.len(), 19);
            let got = pieces(text, size.min(4)).concat();
            assert_eq!(got, b"a,,\n\nb,c,d\n\"x\ny\",,\n", "pieces of {size}");
        }
        let none = text_of(b"", &[], &[], 0, 4);
        assert_eq!(none.len(), 0);
        assert!(pieces(none, 4).is_empty());
    }

    /// Pieces kept in a shared `Vec` (the test reads them too), each given back once and
    /// in order, else the test fails.
    #[derive(Default, Clone)]
    struct VecStore {
        pieces: std::rc::Rc<std::cell::RefCell<Vec<Vec<u8>>>>,
        taken: std::rc::Rc<std::cell::Cell<usize>>,
    }

    impl Store for VecStore {
        fn put(&mut self, piece: &[u8]) {
            assert_eq!(self.taken.get(), 0, "a piece put after one was taken");
            self.pieces.borrow_mut().push(piece.to_vec());
        }
        fn take(&mut self, i: usize, into: &mut Vec<u8>) {
            assert_eq!(i, self.taken.get(), "pieces taken in order, once");
            self.taken.set(i + 1);
            into.clear();
            into.extend_from_slice(&std::mem::take(&mut self.pieces.borrow_mut()[i]));
        }
    }

    /// The padding as it was done before, in place in one `Vec`: what the pieces must
    /// add up to.
    fn pad(csv: &mut Vec<u8>, ends: &[usize], widths: &[u16], width: usize) {
        let missing: usize = widths.iter().map(|&w| width - usize::from(w)).sum();
        let old = csv.len();
        csv.resize(old + missing, b',');
        let mut shift = missing;
        let mut end_of_moved = old;
        for (&end, &w) in ends.iter().zip(widths).rev() {
            if shift == 0 {
                break;
            }
            let lf = end - 1;
            csv.copy_within(lf..end_of_moved, lf + shift);
            let m = width - usize::from(w);
            shift -= m;
            csv[lf + shift..lf + shift + m].fill(b',');
            end_of_moved = lf;
        }
    }

    proptest::proptest! {
        /// For any rows, kept in pieces of any size and given out in pieces of any size,
        /// the answer is the padded text exactly: its size is known before it is written,
        /// no piece is larger than asked, and the pieces add up to the text padded in place.
        #[test]
        fn the_exact_size_answer_is_the_padded_text(
            rows in proptest::collection::vec(
                (0u32..3, proptest::collection::vec("[a-z ,\"\n]{0,4}", 0..6)), 0..12),
            size in 1usize..12,
            piece in 1usize..12,
            stored in proptest::bool::ANY,
        ) {
            let mut out = RowsOut::default();
            out.csv.size = size;
            let store = VecStore::default();
            if stored {
                out.csv.store = Some(Box::new(store.clone()));
            }
            let mut row = 0;
            for (gap, cells) in &rows {
                row += gap + 1;
                for (col, c) in cells.iter().enumerate() {
                    out.cell(row, col as u32, c.clone(), false, false);
                }
            }
            let text = out.finish().text;
            proptest::prop_assert!(text.text.chunks.iter().all(|c| c.len() <= size));
            let put = store.pieces.borrow().len();
            if stored {
                // All but the last piece went to the store as they filled.
                proptest::prop_assert!(text.text.chunks.len() <= 1);
                proptest::prop_assert_eq!(put, text.text.stored);
            }
            let mut want = store.pieces.borrow().concat();
            want.extend(text.text.chunks.concat());
            pad(&mut want, &text.ends, &text.widths, text.width);
            let len = text.len();
            let got = pieces(text, piece);
            proptest::prop_assert_eq!(store.taken.get(), put, "every stored piece taken back");
            proptest::prop_assert!(got.iter().all(|p| !p.is_empty() && p.len() <= piece));
            proptest::prop_assert!(got.iter().rev().skip(1).all(|p| p.len() == piece), "only the last piece is short");
            let got = got.concat();
            proptest::prop_assert_eq!(got.len(), len);
            proptest::prop_assert_eq!(got, want);
        }

        /// Any cells (separators, quotes, line breaks, spaces) in any rows read back
        /// through the CSV reading as written (trimmed), with their row numbers.
        #[test]
        fn any_cells_read_back_with_their_row_numbers(rows in proptest::collection::vec(
            (0u32..6, proptest::collection::vec("[a-z0-9 \u{e9},\"\n]{0,6}", 1..5)), 1..8)) {
            let mut out = RowsOut::default();
            let mut row = 0;
            let mut want = Vec::new();
            for (gap, cells) in &rows {
                row += gap + 1;
                for (col, c) in cells.iter().enumerate() {
                    out.cell(row, col as u32, c.clone(), false, false);
                }
                let trimmed: Vec<String> = cells.iter().map(|c| c.trim().to_owned()).collect();
                if trimmed.iter().any(|c| !c.is_empty()) {
                    want.push((u64::from(row) + 1, trimmed));
                }
            }
            let sheet = out.finish();
            let width = want.iter().map(|(_, c)| c.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1)).max().unwrap_or(0);
            let options = ReadOptions { header: Some(false), skip_lines: Some(0), ..ReadOptions::default() };
            let Ok(loaded) = roster_core::input::reading::read_sheet_all(String::new(), sheet.text.into_string(), sheet.lines, Vec::new(), options, Rules::new(vec![Field::Email])) else {
                proptest::prop_assert!(want.is_empty());
                return Ok(());
            };
            proptest::prop_assert!(!loaded.stray_quotes, "a sheet's quotes are the writer's");
            let got = records(&loaded);
            let want: Vec<(u64, Vec<String>)> = want.into_iter().map(|(n, mut c)| { c.resize(width.max(c.len()), String::new()); c.truncate(width); (n, c) }).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn not_a_workbook_and_a_damaged_zip_say_so() {
        assert!(matches!(
            convert(b"email,password\n", None),
            Err(SheetError::Damaged(_))
        ));
        let err = convert(b"PK\x03\x04garbage that is no zip", None).unwrap_err();
        assert!(err.to_string().starts_with("The file is damaged"), "{err}");
    }
}
