//! The input: a dropped file's bytes become rows ready to send, in the order of the
//! pipeline: [`decode`] (bytes to text) → [`detect`] (delimiter, header, preamble) →
//! [`read`] (text to a table) → [`map`] (columns to [`field`]s, by [`aliases`] and
//! content) → [`validate`] (one row's rules) → [`plan`] (every row's fate). [`reading`]
//! drives those stages in slices, so that a large file never blocks the page.
//! [`error`] and [`field`] are the leaves every stage shares. [`bulk`] (actions on many
//! rows) and [`invalid`] (a row's problems with their values; the invalid rows as CSV)
//! serve the rows table.

pub mod aliases;
pub mod bulk;
pub mod decode;
pub mod detect;
pub mod error;
pub mod field;
pub mod invalid;
pub mod map;
pub mod names;
pub mod plan;
pub mod read;
pub mod reading;
pub mod summary;
pub mod validate;
