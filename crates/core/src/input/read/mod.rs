//! Reading a dropped file: bytes to text, text to records with their line numbers.
//!
//! - [`fields`]: a record's fields, spans of the text the records share;
//! - [`table`]: what reading gives ([`Table`], [`Record`], [`Broken`]), whatever the format;
//! - [`layout`]: the layout of a file, what the user overrides, the header guess;
//! - [`quotes`]: stray quotes, found and read leniently;
//! - [`cells`]: a cell's value from its text (trimming, unquoting);
//! - [`guard`]: the formula guard of Roster's own downloads, taken off when read back;
//! - [`parser`]: the parser of delimited text and the detection of its layout;
//! - [`workbook`]: a workbook's sheet, which the spreadsheet reader hands over as CSV text.

mod cells;
mod fields;
pub mod guard;
mod layout;
mod parser;
mod quotes;
mod table;
pub mod workbook;

use fields::FieldsBuilder;
pub use fields::{Fields, SharedStr, INLINE_FIELDS};
pub use layout::{header_guess, Layout, ReadOptions};
pub use parser::{layout, Parser};
pub use quotes::literal_stray_quotes;
pub use table::{Broken, Edited, Record, Table};

use crate::input::decode::{self, TextEncoding};

pub use super::error::ReadError;

/// Turns the file's bytes into text: UTF-8 (with or without a byte-order mark), UTF-16
/// with a mark, or Windows-1252 when the bytes are not UTF-8. See [`crate::input::decode`].
pub fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    decode::decode(bytes, None).map(|(text, _)| text)
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

    /// Issue 25: a spreadsheet program saves a title row as `Staff export 2026,,,,,`; with
    /// it above the header and 40 rows, the title and the header were two invalid rows.
    #[test]
    fn a_title_row_padded_with_empty_cells_is_skipped_and_the_header_found() {
        let mut text = String::from(
            "Staff export 2026,,,,,\nFirst name,Last name,Email,Password,Employee ID,Start date\n",
        );
        for i in 0..40 {
            text.push_str(&format!(
                "Ann{i},Lee,ann{i}@example.com,Pw-{i}-long-enough,{:05},2026-01-05\n",
                i + 1
            ));
        }
        let t = read(text.as_bytes()).unwrap();
        assert_eq!(
            t.header.as_deref().map(|h| h.join(",")),
            Some("First name,Last name,Email,Password,Employee ID,Start date".into())
        );
        assert_eq!(t.records.len(), 40);
        assert_eq!(t.records[0].line, 3);
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
