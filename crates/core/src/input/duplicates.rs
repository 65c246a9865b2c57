//! Rows that share an identity (an address, a user name): the index that flags them
//! both, keeps it up to date as rows are edited or excluded, and says which row came
//! first ([`Duplicates`], [`Identity`]).

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::ops::Range;

use crate::input::field::Field;
use crate::input::planned::PlannedRow;
use crate::input::validate::{Problem, Rules};

/// Rows by address, ignoring case, for the rule that an address appears once per file.
/// Excluded rows and rows without an address are not indexed. The index holds no copy of
/// an address: rows are grouped by a 64-bit hash of the address in lower case (computed
/// without allocating for ASCII addresses), and whatever decides that two rows share an
/// address ([`Duplicates::flag`], [`Duplicates::first_of`], keeping the first) compares
/// the addresses themselves, so two addresses whose hashes collide are never taken for
/// one. Most addresses appear once: an entry is then the hash and the row (16 bytes);
/// an address with more rows points to its group in `groups`.
///
/// The same index serves any identity of an account ([`Identity`]): the address, or the
/// user name (given, or taken from the address's local part), compared the same way.
#[derive(Debug, Clone, Default)]
pub struct Duplicates {
    pub(crate) by_email: FxHashMap<u64, Slot>,
    /// The groups of two rows or more (one may have shrunk since, or emptied when its
    /// address left the index).
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

/// An address's rows in the index: one row, or ([`GROUP`] set) a group's place in
/// [`Duplicates::groups`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot(pub(crate) usize);

/// The bit that makes a [`Slot`] a group's place rather than a row.
pub(crate) const GROUP: usize = 1 << (usize::BITS - 1);

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

    pub fn insert(&mut self, row: usize, email: &str) {
        debug_assert!(row & GROUP == 0, "a row index below 2^63");
        let Some(key) = Duplicates::key(email) else {
            return;
        };
        match self.by_email.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Slot(row));
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let Slot(slot) = *o.get();
                if slot & GROUP != 0 {
                    let rows = &mut self.groups[slot & !GROUP];
                    if let Err(at) = rows.binary_search(&row) {
                        rows.insert(at, row);
                    }
                } else if slot != row {
                    let pair = if slot < row { [slot, row] } else { [row, slot] };
                    self.groups.push(Rows::from_slice(&pair));
                    o.insert(Slot((self.groups.len() - 1) | GROUP));
                }
            }
        }
    }

    pub fn remove(&mut self, row: usize, email: &str) {
        let Some(key) = Duplicates::key(email) else {
            return;
        };
        let Some(&Slot(slot)) = self.by_email.get(&key) else {
            return;
        };
        let empty = if slot & GROUP != 0 {
            let rows = &mut self.groups[slot & !GROUP];
            rows.retain(|r| *r != row);
            rows.is_empty()
        } else {
            slot == row
        };
        if empty {
            self.by_email.remove(&key);
        }
    }

    /// Every row with this address, `row` included when indexed; in the rare case of a
    /// hash collision, also the rows of another address (callers that re-check rows may
    /// re-check one too many; callers that decide compare the addresses).
    pub fn group(&self, email: &str) -> &[usize] {
        match Duplicates::key(email).and_then(|k| self.by_email.get(&k)) {
            None => &[],
            Some(Slot(slot)) if slot & GROUP != 0 => &self.groups[slot & !GROUP],
            Some(Slot(row)) => std::slice::from_ref(row),
        }
    }

    /// The first indexed row with row `i`'s address (`i` itself when it is the first).
    pub fn first_of(&self, rows: &[PlannedRow], i: usize) -> Option<usize> {
        let id = self.identity;
        let email = id.of(&rows[i]);
        self.group(email)
            .iter()
            .copied()
            .find(|&j| j == i || same_address(id.of(&rows[j]), email))
    }

    /// Every address's entry, consuming the index (to be dropped a piece at a time; the
    /// groups of several rows, few, go at once).
    pub fn into_entries(self) -> impl Iterator<Item = (u64, usize)> {
        self.by_email
            .into_iter()
            .map(|(key, Slot(slot))| (key, slot))
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
        if range.start == 0 {
            self.by_email.reserve(rows.len());
        }
        for i in range {
            if !rows[i].excluded {
                self.insert(i, self.identity.of(&rows[i]));
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
        let group = self.group(id.of(&rows[i]));
        if group.len() < 2 && group.first().is_none_or(|&j| j == i) {
            return;
        }
        let value = id.of(&rows[i]);
        let others: Vec<u64> = group
            .iter()
            .filter(|&&j| j != i && same_address(id.of(&rows[j]), value))
            .map(|&j| rows[j].line)
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
        rows[i].problems.push(Problem {
            field: Some(id.field()),
            column: None,
            message,
        });
    }
}
