//! Okta's instance params: the manifest's configuration ([`PARAMS`]), the url rule's
//! `/api/v1/` base, the API token (params, then `OKTA_API_TOKEN`) and the OAuth settings,
//! with the messages that say what to fix.
//!
//! Read through [`OktaParams`], implemented for the neutral [`Params`].

use serde_json::Value;
use thiserror::Error;
use url::Url;

use crate::catalogue::{concat_params, param, ParamSpec};
use crate::commands::{CommandError, UsageError};
use crate::okta::auth::{ClientKey, DpopMode, JwtAlgorithm, OAuthSettings, DEFAULT_SCOPES};
use crate::params::{checked_base_url, Params, ParamsError, UrlError};
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

/// Okta's instance params, in manifest order, with the defaults the daemon also applies
/// when a param is absent: its connection params, the shared IAM params
/// ([`crate::iam::params::shared`]), then its fetch params.
pub const PARAMS: &[ParamSpec] = &concat_params::<26>(&[
    CONNECTION_PARAMS,
    &crate::iam::params::shared(
        crate::okta::vendor::INCOMING_DEFAULT,
        crate::okta::vendor::OUTGOING_DEFAULT,
    ),
    FETCH_PARAMS,
]);

/// How Okta is reached: the URL, the API token or the OAuth settings.
const CONNECTION_PARAMS: &[ParamSpec] = &[
    param("url", "Okta URL (https://<domain>.okta.com)", 0).required(),
    param("credentials", "API Token (see detailed instructions)", 9),
    param("apitoken", "API Token", 4).hidden(),
    param(
        "use_oauth",
        "Use OAuth 2.0 (an Okta API Services app) instead of the API token",
        8,
    )
    .info("See docs/oauth.md for the steps in the Okta admin console."),
    param("client_id", "Client ID (OAuth)", 0),
    param("private_key", "Private Key (OAuth)", 9).info(
        "The PEM private key (PKCS#8, RSA or EC P-256) whose public key is registered with the app.",
    ),
    param("jwt_algorithm", "JWT Signing Algorithm (OAuth): RS256 or ES256", 0)
        .default_value("RS256"),
    param("key_id", "Key ID (OAuth, optional kid of the registered public key)", 0),
    param("scopes", "Scopes (OAuth)", 0)
        .default_value(DEFAULT_SCOPES),
    param("dpop", "DPoP (OAuth): auto, on or off", 0)
        .default_value("auto")
        .info("auto sends DPoP proofs from the first token request and follows the token type Okta issues."),
];

/// Fetching System Log events as incidents.
const FETCH_PARAMS: &[ParamSpec] = &[
    param(
        "max_fetch",
        "Fetch limit (recommended value is less than 200)",
        0,
    )
    .default_value("50"),
    param("isFetch", "Fetch incidents", 8),
    param("incidentFetchInterval", "Incidents Fetch Interval", 19).default_value("1"),
    param("incidentType", "Incident type", 13),
    param(
        "auto_generate_query_filter",
        "Query only application events configured in IAM Configuration",
        8,
    )
    .default_value("true"),
    param(
        "fetch_query_filter",
        "Fetch Query Filter (Okta system log events)",
        0,
    )
    .info(
        "A System Log filter expression in SCIM syntax, used when the checkbox above is cleared.",
    ),
    param(
        "first_fetch",
        "First fetch timestamp (<number> <time unit>, e.g., 12 hours, 7 days)",
        0,
    )
    .default_value("0 minutes"),
];

/// An Okta param that is missing or does not fit. Each message says what to fix.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OktaParamsError {
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
    /// A missing or contradictory OAuth setting; the message names the param.
    #[error("{0}")]
    OAuth(String),
    /// A malformed param of any vendor (a boolean that is not one).
    #[error("{0}")]
    Params(#[from] ParamsError),
}

impl From<UrlError> for OktaParamsError {
    fn from(error: UrlError) -> Self {
        match error {
            UrlError::Invalid(shown) => OktaParamsError::InvalidUrl(shown),
            UrlError::Insecure(shown) => OktaParamsError::InsecureUrl(shown),
            UrlError::CredentialsInUrl(shown) => OktaParamsError::CredentialsInUrl(shown),
        }
    }
}

impl From<OktaParamsError> for CommandError {
    fn from(error: OktaParamsError) -> Self {
        match error {
            OktaParamsError::Params(error) => error.into(),
            other => UsageError::Param(other.to_string()).into(),
        }
    }
}

/// `<url>` (surrounding slashes trimmed) with `/api/v1/` appended, after the url rule:
/// https, or http for a loopback host only.
pub fn api_base_url(raw: &str) -> Result<Url, OktaParamsError> {
    let url = checked_base_url(raw)?;
    let path = url.path().trim_end_matches('/');
    let mut base = url.clone();
    base.set_path(&format!("{path}/api/v1/"));
    Ok(base)
}

/// Okta's reading of the instance params.
pub trait OktaParams {
    /// The API token: `credentials.password`, then `apitoken`, then `OKTA_API_TOKEN`.
    fn token(&self) -> Result<Secret, OktaParamsError>;
    /// Whether OAuth 2.0 (`use_oauth`) replaces the API token.
    fn use_oauth(&self) -> Result<bool, OktaParamsError>;
    /// The OAuth settings when `use_oauth` is on (`None` when off): `client_id`,
    /// `private_key` (a string, or a credentials object's `password`), `jwt_algorithm`
    /// (RS256 by default, checked against the key), `key_id`, `scopes` and `dpop`. Each
    /// missing or contradictory setting is an error naming its param.
    fn oauth(&self) -> Result<Option<OAuthSettings>, OktaParamsError>;
    /// A SHA-256 digest (hex) of the OAuth params as given: equal digests give equal
    /// settings. Holds nothing of the key.
    fn oauth_digest(&self) -> String;
    /// [`OktaParams::oauth`]; with `replaying`, a missing `private_key` is replaced by a
    /// throwaway key (a cassette holds no assertion to check it against).
    fn oauth_settings(&self, replaying: bool) -> Result<Option<OAuthSettings>, OktaParamsError>;
    /// The API base URL `<url>/api/v1/`, after the url rule: https, or http for loopback only.
    fn base_url(&self) -> Result<Url, OktaParamsError>;
}

impl OktaParams for Params {
    fn token(&self) -> Result<Secret, OktaParamsError> {
        let from_credentials = self
            .raw("credentials")
            .and_then(|c| c.get("password"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let from_apitoken = self
            .raw("apitoken")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        if let Some(token) = from_credentials.or(from_apitoken) {
            return Ok(Secret::new(token));
        }
        match std::env::var(TOKEN_ENV) {
            Ok(token) if !token.is_empty() => Ok(Secret::new(token)),
            _ => Err(OktaParamsError::MissingToken),
        }
    }

    fn use_oauth(&self) -> Result<bool, OktaParamsError> {
        Ok(self.boolean("use_oauth", false)?)
    }

    fn oauth(&self) -> Result<Option<OAuthSettings>, OktaParamsError> {
        self.oauth_settings(false)
    }

    fn oauth_digest(&self) -> String {
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        for name in OAUTH_PARAMS {
            let value = self.raw(name).cloned().unwrap_or(Value::Null);
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

    fn oauth_settings(&self, replaying: bool) -> Result<Option<OAuthSettings>, OktaParamsError> {
        if !self.use_oauth()? {
            return Ok(None);
        }
        let oauth = |text: &str| OktaParamsError::OAuth(text.to_owned());
        let client_id = self.string("client_id").ok_or_else(|| {
            oauth("OAuth is on (use_oauth) but the Client ID parameter (client_id) is empty. Set it to the client ID of the Okta API Services app.")
        })?;
        let private_key = match self.raw("private_key") {
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
                OktaParamsError::OAuth(format!(
                    "The JWT algorithm parameter (jwt_algorithm) must be RS256 or ES256; got '{}'.",
                    text.trim()
                ))
            })?,
        };
        let dpop = match self.string("dpop") {
            None => DpopMode::Auto,
            Some(text) => text.parse().map_err(|()| {
                OktaParamsError::OAuth(format!(
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
            return Err(OktaParamsError::OAuth(format!(
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
        .map_err(OktaParamsError::OAuth)?;
        Ok(Some(OAuthSettings {
            client_id: client_id.trim().to_owned(),
            key,
            scopes,
            dpop,
        }))
    }

    fn base_url(&self) -> Result<Url, OktaParamsError> {
        let raw = self.string("url").ok_or(OktaParamsError::MissingUrl)?;
        api_base_url(&raw)
    }
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
            Err(OktaParamsError::InsecureUrl(_))
        ));
        assert!(matches!(
            ok("http://10.0.0.1"),
            Err(OktaParamsError::InsecureUrl(_))
        ));
        assert!(matches!(
            ok("http://localhost.evil.com"),
            Err(OktaParamsError::InsecureUrl(_))
        ));
        assert!(matches!(ok("ftp://x"), Err(OktaParamsError::InvalidUrl(_))));
        assert!(matches!(
            ok("acme.okta.com"),
            Err(OktaParamsError::InvalidUrl(_))
        ));
        assert!(matches!(
            ok("https://a.okta.com/?x=1"),
            Err(OktaParamsError::InvalidUrl(_))
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
            assert!(
                matches!(error, OktaParamsError::CredentialsInUrl(_)),
                "{raw}"
            );
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
    }

    #[test]
    fn token_precedence() {
        let p = params(json!({"credentials": {"password": "from-cred"}, "apitoken": "from-api"}));
        assert_eq!(p.token().unwrap().expose(), "from-cred");
        let p = params(json!({"credentials": {"password": ""}, "apitoken": "from-api"}));
        assert_eq!(p.token().unwrap().expose(), "from-api");
    }

    #[test]
    fn a_malformed_use_oauth_names_the_param() {
        let p = params(json!({"use_oauth": "maybe"}));
        assert_eq!(
            p.use_oauth().unwrap_err().to_string(),
            "The parameter 'use_oauth' must be true or false; got \"maybe\"."
        );
    }
}
