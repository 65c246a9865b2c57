//! What reading a file gives, whatever its format: the records with their line numbers,
//! the header, the usual width, and the records that could not be read cleanly.

use super::Fields;

/// One non-blank record of the input, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 32 bits (issue 26: 52 bytes a record on wasm32, not 56); a line past
    /// 4,294,967,295 (a file of tens of gigabytes) shows as that.
    pub line: u32,
    pub fields: Fields,
    /// The columns the admin changed in the page, in the order first changed (the
    /// report's `edited` column names them, issue 27). Empty as read.
    pub edited: Edited,
}

/// A record's size on wasm32 (the page), checked when it is built: 52 bytes (issue 26).
#[cfg(target_pointer_width = "32")]
const _WASM32_SIZE: () = assert!(std::mem::size_of::<Record>() <= 52);

/// The columns of a record the admin changed, in the order first changed. Almost every
/// record has none, so it is one pointer, null when empty (a `Vec` took three: 24 bytes
/// natively, 12 on wasm32, a million times over; issue 26).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
// The box is the point: a thin pointer, where a `Vec` or a boxed slice is wider.
#[allow(clippy::box_collection)]
pub struct Edited(Option<Box<Vec<usize>>>);

impl Edited {
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }

    pub fn contains(&self, column: &usize) -> bool {
        self.0.as_ref().is_some_and(|v| v.contains(column))
    }

    pub fn push(&mut self, column: usize) {
        self.0.get_or_insert_with(Box::default).push(column);
    }

    pub fn iter(&self) -> std::slice::Iter<'_, usize> {
        self.as_slice().iter()
    }

    pub fn as_slice(&self) -> &[usize] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl From<Vec<usize>> for Edited {
    fn from(columns: Vec<usize>) -> Edited {
        Edited((!columns.is_empty()).then(|| Box::new(columns)))
    }
}

impl<const N: usize> PartialEq<[usize; N]> for Edited {
    fn eq(&self, other: &[usize; N]) -> bool {
        self.as_slice() == other
    }
}

/// A parsed file: an optional header, then the data records in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub delimiter: u8,
    pub header: Option<Vec<String>>,
    pub records: Vec<Record>,
    /// How many fields a record should have: the header's, or else the most common count.
    /// A record with another count is ragged, and the plan marks it invalid.
    pub width: usize,
    /// Records that could not be read cleanly (a quote that swallowed the lines after
    /// it), by record index, in order. The plan marks each one invalid with its message.
    pub broken: Vec<Broken>,
}

/// A record whose text was not read cleanly: a quoted field that runs across lines that
/// look like records of their own, across many lines, or to the end of the file. The
/// lines it swallowed are not rows; [`super::ReadOptions::literal_quotes`] reads them as rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// Index into [`Table::records`].
    pub record: usize,
    /// The line the quote opens on.
    pub line: u64,
    /// The line the quoted field ends on (the last line of the file when it never closes).
    pub last_line: u64,
    /// Whether the quote never closes.
    pub unclosed: bool,
}

impl Broken {
    /// What the row and the summary say: "line 5001: a quote opens here and never closes…".
    pub fn message(&self) -> String {
        let swallowed = self.last_line - self.line;
        let lines = if swallowed == 1 { "line" } else { "lines" };
        if self.unclosed {
            format!(
                "line {}: a quote opens here and never closes, so the {swallowed} {lines} after it (to the end of the file) were read into this one row",
                self.line
            )
        } else {
            format!(
                "line {}: a quote opens here and closes only on line {}, so the {swallowed} {lines} after it were read into this one row",
                self.line, self.last_line
            )
        }
    }
}

impl Table {
    /// The problem that makes record `i` unreadable, if any.
    pub fn broken_at(&self, i: usize) -> Option<&Broken> {
        if self.broken.is_empty() {
            return None;
        }
        self.broken
            .binary_search_by_key(&i, |b| b.record)
            .ok()
            .map(|k| &self.broken[k])
    }

    /// The lines of records with more or fewer fields than [`Table::width`].
    pub fn ragged_lines(&self) -> Vec<u64> {
        self.records
            .iter()
            .filter(|r| self.width > 0 && r.fields.len() != self.width)
            .map(|r| u64::from(r.line))
            .collect()
    }

    /// Every line the file could not be read cleanly at, in words, for the summary: the
    /// quotes that swallowed lines, then the rows with a wrong number of fields.
    pub fn reading_notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self.broken.iter().map(Broken::message).collect();
        let ragged = self.ragged_lines();
        if !ragged.is_empty() {
            let shown: Vec<String> = ragged.iter().take(5).map(u64::to_string).collect();
            let more = if ragged.len() > 5 {
                format!(" and {} more", ragged.len() - 5)
            } else {
                String::new()
            };
            notes.push(format!(
                "{} {} a wrong number of fields where {} {} expected: line{} {}{more}",
                ragged.len(),
                if ragged.len() == 1 {
                    "row has"
                } else {
                    "rows have"
                },
                self.width,
                if self.width == 1 { "is" } else { "are" },
                if ragged.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ));
        }
        notes
    }

    /// The name of column `i` for messages: its header, or "column N".
    pub fn column_name(&self, i: usize) -> String {
        match self.header.as_ref().and_then(|h| h.get(i)) {
            Some(name) if !name.is_empty() => format!("column \"{name}\""),
            _ => format!("column {}", i + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_takes_at_most_64_bytes() {
        // Issue 26: a million records are most of a load's memory. A record was 128 bytes
        // natively (112 on wasm32); now 64 (52 on wasm32, its line 32 bits, not 64; natively
        // the pointers' alignment rounds 60 up to 64). The wasm32 size is checked when
        // the page is built (`_WASM32_SIZE`).
        assert!(
            std::mem::size_of::<Record>() <= 64,
            "{}",
            std::mem::size_of::<Record>()
        );
        assert_eq!(std::mem::size_of::<Edited>(), std::mem::size_of::<usize>());
        let record = Record {
            line: 1,
            fields: Fields::default(),
            edited: Edited::default(),
        };
        assert_eq!(std::mem::size_of_val(&record.line), 4);
    }

    #[test]
    fn edited_columns_keep_their_order_and_start_empty() {
        let mut edited = Edited::default();
        assert!(edited.is_empty() && !edited.contains(&0));
        edited.push(3);
        edited.push(0);
        assert!(edited.contains(&3) && !edited.is_empty());
        assert_eq!(edited, [3, 0]);
        assert_eq!(edited, Edited::from(vec![3, 0]));
        assert_eq!(Edited::from(Vec::new()), Edited::default());
    }
}
