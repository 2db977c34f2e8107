//! Dotted paths into a JSON value, resolved the way XSOAR's DT does for mappers.
//!
//! * A path is `seg.seg.seg`; each segment is an object key, matched exactly.
//! * When a segment meets a list, it applies to every element of the list (and of nested lists)
//!   and the hits are collected in order. So `target.type` over three targets gives three values.
//! * The final values are flattened one level: a path ending on a list yields its elements.
//! * `null` leaves are dropped: a null is "no value", never a value.
//! * The empty path is the value itself (with the same flattening).
//!
//! Resolution is iterative (an explicit stack of list iterators), so no source object, however
//! deeply nested, can exhaust the call stack.

use serde_json::Value;

/// A parsed dotted path. `segments` is empty for the root path (`""`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    text: String,
    segments: Vec<String>,
}

impl Path {
    /// Parses `text`. The empty string is the root path; an empty segment (`a..b`, `.a`, `a.`)
    /// is an error, returned as a message for the caller to place.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self::root());
        }
        let segments: Vec<String> = text.split('.').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!("path \"{text}\" has an empty segment"));
        }
        Ok(Self {
            text: text.to_owned(),
            segments,
        })
    }

    /// The empty path: the value itself.
    pub(crate) fn root() -> Self {
        Self {
            text: String::new(),
            segments: Vec::new(),
        }
    }

    pub(crate) fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// When `self` is `prefix` or lies under it (`prefix.rest`), the remainder (`rest`, or the
    /// root path). `None` otherwise, and always `None` for a root `prefix`.
    pub(crate) fn relative_to(&self, prefix: &Path) -> Option<Path> {
        if prefix.is_root() {
            return None;
        }
        let rest = self.segments.strip_prefix(prefix.segments.as_slice())?;
        Some(Path {
            text: rest.join("."),
            segments: rest.to_vec(),
        })
    }

    /// Every value the path reaches in `value`, in document order (see the module doc).
    pub(crate) fn resolve<'a>(&self, value: &'a Value) -> Vec<&'a Value> {
        let mut current: Vec<&'a Value> = vec![value];
        for segment in &self.segments {
            let mut next = Vec::new();
            for v in current {
                descend(v, segment, &mut next);
            }
            if next.is_empty() {
                return next;
            }
            current = next;
        }
        let mut out = Vec::with_capacity(current.len());
        for v in current {
            match v {
                Value::Null => {}
                Value::Array(items) => out.extend(items.iter().filter(|i| !i.is_null())),
                other => out.push(other),
            }
        }
        out
    }
}

impl Path {
    /// [`Path::resolve`] followed by [`super::eval::collapse`] of clones of the hits, without
    /// the intermediate lists while the path only meets objects (the common case: a mapper
    /// field naming a profile attribute). A path that meets a list goes the general way.
    pub(crate) fn resolve_collapsed(&self, value: &Value) -> Option<Value> {
        let mut current = value;
        for segment in &self.segments {
            match current {
                Value::Object(map) => current = crate::json_object::get(map, segment)?,
                Value::Array(_) => {
                    let hits = self.resolve(value).into_iter().cloned().collect();
                    return super::eval::collapse(hits);
                }
                _ => return None,
            }
        }
        match current {
            Value::Null => None,
            Value::Array(items) => {
                let mut kept = items.iter().filter(|item| !item.is_null());
                let first = kept.next()?;
                match kept.next() {
                    None => Some(first.clone()),
                    Some(second) => {
                        let mut all = Vec::with_capacity(items.len());
                        all.push(first.clone());
                        all.push(second.clone());
                        all.extend(kept.cloned());
                        Some(Value::Array(all))
                    }
                }
            }
            other => Some(other.clone()),
        }
    }
}

/// Pushes `v[segment]` onto `out`; when `v` is a list, does so for every object inside it,
/// through nested lists, in order.
fn descend<'a>(v: &'a Value, segment: &str, out: &mut Vec<&'a Value>) {
    let mut stack: Vec<std::slice::Iter<'a, Value>> = Vec::new();
    match v {
        Value::Object(map) => {
            if let Some(hit) = crate::json_object::get(map, segment) {
                out.push(hit);
            }
            return;
        }
        Value::Array(items) => stack.push(items.iter()),
        _ => return,
    }
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(Value::Object(map)) => {
                if let Some(hit) = crate::json_object::get(map, segment) {
                    out.push(hit);
                }
            }
            Some(Value::Array(items)) => stack.push(items.iter()),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(source: &Value, path: &str) -> Vec<Value> {
        Path::parse(path)
            .unwrap()
            .resolve(source)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn resolves_table() {
        let source = json!({
            "city": "Lisbon",
            "profile": {"name": {"first": "Ana"}, "nothing": null},
            "target": [
                {"type": "AppUser", "id": "a1"},
                {"type": "AppInstance", "id": "i1", "tags": ["x", "y"]},
                {"type": "User", "id": "u1", "tags": ["z"]},
                "not-an-object"
            ],
            "nested": [[{"k": 1}], [{"k": 2}, {"k": null}]],
            "empty": [],
            "list": [1, null, 2],
            "dotted.key": "unreachable"
        });
        let cases: Vec<(&str, Vec<Value>)> = vec![
            ("city", vec![json!("Lisbon")]),
            ("profile.name.first", vec![json!("Ana")]),
            ("profile.name", vec![json!({"first": "Ana"})]),
            ("profile.nothing", vec![]),
            ("profile.missing.deeper", vec![]),
            ("city.length", vec![]),
            (
                "target.type",
                vec![json!("AppUser"), json!("AppInstance"), json!("User")],
            ),
            ("target.id", vec![json!("a1"), json!("i1"), json!("u1")]),
            // Lists at the end are flattened one level.
            ("target.tags", vec![json!("x"), json!("y"), json!("z")]),
            ("nested.k", vec![json!(1), json!(2)]),
            ("empty", vec![]),
            ("list", vec![json!(1), json!(2)]),
            ("dotted.key", vec![]),
        ];
        for (path, expected) in cases {
            assert_eq!(resolve(&source, path), expected, "path {path}");
        }
        // The root path is the value itself.
        assert_eq!(resolve(&json!({"a": 1}), ""), vec![json!({"a": 1})]);
        assert_eq!(resolve(&json!([1, 2]), ""), vec![json!(1), json!(2)]);
        assert_eq!(resolve(&Value::Null, ""), Vec::<Value>::new());
    }

    #[test]
    fn resolve_collapsed_is_resolve_then_collapse() {
        let source = json!({
            "a": {"b": {"c": "deep", "n": null, "l": [1, null, 2], "one": [null, {"x": 1}],
                         "nested": [[1], [2, 3]], "e": [], "nulls": [null, null]}},
            "s": "text", "num": 4.5, "t": true, "o": {},
            "list": [{"k": "v1"}, {"k": null}, {"k": ["v2", "v3"]}, 7, [{"k": "v4"}]],
            "small": {"k1": 1, "k2": 2}
        });
        let mut big = serde_json::Map::new();
        for i in 0..40 {
            big.insert(format!("key{i}"), json!(i));
        }
        let mut with_big = source.clone();
        with_big["big"] = Value::Object(big);
        let paths = [
            "",
            "a",
            "a.b",
            "a.b.c",
            "a.b.n",
            "a.b.l",
            "a.b.one",
            "a.b.nested",
            "a.b.e",
            "a.b.nulls",
            "a.b.missing",
            "a.x.y",
            "s",
            "s.length",
            "num",
            "t",
            "o",
            "list",
            "list.k",
            "list.k.x",
            "small.k2",
            "big.key0",
            "big.key39",
            "big.key40",
            "missing",
        ];
        for source in [
            &source,
            &with_big,
            &json!([{"a": 1}, {"a": 2}]),
            &json!(null),
            &json!(3),
        ] {
            for path in paths {
                let parsed = Path::parse(path).unwrap();
                let expected = super::super::eval::collapse(resolve(source, path));
                assert_eq!(parsed.resolve_collapsed(source), expected, "path {path:?}");
            }
        }
    }

    #[test]
    fn parse_rejects_empty_segments() {
        for bad in ["a..b", ".a", "a.", "."] {
            let err = Path::parse(bad).unwrap_err();
            assert!(err.contains("empty segment"), "{bad}: {err}");
        }
        assert!(Path::parse("").unwrap().is_root());
        assert_eq!(Path::parse("a.b").unwrap().as_str(), "a.b");
    }

    #[test]
    fn relative_to_strips_the_root_prefix() {
        let root = Path::parse("target").unwrap();
        let rel = Path::parse("target.type")
            .unwrap()
            .relative_to(&root)
            .unwrap();
        assert_eq!(rel.as_str(), "type");
        assert!(Path::parse("target")
            .unwrap()
            .relative_to(&root)
            .unwrap()
            .is_root());
        assert!(Path::parse("targets.type")
            .unwrap()
            .relative_to(&root)
            .is_none());
        assert!(Path::parse("actor.id")
            .unwrap()
            .relative_to(&root)
            .is_none());
        assert!(Path::parse("a")
            .unwrap()
            .relative_to(&Path::root())
            .is_none());
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        // 100k nested lists built without the parser; resolution must not overflow the stack.
        let mut v = json!({"k": "deep"});
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        // Not `json!`: it would serialise `v` recursively.
        let mut map = serde_json::Map::new();
        map.insert("a".to_owned(), v);
        let source = Value::Object(map);
        assert_eq!(resolve(&source, "a.k"), vec![json!("deep")]);
        // Dropping a deeply nested Value recurses inside serde_json; leak it instead.
        std::mem::forget(source);
    }
}
