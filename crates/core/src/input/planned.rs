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
    /// Why the row cannot be sent (empty when it is valid), and its notes: values sent
    /// otherwise than written in the cell (trimmed, a Matrix ID's local part), said on
    /// the row, never a reason not to send it (see [`value_notes`]).
    pub findings: Findings,
}

/// A planned row's size on wasm32 (the page), checked when it is built: 36 bytes (issue 26).
#[cfg(target_pointer_width = "32")]
const _WASM32_SIZE: () = assert!(std::mem::size_of::<PlannedRow>() <= 36);

/// A row's problems and notes (see [`PlannedRow::findings`]) behind one thin pointer,
/// null when the row has neither, as almost every row of a clean file: 4 bytes on wasm32
/// where two vectors took 24 (issue 26: a million planned rows are a fifth of the memory
/// a load takes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings(Option<Box<Lists>>);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Lists {
    problems: Vec<Problem>,
    notes: Vec<Problem>,
}

impl Findings {
    pub fn new(problems: Vec<Problem>, notes: Vec<Problem>) -> Findings {
        Findings(
            (!problems.is_empty() || !notes.is_empty())
                .then(|| Box::new(Lists { problems, notes })),
        )
    }

    /// Why the row cannot be sent; empty when it is valid.
    pub fn problems(&self) -> &[Problem] {
        self.0.as_deref().map_or(&[], |l| l.problems.as_slice())
    }

    /// Values sent otherwise than written in the cell.
    pub fn notes(&self) -> &[Problem] {
        self.0.as_deref().map_or(&[], |l| l.notes.as_slice())
    }

    pub fn push_problem(&mut self, problem: Problem) {
        self.0
            .get_or_insert_with(Box::default)
            .problems
            .push(problem);
    }
}

impl PlannedRow {
    /// The row can be sent (it may still be excluded).
    pub fn is_valid(&self) -> bool {
        self.problems().is_empty()
    }

    /// Why the row cannot be sent; empty when it is valid.
    pub fn problems(&self) -> &[Problem] {
        self.findings.problems()
    }

    /// Values sent otherwise than written in the cell (see [`value_notes`]).
    pub fn notes(&self) -> &[Problem] {
        self.findings.notes()
    }

    pub fn problems_text(&self) -> String {
        self.problems()
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The row's notes about changed values, in words ("" when none).
    pub fn notes_text(&self) -> String {
        self.notes()
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `message` (the row's status message, maybe empty) with the row's notes about
    /// changed values after it: what the table, the row editor and the reports show.
    pub fn message_with_notes(&self, message: &str) -> String {
        match (message.is_empty(), self.notes().is_empty()) {
            (_, true) => message.to_owned(),
            (true, false) => self.notes_text(),
            (false, false) => format!("{message}; {}", self.notes_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planned_row_takes_at_most_48_bytes() {
        // Issue 26: a plan row per input row; its line as 32 bits saves the padding
        // (96 → 88 bytes natively), and its problems and notes behind one thin pointer
        // (two vectors, 48 bytes, → 8) leave 48 (36 on wasm32, where it was 56).
        let size = std::mem::size_of::<PlannedRow>();
        assert!(size <= 48, "{size}");
        assert_eq!(
            std::mem::size_of::<Findings>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn findings_keep_problems_and_notes_apart() {
        let p = |m: &str| Problem {
            field: None,
            column: None,
            message: m.into(),
        };
        assert_eq!(Findings::new(Vec::new(), Vec::new()), Findings::default());
        let mut f = Findings::new(Vec::new(), vec![p("trimmed")]);
        assert!(f.problems().is_empty());
        f.push_problem(p("bad"));
        f.push_problem(p("worse"));
        assert_eq!(f.problems(), [p("bad"), p("worse")]);
        assert_eq!(f.notes(), [p("trimmed")]);
        let mut g = Findings::default();
        g.push_problem(p("bad"));
        assert_eq!(g.problems(), [p("bad")]);
        assert!(g.notes().is_empty());
    }
}
