//! The columns the automatic mapping took from their values alone for a field that goes
//! wrong silently ([`Guess`], [`GUARDED`]), and its close calls ([`Competition`]), in the
//! page's words.

use crate::input::field::Field;
use crate::input::names::{header_kinds, HeaderKind};
use crate::input::read::Table;

/// The fields that would go wrong silently if fed from the wrong column: a password
/// handed out that does not sign in, a role, a quota, a tenant or a package that is
/// accepted. Their column is never guessed without the admin's say (see [`Guess`]).
pub const GUARDED: [Field; 5] = [
    Field::Password,
    Field::Role,
    Field::QuotaMb,
    Field::TenantId,
    Field::PackageId,
];

/// A field of [`GUARDED`] fed by a column chosen from its content alone: no header names
/// it. The page asks about it under the column's select, and Start asks the admin to
/// confirm it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guess {
    pub field: Field,
    pub column: usize,
}

impl Guess {
    /// Why the column is a guess, in a sentence.
    fn reason(&self, table: &Table) -> &'static str {
        match table.header.as_ref().and_then(|h| h.get(self.column)) {
            None => "The file has no header line: it was taken from its values alone.",
            Some(name) if header_kinds(name).contains(&(self.field, HeaderKind::Partial)) => {
                "Its name only mentions it among other words."
            }
            Some(_) => "No column's name says so: it was taken from its values alone.",
        }
    }

    /// The question under the column's select.
    pub fn note(&self, table: &Table) -> String {
        format!(
            "{}: is {} really it? {}",
            self.field.title(),
            table.column_name(self.column),
            self.reason(table)
        )
    }

    /// The question Start asks, with one masked value of the column (see [`mask`]).
    pub fn question(&self, table: &Table) -> String {
        let sample = table
            .records
            .iter()
            .filter_map(|r| r.fields.get(self.column))
            .find(|v| !v.trim().is_empty());
        let shown = match sample {
            Some(v) if self.field.is_secret() => format!(
                " Its first value, masked, looks like {} (A a capital letter, a a small one, 9 a digit, * a sign, _ a space).",
                mask(v)
            ),
            Some(v) => format!(" Its first value is \"{v}\"."),
            None => " It holds no value.".into(),
        };
        format!(
            "Send {} as the {}? {}{shown}",
            table.column_name(self.column),
            self.field.title().to_lowercase(),
            self.reason(table)
        )
    }
}

/// A secret's shape without its characters: each capital letter `A`, other letter `a`,
/// digit `9`, space `_`, anything else `*`; at most 24 shown, then `…`. Enough to tell a
/// name (`Aaaa`) or a date (`9999*99*99`) from a password, never the password itself.
pub fn mask(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(24)
        .map(|c| {
            if c.is_uppercase() {
                'A'
            } else if c.is_alphabetic() {
                'a'
            } else if c.is_numeric() {
                '9'
            } else if c.is_whitespace() {
                '_'
            } else {
                '*'
            }
        })
        .collect();
    if value.chars().nth(24).is_some() {
        out.push('…');
    }
    out
}

/// Why another column competes for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rivalry {
    /// It holds the same kind of values (addresses, passwords, names, ...).
    Content,
    /// Its header is also a name for the field.
    Header,
}

/// A close call: `field` is fed by column `chosen`, while column `rival` could feed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Competition {
    pub field: Field,
    pub chosen: usize,
    pub rival: usize,
    pub why: Rivalry,
}

impl Competition {
    /// One sentence for the page: `Email: column "Email" chosen; column "Login" also
    /// holds addresses.`
    pub fn message(&self, table: &Table) -> String {
        let what = match (self.why, self.field) {
            (Rivalry::Header, _) => "also has a name for this field",
            (Rivalry::Content, Field::Email) => "also holds addresses",
            (Rivalry::Content, Field::Password) => "also looks like passwords",
            (Rivalry::Content, Field::Name | Field::FirstName | Field::LastName) => {
                "also looks like names"
            }
            (Rivalry::Content, Field::Timezone) => "also holds UTC offsets",
            (Rivalry::Content, Field::LoginIps) => "also holds IP addresses",
            (Rivalry::Content, Field::QuotaMb) => "also holds quotas",
            (Rivalry::Content, Field::Role) => "also holds roles",
            (Rivalry::Content, Field::TenantId | Field::PackageId) => "also holds numbers",
            (Rivalry::Content, Field::Username) => "also holds user names",
            (Rivalry::Content, Field::Custom(_)) => "also holds such values",
        };
        format!(
            "{}: {} chosen; {} {what}.",
            self.field.title(),
            table.column_name(self.chosen),
            table.column_name(self.rival)
        )
    }
}
