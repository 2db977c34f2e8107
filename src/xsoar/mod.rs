//! The XSOAR package: what makes okta-iam a drop-in integration inside Cortex XSOAR.
//!
//! XSOAR runs integrations as Python code under its loop in a container; the code it runs for
//! okta-iam is the relay (`relay.py`, embedded here at build time), which starts
//! `okta-iam serve` for each execution and bridges its messages to the server.
//!
//! - [`VendorPackage`]: everything the package of one vendor needs (names, params, commands,
//!   mappers, classifier, pack metadata). [`okta`] describes the Okta one; a second vendor
//!   adds its own description and reuses the rest.
//! - [`manifest`]: the unified integration YAML (`okta-iam manifest`).
//! - [`pack`]: the content pack directory and its zip (`okta-iam pack DIR`).
//! - [`cli`]: the options and runners of `okta-iam manifest` and `okta-iam pack`.
//!
//! See `docs/xsoar.md` for the image, the pack and the instance set-up.

pub mod cli;
pub mod manifest;
pub mod pack;

use crate::catalogue::{self, CommandSpec, ParamSpec};

/// The relay XSOAR runs as the integration's code (Python 3, standard library only).
pub const RELAY: &str = include_str!("relay.py");

/// The Docker image the manifest names unless `--docker-image` says otherwise: the image the
/// repository's `Dockerfile` builds (see `docs/xsoar.md`), tagged with this version.
pub const DEFAULT_DOCKER_IMAGE: &str = concat!("okta-iam:", env!("CARGO_PKG_VERSION"));

/// One content item of the pack (a mapper or classifier), in XSOAR's export JSON.
#[derive(Debug, Clone, Copy)]
pub struct ContentItem {
    /// The item's `id` (and `name`): what the integration YAML and the params refer to.
    pub id: &'static str,
    /// The file name in the pack's `Classifiers/` directory.
    pub file_name: &'static str,
    pub json: &'static str,
}

/// Everything the XSOAR package of one vendor needs.
#[derive(Debug, Clone, Copy)]
pub struct VendorPackage {
    /// Integration id, name and display name (`commonfields.id`, `name`, `display`).
    pub integration_id: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    /// The pack's directory name and `name` in `pack_metadata.json`.
    pub pack_name: &'static str,
    pub pack_description: &'static str,
    /// The file name stem of the integration in the pack (`Integrations/<stem>/<stem>.yml`).
    pub file_stem: &'static str,
    pub params: &'static [ParamSpec],
    pub commands: fn() -> &'static [&'static CommandSpec],
    /// Internal commands the manifest lists anyway (`get-mapping-fields` for `ismappable`).
    pub listed_internal: &'static [&'static str],
    /// The user profile mappers (incoming, outgoing).
    pub profile_mappers: &'static [ContentItem],
    /// The incident classifier and its incoming mapper (`defaultclassifier`,
    /// `defaultmapperin`).
    pub classifier: ContentItem,
    pub incident_mapper: ContentItem,
    /// The pack README (markdown; `{image}` is replaced by the Docker image).
    pub readme: &'static str,
    pub keywords: &'static [&'static str],
}

/// The Okta package.
pub fn okta() -> VendorPackage {
    VendorPackage {
        integration_id: "Okta IAM",
        description: "Integrate with Okta's Identity Access Management service to execute CRUD operations on employee lifecycle processes. Served by the okta-iam daemon.",
        category: "Authentication & Identity Management",
        pack_name: "OktaIAMDaemon",
        pack_description: "Okta IAM served by the okta-iam daemon: user lifecycle commands, applications, groups, the System Log and incident fetching, as a drop-in for the Okta IAM integration.",
        file_stem: "OktaIAMDaemon",
        params: catalogue::PARAMS,
        commands: catalogue::all,
        listed_internal: &["get-mapping-fields"],
        profile_mappers: &[
            ContentItem {
                id: crate::mapper::INCOMING_DEFAULT,
                file_name: "classifier-mapper-incoming-User-Profile-Okta.json",
                json: include_str!("../../mappers/classifier-mapper-incoming-User-Profile-Okta.json"),
            },
            ContentItem {
                id: crate::mapper::OUTGOING_DEFAULT,
                file_name: "classifier-mapper-outgoing-Okta-User-Profile.json",
                json: include_str!("../../mappers/classifier-mapper-outgoing-Okta-User-Profile.json"),
            },
        ],
        classifier: ContentItem {
            id: "Okta IAM - App Sync (classifier)",
            file_name: "classifier-Okta_IAM_App_Sync.json",
            json: include_str!("../../pack/okta/classifier-Okta_IAM_App_Sync.json"),
        },
        incident_mapper: ContentItem {
            id: "Okta IAM - App Sync (mapper)",
            file_name: "classifier-mapper-incoming-Okta_IAM_App_Sync.json",
            json: include_str!("../../pack/okta/classifier-mapper-incoming-Okta_IAM_App_Sync.json"),
        },
        readme: include_str!("../../pack/okta/README.md"),
        keywords: &["Okta", "IAM", "ILM", "identity lifecycle"],
    }
}

/// The package of the vendor named `name`, if the binary serves it.
pub fn vendor(name: &str) -> Option<VendorPackage> {
    match name {
        "okta" => Some(okta()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn content_items_are_valid_json_with_their_ids() {
        let package = okta();
        let items = package
            .profile_mappers
            .iter()
            .chain([&package.classifier, &package.incident_mapper]);
        for item in items {
            let value: Value = serde_json::from_str(item.json).expect(item.file_name);
            assert_eq!(value["id"], item.id, "{}", item.file_name);
            assert_eq!(value["name"], item.id, "{}", item.file_name);
        }
    }

    #[test]
    fn the_incident_mapper_loads_in_the_mapper_engine() {
        let package = okta();
        let mapper = crate::mapper::Mapper::from_json(
            package.incident_mapper.file_name,
            package.incident_mapper.json,
        )
        .expect("the App Sync mapper loads");
        assert_eq!(mapper.name(), package.incident_mapper.id);
        let event = serde_json::json!({
            "eventType": "user.lifecycle.deactivate",
            "displayMessage": "Deactivate Okta user",
            "actor": {"alternateId": "admin@example.com"},
            "target": [{"type": "User", "id": "00u1", "alternateId": "dana@example.com", "displayName": "Dana"}],
            "email": "dana@example.com", "username": "dana", "displayname": "Dana Lee",
            "UserProfile": {"email": "dana@example.com"}
        });
        let mapped = mapper.map(&event, "IAM - Terminate User").expect("maps");
        assert_eq!(mapped["Employment Status"], "Terminated");
        assert_eq!(mapped["User Id"], "00u1");
        assert_eq!(mapped["Display Name"], "Dana Lee");
        assert_eq!(mapped["UserProfile"]["email"], "dana@example.com");
    }
}
