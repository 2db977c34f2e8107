//! Docs generated from code stay in sync: `docs/commands.md` (Okta) and
//! `docs/scim-commands.md` (SCIM) are the catalogue's rendering for each vendor.
//! `OKTA_IAM_UPDATE_DOCS=1 cargo test --test it binary::docs` rewrites the files.

use okta_iam::vendor::Vendor;

/// Each vendor's generated commands doc, in sync with its catalogue.
fn check_commands_doc(vendor: &dyn Vendor, file: &str) {
    let path = format!("{}/docs/{file}", env!("CARGO_MANIFEST_DIR"));
    let expected = okta_iam::catalogue::commands_markdown(vendor);
    if std::env::var_os("OKTA_IAM_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("write the commands doc");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/{file} is out of date: run `OKTA_IAM_UPDATE_DOCS=1 cargo test --test it binary::docs`"
    );
}

#[test]
fn commands_md_matches_the_catalogue() {
    check_commands_doc(&okta_iam::okta::vendor::OKTA, "commands.md");
}

#[test]
fn scim_commands_md_matches_the_catalogue() {
    check_commands_doc(&okta_iam::scim::vendor::SCIM, "scim-commands.md");
}

fn manifest_of(vendor: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_okta-iam"))
        .args(["manifest", "--vendor", vendor])
        .output()
        .expect("run okta-iam manifest");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn manifest_names_every_catalogued_command() {
    for (vendor, id) in [
        (&okta_iam::okta::vendor::OKTA as &dyn Vendor, "Okta IAM"),
        (&okta_iam::scim::vendor::SCIM, "SCIM IAM"),
    ] {
        let manifest = manifest_of(vendor.name());
        assert!(manifest.starts_with(&format!("commonfields:\n  id: {id}\n")));
        for spec in okta_iam::catalogue::all(vendor)
            .iter()
            .filter(|c| !c.internal)
        {
            assert!(
                manifest.contains(&format!("  - name: {}\n", spec.name)),
                "{}",
                spec.name
            );
        }
    }
}

/// SCIM serves the shared IAM commands only: none of Okta's own is listed anywhere.
#[test]
fn scim_offers_no_okta_command() {
    let manifest = manifest_of("scim");
    let listing = std::process::Command::new(env!("CARGO_BIN_EXE_okta-iam"))
        .args(["commands", "--vendor", "scim"])
        .output()
        .expect("run okta-iam commands");
    let listing = String::from_utf8(listing.stdout).unwrap();
    let doc = okta_iam::catalogue::commands_markdown(&okta_iam::scim::vendor::SCIM);
    for okta_only in okta_iam::catalogue::all(&okta_iam::okta::vendor::OKTA)
        .iter()
        .filter(|c| okta_iam::scim::vendor::SCIM.find(c.name).is_none())
    {
        assert!(!manifest.contains(okta_only.name), "{}", okta_only.name);
        assert!(!listing.contains(okta_only.name), "{}", okta_only.name);
        assert!(!doc.contains(okta_only.name), "{}", okta_only.name);
    }
    for shared in [
        "iam-get-user",
        "iam-get-group",
        "get-mapping-fields",
        "test-module",
    ] {
        assert!(listing.contains(shared), "{shared}");
    }
}
