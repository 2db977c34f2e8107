//! How a request is authorised: the seam between a client's request loop and the
//! credentials.
//!
//! A vendor's client asks its [`AuthProvider`] for the headers of every attempt
//! ([`AuthProvider::authorize`]) and shows it every answer that is not a success
//! ([`AuthProvider::on_rejection`]). `E` is the vendor's error type, which a provider may
//! fail a call with. [`HeaderAuth`] is the neutral one (a fixed bearer, basic or vendor
//! scheme header: Okta's API token is `SSWS`); OAuth 2.0 with DPoP is Okta's, in
//! `okta::auth`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tokio::time::Instant;
use url::Url;

use crate::http::transport::{BoxFuture, HttpResponse, Method};
use crate::secret::Secret;

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

/// One fixed `Authorization` header on every request (`Bearer <token>`, `Basic <base64>`, or
/// a vendor's own scheme such as Okta's `SSWS <token>`); answers need nothing from it.
/// `Debug` shows the scheme only.
pub struct HeaderAuth {
    header: Secret,
}

impl HeaderAuth {
    /// `Authorization: <scheme> <credential>`.
    pub fn scheme(scheme: &str, credential: &Secret) -> Self {
        HeaderAuth {
            header: Secret::new(format!("{scheme} {}", credential.expose())),
        }
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &Secret) -> Self {
        HeaderAuth::scheme("Bearer", token)
    }

    /// `Authorization: Basic <base64(user:password)>` (RFC 7617, UTF-8).
    pub fn basic(user: &str, password: &Secret) -> Self {
        let pair = format!("{user}:{}", password.expose());
        HeaderAuth::scheme("Basic", &Secret::new(STANDARD.encode(pair)))
    }
}

impl std::fmt::Debug for HeaderAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = self.header.expose().split(' ').next().unwrap_or_default();
        write!(f, "HeaderAuth({scheme} ***)")
    }
}

impl<E> AuthProvider<E> for HeaderAuth {
    fn authorize<'a>(
        &'a self,
        _method: Method,
        _url: &'a Url,
        _deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, E>> {
        let headers = vec![("authorization".to_owned(), self.header.expose().to_owned())];
        Box::pin(async move { Ok(headers) })
    }

    fn on_rejection(&self, _: &HttpResponse, _: &[(String, String)], _: u32) -> Verdict<E> {
        Verdict::Ordinary
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn header_of(auth: &HeaderAuth) -> Vec<(String, String)> {
        let url: Url = "https://scim.example.com/v2/Users".parse().unwrap();
        AuthProvider::<String>::authorize(auth, Method::Get, &url, Instant::now())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn bearer_basic_and_vendor_schemes() {
        let bearer = HeaderAuth::bearer(&Secret::new("tok-123"));
        assert_eq!(
            header_of(&bearer).await,
            [("authorization".to_owned(), "Bearer tok-123".to_owned())]
        );
        // RFC 7617's example: Aladdin / open sesame.
        let basic = HeaderAuth::basic("Aladdin", &Secret::new("open sesame"));
        assert_eq!(
            header_of(&basic).await,
            [(
                "authorization".to_owned(),
                "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_owned()
            )]
        );
        let ssws = HeaderAuth::scheme("SSWS", &Secret::new("00abc"));
        assert_eq!(header_of(&ssws).await[0].1, "SSWS 00abc");
    }

    #[test]
    fn refusals_are_left_to_the_client_and_debug_hides_the_credential() {
        let auth = HeaderAuth::bearer(&Secret::new("tok-123456789"));
        let answer = HttpResponse {
            status: 401,
            headers: vec![],
            body: vec![],
        };
        assert!(matches!(
            AuthProvider::<String>::on_rejection(&auth, &answer, &[], 0),
            Verdict::Ordinary
        ));
        let shown = format!("{auth:?}");
        assert_eq!(shown, "HeaderAuth(Bearer ***)");
        assert!(AuthProvider::<String>::as_any(&auth).is::<HeaderAuth>());
    }
}
