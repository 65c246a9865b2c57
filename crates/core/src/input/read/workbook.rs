//! A workbook as Roster reads it (issue 25): the spreadsheet reader (`crates/sheets`, in
//! a Web Worker for the page, natively for the command line) writes the sheet as CSV text,
//! every row padded to the sheet's width, and the page reads that text through the same
//! path as a CSV file (no second reading path in the page). A CSV line is the sheet's row
//! number (blank lines stand for empty rows); where it cannot be (a cell holding a line
//! break, a gap of many empty rows), the reader hands over a map of the records' lines to
//! the sheet's rows, [`sheet_line`] reads it.

/// Whether the bytes are a workbook (a zip: `.xlsx`, `.ods`; an OLE compound file:
/// `.xls`, an encrypted `.xlsx`) for the spreadsheet reader rather than text.
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// The sheet's row number of a record on `line` of the reader's CSV text: `lines` holds
/// pairs (CSV line, sheet row) sorted by line, for the records whose line is not their
/// row; any other line is its row.
pub fn sheet_line(lines: &[u32], line: u64) -> u64 {
    let (mut lo, mut hi) = (0, lines.len() / 2);
    while lo < hi {
        let mid = (lo + hi) / 2;
        match u64::from(lines[mid * 2]).cmp(&line) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return u64::from(lines[mid * 2 + 1]),
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn lines_not_in_the_map_are_their_rows() {
        let map = [4, 5, 9, 12];
        assert_eq!(sheet_line(&map, 3), 3);
        assert_eq!(sheet_line(&map, 4), 5);
        assert_eq!(sheet_line(&map, 9), 12);
        assert_eq!(sheet_line(&map, 10), 10);
        assert_eq!(sheet_line(&[], 7), 7);
        assert_eq!(sheet_line(&[1], 1), 1);
    }
}
