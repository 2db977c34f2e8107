//! Docs generated from code stay in sync: `docs/commands.md` is the catalogue's rendering.
//! `OKTA_IAM_UPDATE_DOCS=1 cargo test --test it binary::docs` rewrites the file.

#[test]
fn commands_md_matches_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/commands.md");
    let expected = okta_iam::catalogue::commands_markdown(&okta_iam::okta::vendor::OKTA);
    if std::env::var_os("OKTA_IAM_UPDATE_DOCS").is_some() {
        std::fs::write(path, &expected).expect("write docs/commands.md");
        return;
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/commands.md is out of date: run `OKTA_IAM_UPDATE_DOCS=1 cargo test --test it binary::docs`"
    );
}

#[test]
fn manifest_names_every_catalogued_command() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_okta-iam"))
        .arg("manifest")
        .output()
        .expect("run okta-iam manifest");
    assert!(output.status.success());
    let manifest = String::from_utf8(output.stdout).unwrap();
    assert!(manifest.starts_with("commonfields:\n  id: Okta IAM\n"));
    for spec in okta_iam::catalogue::all(&okta_iam::okta::vendor::OKTA)
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
