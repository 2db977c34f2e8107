//! Everything the daemon shows: war-room entries and markdown tables.
//!
//! - [`entry`]: the XSOAR entry (`Type`, `ContentsFormat`, `Contents`, `HumanReadable`,
//!   `EntryContext`) and the context-key selector form.
//! - [`markdown`]: a byte-exact port of XSOAR's `tableToMarkdown`.
//! - [`iam`]: the IAM commands' result object, entry, table and context selectors;
//!   [`iam_keys`]: the one definition of the 13 IAM output keys.
//! - [`spool`]: entries too large for memory, kept in temporary files until written.
//! - [`json_unescape`]: a spooled JSON string streamed back to text (`call`'s markdown).
//! - [`byte_scan`]: the first byte that needs escaping, found eight bytes at a time.
//! - [`json_escape`]: a JSON string's body escaped as serde_json does it, in runs.
//! - [`line_breaks`]: escaping U+0085, U+2028 and U+2029 in every output line.
//! - [`json_write`]: a value or string written as compact JSON with those escapes, as
//!   serde_json and [`line_breaks`] write it, in runs.
//! - [`entry_line`]: a `result` line, with contents that are in the context too serialised
//!   once.

pub mod byte_scan;
pub mod entry;
pub mod entry_line;
pub mod iam;
pub mod iam_keys;
pub mod json_escape;
pub mod json_unescape;
pub mod json_write;
pub mod line_breaks;
pub mod markdown;
pub mod spool;

pub use entry::{command_results, context_key, is_falsy, Entry, EntryType};
