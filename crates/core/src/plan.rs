//! The plan: every input row, in order, either ready to send or invalid with its reasons.

use crate::map::{Field, Mapping, UserRow};
use crate::read::Table;
use crate::validate::{validate, Problem};

/// One input row as the run will treat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    /// The line of the file the row starts on (1-based).
    pub line: u64,
    /// The address as written in the file, for display and reports even when invalid.
    pub email: String,
    /// Whether the row gives a password, for the mask shown in its place.
    pub has_password: bool,
    /// The user took this row out of the import: it ends `skipped` and is never sent.
    pub excluded: bool,
    pub user: Result<UserRow, Vec<Problem>>,
}

impl PlannedRow {
    pub fn problems_text(&self) -> String {
        match &self.user {
            Ok(_) => String::new(),
            Err(problems) => problems
                .iter()
                .map(Problem::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// Maps and validates every record of the table, keeping input order. `required` is
/// what the target needs from a column (see [`crate::send::Target::required`]).
pub fn plan(table: &Table, mapping: &Mapping, required: &[Field]) -> Vec<PlannedRow> {
    table
        .records
        .iter()
        .map(|record| {
            let mapped = mapping.apply(record);
            PlannedRow {
                line: record.line,
                email: mapped.get(Field::Email).to_owned(),
                has_password: !mapped.get(Field::Password).is_empty(),
                excluded: false,
                user: validate(&mapped, required),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read;

    #[test]
    fn keeps_order_and_marks_invalid_rows() {
        let t = read(b"a@localhost | p1\nbroken | p2\nc@localhost | \n").unwrap();
        let rows = plan(&t, &Mapping::auto(&t), &[Field::Email, Field::Password]);
        assert_eq!(rows.len(), 3);
        assert!(rows[0].user.is_ok());
        assert_eq!(rows[1].email, "broken");
        assert!(rows[1].has_password);
        assert!(!rows[2].has_password);
        assert!(rows[1].problems_text().contains("email"));
        assert_eq!(rows[2].problems_text(), "password: missing");
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
