//! Bytes to text: which encoding a file uses, and decoding it, all at once or in chunks.
//!
//! Detection order: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; then a file that is not
//! text at all (an image, a zip, an .xlsx) is refused with its likely kind; then UTF-16
//! without a mark is recognised by its zero bytes; then UTF-8 if the bytes are valid
//! UTF-8, else Windows-1252 (what Excel on Windows writes for "CSV").

use crate::read::ReadError;

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

    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            TextEncoding::Utf8 => encoding_rs::UTF_8,
            TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
            TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
        }
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

/// UTF-16 without a byte-order mark: text in a Latin script has a zero byte in every
/// other position.
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
    if odd * 10 >= pairs * 7 && even == 0 {
        Some(TextEncoding::Utf16Le)
    } else if even * 10 >= pairs * 7 && odd == 0 {
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
    let valid = encoding_rs::Encoding::utf8_valid_up_to(head);
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
pub struct Decoder {
    encoding: TextEncoding,
    inner: encoding_rs::Decoder,
    text: String,
    malformed: bool,
}

impl Decoder {
    pub fn new(encoding: TextEncoding) -> Decoder {
        Decoder {
            encoding,
            inner: encoding.encoding().new_decoder_with_bom_removal(),
            text: String::new(),
            malformed: false,
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
        let needed = self
            .inner
            .max_utf8_buffer_length(bytes.len())
            .unwrap_or(bytes.len() * 3);
        self.text.reserve(needed);
        let (_, _, replaced) = self.inner.decode_to_string(bytes, &mut self.text, last);
        self.malformed |= replaced;
    }

    /// Whether some bytes were not valid in this encoding (a UTF-8 guess that was wrong).
    pub fn malformed(&self) -> bool {
        self.malformed
    }

    pub fn finish(self) -> String {
        self.text
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
}
