//! SCIM 2.0 (RFC 7643/7644) as a vendor: its pure protocol pieces.
//!
//! - [`params`]: the instance params (`url`, `credentials`, `auth_type`, `preset`,
//!   `update_method`, `disable_method`, `lookup_attributes`, `extension_schemas`) read and
//!   checked into [`params::ScimSettings`]; every error names its param.
//! - [`filter`]: filter expressions built so that no value can change them.
//! - [`path`]: ids as one percent-encoded path segment.
//! - [`error`]: SCIM error bodies (`urn:ietf:params:scim:api:messages:2.0:Error`) turned into
//!   an error code and a message a person can act on.

pub mod client;
pub mod error;
pub mod filter;
pub mod params;
pub mod path;
pub mod policy;
pub mod resource;
