//! The options and runners of `okta-iam manifest` and `okta-iam pack` (the command line
//! itself lives in `cli.rs`).

use std::path::PathBuf;

use clap::Args as ClapArgs;

use super::{manifest, pack, VendorPackage, DEFAULT_DOCKER_IMAGE};

/// Options of `manifest` (and, flattened, `pack`).
#[derive(Debug, Clone, ClapArgs)]
pub struct PackageOptions {
    /// The Docker image XSOAR runs the integration in (the image built from the repository's
    /// Dockerfile).
    #[arg(
        long,
        value_name = "IMAGE",
        default_value = DEFAULT_DOCKER_IMAGE,
        value_parser = clap::builder::NonEmptyStringValueParser::new()
    )]
    pub docker_image: String,
    /// The vendor whose integration this is: `okta`, or `scim`.
    #[arg(long, value_name = "NAME", default_value = crate::vendors::DEFAULT, value_parser = crate::vendors::parse_name)]
    pub vendor: String,
}

impl PackageOptions {
    /// The package of the vendor `--vendor` names (checked when parsed).
    pub fn package(&self) -> VendorPackage {
        crate::vendors::registry()
            .find(&self.vendor)
            .unwrap_or(crate::vendors::default_vendor())
            .package()
    }
}

/// Options of `pack`.
#[derive(Debug, Clone, ClapArgs)]
pub struct PackOptions {
    #[command(flatten)]
    pub package: PackageOptions,
    /// The directory to write the pack into (created when missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `okta-iam manifest`: 0 when printed, 2 when the manifest cannot be written as YAML.
pub fn run_manifest(options: &PackageOptions) -> u8 {
    match manifest::integration_yaml(&options.package(), &options.docker_image) {
        Ok(yaml) => {
            print!("{yaml}");
            0
        }
        Err(error) => {
            eprintln!("okta-iam: cannot write the manifest as YAML: {error}");
            2
        }
    }
}

/// `okta-iam pack DIR`: 0 when written, 2 when a file cannot be written.
pub fn run_pack(options: &PackOptions) -> u8 {
    match pack::write_pack(
        &options.package.package(),
        &options.package.docker_image,
        &options.dir,
    ) {
        Ok(written) => {
            println!("wrote the pack {}", written.dir.display());
            for file in &written.files {
                println!("  {file}");
            }
            println!(
                "wrote {} (Marketplace > Upload pack)",
                written.zip.display()
            );
            0
        }
        Err(error) => {
            eprintln!("okta-iam: {error}");
            2
        }
    }
}
