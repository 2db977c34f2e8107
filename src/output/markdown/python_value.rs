//! Python's view of a JSON value: truthiness, `type(v).__name__`, and the two ways Python
//! prints a value, `repr()` and `json.dumps`, as ONE tree walk ([`push_python`]) whose
//! [`Style`] decides the spelling of `None`/`True`/`False`, the string quoting and escaping,
//! and the non-finite floats. Brackets, separators and the order of keys are the same in both.

use serde_json::{Number, Value};

use super::python_float::python_float_repr;
use super::unicode::is_python_printable;
use crate::output::byte_scan::{byte_mask, find, high_mask, less_mask};
use crate::output::json_escape::push_json_string_body;

/// Python `str(v)` of a JSON value: strings bare, everything else as [`python_repr`]. This is
/// how list items are shown in a cell.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// [`python_str`], appended to `out`.
pub(super) fn push_python_str(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        other => push_python(other, Style::Repr, out),
    }
}

/// [`json_dumps`], appended to `out`.
pub(super) fn push_json_dumps(value: &Value, out: &mut String) {
    push_python(value, Style::Json, out);
}

/// Python `repr(v)` of a JSON value: `None`, `True`, `1.0`, `'text'`, `[1, 2]`, `{'k': 'v'}`.
pub fn python_repr(value: &Value) -> String {
    let mut out = String::new();
    push_python(value, Style::Repr, &mut out);
    out
}

/// Python `json.dumps(v, ensure_ascii=False)`: separators `", "` and `": "`, non-ASCII kept,
/// floats as Python prints them (`1e+20`, `1.0`).
pub fn json_dumps(value: &Value) -> String {
    let mut out = String::new();
    push_python(value, Style::Json, &mut out);
    out
}

/// Which of Python's printers a value goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// `repr(v)`: `None`, `True`, `'single-quoted'` strings.
    Repr,
    /// `json.dumps(v, ensure_ascii=False)`: `null`, `true`, `"double-quoted"` strings.
    Json,
}

impl Style {
    pub(super) fn none(self) -> &'static str {
        match self {
            Style::Repr => "None",
            Style::Json => "null",
        }
    }

    pub(super) fn boolean(self, value: bool) -> &'static str {
        match (self, value) {
            (Style::Repr, true) => "True",
            (Style::Repr, false) => "False",
            (Style::Json, true) => "true",
            (Style::Json, false) => "false",
        }
    }

    /// A string, or a dict key (both printers treat a key like any string).
    fn push_str(self, s: &str, out: &mut String) {
        match self {
            Style::Repr => push_repr_str(s, out),
            Style::Json => push_json_str(s, out),
        }
    }
}

/// The one walk behind [`python_repr`] and [`json_dumps`]: `[a, b]` and `{k: v}` with `", "`
/// and `": "` in both, dicts in insertion order.
fn push_python(value: &Value, style: Style, out: &mut String) {
    match value {
        Value::Null => out.push_str(style.none()),
        Value::Bool(b) => out.push_str(style.boolean(*b)),
        Value::Number(n) => push_python_number(n, style, out),
        Value::String(s) => style.push_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_python(item, style, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                style.push_str(key, out);
                out.push_str(": ");
                push_python(item, style, out);
            }
            out.push('}');
        }
    }
}

/// A number as Python prints it: integers as-is, floats with `float.__repr__` (the
/// non-finite ones spelled per `style`).
fn push_python_number(n: &Number, style: Style, out: &mut String) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        out.push_str(&python_float_repr(f, style == Style::Json));
    }
}

/// Python truthiness of a JSON value.
pub(super) fn is_falsy(value: &Value) -> bool {
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

/// Python's `type(v).__name__`.
pub(super) fn python_type_name(value: &Value) -> &'static str {
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

/// CPython's `unicode_repr`: single quotes unless the text has `'` and no `"`; backslash
/// escapes for the quote, `\`, `\t`, `\n`, `\r`; `\xhh` for other ASCII controls; non-ASCII
/// kept when printable, else `\xhh`, `\uhhhh` or `\Uhhhhhhhh` (lowercase hex).
pub(super) fn push_repr_str(s: &str, out: &mut String) {
    let quote_byte = if s.contains('\'') && !s.contains('"') {
        b'"'
    } else {
        b'\''
    };
    let quote = char::from(quote_byte);
    out.push(quote);
    // Printable ASCII other than the quote and `\` is copied in runs; the rest char by char.
    let word_mask = |word: u64| {
        less_mask(word, 0x20)
            | high_mask(word)
            | byte_mask(word, 0x7f)
            | byte_mask(word, quote_byte)
            | byte_mask(word, b'\\')
    };
    let special = |b: u8| !(0x20..0x7f).contains(&b) || b == quote_byte || b == b'\\';
    let bytes = s.as_bytes();
    // Start of the bytes not yet copied.
    let mut kept = 0;
    while let Some(at) = find(bytes, kept, word_mask, special) {
        // `at` starts a character: every byte before it in the run is ASCII.
        out.push_str(s.get(kept..at).unwrap_or_default());
        let Some(c) = s.get(at..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        kept = at + c.len_utf8();
        push_repr_char(c, quote, out);
    }
    out.push_str(s.get(kept..).unwrap_or_default());
    out.push(quote);
}

/// One character of a Python `repr` string body quoted with `quote` (CPython's
/// `unicode_repr`).
fn push_repr_char(c: char, quote: char, out: &mut String) {
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

/// `json.dumps` string escaping with `ensure_ascii=False`: only `"`, `\` and C0 controls
/// (serde_json's escaping, byte for byte).
pub(super) fn push_json_str(s: &str, out: &mut String) {
    out.push('"');
    push_json_string_body(s, out);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CPython's `unicode_repr` body, one character at a time (what [`push_repr_str`] copies
    /// in runs).
    fn repr_char_by_char(s: &str) -> String {
        let quote = if s.contains('\'') && !s.contains('"') {
            '"'
        } else {
            '\''
        };
        let mut out = String::from(quote);
        for c in s.chars() {
            push_repr_char(c, quote, &mut out);
        }
        out.push(quote);
        out
    }

    #[test]
    fn repr_in_runs_is_repr_char_by_char() {
        let mut cases: Vec<String> = [
            "",
            "plain ascii text that is longer than a word",
            "it's",
            "say \"hi\"",
            "both ' and \"",
            "back\\slash\ttab\nnew\rret\u{0}\u{1f}\u{7f}\u{80}\u{a0}\u{ad}",
            "\u{e9}t\u{e9} \u{2028}\u{2029} \u{1F600} \u{FFFF} \u{10FFFF} \u{301}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every code point, alone, between ASCII runs, and at a word's every offset.
        let mut all = String::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            all.push(c);
            if u32::from(c) % 7 == 0 {
                all.push_str("abc");
            }
        }
        cases.push(all);
        for pad in 0..9 {
            cases.push(format!(
                "{}\u{e9}'{}\"\u{1F600}",
                "x".repeat(pad),
                "y".repeat(pad)
            ));
        }
        for s in cases {
            let mut out = String::new();
            push_repr_str(&s, &mut out);
            assert_eq!(out, repr_char_by_char(&s));
        }
    }
}
