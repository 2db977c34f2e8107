//! SCIM resource ids in request paths: always ONE percent-encoded segment.
//!
//! Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded, so `/`,
//! `?`, `#`, `%`, spaces and non-ASCII never leave the segment. The empty string, `.` and
//! `..` cannot be one segment (URL parsers collapse them) and are refused: nothing is sent.

/// `id` as one path segment, or the message saying why it cannot be one.
pub fn segment(id: &str) -> Result<String, String> {
    crate::http::encode::path_segment(id)
        .ok_or_else(|| format!("{id:?} cannot be used as a SCIM id in a request path"))
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn hostile_ids_stay_one_segment() {
        assert_eq!(segment("abc-1.2_3~").unwrap(), "abc-1.2_3~");
        assert_eq!(segment("../Groups").unwrap(), "..%2FGroups");
        assert_eq!(segment("a?b#c%d e").unwrap(), "a%3Fb%23c%25d%20e");
        assert_eq!(segment("é").unwrap(), "%C3%A9");
        for bad in ["", ".", ".."] {
            assert!(segment(bad).unwrap_err().contains("cannot be used"));
        }
    }
}
