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

/// A header without its annotations, and the names inside its square brackets.
///
/// Vendors' templates annotate their column names: Google Workspace writes
/// `First Name [Required]` and `Recovery Phone [MUST BE IN THE E.164 FORMAT]`, Microsoft
/// Entra `Name [displayName] Required` and `Block sign in (Yes/No) [accountEnabled]
/// Required`. The plain name is what is left without the bracketed and parenthesised
/// parts and without a trailing "Required" or "Optional" (`First Name`, `Name`,
/// `Block sign in`); the words in square brackets are kept apart, since Entra puts the
/// API's own name there (`displayName`, `userPrincipalName`), a name for the field too.
/// An unclosed bracket runs to the end. Works on characters, never on byte indexes.
pub fn header_parts(header: &str) -> (String, Vec<String>) {
    let mut plain = String::new();
    let mut inside: Vec<String> = Vec::new();
    // The brackets open at this point, innermost last: (closing char, text so far).
    let mut open: Vec<(char, String)> = Vec::new();
    for c in header.chars() {
        match c {
            '[' => open.push((']', String::new())),
            '(' => open.push((')', String::new())),
            ']' | ')' if open.last().is_some_and(|(close, _)| *close == c) => {
                let (close, text) = open.pop().expect("an open bracket");
                if close == ']' {
                    inside.push(text.trim().to_owned());
                }
            }
            _ => match open.last_mut() {
                Some((_, text)) => text.push(c),
                None => plain.push(c),
            },
        }
    }
    // Unclosed brackets: their text is an annotation too.
    for (close, text) in open {
        if close == ']' {
            inside.push(text.trim().to_owned());
        }
    }
    let mut plain = plain.trim().to_owned();
    loop {
        let words = fold_words(&plain);
        let Some(last) = words.last() else { break };
        if words.len() < 2 || !matches!(last.as_str(), "required" | "optional") {
            break;
        }
        // Drop the last word as written: everything from its last letter backwards.
        let cut = plain
            .char_indices()
            .rev()
            .take_while(|(_, c)| !c.is_whitespace())
            .last()
            .map_or(plain.len(), |(i, _)| i);
        if cut == 0 {
            break;
        }
        plain = plain[..cut]
            .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '-' | ',' | '*' | ':'))
            .to_owned();
    }
    inside.retain(|t| !t.is_empty());
    (plain, inside)
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
///
/// The header is tried as written, then without its annotations, then by each name in
/// its square brackets (see [`header_parts`]); the strongest match wins, the earlier one
/// on a tie. So `Password [Required]` is the password, and `User name
/// [userPrincipalName] Required` the address by its API name (an alias) rather than by
/// its plain name (a sign-in name).
pub fn header_match(header: &str) -> Option<(Field, Tier)> {
    let (plain, inside) = header_parts(header_text(header));
    let mut best: Option<(Field, Tier)> = None;
    for text in std::iter::once(header_text(header))
        .chain(std::iter::once(plain.as_str()))
        .chain(inside.iter().map(String::as_str))
    {
        let key = fold(text);
        if key.is_empty() {
            continue;
        }
        let found = folded_aliases()
            .iter()
            .filter(|a| a.key == key)
            .map(|a| (a.field, a.tier))
            .max_by_key(|(_, tier)| *tier);
        if let Some(found) = found {
            if best.is_none_or(|(_, tier)| found.1 > tier) {
                best = Some(found);
            }
        }
    }
    best
}

/// Recognises a column header by its name or an alias in any language of the
/// [alias table](super::aliases), after folding (see [`fold`]). Names that only contain
/// an alias (`Personal e-mail of the manager`) are not recognised here; the mapping scores them
/// lower (see [`Scores`]).
pub fn field_of_header(header: &str) -> Option<Field> {
    header_match(header).map(|(f, _)| f)
}

/// How a header names a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HeaderKind {
    /// Holds a field's name among other words (`Personal e-mail of the manager`).
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
/// (four letters or more; for a person's name, two words or more) appears in it as whole
/// words is named partially.
pub fn header_kinds(header: &str) -> Vec<(Field, HeaderKind)> {
    if let Some((field, tier)) = header_match(header) {
        let kind = match tier {
            Tier::Exact => HeaderKind::Exact,
            Tier::Alias => HeaderKind::Alias,
            Tier::Login => HeaderKind::Login,
        };
        return vec![(field, kind)];
    }
    // Names inside the plain name only: an annotation (`Password Hash Function [UPLOAD
    // ONLY]`'s brackets, `Recovery Phone [MUST BE IN THE E.164 FORMAT]`) names nothing.
    let words = fold_words(&header_parts(header_text(header)).0);
    let mut found: Vec<(Field, HeaderKind)> = Vec::new();
    for a in folded_aliases() {
        // A one-word name for a person's name (`Name`, `Nombre`) says little inside a
        // longer header (`Floor Name`, `Company name`): only longer names count there.
        let vague = a.words.len() == 1
            && matches!(a.field, Field::Name | Field::FirstName | Field::LastName);
        if a.tier == Tier::Login
            || vague
            || a.key.chars().count() < 4
            || a.words.len() > words.len()
        {
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

/// How a header names a field a target declares beyond the built-in ones (see
/// [`crate::input::spec::FieldSpec`]): `Exact` for its id or its label, `Alias` for one
/// of its aliases, in any language (compared folded, as the alias table is, also without
/// the header's annotations and by the names in its square brackets), `Partial` when one
/// of them of four letters or more stands in it as whole words.
pub fn declared_kind(header: &str, own: &[&str], aliases: &[String]) -> Option<HeaderKind> {
    let (plain, inside) = header_parts(header_text(header));
    let keys: Vec<String> = std::iter::once(header_text(header))
        .chain(std::iter::once(plain.as_str()))
        .chain(inside.iter().map(String::as_str))
        .map(fold)
        .filter(|k| !k.is_empty())
        .collect();
    let names = own
        .iter()
        .map(|n| (*n, HeaderKind::Exact))
        .chain(aliases.iter().map(|a| (a.as_str(), HeaderKind::Alias)));
    let mut best: Option<HeaderKind> = None;
    let words = fold_words(&plain);
    for (name, kind) in names {
        let name_words = fold_words(name);
        let key = name_words.concat();
        if key.is_empty() {
            continue;
        }
        let found = if keys.contains(&key) {
            Some(kind)
        } else {
            let inside = key.chars().count() >= 4
                && name_words.len() <= words.len()
                && words
                    .windows(name_words.len())
                    .any(|w| w == name_words.as_slice());
            inside.then_some(HeaderKind::Partial)
        };
        if found > best {
            best = found;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_set_apart() {
        let parts = |h: &str| header_parts(h);
        assert_eq!(
            parts("First Name [Required]"),
            ("First Name".into(), vec!["Required".into()])
        );
        assert_eq!(
            parts("Name [displayName] Required"),
            ("Name".into(), vec!["displayName".into()])
        );
        assert_eq!(
            parts("Block sign in (Yes/No) [accountEnabled] Required"),
            ("Block sign in".into(), vec!["accountEnabled".into()])
        );
        assert_eq!(
            parts("Recovery Phone [MUST BE IN THE E.164 FORMAT]"),
            (
                "Recovery Phone".into(),
                vec!["MUST BE IN THE E.164 FORMAT".into()]
            )
        );
        assert_eq!(parts("E-mail - required"), ("E-mail".into(), vec![]));
        assert_eq!(parts("Quota (MB) optional"), ("Quota".into(), vec![]));
        // A lone "Required" is a name, not an annotation.
        assert_eq!(parts("Required"), ("Required".into(), vec![]));
        assert_eq!(
            parts("Password [unclosed"),
            ("Password".into(), vec!["unclosed".into()])
        );
        assert_eq!(parts("a ) b ] c"), ("a ) b ] c".into(), vec![]));
        assert_eq!(
            parts("Prénom [obligatoire]"),
            ("Prénom".into(), vec!["obligatoire".into()])
        );
        assert_eq!(
            parts("Zoë Ångström Required"),
            ("Zoë Ångström".into(), vec![])
        );
    }

    proptest::proptest! {
        /// Any header, whatever its brackets and characters: no panic, and the plain
        /// name is a part of the header's text.
        #[test]
        fn any_header_is_taken_apart_without_panic(h in "\\PC{0,40}|[\\[\\]() a-zA-Zé-]{0,40}") {
            let (plain, inside) = header_parts(&h);
            proptest::prop_assert!(plain.chars().count() <= h.chars().count());
            proptest::prop_assert!(inside.iter().all(|t| !t.is_empty()));
            let _ = header_kinds(&h);
            let _ = header_match(&h);
        }
    }
}
