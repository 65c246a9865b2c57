//! Why a file could not be read (a leaf, shared by decoding and parsing).

use std::fmt;

/// Why a file could not be read. Every variant names what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Empty,
    /// A header line and nothing below it.
    HeaderOnly,
    Binary {
        looks_like: &'static str,
    },
    NotUtf8 {
        byte_offset: usize,
    },
    Csv {
        line: Option<u64>,
        message: String,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Empty => write!(f, "The file is empty: it holds no rows to import."),
            ReadError::HeaderOnly => write!(
                f,
                "The file has a header but no rows: add one line per account below the header."
            ),
            ReadError::Binary { looks_like } => write!(
                f,
                "This is not a text file (it looks like {looks_like}). Open it in your spreadsheet program, save it as CSV (UTF-8), and drop that file instead."
            ),
            ReadError::NotUtf8 { byte_offset } => write!(
                f,
                "The file is not UTF-8 text (invalid byte at offset {byte_offset}). Save it as \"CSV UTF-8\" and try again."
            ),
            ReadError::Csv { line: Some(line), message } => {
                write!(f, "Line {line} cannot be read: {message}")
            }
            ReadError::Csv { line: None, message } => write!(f, "The file cannot be read: {message}"),
        }
    }
}

impl std::error::Error for ReadError {}
