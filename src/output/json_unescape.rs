//! Streaming the text of a JSON string body (the part between the quotes) back to plain
//! text, with constant memory: `okta-iam call` prints the markdown of a spooled entry this
//! way, however large it is.

use std::io::{self, BufRead, Write};

/// Copies the JSON string body read from `input` to `output`, unescaped. A malformed escape
/// is an `InvalidData` error.
pub fn unescape_stream(input: &mut impl BufRead, output: &mut impl Write) -> io::Result<()> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        // Copy everything up to the next backslash as is.
        let plain = chunk.split(|&b| b == b'\\').next().unwrap_or(chunk);
        let n = plain.len();
        let at_escape = n < chunk.len();
        output.write_all(plain)?;
        if !at_escape {
            input.consume(n);
            continue;
        }
        // The plain bytes and the backslash.
        input.consume(n + 1);
        let escape = read_byte(input)?.ok_or_else(|| bad("a JSON string ends inside an escape"))?;
        let simple = match escape {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            _ => return Err(bad("an unknown escape in a JSON string")),
        };
        if let Some(byte) = simple {
            output.write_all(&[byte])?;
            continue;
        }
        let unit = read_hex4(input)?;
        let ch = if (0xD800..0xDC00).contains(&unit) {
            // A high surrogate must be followed by `\u` and a low one.
            if read_byte(input)? != Some(b'\\') || read_byte(input)? != Some(b'u') {
                return Err(bad("a lone surrogate in a JSON string"));
            }
            let low = read_hex4(input)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(bad("a lone surrogate in a JSON string"));
            }
            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        } else {
            char::from_u32(unit)
        }
        .ok_or_else(|| bad("a lone surrogate in a JSON string"))?;
        let mut buf = [0u8; 4];
        output.write_all(ch.encode_utf8(&mut buf).as_bytes())?;
    }
}

fn read_byte(input: &mut impl BufRead) -> io::Result<Option<u8>> {
    let chunk = input.fill_buf()?;
    let Some(&byte) = chunk.first() else {
        return Ok(None);
    };
    input.consume(1);
    Ok(Some(byte))
}

fn read_hex4(input: &mut impl BufRead) -> io::Result<u32> {
    let mut value = 0;
    for _ in 0..4 {
        let digit = read_byte(input)?
            .and_then(|b| (b as char).to_digit(16))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a bad \\u escape"))?;
        value = value * 16 + digit;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind_of_escape_across_any_buffer_size() {
        let text = "| a | b |\n|---|---|\n| \"q\" \\ / \t\u{1}\u{2028} é 😀 |\r\n";
        let quoted = serde_json::to_string(text).unwrap();
        let body = &quoted[1..quoted.len() - 1];
        // Also the forms serde_json does not write but JSON allows.
        let body = format!("{body}\\u00e9\\ud83d\\ude00\\/");
        let expected = format!("{text}é😀/");
        for capacity in [1, 2, 3, 5, 7, 64] {
            let mut reader = io::BufReader::with_capacity(capacity, body.as_bytes());
            let mut out = Vec::new();
            unescape_stream(&mut reader, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{capacity}");
        }
    }

    #[test]
    fn malformed_escapes_are_errors() {
        for body in ["\\", "\\x", "\\u12", "\\ud83d", "\\ud83d\\u0041"] {
            let mut out = Vec::new();
            assert!(
                unescape_stream(&mut body.as_bytes(), &mut out).is_err(),
                "{body}"
            );
        }
    }
}
