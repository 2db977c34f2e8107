//! The Okta client against loopback servers: requests, errors, pagination, retries, OAuth,
//! secrets in logs, proxies, network edges, record and replay.

mod cassette;
mod network_edges;
mod okta_client;
mod okta_oauth;
mod pagination;
mod proxy;
mod retries;
mod scim_client;
mod scim_connector;
mod scim_hostile;
mod scim_presets;
mod scim_server;
mod secrets;
