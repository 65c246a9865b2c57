//! One input row as the plan holds it ([`PlannedRow`]): spans of the file's text and its
//! problems, no typed row.

use crate::input::read::SharedStr;
use crate::input::validate::Problem;

/// One input row as the run will treat it. It holds no typed row ([`UserRow`]): that is
/// built from the table when the row is sent or shown ([`Sheet::user`], [`user_at`]), so
/// a planned row is a few spans of the file's text and its problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    /// The line of the file the row starts on (1-based).
    pub line: u32,
    /// The address as written in the file, for display and reports even when invalid. It
    /// points into the file's text (see [`SharedStr`]): no copy per row.
    pub email: SharedStr,
    /// The user name the typed row would carry, as written (a username column's value,
    /// or the address's local part when the target takes it from there; the typed row
    /// holds that lowered): empty when the target has no user names or the row gives
    /// none. Like `email`, a span of the file's text.
    pub username: SharedStr,
    /// Whether the row gives a password, for the mask shown in its place.
    pub has_password: bool,
    /// The user took this row out of the import: it ends `skipped` and is never sent.
    pub excluded: bool,
    /// Why the row cannot be sent; empty when it is valid.
    pub problems: Vec<Problem>,
    /// Values sent otherwise than written in the cell (trimmed, a Matrix ID's local
    /// part): said on the row, never a reason not to send it (see [`value_notes`]).
    pub notes: Vec<Problem>,
}

impl PlannedRow {
    /// The row can be sent (it may still be excluded).
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn problems_text(&self) -> String {
        self.problems
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The row's notes about changed values, in words ("" when none).
    pub fn notes_text(&self) -> String {
        self.notes
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `message` (the row's status message, maybe empty) with the row's notes about
    /// changed values after it: what the table, the row editor and the reports show.
    pub fn message_with_notes(&self, message: &str) -> String {
        match (message.is_empty(), self.notes.is_empty()) {
            (_, true) => message.to_owned(),
            (true, false) => self.notes_text(),
            (false, false) => format!("{message}; {}", self.notes_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_planned_row_takes_at_most_88_bytes() {
        // Issue 26: a plan row per input row; its line as 32 bits saves the padding
        // (96 → 88 bytes natively, 64 → 56 on wasm32).
        let size = std::mem::size_of::<super::PlannedRow>();
        assert!(size <= 88, "{size}");
    }
}
