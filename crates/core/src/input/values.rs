//! Values in words: a field with fixed values (Aurora's role, a profile's enum, see
//! [`FieldSpec::values`]) is often given in words (`user`, `Tenant admin`, `Kunde`). A
//! word that is a value's own, its label or one of its aliases (folded like headers, see
//! [`fold`]) maps without help; the admin maps any other word ([`ValueChoice`], kept in
//! the [`Mapping`] and remembered with it). [`found_values`] lists the distinct words of
//! each mapped fixed-value column, for the page's panel and the command line's summary.

use serde::{Deserialize, Serialize};

use crate::input::field::Field;
use crate::input::map::Mapping;
use crate::input::names::fold;
use crate::input::read::Table;
use crate::input::spec::{FieldSpec, FieldValue};

/// The most distinct words listed for one column: a fixed-value column has few; more
/// means the column holds something else.
pub const MAX_WORDS: usize = 50;

/// The admin's say on one word of a fixed-value column: `word` means `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueChoice {
    #[serde(with = "crate::input::spec::label")]
    pub field: Field,
    /// The word as the file writes it (compared folded).
    pub word: String,
    /// The value it is sent as.
    pub value: String,
}

/// The value `word` means among `values` without help: a value itself, or the one value
/// whose value, label or alias it is (folded: case, accents and signs aside). `None`
/// when it is none of them, or more than one.
pub fn obvious_value<'v>(values: &'v [FieldValue], word: &str) -> Option<&'v str> {
    let word = word.trim();
    if word.is_empty() {
        return None;
    }
    if let Some(v) = values.iter().find(|v| v.value == word) {
        return Some(&v.value);
    }
    let key = fold(word);
    if key.is_empty() {
        return None;
    }
    let mut found = values.iter().filter(|v| {
        fold(&v.value) == key || fold(&v.label) == key || v.aliases.iter().any(|a| fold(a) == key)
    });
    match (found.next(), found.next()) {
        (Some(v), None) => Some(&v.value),
        _ => None,
    }
}

/// How a word of a fixed-value column is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meaning {
    /// As the admin chose.
    Chosen(String),
    /// As it obviously means (a value, its label or alias).
    Obvious(String),
    /// Not known: the rows that hold it are invalid until the admin maps it.
    Unknown,
}

impl Meaning {
    /// The value sent, when known.
    pub fn value(&self) -> Option<&str> {
        match self {
            Meaning::Chosen(v) | Meaning::Obvious(v) => Some(v),
            Meaning::Unknown => None,
        }
    }
}

/// What `word` of `spec`'s column means under `mapping`: the admin's choice first, then
/// the obvious value.
pub fn meaning(mapping: &Mapping, spec: &FieldSpec, word: &str) -> Meaning {
    if let Some(v) = mapping.chosen_value(spec.field, word) {
        return Meaning::Chosen(v.to_owned());
    }
    obvious_value(&spec.values, word).map_or(Meaning::Unknown, |v| Meaning::Obvious(v.into()))
}

/// One distinct word of a fixed-value column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundWord {
    /// As first written in the file (trimmed).
    pub word: String,
    /// How many rows hold it.
    pub rows: usize,
    pub meaning: Meaning,
}

/// The distinct words of one mapped fixed-value column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundValues {
    pub field: Field,
    pub column: usize,
    /// The field's declaration (its title and values).
    pub spec: FieldSpec,
    /// In the order first found; at most [`MAX_WORDS`].
    pub words: Vec<FoundWord>,
    /// Whether the column holds more distinct words than those listed.
    pub more: bool,
}

impl FoundValues {
    /// The words no value is known for.
    pub fn unknown(&self) -> impl Iterator<Item = &FoundWord> {
        self.words.iter().filter(|w| w.meaning == Meaning::Unknown)
    }
}

/// How many words as written [`found_values`] remembers, to count them without folding.
const SEEN_AS_WRITTEN: usize = 4 * MAX_WORDS;

/// The distinct non-empty words of every mapped column whose field has fixed values
/// among `specs` (a target's declarations), with what each means under `mapping`.
pub fn found_values(table: &Table, mapping: &Mapping, specs: &[FieldSpec]) -> Vec<FoundValues> {
    specs
        .iter()
        .filter(|s| !s.values.is_empty() && !s.is_secret())
        .filter_map(|spec| {
            let column = mapping.column_of(spec.field)?;
            let mut words: Vec<(String, FoundWord)> = Vec::new();
            let mut more = false;
            // A column's cells repeat a few words as written: a word seen before is
            // counted without folding it again (a fold allocates; a million rows folded
            // at once froze the page for 150 ms).
            let mut seen: Vec<(&str, usize)> = Vec::new();
            for record in &table.records {
                let word = record.fields.get(column).unwrap_or_default().trim();
                if word.is_empty() {
                    continue;
                }
                if let Some(&(_, at)) = seen.iter().find(|(w, _)| *w == word) {
                    words[at].1.rows += 1;
                    continue;
                }
                let key = fold(word);
                let key = if key.is_empty() { word.to_owned() } else { key };
                let at = match words.iter().position(|(k, _)| *k == key) {
                    Some(at) => {
                        words[at].1.rows += 1;
                        at
                    }
                    None if words.len() < MAX_WORDS => {
                        words.push((
                            key,
                            FoundWord {
                                word: word.to_owned(),
                                rows: 1,
                                meaning: meaning(mapping, spec, word),
                            },
                        ));
                        words.len() - 1
                    }
                    None => {
                        more = true;
                        continue;
                    }
                };
                if seen.len() < SEEN_AS_WRITTEN {
                    seen.push((word, at));
                }
            }
            Some(FoundValues {
                field: spec.field,
                column,
                spec: spec.clone(),
                words: words.into_iter().map(|(_, w)| w).collect(),
                more,
            })
        })
        .collect()
}

/// Why `word` is no value of `spec`, for a row's problem: the values it takes and how
/// to map it.
pub fn unknown_word_problem(spec: &FieldSpec, word: &str) -> String {
    let choices: Vec<String> = spec.values.iter().map(FieldValue::choice).collect();
    format!(
        "\"{word}\" is no {} Roster knows ({}): choose what it means under Values, below the columns",
        spec.title(),
        choices.join(", ")
    )
}

/// Reads a command line's `FIELD:WORD=VALUE` (`Role:user=2`): the field by its id, label
/// or title among `specs` (folded), the value by itself or its label. The error says
/// what is wrong in words.
pub fn parse_choice(text: &str, specs: &[FieldSpec]) -> Result<ValueChoice, String> {
    let (name, rest) = text
        .split_once(':')
        .ok_or_else(|| format!("\"{text}\" is not FIELD:WORD=VALUE (e.g. Role:user=2)"))?;
    let (word, value) = rest
        .rsplit_once('=')
        .ok_or_else(|| format!("\"{text}\" is not FIELD:WORD=VALUE (e.g. Role:user=2)"))?;
    let key = fold(name);
    let spec = specs
        .iter()
        .filter(|s| !s.values.is_empty())
        .find(|s| fold(s.field.label()) == key || fold(s.title()) == key)
        .ok_or_else(|| {
            let names: Vec<&str> = specs
                .iter()
                .filter(|s| !s.values.is_empty())
                .map(FieldSpec::title)
                .collect();
            format!(
                "\"{name}\" is no field with fixed values here (these have them: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )
        })?;
    let word = word.trim();
    if word.is_empty() {
        return Err(format!("\"{text}\" names no word before ="));
    }
    let value = spec
        .values
        .iter()
        .find(|v| v.value == value.trim())
        .or_else(|| spec.values.iter().find(|v| fold(&v.label) == fold(value)))
        .ok_or_else(|| {
            let choices: Vec<String> = spec.values.iter().map(FieldValue::choice).collect();
            format!(
                "\"{}\" is not a value of {} ({})",
                value.trim(),
                spec.title(),
                choices.join(", ")
            )
        })?;
    Ok(ValueChoice {
        field: spec.field,
        word: word.to_owned(),
        value: value.value.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::read;

    fn role() -> FieldSpec {
        crate::targets::aurora::role_spec()
    }

    #[test]
    fn obvious_words_map_in_every_language_the_aliases_cover() {
        let r = role();
        for (word, value) in [
            ("user", "2"),
            ("User", "2"),
            ("Normal user", "2"),
            ("NormalUser", "2"),
            ("Tenant admin", "1"),
            ("TenantAdmin", "1"),
            ("2", "2"),
            (" 3 ", "3"),
            ("Benutzer", "2"),
            ("Kunde", "3"),
            ("utilisateur", "2"),
            ("usuario", "2"),
            ("cliente", "3"),
            ("utente", "2"),
            ("usuário", "2"),
            ("gebruiker", "2"),
            ("klant", "3"),
            ("Customer", "3"),
        ] {
            assert_eq!(obvious_value(&r.values, word), Some(value), "{word}");
        }
        // A word that grants rights is never guessed: "admin" is the admin's to map.
        for word in [
            "boss",
            "",
            "0",
            "SuperAdmin",
            "-",
            "admin",
            "Administrator",
            "Administrateur",
        ] {
            assert_eq!(obvious_value(&r.values, word), None, "{word}");
        }
    }

    #[test]
    fn a_word_two_values_claim_is_not_obvious() {
        let values = [
            FieldValue::new("a", "A", &["x"]),
            FieldValue::new("b", "B", &["X"]),
        ];
        assert_eq!(obvious_value(&values, "x"), None);
        assert_eq!(obvious_value(&values, "a"), Some("a"));
    }

    #[test]
    fn the_distinct_words_of_a_column_with_their_meaning_and_the_admins_choice() {
        let t = read(
            "E-mail,Password,Role\n\
             a@x.org,p,user\n\
             b@x.org,p,Tenant admin\n\
             c@x.org,p,Kunde\n\
             d@x.org,p,USER\n\
             e@x.org,p,boss\n\
             f@x.org,p,\n"
                .as_bytes(),
        )
        .unwrap();
        let specs = vec![FieldSpec::required(Field::Email), role()];
        let mut m = Mapping {
            columns: vec![Some(Field::Email), Some(Field::Password), Some(Field::Role)],
            ..Mapping::default()
        };
        let found = found_values(&t, &m, &specs);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!((f.field, f.column, f.more), (Field::Role, 2, false));
        let seen: Vec<(&str, usize, Option<&str>)> = f
            .words
            .iter()
            .map(|w| (w.word.as_str(), w.rows, w.meaning.value()))
            .collect();
        assert_eq!(
            seen,
            [
                ("user", 2, Some("2")),
                ("Tenant admin", 1, Some("1")),
                ("Kunde", 1, Some("3")),
                ("boss", 1, None)
            ]
        );
        assert_eq!(f.unknown().count(), 1);
        m.choose_value(Field::Role, "Boss", Some("1"));
        let f = &found_values(&t, &m, &specs)[0];
        assert_eq!(f.words[3].meaning, Meaning::Chosen("1".into()));
        // The admin's say wins over the obvious meaning, and can be taken back.
        m.choose_value(Field::Role, "user", Some("3"));
        assert_eq!(
            found_values(&t, &m, &specs)[0].words[0].meaning,
            Meaning::Chosen("3".into())
        );
        m.choose_value(Field::Role, "USER", None);
        assert_eq!(
            found_values(&t, &m, &specs)[0].words[0].meaning,
            Meaning::Obvious("2".into())
        );
        // An unmapped column lists nothing.
        m.columns[2] = None;
        assert!(found_values(&t, &m, &specs).is_empty());
    }

    #[test]
    fn a_command_lines_value_choice_names_the_field_and_the_value_in_words_or_numbers() {
        let specs = vec![FieldSpec::required(Field::Email), role()];
        let want = ValueChoice {
            field: Field::Role,
            word: "boss".into(),
            value: "1".into(),
        };
        assert_eq!(parse_choice("Role:boss=1", &specs), Ok(want.clone()));
        assert_eq!(parse_choice("role: boss = Tenant admin", &specs), Ok(want));
        assert_eq!(
            parse_choice("Role:a=b=2", &specs).map(|c| c.word),
            Ok("a=b".into())
        );
        for bad in ["Role", "Role:boss", "Email:x=1", "Role:=1", "Role:boss=9"] {
            assert!(parse_choice(bad, &specs).is_err(), "{bad}");
        }
        assert!(parse_choice("Role:boss=9", &specs)
            .unwrap_err()
            .contains("1 Tenant admin, 2 Normal user, 3 Customer"));
    }

    /// The words and counts as folding every cell finds them (what `found_values` did
    /// before it counted a word seen as written without folding it again).
    fn folding_every_cell(cells: &[String]) -> (Vec<(String, usize)>, bool) {
        let mut words: Vec<(String, String, usize)> = Vec::new();
        let mut more = false;
        for word in cells.iter().map(|c| c.trim()).filter(|w| !w.is_empty()) {
            let key = fold(word);
            let key = if key.is_empty() { word.to_owned() } else { key };
            match words.iter().position(|(k, _, _)| *k == key) {
                Some(at) => words[at].2 += 1,
                None if words.len() < MAX_WORDS => words.push((key, word.to_owned(), 1)),
                None => more = true,
            }
        }
        (words.into_iter().map(|(_, w, n)| (w, n)).collect(), more)
    }

    proptest::proptest! {
        /// A column of words in any case and accents, more distinct ones than are listed
        /// too: the words, their first spelling, their counts and `more` are those that
        /// folding every cell gives.
        #[test]
        fn counting_words_as_written_finds_what_folding_every_cell_finds(
            cells in proptest::collection::vec("(user|USER|Usér|u\\u{0301}ser|x[0-9]{1,2}| ?|Kunde )", 1..400),
        ) {
            let mut text = String::from("E-mail,Role\n");
            for (i, c) in cells.iter().enumerate() {
                text.push_str(&format!("r{i}@x.org,{c}\n"));
            }
            let t = read(text.as_bytes()).unwrap();
            let m = Mapping {
                columns: vec![Some(Field::Email), Some(Field::Role)],
                ..Mapping::default()
            };
            let found = found_values(&t, &m, &[FieldSpec::required(Field::Email), role()]);
            let listed: Vec<String> = t.records.iter().map(|r| r.fields.get(1).unwrap_or_default().to_owned()).collect();
            let (want, more) = folding_every_cell(&listed);
            let got: Vec<(String, usize)> = found[0].words.iter().map(|w| (w.word.clone(), w.rows)).collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(found[0].more, more);
        }

        /// Any cell and any command-line text: no panic; a word's meaning is one of the
        /// field's values or none; a choice survives the memory.
        #[test]
        fn any_word_maps_to_a_value_or_none_and_never_panics(
            word in "\\PC{0,40}",
            text in "\\PC{0,40}",
        ) {
            let r = role();
            if let Some(v) = obvious_value(&r.values, &word) {
                proptest::prop_assert!(r.values.iter().any(|x| x.value == v));
            }
            let _ = parse_choice(&text, std::slice::from_ref(&r));
            let mut m = Mapping {
                columns: vec![Some(Field::Role)],
                ..Mapping::default()
            };
            m.choose_value(Field::Role, &word, Some("2"));
            let back = Mapping::from_memory(&m.to_memory(), 1).unwrap();
            if !word.trim().is_empty() {
                proptest::prop_assert_eq!(back.chosen_value(Field::Role, &word), Some("2"));
            }
        }
    }
}
