//! Bytes to text: which encoding a file uses, and decoding it, all at once or in chunks.
//!
//! Detection order: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; then a file that is not
//! text at all (an image, a zip, an .xlsx) is refused with its likely kind; then UTF-16
//! without a mark is recognised by its zero bytes; then UTF-8 if the bytes are valid
//! UTF-8, else Windows-1252 (what Excel on Windows writes for "CSV").

use crate::input::error::ReadError;

/// The encodings Roster reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl TextEncoding {
    pub const ALL: [TextEncoding; 4] = [
        TextEncoding::Utf8,
        TextEncoding::Utf16Le,
        TextEncoding::Utf16Be,
        TextEncoding::Windows1252,
    ];

    /// The name shown to the user.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }

    /// A stable key, for `<option value>`.
    pub fn key(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    pub fn from_key(key: &str) -> Option<TextEncoding> {
        TextEncoding::ALL.into_iter().find(|e| e.key() == key)
    }
}

/// The encoding named by a byte-order mark at the start of `bytes`.
pub fn bom(bytes: &[u8]) -> Option<TextEncoding> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        Some(TextEncoding::Utf8)
    } else if bytes.starts_with(b"\xFF\xFE") {
        Some(TextEncoding::Utf16Le)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// Names the kind of a binary file from its first bytes, if it is one. A UTF-16 file has
/// zero bytes too, so callers check [`bom`] and [`utf16_without_bom`] first.
pub fn sniff_binary(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 12] = [
        (b"PK\x03\x04", "a ZIP archive or an Excel .xlsx workbook"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"\xD0\xCF\x11\xE0", "an old Excel .xls workbook"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"RIFF", "a media file"),
        (b"{\\rtf", "a rich-text (RTF) document"),
    ];
    if let Some((_, name)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return Some(name);
    }
    let head = &bytes[..bytes.len().min(4096)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    (head.contains(&0) || controls * 20 > head.len().max(1)).then_some("a binary file")
}

/// UTF-16 without a byte-order mark, recognised by the pattern of its zero bytes: the
/// delimiters, line breaks and addresses of a user list are ASCII, so at least 30 % of
/// the code units have a zero high byte (at odd offsets in LE, even ones in BE), and
/// more zeros sit on that side than on the other. A zero on the other side is allowed
/// (U+4E00 `一` is `00 4E` in LE). The guess must then decode as text: no NUL, no
/// control character other than tab and line breaks, surrogates only in pairs, and at
/// least one line break, delimiter or `@`, which a binary file with zero bytes does not.
pub fn utf16_without_bom(bytes: &[u8]) -> Option<TextEncoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let zeros_at = |odd: usize| {
        head.iter()
            .skip(odd)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    let text_like = |unit: fn([u8; 2]) -> u16| {
        let mut lead = false;
        let mut ascii = 0;
        let mut marks = 0;
        for pair in head.chunks_exact(2) {
            let u = unit([pair[0], pair[1]]);
            match u {
                0xD800..=0xDBFF if !lead => {
                    lead = true;
                    continue;
                }
                0xDC00..=0xDFFF if lead => {}
                0 | 0xD800..=0xDFFF => return false,
                1..=0x1F if !matches!(u, 0x09 | 0x0A | 0x0D) => return false,
                _ if lead => return false,
                _ => {}
            }
            lead = false;
            if u < 0x80 {
                ascii += 1;
                if matches!(u as u8, b'\n' | b'\t' | b',' | b';' | b'|' | b'@') {
                    marks += 1;
                }
            }
        }
        ascii * 10 >= pairs * 3 && marks > 0
    };
    if odd > even && odd * 10 >= pairs * 3 && text_like(u16::from_le_bytes) {
        Some(TextEncoding::Utf16Le)
    } else if even > odd && even * 10 >= pairs * 3 && text_like(u16::from_be_bytes) {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// Guesses the encoding from the file's first bytes (the whole file for small files).
/// `head_is_all` says whether `head` is the entire file: otherwise a multi-byte
/// character cut at the end of the head is not held against UTF-8.
pub fn detect(head: &[u8], head_is_all: bool) -> Result<TextEncoding, ReadError> {
    if let Some(enc) = bom(head) {
        let rest = &head[if enc == TextEncoding::Utf8 { 3 } else { 2 }..];
        if head_is_all && rest.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
            return Err(ReadError::Empty);
        }
        return Ok(enc);
    }
    if head.iter().all(u8::is_ascii_whitespace) && head_is_all {
        return Err(ReadError::Empty);
    }
    if let Some(enc) = utf16_without_bom(head) {
        return Ok(enc);
    }
    if let Some(looks_like) = sniff_binary(head) {
        return Err(ReadError::Binary { looks_like });
    }
    let valid = std::str::from_utf8(head).map_or_else(|e| e.valid_up_to(), str::len);
    // Up to three bytes of a character cut by the end of the head.
    let cut = !head_is_all && valid < head.len() && head.len() - valid < 4 && head[valid] >= 0xC0;
    if valid == head.len() || cut {
        Ok(TextEncoding::Utf8)
    } else {
        Ok(TextEncoding::Windows1252)
    }
}

/// Decodes a file piece by piece, so a large file never blocks the page for long.
/// A byte-order mark is removed. Malformed sequences become U+FFFD and are counted.
///
/// The four encodings are decoded here rather than with a general-purpose library,
/// which would bring every encoding's tables into the app (about 100 KB of WebAssembly).
/// The results follow the WHATWG Encoding Standard: one U+FFFD per maximal invalid
/// subpart of UTF-8, per unpaired surrogate or odd final byte of UTF-16; Windows-1252
/// has no malformed bytes.
pub struct Decoder {
    encoding: TextEncoding,
    text: String,
    malformed: bool,
    /// Whether a byte-order mark may still be removed: nothing has been decoded yet.
    at_start: bool,
    /// The bytes of a UTF-8 sequence or UTF-16 code unit cut by the end of a piece.
    pending: [u8; 4],
    pending_len: usize,
    /// A UTF-16 leading surrogate waiting for its trailing one.
    lead: Option<u16>,
}

/// Windows-1252 bytes 0x80 to 0x9F, per the WHATWG index; the other bytes are Latin-1.
/// The five bytes Windows leaves undefined map to the C1 controls of the same value.
const WINDOWS_1252_80: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

impl Decoder {
    pub fn new(encoding: TextEncoding) -> Decoder {
        Decoder {
            encoding,
            text: String::new(),
            malformed: false,
            at_start: encoding != TextEncoding::Windows1252,
            pending: [0; 4],
            pending_len: 0,
            lead: None,
        }
    }

    /// A decoder that reserves room for a file of `len` bytes at once, so the text is
    /// not copied again and again as it grows.
    pub fn for_len(encoding: TextEncoding, len: usize) -> Decoder {
        let mut d = Decoder::new(encoding);
        d.text.reserve(len + len / 16 + 16);
        d
    }

    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// Decodes the next piece; `last` for the final one.
    pub fn push(&mut self, bytes: &[u8], last: bool) {
        match self.encoding {
            TextEncoding::Utf8 => self.push_utf8(bytes, last),
            TextEncoding::Utf16Le => self.push_utf16(bytes, last, u16::from_le_bytes),
            TextEncoding::Utf16Be => self.push_utf16(bytes, last, u16::from_be_bytes),
            TextEncoding::Windows1252 => self.push_windows_1252(bytes),
        }
    }

    /// Whether some bytes were not valid in this encoding (a UTF-8 guess that was wrong).
    pub fn malformed(&self) -> bool {
        self.malformed
    }

    pub fn finish(self) -> String {
        self.text
    }

    /// Appends decoded text, less a byte-order mark at the very start.
    fn put_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let s = if std::mem::take(&mut self.at_start) {
            s.strip_prefix('\u{FEFF}').unwrap_or(s)
        } else {
            s
        };
        self.text.push_str(s);
    }

    fn put_char(&mut self, c: char) {
        if !(std::mem::take(&mut self.at_start) && c == '\u{FEFF}') {
            self.text.push(c);
        }
    }

    fn put_malformed(&mut self) {
        self.malformed = true;
        self.put_char(char::REPLACEMENT_CHARACTER);
    }

    fn push_utf8(&mut self, mut bytes: &[u8], last: bool) {
        self.text.reserve(bytes.len() + self.pending_len);
        // First the sequence the previous piece cut, completed from this one.
        if self.pending_len > 0 && !bytes.is_empty() {
            let held = self.pending_len;
            let mut buf = [0u8; 8];
            let take = bytes.len().min(4);
            buf[..held].copy_from_slice(&self.pending[..held]);
            buf[held..held + take].copy_from_slice(&bytes[..take]);
            let buf = &buf[..held + take];
            let (valid, error_len) = match std::str::from_utf8(buf) {
                Ok(_) => (buf.len(), None),
                Err(e) => (e.valid_up_to(), e.error_len()),
            };
            self.pending_len = 0;
            if valid > 0 {
                // The held bytes start a sequence, so the first character uses them all.
                let s = std::str::from_utf8(&buf[..valid]).expect("checked above");
                let c = s.chars().next().expect("valid is not empty");
                self.put_char(c);
                bytes = &bytes[c.len_utf8() - held..];
            } else if let Some(n) = error_len {
                self.put_malformed();
                bytes = &bytes[n.saturating_sub(held)..];
            } else {
                // Still cut short: this piece held fewer bytes than the sequence needs.
                self.pending[..buf.len()].copy_from_slice(buf);
                self.pending_len = buf.len();
                bytes = &[];
            }
        }
        // Then whole runs of valid text, one U+FFFD for each maximal invalid subpart.
        while !bytes.is_empty() {
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    self.put_str(s);
                    break;
                }
                Err(e) => {
                    let (valid, rest) = bytes.split_at(e.valid_up_to());
                    self.put_str(std::str::from_utf8(valid).expect("valid up to here"));
                    match e.error_len() {
                        Some(n) => {
                            self.put_malformed();
                            bytes = &rest[n..];
                        }
                        None => {
                            self.pending[..rest.len()].copy_from_slice(rest);
                            self.pending_len = rest.len();
                            break;
                        }
                    }
                }
            }
        }
        if last && self.pending_len > 0 {
            self.pending_len = 0;
            self.put_malformed();
        }
    }

    fn push_utf16(&mut self, mut bytes: &[u8], last: bool, unit: fn([u8; 2]) -> u16) {
        self.text.reserve(bytes.len() / 2 * 3 + 3);
        if self.pending_len == 1 {
            if let Some((&b, rest)) = bytes.split_first() {
                self.pending_len = 0;
                self.push_unit(unit([self.pending[0], b]));
                bytes = rest;
            }
        }
        let mut units = bytes.chunks_exact(2);
        for pair in &mut units {
            self.push_unit(unit([pair[0], pair[1]]));
        }
        if let [b] = units.remainder() {
            self.pending[0] = *b;
            self.pending_len = 1;
        }
        if last && (self.pending_len > 0 || self.lead.is_some()) {
            // One U+FFFD for an odd final byte, a lone leading surrogate, or both.
            self.pending_len = 0;
            self.lead = None;
            self.put_malformed();
        }
    }

    fn push_unit(&mut self, u: u16) {
        if let Some(lead) = self.lead.take() {
            if (0xDC00..0xE000).contains(&u) {
                let c = 0x10000 + ((u32::from(lead) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                self.put_char(char::from_u32(c).expect("a surrogate pair is a character"));
                return;
            }
            self.put_malformed();
        }
        match u {
            0xD800..=0xDBFF => self.lead = Some(u),
            0xDC00..=0xDFFF => self.put_malformed(),
            _ => self.put_char(char::from_u32(u.into()).expect("not a surrogate")),
        }
    }

    fn push_windows_1252(&mut self, mut bytes: &[u8]) {
        self.text.reserve(bytes.len());
        while !bytes.is_empty() {
            let ascii = bytes
                .iter()
                .position(|b| !b.is_ascii())
                .unwrap_or(bytes.len());
            let (run, rest) = bytes.split_at(ascii);
            self.put_str(std::str::from_utf8(run).expect("ASCII is UTF-8"));
            if let Some((&b, rest)) = rest.split_first() {
                self.text.push(match b {
                    0x80..=0x9F => WINDOWS_1252_80[usize::from(b - 0x80)],
                    _ => char::from(b),
                });
                bytes = rest;
            } else {
                break;
            }
        }
    }
}

/// Decodes a whole file: `forced` as the user chose it, or detected. UTF-8 that turns out
/// malformed past the sampled head is read again as Windows-1252.
pub fn decode(
    bytes: &[u8],
    forced: Option<TextEncoding>,
) -> Result<(String, TextEncoding), ReadError> {
    let encoding = match forced {
        Some(e) => e,
        None => detect(bytes, true)?,
    };
    let mut decoder = Decoder::new(encoding);
    decoder.push(bytes, true);
    if forced.is_none() && encoding == TextEncoding::Utf8 && decoder.malformed() {
        return decode(bytes, Some(TextEncoding::Windows1252));
    }
    let text = decoder.finish();
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    Ok((text, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, le: bool, with_bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if with_bom {
            out.extend_from_slice(if le { b"\xFF\xFE" } else { b"\xFE\xFF" });
        }
        for unit in text.encode_utf16() {
            out.extend_from_slice(&if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let (t, e) = decode("\u{FEFF}é,ß\n".as_bytes(), None).unwrap();
        assert_eq!((t.as_str(), e), ("é,ß\n", TextEncoding::Utf8));
        let (t, e) = decode("日本,語\n".as_bytes(), None).unwrap();
        assert_eq!((t.as_str(), e), ("日本,語\n", TextEncoding::Utf8));
    }

    #[test]
    fn utf16_le_and_be_with_bom() {
        let text = "email\tpassword\nzoë@x.y\tpw\n";
        for le in [true, false] {
            let (t, e) = decode(&utf16(text, le, true), None).unwrap();
            assert_eq!(t, text);
            assert_eq!(
                e,
                if le {
                    TextEncoding::Utf16Le
                } else {
                    TextEncoding::Utf16Be
                }
            );
        }
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let bytes = utf16("email,password\na@b,c\n", true, false);
        assert_eq!(decode(&bytes, None).unwrap().1, TextEncoding::Utf16Le);
        // Names in scripts whose units have no zero byte, or a zero low byte (一 is
        // U+4E00), and a character outside the BMP (a surrogate pair).
        let text = "email\tpassword\tname\nwang@example.com\tpw-1\t王一美\nivan@example.com\tpw-2\tИван Петров\nann@example.com\tpw-3\t😀 Ann\n";
        for (le, want) in [
            (true, TextEncoding::Utf16Le),
            (false, TextEncoding::Utf16Be),
        ] {
            let (t, e) = decode(&utf16(text, le, false), None).unwrap();
            assert_eq!((t.as_str(), e), (text, want));
        }
        // Binary files with zero bytes are not taken for UTF-16.
        assert_eq!(
            utf16_without_bom(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01"),
            None
        );
        assert_eq!(utf16_without_bom(b"ab\0cd\0\0\x01\x02"), None);
        assert_eq!(utf16_without_bom("plain ascii, no zeros".as_bytes()), None);
    }

    #[test]
    fn windows_1252_fallback() {
        let bytes = b"name;email\nJos\xE9 Garc\xEDa;j@x.y\nMa\xEBl;m@x.y\n";
        let (t, e) = decode(bytes, None).unwrap();
        assert_eq!(e, TextEncoding::Windows1252);
        assert!(t.contains("José García") && t.contains("Maël"), "{t}");
    }

    #[test]
    fn override_wins() {
        // Valid UTF-8 ("Ã©") read as 1252 on purpose gives mojibake, as the user asked.
        let (t, e) = decode("é\n".as_bytes(), Some(TextEncoding::Windows1252)).unwrap();
        assert_eq!((t.as_str(), e), ("Ã©\n", TextEncoding::Windows1252));
    }

    #[test]
    fn chunked_decoding_matches_whole() {
        let text = "ä,ö,ü,€\n".repeat(1000);
        let bytes = text.as_bytes();
        let mut d = Decoder::new(TextEncoding::Utf8);
        for chunk in bytes.chunks(7) {
            d.push(chunk, false);
        }
        d.push(&[], true);
        assert!(!d.malformed());
        assert_eq!(d.finish(), text);
    }

    #[test]
    fn head_cut_inside_a_character_is_still_utf8() {
        let bytes = "aaaé".as_bytes();
        assert_eq!(detect(&bytes[..4], false).unwrap(), TextEncoding::Utf8);
        assert_eq!(
            detect(&bytes[..4], true).unwrap(),
            TextEncoding::Windows1252
        );
    }

    #[test]
    fn empty_and_binary() {
        assert_eq!(decode(b"", None), Err(ReadError::Empty));
        assert_eq!(decode(b"\xEF\xBB\xBF \r\n", None), Err(ReadError::Empty));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(
            matches!(decode(png, None), Err(ReadError::Binary { looks_like }) if looks_like.contains("PNG"))
        );
        assert!(
            matches!(decode(b"PK\x03\x04\x14\0", None), Err(ReadError::Binary { looks_like }) if looks_like.contains("xlsx"))
        );
        assert!(matches!(
            decode(b"%PDF-1.4\n", None),
            Err(ReadError::Binary { .. })
        ));
        assert!(matches!(
            decode(b"ab\x01\x02\x03\x04\x05\x06\x07cd\0", None),
            Err(ReadError::Binary { .. })
        ));
    }

    /// Decodes `bytes` in pieces of `step` bytes.
    fn chunked(encoding: TextEncoding, bytes: &[u8], step: usize) -> (String, bool) {
        let mut d = Decoder::new(encoding);
        for chunk in bytes.chunks(step.max(1)) {
            d.push(chunk, false);
        }
        d.push(&[], true);
        let malformed = d.malformed();
        (d.finish(), malformed)
    }

    /// The same through encoding_rs (a dev-dependency only), the reference.
    fn reference(encoding: TextEncoding, bytes: &[u8]) -> (String, bool) {
        let enc = match encoding {
            TextEncoding::Utf8 => encoding_rs::UTF_8,
            TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
            TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
        };
        let mut d = enc.new_decoder_with_bom_removal();
        let mut text = String::with_capacity(bytes.len() * 3 + 16);
        let (_, _, malformed) = d.decode_to_string(bytes, &mut text, true);
        (text, malformed)
    }

    #[test]
    fn a_utf8_sequence_split_at_every_point() {
        let text = "\u{FEFF}a\u{E9}\u{20AC}\u{1F600}z\u{10FFFF}\n";
        let bytes = text.as_bytes();
        for step in 1..=bytes.len() {
            assert_eq!(
                chunked(TextEncoding::Utf8, bytes, step),
                (text[3..].to_string(), false),
                "step {step}"
            );
        }
        for cut in 0..=bytes.len() {
            let mut d = Decoder::new(TextEncoding::Utf8);
            d.push(&bytes[..cut], false);
            d.push(&bytes[cut..], true);
            assert!(!d.malformed());
            assert_eq!(d.finish(), &text[3..], "cut at {cut}");
        }
    }

    #[test]
    fn a_utf16_pair_split_at_every_point() {
        let text = "a\u{1F600}\u{E9}\u{10000}\n";
        for le in [true, false] {
            let enc = if le {
                TextEncoding::Utf16Le
            } else {
                TextEncoding::Utf16Be
            };
            let bytes = utf16(text, le, true);
            for step in 1..=bytes.len() {
                assert_eq!(chunked(enc, &bytes, step), (text.to_string(), false));
            }
            for cut in 0..=bytes.len() {
                let mut d = Decoder::new(enc);
                d.push(&bytes[..cut], false);
                d.push(&bytes[cut..], true);
                assert!(!d.malformed());
                assert_eq!(d.finish(), text, "cut at {cut}");
            }
        }
    }

    #[test]
    fn malformed_bytes_are_replaced_and_flagged() {
        let cases: [(TextEncoding, &[u8], &str); 12] = [
            (TextEncoding::Utf8, b"a\xFFb", "a\u{FFFD}b"),
            (TextEncoding::Utf8, b"a\xE2\x82", "a\u{FFFD}"),
            (TextEncoding::Utf8, b"\xE2\x82a", "\u{FFFD}a"),
            (TextEncoding::Utf8, b"\xF0\x9F\x98", "\u{FFFD}"),
            (TextEncoding::Utf8, b"\xC0\xAF", "\u{FFFD}\u{FFFD}"),
            (
                TextEncoding::Utf8,
                b"\xED\xA0\x80",
                "\u{FFFD}\u{FFFD}\u{FFFD}",
            ),
            (TextEncoding::Utf8, b"\xEF\xBB", "\u{FFFD}"),
            (TextEncoding::Utf16Le, b"a\0b", "a\u{FFFD}"),
            (TextEncoding::Utf16Le, b"\x00\xD8a\0", "\u{FFFD}a"),
            (TextEncoding::Utf16Le, b"\x00\xDCa\0", "\u{FFFD}a"),
            (
                TextEncoding::Utf16Be,
                b"\xD8\x00\xD8\x00",
                "\u{FFFD}\u{FFFD}",
            ),
            (TextEncoding::Utf16Be, b"\xD8\x00\x00", "\u{FFFD}"),
        ];
        for (enc, bytes, want) in cases {
            for step in 1..=bytes.len() {
                assert_eq!(
                    chunked(enc, bytes, step),
                    (want.to_string(), true),
                    "{enc:?} {bytes:?} step {step}"
                );
            }
            assert_eq!(reference(enc, bytes), (want.to_string(), true));
        }
        // Windows-1252 has no malformed bytes.
        let all: Vec<u8> = (0..=255).collect();
        assert!(!chunked(TextEncoding::Windows1252, &all, 5).1);
    }

    #[test]
    fn byte_order_marks() {
        // Removed once, only at the start, even when split.
        let bytes = b"\xEF\xBB\xBFa\xEF\xBB\xBF";
        for step in 1..=bytes.len() {
            assert_eq!(
                chunked(TextEncoding::Utf8, bytes, step),
                ("a\u{FEFF}".to_string(), false)
            );
        }
        assert_eq!(
            chunked(TextEncoding::Utf16Le, b"\xFF\xFE\xFF\xFE", 1),
            ("\u{FEFF}".to_string(), false)
        );
        assert_eq!(
            chunked(TextEncoding::Utf16Be, b"\xFE\xFFa", 1),
            ("\u{FFFD}".to_string(), true)
        );
        // Not a mark after a malformed byte, nor in another encoding.
        assert_eq!(
            chunked(TextEncoding::Utf8, b"\xFF\xEF\xBB\xBF", 2),
            ("\u{FFFD}\u{FEFF}".to_string(), true)
        );
        assert_eq!(
            chunked(TextEncoding::Utf16Le, b"\xEF\xBB\xBF\0", 3).0,
            "\u{BBEF}\u{BF}"
        );
        assert_eq!(
            chunked(TextEncoding::Windows1252, b"\xEF\xBB\xBFa", 2),
            ("\u{EF}\u{BB}\u{BF}a".to_string(), false)
        );
    }

    #[test]
    fn windows_1252_matches_the_whatwg_index() {
        let all: Vec<u8> = (0..=255).collect();
        let (text, _) = chunked(TextEncoding::Windows1252, &all, 7);
        assert_eq!(text, reference(TextEncoding::Windows1252, &all).0);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars.len(), 256);
        assert_eq!(chars[0x80], '\u{20AC}');
        assert_eq!(chars[0x9F], '\u{0178}');
        for b in [0x81, 0x8D, 0x8F, 0x90, 0x9D] {
            assert_eq!(chars[b] as usize, b);
        }
        assert_eq!(chars[0xE9], '\u{E9}');
    }

    proptest::proptest! {
        #[test]
        fn matches_encoding_rs(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<u8>(),
                    proptest::prelude::Just(0u8),
                    0x80u8..0xC0,
                    0xD8u8..0xE0,
                    proptest::prelude::Just(b'a'),
                ],
                0..64,
            ),
            step in 1usize..9,
        ) {
            for enc in TextEncoding::ALL {
                proptest::prop_assert_eq!(chunked(enc, &bytes, step), reference(enc, &bytes));
            }
        }

        #[test]
        fn matches_encoding_rs_on_text(text in "\\PC{0,40}", step in 1usize..9) {
            let mut bytes = text.as_bytes().to_vec();
            bytes.extend_from_slice(&utf16(&text, true, true));
            bytes.extend_from_slice(&utf16(&text, false, false));
            for enc in TextEncoding::ALL {
                proptest::prop_assert_eq!(chunked(enc, &bytes, step), reference(enc, &bytes));
            }
        }
    }

    #[test]
    #[ignore]
    fn speed_vs_encoding_rs() {
        let utf8 = "jos\u{e9}.garc\u{ed}a@example.com,Jos\u{e9},Garc\u{ed}a,pw12345678,2 GB\n"
            .repeat(400_000);
        let ascii = "jose.garcia@example.com,Jose,Garcia,pw12345678,2 GB\n".repeat(400_000);
        let w1252: Vec<u8> = utf8.chars().map(|c| c as u32 as u8).collect();
        let u16le = utf16(&utf8, true, false);
        let cases: [(&str, TextEncoding, &[u8]); 4] = [
            ("utf8 ascii", TextEncoding::Utf8, ascii.as_bytes()),
            ("utf8 accents", TextEncoding::Utf8, utf8.as_bytes()),
            ("1252", TextEncoding::Windows1252, &w1252),
            ("utf16le", TextEncoding::Utf16Le, &u16le),
        ];
        for (name, enc, bytes) in cases {
            let (mut mine, mut theirs) = (std::time::Duration::MAX, std::time::Duration::MAX);
            for _ in 0..5 {
                let t = std::time::Instant::now();
                let a = chunked(enc, bytes, 1 << 20);
                mine = mine.min(t.elapsed());
                let t = std::time::Instant::now();
                let b = reference(enc, bytes);
                theirs = theirs.min(t.elapsed());
                assert_eq!(a, b);
            }
            println!(
                "{name}: {} MB, ours {mine:?}, encoding_rs {theirs:?}",
                bytes.len() >> 20
            );
        }
    }
}
