//! War-room entries, as XSOAR's `CommandResults.to_context()` and `return_error` build them.

use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use super::spool::SpooledEntry;

/// The entry types this integration emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    /// A normal result (note).
    Note = 1,
    /// A failed command.
    Error = 4,
    /// A warning.
    Warning = 11,
}

/// One war-room entry. Serialises to the exact key names and order XSOAR uses: `Type`,
/// `ContentsFormat`, `Contents`, `HumanReadable` (when set), `EntryContext`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub entry_type: u8,
    pub contents_format: &'static str,
    pub contents: Value,
    pub human_readable: Option<String>,
    pub entry_context: Value,
    /// A context key, after those of `entry_context`, whose value is `contents` itself (an
    /// IAM result is both): written from `contents`, so the value is held once, not copied.
    pub contents_also_under: Option<&'static str>,
    /// When set, the entry's JSON is these spooled pieces instead of the fields above (which
    /// then only carry the type, for exit codes and error checks).
    pub spooled: Option<SpooledEntry>,
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if self.human_readable.is_some() { 5 } else { 4 };
        let mut entry = serializer.serialize_struct("Entry", fields)?;
        entry.serialize_field("Type", &self.entry_type)?;
        entry.serialize_field("ContentsFormat", self.contents_format)?;
        entry.serialize_field("Contents", &self.contents)?;
        match &self.human_readable {
            Some(text) => entry.serialize_field("HumanReadable", text)?,
            None => entry.skip_field("HumanReadable")?,
        }
        match self.contents_also_under {
            Some(key) => entry.serialize_field(
                "EntryContext",
                &ContextWithContents {
                    context: &self.entry_context,
                    key,
                    contents: &self.contents,
                },
            )?,
            None => entry.serialize_field("EntryContext", &self.entry_context)?,
        }
        entry.end()
    }
}

/// An entry's context with its contents under one more key.
struct ContextWithContents<'a> {
    context: &'a Value,
    key: &'static str,
    contents: &'a Value,
}

impl Serialize for ContextWithContents<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let context = self.context.as_object();
        let mut map = serializer.serialize_map(Some(context.map_or(0, Map::len) + 1))?;
        for (key, value) in context.into_iter().flatten() {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry(self.key, self.contents)?;
        map.end()
    }
}

impl Entry {
    /// A Type 1 entry with JSON contents, markdown and context (`CommandResults` shape).
    pub fn json(contents: Value, human_readable: impl Into<String>) -> Self {
        Entry {
            entry_type: EntryType::Note as u8,
            contents_format: "json",
            contents,
            human_readable: Some(human_readable.into()),
            entry_context: Value::Object(Map::new()),
            contents_also_under: None,
            spooled: None,
        }
    }

    /// A Type 1 plain-text entry, e.g. `test-module`'s `ok`.
    pub fn text(text: impl Into<String>) -> Self {
        Entry {
            entry_type: EntryType::Note as u8,
            contents_format: "text",
            contents: Value::String(text.into()),
            human_readable: None,
            entry_context: Value::Object(Map::new()),
            contents_also_under: None,
            spooled: None,
        }
    }

    /// A Type 1 entry whose only content is markdown (`readable_output` only).
    pub fn markdown(human_readable: impl Into<String>) -> Self {
        Entry {
            entry_type: EntryType::Note as u8,
            contents_format: "json",
            contents: Value::Null,
            human_readable: Some(human_readable.into()),
            entry_context: Value::Object(Map::new()),
            contents_also_under: None,
            spooled: None,
        }
    }

    /// A Type 4 error entry, as `return_error` sends it: text contents, null context.
    pub fn error(message: impl Into<String>) -> Self {
        Entry {
            entry_type: EntryType::Error as u8,
            contents_format: "text",
            contents: Value::String(truncate_error(message.into())),
            human_readable: None,
            entry_context: Value::Null,
            contents_also_under: None,
            spooled: None,
        }
    }

    /// A Type 11 warning entry.
    pub fn warning(message: impl Into<String>) -> Self {
        Entry {
            entry_type: EntryType::Warning as u8,
            contents_format: "text",
            contents: Value::String(message.into()),
            human_readable: None,
            entry_context: Value::Null,
            contents_also_under: None,
            spooled: None,
        }
    }

    /// Adds one context key (builder style). Keys keep insertion order.
    pub fn with_context(mut self, key: impl Into<String>, value: Value) -> Self {
        if !self.entry_context.is_object() {
            self.entry_context = Value::Object(Map::new());
        }
        if let Value::Object(map) = &mut self.entry_context {
            map.insert(key.into(), value);
        }
        self
    }

    /// Puts the contents under `key` in the context too, after the keys given so far
    /// (builder style), without a copy.
    pub fn with_contents_in_context(mut self, key: &'static str) -> Self {
        if let Value::Object(map) = &mut self.entry_context {
            // Looked for first: removing hashes the (long) key even when it is not there.
            if crate::json_object::get(map, key).is_some() {
                map.shift_remove(key);
            }
        } else {
            self.entry_context = Value::Object(Map::new());
        }
        self.contents_also_under = Some(key);
        self
    }

    /// The keys of the context, in order.
    pub fn context_keys(&self) -> impl Iterator<Item = &str> {
        let given = self.entry_context.as_object().into_iter().flatten();
        given
            .map(|(key, _)| key.as_str())
            .chain(self.contents_also_under)
    }

    /// Sets the entry type (for example an IAM result that must count as an error).
    pub fn with_type(mut self, entry_type: EntryType) -> Self {
        self.entry_type = entry_type as u8;
        self
    }

    /// A Type 1 JSON entry whose body is spooled.
    pub fn spooled(body: SpooledEntry) -> Self {
        Entry {
            entry_type: EntryType::Note as u8,
            contents_format: "json",
            contents: Value::Null,
            human_readable: None,
            entry_context: Value::Null,
            contents_also_under: None,
            spooled: Some(body),
        }
    }

    pub fn is_error(&self) -> bool {
        self.entry_type == EntryType::Error as u8
    }
}

/// XSOAR's `CommandResults(outputs_prefix, outputs_key_field, outputs, readable_output,
/// raw_response).to_context()` for the cases this integration uses:
/// - `Contents` is `raw_response`, defaulting to `outputs`; a falsy one (`null`, `[]`, `{}`,
///   `""`) becomes `null`; a string or integer makes `ContentsFormat` `"text"`.
/// - `EntryContext` holds `outputs` under the selector key when `outputs` is neither null nor
///   `[]` (and a prefix is given); otherwise it is `{}`.
pub fn command_results(
    prefix: Option<&str>,
    key_fields: &[&str],
    outputs: Value,
    readable: impl Into<String>,
    raw_response: Option<Value>,
) -> Entry {
    let raw = raw_response.unwrap_or_else(|| outputs.clone());
    let contents = if is_falsy(&raw) { Value::Null } else { raw };
    let contents_format = match &contents {
        Value::String(_) => "text",
        Value::Number(n) if n.is_i64() || n.is_u64() => "text",
        _ => "json",
    };
    let mut entry_context = Map::new();
    let has_outputs = !matches!(&outputs, Value::Null) && outputs != Value::Array(Vec::new());
    if has_outputs {
        match prefix {
            Some(prefix) => {
                entry_context.insert(context_key(prefix, key_fields), outputs);
            }
            None => {
                if let Value::Object(map) = outputs {
                    entry_context.extend(map);
                }
            }
        }
    }
    Entry {
        entry_type: EntryType::Note as u8,
        contents_format,
        contents,
        human_readable: Some(readable.into()),
        entry_context: Value::Object(entry_context),
        contents_also_under: None,
        spooled: None,
    }
}

/// Python truthiness of a JSON value.
pub fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
    }
}

/// The XSOAR context-key selector: `Prefix(val.K && val.K == obj.K && ...)`, or the bare
/// prefix when there are no key fields.
pub fn context_key(prefix: &str, key_fields: &[&str]) -> String {
    if key_fields.is_empty() {
        return prefix.to_string();
    }
    let terms: Vec<String> = key_fields
        .iter()
        .map(|k| format!("val.{k} && val.{k} == obj.{k}"))
        .collect();
    format!("{prefix}({})", terms.join(" && "))
}

/// `return_error` cuts messages over 50,000 characters to the first and last 25,000.
fn truncate_error(message: String) -> String {
    const LIMIT: usize = 50_000;
    const HALF: usize = 25_000;
    let count = message.chars().count();
    if count <= LIMIT {
        return message;
    }
    let head: String = message.chars().take(HALF).collect();
    let tail: String = message.chars().skip(count - HALF).collect();
    format!("{head}...This error body was truncated...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contents_in_context_serialise_as_a_copy_would() {
        let outputs = json!({"success": false, "details": {"a": [1, "\u{2028}"]}});
        let copied = Entry::json(outputs.clone(), "t")
            .with_context("First", json!({"x": 1}))
            .with_context("Vendor", outputs.clone());
        let shared = Entry::json(outputs, "t")
            .with_context("First", json!({"x": 1}))
            .with_context("Vendor", json!("replaced"))
            .with_contents_in_context("Vendor");
        assert_eq!(
            serde_json::to_string(&shared).unwrap(),
            serde_json::to_string(&copied).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&shared).unwrap(),
            serde_json::to_value(&copied).unwrap()
        );
        assert_eq!(
            shared.context_keys().collect::<Vec<_>>(),
            ["First", "Vendor"]
        );
        // Without a context of its own.
        let alone = Entry::error("e").with_contents_in_context("Only");
        assert_eq!(
            serde_json::to_value(&alone).unwrap()["EntryContext"],
            json!({"Only": "e"})
        );
    }

    #[test]
    fn selector_form_matches_xsoar() {
        assert_eq!(
            context_key("Okta.Application", &["ID"]),
            "Okta.Application(val.ID && val.ID == obj.ID)"
        );
        assert_eq!(
            context_key("IAM.Vendor", &["instanceName", "email"]),
            "IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName && val.email && val.email == obj.email)"
        );
        assert_eq!(context_key("Tok", &[]), "Tok");
    }

    #[test]
    fn command_results_shapes() {
        let e = command_results(
            Some("Okta.Application"),
            &["ID"],
            json!([{"ID": "a"}]),
            "t",
            None,
        );
        assert_eq!(e.contents, json!([{"ID": "a"}]));
        assert_eq!(
            e.entry_context,
            json!({"Okta.Application(val.ID && val.ID == obj.ID)": [{"ID": "a"}]})
        );
        let empty = command_results(Some("Okta.Application"), &["ID"], json!([]), "t", None);
        assert_eq!(empty.contents, Value::Null);
        assert_eq!(empty.contents_format, "json");
        assert_eq!(empty.entry_context, json!({}));
        let logs = command_results(None, &[], json!({}), "No logs found.", Some(json!([])));
        assert_eq!(logs.contents, Value::Null);
        assert_eq!(logs.entry_context, json!({}));
        let text = command_results(Some("Tok"), &[], json!("abc"), "abc", None);
        assert_eq!(text.contents_format, "text");
        assert_eq!(text.entry_context, json!({"Tok": "abc"}));
    }

    #[test]
    fn error_entry_has_return_error_shape() {
        let e = serde_json::to_value(Entry::error("boom")).unwrap();
        assert_eq!(
            e,
            json!({"Type":4,"ContentsFormat":"text","Contents":"boom","EntryContext":null})
        );
    }

    #[test]
    fn text_entry_is_test_module_ok() {
        let line = serde_json::to_string(&Entry::text("ok")).unwrap();
        assert_eq!(
            line,
            r#"{"Type":1,"ContentsFormat":"text","Contents":"ok","EntryContext":{}}"#
        );
    }

    #[test]
    fn long_errors_are_truncated_like_return_error() {
        let msg = "x".repeat(60_000);
        let e = Entry::error(msg);
        let text = e.contents.as_str().unwrap();
        assert!(text.contains("...This error body was truncated..."));
        assert_eq!(
            text.chars().count(),
            50_000 + "...This error body was truncated...".len()
        );
    }
}
