//! Column names: a header folded to a key ([`fold`]) and matched against the alias
//! table ([`header_match`], [`header_kinds`]). Used by the mapping, and by the detection
//! of a header line.

use crate::input::aliases::{Tier, ALIASES};
use crate::input::field::Field;

/// A header's key for comparing names: diacritics dropped whether the letter comes
/// precomposed (NFC `é`) or as a letter and a combining mark (NFD `e` + U+0301), case
/// folded, and only letters and digits kept. `Prénom`, `PRENOM`, `prenom` → `prenom`;
/// `E-Mail` → `email`; `Straße` → `strasse`.
///
/// The precomposed letters folded are those of Latin-1 and Latin Extended-A (every
/// accented letter of the languages in the alias table, and most of Europe's); the tests
/// check each one against the `unicode-normalization` crate's decomposition. The crate
/// itself is not in the app: its tables cost far more of the bundle than headers need.
pub fn fold(text: &str) -> String {
    fold_words(text).concat()
}

/// The base letter of each precomposed letter from U+00C0 to U+017F: `-` for a sign that
/// is no letter (× ÷), `*` for a letter folded to two (see [`fold_char`]).
const LATIN_BASE: &[u8; 192] = b"aaaaaa*ceeeeiiiidnooooo-ouuuuy**\
aaaaaa*ceeeeiiiidnooooo-ouuuuy*y\
aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllllllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// Combining diacritical marks (NFD's accents), dropped.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// One character folded: `None` for a mark, a word break (`' '`) for anything that is
/// no letter or digit, else the lower-case letter(s) without diacritics.
fn fold_char(c: char, out: &mut impl FnMut(char)) {
    if is_mark(c) {
        return;
    }
    let two = match c {
        'Æ' | 'æ' => "ae",
        'ß' | 'ẞ' => "ss",
        'Þ' | 'þ' => "th",
        'Œ' | 'œ' => "oe",
        'Ĳ' | 'ĳ' => "ij",
        '\u{c0}'..='\u{17f}' => {
            let base = LATIN_BASE[c as usize - 0xc0];
            out(if base == b'-' { ' ' } else { char::from(base) });
            return;
        }
        c if c.is_alphanumeric() => {
            c.to_lowercase().for_each(&mut *out);
            return;
        }
        _ => " ",
    };
    two.chars().for_each(out);
}

/// [`fold`], split where the text had anything but a letter or a digit.
fn fold_words(text: &str) -> Vec<String> {
    let mut words = vec![String::new()];
    for c in text.chars() {
        fold_char(c, &mut |f| {
            if f != ' ' {
                words.last_mut().expect("one word").push(f);
            } else if !words.last().expect("one word").is_empty() {
                words.push(String::new());
            }
        });
    }
    if words.last().is_some_and(String::is_empty) {
        words.pop();
    }
    words
}

/// A header's own text, without the domain part of `username@domain`-style names.
fn header_text(header: &str) -> &str {
    let header = header.trim();
    match header.split_once('@') {
        Some((user, _)) if !user.trim().is_empty() => user,
        _ => header,
    }
}

/// The alias table, folded once.
struct FoldedAlias {
    key: String,
    words: Vec<String>,
    field: Field,
    tier: Tier,
}

fn folded_aliases() -> &'static [FoldedAlias] {
    static TABLE: std::sync::OnceLock<Vec<FoldedAlias>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        ALIASES
            .iter()
            .flat_map(|a| {
                a.names.iter().map(move |name| {
                    let words = fold_words(name);
                    FoldedAlias {
                        key: words.concat(),
                        words,
                        field: a.field,
                        tier: a.tier,
                    }
                })
            })
            .collect()
    })
}

/// The field a header names, and how strongly, when the whole header is a name from the
/// alias table.
pub fn header_match(header: &str) -> Option<(Field, Tier)> {
    let key = fold(header_text(header));
    if key.is_empty() {
        return None;
    }
    folded_aliases()
        .iter()
        .filter(|a| a.key == key)
        .map(|a| (a.field, a.tier))
        .max_by_key(|(_, tier)| *tier)
}

/// Recognises a column header by its name or an alias in any language of the
/// [alias table](super::aliases), after folding (see [`fold`]). Names that only contain
/// an alias (`Work e-mail (primary)`) are not recognised here; the mapping scores them
/// lower (see [`Scores`]).
pub fn field_of_header(header: &str) -> Option<Field> {
    header_match(header).map(|(f, _)| f)
}

/// How a header names a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HeaderKind {
    /// Holds a field's name among other words (`Work e-mail (primary)`).
    Partial,
    /// A sign-in name (`Login`): the address only if the column holds addresses.
    Login,
    /// Another name for the field, in one of the table's languages.
    Alias,
    /// The field's own name.
    Exact,
}

/// The fields a header names, each with how strongly. A header that is a whole name
/// from the table names that field only; otherwise every field one of whose names
/// (four letters or more) appears in it as whole words is named partially.
pub fn header_kinds(header: &str) -> Vec<(Field, HeaderKind)> {
    if let Some((field, tier)) = header_match(header) {
        let kind = match tier {
            Tier::Exact => HeaderKind::Exact,
            Tier::Alias => HeaderKind::Alias,
            Tier::Login => HeaderKind::Login,
        };
        return vec![(field, kind)];
    }
    let words = fold_words(header_text(header));
    let mut found: Vec<(Field, HeaderKind)> = Vec::new();
    for a in folded_aliases() {
        if a.tier == Tier::Login || a.key.chars().count() < 4 || a.words.len() > words.len() {
            continue;
        }
        let inside = words
            .windows(a.words.len())
            .any(|w| w == a.words.as_slice());
        if inside && !found.iter().any(|(f, _)| *f == a.field) {
            found.push((a.field, HeaderKind::Partial));
        }
    }
    found
}
