//! One cell's text: `formatCell`, `flattenCell`, and the `JsonTransformer` key tree that
//! `is_auto_json_transform` prints instead of the flat `key: value` lines.

use serde_json::{Map, Value};

use super::python_value::{push_json_dumps, push_python_str, python_type_name};
use super::render::push_escaped_cell;
use super::MarkdownError;

/// `formatCell(data, is_pretty=False, JsonTransformer(flatten=not is_auto_json_transform))`.
pub(super) fn format_cell(value: &Value, flatten: bool) -> Result<String, MarkdownError> {
    let mut out = String::new();
    push_cell(value, flatten, &mut out)?;
    Ok(out)
}

/// [`format_cell`], appended to `out` (a table renders every cell into one buffer).
pub(super) fn push_cell(
    value: &Value,
    flatten: bool,
    out: &mut String,
) -> Result<(), MarkdownError> {
    if let Value::String(s) = value {
        out.push_str(s);
        return Ok(());
    }
    if !flatten {
        out.push_str(&auto_json_to_str(value)?);
        return Ok(());
    }
    match value {
        // One `key: flattenCell(value)` line per item.
        Value::Object(map) => {
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                out.push_str(key);
                out.push_str(": ");
                push_flat_cell(value, out);
            }
        }
        other => push_flat_cell(other, out),
    }
    Ok(())
}

/// [`push_cell`] of a dict (flattened) and then its escape ([`push_escaped_cell`]) in one
/// pass: keys and string values are escaped where they are, other values formatted into
/// `scratch` first. The one escape that spans two parts is kept: a value ending in `\r` and
/// the `\n` after it are one `<br>`.
pub(super) fn push_escaped_flat_dict(
    map: &Map<String, Value>,
    scratch: &mut String,
    out: &mut String,
) {
    let mut ends_in_cr = false;
    for (i, (key, value)) in map.iter().enumerate() {
        // The `\n` between lines (already written when it completes a `\r\n`).
        if i > 0 && !ends_in_cr {
            out.push_str("<br>");
        }
        push_escaped_cell(key, out);
        out.push_str(": ");
        let text: &str = match value {
            Value::String(s) => s,
            other => {
                scratch.clear();
                push_flat_cell(other, scratch);
                scratch
            }
        };
        push_escaped_cell(text, out);
        ends_in_cr = text.ends_with('\r');
    }
}

/// `flattenCell(data, is_pretty=False)`: strings unchanged, lists as the `,\n` join of Python
/// `str()` of the items, anything else as compact `json.dumps`.
fn flatten_cell(value: &Value) -> String {
    let mut out = String::new();
    push_flat_cell(value, &mut out);
    out
}

/// [`flatten_cell`], appended to `out`.
fn push_flat_cell(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                push_python_str(item, out);
            }
        }
        other => push_json_dumps(other, out),
    }
}

/// One step of a `JsonTransformer` path: a dict key or a list index.
#[derive(Debug, Clone, PartialEq)]
enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

/// One `(path, key, value)` triple of `json_to_path_generator`, the value already flattened.
struct PathLeaf<'a> {
    path: Vec<PathStep<'a>>,
    key: &'a str,
    value: String,
}

/// `JsonTransformer(flatten=False).json_to_str(data, is_pretty=False)`: the
/// `is_auto_json_transform` rendering. Scalars other than strings yield nothing, so they
/// render as an empty cell, as in Python.
fn auto_json_to_str(value: &Value) -> Result<String, MarkdownError> {
    let mut leaves = Vec::new();
    json_to_path_generator(value, &mut Vec::new(), &mut leaves)?;

    let mut lines = Vec::with_capacity(leaves.len());
    let mut prev_path: &[PathStep] = &[];
    for leaf in &leaves {
        let path = leaf.path.as_slice();
        let mut str_path = String::new();
        let mut full_tabs = "\t".repeat(path.len());
        if path != prev_path {
            let common = prev_path
                .iter()
                .zip(path)
                .take_while(|(a, b)| a == b)
                .count();
            for (i, step) in path.iter().enumerate().skip(common) {
                str_path.push_str(&"\t".repeat(i));
                match step {
                    PathStep::Key(key) => {
                        str_path.push_str("**");
                        str_path.push_str(key);
                        str_path.push_str("**:\n");
                    }
                    PathStep::Index(_) => str_path.push_str("**-**"),
                }
            }
            prev_path = path;
            if matches!(path.last(), Some(PathStep::Index(_))) {
                // "if it is a beginning of a list, there is only one tab left"
                full_tabs = "\t".to_string();
            }
        }
        lines.push(format!(
            "{str_path}{full_tabs}***{}***: {}",
            leaf.key, leaf.value
        ));
    }
    Ok(lines.join("\n"))
}

/// `JsonTransformer.json_to_path_generator` with no `keys` filter.
fn json_to_path_generator<'a>(
    value: &'a Value,
    path: &mut Vec<PathStep<'a>>,
    leaves: &mut Vec<PathLeaf<'a>>,
) -> Result<(), MarkdownError> {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if value.is_object() || value.is_array() {
                    path.push(PathStep::Key(key));
                    json_to_path_generator(value, path, leaves)?;
                    path.pop();
                } else {
                    leaves.push(PathLeaf {
                        path: path.clone(),
                        key,
                        value: flatten_cell(value),
                    });
                }
            }
        }
        Value::Array(items) => {
            let nested = items
                .first()
                .is_some_and(|first| first.is_object() || first.is_array());
            if nested {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathStep::Index(i));
                    json_to_path_generator(item, path, leaves)?;
                    path.pop();
                }
            } else {
                // `', '.join(json_input)`: every item must be a string.
                let mut parts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => parts.push(s.as_str()),
                        other => {
                            return Err(MarkdownError::TypeError(format!(
                                "sequence item {i}: expected str instance, {} found",
                                python_type_name(other)
                            )))
                        }
                    }
                }
                leaves.push(PathLeaf {
                    path: path.clone(),
                    key: "values",
                    value: parts.join(", "),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::markdown::render::escape_cell;
    use serde_json::json;

    /// The one-pass dict cell is the cell formatted, then escaped, whatever the parts hold
    /// (line ends at the edges of keys and values above all).
    #[test]
    fn a_dict_cell_escaped_in_one_pass_is_the_cell_escaped() {
        let texts = [
            "",
            "plain",
            "x\r",
            "\r",
            "\n",
            "\r\n",
            "a|b",
            "`",
            "\ny",
            "\r\ny\r",
            "é\u{2028}",
        ];
        let mut values: Vec<Value> = texts.iter().map(|t| json!(t)).collect();
        values.extend([
            json!(null),
            json!(true),
            json!(1.5),
            json!(["a\r", "b|", 3]),
            json!([]),
            json!({"k": "v\r\n|", "n": null}),
            json!({}),
        ]);
        let mut scratch = String::new();
        for key in texts {
            for first in &values {
                for second in &values {
                    let mut map = Map::new();
                    map.insert("first".to_string(), first.clone());
                    map.insert(key.to_string(), second.clone());
                    map.insert("last\r".to_string(), first.clone());
                    let dict = Value::Object(map.clone());
                    let expected = escape_cell(&format_cell(&dict, true).unwrap());
                    let mut out = String::from("before|");
                    push_escaped_flat_dict(&map, &mut scratch, &mut out);
                    assert_eq!(
                        out.strip_prefix("before|"),
                        Some(expected.as_str()),
                        "{dict}"
                    );
                }
            }
        }
        let mut out = String::new();
        push_escaped_flat_dict(&Map::new(), &mut scratch, &mut out);
        assert_eq!(out, "");
    }
}
