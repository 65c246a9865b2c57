//! The formula guard of Roster's own downloads that are meant to be fixed and dropped
//! back in (the rows to retry, the invalid rows): every cell a spreadsheet would read as a
//! formula gets a leading `'`, and so does every cell that already starts with `'`, so
//! that reading the file back takes exactly one `'` off every cell that starts with one
//! and gives the cells as they were ([`guard`], [`unguard`]).
//!
//! The reader undoes the guard only in a file that is Roster's own download, known by a
//! header Roster writes there ([`is_rosters_own`]): the column `steps to retry` (the rows
//! to retry) or the first two columns `line` and `problems` (the invalid rows). Any other
//! file is read as it is: a password that really starts with `'` or `=` is kept.

use std::borrow::Cow;

use super::Table;

/// The guard's character.
pub const GUARD: char = '\'';

/// Whether a spreadsheet would read this cell as a formula: it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (OWASP's list for CSV injection).
pub fn formula_lead(cell: &str) -> bool {
    matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// Whether [`guard`] changes this cell.
pub fn needs_guard(cell: &str) -> bool {
    formula_lead(cell) || cell.starts_with(GUARD)
}

/// A cell of a download that is read back: a leading `'` before a formula's lead and
/// before a `'` already there, so that [`unguard`] gives the cell back exactly.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if needs_guard(cell) {
        Cow::Owned(format!("{GUARD}{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell of Roster's own download as it was before [`guard`]: one leading `'` off.
pub fn unguard(cell: &str) -> &str {
    cell.strip_prefix(GUARD).unwrap_or(cell)
}

// The header of the rows to retry's own column, and the invalid rows file's first two.
use crate::input::invalid::INVALID_COLUMNS as INVALID_FIRST;
use crate::run::retry::STEPS_COLUMN as STEPS_TO_RETRY;

/// Whether a file with this header is one of Roster's own downloads, whose cells are
/// guarded ([`guard`]): a column named `steps to retry`, or `line` and `problems` first.
pub fn is_rosters_own(header: &[String]) -> bool {
    let named = |h: &String, name: &str| h.trim().eq_ignore_ascii_case(name);
    header.iter().any(|h| named(h, STEPS_TO_RETRY))
        || (header.len() >= 2
            && header
                .iter()
                .zip(INVALID_FIRST)
                .all(|(h, name)| named(h, name)))
}

/// Takes the guard off every cell (header included) of a table read from one of
/// Roster's own downloads; any other table is left as read.
pub fn unguard_table(table: &mut Table) {
    let Some(header) = table.header.as_mut() else {
        return;
    };
    if !is_rosters_own(header) {
        return;
    }
    for h in header.iter_mut() {
        if h.starts_with(GUARD) {
            *h = unguard(h).to_owned();
        }
    }
    for record in &mut table.records {
        if !record.fields.iter().any(|f| f.starts_with(GUARD)) {
            continue;
        }
        for i in 0..record.fields.len() {
            if let Some(value) = record.fields.get(i).filter(|f| f.starts_with(GUARD)) {
                let value = unguard(value).to_owned();
                record.fields.set(i, &value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::read;

    #[test]
    fn guard_and_unguard_are_inverse() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1 555 0100",
            "-",
            "@home",
            "\tx",
            "\rx",
            "'",
            "'=already",
            "''",
            "plain",
            "",
        ] {
            assert_eq!(unguard(&guard(cell)), cell, "{cell:?}");
        }
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("'x"), "''x");
        assert_eq!(guard("a=b"), "a=b");
    }

    #[test]
    fn only_rosters_own_files_are_unguarded() {
        // The admin's own file: read byte for byte, a leading ' kept.
        let own = read(b"email,password,note\nann@x.y,'=pw,'+1\n").unwrap();
        assert_eq!(own.records[0].fields, ["ann@x.y", "'=pw", "'+1"]);
        // A rows to retry file (its own column) and an invalid rows file (line, problems).
        let retry = read(b"email,password,steps to retry\nann@x.y,'=pw,\nbob@x.y,''q,\n").unwrap();
        assert_eq!(retry.records[0].fields, ["ann@x.y", "=pw", ""]);
        assert_eq!(retry.records[1].fields, ["bob@x.y", "'q", ""]);
        let invalid = read(b"line,problems,email,password\n2,'-bad,'@x,'=pw\n").unwrap();
        assert_eq!(invalid.records[0].fields, ["2", "-bad", "@x", "=pw"]);
        // `line` and `problems` anywhere else is no sign.
        let other = read(b"email,line,problems\nann@x.y,'=1,'x\n").unwrap();
        assert_eq!(other.records[0].fields, ["ann@x.y", "'=1", "'x"]);
    }
}
