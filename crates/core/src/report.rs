//! The result report: one line per input row, in input order, never a secret.

use std::borrow::Cow;

use crate::plan::PlannedRow;
use crate::run::RowState;

/// The report's columns, in order.
pub const COLUMNS: [&str; 5] = ["row", "email", "status", "message", "target_id"];

/// Makes a cell safe to open in a spreadsheet: a cell that starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return would be read as a formula, so it gets a leading `'`
/// (OWASP's advice for CSV injection).
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Writes the CSV report. `plan` and `rows` are the run's rows, index for index.
pub fn csv_report(plan: &[PlannedRow], rows: &[RowState]) -> String {
    assert_eq!(plan.len(), rows.len(), "one state per planned row");
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(COLUMNS)
        .expect("writing to memory cannot fail");
    for (i, (planned, state)) in plan.iter().zip(rows).enumerate() {
        let number = (i + 1).to_string();
        let target_id = state.target_id.as_deref().unwrap_or("");
        let cells = [
            number.as_str(),
            &planned.email,
            state.status.word(),
            &state.message,
            target_id,
        ];
        writer
            .write_record(cells.iter().map(|c| neutralize(c).into_owned()))
            .expect("writing to memory cannot fail");
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("the cells are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::{Field, Mapping};
    use crate::plan::plan;
    use crate::read::read;
    use crate::run::Status;

    fn state(status: Status, message: &str, target_id: Option<&str>) -> RowState {
        RowState {
            status,
            message: message.into(),
            target_id: target_id.map(str::to_owned),
            attempts: 1,
            answer_lost: false,
            first_sent_ms: None,
            finished_ms: None,
        }
    }

    #[test]
    fn neutralizes_every_formula_lead() {
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            let cell = format!("{lead}SUM(A1)");
            assert_eq!(neutralize(&cell), format!("'{cell}"), "lead {lead:?}");
        }
        assert_eq!(neutralize("a@b"), "a@b");
        assert_eq!(neutralize(""), "");
        assert_eq!(neutralize("'quoted"), "'quoted");
    }

    #[test]
    fn one_line_per_row_in_order_without_passwords() {
        let table = read(
            b"a@localhost | p123secret\n=HYPERLINK(\"x\")@h | p2secret\n-x@h | p3secret\nbroken | p4secret\n",
        )
        .unwrap();
        let planned = plan(
            &table,
            &Mapping::auto(&table),
            &[Field::Email, Field::Password],
        );
        let rows = [
            state(Status::Created, "", Some("7")),
            state(
                Status::Rejected,
                "Aurora error 103 InvalidInputParameter",
                None,
            ),
            state(Status::Exists, "@mention", None),
            state(Status::Invalid, &planned[3].problems_text(), None),
        ];
        let csv = csv_report(&planned, &rows);
        assert!(!csv.contains("secret"), "{csv}");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "row,email,status,message,target_id");
        assert_eq!(lines[1], "1,a@localhost,created,,7");
        assert_eq!(
            lines[2],
            "2,\"'=HYPERLINK(\"\"x\"\")@h\",rejected,Aurora error 103 InvalidInputParameter,"
        );
        assert_eq!(lines[3], "3,'-x@h,exists,'@mention,");
        assert!(lines[4].starts_with("4,broken,invalid,"), "{}", lines[4]);
        assert_eq!(lines[5], "");
        assert_eq!(lines.len(), 6);
    }
}
