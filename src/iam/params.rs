//! The instance params every IAM integration declares, whatever the vendor: the transport
//! switches, the four gates, `create-if-not-exists` and the user-profile mappers. Each
//! vendor's param list places them after its own connection params
//! ([`crate::catalogue::concat_params`]); only the mapper defaults differ.

use crate::catalogue::{param, ParamSpec};

/// How many params [`shared`] returns.
pub const SHARED_COUNT: usize = 9;

/// The shared IAM params, in manifest order, with `mapper-in` and `mapper-out` defaulting to
/// the vendor's embedded mappers.
pub const fn shared(
    mapper_in: &'static str,
    mapper_out: &'static str,
) -> [ParamSpec; SHARED_COUNT] {
    [
        param("insecure", "Trust any certificate (not secure)", 8),
        param("proxy", "Use system proxy settings", 8),
        param("create-user-enabled", "Allow creating users", 8).default_value("true"),
        param("update-user-enabled", "Allow updating users", 8).default_value("true"),
        param("enable-user-enabled", "Allow enabling users", 8).default_value("true"),
        param("disable-user-enabled", "Allow disabling users", 8).default_value("true"),
        param(
            "create-if-not-exists",
            "Automatically create user if not found in update command",
            8,
        )
        .default_value("true"),
        param("mapper-in", "Incoming Mapper", 0)
            .required()
            .default_value(mapper_in),
        param("mapper-out", "Outgoing Mapper", 0)
            .required()
            .default_value(mapper_out),
    ]
}

#[cfg(test)]
mod tests {

    /// Every registered vendor declares the shared params once, in the same order, with its
    /// own mappers as the defaults.
    #[test]
    fn every_vendor_declares_the_shared_params_with_its_own_mappers() {
        for vendor in crate::vendors::registry().vendors() {
            let package = vendor.package();
            let names: Vec<&str> = package.params.iter().map(|p| p.name).collect();
            let start = names.iter().position(|n| *n == "insecure").unwrap();
            let expected = super::shared("in", "out");
            for (offset, spec) in expected.iter().enumerate() {
                assert_eq!(names[start + offset], spec.name, "{}", vendor.name());
                assert_eq!(names.iter().filter(|n| **n == spec.name).count(), 1);
            }
            let default_of = |name: &str| {
                package
                    .params
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.default)
                    .unwrap()
            };
            assert_eq!(default_of("mapper-in"), package.profile_mappers.incoming.id);
            assert_eq!(
                default_of("mapper-out"),
                package.profile_mappers.outgoing.id
            );
        }
    }
}
