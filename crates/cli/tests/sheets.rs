//! Workbooks on the command line (issue 25): the same reading as the page's worker,
//! natively, with `--sheet NAME`, against the sandbox's Aurora.

mod support;

use serde_json::{json, Value};
use support::{folder, report_rows, roster, said, Sandbox};

const AURORA_PASSWORD: &str = "12345";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/sheets/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn emails(state: &Value) -> Vec<String> {
    let mut e: Vec<String> = state["aurora"]["users"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|u| u["public_id"].as_str().map(str::to_lowercase))
        .collect();
    e.sort();
    e
}

fn import(
    dir: &std::path::Path,
    sandbox: &Sandbox,
    file: &str,
    extra: &[&str],
) -> std::process::Output {
    let server = format!("{}/", sandbox.api);
    let mut args = vec![
        "import",
        file,
        "--target",
        "aurora",
        "--server",
        &server,
        "--login",
        "superadmin",
        "--yes",
        "--report",
        "out.csv",
    ];
    args.extend_from_slice(extra);
    roster(dir, &args, &[("ROSTER_PASSWORD", AURORA_PASSWORD)], "")
}

#[test]
fn a_workbooks_first_sheet_with_data_is_imported_and_sheet_picks_another() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("sheets");
    std::fs::write(dir.join("three.xlsx"), fixture("three-sheets.xlsx")).unwrap();
    // The cover sheet is skipped: the Staff sheet is read, its title row a title.
    let out = import(&dir, &sandbox, "three.xlsx", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("three.xlsx: 3 rows (3 ready, 0 invalid, 0 excluded). Sheet \"Staff\"."),
        "{}",
        said(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("\"Archive\" (hidden)"),
        "{}",
        said(&out)
    );
    assert_eq!(
        emails(&sandbox.state()),
        [
            "ann.lee@example.com",
            "bo.ek@example.com",
            "chloe.dubois@example.com"
        ]
    );
    let report = report_rows(&dir.join("out.csv"));
    assert_eq!(report.len(), 3);
    // The hidden sheet, by name.
    let out = import(&dir, &sandbox, "three.xlsx", &["--sheet", "Archive"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(emails(&sandbox.state()).contains(&"old.two@example.com".to_owned()));
    // A sheet it does not have.
    let out = import(&dir, &sandbox, "three.xlsx", &["--sheet", "Nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("The workbook has no sheet named \"Nope\". Its sheets: \"Cover\", \"Staff\", \"Archive\"."),
        "{}",
        said(&out)
    );
    let _ = json!(null);
}

#[test]
fn an_ods_file_imports_and_bad_workbooks_are_said_in_words() {
    let sandbox = Sandbox::start(Value::Null);
    let dir = folder("sheets-bad");
    std::fs::write(dir.join("staff.ods"), fixture("staff-libreoffice.ods")).unwrap();
    let out = import(&dir, &sandbox, "staff.ods", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(emails(&sandbox.state()).len(), 3);
    for (file, words) in [
        ("encrypted.xlsx", "password-protected"),
        ("damaged.xlsx", "The file is damaged"),
        (
            "staff-excel97.xls",
            "save it as .xlsx (Excel Workbook) or CSV",
        ),
    ] {
        std::fs::write(dir.join(file), fixture(file)).unwrap();
        let out = import(&dir, &sandbox, file, &[]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", said(&out));
        assert!(said(&out).contains(words), "{file}: {}", said(&out));
    }
    std::fs::write(
        dir.join("people.csv"),
        "email,password\nx@example.com,Pw-long-1!\n",
    )
    .unwrap();
    let out = import(&dir, &sandbox, "people.csv", &["--sheet", "Staff"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("--sheet is for a workbook"),
        "{}",
        said(&out)
    );
}
