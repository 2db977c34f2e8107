//! How a request is authorised: the seam between a client's request loop and the
//! credentials.
//!
//! A vendor's client asks its [`AuthProvider`] for the headers of every attempt
//! ([`AuthProvider::authorize`]) and shows it every answer that is not a success
//! ([`AuthProvider::on_rejection`]). `E` is the vendor's error type, which a provider may
//! fail a call with. The implementations are the vendor's (Okta's API token and OAuth 2.0
//! with DPoP are in `okta::auth`).

use tokio::time::Instant;
use url::Url;

use crate::http::transport::{BoxFuture, HttpResponse, Method};

/// What the client does with an answer its provider looked at.
#[derive(Debug)]
pub enum Verdict<E> {
    /// Nothing for authentication to do: the client's usual handling.
    Ordinary,
    /// Send the request again with fresh headers (a new DPoP nonce, a renewed token).
    Retry,
    /// Fail the call with this error (a missing scope, a rejected proof).
    Fail(E),
}

/// The credentials behind every request of a client.
pub trait AuthProvider<E>: Send + Sync {
    /// The headers that authorise one attempt of `method url` (lowercase names):
    /// `authorization`, and `dpop` when proofs are in use. May fetch a token first; must be
    /// done by `deadline`.
    fn authorize<'a>(
        &'a self,
        method: Method,
        url: &'a Url,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, E>>;

    /// Looks at a non-2xx answer to a request sent with `sent` (the headers `authorize`
    /// gave). `retried` is how many times this call was already retried on its word.
    fn on_rejection(
        &self,
        response: &HttpResponse,
        sent: &[(String, String)],
        retried: u32,
    ) -> Verdict<E>;

    /// The provider itself, so its vendor can reach what only it knows (Okta: the OAuth
    /// token kept between executions).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// The answer with every credential the request carried (the token after the scheme of
/// `authorization`, the `dpop` proof) replaced by `***` in its body, in case a proxy or
/// server echoed them into an error. Borrowed unchanged when nothing was echoed.
pub fn without_echoed_credentials<'a>(
    response: &'a HttpResponse,
    sent: &[(String, String)],
) -> std::borrow::Cow<'a, HttpResponse> {
    let secrets: Vec<&str> = sent
        .iter()
        .filter_map(|(name, value)| match name.as_str() {
            "authorization" => value.split_once(' ').map(|(_, secret)| secret),
            "dpop" => Some(value.as_str()),
            _ => None,
        })
        .filter(|secret| secret.len() >= 8)
        .collect();
    let body = String::from_utf8_lossy(&response.body);
    if !secrets.iter().any(|secret| body.contains(secret)) {
        return std::borrow::Cow::Borrowed(response);
    }
    let mut text = body.into_owned();
    for secret in secrets {
        text = text.replace(secret, "***");
    }
    let mut scrubbed = response.clone();
    scrubbed.body = text.into_bytes();
    std::borrow::Cow::Owned(scrubbed)
}
