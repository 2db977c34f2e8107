//! The XSOAR package: what makes okta-iam a drop-in integration inside Cortex XSOAR.
//!
//! XSOAR runs integrations as Python code under its loop in a container; the code it runs for
//! okta-iam is the relay (`relay.py`, embedded here at build time), which starts
//! `okta-iam serve` for each execution and bridges its messages to the server.
//!
//! - [`VendorPackage`] (defined with the vendor, [`crate::vendor`]): everything the package
//!   of one vendor needs (names, params, commands, mappers, classifier, pack metadata).
//! - [`manifest`]: the unified integration YAML (`okta-iam manifest`).
//! - [`pack`]: the content pack directory and its zip (`okta-iam pack DIR`).
//! - [`cli`]: the options and runners of `okta-iam manifest` and `okta-iam pack`.
//!
//! See `docs/xsoar.md` for the image, the pack and the instance set-up.

pub mod cli;
pub mod manifest;
pub mod pack;

pub use crate::vendor::{ContentItem, VendorPackage};

/// The relay XSOAR runs as the integration's code (Python 3, standard library only).
pub const RELAY: &str = include_str!("relay.py");

/// The relay's line naming the vendor it serves.
const RELAY_VENDOR_LINE: &str = "VENDOR = 'okta'";

/// The relay for `vendor` (a `--vendor` name: letters only, so it needs no quoting).
pub fn relay_for(vendor: &str) -> String {
    RELAY.replacen(RELAY_VENDOR_LINE, &format!("VENDOR = '{vendor}'"), 1)
}

/// The Docker image the manifest names unless `--docker-image` says otherwise: the image the
/// repository's `Dockerfile` builds (see `docs/xsoar.md`), tagged with this version.
pub const DEFAULT_DOCKER_IMAGE: &str = concat!("okta-iam:", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::Vendor;
    use serde_json::Value;

    fn okta() -> VendorPackage {
        crate::okta::vendor::OKTA.package()
    }

    #[test]
    fn content_items_are_valid_json_with_their_ids() {
        let package = okta();
        for item in package.content_items() {
            let value: Value = serde_json::from_str(item.json).expect(item.file_name);
            assert_eq!(value["id"], item.id, "{}", item.file_name);
            assert_eq!(value["name"], item.id, "{}", item.file_name);
        }
    }

    #[test]
    fn the_incident_mapper_loads_in_the_mapper_engine() {
        let incident_mapper = okta().fetch.unwrap().incident_mapper;
        let mapper =
            crate::mapper::Mapper::from_json(incident_mapper.file_name, incident_mapper.json)
                .expect("the App Sync mapper loads");
        assert_eq!(mapper.name(), incident_mapper.id);
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
