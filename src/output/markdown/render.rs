//! The body of `tableToMarkdown`: title, headers, the single-key and scalar-list shapes,
//! `removeNull`, and one line per row; [`TableStream`] writes the same table row by row.

use std::borrow::Cow;

use chrono::TimeZone;
use serde_json::{Map, Value};

use super::cells::{format_cell, push_cell};
use super::clickable::url_to_clickable_markdown;
use super::dates::epoch_ms_to_local;
use super::header_transform;
use super::json_row::{self, RowBuffers};
use super::python_value::{is_falsy, python_type_name};
use super::{MarkdownError, TableOptions};
use crate::output::byte_scan::{byte_mask, find, less_mask};

/// The text Python emits for an empty table.
const NO_ENTRIES: &str = "**No entries.**\n";

/// `stringEscapeMD(s, minimal_escaping=True, escape_multiline=True)`: line breaks become
/// `<br>`, and only `|` and `` ` `` get a backslash. Other markdown characters and backslashes
/// are left alone.
pub fn escape_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped_cell(s, &mut out);
    out
}

/// [`escape_cell`], appended to `out`, in one pass. Python replaces `\r\n`, then `\r`, then
/// `\n` with `<br>`, then `|` and `` ` ``; no replacement makes text another one matches, so
/// one pass over the text gives the same.
pub(super) fn push_escaped_cell(s: &str, out: &mut String) {
    let mut rest = s;
    // `\r` and `\n` are the only bytes below 0x0E it looks for.
    let word_mask =
        |word: u64| less_mask(word, 0x0e) | byte_mask(word, b'|') | byte_mask(word, b'`');
    let special = |b: u8| matches!(b, b'\r' | b'\n' | b'|' | b'`');
    while let Some(at) = find(rest.as_bytes(), 0, word_mask, special) {
        // `at` is the index of an ASCII byte: a character boundary.
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let (escape, len) = match from.as_bytes() {
            [b'\r', b'\n', ..] => ("<br>", 2),
            [b'\r' | b'\n', ..] => ("<br>", 1),
            [b'|', ..] => ("\\|", 1),
            _ => ("\\`", 1),
        };
        out.push_str(escape);
        rest = from.get(len..).unwrap_or_default();
    }
    out.push_str(rest);
}

/// The body of `tableToMarkdown`, with the time zone for `date_fields` as a parameter so that
/// tests can run in UTC. Rows are read where they are (copied only to wrap scalars or to
/// rewrite `date_fields`), and every cell is formatted and escaped into one buffer.
pub(super) fn render<Tz: TimeZone>(
    name: &str,
    table: &Value,
    options: &TableOptions,
    tz: &Tz,
) -> Result<String, MarkdownError> {
    // `if url_keys: t = url_to_clickable_markdown(t, url_keys)` comes first of all.
    let clickable;
    let mut t = table;
    if !options.url_keys.is_empty() {
        clickable = url_to_clickable_markdown(table, &options.url_keys);
        t = &clickable;
    }

    let mut out = String::new();
    if !name.is_empty() {
        out.push_str("### ");
        out.push_str(name);
        out.push('\n');
    }
    if let Some(metadata) = options.metadata.as_deref().filter(|m| !m.is_empty()) {
        out.push_str(metadata);
        out.push('\n');
    }

    // `if not t or len(t) == 0`: falsy tables are empty; `len()` of any other scalar raises.
    if is_falsy(t) {
        out.push_str(NO_ENTRIES);
        return Ok(out);
    }
    if matches!(t, Value::Bool(_) | Value::Number(_)) {
        return Err(MarkdownError::TypeError(format!(
            "object of type '{}' has no len()",
            python_type_name(t)
        )));
    }

    // Python tests `not headers`, so an empty list counts as "no headers".
    let mut headers: Option<Vec<&str>> = options
        .headers
        .as_ref()
        .filter(|h| !h.is_empty())
        .map(|h| h.iter().map(String::as_str).collect());

    // A single-key dict without headers is a column table: the key is the header and the
    // value the rows. (When the value is itself a dict, it becomes one row that lacks that
    // key, which is why Python prints a single empty cell.)
    if headers.is_none() {
        if let Value::Object(map) = t {
            if map.len() == 1 {
                if let Some((key, value)) = map.iter().next() {
                    headers = Some(vec![key.as_str()]);
                    t = value;
                }
            }
        }
    }

    let mut rows: Vec<Cow<'_, Value>> = match t {
        Value::Array(items) => items.iter().map(Cow::Borrowed).collect(),
        other => vec![Cow::Borrowed(other)],
    };

    // `if not isinstance(t[0], dict)`: a list of scalars; every item (dicts included) is
    // wrapped as `{headers[0]: item}`.
    let first_is_dict = match rows.first() {
        Some(first) => first.is_object(),
        None => {
            return Err(MarkdownError::IndexError(
                "list index out of range".to_string(),
            ))
        }
    };
    if !first_is_dict {
        let Some(header) = headers.as_ref().and_then(|h| h.first()).copied() else {
            return Err(MarkdownError::MissingHeaders);
        };
        rows = rows
            .into_iter()
            .map(|item| {
                let mut row = Map::new();
                row.insert(header.to_string(), item.into_owned());
                Cow::Owned(Value::Object(row))
            })
            .collect();
    }

    // Headers not given: the keys of the FIRST row only, sorted by code point (byte order of
    // UTF-8 is code-point order) on the original keys.
    let mut headers: Vec<&str> = match headers {
        Some(headers) => headers,
        None => {
            let mut keys: Vec<&str> = rows
                .first()
                .and_then(|row| row.as_object())
                .map(|row| row.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if options.sort_headers {
                keys.sort_unstable();
            }
            keys
        }
    };

    if options.remove_null {
        let mut kept = Vec::with_capacity(headers.len());
        for header in &headers {
            // `all(obj.get(header) in ('', None, [], {}) for obj in t)`, short-circuiting
            // like Python: a non-dict row only raises when it is reached.
            let mut all_null = true;
            for row in &rows {
                let Value::Object(row) = row.as_ref() else {
                    return Err(no_attribute(row, "get"));
                };
                if !is_null_like(crate::json_object::get(row, header)) {
                    all_null = false;
                    break;
                }
            }
            if !all_null {
                kept.push(*header);
            }
        }
        headers = kept;
    }

    if headers.is_empty() {
        out.push_str(NO_ENTRIES);
        return Ok(out);
    }

    out.push('|');
    for (i, header) in headers.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        match options.header_transform {
            None => push_escaped_cell(header, &mut out),
            Some(kind) => out.push_str(&header_transform(kind, header)),
        }
    }
    out.push_str("|\n|");
    for i in 0..headers.len() {
        if i > 0 {
            out.push('|');
        }
        out.push_str("---");
    }
    out.push_str("|\n");

    let flatten = !options.auto_json_transform;
    // One cell's text before escaping, reused.
    let mut cell = String::new();
    for row in &rows {
        // `entry.copy()` then `entry_copy.get(h)`: lists can be copied but have no `get`.
        let row = match row.as_ref() {
            Value::Object(row) => row,
            Value::Array(_) => return Err(no_attribute(row, "get")),
            other => return Err(no_attribute(other, "copy")),
        };
        // The copy only matters when a date field is rewritten.
        let mut dated: Option<Map<String, Value>> = None;
        for field in &options.date_fields {
            // `try: ... except Exception: pass` — a missing key or a bad value is left as is.
            let current = dated.as_ref().unwrap_or(row);
            if let Some(date) = current.get(field).and_then(|v| epoch_ms_to_local(v, tz)) {
                dated
                    .get_or_insert_with(|| row.clone())
                    .insert(field.clone(), Value::String(date));
            }
        }
        let row = dated.as_ref().unwrap_or(row);
        out.push_str("| ");
        for (i, header) in headers.iter().enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            match crate::json_object::get(row, header) {
                None | Some(Value::Null) => {}
                Some(Value::String(text)) => push_escaped_cell(text, &mut out),
                Some(value) => {
                    cell.clear();
                    push_cell(value, flatten, &mut cell)?;
                    push_escaped_cell(&cell, &mut out);
                }
            }
        }
        out.push_str(" |\n");
    }
    Ok(out)
}

/// `tableToMarkdown(name, rows)` written row by row, for lists too large to hold in memory.
///
/// For a non-empty list whose first row is a dict, with the default options (headers from the
/// first row, sorted; no `removeNull`), `start` + every `row` gives exactly what
/// [`table`](super::table) gives for the whole list.
#[derive(Debug, Clone)]
pub struct TableStream {
    headers: Vec<String>,
    buffers: RowBuffers,
}

impl TableStream {
    /// The stream and the text that comes before the rows (title and header lines).
    pub fn start(name: &str, first_row: &Map<String, Value>) -> (TableStream, String) {
        let mut headers: Vec<String> = first_row.keys().cloned().collect();
        headers.sort();
        let mut out = String::new();
        if !name.is_empty() {
            out.push_str("### ");
            out.push_str(name);
            out.push('\n');
        }
        if headers.is_empty() {
            out.push_str(NO_ENTRIES);
        } else {
            let cells: Vec<String> = headers.iter().map(|h| escape_cell(h)).collect();
            out.push('|');
            out.push_str(&cells.join("|"));
            out.push_str("|\n|");
            out.push_str(&vec!["---"; headers.len()].join("|"));
            out.push_str("|\n");
        }
        (
            TableStream {
                headers,
                buffers: RowBuffers::default(),
            },
            out,
        )
    }

    /// One row's line (empty when the table has no columns).
    pub fn row(&self, row: &Value) -> Result<String, MarkdownError> {
        if self.headers.is_empty() {
            return Ok(String::new());
        }
        let row = match row {
            Value::Object(row) => row,
            Value::Array(_) => return Err(no_attribute(row, "get")),
            other => return Err(no_attribute(other, "copy")),
        };
        let mut cells = Vec::with_capacity(self.headers.len());
        for header in &self.headers {
            let cell = match row.get(header) {
                None | Some(Value::Null) => String::new(),
                Some(value) => format_cell(value, true)?,
            };
            cells.push(escape_cell(&cell));
        }
        Ok(format!("| {} |\n", cells.join(" | ")))
    }

    /// The line of the row whose JSON text is `text` (what [`row`](Self::row) gives for the
    /// parsed row), appended to `out`. The row is printed as it is read; the few rows that
    /// cannot be (see `json_row.rs`) are parsed and rendered by [`row`](Self::row).
    pub fn push_row_json(&mut self, text: &str, out: &mut String) -> Result<(), MarkdownError> {
        if self.headers.is_empty() {
            return Ok(());
        }
        if json_row::push_row(&self.headers, text, &mut self.buffers, out).is_err() {
            let value = serde_json::from_str(text).unwrap_or(Value::Null);
            out.push_str(&self.row(&value)?);
        }
        Ok(())
    }
}

/// `value in ('', None, [], {})`, with a missing key read as `None`.
fn is_null_like(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(map)) => map.is_empty(),
        Some(Value::Bool(_) | Value::Number(_)) => false,
    }
}

fn no_attribute(value: &Value, attribute: &str) -> MarkdownError {
    MarkdownError::AttributeError(format!(
        "'{}' object has no attribute '{attribute}'",
        python_type_name(value)
    ))
}
