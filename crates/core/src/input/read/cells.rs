//! A cell's value from its text: trimmed as `str::trim` trims, unquoted where RFC 4180
//! would keep the quotes, and whether trimming changed the value as written.

/// A field quoted after a space (`a@x.y | "p|w"`) keeps its quotes in RFC 4180; the
/// seed's ` | ` format puts spaces there, so such quotes are removed here.
pub(super) fn unquote(field: &str) -> std::borrow::Cow<'_, str> {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) if !inner.is_empty() => inner.replace("\"\"", "\"").into(),
        _ => field.into(),
    }
}

/// Whether trimming the cell `text[from..to]` to `span` changed its value as written:
/// it removed more than the single space a delimiter may have on its side (`a | b`,
/// `a, b`: the file's layout, not the cell's), or any space at the line's start or end
/// (`first`, `last` field of the record). Cheap when nothing was trimmed.
#[inline(always)]
pub(super) fn trim_changed(
    text: &str,
    from: usize,
    to: usize,
    span: (u32, u32),
    first: bool,
    last: bool,
) -> bool {
    let (start, end) = (span.0 as usize, span.1 as usize);
    if end - start == to - from {
        return false;
    }
    let layout = |removed: &str, beside_delimiter: bool| {
        removed.is_empty() || (beside_delimiter && removed == " ")
    };
    !(layout(text.get(from..start).unwrap_or(""), !first)
        && layout(text.get(end..to).unwrap_or(""), !last))
}

/// `str::trim`, with ASCII ends trimmed byte by byte (most fields); an end that is not
/// plain ASCII (or is a vertical tab, which `trim` removes and `trim_ascii` keeps) takes
/// the general way.
pub(super) fn trim(field: &str) -> &str {
    let quick = field.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii() && b != 0x0b);
    if plain(quick.as_bytes().first()) && plain(quick.as_bytes().last()) {
        quick
    } else {
        field.trim()
    }
}

/// The span of `text[from..to]` trimmed as [`trim`] trims (`from` and `to` are on
/// characters).
#[inline(always)]
pub(super) fn trimmed_span(text: &str, from: usize, to: usize) -> (u32, u32) {
    let value = &text.as_bytes()[from..to];
    // Most fields start and end with a visible ASCII character: nothing to trim.
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b.is_ascii());
    if visible(value.first()) && visible(value.last()) {
        return (from as u32, to as u32);
    }
    let quick = value.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii() && b != 0x0b);
    let (start, len) = if plain(quick.first()) && plain(quick.last()) {
        (
            quick.as_ptr() as usize - value.as_ptr() as usize,
            quick.len(),
        )
    } else {
        let value = &text[from..to];
        let trimmed = value.trim();
        (
            trimmed.as_ptr() as usize - value.as_ptr() as usize,
            trimmed.len(),
        )
    };
    ((from + start) as u32, (from + start + len) as u32)
}

/// Where [`unquote`]'s answer lies within `field`, when it is a part of it (it is not when
/// a doubled quote is made one).
pub(super) fn unquoted_span(field: &str) -> Option<(usize, usize)> {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) if !inner.is_empty() => {
            (!inner.contains("\"\"")).then_some((1, field.len() - 1))
        }
        _ => Some((0, field.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::{read, Table};
    fn fields(t: &Table) -> Vec<Vec<&str>> {
        t.records
            .iter()
            .map(|r| r.fields.iter().collect())
            .collect()
    }

    #[test]
    fn fields_are_trimmed_as_str_trim_does() {
        for field in [
            "",
            " ",
            " a ",
            "\u{b}a\u{b}",
            "\u{a0}a\u{2003}",
            " \u{85} é ",
            "\t\r\n a b \x0c",
            "\u{b}",
            "x\u{3000}",
        ] {
            assert_eq!(trim(field), field.trim(), "{field:?}");
        }
    }

    #[test]
    fn a_trimmed_cell_is_marked_beyond_the_delimiters_own_space() {
        let t = read(b"a@x.y | p123\nb@x.y |  p 2 \n c@x.y | \"  p3 \"\n").unwrap();
        let marks = |i: usize| {
            (0..2)
                .map(|c| t.records[i].fields.trimmed(c))
                .collect::<Vec<_>>()
        };
        // `a | b`: one space beside the delimiter is the layout, not the cell.
        assert_eq!(marks(0), [false, false]);
        // Two spaces before, one at the line's end: the password was trimmed.
        assert_eq!(fields(&t)[1], ["b@x.y", "p 2"]);
        assert_eq!(marks(1), [false, true]);
        // A space at the line's start; a quoted value is kept as written.
        assert_eq!(fields(&t)[2], ["c@x.y", "  p3 "]);
        assert_eq!(marks(2), [true, false]);
        // An edited cell is as typed.
        let mut edited = t.records[1].fields.clone();
        edited.set(1, "new");
        assert!(!edited.trimmed(1));
        assert!(!edited.trimmed(7));
    }
}
