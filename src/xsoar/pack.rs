//! The XSOAR content pack (`okta-iam pack DIR`).
//!
//! Writes `DIR/<pack>/` and `DIR/<pack>.zip` (the same files, for Marketplace → Upload pack):
//!
//! ```text
//! pack_metadata.json                      name, version, support, categories, keywords
//! metadata.json                           the same (the name uploaded packs carry)
//! README.md                               what the pack holds and how to set it up
//! Integrations/integration-<stem>.yml     the unified integration YAML (the manifest)
//! Classifiers/classifier-*.json           the incident classifier (a fetching vendor)
//! Classifiers/classifier-mapper-*.json    the incident mapper (idem) and the user profile mappers
//! ```
//!
//! The zip is reproducible: entries in a fixed order, all dated 1980-01-01.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::manifest::integration_yaml;
use super::VendorPackage;

/// Why the pack could not be written. Each message names the path.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the zip {path}: {detail}")]
    Zip { path: String, detail: String },
    #[error("cannot write the integration YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
}

/// What [`write_pack`] wrote.
#[derive(Debug, Clone)]
pub struct WrittenPack {
    pub dir: PathBuf,
    pub zip: PathBuf,
    /// Paths inside the pack, in zip order.
    pub files: Vec<String>,
}

/// The pack's files: (path inside the pack, contents), in a fixed order.
pub fn pack_files(
    package: &VendorPackage,
    docker_image: &str,
) -> Result<Vec<(String, String)>, yaml_serde::Error> {
    let metadata = metadata_json(package);
    let mut files = vec![
        ("pack_metadata.json".to_string(), metadata.clone()),
        ("metadata.json".to_string(), metadata),
        (
            "README.md".to_string(),
            package.readme.replace("{image}", docker_image),
        ),
        (
            format!("Integrations/integration-{}.yml", package.file_stem),
            integration_yaml(package, docker_image)?,
        ),
    ];
    let fetch_items = package.fetch.iter().flat_map(|fetch| fetch.items());
    for item in fetch_items.chain(package.profile_mappers.items()) {
        files.push((
            format!("Classifiers/{}", item.file_name),
            item.json.to_string(),
        ));
    }
    Ok(files)
}

fn metadata_json(package: &VendorPackage) -> String {
    let metadata = json!({
        "name": package.pack_name,
        "description": package.pack_description,
        "support": "community",
        "currentVersion": env!("CARGO_PKG_VERSION"),
        "author": "okta-iam",
        "url": "",
        "email": "",
        "categories": [package.category],
        "tags": [],
        "useCases": ["Identity And Access Management"],
        "keywords": package.keywords,
        "marketplaces": ["xsoar", "marketplacev2"],
        "dependencies": {},
    });
    let mut text = serde_json::to_string_pretty(&metadata).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes the pack directory and its zip under `dir` (created when missing).
pub fn write_pack(
    package: &VendorPackage,
    docker_image: &str,
    dir: &Path,
) -> Result<WrittenPack, PackError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| PackError::Io { path, source }
    };
    let pack_dir = dir.join(package.pack_name);
    let files = pack_files(package, docker_image)?;
    for (name, contents) in &files {
        let path = pack_dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, contents).map_err(io(&path))?;
    }
    let zip_path = dir.join(format!("{}.zip", package.pack_name));
    let zip_error = |detail: String| PackError::Zip {
        path: zip_path.display().to_string(),
        detail,
    };
    let file = std::fs::File::create(&zip_path).map_err(io(&zip_path))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, contents) in &files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| zip_error(e.to_string()))?;
        zip.write_all(contents.as_bytes())
            .map_err(|e| zip_error(e.to_string()))?;
    }
    zip.finish().map_err(|e| zip_error(e.to_string()))?;
    Ok(WrittenPack {
        dir: pack_dir,
        zip: zip_path,
        files: files.into_iter().map(|(name, _)| name).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::{Vendor, VendorPackage};

    fn okta() -> VendorPackage {
        crate::okta::vendor::OKTA.package()
    }

    #[test]
    fn the_pack_holds_every_item_the_integration_names() {
        let package = okta();
        let files = pack_files(&package, "example/okta-iam:1").unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"Integrations/integration-OktaIAMDaemon.yml"));
        let yaml = &files
            .iter()
            .find(|(n, _)| n.starts_with("Integrations/"))
            .expect("integration")
            .1;
        assert!(yaml.contains("dockerimage: example/okta-iam:1"));
        let ids: Vec<String> = files
            .iter()
            .filter(|(n, _)| n.starts_with("Classifiers/"))
            .map(|(_, json)| {
                let value: serde_json::Value = serde_json::from_str(json).expect("json");
                value["id"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        for id in [
            "Okta IAM - App Sync (classifier)",
            "Okta IAM - App Sync (mapper)",
            "User Profile - Okta (Incoming)",
            "User Profile - Okta (Outgoing)",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id}");
        }
        let readme = &files.iter().find(|(n, _)| n == "README.md").unwrap().1;
        assert!(readme.contains("example/okta-iam:1"));
        assert!(!readme.contains("{image}"));
    }

    /// A vendor without fetch: its pack holds its profile mappers and no classifier.
    #[test]
    fn the_scim_pack_holds_its_mappers_and_no_fetch_content() {
        let package = crate::scim::vendor::SCIM.package();
        let files = pack_files(&package, "example/okta-iam:1").unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "pack_metadata.json",
                "metadata.json",
                "README.md",
                "Integrations/integration-ScimIAMDaemon.yml",
                "Classifiers/classifier-mapper-incoming-User-Profile-SCIM.json",
                "Classifiers/classifier-mapper-outgoing-SCIM-User-Profile.json",
            ]
        );
        let readme = &files.iter().find(|(n, _)| n == "README.md").unwrap().1;
        assert!(readme.contains("okta-iam serve --vendor scim"));
        assert!(readme.contains("example/okta-iam:1"));
    }
}
