//! Kinds of target Roster can create accounts on.
//!
//! [`profile`]: targets described by a declarative profile (a JSON file), and the presets
//! Roster ships.

pub mod profile;
