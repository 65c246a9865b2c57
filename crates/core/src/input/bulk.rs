//! Fixing many rows at once (issue 13): the bulk actions the rows table offers on the
//! rows it lists (`among`, ascending row indices): exclude every invalid row, keep the
//! first of each duplicate, set one field to one value. Each keeps the [`Tally`] and the
//! duplicate index up to date and returns the rows it re-checked, in order, so that the
//! page re-renders only those.

use crate::input::field::Field;
use crate::input::plan::{PlannedRow, Sheet, Tally};
use crate::input::spec::FieldSpec;

/// The fields "Set" may give many rows at once, among a target's declared fields: all
/// but the ones that name an account (the address, the user name), secrets last
/// (setting one password for many rows is the rare case).
pub fn settable(fields: &[FieldSpec]) -> Vec<FieldSpec> {
    let mut out: Vec<FieldSpec> = fields
        .iter()
        .filter(|s| !matches!(s.field, Field::Email | Field::Username))
        .cloned()
        .collect();
    crate::sort::sort_by_key(&mut out, FieldSpec::is_secret);
    out
}

impl Sheet {
    /// Excludes every row of `among` that is invalid now. The set is taken before any
    /// row is excluded, so both rows of a duplicate pair go (excluding one would otherwise
    /// make its partner valid, and which one stayed would depend on the order).
    pub fn exclude_invalid(
        &mut self,
        rows: &mut [PlannedRow],
        tally: &mut Tally,
        among: &[usize],
    ) -> Vec<usize> {
        let invalid: Vec<usize> = among
            .iter()
            .copied()
            .filter(|&i| rows.get(i).is_some_and(|r| !r.excluded && !r.is_valid()))
            .collect();
        let mut changed = Vec::new();
        for i in invalid {
            changed.extend(self.set_excluded(rows, tally, i, true));
        }
        tidy(changed)
    }

    /// "Keep the first of each duplicate" on the listed rows: excludes every row of
    /// `among` whose address or user name (when the target's user names identify its
    /// accounts, see [`crate::input::plan::Identity`]) an earlier row that is not
    /// excluded has too, listed or not. Rows are taken in order, each against the rows
    /// still kept, so a row that only shared an identity with a row this action
    /// excluded stays. The first row of each identity is always kept.
    pub fn keep_first_among(
        &mut self,
        rows: &mut [PlannedRow],
        tally: &mut Tally,
        among: &[usize],
    ) -> Vec<usize> {
        if !(self.rules.unique_emails || self.rules.unique_usernames) {
            return Vec::new();
        }
        let mut sorted = among.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut changed = Vec::new();
        for i in sorted {
            let later = rows.get(i).is_some_and(|r| !r.excluded)
                && self.first_of(rows, i).is_some_and(|first| first < i);
            if later {
                changed.extend(self.set_excluded(rows, tally, i, true));
            }
        }
        tidy(changed)
    }

    /// Sets `field` to `value` on every row of `among`, re-checking each. A field no
    /// column feeds gets a new column (named by the field's label, empty on every other
    /// row) mapped to it. Rows whose record has the wrong number of fields are left as
    /// they are: they stay invalid until the file is fixed, and a new cell must not make
    /// them look whole.
    pub fn set_field(
        &mut self,
        rows: &mut [PlannedRow],
        tally: &mut Tally,
        among: &[usize],
        field: Field,
        value: &str,
    ) -> Vec<usize> {
        let mut changed = Vec::new();
        let column = match self.mapping.column_of(field) {
            Some(c) => c,
            None => {
                let c = self.add_column(field);
                // Every row has a new field: check them all again (a record's count of
                // fields is compared with the new width).
                for i in 0..rows.len() {
                    tally.add(&rows[i], -1);
                    self.refresh(rows, i);
                    tally.add(&rows[i], 1);
                }
                changed.extend(0..rows.len());
                c
            }
        };
        let width = self.table.width;
        for &i in among {
            let whole = self
                .table
                .records
                .get(i)
                .is_some_and(|r| r.fields.len() == width);
            if whole && self.table.records[i].fields.get(column) != Some(value.trim()) {
                changed.extend(self.edit(rows, tally, i, column, value));
            }
        }
        tidy(changed)
    }

    /// Appends a column fed to `field`: a header cell when the table has a header, and
    /// one empty field at the end of every record (so a record that had the wrong number
    /// of fields still has). Returns its index.
    fn add_column(&mut self, field: Field) -> usize {
        let column = self.table.width;
        if let Some(header) = &mut self.table.header {
            header.resize(column, String::new());
            header.push(field.label().to_owned());
        }
        for record in &mut self.table.records {
            let end = record.fields.len();
            record.fields.set(end, "");
        }
        self.table.width += 1;
        self.mapping.columns.resize(column, None);
        self.mapping.columns.push(Some(field));
        column
    }
}

fn tidy(mut changed: Vec<usize>) -> Vec<usize> {
    changed.sort_unstable();
    changed.dedup();
    changed
}

#[cfg(test)]
mod tests {
    use crate::input::field::Field;
    use crate::input::map::Mapping;
    use crate::input::plan::{Sheet, Tally};
    use crate::input::read::read;
    use crate::input::validate::Rules;

    fn sheet(text: &str) -> Sheet {
        let t = read(text.as_bytes()).unwrap();
        let m = Mapping::auto(&t);
        Sheet::new(
            t,
            m,
            Rules {
                email_rule: Some(crate::targets::aurora::PUBLIC_ID_RULE),
                ..Rules::new(vec![Field::Email, Field::Password])
            },
        )
    }

    #[test]
    fn exclude_invalid_takes_the_listed_invalid_rows_only() {
        let mut sheet =
            sheet("email,password\nann@x.y,p1\nbad,p2\nann@x.y,p3\nworse,p4\nok@x.y,p5\n");
        let mut rows = sheet.plan_all();
        let mut tally = Tally::of(&rows);
        assert_eq!(tally.invalid, 4);
        // Listed: every row but line 5 ("worse").
        let changed = sheet.exclude_invalid(&mut rows, &mut tally, &[0, 1, 2, 4]);
        assert_eq!(changed, [0, 1, 2]);
        let excluded: Vec<bool> = rows.iter().map(|r| r.excluded).collect();
        // Both rows of the duplicate pair go, the unlisted invalid row stays.
        assert_eq!(excluded, [true, true, true, false, false]);
        assert_eq!(tally, Tally::of(&rows));
        assert_eq!((tally.valid, tally.invalid, tally.excluded), (1, 1, 3));
        assert!(sheet
            .exclude_invalid(&mut rows, &mut tally, &[0, 1, 2, 4])
            .is_empty());
    }

    #[test]
    fn keep_first_among_keeps_the_earliest_row_even_unlisted() {
        let mut sheet = sheet(
            "email,password\nann@x.y,p1\nbob@x.y,p2\nANN@x.y,p3\nann@x.y,p4\nbob@x.y,p5\ncyd@x.y,p6\n",
        );
        let mut rows = sheet.plan_all();
        let mut tally = Tally::of(&rows);
        // Listed: the rows of lines 4 and 5 (indices 2 and 3) and cyd.
        let changed = sheet.keep_first_among(&mut rows, &mut tally, &[2, 3, 5]);
        assert_eq!(changed, [0, 2, 3]);
        let excluded: Vec<bool> = rows.iter().map(|r| r.excluded).collect();
        assert_eq!(excluded, [false, false, true, true, false, false]);
        assert!(rows[0].is_valid());
        // bob's pair was not listed: both stay flagged.
        assert!(!rows[1].is_valid() && !rows[4].is_valid());
        assert_eq!(tally, Tally::of(&rows));
        // On every row, the same as the whole-file action.
        let all: Vec<usize> = (0..rows.len()).collect();
        assert_eq!(sheet.keep_first_among(&mut rows, &mut tally, &all), [1, 4]);
        assert!(rows[4].excluded && !rows[1].excluded && rows[1].is_valid());
        assert_eq!((tally.valid, tally.invalid, tally.excluded), (3, 0, 3));
    }

    #[test]
    fn set_field_edits_a_mapped_column_and_rechecks() {
        let mut sheet = sheet("email,password,quota\nann@x.y,p1,10\nbob@x.y,p2,x\ncyd@x.y,p3,5\n");
        let mut rows = sheet.plan_all();
        let mut tally = Tally::of(&rows);
        assert_eq!(tally.invalid, 1, "{}", rows[1].problems_text());
        let changed = sheet.set_field(&mut rows, &mut tally, &[1, 2], Field::QuotaMb, " 250 ");
        assert_eq!(changed, [1, 2]);
        assert_eq!(sheet.table.records[1].fields.get(2), Some("250"));
        assert_eq!(sheet.table.records[0].fields.get(2), Some("10"));
        assert_eq!(sheet.user(1).unwrap().quota_mb, Some(250));
        assert_eq!(sheet.user(2).unwrap().quota_mb, Some(250));
        assert_eq!(tally, Tally::of(&rows));
        assert_eq!(tally.invalid, 0);
        // Nothing changes the second time.
        assert!(sheet
            .set_field(&mut rows, &mut tally, &[1, 2], Field::QuotaMb, "250")
            .is_empty());
    }

    #[test]
    fn set_field_adds_a_column_for_an_unmapped_field_and_spares_ragged_rows() {
        let mut sheet = sheet("email,password\nann@x.y,p1\nbob@x.y,p2,extra\ncyd@x.y,p3\n");
        let mut rows = sheet.plan_all();
        let mut tally = Tally::of(&rows);
        assert!(!rows[1].is_valid(), "ragged");
        let changed = sheet.set_field(&mut rows, &mut tally, &[0, 1, 2], Field::Role, "1");
        assert_eq!(changed, [0, 1, 2]);
        assert_eq!(
            sheet.table.header.as_deref().unwrap(),
            ["email", "password", "role"]
        );
        assert_eq!(sheet.table.width, 3);
        assert_eq!(sheet.mapping.column_of(Field::Role), Some(2));
        assert_eq!(sheet.user(0).unwrap().role, Some(1));
        assert_eq!(sheet.user(2).unwrap().role, Some(1));
        // The ragged row is still ragged (4 fields where 3 are expected) and untouched.
        assert_eq!(sheet.table.records[1].fields.len(), 4);
        assert!(rows[1]
            .problems_text()
            .contains("has 4 fields where 3 are expected"));
        assert_eq!(tally, Tally::of(&rows));
    }
}
