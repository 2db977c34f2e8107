//! `okta-iam pack DIR` and `okta-iam manifest` through the binary: the pack directory and its
//! zip hold the same files, the Docker image is the one given, and failures are usage errors
//! with a message naming the path.

use crate::support as common;

use std::io::Read;

use common::{binary, temp_dir};
use serde_json::Value;

#[test]
fn the_pack_directory_and_its_zip_hold_the_same_files() {
    let dir = temp_dir("pack");
    let output = std::process::Command::new(binary())
        .args(["pack", "--docker-image", "registry.example.com/okta-iam:9"])
        .arg(&dir)
        .output()
        .expect("okta-iam pack");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("OktaIAMDaemon.zip"), "{stdout}");
    let pack = dir.join("OktaIAMDaemon");
    let file = std::fs::File::open(dir.join("OktaIAMDaemon.zip")).expect("the zip");
    let mut zip = zip::ZipArchive::new(file).expect("a zip archive");
    let mut names = Vec::new();
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).unwrap();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        let on_disk = std::fs::read_to_string(pack.join(entry.name())).unwrap();
        assert_eq!(text, on_disk, "{}", entry.name());
        names.push(entry.name().to_string());
    }
    assert_eq!(names.len(), 8, "{names:?}");
    let metadata: Value =
        serde_json::from_str(&std::fs::read_to_string(pack.join("pack_metadata.json")).unwrap())
            .unwrap();
    assert_eq!(metadata["currentVersion"], env!("CARGO_PKG_VERSION"));
    let yaml =
        std::fs::read_to_string(pack.join("Integrations/integration-OktaIAMDaemon.yml")).unwrap();
    let manifest: Value = yaml_serde::from_str(&yaml).unwrap();
    assert_eq!(
        manifest["script"]["dockerimage"],
        "registry.example.com/okta-iam:9"
    );
    assert_eq!(manifest["script"]["type"], "python");
    assert_eq!(manifest["script"]["subtype"], "python3");
    // Written twice, the zip is byte for byte the same.
    let first = std::fs::read(dir.join("OktaIAMDaemon.zip")).unwrap();
    let again = std::process::Command::new(binary())
        .args(["pack", "--docker-image", "registry.example.com/okta-iam:9"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(std::fs::read(dir.join("OktaIAMDaemon.zip")).unwrap(), first);
}

#[test]
fn the_printed_manifest_names_the_default_image_and_embeds_the_relay() {
    let output = std::process::Command::new(binary())
        .arg("manifest")
        .output()
        .expect("okta-iam manifest");
    assert!(output.status.success());
    let manifest: Value = yaml_serde::from_slice(&output.stdout).unwrap();
    assert_eq!(
        manifest["script"]["dockerimage"],
        format!("okta-iam:{}", env!("CARGO_PKG_VERSION"))
    );
    let relay = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/xsoar/relay.py"))
        .unwrap();
    assert_eq!(manifest["script"]["script"], relay.as_str());
    assert_eq!(
        manifest["defaultclassifier"],
        "Okta IAM - App Sync (classifier)"
    );
    assert_eq!(manifest["defaultmapperin"], "Okta IAM - App Sync (mapper)");
}

#[test]
fn a_pack_that_cannot_be_written_and_an_empty_image_are_usage_errors() {
    let dir = temp_dir("pack-blocked");
    let blocker = dir.join("not-a-directory");
    std::fs::write(&blocker, "a file").unwrap();
    let output = std::process::Command::new(binary())
        .arg("pack")
        .arg(&blocker)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("okta-iam: cannot write ") && stderr.contains("not-a-directory"),
        "{stderr}"
    );
    let output = std::process::Command::new(binary())
        .args(["manifest", "--docker-image", ""])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}
