//! Rows that share an identity (an address, a user name): the index that flags them
//! both, keeps it up to date as rows are edited or excluded, and says which row came
//! first ([`Duplicates`], [`Identity`]).

use hashbrown::HashTable;
use smallvec::SmallVec;
use std::ops::Range;

use crate::input::field::Field;
use crate::input::planned::PlannedRow;
use crate::input::validate::{Problem, Rules};

/// Rows by address, ignoring case, for the rule that an address appears once per file.
/// Excluded rows and rows without an address are not indexed. The index holds no copy of
/// an address, nor its hash: an entry is a row's number (4 bytes), and the address is
/// read from the planned rows whenever it is needed: hashed (a 64-bit hash of the address
/// in lower case, computed without allocating for ASCII addresses) when the table grows,
/// and compared, ignoring case, to tell two addresses apart ([`same_address`]). Two rows
/// share an entry only when their addresses are the same. Most addresses appear once: the
/// entry is then the row; an address with more rows points to its group in `groups`.
///
/// The rows passed to every method must be the rows indexed, each as it was when it was
/// inserted: take a row out ([`Duplicates::remove`]) before its value changes.
///
/// The same index serves any identity of an account ([`Identity`]): the address, or the
/// user name (given, or taken from the address's local part), compared the same way.
#[derive(Debug, Clone, Default)]
pub struct Duplicates {
    /// An entry per indexed address: the row that has it, or ([`GROUP`] set) the place of
    /// its rows in `groups`. A million rows take room for two million entries: 10 MB
    /// with their control bytes, where a map from a 32-bit key to the row took 19
    /// (issue 26).
    pub(crate) table: HashTable<u32>,
    /// The groups of two rows or more (one may have shrunk since); an emptied group's
    /// entry leaves the table.
    pub(crate) groups: Vec<Rows>,
    /// What the index is keyed by.
    pub(crate) identity: Identity,
}

/// What identifies an account on a target (see [`crate::targets::Kind::identities`]): two
/// rows with an equal identity would be one account. Every shipped target compares both
/// without case (Keycloak and GitLab fold user names and addresses, Synapse's user names
/// are lower-case, addresses are matched ignoring case), and so does the plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Identity {
    /// The address.
    #[default]
    Email,
    /// The user name: a username column's value, or the address's local part when the
    /// target takes it from there.
    Username,
}

impl Rules {
    /// The identities two rows may not share (see [`Identity`]).
    pub fn identities(&self) -> Vec<Identity> {
        let mut ids = Vec::new();
        if self.unique_emails {
            ids.push(Identity::Email);
        }
        if self.unique_usernames {
            ids.push(Identity::Username);
        }
        ids
    }
}

impl Identity {
    /// The row's value for this identity, as the plan holds it (empty: none).
    pub fn of(self, row: &PlannedRow) -> &str {
        match self {
            Identity::Email => &row.email,
            Identity::Username => &row.username,
        }
    }

    /// The field the identity's problem is about.
    pub fn field(self) -> Field {
        match self {
            Identity::Email => Field::Email,
            Identity::Username => Field::Username,
        }
    }
}

/// The bit that makes an entry a group's place rather than a row.
pub(crate) const GROUP: u32 = 1 << 31;

/// The rows that share one address, in order.
pub type Rows = SmallVec<[usize; 1]>;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Eight bytes with `A`-`Z` lowered (the other bytes as they are).
pub(crate) fn lower_word(w: u64) -> u64 {
    let low7 = w & !HIGH;
    let above_z = low7 + (0x7f - u64::from(b'Z')) * ONES;
    let from_a = low7 + (0x80 - u64::from(b'A')) * ONES;
    let upper = (from_a ^ above_z) & !w & HIGH;
    w | (upper >> 2)
}

/// The hash of `bytes` with `A`-`Z` lowered, eight bytes at a time.
pub(crate) fn hash_lower_words(bytes: &[u8]) -> u64 {
    let mut hash = bytes.len() as u64;
    let mut mix =
        |w: u64| hash = (hash.rotate_left(5) ^ lower_word(w)).wrapping_mul(0x517c_c1b7_2722_0a95);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        mix(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        mix(u64::from_le_bytes(last));
    }
    // A final mix (splitmix64's), so that every bit of the key depends on every byte.
    let mut z = hash;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Whether two addresses are the same, ignoring case (as `str::to_lowercase` compares).
pub fn same_address(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

impl Duplicates {
    /// An empty index keyed by `identity`.
    pub fn of(identity: Identity) -> Duplicates {
        Duplicates {
            identity,
            ..Duplicates::default()
        }
    }

    /// An empty index keyed by `identity`, with room for `rows` entries: a table filled
    /// row by row then never grows (moving every entry) on the way.
    pub fn with_capacity(identity: Identity, rows: usize) -> Duplicates {
        Duplicates {
            table: HashTable::with_capacity(rows),
            groups: Vec::new(),
            identity,
        }
    }

    /// The hash of the address in lower case (`None` for no address). ASCII is lowered
    /// and hashed eight bytes at a time; another address is lowered into a new string
    /// first (its lower case may be ASCII: the Kelvin sign's is `k`), and hashed the same
    /// way.
    pub(crate) fn key(email: &str) -> Option<u64> {
        if email.is_empty() {
            return None;
        }
        Some(if email.is_ascii() {
            hash_lower_words(email.as_bytes())
        } else {
            hash_lower_words(email.to_lowercase().as_bytes())
        })
    }

    /// The entry of group `g`. There are fewer groups than rows with two bytes each in a
    /// text that fits in memory, so `g` is below 2^31 in any file that could be read.
    fn group_entry(g: usize) -> u32 {
        u32::try_from(g).map_or(u32::MAX, |g| g.min(!GROUP)) | GROUP
    }

    /// The value (address or user name) of an entry's rows.
    fn value_of<'r>(
        rows: &'r [PlannedRow],
        groups: &[Rows],
        identity: Identity,
        entry: u32,
    ) -> &'r str {
        let row = if entry & GROUP != 0 {
            groups[(entry & !GROUP) as usize].first().copied()
        } else {
            Some(entry as usize)
        };
        row.and_then(|r| rows.get(r)).map_or("", |r| identity.of(r))
    }

    /// Whether an entry's rows have `value` (ignoring case). One function for every
    /// look-up, so that the table's code is built once for it (the page's size).
    fn same_as<'a>(
        rows: &'a [PlannedRow],
        groups: &'a [Rows],
        identity: Identity,
        value: &'a str,
    ) -> impl Fn(&u32) -> bool + 'a {
        move |&e| same_address(Duplicates::value_of(rows, groups, identity, e), value)
    }

    /// An entry's hash, for the table to grow: its rows' value's [`Duplicates::key`].
    fn hasher<'a>(
        rows: &'a [PlannedRow],
        groups: &'a [Rows],
        identity: Identity,
    ) -> impl Fn(&u32) -> u64 + 'a {
        move |&e| Duplicates::key(Duplicates::value_of(rows, groups, identity, e)).unwrap_or(0)
    }

    /// Row `row` into the index, under its value in `rows`.
    pub fn insert(&mut self, rows: &[PlannedRow], row: usize) {
        let id = self.identity;
        let value = id.of(&rows[row]);
        let Some(hash) = Duplicates::key(value) else {
            return;
        };
        let found = self
            .table
            .find_entry(hash, Duplicates::same_as(rows, &self.groups, id, value));
        let table = match found {
            Ok(mut o) => {
                let e = *o.get();
                if e & GROUP != 0 {
                    let group = &mut self.groups[(e & !GROUP) as usize];
                    if let Err(at) = group.binary_search(&row) {
                        group.insert(at, row);
                    }
                } else if e as usize != row {
                    let other = e as usize;
                    let pair = if other < row {
                        [other, row]
                    } else {
                        [row, other]
                    };
                    self.groups.push(Rows::from_slice(&pair));
                    *o.get_mut() = Duplicates::group_entry(self.groups.len() - 1);
                }
                return;
            }
            Err(absent) => absent.into_table(),
        };
        // A row past 2^31 (a file of billions of rows) is a group of one: an entry holds
        // 31 bits.
        let entry = match u32::try_from(row).ok().filter(|r| r & GROUP == 0) {
            Some(row32) => row32,
            None => {
                self.groups.push(Rows::from_elem(row, 1));
                Duplicates::group_entry(self.groups.len() - 1)
            }
        };
        table.insert_unique(hash, entry, Duplicates::hasher(rows, &self.groups, id));
    }

    /// Row `row` out of the index, under its value in `rows`.
    pub fn remove(&mut self, rows: &[PlannedRow], row: usize) {
        let id = self.identity;
        let value = id.of(&rows[row]);
        let Some(hash) = Duplicates::key(value) else {
            return;
        };
        let groups = &mut self.groups;
        let Ok(found) = self
            .table
            .find_entry(hash, Duplicates::same_as(rows, groups, id, value))
        else {
            return;
        };
        let entry = *found.get();
        let empty = if entry & GROUP != 0 {
            let group = &mut groups[(entry & !GROUP) as usize];
            group.retain(|r| *r != row);
            group.is_empty()
        } else {
            entry as usize == row
        };
        if empty {
            found.remove();
        }
    }

    /// Every indexed row whose value is `value` (ignoring case), in order.
    pub fn group(&self, rows: &[PlannedRow], value: &str) -> Rows {
        let id = self.identity;
        let found = Duplicates::key(value).and_then(|hash| {
            self.table
                .find(hash, Duplicates::same_as(rows, &self.groups, id, value))
        });
        match found {
            None => Rows::new(),
            Some(&e) if e & GROUP != 0 => self.groups[(e & !GROUP) as usize].clone(),
            Some(&row) => Rows::from_elem(row as usize, 1),
        }
    }

    /// The first indexed row with row `i`'s address (`i` itself when it is the first).
    pub fn first_of(&self, rows: &[PlannedRow], i: usize) -> Option<usize> {
        self.group(rows, self.identity.of(&rows[i]))
            .first()
            .copied()
    }

    /// Every entry, consuming the index (to be dropped a piece at a time; the groups of
    /// several rows, few, go at once).
    pub fn into_entries(self) -> impl Iterator<Item = u32> {
        self.table.into_iter()
    }

    /// Which of `n` rows share their address's entry with another row: only these can be
    /// duplicates, so flagging looks at them alone rather than looking every row up again
    /// (a million lookups into the index cost a third of a 1M-row load in the page).
    pub fn marks(&self, n: usize) -> Vec<bool> {
        let mut marks = vec![false; n];
        for &row in self.groups.iter().flatten() {
            if let Some(mark) = marks.get_mut(row) {
                *mark = true;
            }
        }
        marks
    }

    /// Indexes the rows in `range`. The first range sizes the index for all the rows, so
    /// that it is not grown (and every entry moved) time and again on the way.
    pub fn index(&mut self, rows: &[PlannedRow], range: Range<usize>) {
        if range.start == 0 && self.table.is_empty() {
            let id = self.identity;
            let groups = &self.groups;
            self.table
                .reserve(rows.len(), Duplicates::hasher(rows, groups, id));
        }
        for i in range {
            if !rows[i].excluded {
                self.insert(rows, i);
            }
        }
    }

    /// Adds the duplicate problem to row `i` when another indexed row has its address
    /// (or its user name, for an index of user names). The row must not carry one
    /// already (plan it afresh first).
    pub fn flag(&self, rows: &mut [PlannedRow], i: usize) {
        if rows[i].excluded {
            return;
        }
        let id = self.identity;
        let group = self.group(rows, id.of(&rows[i]));
        if group.len() < 2 && group.first().is_none_or(|&j| j == i) {
            return;
        }
        let value = id.of(&rows[i]);
        let others: Vec<u64> = group
            .iter()
            .filter(|&&j| j != i && same_address(id.of(&rows[j]), value))
            .map(|&j| u64::from(rows[j].line))
            .collect();
        if others.is_empty() {
            return;
        }
        let shown: Vec<String> = others.iter().take(3).map(u64::to_string).collect();
        let more = if others.len() > 3 {
            format!(" and {} more", others.len() - 3)
        } else {
            String::new()
        };
        let message = match id {
            Identity::Email => format!(
                // The key words first, then the value (issue 27): the table cuts a
                // long message at two lines.
                "\"{value}\" appears more than once (also on line {}{more}); keep one and exclude or fix the others",
                shown.join(", ")
            ),
            Identity::Username => {
                let email: &str = &rows[i].email;
                let from_address = email
                    .split_once('@')
                    .is_some_and(|(local, _)| local == value);
                format!(
                    "\"{value}\" appears more than once (also on line {}{more}{}); the server would take those rows for one account; keep one and exclude or fix the others",
                    shown.join(", "),
                    if from_address { "; the address's local part" } else { "" }
                )
            }
        };
        rows[i].findings.push_problem(Problem {
            field: Some(id.field()),
            column: None,
            message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::Mapping;
    use crate::input::plan::Sheet;
    use crate::input::read::read;

    #[test]
    fn the_index_of_a_million_rows_takes_at_most_11_mb() {
        // Issue 26: an entry is the row alone (4 bytes and a control byte), where a map
        // from a 32-bit key to the row took 8 and one: room for two million entries was
        // 18.9 MB, and is 10.5.
        let index = Duplicates::with_capacity(Identity::Email, 1_000_000);
        let size = index.table.allocation_size();
        assert!(size <= 11_000_000, "{size}");
    }

    #[test]
    fn addresses_whose_short_keys_collide_are_not_duplicates() {
        // Two addresses whose 32-bit keys are equal (found by trying, as the birthday
        // bound says: within about 100,000 addresses).
        let mut seen = std::collections::HashMap::new();
        let (a, b) = (0..1_000_000)
            .find_map(|i| {
                let e = format!("u{i}@x.y");
                let k = Duplicates::key(&e).unwrap() as u32;
                seen.insert(k, e.clone()).map(|other| (other, e))
            })
            .expect("a collision");
        assert_ne!(a, b);
        let text = format!(
            "email,password\n{a},pw1\n{b},pw2\nc@x.y,pw3\n{}, pw4\n",
            b.to_uppercase()
        );
        let t = read(text.as_bytes()).unwrap();
        let m = Mapping::auto(&t);
        let rules = Rules {
            email_rule: Some(crate::targets::aurora::PUBLIC_ID_RULE),
            ..Rules::new(vec![Field::Email, Field::Password])
        };
        let mut sheet = Sheet::new(t, m, rules);
        let rows = sheet.plan_all();
        let flagged: Vec<bool> = rows.iter().map(|r| !r.is_valid()).collect();
        assert_eq!(flagged, [false, true, false, true], "{:?}", rows);
        assert_eq!(sheet.first_of(&rows, 0), Some(0));
        assert_eq!(sheet.first_of(&rows, 3), Some(1));
    }
}
