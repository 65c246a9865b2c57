//! Properties of the reading (issue 11): what the `csv` crate writes, Roster reads back
//! cell for cell; and a single stray quote never silently swallows rows.

use proptest::prelude::*;
use roster_core::input::read::{ReadOptions, Table};
use roster_core::input::reading::read_all;
use roster_core::input::validate::Rules;

const DELIMITERS: [u8; 4] = [b',', b';', b'|', b'\t'];

fn options(delimiter: u8, literal_quotes: bool) -> ReadOptions {
    ReadOptions {
        encoding: None,
        delimiter: Some(delimiter),
        header: Some(false),
        skip_lines: Some(0),
        literal_quotes,
    }
}

fn read(text: &[u8], delimiter: u8, literal_quotes: bool) -> Table {
    read_all(text, options(delimiter, literal_quotes), Rules::default())
        .expect("reads")
        .sheet
        .table
}

fn cells(t: &Table) -> Vec<Vec<String>> {
    t.records
        .iter()
        .map(|r| r.fields.iter().map(str::to_owned).collect())
        .collect()
}

/// A cell as Roster keeps it: trimmed; a cell wrapped in quotes of its own would be
/// unwrapped (the seed's ` | "p|w"` rule), so such cells get a letter after them.
fn normal(cell: String) -> String {
    let cell = cell.trim().to_owned();
    if cell.len() >= 3 && cell.starts_with('"') && cell.ends_with('"') {
        format!("{cell}x")
    } else {
        cell
    }
}

/// Rows of cells from `alphabet`; no row is all empty (blank lines are skipped).
fn table(alphabet: &'static str) -> impl Strategy<Value = Vec<Vec<String>>> {
    let cell = proptest::collection::vec(
        proptest::sample::select(alphabet.chars().collect::<Vec<_>>()),
        0..8,
    )
    .prop_map(|cs| normal(cs.into_iter().collect()));
    (1usize..6).prop_flat_map(move |width| {
        proptest::collection::vec(
            proptest::collection::vec(cell.clone(), width).prop_map(|mut row| {
                if row.iter().all(String::is_empty) {
                    row[0] = "x".into();
                }
                row
            }),
            1..25,
        )
    })
}

fn write(rows: &[Vec<String>], delimiter: u8, style: csv::QuoteStyle) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(style)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(row).expect("writes");
    }
    w.into_inner().expect("flushes")
}

fn style() -> impl Strategy<Value = csv::QuoteStyle> {
    prop_oneof![
        Just(csv::QuoteStyle::Necessary),
        Just(csv::QuoteStyle::Always),
        Just(csv::QuoteStyle::NonNumeric),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Written with the csv crate under any quoting, read back with the same cells,
    /// quotes, delimiters and line breaks inside cells included.
    #[test]
    fn what_the_csv_writer_writes_reads_back(
        rows in table("ab9 @.,;|\t\"\n"),
        d in proptest::sample::select(DELIMITERS.to_vec()),
        style in style(),
    ) {
        let bytes = write(&rows, d, style);
        let t = read(&bytes, d, false);
        prop_assert_eq!(cells(&t), rows.clone());
        // Without line breaks inside cells, every record is one line and none is broken.
        if !rows.iter().flatten().any(|c| c.contains('\n')) {
            prop_assert!(t.broken.is_empty(), "{:?}", t.broken);
            let lines: Vec<u64> = t.records.iter().map(|r| u64::from(r.line)).collect();
            prop_assert_eq!(lines, (1..=rows.len() as u64).collect::<Vec<_>>());
        }
    }

    /// One stray quote injected anywhere: if the row count changes by more than one, the
    /// reading names the line the quote is on; whatever it names is that line; and the
    /// lenient re-read gives every row back.
    #[test]
    fn a_stray_quote_is_never_silent(
        rows in table("ab9 @.,;|"),
        d in proptest::sample::select(DELIMITERS.to_vec()),
        style in style(),
        at in any::<proptest::sample::Index>(),
    ) {
        prop_assume!(rows.len() >= 2);
        let mut bytes = write(&rows, d, style);
        let at = at.index(bytes.len());
        bytes.insert(at, b'"');
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
        let t = read(&bytes, d, false);
        let n = t.records.len();
        if n.abs_diff(rows.len()) > 1 {
            prop_assert!(!t.broken.is_empty(), "{} rows became {} without a word", rows.len(), n);
        }
        for b in &t.broken {
            prop_assert_eq!(b.line, line, "{:?}", t.broken);
        }
        let lenient = read(&bytes, d, true);
        prop_assert_eq!(lenient.records.len(), rows.len());
        prop_assert!(lenient.broken.is_empty());
    }
}
