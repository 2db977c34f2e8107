//! The per-app behaviour a SCIM instance gets from its `preset` param: the defaults of
//! `update_method`, `disable_method`, `lookup_attributes` and `extension_schemas`
//! (docs/scim.md's preset table; each param, when set, overrides its preset default in
//! [`crate::scim::params`]).

/// The enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// How an update is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMethod {
    /// `PATCH` with a `urn:ietf:params:scim:api:messages:2.0:PatchOp`.
    Patch,
    /// `PUT` of the full resource, after a read.
    Put,
}

/// How a disable is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableMethod {
    /// Setting `active: false` (with the update method).
    Patch,
    /// `DELETE` of the user, for apps without `active`.
    Delete,
}

/// Per-app defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// RFC 7644 as written.
    Rfc,
    /// GitHub Enterprise (managed users).
    Github,
    /// Atlassian (user provisioning).
    Atlassian,
    /// AWS IAM Identity Center.
    Aws,
    /// Slack (Business+ / Enterprise Grid).
    Slack,
}

const WORK_EMAIL: &str = "emails[type eq \"work\"].value";

impl Preset {
    pub const NAMES: &'static [&'static str] = &["rfc", "github", "atlassian", "aws", "slack"];

    pub fn parse(text: &str) -> Option<Preset> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "rfc" => Preset::Rfc,
            "github" => Preset::Github,
            "atlassian" => Preset::Atlassian,
            "aws" => Preset::Aws,
            "slack" => Preset::Slack,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Rfc => "rfc",
            Preset::Github => "github",
            Preset::Atlassian => "atlassian",
            Preset::Aws => "aws",
            Preset::Slack => "slack",
        }
    }

    pub fn update_method(self) -> UpdateMethod {
        UpdateMethod::Patch
    }

    pub fn disable_method(self) -> DisableMethod {
        match self {
            // Slack deactivates a user on DELETE and documents no `active: false` PATCH.
            Preset::Slack => DisableMethod::Delete,
            _ => DisableMethod::Patch,
        }
    }

    /// The attributes the app can filter users on, in lookup order.
    pub fn lookup_attributes(self) -> &'static [&'static str] {
        match self {
            Preset::Rfc => &["userName", WORK_EMAIL, "externalId"],
            // GitHub, Atlassian and AWS filter users on userName and externalId only (an `eq`
            // on one attribute; docs/scim.md cites their docs).
            Preset::Github | Preset::Atlassian | Preset::Aws => &["userName", "externalId"],
            Preset::Slack => &["userName", "emails.value"],
        }
    }

    pub fn extension_schemas(self) -> &'static [&'static str] {
        match self {
            Preset::Github => &[],
            _ => &[ENTERPRISE_USER],
        }
    }

    /// Whether the app can filter on emails.
    pub fn filters_emails(self) -> bool {
        !matches!(self, Preset::Github | Preset::Atlassian | Preset::Aws)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults docs/scim.md's preset table lists.
    #[test]
    fn each_preset_s_defaults_are_the_documented_ones() {
        let table = [
            (
                "rfc",
                "patch",
                "patch",
                "userName, emails[type eq \"work\"].value, externalId",
                true,
            ),
            ("github", "patch", "patch", "userName, externalId", false),
            ("atlassian", "patch", "patch", "userName, externalId", true),
            ("aws", "patch", "patch", "userName, externalId", true),
            ("slack", "patch", "delete", "userName, emails.value", true),
        ];
        for (name, update, disable, lookups, enterprise) in table {
            let preset = Preset::parse(name).unwrap();
            let update_name = match preset.update_method() {
                UpdateMethod::Patch => "patch",
                UpdateMethod::Put => "put",
            };
            let disable_name = match preset.disable_method() {
                DisableMethod::Patch => "patch",
                DisableMethod::Delete => "delete",
            };
            assert_eq!((update_name, disable_name), (update, disable), "{name}");
            assert_eq!(preset.lookup_attributes().join(", "), lookups, "{name}");
            assert_eq!(
                preset.extension_schemas() == [ENTERPRISE_USER],
                enterprise,
                "{name}"
            );
        }
    }
}
