//! Roster's pure core.
//!
//! The folders follow the pipeline a file takes, and none of them touches a browser type:
//!
//! - [`input`]: `decode` → `read` → `detect` → `map` → `validate` → `plan` (driven in steps
//!   by `reading`);
//! - [`targets`]: what a kind of target is and how to talk to it: `send` (requests and
//!   answers as data), one module per built-in target, the declarative `profile`s, `check`,
//!   `preview` and `diagnose`;
//! - [`run`]: the engine's state machine, `pace`, `status` and the `journal` a run resumes
//!   from;
//! - [`job`]: a whole import (and a Check) as one state machine over the run, its
//!   journal and the target's listings: events in, effects out, carried out by the glue;
//! - [`report`].
//!
//! The browser glue in the app crate only reads files, performs the [`http::HttpRequest`]s
//! the engine asks for, feeds the answers back, and saves the report.

pub mod http;
pub mod input;
pub mod job;
pub mod report;
pub mod run;
pub mod sort;
pub mod targets;

pub use input::field::UserRow;
pub use run::{State, Status, StatusCounts};
