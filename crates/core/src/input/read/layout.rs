//! How a file is laid out (delimiter, lines above the data, a header or not), what the
//! user may override, and the header guess from a file's first records (any format).

use crate::input::decode::TextEncoding;
use crate::input::detect;

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

impl ReadOptions {
    /// The options for a workbook's sheet as the spreadsheet reader writes it: UTF-8,
    /// comma-separated, quoted as RFC 4180 says; the header and the lines above the data
    /// as the user chose or detected.
    pub fn for_sheet(self) -> ReadOptions {
        ReadOptions {
            encoding: Some(TextEncoding::Utf8),
            delimiter: Some(b','),
            literal_quotes: false,
            ..self
        }
    }
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
    /// [`super::literal_stray_quotes`]'s text.
    pub literal_quotes: bool,
}

/// How many records below the first one the header guess looks at.
const HEADER_SAMPLE: usize = 20;

/// Whether the first record holds the column names, guessed from it and the records
/// below it (up to [`HEADER_SAMPLE`] of them; blank records skipped). The records may
/// come from any reader.
pub fn header_guess(records: impl IntoIterator<Item = Vec<String>>) -> bool {
    let mut records = records
        .into_iter()
        .filter(|r| !r.iter().all(String::is_empty));
    let Some(first) = records.next() else {
        return false;
    };
    let below: Vec<Vec<String>> = records.take(HEADER_SAMPLE).collect();
    detect::header_guess_rows(&first, &below)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    /// The guess takes records from any reader (a spreadsheet's rows as well as CSV's).
    #[test]
    fn the_header_is_guessed_from_any_readers_records() {
        let with = rows(&[
            &["Email", "Password"],
            &["", ""],
            &["ann@example.com", "Pw-1"],
            &["bob@example.com", "Pw-2"],
        ]);
        assert!(header_guess(with));
        let without = rows(&[&["ann@example.com", "Pw-1"], &["bob@example.com", "Pw-2"]]);
        assert!(!header_guess(without));
        assert!(!header_guess(Vec::new()));
        assert!(!header_guess(rows(&[&["", ""]])));
    }
}
