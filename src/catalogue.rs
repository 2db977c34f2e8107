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
//! - `param_specs`: [`ParamSpec`] and the instance [`PARAMS`].
//! - `docs`: [`commands_markdown`], the generated `docs/commands.md`.

use std::sync::OnceLock;

mod docs;
mod param_specs;
mod spec;

pub use docs::commands_markdown;
pub use param_specs::*;
pub use spec::*;

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

/// The XSOAR integration manifest (YAML) of the Okta package with the default Docker image
/// (see [`crate::xsoar::manifest`]).
pub fn manifest_yaml() -> Result<String, yaml_serde::Error> {
    crate::xsoar::manifest::integration_yaml(
        &crate::vendors::default_vendor().package(),
        crate::xsoar::DEFAULT_DOCKER_IMAGE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

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
        let manifest = manifest_yaml().unwrap();
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
