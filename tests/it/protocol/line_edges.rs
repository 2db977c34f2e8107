//! Input and output lines at their edges: a UTF-8 byte order mark before the first line is
//! skipped, and U+0085, U+2028 and U+2029 never appear raw on stdout (hosts that split
//! lines the Unicode way, like Python's `str.splitlines()`, would cut a message in two), in
//! ordinary and in spooled (large) results alike.

use crate::support as common;

use common::*;
use fake_okta::FakeOkta;
use serde_json::{json, Value};

/// The lines of `text` as Python's `str.splitlines()` sees them.
fn python_splitlines(text: &str) -> Vec<&str> {
    text.split([
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ])
    .filter(|l| !l.is_empty())
    .collect()
}

fn serve(input: &[u8]) -> Vec<u8> {
    let dir = temp_dir("line-edges");
    let state = dir.join("state.json");
    let output = run(&["serve", "--state", state.to_str().unwrap()], input);
    assert!(output.status.success());
    output.stdout
}

#[test]
fn a_byte_order_mark_before_the_first_line_is_skipped() {
    let stdout = serve("\u{feff}ping\n{\"command\":\"okta-iam-get-configuration\"}\n".as_bytes());
    let lines = protocol_lines(&stdout);
    assert_eq!(lines[0], json!({"type": "pong"}));
    assert_eq!(lines.last().unwrap()["type"], "completed");
    assert!(result_entries(&lines).iter().all(|e| e["Type"] == 1));

    let stdout = serve("\u{feff}{\"command\":\"okta-iam-get-configuration\"}\n".as_bytes());
    assert!(result_entries(&protocol_lines(&stdout))
        .iter()
        .all(|e| e["Type"] == 1));
}

#[test]
fn unicode_line_separators_are_escaped_in_every_output_line() {
    let name = "x\u{2028}y\u{2029}z\u{85}w";
    let input = format!("{}\n", json!({"command": name}));
    let stdout = serve(input.as_bytes());
    let text = String::from_utf8(stdout).unwrap();
    assert!(!text.contains(['\u{85}', '\u{2028}', '\u{2029}']), "{text}");
    assert_eq!(python_splitlines(&text), text.lines().collect::<Vec<_>>());
    // Escaped, the text reads back the same.
    let entry = &result_entries(&protocol_lines(text.as_bytes()))[0];
    assert!(entry["Contents"].as_str().unwrap().contains(name));
}

#[test]
fn separators_from_okta_are_escaped_in_small_and_spooled_results() {
    let okta = FakeOkta::start();
    let odd = "odd\u{2028}message\u{2029}with\u{85}separators";
    okta.push_event(
        json!({"eventType": "user.session.start", "displayMessage": odd,
        "published": "2025-05-20T16:00:00.000Z"}),
    );
    let params = json!({"url": okta.url(), "apitoken": FakeOkta::TOKEN});
    let call = |limit: &str| {
        let line = json!({"command": "okta-get-logs",
            "args": {"since": "2025-05-01T00:00:00Z", "limit": limit}, "params": params});
        serve(format!("{line}\n").as_bytes())
    };
    // One event: an ordinary result line.
    let small = String::from_utf8(call("1")).unwrap();
    // Thousands more: the result is spooled through temporary files.
    okta.push_events(4000, "2025-05-20T16:00:01.000Z");
    let large = String::from_utf8(call("5000")).unwrap();
    assert!(large.len() > 4 * 1024 * 1024, "{} bytes", large.len());
    for text in [small, large] {
        assert!(!text.contains(['\u{85}', '\u{2028}', '\u{2029}']));
        assert_eq!(python_splitlines(&text).len(), text.lines().count());
        let entries = result_entries(&protocol_lines(text.as_bytes()));
        let events: Vec<Value> = match &entries[0]["Contents"] {
            Value::Array(events) => events.clone(),
            other => panic!("{other}"),
        };
        assert_eq!(events[0]["displayMessage"], odd);
    }
}
