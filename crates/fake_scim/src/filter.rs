//! The filters the fake understands: one `<attribute> eq <JSON string>` (RFC 7644 §3.4.2.2).

use serde_json::Value;

/// A parsed `attribute eq "value"`.
#[derive(Debug, PartialEq)]
pub struct Eq {
    pub attribute: String,
    pub value: String,
}

/// Parses `text`; `None` for anything else (the fake answers `invalidFilter`). Besides
/// `attribute eq "v"`, the one value path `emails[type eq "work" and value eq "v"]`.
pub fn parse(text: &str) -> Option<Eq> {
    let text = text.trim();
    if let Some(inner) = text
        .strip_prefix("emails[")
        .and_then(|rest| rest.strip_suffix(']'))
    {
        let (kind, value) = inner.split_once(" and ")?;
        let kind = parse(kind)?;
        let value = parse(value)?;
        if kind.attribute != "type" || value.attribute != "value" {
            return None;
        }
        let kind = serde_json::to_string(&kind.value).ok()?;
        return Some(Eq {
            attribute: format!("emails[type eq {kind}].value"),
            value: value.value,
        });
    }
    // The attribute ends at the first space outside brackets.
    let mut depth = 0;
    let mut end = None;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ' ' if depth == 0 => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    let attribute = &text[..end];
    let rest = text[end..].trim_start();
    let (op, literal) = rest.split_once(' ')?;
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    // The value must be exactly one JSON string: anything after it is refused.
    let value: Value = serde_json::from_str(literal.trim()).ok()?;
    Some(Eq {
        attribute: attribute.to_string(),
        value: value.as_str()?.to_string(),
    })
}

/// Whether `resource` matches `filter` (`userName` case-insensitively, as RFC 7643 says).
pub fn matches(resource: &Value, filter: &Eq) -> bool {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let emails = || {
        resource
            .get("emails")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    match filter.attribute.as_str() {
        "userName" => resource
            .get("userName")
            .and_then(text)
            .is_some_and(|v| v.eq_ignore_ascii_case(&filter.value)),
        "externalId" | "id" | "displayName" => resource
            .get(filter.attribute.as_str())
            .and_then(text)
            .is_some_and(|v| v == filter.value),
        "emails.value" => emails().iter().any(|e| {
            e.get("value")
                .and_then(text)
                .is_some_and(|v| v.eq_ignore_ascii_case(&filter.value))
        }),
        "emails[type eq \"work\"].value" => emails().iter().any(|e| {
            e.get("type").and_then(Value::as_str) == Some("work")
                && e.get("value")
                    .and_then(text)
                    .is_some_and(|v| v.eq_ignore_ascii_case(&filter.value))
        }),
        "groups.value" => resource
            .get("groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|g| {
                g.get("value")
                    .and_then(text)
                    .is_some_and(|v| v == filter.value)
            }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_eq_with_a_json_string_and_nothing_else() {
        assert_eq!(
            parse(r#"userName eq "a\" or x""#),
            Some(Eq {
                attribute: "userName".into(),
                value: "a\" or x".into()
            })
        );
        assert_eq!(
            parse(r#"emails[type eq "work"].value eq "a@b""#)
                .unwrap()
                .attribute,
            r#"emails[type eq "work"].value"#
        );
        assert_eq!(
            parse(r#"emails[type eq "work" and value eq "a] or x"]"#),
            Some(Eq {
                attribute: r#"emails[type eq "work"].value"#.into(),
                value: "a] or x".into()
            })
        );
        assert_eq!(parse(r#"userName eq "a" or userName pr"#), None);
        assert_eq!(parse("userName pr"), None);
    }
}
