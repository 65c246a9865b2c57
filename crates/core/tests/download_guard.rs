//! The downloads meant to be fixed and dropped back in (the rows to retry, the invalid
//! rows) are guarded against formula injection, and read back cell for cell: any cells
//! → download → read = the same cells. A file that is not Roster's own is read as it is.

use proptest::prelude::*;
use roster_core::input::field::Field;
use roster_core::input::invalid::invalid_rows_csv;
use roster_core::input::map::Mapping;
use roster_core::input::plan::plan;
use roster_core::input::read::guard::{formula_lead, needs_guard};
use roster_core::input::read::{read, read_with, ReadOptions, Record, Table};
use roster_core::report::retry_file;
use roster_core::run::{RowState, Status};

fn failed() -> RowState {
    RowState {
        status: Status::Failed,
        message: "No".into(),
        code: Some(500),
        excluded: false,
        target_id: None,
        attempts: 1,
        answer_lost: false,
        first_sent_ms: None,
        finished_ms: None,
        steps: Vec::new(),
    }
}

fn table(delimiter: u8, header: &[&str], rows: &[Vec<String>]) -> Table {
    Table {
        delimiter,
        header: Some(header.iter().map(|h| h.to_string()).collect()),
        records: rows
            .iter()
            .enumerate()
            .map(|(i, r)| Record {
                line: i as u32 + 2,
                fields: r.iter().collect(),
                edited: Default::default(),
            })
            .collect(),
        width: header.len(),
        broken: Vec::new(),
    }
}

/// Reads a download back with its layout known: the property is the cells' (the
/// delimiter's detection is another's, tested with the reader).
fn read_back(text: &str, delimiter: u8) -> Table {
    let options = ReadOptions {
        delimiter: Some(delimiter),
        header: Some(true),
        skip_lines: Some(0),
        ..ReadOptions::default()
    };
    read_with(text.as_bytes(), &options).unwrap().0
}

fn cells(t: &Table, from: usize, n: usize) -> Vec<Vec<String>> {
    t.records
        .iter()
        .map(|r| {
            r.fields
                .iter()
                .skip(from)
                .take(n)
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// A cell as an admin's export may hold it: any formula lead, a `'` already there, a
/// phone number, a `-` placeholder, quotes and delimiters inside. The reader trims an
/// unguarded cell's spaces (as it does for every file), so such ends are left out.
fn cell() -> impl Strategy<Value = String> {
    "[=+@'\t\r-]{0,2}[a-z0-9 '=+@;,|\"-]{0,6}".prop_filter("no spaces at the ends", |c| {
        c.trim_end() == c && (needs_guard(c) || c.trim_start() == c)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn rows_to_retry_read_back_cell_for_cell(
        rows in prop::collection::vec((cell(), cell()), 1..6),
        delimiter in prop::sample::select(vec![b',', b';', b'|', b'\t']),
    ) {
        let given: Vec<Vec<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, (a, b))| vec![format!("u{i}@example.com"), a.clone(), b.clone()])
            .collect();
        let t = table(delimiter, &["email", "password", "phone"], &given);
        let states = vec![failed(); given.len()];
        let text = retry_file(&t, &states).unwrap();
        // No cell reaches a spreadsheet as a formula.
        let written = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for record in written.into_records() {
            for c in record.unwrap().iter() {
                prop_assert!(!formula_lead(c), "{c:?} in {text:?}");
            }
        }
        let again = read_back(&text, delimiter);
        prop_assert_eq!(again.header.as_ref().map(|h| h[..3].to_vec()), t.header.clone());
        prop_assert_eq!(cells(&again, 0, 3), given);
    }

    #[test]
    fn invalid_rows_read_back_cell_for_cell(rows in prop::collection::vec((cell(), cell()), 1..6)) {
        // Not an address: every row is invalid.
        let given: Vec<Vec<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, (a, b))| vec![format!("user{i}"), a.clone(), b.clone()])
            .collect();
        let t = table(b',', &["email", "password", "phone"], &given);
        let mapping = Mapping::auto(&t);
        let planned = plan(&t, &mapping, &[Field::Email]);
        let all: Vec<usize> = (0..given.len()).collect();
        let text = invalid_rows_csv(&t, &mapping, &planned, &all).unwrap();
        let written = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for record in written.into_records() {
            for c in record.unwrap().iter() {
                prop_assert!(!formula_lead(c), "{c:?} in {text:?}");
            }
        }
        let again = read_back(&text, b',');
        prop_assert_eq!(cells(&again, 2, 3), given);
    }
}

/// The admin's own file (no `steps to retry`, not `line` and `problems` first) is read
/// byte for byte: a password that starts with `'` or `=` is kept as it is, and one that
/// starts with `''` keeps both.
#[test]
fn an_admins_own_file_keeps_its_quotes() {
    let t = read(b"email,password,phone\nann@x.y,'=pw,''+1\nbob@x.y,=pw,'\n").unwrap();
    assert_eq!(cells(&t, 0, 3)[0], ["ann@x.y", "'=pw", "''+1"]);
    assert_eq!(cells(&t, 0, 3)[1], ["bob@x.y", "=pw", "'"]);
}

/// A rows to retry file with nothing to guard is the input handed back as it was.
#[test]
fn rows_to_retry_with_nothing_to_guard_are_unchanged() {
    let given = vec![vec![
        "ann@x.y".to_owned(),
        "pw".to_owned(),
        "555".to_owned(),
    ]];
    let t = table(b',', &["email", "password", "phone"], &given);
    let text = retry_file(&t, &[failed()]).unwrap();
    assert_eq!(text, "email,password,phone\r\nann@x.y,pw,555\r\n");
}

/// The one file with no place for the sign: without a header, the cells are as given.
#[test]
fn headerless_rows_to_retry_are_as_given() {
    let t = read(b"ann@x.y,=pw\nbob@x.y,pw2\n").unwrap();
    assert!(t.header.is_none());
    let text = retry_file(&t, &[failed(), failed()]).unwrap();
    assert_eq!(text, "ann@x.y,=pw\r\nbob@x.y,pw2\r\n");
}
