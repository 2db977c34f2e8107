//! The body of a JSON string (no quotes), escaped exactly as serde_json escapes it: `"` and
//! `\` with a backslash, `\b` `\f` `\n` `\r` `\t`, other C0 controls as `\u00xx` (lowercase
//! hex), everything else as it is.
//!
//! Made for text with few escapes (markdown rows, cells): the runs between escapes are found
//! eight bytes at a time ([`crate::output::byte_scan`]) and copied whole. On text dense with
//! quotes (a JSON text that holds JSON texts, as fetch-incidents' `Contents`) serde_json's own
//! escaper is faster: callgrind measured 15 instructions a byte for it against 25 here, so
//! that text stays with serde_json.

use crate::output::byte_scan::{byte_mask, find, less_mask};

/// Appends the JSON string body of `text` to `out`.
pub fn push_json_string_body(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + bytes.len() / 8);
    // Start of the bytes not yet copied.
    let mut kept = 0;
    let word_mask =
        |word: u64| less_mask(word, 0x20) | byte_mask(word, b'"') | byte_mask(word, b'\\');
    let special = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    while let Some(i) = find(bytes, kept, word_mask, special) {
        let Some(&byte) = bytes.get(i) else { break };
        // `i` is the index of an ASCII byte: a character boundary.
        out.push_str(text.get(kept..i).unwrap_or_default());
        kept = i + 1;
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            control => {
                let hex = |digit: u8| char::from_digit(u32::from(digit), 16).unwrap_or('0');
                out.push_str("\\u00");
                out.push(hex(control >> 4));
                out.push(hex(control & 0xf));
            }
        }
    }
    out.push_str(text.get(kept..).unwrap_or_default());
}

/// `text` as a JSON string, quotes included.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    push_json_string_body(text, &mut out);
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_serde_json_does() {
        let mut every_char: String = (0u32..0x800).filter_map(char::from_u32).collect();
        every_char.push_str("\u{2028}\u{2029}\u{FFFF}\u{1F600} end");
        let cases = [
            String::new(),
            "plain text".to_string(),
            r#"{"a":"b \"c\" \\ d","e":[1,2]}"#.to_string(),
            "\"\"\\\\\"".to_string(),
            "line\nbreak\r\n\ttab \u{8}\u{c}\u{0}\u{1f}\u{7f}".to_string(),
            every_char,
            serde_json::to_string(&serde_json::json!([{"rawJSON": "{\"x\": \"y\\n\"}"}])).unwrap(),
        ];
        for text in cases {
            assert_eq!(
                json_string(&text),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
        let mut out = String::from("kept:");
        push_json_string_body("a\"b", &mut out);
        assert_eq!(out, "kept:a\\\"b");
    }
}
