//! Guessing how a text file is laid out: which delimiter it uses, and whether its first
//! record is a header.

/// Delimiters Roster recognises, in order of preference when counts tie.
pub const DELIMITERS: [u8; 4] = [b'|', b'\t', b';', b','];

/// Picks the delimiter that splits the first non-blank lines most consistently.
///
/// A delimiter scores when it appears the same, non-zero number of times on every sampled
/// line; the highest such count wins. When no delimiter is consistent, the most frequent
/// one wins; a file with none at all is read as one column (comma).
pub fn delimiter(text: &str) -> u8 {
    let sample: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(20)
        .collect();
    let count = |line: &str, d: u8| line.bytes().filter(|&b| b == d).count();
    let mut best: Option<(bool, usize, u8)> = None;
    for d in DELIMITERS {
        let counts: Vec<usize> = sample.iter().map(|l| count(l, d)).collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        let total: usize = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let consistent = first > 0 && counts.iter().all(|&c| c == first);
        let score = (consistent, if consistent { first } else { total }, d);
        let better = match best {
            None => true,
            Some((bc, bn, _)) => (score.0, score.1) > (bc, bn),
        };
        if better {
            best = Some(score);
        }
    }
    best.map_or(b',', |(_, _, d)| d)
}

/// True when a first record looks like column names rather than data: no field holds an
/// e-mail address and at least one field is a known column name or plain words.
pub fn looks_like_header(fields: &[String]) -> bool {
    if fields.is_empty() || fields.iter().any(|f| f.contains('@')) {
        return false;
    }
    fields
        .iter()
        .any(|f| crate::map::Field::from_header(f).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_pipe_format_is_pipe() {
        assert_eq!(delimiter("a@localhost | p123\na2@localhost | p232\n"), b'|');
    }

    #[test]
    fn comma_semicolon_and_tab() {
        assert_eq!(delimiter("email,password\na@x.y,p\n"), b',');
        assert_eq!(delimiter("email;password\na@x.y;p\n"), b';');
        assert_eq!(delimiter("email\tpassword\na@x.y\tp\n"), b'\t');
    }

    #[test]
    fn consistent_beats_frequent() {
        // Commas appear inside names but semicolons split every line once.
        let text = "name;email\nDoe, John;j@x.y\nRoe, Ann, Jr;a@x.y\n";
        assert_eq!(delimiter(text), b';');
    }

    #[test]
    fn single_column_defaults_to_comma() {
        assert_eq!(delimiter("a@x.y\nb@x.y\n"), b',');
        assert_eq!(delimiter(""), b',');
    }

    #[test]
    fn header_detection() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(looks_like_header(&s(&["Email", "Password"])));
        assert!(looks_like_header(&s(&["E-mail", "pwd"])));
        assert!(!looks_like_header(&s(&["a@localhost", "p123"])));
        assert!(!looks_like_header(&s(&["foo", "bar"])));
    }
}
