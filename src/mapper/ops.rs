//! Filter operators and transformers: their XSOAR names, their arguments, and what they do.
//!
//! Everything here is pure: operators compare already-resolved values, transformers turn a list
//! of items into another list given already-resolved string arguments. Resolving paths and
//! nested `complex` values is [`super::eval`]'s job.
//!
//! Values flow as a list of items (a single value is a one-item list); see the table in the
//! [module doc](super) for what each operator and transformer does with lists.

use serde_json::Value;

use super::path::Path;

/// A filter condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterOp {
    IsEqualString,
    IsNotEmpty,
    IsEmpty,
    ContainsString,
    StartWith,
    In,
}

const FILTER_OPS: [(&str, FilterOp); 6] = [
    ("isEqualString", FilterOp::IsEqualString),
    ("isNotEmpty", FilterOp::IsNotEmpty),
    ("isEmpty", FilterOp::IsEmpty),
    ("containsString", FilterOp::ContainsString),
    ("startWith", FilterOp::StartWith),
    ("in", FilterOp::In),
];

impl FilterOp {
    /// The operator with this exact XSOAR name.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        FILTER_OPS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, op)| *op)
    }

    #[cfg(test)]
    pub(crate) fn name(self) -> &'static str {
        FILTER_OPS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(n, _)| n)
    }

    /// The supported names, for error messages.
    pub(crate) fn supported() -> Vec<&'static str> {
        FILTER_OPS.iter().map(|(n, _)| *n).collect()
    }

    /// Whether the condition needs a `right` operand.
    pub(crate) fn needs_right(self) -> bool {
        !matches!(self, FilterOp::IsEmpty | FilterOp::IsNotEmpty)
    }

    /// Evaluates the condition. `left` and `right` are the resolved operands (possibly several
    /// values each); a comparison holds when it holds for any left value against any right value.
    pub(crate) fn eval(self, left: &[Value], right: &[Value], ignore_case: bool) -> bool {
        let norm = |s: String| if ignore_case { s.to_lowercase() } else { s };
        let any_pair = |test: &dyn Fn(&str, &str) -> bool| {
            let rights: Vec<String> = right.iter().map(|r| norm(text_lossy(r))).collect();
            left.iter().any(|l| {
                let l = norm(text_lossy(l));
                rights.iter().any(|r| test(&l, r))
            })
        };
        match self {
            FilterOp::IsEmpty => left.iter().all(is_empty_value),
            FilterOp::IsNotEmpty => !left.iter().all(is_empty_value),
            FilterOp::IsEqualString => any_pair(&|l, r| l == r),
            FilterOp::ContainsString => any_pair(&|l, r| l.contains(r)),
            FilterOp::StartWith => any_pair(&|l, r| l.starts_with(r)),
            FilterOp::In => {
                // The right side is a list: its values; a text value is a comma list, a list its items.
                let mut list = Vec::new();
                for r in right {
                    match r {
                        Value::String(s) => {
                            list.extend(s.split(',').map(|p| norm(p.trim().into())))
                        }
                        Value::Array(items) => {
                            list.extend(items.iter().map(|i| norm(text_lossy(i))))
                        }
                        other => list.push(norm(text_lossy(other))),
                    }
                }
                left.iter().any(|l| {
                    let l = norm(text_lossy(l));
                    list.contains(&l)
                })
            }
        }
    }
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// A transformer operator. Argument values are resolved by the caller (see [`Args`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransformOp {
    Concat,
    ToLowerCase,
    ToUpperCase,
    Trim,
    Split,
    Join,
    Replace,
    Substring,
    FirstArrayElement,
    GetField,
    ToString,
}

/// Name, accepted argument names, arguments that must be present.
type TransformSpec = (
    &'static str,
    TransformOp,
    &'static [&'static str],
    &'static [&'static str],
);

const TRANSFORM_OPS: [TransformSpec; 11] = [
    ("concat", TransformOp::Concat, &["prefix", "suffix"], &[]),
    ("toLowerCase", TransformOp::ToLowerCase, &[], &[]),
    ("toUpperCase", TransformOp::ToUpperCase, &[], &[]),
    ("Trim", TransformOp::Trim, &[], &[]),
    ("split", TransformOp::Split, &["delimiter"], &[]),
    ("join", TransformOp::Join, &["separator"], &[]),
    (
        "replace",
        TransformOp::Replace,
        &["toReplace", "replaceWith"],
        &["toReplace"],
    ),
    ("substring", TransformOp::Substring, &["from", "to"], &[]),
    (
        "FirstArrayElement",
        TransformOp::FirstArrayElement,
        &[],
        &[],
    ),
    ("getField", TransformOp::GetField, &["field"], &["field"]),
    ("toString", TransformOp::ToString, &[], &[]),
];

/// Resolved argument values, by name; an absent or empty-valued argument is `None`.
pub(crate) type Args<'a> = [(&'a str, Option<String>)];

fn arg<'a>(args: &'a Args<'_>, name: &str) -> Option<&'a str> {
    args.iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.as_deref())
}

impl TransformOp {
    /// The transformer with this exact XSOAR name.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        TRANSFORM_OPS
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, op, ..)| *op)
    }

    fn spec(self) -> &'static TransformSpec {
        // Every variant is in the table (checked by a test).
        TRANSFORM_OPS
            .iter()
            .find(|(_, op, ..)| *op == self)
            .unwrap_or(&TRANSFORM_OPS[0])
    }

    pub(crate) fn name(self) -> &'static str {
        self.spec().0
    }

    pub(crate) fn supported() -> Vec<&'static str> {
        TRANSFORM_OPS.iter().map(|(n, ..)| *n).collect()
    }

    /// The argument names this transformer accepts (the interned `&'static str` for `name`).
    pub(crate) fn accepted_arg(self, name: &str) -> Option<&'static str> {
        self.spec().2.iter().copied().find(|a| *a == name)
    }

    pub(crate) fn accepted_args(self) -> &'static [&'static str] {
        self.spec().2
    }

    pub(crate) fn required_args(self) -> &'static [&'static str] {
        self.spec().3
    }

    /// Checks a literal argument value when the mapper loads (so a typo fails early).
    pub(crate) fn check_literal(self, arg: &str, value: &Value) -> Result<(), String> {
        match (self, arg) {
            (TransformOp::Substring, "from" | "to") => {
                parse_index(arg, &text_lossy(value)).map(|_| ())
            }
            (TransformOp::Replace, "toReplace") if text_lossy(value).is_empty() => {
                Err("toReplace must not be empty".into())
            }
            (TransformOp::GetField, "field") => Path::parse(&text_lossy(value)).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// Applies the transformer to `items` (never empty: an empty value stops the chain before).
    pub(crate) fn apply(self, items: Vec<Value>, args: &Args<'_>) -> Result<Vec<Value>, String> {
        let per_item = |f: &dyn Fn(String) -> String| -> Result<Vec<Value>, String> {
            items
                .iter()
                .map(|v| text_strict(v).map(|s| Value::String(f(s))))
                .collect()
        };
        match self {
            TransformOp::Concat => {
                let prefix = arg(args, "prefix").unwrap_or("");
                let suffix = arg(args, "suffix").unwrap_or("");
                per_item(&|s| format!("{prefix}{s}{suffix}"))
            }
            TransformOp::ToLowerCase => per_item(&|s| s.to_lowercase()),
            TransformOp::ToUpperCase => per_item(&|s| s.to_uppercase()),
            TransformOp::Trim => per_item(&|s| s.trim().to_owned()),
            TransformOp::Replace => match arg(args, "toReplace") {
                Some(from) if !from.is_empty() => {
                    let to = arg(args, "replaceWith").unwrap_or("");
                    per_item(&|s| s.replace(from, to))
                }
                // A context-valued toReplace that resolved to nothing: nothing to replace.
                _ => Ok(items),
            },
            TransformOp::Split => {
                let delimiter = arg(args, "delimiter").unwrap_or(",");
                let mut out = Vec::new();
                for v in &items {
                    let s = text_strict(v)?;
                    if delimiter.is_empty() {
                        out.extend(s.chars().map(|c| Value::String(c.to_string())));
                    } else {
                        out.extend(s.split(delimiter).map(|p| Value::String(p.to_owned())));
                    }
                }
                Ok(out)
            }
            TransformOp::Join => {
                let separator = arg(args, "separator").unwrap_or(",");
                let parts = items
                    .iter()
                    .map(text_strict)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(vec![Value::String(parts.join(separator))])
            }
            TransformOp::Substring => {
                let from = arg(args, "from")
                    .map(|s| parse_index("from", s))
                    .transpose()?;
                let to = arg(args, "to").map(|s| parse_index("to", s)).transpose()?;
                per_item(&|s| substring(&s, from, to))
            }
            TransformOp::FirstArrayElement => Ok(items.into_iter().take(1).collect()),
            TransformOp::GetField => {
                let field = arg(args, "field").unwrap_or("");
                let path = Path::parse(field).map_err(|e| format!("field: {e}"))?;
                if path.is_root() {
                    return Ok(Vec::new());
                }
                Ok(items
                    .iter()
                    .flat_map(|v| path.resolve(v))
                    .cloned()
                    .collect())
            }
            TransformOp::ToString => {
                let text = match items.as_slice() {
                    [Value::String(s)] => s.clone(),
                    [one] => one.to_string(),
                    many => Value::Array(many.to_vec()).to_string(),
                };
                Ok(vec![Value::String(text)])
            }
        }
    }
}

fn parse_index(arg: &str, text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| format!("{arg} must be an integer, got \"{text}\""))
}

/// Characters `[from, to)` of `s`; negative indexes count from the end, both are clamped.
fn substring(s: &str, from: Option<i64>, to: Option<i64>) -> String {
    let len = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
    let clamp = |i: i64| -> usize {
        let i = if i < 0 { len.saturating_add(i) } else { i };
        usize::try_from(i.clamp(0, len)).unwrap_or(0)
    };
    let start = clamp(from.unwrap_or(0));
    let end = clamp(to.unwrap_or(len));
    if start >= end {
        return String::new();
    }
    s.chars().skip(start).take(end - start).collect()
}

/// A value as text for comparisons and arguments: strings as they are, anything else as JSON.
pub(crate) fn text_lossy(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value as text for a string transformer: strings, numbers and booleans; a list or object
/// is an error (XSOAR fails the task there too).
fn text_strict(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok(String::new()),
        Value::Array(_) => Err("needs text but got a list".into()),
        Value::Object(_) => Err("needs text but got an object".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filter_operator_table() {
        let s = |v: &str| vec![json!(v)];
        // (operator, left, right, ignoreCase, expected)
        type Case = (&'static str, Vec<Value>, Vec<Value>, bool, bool);
        let cases: Vec<Case> = vec![
            ("isEqualString", s("User"), s("User"), false, true),
            ("isEqualString", s("User"), s("user"), false, false),
            ("isEqualString", s("User"), s("user"), true, true),
            ("isEqualString", s("AppUser"), s("User"), false, false),
            ("isEqualString", vec![json!(5)], s("5"), false, true),
            (
                "isEqualString",
                vec![json!("a"), json!("b")],
                s("b"),
                false,
                true,
            ),
            ("isEqualString", vec![], s(""), false, false),
            ("isNotEmpty", s("x"), vec![], false, true),
            ("isNotEmpty", s(""), vec![], false, false),
            ("isNotEmpty", vec![], vec![], false, false),
            ("isNotEmpty", vec![json!(0)], vec![], false, true),
            ("isEmpty", vec![], vec![], false, true),
            ("isEmpty", vec![json!([])], vec![], false, true),
            ("isEmpty", vec![json!({})], vec![], false, true),
            ("isEmpty", s("x"), vec![], false, false),
            ("containsString", s("Engineering"), s("gin"), false, true),
            ("containsString", s("Engineering"), s("GIN"), false, false),
            ("containsString", s("Engineering"), s("GIN"), true, true),
            (
                "startWith",
                s("user.account.update"),
                s("user."),
                false,
                true,
            ),
            (
                "startWith",
                s("user.account.update"),
                s("USER."),
                false,
                false,
            ),
            (
                "startWith",
                s("user.account.update"),
                s("USER."),
                true,
                true,
            ),
            ("startWith", s("group.x"), s("user."), false, false),
            ("in", s("b"), s("a, b,c"), false, true),
            ("in", s("B"), s("a,b,c"), false, false),
            ("in", s("B"), s("a,b,c"), true, true),
            ("in", s("d"), s("a,b,c"), false, false),
            ("in", s("b"), vec![json!(["a", "b"])], false, true),
            ("in", s("b"), vec![json!("a"), json!("b")], false, true),
        ];
        for (name, left, right, ic, expected) in cases {
            let op = FilterOp::from_name(name).unwrap();
            assert_eq!(op.name(), name);
            assert_eq!(
                op.eval(&left, &right, ic),
                expected,
                "{name} {left:?} {right:?} ignoreCase={ic}"
            );
        }
        assert!(FilterOp::from_name("isEqualStrin").is_none());
        assert!(FilterOp::from_name("IsEqualString").is_none());
    }

    #[test]
    fn every_transformer_is_in_the_table() {
        for op in [
            TransformOp::Concat,
            TransformOp::ToLowerCase,
            TransformOp::ToUpperCase,
            TransformOp::Trim,
            TransformOp::Split,
            TransformOp::Join,
            TransformOp::Replace,
            TransformOp::Substring,
            TransformOp::FirstArrayElement,
            TransformOp::GetField,
            TransformOp::ToString,
        ] {
            assert_eq!(TransformOp::from_name(op.name()), Some(op));
        }
    }

    #[test]
    fn substring_indexes() {
        let cases = [
            ("abcdef", Some(1), Some(3), "bc"),
            ("abcdef", None, Some(2), "ab"),
            ("abcdef", Some(4), None, "ef"),
            ("abcdef", Some(-2), None, "ef"),
            ("abcdef", Some(0), Some(-1), "abcde"),
            ("abcdef", Some(3), Some(1), ""),
            ("abcdef", Some(10), Some(20), ""),
            ("abcdef", Some(i64::MIN), Some(i64::MAX), "abcdef"),
            ("héllo", Some(1), Some(2), "é"),
        ];
        for (s, from, to, expected) in cases {
            assert_eq!(substring(s, from, to), expected, "{s} {from:?} {to:?}");
        }
    }

    #[test]
    fn string_transformers_reject_objects() {
        let err = TransformOp::ToUpperCase
            .apply(vec![json!({"a": 1})], &[])
            .unwrap_err();
        assert!(err.contains("needs text but got an object"), "{err}");
        let err = TransformOp::Join.apply(vec![json!([1])], &[]).unwrap_err();
        assert!(err.contains("needs text but got a list"), "{err}");
    }

    #[test]
    fn literal_arguments_are_checked() {
        assert!(TransformOp::Substring
            .check_literal("from", &json!("2"))
            .is_ok());
        assert!(TransformOp::Substring
            .check_literal("to", &json!("two"))
            .unwrap_err()
            .contains("to must be an integer"));
        assert!(TransformOp::Replace
            .check_literal("toReplace", &json!(""))
            .is_err());
        assert!(TransformOp::GetField
            .check_literal("field", &json!("a..b"))
            .is_err());
        assert!(TransformOp::Concat
            .check_literal("prefix", &json!(""))
            .is_ok());
    }
}
