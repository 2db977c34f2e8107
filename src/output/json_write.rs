//! Compact JSON written straight into an output buffer: byte for byte what
//! [`super::line_breaks::push_json`] writes for a [`Value`] or a string (serde_json's compact
//! output, with U+0085, U+2028 and U+2029 escaped), in fewer instructions. The runs of a
//! string that need no escape are found eight bytes at a time ([`super::byte_scan`]) and
//! copied whole; serde_json looks at every byte and hands each run to the formatter, which
//! looks at it again for the three line ends.
//!
//! Used for the big parts of a `result` line (an entry's contents, context and readable text);
//! numbers still go through serde_json, so their text is serde_json's.

use serde_json::Value;

use super::byte_scan::{byte_mask, find, high_mask, less_mask};
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
pub fn push_string(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Start of the bytes not yet copied.
    let mut kept = 0;
    // JSON's escapes, and the lead bytes of the three line ends (0xC2, 0xE2: any non-ASCII
    // byte makes a word worth a look).
    let word_mask = |word: u64| {
        less_mask(word, 0x20) | byte_mask(word, b'"') | byte_mask(word, b'\\') | high_mask(word)
    };
    let special = |byte: u8| byte < 0x20 || matches!(byte, b'"' | b'\\' | 0xC2 | 0xE2);
    // Where the search goes on (past a non-ASCII byte that is kept, it is ahead of `kept`).
    let mut from = 0;
    while let Some(i) = find(bytes, from, word_mask, special) {
        let Some(&byte) = bytes.get(i) else { break };
        let run = bytes.get(kept..i).unwrap_or_default();
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0xC2 | 0xE2 => {
                let line_end: Option<(&[u8], usize)> = match bytes.get(i..i + 3) {
                    Some([0xE2, 0x80, 0xA8]) => Some((b"\\u2028", 3)),
                    Some([0xE2, 0x80, 0xA9]) => Some((b"\\u2029", 3)),
                    _ if bytes.get(i..i + 2) == Some(&[0xC2, 0x85]) => Some((b"\\u0085", 2)),
                    // Another character with that lead byte: kept as it is.
                    _ => None,
                };
                match line_end {
                    Some((escape, len)) => {
                        out.extend_from_slice(run);
                        out.extend_from_slice(escape);
                        kept = i + len;
                        from = kept;
                    }
                    None => from = i + 1,
                }
                continue;
            }
            control => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let hex = |digit: u8| HEX.get(usize::from(digit)).copied().unwrap_or(b'0');
                out.extend_from_slice(run);
                out.extend_from_slice(b"\\u00");
                out.push(hex(control >> 4));
                out.push(hex(control & 0xf));
                kept = i + 1;
                from = kept;
                continue;
            }
        };
        out.extend_from_slice(run);
        out.push(b'\\');
        out.push(short);
        kept = i + 1;
        from = kept;
    }
    out.extend_from_slice(bytes.get(kept..).unwrap_or_default());
    out.push(b'"');
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
            (state % bound as u64) as usize
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
