//! Okta filter expressions (`filter=`, `search=`), built so that no value can change them.
//!
//! Literal values go through [`quote`] only: it writes a JSON string literal (Okta's rule:
//! "string literals must be valid JSON strings"), so `\` becomes `\\`, `"` becomes `\"` and
//! control characters become JSON escapes (`\n`, `\u0001`, ...). Anything else (unicode
//! included) is kept as is. Attribute names are `&'static str`: they come from code, never
//! from input.
//!
//! ```
//! use okta_iam::okta::filter::{quote, Filter};
//! assert_eq!(Filter::eq("profile.login", "a@b.c").as_str(), r#"profile.login eq "a@b.c""#);
//! assert_eq!(quote(r#"x" or id eq "y"#), r#""x\" or id eq \"y""#);
//! ```

use std::fmt;

/// A value as an Okta filter literal: a double-quoted JSON string.
pub fn quote(value: &str) -> String {
    crate::http::encode::filter_literal(value)
}

/// Comparison operators of Okta's filter language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// starts with
    Sw,
    /// ends with (System Log only)
    Ew,
    /// contains
    Co,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Sw => "sw",
            Op::Ew => "ew",
            Op::Co => "co",
        }
    }
}

/// A complete filter expression, ready to be sent as one query value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter(String);

impl Filter {
    /// `<attribute> <op> "<escaped value>"`.
    pub fn compare(attribute: &'static str, op: Op, value: &str) -> Filter {
        let literal = quote(value);
        let op = op.as_str();
        let mut text = String::with_capacity(attribute.len() + op.len() + literal.len() + 2);
        for part in [attribute, " ", op, " ", &literal] {
            text.push_str(part);
        }
        Filter(text)
    }

    /// `<attribute> eq "<escaped value>"`.
    pub fn eq(attribute: &'static str, value: &str) -> Filter {
        Filter::compare(attribute, Op::Eq, value)
    }

    /// An expression composed elsewhere (every literal in it written with [`quote`]), or one
    /// an administrator configured (`fetch_query_filter`); sent verbatim.
    pub fn expression(expression: impl Into<String>) -> Filter {
        Filter(expression.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the literal back the way Okta does (a JSON string) and checks nothing follows it.
    fn literal_of(expression: &str, prefix: &str) -> String {
        let rest = expression.strip_prefix(prefix).expect(expression);
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        let value = stream.next().expect("a literal").expect("a JSON string");
        assert_eq!(
            stream.byte_offset(),
            rest.len(),
            "nothing after the literal"
        );
        value
    }

    #[test]
    fn plain_values() {
        assert_eq!(
            Filter::eq("profile.login", "dana.lee@example.com").as_str(),
            r#"profile.login eq "dana.lee@example.com""#
        );
        assert_eq!(
            Filter::compare("target.id", Op::Co, "0oa1").to_string(),
            r#"target.id co "0oa1""#
        );
        assert_eq!(Filter::eq("id", "").as_str(), r#"id eq """#);
    }

    #[test]
    fn hostile_values_stay_one_literal() {
        let hostile = [
            r#"x" or id eq "y"#,
            r#"" or id eq "x"#,
            r#"back\slash"#,
            r#"trailing\"#,
            "\\\"",
            "new\nline\r\ttab",
            "nul\u{0}bell\u{7}esc\u{1b}del\u{7f}",
            "ünïcødé 名前 \u{2028}",
            "../..",
            "a/b?c#d",
            "') or (1 eq 1",
        ];
        for value in hostile {
            let expression = Filter::eq("profile.email", value).into_string();
            assert_eq!(literal_of(&expression, "profile.email eq "), value);
            assert!(!expression.contains('\n') && !expression.contains('\r'));
            assert!(!expression.contains('\u{0}'));
        }
    }

    #[test]
    fn escapes_are_exactly_json() {
        assert_eq!(quote(r#"a"b"#), r#""a\"b""#);
        assert_eq!(quote(r#"a\b"#), r#""a\\b""#);
        assert_eq!(quote("a\nb"), r#""a\nb""#);
        assert_eq!(quote("\u{1}"), r#""\u0001""#);
        assert_eq!(quote("é"), "\"é\"");
        assert_eq!(quote(r#"" or id eq "x"#), r#""\" or id eq \"x""#);
    }
}
