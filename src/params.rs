//! Instance params: merging, typed access, the url rule, the API token and the OAuth
//! settings.
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

use crate::okta::auth::{ClientKey, DpopMode, JwtAlgorithm, OAuthSettings, DEFAULT_SCOPES};
use crate::secret::Secret;

/// Environment variable that may carry the API token.
pub const TOKEN_ENV: &str = "OKTA_API_TOKEN";

/// The params that make up the OAuth settings.
const OAUTH_PARAMS: &[&str] = &[
    "use_oauth",
    "client_id",
    "private_key",
    "jwt_algorithm",
    "key_id",
    "scopes",
    "dpop",
];

/// Keys whose values are secrets: never logged, never written to the state file.
const SECRET_KEYS: &[&str] = &[
    "apitoken",
    "credentials",
    "password",
    "token",
    "private_key",
];

/// Errors in the instance configuration. Each message says what to fix.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParamsError {
    #[error("The Okta URL parameter (url) is missing. Set it to https://<your-org>.okta.com.")]
    MissingUrl,
    #[error("The Okta URL '{0}' is not a valid URL. Set it to https://<your-org>.okta.com.")]
    InvalidUrl(String),
    #[error("The Okta URL must use https:// (http:// is allowed only for a loopback host such as 127.0.0.1 or localhost); got '{0}'.")]
    InsecureUrl(String),
    #[error("The url param must not contain a user name or password ('{0}'): remove them. Okta is reached with the API token param, never with credentials in the url.")]
    CredentialsInUrl(String),
    #[error("Missing API token. Set the API Token parameter (credentials.password or apitoken) or the OKTA_API_TOKEN environment variable.")]
    MissingToken,
    #[error("The parameter '{name}' must be true or false; got {value}.")]
    NotABoolean { name: String, value: String },
    /// A missing or contradictory OAuth setting; the message names the param.
    #[error("{0}")]
    OAuth(String),
}

/// The merged params of one execution.
#[derive(Clone, Default)]
pub struct Params {
    values: Map<String, Value>,
}

impl Params {
    /// `base` overridden key by key by `overrides`.
    pub fn merged(base: &Map<String, Value>, overrides: &Map<String, Value>) -> Params {
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
        self.values.get(name)
    }

    /// A non-empty string param. Numbers are given as their JSON text.
    pub fn string(&self, name: &str) -> Option<String> {
        match self.values.get(name)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A boolean param: JSON bool or "true"/"false" (any case). Absent, null or empty → `default`.
    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, ParamsError> {
        match self.values.get(name) {
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

    /// The API token: `credentials.password`, then `apitoken`, then `OKTA_API_TOKEN`.
    pub fn token(&self) -> Result<Secret, ParamsError> {
        let from_credentials = self
            .values
            .get("credentials")
            .and_then(|c| c.get("password"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let from_apitoken = self
            .values
            .get("apitoken")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        if let Some(token) = from_credentials.or(from_apitoken) {
            return Ok(Secret::new(token));
        }
        match std::env::var(TOKEN_ENV) {
            Ok(token) if !token.is_empty() => Ok(Secret::new(token)),
            _ => Err(ParamsError::MissingToken),
        }
    }

    /// Whether OAuth 2.0 (`use_oauth`) replaces the API token.
    pub fn use_oauth(&self) -> Result<bool, ParamsError> {
        self.boolean("use_oauth", false)
    }

    /// The OAuth settings when `use_oauth` is on (`None` when off): `client_id`,
    /// `private_key` (a string, or a credentials object's `password`), `jwt_algorithm`
    /// (RS256 by default, checked against the key), `key_id`, `scopes` and `dpop`. Each
    /// missing or contradictory setting is an error naming its param.
    pub fn oauth(&self) -> Result<Option<OAuthSettings>, ParamsError> {
        self.oauth_settings(false)
    }

    /// A SHA-256 digest (hex) of the OAuth params as given: equal digests give equal
    /// settings. Holds nothing of the key.
    pub fn oauth_digest(&self) -> String {
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        for name in OAUTH_PARAMS {
            let value = self.values.get(*name).cloned().unwrap_or(Value::Null);
            context.update(name.as_bytes());
            context.update(&[0]);
            context.update(value.to_string().as_bytes());
            context.update(&[0]);
        }
        context
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// [`Params::oauth`]; with `replaying`, a missing `private_key` is replaced by a throwaway
    /// key (a cassette holds no assertion to check it against).
    pub fn oauth_settings(&self, replaying: bool) -> Result<Option<OAuthSettings>, ParamsError> {
        if !self.use_oauth()? {
            return Ok(None);
        }
        let oauth = |text: &str| ParamsError::OAuth(text.to_owned());
        let client_id = self.string("client_id").ok_or_else(|| {
            oauth("OAuth is on (use_oauth) but the Client ID parameter (client_id) is empty. Set it to the client ID of the Okta API Services app.")
        })?;
        let private_key = match self.values.get("private_key") {
            Some(Value::String(text)) => Some(text.as_str()),
            Some(Value::Object(credentials)) => credentials.get("password").and_then(Value::as_str),
            _ => None,
        }
        .filter(|text| !text.trim().is_empty())
        .map(Secret::new);
        if private_key.is_none() && !replaying {
            return Err(oauth("OAuth is on (use_oauth) but the Private Key parameter (private_key) is empty. Paste the PEM private key whose public key is registered with the app."));
        }
        let algorithm = match self.string("jwt_algorithm") {
            None => JwtAlgorithm::Rs256,
            Some(text) => text.parse().map_err(|()| {
                ParamsError::OAuth(format!(
                    "The JWT algorithm parameter (jwt_algorithm) must be RS256 or ES256; got '{}'.",
                    text.trim()
                ))
            })?,
        };
        let dpop = match self.string("dpop") {
            None => DpopMode::Auto,
            Some(text) => text.parse().map_err(|()| {
                ParamsError::OAuth(format!(
                    "The DPoP parameter (dpop) must be auto, on or off; got '{}'.",
                    text.trim()
                ))
            })?,
        };
        let scopes: Vec<String> = self
            .string("scopes")
            .unwrap_or_else(|| DEFAULT_SCOPES.to_owned())
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if scopes.is_empty() {
            return Err(oauth("The scopes parameter (scopes) names no scope. Leave it empty for the default scopes."));
        }
        if let Some(bad) = scopes.iter().find(|s| {
            !s.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        }) {
            return Err(ParamsError::OAuth(format!(
                "The scopes parameter (scopes) holds '{bad}', which is not a scope name."
            )));
        }
        if client_id.bytes().any(|b| b.is_ascii_control()) {
            return Err(oauth(
                "The Client ID parameter (client_id) holds control characters.",
            ));
        }
        let key_id = self.string("key_id").map(|k| k.trim().to_owned());
        let key = match &private_key {
            Some(pem) => ClientKey::from_pem(pem, algorithm, key_id),
            None => ClientKey::throwaway(),
        }
        .map_err(ParamsError::OAuth)?;
        Ok(Some(OAuthSettings {
            client_id: client_id.trim().to_owned(),
            key,
            scopes,
            dpop,
        }))
    }

    /// The API base URL `<url>/api/v1/`, after the url rule: https, or http for loopback only.
    pub fn base_url(&self) -> Result<Url, ParamsError> {
        let raw = self.string("url").ok_or(ParamsError::MissingUrl)?;
        api_base_url(&raw)
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
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `<url>` with surrounding slashes trimmed, then `/api/v1/` appended; https only, except
/// http on a loopback host.
pub fn api_base_url(raw: &str) -> Result<Url, ParamsError> {
    // Every message shows the url with any user info replaced by `***`.
    let shown = hide_userinfo(raw);
    let trimmed = raw.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|_| ParamsError::InvalidUrl(shown.clone()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ParamsError::CredentialsInUrl(shown));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(ParamsError::InsecureUrl(shown)),
        _ => return Err(ParamsError::InvalidUrl(shown)),
    }
    if url.host_str().is_none() || url.cannot_be_a_base() {
        return Err(ParamsError::InvalidUrl(shown));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ParamsError::InvalidUrl(shown));
    }
    let path = url.path().trim_end_matches('/');
    let mut base = url.clone();
    base.set_path(&format!("{path}/api/v1/"));
    Ok(base)
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
    fn url_rule() {
        let ok = |s: &str| api_base_url(s).map(|u| u.to_string());
        assert_eq!(
            ok("https://acme.okta.com").unwrap(),
            "https://acme.okta.com/api/v1/"
        );
        assert_eq!(
            ok("https://acme.okta.com/").unwrap(),
            "https://acme.okta.com/api/v1/"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/api/v1/"
        );
        assert_eq!(ok("http://127.5.0.1").unwrap(), "http://127.5.0.1/api/v1/");
        assert_eq!(
            ok("http://localhost:1/").unwrap(),
            "http://localhost:1/api/v1/"
        );
        assert_eq!(ok("http://[::1]:9").unwrap(), "http://[::1]:9/api/v1/");
        assert!(matches!(
            ok("http://acme.okta.com"),
            Err(ParamsError::InsecureUrl(_))
        ));
        assert!(matches!(
            ok("http://10.0.0.1"),
            Err(ParamsError::InsecureUrl(_))
        ));
        assert!(matches!(
            ok("http://localhost.evil.com"),
            Err(ParamsError::InsecureUrl(_))
        ));
        assert!(matches!(ok("ftp://x"), Err(ParamsError::InvalidUrl(_))));
        assert!(matches!(
            ok("acme.okta.com"),
            Err(ParamsError::InvalidUrl(_))
        ));
        assert!(matches!(
            ok("https://a.okta.com/?x=1"),
            Err(ParamsError::InvalidUrl(_))
        ));
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_never_shown() {
        for raw in [
            "https://admin:Hunter2pw@acme.okta.com",
            "https://admin@acme.okta.com",
            "https://:Hunter2pw@acme.okta.com/",
            "http://admin:Hunter2pw@127.0.0.1:9",
        ] {
            let error = api_base_url(raw).unwrap_err();
            assert!(matches!(error, ParamsError::CredentialsInUrl(_)), "{raw}");
            let text = error.to_string();
            assert!(
                !text.contains("Hunter2pw") && !text.contains("admin"),
                "{text}"
            );
            assert!(text.starts_with("The url param must not contain"), "{text}");
        }
        // Unparseable or otherwise refused urls do not echo the password either.
        for raw in ["https://a:Hunter2pw@ac me", "ftp://a:Hunter2pw@x/"] {
            let text = api_base_url(raw).unwrap_err().to_string();
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
    fn token_precedence() {
        let p = params(json!({"credentials": {"password": "from-cred"}, "apitoken": "from-api"}));
        assert_eq!(p.token().unwrap().expose(), "from-cred");
        let p = params(json!({"credentials": {"password": ""}, "apitoken": "from-api"}));
        assert_eq!(p.token().unwrap().expose(), "from-api");
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
