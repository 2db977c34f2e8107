//! The body of a JSON string (no quotes), escaped exactly as serde_json escapes it: `"` and
//! `\` with a backslash, `\b` `\f` `\n` `\r` `\t`, other C0 controls as `\u00xx` (lowercase
//! hex), everything else as it is.
//!
//! serde_json's escaper writes through `io::Write` one piece at a time, which costs about 16
//! instructions a byte on text dense with quotes (fetch-incidents escapes a JSON text that
//! holds JSON texts); this one copies the runs between escapes into a `String` at once.
//! [`push_json_value`] writes a whole `Value` the same way, as `serde_json::to_string` would.

use serde_json::Value;

/// Appends the JSON string body of `text` to `out`.
pub fn push_json_string_body(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + bytes.len() / 8);
    // Start of the bytes not yet copied.
    let mut kept = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte >= 0x20 && byte != b'"' && byte != b'\\' {
            continue;
        }
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
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(control >> 4)]));
                out.push(char::from(HEX[usize::from(control & 0xf)]));
            }
        }
    }
    out.push_str(text.get(kept..).unwrap_or_default());
}

/// `value` as compact JSON, appended to `out`: the bytes of `serde_json::to_string`.
pub fn push_json_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // `Number`'s `Display` is its serialisation (itoa, ryu).
        Value::Number(number) => {
            use std::fmt::Write;
            // Writing to a String cannot fail.
            let _ = write!(out, "{number}");
        }
        Value::String(text) => {
            out.push('"');
            push_json_string_body(text, out);
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                push_json_string_body(key, out);
                out.push_str("\":");
                push_json_value(item, out);
            }
            out.push('}');
        }
    }
}

/// `values` as a compact JSON array: the bytes of `serde_json::to_string`.
pub fn json_array(values: &[Value]) -> String {
    let mut out = String::new();
    out.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_value(value, &mut out);
    }
    out.push(']');
    out
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
            serde_json::to_string(&serde_json::json!([{"rawJSON": "{\"x\": \"y\\n\"}"}]))
                .unwrap(),
        ];
        for text in cases {
            assert_eq!(
                json_string(&text),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
        let values = [
            serde_json::json!([{"name": "n \"q\"", "rawJSON": "{\"x\":\"y\\n\"}", "labels": [{"type": "eventType", "value": "a\u{2028}"}]}]),
            serde_json::json!({"n": [1, -2, 3.5, 1e300, -0.0, u64::MAX, i64::MIN, 0.1], "b": [true, false, null], "e": {}, "l": [], "k\"\n": "\u{0}"}),
            serde_json::json!("top"),
            serde_json::json!(12345678901234567890.0),
        ];
        for value in values {
            let mut out = String::new();
            push_json_value(&value, &mut out);
            assert_eq!(out, serde_json::to_string(&value).unwrap());
            let list = [value.clone(), value];
            assert_eq!(json_array(&list), serde_json::to_string(&list).unwrap());
        }
        assert_eq!(json_array(&[]), "[]");
        let mut seed: u64 = 20;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let value = serde_json::json!([f64::from_bits(seed), seed, -(seed as i64 >> 3)]);
            let mut out = String::new();
            push_json_value(&value, &mut out);
            assert_eq!(out, serde_json::to_string(&value).unwrap());
        }
        let mut out = String::from("kept:");
        push_json_string_body("a\"b", &mut out);
        assert_eq!(out, "kept:a\\\"b");
    }
}
