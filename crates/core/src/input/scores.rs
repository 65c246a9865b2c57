//! Scoring every column for every field (its header and its content), and the
//! one-to-one assignment of fields to columns with the highest total: the automatic
//! mapping ([`Mapping::auto_for`]), its close calls and its guesses.

use crate::input::evidence::{Evidence, SAMPLE_ROWS};
use crate::input::field::Field;
use crate::input::guess::{Competition, Guess, Rivalry, GUARDED};
use crate::input::map::{builtin_specs, Mapping};
use crate::input::names::{declared_kind, header_kinds, HeaderKind};
use crate::input::read::Table;
use crate::input::spec::FieldSpec;

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
        // Roster's own column of a "rows to retry" file feeds no field.
        if let Some(c) = crate::run::retry::steps_column(table) {
            if let Some(slot) = mapping.columns.get_mut(c) {
                *slot = None;
            }
        }
        mapping.declare_secrets(fields);
        mapping
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
}

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
pub(crate) const SLOTS: usize = Field::ALL.len() + MAX_CUSTOM;
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
                // A built-in field's own names come from Roster's table; a target may add
                // a label and aliases of its own (scored like the table's aliases).
                for spec in declared.iter().filter(|s| s.field.is_builtin()) {
                    if spec.label.trim().is_empty() && spec.aliases.is_empty() {
                        continue;
                    }
                    let own = [spec.label.as_str()];
                    let kind =
                        declared_kind(name, &own, &spec.aliases).map(|k| k.min(HeaderKind::Alias));
                    if let Some(kind) = kind {
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
        crate::sort::sort_by_key(&mut live, |&(_, slot)| slot);
        if live.len() > 16 {
            let top = |slot: usize| (0..width).map(|c| self.total[c][slot]).max().unwrap_or(0);
            crate::sort::sort_by_key(&mut live, |&(_, slot)| std::cmp::Reverse(top(slot)));
            live.truncate(16);
            crate::sort::sort_by_key(&mut live, |&(_, slot)| slot);
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
            ..Mapping::default()
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
