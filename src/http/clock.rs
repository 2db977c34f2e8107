//! Time as the client sees it: "now" for deadlines and pacing, and the deliberate waits
//! (rate-limit waits, backoff, pacing delays).
//!
//! [`TokioClock`] is the default and follows tokio's clock, so it honours paused time in
//! tests that make no real I/O. Tests that talk to a real loopback server (wiremock) use
//! [`VirtualClock`]: its sleeps return at once and move its "now" forward, so a test can
//! assert the exact waits and the deadline without waiting and without pausing tokio's clock
//! (paused tokio time auto-advances while the runtime waits on real sockets, which would fire
//! request timeouts early).
//!
//! The in-flight request timeout is not a wait: the transport enforces it
//! ([`crate::http::Transport::send_within`]).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::http::transport::BoxFuture;

/// The client's source of time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()>;
}

/// tokio's clock (`tokio::time::Instant::now`, `tokio::time::sleep`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock for tests: `now()` is tokio's now plus everything slept so far; `sleep` records
/// the duration, moves the clock forward and returns at once.
#[derive(Debug, Default)]
pub struct VirtualClock {
    state: Mutex<VirtualState>,
}

#[derive(Debug, Default)]
struct VirtualState {
    offset: Duration,
    sleeps: Vec<Duration>,
}

impl VirtualClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The sum of all sleeps so far.
    pub fn slept(&self) -> Duration {
        self.lock().offset
    }

    /// Moves the clock forward without recording a sleep.
    pub fn advance(&self, by: Duration) {
        self.lock().offset += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VirtualState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        Instant::now() + self.lock().offset
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        {
            let mut state = self.lock();
            state.offset += duration;
            state.sleeps.push(duration);
        }
        Box::pin(tokio::task::yield_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn virtual_sleeps_move_now_and_are_recorded() {
        let clock = VirtualClock::new();
        let before = clock.now();
        clock.sleep(Duration::from_secs(30)).await;
        clock.sleep(Duration::from_secs(2)).await;
        assert!(clock.now() >= before + Duration::from_secs(32));
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(30), Duration::from_secs(2)]
        );
        assert_eq!(clock.slept(), Duration::from_secs(32));
    }

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_follows_paused_time() {
        let clock = TokioClock;
        let before = clock.now();
        clock.sleep(Duration::from_secs(60)).await;
        assert_eq!(clock.now() - before, Duration::from_secs(60));
    }
}
