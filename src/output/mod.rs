//! Everything the daemon shows: war-room entries and markdown tables.
//!
//! - [`entry`]: the XSOAR entry (`Type`, `ContentsFormat`, `Contents`, `HumanReadable`,
//!   `EntryContext`) and the context-key selector form.
//! - [`markdown`]: a byte-exact port of XSOAR's `tableToMarkdown`.
//! - [`spool`]: entries too large for memory, kept in temporary files until written.

pub mod entry;
pub mod markdown;
pub mod spool;

pub use entry::{command_results, context_key, is_falsy, Entry, EntryType};
