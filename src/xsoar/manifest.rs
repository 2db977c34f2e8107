//! The unified integration YAML XSOAR imports (`okta-iam manifest`).
//!
//! `script.type: python`, `subtype: python3` and `script.script` holding the relay, so XSOAR
//! runs the relay under its Python loop in `dockerimage`; the params and commands come from
//! the vendor's [`VendorPackage`] (for Okta: the command catalogue). What demisto-sdk checks
//! on an integration shapes the rest: `ismappable` with `get-mapping-fields` among the
//! commands (IN131); the `isFetch` and `incidentType` params of a fetching integration
//! (IN121); `first_fetch` and `max_fetch` (IN126); `defaultclassifier` and `defaultmapperin`
//! naming items the pack contains.

use super::yaml::{literal_block, scalar};
use super::{VendorPackage, RELAY};
use crate::catalogue::{CommandSpec, ParamSpec};

/// Params a fetching integration must declare (IN121, IN126).
pub const FETCH_PARAMS: [&str; 4] = ["isFetch", "incidentType", "first_fetch", "max_fetch"];

/// The integration YAML for `package`, naming `docker_image`.
pub fn integration_yaml(package: &VendorPackage, docker_image: &str) -> String {
    let mut y = String::new();
    y.push_str(&format!(
        "commonfields:\n  id: {}\n  version: -1\n",
        scalar(package.integration_id)
    ));
    y.push_str(&format!("name: {}\n", scalar(package.integration_id)));
    y.push_str(&format!("display: {}\n", scalar(package.integration_id)));
    y.push_str(&format!("category: {}\n", scalar(package.category)));
    y.push_str(&format!("description: {}\n", scalar(package.description)));
    y.push_str(&format!(
        "defaultclassifier: {}\n",
        scalar(package.classifier.id)
    ));
    y.push_str(&format!(
        "defaultmapperin: {}\n",
        scalar(package.incident_mapper.id)
    ));
    y.push_str("fromversion: 6.0.0\n");
    y.push_str("configuration:\n");
    for p in package.params {
        push_param(&mut y, p);
    }
    y.push_str("script:\n");
    y.push_str(&format!("  script: {}", literal_block(RELAY, 2)));
    y.push_str("  type: python\n  subtype: python3\n");
    y.push_str(&format!("  dockerimage: {}\n", scalar(docker_image)));
    y.push_str("  isfetch: true\n  ismappable: true\n  isremotesyncout: true\n");
    y.push_str("  runonce: false\n");
    y.push_str("  commands:\n");
    for c in listed_commands(package) {
        push_command(&mut y, c);
    }
    y.push_str("tests:\n- No tests\n");
    y
}

/// The commands the manifest lists: every command XSOAR users call, plus the internal ones
/// the package lists anyway (`get-mapping-fields`).
pub fn listed_commands(package: &VendorPackage) -> Vec<&'static CommandSpec> {
    package
        .commands()
        .filter(|c| !c.internal || package.listed_internal.contains(&c.name))
        .collect()
}

fn push_param(y: &mut String, p: &ParamSpec) {
    y.push_str(&format!("- name: {}\n", scalar(p.name)));
    y.push_str(&format!("  display: {}\n", scalar(p.display)));
    if p.kind == 9 {
        let label = if p.name == "private_key" {
            "Private Key"
        } else {
            "API Token"
        };
        y.push_str(&format!(
            "  displaypassword: {label}\n  hiddenusername: true\n"
        ));
    }
    y.push_str(&format!("  type: {}\n", p.kind));
    y.push_str(&format!("  required: {}\n", p.required));
    if let Some(d) = p.default {
        y.push_str(&format!("  defaultvalue: {}\n", scalar(d)));
    }
    if p.hidden {
        y.push_str("  hidden: true\n");
    }
    if let Some(info) = p.additional_info {
        y.push_str(&format!("  additionalinfo: {}\n", scalar(info)));
    }
}

fn push_command(y: &mut String, c: &CommandSpec) {
    y.push_str(&format!("  - name: {}\n", scalar(c.name)));
    y.push_str(&format!("    description: {}\n", scalar(c.description)));
    if c.execution {
        y.push_str("    execution: true\n");
    }
    if c.args.is_empty() {
        y.push_str("    arguments: []\n");
    } else {
        y.push_str("    arguments:\n");
        for a in c.args {
            y.push_str(&format!("    - name: {}\n", scalar(a.name)));
            y.push_str(&format!("      description: {}\n", scalar(a.description)));
            if a.required {
                y.push_str("      required: true\n");
            }
            if let Some(d) = a.default {
                y.push_str(&format!("      defaultValue: {}\n", scalar(d)));
            }
            if !a.predefined.is_empty() {
                y.push_str("      auto: PREDEFINED\n      predefined:\n");
                for p in a.predefined {
                    y.push_str(&format!("      - {}\n", scalar(p)));
                }
            }
            if a.is_array {
                y.push_str("      isArray: true\n");
            }
        }
    }
    if c.outputs.is_empty() {
        y.push_str("    outputs: []\n");
    } else {
        y.push_str("    outputs:\n");
        for o in c.outputs {
            y.push_str(&format!("    - contextPath: {}\n", scalar(o.path)));
            y.push_str(&format!("      description: {}\n", scalar(o.description)));
            y.push_str(&format!("      type: {}\n", scalar(o.kind)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::Vendor;
    use crate::xsoar::DEFAULT_DOCKER_IMAGE;

    fn okta() -> VendorPackage {
        crate::okta::vendor::OKTA.package()
    }

    #[test]
    fn the_relay_is_embedded_line_for_line() {
        let yaml = integration_yaml(&okta(), DEFAULT_DOCKER_IMAGE);
        for line in RELAY.lines().filter(|l| !l.is_empty()) {
            assert!(yaml.contains(&format!("\n    {line}\n")), "{line}");
        }
        assert!(!yaml.contains("script: '-'"));
    }

    #[test]
    fn mappable_fetching_integration_declares_what_demisto_sdk_requires() {
        let package = okta();
        let yaml = integration_yaml(&package, "example/okta-iam:1");
        assert!(yaml.contains("  dockerimage: example/okta-iam:1\n"));
        assert!(yaml.contains("  subtype: python3\n"));
        // IN131: ismappable needs get-mapping-fields among the commands.
        assert!(yaml.contains("  ismappable: true\n"));
        assert!(yaml.contains("  - name: get-mapping-fields\n"));
        // IN121 / IN126.
        for name in FETCH_PARAMS {
            assert!(yaml.contains(&format!("\n- name: {name}\n")), "{name}");
        }
        // The classifier and mapper it names are the pack's.
        assert!(yaml.contains(&format!("defaultclassifier: {}\n", package.classifier.id)));
        assert!(yaml.contains(&format!(
            "defaultmapperin: {}\n",
            package.incident_mapper.id
        )));
        // XSOAR calls these itself; they are not listed.
        assert!(!yaml.contains("  - name: test-module\n"));
        assert!(!yaml.contains("  - name: fetch-incidents\n"));
    }
}
