//! The printed manifest and the pack's mappers and classifier against demisto-sdk's own
//! schemas (`integration.yml`, `mapper.yml`, `classifier.yml` from its PyPI wheel), validated
//! with pykwalify as demisto-sdk does (`tests/xsoar/validate.py`).
//!
//! Needs the virtual environment `.ci/run` builds (`target/ci-venv`, or `OKTA_IAM_CI_VENV`)
//! with `tests/xsoar/requirements.txt` and the demisto-sdk wheel in its `wheels/`. Without it
//! the test says why it skips, unless `OKTA_IAM_REQUIRE_SCHEMAS` is set (CI sets it).

use crate::support as common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{binary, temp_dir};

/// The venv's Python and the demisto-sdk wheel, or why they are not there.
fn validator() -> Result<(PathBuf, PathBuf), String> {
    let venv = std::env::var_os("OKTA_IAM_CI_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv"));
    let python = venv.join("bin/python");
    if !python.exists() {
        return Err(format!(
            "no virtual environment at {} (run .ci/run, or set OKTA_IAM_CI_VENV)",
            venv.display()
        ));
    }
    let wheels = venv.join("wheels");
    let wheel = std::fs::read_dir(&wheels)
        .map_err(|e| format!("no demisto-sdk wheel in {}: {e}", wheels.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("demisto_sdk-") && n.ends_with(".whl"))
        })
        .ok_or_else(|| format!("no demisto-sdk wheel in {}", wheels.display()))?;
    Ok((python, wheel))
}

#[test]
fn manifest_and_pack_pass_demisto_sdks_schemas() {
    let (python, wheel) = match validator() {
        Ok(found) => found,
        Err(why) => {
            if std::env::var_os("OKTA_IAM_REQUIRE_SCHEMAS").is_some() {
                panic!("{why}, and OKTA_IAM_REQUIRE_SCHEMAS is set");
            }
            eprintln!("skipped: {why}");
            return;
        }
    };
    let dir = temp_dir("schemas");
    let manifest = Command::new(binary())
        .args(["manifest", "--docker-image", "example/okta-iam:1.2.3"])
        .output()
        .expect("okta-iam manifest");
    assert!(manifest.status.success());
    let manifest_path = dir.join("manifest.yml");
    std::fs::write(&manifest_path, &manifest.stdout).unwrap();
    let pack = Command::new(binary())
        .arg("pack")
        .arg(dir.join("out"))
        .output()
        .expect("okta-iam pack");
    assert!(
        pack.status.success(),
        "{}",
        String::from_utf8_lossy(&pack.stderr)
    );
    let pack_dir = dir.join("out/OktaIAMDaemon");
    let mut items = vec![
        format!("integration={}", manifest_path.display()),
        format!(
            "integration={}",
            pack_dir
                .join("Integrations/integration-OktaIAMDaemon.yml")
                .display()
        ),
    ];
    let mut classifiers = 0;
    for entry in std::fs::read_dir(pack_dir.join("Classifiers")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let kind = if name.starts_with("classifier-mapper-") {
            "mapper"
        } else {
            "classifier"
        };
        classifiers += usize::from(kind == "classifier");
        items.push(format!("{kind}={}", path.display()));
    }
    assert_eq!(classifiers, 1);
    assert_eq!(items.len(), 6, "{items:?}");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsoar/validate.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(&wheel)
        .args(&items)
        .output()
        .expect("run the validator");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report.matches("valid ").count(), 6, "{report}");

    // The validator is not a rubber stamp: a manifest without its script fails.
    let broken = String::from_utf8_lossy(&manifest.stdout).replace("  type: python\n", "");
    let broken_path = dir.join("broken.yml");
    std::fs::write(&broken_path, broken).unwrap();
    let output = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsoar/validate.py"))
        .arg(&wheel)
        .arg(format!("integration={}", broken_path.display()))
        .output()
        .expect("run the validator");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_scim_mappers_pass_demisto_sdks_mapper_schema() {
    let (python, wheel) = match validator() {
        Ok(found) => found,
        Err(why) => {
            if std::env::var_os("OKTA_IAM_REQUIRE_SCHEMAS").is_some() {
                panic!("{why}, and OKTA_IAM_REQUIRE_SCHEMAS is set");
            }
            eprintln!("skipped: {why}");
            return;
        }
    };
    let mappers = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappers");
    let items: Vec<String> = [
        "classifier-mapper-incoming-User-Profile-SCIM.json",
        "classifier-mapper-outgoing-SCIM-User-Profile.json",
    ]
    .iter()
    .map(|name| format!("mapper={}", mappers.join(name).display()))
    .collect();
    let output = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsoar/validate.py"))
        .arg(&wheel)
        .args(&items)
        .output()
        .expect("run the validator");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report.matches("valid ").count(), 2, "{report}");
}

/// `manifest --vendor scim` and the SCIM pack (no fetch: no classifier, no incident mapper)
/// against demisto-sdk's integration and mapper schemas.
#[test]
fn the_scim_manifest_and_pack_pass_demisto_sdks_schemas() {
    let (python, wheel) = match validator() {
        Ok(found) => found,
        Err(why) => {
            if std::env::var_os("OKTA_IAM_REQUIRE_SCHEMAS").is_some() {
                panic!("{why}, and OKTA_IAM_REQUIRE_SCHEMAS is set");
            }
            eprintln!("skipped: {why}");
            return;
        }
    };
    let dir = temp_dir("scim-schemas");
    let manifest = Command::new(binary())
        .args([
            "manifest",
            "--vendor",
            "scim",
            "--docker-image",
            "example/okta-iam:1.2.3",
        ])
        .output()
        .expect("okta-iam manifest --vendor scim");
    assert!(manifest.status.success());
    let manifest_path = dir.join("manifest.yml");
    std::fs::write(&manifest_path, &manifest.stdout).unwrap();
    let pack = Command::new(binary())
        .args(["pack", "--vendor", "scim"])
        .arg(dir.join("out"))
        .output()
        .expect("okta-iam pack --vendor scim");
    assert!(
        pack.status.success(),
        "{}",
        String::from_utf8_lossy(&pack.stderr)
    );
    let pack_dir = dir.join("out/ScimIAMDaemon");
    let mut items = vec![
        format!("integration={}", manifest_path.display()),
        format!(
            "integration={}",
            pack_dir
                .join("Integrations/integration-ScimIAMDaemon.yml")
                .display()
        ),
    ];
    let mut classifier_files: Vec<String> = std::fs::read_dir(pack_dir.join("Classifiers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
        .collect();
    classifier_files.sort();
    assert_eq!(
        classifier_files,
        [
            "classifier-mapper-incoming-User-Profile-SCIM.json",
            "classifier-mapper-outgoing-SCIM-User-Profile.json"
        ]
    );
    for name in &classifier_files {
        items.push(format!(
            "mapper={}",
            pack_dir.join("Classifiers").join(name).display()
        ));
    }
    let output = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsoar/validate.py"))
        .arg(&wheel)
        .args(&items)
        .output()
        .expect("run the validator");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report.matches("valid ").count(), 4, "{report}");
}
