//! SCIM filter expressions (RFC 7644 §3.4.2.2) for user lookups, built so that no value can
//! change them.
//!
//! A value is written as a JSON string literal (the RFC's `compValue` grammar), so `"`, `\`
//! and control characters are escaped and the value stays one literal. Attribute paths come
//! from the checked `lookup_attributes` param ([`LookupAttribute`]), never from a user
//! profile.

use std::fmt;

/// A value as a SCIM filter literal: a double-quoted JSON string.
pub use crate::http::encode::filter_literal as quote;

/// An attribute a user can be looked up by, as `lookup_attributes` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupAttribute {
    /// A simple attribute compared with `eq` (`userName`, `externalId`, `id`, `displayName`).
    Simple(&'static str),
    /// The value of the multi-valued `emails` of one type: `emails[type eq "work"].value`.
    EmailOfType(String),
    /// Any of the user's emails: `emails.value`.
    AnyEmail,
}

/// The simple attributes a lookup may name.
const SIMPLE: &[&str] = &["userName", "externalId", "id", "displayName"];

impl LookupAttribute {
    /// Parses one `lookup_attributes` entry; `None` when it is none of the supported forms.
    pub fn parse(text: &str) -> Option<LookupAttribute> {
        let text = text.trim();
        if let Some(name) = SIMPLE.iter().find(|name| name.eq_ignore_ascii_case(text)) {
            return Some(LookupAttribute::Simple(name));
        }
        if text.eq_ignore_ascii_case("emails.value") || text.eq_ignore_ascii_case("emails") {
            return Some(LookupAttribute::AnyEmail);
        }
        let rest = text.strip_prefix("emails[type eq \"")?;
        let kind = rest.strip_suffix("\"].value")?;
        let plain = !kind.is_empty()
            && kind
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        plain.then(|| LookupAttribute::EmailOfType(kind.to_string()))
    }

    /// The filter matching users whose attribute equals `value`.
    pub fn filter(&self, value: &str) -> String {
        let literal = quote(value);
        match self {
            LookupAttribute::Simple(name) => format!("{name} eq {literal}"),
            LookupAttribute::EmailOfType(kind) => {
                format!("emails[type eq {} and value eq {literal}]", quote(kind))
            }
            LookupAttribute::AnyEmail => format!("emails.value eq {literal}"),
        }
    }

    /// Whether this attribute reads the user's emails.
    pub fn is_email(&self) -> bool {
        !matches!(self, LookupAttribute::Simple(_))
    }
}

impl fmt::Display for LookupAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupAttribute::Simple(name) => f.write_str(name),
            LookupAttribute::EmailOfType(kind) => write!(f, "emails[type eq \"{kind}\"].value"),
            LookupAttribute::AnyEmail => f.write_str("emails.value"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supported_forms_parse_and_print_back() {
        for text in [
            "userName",
            "externalId",
            "emails[type eq \"work\"].value",
            "emails.value",
        ] {
            assert_eq!(LookupAttribute::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            LookupAttribute::parse("username"),
            Some(LookupAttribute::Simple("userName"))
        );
        for bad in [
            "password",
            "emails[type eq \"w\" or 1].value",
            "name.givenName",
            "",
        ] {
            assert_eq!(LookupAttribute::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn hostile_values_stay_one_literal() {
        let user_name = LookupAttribute::Simple("userName");
        assert_eq!(
            user_name.filter(r#"x" or userName pr or userName eq "y"#),
            r#"userName eq "x\" or userName pr or userName eq \"y""#
        );
        assert_eq!(user_name.filter("a\\\"b\n"), r#"userName eq "a\\\"b\n""#);
        let work = LookupAttribute::parse("emails[type eq \"work\"].value").unwrap();
        assert_eq!(
            work.filter(r#"a@b.c"] or [x"#),
            r#"emails[type eq "work" and value eq "a@b.c\"] or [x"]"#
        );
        // Whatever the value, it parses back as the one literal it was.
        for value in [r#"""#, "\\", "\u{1}", "é ] ) (", "x\" pr"] {
            let filter = user_name.filter(value);
            let literal = filter.strip_prefix("userName eq ").unwrap();
            assert_eq!(serde_json::from_str::<String>(literal).unwrap(), value);
        }
    }
}
