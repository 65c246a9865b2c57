//! A record's fields: spans of the decoded file's text that every record shares, or a
//! copy of their own once a field differs from the text; and [`SharedStr`], a piece of
//! that text.

use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

/// A record's fields, trimmed and unquoted. Most records hold no text of their own: their
/// fields are spans of the decoded file's text, which every record shares (one reference
/// count, no copy). A record whose fields differ from the text (a doubled quote inside
/// quotes, an edited cell) holds its own copy, its fields back to back. Either way the
/// spans are inline for up to [`INLINE_FIELDS`] fields. A million records are then no
/// allocation at all (profiling the read path showed most of its time in the allocator;
/// see BENCHMARKS.md).
#[derive(Clone)]
pub struct Fields {
    pub(super) text: Arc<String>,
    /// Where each field starts and ends in `text`, and which fields were trimmed.
    pub(super) spans: Spans,
}

/// How many fields a record holds without a second allocation.
pub const INLINE_FIELDS: usize = 8;

/// Where a record's fields are in the text, and which were trimmed (bit `i` set: field
/// `i` differs from the cell as written, spaces around an unquoted value; fields from the
/// 64th on are not tracked). Most records are short, so their spans are kept as 16-bit
/// offsets from where the record's first field starts, inline: 40 bytes a record, where a
/// vector of 32-bit spans held inline and the trimmed bits took 88 natively, 80 on wasm32
/// (issue 26: a million records are most of the memory a load takes). A record with more
/// fields than [`INLINE_FIELDS`], or longer than 64 KiB, has its spans on the heap.
#[derive(Clone)]
pub(super) enum Spans {
    Near {
        base: u32,
        len: u8,
        trimmed: u8,
        offsets: [(u16, u16); INLINE_FIELDS],
    },
    /// The trimmed bits as two halves, so that the type stays 4-byte aligned.
    Far {
        trimmed: [u32; 2],
        spans: Box<[(u32, u32)]>,
    },
}

impl Spans {
    pub(super) fn new(spans: &[(u32, u32)], trimmed: u64) -> Spans {
        let base = spans.first().map_or(0, |s| s.0);
        let near = |s: u32| s.checked_sub(base).and_then(|d| u16::try_from(d).ok());
        if spans.len() <= INLINE_FIELDS {
            let mut offsets = [(0, 0); INLINE_FIELDS];
            let fits =
                spans
                    .iter()
                    .zip(offsets.iter_mut())
                    .all(|(&(s, e), o)| match (near(s), near(e)) {
                        (Some(s), Some(e)) => {
                            *o = (s, e);
                            true
                        }
                        _ => false,
                    });
            if fits {
                return Spans::Near {
                    base,
                    len: spans.len() as u8,
                    // Fewer than nine fields: the bits past the eighth are clear.
                    trimmed: trimmed as u8,
                    offsets,
                };
            }
        }
        Spans::Far {
            trimmed: [trimmed as u32, (trimmed >> 32) as u32],
            spans: spans.into(),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Spans::Near { len, .. } => usize::from(*len),
            Spans::Far { spans, .. } => spans.len(),
        }
    }

    pub(super) fn get(&self, i: usize) -> Option<(u32, u32)> {
        match self {
            Spans::Near {
                base, len, offsets, ..
            } => (i < usize::from(*len)).then(|| {
                let (s, e) = offsets[i];
                (base + u32::from(s), base + u32::from(e))
            }),
            Spans::Far { spans, .. } => spans.get(i).copied(),
        }
    }

    pub(super) fn trimmed(&self) -> u64 {
        match self {
            Spans::Near { trimmed, .. } => u64::from(*trimmed),
            Spans::Far { trimmed, .. } => u64::from(trimmed[0]) | u64::from(trimmed[1]) << 32,
        }
    }

    fn set_trimmed(&mut self, bits: u64) {
        match self {
            Spans::Near { trimmed, .. } => *trimmed = bits as u8,
            Spans::Far { trimmed, .. } => *trimmed = [bits as u32, (bits >> 32) as u32],
        }
    }
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            text: Arc::default(),
            spans: Spans::new(&[], 0),
        }
    }
}

impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl Fields {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let (start, end) = self.spans.get(i)?;
        Some(&self.text[start as usize..end as usize])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// Sets field `i` (adding empty fields up to it if the record is shorter). The record
    /// then holds its own copy of its fields. The value set is as written: not trimmed.
    pub fn set(&mut self, i: usize, value: &str) {
        let mut fields: Vec<&str> = self.iter().collect();
        if fields.len() <= i {
            fields.resize(i + 1, "");
        }
        fields[i] = value;
        let trimmed = self.spans.trimmed() & !1u64.checked_shl(i as u32).unwrap_or(0);
        *self = fields.into_iter().collect();
        self.spans.set_trimmed(trimmed);
    }

    /// Whether field `i` was trimmed by the reader: the value differs from the cell as
    /// written (an unquoted cell with spaces around it). A quoted cell is kept as written.
    pub fn trimmed(&self, i: usize) -> bool {
        i < 64 && self.spans.trimmed() & (1 << i) != 0 && i < self.len()
    }
}

impl Fields {
    /// `value` as a [`SharedStr`]: a span of this record's text when it is one (a field,
    /// or a part of one), else a copy. An empty value is an empty span, wherever it
    /// points: no allocation (a row without a user name, or without an address).
    pub fn share(&self, value: &str) -> SharedStr {
        if value.is_empty() {
            return SharedStr {
                text: Arc::clone(&self.text),
                start: 0,
                end: 0,
            };
        }
        let base = self.text.as_ptr() as usize;
        let at = value.as_ptr() as usize;
        if at >= base && at + value.len() <= base + self.text.len() {
            let start = at - base;
            if let (Ok(start32), Ok(end)) =
                (u32::try_from(start), u32::try_from(start + value.len()))
            {
                return SharedStr {
                    text: Arc::clone(&self.text),
                    start: start32,
                    end,
                };
            }
        }
        SharedStr::from(value)
    }
}

/// A piece of text that shares the decoded file's text with the records (see [`Fields`]):
/// a reference count and a span, no copy of its own. Reads as a `&str`.
#[derive(Clone)]
pub struct SharedStr {
    pub(super) text: Arc<String>,
    pub(super) start: u32,
    pub(super) end: u32,
}

impl SharedStr {
    pub fn as_str(&self) -> &str {
        &self.text[self.start as usize..self.end as usize]
    }
}

impl Default for SharedStr {
    fn default() -> SharedStr {
        SharedStr::from("")
    }
}

impl From<&str> for SharedStr {
    /// A copy of `value`, in a text of its own.
    fn from(value: &str) -> SharedStr {
        SharedStr::from(value.to_owned())
    }
}

impl From<String> for SharedStr {
    fn from(value: String) -> SharedStr {
        let end = u32::try_from(value.len()).expect("a value shorter than 4 GiB");
        SharedStr {
            text: Arc::new(value),
            start: 0,
            end,
        }
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Collects one record's fields, reused from record to record: either as spans of the
/// shared text (while every field is found in it) or, once one is not, as text of its
/// own; [`FieldsBuilder::build`] makes the record.
#[derive(Default)]
pub(super) struct FieldsBuilder {
    /// The fields so far as spans of the shared text, while `owned` is false.
    spans: SmallVec<[(u32, u32); INLINE_FIELDS]>,
    /// The fields so far back to back, once one of them is not a span of the text.
    text: String,
    ends: SmallVec<[u32; INLINE_FIELDS]>,
    owned: bool,
    /// Whether every field so far is empty.
    empty: bool,
    /// Which fields so far were trimmed (see [`Fields::trimmed`]).
    trimmed: u64,
}

impl FieldsBuilder {
    pub(super) fn clear(&mut self) {
        self.spans.clear();
        self.text.clear();
        self.ends.clear();
        self.owned = false;
        self.empty = true;
        self.trimmed = 0;
    }

    /// Marks the field just added as trimmed when `trimmed` (a value that differs from
    /// the cell as written).
    #[inline(always)]
    pub(super) fn mark_trimmed(&mut self, trimmed: bool) {
        let n = if self.owned {
            self.ends.len()
        } else {
            self.spans.len()
        };
        if trimmed && (1..=64).contains(&n) {
            self.trimmed |= 1 << (n - 1);
        }
    }

    /// Adds a field found at `span` of the shared text `shared`.
    #[inline(always)]
    pub(super) fn push_span(&mut self, shared: &str, span: (u32, u32)) {
        if self.owned {
            self.push(&shared[span.0 as usize..span.1 as usize]);
        } else {
            self.empty &= span.0 == span.1;
            self.spans.push(span);
        }
    }

    /// Adds a field that is not a span of the shared text (`shared`, whose spans so far
    /// are copied first).
    pub(super) fn push_owned(&mut self, shared: &str, field: &str) {
        if !self.owned {
            self.owned = true;
            for &(start, end) in &self.spans {
                self.text.push_str(&shared[start as usize..end as usize]);
                self.ends.push(self.text.len() as u32);
            }
        }
        self.push(field);
    }

    pub(super) fn push(&mut self, field: &str) {
        self.owned = true;
        self.empty &= field.is_empty();
        self.text.push_str(field);
        self.ends.push(self.text.len() as u32);
    }

    pub(super) fn all_empty(&self) -> bool {
        self.empty
    }

    /// The record: spans of `shared`, or a copy of its own text.
    pub(super) fn build(&self, shared: &Arc<String>) -> Fields {
        if !self.owned {
            return Fields {
                text: Arc::clone(shared),
                spans: Spans::new(&self.spans, self.trimmed),
            };
        }
        let mut start = 0;
        let spans: SmallVec<[(u32, u32); INLINE_FIELDS]> = self
            .ends
            .iter()
            .map(|&end| (std::mem::replace(&mut start, end), end))
            .collect();
        Fields {
            text: Arc::new(self.text.clone()),
            spans: Spans::new(&spans, self.trimmed),
        }
    }
}

impl std::ops::Index<usize> for Fields {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        self.get(i).expect("field index in range")
    }
}

impl<S: AsRef<str>> FromIterator<S> for Fields {
    fn from_iter<I: IntoIterator<Item = S>>(fields: I) -> Fields {
        let mut builder = FieldsBuilder::default();
        builder.clear();
        builder.owned = true;
        for f in fields {
            builder.push(f.as_ref());
        }
        builder.build(&Arc::default())
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Fields {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = &'a str;
    type IntoIter = Box<dyn Iterator<Item = &'a str> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::read;

    #[test]
    fn a_record_s_fields_take_at_most_48_bytes() {
        // Issue 26: a million records are most of a load's memory; the spans of eight
        // 32-bit pairs held inline and the trimmed bits made a record's fields 96 bytes
        // natively (88 on wasm32; 44 now).
        assert!(
            std::mem::size_of::<Fields>() <= 48,
            "{}",
            std::mem::size_of::<Fields>()
        );
    }

    #[test]
    fn long_records_and_many_fields_read_the_same_as_short_ones() {
        let long = "x".repeat(70_000);
        let nine = "a,b,c,d,e,f,g,h,i";
        let text = format!("email,password,name\nann@x.y, {long} ,z\n{nine}\np,,\"q,r\"\n");
        let t = read(text.as_bytes()).unwrap();
        assert!(matches!(t.records[0].fields.spans, Spans::Far { .. }));
        assert_eq!(t.records[0].fields, ["ann@x.y", long.as_str(), "z"]);
        assert!(matches!(t.records[1].fields.spans, Spans::Far { .. }));
        let fields: Vec<&str> = t.records[1].fields.iter().collect();
        assert_eq!(fields, nine.split(',').collect::<Vec<_>>());
        assert!(matches!(t.records[2].fields.spans, Spans::Near { .. }));
        assert_eq!(t.records[2].fields, ["p", "", "q,r"]);
        assert_eq!(t.records[2].fields.get(3), None);
        assert_eq!(Fields::default().len(), 0);
        // Which fields were trimmed is kept either way, and cleared when a field is set.
        let t = read(b"email,password,name\nann@x.y,  p  ,z\na,b,c,d,e,f,g,h,  i  \n").unwrap();
        let (near, far) = (&t.records[0].fields, &t.records[1].fields);
        assert!(matches!(far.spans, Spans::Far { .. }));
        assert_eq!(
            (near.trimmed(1), near.trimmed(0), near.trimmed(2)),
            (true, false, false)
        );
        assert_eq!((far.trimmed(8), far.trimmed(7)), (true, false));
        let mut far = far.clone();
        far.set(8, "j");
        assert!(!far.trimmed(8));
        assert_eq!(&far[8], "j");
    }

    #[test]
    fn a_shared_piece_of_a_field_points_into_the_text() {
        let t = read(b"email,password\nann@x.y,p1\n").unwrap();
        let fields = &t.records[0].fields;
        let email = fields.share(&fields[0]);
        assert_eq!(email, "ann@x.y");
        assert!(Arc::ptr_eq(&email.text, &fields.text));
        let domain = fields.share(fields[0].split_once('@').unwrap().1);
        assert_eq!((domain.as_str(), domain.start), ("x.y", 19));
        let other = fields.share("ann@x.y");
        assert!(!Arc::ptr_eq(&other.text, &fields.text));
        assert_eq!(other, email);
        assert_eq!(SharedStr::default(), "");
        // An empty value, from anywhere, is an empty span of the text: no copy.
        let empty = fields.share("");
        assert_eq!(empty, "");
        assert!(Arc::ptr_eq(&empty.text, &fields.text));
    }
}
