//! A `result` message as one compact JSON line, with an entry's contents serialised once
//! when they are in its context too (an IAM result: `Contents` and the `IAM.Vendor` context
//! are the same 13-key object, about half of the line). The bytes are those of serialising
//! the [`Entry`] ([`super::line_breaks::push_json`]), its big parts written by
//! [`super::json_write`]; the second copy is the first one's bytes.

use super::json_write::{push_string, push_value};
use super::line_breaks::push_json;
use super::Entry;

/// Appends the `result` message of `entries` (not spooled) and a newline to `out`. On an
/// error `out` is left as it was.
pub fn push_result_line(entries: &[Entry], out: &mut Vec<u8>) -> serde_json::Result<()> {
    let start = out.len();
    out.extend_from_slice(br#"{"type":"result","results":["#);
    for (index, entry) in entries.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        if let Err(error) = push_entry(entry, out) {
            out.truncate(start);
            return Err(error);
        }
    }
    out.extend_from_slice(b"]}\n");
    Ok(())
}

/// Appends `entry` as compact JSON (what serialising it writes). On an error `out` is left
/// as it was.
pub fn push_entry(entry: &Entry, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let Some(shared_key) = entry.contents_also_under else {
        return push_json(entry, out);
    };
    let start = out.len();
    let written = push_shared(entry, shared_key, out);
    if written.is_err() {
        out.truncate(start);
    }
    written
}

/// [`Entry`]'s fields in its order, the contents' bytes copied under `shared_key`.
fn push_shared(entry: &Entry, shared_key: &str, out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.extend_from_slice(br#"{"Type":"#);
    push_json(&entry.entry_type, out)?;
    out.extend_from_slice(br#","ContentsFormat":"#);
    push_string(entry.contents_format, out);
    out.extend_from_slice(br#","Contents":"#);
    let contents_start = out.len();
    push_value(&entry.contents, out)?;
    let contents_end = out.len();
    if let Some(text) = &entry.human_readable {
        out.extend_from_slice(br#","HumanReadable":"#);
        push_string(text, out);
    }
    out.extend_from_slice(br#","EntryContext":{"#);
    for (key, value) in entry.entry_context.as_object().into_iter().flatten() {
        push_string(key, out);
        out.push(b':');
        push_value(value, out)?;
        out.push(b',');
    }
    push_string(shared_key, out);
    out.push(b':');
    out.extend_from_within(contents_start..contents_end);
    out.extend_from_slice(b"}}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::line_breaks::push_json_line;
    use crate::protocol::message::Outgoing;
    use serde_json::json;

    fn serialised(entries: &[Entry]) -> Vec<u8> {
        let mut line = Vec::new();
        push_json_line(&Outgoing::Result { results: entries }, &mut line).unwrap();
        line
    }

    fn written(entries: &[Entry]) -> Vec<u8> {
        let mut line = Vec::new();
        push_result_line(entries, &mut line).unwrap();
        line
    }

    #[test]
    fn the_line_is_the_serialised_message() {
        let outputs = json!({
            "success": true,
            "details": {"name": "a\u{2028}b\u{85}\"q\"", "n": [1, 2.5, null], "o": {}}
        });
        let shared = Entry::json(outputs, "| a |\n|---|\n| \u{2029} |\n")
            .with_context("IAM.UserProfile(val.email)", json!({"email": "j@x"}))
            .with_contents_in_context("IAM.Vendor(val.email && val.email == obj.email)");
        let error = Entry::error("bad\u{2028}").with_contents_in_context("Only");
        let cases = [
            vec![shared.clone()],
            vec![Entry::text("ok"), shared.clone(), error.clone()],
            vec![error],
            vec![Entry::json(json!([1]), "t").with_context("K", json!(1))],
            vec![],
        ];
        for entries in cases {
            assert_eq!(
                String::from_utf8(written(&entries)).unwrap(),
                String::from_utf8(serialised(&entries)).unwrap()
            );
        }
        // Appended to what the buffer holds.
        let mut line = b"x".to_vec();
        push_result_line(std::slice::from_ref(&shared), &mut line).unwrap();
        assert_eq!(line.get(1..), Some(serialised(&[shared]).as_slice()));
    }
}
