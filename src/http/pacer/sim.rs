//! A simulated server bucket on a virtual clock, for the pacer's tests (here and in
//! [`crate::http::pacer_file`]): fixed windows that start with their first request, as the
//! fake Okta's and, as far as its headers tell, Okta's.

use std::time::Duration;

use tokio::time::Instant;

use crate::http::pacer::Budget;

/// Whole seconds (test values are small and positive).
fn whole(seconds: f64) -> i64 {
    i64::try_from(Duration::from_secs_f64(seconds).as_secs()).unwrap()
}

/// A server whose clock reads `local + clock_at_t0` and whose windows of `limit` requests
/// last `window` whole seconds from their first request.
pub struct FakeServer {
    pub t0: Instant,
    /// The server's clock at `t0`, epoch seconds.
    pub clock_at_t0: f64,
    limit: u64,
    window: Duration,
    used: u64,
    ends: Option<Instant>,
    /// The requests accepted in each window so far, oldest first.
    pub accepted: Vec<u64>,
    /// When each window opened, oldest first.
    pub opened: Vec<Instant>,
}

impl FakeServer {
    pub fn new(limit: u64, window: u64) -> Self {
        FakeServer {
            t0: Instant::now(),
            clock_at_t0: 1_000.3,
            limit,
            window: Duration::from_secs(window),
            used: 0,
            ends: None,
            accepted: Vec::new(),
            opened: Vec::new(),
        }
    }

    fn server_secs(&self, at: Instant) -> f64 {
        self.clock_at_t0 + (at - self.t0).as_secs_f64()
    }

    /// One request arriving at `at`: `(accepted, budget)`.
    pub fn request(&mut self, at: Instant) -> (bool, Budget) {
        if self.ends.is_none_or(|end| at >= end) {
            self.ends = Some(at + self.window);
            self.used = 0;
            self.accepted.push(0);
            self.opened.push(at);
        }
        let accepted = self.used < self.limit;
        if accepted {
            self.used += 1;
            *self.accepted.last_mut().unwrap() += 1;
        }
        let end = self.server_secs(self.ends.unwrap());
        (
            accepted,
            Budget {
                limit: self.limit,
                remaining: self.limit - self.used,
                resets_at: whole(end.ceil()),
                server_date: whole(self.server_secs(at).floor()),
            },
        )
    }

    /// How long after the end of each window but the last the next one opened.
    pub fn gaps(&self) -> Vec<Duration> {
        self.opened
            .windows(2)
            .map(|w| w[1] - w[0] - self.window)
            .collect()
    }

    /// The windows before the last that accepted fewer than the limit: requests left unused.
    pub fn unused(&self) -> u64 {
        let full = self.accepted.len().saturating_sub(1);
        self.accepted[..full].iter().map(|n| self.limit - n).sum()
    }
}
