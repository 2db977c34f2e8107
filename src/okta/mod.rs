//! Async Okta Management API v1 client. Filled in by the client work.
