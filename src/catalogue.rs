//! The command catalogue: one definition per command.
//!
//! A [`CommandSpec`] names the command, its arguments (required, default, predefined values),
//! its context outputs, its description and its handler. The same table drives dispatch
//! ([`find`]), argument checking ([`CommandSpec::validate`]) and the manifest
//! ([`manifest_yaml`]), so what the daemon accepts and what it declares cannot drift apart.
//! Each command family declares its own specs in its file under `commands/`; [`all`] joins
//! them.
//!
//! - `spec`: [`CommandSpec`], [`ArgSpec`], [`OutputSpec`] and the checked [`Args`].
//! - `param_specs`: [`ParamSpec`], what an instance param is (each vendor lists its own).
//! - `docs`: [`commands_markdown`], the generated `docs/commands.md`.

mod docs;
mod param_specs;
mod spec;

pub use docs::commands_markdown;
pub use param_specs::*;
pub use spec::*;

use crate::vendor::Vendor;

/// Every command `vendor` serves, in manifest order.
pub fn all(vendor: &dyn Vendor) -> Vec<&'static CommandSpec> {
    vendor.package().commands().collect()
}

/// The command of that name, if `vendor` serves it.
pub fn find(vendor: &dyn Vendor, name: &str) -> Option<&'static CommandSpec> {
    vendor.find(name)
}

/// The XSOAR integration manifest (YAML) of `vendor`'s package with the default Docker
/// image (see [`crate::xsoar::manifest`]).
pub fn manifest_yaml(vendor: &dyn Vendor) -> Result<String, yaml_serde::Error> {
    crate::xsoar::manifest::integration_yaml(&vendor.package(), crate::xsoar::DEFAULT_DOCKER_IMAGE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::okta::vendor::OKTA;
    use serde_json::{json, Map};

    #[test]
    fn command_names_are_unique() {
        let mut names: Vec<&str> = all(&OKTA).iter().map(|c| c.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn validation_applies_defaults_and_names_missing_args() {
        let spec = find(&OKTA, "okta-iam-set-configuration").expect("catalogued");
        let err = spec.validate(Map::new()).unwrap_err();
        assert_eq!(err.to_string(), "Missing required argument: configuration.");
        let blank = json!({"configuration": "  "});
        assert!(spec.validate(blank.as_object().unwrap().clone()).is_err());
    }

    #[test]
    fn taking_an_argument_moves_it_out_and_leaves_a_blank_one() {
        let given = json!({"a": {"k": 1}, "b": " ", "c": "x"});
        let mut args = Args::from_map(given.as_object().unwrap().clone());
        assert_eq!(args.take("a"), Some(json!({"k": 1})));
        assert_eq!(args.take("a"), None);
        assert_eq!(args.take("b"), None);
        assert_eq!(args.take("missing"), None);
        assert_eq!(args.string("c").as_deref(), Some("x"));
    }

    #[test]
    fn every_command_is_in_the_manifest_unless_internal() {
        let manifest = manifest_yaml(&OKTA).unwrap();
        for c in all(&OKTA) {
            assert_eq!(
                manifest.contains(&format!("  - name: {}\n", c.name)),
                !c.internal || c.name == "get-mapping-fields",
                "{}",
                c.name
            );
        }
        for p in OKTA.package().params {
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
