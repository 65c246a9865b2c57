//! The conversion of workbooks written by real spreadsheet writers (openpyxl, LibreOffice,
//! msoffcrypto-tool; see scripts/make-sheet-fixtures.py), then the core's reading of them.

use roster_core::input::map::Field;
use roster_core::input::read::workbook::sheet_line;
use roster_core::input::read::ReadOptions;
use roster_core::input::reading::{read_sheet_all, Loaded};
use roster_core::input::validate::Rules;
use roster_sheets::{convert, SheetError, SheetInfo};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/sheets/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The converted sheet's rows as (row number, cells up to the last non-empty one), read
/// back from its CSV text by the `csv` crate.
fn rows(c: &roster_sheets::Converted) -> Vec<(u64, Vec<String>)> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(c.csv.as_bytes())
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut cells: Vec<String> = r.iter().map(str::to_owned).collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            (sheet_line(&c.lines, r.position().unwrap().line()), cells)
        })
        .collect()
}

fn cells(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| s.to_string()).collect()
}

fn read(name: &str, sheet: Option<&str>) -> Loaded {
    let c = convert(&fixture(name), sheet).unwrap();
    read_sheet_all(
        c.sheets[c.chosen].name.clone(),
        c.csv,
        c.lines,
        c.notes,
        ReadOptions::default(),
        Rules::new(vec![Field::Email, Field::Password]),
    )
    .unwrap()
}

const HEADER: [&str; 9] = [
    "First name",
    "Last name",
    "Email",
    "Password",
    "Employee ID",
    "Phone",
    "Start date",
    "Active",
    "Display name",
];

/// Numbers as typed (a phone number stored as a number, no `.0`), text ids with their
/// leading zeros, ISO dates, booleans, and a formula openpyxl wrote with no saved value.
#[test]
fn cells_read_as_the_admin_sees_them_openpyxl() {
    let c = convert(&fixture("staff-openpyxl.xlsx"), None).unwrap();
    let r = rows(&c);
    assert_eq!(r[0], (1, cells(&["Staff export 2026"])));
    assert_eq!(r[1], (2, cells(&HEADER)));
    assert_eq!(
        r[2],
        (
            3,
            cells(&[
                "Ann",
                "Lee",
                "ann.lee@example.com",
                "Sheet-Pw-1-ok!",
                "00042",
                "4915112345678",
                "2026-01-05",
                "true"
            ])
        )
    );
    assert_eq!(r[3].1[7], "false");
    assert_eq!(r.len(), 5);
    assert_eq!(c.notes.len(), 1);
    assert!(
        c.notes[0].starts_with("3 cells hold a formula with no saved value"),
        "{}",
        c.notes[0]
    );
    assert!(c.notes[0].contains("row 3, column I"), "{}", c.notes[0]);
}

/// LibreOffice saves the formula's value: it is read.
#[test]
fn a_formula_gives_its_cached_value_libreoffice_xlsx_and_ods() {
    for name in ["staff-libreoffice.xlsx", "staff-libreoffice.ods"] {
        let c = convert(&fixture(name), None).unwrap();
        let r = rows(&c);
        assert_eq!(r.len(), 5, "{name}");
        assert!(c.notes.is_empty(), "{name}: {:?}", c.notes);
        let (n, ann) = &r[2];
        assert_eq!(*n, 3, "{name}");
        assert_eq!(
            ann[..7],
            cells(&[
                "Ann",
                "Lee",
                "ann.lee@example.com",
                "Sheet-Pw-1-ok!",
                "00042",
                "4915112345678",
                "2026-01-05"
            ])[..],
            "{name}"
        );
        assert_eq!(ann[8], "Ann Lee", "{name}");
        assert_eq!(r[4].1[0], "Chloé", "{name}");
    }
}

/// Then the CSV pipeline: the padded (merged) title is skipped, the header found, the
/// rows keep the sheet's row numbers, the formula note is among the reading notes.
#[test]
fn the_sheet_goes_through_the_csv_pipeline_with_its_row_numbers() {
    let loaded = read("staff-openpyxl.xlsx", None);
    assert_eq!(loaded.columns, HEADER);
    assert_eq!(loaded.layout.skip_lines, 1);
    let lines: Vec<u32> = loaded.sheet.table.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 5]);
    assert_eq!(loaded.tally.valid, 3, "{:?}", loaded.rows);
    assert!(loaded.notes[0].contains("formula"));
}

/// A header cell merged over two columns is named once: the second column has no name.
#[test]
fn a_merged_header_cell_is_named_once() {
    let loaded = read("merged-header.xlsx", None);
    assert_eq!(loaded.columns, ["Name", "Column 2", "Email", "Password"]);
    assert_eq!(loaded.sheet.table.records.len(), 3);
    assert_eq!(loaded.sheet.table.records[0].line, 2);
    assert_eq!(loaded.tally.valid, 3);
}

/// Three sheets: the cover (a title only) is skipped, the hidden one listed and marked.
#[test]
fn three_sheets_one_hidden_the_first_with_data_chosen() {
    for name in ["three-sheets.xlsx", "three-sheets.ods"] {
        let c = convert(&fixture(name), None).unwrap();
        assert_eq!(
            c.sheets,
            [
                SheetInfo {
                    name: "Cover".into(),
                    hidden: false
                },
                SheetInfo {
                    name: "Staff".into(),
                    hidden: false
                },
                SheetInfo {
                    name: "Archive".into(),
                    hidden: true
                },
            ],
            "{name}"
        );
        assert_eq!(c.chosen, 1, "{name}");
        let archive = convert(&fixture(name), Some("Archive")).unwrap();
        assert_eq!(archive.chosen, 2);
        assert_eq!(
            rows(&archive)[1],
            (2, cells(&["old.one@example.com", "Archive-Pw-1-ok!"]))
        );
        let err = convert(&fixture(name), Some("Nope")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The workbook has no sheet named \"Nope\". Its sheets: \"Cover\", \"Staff\", \"Archive\"."
        );
    }
    let loaded = read("three-sheets.xlsx", Some("Archive"));
    assert_eq!(loaded.columns, ["Email", "Password"]);
    assert_eq!(loaded.tally.valid, 2);
}

#[test]
fn an_old_excel_workbook_is_to_be_saved_as_xlsx_or_csv() {
    let err = convert(&fixture("staff-excel97.xls"), None).unwrap_err();
    assert_eq!(err, SheetError::OldExcel);
    assert!(
        err.to_string()
            .contains("save it as .xlsx (Excel Workbook) or CSV"),
        "{err}"
    );
}

#[test]
fn an_encrypted_workbook_says_so_and_a_cut_one_is_damaged() {
    assert_eq!(
        convert(&fixture("encrypted.xlsx"), None),
        Err(SheetError::Encrypted)
    );
    assert!(SheetError::Encrypted
        .to_string()
        .contains("password-protected"));
    let err = convert(&fixture("damaged.xlsx"), None).unwrap_err();
    assert!(matches!(err, SheetError::Damaged(_)), "{err:?}");
    assert!(err.to_string().starts_with("The file is damaged"), "{err}");
}

/// 100,000 rows stream through the cell reader into one string.
#[test]
fn a_hundred_thousand_rows() {
    let loaded = read("staff-100k.xlsx", None);
    assert_eq!(loaded.sheet.table.records.len(), 100_000);
    assert_eq!(loaded.tally.valid, 100_000);
    let last = loaded.sheet.table.records.last().unwrap();
    assert_eq!(last.line, 100_001);
    assert_eq!(last.fields[4], *"099999");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// No panic on any bytes, nor on real workbooks with bytes changed or cut.
    #[test]
    fn any_bytes_convert_without_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096)) {
        let _ = convert(&bytes, None);
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&bytes);
        let _ = convert(&zip, None);
    }

    #[test]
    fn mutated_fixtures_convert_without_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 1..8),
        cut in proptest::prelude::any::<proptest::sample::Index>(),
    ) {
        let name = ["staff-openpyxl.xlsx", "staff-libreoffice.xlsx", "staff-libreoffice.ods", "three-sheets.xlsx"][which];
        let mut bytes = fixture(name);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(c) = convert(&bytes, None) {
            let _ = read_sheet_all(String::new(), c.csv, c.lines, c.notes, ReadOptions::default(), Rules::new(vec![Field::Email]));
        }
        let n = cut.index(bytes.len());
        let _ = convert(&bytes[..n], None);
    }
}

/// A file read as the page's worker reads the dropped one: a slice at a time, at most
/// `most` bytes a read, wherever calamine seeks.
struct Slices<'a> {
    bytes: &'a [u8],
    at: u64,
    most: usize,
}

impl std::io::Read for Slices<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let at = usize::try_from(self.at)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let n = out.len().min(self.most).min(self.bytes.len() - at);
        out[..n].copy_from_slice(&self.bytes[at..at + n]);
        self.at += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for Slices<'_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.at = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => (self.bytes.len() as u64).checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.at.checked_add_signed(d),
        }
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        Ok(self.at)
    }
}

/// The text's full pieces, kept aside as the worker keeps them in JS buffers.
#[derive(Default)]
struct Aside(Vec<Vec<u8>>, std::rc::Rc<std::cell::Cell<usize>>);

impl roster_sheets::Store for Aside {
    fn put(&mut self, piece: &[u8]) {
        self.0.push(piece.to_vec());
        self.1.set(self.1.get() + 1);
    }
    fn take(&mut self, i: usize, into: &mut Vec<u8>) {
        *into = std::mem::take(&mut self.0[i]);
    }
}

/// Every fixture read slice by slice (the worker's way, the workbook never whole in
/// memory), its text's pieces kept aside as they fill, reads exactly as from its bytes
/// (the command line's way): the same sheets, text, map of lines, notes, or error.
#[test]
fn a_workbook_read_slice_by_slice_with_its_text_aside_reads_as_from_its_bytes() {
    let dir = format!("{}/../../tests/fixtures/sheets", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    let put = std::rc::Rc::new(std::cell::Cell::new(0));
    for name in &names {
        let bytes = fixture(name);
        let want = convert(&bytes, None);
        // The big one once, at the worker's 64 KiB (a debug build reads it slowly).
        let sizes: &[usize] = if bytes.len() > 1 << 20 {
            &[64 * 1024]
        } else {
            &[4093, 64 * 1024]
        };
        for &most in sizes {
            let file = Slices {
                bytes: &bytes,
                at: 0,
                most,
            };
            let mut stores =
                || Some(Box::new(Aside(Vec::new(), put.clone())) as Box<dyn roster_sheets::Store>);
            let got = roster_sheets::convert_from(file, None, &mut stores)
                .map(roster_sheets::Read::into_converted);
            assert_eq!(got, want, "{name}, {most} bytes a read");
        }
    }
    // The 100k-row sheet's text (over 5 MB) went aside in 1 MiB pieces.
    assert!(put.get() >= 5, "{} pieces aside", put.get());
}
