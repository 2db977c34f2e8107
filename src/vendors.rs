//! The vendors this binary serves: one registration line per vendor.

use crate::vendor::{Registry, Vendor};

/// The name `--vendor` defaults to.
pub const DEFAULT: &str = "okta";

/// Every vendor of this binary. Adding a vendor: its module, then one line here.
pub fn registry() -> Registry {
    Registry::new()
        .register(&crate::okta::vendor::OKTA)
        .register(&crate::scim::vendor::SCIM)
}

/// The default vendor (Okta).
pub fn default_vendor() -> &'static dyn Vendor {
    &crate::okta::vendor::OKTA
}

/// `--vendor NAME`: the name, when this binary serves it (a usage error otherwise).
pub fn parse_name(name: &str) -> Result<String, String> {
    registry()
        .resolve(name)
        .map(|vendor| vendor.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_is_registered_and_the_default() {
        assert_eq!(registry().names(), [DEFAULT, "scim"]);
        assert_eq!(default_vendor().name(), DEFAULT);
        assert_eq!(
            parse_name("nope").unwrap_err(),
            "Unknown vendor 'nope'. This binary serves: okta, scim."
        );
    }
}
