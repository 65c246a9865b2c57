//! The input side of the page: the file's bytes and reading settings, the core [`Sheet`]
//! (table, mapping, rules), reading and planning in time slices, and the window of rows
//! the table shows.
//!
//! # Rows at scale
//!
//! The planned rows live once, in `AppState::plan` (an `Arc<Vec<PlannedRow>>`, edited in
//! place with `Arc::make_mut`, which copies nothing while no one else holds the Arc). No
//! row has a signal of its own. The table renders a fixed number of slots ([`SLOTS`]);
//! each slot has one signal holding the view of the row it shows now. Scrolling re-fills
//! the slots; a change to row `i` (an edit, an exclusion, or the run's `sync`) refreshes
//! only the slot that shows row `i`, if any. A million rows cost a million plain structs
//! and `SLOTS` signals, and an update to one row touches one slot.
//!
//! # Never a long task
//!
//! Reading, decoding, parsing and planning run in slices of [`BUDGET_MS`] and yield to the
//! page in between ([`crate::glue::file::Budget`]). Each job has a number; a job that
//! finds a newer one started (another file, another setting) stops.

mod bulk;
mod edit;
mod filter;
mod load;
pub mod model;
mod replan;
mod scroll;
mod window;

pub use bulk::*;
pub use edit::*;
pub use filter::*;
pub use load::*;
pub use model::*;
pub use replan::*;
pub use scroll::*;
pub use window::*;
