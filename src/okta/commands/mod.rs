//! Okta's own command families (the shared IAM ones live in [`crate::commands`]).
//!
//! - [`apps`]: `okta-get-app-user-assignment`, `okta-iam-list-applications`,
//!   `okta-iam-list-user-applications`.
//! - [`config`]: `okta-iam-get-configuration`, `okta-iam-set-configuration`.
//! - [`logs`]: `okta-get-logs` (System Log pages streamed, spooled when large).
//! - [`fetch`]: `fetch-incidents` (System Log cursor, exactly-once delivery) and its settings.
//!
//! Their handlers get the Okta client with [`crate::okta::vendor::client`].

pub mod apps;
pub mod config;
pub mod fetch;
pub mod logs;
