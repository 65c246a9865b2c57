//! What the rows table says about an invalid row, and the invalid rows as a CSV file
//! (issue 13: errors where the eye is; fixing many rows).
//!
//! - [`explain`]: a row's problems, each in the one shape of
//!   [`crate::input::validate::shaped`]: what is wrong first, then the field and its
//!   column, then the value (`is not a quota … — quota_mb in column "Quota" = "lots"`),
//!   never a secret's value.
//! - [`invalid_rows_csv`]: the invalid rows as CSV: `line` (the input line, the one
//!   numbering the page and the reports use) and `problems`, then every column the file
//!   had, passwords included (issue 27: the admin's own file, downloaded on request, to be
//!   fixed in a spreadsheet and dropped back in, like the rows to retry). Every cell is
//!   guarded against formula injection ([`crate::input::read::guard::guard`]); the
//!   headers `line` and `problems` tell Roster's reader the file is its own, and it takes
//!   the guard off: dropped back, each cell reads as given.

use crate::input::map::Mapping;
use crate::input::plan::PlannedRow;
use crate::input::read::guard::guard;
use crate::input::read::Table;
use crate::input::validate::shaped;

/// The first columns of the invalid-rows file.
pub const INVALID_COLUMNS: [&str; 2] = ["line", "problems"];

/// Values longer than this are cut (with "…") where a row shows them.
const SHOWN_CHARS: usize = 60;

/// Row `index`'s problems, each with the column it is in and the value found there (for
/// a field fed by a column that is not a secret's), joined by "; ". Empty for a valid row.
pub fn explain(table: &Table, mapping: &Mapping, index: usize, row: &PlannedRow) -> String {
    let problems = row.problems();
    let fields = table.records.get(index).map(|r| &r.fields);
    problems
        .iter()
        .map(|p| {
            let Some(field) = p.field else {
                return p.message.clone();
            };
            let Some(column) = mapping.column_of(field) else {
                return p.to_string();
            };
            let place = table.column_name(column);
            if mapping.is_secret(field) {
                return shaped(&p.message, Some(field.label()), Some(&place), None);
            }
            let value = fields.and_then(|f| f.get(column)).unwrap_or_default();
            let shown = if value.is_empty() {
                "empty".to_owned()
            } else if value.chars().count() > SHOWN_CHARS {
                let cut: String = value.chars().take(SHOWN_CHARS).collect();
                format!("\"{cut}…\"")
            } else {
                format!("\"{value}\"")
            };
            shaped(&p.message, Some(field.label()), Some(&place), Some(&shown))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The rows of `among` (row indices) that are invalid and not excluded, as a CSV file
/// (see the module's notes). `None` when there is none.
pub fn invalid_rows_csv(
    table: &Table,
    mapping: &Mapping,
    rows: &[PlannedRow],
    among: &[usize],
) -> Option<String> {
    let picked: Vec<usize> = among
        .iter()
        .copied()
        .filter(|&i| rows.get(i).is_some_and(|r| !r.excluded && !r.is_valid()))
        .collect();
    if picked.is_empty() {
        return None;
    }
    // Every column, named as the file names it (a name taken by the first two columns
    // gets the prefix `input_`, as in the reports).
    let columns: Vec<String> = (0..table.width)
        .map(|c| {
            let name = match table.header.as_ref().and_then(|h| h.get(c)) {
                Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
                _ => format!("column {}", c + 1),
            };
            if INVALID_COLUMNS.contains(&name.as_str()) {
                format!("input_{name}")
            } else {
                name
            }
        })
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    let header = INVALID_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(columns.iter().map(|c| guard(c).into_owned()));
    writer
        .write_record(header)
        .expect("writing to memory cannot fail");
    for i in picked {
        let row = &rows[i];
        let mut cells = vec![
            row.line.to_string(),
            guard(&explain(table, mapping, i, row)).into_owned(),
        ];
        let fields = table.records.get(i).map(|r| &r.fields);
        // The row as given: every field, even past the usual width (a ragged row).
        let given = fields.map_or(0, |f| f.len()).max(table.width);
        cells.extend(
            (0..given)
                .map(|c| guard(fields.and_then(|f| f.get(c)).unwrap_or_default()).into_owned()),
        );
        writer
            .write_record(&cells)
            .expect("writing to memory cannot fail");
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    Some(String::from_utf8(bytes).expect("the cells are UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::field::Field;
    use crate::input::plan::plan_with;
    use crate::input::read::read;
    use crate::input::validate::Rules;

    fn planned(text: &str) -> (Table, Mapping, Vec<PlannedRow>) {
        let t = read(text.as_bytes()).unwrap();
        let m = Mapping::auto(&t);
        let rules = Rules {
            email_rule: Some(crate::targets::aurora::PUBLIC_ID_RULE),
            ..Rules::new(vec![Field::Email, Field::Password])
        };
        let rows = plan_with(&t, &m, &rules);
        (t, m, rows)
    }

    #[test]
    fn explain_names_the_column_and_the_value_but_never_a_password() {
        let (t, m, rows) = planned("E-mail,Password,Role\nann@,,2\nbob@x.y,p,9\n");
        let first = explain(&t, &m, 0, &rows[0]);
        assert!(
            // What is wrong first, then the field and column, then the value (issue 27);
            // the value the message quoted is given once, last.
            first.starts_with(
                "is not an address of the form name@domain — email in column \"E-mail\" = \"ann@\""
            ),
            "{first}"
        );
        assert!(
            first.contains("; missing — password in column \"Password\""),
            "{first}"
        );
        let second = explain(&t, &m, 1, &rows[1]);
        assert!(
            second.starts_with("9 is not a role")
                && second.ends_with(" — role in column \"Role\" = \"9\""),
            "{second}"
        );
        assert_eq!(
            explain(
                &t,
                &m,
                0,
                &PlannedRow {
                    findings: Default::default(),
                    ..rows[0].clone()
                }
            ),
            ""
        );
    }

    #[test]
    fn explain_never_shows_a_password_value() {
        let long = "x".repeat(300);
        let (t, m, rows) = planned(&format!("email,password\nann@x.y,{long}\n"));
        let text = explain(&t, &m, 0, &rows[0]);
        assert!(
            text.ends_with(" — password in column \"password\""),
            "{text}"
        );
        assert!(!text.contains("xxx"), "{text}");
    }

    #[test]
    fn invalid_rows_file_has_line_problems_and_every_column_as_given() {
        let (t, m, mut rows) = planned(
            "email,password,note\nann@x.y,s3cret,ok\n=cmd@,p2,+1\nbob@x.y,p3,fine\n@bad,p4,-x\n",
        );
        let all: Vec<usize> = (0..rows.len()).collect();
        let csv = invalid_rows_csv(&t, &m, &rows, &all).unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        // Every column the file had, the password's too (issue 27): the admin's own rows,
        // to fix and drop back in; every cell a spreadsheet would take for a formula
        // guarded with a leading '.
        assert_eq!(lines[0], "line,problems,email,password,note");
        assert!(lines[1].starts_with("3,"), "{}", lines[1]);
        assert!(lines[1].ends_with(",'=cmd@,p2,'+1"), "{}", lines[1]);
        assert!(lines[2].starts_with("5,"), "{}", lines[2]);
        assert!(lines[2].ends_with(",'@bad,p4,'-x"), "{}", lines[2]);
        assert_eq!(lines.len(), 4, "two rows and the final line end");
        assert!(!csv.contains("s3cret"), "only the invalid rows: {csv}");
        // Read back: the problems cell (the page's own words) names the value, neutralised.
        let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
        let first = reader.records().next().unwrap().unwrap();
        assert!(
            first[1].starts_with(
                "is not an address of the form name@domain — email in column \"email\" = \"=cmd@\""
            ),
            "{}",
            &first[1]
        );
        // Dropped back in, the file reads as the rows it holds, passwords and all.
        let again = crate::input::read::read(csv.as_bytes()).unwrap();
        assert_eq!(again.records.len(), 2);
        assert_eq!(again.header.as_ref().unwrap()[3], "password");
        assert_eq!(&again.records[1].fields[3], "p4");
        // The guard taken off: each cell as given.
        let cells = |r: usize| again.records[r].fields.iter().skip(2).collect::<Vec<_>>();
        assert_eq!(cells(0), ["=cmd@", "p2", "+1"]);
        assert_eq!(cells(1), ["@bad", "p4", "-x"]);
        // Only the listed rows; excluded rows are not invalid rows to fix.
        let only = invalid_rows_csv(&t, &m, &rows, &[0, 3]).unwrap();
        assert_eq!(only.split("\r\n").count(), 3);
        rows[3].excluded = true;
        assert_eq!(invalid_rows_csv(&t, &m, &rows, &[0, 3]), None);
    }
}
