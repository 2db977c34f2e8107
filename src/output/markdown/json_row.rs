//! One row of a [`TableStream`](super::TableStream) rendered straight from the row's JSON
//! text: the row is read once, token by token, and every cell is printed as it is read, with
//! no `Value` tree built and dropped for it (for a System Log event, building the tree cost as
//! much as rendering it).
//!
//! The cells are the ones `formatCell` gives for the parsed row, byte for byte: the printers
//! here are the walks of `cells.rs` and `python_value.rs` (`flattenCell`, `str()`, `repr()`,
//! `json.dumps`, Python's float repr) driven by the parser instead of by a tree. A row this
//! walk cannot print as the tree would is refused ([`Refused`]) and the caller renders it from
//! its `Value`: a row that is not an object, a dict with a key given twice (the tree keeps the
//! first position and the last value), or a key written with escapes (kept for that check
//! only as text borrowed from the row).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::python_float::python_float_repr;
use super::python_value::{push_json_str, push_repr_str, Style};
use super::render::push_escaped_cell;

/// The row could not be printed from its text as its `Value` would print; render the `Value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Refused;

/// Reusable buffers for [`push_row`]: one escaped cell per header, and one unescaped cell.
#[derive(Debug, Clone, Default)]
pub(super) struct RowBuffers {
    cells: Vec<String>,
    cell: String,
}

/// Appends `| cell | cell |\n` for the JSON object `text` under the sorted `headers` (a key of
/// the row that is not a header is skipped unread; a header the row lacks is an empty cell).
/// On [`Refused`], `out` is as it was.
pub(super) fn push_row(
    headers: &[String],
    text: &str,
    buffers: &mut RowBuffers,
    out: &mut String,
) -> Result<(), Refused> {
    buffers.cells.resize_with(headers.len(), String::new);
    buffers.cells.iter_mut().for_each(String::clear);
    let mut keys = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer
        .deserialize_any(RowVisitor {
            headers,
            buffers: &mut *buffers,
            keys: &mut keys,
        })
        .map_err(|_| Refused)?;
    deserializer.end().map_err(|_| Refused)?;
    out.push_str("| ");
    for (i, cell) in buffers.cells.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        out.push_str(cell);
    }
    out.push_str(" |\n");
    Ok(())
}

/// The row itself: a dict whose header keys become cells.
struct RowVisitor<'a, 'de> {
    headers: &'a [String],
    buffers: &'a mut RowBuffers,
    keys: &'a mut Vec<&'de str>,
}

impl<'de> Visitor<'de> for RowVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let first_key = self.keys.len();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            check_new_key(self.keys, first_key, key)?;
            let Ok(column) = self
                .headers
                .binary_search_by(|header| header.as_str().cmp(key))
            else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let cell = &mut self.buffers.cell;
            cell.clear();
            map.next_value_seed(Printer {
                mode: Mode::Cell,
                out: &mut *cell,
                keys: &mut *self.keys,
            })?;
            if let Some(escaped) = self.buffers.cells.get_mut(column) {
                escaped.clear();
                push_escaped_cell(cell, escaped);
            }
        }
        Ok(())
    }
}

/// Fails when `key` is already among the keys of the dict whose keys start at `first_key`,
/// else records it.
fn check_new_key<'de, E: de::Error>(
    keys: &mut Vec<&'de str>,
    first_key: usize,
    key: &'de str,
) -> Result<(), E> {
    if keys.get(first_key..).unwrap_or_default().contains(&key) {
        return Err(E::custom("a key given twice"));
    }
    keys.push(key);
    Ok(())
}

/// A dict key, borrowed from the row's text (a key with escapes is refused).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = &'de str;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<&'de str, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = &'de str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key without escapes")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<&'de str, E> {
        Ok(key)
    }
}

/// How a value is printed, by where it sits in the cell.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The cell itself, `formatCell`: a dict as `key: flattenCell(value)` lines, a `null` as
    /// nothing, anything else as `flattenCell`.
    Cell,
    /// `flattenCell`: strings bare, a list as the `,\n` join of `str()` of its items, anything
    /// else as `json.dumps`.
    Flat,
    /// `str()` of a list item: strings bare, anything else as `repr()`.
    Str,
    /// `repr()` or `json.dumps` of a value inside another.
    Python(Style),
}

impl Mode {
    /// The printer of numbers, booleans and `null` in this position.
    fn style(self) -> Style {
        match self {
            Mode::Cell | Mode::Flat => Style::Json,
            Mode::Str => Style::Repr,
            Mode::Python(style) => style,
        }
    }
}

/// Prints one value into `out` as [`Mode`] says.
struct Printer<'a, 'de> {
    mode: Mode,
    out: &'a mut String,
    keys: &'a mut Vec<&'de str>,
}

impl<'de> DeserializeSeed<'de> for Printer<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Printer<'_, '_> {
    fn push_integer(self, text: fmt::Arguments) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = self.out.write_fmt(text);
    }
}

impl<'de> Visitor<'de> for Printer<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        if !matches!(self.mode, Mode::Cell) {
            self.out.push_str(self.mode.style().none());
        }
        Ok(())
    }

    fn visit_bool<E>(self, value: bool) -> Result<(), E> {
        self.out.push_str(self.mode.style().boolean(value));
        Ok(())
    }

    fn visit_i64<E>(self, value: i64) -> Result<(), E> {
        self.push_integer(format_args!("{value}"));
        Ok(())
    }

    fn visit_u64<E>(self, value: u64) -> Result<(), E> {
        self.push_integer(format_args!("{value}"));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        if value.is_finite() {
            let json = matches!(self.mode.style(), Style::Json);
            self.out.push_str(&python_float_repr(value, json));
            Ok(())
        } else {
            // A `Value` holds a non-finite float as `null`.
            self.visit_unit()
        }
    }

    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        match self.mode {
            Mode::Cell | Mode::Flat | Mode::Str => self.out.push_str(value),
            Mode::Python(Style::Repr) => push_repr_str(value, self.out),
            Mode::Python(Style::Json) => push_json_str(value, self.out),
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (item_mode, separator, brackets) = match self.mode {
            Mode::Cell | Mode::Flat => (Mode::Str, ",\n", false),
            Mode::Str => (Mode::Python(Style::Repr), ", ", true),
            Mode::Python(style) => (Mode::Python(style), ", ", true),
        };
        if brackets {
            self.out.push('[');
        }
        let mut first = true;
        loop {
            let start = self.out.len();
            if !first {
                self.out.push_str(separator);
            }
            let printer = Printer {
                mode: item_mode,
                out: &mut *self.out,
                keys: &mut *self.keys,
            };
            if seq.next_element_seed(printer)?.is_none() {
                self.out.truncate(start);
                break;
            }
            first = false;
        }
        if brackets {
            self.out.push(']');
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (style, value_mode, separator, brackets) = match self.mode {
            Mode::Cell => (None, Mode::Flat, "\n", false),
            Mode::Flat => (Some(Style::Json), Mode::Python(Style::Json), ", ", true),
            Mode::Str => (Some(Style::Repr), Mode::Python(Style::Repr), ", ", true),
            Mode::Python(style) => (Some(style), Mode::Python(style), ", ", true),
        };
        if brackets {
            self.out.push('{');
        }
        let first_key = self.keys.len();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            check_new_key(self.keys, first_key, key)?;
            if self.keys.len() > first_key + 1 {
                self.out.push_str(separator);
            }
            match style {
                None => self.out.push_str(key),
                Some(Style::Repr) => push_repr_str(key, self.out),
                Some(Style::Json) => push_json_str(key, self.out),
            }
            self.out.push_str(": ");
            map.next_value_seed(Printer {
                mode: value_mode,
                out: &mut *self.out,
                keys: &mut *self.keys,
            })?;
        }
        self.keys.truncate(first_key);
        if brackets {
            self.out.push('}');
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::super::TableStream;
    use super::*;

    /// The line `TableStream::row` gives for the parsed row, and the one printed from the text
    /// (checked to have been printed from the text, not refused, when `printed` is set).
    fn both(headers: &Map<String, Value>, text: &str, printed: bool) -> (String, String) {
        let (mut stream, _) = TableStream::start("T", headers);
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let expected = stream.row(&value).map_err(|e| e.to_string());
        let mut out = String::from("kept ");
        let got = stream
            .push_row_json(text, &mut out)
            .map(|()| out.clone())
            .map_err(|e| e.to_string());
        if printed {
            let mut direct = String::new();
            let sorted: Vec<String> = {
                let mut h: Vec<String> = headers.keys().cloned().collect();
                h.sort();
                h
            };
            assert!(
                push_row(&sorted, text, &mut RowBuffers::default(), &mut direct).is_ok(),
                "refused: {text}"
            );
            assert_eq!(Ok(format!("kept {direct}")), got, "{text}");
        }
        (
            expected.map(|e| format!("kept {e}")).unwrap_or_else(|e| e),
            got.unwrap_or_else(|e| e),
        )
    }

    fn headers(keys: &[&str]) -> Map<String, Value> {
        keys.iter().map(|k| (k.to_string(), Value::Null)).collect()
    }

    #[test]
    fn rows_printed_from_text_are_the_rows_of_the_parsed_value() {
        let h = headers(&[
            "uuid", "n", "f", "s", "t", "o", "l", "b", "z", "missing", "e", "x|y",
        ]);
        let rows = [
            r#"{"uuid":"u-1","n":1,"f":0.1,"s":"a\nb\r\nc\rd | e ` f","t":[{"id":"00u1","type":"User","alternateId":"a\"b@x","displayName":"O'Brien","detailEntry":null}],"o":{"result":"SUCCESS","reason":null,"n":[1,2.5,true,null,"x"],"d":{"k":"v\n","e":{}}},"l":["x",null,1e20,-0.0,[],{}],"b":false,"z":null}"#,
            r#"{"n":12345678901234567890123,"f":1e-7,"s":"\u00e9\u2028\u2029\ud83d\ude00 \u0000\u001f\u007f\u0085\u00a0","l":[1.0,100000000000000000.0,1e16,0.0001,123456789.125,-9223372036854775808,18446744073709551615]}"#,
            r#"{"o":{"q":"it's","r":"say \"hi\"","s":"both ' and \"","t":"\\ back","u":"tab\there"},"l":["it's",{"k":"it's \"q\""},["\u2028","\u0301","\ud800\udc00"]]}"#,
            r#"{"s":"","o":{},"l":[],"t":[[],[[1]],{"a":[{"b":null}]}],"e":true,"x|y":"pipe key"}"#,
            r#"{}"#,
            r#"{"other":{"deep":[1,2,3]},"n":-5,"f":2.5e-300,"s":"\r\n\r\n\n\r"}"#,
            r#"{"o":{"a":1.7976931348623157e308,"b":5e-324,"c":-1.5,"d":1e15,"e":1e16,"f":123e-20}}"#,
        ];
        for text in rows {
            let (expected, got) = both(&h, text, true);
            assert_eq!(expected, got, "{text}");
        }
    }

    #[test]
    fn rows_the_text_cannot_print_are_rendered_from_their_value() {
        let h = headers(&["a", "o", "t"]);
        let rows = [
            // Duplicate keys: the tree keeps the first position and the last value.
            r#"{"a":1,"a":2}"#,
            r#"{"o":{"x":1,"y":2,"x":3}}"#,
            r#"{"t":[{"k":1,"k":{"j":1,"j":2}}]}"#,
            // A key written with escapes.
            r#"{"\u0061":"escaped key"}"#,
            r#"{"o":{"k\"q":1}}"#,
            // Not an object.
            r#"[1,2]"#,
            r#""text""#,
            r#"null"#,
            r#"not json"#,
        ];
        let sorted = vec!["a".to_string(), "o".to_string(), "t".to_string()];
        for text in rows {
            let mut out = String::from("kept");
            assert_eq!(
                push_row(&sorted, text, &mut RowBuffers::default(), &mut out),
                Err(Refused),
                "{text}"
            );
            assert_eq!(out, "kept", "{text}");
            let (expected, got) = both(&h, text, false);
            assert_eq!(expected, got, "{text}");
        }
        assert_eq!(
            both(&h, r#"{"o":{"x":1,"y":2,"x":3}}"#, false).1,
            "kept |  | x: 3<br>y: 2 |  |\n"
        );
    }

    /// A pseudo-random JSON value (deterministic: a linear congruential generator).
    fn random_value(seed: &mut u64, depth: u32) -> Value {
        let mut next = |n: u64| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (*seed >> 33) % n
        };
        const STRINGS: [&str; 8] = [
            "plain",
            "it's",
            "say \"hi\"",
            "line\nbreak\r\nend\r",
            "pipe | tick ` back \\",
            "\u{e9}\u{2028}\u{1F600}\u{85}\u{7f}\u{0}",
            "",
            "'both\"",
        ];
        let kind = if depth > 3 { next(5) } else { next(7) };
        match kind {
            0 => Value::Null,
            1 => Value::Bool(next(2) == 0),
            2 => json!(next(1 << 20) as i64 - (1 << 19)),
            3 => {
                let f = f64::from_bits(next(u64::MAX) | (next(2) << 63));
                if f.is_finite() {
                    json!(f)
                } else {
                    json!(0.1 * next(1000) as f64)
                }
            }
            4 => json!(STRINGS[usize::try_from(next(8)).unwrap()]),
            5 => {
                let n = next(4);
                Value::Array((0..n).map(|_| random_value(seed, depth + 1)).collect())
            }
            _ => {
                let n = next(4);
                let mut map = Map::new();
                for i in 0..n {
                    let key = format!(
                        "{}{i}",
                        STRINGS[(usize::try_from(i).unwrap() * 3) % 6].len()
                    );
                    map.insert(key, random_value(seed, depth + 1));
                }
                Value::Object(map)
            }
        }
    }

    #[test]
    fn random_rows_print_as_their_values() {
        let h = headers(&["a", "b", "c", "d"]);
        let mut seed = 20;
        for _ in 0..3000 {
            let mut row = Map::new();
            for key in ["d", "a", "other", "c", "b"] {
                if seed % 5 != 0 {
                    row.insert(key.to_string(), random_value(&mut seed, 0));
                }
                seed = seed.wrapping_add(1);
            }
            let text = Value::Object(row).to_string();
            let (expected, got) = both(&h, &text, true);
            assert_eq!(expected, got, "{text}");
        }
    }
}
