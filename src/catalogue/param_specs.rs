//! The instance parameters the manifest declares, with the defaults the daemon applies when a
//! param is absent.

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
