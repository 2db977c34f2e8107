//! Name lookups for the HTTP client: a time limit, and errors that say what happened.
//!
//! [`TimedResolver`] wraps any [`reqwest::dns::Resolve`] (the system's `getaddrinfo` by
//! default, [`SystemResolver`]; tests inject their own, so no test ever asks the machine's
//! DNS server) and turns its outcome into a [`LookupError`]: the name does not exist, or the
//! DNS server did not answer within the limit (half the connect timeout, so the connection
//! itself still has time after a slow lookup).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::http::failure::seconds;

/// Why a name lookup failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupFailure {
    /// The name does not exist (or has no address).
    NotFound,
    /// No answer within the limit.
    NoAnswer(Duration),
    /// The resolver failed in another way (its words).
    Failed(String),
}

/// A failed lookup of `host`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupError {
    pub host: String,
    pub failure: LookupFailure,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = &self.host;
        match &self.failure {
            LookupFailure::NotFound => write!(f, "{host} does not resolve: check the url param"),
            LookupFailure::NoAnswer(limit) => write!(
                f,
                "the DNS server did not answer for {host} in {}: check this machine's DNS settings",
                seconds(*limit)
            ),
            LookupFailure::Failed(words) => write!(
                f,
                "looking up {host} failed ({words}): check the url param and this machine's DNS settings"
            ),
        }
    }
}

impl std::error::Error for LookupError {}

/// The system's resolver (`getaddrinfo`, through tokio's blocking pool).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map(|addrs| addrs.collect::<Vec<_>>());
            match found {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as Addrs),
                Err(error) => {
                    let words = error.to_string();
                    // glibc: EAI_AGAIN "Temporary failure in name resolution"; anything else
                    // (EAI_NONAME, EAI_NODATA, ...) means the name has no address.
                    let failure = if words.contains("Temporary failure") {
                        LookupFailure::Failed(words)
                    } else {
                        LookupFailure::NotFound
                    };
                    Err(Box::new(LookupError { host, failure }) as _)
                }
            }
        })
    }
}

/// Adds the time limit and the [`LookupError`] wording to another resolver.
#[derive(Clone)]
pub struct TimedResolver {
    inner: Arc<dyn Resolve>,
    limit: Duration,
}

impl fmt::Debug for TimedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimedResolver")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl TimedResolver {
    pub fn new(inner: Arc<dyn Resolve>, limit: Duration) -> Self {
        TimedResolver { inner, limit }
    }

    /// Looks `host` up (for the connection probe after a silent connect).
    pub async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, LookupError> {
        let name: Name = host.parse().map_err(|_| LookupError {
            host: host.to_owned(),
            failure: LookupFailure::NotFound,
        })?;
        match self.resolve(name).await {
            Ok(addrs) => Ok(addrs.collect()),
            Err(error) => Err(match error.downcast::<LookupError>() {
                Ok(lookup) => *lookup,
                Err(other) => LookupError {
                    host: host.to_owned(),
                    failure: LookupFailure::Failed(other.to_string()),
                },
            }),
        }
    }
}

impl Resolve for TimedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let limit = self.limit;
        let lookup = self.inner.resolve(name);
        Box::pin(async move {
            let failure = match tokio::time::timeout(limit, lookup).await {
                Err(_) => LookupFailure::NoAnswer(limit),
                Ok(Ok(addrs)) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    if !addrs.is_empty() {
                        return Ok(Box::new(addrs.into_iter()) as Addrs);
                    }
                    LookupFailure::NotFound
                }
                Ok(Err(error)) => match error.downcast::<LookupError>() {
                    Ok(lookup) => return Err(lookup as _),
                    Err(other) => match other.downcast::<std::io::Error>() {
                        Ok(io) if io.kind() == std::io::ErrorKind::NotFound => {
                            LookupFailure::NotFound
                        }
                        Ok(io) => LookupFailure::Failed(io.to_string()),
                        Err(other) => LookupFailure::Failed(other.to_string()),
                    },
                },
            };
            Err(Box::new(LookupError { host, failure }) as _)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Never;
    impl Resolve for Never {
        fn resolve(&self, _: Name) -> Resolving {
            Box::pin(std::future::pending())
        }
    }

    struct Nothing;
    impl Resolve for Nothing {
        fn resolve(&self, _: Name) -> Resolving {
            Box::pin(async { Ok(Box::new(std::iter::empty()) as Addrs) })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_dns_server_is_a_no_answer_after_the_limit() {
        let resolver = TimedResolver::new(Arc::new(Never), Duration::from_secs(5));
        let error = resolver.lookup("acme.okta.com").await.unwrap_err();
        assert_eq!(
            error.failure,
            LookupFailure::NoAnswer(Duration::from_secs(5))
        );
        assert_eq!(
            error.to_string(),
            "the DNS server did not answer for acme.okta.com in 5 s: check this machine's DNS settings"
        );
    }

    #[tokio::test]
    async fn no_address_is_not_found() {
        let resolver = TimedResolver::new(Arc::new(Nothing), Duration::from_secs(5));
        let error = resolver.lookup("acme.oktaa.com").await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "acme.oktaa.com does not resolve: check the url param"
        );
    }
}
