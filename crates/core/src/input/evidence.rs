//! What a column's cells look like (addresses, passwords, names, numbers, offsets, ...):
//! the content half of the mapping's scores (see [`crate::input::scores`]).

use crate::input::checks;
use crate::input::field::Field;

/// How many records the content scores look at (the first ones).
pub const SAMPLE_ROWS: usize = 256;

/// What a column's sampled cells look like: shares of its non-empty cells.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Evidence {
    /// Non-empty cells sampled.
    pub cells: usize,
    /// Cells that are addresses (`name@domain`).
    pub addresses: f32,
    /// Distinct cells (case-insensitive).
    pub unique: f32,
    /// Cells that look like passwords: one word of letters mixed with digits or signs.
    pub passwords: f32,
    /// Cells that look like names: capitalised words of letters.
    pub names: f32,
    /// Cells that are names of two words or more.
    pub full_names: f32,
    /// Cells that are whole numbers.
    pub numbers: f32,
    /// Cells that are UTC offsets (`+05:00`).
    pub offsets: f32,
    /// Cells that are lists of IP addresses.
    pub ips: f32,
    /// Cells that are quotas (`500`, `1,5 GB`).
    pub quotas: f32,
    /// Cells that are Aurora roles (1, 2 or 3).
    pub roles: f32,
    /// Cells that are user names: one word of lower-case letters, digits and `._=-+/`.
    pub user_names: f32,
    /// Cells that are plain values, never secrets: words (names), numbers (ids, phone
    /// numbers), dates, flags (see [`crate::input::detect::is_plain_value`]).
    pub plain: f32,
}

/// An address as a column of them holds it: one `@` with text on both sides, no space,
/// and a domain of letters, digits, dots and hyphens.
fn is_address(cell: &str) -> bool {
    let Some((local, domain)) = cell.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@,;<>\"".contains(c))
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
}

/// One word mixing letters with digits or signs (`p123`, `S3cret!`), not an address.
fn is_password_like(cell: &str) -> bool {
    let n = cell.chars().count();
    if !(3..=128).contains(&n) || cell.contains('@') || cell.chars().any(char::is_whitespace) {
        return false;
    }
    let letters = cell.chars().any(char::is_alphabetic);
    let others = cell.chars().any(|c| !c.is_alphabetic());
    letters && others
}

/// Words that each start with a capital letter and hold only letters, hyphens,
/// apostrophes and dots (`Ann`, `Jean-Luc O'Neill`, `Zoë Ångström`). Scripts without
/// case count as names when they hold only letters.
fn name_words(cell: &str) -> Option<usize> {
    let words: Vec<&str> = cell.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 {
        return None;
    }
    let ok = words.iter().all(|w| {
        let mut chars = w.chars();
        let first = chars
            .next()
            .expect("split_whitespace gives non-empty words");
        (first.is_uppercase() || (first.is_alphabetic() && !first.is_lowercase()))
            && chars.all(|c| c.is_alphabetic() || "-'’.".contains(c))
    });
    ok.then_some(words.len())
}

impl Evidence {
    pub fn of(cells: &[&str]) -> Evidence {
        let cells: Vec<&str> = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        let n = cells.len();
        if n == 0 {
            return Evidence::default();
        }
        let share = |test: &dyn Fn(&str) -> bool| {
            cells.iter().filter(|c| test(c)).count() as f32 / n as f32
        };
        let distinct: std::collections::HashSet<String> =
            cells.iter().map(|c| c.to_lowercase()).collect();
        Evidence {
            cells: n,
            addresses: share(&is_address),
            unique: distinct.len() as f32 / n as f32,
            passwords: share(&is_password_like),
            names: share(&|c| name_words(c).is_some()),
            full_names: share(&|c| name_words(c).is_some_and(|w| w >= 2)),
            numbers: share(&|c| c.bytes().all(|b| b.is_ascii_digit())),
            offsets: share(&|c| checks::timezone_problem(c).is_none()),
            ips: share(&|c| checks::login_ips_problem(c).is_none()),
            quotas: share(&|c| checks::parse_quota_mb(c).is_ok()),
            roles: share(&|c| c.parse::<u8>().is_ok_and(|r| checks::ROLES.contains(&r))),
            user_names: share(&|c| checks::localpart_problem(c).is_none()),
            plain: share(&crate::input::detect::is_plain_value),
        }
    }

    /// The share of cells of the kind `field` holds.
    pub fn share_for(&self, field: Field) -> f32 {
        match field {
            Field::Email => self.addresses,
            Field::Password => self.passwords,
            Field::Name => self.full_names.max(self.names),
            Field::FirstName | Field::LastName => self.names,
            Field::Timezone => self.offsets,
            Field::LoginIps => self.ips,
            Field::QuotaMb => self.quotas,
            Field::Role => self.roles,
            Field::TenantId | Field::PackageId => self.numbers,
            Field::Username => self.user_names,
            // A target's own field is known by its header alone.
            Field::Custom(_) => 0.0,
        }
    }
}
