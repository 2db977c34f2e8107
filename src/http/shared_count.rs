//! The count of a rate-limit window's last requests, shared by the processes of one org
//! through the pacing file ([`crate::http::pacer_file`], under its lock).
//!
//! Each process's own count of a window lags the others' use by the requests they have in
//! flight, so near the end of a window processes either send too many (429s) or leave the
//! last requests unused (and a run of windows then needs one more window). In the tail of a
//! window ([`crate::http::pacer::Pacer::shared_tail`]) every request is first taken from this
//! count instead:
//!
//! - `lowest`: the lowest `Remaining` any answer of the window reported (the server counts
//!   every request of the org, ours and others');
//! - `pending`: requests taken from the count whose use no answer has shown yet, by the
//!   system-clock time they were taken;
//! - what is left is `lowest − pending`.
//!
//! An answer to a request sent at `t` has been counted after every request that reached the
//! server before it; requests go to the server in the order they were sent, so it shows the
//! use of every request taken before `t`: those leave `pending`. A request that overtakes
//! an earlier one can only make the count too high for a moment (a 429 at worst), never too
//! low (a request left unused). A taken request whose answer never comes (the process died,
//! the request failed before it was sent) stops counting after [`PENDING_FOR`].

use serde::{Deserialize, Serialize};

/// How long a taken request counts as pending at most when no answer shows its use.
pub const PENDING_FOR: f64 = 10.0;
/// The most pending requests kept (a bound on the file's size, whatever the processes do).
pub const MAX_PENDING: usize = 256;

/// One window's shared count. Times are system-clock epoch seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedCount {
    /// The window: its limit and its reset (server epoch seconds), as the answers give them.
    pub limit: u64,
    pub resets_at: i64,
    /// The lowest `Remaining` reported for the window.
    pub lowest: u64,
    /// When each request taken from the count and not yet seen in an answer was taken.
    pub pending: Vec<f64>,
}

impl SharedCount {
    /// A count started from what one process knows of the window (its own count: an upper
    /// bound of what is left).
    pub fn new(limit: u64, resets_at: i64, remaining: u64) -> Self {
        SharedCount {
            limit,
            resets_at,
            lowest: remaining.min(limit),
            pending: Vec::new(),
        }
    }

    /// Whether this is the count of the window `(limit, resets_at)`.
    pub fn is_of(&self, limit: u64, resets_at: i64) -> bool {
        self.limit == limit && self.resets_at == resets_at
    }

    /// The requests left to take at `now`.
    pub fn left(&self, now: f64) -> u64 {
        let pending = self.pending.iter().filter(|&&at| now - at < PENDING_FOR);
        self.lowest.saturating_sub(pending.count() as u64)
    }

    /// Takes one request at `now`, if one is left, and returns the time it is counted as
    /// taken at: never before a request taken earlier (clocks read by different processes
    /// may disagree by a little).
    pub fn take(&mut self, now: f64) -> Option<f64> {
        self.pending.retain(|&at| now - at < PENDING_FOR);
        if self.left(now) == 0 || self.pending.len() >= MAX_PENDING {
            return None;
        }
        let at = self.pending.iter().copied().fold(now, f64::max);
        self.pending.push(at);
        Some(at)
    }

    /// An answer of the window reporting `remaining`, to a request sent at `sent`.
    pub fn answered(&mut self, remaining: u64, sent: f64) {
        self.lowest = self.lowest.min(remaining);
        self.pending.retain(|&at| at > sent);
    }

    /// Whether the numbers can be believed (a file is read from a shared directory).
    pub fn is_plausible(&self) -> bool {
        self.limit > 0
            && self.lowest <= self.limit
            && self.pending.len() <= MAX_PENDING
            && self.pending.iter().all(|at| at.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_is_the_lowest_count_less_the_requests_not_yet_answered() {
        let mut count = SharedCount::new(100, 1_005, 3);
        assert_eq!(count.take(10.000), Some(10.000));
        assert_eq!(count.take(10.001), Some(10.001));
        assert_eq!(count.left(10.002), 1);
        // A clock read a little behind the last taker's: counted as taken after it.
        assert_eq!(count.take(10.0005), Some(10.001));
        assert_eq!(count.take(10.003), None, "the window is spent");
        // The first answer, to the request sent at 10.000 (taken just before): counted.
        count.answered(2, 10.0005);
        assert_eq!(count.left(10.004), 0);
        // Another client's answer, not taken from the count, lowers it.
        count.answered(1, 9.9);
        assert_eq!((count.lowest, count.pending.len()), (1, 2));
        // The answers of the other two.
        count.answered(0, 10.0015);
        assert_eq!((count.lowest, count.pending.len()), (0, 0));
    }

    #[test]
    fn an_answer_shows_the_use_of_every_request_taken_before_it_was_sent() {
        let mut count = SharedCount::new(100, 1_005, 10);
        for at in [1.0, 2.0, 3.0] {
            assert_eq!(count.take(at), Some(at));
        }
        // The request taken at 2.0 was sent at 2.5: the one taken at 1.0 reached the
        // server before it and is counted in its answer too; the one taken at 3.0 is not.
        count.answered(8, 2.5);
        assert_eq!(count.pending, vec![3.0]);
        assert_eq!(count.left(3.5), 7);
        // The answer to the request taken at 1.0 arrives late: it changes nothing.
        count.answered(9, 1.5);
        assert_eq!(count.left(3.5), 7);
    }

    #[test]
    fn a_request_never_answered_stops_counting() {
        let mut count = SharedCount::new(100, 1_005, 1);
        assert_eq!(count.take(100.0), Some(100.0));
        assert_eq!(count.left(100.0 + PENDING_FOR - 0.1), 0);
        assert_eq!(count.left(100.0 + PENDING_FOR), 1);
        assert_eq!(count.take(100.0 + PENDING_FOR), Some(100.0 + PENDING_FOR));
        assert_eq!(count.pending, vec![100.0 + PENDING_FOR]);
    }

    #[test]
    fn absurd_counts_are_not_believed() {
        assert!(SharedCount::new(100, 1_005, 5).is_plausible());
        assert!(!SharedCount::new(0, 1_005, 0).is_plausible());
        let mut count = SharedCount::new(100, 1_005, 5);
        count.lowest = 101;
        assert!(!count.is_plausible());
        count.lowest = 5;
        count.pending = vec![f64::NAN];
        assert!(!count.is_plausible());
        count.pending = vec![1.0; MAX_PENDING + 1];
        assert!(!count.is_plausible());
    }
}
