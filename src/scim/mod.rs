//! SCIM 2.0 (RFC 7643/7644) as a vendor (`--vendor scim`): params, client, connector and
//! mappers.
//!
//! - [`vendor`]: the vendor (package, HTTP cores per configuration, `test-module`), as
//!   registered in [`crate::vendors::registry`].
//! - [`params`]: the instance params (`url`, `credentials`, `auth_type`, `preset`,
//!   `update_method`, `disable_method`, `lookup_attributes`, `extension_schemas`) read and
//!   checked into [`params::ScimSettings`]; every error names its param.
//! - [`preset`]: what each `preset` (`rfc`, `github`, `atlassian`, `aws`, `slack`) sets the
//!   defaults of.
//! - [`filter`]: filter expressions built so that no value can change them.
//! - [`path`]: ids as one percent-encoded path segment.
//! - [`policy`]: the request loop's rules (create sent once, `Retry-After`, redaction).
//! - [`client`]: `/Users`, `/Groups`, `/Schemas`, `/ServiceProviderConfig`; ListResponse
//!   paging, `If-Match` with one re-read on 412.
//! - [`connector`]: the IAM layer's [`crate::iam::Connector`] on the client, per preset.
//! - [`resource`]: the mapped profile as a SCIM User and back; the embedded mappers.
//! - [`schemas`]: `get-mapping-fields` from `/Schemas`, or RFC 7643's core User schema.
//! - [`error`]: SCIM error bodies (`urn:ietf:params:scim:api:messages:2.0:Error`) turned into
//!   an error code and a message a person can act on.

pub mod client;
pub mod connector;
pub mod error;
pub mod filter;
pub mod params;
pub mod path;
pub mod policy;
pub mod preset;
pub mod resource;
pub mod schemas;
pub mod vendor;
