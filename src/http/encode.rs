//! How a value enters a request URL, for every vendor: as one path segment, or as a quoted
//! literal in a filter expression. Vendors word the refusal themselves.

/// `value` as ONE percent-encoded path segment: everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is encoded, so `/`, `?`, `#`, `%`, spaces and non-ASCII never leave
/// it. `None` for the empty string, `.` and `..`, which URL parsers collapse: nothing may be
/// sent for them.
pub fn path_segment(value: &str) -> Option<String> {
    if value.is_empty() || value == "." || value == ".." {
        return None;
    }
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Some(out)
}

/// `value` as a filter literal: a double-quoted JSON string, so `"`, `\` and control
/// characters are escaped and the value stays one literal (Okta's filters and SCIM's
/// `compValue` share this grammar).
pub fn filter_literal(value: &str) -> String {
    // Serialising a str cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| String::from("\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_stay_one_segment_or_one_literal() {
        assert_eq!(path_segment("abc-1.2_3~").as_deref(), Some("abc-1.2_3~"));
        assert_eq!(path_segment("../users").as_deref(), Some("..%2Fusers"));
        assert_eq!(
            path_segment("a?b#c%d e").as_deref(),
            Some("a%3Fb%23c%25d%20e")
        );
        assert_eq!(path_segment("é").as_deref(), Some("%C3%A9"));
        for bad in ["", ".", ".."] {
            assert_eq!(path_segment(bad), None);
        }
        assert_eq!(filter_literal(r#"x" or id eq "y"#), r#""x\" or id eq \"y""#);
    }
}
