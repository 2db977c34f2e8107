//! `docs/commands.md`, generated from the catalogue.

use super::all;
use crate::vendor::Vendor;

/// `docs/commands.md`: `vendor`'s commands, generated from the catalogue (a test keeps the
/// file in sync).
pub fn commands_markdown(vendor: &dyn Vendor) -> String {
    let commands = all(vendor);
    let package = vendor.package();
    let listed_internal = package.listed_internal;
    let mut md = String::new();
    md.push_str("# Commands\n\n");
    md.push_str(&format!(
        "The commands of the integration `{}` (`--vendor {}`).\n\n",
        package.integration_id,
        vendor.name()
    ));
    md.push_str("Generated from the command catalogue (`src/catalogue.rs` and `src/commands/`); ");
    md.push_str("`cargo test --test it binary::docs` fails when this file is out of date, and ");
    md.push_str("`OKTA_IAM_UPDATE_DOCS=1 cargo test --test it binary::docs` rewrites it.\n\n");
    let flag = format!(" --vendor {}", vendor.name());
    md.push_str(&format!(
        "Every command is served over the protocol (`okta-iam serve{flag}`) and by `okta-iam call{flag}`. "
    ));
    md.push_str(
        "Arguments are given as strings or JSON values; a missing required argument, or a value ",
    );
    md.push_str("outside a predefined list, is an error entry naming it.\n\n");
    for c in &commands {
        md.push_str(&format!("- [`{}`](#{})\n", c.name, c.name));
    }
    for c in &commands {
        md.push_str(&format!("\n## {}\n\n{}\n", c.name, c.description));
        if c.internal && listed_internal.contains(&c.name) {
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
