//! Faults to inject into upcoming requests, and the queue that hands them out.

use std::time::Duration;

use crate::http::Request;

/// A fault to inject into upcoming requests (see [`FaultQueue::push`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// This status with the vendor's error body (Okta: `E0000009` for 5xx, …).
    Status(u16),
    /// 429 with the rate-limit headers saying none is left and a reset one second ahead.
    RateLimit,
    /// 429 with a limit of 0 and none left (Okta's concurrency limit).
    ConcurrencyLimit,
    /// This status with an HTML body.
    NonJson(u16),
    /// The request is processed; the response announces a longer `Content-Length` than the
    /// bytes sent (half the body), then the connection is closed.
    Truncated,
    /// The connection is closed without a response (the request is not processed).
    Drop,
    /// Wait, then answer normally.
    Delay(Duration),
}

/// One queued fault: for requests with this method (any when `None`) whose path starts with
/// `prefix` (any path for `"*"`), `remaining` more times.
#[derive(Clone, Debug)]
pub struct FaultRule {
    pub method: Option<String>,
    pub prefix: String,
    pub fault: Fault,
    pub remaining: usize,
}

/// The faults queued for upcoming requests, tried in the order added.
#[derive(Clone, Debug, Default)]
pub struct FaultQueue {
    rules: Vec<FaultRule>,
}

impl FaultQueue {
    /// The next `times` requests whose path starts with `matcher` (or any request for `"*"`)
    /// get `fault`. A matcher may start with a method: `"POST /api/v1/users"`.
    pub fn push(&mut self, matcher: &str, fault: Fault, times: usize) {
        if times == 0 {
            return;
        }
        let (method, prefix) = match matcher.split_once(' ') {
            Some((m, p)) if !m.is_empty() && m.chars().all(|c| c.is_ascii_uppercase()) => {
                (Some(m.to_string()), p.trim().to_string())
            }
            _ => (None, matcher.to_string()),
        };
        self.rules.push(FaultRule {
            method,
            prefix,
            fault,
            remaining: times,
        });
    }

    /// Takes the first queued fault matching `req`, if any.
    pub fn take(&mut self, req: &Request) -> Option<Fault> {
        let pos = self.rules.iter().position(|r| {
            r.remaining > 0
                && r.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(&req.method))
                && (r.prefix == "*" || req.path.starts_with(&r.prefix))
        })?;
        let rule = &mut self.rules[pos];
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            self.rules.remove(pos);
        }
        Some(fault)
    }

    /// Drops every queued fault.
    pub fn clear(&mut self) {
        self.rules.clear();
    }
}
