//! Incident shaping: one System Log event becomes one incident, and the incidents of a run
//! become the entry `demisto.incidents(list)` writes.

use serde_json::{json, Map, Value};

use crate::okta::LogEvent;
use crate::output::spool::{Piece, SpooledEntry};
use crate::output::{Entry, EntryType};

/// The fetch entry exactly as `demisto.incidents(list)` writes it:
/// `{"Type":1,"ContentsFormat":"json","Contents":"<JSON string of the incident array>"}`
/// (no `EntryContext`, hence the raw piece; `contents` carries the same string for in-process
/// callers).
///
/// The two texts (megabytes for a run of 1,000 events) are sized once from the events' own
/// lengths and written in place: grown by doubling, each was copied a dozen times into fresh
/// memory, which the allocator (returning freed memory at once) had to fault in again.
pub fn incidents_entry(incidents: &[Value]) -> Entry {
    const HEAD: &str = r#"{"Type":1,"ContentsFormat":"json","Contents":"#;
    // The events' text, escaped once (about a quote in seven bytes), and the other fields.
    let estimate: usize = incidents
        .iter()
        .map(|incident| {
            let raw = incident
                .get("rawJSON")
                .and_then(Value::as_str)
                .map_or(0, str::len);
            raw + raw / 4 + 256
        })
        .sum();
    let mut contents = Vec::with_capacity(estimate + 2);
    let contents = match serde_json::to_writer(&mut contents, incidents) {
        Ok(()) => String::from_utf8(contents).unwrap_or_else(|_| "[]".to_string()),
        Err(_) => "[]".to_string(),
    };
    // `Contents` escaped again: about a third more.
    let mut line = Vec::with_capacity(HEAD.len() + contents.len() + contents.len() / 3 + 4);
    line.extend_from_slice(HEAD.as_bytes());
    let line = match serde_json::to_writer(&mut line, &contents) {
        Ok(()) => {
            line.push(b'}');
            String::from_utf8(line).unwrap_or_default()
        }
        Err(_) => format!(r#"{HEAD}"[]"}}"#),
    };
    Entry {
        entry_type: EntryType::Note as u8,
        contents_format: "json",
        contents: Value::String(contents),
        human_readable: None,
        entry_context: Value::Null,
        contents_also_under: None,
        spooled: Some(SpooledEntry {
            pieces: vec![Piece::Text(line)],
            human_readable: None,
        }),
    }
}

/// One incident of a System Log event: `name` (display message and target user), `occurred`
/// (`published`), `rawJSON` (the whole event: Okta's text, compact), `dbotMirrorId` (`uuid`),
/// and the event type as a label. The App Sync classifier and mapper read `rawJSON`.
pub fn event_incident(event: &LogEvent) -> Value {
    let fields = event.fields();
    let mut out = Map::new();
    out.insert("name".into(), Value::String(event_incident_name(event)));
    if let Some(published) = &fields.published {
        out.insert("occurred".into(), Value::String(published.clone()));
    }
    out.insert("rawJSON".into(), Value::String(event.json().to_string()));
    if let Some(uuid) = event.uuid() {
        out.insert("dbotMirrorId".into(), Value::String(uuid.to_string()));
    }
    if let Some(event_type) = &fields.event_type {
        out.insert(
            "labels".into(),
            json!([{"type": "eventType", "value": event_type}]),
        );
    }
    Value::Object(out)
}

/// [`event_incident`] of an event held as a `Value` (enriched, or stored by the Python
/// integration): `rawJSON` is its serialisation.
pub fn incident(event: &Value) -> Value {
    event_incident(&LogEvent::from_value(event))
}

/// `<displayMessage>: <target user>`, e.g. `Add user to application membership:
/// dana.lee@example.com`; the event type when there is no display message.
pub fn event_incident_name(event: &LogEvent) -> String {
    let fields = event.fields();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let message = text(&fields.display_message)
        .or_else(|| text(&fields.event_type))
        .unwrap_or_else(|| "Okta System Log event".to_string());
    let user = fields
        .user_target
        .as_ref()
        .and_then(|user| text(&user.alternate_id).or_else(|| text(&user.display_name)));
    match user {
        Some(user) => format!("{message}: {user}"),
        None => message,
    }
}

/// [`event_incident_name`] of an event held as a `Value`.
pub fn incident_name(event: &Value) -> String {
    event_incident_name(&LogEvent::from_value(event))
}

pub(super) fn uuid_of(event: &Value) -> Option<&str> {
    event
        .get("uuid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}
