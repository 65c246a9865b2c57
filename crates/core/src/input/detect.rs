//! Guessing how a text file is laid out: which delimiter it uses, how many preamble lines
//! come before the data, and whether the first record is a header.
//!
//! Every guess works on a sample of the first records, parsed with the `csv` crate so that
//! quoted delimiters do not count, and every guess can be overridden by the user.

/// Delimiters Roster recognises, in order of preference when the evidence ties.
pub const DELIMITERS: [u8; 4] = [b'|', b'\t', b';', b','];

/// How many bytes of the file the guesses look at.
const SAMPLE_BYTES: usize = 64 * 1024;
/// How many records the guesses look at.
const SAMPLE_RECORDS: usize = 50;

/// The delimiter's name as the UI shows it.
pub fn delimiter_name(d: u8) -> &'static str {
    match d {
        b'|' => "Pipe ( | )",
        b'\t' => "Tab",
        b';' => "Semicolon ( ; )",
        _ => "Comma ( , )",
    }
}

/// The head of the text, cut after a line end so no record is cut short.
fn sample(text: &str) -> &str {
    if text.len() <= SAMPLE_BYTES {
        return text;
    }
    let mut end = SAMPLE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(i) => &text[..=i],
        None => &text[..end],
    }
}

/// The field counts of the sample's first non-blank records, with how many of their
/// fields are not empty and the byte each starts at.
fn field_counts(text: &str, delimiter: u8) -> Vec<(usize, usize, u64)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(sample(text).as_bytes());
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    while out.len() < SAMPLE_RECORDS {
        match reader.read_record(&mut record) {
            Ok(true) if record.iter().all(str::is_empty) => continue,
            Ok(true) => out.push((
                record.len(),
                record.iter().filter(|f| !f.is_empty()).count(),
                record.position().map_or(0, |p| p.byte()),
            )),
            _ => break,
        }
    }
    out
}

/// The most frequent field count (the larger one on ties) and how many records have it.
fn mode(counts: &[(usize, usize, u64)]) -> Option<(usize, usize)> {
    let mut freq: Vec<(usize, usize)> = Vec::new();
    for &(n, _, _) in counts {
        match freq.iter_mut().find(|(k, _)| *k == n) {
            Some((_, c)) => *c += 1,
            None => freq.push((n, 1)),
        }
    }
    freq.into_iter().max_by_key(|&(n, c)| (c, n))
}

/// Picks the delimiter that splits the sampled records most consistently.
///
/// For each candidate the sample is parsed (quotes respected) and the most common field
/// count found; the delimiter whose common count covers the most records wins, then the
/// one giving more fields, then the order of [`DELIMITERS`]. So a semicolon file with
/// decimal commas (`Ann;1,5;a@x.y`) is a semicolon file: semicolons split every line into
/// three fields, commas only some lines into two. A file with no delimiter at all is one
/// column (comma).
pub fn delimiter(text: &str) -> u8 {
    let mut best: Option<((usize, usize), u8)> = None;
    for d in DELIMITERS {
        let counts = field_counts(text, d);
        let Some((fields, share)) = mode(&counts) else {
            continue;
        };
        if fields < 2 {
            continue;
        }
        if best.is_none_or(|(score, _)| (share, fields) > score) {
            best = Some(((share, fields), d));
        }
    }
    best.map_or(b',', |(_, d)| d)
}

/// Which of a file's first non-blank records (their field counts and how many of their
/// fields are not empty) is the first one of the data, when records of preamble (a title,
/// an export date) come before it: the first record with the usual number of fields and
/// at least two of them filled, within the first six. A title padded with empty fields to
/// the usual count (`Staff export 2026,,,,,`, as spreadsheet programs save it) is preamble
/// too. `None` when the data starts at the first record.
pub fn first_full_record(counts: &[(usize, usize)]) -> Option<usize> {
    let triples: Vec<(usize, usize, u64)> = counts.iter().map(|&(n, f)| (n, f, 0)).collect();
    let (fields, _) = mode(&triples)?;
    if fields < 2 {
        return None;
    }
    let first_full = counts
        .iter()
        .position(|&(n, filled)| n == fields && filled >= 2)?;
    (1..=5).contains(&first_full).then_some(first_full)
}

/// How many lines of preamble (a title, an export date, a blank line) come before the
/// first record that has the file's usual number of fields. Only short records (or a
/// single filled field padded with empty ones) without an address at the very top count
/// as preamble; a short data row is a ragged row. See [`first_full_record`].
pub fn preamble_lines(text: &str, delimiter: u8) -> usize {
    let counts = field_counts(text, delimiter);
    let short: Vec<(usize, usize)> = counts.iter().map(|&(n, f, _)| (n, f)).collect();
    let Some(first_full) = first_full_record(&short) else {
        return 0;
    };
    // The record's offset may point before blank lines: step over them.
    let bytes = text.as_bytes();
    let mut start = counts[first_full].2 as usize;
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    // A preamble line holds no address.
    if text[..start].contains('@') {
        return 0;
    }
    bytes[..start].iter().filter(|&&b| b == b'\n').count()
}

/// True when a first record looks like column names rather than data: no field holds an
/// e-mail address and at least one field is a known column name.
pub fn looks_like_header(fields: &[String]) -> bool {
    if fields.is_empty() || fields.iter().any(|f| f.contains('@')) {
        return false;
    }
    fields
        .iter()
        .any(|f| crate::input::names::field_of_header(f).is_some())
}

/// What a cell holds, for telling a header from the data below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    /// Digits, with signs, separators, decimal points or a unit: `42`, `1,5 GB`, `+1 555 0100`.
    Number,
    /// A date or time: `2024-03-01`, `01/03/2024`, `12:30`.
    Date,
    Address,
    /// `true`, `false`, `yes`, `no`.
    Flag,
    /// Letters (and spaces, dashes, dots): `Ann Lee`, `Sales`.
    Word,
    /// Letters mixed with digits or symbols: `S3cr3t!`, `A1`, `pw-1`.
    Mixed,
}

fn kind(cell: &str) -> Kind {
    let cell = cell.trim();
    if cell.is_empty() {
        return Kind::Empty;
    }
    if cell.contains('@') {
        return Kind::Address;
    }
    let digits = cell.chars().filter(char::is_ascii_digit).count();
    let letters = cell.chars().filter(|c| c.is_alphabetic()).count();
    if digits > 0
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ':' | 'T' | ' '))
        && (cell.contains(['-', '/', ':']))
        && letters <= 1
        && digits >= 3
    {
        return Kind::Date;
    }
    if digits > 0 && letters <= 3 && !cell.starts_with(|c: char| c.is_alphabetic()) {
        return Kind::Number;
    }
    if matches!(
        cell.to_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "y" | "n" | "0" | "1"
    ) {
        return Kind::Flag;
    }
    if cell
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '.' | '\'' | ','))
    {
        return Kind::Word;
    }
    Kind::Mixed
}

/// Whether a cell is a plain value that is never a secret: capitalised words (a name, a
/// department: `Ann Lee`, `Gina.Lee`, `Sales`), a number (an id, a phone number such as
/// `+1 555 0100`, an amount), a date or a time, or a flag. A password mixes letters with
/// digits or signs; a lower-case word (`secret`) may be one.
pub fn is_plain_value(cell: &str) -> bool {
    match kind(cell) {
        Kind::Number | Kind::Date | Kind::Flag => true,
        Kind::Word => cell
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(|c| !c.is_lowercase())),
        _ => false,
    }
}

/// Whether a cell could be a column name: it starts with a letter, holds no address, and
/// is short; `Address 2`, `quota_mb`, `Prénom` and `E-mail` are names, `42`, `2024-01-05`
/// and `a@x.y` are not.
fn name_like(cell: &str) -> bool {
    let cell = cell.trim();
    cell.chars().next().is_some_and(char::is_alphabetic)
        && !cell.contains('@')
        && cell.chars().count() <= 40
        && !matches!(kind(cell), Kind::Date | Kind::Flag)
}

/// [`looks_like_header`], or the usual signals of a header: every cell of the first
/// record is a distinct column name (see `name_like`, compared ignoring case), and at
/// least one column holds another kind of value below it (numbers, dates, addresses,
/// flags, or letters mixed with digits under a plain word), which a row of data would
/// not. Two rows of plain words stay data: nothing tells them apart (the user can
/// override it).
pub fn header_guess_rows(first: &[String], below: &[Vec<String>]) -> bool {
    if looks_like_header(first) {
        return true;
    }
    // A cell left empty (the rest of a merged header cell, named once) names no column,
    // but every named cell must look like a name, and two at least must be there.
    let named: Vec<&String> = first.iter().filter(|f| !f.trim().is_empty()).collect();
    let gaps = named.len() < first.len();
    if named.is_empty() || (gaps && named.len() < 2) || !named.iter().all(|f| name_like(f)) {
        return false;
    }
    let mut seen: Vec<String> = named.iter().map(|f| f.trim().to_lowercase()).collect();
    crate::sort::sort(&mut seen);
    seen.dedup();
    if seen.len() != named.len() {
        return false;
    }
    (0..first.len()).any(|j| {
        if first[j].trim().is_empty() {
            return false;
        }
        let head = kind(&first[j]);
        let mut counts: Vec<(Kind, usize)> = Vec::new();
        for row in below {
            let k = row.get(j).map_or(Kind::Empty, |c| kind(c));
            if k == Kind::Empty {
                continue;
            }
            match counts.iter_mut().find(|(x, _)| *x == k) {
                Some((_, n)) => *n += 1,
                None => counts.push((k, 1)),
            }
        }
        let total: usize = counts.iter().map(|(_, n)| n).sum();
        let Some(&(common, n)) = counts.iter().max_by_key(|(_, n)| *n) else {
            return false;
        };
        // Most cells below are of one kind, and not the kind of the name above them
        // (a name is a word, or letters with digits such as `Address 2`).
        n * 2 > total && common != head && !(head == Kind::Mixed && common == Kind::Word)
    })
}

/// [`header_guess_rows`] with only the record after the first.
pub fn header_guess(first: &[String], next: Option<&[String]>) -> bool {
    let below: Vec<Vec<String>> = next.map(<[String]>::to_vec).into_iter().collect();
    header_guess_rows(first, &below)
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
        assert_eq!(delimiter("email|password\na@x.y|p\n"), b'|');
    }

    #[test]
    fn consistent_beats_frequent() {
        // Commas appear inside names but semicolons split every line once.
        let text = "name;email\nDoe, John;j@x.y\nRoe, Ann, Jr;a@x.y\n";
        assert_eq!(delimiter(text), b';');
    }

    #[test]
    fn semicolon_with_decimal_commas() {
        let with_header = "name;quota;email\nAnn;1,5;a@x.y\nBob;2,5;b@x.y\n";
        assert_eq!(delimiter(with_header), b';');
        let headerless = "Ann;1,5;a@x.y\nBob;2,5;b@x.y\n";
        assert_eq!(delimiter(headerless), b';');
        let two_columns = "a@x.y;1,5\nb@x.y;2,5\n";
        assert_eq!(delimiter(two_columns), b';');
    }

    #[test]
    fn quoted_delimiters_do_not_count() {
        let text = "email,name\na@x.y,\"Doe; John\"\nb@x.y,\"Roe; Ann\"\n";
        assert_eq!(delimiter(text), b',');
    }

    #[test]
    fn single_column_defaults_to_comma() {
        assert_eq!(delimiter("a@x.y\nb@x.y\n"), b',');
        assert_eq!(delimiter(""), b',');
    }

    #[test]
    fn preamble() {
        let text = "User export\nCreated 2024-05-01\n\nemail,password,name\na@x.y,p,A\nb@x.y,q,B\n";
        assert_eq!(preamble_lines(text, b','), 3);
        assert_eq!(preamble_lines("email,password\na@x.y,p\n", b','), 0);
        // A short first data row is ragged, not preamble.
        assert_eq!(preamble_lines("a@x.y\nb@x.y,q\nc@x.y,r\n", b','), 0);
    }

    /// Issue 25: a spreadsheet program saves a title row as `Staff export 2026,,,,,`:
    /// as many fields as the header, all but one empty. It is a title, not data.
    #[test]
    fn a_title_padded_with_empty_fields_is_preamble() {
        let text = "Staff export 2026,,,,,\n\
                    First name,Last name,Email,Password,Employee ID,Start date\n\
                    Ann,Lee,ann@x.y,Pw-1-long,00042,2026-01-05\n\
                    Bo,Ek,bo@x.y,Pw-2-long,00043,2026-01-06\n";
        assert_eq!(preamble_lines(text, b','), 1);
        // A first data row with one filled field holds an address: it is data.
        assert_eq!(preamble_lines("a@x.y,,\nb@x.y,q,r\nc@x.y,r,s\n", b','), 0);
        assert_eq!(first_full_record(&[(6, 1), (6, 6), (6, 6)]), Some(1));
        assert_eq!(first_full_record(&[(6, 6), (6, 6)]), None);
    }

    #[test]
    fn a_header_with_a_merged_cell_named_once_is_a_header() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(header_guess_rows(
            &s(&["Name", "", "Email", "Employee ID"]),
            &[s(&["Ann", "Lee", "ann@x.y", "42"])]
        ));
        // One name and empty cells is a title, not a header.
        assert!(!header_guess_rows(
            &s(&["Staff export", "", ""]),
            &[s(&["Ann", "Lee", "42"])]
        ));
    }

    #[test]
    fn header_detection() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(looks_like_header(&s(&["Email", "Password"])));
        assert!(looks_like_header(&s(&["E-mail", "pwd"])));
        assert!(!looks_like_header(&s(&["a@localhost", "p123"])));
        assert!(!looks_like_header(&s(&["foo", "bar"])));
        assert!(header_guess(
            &s(&["Adresse", "Geheim"]),
            Some(&s(&["a@x.y", "p"]))
        ));
        assert!(!header_guess(
            &s(&["foo", "bar"]),
            Some(&s(&["baz", "qux"]))
        ));
        assert!(!header_guess(
            &s(&["a@x.y", "p"]),
            Some(&s(&["b@x.y", "q"]))
        ));
    }
}
