//! The unified integration YAML XSOAR imports (`okta-iam manifest`).
//!
//! `script.type: python`, `subtype: python3` and `script.script` holding the relay, so XSOAR
//! runs the relay under its Python loop in `dockerimage`; the params and commands come from
//! the vendor's [`VendorPackage`] (for Okta: the command catalogue). What demisto-sdk checks
//! on an integration shapes the rest: `ismappable` with `get-mapping-fields` among the
//! commands (IN131); the `isFetch` and `incidentType` params of a fetching integration
//! (IN121); `first_fetch` and `max_fetch` (IN126); `defaultclassifier` and `defaultmapperin`
//! naming items the pack contains.

use serde::Serialize;

use super::{relay_for, VendorPackage};
use crate::catalogue::{ArgSpec, CommandSpec, OutputSpec, ParamSpec};

/// Params a fetching integration must declare (IN121, IN126).
pub const FETCH_PARAMS: [&str; 4] = ["isFetch", "incidentType", "first_fetch", "max_fetch"];

/// The version XSOAR first imports the integration in.
const FROM_VERSION: &str = "6.0.0";

/// The integration YAML for `package`, naming `docker_image`. The YAML crate does the
/// quoting; the relay becomes a literal block that reads back byte for byte.
pub fn integration_yaml(
    package: &VendorPackage,
    docker_image: &str,
) -> Result<String, yaml_serde::Error> {
    let relay = relay_for(package.vendor);
    yaml_serde::to_string(&Integration::new(package, docker_image, &relay))
}

/// The commands the manifest lists: every command XSOAR users call, plus the internal ones
/// the package lists anyway (`get-mapping-fields`).
pub fn listed_commands(package: &VendorPackage) -> Vec<&'static CommandSpec> {
    package
        .commands()
        .filter(|c| !c.internal || package.listed_internal.contains(&c.name))
        .collect()
}

// The model: one struct per YAML mapping, fields in the order the manifest lists its keys.

#[derive(Debug, Serialize)]
struct Integration<'a> {
    commonfields: CommonFields<'a>,
    name: &'a str,
    display: &'a str,
    category: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    defaultclassifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    defaultmapperin: Option<&'a str>,
    fromversion: &'a str,
    configuration: Vec<Param<'a>>,
    script: Script<'a>,
    tests: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct CommonFields<'a> {
    id: &'a str,
    version: i32,
}

#[derive(Debug, Serialize)]
struct Param<'a> {
    name: &'a str,
    display: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    displaypassword: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    hiddenusername: bool,
    #[serde(rename = "type")]
    kind: u8,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    defaultvalue: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    hidden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    additionalinfo: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Script<'a> {
    script: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    subtype: &'a str,
    dockerimage: &'a str,
    isfetch: bool,
    ismappable: bool,
    isremotesyncout: bool,
    runonce: bool,
    commands: Vec<Command<'a>>,
}

#[derive(Debug, Serialize)]
struct Command<'a> {
    name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    execution: bool,
    arguments: Vec<Argument<'a>>,
    outputs: Vec<Output<'a>>,
}

#[derive(Debug, Serialize)]
struct Argument<'a> {
    name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    required: bool,
    #[serde(rename = "defaultValue", skip_serializing_if = "Option::is_none")]
    default_value: Option<&'a str>,
    /// `PREDEFINED` when the argument lists its values.
    #[serde(skip_serializing_if = "Option::is_none")]
    auto: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    predefined: &'a [&'a str],
    #[serde(rename = "isArray", skip_serializing_if = "is_false")]
    is_array: bool,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    #[serde(rename = "contextPath")]
    context_path: &'a str,
    description: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl<'a> Integration<'a> {
    fn new(package: &'a VendorPackage, docker_image: &'a str, relay: &'a str) -> Self {
        Integration {
            commonfields: CommonFields {
                id: package.integration_id,
                version: -1,
            },
            name: package.integration_id,
            display: package.integration_id,
            category: package.category,
            description: package.description,
            defaultclassifier: package.fetch.map(|f| f.classifier.id),
            defaultmapperin: package.fetch.map(|f| f.incident_mapper.id),
            fromversion: FROM_VERSION,
            configuration: package.params.iter().map(Param::new).collect(),
            script: Script {
                script: relay,
                kind: "python",
                subtype: "python3",
                dockerimage: docker_image,
                isfetch: package.fetch.is_some(),
                ismappable: true,
                isremotesyncout: package.remote_sync_out,
                runonce: false,
                commands: listed_commands(package)
                    .into_iter()
                    .map(Command::new)
                    .collect(),
            },
            tests: vec!["No tests"],
        }
    }
}

impl<'a> Param<'a> {
    fn new(p: &'a ParamSpec) -> Self {
        // Type 9 is XSOAR's credentials widget: the secret goes in its password field.
        let secret = p.kind == 9;
        let label = match p.password_label {
            Some(label) => label,
            None if p.name == "private_key" => "Private Key",
            None => "API Token",
        };
        Param {
            name: p.name,
            display: p.display,
            displaypassword: secret.then_some(label),
            hiddenusername: secret && !p.shows_username,
            kind: p.kind,
            required: p.required,
            defaultvalue: p.default,
            hidden: p.hidden,
            additionalinfo: p.additional_info,
        }
    }
}

impl<'a> Command<'a> {
    fn new(c: &'a CommandSpec) -> Self {
        Command {
            name: c.name,
            description: c.description,
            execution: c.execution,
            arguments: c.args.iter().map(Argument::new).collect(),
            outputs: c.outputs.iter().map(Output::new).collect(),
        }
    }
}

impl<'a> Argument<'a> {
    fn new(a: &'a ArgSpec) -> Self {
        Argument {
            name: a.name,
            description: a.description,
            required: a.required,
            default_value: a.default,
            auto: (!a.predefined.is_empty()).then_some("PREDEFINED"),
            predefined: a.predefined,
            is_array: a.is_array,
        }
    }
}

impl<'a> Output<'a> {
    fn new(o: &'a OutputSpec) -> Self {
        Output {
            context_path: o.path,
            description: o.description,
            kind: o.kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::Vendor;
    use crate::xsoar::{DEFAULT_DOCKER_IMAGE, RELAY};

    fn okta() -> VendorPackage {
        crate::okta::vendor::OKTA.package()
    }

    #[test]
    fn the_relay_is_embedded_line_for_line() {
        let yaml = integration_yaml(&okta(), DEFAULT_DOCKER_IMAGE).unwrap();
        for line in RELAY.lines().filter(|l| !l.is_empty()) {
            assert!(yaml.contains(&format!("\n    {line}\n")), "{line}");
        }
        assert!(!yaml.contains("script: '-'"));
    }

    /// The YAML reads back as the model it was written from, the relay byte for byte.
    #[test]
    fn the_manifest_parses_back_as_its_model() {
        let package = okta();
        let yaml = integration_yaml(&package, "example/okta-iam:1").unwrap();
        let parsed: serde_json::Value = yaml_serde::from_str(&yaml).unwrap();
        let relay = relay_for("okta");
        let model =
            serde_json::to_value(Integration::new(&package, "example/okta-iam:1", &relay)).unwrap();
        assert_eq!(parsed, model);
        assert_eq!(parsed["script"]["script"], RELAY);
        assert_eq!(parsed["commonfields"]["version"], -1);
        assert_eq!(parsed["tests"], serde_json::json!(["No tests"]));
    }

    /// Each vendor's relay starts the daemon serving that vendor; the rest is the same relay.
    #[test]
    fn each_vendor_s_relay_serves_that_vendor() {
        for vendor in crate::vendors::registry().vendors() {
            let package = vendor.package();
            assert_eq!(package.vendor, vendor.name());
            let yaml = integration_yaml(&package, DEFAULT_DOCKER_IMAGE).unwrap();
            let parsed: serde_json::Value = yaml_serde::from_str(&yaml).unwrap();
            let script = parsed["script"]["script"].as_str().unwrap();
            assert!(
                script.contains(&format!("\nVENDOR = '{}'\n", vendor.name())),
                "{}",
                vendor.name()
            );
            assert!(script.contains("[binary, 'serve', '--vendor', VENDOR,"));
            assert_eq!(script.lines().count(), RELAY.lines().count());
        }
    }

    /// A vendor without fetch declares no fetch: no classifier, no incident mapper, no fetch
    /// params; it is still mappable.
    #[test]
    fn a_vendor_without_fetch_declares_none() {
        let package = crate::scim::vendor::SCIM.package();
        let yaml = integration_yaml(&package, DEFAULT_DOCKER_IMAGE).unwrap();
        let parsed: serde_json::Value = yaml_serde::from_str(&yaml).unwrap();
        assert_eq!(parsed["script"]["isfetch"], false);
        assert_eq!(parsed["script"]["ismappable"], true);
        assert!(parsed.get("defaultclassifier").is_none());
        assert!(parsed.get("defaultmapperin").is_none());
        for name in FETCH_PARAMS {
            assert!(!yaml.contains(&format!("\n- name: {name}\n")), "{name}");
        }
        let names: Vec<&str> = parsed["script"]["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"get-mapping-fields"));
        assert!(names.iter().all(|n| !n.starts_with("okta-")), "{names:?}");
        // Basic authentication needs the credentials' user name field.
        let credentials = parsed["configuration"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "credentials")
            .unwrap();
        assert!(credentials.get("hiddenusername").is_none());
        assert_eq!(credentials["displaypassword"], "Bearer Token or Password");
    }

    /// Text YAML would read as another type or as syntax stays a string.
    #[test]
    fn ambiguous_text_reads_back_as_text() {
        let texts = [
            "true", "no", "50", "-1", "~", "null", "a: b", "- x", "#c", "'q'", "x #y", " lead",
            "trail ",
        ];
        let yaml = yaml_serde::to_string(&texts).unwrap();
        let parsed: Vec<String> = yaml_serde::from_str(&yaml).unwrap();
        assert_eq!(parsed, texts);
    }

    #[test]
    fn mappable_fetching_integration_declares_what_demisto_sdk_requires() {
        let package = okta();
        let yaml = integration_yaml(&package, "example/okta-iam:1").unwrap();
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
        let fetch = package.fetch.unwrap();
        assert!(yaml.contains(&format!("defaultclassifier: {}\n", fetch.classifier.id)));
        assert!(yaml.contains(&format!("defaultmapperin: {}\n", fetch.incident_mapper.id)));
        // XSOAR calls these itself; they are not listed.
        assert!(!yaml.contains("  - name: test-module\n"));
        assert!(!yaml.contains("  - name: fetch-incidents\n"));
    }
}
