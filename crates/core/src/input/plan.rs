//! The plan: every input row, in order, either ready to send or invalid with its reasons.
//!
//! [`plan`] does it in one go. The page uses a [`Sheet`], which plans in ranges (so a
//! million rows never block the page), and re-checks a row the user edits or excludes
//! together with the rows that share its address.

use std::ops::Range;

pub(crate) use crate::input::duplicates::hash_lower_words;
pub use crate::input::duplicates::{same_address, Duplicates, Identity, Rows};
use crate::input::field::{Field, UserRow};
use crate::input::map::Mapping;
pub use crate::input::planned::PlannedRow;
use crate::input::read::Table;
use crate::input::validate::{
    matrix_localpart, problems_with, username_as_written, validate_with, Problem, Rules,
    UsernameRule,
};

/// What a row sends otherwise than its cells hold, one note per field: a value the
/// reader trimmed (an unquoted cell with spaces around it; a quoted cell is kept as
/// written), and a user name written as a full Matrix ID whose local part is sent. A
/// field whose value is empty (nothing sent) gets none. The notes never name the value
/// (it may be a password).
pub fn value_notes(
    table: &Table,
    mapping: &Mapping,
    rules: &Rules,
    record: &crate::input::read::Record,
    mapped: &crate::input::map::MappedRow,
) -> Vec<Problem> {
    let mut notes = Vec::new();
    for (column, field) in mapping.columns.iter().enumerate() {
        let Some(field) = *field else { continue };
        if mapped.get(field).is_empty() {
            continue;
        }
        let mut changes = Vec::new();
        if record.fields.trimmed(column) {
            changes.push("the spaces around it in the cell were left out");
        }
        if field == Field::Username
            && matches!(rules.username, UsernameRule::Localpart { .. })
            && matrix_localpart(mapped.get(field)) != mapped.get(field)
        {
            changes.push("only the Matrix ID's local part is sent");
        }
        if !changes.is_empty() {
            notes.push(Problem {
                field: Some(field),
                column: Some(table.column_name(column)),
                message: format!("sent changed: {}", changes.join(", ")),
            });
        }
    }
    notes
}

/// Maps and checks one record (`index` into the table's records), without the duplicate
/// rule, which needs the other rows ([`Duplicates`]). A ragged record (more or fewer
/// fields than the header or the file's usual count) is invalid, never padded.
pub fn plan_record(table: &Table, mapping: &Mapping, rules: &Rules, index: usize) -> PlannedRow {
    let record = &table.records[index];
    let mapped = mapping.apply(record);
    let mut problems = problems_with(&mapped, rules);
    for p in problems.iter_mut() {
        if let Some(i) = p.field.and_then(|f| mapping.column_of(f)) {
            p.column = Some(table.column_name(i));
        }
    }
    let found = record.fields.len();
    if table.width > 0 && found != table.width {
        let ragged = Problem {
            field: None,
            column: None,
            message: format!(
                "line {} has {found} field{} where {} {} expected{}: check its delimiters and quotes",
                record.line,
                if found == 1 { "" } else { "s" },
                table.width,
                if table.width == 1 { "is" } else { "are" },
                if table.header.is_some() { " (one per header column)" } else { "" },
            ),
        };
        problems.insert(0, ragged);
    }
    if let Some(broken) = table.broken_at(index) {
        let swallowed = Problem {
            field: None,
            column: None,
            message: format!(
                "{}; re-read the file with stray quotes taken literally, or fix the quote",
                broken.message()
            ),
        };
        problems.insert(0, swallowed);
    }
    let username = username_as_written(&mapped, rules).map_or("", |(name, _)| name);
    let notes = value_notes(table, mapping, rules, record, &mapped);
    PlannedRow {
        // 32 bits, as the record's (issue 26).
        line: record.line,
        email: record.fields.share(mapped.get(Field::Email)),
        username: record.fields.share(username),
        has_password: !mapped.get(Field::Password).is_empty(),
        excluded: false,
        findings: crate::input::planned::Findings::new(problems, notes),
    }
}

/// Whether record `index` of the table is ragged or cut short by a broken quote (the
/// problems [`plan_record`] adds to what validation finds).
fn is_malformed(table: &Table, index: usize) -> bool {
    (table.width > 0 && table.records[index].fields.len() != table.width)
        || table.broken_at(index).is_some()
}

/// The typed row of record `index`, mapped and validated again from the table: the row
/// the run sends. `None` when the record is invalid (or out of range). The duplicate
/// rule is not applied (it needs the other rows: the plan holds its verdict), nor is
/// whether the row is excluded.
pub fn user_at(table: &Table, mapping: &Mapping, rules: &Rules, index: usize) -> Option<UserRow> {
    let record = table.records.get(index)?;
    if is_malformed(table, index) {
        return None;
    }
    validate_with(&mapping.apply(record), rules).ok()
}

/// A user source over an owned table, mapping and rules ([`user_at`] for each row): for
/// code without a [`Sheet`], such as tests and benches.
pub fn users_of(
    table: Table,
    mapping: Mapping,
    rules: Rules,
) -> impl Fn(usize) -> Option<UserRow> + 'static {
    move |i| user_at(&table, &mapping, &rules, i)
}

/// Maps and checks every record of the table, keeping input order. `required` is
/// what the target needs from a column (see [`crate::targets::send::Target::required`]).
pub fn plan(table: &Table, mapping: &Mapping, required: &[Field]) -> Vec<PlannedRow> {
    plan_with(
        table,
        mapping,
        &Rules {
            required: required.to_vec(),
            ..Rules::default()
        },
    )
}

/// [`plan`] with all of a target's rules, the duplicate rule included.
pub fn plan_with(table: &Table, mapping: &Mapping, rules: &Rules) -> Vec<PlannedRow> {
    let mut rows: Vec<PlannedRow> = (0..table.records.len())
        .map(|i| plan_record(table, mapping, rules, i))
        .collect();
    for identity in rules.identities() {
        let mut duplicates = Duplicates::of(identity);
        duplicates.index(&rows, 0..rows.len());
        let marks = duplicates.marks(rows.len());
        for i in (0..rows.len()).filter(|&i| marks[i]) {
            duplicates.flag(&mut rows, i);
        }
    }
    rows
}

/// How many rows will be sent, are invalid, or were excluded by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub valid: usize,
    pub invalid: usize,
    pub excluded: usize,
    /// Of the rows not excluded, those with a field that has no value: when none, no
    /// target setting is asked for (`targets::missing_settings`) without looking at a
    /// row, which for a million invalid rows was a long task at every change.
    pub missing: usize,
}

impl Tally {
    /// Its counts with their states' words ([`crate::run::STATE_NAMES`]): "ready",
    /// "invalid", "excluded", as the file summary, the rows step and the table say them.
    pub fn parts(&self) -> [String; 3] {
        use crate::run::State;
        [
            (self.valid, State::Ready),
            (self.invalid, State::Invalid),
            (self.excluded, State::Excluded),
        ]
        .map(|(n, s)| format!("{n} {}", s.word()))
    }

    pub fn of(rows: &[PlannedRow]) -> Tally {
        let mut t = Tally::default();
        for r in rows {
            t.add(r, 1);
        }
        t
    }

    /// Counts a row in (`sign` 1) or out (`sign` -1).
    pub fn add(&mut self, row: &PlannedRow, sign: isize) {
        let slot = if row.excluded {
            &mut self.excluded
        } else if row.is_valid() {
            &mut self.valid
        } else {
            &mut self.invalid
        };
        *slot = slot.saturating_add_signed(sign);
        if !row.excluded && row.problems().iter().any(|p| p.missing_field().is_some()) {
            self.missing = self.missing.saturating_add_signed(sign);
        }
    }
}

/// A file being prepared: its table (edited in place), mapping and rules, and the
/// duplicate index. The planned rows themselves are passed in, so the caller decides
/// where they live (the page keeps them where the run reads them from).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub table: Table,
    pub mapping: Mapping,
    pub rules: Rules,
    pub(crate) duplicates: Duplicates,
    /// Rows by user name, for targets whose user name identifies an account
    /// ([`Rules::unique_usernames`]): empty otherwise.
    pub(crate) usernames: Duplicates,
}

impl Sheet {
    pub fn new(table: Table, mapping: Mapping, rules: Rules) -> Sheet {
        Sheet {
            table,
            mapping,
            rules,
            duplicates: Duplicates::default(),
            usernames: Duplicates::of(Identity::Username),
        }
    }

    pub fn len(&self) -> usize {
        self.table.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.records.is_empty()
    }

    /// The typed row of row `i` as it stands in the table (see [`user_at`]): what a run
    /// sends for it. `None` when the row is invalid apart from the duplicate rule.
    pub fn user(&self, i: usize) -> Option<UserRow> {
        user_at(&self.table, &self.mapping, &self.rules, i)
    }

    /// Takes the duplicate index out (to be dropped a piece at a time); the index of
    /// user names goes with it.
    pub fn take_duplicates(&mut self) -> Duplicates {
        self.usernames = Duplicates::of(Identity::Username);
        std::mem::take(&mut self.duplicates)
    }

    /// The indexes in force under the rules: addresses, and user names when they
    /// identify an account.
    fn indexes(&self) -> impl Iterator<Item = &Duplicates> {
        let usernames = self.rules.unique_usernames.then_some(&self.usernames);
        let emails = self.rules.unique_emails.then_some(&self.duplicates);
        emails.into_iter().chain(usernames)
    }

    /// Every indexed row that shares an identity with row `i` (as the row stands in
    /// `rows`), `i` included when indexed.
    fn groups_of(&self, rows: &[PlannedRow], i: usize) -> Vec<usize> {
        let mut group = Vec::new();
        for index in self.indexes() {
            group.extend_from_slice(&index.group(rows, index.identity.of(&rows[i])));
        }
        group
    }

    /// Takes row `i` out of the indexes (under its values in `rows`).
    fn unindex(&mut self, rows: &[PlannedRow], i: usize) {
        self.duplicates.remove(rows, i);
        self.usernames.remove(rows, i);
    }

    /// Puts row `i` in the indexes in force.
    fn reindex(&mut self, rows: &[PlannedRow], i: usize) {
        if self.rules.unique_emails {
            self.duplicates.insert(rows, i);
        }
        if self.rules.unique_usernames {
            self.usernames.insert(rows, i);
        }
    }

    /// The first indexed row that shares an identity with row `i` (`i` itself when no
    /// earlier row does).
    pub fn first_of(&self, rows: &[PlannedRow], i: usize) -> Option<usize> {
        self.indexes().filter_map(|d| d.first_of(rows, i)).min()
    }

    /// Forgets the duplicate index: call before planning again from step 1. Room for
    /// every row is reserved at once, so the index never rehashes a million entries in
    /// one go while it fills.
    pub fn clear_duplicates(&mut self) {
        let n = self.len();
        let room = |on: bool| if on { n } else { 0 };
        self.duplicates =
            Duplicates::with_capacity(Identity::Email, room(self.rules.unique_emails));
        self.usernames =
            Duplicates::with_capacity(Identity::Username, room(self.rules.unique_usernames));
    }

    /// Plans the records in `range` (without the duplicate rule): step 1 of planning.
    pub fn plan_range(&self, range: Range<usize>) -> Vec<PlannedRow> {
        let mut rows = Vec::with_capacity(range.len());
        self.plan_range_into(&mut rows, range);
        rows
    }

    /// [`Sheet::plan_range`], appending to `rows` (no vector of its own to copy from).
    pub fn plan_range_into(&self, rows: &mut Vec<PlannedRow>, range: Range<usize>) {
        rows.extend(range.map(|i| plan_record(&self.table, &self.mapping, &self.rules, i)));
    }

    /// Step 2: indexes addresses (call over every range, after step 1).
    pub fn index_range(&mut self, rows: &[PlannedRow], range: Range<usize>) {
        if self.rules.unique_emails {
            self.duplicates.index(rows, range.clone());
        }
        if self.rules.unique_usernames {
            self.usernames.index(rows, range);
        }
    }

    /// Step 3: flags duplicates (call over every range, after step 2). `marks` is
    /// [`Duplicates::marks`] taken after step 2: only marked rows are looked at.
    pub fn flag_range(&self, rows: &mut [PlannedRow], range: Range<usize>, marks: &[bool]) {
        for index in self.indexes() {
            for i in range
                .clone()
                .filter(|&i| marks.get(i).copied().unwrap_or(true))
            {
                index.flag(rows, i);
            }
        }
    }

    /// The rows that can be duplicates (see [`Duplicates::marks`]), once indexed: by
    /// address or by user name.
    pub fn duplicate_marks(&self) -> Vec<bool> {
        let mut all: Vec<bool> = Vec::new();
        for index in self.indexes() {
            let marks = index.marks(self.len());
            if all.is_empty() {
                all = marks;
            } else {
                all.iter_mut().zip(marks).for_each(|(a, m)| *a |= m);
            }
        }
        all
    }

    /// All three steps at once.
    pub fn plan_all(&mut self) -> Vec<PlannedRow> {
        self.duplicates = Duplicates::default();
        self.usernames = Duplicates::of(Identity::Username);
        let n = self.len();
        let mut rows = Vec::with_capacity(n);
        self.plan_range_into(&mut rows, 0..n);
        self.index_range(&rows, 0..n);
        let marks = self.duplicate_marks();
        self.flag_range(&mut rows, 0..n, &marks);
        rows
    }

    /// Plans row `i` afresh, keeping whether it is excluded, and applies the duplicate rule.
    pub(crate) fn refresh(&self, rows: &mut [PlannedRow], i: usize) {
        let excluded = rows[i].excluded;
        rows[i] = plan_record(&self.table, &self.mapping, &self.rules, i);
        rows[i].excluded = excluded;
        for index in self.indexes() {
            index.flag(rows, i);
        }
    }

    /// Sets one cell of row `i` and re-checks the row and every row that shared its old
    /// address or shares its new one. `tally` is kept up to date. Returns the rows that
    /// were re-checked, in order.
    pub fn edit(
        &mut self,
        rows: &mut [PlannedRow],
        tally: &mut Tally,
        i: usize,
        column: usize,
        value: &str,
    ) -> Vec<usize> {
        tally.add(&rows[i], -1);
        let old_group = self.groups_of(rows, i);
        self.unindex(rows, i);
        self.set_cell(i, column, value);
        let excluded = rows[i].excluded;
        rows[i] = plan_record(&self.table, &self.mapping, &self.rules, i);
        rows[i].excluded = excluded;
        if !excluded {
            self.reindex(rows, i);
        }
        self.recheck(rows, tally, i, old_group)
    }

    /// Sets one cell of row `i` (trimmed), marked as edited when it changes; nothing
    /// else is checked again (see [`Sheet::edit`] and [`super::reading::Planning::edit`]).
    pub fn set_cell(&mut self, i: usize, column: usize, value: &str) {
        let Some(record) = self.table.records.get_mut(i) else {
            return;
        };
        if record.fields.get(column).unwrap_or_default() != value.trim() {
            if !record.edited.contains(&column) {
                record.edited.push(column);
            }
            record.fields.set(column, value.trim());
        }
    }

    /// Excludes row `i` from the import (or takes it back), re-checking its address's rows.
    pub fn set_excluded(
        &mut self,
        rows: &mut [PlannedRow],
        tally: &mut Tally,
        i: usize,
        excluded: bool,
    ) -> Vec<usize> {
        tally.add(&rows[i], -1);
        let group = self.groups_of(rows, i);
        rows[i].excluded = excluded;
        if excluded {
            self.unindex(rows, i);
        } else {
            self.reindex(rows, i);
        }
        self.recheck(rows, tally, i, group)
    }

    /// "Keep the first of each duplicate": excludes every row whose address or user
    /// name (ignoring case, see [`Identity`]) an earlier row that is not excluded has
    /// too, so the first of each group is sent and the others end `skipped`. Returns the
    /// rows that changed, in order.
    pub fn keep_first_duplicates(
        &mut self,
        rows: &mut [PlannedRow],
        tally: &mut Tally,
    ) -> Vec<usize> {
        let mut candidates: Vec<usize> = self
            .indexes()
            .flat_map(|d| d.groups.iter().filter(|g| g.len() > 1).flatten())
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        self.keep_first_among(rows, tally, &candidates)
    }

    /// Re-plans row `i` (already counted out of `tally`) and the rows in `affected` and in
    /// its address's group, counting each back in.
    pub(crate) fn recheck(
        &self,
        rows: &mut [PlannedRow],
        tally: &mut Tally,
        i: usize,
        mut affected: Vec<usize>,
    ) -> Vec<usize> {
        affected.extend(self.groups_of(rows, i));
        affected.push(i);
        affected.sort_unstable();
        affected.dedup();
        for &j in &affected {
            if j != i {
                tally.add(&rows[j], -1);
            }
            self.refresh(rows, j);
            tally.add(&rows[j], 1);
        }
        affected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::duplicates::{lower_word, GROUP};
    use crate::input::read::read;
    use crate::input::validate::{validate_with, UsernameRule};

    #[test]
    fn keeps_order_and_marks_invalid_rows() {
        let t = read(b"a@localhost | p1\nbroken | p2\nc@localhost | \n").unwrap();
        let rows = plan(&t, &Mapping::auto(&t), &[Field::Email, Field::Password]);
        assert_eq!(rows.len(), 3);
        assert!(rows[0].is_valid());
        assert_eq!(rows[1].email, "broken");
        assert!(rows[1].has_password);
        assert!(!rows[2].has_password);
        assert!(rows[1].problems_text().contains("email"));
        assert_eq!(rows[2].problems_text(), "missing — password in column 2");
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 2, 3]);
    }

    fn aurora() -> Rules {
        Rules {
            email_rule: Some(crate::targets::aurora::PUBLIC_ID_RULE),
            ..Rules::new(vec![Field::Email, Field::Password])
        }
    }

    #[test]
    fn duplicates_flag_both_rows_ignoring_case() {
        let t = read(b"email,password\nAnn@X.y,p1\nbob@x.y,p2\nann@x.y,p3\n").unwrap();
        let rows = plan_with(&t, &Mapping::auto(&t), &aurora());
        assert!(
            rows[0].problems_text().contains("also on line 4"),
            "{}",
            rows[0].problems_text()
        );
        assert!(rows[2].problems_text().contains("also on line 2"));
        assert!(rows[1].is_valid());
        assert_eq!(
            Tally::of(&rows),
            Tally {
                valid: 1,
                invalid: 2,
                excluded: 0,
                missing: 0
            }
        );
        // The engine's plain plan() keeps its old behaviour.
        let plain = plan(&t, &Mapping::auto(&t), &[Field::Email, Field::Password]);
        assert!(plain.iter().all(|r| r.is_valid()));
    }

    #[test]
    fn editing_a_cell_rechecks_the_row_and_its_partner() {
        let t = read(b"email,password\nann@x.y,p1\nbob@x.y,p2\nann@x.y,p3\nbad,p4\n").unwrap();
        let m = Mapping::auto(&t);
        let mut sheet = Sheet::new(t, m, aurora());
        let mut rows = sheet.plan_all();
        let mut tally = Tally::of(&rows);
        assert_eq!(tally.invalid, 3);
        // Fixing the duplicate on line 4 frees line 2 too.
        let changed = sheet.edit(&mut rows, &mut tally, 2, 0, " cyd@x.y ");
        assert_eq!(changed, [0, 2]);
        assert!(rows[0].is_valid() && rows[2].is_valid());
        assert_eq!(rows[2].email, "cyd@x.y");
        // Editing it into a duplicate of bob flags bob as well.
        let changed = sheet.edit(&mut rows, &mut tally, 2, 0, "BOB@x.y");
        assert_eq!(changed, [1, 2]);
        assert!(!rows[1].is_valid() && !rows[2].is_valid());
        // Excluding one of them clears the other.
        let changed = sheet.set_excluded(&mut rows, &mut tally, 2, true);
        assert_eq!(changed, [1, 2]);
        assert!(rows[1].is_valid());
        assert!(rows[2].excluded);
        assert_eq!(
            Tally::of(&rows),
            Tally {
                valid: 2,
                invalid: 1,
                excluded: 1,
                missing: 0
            }
        );
        // Taking it back flags both again.
        sheet.set_excluded(&mut rows, &mut tally, 2, false);
        assert!(!rows[1].is_valid() && !rows[2].is_valid());
        // Fixing the bad address.
        sheet.edit(&mut rows, &mut tally, 3, 0, "dee@x.y");
        assert!(rows[3].is_valid());
        assert_eq!(&sheet.table.records[3].fields[0], "dee@x.y");
        assert_eq!(tally, Tally::of(&rows));
        // Each record knows the columns changed in the page, once each (issue 27); a
        // value set to what it was is no change.
        assert_eq!(sheet.table.records[2].edited, [0]);
        assert_eq!(sheet.table.records[3].edited, [0]);
        sheet.edit(&mut rows, &mut tally, 1, 1, "p2");
        assert!(sheet.table.records[1].edited.is_empty());
        sheet.edit(&mut rows, &mut tally, 1, 1, "p2-new");
        assert_eq!(sheet.table.records[1].edited, [1]);
    }

    #[test]
    fn ranges_give_the_same_plan_as_one_go() {
        let mut text = String::from("email,password\n");
        for i in 0..100 {
            text.push_str(&format!("u{}@x.y,p{i}\n", i % 80));
        }
        let t = read(text.as_bytes()).unwrap();
        let m = Mapping::auto(&t);
        let whole = plan_with(&t, &m, &aurora());
        let mut sheet = Sheet::new(t, m, aurora());
        let mut rows = Vec::new();
        for start in (0..100).step_by(30) {
            rows.extend(sheet.plan_range(start..(start + 30).min(100)));
        }
        for start in (0..100).step_by(30) {
            sheet.index_range(&rows, start..(start + 30).min(100));
        }
        // Looking at every row finds what looking at the marked rows finds.
        let mut every = rows.clone();
        sheet.flag_range(&mut every, 0..100, &[true; 100]);
        let marks = sheet.duplicate_marks();
        assert_eq!(marks.iter().filter(|&&m| m).count(), 40);
        for start in (0..100).step_by(30) {
            sheet.flag_range(&mut rows, start..(start + 30).min(100), &marks);
        }
        assert_eq!(rows, whole);
        assert_eq!(rows, every);
        assert_eq!(Tally::of(&rows).invalid, 40);
    }

    #[test]
    fn problems_cite_the_column_by_header() {
        let t = read(b"E-mail,PWD\nnot-an-address,p\n").unwrap();
        let rows = plan_with(&t, &Mapping::auto(&t), &aurora());
        assert!(
            rows[0]
                .problems_text()
                .ends_with(" — email in column \"E-mail\" = \"not-an-address\""),
            "{}",
            rows[0].problems_text()
        );
    }

    #[test]
    fn addresses_whose_hashes_collide_are_not_duplicates() {
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, b'A', b'z', b, 0x80 | b, b'@', b'Z', b]);
            let lower = u64::from_le_bytes(
                [b, b'A', b'z', b, 0x80 | b, b'@', b'Z', b].map(|c| c.to_ascii_lowercase()),
            );
            assert_eq!(lower_word(word), lower, "{b}");
        }
        assert!(same_address("Ann@X.y", "ann@x.Y"));
        assert!(same_address("\u{212A}@x.y", "k@x.y"));
        assert!(!same_address("ann@x.y", "anne@x.y"));
        assert_eq!(Duplicates::key("\u{212A}@X.y"), Duplicates::key("k@x.y"));
        assert_eq!(Duplicates::key(""), None);
        let long = "A".repeat(100) + "@x.y";
        assert_eq!(
            Duplicates::key(&long),
            Duplicates::key(&long.to_lowercase())
        );
        let t = read(b"email,password\nann@x.y,p1\nbob@x.y,p2\nann@x.y,p3\ncyd@x.y,p4\n").unwrap();
        let m = Mapping::auto(&t);
        let mut sheet = Sheet::new(t, m, aurora());
        let mut rows = sheet.plan_all();
        // Put every row under ann's hash (as if bob's and cyd's hashes were equal to
        // hers): the index tells them apart by their addresses.
        let ann = Duplicates::key("ann@x.y").unwrap();
        let mut table = hashbrown::HashTable::with_capacity(4);
        for entry in [3, 1, GROUP] {
            table.insert_unique(ann, entry, |_| ann);
        }
        sheet.duplicates = Duplicates {
            table,
            groups: vec![Rows::from_slice(&[0, 2])],
            identity: Identity::Email,
        };
        assert_eq!(sheet.duplicates.group(&rows, "ANN@x.y").as_slice(), [0, 2]);
        for i in 0..4 {
            sheet.refresh(&mut rows, i);
        }
        let flagged: Vec<bool> = rows.iter().map(|r| !r.is_valid()).collect();
        assert_eq!(flagged, [true, false, true, false]);
        assert!(rows[0].problems_text().contains("also on line 4)"));
        assert_eq!(sheet.duplicates.first_of(&rows, 2), Some(0));
        let mut tally = Tally::of(&rows);
        let changed = sheet.keep_first_duplicates(&mut rows, &mut tally);
        assert!(changed.contains(&2));
        let excluded: Vec<bool> = rows.iter().map(|r| r.excluded).collect();
        assert_eq!(excluded, [false, false, true, false]);
    }

    #[test]
    fn the_index_follows_inserts_and_removals_as_a_map_of_sets_does() {
        let emails = [
            "a@x.y",
            "A@X.Y",
            "b@x.y",
            "c@x.y",
            "\u{212A}@x.y",
            "k@X.y",
            "",
        ];
        let mut rows: Vec<PlannedRow> = (0..6)
            .map(|i| PlannedRow {
                line: i + 1,
                email: "".into(),
                username: "".into(),
                has_password: true,
                excluded: false,
                findings: Default::default(),
            })
            .collect();
        let mut indexed = [false; 6];
        let mut index = Duplicates::default();
        let mut seed = 7u64;
        for _ in 0..3000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let row = (seed >> 33) as usize % 6;
            if indexed[row] {
                // A row's value changes only out of the index.
                index.remove(&rows, row);
                indexed[row] = false;
            } else {
                rows[row].email = emails[(seed >> 40) as usize % emails.len()].into();
                index.insert(&rows, row);
                indexed[row] = true;
            }
            for e in emails {
                let want: Vec<usize> = (0..6)
                    .filter(|&r| {
                        indexed[r]
                            && !e.is_empty()
                            && rows[r].email.to_lowercase() == e.to_lowercase()
                    })
                    .collect();
                assert_eq!(index.group(&rows, e).as_slice(), want.as_slice(), "{e}");
            }
        }
        // Every entry left is a row or a group that is not empty.
        assert!(index.table.len() <= 4);
    }

    #[test]
    fn keep_the_first_of_each_duplicate() {
        let t = read(
            b"email,password\nann@x.y,p1\nbob@x.y,p2\nANN@x.y,p3\nann@x.y,p4\nbob@x.y,p5\ncyd@x.y,p6\n",
        )
        .unwrap();
        let m = Mapping::auto(&t);
        let mut sheet = Sheet::new(t, m, aurora());
        let mut rows = sheet.plan_all();
        let mut tally = Tally::of(&rows);
        // By default both rows of a pair are flagged.
        assert_eq!(tally.invalid, 5);
        let changed = sheet.keep_first_duplicates(&mut rows, &mut tally);
        assert_eq!(changed, [0, 1, 2, 3, 4]);
        let excluded: Vec<bool> = rows.iter().map(|r| r.excluded).collect();
        assert_eq!(excluded, [false, false, true, true, true, false]);
        assert_eq!(
            tally,
            Tally {
                valid: 3,
                invalid: 0,
                excluded: 3,
                missing: 0
            }
        );
        assert_eq!(tally, Tally::of(&rows));
        assert!(sheet
            .keep_first_duplicates(&mut rows, &mut tally)
            .is_empty());
    }

    proptest::proptest! {
        /// The typed row built again from the table ([`Sheet::user`]) is the one
        /// validating the mapped record gives, for every row the plan finds valid; the
        /// plan's validity is validation's, the duplicate rule and the record's shape
        /// aside; and the plan's user name gives the retry key the typed row's gave.
        #[test]
        fn typed_rows_from_the_table_are_validations(
            rows in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        6 => "[A-Za-z][A-Za-z.]{0,5}@[a-zA-Z]{1,5}\\.[a-z]{2,3}",
                        1 => "[A-Za-z.]{1,6}@[a-zA-Z]{1,5}",
                        1 => "[a-z ]{0,4}",
                        1 => proptest::prelude::Just("\u{212A}@x.y".to_owned()),
                    ],
                    proptest::prop_oneof![
                        3 => proptest::prelude::Just(String::new()),
                        3 => "[a-z0-9._]{1,6}",
                        1 => "[A-Za-z_0-9. ]{1,6}",
                    ],
                    "[a-zA-Z0-9!#-]{0,8}",
                    "(|[0-9]{1,4}|[0-9] GB|x)",
                    "(|[0-4])",
                    proptest::bool::weighted(0.1),
                ),
                1..12,
            ),
            username in 0u8..5,
            min_password_len in 0usize..4,
            strict_email in proptest::prelude::any::<bool>(),
            role_default in proptest::option::of(1u8..4),
        ) {
            let mut text = String::from("email,username,password,quota,role\n");
            for (email, user, password, quota, role, short) in &rows {
                if *short {
                    // A ragged record: one field fewer.
                    text.push_str(&format!("{email},{user},{password},{quota}\n"));
                } else {
                    text.push_str(&format!("{email},{user},{password},{quota},{role}\n"));
                }
            }
            let t = read(text.as_bytes()).unwrap();
            let m = Mapping::auto_for(&t, crate::input::map::builtin_specs(&Field::ALL));
            let rules = Rules {
                email_rule: strict_email.then_some(crate::targets::aurora::PUBLIC_ID_RULE),
                min_password_len,
                username: match username {
                    0 => UsernameRule::Ignored,
                    1 => UsernameRule::Text { from_address: false },
                    2 => UsernameRule::Text { from_address: true },
                    3 => UsernameRule::Localpart { from_address: false },
                    _ => UsernameRule::Localpart { from_address: true },
                },
                defaults: role_default
                    .map(|r| (Field::Role, r.to_string()))
                    .into_iter()
                    .collect(),
                ..Rules::new(vec![Field::Email, Field::Password])
            };
            let mut sheet = Sheet::new(t.clone(), m.clone(), rules.clone());
            let planned = sheet.plan_all();
            for (i, row) in planned.iter().enumerate() {
                let old = validate_with(&m.apply(&t.records[i]), &rules);
                let user = sheet.user(i);
                proptest::prop_assert_eq!(&user, &user_at(&t, &m, &rules, i));
                if row.is_valid() {
                    let old = old.unwrap();
                    proptest::prop_assert_eq!(
                        row.username.to_lowercase(),
                        old.username.clone().unwrap_or_default().to_lowercase()
                    );
                    proptest::prop_assert_eq!(user, Some(old));
                } else if old.is_err() {
                    proptest::prop_assert_eq!(user, None);
                    // Validation's problems, in order, between any about the record's
                    // shape (first) and the duplicate rule's (last).
                    let problems = old.unwrap_err();
                    let own: Vec<(Option<Field>, &str)> = row
                        .problems()
                        .iter()
                        .filter(|p| p.field.is_some() && !p.message.contains("appears more than once"))
                        .map(|p| (p.field, p.message.as_str()))
                        .collect();
                    let want: Vec<(Option<Field>, &str)> =
                        problems.iter().map(|p| (p.field, p.message.as_str())).collect();
                    proptest::prop_assert_eq!(own, want);
                } else {
                    // Valid by validation, invalid in the plan: a duplicate or a ragged
                    // record.
                    let ragged = t.records[i].fields.len() != t.width;
                    proptest::prop_assert!(
                        ragged || row.problems_text().contains("appears more than once"),
                        "{}", row.problems_text()
                    );
                    proptest::prop_assert_eq!(user.is_some(), !ragged);
                }
            }
        }
    }
}
