//! The input: a dropped file's bytes become rows ready to send, in the order of the
//! pipeline: [`decode`] (bytes to text) → [`detect`] (delimiter, header, preamble) →
//! [`read`] (text to a table) → [`map`] (columns to [`field`]s: [`scores`] by
//! [`names`] and [`aliases`], a target's declared names, and [`evidence`] of content;
//! [`guess`]es and close calls) → [`validate`] (one row's rules) → [`plan`] (every row's
//! fate: [`planned`] rows, [`duplicates`]). [`reading`] drives those stages in slices, so
//! that a large file never blocks the page. [`error`], [`field`] (field ids and rows),
//! [`spec`] (what a target declares of a field) and [`checks`] (one value's checks) are
//! the leaves every stage shares. [`values`] maps the words of a fixed-value column
//! (`user`, `Kunde`) onto the values its field takes. [`bulk`] (actions on many rows) and
//! [`invalid`] (a row's problems with their values; the invalid rows as CSV) serve the
//! rows table.

pub mod aliases;
pub mod bulk;
pub mod checks;
pub mod decode;
pub mod detect;
pub mod duplicates;
pub mod error;
pub mod evidence;
pub mod field;
pub mod guess;
pub mod invalid;
pub mod map;
pub mod names;
pub mod passwords;
pub mod plan;
pub mod planned;
pub mod read;
pub mod reading;
pub mod scores;
pub mod spec;
pub mod summary;
pub mod validate;
pub mod values;
