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
    let (venv, python) = common::scim_server::ci_venv()?;
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

/// The validator, or `None` after saying why the test skips (a failure when
/// `OKTA_IAM_REQUIRE_SCHEMAS` is set, as in CI).
fn validator_or_skip() -> Option<(PathBuf, PathBuf)> {
    match validator() {
        Ok(found) => Some(found),
        Err(why) => {
            if std::env::var_os("OKTA_IAM_REQUIRE_SCHEMAS").is_some() {
                panic!("{why}, and OKTA_IAM_REQUIRE_SCHEMAS is set");
            }
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Runs `tests/xsoar/validate.py` on `items` (`kind=path`); its output.
fn run_validator(python: &Path, wheel: &Path, items: &[String]) -> std::process::Output {
    Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsoar/validate.py"))
        .arg(wheel)
        .args(items)
        .output()
        .expect("run the validator")
}

/// Validates `items`, which must all pass; the report.
fn assert_valid(python: &Path, wheel: &Path, items: &[String]) -> String {
    let output = run_validator(python, wheel, items);
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report.matches("valid ").count(), items.len(), "{report}");
    report
}

/// `okta-iam manifest <vendor_args>` written to `dir/manifest.yml` and `okta-iam pack
/// <vendor_args> dir/out`: the manifest's bytes, and the items to validate for both
/// integrations (the printed manifest and the pack's `<stem>` integration).
fn manifest_and_pack(dir: &Path, vendor_args: &[&str], stem: &str) -> (Vec<u8>, Vec<String>) {
    let manifest = Command::new(binary())
        .arg("manifest")
        .args(vendor_args)
        .args(["--docker-image", "example/okta-iam:1.2.3"])
        .output()
        .expect("okta-iam manifest");
    assert!(manifest.status.success());
    let manifest_path = dir.join("manifest.yml");
    std::fs::write(&manifest_path, &manifest.stdout).unwrap();
    let pack = Command::new(binary())
        .arg("pack")
        .args(vendor_args)
        .arg(dir.join("out"))
        .output()
        .expect("okta-iam pack");
    assert!(
        pack.status.success(),
        "{}",
        String::from_utf8_lossy(&pack.stderr)
    );
    let integration = dir
        .join("out")
        .join(stem)
        .join(format!("Integrations/integration-{stem}.yml"));
    let items = vec![
        format!("integration={}", manifest_path.display()),
        format!("integration={}", integration.display()),
    ];
    (manifest.stdout, items)
}

#[test]
fn manifest_and_pack_pass_demisto_sdks_schemas() {
    let Some((python, wheel)) = validator_or_skip() else {
        return;
    };
    let dir = temp_dir("schemas");
    let (manifest, mut items) = manifest_and_pack(&dir, &[], "OktaIAMDaemon");
    let mut classifiers = 0;
    for entry in std::fs::read_dir(dir.join("out/OktaIAMDaemon/Classifiers")).unwrap() {
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
    assert_valid(&python, &wheel, &items);

    // The validator is not a rubber stamp: a manifest without its script fails.
    let broken = String::from_utf8_lossy(&manifest).replace("  type: python\n", "");
    let broken_path = dir.join("broken.yml");
    std::fs::write(&broken_path, broken).unwrap();
    let output = run_validator(
        &python,
        &wheel,
        &[format!("integration={}", broken_path.display())],
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_scim_mappers_pass_demisto_sdks_mapper_schema() {
    let Some((python, wheel)) = validator_or_skip() else {
        return;
    };
    let mappers = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappers");
    let items: Vec<String> = [
        "classifier-mapper-incoming-User-Profile-SCIM.json",
        "classifier-mapper-outgoing-SCIM-User-Profile.json",
    ]
    .iter()
    .map(|name| format!("mapper={}", mappers.join(name).display()))
    .collect();
    assert_valid(&python, &wheel, &items);
}

/// `manifest --vendor scim` and the SCIM pack (no fetch: no classifier, no incident mapper)
/// against demisto-sdk's integration and mapper schemas.
#[test]
fn the_scim_manifest_and_pack_pass_demisto_sdks_schemas() {
    let Some((python, wheel)) = validator_or_skip() else {
        return;
    };
    let dir = temp_dir("scim-schemas");
    let (_, mut items) = manifest_and_pack(&dir, &["--vendor", "scim"], "ScimIAMDaemon");
    let classifiers = dir.join("out/ScimIAMDaemon/Classifiers");
    let mut classifier_files: Vec<String> = std::fs::read_dir(&classifiers)
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
        items.push(format!("mapper={}", classifiers.join(name).display()));
    }
    assert_eq!(items.len(), 4, "{items:?}");
    assert_valid(&python, &wheel, &items);
}
