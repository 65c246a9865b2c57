//! Mapping the file's columns onto the fields a target needs.

use serde::{Deserialize, Serialize};

use crate::input::checks;
pub use crate::input::field::{Field, MappedRow, UserRow};
use crate::input::names::declared_kind;
pub use crate::input::names::{field_of_header, fold, header_kinds, header_match, HeaderKind};
use crate::input::read::{Fields, Record, Table};
pub use crate::input::spec::FieldSpec;

/// Built-in fields as declared by a target that says nothing more of them.
pub fn builtin_specs(fields: &[Field]) -> Vec<FieldSpec> {
    fields.iter().map(|&f| FieldSpec::builtin(f)).collect()
}

/// Which column feeds which field. Columns mapped to nothing are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<Option<Field>>,
    /// The target's own fields declared secret (see [`FieldSpec::secret`]) this mapping
    /// may feed: their columns, like the password's, are masked and never reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret: Vec<Field>,
}

impl Mapping {
    /// The best mapping for a table: every column is scored for every field by its
    /// header and by its content (see [`Scores`]), and the one-to-one assignment of
    /// fields to columns with the highest total score wins. A column named exactly like
    /// a field therefore keeps it against a column that only holds the same kind of
    /// values (`Email` over a `Login` column of addresses).
    ///
    /// The fields considered are [`Field::ADDRESS_SIGN_IN`]; see [`Mapping::auto_for`].
    pub fn auto(table: &Table) -> Mapping {
        Mapping::auto_for(table, builtin_specs(&Field::ADDRESS_SIGN_IN))
    }

    /// [`Mapping::auto`] among the fields a target declares (see
    /// [`crate::input::validate::Rules::mapped_fields`]): a column never goes to a field
    /// the target has no use for, and a target's own field (a profile's `department`)
    /// is found by its id, its label and its aliases.
    pub fn auto_for(table: &Table, fields: impl AsRef<[FieldSpec]>) -> Mapping {
        let fields = fields.as_ref();
        let ids: Vec<Field> = fields.iter().map(|s| s.field).collect();
        let mut mapping = Scores::of_fields(table, fields).best_among(&ids);
        mapping.declare_secrets(fields);
        mapping
    }

    /// Notes which of `fields` (a target's declarations) are secret, beyond the
    /// password: their columns are then masked and left out of reports.
    pub fn declare_secrets(&mut self, fields: &[FieldSpec]) {
        for spec in fields {
            if spec.is_secret() && !spec.field.is_secret() && !self.secret.contains(&spec.field) {
                self.secret.push(spec.field);
            }
        }
    }

    /// Whether `field` holds secrets here: the password, or a field declared secret.
    pub fn is_secret(&self, field: Field) -> bool {
        field.is_secret() || self.secret.contains(&field)
    }

    /// Whether column `column` feeds a secret field (see [`Mapping::is_secret`]).
    pub fn column_is_secret(&self, column: usize) -> bool {
        self.columns
            .get(column)
            .copied()
            .flatten()
            .is_some_and(|f| self.is_secret(f))
    }

    /// Makes column `column` feed `field` (or nothing), as the admin chooses in its
    /// select: a field feeds from one column only, so another column that fed it feeds
    /// nothing now. `fields` are the target's declarations (for its secret fields).
    pub fn assign(&mut self, column: usize, field: Option<Field>, fields: &[FieldSpec]) {
        if let Some(f) = field {
            for c in self.columns.iter_mut() {
                if *c == Some(f) {
                    *c = None;
                }
            }
        }
        if let Some(c) = self.columns.get_mut(column) {
            *c = field;
        }
        self.declare_secrets(fields);
    }

    /// Where the choice for a mapped field was close: another column holds the same kind
    /// of values, or also has a name for the field. For the page to show next to the
    /// mapping (for the automatic mapping and for one the user edited alike).
    pub fn competitions(&self, table: &Table) -> Vec<Competition> {
        Scores::of(table).competitions(self)
    }

    /// The fields of [`GUARDED`] this mapping takes from a column's content alone (see
    /// [`Scores::guesses`]): for the page to ask about under the select, and before Start.
    pub fn guesses(&self, table: &Table) -> Vec<Guess> {
        Scores::of(table).guesses(self)
    }

    /// [`Mapping::guesses`] but those the admin has confirmed: chosen in the column's
    /// select, or answered yes when Start asked.
    pub fn open_guesses(&self, table: &Table, confirmed: &[Guess]) -> Vec<Guess> {
        let mut guesses = self.guesses(table);
        guesses.retain(|g| !confirmed.contains(g));
        guesses
    }

    /// Where the name comes from, when a name column and first or last name columns could
    /// all give it: (the name column, the sentence). A file's own name column wins over
    /// joining its first and last names, which then fill only rows whose name cell is
    /// empty. `None` otherwise (a first and a last name column alone are simply joined).
    pub fn name_source(&self, table: &Table) -> Option<(usize, String)> {
        let name = self.column_of(Field::Name);
        let parts: Vec<usize> = [Field::FirstName, Field::LastName]
            .into_iter()
            .filter_map(|f| self.column_of(f))
            .collect();
        let joined = parts
            .iter()
            .map(|&c| table.column_name(c))
            .collect::<Vec<_>>()
            .join(" and ");
        match (name, parts.first()) {
            (Some(n), Some(_)) => Some((
                n,
                format!(
                    "Name: {} is used, the file's own name; {joined} fill only rows where it is empty.",
                    table.column_name(n)
                ),
            )),
            _ => None,
        }
    }

    /// The column index that feeds `field`, if any.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(field))
    }

    /// The raw values of one record, by field. Without a name column, first and last
    /// name columns are joined into the name.
    pub fn apply<'a>(&self, record: &'a Record) -> MappedRow<'a> {
        self.apply_fields(record.line, &record.fields)
    }

    /// [`Mapping::apply`] on a record's fields. The values borrow from the fields; only a
    /// name joined from first and last names is a new string.
    pub fn apply_fields<'a>(&self, line: u64, fields: &'a Fields) -> MappedRow<'a> {
        let mut row = MappedRow::new(line);
        for (i, f) in self.columns.iter().enumerate() {
            if let Some(f) = f {
                row.set(*f, fields.get(i).unwrap_or_default());
            }
        }
        if row.get(Field::Name).is_empty() {
            // The last column mapped to a field is the one that counts, as in `row`.
            let part = |field: Field| {
                self.columns
                    .iter()
                    .rposition(|c| *c == Some(field))
                    .and_then(|i| fields.get(i))
                    .unwrap_or_default()
                    .trim()
            };
            let (first, last) = (part(Field::FirstName), part(Field::LastName));
            match (first.is_empty(), last.is_empty()) {
                (true, true) => {}
                (false, true) => row.set(Field::Name, first),
                (true, false) => row.set(Field::Name, last),
                (false, false) => row.set(Field::Name, format!("{first} {last}")),
            }
        }
        row
    }

    /// Which field each column feeds, as remembered between files: field labels only,
    /// one per column, comma-separated ("" for an ignored column). Never a data value.
    pub fn to_memory(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.as_ref().map_or("", Field::label))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`Mapping::to_memory`] back, if it fits a table `width` columns wide and
    /// names built-in fields only.
    pub fn from_memory(memory: &str, width: usize) -> Option<Mapping> {
        let columns: Vec<Option<Field>> = memory
            .split(',')
            .map(|l| {
                if l.is_empty() {
                    Some(None)
                } else {
                    // A target's own field is not remembered: the automatic mapping finds
                    // it again by its names.
                    Field::from_label(l).filter(|f| f.is_builtin()).map(Some)
                }
            })
            .collect::<Option<_>>()?;
        (columns.len() == width).then_some(Mapping {
            columns,
            secret: Vec::new(),
        })
    }

    /// The key a mapping is remembered under: the header's column names (lower-cased),
    /// or the column count of a headerless file. No data value is part of it.
    pub fn memory_key(table: &Table) -> String {
        match &table.header {
            Some(h) => format!(
                "header:{}",
                h.iter()
                    .map(|c| c.trim().to_lowercase())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            ),
            None => format!("columns:{}", table.width),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Content.

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
    fn of(cells: &[&str]) -> Evidence {
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

// ---------------------------------------------------------------------------------------
// Scores and the assignment.

/// Points for a header naming a field, by how strongly it does.
pub const fn header_points(kind: HeaderKind) -> i32 {
    match kind {
        HeaderKind::Exact => 150,
        HeaderKind::Alias => 90,
        HeaderKind::Partial => 50,
        HeaderKind::Login => 40,
    }
}

/// Every column's score for every field: what its header says plus what its content
/// says. A pair scoring 0 or less is never mapped automatically.
///
/// - Header: the field's own name 150, an alias 90, a name inside the header 50, a
///   sign-in name (`Login`, for the address) 40.
/// - Addresses (any column): up to 60 for a column of distinct addresses, and up to 40
///   off for the share of cells that are not addresses. So a column of addresses under
///   any name (60) beats a `Login` column of user names (0), and a column named `Email`
///   (150 and up) beats a `Login` column of addresses (100).
/// - UTC offsets and IP lists (any column): 60 when every sampled cell is one.
/// - Passwords and full names, in a file without a header: up to 40 by their share; the
///   other column of a two-column file without a header gets 10 for the password.
/// - A column whose header names the field: up to 20 more when its cells fit (names,
///   passwords, numbers, quotas, roles).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// `header[column][slot]`: the points for the header alone, by the field's slot
    /// (see [`Scores::slot`]).
    pub header: Vec<[i32; SLOTS]>,
    /// `total[column][slot]`: header and content.
    pub total: Vec<[i32; SLOTS]>,
    /// The target's own fields scored, in slots after the built-in ones.
    pub custom: Vec<Field>,
    pub evidence: Vec<Evidence>,
    /// How each column's header names each field it names.
    pub kinds: Vec<Vec<(Field, HeaderKind)>>,
    /// Whether the table has no header line.
    pub headerless: bool,
}

/// The most fields of a target's own that are scored (see [`Scores::custom`]).
pub const MAX_CUSTOM: usize = 8;
/// Score slots per column: the built-in fields, then the custom ones.
const SLOTS: usize = Field::ALL.len() + MAX_CUSTOM;
/// The password's slot.
const PASSWORD: usize = 1;

impl Scores {
    /// The scores of the built-in fields.
    pub fn of(table: &Table) -> Scores {
        Scores::of_fields(table, &[])
    }

    /// The scores of the built-in fields and of the custom fields among `declared` (the
    /// first [`MAX_CUSTOM`]), these by their header alone: the id or the label (150), an
    /// alias (90), one of them among other words (50).
    pub fn of_fields(table: &Table, declared: &[FieldSpec]) -> Scores {
        let width = table.width;
        let sample = &table.records[..table.records.len().min(SAMPLE_ROWS)];
        let headerless = table.header.is_none();
        let custom: Vec<&FieldSpec> = declared
            .iter()
            .filter(|s| !s.field.is_builtin())
            .take(MAX_CUSTOM)
            .collect();
        let mut scores = Scores {
            header: vec![[0; SLOTS]; width],
            total: vec![[0; SLOTS]; width],
            custom: custom.iter().map(|s| s.field).collect(),
            evidence: Vec::with_capacity(width),
            kinds: Vec::with_capacity(width),
            headerless,
        };
        for c in 0..width {
            let mut kinds = match table.header.as_ref().and_then(|h| h.get(c)) {
                Some(name) => header_kinds(name),
                None => Vec::new(),
            };
            // A sign-in name (`Login`, `Username`) is the address for a target that signs
            // users in with it, and the user name for one that has user names.
            if kinds.contains(&(Field::Email, HeaderKind::Login)) {
                kinds.push((Field::Username, HeaderKind::Alias));
            }
            if let Some(name) = table.header.as_ref().and_then(|h| h.get(c)) {
                for (i, spec) in custom.iter().enumerate() {
                    let own = [spec.field.label(), spec.label.as_str()];
                    if let Some(kind) = declared_kind(name, &own, &spec.aliases) {
                        let points = header_points(kind);
                        scores.header[c][Field::ALL.len() + i] = points;
                        scores.total[c][Field::ALL.len() + i] = points;
                        kinds.push((spec.field, kind));
                    }
                }
            }
            let cells: Vec<&str> = sample.iter().filter_map(|r| r.fields.get(c)).collect();
            let ev = Evidence::of(&cells);
            for field in Field::ALL {
                let header = kinds
                    .iter()
                    .filter(|(f, _)| *f == field)
                    .map(|(_, k)| header_points(*k))
                    .max()
                    .unwrap_or(0);
                let named = header > 0;
                let pts = |share: f32, max: i32| (share * max as f32).round() as i32;
                let content = if ev.cells == 0 {
                    0
                } else {
                    match field {
                        Field::Email => {
                            pts(ev.addresses, 50) + pts(ev.addresses * ev.unique, 10)
                                - pts(1.0 - ev.addresses, 40)
                        }
                        Field::Timezone | Field::LoginIps => {
                            let share = ev.share_for(field);
                            if share == 1.0 {
                                60
                            } else {
                                pts(share, 20) * i32::from(named)
                            }
                        }
                        // Set below, once every column's evidence is known.
                        Field::Password if headerless => 0,
                        Field::Name if headerless && ev.full_names >= 0.5 => pts(ev.full_names, 40),
                        // A column of addresses is no user name, whatever its name.
                        Field::Username if named => pts(ev.user_names, 20) - pts(ev.addresses, 90),
                        _ if named => pts(ev.share_for(field), 20),
                        _ => 0,
                    }
                };
                // A field that goes wrong silently (a password, a role, a quota, a
                // tenant, a package) is not taken from a header that only holds its name
                // among other words (`Change Password at Next Sign-In`) unless the cells
                // fit it.
                let partial = header == header_points(HeaderKind::Partial);
                let total = if GUARDED.contains(&field)
                    && partial
                    && (ev.cells == 0 || ev.share_for(field) < 0.5)
                {
                    0
                } else {
                    header + content
                };
                let slot = field.builtin_index().unwrap_or_default();
                scores.header[c][slot] = header;
                scores.total[c][slot] = total;
            }
            scores.evidence.push(ev);
            scores.kinds.push(kinds);
        }
        if headerless {
            for c in 0..width {
                scores.total[c][PASSWORD] = scores.headerless_password(c);
            }
        }
        scores
    }

    /// Where a field's points are in a column's row: a built-in field's place in
    /// [`Field::ALL`], a custom one's after them; `None` for a custom field not scored.
    pub fn slot(&self, field: Field) -> Option<usize> {
        field.builtin_index().or_else(|| {
            self.custom
                .iter()
                .position(|&f| f == field)
                .map(|i| Field::ALL.len() + i)
        })
    }

    /// The share of a column's cells that could be passwords, in a file without a header:
    /// none for a column of plain values (names, ids, dates, phone numbers) or addresses.
    fn password_share(&self, column: usize) -> f32 {
        let ev = &self.evidence[column];
        if ev.plain >= 0.5 || ev.addresses >= 0.5 {
            0.0
        } else {
            ev.passwords
        }
    }

    /// Whether a file without a header is the seed's `email | password` format: two
    /// columns, one of addresses, the other (if it has cells) of anything but plain
    /// values and addresses, even when it does not look like passwords (`a@x.y,p`). Its
    /// other column is mapped to the password, but as a guess the admin confirms.
    fn seed_format(&self, column: usize) -> bool {
        self.headerless && self.total.len() == 2 && {
            let other = &self.evidence[1 - column];
            let ev = &self.evidence[column];
            other.cells > 0
                && other.addresses >= 0.5
                && (ev.cells == 0 || (ev.plain < 0.5 && ev.addresses < 0.5))
        }
    }

    /// A column's score for the password in a file without a header: nothing unless its
    /// cells look like passwords (three in four at least) and beat every other column's
    /// by a wide margin (twice the share), or the file is the seed's format.
    fn headerless_password(&self, column: usize) -> i32 {
        if self.seed_format(column) {
            return 10 + (self.password_share(column) * 40.0).round() as i32;
        }
        let share = self.password_share(column);
        let rival = (0..self.total.len())
            .filter(|&d| d != column)
            .map(|d| self.password_share(d))
            .fold(0.0_f32, f32::max);
        if share >= 0.75 && rival * 2.0 <= share {
            (share * 40.0).round() as i32
        } else {
            0
        }
    }

    /// The guesses in `mapping`: each field of [`GUARDED`] fed by a column whose header
    /// does not name it (a file without a header, another name, or the field's name among
    /// other words), that is chosen from its content alone. A file without a header has
    /// only guesses, the seed's `email | password` format included: its password column
    /// is mapped (see `seed_format`) but Start still asks about it.
    pub fn guesses(&self, mapping: &Mapping) -> Vec<Guess> {
        let mut out = Vec::new();
        for (column, field) in mapping.columns.iter().enumerate() {
            let Some(field) = *field else { continue };
            if !GUARDED.contains(&field) || column >= self.total.len() {
                continue;
            }
            if self
                .slot(field)
                .is_some_and(|s| self.header[column][s] >= header_points(HeaderKind::Alias))
            {
                continue;
            }
            out.push(Guess { field, column });
        }
        out
    }

    pub fn score(&self, column: usize, field: Field) -> i32 {
        match (self.total.get(column), self.slot(field)) {
            (Some(row), Some(slot)) => row[slot],
            _ => 0,
        }
    }

    /// The one-to-one assignment of fields to columns with the highest total score
    /// (pairs scoring 0 or less excluded), found exactly: a dynamic programme over the
    /// columns and the set of fields already taken (2^12 sets). Among equal totals, the
    /// earlier column takes the field.
    pub fn best(&self) -> Mapping {
        self.best_among(&Field::ALL)
    }

    /// [`Scores::best`] with only `fields` to give out (a custom field among them is
    /// given out when [`Scores::of_fields`] scored it). The programme runs over the
    /// fields some column scores above 0, at most 16 (the strongest kept).
    pub fn best_among(&self, fields: &[Field]) -> Mapping {
        let width = self.total.len();
        // The fields to give out, by slot, and the columns that score any of them.
        let mut live: Vec<(Field, usize)> = Vec::new();
        for &f in fields {
            let Some(slot) = self.slot(f) else { continue };
            if live.iter().any(|(g, _)| *g == f) {
                continue;
            }
            if (0..width).any(|c| self.total[c][slot] > 0) {
                live.push((f, slot));
            }
        }
        // In slot order, as every tie below is broken by it.
        live.sort_by_key(|&(_, slot)| slot);
        if live.len() > 16 {
            let top = |slot: usize| (0..width).map(|c| self.total[c][slot]).max().unwrap_or(0);
            live.sort_by_key(|&(_, slot)| std::cmp::Reverse(top(slot)));
            live.truncate(16);
            live.sort_by_key(|&(_, slot)| slot);
        }
        let sets = 1usize << live.len();
        let candidates: Vec<usize> = (0..width)
            .filter(|&c| live.iter().any(|&(_, slot)| self.total[c][slot] > 0))
            .collect();
        // Scores scaled so that a tie goes to the earlier column.
        let points = |c: usize, slot: usize| -> i64 {
            let s = i64::from(self.total[c][slot]);
            s * 4096 + (4095 - c.min(4095) as i64)
        };
        let mut best = vec![i64::MIN; sets];
        best[0] = 0;
        // choice[k][set]: the field (or none) column candidates[k] took to reach `set`.
        let mut choice: Vec<Vec<u8>> = Vec::with_capacity(candidates.len());
        const NONE: u8 = u8::MAX;
        for &c in &candidates {
            let mut next = best.clone();
            let mut took = vec![NONE; sets];
            for (set, &here) in best.iter().enumerate() {
                if here == i64::MIN {
                    continue;
                }
                for (f, &(_, slot)) in live.iter().enumerate() {
                    if set & (1 << f) != 0 || self.total[c][slot] <= 0 {
                        continue;
                    }
                    let to = set | (1 << f);
                    let value = here + points(c, slot);
                    if value > next[to] {
                        next[to] = value;
                        took[to] = f as u8;
                    }
                }
            }
            best = next;
            choice.push(took);
        }
        let mut set = (0..sets)
            .max_by_key(|&s| (best[s], std::cmp::Reverse(s)))
            .unwrap_or(0);
        let mut columns = vec![None; width];
        for (k, &c) in candidates.iter().enumerate().rev() {
            let f = choice[k][set];
            if f != NONE {
                columns[c] = Some(live[usize::from(f)].0);
                set &= !(1 << f);
            }
        }
        Mapping {
            columns,
            secret: Vec::new(),
        }
    }

    /// The close calls in `mapping`: for each mapped field, the other columns that hold
    /// the same kind of values (at least half their cells) or also have a name for it,
    /// and whose own score for it is positive and at least 40 % of the chosen column's.
    pub fn competitions(&self, mapping: &Mapping) -> Vec<Competition> {
        let mut out = Vec::new();
        for (chosen, field) in mapping.columns.iter().enumerate() {
            let Some(field) = *field else { continue };
            let mine = self.score(chosen, field);
            for rival in 0..self.total.len() {
                if rival == chosen {
                    continue;
                }
                let theirs = self.score(rival, field);
                if theirs <= 0 || (theirs as f32) < 0.4 * mine as f32 {
                    continue;
                }
                let ev = &self.evidence[rival];
                let why = if ev.cells > 0 && ev.share_for(field) >= 0.5 {
                    Rivalry::Content
                } else if self
                    .slot(field)
                    .is_some_and(|s| self.header[rival][s] >= header_points(HeaderKind::Alias))
                {
                    Rivalry::Header
                } else {
                    continue;
                };
                out.push(Competition {
                    field,
                    chosen,
                    rival,
                    why,
                });
            }
        }
        out
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::read;

    #[test]
    fn username_column_feeds_user_names_only_where_the_target_has_them() {
        let t = read(
            b"username,email,password,name\n\
              jdoe,john@example.com,S3cret!1,John Doe\n\
              asmith,ann@example.com,S3cret!2,Ann Smith\n",
        )
        .unwrap();
        let with = [Field::Username, Field::Email, Field::Password, Field::Name];
        assert_eq!(
            Mapping::auto_for(&t, builtin_specs(&with)).columns,
            [
                Some(Field::Username),
                Some(Field::Email),
                Some(Field::Password),
                Some(Field::Name)
            ]
        );
        // Aurora and Mumara sign in with the address: the column is ignored, as before.
        assert_eq!(Mapping::auto(&t).columns[0], None);
    }

    #[test]
    fn a_login_column_of_addresses_is_never_a_user_name() {
        let t =
            read(b"Login,Password\njohn@example.com,S3cret!1\nann@example.com,S3cret!2\n").unwrap();
        let with = [Field::Username, Field::Email, Field::Password];
        assert_eq!(
            Mapping::auto_for(&t, builtin_specs(&with)).columns,
            [Some(Field::Email), Some(Field::Password)]
        );
    }

    #[test]
    fn headerless_seed_maps_email_then_password() {
        let t = read(b"a@localhost | p123\n").unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(m.columns, [Some(Field::Email), Some(Field::Password)]);
        let row = m.apply(&t.records[0]);
        assert_eq!(row.get(Field::Email), "a@localhost");
        assert_eq!(row.get(Field::Password), "p123");
    }

    #[test]
    fn headerless_password_first() {
        let t = read(b"p123,a@localhost\n").unwrap();
        assert_eq!(
            Mapping::auto(&t).columns,
            [Some(Field::Password), Some(Field::Email)]
        );
    }

    #[test]
    fn header_aliases() {
        let t = read(b"Full Name;E-Mail;PWD;Notes\nAnn;ann@x.y;s3cret;hi\n").unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(
            m.columns,
            [
                Some(Field::Name),
                Some(Field::Email),
                Some(Field::Password),
                None
            ]
        );
        assert_eq!(m.column_of(Field::Password), Some(2));
    }

    #[test]
    fn short_record_reads_missing_fields_as_empty() {
        let t = read(b"email,password\nann@x.y\n").unwrap();
        let row = Mapping::auto(&t).apply(&t.records[0]);
        assert_eq!(row.get(Field::Password), "");
    }

    #[test]
    fn more_aliases() {
        for (header, field) in [
            ("E-Mail-Adresse", Some(Field::Email)),
            ("Mail", Some(Field::Email)),
            ("username@domain", Some(Field::Email)),
            ("User Principal Name", Some(Field::Email)),
            ("Kennwort", Some(Field::Password)),
            ("Given name", Some(Field::FirstName)),
            ("Surname", Some(Field::LastName)),
            ("Display name", Some(Field::Name)),
            ("Plan", Some(Field::PackageId)),
            ("TZ", Some(Field::Timezone)),
            ("Allowed IPs", Some(Field::LoginIps)),
            ("Tenant ID", Some(Field::TenantId)),
            ("Mailbox quota", Some(Field::QuotaMb)),
        ] {
            assert_eq!(field_of_header(header), field, "{header}");
        }
    }

    #[test]
    fn first_and_last_names_join_when_no_name_column() {
        let t = read(b"first name,last name,email\nAnn,Lee,a@x.y\n,Solo,b@x.y\n").unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(m.apply(&t.records[0]).get(Field::Name), "Ann Lee");
        assert_eq!(m.apply(&t.records[1]).get(Field::Name), "Solo");
    }

    #[test]
    fn header_with_unknown_names_still_finds_the_address_column() {
        let t = read(b"Adresse,Geheim\na@x.y,p\n").unwrap();
        assert!(t.header.is_some());
        assert_eq!(Mapping::auto(&t).columns, [Some(Field::Email), None]);
    }

    #[test]
    fn headerless_timezone_and_ip_columns_by_content() {
        let t = read(b"a@x.y,+05:00,10.0.0.1\nb@x.y,-03:30,\"10.0.0.2,::1\"\n").unwrap();
        assert_eq!(
            Mapping::auto(&t).columns,
            [
                Some(Field::Email),
                Some(Field::Timezone),
                Some(Field::LoginIps)
            ]
        );
    }

    #[test]
    fn memory_holds_field_names_only() {
        let t = read(b"Mail,Kennwort,Notes\nann@x.y,s3cret,hello\n").unwrap();
        let m = Mapping::auto(&t);
        let memory = m.to_memory();
        assert_eq!(memory, "email,password,");
        assert_eq!(
            Mapping::memory_key(&t),
            "header:mail\u{1f}kennwort\u{1f}notes"
        );
        assert!(!memory.contains("s3cret") && !Mapping::memory_key(&t).contains("ann"));
        assert_eq!(Mapping::from_memory(&memory, 3), Some(m));
        assert_eq!(Mapping::from_memory(&memory, 2), None);
        assert_eq!(Mapping::from_memory("email,bogus,", 3), None);
    }

    #[test]
    fn fold_ignores_normal_form_case_and_diacritics() {
        let nfc = "Pr\u{e9}nom";
        let nfd = "Pre\u{301}nom";
        assert_ne!(nfc, nfd);
        for h in [nfc, nfd, "Prenom", "PRÉNOM", " prénom ", "pré-nom"] {
            assert_eq!(fold(h), "prenom", "{h:?}");
        }
        assert_eq!(fold("E-Mail-Adresse"), "emailadresse");
        assert_eq!(fold("Postfachgröße"), "postfachgrosse");
        assert_eq!(fold("Contraseña"), "contrasena");
        assert_eq!(fold("Œuvre"), "oeuvre");
        assert_eq!(fold("quota (MB)"), "quotamb");
        assert_eq!(fold("!!"), "");
    }

    /// What the well-kept crate says: canonical decomposition, marks dropped, lower case.
    fn reference_fold(text: &str) -> String {
        use unicode_normalization::char::is_combining_mark;
        use unicode_normalization::UnicodeNormalization;
        text.nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .filter(|c| c.is_alphanumeric())
            .collect()
    }

    #[test]
    fn the_latin_table_agrees_with_unicode_decomposition() {
        let mut checked = 0;
        for c in ('\u{c0}'..='\u{17f}').chain('A'..='Z').chain('a'..='z') {
            let text = c.to_string();
            let reference = reference_fold(&text);
            let mine = fold(&text);
            // Letters with no decomposition (Æ, Ø, Ł, Đ, ß, Þ, Œ, Ĳ, ı, ĸ, ŉ's n) keep
            // their shape in the crate; the table writes them in plain letters.
            if reference.is_ascii() {
                assert_eq!(mine, reference, "{c:?} U+{:04X}", c as u32);
                checked += 1;
            } else {
                assert!(
                    mine.chars().all(|m| m.is_ascii_lowercase()) || matches!(c, '×' | '÷'),
                    "{c:?} U+{:04X} folds to {mine:?}",
                    c as u32
                );
            }
        }
        assert!(checked > 150, "{checked}");
        // NFD text: marks dropped, so it reads as the NFC text does.
        for name in crate::input::aliases::ALIASES
            .iter()
            .flat_map(|a| a.names.iter())
        {
            use unicode_normalization::UnicodeNormalization;
            let nfd: String = name.nfd().collect();
            let nfc: String = name.nfc().collect();
            assert_eq!(fold(&nfd), fold(&nfc), "{name:?}");
            let reference = reference_fold(&nfc);
            if reference.is_ascii() {
                assert_eq!(fold(&nfc), reference, "{name:?}");
            }
        }
    }

    #[test]
    fn nfc_nfd_and_plain_headers_all_map() {
        for h in ["Pr\u{e9}nom", "Pre\u{301}nom", "Prenom", "PRENOM"] {
            assert_eq!(field_of_header(h), Some(Field::FirstName), "{h:?}");
        }
        for h in ["Mot de passe", "MOT_DE_PASSE", "mot-de-passe"] {
            assert_eq!(field_of_header(h), Some(Field::Password), "{h:?}");
        }
    }

    #[test]
    fn no_name_in_the_alias_table_means_two_fields() {
        let mut seen: std::collections::HashMap<String, Field> = Default::default();
        for a in crate::input::aliases::ALIASES {
            for name in a.names {
                let key = fold(name);
                assert!(!key.is_empty(), "{name:?} folds to nothing");
                if let Some(other) = seen.insert(key.clone(), a.field) {
                    assert_eq!(other, a.field, "{name:?} ({key}) names two fields");
                }
            }
        }
    }

    #[test]
    fn every_language_covers_every_field_the_issue_names() {
        use crate::input::aliases::{Lang, Tier, ALIASES};
        for lang in [
            Lang::En,
            Lang::De,
            Lang::Fr,
            Lang::Es,
            Lang::It,
            Lang::Pt,
            Lang::Nl,
        ] {
            let has = |field: Field, tier: Option<Tier>| {
                ALIASES.iter().any(|a| {
                    (a.lang == lang || (lang == Lang::En && a.tier == Tier::Exact))
                        && a.field == field
                        && tier.is_none_or(|t| a.tier == t)
                        && !a.names.is_empty()
                })
            };
            for field in [
                Field::FirstName,
                Field::LastName,
                Field::Name,
                Field::Email,
                Field::Password,
                Field::Role,
                Field::QuotaMb,
                Field::PackageId,
                Field::Timezone,
            ] {
                assert!(has(field, None), "{lang:?} lacks {field:?}");
            }
            assert!(
                has(Field::Email, Some(Tier::Login)),
                "{lang:?} lacks a login name"
            );
        }
    }

    fn expect_headers(pairs: &[(&str, Field)]) {
        for (header, field) in pairs {
            assert_eq!(field_of_header(header), Some(*field), "{header:?}");
        }
    }

    #[test]
    fn english_headers() {
        expect_headers(&[
            ("First Name", Field::FirstName),
            ("Last Name", Field::LastName),
            ("Full Name", Field::Name),
            ("E-mail address", Field::Email),
            ("Password", Field::Password),
            ("Username", Field::Email),
            ("Role", Field::Role),
            ("Quota", Field::QuotaMb),
            ("Package", Field::PackageId),
            ("Time zone", Field::Timezone),
        ]);
    }

    #[test]
    fn german_headers() {
        expect_headers(&[
            ("Vorname", Field::FirstName),
            ("Nachname", Field::LastName),
            ("Vollständiger Name", Field::Name),
            ("E-Mail-Adresse", Field::Email),
            ("Passwort", Field::Password),
            ("Benutzername", Field::Email),
            ("Rolle", Field::Role),
            ("Kontingent", Field::QuotaMb),
            ("Paket", Field::PackageId),
            ("Zeitzone", Field::Timezone),
        ]);
    }

    #[test]
    fn french_headers() {
        expect_headers(&[
            ("Prénom", Field::FirstName),
            ("Nom de famille", Field::LastName),
            ("Nom complet", Field::Name),
            ("Adresse e-mail", Field::Email),
            ("Mot de passe", Field::Password),
            ("Nom d'utilisateur", Field::Email),
            ("Rôle", Field::Role),
            ("Quota", Field::QuotaMb),
            ("Forfait", Field::PackageId),
            ("Fuseau horaire", Field::Timezone),
        ]);
    }

    #[test]
    fn spanish_headers() {
        expect_headers(&[
            ("Nombre", Field::FirstName),
            ("Apellidos", Field::LastName),
            ("Nombre completo", Field::Name),
            ("Correo electrónico", Field::Email),
            ("Contraseña", Field::Password),
            ("Nombre de usuario", Field::Email),
            ("Rol", Field::Role),
            ("Cuota", Field::QuotaMb),
            ("Paquete", Field::PackageId),
            ("Zona horaria", Field::Timezone),
        ]);
    }

    #[test]
    fn italian_headers() {
        expect_headers(&[
            ("Nome", Field::FirstName),
            ("Cognome", Field::LastName),
            ("Nome completo", Field::Name),
            ("Indirizzo e-mail", Field::Email),
            ("Parola d'ordine", Field::Password),
            ("Nome utente", Field::Email),
            ("Ruolo", Field::Role),
            ("Quota di archiviazione", Field::QuotaMb),
            ("Pacchetto", Field::PackageId),
            ("Fuso orario", Field::Timezone),
        ]);
    }

    #[test]
    fn portuguese_headers() {
        expect_headers(&[
            ("Primeiro nome", Field::FirstName),
            ("Sobrenome", Field::LastName),
            ("Nome completo", Field::Name),
            ("Endereço de e-mail", Field::Email),
            ("Senha", Field::Password),
            ("Nome de usuário", Field::Email),
            ("Função", Field::Role),
            ("Cota", Field::QuotaMb),
            ("Pacote", Field::PackageId),
            ("Fuso horário", Field::Timezone),
        ]);
    }

    #[test]
    fn dutch_headers() {
        expect_headers(&[
            ("Voornaam", Field::FirstName),
            ("Achternaam", Field::LastName),
            ("Volledige naam", Field::Name),
            ("E-mailadres", Field::Email),
            ("Wachtwoord", Field::Password),
            ("Gebruikersnaam", Field::Email),
            ("Rol", Field::Role),
            ("Quotum", Field::QuotaMb),
            ("Pakket", Field::PackageId),
            ("Tijdzone", Field::Timezone),
        ]);
    }

    #[test]
    fn header_kinds_rank_exact_alias_login_partial() {
        assert_eq!(header_kinds("EMAIL"), [(Field::Email, HeaderKind::Exact)]);
        assert_eq!(
            header_kinds("Courriel"),
            [(Field::Email, HeaderKind::Alias)]
        );
        assert_eq!(header_kinds("Login"), [(Field::Email, HeaderKind::Login)]);
        assert_eq!(
            header_kinds("Personal e-mail of the manager"),
            [(Field::Email, HeaderKind::Partial)]
        );
        // Without its annotation, "Work e-mail (primary)" is an alias.
        assert_eq!(
            header_kinds("Work e-mail (primary)"),
            [(Field::Email, HeaderKind::Alias)]
        );
        // A whole name wins over the names inside it: "Username" is no "name" column.
        assert_eq!(
            header_kinds("User name"),
            [(Field::Email, HeaderKind::Login)]
        );
        assert_eq!(header_kinds("Filename"), []);
        assert_eq!(header_kinds("Notes"), []);
    }

    #[test]
    fn login_of_other_addresses_never_takes_email_from_a_column_named_email() {
        let t = read(
            b"Login,Email,Password,Name\n\
              jdoe@corp.example,john@example.com,S3cret!1,John Doe\n\
              asmith@corp.example,ann@example.com,S3cret!2,Ann Smith\n",
        )
        .unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(
            m.columns,
            [
                None,
                Some(Field::Email),
                Some(Field::Password),
                Some(Field::Name)
            ]
        );
        let c = m.competitions(&t);
        assert_eq!(
            c,
            [Competition {
                field: Field::Email,
                chosen: 1,
                rival: 0,
                why: Rivalry::Content
            }]
        );
        assert_eq!(
            c[0].message(&t),
            "Email: column \"Email\" chosen; column \"Login\" also holds addresses."
        );
    }

    #[test]
    fn a_column_named_email_wins_even_when_empty() {
        let t = read(b"Login,Email,Password\njdoe@corp.example,,pw1\n").unwrap();
        assert_eq!(
            Mapping::auto(&t).columns,
            [None, Some(Field::Email), Some(Field::Password)]
        );
    }

    #[test]
    fn a_login_column_of_addresses_feeds_the_address_when_nothing_better_does() {
        let t = read(b"Login,Password\njdoe@corp.example,pw1\n").unwrap();
        assert_eq!(
            Mapping::auto(&t).columns,
            [Some(Field::Email), Some(Field::Password)]
        );
        // A login column of user names does not: the column of addresses does.
        let t = read(b"Username,Contact,Password\njdoe,jdoe@x.example,pw1\n").unwrap();
        assert_eq!(
            Mapping::auto(&t).columns,
            [None, Some(Field::Email), Some(Field::Password)]
        );
    }

    #[test]
    fn headerless_columns_by_content() {
        let t = read(
            b"jdoe,jdoe@corp.example,S3cret!x,John Doe\n\
              asmith,ann@corp.example,Pa55word,Ann Smith\n",
        )
        .unwrap();
        assert!(t.header.is_none());
        assert_eq!(
            Mapping::auto(&t).columns,
            [
                None,
                Some(Field::Email),
                Some(Field::Password),
                Some(Field::Name)
            ]
        );
    }

    #[test]
    fn the_assignment_is_global_not_greedy() {
        // Column 0 scores best for Email, but only column 0 can feed the first name:
        // a greedy pass would leave "Prénom" unmapped.
        let mut s = Scores {
            header: vec![[0; SLOTS]; 2],
            total: vec![[0; SLOTS]; 2],
            custom: Vec::new(),
            evidence: vec![Evidence::default(); 2],
            kinds: vec![Vec::new(); 2],
            headerless: false,
        };
        s.total[0][Field::Email.builtin_index().unwrap()] = 100;
        s.total[0][Field::FirstName.builtin_index().unwrap()] = 90;
        s.total[1][Field::Email.builtin_index().unwrap()] = 95;
        assert_eq!(
            s.best().columns,
            [Some(Field::FirstName), Some(Field::Email)]
        );
    }

    #[test]
    fn equal_scores_go_to_the_earlier_column() {
        let t = read(b"a@x.y,b@x.y,c@x.y\nd@x.y,e@x.y,f@x.y\n").unwrap();
        assert_eq!(Mapping::auto(&t).columns, [Some(Field::Email), None, None]);
        let c = Mapping::auto(&t).competitions(&t);
        assert_eq!(
            c.iter().map(|c| c.rival).collect::<Vec<_>>(),
            [1, 2],
            "both other columns hold addresses"
        );
        assert_eq!(
            c[0].message(&t),
            "Email: column 1 chosen; column 2 also holds addresses."
        );
    }

    #[test]
    fn an_edited_mapping_is_explained_too() {
        let t = read(b"Email,Courriel,Password\na@x.y,b@x.y,p1\n").unwrap();
        let auto = Mapping::auto(&t);
        assert_eq!(
            auto.columns,
            [Some(Field::Email), None, Some(Field::Password)]
        );
        let edited = Mapping {
            columns: vec![None, Some(Field::Email), Some(Field::Password)],
            secret: Vec::new(),
        };
        assert_eq!(
            edited
                .competitions(&t)
                .iter()
                .map(|c| c.message(&t))
                .collect::<Vec<_>>(),
            ["Email: column \"Courriel\" chosen; column \"Email\" also holds addresses."]
        );
    }

    #[test]
    fn no_note_without_a_close_call() {
        let t = read(b"Email,Password,First name,Last name\na@x.y,p1,Ann,Lee\n").unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(
            m.columns,
            [
                Some(Field::Email),
                Some(Field::Password),
                Some(Field::FirstName),
                Some(Field::LastName)
            ]
        );
        assert_eq!(m.competitions(&t), []);
    }
}
