//! Escaping the characters that Unicode-aware readers take as line ends.
//!
//! The protocol is one JSON value per `\n`-terminated line, but a host that splits its input
//! the Unicode way (Python's `str.splitlines()`) also breaks lines at U+0085 (NEL), U+2028
//! (LINE SEPARATOR) and U+2029 (PARAGRAPH SEPARATOR). JSON allows them raw inside strings, and
//! `serde_json` writes them raw, so every output line passes through here: each one becomes
//! its `\uXXXX` escape, which reads back as the same string. They can only occur inside JSON
//! strings (never as JSON whitespace), so the escape is always valid. The ASCII line ends that
//! `splitlines()` knows (`\v`, `\f`, `\x1c`-`\x1e`) are control characters, which JSON escapes
//! anyway.
//!
//! A message is written through [`push_json_line`], which escapes while it serialises
//! ([`LineSafeFormatter`]); text that is already JSON goes through [`escape_str`], or
//! [`StreamEscaper`] when it comes in pieces.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

/// `json` with U+0085, U+2028 and U+2029 escaped.
pub fn escape_str(json: &str) -> Cow<'_, str> {
    // 0xC2 and 0xE2 are only ever lead bytes: the three start with one of them.
    if memchr::memchr2(0xC2, 0xE2, json.as_bytes()).is_none()
        || !json.contains(['\u{85}', '\u{2028}', '\u{2029}'])
    {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for ch in json.chars() {
        match ch {
            '\u{85}' => out.push_str("\\u0085"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

/// serde_json's compact output with U+0085, U+2028 and U+2029 escaped inside strings (keys,
/// values and raw JSON fragments alike), so a message needs no second pass.
#[derive(Debug, Default, Clone, Copy)]
pub struct LineSafeFormatter;

impl serde_json::ser::Formatter for LineSafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        write_escaped(writer, fragment.as_bytes())
    }

    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // Raw JSON can hold the three only inside its strings, where the escape is valid.
        write_escaped(writer, fragment.as_bytes())
    }
}

/// Appends `value` to `out` as one output line: compact JSON with the three escaped, then
/// `\n`. On an error `out` is left as it was.
pub fn push_json_line<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    push_json(value, out)?;
    out.push(b'\n');
    Ok(())
}

/// Appends `value` to `out` as compact JSON with the three escaped (part of a line). On an
/// error `out` is left as it was.
pub fn push_json<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let start = out.len();
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, LineSafeFormatter);
    value
        .serialize(&mut serializer)
        .inspect_err(|_| out.truncate(start))
}

/// Writes `bytes` (UTF-8) with U+0085, U+2028 and U+2029 escaped.
fn write_escaped<W: ?Sized + Write>(writer: &mut W, mut bytes: &[u8]) -> std::io::Result<()> {
    // Most strings are short and ASCII: one cheap check, no search.
    if bytes.is_ascii() {
        return writer.write_all(bytes);
    }
    // 0xC2 and 0xE2 are only ever lead bytes: the three start with one of them.
    while let Some(at) = memchr::memchr2(0xC2, 0xE2, bytes) {
        let (before, from) = bytes.split_at(at);
        let (escape, len) = match from {
            [0xC2, 0x85, ..] => ("\\u0085", 2),
            [0xE2, 0x80, 0xA8, ..] => ("\\u2028", 3),
            [0xE2, 0x80, 0xA9, ..] => ("\\u2029", 3),
            _ => {
                // Another character with the same lead byte: kept as it is.
                let (head, tail) = bytes.split_at(at + 1);
                writer.write_all(head)?;
                bytes = tail;
                continue;
            }
        };
        writer.write_all(before)?;
        writer.write_all(escape.as_bytes())?;
        bytes = from.get(len..).unwrap_or_default();
    }
    writer.write_all(bytes)
}

/// The same escaping over a byte stream given in chunks that may split a character:
/// an incomplete sequence at the end of a chunk is kept for the next one.
#[derive(Debug, Default)]
pub struct StreamEscaper {
    carry: Vec<u8>,
}

impl StreamEscaper {
    /// Appends the escaped form of `chunk` (after any carried bytes) to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let mut i = 0;
        while let Some(rest) = data.get(i..) {
            match rest {
                // U+0085 is C2 85; 0xC2 and 0xE2 are only ever lead bytes in UTF-8.
                [0xC2, 0x85, ..] => {
                    out.extend_from_slice(b"\\u0085");
                    i += 2;
                }
                [0xE2, 0x80, 0xA8, ..] => {
                    out.extend_from_slice(b"\\u2028");
                    i += 3;
                }
                [0xE2, 0x80, 0xA9, ..] => {
                    out.extend_from_slice(b"\\u2029");
                    i += 3;
                }
                [0xC2] | [0xE2] | [0xE2, 0x80] => {
                    self.carry.extend_from_slice(rest);
                    return;
                }
                [byte, ..] => {
                    out.push(*byte);
                    i += 1;
                }
                [] => break,
            }
        }
    }

    /// Appends whatever is still carried (an incomplete sequence at the very end).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.carry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_separators_are_escaped_and_read_back_the_same() {
        let value = serde_json::json!({"a": "x\u{2028}y\u{2029}z\u{85}w é ✓"});
        let raw = serde_json::to_string(&value).unwrap();
        let escaped = escape_str(&raw);
        assert!(!escaped.contains(['\u{85}', '\u{2028}', '\u{2029}']));
        assert!(escaped.contains("\\u2028") && escaped.contains("\\u0085"));
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, value);
        assert!(matches!(escape_str("{\"a\":\"é\"}"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_serialised_with_the_formatter_escape_the_same_as_a_second_pass() {
        let value = serde_json::json!({
            "k\u{2028}ey": ["x\u{2028}y\u{2029}z\u{85}w é ✓ \u{2027}\u{a0}", "\"\n", 1.5, null],
        });
        let raw =
            serde_json::value::RawValue::from_string("{\"a\u{2029}\":\"\u{85}\"}".into()).unwrap();
        let message = (&value, &raw);
        let mut line = b"before\n".to_vec();
        push_json_line(&message, &mut line).unwrap();
        let expected = escape_str(&serde_json::to_string(&message).unwrap()).into_owned();
        assert_eq!(
            String::from_utf8(line.clone()).unwrap(),
            format!("before\n{expected}\n")
        );
        let back: serde_json::Value = serde_json::from_slice(&line[7..]).unwrap();
        assert_eq!(back[0], value);
        assert_eq!(back[1], serde_json::json!({"a\u{2029}": "\u{85}"}));
        assert!(!line.windows(3).any(|w| w == "\u{2028}".as_bytes()));
    }

    #[test]
    fn a_stream_split_inside_a_character_is_escaped_the_same() {
        let text = "a\u{2028}b\u{85}c\u{2029}✓é\u{2028}";
        let whole = escape_str(text).into_owned().into_bytes();
        for size in 1..=4 {
            let mut escaper = StreamEscaper::default();
            let mut out = Vec::new();
            for chunk in text.as_bytes().chunks(size) {
                escaper.push(chunk, &mut out);
            }
            escaper.finish(&mut out);
            assert_eq!(out, whole, "chunks of {size}");
        }
    }
}
