//! Compact JSON written straight into an output buffer: byte for byte what
//! [`super::line_breaks::push_json`] writes for a [`Value`] or a string (serde_json's compact
//! output, with U+0085, U+2028 and U+2029 escaped), in fewer instructions. A string is read
//! eight bytes at a time ([`super::byte_scan`]'s word tests) and copied in runs; serde_json
//! looks at every byte and hands each run to the formatter, which looks at it again for the
//! three line ends.
//!
//! Used for the big parts of a `result` line (an entry's contents, context and readable text);
//! numbers still go through serde_json, so their text is serde_json's.

use serde_json::Value;

use super::byte_scan::{byte_mask, for_each_flagged, high_mask, less_mask};
use super::line_breaks::push_json;

/// Appends `value` as compact JSON (what [`push_json`] writes). Recursion follows the value's
/// nesting, as serde_json's serialiser does. On an error `out` is left as it was.
pub fn push_value(value: &Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let start = out.len();
    push_value_unchecked(value, out).inspect_err(|_| out.truncate(start))
}

fn push_value_unchecked(value: &Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => push_json(number, out)?,
        Value::String(text) => push_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                push_value_unchecked(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (index, (key, item)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                push_string(key, out);
                out.push(b':');
                push_value_unchecked(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Appends `text` as a JSON string, quotes included (what [`push_json`] writes for it).
///
/// The text is read a word (eight bytes) at a time; the bytes of a word that may need an
/// escape are flagged ([`flags`]) and handled in order without scanning the word again
/// ([`for_each_flagged`]), so text dense with quotes (a markdown table of JSON cells) costs
/// little more than plain text.
pub fn push_string(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // `bytes[..kept]` is in `out`.
    let mut kept = 0;
    for_each_flagged(bytes, flags, |i| escape_at(bytes, i, &mut kept, out));
    out.extend_from_slice(bytes.get(kept..).unwrap_or_default());
    out.push(b'"');
}

/// The high bit of every byte of `word` that may need an escape: JSON's (controls, `"`, `\`)
/// and any non-ASCII byte (the three line ends start with 0xC2 or 0xE2). Bytes just above a
/// flagged one may be flagged too; [`escape_at`] passes over them.
fn flags(word: u64) -> u64 {
    less_mask(word, 0x20) | byte_mask(word, b'"') | byte_mask(word, b'\\') | high_mask(word)
}

/// When the byte at `i` needs an escape, appends the bytes from `kept` up to it and the
/// escape, and moves `kept` past what was escaped. Anything else (a byte of a line end already
/// escaped, another non-ASCII byte, a byte flagged only by a borrow) stays in the run.
#[inline]
fn escape_at(bytes: &[u8], i: usize, kept: &mut usize, out: &mut Vec<u8>) {
    if i < *kept {
        return;
    }
    let Some(&byte) = bytes.get(i) else { return };
    let run = bytes.get(*kept..i).unwrap_or_default();
    // The common escapes are a backslash and one byte, pushed (not copied).
    let second = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        0x00..=0x1f => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let hex = |digit: u8| HEX.get(usize::from(digit)).copied().unwrap_or(b'0');
            out.extend_from_slice(run);
            out.extend_from_slice(b"\\u00");
            out.push(hex(byte >> 4));
            out.push(hex(byte & 0xf));
            *kept = i + 1;
            return;
        }
        0xC2 | 0xE2 => {
            let (escape, len): (&[u8], usize) = match bytes.get(i..).unwrap_or_default() {
                [0xC2, 0x85, ..] => (b"\\u0085", 2),
                [0xE2, 0x80, 0xA8, ..] => (b"\\u2028", 3),
                [0xE2, 0x80, 0xA9, ..] => (b"\\u2029", 3),
                _ => return,
            };
            out.extend_from_slice(run);
            out.extend_from_slice(escape);
            *kept = i + len;
            return;
        }
        _ => return,
    };
    out.extend_from_slice(run);
    out.push(b'\\');
    out.push(second);
    *kept = i + 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn serde_bytes(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        push_json(value, &mut out).unwrap();
        out
    }

    fn written(value: &Value) -> Vec<u8> {
        let mut out = b"x".to_vec();
        push_value(value, &mut out).unwrap();
        out.split_off(1)
    }

    /// Every character class the escaping distinguishes, alone and in runs around the
    /// eight-byte words.
    const PIECES: &[&str] = &[
        "a",
        "plain text ",
        "\"",
        "\\",
        "\n",
        "\r",
        "\t",
        "\u{8}",
        "\u{c}",
        "\u{0}",
        "\u{1f}",
        "\u{7f}",
        "\u{85}",
        "\u{a0}",
        "é",
        "\u{2028}",
        "\u{2029}",
        "\u{2027}",
        "\u{2030}",
        "✓",
        "€",
        "😀",
        "'",
        "/",
        "<br>",
        "|",
    ];

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for a in PIECES {
            for b in PIECES {
                for pad in ["", "1234567", "12345678", "123"] {
                    let text = format!("{pad}{a}{pad}{b}{a}");
                    let value = Value::String(text.clone());
                    assert_eq!(written(&value), serde_bytes(&value), "{text:?}");
                    let mut direct = Vec::new();
                    push_string(&text, &mut direct);
                    assert_eq!(direct, serde_bytes(&value), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).unwrap()
        };
        fn random(depth: usize, next: &mut dyn FnMut(usize) -> usize) -> Value {
            let kinds = if depth >= 4 { 6 } else { 8 };
            match next(kinds) {
                0 => Value::Null,
                1 => Value::Bool(next(2) == 0),
                2 => json!(next(1 << 20) as i64 - (1 << 19)),
                3 => json!(next(1000) as f64 / 7.0),
                4 => json!(u64::MAX - next(10) as u64),
                5 => {
                    let text: String = (0..next(5)).map(|_| PIECES[next(PIECES.len())]).collect();
                    Value::String(text)
                }
                6 => Value::Array((0..next(4)).map(|_| random(depth + 1, next)).collect()),
                _ => Value::Object(
                    (0..next(4))
                        .map(|_| {
                            let key = PIECES[next(PIECES.len())].to_string() + "k";
                            (key, random(depth + 1, next))
                        })
                        .collect(),
                ),
            }
        }
        for _ in 0..2000 {
            let value = random(0, &mut next);
            assert_eq!(written(&value), serde_bytes(&value), "{value}");
        }
        let edge = json!([1e300, -0.0, 0.1, 1.5e-7, -12, 0, {"": ""}, [], {}]);
        assert_eq!(written(&edge), serde_bytes(&edge));
    }
}
