//! One System Log event as Okta sent it: its JSON text, and the few fields the commands read
//! (`uuid`, `published`, `eventType`, `displayMessage`, the first `User` target).
//!
//! `okta-get-logs` and `fetch-incidents` pass events on whole (the entry's `Contents` and
//! context, an incident's `rawJSON`), so an event is kept as its bytes instead of a
//! `serde_json::Value` tree: a page of 1,000 events costs its 2 MB of text rather than about
//! 15 MB of tree, and nothing is serialised again. The text is Okta's, with only the
//! whitespace between tokens removed (a protocol message is one line). The fields are read in
//! one pass that skips everything else; they mean what `Value::get(..).and_then(as_str)` would
//! (a field that is not a string is absent, the last of duplicate keys wins).

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// One System Log event: its compact JSON text and the fields read from it (on first use:
/// `okta-get-logs` never needs them).
#[derive(Debug, Clone)]
pub struct LogEvent {
    text: Box<str>,
    fields: OnceLock<EventFields>,
}

impl PartialEq for LogEvent {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for LogEvent {}

/// The fields of an event the commands use; `None` when absent or not a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFields {
    /// The event is a JSON object (anything else has none of the fields).
    pub is_object: bool,
    pub uuid: Option<String>,
    pub published: Option<String>,
    pub event_type: Option<String>,
    pub display_message: Option<String>,
    /// The first item of `target` whose `type` is `"User"`.
    pub user_target: Option<UserTarget>,
}

/// What an event says about the user it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserTarget {
    pub alternate_id: Option<String>,
    pub display_name: Option<String>,
}

impl LogEvent {
    /// An event of a page, from Okta's bytes.
    pub fn from_raw(raw: &RawValue) -> LogEvent {
        LogEvent::from_json_text(raw.get())
    }

    /// An event from JSON text (one JSON value; whitespace between tokens is dropped).
    pub fn from_json_text(text: &str) -> LogEvent {
        LogEvent {
            text: compact(text).into_owned().into_boxed_str(),
            fields: OnceLock::new(),
        }
    }

    /// An event held as a `Value` (a stored backlog, an enriched event): its serialisation.
    pub fn from_value(value: &Value) -> LogEvent {
        LogEvent::from_json_text(&value.to_string())
    }

    /// The event's JSON text, compact.
    pub fn json(&self) -> &str {
        &self.text
    }

    pub fn fields(&self) -> &EventFields {
        self.fields.get_or_init(|| read_fields(&self.text))
    }

    /// The `uuid`, unless it is empty.
    pub fn uuid(&self) -> Option<&str> {
        self.fields().uuid.as_deref().filter(|s| !s.is_empty())
    }

    /// The event as a `Value` tree (a markdown row, an in-memory entry).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// `text` without whitespace between tokens (borrowed when it has none). Bytes inside strings
/// are kept exactly; the text is valid JSON, so a `"` that is not escaped opens or closes one.
pub fn compact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Start of the bytes not yet copied to `out`.
    let mut kept = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => i = string_end(bytes, i + 1),
            b' ' | b'\n' | b'\r' | b'\t' => {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(text.get(kept..i).unwrap_or_default());
                i += 1;
                kept = i;
            }
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(text.get(kept..).unwrap_or_default());
            Cow::Owned(out)
        }
    }
}

/// The index after the `"` that closes the string whose contents start at `from`.
fn string_end(bytes: &[u8], mut from: usize) -> usize {
    loop {
        match bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == b'"' || b == b'\\'))
        {
            // Skip the escaped character, whatever it is.
            Some(at) if bytes.get(from + at) == Some(&b'\\') => from += at + 2,
            Some(at) => return from + at + 1,
            None => return bytes.len(),
        }
    }
}

/// The fields, in one pass over the text (nested values other than `target` are skipped).
fn read_fields(text: &str) -> EventFields {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer
        .deserialize_any(FieldsVisitor)
        .unwrap_or_default()
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = EventFields;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a System Log event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventFields, A::Error> {
        let mut fields = EventFields {
            is_object: true,
            ..EventFields::default()
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "uuid" => fields.uuid = map.next_value::<LooseString>()?.0,
                "published" => fields.published = map.next_value::<LooseString>()?.0,
                "eventType" => fields.event_type = map.next_value::<LooseString>()?.0,
                "displayMessage" => fields.display_message = map.next_value::<LooseString>()?.0,
                "target" => fields.user_target = map.next_value::<Targets>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fields)
    }

    // Not an object: no fields.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EventFields, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(EventFields::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<EventFields, E> {
        Ok(EventFields::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<EventFields, E> {
        Ok(EventFields::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<EventFields, E> {
        Ok(EventFields::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<EventFields, E> {
        Ok(EventFields::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<EventFields, E> {
        Ok(EventFields::default())
    }

    fn visit_unit<E>(self) -> Result<EventFields, E> {
        Ok(EventFields::default())
    }
}

/// A value read as `Value::as_str` would: the string, or `None` for anything else.
struct LooseString(Option<String>);

impl<'de> Deserialize<'de> for LooseString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseStringVisitor)
    }
}

struct LooseStringVisitor;

impl<'de> Visitor<'de> for LooseStringVisitor {
    type Value = LooseString;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, s: &str) -> Result<LooseString, E> {
        Ok(LooseString(Some(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<LooseString, E> {
        Ok(LooseString(Some(s)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LooseString, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(LooseString(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LooseString, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LooseString(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<LooseString, E> {
        Ok(LooseString(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<LooseString, E> {
        Ok(LooseString(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<LooseString, E> {
        Ok(LooseString(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<LooseString, E> {
        Ok(LooseString(None))
    }

    fn visit_unit<E>(self) -> Result<LooseString, E> {
        Ok(LooseString(None))
    }
}

/// `target`: the first item whose `type` is `"User"` (`None` when there is none, or when
/// `target` is not a list).
struct Targets(Option<UserTarget>);

impl<'de> Deserialize<'de> for Targets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TargetsVisitor)
    }
}

struct TargetsVisitor;

impl<'de> Visitor<'de> for TargetsVisitor {
    type Value = Targets;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Targets, A::Error> {
        let mut user = None;
        while let Some(target) = seq.next_element_seed(TargetSeed {
            wanted: user.is_none(),
        })? {
            if user.is_none() {
                user = target;
            }
        }
        Ok(Targets(user))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Targets, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Targets(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Targets, E> {
        Ok(Targets(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Targets, E> {
        Ok(Targets(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Targets, E> {
        Ok(Targets(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Targets, E> {
        Ok(Targets(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Targets, E> {
        Ok(Targets(None))
    }

    fn visit_unit<E>(self) -> Result<Targets, E> {
        Ok(Targets(None))
    }
}

/// One item of `target`: `Some` when it is an object whose `type` is `"User"` (and a user is
/// still wanted).
struct TargetSeed {
    wanted: bool,
}

impl<'de> DeserializeSeed<'de> for TargetSeed {
    type Value = Option<UserTarget>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        if !self.wanted {
            IgnoredAny::deserialize(deserializer)?;
            return Ok(None);
        }
        deserializer.deserialize_any(TargetVisitor)
    }
}

struct TargetVisitor;

impl<'de> Visitor<'de> for TargetVisitor {
    type Value = Option<UserTarget>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind = None;
        let mut target = UserTarget::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "type" => kind = map.next_value::<LooseString>()?.0,
                "alternateId" => target.alternate_id = map.next_value::<LooseString>()?.0,
                "displayName" => target.display_name = map.next_value::<LooseString>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((kind.as_deref() == Some("User")).then_some(target))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the fields mean: `Value::get(..).and_then(Value::as_str)` on the parsed event.
    fn fields_of_value(value: &Value) -> EventFields {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        EventFields {
            is_object: value.is_object(),
            uuid: text(value, "uuid"),
            published: text(value, "published"),
            event_type: text(value, "eventType"),
            display_message: text(value, "displayMessage"),
            user_target: value
                .get("target")
                .and_then(Value::as_array)
                .and_then(|t| {
                    t.iter()
                        .find(|t| t.get("type").and_then(Value::as_str) == Some("User"))
                })
                .map(|t| UserTarget {
                    alternate_id: text(t, "alternateId"),
                    display_name: text(t, "displayName"),
                }),
        }
    }

    #[test]
    fn fields_read_in_one_pass_mean_what_the_value_tree_says() {
        let cases = [
            r#"{"uuid":"u-1","published":"2025-05-20T16:54:14.214Z","eventType":"a.b","displayMessage":"Add","target":[{"type":"AppUser","alternateId":"x"},{"type":"User","alternateId":"dana@example.com","displayName":"Dana"},{"type":"User","alternateId":"second"}]}"#,
            r#"{"uuid":7,"published":null,"eventType":["x"],"displayMessage":{"a":1},"target":{"type":"User"}}"#,
            r#"{"target":[1,"User",{"type":"User","alternateId":5,"displayName":"D"}]}"#,
            r#"{"uuid":"first","uuid":"second","target":[{"type":"User","type":"Group"}]}"#,
            r#"{"uu\u0069d":"escaped key","displayMessage":"line\nbreak \"quoted\" \u00e9"}"#,
            r#"["not", "an", "object"]"#,
            r#""a string""#,
            "12.5",
            "null",
            "{}",
        ];
        for text in cases {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                LogEvent::from_json_text(text).fields(),
                &fields_of_value(&value),
                "{text}"
            );
        }
    }

    #[test]
    fn the_text_is_oktas_without_whitespace_between_tokens() {
        let pretty =
            "{\n  \"a\" : [ 1 , 2.50 ],\r\n\t\"b\": \"x  y\\\" z \\\\\" , \"c\" : \"\\u00e9\"\n}";
        let event = LogEvent::from_json_text(pretty);
        assert_eq!(
            event.json(),
            r#"{"a":[1,2.50],"b":"x  y\" z \\","c":"\u00e9"}"#
        );
        assert_eq!(
            event.to_value(),
            json!({"a": [1, 2.5], "b": "x  y\" z \\", "c": "é"})
        );
        assert_eq!(
            super::compact("[ \"a\\\\\" , \"\\\" x\" ]"),
            "[\"a\\\\\",\"\\\" x\"]"
        );
        let compact = r#"{"a":"b c"}"#;
        assert!(matches!(super::compact(compact), Cow::Borrowed(_)));
        let raw: Box<RawValue> = serde_json::from_str(" {\"uuid\": \"u\"} ").unwrap();
        let event = LogEvent::from_raw(&raw);
        assert_eq!(event.json(), r#"{"uuid":"u"}"#);
        assert_eq!(event.uuid(), Some("u"));
        assert_eq!(LogEvent::from_json_text(r#"{"uuid":""}"#).uuid(), None);
    }

    #[test]
    fn compacting_pretty_json_gives_the_compact_serialisation() {
        let values = [
            json!({"a": " spaced \" \\ out ", "b": [1, -2.5, null, true, {"c": "\n\t\r"}], "d": {}}),
            json!([" ", "\\", "\"", "é \u{2028} \u{1F600}", [], [[]], {"k k": "v v"}]),
            json!("just a string with  spaces"),
            json!(12.5),
        ];
        for value in values {
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            assert_eq!(super::compact(&pretty), value.to_string(), "{pretty}");
        }
    }

    #[test]
    fn an_event_from_a_value_is_its_serialisation() {
        let value = json!({"uuid": "u", "n": 1.5, "s": "é"});
        let event = LogEvent::from_value(&value);
        assert_eq!(event.json(), value.to_string());
        assert_eq!(event.uuid(), Some("u"));
    }
}
