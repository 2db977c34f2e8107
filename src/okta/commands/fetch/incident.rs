//! Incident shaping: one System Log event becomes one incident, and the incidents of a run
//! become the entry `demisto.incidents(list)` writes.

use serde_json::{json, Map, Value};

use crate::output::spool::{Piece, SpooledEntry};
use crate::output::{Entry, EntryType};

/// The fetch entry exactly as `demisto.incidents(list)` writes it:
/// `{"Type":1,"ContentsFormat":"json","Contents":"<JSON string of the incident array>"}`
/// (no `EntryContext`, hence the raw piece; `contents` carries the same string for in-process
/// callers).
pub fn incidents_entry(incidents: &[Value]) -> Entry {
    let contents = serde_json::to_string(incidents).unwrap_or_else(|_| "[]".to_string());
    let quoted = serde_json::to_string(&contents).unwrap_or_else(|_| "\"[]\"".to_string());
    let line = format!(r#"{{"Type":1,"ContentsFormat":"json","Contents":{quoted}}}"#);
    Entry {
        entry_type: EntryType::Note as u8,
        contents_format: "json",
        contents: Value::String(contents),
        human_readable: None,
        entry_context: Value::Null,
        spooled: Some(SpooledEntry {
            pieces: vec![Piece::Text(line)],
            human_readable: None,
        }),
    }
}

/// One incident of a System Log event: `name` (display message and target user), `occurred`
/// (`published`), `rawJSON` (the whole event), `dbotMirrorId` (`uuid`), and the event type as a
/// label. The App Sync classifier and mapper read `rawJSON`.
pub fn incident(event: &Value) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(incident_name(event)));
    if let Some(published) = event.get("published").and_then(Value::as_str) {
        out.insert("occurred".into(), Value::String(published.to_string()));
    }
    out.insert("rawJSON".into(), Value::String(event.to_string()));
    if let Some(uuid) = uuid_of(event) {
        out.insert("dbotMirrorId".into(), Value::String(uuid.to_string()));
    }
    if let Some(event_type) = event.get("eventType").and_then(Value::as_str) {
        out.insert(
            "labels".into(),
            json!([{"type": "eventType", "value": event_type}]),
        );
    }
    Value::Object(out)
}

/// `<displayMessage>: <target user>`, e.g. `Add user to application membership:
/// dana.lee@example.com`; the event type when there is no display message.
pub fn incident_name(event: &Value) -> String {
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let message = text(event.get("displayMessage"))
        .or_else(|| text(event.get("eventType")))
        .unwrap_or_else(|| "Okta System Log event".to_string());
    let user = event
        .get("target")
        .and_then(Value::as_array)
        .and_then(|targets| {
            targets
                .iter()
                .find(|t| t.get("type").and_then(Value::as_str) == Some("User"))
        })
        .and_then(|user| text(user.get("alternateId")).or_else(|| text(user.get("displayName"))));
    match user {
        Some(user) => format!("{message}: {user}"),
        None => message,
    }
}

pub(super) fn uuid_of(event: &Value) -> Option<&str> {
    event
        .get("uuid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}
