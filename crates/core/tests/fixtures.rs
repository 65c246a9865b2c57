//! Every file in tests/fixtures/ loads with the right result: encoding, delimiter, header,
//! mapping and the plan's verdict per row.

use roster_core::decode::TextEncoding;
use roster_core::map::{Field, Mapping};
use roster_core::plan::plan_with;
use roster_core::read::{read_with, ReadError, ReadOptions, Table};
use roster_core::validate::Rules;

fn bytes(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(name: &str) -> (Table, TextEncoding) {
    let (table, encoding, _) = read_with(&bytes(name), &ReadOptions::default()).unwrap();
    (table, encoding)
}

fn column(t: &Table, i: usize) -> Vec<&str> {
    t.records.iter().map(|r| &r.fields[i]).collect()
}

fn aurora() -> Rules {
    Rules::for_target("Aurora", vec![Field::Email, Field::Password])
}

#[test]
fn excel_unicode_text_is_utf16_tsv() {
    let (t, enc) = load("excel-unicode.txt");
    assert_eq!(enc, TextEncoding::Utf16Le);
    assert_eq!(t.delimiter, b'\t');
    assert_eq!(
        t.header.as_deref(),
        Some(&["Email".to_owned(), "Password".into(), "Display Name".into()][..])
    );
    assert_eq!(column(&t, 2), ["Zoë Ångström", "Łukasz Żółć", "王美"]);
    let m = Mapping::auto(&t);
    assert_eq!(
        m.columns,
        [Some(Field::Email), Some(Field::Password), Some(Field::Name)]
    );
    assert!(plan_with(&t, &m, &aurora()).iter().all(|r| r.user.is_ok()));
}

#[test]
fn windows_1252_accented_names_join_into_name() {
    let (t, enc) = load("windows-1252.csv");
    assert_eq!(enc, TextEncoding::Windows1252);
    assert_eq!(t.delimiter, b',');
    assert_eq!(column(&t, 0), ["José", "Renée", "François"]);
    assert_eq!(column(&t, 1), ["García", "Müller", "Œuvre"]);
    let m = Mapping::auto(&t);
    assert_eq!(
        m.columns,
        [
            Some(Field::FirstName),
            Some(Field::LastName),
            Some(Field::Email),
            Some(Field::Password)
        ]
    );
    let rows = plan_with(
        &t,
        &m,
        &Rules::for_target("Mumara", vec![Field::Email, Field::Password, Field::Name]),
    );
    let names: Vec<_> = rows
        .iter()
        .map(|r| r.user.as_ref().unwrap().name.clone().unwrap())
        .collect();
    assert_eq!(names, ["José García", "Renée Müller", "François Œuvre"]);
}

#[test]
fn semicolon_file_with_decimal_commas() {
    let (t, enc) = load("semicolon-decimal-comma.csv");
    assert_eq!(enc, TextEncoding::Utf8);
    assert_eq!(t.delimiter, b';');
    assert_eq!(t.width, 3);
    assert_eq!(column(&t, 2), ["1,5 GB", "2,25 GB", "500"]);
    let m = Mapping::auto(&t);
    assert_eq!(m.column_of(Field::QuotaMb), Some(2));
    let quotas: Vec<_> = plan_with(&t, &m, &aurora())
        .into_iter()
        .map(|r| r.user.unwrap().quota_mb)
        .collect();
    assert_eq!(quotas, [Some(1536), Some(2304), Some(500)]);
}

#[test]
fn seed_pipe_file() {
    let (t, _) = load("seed-pipe.txt");
    assert_eq!(t.delimiter, b'|');
    assert_eq!(t.header, None);
    assert_eq!(
        column(&t, 0),
        [
            "a@localhost",
            "a2@localhost",
            "a3@localhost",
            "a4@localhost"
        ]
    );
    assert_eq!(column(&t, 1), ["p123", "p232", "p333", "p444"]);
    let rows = plan_with(&t, &Mapping::auto(&t), &aurora());
    assert!(rows.iter().all(|r| r.user.is_ok()));
}

#[test]
fn headerless_file_maps_by_content() {
    let (t, _) = load("headerless.csv");
    assert_eq!(t.header, None);
    assert_eq!(t.records.len(), 3);
    let m = Mapping::auto(&t);
    assert_eq!(m.columns, [Some(Field::Password), Some(Field::Email)]);
    let rows = plan_with(&t, &m, &aurora());
    assert_eq!(rows[1].user.as_ref().unwrap().email, "bob@example.com");
}

#[test]
fn preamble_lines_are_skipped() {
    let bytes = bytes("preamble.csv");
    let (t, _, layout) = read_with(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(layout.skip_lines, 3);
    assert!(layout.header);
    assert_eq!(t.header.as_ref().unwrap()[2], "full name");
    assert_eq!(column(&t, 0), ["ann@example.com", "bob@example.com"]);
    assert_eq!(t.records[0].line, 5);
    // The user's override wins: skip nothing, no header.
    let (t, _, _) = read_with(
        &bytes,
        &ReadOptions {
            skip_lines: Some(0),
            header: Some(false),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(t.records[0].fields, ["Staff export"]);
}

#[test]
fn ragged_rows_are_invalid_not_padded() {
    let (t, _) = load("ragged.csv");
    assert_eq!(t.width, 3);
    assert_eq!(t.records[1].fields.len(), 2, "not padded");
    let rows = plan_with(&t, &Mapping::auto(&t), &aurora());
    let ok: Vec<bool> = rows.iter().map(|r| r.user.is_ok()).collect();
    assert_eq!(ok, [true, false, true, false]);
    assert!(
        rows[1]
            .problems_text()
            .contains("line 3 has 2 fields where 3 are expected"),
        "{}",
        rows[1].problems_text()
    );
    assert!(rows[3]
        .problems_text()
        .contains("line 5 has 4 fields where 3 are expected"));
}

#[test]
fn binary_files_are_named() {
    for (name, kind) in [("image.png", "PNG image"), ("workbook.xlsx", "xlsx")] {
        match read_with(&bytes(name), &ReadOptions::default()) {
            Err(e @ ReadError::Binary { .. }) => {
                let text = e.to_string();
                assert!(text.contains(kind), "{name}: {text}");
                assert!(text.contains("save it as CSV"), "{name}: {text}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
