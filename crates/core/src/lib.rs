//! Roster's pure core.
//!
//! The modules follow the pipeline a file takes, and none of them touches a browser type:
//!
//! `read` → `detect` → `map` → `validate` → `plan` (driven in steps by `reading`) → `send` (requests and answers as data,
//! one module per target) → `run` (the engine's state machine) → `report`.
//!
//! The browser glue in the app crate only reads files, performs the [`http::HttpRequest`]s
//! the engine asks for, feeds the answers back, and saves the report.

pub mod check;
pub mod diagnose;
pub mod http;
pub mod input;
pub mod journal;
pub mod report;
pub mod run;
pub mod send;
pub mod target;

pub use input::field::UserRow;
pub use run::{Status, StatusCounts};
