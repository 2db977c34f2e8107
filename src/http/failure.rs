//! Why a request got no answer, in words a person can act on.
//!
//! [`classify`] reads a reqwest error's chain (the typed causes, never the `Debug` text of
//! Rust internals) and gives a [`TransportError`] whose kind drives the retry decision
//! ([`crate::http::retry`]) and whose message names the cause and the fix:
//!
//! | cause | kind | message |
//! |---|---|---|
//! | untrusted certificate | `Certificate` | `the TLS certificate of acme.okta.com is not trusted (self-signed or issued by an unknown authority); set insecure only for testing` |
//! | other TLS failure | `Tls` | `the TLS handshake with acme.okta.com:443 failed (...): check that the url param names an HTTPS server` |
//! | name does not resolve | `NameNotFound` | `acme.oktaa.com does not resolve: check the url param` |
//! | DNS server silent | `NameNoAnswer` | `the DNS server did not answer for acme.okta.com in 5 s: check this machine's DNS settings` |
//! | refused | `Refused` | `nothing listens on 127.0.0.1:9: check the url param` |
//! | accepted, then silent | `Silent` | `the server at 127.0.0.1:8443 accepted the connection but sent nothing in 10 s` |
//! | no connection in time | `Silent` | `127.0.0.1:8443 did not accept a connection in 10 s: check the url param and any firewall on the way` |
//! | answer over the size cap | `TooLarge` | `the answer is larger than the limit of 67108864 bytes (--max-response-bytes); stopped reading it` |

use std::error::Error as StdError;
use std::time::Duration;

use crate::http::resolve::{LookupError, LookupFailure};
use crate::http::transport::{TransportError, TransportErrorKind};

/// A duration for people: `10 s`, `0.5 s`, `1.3 s` (never `22.18752941 s`).
pub fn seconds(duration: Duration) -> String {
    let tenths = (duration.as_millis() + 50) / 100;
    if tenths.is_multiple_of(10) {
        format!("{} s", tenths / 10)
    } else {
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

/// Where the request was going, for the messages.
#[derive(Clone, Debug)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

impl Target {
    pub fn of(url: &url::Url) -> Target {
        Target {
            host: url.host_str().unwrap_or("").to_owned(),
            port: url.port_or_known_default().unwrap_or(443),
        }
    }

    fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The cause of a reqwest failure, when it is one of the named ones.
pub fn classify(error: &reqwest::Error, target: &Target) -> Option<TransportError> {
    let mut level: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(cause) = level {
        if let Some(lookup) = cause.downcast_ref::<LookupError>() {
            return Some(lookup_error(lookup));
        }
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls_error(tls, target));
        }
        // io::Error's source() skips the error it wraps (often another io::Error): look
        // inside, level by level.
        let mut io = cause.downcast_ref::<std::io::Error>();
        while let Some(error) = io {
            if error.kind() == std::io::ErrorKind::ConnectionRefused {
                return Some(refused(target));
            }
            let inner = error.get_ref();
            if let Some(tls) = inner.and_then(|e| e.downcast_ref::<rustls::Error>()) {
                return Some(tls_error(tls, target));
            }
            if let Some(lookup) = inner.and_then(|e| e.downcast_ref::<LookupError>()) {
                return Some(lookup_error(lookup));
            }
            io = inner.and_then(|e| e.downcast_ref::<std::io::Error>());
        }
        level = cause.source();
    }
    None
}

pub fn lookup_error(lookup: &LookupError) -> TransportError {
    let kind = match lookup.failure {
        LookupFailure::NoAnswer(_) => TransportErrorKind::NameNoAnswer,
        LookupFailure::NotFound | LookupFailure::Failed(_) => TransportErrorKind::NameNotFound,
    };
    TransportError::new(kind, lookup.to_string())
}

pub fn refused(target: &Target) -> TransportError {
    TransportError::new(
        TransportErrorKind::Refused,
        format!(
            "nothing listens on {}: check the url param",
            target.host_port()
        ),
    )
}

/// The server took the TCP connection but said nothing (no TLS handshake, no answer).
pub fn silent_after_accept(target: &Target, waited: Duration) -> TransportError {
    TransportError::new(
        TransportErrorKind::Silent,
        format!(
            "the server at {} accepted the connection but sent nothing in {}",
            target.host_port(),
            seconds(waited)
        ),
    )
}

/// Not even the TCP connection was made in time (a firewall dropping packets, a host down).
pub fn no_connection(target: &Target, waited: Duration) -> TransportError {
    TransportError::new(
        TransportErrorKind::Silent,
        format!(
            "{} did not accept a connection in {}: check the url param and any firewall on the way",
            target.host_port(),
            seconds(waited)
        ),
    )
}

pub fn too_large(limit: u64) -> TransportError {
    TransportError::new(
        TransportErrorKind::TooLarge,
        format!(
            "the answer is larger than the limit of {limit} bytes (--max-response-bytes); stopped reading it"
        ),
    )
}

fn tls_error(error: &rustls::Error, target: &Target) -> TransportError {
    use rustls::CertificateError as C;
    let why = match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            C::UnknownIssuer => "self-signed or issued by an unknown authority".to_owned(),
            C::Expired | C::ExpiredContext { .. } => "expired".to_owned(),
            C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".to_owned(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!("issued for another name than {}", target.host)
            }
            C::Revoked => "revoked".to_owned(),
            C::BadSignature => "its signature does not verify".to_owned(),
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                "not issued for TLS servers".to_owned()
            }
            C::Other(other) if format!("{other:?}").contains("CaUsedAsEndEntity") => {
                "self-signed: a CA certificate used as the server's own".to_owned()
            }
            _ => "rejected by the certificate check".to_owned(),
        },
        rustls::Error::NoCertificatesPresented => "the server presented none".to_owned(),
        other => {
            return TransportError::new(
                TransportErrorKind::Tls,
                format!(
                    "the TLS handshake with {} failed ({other}): check that the url param names an HTTPS server",
                    target.host_port()
                ),
            )
        }
    };
    TransportError::new(
        TransportErrorKind::Certificate,
        format!(
            "the TLS certificate of {} is not trusted ({why}); set insecure only for testing",
            target.host
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_short() {
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
        assert_eq!(seconds(Duration::from_nanos(22_187_529_410)), "22.2 s");
        assert_eq!(seconds(Duration::from_millis(19_960)), "20 s");
    }

    #[test]
    fn certificate_words() {
        let target = Target {
            host: "acme.okta.com".into(),
            port: 443,
        };
        let error = tls_error(
            &rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            &target,
        );
        assert_eq!(error.kind, TransportErrorKind::Certificate);
        assert_eq!(
            error.to_string(),
            "the TLS certificate of acme.okta.com is not trusted (self-signed or issued by an unknown authority); set insecure only for testing"
        );
        let error = tls_error(
            &rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
            &target,
        );
        assert!(error.message.contains("(expired)"), "{error}");
        let error = tls_error(&rustls::Error::HandshakeNotComplete, &target);
        assert_eq!(error.kind, TransportErrorKind::Tls);
        assert!(error.message.contains("acme.okta.com:443"), "{error}");
    }
}
