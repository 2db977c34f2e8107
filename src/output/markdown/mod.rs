//! A byte-exact port of XSOAR's `tableToMarkdown`, as found in CommonServerPython (Nov-2024
//! copy, `demisto/content-ci-cd-template` 3719e347; identical to `demisto/content` 00428964).
//!
//! XSOAR users compare the war-room markdown of this daemon with what the Python integration
//! printed, so the output has to match byte for byte, quirks included. Each function names the
//! Python function it mirrors; comments call out the Python behaviour that is easy to get
//! wrong. The unit tests (`tests.rs`, and next to the string and float helpers) hold examples
//! produced by the Python code itself.
//!
//! Python-side types map to JSON as `json.loads` would produce them: `None` = `null`,
//! `dict` = object (insertion order, which serde_json's `preserve_order` keeps), `int` =
//! integer number, `float` = floating-point number.
//!
//! Where Python raises an exception, [`table_to_markdown`] returns a [`MarkdownError`] whose
//! text is the exception message. It never panics on any input.
//!
//! Besides the unit tests, this code was compared with the Python functions themselves (run
//! under CPython 3.11) on a few hundred thousand random tables, every Unicode code point (in
//! `repr()`, `json.dumps` and the header helpers) and a few hundred thousand floats, in several
//! time zones, with no difference.
//!
//! What lives where:
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the public entry points: [`table_to_markdown`], [`table`], [`TableOptions`], [`HeaderTransform`], [`MarkdownError`] |
//! | `render.rs` | the table itself: the `tableToMarkdown` body, [`TableStream`], [`escape_cell`] |
//! | `json_row.rs` | a [`TableStream`] row printed straight from the row's JSON text, without a `Value` tree |
//! | `cells.rs` | one cell's text: `formatCell`, `flattenCell`, the `JsonTransformer` of `is_auto_json_transform` |
//! | `clickable.rs` | `url_keys`: `url_to_clickable_markdown`, `create_clickable_url` |
//! | `dates.rs` | `date_fields`: epoch milliseconds to local time, Python's `int()` |
//! | `python_value.rs` | Python's view of a JSON value: truthiness, type names, and one tree walk for both `repr()` and `json.dumps` ([`python_repr`], [`json_dumps`], [`python_str`]) |
//! | `python_float.rs` | `float.__repr__`: shortest round-trip digits, CPython's notation |
//! | `header_helpers.rs` | the `headerTransform` helpers: `pascalToSpace`, `string_to_table_header`, `underscoreToCamelCase` |
//! | `str_methods.rs` | Python `str` methods the helpers use: `title`, `capitalize`, `split`, `isspace` |
//! | `unicode.rs` | Python 3.11's Unicode 14.0 tables: unassigned and non-printable code points, decimal digits |
//!
//! Limits:
//! - Unicode data is Python 3.11's (Unicode 14.0): printable characters, title-case exceptions,
//!   decimal digits and unassigned code points are tables here; other case mappings come from
//!   Rust's `char`, with stand-ins for the few characters whose properties changed since
//!   (checked against Rust 1.95 / Unicode 17).
//! - Not ported: `json_transform_mapping` (per-column Python callables) and custom
//!   `headerTransform` functions other than the three CommonServerPython helpers.
//! - Values are only as exact as the `Value` given: serde_json parses integers beyond 64 bits as
//!   floats (Python keeps them as `int`), and without its `float_roundtrip` feature it may read
//!   a float one unit in the last place away from what Python's `json.loads` reads.
//! - `date_fields` years below 1000 print unpadded, as glibc's `strftime` does.

mod cells;
mod clickable;
mod dates;
mod header_helpers;
mod json_row;
mod python_float;
mod python_value;
mod render;
mod str_methods;
mod unicode;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use header_helpers::header_transform;
pub use python_value::{json_dumps, python_repr, python_str};
pub use render::{escape_cell, TableStream};

/// The options of `tableToMarkdown(name, t, headers=None, headerTransform=None,
/// removeNull=False, metadata=None, url_keys=None, date_fields=None,
/// json_transform_mapping=None, is_auto_json_transform=False, sort_headers=True)`.
///
/// `json_transform_mapping` (a Python callable per column) is not ported.
#[derive(Debug, Clone)]
pub struct TableOptions {
    /// Python `headers`: the columns, in order. `None` or an empty list means "the keys of the
    /// first row" (Python tests `not headers`).
    pub headers: Option<Vec<String>>,
    /// Python `removeNull`: drop the columns whose value is `''`, `None`, `[]` or `{}` (or
    /// missing) in every row.
    pub remove_null: bool,
    /// Python `metadata`: a line printed under the title when non-empty.
    pub metadata: Option<String>,
    /// Python `sort_headers` (default **true**): sort the derived headers by code point. Has no
    /// effect when `headers` is given.
    pub sort_headers: bool,
    /// Python `headerTransform`. `None` escapes the header text like a cell; a transform
    /// replaces that escaping entirely (as in Python).
    pub header_transform: Option<HeaderTransform>,
    /// Python `url_keys`: values under these keys, anywhere in the table, become `[v](v)`.
    pub url_keys: Vec<String>,
    /// Python `date_fields`: epoch-millisecond values under these keys become
    /// `%Y-%m-%d %H:%M:%S` in the process's local time zone.
    pub date_fields: Vec<String>,
    /// Python `is_auto_json_transform`: render nested cells as a bold key tree instead of the
    /// flat `key: value` lines.
    pub auto_json_transform: bool,
}

impl TableOptions {
    /// Python's defaults: no headers, no null removal, no metadata, headers sorted.
    pub const fn new() -> Self {
        TableOptions {
            headers: None,
            remove_null: false,
            metadata: None,
            sort_headers: true,
            header_transform: None,
            url_keys: Vec::new(),
            date_fields: Vec::new(),
            auto_json_transform: false,
        }
    }
}

/// Written by hand because Python's `sort_headers` defaults to true.
impl Default for TableOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// The CommonServerPython header helpers that integrations pass as `headerTransform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderTransform {
    /// `pascalToSpace`: `someKey` → `Some Key`, `UserID` → `User ID`, `ID` → `ID`.
    PascalToSpace,
    /// `string_to_table_header`: `some_key` → `Some Key`.
    StringToTableHeader,
    /// `underscoreToCamelCase`: `some_key` → `SomeKey`.
    UnderscoreToCamelCase,
}

/// The exceptions Python's `tableToMarkdown` raises; the text is Python's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkdownError {
    /// A list of non-dict rows without headers.
    #[error("Missing headers param for tableToMarkdown. Example: headers=['Some Header']")]
    MissingHeaders,
    /// Python `TypeError`: a non-zero number or `true` as the table (`len()` of a scalar), or a
    /// list cell with non-string items under `is_auto_json_transform` (`', '.join`).
    #[error("{0}")]
    TypeError(String),
    /// Python `IndexError`: a single-key dict whose value is an empty list.
    #[error("{0}")]
    IndexError(String),
    /// Python `AttributeError`: a row after the first one that is not a dict.
    #[error("{0}")]
    AttributeError(String),
}

/// `tableToMarkdown(name, table, ...)`: the markdown table XSOAR integrations print.
///
/// `date_fields` use the process's local time zone, as Python's `datetime.fromtimestamp` does.
pub fn table_to_markdown(
    name: &str,
    table: &Value,
    options: &TableOptions,
) -> Result<String, MarkdownError> {
    render::render(name, table, options, &chrono::Local)
}

/// `tableToMarkdown(name, table)` with Python's defaults (sorted headers, no `removeNull`).
pub fn table(name: &str, table: &Value) -> Result<String, MarkdownError> {
    table_to_markdown(name, table, &TableOptions::new())
}
