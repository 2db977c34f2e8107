//! `/api/v1/meta/schemas`: the user schema (for `get-mapping-fields`).

use serde_json::Value;

use crate::http::transport::Method;
use crate::okta::client::Client;
use crate::okta::error::OktaError;
use crate::okta::path::route;

/// The schemas API. Get one with [`Client::schemas`].
#[derive(Clone, Copy, Debug)]
pub struct Schemas<'a> {
    client: &'a Client,
}

impl<'a> Schemas<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Schemas { client }
    }

    /// `GET meta/schemas/user/default`.
    pub async fn user_default(&self) -> Result<Value, OktaError> {
        let route = route("meta/schemas/user/default", &[])?;
        self.client
            .json(self.client.call(Method::Get, &route, &[]))
            .await
    }
}
