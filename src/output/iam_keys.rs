//! The 13 IAM output keys: the one definition of their names, XSOAR types and descriptions.
//!
//! Everything that lists them takes them from here: the result object ([`RESULT_ORDER`]),
//! the table headers ([`TABLE_HEADERS`], [`SKIP_HEADERS`]), `iam-get-group`'s output order
//! ([`TABLE_HEADERS`] then its own two keys) and the manifest's `IAM.Vendor.*` outputs
//! ([`VENDOR_OUTPUTS`]).

use crate::catalogue::OutputSpec;

/// Declares the keys once, in the manifest's order, with the `IAM.Vendor.*` output of each.
macro_rules! iam_keys {
    ($($key:ident => $name:literal, $kind:literal, $description:literal;)*) => {
        /// One IAM output key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum IamKey {
            $($key),*
        }

        impl IamKey {
            /// Every key, in the manifest's order.
            pub const ALL: &'static [IamKey] = &[$(IamKey::$key),*];

            /// The key as written in the result object and the context.
            pub const fn name(self) -> &'static str {
                match self {
                    $(IamKey::$key => $name),*
                }
            }
        }

        /// The `IAM.Vendor.*` context outputs of the IAM user commands, for the manifest.
        pub const VENDOR_OUTPUTS: &[OutputSpec] = &[
            $(OutputSpec::new(concat!("IAM.Vendor.", $name), $kind, $description)),*
        ];
    };
}

iam_keys! {
    Active => "active", "Boolean", "When true, indicates that the employee's status is active in the 3rd-party integration.";
    Brand => "brand", "String", "Name of the integration.";
    Details => "details", "string", "Provides the raw data from the 3rd-party integration.";
    Email => "email", "String", "The employee's email address.";
    ErrorCode => "errorCode", "Number", "HTTP error response code.";
    ErrorMessage => "errorMessage", "String", "Reason why the API failed.";
    Id => "id", "String", "The employee's user ID in the app.";
    InstanceName => "instanceName", "string", "Name of the integration instance.";
    Success => "success", "Boolean", "When true, indicates that the command was executed successfully.";
    Username => "username", "String", "The employee's username in the app.";
    Action => "action", "String", "The action taken: get, create, update, disable or enable.";
    Skipped => "skipped", "Boolean", "When true, the command was skipped (see reason).";
    Reason => "reason", "String", "Why the command was skipped.";
}

/// The key order of the result object (IAMApiModule's `IAMVendorActionResult`).
pub const RESULT_ORDER: &[IamKey] = &[
    IamKey::Brand,
    IamKey::InstanceName,
    IamKey::Action,
    IamKey::Success,
    IamKey::Active,
    IamKey::Id,
    IamKey::Username,
    IamKey::Email,
    IamKey::ErrorCode,
    IamKey::ErrorMessage,
    IamKey::Details,
    IamKey::Skipped,
    IamKey::Reason,
];

/// The table headers of a result that is not a skip; also the first keys of
/// `iam-get-group`'s output, in this order.
pub const TABLE_HEADERS: &[IamKey] = &[
    IamKey::Brand,
    IamKey::InstanceName,
    IamKey::Success,
    IamKey::Active,
    IamKey::Id,
    IamKey::Username,
    IamKey::Email,
    IamKey::ErrorCode,
    IamKey::ErrorMessage,
    IamKey::Details,
];

/// The table headers of a skip.
pub const SKIP_HEADERS: &[IamKey] = &[
    IamKey::Brand,
    IamKey::InstanceName,
    IamKey::Skipped,
    IamKey::Reason,
];

/// The names of `keys`, in order.
pub fn names(keys: &[IamKey]) -> Vec<String> {
    keys.iter().map(|key| key.name().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_in_the_result_once_and_the_outputs_follow_the_keys() {
        assert_eq!(IamKey::ALL.len(), 13);
        for key in IamKey::ALL {
            assert_eq!(RESULT_ORDER.iter().filter(|k| *k == key).count(), 1);
        }
        for (key, output) in IamKey::ALL.iter().zip(VENDOR_OUTPUTS) {
            assert_eq!(output.path, format!("IAM.Vendor.{}", key.name()));
        }
        for header in TABLE_HEADERS.iter().chain(SKIP_HEADERS) {
            assert!(RESULT_ORDER.contains(header));
        }
    }
}
