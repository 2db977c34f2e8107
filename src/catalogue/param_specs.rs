//! What an instance parameter is: [`ParamSpec`], as the manifest declares it. Each vendor
//! lists its own (Okta: [`crate::okta::params::PARAMS`]).

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
    /// A credentials param (type 9): the label of its password field (`None`: "API Token",
    /// or "Private Key" for `private_key`), and whether its user name field is shown.
    pub password_label: Option<&'static str>,
    pub shows_username: bool,
}

/// A param of that name, display text and XSOAR type; optional, no default, shown.
pub const fn param(name: &'static str, display: &'static str, kind: u8) -> ParamSpec {
    ParamSpec {
        name,
        display,
        kind,
        required: false,
        default: None,
        hidden: false,
        additional_info: None,
        password_label: None,
        shows_username: false,
    }
}

impl ParamSpec {
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn default_value(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }
    pub const fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }
    /// A credentials param whose password field reads `password_label` and whose user name
    /// field is shown (SCIM's basic authentication needs both).
    pub const fn with_username(mut self, password_label: &'static str) -> Self {
        self.password_label = Some(password_label);
        self.shows_username = true;
        self
    }
    pub const fn info(mut self, text: &'static str) -> Self {
        self.additional_info = Some(text);
        self
    }
}

/// The params of `parts`, in order, as one array (`N` is their total count; a wrong `N`
/// fails the build). Vendors join their own params and the shared IAM ones
/// ([`crate::iam::params::shared`]) with it.
// Evaluated at build time for the const param lists: an index out of bounds is a build error.
#[allow(clippy::indexing_slicing)]
pub const fn concat_params<const N: usize>(parts: &[&[ParamSpec]]) -> [ParamSpec; N] {
    let mut out = [param("", "", 0); N];
    let mut filled = 0;
    let mut part = 0;
    while part < parts.len() {
        let mut i = 0;
        while i < parts[part].len() {
            out[filled] = parts[part][i];
            filled += 1;
            i += 1;
        }
        part += 1;
    }
    assert!(
        filled == N,
        "concat_params: N is not the number of params given"
    );
    out
}
