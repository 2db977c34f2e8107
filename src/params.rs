//! Instance params, for every vendor: merging, typed access, booleans, the base-url rule
//! (https, or http for a loopback host; no credentials in the url) and redaction. What a
//! vendor reads from them (its token, its API base) lives in the vendor's module
//! (Okta: [`crate::okta::params`]).
//!
//! Params come from two places: the `--params FILE` object given at start-up, and the `params`
//! of each calling context, which override it key by key. Booleans arrive as JSON booleans or
//! as the strings `"true"`/`"false"` (XSOAR sends both). A param that is absent takes the
//! default the manifest declares for it, so a local `--params` file behaves like an instance
//! configured in XSOAR with the defaults left alone.

use std::fmt;
use std::net::IpAddr;

use serde_json::{Map, Value};
use thiserror::Error;
use url::Url;

/// Keys whose values are secrets: never logged, never written to the state file.
const SECRET_KEYS: &[&str] = &[
    "apitoken",
    "credentials",
    "password",
    "token",
    "private_key",
];

/// A param of any vendor that is malformed. The message says what to fix.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParamsError {
    #[error("The parameter '{name}' must be true or false; got {value}.")]
    NotABoolean { name: String, value: String },
}

/// Why a base url was refused; each holds the url as it may be shown (user info hidden).
/// The vendor words the message (it knows what the url is for).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("'{0}' is not a valid URL")]
    Invalid(String),
    #[error("'{0}' must use https:// (http:// is allowed only for a loopback host)")]
    Insecure(String),
    #[error("'{0}' must not contain a user name or password")]
    CredentialsInUrl(String),
}

/// The merged params of one execution.
#[derive(Clone, Default)]
pub struct Params {
    values: Map<String, Value>,
}

impl Params {
    /// `base` overridden key by key by `overrides`.
    pub fn merged(base: &Map<String, Value>, overrides: &Map<String, Value>) -> Params {
        if base.is_empty() {
            // The usual case (no params on the command line): a copy, no key hashed again.
            return Params {
                values: overrides.clone(),
            };
        }
        let mut values = base.clone();
        for (key, value) in overrides {
            values.insert(key.clone(), value.clone());
        }
        Params { values }
    }

    pub fn from_map(values: Map<String, Value>) -> Params {
        Params { values }
    }

    pub fn raw(&self, name: &str) -> Option<&Value> {
        crate::json_object::get(&self.values, name)
    }

    /// A non-empty string param. Numbers are given as their JSON text.
    pub fn string(&self, name: &str) -> Option<String> {
        match crate::json_object::get(&self.values, name)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A boolean param: JSON bool or "true"/"false" (any case). Absent, null or empty → `default`.
    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, ParamsError> {
        match crate::json_object::get(&self.values, name) {
            None | Some(Value::Null) => Ok(default),
            Some(value) => parse_bool(value).ok_or_else(|| ParamsError::NotABoolean {
                name: name.to_string(),
                value: value.to_string(),
            }),
        }
    }

    /// The same as [`Params::boolean`], but a malformed value counts as `default` (for gates
    /// read on paths where a config error must not hide the real result).
    pub fn flag(&self, name: &str, default: bool) -> bool {
        self.boolean(name, default).unwrap_or(default)
    }

    /// A view of the params that is safe to log or store: secret values replaced by `***`.
    pub fn redacted(&self) -> Map<String, Value> {
        redact_map(&self.values)
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("values", &Value::Object(self.redacted()))
            .finish()
    }
}

/// Parses XSOAR's boolean forms.
pub fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `raw` with surrounding spaces and trailing slashes trimmed, parsed, and checked: https, or
/// http on a loopback host only; no user name or password, query or fragment.
pub fn checked_base_url(raw: &str) -> Result<Url, UrlError> {
    // Every message shows the url with any user info replaced by `***`.
    let shown = hide_userinfo(raw);
    let trimmed = raw.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|_| UrlError::Invalid(shown.clone()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::CredentialsInUrl(shown));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(UrlError::Insecure(shown)),
        _ => return Err(UrlError::Invalid(shown)),
    }
    if url.host_str().is_none() || url.cannot_be_a_base() {
        return Err(UrlError::Invalid(shown));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UrlError::Invalid(shown));
    }
    Ok(url)
}

/// `text` with whatever sits between `://` and the next `@` of the authority replaced by
/// `***` (`https://user:pw@host` → `https://***@host`), so a password given in a url is
/// never echoed in an error or a log line.
pub fn hide_userinfo(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_string();
    };
    let authority_end = text[start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| start + i);
    match text[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..start], &text[start + at..]),
        None => text.to_string(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn redact_map(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(k, v)| {
            let lowered = k.to_ascii_lowercase();
            let value = if SECRET_KEYS.iter().any(|s| lowered == *s) {
                Value::String("***".into())
            } else if let Value::String(text) = v {
                Value::String(hide_userinfo(text))
            } else if let Value::Object(inner) = v {
                Value::Object(redact_map(inner))
            } else {
                v.clone()
            };
            (k.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Params {
        Params::from_map(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn base_url_rule() {
        let ok = |s: &str| checked_base_url(s).map(|u| u.to_string());
        assert_eq!(
            ok(" https://acme.example.com/ ").unwrap(),
            "https://acme.example.com/"
        );
        assert_eq!(ok("https://h/scim/v2/").unwrap(), "https://h/scim/v2");
        assert_eq!(
            ok("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(ok("http://127.5.0.1").unwrap(), "http://127.5.0.1/");
        assert_eq!(ok("http://localhost:1/").unwrap(), "http://localhost:1/");
        assert_eq!(ok("http://[::1]:9").unwrap(), "http://[::1]:9/");
        for insecure in [
            "http://acme.example.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
        ] {
            assert!(
                matches!(ok(insecure), Err(UrlError::Insecure(_))),
                "{insecure}"
            );
        }
        for invalid in [
            "ftp://x",
            "acme.example.com",
            "https://a.example.com/?x=1",
            "https://a/#f",
        ] {
            assert!(
                matches!(ok(invalid), Err(UrlError::Invalid(_))),
                "{invalid}"
            );
        }
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_never_shown() {
        for raw in [
            "https://admin:Hunter2pw@acme.example.com",
            "https://admin@acme.example.com",
            "https://:Hunter2pw@acme.example.com/",
            "http://admin:Hunter2pw@127.0.0.1:9",
        ] {
            let error = checked_base_url(raw).unwrap_err();
            assert!(matches!(error, UrlError::CredentialsInUrl(_)), "{raw}");
            let text = error.to_string();
            assert!(
                !text.contains("Hunter2pw") && !text.contains("admin"),
                "{text}"
            );
        }
        // Unparseable or otherwise refused urls do not echo the password either.
        for raw in ["https://a:Hunter2pw@ac me", "ftp://a:Hunter2pw@x/"] {
            let text = checked_base_url(raw).unwrap_err().to_string();
            assert!(!text.contains("Hunter2pw"), "{text}");
        }
        assert_eq!(hide_userinfo("https://a:b@h/x@y"), "https://***@h/x@y");
        assert_eq!(hide_userinfo("https://h/x@y"), "https://h/x@y");
        let p = params(json!({"url": "https://a:Hunter2pw@h"}));
        assert!(!format!("{p:?}").contains("Hunter2pw"));
    }

    #[test]
    fn booleans_accept_json_and_strings() {
        let p = params(json!({"a": true, "b": "false", "c": "TRUE", "d": "maybe", "e": null}));
        assert_eq!(p.boolean("a", false), Ok(true));
        assert_eq!(p.boolean("b", true), Ok(false));
        assert_eq!(p.boolean("c", false), Ok(true));
        assert!(p.boolean("d", false).is_err());
        assert_eq!(p.boolean("e", true), Ok(true));
        assert_eq!(p.boolean("missing", true), Ok(true));
        assert!(!p.flag("d", false));
    }

    #[test]
    fn merge_overrides_key_by_key() {
        let base = json!({"url": "https://a", "max_fetch": "50"});
        let over = json!({"max_fetch": "10"});
        let p = Params::merged(base.as_object().unwrap(), over.as_object().unwrap());
        assert_eq!(p.string("url").as_deref(), Some("https://a"));
        assert_eq!(p.string("max_fetch").as_deref(), Some("10"));
    }

    #[test]
    fn debug_redacts_secrets() {
        let p = params(
            json!({"credentials": {"password": "SEKRET1"}, "apitoken": "SEKRET2", "url": "https://a"}),
        );
        let shown = format!("{p:?}");
        assert!(!shown.contains("SEKRET"));
        assert!(shown.contains("https://a"));
    }
}
