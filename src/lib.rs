//! Roster in the browser: the UI (`ui`) over the pure core (`roster_core`), with a thin
//! layer of browser glue (`glue`) for files, fetch, timers and downloads.
//!
//! A library so that the page's own decisions are tested natively (`cargo test -p
//! roster`): leptos and web-sys compile on any target, only calling into the browser
//! needs one. `main.rs` mounts the page.

pub mod glue;
pub mod stopped;
pub mod ui;
