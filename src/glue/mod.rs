//! The only code that touches browser APIs. Each function does one browser thing and
//! hands plain data back to the core.

pub mod clipboard;
pub mod clock;
pub mod download;
pub mod driver;
pub mod fetch;
pub mod file;
pub mod journal;
pub mod locks;
pub mod probe;
pub mod random;
#[cfg(feature = "sheets")]
pub mod sheets;
pub mod storage;
