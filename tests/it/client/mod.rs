//! The Okta client against loopback servers: requests, errors, pagination, retries, OAuth,
//! secrets in logs, proxies, record and replay.

mod cassette;
mod okta_client;
mod okta_oauth;
mod pagination;
mod proxy;
mod retries;
mod secrets;
