//! YAML scalars for the hand-written manifest: plain when unambiguous, single-quoted
//! otherwise, and literal blocks for multi-line text (the relay's source).

/// A YAML scalar: plain when that is unambiguous, otherwise single-quoted.
pub fn scalar(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains('\n')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "null" | "~" | "on" | "off"
        )
        && s.parse::<f64>().is_err();
    if plain_ok {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// A literal block scalar (`|`) under a key indented by `indent` spaces, keeping `text`
/// byte for byte: the explicit indentation indicator keeps leading spaces safe, and `+`
/// keeps the trailing newlines. Tabs are fine inside a literal block; other control
/// characters are not allowed in YAML and must not appear in `text`.
pub fn literal_block(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent + 2);
    let mut out = String::from("|2+\n");
    for line in text.split_inclusive('\n') {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&pad);
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_quoting() {
        assert_eq!(scalar("plain text"), "plain text");
        assert_eq!(scalar("true"), "'true'");
        assert_eq!(scalar("50"), "'50'");
        assert_eq!(scalar("-"), "'-'");
        assert_eq!(scalar("a: b"), "'a: b'");
        assert_eq!(scalar("it's"), "it's");
        assert_eq!(scalar("'x'"), "'''x'''");
    }

    #[test]
    fn literal_block_indents_every_non_empty_line() {
        assert_eq!(
            literal_block("a\n  b\n\nc\n", 2),
            "|2+\n    a\n      b\n\n    c\n"
        );
    }
}
