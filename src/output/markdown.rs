//! A byte-exact port of XSOAR's `tableToMarkdown`, as found in CommonServerPython (Nov-2024
//! copy, `demisto/content-ci-cd-template` 3719e347; identical to `demisto/content` 00428964).
//!
//! XSOAR users compare the war-room markdown of this daemon with what the Python integration
//! printed, so the output has to match byte for byte, quirks included. Each function below
//! names the Python function it mirrors; comments call out the Python behaviour that is easy to
//! get wrong. The research notes (`xsoar-protocol.md` §3) hold the algorithm and the examples
//! that the unit tests at the bottom of this file reproduce.
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

use chrono::{Datelike, TimeZone, Timelike};
use serde_json::{Map, Number, Value};

/// The text Python emits for an empty table.
const NO_ENTRIES: &str = "**No entries.**\n";

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
    render(name, table, options, &chrono::Local)
}

/// `tableToMarkdown(name, table)` with Python's defaults (sorted headers, no `removeNull`).
pub fn table(name: &str, table: &Value) -> Result<String, MarkdownError> {
    table_to_markdown(name, table, &TableOptions::new())
}

/// `stringEscapeMD(s, minimal_escaping=True, escape_multiline=True)`: line breaks become
/// `<br>`, and only `|` and `` ` `` get a backslash. Other markdown characters and backslashes
/// are left alone.
pub fn escape_cell(s: &str) -> String {
    // Python replaces `\r\n`, then `\r`, then `\n`; once `\r\n` is gone the last two are
    // independent, so one pass does both.
    s.replace("\r\n", "<br>")
        .replace(['\r', '\n'], "<br>")
        .replace('|', "\\|")
        .replace('`', "\\`")
}

/// Apply one of the CommonServerPython header helpers to `header`.
pub fn header_transform(kind: HeaderTransform, header: &str) -> String {
    match kind {
        HeaderTransform::PascalToSpace => pascal_to_space(header),
        HeaderTransform::StringToTableHeader => string_to_table_header(header),
        HeaderTransform::UnderscoreToCamelCase => underscore_to_camel_case(header),
    }
}

/// Python `str(v)` of a JSON value: strings bare, everything else as [`python_repr`]. This is
/// how list items are shown in a cell.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python `repr(v)` of a JSON value: `None`, `True`, `1.0`, `'text'`, `[1, 2]`, `{'k': 'v'}`.
pub fn python_repr(value: &Value) -> String {
    let mut out = String::new();
    push_repr(value, &mut out);
    out
}

/// Python `json.dumps(v, ensure_ascii=False)`: separators `", "` and `": "`, non-ASCII kept,
/// floats as Python prints them (`1e+20`, `1.0`).
pub fn json_dumps(value: &Value) -> String {
    let mut out = String::new();
    push_json(value, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// tableToMarkdown
// ---------------------------------------------------------------------------------------------

/// The body of `tableToMarkdown`, with the time zone for `date_fields` as a parameter so that
/// tests can run in UTC.
fn render<Tz: TimeZone>(
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
    let mut headers: Option<Vec<String>> = options.headers.clone().filter(|h| !h.is_empty());

    // A single-key dict without headers is a column table: the key is the header and the
    // value the rows. (When the value is itself a dict, it becomes one row that lacks that
    // key, which is why Python prints a single empty cell.)
    if headers.is_none() {
        if let Value::Object(map) = t {
            if map.len() == 1 {
                if let Some((key, value)) = map.iter().next() {
                    headers = Some(vec![key.clone()]);
                    t = value;
                }
            }
        }
    }

    let mut rows: Vec<Value> = match t {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
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
        let Some(header) = headers.as_ref().and_then(|h| h.first()).cloned() else {
            return Err(MarkdownError::MissingHeaders);
        };
        rows = rows
            .into_iter()
            .map(|item| {
                let mut row = Map::new();
                row.insert(header.clone(), item);
                Value::Object(row)
            })
            .collect();
    }

    // Headers not given: the keys of the FIRST row only, sorted by code point (byte order of
    // UTF-8 is code-point order) on the original keys.
    let mut headers = match headers {
        Some(headers) => headers,
        None => {
            let mut keys: Vec<String> = rows
                .first()
                .and_then(Value::as_object)
                .map(|row| row.keys().cloned().collect())
                .unwrap_or_default();
            if options.sort_headers {
                keys.sort();
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
                let Value::Object(row) = row else {
                    return Err(no_attribute(row, "get"));
                };
                if !is_null_like(row.get(header)) {
                    all_null = false;
                    break;
                }
            }
            if !all_null {
                kept.push(header.clone());
            }
        }
        headers = kept;
    }

    if headers.is_empty() {
        out.push_str(NO_ENTRIES);
        return Ok(out);
    }

    let header_cells: Vec<String> = headers
        .iter()
        .map(|h| match options.header_transform {
            None => escape_cell(h),
            Some(kind) => header_transform(kind, h),
        })
        .collect();
    out.push('|');
    out.push_str(&header_cells.join("|"));
    out.push_str("|\n|");
    out.push_str(&vec!["---"; headers.len()].join("|"));
    out.push_str("|\n");

    let flatten = !options.auto_json_transform;
    for row in &rows {
        // `entry.copy()` then `entry_copy.get(h)`: lists can be copied but have no `get`.
        let mut row = match row {
            Value::Object(row) => row.clone(),
            Value::Array(_) => return Err(no_attribute(row, "get")),
            other => return Err(no_attribute(other, "copy")),
        };
        for field in &options.date_fields {
            // `try: ... except Exception: pass` — a missing key or a bad value is left as is.
            if let Some(date) = row.get(field).and_then(|v| epoch_ms_to_local(v, tz)) {
                row.insert(field.clone(), Value::String(date));
            }
        }
        let mut cells = Vec::with_capacity(headers.len());
        for header in &headers {
            let cell = match row.get(header) {
                None | Some(Value::Null) => String::new(),
                Some(value) => format_cell(value, flatten)?,
            };
            cells.push(escape_cell(&cell));
        }
        out.push_str("| ");
        out.push_str(&cells.join(" | "));
        out.push_str(" |\n");
    }
    Ok(out)
}

/// `tableToMarkdown(name, rows)` written row by row, for lists too large to hold in memory.
///
/// For a non-empty list whose first row is a dict, with the default options (headers from the
/// first row, sorted; no `removeNull`), `start` + every `row` gives exactly what [`table`]
/// gives for the whole list.
#[derive(Debug, Clone)]
pub struct TableStream {
    headers: Vec<String>,
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
        (TableStream { headers }, out)
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
}

/// Python truthiness of a JSON value.
fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => number_is_zero(n),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
    }
}

fn number_is_zero(n: &Number) -> bool {
    if let Some(i) = n.as_i64() {
        i == 0
    } else if let Some(u) = n.as_u64() {
        u == 0
    } else {
        n.as_f64().is_some_and(|f| f == 0.0)
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

/// Python's `type(v).__name__`.
fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn no_attribute(value: &Value, attribute: &str) -> MarkdownError {
    MarkdownError::AttributeError(format!(
        "'{}' object has no attribute '{attribute}'",
        python_type_name(value)
    ))
}

// ---------------------------------------------------------------------------------------------
// url_keys
// ---------------------------------------------------------------------------------------------

/// `url_to_clickable_markdown(data, url_keys)`: recursive through dicts and lists.
fn url_to_clickable_markdown(data: &Value, url_keys: &[String]) -> Value {
    match data {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| url_to_clickable_markdown(item, url_keys))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = if url_keys.iter().any(|k| k == key) {
                        create_clickable_url(value)
                    } else {
                        url_to_clickable_markdown(value, url_keys)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `create_clickable_url(url)`: falsy → `None`; a list → a list of links; anything else →
/// `'[{}]({})'.format(url, url)`, which is `str()` of the value.
fn create_clickable_url(url: &Value) -> Value {
    let link = |v: &Value| {
        let s = python_str(v);
        Value::String(format!("[{s}]({s})"))
    };
    if is_falsy(url) {
        return Value::Null;
    }
    match url {
        Value::Array(items) => Value::Array(items.iter().map(link).collect()),
        other => link(other),
    }
}

// ---------------------------------------------------------------------------------------------
// date_fields
// ---------------------------------------------------------------------------------------------

/// `datetime.fromtimestamp(int(v) / 1000).strftime('%Y-%m-%d %H:%M:%S')` in `tz`, or `None`
/// where Python raises (and so keeps the value).
fn epoch_ms_to_local<Tz: TimeZone>(value: &Value, tz: &Tz) -> Option<String> {
    let ms = python_int(value)?;
    // Beyond 2^53 ms the float division loses whole seconds; such instants are far outside
    // Python's year range (1..=9999) anyway, so Python raises for them.
    if ms.unsigned_abs() >= 1 << 53 {
        return None;
    }
    // For |ms| < 2^53, Python's float division and microsecond rounding floor to this second.
    let seconds = i64::try_from(ms.div_euclid(1000)).ok()?;
    let local = tz.timestamp_opt(seconds, 0).single()?.naive_local();
    if !(1..=9999).contains(&local.year()) {
        return None;
    }
    // CPython also probes the local time one day earlier to detect a DST fold, and that
    // probe raises when it lands before year 1.
    let probe = tz
        .timestamp_opt(seconds.checked_sub(86_400)?, 0)
        .single()?
        .naive_local();
    if probe.year() < 1 {
        return None;
    }
    // glibc's `%Y` does not pad years below 1000, so neither does Python on Linux.
    Some(format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    ))
}

/// Python `int(v)` for the JSON types, or `None` where Python raises.
fn python_int(value: &Value) -> Option<i128> {
    match value {
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Some(i128::from(u))
            } else {
                // `int(float)` truncates toward zero; NaN and infinities raise.
                let f = n.as_f64()?.trunc();
                (f.is_finite() && f.abs() < 1e36).then_some(f as i128)
            }
        }
        Value::String(s) => parse_python_int(s),
        _ => None,
    }
}

/// `int(s)` in base 10, as CPython parses it: non-ASCII whitespace becomes a space and
/// non-ASCII decimal digits their ASCII digit (any other non-ASCII character fails); then
/// surrounding ASCII whitespace, an optional sign, and digits with single underscores between
/// them.
fn parse_python_int(s: &str) -> Option<i128> {
    let mut ascii = String::with_capacity(s.len());
    for c in s.chars() {
        if u32::from(c) < 0x7f {
            ascii.push(c);
        } else if is_python_space(c) {
            ascii.push(' ');
        } else {
            ascii.push(python_decimal(c)?);
        }
    }
    let s = ascii.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r'));
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let bytes = digits.as_bytes();
    let valid = bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.last().is_some_and(u8::is_ascii_digit)
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !digits.contains("__");
    if !valid {
        return None;
    }
    let magnitude: i128 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// The ASCII digit of a non-ASCII decimal digit (category Nd), per Python 3.11.
fn python_decimal(c: char) -> Option<char> {
    let code = u32::from(c);
    // Every Nd block is ten consecutive code points from its zero.
    let zero = DECIMAL_ZEROS
        .iter()
        .copied()
        .take_while(|zero| *zero <= code)
        .last()?;
    let digit = u8::try_from(code - zero).ok().filter(|d| *d < 10)?;
    Some(char::from(b'0' + digit))
}

/// The zeros of the decimal-digit (Nd) blocks of Unicode 14.0, as Python 3.11 knows them.
#[rustfmt::skip]
const DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6,
    0xD66, 0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
    0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
    0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0,
    0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0,
    0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0,
    0x1E950, 0x1FBF0,
];

// ---------------------------------------------------------------------------------------------
// formatCell / flattenCell / JsonTransformer
// ---------------------------------------------------------------------------------------------

/// `formatCell(data, is_pretty=False, JsonTransformer(flatten=not is_auto_json_transform))`.
fn format_cell(value: &Value, flatten: bool) -> Result<String, MarkdownError> {
    if let Value::String(s) = value {
        return Ok(s.clone());
    }
    if !flatten {
        return auto_json_to_str(value);
    }
    Ok(match value {
        // One `key: flattenCell(value)` line per item.
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| format!("{key}: {}", flatten_cell(value)))
            .collect::<Vec<_>>()
            .join("\n"),
        other => flatten_cell(other),
    })
}

/// `flattenCell(data, is_pretty=False)`: strings unchanged, lists as the `,\n` join of Python
/// `str()` of the items, anything else as compact `json.dumps`.
fn flatten_cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(python_str).collect::<Vec<_>>().join(",\n"),
        other => json_dumps(other),
    }
}

/// One step of a `JsonTransformer` path: a dict key or a list index.
#[derive(Debug, Clone, PartialEq)]
enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

/// One `(path, key, value)` triple of `json_to_path_generator`, the value already flattened.
struct PathLeaf<'a> {
    path: Vec<PathStep<'a>>,
    key: &'a str,
    value: String,
}

/// `JsonTransformer(flatten=False).json_to_str(data, is_pretty=False)`: the
/// `is_auto_json_transform` rendering. Scalars other than strings yield nothing, so they
/// render as an empty cell, as in Python.
fn auto_json_to_str(value: &Value) -> Result<String, MarkdownError> {
    let mut leaves = Vec::new();
    json_to_path_generator(value, &mut Vec::new(), &mut leaves)?;

    let mut lines = Vec::with_capacity(leaves.len());
    let mut prev_path: &[PathStep] = &[];
    for leaf in &leaves {
        let path = leaf.path.as_slice();
        let mut str_path = String::new();
        let mut full_tabs = "\t".repeat(path.len());
        if path != prev_path {
            let common = prev_path
                .iter()
                .zip(path)
                .take_while(|(a, b)| a == b)
                .count();
            for (i, step) in path.iter().enumerate().skip(common) {
                str_path.push_str(&"\t".repeat(i));
                match step {
                    PathStep::Key(key) => {
                        str_path.push_str("**");
                        str_path.push_str(key);
                        str_path.push_str("**:\n");
                    }
                    PathStep::Index(_) => str_path.push_str("**-**"),
                }
            }
            prev_path = path;
            if matches!(path.last(), Some(PathStep::Index(_))) {
                // "if it is a beginning of a list, there is only one tab left"
                full_tabs = "\t".to_string();
            }
        }
        lines.push(format!(
            "{str_path}{full_tabs}***{}***: {}",
            leaf.key, leaf.value
        ));
    }
    Ok(lines.join("\n"))
}

/// `JsonTransformer.json_to_path_generator` with no `keys` filter.
fn json_to_path_generator<'a>(
    value: &'a Value,
    path: &mut Vec<PathStep<'a>>,
    leaves: &mut Vec<PathLeaf<'a>>,
) -> Result<(), MarkdownError> {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if value.is_object() || value.is_array() {
                    path.push(PathStep::Key(key));
                    json_to_path_generator(value, path, leaves)?;
                    path.pop();
                } else {
                    leaves.push(PathLeaf {
                        path: path.clone(),
                        key,
                        value: flatten_cell(value),
                    });
                }
            }
        }
        Value::Array(items) => {
            let nested = items
                .first()
                .is_some_and(|first| first.is_object() || first.is_array());
            if nested {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathStep::Index(i));
                    json_to_path_generator(item, path, leaves)?;
                    path.pop();
                }
            } else {
                // `', '.join(json_input)`: every item must be a string.
                let mut parts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => parts.push(s.as_str()),
                        other => {
                            return Err(MarkdownError::TypeError(format!(
                                "sequence item {i}: expected str instance, {} found",
                                python_type_name(other)
                            )))
                        }
                    }
                }
                leaves.push(PathLeaf {
                    path: path.clone(),
                    key: "values",
                    value: parts.join(", "),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Python repr / json.dumps
// ---------------------------------------------------------------------------------------------

fn push_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&python_number(n, false)),
        Value::String(s) => push_repr_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_repr_str(key, out);
                out.push_str(": ");
                push_repr(item, out);
            }
            out.push('}');
        }
    }
}

/// CPython's `unicode_repr`: single quotes unless the text has `'` and no `"`; backslash
/// escapes for the quote, `\`, `\t`, `\n`, `\r`; `\xhh` for other ASCII controls; non-ASCII
/// kept when printable, else `\xhh`, `\uhhhh` or `\Uhhhhhhhh` (lowercase hex).
fn push_repr_str(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        let code = u32::from(c);
        if c == quote || c == '\\' {
            out.push('\\');
            out.push(c);
        } else if c == '\t' {
            out.push_str("\\t");
        } else if c == '\n' {
            out.push_str("\\n");
        } else if c == '\r' {
            out.push_str("\\r");
        } else if code < 0x20 || code == 0x7f {
            out.push_str(&format!("\\x{code:02x}"));
        } else if code < 0x7f || is_python_printable(c) {
            out.push(c);
        } else if code <= 0xff {
            out.push_str(&format!("\\x{code:02x}"));
        } else if code <= 0xffff {
            out.push_str(&format!("\\u{code:04x}"));
        } else {
            out.push_str(&format!("\\U{code:08x}"));
        }
    }
    out.push(quote);
}

fn push_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&python_number(n, true)),
        Value::String(s) => push_json_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json_str(key, out);
                out.push_str(": ");
                push_json(item, out);
            }
            out.push('}');
        }
    }
}

/// `json.dumps` string escaping with `ensure_ascii=False`: only `"`, `\` and C0 controls.
fn push_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Python prints it: integers as-is, floats with `float.__repr__`.
fn python_number(n: &Number, json: bool) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        n.as_f64()
            .map(|f| python_float_repr(f, json))
            .unwrap_or_default()
    }
}

/// CPython's `float_repr` (`repr` mode, shortest round-trip digits): positional notation when
/// the decimal exponent is in `[-4, 16)`, with `.0` added to whole numbers; otherwise
/// `d[.ddd]e±XX` with at least two exponent digits. `json` selects `json.dumps`'s spelling of
/// the non-finite values (serde_json cannot hold them, so this is only for completeness).
fn python_float_repr(x: f64, json: bool) -> String {
    if x.is_nan() {
        return if json { "NaN" } else { "nan" }.to_string();
    }
    if x.is_infinite() {
        let text = match (json, x > 0.0) {
            (true, true) => "Infinity",
            (true, false) => "-Infinity",
            (false, true) => "inf",
            (false, false) => "-inf",
        };
        return text.to_string();
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    let magnitude = x.abs();
    if magnitude == 0.0 {
        out.push_str("0.0");
        return out;
    }
    let (digits, exponent) = shortest_digits(magnitude);
    let ndigits = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // The position of the decimal point relative to the digits.
    let decpt = exponent + 1;
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exponent.unsigned_abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(decpt.unsigned_abs() as usize));
        out.push_str(&digits);
    } else if decpt >= ndigits {
        out.push_str(&digits);
        out.push_str(&"0".repeat((decpt - ndigits) as usize));
        out.push_str(".0");
    } else {
        let (whole, fraction) = digits.split_at(decpt as usize);
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// The shortest digits that read back as `magnitude` (a positive finite float) and the decimal
/// exponent of the first one, chosen as CPython's `dtoa` mode 0 does.
///
/// Rust's `{:e}` also prints the shortest round-trip digits, but when the exact value lies
/// exactly halfway between two shortest candidates it takes the upper one, where `dtoa` takes
/// the one ending in an even digit (`1932959388700000.25` is `...0.2` in Python). Rust's
/// fixed-precision formatting is exact, so it tells when that tie happens.
fn shortest_digits(magnitude: f64) -> (String, i32) {
    let (digits, exponent) = split_scientific(&format!("{magnitude:e}"));
    // 1100 digits hold the whole exact expansion of any f64 (at most 767 significant digits).
    let (exact, exact_exponent) = split_scientific(&format!("{magnitude:.1100e}"));
    let exact = exact.trim_end_matches('0');
    let tie_candidates = exact
        .strip_suffix('5')
        .filter(|lower| !lower.is_empty())
        .and_then(|lower| {
            let last = lower.chars().last()?.to_digit(10)?;
            let upper = format!("{}{}", lower.get(..lower.len() - 1)?, last + 1);
            Some((lower, last, upper))
        });
    if let Some((lower, last, upper)) = tie_candidates {
        let lower_reads_back = format!("{lower}e{}", exact_exponent - lower.len() as i32 + 1)
            .parse::<f64>()
            .is_ok_and(|v| v == magnitude);
        if last % 2 == 0
            && last != 9
            && upper == digits
            && exponent == exact_exponent
            && lower_reads_back
        {
            let lower = lower.trim_end_matches('0');
            let lower = if lower.is_empty() { "0" } else { lower };
            return (lower.to_string(), exact_exponent);
        }
    }
    (digits, exponent)
}

/// `"d.ddde±x"` as Rust prints it → (the digits without the point, the exponent).
fn split_scientific(text: &str) -> (String, i32) {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    (
        mantissa.chars().filter(char::is_ascii_digit).collect(),
        exponent.parse().unwrap_or(0),
    )
}

// ---------------------------------------------------------------------------------------------
// Header helpers and Python string methods
// ---------------------------------------------------------------------------------------------

/// `pascalToSpace(s)`: every match of `([A-Z]?[a-z]+)` (ASCII) is replaced, everywhere in the
/// evolving string, by `' ' + match.title() + ' '`; then whitespace runs collapse to one space.
fn pascal_to_space(s: &str) -> String {
    let mut text = s.to_string();
    for token in pascal_tokens(s) {
        text = text.replace(&token, &format!(" {} ", python_title(&token)));
    }
    python_split_whitespace(&text).collect::<Vec<_>>().join(" ")
}

/// `re.findall('([A-Z]?[a-z]+)', s)`.
fn pascal_tokens(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let is_lower = |i: usize| chars.get(i).is_some_and(char::is_ascii_lowercase);
    let is_upper = |i: usize| chars.get(i).is_some_and(char::is_ascii_uppercase);
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let mut end = if is_upper(i) && is_lower(i + 1) {
            i + 1
        } else {
            i
        };
        if is_lower(end) {
            while is_lower(end) {
                end += 1;
            }
            tokens.push(chars.get(start..end).unwrap_or_default().iter().collect());
            i = end;
        } else {
            i += 1;
        }
    }
    tokens
}

/// `string_to_table_header(s)`: `_` → space, split on whitespace, `capitalize()` each word.
fn string_to_table_header(s: &str) -> String {
    python_split_whitespace(&s.replace('_', " "))
        .map(python_capitalize)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `underscoreToCamelCase(s)`: `''.join(x.title() for x in s.split('_'))`.
fn underscore_to_camel_case(s: &str) -> String {
    s.split('_').map(python_title).collect()
}

/// Python's `str.isspace` for one character: Unicode White_Space plus U+001C..U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.split()` with no argument.
fn python_split_whitespace(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_python_space).filter(|word| !word.is_empty())
}

/// `str.title()`: a character following a cased character is lowercased, any other is
/// title-cased.
fn python_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut previous_is_cased = false;
    for (c, lower) in s.chars().zip(python_lower_each(s)) {
        if previous_is_cased {
            out.push_str(&lower);
        } else {
            push_python_title_case(c, &mut out);
        }
        previous_is_cased = is_cased(c);
    }
    out
}

/// `str.capitalize()` (Python 3.8+): the first character title-cased, the rest lowercased.
fn python_capitalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, (c, lower)) in s.chars().zip(python_lower_each(s)).enumerate() {
        if i == 0 {
            push_python_title_case(c, &mut out);
        } else {
            out.push_str(&lower);
        }
    }
    out
}

/// The lowercase of each character of `s` in context, as CPython's `lower_ucs4`: only capital
/// sigma depends on its neighbours (final `ς` vs `σ`), and Rust's `str::to_lowercase` applies
/// the same Final_Sigma rule, so its output is read back character by character. Characters
/// whose Unicode properties differ between Python 3.11 and Rust are first replaced by stand-ins
/// with Python's properties (see [`python_stand_in`]).
fn python_lower_each(s: &str) -> Vec<String> {
    let stand_ins: Vec<char> = s.chars().map(python_stand_in).collect();
    let whole: String = stand_ins.iter().collect::<String>().to_lowercase();
    let mut lowered = whole.chars();
    s.chars()
        .zip(stand_ins)
        .map(|(c, stand_in)| {
            if c == 'Σ' {
                lowered.next().unwrap_or('σ').to_string()
            } else {
                for _ in stand_in.to_lowercase() {
                    lowered.next();
                }
                python_case_map(c, c.to_lowercase())
            }
        })
        .collect()
}

/// A character with the same Cased and Case_Ignorable properties in Rust as `c` has in
/// Python 3.11 (Unicode 14.0), for the characters where the two differ (found by comparing
/// every code point with CPython): characters unassigned in Unicode 14.0 are neither (`\0`);
/// U+0295 `ʕ` was a lowercase letter until Unicode 16 (`a`); the modifier letters U+10FC,
/// U+A7F2..U+A7F4 and U+AB69 were not cased yet, and U+1171E was a nonspacing mark, so all
/// of them were case ignorable only (`'`).
fn python_stand_in(c: char) -> char {
    match u32::from(c) {
        0x295 => 'a',
        0x10FC | 0xA7F2..=0xA7F4 | 0xAB69 | 0x1171E => '\'',
        _ if !is_assigned_in_python(c) => '\0',
        _ => c,
    }
}

/// Unicode "Cased": lowercase, uppercase or titlecase letter (`_PyUnicode_IsCased`), with
/// Python 3.11's view of the characters that changed since.
fn is_cased(c: char) -> bool {
    let c = python_stand_in(c);
    c.is_lowercase()
        || c.is_uppercase()
        || matches!(
            u32::from(c),
            0x1C5 | 0x1C8 | 0x1CB | 0x1F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF
                | 0x1FBC | 0x1FCC | 0x1FFC
        )
}

/// `_PyUnicode_ToTitleFull(c)`: the uppercase mapping except for the characters whose title
/// case differs from their upper case (digraphs, ligatures, Georgian, Greek iota subscripts),
/// listed from Python 3.11's tables.
fn push_python_title_case(c: char, out: &mut String) {
    let code = u32::from(c);
    let special: Option<&str> = match code {
        0xDF => Some("Ss"),
        0x587 => Some("\u{535}\u{582}"),
        0x1FB2 => Some("\u{1FBA}\u{345}"),
        0x1FB4 => Some("\u{386}\u{345}"),
        0x1FB7 => Some("\u{391}\u{342}\u{345}"),
        0x1FC2 => Some("\u{1FCA}\u{345}"),
        0x1FC4 => Some("\u{389}\u{345}"),
        0x1FC7 => Some("\u{397}\u{342}\u{345}"),
        0x1FF2 => Some("\u{1FFA}\u{345}"),
        0x1FF4 => Some("\u{38F}\u{345}"),
        0x1FF7 => Some("\u{3A9}\u{342}\u{345}"),
        0xFB00 => Some("Ff"),
        0xFB01 => Some("Fi"),
        0xFB02 => Some("Fl"),
        0xFB03 => Some("Ffi"),
        0xFB04 => Some("Ffl"),
        0xFB05 | 0xFB06 => Some("St"),
        0xFB13 => Some("\u{544}\u{576}"),
        0xFB14 => Some("\u{544}\u{565}"),
        0xFB15 => Some("\u{544}\u{56B}"),
        0xFB16 => Some("\u{54E}\u{576}"),
        0xFB17 => Some("\u{544}\u{56D}"),
        _ => None,
    };
    if let Some(text) = special {
        out.push_str(text);
        return;
    }
    let single: Option<u32> = match code {
        0x1C4..=0x1C6 => Some(0x1C5),
        0x1C7..=0x1C9 => Some(0x1C8),
        0x1CA..=0x1CC => Some(0x1CB),
        0x1F1..=0x1F3 => Some(0x1F2),
        // Georgian Mkhedruli: uppercase is Mtavruli, title case is the letter itself.
        0x10D0..=0x10FA | 0x10FD..=0x10FF => Some(code),
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => Some(code + 8),
        0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC => {
            Some(code)
        }
        0x1FB3 => Some(0x1FBC),
        0x1FC3 => Some(0x1FCC),
        0x1FF3 => Some(0x1FFC),
        _ => None,
    };
    match single.and_then(char::from_u32) {
        Some(mapped) => out.push(mapped),
        None => out.push_str(&python_case_map(c, c.to_uppercase())),
    }
}

/// Rust's case mapping `mapped` of `c`, or `c` itself where Python 3.11 has no mapping:
/// `c` is newer than Unicode 14.0, or the mapping is to a newer character (such as
/// `ƛ` → U+A7DC, added in Unicode 16).
fn python_case_map(c: char, mapped: impl Iterator<Item = char> + Clone) -> String {
    if is_assigned_in_python(c) && mapped.clone().all(is_assigned_in_python) {
        mapped.collect()
    } else {
        c.to_string()
    }
}

/// Python's `str.isprintable` for a non-ASCII character.
fn is_python_printable(c: char) -> bool {
    !in_ranges(UNASSIGNED, c) && !in_ranges(OTHER_NON_PRINTABLE, c)
}

/// Whether `c` is assigned in Python 3.11's Unicode 14.0 database.
fn is_assigned_in_python(c: char) -> bool {
    u32::from(c) < 0x80 || !in_ranges(UNASSIGNED, c)
}

/// Binary search of `c` in sorted inclusive `start, end` pairs.
fn in_ranges(ranges: &[u32], c: char) -> bool {
    let code = u32::from(c);
    let (mut low, mut high) = (0, ranges.len() / 2);
    while low < high {
        let mid = low + (high - low) / 2;
        let start = ranges.get(2 * mid).copied().unwrap_or(0);
        let end = ranges.get(2 * mid + 1).copied().unwrap_or(0);
        if code < start {
            high = mid;
        } else if code > end {
            low = mid + 1;
        } else {
            return true;
        }
    }
    false
}

/// Code points from U+0080 up that are unassigned (category Cn) in Python 3.11's Unicode 14.0
/// database, as sorted inclusive `start, end` pairs. Generated with CPython's `unicodedata`.
#[rustfmt::skip]
const UNASSIGNED: &[u32] = &[
    0x378, 0x379, 0x380, 0x383, 0x38B, 0x38B, 0x38D, 0x38D,
    0x3A2, 0x3A2, 0x530, 0x530, 0x557, 0x558, 0x58B, 0x58C,
    0x590, 0x590, 0x5C8, 0x5CF, 0x5EB, 0x5EE, 0x5F5, 0x5FF,
    0x70E, 0x70E, 0x74B, 0x74C, 0x7B2, 0x7BF, 0x7FB, 0x7FC,
    0x82E, 0x82F, 0x83F, 0x83F, 0x85C, 0x85D, 0x85F, 0x85F,
    0x86B, 0x86F, 0x88F, 0x88F, 0x892, 0x897, 0x984, 0x984,
    0x98D, 0x98E, 0x991, 0x992, 0x9A9, 0x9A9, 0x9B1, 0x9B1,
    0x9B3, 0x9B5, 0x9BA, 0x9BB, 0x9C5, 0x9C6, 0x9C9, 0x9CA,
    0x9CF, 0x9D6, 0x9D8, 0x9DB, 0x9DE, 0x9DE, 0x9E4, 0x9E5,
    0x9FF, 0xA00, 0xA04, 0xA04, 0xA0B, 0xA0E, 0xA11, 0xA12,
    0xA29, 0xA29, 0xA31, 0xA31, 0xA34, 0xA34, 0xA37, 0xA37,
    0xA3A, 0xA3B, 0xA3D, 0xA3D, 0xA43, 0xA46, 0xA49, 0xA4A,
    0xA4E, 0xA50, 0xA52, 0xA58, 0xA5D, 0xA5D, 0xA5F, 0xA65,
    0xA77, 0xA80, 0xA84, 0xA84, 0xA8E, 0xA8E, 0xA92, 0xA92,
    0xAA9, 0xAA9, 0xAB1, 0xAB1, 0xAB4, 0xAB4, 0xABA, 0xABB,
    0xAC6, 0xAC6, 0xACA, 0xACA, 0xACE, 0xACF, 0xAD1, 0xADF,
    0xAE4, 0xAE5, 0xAF2, 0xAF8, 0xB00, 0xB00, 0xB04, 0xB04,
    0xB0D, 0xB0E, 0xB11, 0xB12, 0xB29, 0xB29, 0xB31, 0xB31,
    0xB34, 0xB34, 0xB3A, 0xB3B, 0xB45, 0xB46, 0xB49, 0xB4A,
    0xB4E, 0xB54, 0xB58, 0xB5B, 0xB5E, 0xB5E, 0xB64, 0xB65,
    0xB78, 0xB81, 0xB84, 0xB84, 0xB8B, 0xB8D, 0xB91, 0xB91,
    0xB96, 0xB98, 0xB9B, 0xB9B, 0xB9D, 0xB9D, 0xBA0, 0xBA2,
    0xBA5, 0xBA7, 0xBAB, 0xBAD, 0xBBA, 0xBBD, 0xBC3, 0xBC5,
    0xBC9, 0xBC9, 0xBCE, 0xBCF, 0xBD1, 0xBD6, 0xBD8, 0xBE5,
    0xBFB, 0xBFF, 0xC0D, 0xC0D, 0xC11, 0xC11, 0xC29, 0xC29,
    0xC3A, 0xC3B, 0xC45, 0xC45, 0xC49, 0xC49, 0xC4E, 0xC54,
    0xC57, 0xC57, 0xC5B, 0xC5C, 0xC5E, 0xC5F, 0xC64, 0xC65,
    0xC70, 0xC76, 0xC8D, 0xC8D, 0xC91, 0xC91, 0xCA9, 0xCA9,
    0xCB4, 0xCB4, 0xCBA, 0xCBB, 0xCC5, 0xCC5, 0xCC9, 0xCC9,
    0xCCE, 0xCD4, 0xCD7, 0xCDC, 0xCDF, 0xCDF, 0xCE4, 0xCE5,
    0xCF0, 0xCF0, 0xCF3, 0xCFF, 0xD0D, 0xD0D, 0xD11, 0xD11,
    0xD45, 0xD45, 0xD49, 0xD49, 0xD50, 0xD53, 0xD64, 0xD65,
    0xD80, 0xD80, 0xD84, 0xD84, 0xD97, 0xD99, 0xDB2, 0xDB2,
    0xDBC, 0xDBC, 0xDBE, 0xDBF, 0xDC7, 0xDC9, 0xDCB, 0xDCE,
    0xDD5, 0xDD5, 0xDD7, 0xDD7, 0xDE0, 0xDE5, 0xDF0, 0xDF1,
    0xDF5, 0xE00, 0xE3B, 0xE3E, 0xE5C, 0xE80, 0xE83, 0xE83,
    0xE85, 0xE85, 0xE8B, 0xE8B, 0xEA4, 0xEA4, 0xEA6, 0xEA6,
    0xEBE, 0xEBF, 0xEC5, 0xEC5, 0xEC7, 0xEC7, 0xECE, 0xECF,
    0xEDA, 0xEDB, 0xEE0, 0xEFF, 0xF48, 0xF48, 0xF6D, 0xF70,
    0xF98, 0xF98, 0xFBD, 0xFBD, 0xFCD, 0xFCD, 0xFDB, 0xFFF,
    0x10C6, 0x10C6, 0x10C8, 0x10CC, 0x10CE, 0x10CF, 0x1249, 0x1249,
    0x124E, 0x124F, 0x1257, 0x1257, 0x1259, 0x1259, 0x125E, 0x125F,
    0x1289, 0x1289, 0x128E, 0x128F, 0x12B1, 0x12B1, 0x12B6, 0x12B7,
    0x12BF, 0x12BF, 0x12C1, 0x12C1, 0x12C6, 0x12C7, 0x12D7, 0x12D7,
    0x1311, 0x1311, 0x1316, 0x1317, 0x135B, 0x135C, 0x137D, 0x137F,
    0x139A, 0x139F, 0x13F6, 0x13F7, 0x13FE, 0x13FF, 0x169D, 0x169F,
    0x16F9, 0x16FF, 0x1716, 0x171E, 0x1737, 0x173F, 0x1754, 0x175F,
    0x176D, 0x176D, 0x1771, 0x1771, 0x1774, 0x177F, 0x17DE, 0x17DF,
    0x17EA, 0x17EF, 0x17FA, 0x17FF, 0x181A, 0x181F, 0x1879, 0x187F,
    0x18AB, 0x18AF, 0x18F6, 0x18FF, 0x191F, 0x191F, 0x192C, 0x192F,
    0x193C, 0x193F, 0x1941, 0x1943, 0x196E, 0x196F, 0x1975, 0x197F,
    0x19AC, 0x19AF, 0x19CA, 0x19CF, 0x19DB, 0x19DD, 0x1A1C, 0x1A1D,
    0x1A5F, 0x1A5F, 0x1A7D, 0x1A7E, 0x1A8A, 0x1A8F, 0x1A9A, 0x1A9F,
    0x1AAE, 0x1AAF, 0x1ACF, 0x1AFF, 0x1B4D, 0x1B4F, 0x1B7F, 0x1B7F,
    0x1BF4, 0x1BFB, 0x1C38, 0x1C3A, 0x1C4A, 0x1C4C, 0x1C89, 0x1C8F,
    0x1CBB, 0x1CBC, 0x1CC8, 0x1CCF, 0x1CFB, 0x1CFF, 0x1F16, 0x1F17,
    0x1F1E, 0x1F1F, 0x1F46, 0x1F47, 0x1F4E, 0x1F4F, 0x1F58, 0x1F58,
    0x1F5A, 0x1F5A, 0x1F5C, 0x1F5C, 0x1F5E, 0x1F5E, 0x1F7E, 0x1F7F,
    0x1FB5, 0x1FB5, 0x1FC5, 0x1FC5, 0x1FD4, 0x1FD5, 0x1FDC, 0x1FDC,
    0x1FF0, 0x1FF1, 0x1FF5, 0x1FF5, 0x1FFF, 0x1FFF, 0x2065, 0x2065,
    0x2072, 0x2073, 0x208F, 0x208F, 0x209D, 0x209F, 0x20C1, 0x20CF,
    0x20F1, 0x20FF, 0x218C, 0x218F, 0x2427, 0x243F, 0x244B, 0x245F,
    0x2B74, 0x2B75, 0x2B96, 0x2B96, 0x2CF4, 0x2CF8, 0x2D26, 0x2D26,
    0x2D28, 0x2D2C, 0x2D2E, 0x2D2F, 0x2D68, 0x2D6E, 0x2D71, 0x2D7E,
    0x2D97, 0x2D9F, 0x2DA7, 0x2DA7, 0x2DAF, 0x2DAF, 0x2DB7, 0x2DB7,
    0x2DBF, 0x2DBF, 0x2DC7, 0x2DC7, 0x2DCF, 0x2DCF, 0x2DD7, 0x2DD7,
    0x2DDF, 0x2DDF, 0x2E5E, 0x2E7F, 0x2E9A, 0x2E9A, 0x2EF4, 0x2EFF,
    0x2FD6, 0x2FEF, 0x2FFC, 0x2FFF, 0x3040, 0x3040, 0x3097, 0x3098,
    0x3100, 0x3104, 0x3130, 0x3130, 0x318F, 0x318F, 0x31E4, 0x31EF,
    0x321F, 0x321F, 0xA48D, 0xA48F, 0xA4C7, 0xA4CF, 0xA62C, 0xA63F,
    0xA6F8, 0xA6FF, 0xA7CB, 0xA7CF, 0xA7D2, 0xA7D2, 0xA7D4, 0xA7D4,
    0xA7DA, 0xA7F1, 0xA82D, 0xA82F, 0xA83A, 0xA83F, 0xA878, 0xA87F,
    0xA8C6, 0xA8CD, 0xA8DA, 0xA8DF, 0xA954, 0xA95E, 0xA97D, 0xA97F,
    0xA9CE, 0xA9CE, 0xA9DA, 0xA9DD, 0xA9FF, 0xA9FF, 0xAA37, 0xAA3F,
    0xAA4E, 0xAA4F, 0xAA5A, 0xAA5B, 0xAAC3, 0xAADA, 0xAAF7, 0xAB00,
    0xAB07, 0xAB08, 0xAB0F, 0xAB10, 0xAB17, 0xAB1F, 0xAB27, 0xAB27,
    0xAB2F, 0xAB2F, 0xAB6C, 0xAB6F, 0xABEE, 0xABEF, 0xABFA, 0xABFF,
    0xD7A4, 0xD7AF, 0xD7C7, 0xD7CA, 0xD7FC, 0xD7FF, 0xFA6E, 0xFA6F,
    0xFADA, 0xFAFF, 0xFB07, 0xFB12, 0xFB18, 0xFB1C, 0xFB37, 0xFB37,
    0xFB3D, 0xFB3D, 0xFB3F, 0xFB3F, 0xFB42, 0xFB42, 0xFB45, 0xFB45,
    0xFBC3, 0xFBD2, 0xFD90, 0xFD91, 0xFDC8, 0xFDCE, 0xFDD0, 0xFDEF,
    0xFE1A, 0xFE1F, 0xFE53, 0xFE53, 0xFE67, 0xFE67, 0xFE6C, 0xFE6F,
    0xFE75, 0xFE75, 0xFEFD, 0xFEFE, 0xFF00, 0xFF00, 0xFFBF, 0xFFC1,
    0xFFC8, 0xFFC9, 0xFFD0, 0xFFD1, 0xFFD8, 0xFFD9, 0xFFDD, 0xFFDF,
    0xFFE7, 0xFFE7, 0xFFEF, 0xFFF8, 0xFFFE, 0xFFFF, 0x1000C, 0x1000C,
    0x10027, 0x10027, 0x1003B, 0x1003B, 0x1003E, 0x1003E, 0x1004E, 0x1004F,
    0x1005E, 0x1007F, 0x100FB, 0x100FF, 0x10103, 0x10106, 0x10134, 0x10136,
    0x1018F, 0x1018F, 0x1019D, 0x1019F, 0x101A1, 0x101CF, 0x101FE, 0x1027F,
    0x1029D, 0x1029F, 0x102D1, 0x102DF, 0x102FC, 0x102FF, 0x10324, 0x1032C,
    0x1034B, 0x1034F, 0x1037B, 0x1037F, 0x1039E, 0x1039E, 0x103C4, 0x103C7,
    0x103D6, 0x103FF, 0x1049E, 0x1049F, 0x104AA, 0x104AF, 0x104D4, 0x104D7,
    0x104FC, 0x104FF, 0x10528, 0x1052F, 0x10564, 0x1056E, 0x1057B, 0x1057B,
    0x1058B, 0x1058B, 0x10593, 0x10593, 0x10596, 0x10596, 0x105A2, 0x105A2,
    0x105B2, 0x105B2, 0x105BA, 0x105BA, 0x105BD, 0x105FF, 0x10737, 0x1073F,
    0x10756, 0x1075F, 0x10768, 0x1077F, 0x10786, 0x10786, 0x107B1, 0x107B1,
    0x107BB, 0x107FF, 0x10806, 0x10807, 0x10809, 0x10809, 0x10836, 0x10836,
    0x10839, 0x1083B, 0x1083D, 0x1083E, 0x10856, 0x10856, 0x1089F, 0x108A6,
    0x108B0, 0x108DF, 0x108F3, 0x108F3, 0x108F6, 0x108FA, 0x1091C, 0x1091E,
    0x1093A, 0x1093E, 0x10940, 0x1097F, 0x109B8, 0x109BB, 0x109D0, 0x109D1,
    0x10A04, 0x10A04, 0x10A07, 0x10A0B, 0x10A14, 0x10A14, 0x10A18, 0x10A18,
    0x10A36, 0x10A37, 0x10A3B, 0x10A3E, 0x10A49, 0x10A4F, 0x10A59, 0x10A5F,
    0x10AA0, 0x10ABF, 0x10AE7, 0x10AEA, 0x10AF7, 0x10AFF, 0x10B36, 0x10B38,
    0x10B56, 0x10B57, 0x10B73, 0x10B77, 0x10B92, 0x10B98, 0x10B9D, 0x10BA8,
    0x10BB0, 0x10BFF, 0x10C49, 0x10C7F, 0x10CB3, 0x10CBF, 0x10CF3, 0x10CF9,
    0x10D28, 0x10D2F, 0x10D3A, 0x10E5F, 0x10E7F, 0x10E7F, 0x10EAA, 0x10EAA,
    0x10EAE, 0x10EAF, 0x10EB2, 0x10EFF, 0x10F28, 0x10F2F, 0x10F5A, 0x10F6F,
    0x10F8A, 0x10FAF, 0x10FCC, 0x10FDF, 0x10FF7, 0x10FFF, 0x1104E, 0x11051,
    0x11076, 0x1107E, 0x110C3, 0x110CC, 0x110CE, 0x110CF, 0x110E9, 0x110EF,
    0x110FA, 0x110FF, 0x11135, 0x11135, 0x11148, 0x1114F, 0x11177, 0x1117F,
    0x111E0, 0x111E0, 0x111F5, 0x111FF, 0x11212, 0x11212, 0x1123F, 0x1127F,
    0x11287, 0x11287, 0x11289, 0x11289, 0x1128E, 0x1128E, 0x1129E, 0x1129E,
    0x112AA, 0x112AF, 0x112EB, 0x112EF, 0x112FA, 0x112FF, 0x11304, 0x11304,
    0x1130D, 0x1130E, 0x11311, 0x11312, 0x11329, 0x11329, 0x11331, 0x11331,
    0x11334, 0x11334, 0x1133A, 0x1133A, 0x11345, 0x11346, 0x11349, 0x1134A,
    0x1134E, 0x1134F, 0x11351, 0x11356, 0x11358, 0x1135C, 0x11364, 0x11365,
    0x1136D, 0x1136F, 0x11375, 0x113FF, 0x1145C, 0x1145C, 0x11462, 0x1147F,
    0x114C8, 0x114CF, 0x114DA, 0x1157F, 0x115B6, 0x115B7, 0x115DE, 0x115FF,
    0x11645, 0x1164F, 0x1165A, 0x1165F, 0x1166D, 0x1167F, 0x116BA, 0x116BF,
    0x116CA, 0x116FF, 0x1171B, 0x1171C, 0x1172C, 0x1172F, 0x11747, 0x117FF,
    0x1183C, 0x1189F, 0x118F3, 0x118FE, 0x11907, 0x11908, 0x1190A, 0x1190B,
    0x11914, 0x11914, 0x11917, 0x11917, 0x11936, 0x11936, 0x11939, 0x1193A,
    0x11947, 0x1194F, 0x1195A, 0x1199F, 0x119A8, 0x119A9, 0x119D8, 0x119D9,
    0x119E5, 0x119FF, 0x11A48, 0x11A4F, 0x11AA3, 0x11AAF, 0x11AF9, 0x11BFF,
    0x11C09, 0x11C09, 0x11C37, 0x11C37, 0x11C46, 0x11C4F, 0x11C6D, 0x11C6F,
    0x11C90, 0x11C91, 0x11CA8, 0x11CA8, 0x11CB7, 0x11CFF, 0x11D07, 0x11D07,
    0x11D0A, 0x11D0A, 0x11D37, 0x11D39, 0x11D3B, 0x11D3B, 0x11D3E, 0x11D3E,
    0x11D48, 0x11D4F, 0x11D5A, 0x11D5F, 0x11D66, 0x11D66, 0x11D69, 0x11D69,
    0x11D8F, 0x11D8F, 0x11D92, 0x11D92, 0x11D99, 0x11D9F, 0x11DAA, 0x11EDF,
    0x11EF9, 0x11FAF, 0x11FB1, 0x11FBF, 0x11FF2, 0x11FFE, 0x1239A, 0x123FF,
    0x1246F, 0x1246F, 0x12475, 0x1247F, 0x12544, 0x12F8F, 0x12FF3, 0x12FFF,
    0x1342F, 0x1342F, 0x13439, 0x143FF, 0x14647, 0x167FF, 0x16A39, 0x16A3F,
    0x16A5F, 0x16A5F, 0x16A6A, 0x16A6D, 0x16ABF, 0x16ABF, 0x16ACA, 0x16ACF,
    0x16AEE, 0x16AEF, 0x16AF6, 0x16AFF, 0x16B46, 0x16B4F, 0x16B5A, 0x16B5A,
    0x16B62, 0x16B62, 0x16B78, 0x16B7C, 0x16B90, 0x16E3F, 0x16E9B, 0x16EFF,
    0x16F4B, 0x16F4E, 0x16F88, 0x16F8E, 0x16FA0, 0x16FDF, 0x16FE5, 0x16FEF,
    0x16FF2, 0x16FFF, 0x187F8, 0x187FF, 0x18CD6, 0x18CFF, 0x18D09, 0x1AFEF,
    0x1AFF4, 0x1AFF4, 0x1AFFC, 0x1AFFC, 0x1AFFF, 0x1AFFF, 0x1B123, 0x1B14F,
    0x1B153, 0x1B163, 0x1B168, 0x1B16F, 0x1B2FC, 0x1BBFF, 0x1BC6B, 0x1BC6F,
    0x1BC7D, 0x1BC7F, 0x1BC89, 0x1BC8F, 0x1BC9A, 0x1BC9B, 0x1BCA4, 0x1CEFF,
    0x1CF2E, 0x1CF2F, 0x1CF47, 0x1CF4F, 0x1CFC4, 0x1CFFF, 0x1D0F6, 0x1D0FF,
    0x1D127, 0x1D128, 0x1D1EB, 0x1D1FF, 0x1D246, 0x1D2DF, 0x1D2F4, 0x1D2FF,
    0x1D357, 0x1D35F, 0x1D379, 0x1D3FF, 0x1D455, 0x1D455, 0x1D49D, 0x1D49D,
    0x1D4A0, 0x1D4A1, 0x1D4A3, 0x1D4A4, 0x1D4A7, 0x1D4A8, 0x1D4AD, 0x1D4AD,
    0x1D4BA, 0x1D4BA, 0x1D4BC, 0x1D4BC, 0x1D4C4, 0x1D4C4, 0x1D506, 0x1D506,
    0x1D50B, 0x1D50C, 0x1D515, 0x1D515, 0x1D51D, 0x1D51D, 0x1D53A, 0x1D53A,
    0x1D53F, 0x1D53F, 0x1D545, 0x1D545, 0x1D547, 0x1D549, 0x1D551, 0x1D551,
    0x1D6A6, 0x1D6A7, 0x1D7CC, 0x1D7CD, 0x1DA8C, 0x1DA9A, 0x1DAA0, 0x1DAA0,
    0x1DAB0, 0x1DEFF, 0x1DF1F, 0x1DFFF, 0x1E007, 0x1E007, 0x1E019, 0x1E01A,
    0x1E022, 0x1E022, 0x1E025, 0x1E025, 0x1E02B, 0x1E0FF, 0x1E12D, 0x1E12F,
    0x1E13E, 0x1E13F, 0x1E14A, 0x1E14D, 0x1E150, 0x1E28F, 0x1E2AF, 0x1E2BF,
    0x1E2FA, 0x1E2FE, 0x1E300, 0x1E7DF, 0x1E7E7, 0x1E7E7, 0x1E7EC, 0x1E7EC,
    0x1E7EF, 0x1E7EF, 0x1E7FF, 0x1E7FF, 0x1E8C5, 0x1E8C6, 0x1E8D7, 0x1E8FF,
    0x1E94C, 0x1E94F, 0x1E95A, 0x1E95D, 0x1E960, 0x1EC70, 0x1ECB5, 0x1ED00,
    0x1ED3E, 0x1EDFF, 0x1EE04, 0x1EE04, 0x1EE20, 0x1EE20, 0x1EE23, 0x1EE23,
    0x1EE25, 0x1EE26, 0x1EE28, 0x1EE28, 0x1EE33, 0x1EE33, 0x1EE38, 0x1EE38,
    0x1EE3A, 0x1EE3A, 0x1EE3C, 0x1EE41, 0x1EE43, 0x1EE46, 0x1EE48, 0x1EE48,
    0x1EE4A, 0x1EE4A, 0x1EE4C, 0x1EE4C, 0x1EE50, 0x1EE50, 0x1EE53, 0x1EE53,
    0x1EE55, 0x1EE56, 0x1EE58, 0x1EE58, 0x1EE5A, 0x1EE5A, 0x1EE5C, 0x1EE5C,
    0x1EE5E, 0x1EE5E, 0x1EE60, 0x1EE60, 0x1EE63, 0x1EE63, 0x1EE65, 0x1EE66,
    0x1EE6B, 0x1EE6B, 0x1EE73, 0x1EE73, 0x1EE78, 0x1EE78, 0x1EE7D, 0x1EE7D,
    0x1EE7F, 0x1EE7F, 0x1EE8A, 0x1EE8A, 0x1EE9C, 0x1EEA0, 0x1EEA4, 0x1EEA4,
    0x1EEAA, 0x1EEAA, 0x1EEBC, 0x1EEEF, 0x1EEF2, 0x1EFFF, 0x1F02C, 0x1F02F,
    0x1F094, 0x1F09F, 0x1F0AF, 0x1F0B0, 0x1F0C0, 0x1F0C0, 0x1F0D0, 0x1F0D0,
    0x1F0F6, 0x1F0FF, 0x1F1AE, 0x1F1E5, 0x1F203, 0x1F20F, 0x1F23C, 0x1F23F,
    0x1F249, 0x1F24F, 0x1F252, 0x1F25F, 0x1F266, 0x1F2FF, 0x1F6D8, 0x1F6DC,
    0x1F6ED, 0x1F6EF, 0x1F6FD, 0x1F6FF, 0x1F774, 0x1F77F, 0x1F7D9, 0x1F7DF,
    0x1F7EC, 0x1F7EF, 0x1F7F1, 0x1F7FF, 0x1F80C, 0x1F80F, 0x1F848, 0x1F84F,
    0x1F85A, 0x1F85F, 0x1F888, 0x1F88F, 0x1F8AE, 0x1F8AF, 0x1F8B2, 0x1F8FF,
    0x1FA54, 0x1FA5F, 0x1FA6E, 0x1FA6F, 0x1FA75, 0x1FA77, 0x1FA7D, 0x1FA7F,
    0x1FA87, 0x1FA8F, 0x1FAAD, 0x1FAAF, 0x1FABB, 0x1FABF, 0x1FAC6, 0x1FACF,
    0x1FADA, 0x1FADF, 0x1FAE8, 0x1FAEF, 0x1FAF7, 0x1FAFF, 0x1FB93, 0x1FB93,
    0x1FBCB, 0x1FBEF, 0x1FBFA, 0x1FFFF, 0x2A6E0, 0x2A6FF, 0x2B739, 0x2B73F,
    0x2B81E, 0x2B81F, 0x2CEA2, 0x2CEAF, 0x2EBE1, 0x2F7FF, 0x2FA1E, 0x2FFFF,
    0x3134B, 0xE0000, 0xE0002, 0xE001F, 0xE0080, 0xE00FF, 0xE01F0, 0xEFFFF,
    0xFFFFE, 0xFFFFF, 0x10FFFE, 0x10FFFF,
];

/// The assigned code points from U+0080 up that Python 3.11's `str.isprintable` rejects
/// (categories Cc, Cf, Cs, Co, Zs, Zl and Zp), as sorted inclusive `start, end` pairs.
#[rustfmt::skip]
const OTHER_NON_PRINTABLE: &[u32] = &[
    0x80, 0xA0, 0xAD, 0xAD, 0x600, 0x605, 0x61C, 0x61C,
    0x6DD, 0x6DD, 0x70F, 0x70F, 0x890, 0x891, 0x8E2, 0x8E2,
    0x1680, 0x1680, 0x180E, 0x180E, 0x2000, 0x200F, 0x2028, 0x202F,
    0x205F, 0x2064, 0x2066, 0x206F, 0x3000, 0x3000, 0xD800, 0xF8FF,
    0xFEFF, 0xFEFF, 0xFFF9, 0xFFFB, 0x110BD, 0x110BD, 0x110CD, 0x110CD,
    0x13430, 0x13438, 0x1BCA0, 0x1BCA3, 0x1D173, 0x1D17A, 0xE0001, 0xE0001,
    0xE0020, 0xE007F, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD,
];

#[cfg(test)]
mod tests {
    //! Every expected string below was produced by the real CommonServerPython
    //! `tableToMarkdown` (research notes §3.2, and the same code run locally for the extra
    //! cases), with `TZ=UTC` for `date_fields`.

    use super::*;
    use chrono::Utc;
    use serde_json::json;

    fn o() -> TableOptions {
        TableOptions::new()
    }

    fn headers(names: &[&str]) -> TableOptions {
        TableOptions {
            headers: Some(names.iter().map(|s| s.to_string()).collect()),
            ..o()
        }
    }

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Render `input` in UTC and compare with Python's output byte for byte.
    fn check(name: &str, input: Value, options: TableOptions, expected: &str) {
        let got = render(name, &input, &options, &Utc);
        assert_eq!(
            got,
            Ok(expected.to_string()),
            "T({name:?}, {input}, {options:?})"
        );
    }

    fn check_err(name: &str, input: Value, options: TableOptions, expected: MarkdownError) {
        let got = render(name, &input, &options, &Utc);
        assert_eq!(got, Err(expected), "T({name:?}, {input}, {options:?})");
    }

    /// The examples of §3.2, in order. Skipped there, because JSON cannot express them:
    /// `T('D', [{'t': datetime(...)}])` (a Python `datetime` value) and
    /// `T('IK', [{1: 'a'}], headers=[1])` (an integer dict key and header).
    #[test]
    fn section_3_2_examples() {
        let rn_row = |b: i64| json!({"a": null, "b": b, "c": "", "d": [], "e": {}});
        let cases: Vec<(&str, Value, TableOptions, &str)> = vec![
            (
                "Title",
                json!([{"b": 2, "a": 1}, {"a": "x", "b": "y"}]),
                o(),
                "### Title\n|a|b|\n|---|---|\n| 1 | 2 |\n| x | y |\n",
            ),
            // `T(None, ...)` is the same as an empty name.
            ("", json!([{"a": 1}]), o(), "|a|\n|---|\n| 1 |\n"),
            (
                "One",
                json!({"id": 7, "name": "n"}),
                o(),
                "### One\n|id|name|\n|---|---|\n| 7 | n |\n",
            ),
            (
                "K",
                json!({"ips": ["1.1.1.1", "2.2.2.2"]}),
                o(),
                "### K\n|ips|\n|---|\n| 1.1.1.1 |\n| 2.2.2.2 |\n",
            ),
            (
                "K",
                json!({"k": {"a": 1}}),
                o(),
                "### K\n|k|\n|---|\n|  |\n",
            ),
            ("Empty", json!([]), o(), "### Empty\n**No entries.**\n"),
            ("Empty", json!({}), o(), "### Empty\n**No entries.**\n"),
            ("Empty", Value::Null, o(), "### Empty\n**No entries.**\n"),
            ("", json!([]), o(), "**No entries.**\n"),
            (
                "Empty",
                json!([]),
                TableOptions {
                    metadata: Some("meta text".into()),
                    ..o()
                },
                "### Empty\nmeta text\n**No entries.**\n",
            ),
            (
                "M",
                json!([{"a": 1}]),
                TableOptions {
                    metadata: Some("Showing 1 of 10".into()),
                    ..o()
                },
                "### M\nShowing 1 of 10\n|a|\n|---|\n| 1 |\n",
            ),
            (
                "H",
                json!([{"a": 1, "b": 2}]),
                headers(&["b", "c", "a"]),
                "### H\n|b|c|a|\n|---|---|---|\n| 2 |  | 1 |\n",
            ),
            (
                "S",
                json!(["x", "y"]),
                headers(&["Value"]),
                "### S\n|Value|\n|---|\n| x |\n| y |\n",
            ),
            (
                "N",
                json!([{"a": null, "b": 1}]),
                o(),
                "### N\n|a|b|\n|---|---|\n|  | 1 |\n",
            ),
            (
                "B",
                json!([{"t": true, "f": false}]),
                o(),
                "### B\n|f|t|\n|---|---|\n| false | true |\n",
            ),
            (
                "Z",
                json!([{"z": 0, "e": ""}]),
                o(),
                "### Z\n|e|z|\n|---|---|\n|  | 0 |\n",
            ),
            (
                "F",
                json!([{"f": 1.5, "g": 1e20}]),
                o(),
                "### F\n|f|g|\n|---|---|\n| 1.5 | 1e+20 |\n",
            ),
            (
                "L",
                json!([{"l": ["a", "b", 3]}]),
                o(),
                "### L\n|l|\n|---|\n| a,<br>b,<br>3 |\n",
            ),
            (
                "LV",
                json!([{"l": [null, true, 1.0]}]),
                o(),
                "### LV\n|l|\n|---|\n| None,<br>True,<br>1.0 |\n",
            ),
            (
                "LD",
                json!([{"l": [{"x": 1}, {"y": 2}]}]),
                o(),
                "### LD\n|l|\n|---|\n| {'x': 1},<br>{'y': 2} |\n",
            ),
            (
                "EL",
                json!([{"l": [], "d": {}}]),
                o(),
                "### EL\n|d|l|\n|---|---|\n|  |  |\n",
            ),
            (
                "D",
                json!([{"d": {"k": "v", "n": 1}}]),
                o(),
                "### D\n|d|\n|---|\n| k: v<br>n: 1 |\n",
            ),
            (
                "DN",
                json!([{"d": {"k": {"x": [1, 2]}, "s": "str"}}]),
                o(),
                "### DN\n|d|\n|---|\n| k: {\"x\": [1, 2]}<br>s: str |\n",
            ),
            (
                "DL",
                json!([{"d": {"k": ["a", "b"]}}]),
                o(),
                "### DL\n|d|\n|---|\n| k: a,<br>b |\n",
            ),
            (
                "DV",
                json!([{"d": {"n": null, "b": true, "s": "x|y"}}]),
                o(),
                "### DV\n|d|\n|---|\n| n: null<br>b: true<br>s: x\\|y |\n",
            ),
            (
                "NL",
                json!([{"v": "line1\nline2\r\nline3\rline4"}]),
                o(),
                "### NL\n|v|\n|---|\n| line1<br>line2<br>line3<br>line4 |\n",
            ),
            (
                "P",
                json!([{"v": "a|b`c"}]),
                o(),
                "### P\n|v|\n|---|\n| a\\|b\\`c |\n",
            ),
            (
                "MD",
                json!([{"v": "*bold* _i_ [x](y) #h <b>"}]),
                o(),
                "### MD\n|v|\n|---|\n| *bold* _i_ [x](y) #h <b> |\n",
            ),
            (
                "BS",
                json!([{"v": "a\\b*c"}]),
                o(),
                "### BS\n|v|\n|---|\n| a\\b*c |\n",
            ),
            (
                "PH",
                json!([{"a|b": 1}]),
                o(),
                "### PH\n|a\\|b|\n|---|\n| 1 |\n",
            ),
            (
                "HN",
                json!([{"a\nb": 1}]),
                o(),
                "### HN\n|a<br>b|\n|---|\n| 1 |\n",
            ),
            (
                "A | B",
                json!([{"v": 1}]),
                o(),
                "### A | B\n|v|\n|---|\n| 1 |\n",
            ),
            (
                "U",
                json!([{"v": "héllo ✓"}]),
                o(),
                "### U\n|v|\n|---|\n| héllo ✓ |\n",
            ),
            (
                "SP",
                json!([{"v": "  pad  "}]),
                o(),
                "### SP\n|v|\n|---|\n|   pad   |\n",
            ),
            (
                "RN",
                json!([rn_row(1), rn_row(2)]),
                TableOptions {
                    remove_null: true,
                    ..o()
                },
                "### RN\n|b|\n|---|\n| 1 |\n| 2 |\n",
            ),
            (
                "X",
                json!([{"a": null, "b": ""}]),
                TableOptions {
                    remove_null: true,
                    ..o()
                },
                "### X\n**No entries.**\n",
            ),
            (
                "RK",
                json!([{"a": 1}, {"b": 2}]),
                o(),
                "### RK\n|a|\n|---|\n| 1 |\n|  |\n",
            ),
            (
                "SH",
                json!([{"b": 2, "a": 1}]),
                TableOptions {
                    sort_headers: false,
                    ..o()
                },
                "### SH\n|b|a|\n|---|---|\n| 2 | 1 |\n",
            ),
            (
                "S",
                json!([{"b": 1, "A": 2, "a": 3, "_z": 4, "Z": 5}]),
                o(),
                "### S\n|A|Z|_z|a|b|\n|---|---|---|---|---|\n| 2 | 5 | 4 | 3 | 1 |\n",
            ),
            (
                "HT",
                json!([{"someKey": 1, "ID": 2}]),
                TableOptions {
                    header_transform: Some(HeaderTransform::PascalToSpace),
                    ..o()
                },
                "### HT\n|ID|Some Key|\n|---|---|\n| 2 | 1 |\n",
            ),
            (
                "HT2",
                json!([{"some_key": 1}]),
                TableOptions {
                    header_transform: Some(HeaderTransform::StringToTableHeader),
                    ..o()
                },
                "### HT2\n|Some Key|\n|---|\n| 1 |\n",
            ),
            (
                "HT3",
                json!([{"some_key": 1}]),
                TableOptions {
                    header_transform: Some(HeaderTransform::UnderscoreToCamelCase),
                    ..o()
                },
                "### HT3\n|SomeKey|\n|---|\n| 1 |\n",
            ),
            (
                "U",
                json!([{"url": "https://e.com", "n": 1}]),
                TableOptions {
                    url_keys: strings(&["url"]),
                    ..o()
                },
                "### U\n|n|url|\n|---|---|\n| 1 | [https://e.com](https://e.com) |\n",
            ),
            (
                "U2",
                json!([{"url": ["https://a", "https://b"]}]),
                TableOptions {
                    url_keys: strings(&["url"]),
                    ..o()
                },
                "### U2\n|url|\n|---|\n| [https://a](https://a),<br>[https://b](https://b) |\n",
            ),
            (
                "DF",
                json!([{"t": 0}]),
                TableOptions {
                    date_fields: strings(&["t"]),
                    ..o()
                },
                "### DF\n|t|\n|---|\n| 1970-01-01 00:00:00 |\n",
            ),
            (
                "AJ",
                json!([{"d": {"k": "v", "x": {"y": 1}}, "l": [{"a": 1}, {"a": 2}]}]),
                TableOptions {
                    auto_json_transform: true,
                    ..o()
                },
                "### AJ\n|d|l|\n|---|---|\n| ***k***: v<br>**x**:<br>\t***y***: 1 | **-**\t***a***: 1<br>**-**\t***a***: 2 |\n",
            ),
        ];
        for (name, input, options, expected) in cases {
            check(name, input, options, expected);
        }
        // `T('S', ['a'])`: a list of scalars needs headers.
        check_err("S", json!(["a"]), o(), MarkdownError::MissingHeaders);
    }

    #[test]
    fn missing_headers_message_is_pythons() {
        assert_eq!(
            MarkdownError::MissingHeaders.to_string(),
            "Missing headers param for tableToMarkdown. Example: headers=['Some Header']"
        );
        assert_eq!(
            table("S", &json!(["a"])),
            Err(MarkdownError::MissingHeaders)
        );
    }

    #[test]
    fn default_options_sort_headers() {
        assert!(TableOptions::default().sort_headers);
        assert!(TableOptions::new().sort_headers);
        assert_eq!(
            table("T", &json!([{"b": 1, "a": 2}])).as_deref(),
            Ok("### T\n|a|b|\n|---|---|\n| 2 | 1 |\n")
        );
    }

    /// Table shapes and Python exceptions beyond §3.2 (outputs from the real code).
    #[test]
    fn shapes_and_errors() {
        let cases: Vec<(&str, Value, TableOptions, &str)> = vec![
            (
                "ST",
                json!("abc"),
                headers(&["h"]),
                "### ST\n|h|\n|---|\n| abc |\n",
            ),
            ("X", json!(0), o(), "### X\n**No entries.**\n"),
            ("X", json!(""), o(), "### X\n**No entries.**\n"),
            ("X", json!(false), o(), "### X\n**No entries.**\n"),
            ("X", json!({"k": "v"}), o(), "### X\n|k|\n|---|\n| v |\n"),
            ("X", json!({"k": null}), o(), "### X\n|k|\n|---|\n|  |\n"),
            ("X", json!([{}]), o(), "### X\n**No entries.**\n"),
            (
                "X",
                json!(["a", {"b": 1}]),
                headers(&["V"]),
                "### X\n|V|\n|---|\n| a |\n| b: 1 |\n",
            ),
            // `headers=[]` is falsy in Python: the first row's keys are used.
            (
                "X",
                json!([{"a": 1}]),
                headers(&[]),
                "### X\n|a|\n|---|\n| 1 |\n",
            ),
            // Explicit headers turn off the single-key column table.
            (
                "X",
                json!({"k": [1, 2]}),
                headers(&["k"]),
                "### X\n|k|\n|---|\n| 1,<br>2 |\n",
            ),
        ];
        for (name, input, options, expected) in cases {
            check(name, input, options, expected);
        }

        let type_error = |m: &str| MarkdownError::TypeError(m.to_string());
        let attribute_error = |m: &str| MarkdownError::AttributeError(m.to_string());
        check_err(
            "",
            json!(5),
            o(),
            type_error("object of type 'int' has no len()"),
        );
        check_err(
            "",
            json!(true),
            o(),
            type_error("object of type 'bool' has no len()"),
        );
        check_err(
            "",
            json!(1.5),
            o(),
            type_error("object of type 'float' has no len()"),
        );
        check_err(
            "X",
            json!({"k": []}),
            o(),
            MarkdownError::IndexError("list index out of range".into()),
        );
        check_err(
            "X",
            json!([{"a": 1}, 5]),
            o(),
            attribute_error("'int' object has no attribute 'copy'"),
        );
        check_err(
            "X",
            json!([{"a": 1}, [1]]),
            o(),
            attribute_error("'list' object has no attribute 'get'"),
        );
        let remove_null = TableOptions {
            remove_null: true,
            ..o()
        };
        check_err(
            "X",
            json!([{"a": null}, "x"]),
            remove_null.clone(),
            attribute_error("'str' object has no attribute 'get'"),
        );
        check_err(
            "X",
            json!([{"a": 1}, "x"]),
            remove_null,
            attribute_error("'str' object has no attribute 'copy'"),
        );
    }

    /// Python `str()`/`repr()` of list items and `json.dumps` of nested values.
    #[test]
    fn repr_and_json_dumps() {
        check(
            "R",
            json!([{"l": [
                "it's", "say \"hi\"", "both ' \"", "back\\slash", "tab\tnl\ncr\r",
                "\u{0}\u{1b}\u{7f}", "\u{85}\u{a0}\u{ad}", "\u{200b}\u{2028}é✓",
                "\u{e0001}\u{1f600}",
                {"k'": ["n", 1, 2.5, null, true, false, [], {}]}
            ]}]),
            o(),
            "### R\n|l|\n|---|\n| it's,<br>say \"hi\",<br>both ' \",<br>back\\slash,<br>tab\tnl<br>cr<br>,<br>\u{0}\u{1b}\u{7f},<br>\u{85}\u{a0}\u{ad},<br>\u{200b}\u{2028}é✓,<br>\u{e0001}😀,<br>{\"k'\": ['n', 1, 2.5, None, True, False, [], {}]} |\n",
        );
        // Nested strings are repr'd: quote choice and escapes.
        let nested = json!([
            "it's",
            "say \"hi\"",
            "both ' \"",
            "back\\slash",
            "tab\tnl\ncr\r",
            "\u{0}\u{1b}\u{7f}",
            "\u{85}\u{a0}\u{ad}",
            "\u{200b}\u{2028}é✓",
            "\u{e0001}\u{1f600}"
        ]);
        assert_eq!(
            python_repr(&nested),
            "[\"it's\", 'say \"hi\"', 'both \\' \"', 'back\\\\slash', 'tab\\tnl\\ncr\\r', \
             '\\x00\\x1b\\x7f', '\\x85\\xa0\\xad', '\\u200b\\u2028é✓', '\\U000e0001😀']"
        );
        check(
            "J",
            json!([{"d": {"a": {
                "s": "q\"\\\u{8}\u{c}\n\r\t\u{1}\u{7f}\u{2028}é",
                "n": [1, -2, 0.1, 1e16, 1e15, 1e-5, 0.0001, -0.0, 12345678901234567890u64,
                      1.7976931348623157e308, 5e-324]
            }}}]),
            o(),
            "### J\n|d|\n|---|\n| a: {\"s\": \"q\\\"\\\\\\b\\f\\n\\r\\t\\u0001\u{7f}\u{2028}é\", \"n\": [1, -2, 0.1, 1e+16, 1000000000000000.0, 1e-05, 0.0001, -0.0, 12345678901234567890, 1.7976931348623157e+308, 5e-324]} |\n",
        );
    }

    #[test]
    fn float_repr() {
        let cases = [
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5e-7, "1.5e-07"),
            (1e100, "1e+100"),
            (2.5e16, "2.5e+16"),
            (9007199254740993.0, "9007199254740992.0"),
            (123.456, "123.456"),
            (-1.5, "-1.5"),
            (1e22, "1e+22"),
            (5e-324, "5e-324"),
            // An exact tie between two shortest candidates: Python keeps the even digit.
            // (written as sums: the literals would trip clippy's excessive_precision)
            (1932959388700000.0 + 0.25, "1932959388700000.2"),
            (1932959388700000.0 + 0.75, "1932959388700000.8"),
        ];
        for (x, expected) in cases {
            assert_eq!(python_float_repr(x, false), expected, "{x:e}");
        }
        assert_eq!(python_float_repr(f64::NAN, true), "NaN");
        assert_eq!(python_float_repr(f64::NEG_INFINITY, false), "-inf");
    }

    #[test]
    fn auto_json_transform() {
        let auto = || TableOptions {
            auto_json_transform: true,
            ..o()
        };
        check(
            "X",
            json!([{"a": 5, "b": true, "c": [], "d": {}, "e": ["x", "y"], "f": "s"}]),
            auto(),
            "### X\n|a|b|c|d|e|f|\n|---|---|---|---|---|---|\n|  |  | ***values***:  |  | ***values***: x, y | s |\n",
        );
        check(
            "X",
            json!([{"a": {"b": {"c": 1, "d": [{"e": 2, "f": 3}, {"g": {"h": 4}}]}, "i": 5}, "j": 6}]),
            auto(),
            "### X\n|a|j|\n|---|---|\n| **b**:<br>\t***c***: 1<br>\t**d**:<br>\t\t**-**\t***e***: 2<br>\t\t\t***f***: 3<br>\t\t**-**\t\t\t**g**:<br>\t\t\t\t***h***: 4<br>***i***: 5 |  |\n",
        );
        check(
            "X",
            json!([{"a": [[{"x": 1}], ["s"]]}]),
            auto(),
            "### X\n|a|\n|---|\n| **-**\t**-**\t***x***: 1<br>**-**\t***values***: s |\n",
        );
        check_err(
            "X",
            json!([{"a": [1, 2]}]),
            auto(),
            MarkdownError::TypeError("sequence item 0: expected str instance, int found".into()),
        );
        check_err(
            "X",
            json!([{"a": ["x", {"q": 1}]}]),
            auto(),
            MarkdownError::TypeError("sequence item 1: expected str instance, dict found".into()),
        );
    }

    #[test]
    fn url_keys() {
        check(
            "X",
            json!([{"u": 0, "v": {"u": "x", "w": [{"u": 5}]}, "x": [null, 1.5, {"a": 1}]}]),
            TableOptions {
                url_keys: strings(&["u", "x"]),
                ..o()
            },
            "### X\n|u|v|x|\n|---|---|---|\n|  | u: [x](x)<br>w: {'u': '[5](5)'} | [None](None),<br>[1.5](1.5),<br>[{'a': 1}]({'a': 1}) |\n",
        );
        check(
            "X",
            json!({"u": "http://a"}),
            TableOptions {
                url_keys: strings(&["u"]),
                ..o()
            },
            "### X\n|u|\n|---|\n| [http://a](http://a) |\n",
        );
    }

    #[test]
    fn date_fields() {
        check(
            "D",
            json!([{
                "a": 1700000000123u64, "b": "1_700_000_000_000", "c": -1, "d": 1.9e12,
                "e": true, "f": "x", "g": null, "h": -62135596800000i64,
                "i": -62135596800001i64, "j": 253402300799999u64, "k": 253402300800000u64,
                "l": " +86400000 "
            }]),
            TableOptions {
                date_fields: strings(&[
                    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "zz",
                ]),
                ..o()
            },
            "### D\n|a|b|c|d|e|f|g|h|i|j|k|l|\n|---|---|---|---|---|---|---|---|---|---|---|---|\n| 2023-11-14 22:13:20 | 2023-11-14 22:13:20 | 1969-12-31 23:59:59 | 2030-03-17 17:46:40 | 1970-01-01 00:00:00 | x |  | -62135596800000 | -62135596800001 | 9999-12-31 23:59:59 | 253402300800000 | 1970-01-02 00:00:00 |\n",
        );
    }

    #[test]
    fn escape_cell_is_minimal_and_multiline() {
        assert_eq!(
            escape_cell("a|b`c\r\nd\re\nf*_[]#\\"),
            "a\\|b\\`c<br>d<br>e<br>f*_[]#\\"
        );
    }

    #[test]
    fn header_helpers() {
        let words = [
            "UserID",
            "AppID",
            "IsAssigned",
            "someKey",
            "ID",
            "thisIsIPAddressName",
            "xAx",
            "aa_aa",
            "some_key",
            "  a__b  c",
            "ǆa_ßb_ﬁx",
            "ΣΑΣ_ΑΣ a",
            "2fa_key",
            "\u{1c}x\u{1f}y",
            "camelCase_Word",
            "o'neil",
        ];
        let expected = [
            (
                HeaderTransform::PascalToSpace,
                [
                    "User ID",
                    "App ID",
                    "Is Assigned",
                    "Some Key",
                    "ID",
                    "This Is IP Address Name",
                    "X A X",
                    "Aa _ Aa",
                    "Some _ Key",
                    "A __ B C",
                    "ǆ A _ß B _ﬁ X",
                    "ΣΑΣ_ΑΣ A",
                    "2 Fa _ Key",
                    "X Y",
                    "Camel Case _ Word",
                    "O ' Neil",
                ],
            ),
            (
                HeaderTransform::StringToTableHeader,
                [
                    "Userid",
                    "Appid",
                    "Isassigned",
                    "Somekey",
                    "Id",
                    "Thisisipaddressname",
                    "Xax",
                    "Aa Aa",
                    "Some Key",
                    "A B C",
                    "ǅa Ssb Fix",
                    "Σας Ας A",
                    "2fa Key",
                    "X Y",
                    "Camelcase Word",
                    "O'neil",
                ],
            ),
            (
                HeaderTransform::UnderscoreToCamelCase,
                [
                    "Userid",
                    "Appid",
                    "Isassigned",
                    "Somekey",
                    "Id",
                    "Thisisipaddressname",
                    "Xax",
                    "AaAa",
                    "SomeKey",
                    "  AB  C",
                    "ǅaSsbFix",
                    "ΣαςΑς A",
                    "2FaKey",
                    "\u{1c}X\u{1f}Y",
                    "CamelcaseWord",
                    "O'Neil",
                ],
            ),
        ];
        for (kind, outputs) in expected {
            for (word, output) in words.iter().zip(outputs) {
                assert_eq!(header_transform(kind, word), output, "{kind:?}({word:?})");
            }
        }
    }

    #[test]
    fn public_entry_point_matches_renderer() {
        let input = json!([{"b": [1.0, {"k": "v"}], "a": "x|y"}]);
        assert_eq!(
            table_to_markdown("T", &input, &o()),
            render("T", &input, &o(), &Utc)
        );
    }

    #[test]
    fn table_stream_equals_the_whole_table() {
        let rows = json!([
            {"uuid": "b", "a": 1, "nested": {"k": [1, 2]}, "l": ["x", null]},
            {"uuid": "c|d", "a": null, "extra": true},
            {"a": "line\nbreak"}
        ]);
        let first = rows[0].as_object().unwrap();
        let (stream, mut text) = TableStream::start("Okta Log Events:", first);
        for row in rows.as_array().unwrap() {
            text.push_str(&stream.row(row).unwrap());
        }
        assert_eq!(text, table("Okta Log Events:", &rows).unwrap());
        let (empty, head) = TableStream::start("T", &Map::new());
        assert_eq!(head, "### T\n**No entries.**\n");
        assert_eq!(empty.row(&json!({"a": 1})).unwrap(), "");
        assert_eq!(table("T", &json!([{}, {"a": 1}])).unwrap(), head);
    }
}
