//! Mapping the file's columns onto the fields a target needs.

use serde::{Deserialize, Serialize};

pub use crate::input::field::{Field, MappedRow, UserRow};
pub use crate::input::guess::{mask, Competition, Guess, Rivalry, GUARDED};
pub use crate::input::names::{field_of_header, fold, header_kinds, header_match, HeaderKind};
use crate::input::read::{Fields, Record, Table};
pub use crate::input::spec::FieldSpec;
use crate::input::values::ValueChoice;

/// Between the columns and the admin's value choices in [`Mapping::to_memory`].
const VALUES_MARK: char = '\u{1e}';
/// Between the parts of one remembered value choice.
const PART_MARK: char = '\u{1f}';

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
    /// The admin's say on words of fixed-value columns (`user` means role 2), beyond
    /// those that map without help (see [`crate::input::values`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueChoice>,
}

impl Mapping {
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

    /// Unmaps every column whose field the target never sends (issue 27: Aurora's
    /// `Core.CreateUser` takes no name, so a "First name" column would be offered and
    /// mapped for nothing). `fields` are the target's mapped fields.
    pub fn keep_only(&mut self, fields: &[FieldSpec]) {
        for c in self.columns.iter_mut() {
            if c.is_some_and(|f| !fields.iter().any(|s| s.field == f)) {
                *c = None;
            }
        }
    }

    /// The columns that feed no field, by name ("first name", "column 3"): the file
    /// summary says they are not imported.
    pub fn not_imported(&self, table: &crate::input::read::Table) -> Vec<String> {
        let own = crate::run::retry::steps_column(table);
        (0..table.width)
            .filter(|&c| self.columns.get(c).copied().flatten().is_none() && Some(c) != own)
            .map(|c| match table.header.as_ref().and_then(|h| h.get(c)) {
                Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
                _ => format!("column {}", c + 1),
            })
            .collect()
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

    /// Notes that `word` of `field`'s column means `value` (`None`: takes the admin's
    /// say back, so that it means what it obviously means, if anything). Words are
    /// compared folded (case, accents and signs aside).
    pub fn choose_value(&mut self, field: Field, word: &str, value: Option<&str>) {
        let key = fold(word.trim());
        self.values
            .retain(|c| !(c.field == field && fold(c.word.trim()) == key));
        if let Some(value) = value {
            self.values.push(ValueChoice {
                field,
                word: word.trim().to_owned(),
                value: value.to_owned(),
            });
        }
    }

    /// The value the admin chose for `word` of `field`'s column, if any.
    pub fn chosen_value(&self, field: Field, word: &str) -> Option<&str> {
        let word = word.trim();
        if word.is_empty() || !self.values.iter().any(|c| c.field == field) {
            return None;
        }
        let key = fold(word);
        self.values
            .iter()
            .find(|c| c.field == field && (c.word == word || fold(&c.word) == key))
            .map(|c| c.value.as_str())
    }

    /// The column index that feeds `field`, if any.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(field))
    }

    /// The raw values of one record, by field. Without a name column, first and last
    /// name columns are joined into the name.
    pub fn apply<'a>(&self, record: &'a Record) -> MappedRow<'a> {
        self.apply_fields(u64::from(record.line), &record.fields)
    }

    /// [`Mapping::apply`] on a record's fields. The values borrow from the fields; only a
    /// name joined from first and last names is a new string.
    pub fn apply_fields<'a>(&self, line: u64, fields: &'a Fields) -> MappedRow<'a> {
        let mut row = MappedRow::new(line);
        for (i, f) in self.columns.iter().enumerate() {
            if let Some(f) = f {
                let cell = fields.get(i).unwrap_or_default();
                match self.chosen_value(*f, cell) {
                    Some(value) => row.set(*f, value.to_owned()),
                    None => row.set(*f, cell),
                }
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
    /// one per column, comma-separated ("" for an ignored column), then the admin's value
    /// choices (field, word, value) when there are any. No data value but the words of
    /// fixed-value columns (a role's `user`), never a secret field's.
    pub fn to_memory(&self) -> String {
        let mut memory = self
            .columns
            .iter()
            .map(|c| c.as_ref().map_or("", Field::label))
            .collect::<Vec<_>>()
            .join(",");
        for c in self.values.iter().filter(|c| !self.is_secret(c.field)) {
            let clean = |s: &str| s.replace([VALUES_MARK, PART_MARK], " ");
            memory.push(VALUES_MARK);
            memory.push_str(c.field.label());
            memory.push(PART_MARK);
            memory.push_str(&clean(&c.word));
            memory.push(PART_MARK);
            memory.push_str(&clean(&c.value));
        }
        memory
    }

    /// Reads [`Mapping::to_memory`] back, if it fits a table `width` columns wide and
    /// names built-in fields only.
    pub fn from_memory(memory: &str, width: usize) -> Option<Mapping> {
        let mut parts = memory.split(VALUES_MARK);
        let columns = parts.next().unwrap_or_default();
        let values = parts
            .filter_map(|c| {
                let mut p = c.split(PART_MARK);
                let (field, word, value) = (p.next()?, p.next()?, p.next()?);
                Some(ValueChoice {
                    field: Field::from_label(field)?,
                    word: word.to_owned(),
                    value: value.to_owned(),
                })
            })
            .filter(|c| !c.field.is_secret())
            .collect();
        let columns: Vec<Option<Field>> = columns
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
            values,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::evidence::Evidence;
    use crate::input::read::read;
    use crate::input::scores::{Scores, SLOTS};

    /// Aurora's CreateUser takes no name: a mapping made for another target (or
    /// remembered) keeps no column for a field Aurora never sends, and those columns
    /// are named as not imported (issue 27).
    #[test]
    fn a_field_the_target_never_sends_is_unmapped_and_its_column_named_not_imported() {
        let t = read(b"first name,last name,email,password\nAnn,Lee,ann@example.com,S3cret!1\n")
            .unwrap();
        let names = [
            Field::FirstName,
            Field::LastName,
            Field::Email,
            Field::Password,
        ];
        let mut m = Mapping::auto_for(&t, builtin_specs(&names));
        assert_eq!(m.columns[0], Some(Field::FirstName));
        assert!(m.not_imported(&t).is_empty());
        let aurora = crate::targets::TargetKind::by_id("aurora").unwrap();
        let rules = aurora.rules(&Default::default());
        assert!(!rules
            .mapped_fields()
            .iter()
            .any(|s| s.field == Field::FirstName));
        m.keep_only(&rules.mapped_fields());
        assert_eq!(
            m.columns,
            [None, None, Some(Field::Email), Some(Field::Password)]
        );
        assert_eq!(m.not_imported(&t), ["first name", "last name"]);
    }

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
            ..Mapping::default()
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
