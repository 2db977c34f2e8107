//! [`Deadline`]: when everything a command sends, retries and waits for must be done.

use std::time::Duration;

use tokio::time::Instant;

/// The end of a command's time budget, with the budget's length (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// When the time runs out.
    pub ends: Instant,
    /// The length of the limit that ends then.
    pub limit: Duration,
}

impl Deadline {
    /// `limit` from `now`.
    pub fn after(now: Instant, limit: Duration) -> Deadline {
        Deadline {
            ends: now + limit,
            limit,
        }
    }

    /// This deadline brought forward to at most `limit` from `now` (a check that must
    /// answer quickly whatever the network does); the limit named is the one that ends first.
    pub fn within(self, now: Instant, limit: Duration) -> Deadline {
        match now.checked_add(limit) {
            Some(cap) if cap < self.ends => Deadline { ends: cap, limit },
            _ => self,
        }
    }

    /// The time left at `now` (zero once past).
    pub fn left(&self, now: Instant) -> Duration {
        self.ends.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_keeps_the_earlier_end_and_names_its_limit() {
        let now = Instant::now();
        let command = Deadline::after(now, Duration::from_secs(120));
        let quick = command.within(now, Duration::from_secs(15));
        assert_eq!(quick, Deadline::after(now, Duration::from_secs(15)));
        assert_eq!(command.within(now, Duration::from_secs(300)), command);
        assert_eq!(quick.left(now + Duration::from_secs(20)), Duration::ZERO);
        assert_eq!(
            quick.left(now + Duration::from_secs(5)),
            Duration::from_secs(10)
        );
    }
}
