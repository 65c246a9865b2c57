//! The file summary the File step shows under a read file, as a sentence any front end
//! can print: the command line and the page (`src/ui/file_step.rs`) both show it.

use crate::input::decode::TextEncoding;
use crate::input::detect::delimiter_name;
use crate::input::plan::Tally;
use crate::input::read::Layout;

/// What the summary tells of a read file.
#[derive(Debug, Clone, Copy)]
pub struct FileFacts<'a> {
    /// The file's name, as dropped.
    pub name: &'a str,
    pub rows: usize,
    pub tally: Tally,
    pub encoding: TextEncoding,
    pub layout: Layout,
    /// Every line not read cleanly, in words.
    pub notes: &'a [String],
    /// The workbook's sheet read, for a spreadsheet (no encoding or delimiter then).
    pub sheet: Option<&'a str>,
}

/// "people.csv: 12 rows (10 ready, 1 invalid, 1 excluded). Encoding: UTF-8. Delimiter:
/// Comma ( , ). First line is a header." and what was not read cleanly.
pub fn file_summary(facts: &FileFacts<'_>) -> String {
    // A note may be sentences of its own (a workbook's): its last full stop is the list's.
    fn note(n: &str) -> &str {
        n.strip_suffix('.').unwrap_or(n)
    }
    let notes = match facts.notes.len() {
        0 => String::new(),
        1 => format!(" Not read cleanly: {}.", note(&facts.notes[0])),
        n => format!(
            " {n} problems reading the file: {}.",
            facts
                .notes
                .iter()
                .map(|n| note(n))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    let lenient = if facts.layout.literal_quotes {
        " Stray quotes were taken literally."
    } else {
        ""
    };
    if let Some(sheet) = facts.sheet {
        return format!(
            "{}: {} rows ({}). Sheet \"{sheet}\". {}{notes}",
            facts.name,
            facts.rows,
            facts.tally.parts().join(", "),
            if facts.layout.header {
                "A row of column names was found."
            } else {
                "No row of column names."
            }
        );
    }
    format!(
        "{}: {} rows ({}). Encoding: {}. Delimiter: {}. {}{lenient}{notes}",
        facts.name,
        facts.rows,
        facts.tally.parts().join(", "),
        facts.encoding.label(),
        delimiter_name(facts.layout.delimiter),
        if facts.layout.header {
            "First line is a header."
        } else {
            "No header line."
        }
    )
}

/// "Aurora does not import these columns of the file: first name, last name.": said with
/// the target chosen (issue 27), as the columns depend on it.
pub fn not_imported(target: &str, columns: &[String]) -> String {
    format!(
        "{target} does not import these columns of the file: {}.",
        columns.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::Field;
    use crate::input::read::ReadOptions;
    use crate::input::reading::read_all;
    use crate::input::validate::Rules;

    #[test]
    fn the_summary_counts_the_rows_and_says_how_the_file_was_read() {
        let text = "email;password\nann@x.org;pw-1\nnot-an-address;pw-2\n";
        let loaded = read_all(
            text.as_bytes(),
            ReadOptions::default(),
            Rules::new(vec![Field::Email, Field::Password]),
        )
        .unwrap();
        let facts = FileFacts {
            sheet: None,
            name: "people.csv",
            rows: loaded.rows.len(),
            tally: loaded.tally,
            encoding: loaded.encoding,
            layout: loaded.layout,
            notes: &loaded.notes,
        };
        assert_eq!(
            file_summary(&facts),
            "people.csv: 2 rows (1 ready, 1 invalid, 0 excluded). Encoding: UTF-8. Delimiter: Semicolon ( ; ). First line is a header."
        );
        let notes = vec!["line 3: a quote".to_owned(), "line 9: x".to_owned()];
        let facts = FileFacts {
            sheet: None,
            notes: &notes,
            ..facts
        };
        assert!(file_summary(&facts)
            .ends_with(" 2 problems reading the file: line 3: a quote; line 9: x."));
        // A note that ends a sentence of its own (a workbook's) ends the summary once.
        for notes in [
            vec!["row 2, column I: no value. Save it again.".to_owned()],
            vec!["a.".to_owned(), "b. Save it again.".to_owned()],
        ] {
            let facts = FileFacts {
                notes: &notes,
                ..facts
            };
            let said = file_summary(&facts);
            assert!(said.ends_with("again.") && !said.contains(".."), "{said}");
            assert!(!said.contains(".;"), "{said}");
        }
    }
}
