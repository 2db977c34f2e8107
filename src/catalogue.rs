//! The command catalogue: one definition per command.
//!
//! A [`CommandSpec`] names the command, its arguments (required, default, predefined values),
//! its context outputs, its description and its handler. The same table drives dispatch
//! ([`find`]), argument checking ([`CommandSpec::validate`]) and the manifest
//! ([`manifest_yaml`]), so what the daemon accepts and what it declares cannot drift apart.
//! Each command family declares its own specs in its file under `commands/`; [`all`] joins
//! them.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::commands::Handler;

/// One argument of a command.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub default: Option<&'static str>,
    /// When not empty, the only values accepted (XSOAR `auto: PREDEFINED`).
    pub predefined: &'static [&'static str],
    pub is_array: bool,
}

impl ArgSpec {
    pub const fn required(name: &'static str, description: &'static str) -> Self {
        ArgSpec {
            name,
            description,
            required: true,
            default: None,
            predefined: &[],
            is_array: false,
        }
    }

    pub const fn optional(name: &'static str, description: &'static str) -> Self {
        ArgSpec {
            required: false,
            ..ArgSpec::required(name, description)
        }
    }

    pub const fn default_value(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    pub const fn predefined(mut self, values: &'static [&'static str]) -> Self {
        self.predefined = values;
        self
    }
}

/// One context output of a command.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec {
    pub path: &'static str,
    /// XSOAR output type: `String`, `Number`, `Boolean`, `Date`, `Unknown`.
    pub kind: &'static str,
    pub description: &'static str,
}

impl OutputSpec {
    pub const fn new(path: &'static str, kind: &'static str, description: &'static str) -> Self {
        OutputSpec {
            path,
            kind,
            description,
        }
    }
}

/// One command: what it takes, what it writes, who handles it.
pub struct CommandSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub args: &'static [ArgSpec],
    pub outputs: &'static [OutputSpec],
    /// Potentially harmful (XSOAR asks before running it from the war room).
    pub execution: bool,
    /// Internal commands (test-module, fetch-incidents, get-mapping-fields) are called by
    /// XSOAR itself; the manifest lists only those its package names (`get-mapping-fields`).
    pub internal: bool,
    pub handler: Handler,
}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandSpec")
            .field("name", &self.name)
            .finish()
    }
}

/// A usage error in a command's arguments. The text goes into an error entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgError {
    #[error("Missing required argument: {0}.")]
    Missing(&'static str),
    #[error("Invalid value {value} for argument {name}. Allowed values: {allowed}.")]
    NotPredefined {
        name: &'static str,
        value: String,
        allowed: String,
    },
}

/// Arguments after checking: defaults applied, values as given (strings or JSON).
#[derive(Debug, Clone, Default)]
pub struct Args {
    values: Map<String, Value>,
}

impl Args {
    pub fn from_map(values: Map<String, Value>) -> Self {
        Args { values }
    }

    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !is_blank(v))
    }

    /// A non-blank value as text: strings as they are, other JSON as its compact text.
    pub fn string(&self, name: &str) -> Option<String> {
        self.raw(name).map(value_text)
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Text of an argument value: strings unquoted, anything else as compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl CommandSpec {
    /// Applies defaults, then checks required and predefined arguments. Arguments the spec
    /// does not name are kept (XSOAR adds its own, such as `using`) and ignored by handlers.
    pub fn validate(&self, given: &Map<String, Value>) -> Result<Args, ArgError> {
        let mut values = given.clone();
        for arg in self.args {
            let present = values.get(arg.name).is_some_and(|v| !is_blank(v));
            if !present {
                match arg.default {
                    Some(default) => {
                        values.insert(arg.name.to_string(), Value::String(default.to_string()));
                    }
                    None if arg.required => return Err(ArgError::Missing(arg.name)),
                    None => continue,
                }
            }
            if !arg.predefined.is_empty() {
                if let Some(value) = values.get(arg.name) {
                    let text = value_text(value);
                    if !arg.predefined.iter().any(|p| p.eq_ignore_ascii_case(&text)) {
                        return Err(ArgError::NotPredefined {
                            name: arg.name,
                            value: value.to_string(),
                            allowed: arg.predefined.join(", "),
                        });
                    }
                }
            }
        }
        Ok(Args { values })
    }
}

/// Every command the default vendor serves, in manifest order (the dispatcher asks the
/// daemon's vendor: [`crate::commands::Daemon::find`]).
pub fn all() -> &'static [&'static CommandSpec] {
    static ALL: OnceLock<Vec<&'static CommandSpec>> = OnceLock::new();
    ALL.get_or_init(|| {
        crate::vendors::default_vendor()
            .package()
            .commands()
            .collect()
    })
}

/// The command of that name, if the default vendor serves it.
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    all().iter().copied().find(|c| c.name == name)
}

/// One instance parameter of the manifest.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub display: &'static str,
    /// XSOAR parameter type number (0 text, 4 encrypted, 8 boolean, 9 credentials, 13 incident
    /// type, 19 interval).
    pub kind: u8,
    pub required: bool,
    pub default: Option<&'static str>,
    pub hidden: bool,
    pub additional_info: Option<&'static str>,
}

const fn param(name: &'static str, display: &'static str, kind: u8) -> ParamSpec {
    ParamSpec {
        name,
        display,
        kind,
        required: false,
        default: None,
        hidden: false,
        additional_info: None,
    }
}

impl ParamSpec {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn default_value(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }
    const fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }
    const fn info(mut self, text: &'static str) -> Self {
        self.additional_info = Some(text);
        self
    }
}

/// The instance parameters (contract §6), with the defaults the daemon also applies when a
/// param is absent.
pub const PARAMS: &[ParamSpec] = &[
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
        .default_value(crate::okta::auth::DEFAULT_SCOPES),
    param("dpop", "DPoP (OAuth): auto, on or off", 0)
        .default_value("auto")
        .info("auto sends DPoP proofs from the first token request and follows the token type Okta issues."),
    param("insecure", "Trust any certificate (not secure)", 8),
    param("proxy", "Use system proxy settings", 8),
    param("create-user-enabled", "Allow creating users", 8).default_value("true"),
    param("update-user-enabled", "Allow updating users", 8).default_value("true"),
    param("enable-user-enabled", "Allow enabling users", 8).default_value("true"),
    param("disable-user-enabled", "Allow disabling users", 8).default_value("true"),
    param(
        "create-if-not-exists",
        "Automatically create user if not found in update command",
        8,
    )
    .default_value("true"),
    param("mapper-in", "Incoming Mapper", 0)
        .required()
        .default_value("User Profile - Okta (Incoming)"),
    param("mapper-out", "Outgoing Mapper", 0)
        .required()
        .default_value("User Profile - Okta (Outgoing)"),
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

/// The default of a param, as the manifest declares it.
pub fn param_default(name: &str) -> Option<&'static str> {
    PARAMS
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.default)
}

/// The XSOAR integration manifest (YAML) of the Okta package with the default Docker image
/// (see [`crate::xsoar::manifest`]).
pub fn manifest_yaml() -> String {
    crate::xsoar::manifest::integration_yaml(
        &crate::vendors::default_vendor().package(),
        crate::xsoar::DEFAULT_DOCKER_IMAGE,
    )
}

/// `docs/commands.md`, generated from the catalogue (a test keeps the file in sync).
pub fn commands_markdown() -> String {
    let mut md = String::new();
    md.push_str("# Commands\n\n");
    md.push_str("Generated from the command catalogue (`src/catalogue.rs` and `src/commands/`); ");
    md.push_str("`cargo test --test docs` fails when this file is out of date, and ");
    md.push_str("`OKTA_IAM_UPDATE_DOCS=1 cargo test --test docs` rewrites it.\n\n");
    md.push_str(
        "Every command is served over the protocol (`okta-iam serve`) and by `okta-iam call`. ",
    );
    md.push_str(
        "Arguments are given as strings or JSON values; a missing required argument, or a value ",
    );
    md.push_str("outside a predefined list, is an error entry naming it.\n\n");
    for c in all() {
        md.push_str(&format!("- [`{}`](#{})\n", c.name, c.name));
    }
    for c in all() {
        md.push_str(&format!("\n## {}\n\n{}\n", c.name, c.description));
        if c.internal
            && crate::vendors::default_vendor()
                .package()
                .listed_internal
                .contains(&c.name)
        {
            md.push_str("\nCalled by XSOAR itself (listed among the manifest's commands).\n");
        } else if c.internal {
            md.push_str("\nCalled by XSOAR itself (not listed among the manifest's commands).\n");
        }
        if c.execution {
            md.push_str("\nPotentially harmful: XSOAR asks before running it from the war room.\n");
        }
        if c.args.is_empty() {
            md.push_str("\nArguments: none.\n");
        } else {
            md.push_str("\n| argument | required | default | allowed values | description |\n|---|---|---|---|---|\n");
            for a in c.args {
                md.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    a.name,
                    if a.required { "yes" } else { "no" },
                    a.default.map(|d| format!("`{d}`")).unwrap_or_default(),
                    a.predefined
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    a.description.replace('|', "\\|"),
                ));
            }
        }
        if !c.outputs.is_empty() {
            md.push_str("\n| context path | type | description |\n|---|---|---|\n");
            for o in c.outputs {
                md.push_str(&format!(
                    "| `{}` | {} | {} |\n",
                    o.path,
                    o.kind,
                    o.description.replace('|', "\\|")
                ));
            }
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn command_names_are_unique() {
        let mut names: Vec<&str> = all().iter().map(|c| c.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn validation_applies_defaults_and_names_missing_args() {
        let spec = find("okta-iam-set-configuration").expect("catalogued");
        let err = spec.validate(&Map::new()).unwrap_err();
        assert_eq!(err.to_string(), "Missing required argument: configuration.");
        let blank = json!({"configuration": "  "});
        assert!(spec.validate(blank.as_object().unwrap()).is_err());
    }

    #[test]
    fn every_command_is_in_the_manifest_unless_internal() {
        let manifest = manifest_yaml();
        for c in all() {
            assert_eq!(
                manifest.contains(&format!("  - name: {}\n", c.name)),
                !c.internal || c.name == "get-mapping-fields",
                "{}",
                c.name
            );
        }
        for p in PARAMS {
            assert!(manifest.contains(&format!("- name: {}\n", p.name)));
        }
        // The OAuth key is a credentials param showing only its password field.
        assert!(
            manifest.contains("- name: private_key\n  display: Private Key (OAuth)\n  displaypassword: Private Key\n  hiddenusername: true\n  type: 9\n"),
            "{manifest}"
        );
        assert!(manifest.contains("- name: use_oauth\n"));
    }
}
