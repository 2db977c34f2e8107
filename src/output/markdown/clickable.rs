//! `url_keys`: the values under these keys, anywhere in the table, become markdown links.

use serde_json::Value;

use super::python_value::{is_falsy, python_str};

/// `url_to_clickable_markdown(data, url_keys)`: recursive through dicts and lists.
pub(super) fn url_to_clickable_markdown(data: &Value, url_keys: &[String]) -> Value {
    match data {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| url_to_clickable_markdown(item, url_keys))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = if url_keys.iter().any(|k| k == key) {
                        create_clickable_url(value)
                    } else {
                        url_to_clickable_markdown(value, url_keys)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `create_clickable_url(url)`: falsy → `None`; a list → a list of links; anything else →
/// `'[{}]({})'.format(url, url)`, which is `str()` of the value.
fn create_clickable_url(url: &Value) -> Value {
    let link = |v: &Value| {
        let s = python_str(v);
        Value::String(format!("[{s}]({s})"))
    };
    if is_falsy(url) {
        return Value::Null;
    }
    match url {
        Value::Array(items) => Value::Array(items.iter().map(link).collect()),
        other => link(other),
    }
}
