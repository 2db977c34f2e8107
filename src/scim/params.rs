//! SCIM's instance params: the manifest's configuration ([`PARAMS`]) and their reading into
//! [`ScimSettings`], with the per-app behaviour a [`Preset`] ([`crate::scim::preset`]) sets
//! the defaults of.
//!
//! `preset` picks defaults for `update_method`, `disable_method`, `lookup_attributes` and
//! `extension_schemas`; each of those params, when set, overrides its preset default. Every
//! value that does not fit, and every combination that cannot work, is an error naming the
//! param.

use serde_json::Value;
use thiserror::Error;
use url::Url;

use crate::catalogue::{concat_params, param, ParamSpec};
use crate::params::{checked_base_url, Params, ParamsError, UrlError};
use crate::scim::filter::LookupAttribute;
pub use crate::scim::preset::{DisableMethod, Preset, UpdateMethod, ENTERPRISE_USER};
use crate::secret::Secret;

/// Environment variable that may carry the bearer token.
pub const TOKEN_ENV: &str = "SCIM_API_TOKEN";

/// SCIM's instance params, in manifest order: its own, then the shared IAM params
/// ([`crate::iam::params::shared`]) with the SCIM mappers as defaults.
pub const PARAMS: &[ParamSpec] = &concat_params::<17>(&[
    CONNECTION_PARAMS,
    &crate::iam::params::shared(
        crate::scim::resource::INCOMING_DEFAULT,
        crate::scim::resource::OUTGOING_DEFAULT,
    ),
]);

/// How the app is reached and how it behaves (the preset and its overrides).
const CONNECTION_PARAMS: &[ParamSpec] = &[
    param("url", "SCIM base URL (everything before /Users)", 0).required(),
    param(
        "credentials",
        "Credentials (password: the bearer token; with basic auth: user name and password)",
        9,
    )
    .with_username("Bearer Token or Password")
    .info("Leave the user name empty for bearer authentication; the token may also come from the SCIM_API_TOKEN environment variable of the daemon."),
    param("auth_type", "Authentication: bearer or basic", 0).default_value("bearer"),
    param(
        "preset",
        "App preset: rfc, github, atlassian, aws or slack",
        0,
    )
    .default_value("rfc")
    .info("Sets the defaults of the four params below; see docs/scim.md."),
    param(
        "update_method",
        "Update method: patch or put (empty: the preset's)",
        0,
    ),
    param(
        "disable_method",
        "Disable method: patch (active: false) or delete (empty: the preset's)",
        0,
    ),
    param(
        "lookup_attributes",
        "Lookup attributes, in order, comma-separated (empty: the preset's)",
        0,
    ),
    param(
        "extension_schemas",
        "Extension schemas, comma-separated (empty: the preset's)",
        0,
    ),
];

/// How the client authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScimAuth {
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

/// The checked SCIM settings of one execution.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimSettings {
    /// The base URL with a trailing `/`, so `Users` joins under it.
    pub base_url: Url,
    pub auth: ScimAuth,
    pub preset: Preset,
    pub update_method: UpdateMethod,
    pub disable_method: DisableMethod,
    pub lookup_attributes: Vec<LookupAttribute>,
    pub extension_schemas: Vec<String>,
}

/// A SCIM param that is missing or does not fit; each message names the param.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScimParamsError {
    #[error("The SCIM base URL parameter (url) is missing. Set it to the URL before /Users, e.g. https://app.example.com/scim/v2.")]
    MissingUrl,
    #[error("The url param: {0}. Set it to the SCIM base URL before /Users, e.g. https://app.example.com/scim/v2.")]
    BadUrl(String),
    #[error("Missing bearer token. Set the credentials param's password or the SCIM_API_TOKEN environment variable.")]
    MissingToken,
    #[error("The auth_type param is basic, so the credentials param needs a user name (identifier) and a password.")]
    MissingBasicCredentials,
    #[error("The credentials param has a user name, but auth_type is bearer (the token alone is sent). Set auth_type to basic to send the user name and password, or clear the user name.")]
    UserNameWithBearer,
    #[error("The {name} param must be one of {allowed}; got '{value}'.")]
    NotOneOf {
        name: &'static str,
        allowed: String,
        value: String,
    },
    #[error("The lookup_attributes param: '{0}' is not an attribute users can be looked up by. Use userName, externalId, id, displayName, emails.value or emails[type eq \"<type>\"].value.")]
    BadLookupAttribute(String),
    #[error("The lookup_attributes param names emails, but the {preset} preset's app cannot filter on emails; use userName or externalId.")]
    EmailLookupUnsupported { preset: &'static str },
    #[error("The lookup_attributes param names two email forms ({first} and {second}); both look the user up by the profile's email, so the second would never be used. Keep one.")]
    TwoEmailLookups { first: String, second: String },
    #[error("The {name} param must be a comma-separated list of names (or a JSON array of strings); got {value}.")]
    NotAList { name: &'static str, value: String },
    #[error("The extension_schemas param: '{0}' is not a schema URN (it must start with urn:).")]
    BadExtensionSchema(String),
    #[error("{0}")]
    Params(#[from] ParamsError),
}

impl From<ScimParamsError> for crate::commands::CommandError {
    fn from(error: ScimParamsError) -> Self {
        match error {
            ScimParamsError::Params(error) => error.into(),
            other => crate::commands::UsageError::Param(other.to_string()).into(),
        }
    }
}

/// A comma- or newline-separated list param (or a JSON array of strings); `None` when absent,
/// null or empty. Any other shape is an error naming the param, never a silent default.
fn list(params: &Params, name: &'static str) -> Result<Option<Vec<String>>, ScimParamsError> {
    let not_a_list = |value: &Value| ScimParamsError::NotAList {
        name,
        value: value.to_string(),
    };
    let items: Vec<String> = match params.raw(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(values)) => values
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| not_a_list(item))
            })
            .collect::<Result<_, _>>()?,
        Some(Value::String(text)) => text.split([',', '\n']).map(str::to_string).collect(),
        Some(other) => return Err(not_a_list(other)),
    };
    let items: Vec<String> = items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect();
    Ok((!items.is_empty()).then_some(items))
}

fn one_of<T>(
    params: &Params,
    name: &'static str,
    allowed: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ScimParamsError> {
    let value = match params.raw(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    parse(&value)
        .map(Some)
        .ok_or_else(|| ScimParamsError::NotOneOf {
            name,
            allowed: allowed.join(", "),
            value,
        })
}

fn credential(params: &Params, key: &str) -> Option<String> {
    params
        .raw("credentials")
        .and_then(|c| c.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl ScimSettings {
    /// Reads and checks the params; `env_token` is `SCIM_API_TOKEN` (passed in so tests do
    /// not touch the process environment).
    pub fn from_params(
        params: &Params,
        env_token: Option<String>,
    ) -> Result<Self, ScimParamsError> {
        let raw_url = params.string("url").ok_or(ScimParamsError::MissingUrl)?;
        let mut base_url = checked_base_url(&raw_url)
            .map_err(|e: UrlError| ScimParamsError::BadUrl(e.to_string()))?;
        let path = base_url.path().trim_end_matches('/').to_string();
        base_url.set_path(&format!("{path}/"));

        let basic = one_of(params, "auth_type", &["bearer", "basic"], |v| {
            match v.trim().to_ascii_lowercase().as_str() {
                "bearer" => Some(false),
                "basic" => Some(true),
                _ => None,
            }
        })?
        .unwrap_or(false);
        let password = credential(params, "password");
        let auth = if basic {
            match (credential(params, "identifier"), password) {
                (Some(username), Some(password)) => ScimAuth::Basic {
                    username,
                    password: Secret::new(password),
                },
                _ => return Err(ScimParamsError::MissingBasicCredentials),
            }
        } else {
            if credential(params, "identifier").is_some() {
                return Err(ScimParamsError::UserNameWithBearer);
            }
            let token = password
                .or(env_token.filter(|t| !t.is_empty()))
                .ok_or(ScimParamsError::MissingToken)?;
            ScimAuth::Bearer(Secret::new(token))
        };

        let preset = one_of(params, "preset", Preset::NAMES, Preset::parse)?.unwrap_or(Preset::Rfc);
        let update_method = one_of(params, "update_method", &["patch", "put"], |v| {
            match v.trim().to_ascii_lowercase().as_str() {
                "patch" => Some(UpdateMethod::Patch),
                "put" => Some(UpdateMethod::Put),
                _ => None,
            }
        })?
        .unwrap_or(preset.update_method());
        let disable_method = one_of(params, "disable_method", &["patch", "delete"], |v| match v
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "patch" => Some(DisableMethod::Patch),
            "delete" => Some(DisableMethod::Delete),
            _ => None,
        })?
        .unwrap_or(preset.disable_method());

        let lookup_attributes = match list(params, "lookup_attributes")? {
            Some(items) => {
                let parsed = items
                    .iter()
                    .map(|item| {
                        LookupAttribute::parse(item)
                            .ok_or_else(|| ScimParamsError::BadLookupAttribute(item.clone()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if !preset.filters_emails() && parsed.iter().any(LookupAttribute::is_email) {
                    return Err(ScimParamsError::EmailLookupUnsupported {
                        preset: preset.name(),
                    });
                }
                let mut emails = parsed.iter().filter(|a| a.is_email());
                if let (Some(first), Some(second)) = (emails.next(), emails.next()) {
                    return Err(ScimParamsError::TwoEmailLookups {
                        first: first.to_string(),
                        second: second.to_string(),
                    });
                }
                parsed
            }
            None => preset
                .lookup_attributes()
                .iter()
                .filter_map(|item| LookupAttribute::parse(item))
                .collect(),
        };
        let extension_schemas = match list(params, "extension_schemas")? {
            Some(items) => {
                if let Some(bad) = items.iter().find(|s| !s.starts_with("urn:")) {
                    return Err(ScimParamsError::BadExtensionSchema(bad.clone()));
                }
                items
            }
            None => preset
                .extension_schemas()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        // Checked booleans, so a malformed one names its param here too.
        params.boolean("insecure", false)?;
        params.boolean("proxy", false)?;
        Ok(ScimSettings {
            base_url,
            auth,
            preset,
            update_method,
            disable_method,
            lookup_attributes,
            extension_schemas,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(value: Value) -> Params {
        Params::from_map(value.as_object().cloned().unwrap())
    }

    fn settings(value: Value) -> Result<ScimSettings, ScimParamsError> {
        ScimSettings::from_params(&params(value), None)
    }

    fn base() -> Value {
        json!({"url": "https://app.example.com/scim/v2/", "credentials": {"password": "tok"}})
    }

    fn with(extra: Value) -> Value {
        let mut value = base();
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        value
    }

    #[test]
    fn the_rfc_preset_is_the_default() {
        let s = settings(base()).unwrap();
        assert_eq!(s.base_url.as_str(), "https://app.example.com/scim/v2/");
        assert_eq!(s.auth, ScimAuth::Bearer(Secret::new("tok")));
        assert_eq!(s.preset, Preset::Rfc);
        assert_eq!(s.update_method, UpdateMethod::Patch);
        assert_eq!(s.disable_method, DisableMethod::Patch);
        let lookups: Vec<String> = s.lookup_attributes.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            lookups,
            ["userName", "emails[type eq \"work\"].value", "externalId"]
        );
        assert_eq!(s.extension_schemas, [ENTERPRISE_USER]);
    }

    #[test]
    fn each_preset_sets_its_defaults_and_params_override_them() {
        let slack = settings(with(json!({"preset": "slack"}))).unwrap();
        assert_eq!(slack.disable_method, DisableMethod::Delete);
        let github = settings(with(json!({"preset": "GitHub"}))).unwrap();
        assert!(github.extension_schemas.is_empty());
        assert_eq!(github.lookup_attributes.len(), 2);
        let aws = settings(with(json!({"preset": "aws", "update_method": "put",
            "disable_method": "delete", "lookup_attributes": "externalId, userName",
            "extension_schemas": ["urn:x:y"]})))
        .unwrap();
        assert_eq!(aws.update_method, UpdateMethod::Put);
        assert_eq!(aws.disable_method, DisableMethod::Delete);
        assert_eq!(
            aws.lookup_attributes[0],
            LookupAttribute::Simple("externalId")
        );
        assert_eq!(aws.extension_schemas, ["urn:x:y"]);
        for name in Preset::NAMES {
            assert_eq!(Preset::parse(name).unwrap().name(), *name);
        }
    }

    #[test]
    fn credentials_come_from_the_param_the_env_or_basic() {
        let no_token = json!({"url": "https://a.example.com/scim"});
        assert_eq!(
            settings(no_token.clone()),
            Err(ScimParamsError::MissingToken)
        );
        let s = ScimSettings::from_params(&params(no_token.clone()), Some("env".into())).unwrap();
        assert_eq!(s.auth, ScimAuth::Bearer(Secret::new("env")));
        let basic = with(
            json!({"auth_type": "basic", "credentials": {"identifier": "u", "password": "p"}}),
        );
        assert_eq!(
            settings(basic).unwrap().auth,
            ScimAuth::Basic {
                username: "u".into(),
                password: Secret::new("p")
            }
        );
        let user_name_with_bearer = settings(with(
            json!({"credentials": {"identifier": "u", "password": "p"}}),
        ));
        assert_eq!(
            user_name_with_bearer,
            Err(ScimParamsError::UserNameWithBearer)
        );
        let err = settings(with(json!({"auth_type": "basic"}))).unwrap_err();
        assert_eq!(err, ScimParamsError::MissingBasicCredentials);
        assert!(err.to_string().contains("auth_type"));
    }

    #[test]
    fn every_bad_value_names_its_param() {
        let cases = [
            (json!({"preset": "okta"}), "preset"),
            (json!({"auth_type": "oauth"}), "auth_type"),
            (json!({"update_method": "post"}), "update_method"),
            (json!({"disable_method": "suspend"}), "disable_method"),
            (
                json!({"lookup_attributes": "userName, password"}),
                "lookup_attributes",
            ),
            (
                json!({"preset": "aws", "lookup_attributes": "emails.value"}),
                "lookup_attributes",
            ),
            (
                json!({"lookup_attributes": "emails[type eq \"work\"].value, emails.value"}),
                "lookup_attributes",
            ),
            (
                json!({"extension_schemas": "enterprise"}),
                "extension_schemas",
            ),
            (json!({"url": "http://app.example.com/scim"}), "url"),
            (json!({"url": "not a url"}), "url"),
            (json!({"insecure": "maybe"}), "insecure"),
            // A value of the wrong JSON type is an error too, never the preset's default.
            (json!({"lookup_attributes": 7}), "lookup_attributes"),
            (
                json!({"lookup_attributes": ["userName", 7]}),
                "lookup_attributes",
            ),
            (
                json!({"extension_schemas": {"urn": "x"}}),
                "extension_schemas",
            ),
            (json!({"preset": true}), "preset"),
            (json!({"update_method": ["put"]}), "update_method"),
        ];
        for (extra, name) in cases {
            let err = settings(with(extra.clone())).unwrap_err().to_string();
            assert!(err.contains(name), "{extra}: {err}");
        }
        assert_eq!(
            settings(json!({"credentials": {"password": "t"}})),
            Err(ScimParamsError::MissingUrl)
        );
        let loopback = settings(with(json!({"url": "http://127.0.0.1:9/scim/v2"}))).unwrap();
        assert_eq!(loopback.base_url.as_str(), "http://127.0.0.1:9/scim/v2/");
    }
}
