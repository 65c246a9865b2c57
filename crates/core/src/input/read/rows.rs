//! A spreadsheet's rows as Roster reads them: text cells with the sheet's row numbers,
//! handed over as one string (the Web Worker that reads workbooks posts it to the page;
//! the command line builds it natively), then read into the same [`Table`] as a CSV file,
//! with the same preamble and header detection.
//!
//! The string is rows one after the other, each ended by [`ROW_END`]: the row's number,
//! then each cell after a [`CELL_START`]. The two separators are control characters that
//! a spreadsheet's XML cannot hold; a cell that holds one anyway has it replaced by
//! U+FFFD ([`push_row`]). Every field of the table is a span of that one string, as a CSV
//! file's fields are spans of its text: a million rows cost no allocation each.

use std::sync::Arc;

use super::{
    header_guess as detect_header, FieldsBuilder, Layout, ReadError, ReadOptions, Record, Table,
};
use crate::input::detect;

/// Starts a cell.
pub const CELL_START: char = '\u{1F}';
/// Ends a row.
pub const ROW_END: char = '\u{1E}';

/// Whether the bytes are a workbook (a zip: `.xlsx`, `.ods`; an OLE compound file:
/// `.xls`, an encrypted `.xlsx`) for the spreadsheet reader rather than text.
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Appends a row (its 1-based number in the sheet, and its cells as text) to `out`.
pub fn push_row<S: AsRef<str>>(out: &mut String, row: u64, cells: &[S]) {
    use std::fmt::Write;
    let _ = write!(out, "{row}");
    for cell in cells {
        out.push(CELL_START);
        let cell = cell.as_ref();
        if cell.contains([CELL_START, ROW_END]) {
            out.push_str(&cell.replace([CELL_START, ROW_END], "\u{FFFD}"));
        } else {
            out.push_str(cell);
        }
    }
    out.push(ROW_END);
}

/// The rows of `encoded` (see the module's documentation) as the table a CSV file gives:
/// blank rows skipped, a preamble (a title, padded or not) skipped, a header detected
/// (or as `options` says; `options.skip_lines` counts non-blank rows here), every row
/// as wide as the widest (a sheet's empty trailing cells are not written, so no row is
/// ragged). Each record's line is its row number in the sheet.
pub fn table_of_rows(
    encoded: Arc<String>,
    options: &ReadOptions,
) -> Result<(Table, Layout), ReadError> {
    let text = encoded.as_str();
    let mut builder = FieldsBuilder::default();
    let mut records: Vec<Record> = Vec::new();
    let mut width = 0;
    let mut at = 0usize;
    for row in text.split_inclusive(ROW_END) {
        let start = at;
        at += row.len();
        let body = row.strip_suffix(ROW_END).unwrap_or(row);
        let mut parts = body.split(CELL_START);
        let Some(line) = parts.next().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        builder.clear();
        // Offsets of each cell in `text`: the number, then a separator before each cell.
        let mut pos = start + body.split(CELL_START).next().map_or(0, str::len);
        let mut filled = 0;
        for cell in parts {
            pos += CELL_START.len_utf8();
            let trimmed = cell.trim();
            let lead = cell.len() - cell.trim_start().len();
            let (s, e) = (pos + lead, pos + lead + trimmed.len());
            match (u32::try_from(s), u32::try_from(e)) {
                (Ok(s), Ok(e)) => builder.push_span(text, (s, e)),
                _ => builder.push_owned(text, trimmed),
            }
            builder.mark_trimmed(trimmed.len() != cell.len());
            if !trimmed.is_empty() {
                filled += 1;
            }
            pos += cell.len();
        }
        if filled == 0 {
            continue;
        }
        let fields = builder.build(&encoded);
        // Trailing empty cells do not count towards the width.
        let used = (0..fields.len())
            .rev()
            .find(|&i| !fields[i].is_empty())
            .map_or(0, |i| i + 1);
        width = width.max(used);
        records.push(Record {
            line,
            fields,
            edited: Default::default(),
        });
    }
    if records.is_empty() {
        return Err(ReadError::Empty);
    }
    let skip = match options.skip_lines {
        Some(n) => n.min(records.len()),
        None => preamble_rows(&records, width),
    };
    records.drain(..skip);
    let header = match options.header {
        Some(h) => h,
        None => detect_header(
            records
                .iter()
                .map(|r| r.fields.iter().map(str::to_owned).collect()),
        ),
    };
    let header = if header && !records.is_empty() {
        let first = records.remove(0);
        Some(
            (0..width)
                .map(|i| first.fields.get(i).unwrap_or("").to_owned())
                .collect::<Vec<String>>(),
        )
    } else {
        None
    };
    if records.is_empty() {
        return Err(if header.is_some() {
            ReadError::HeaderOnly
        } else {
            ReadError::Empty
        });
    }
    // Every row as wide as the widest: empty cells past a row's end.
    for r in &mut records {
        if r.fields.len() != width {
            let mut cells: Vec<&str> = r.fields.iter().take(width).collect();
            cells.resize(width, "");
            r.fields = cells.into_iter().collect();
        }
    }
    let layout = Layout {
        delimiter: b',',
        skip_lines: skip,
        header: header.is_some(),
        literal_quotes: false,
    };
    Ok((
        Table {
            delimiter: b',',
            header,
            records,
            width,
            broken: Vec::new(),
        },
        layout,
    ))
}

/// How many of the first records are preamble: a title (alone, or padded with empty
/// cells, or a merged cell named once) above the data. See
/// [`detect::first_full_record`]; a record holding an address is never preamble.
fn preamble_rows(records: &[Record], width: usize) -> usize {
    // Every row is as wide as the widest (a sheet does not write empty trailing cells):
    // what tells a title from the data is how many cells are filled.
    let counts: Vec<(usize, usize)> = records
        .iter()
        .take(50)
        .map(|r| (width, r.fields.iter().filter(|f| !f.is_empty()).count()))
        .collect();
    match detect::first_full_record(&counts) {
        Some(n)
            if !records[..n]
                .iter()
                .any(|r| r.fields.iter().any(|f| f.contains('@'))) =>
        {
            n
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(rows: &[(u64, &[&str])]) -> Arc<String> {
        let mut s = String::new();
        for (n, cells) in rows {
            push_row(&mut s, *n, cells);
        }
        Arc::new(s)
    }

    fn fields(t: &Table) -> Vec<Vec<&str>> {
        t.records
            .iter()
            .map(|r| r.fields.iter().collect())
            .collect()
    }

    #[test]
    fn rows_keep_the_sheets_row_numbers_and_skip_a_padded_title() {
        let rows = encode(&[
            (1, &["Staff export 2026", "", "", ""]),
            (3, &["First name", "Last name", "Email", "Employee ID"]),
            (4, &[" Ann ", "Lee", "ann@x.y", "00042"]),
            (5, &["", "", "", ""]),
            (7, &["Bo", "Ek", "bo@x.y"]),
        ]);
        let (t, layout) = table_of_rows(rows, &ReadOptions::default()).unwrap();
        assert_eq!(layout.skip_lines, 1);
        assert_eq!(
            t.header.as_deref(),
            Some(&["First name", "Last name", "Email", "Employee ID"].map(String::from)[..])
        );
        assert_eq!(
            fields(&t),
            [
                ["Ann", "Lee", "ann@x.y", "00042"],
                ["Bo", "Ek", "bo@x.y", ""]
            ]
        );
        assert_eq!(t.records.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 7]);
        assert!(t.records[0].fields.trimmed(0));
        assert!(t.ragged_lines().is_empty());
    }

    #[test]
    fn workbooks_are_told_from_text() {
        assert!(is_workbook(b"PK\x03\x04rest"));
        assert!(is_workbook(&[
            0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0
        ]));
        assert!(!is_workbook(b"email,password\n"));
        assert!(!is_workbook(b""));
    }

    #[test]
    fn separators_inside_cells_cannot_split_them() {
        let rows = encode(&[(2, &["a\u{1F}b", "c\u{1E}d\ne"])]);
        let (t, _) = table_of_rows(rows, &ReadOptions::default()).unwrap();
        assert_eq!(fields(&t), [["a\u{FFFD}b", "c\u{FFFD}d\ne"]]);
        assert_eq!(t.records[0].line, 2);
    }

    #[test]
    fn empty_and_header_only_sheets_are_errors() {
        assert_eq!(
            table_of_rows(encode(&[(1, &["", ""])]), &ReadOptions::default()),
            Err(ReadError::Empty)
        );
        assert_eq!(
            table_of_rows(Arc::new("garbage".into()), &ReadOptions::default()),
            Err(ReadError::Empty)
        );
        assert_eq!(
            table_of_rows(
                encode(&[(1, &["Email", "Password"])]),
                &ReadOptions::default()
            ),
            Err(ReadError::HeaderOnly)
        );
    }

    proptest::proptest! {
        #[test]
        fn any_string_reads_without_panic(s in "\\PC*") {
            let _ = table_of_rows(Arc::new(s), &ReadOptions::default());
        }

        #[test]
        fn any_cells_read_back_as_written(rows in proptest::collection::vec(
            proptest::collection::vec("[a-z0-9 \u{e9}\u{1F}\u{1E}]{0,6}", 1..5), 1..8)) {
            let mut s = String::new();
            for (i, r) in rows.iter().enumerate() {
                push_row(&mut s, i as u64 + 1, r);
            }
            let options = ReadOptions { header: Some(false), skip_lines: Some(0), ..ReadOptions::default() };
            if let Ok((t, _)) = table_of_rows(Arc::new(s), &options) {
                for rec in &t.records {
                    let src = &rows[rec.line as usize - 1];
                    for (i, f) in rec.fields.iter().enumerate() {
                        let want = src.get(i).map_or(String::new(), |c| c.replace(['\u{1F}', '\u{1E}'], "\u{FFFD}").trim().to_owned());
                        proptest::prop_assert_eq!(f, want.as_str());
                    }
                }
            }
        }
    }
}
