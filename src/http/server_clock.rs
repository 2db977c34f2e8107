//! The server's wall clock as seen from here: the offset between a server's `Date` and the
//! local monotonic clock, measured from the answers, to place a rate-limit reset (server time,
//! whole seconds) on the local clock without a fixed safety second.
//!
//! Each answer bounds the offset: the server wrote `Date = D` (its time rounded down to the
//! second) at some moment between sending the request (`sent`) and reading the answer
//! (`received`), so `server − local` lies in `(D − received, D + 1 − sent)`. The intersection
//! over answers narrows quickly to about one round trip, since answers fall on every phase
//! of the server's second. The bounds widen by [`DRIFT_PER_SECOND`] between answers (clocks
//! drift), and an answer outside them (a server clock step, another server behind a balancer)
//! starts the estimate again from that answer alone.
//!
//! Times are `f64` seconds: server times as UTC epoch seconds, local ones as seconds since an
//! anchor instant (the first answer's `sent`).

use std::time::Duration;

use tokio::time::Instant;

/// How fast the bounds widen between answers: 100 ppm, far above any real clock's drift.
pub const DRIFT_PER_SECOND: f64 = 1e-4;

/// The offset `server − local` as an interval, narrowed by every answer.
#[derive(Clone, Copy, Debug)]
pub struct ServerClock {
    anchor: Instant,
    /// `server epoch seconds − local seconds since the anchor`: at least `lo`, at most `hi`.
    lo: f64,
    hi: f64,
    /// Local seconds of the last narrowing (for the drift allowance).
    last: f64,
}

impl ServerClock {
    /// The estimate from one answer: `date` (the server's `Date`, epoch seconds) written
    /// between `sent` and `received`.
    pub fn first(date: i64, sent: Instant, received: Instant) -> Self {
        let received_s = secs(received.saturating_duration_since(sent));
        ServerClock {
            anchor: sent,
            lo: date as f64 - received_s,
            hi: date as f64 + 1.0,
            last: received_s,
        }
    }

    /// Narrows the estimate with one more answer.
    pub fn observe(&mut self, date: i64, sent: Instant, received: Instant) {
        let (sent_s, received_s) = (self.local(sent), self.local(received));
        let drift = (received_s - self.last).max(0.0) * DRIFT_PER_SECOND;
        let (lo, hi) = (date as f64 - received_s, date as f64 + 1.0 - sent_s);
        let (new_lo, new_hi) = ((self.lo - drift).max(lo), (self.hi + drift).min(hi));
        if new_lo <= new_hi {
            (self.lo, self.hi) = (new_lo, new_hi);
        } else {
            tracing::debug!(
                date,
                "the server's Date disagrees with the clock estimate; measuring again"
            );
            (self.lo, self.hi) = (lo, hi);
        }
        self.last = self.last.max(received_s);
    }

    /// How well the offset is known (the width of the interval).
    pub fn uncertainty(&self) -> Duration {
        Duration::from_secs_f64((self.hi - self.lo).max(0.0))
    }

    /// The earliest local instant at which the server's clock has surely reached `server`
    /// (epoch seconds); now or earlier when it already has.
    pub fn local_when(&self, server: f64) -> Instant {
        self.at(server - self.lo)
    }

    /// The latest the server's clock can read at local instant `at` (epoch seconds).
    pub fn server_at_most(&self, at: Instant) -> f64 {
        self.local(at) + self.hi
    }

    /// The earliest the server's clock can read at local instant `at` (epoch seconds).
    pub fn server_at_least(&self, at: Instant) -> f64 {
        self.local(at) + self.lo
    }

    /// The offset bounds against another local clock: `server − other` where `other` reads
    /// `other_now` at local instant `now` (the system clock, for a file other processes read).
    pub fn bounds_against(&self, now: Instant, other_now: f64) -> (f64, f64) {
        let shift = self.local(now) - other_now;
        (self.lo + shift, self.hi + shift)
    }

    /// The estimate from bounds measured against another clock reading `other_now` at `now`
    /// (the inverse of [`ServerClock::bounds_against`]).
    pub fn from_bounds(lo: f64, hi: f64, now: Instant, other_now: f64) -> Option<Self> {
        (lo.is_finite() && hi.is_finite() && lo <= hi).then_some(ServerClock {
            anchor: now,
            lo: lo + other_now,
            hi: hi + other_now,
            last: 0.0,
        })
    }

    /// Narrows the estimate with bounds another client measured (as from
    /// [`ServerClock::bounds_against`], against a clock reading `other_now` at `now`); bounds
    /// that do not overlap these are ignored.
    pub fn narrow(&mut self, lo: f64, hi: f64, now: Instant, other_now: f64) {
        let shift = other_now - self.local(now);
        let (lo, hi) = (lo + shift, hi + shift);
        let (new_lo, new_hi) = (self.lo.max(lo), self.hi.min(hi));
        if new_lo <= new_hi {
            (self.lo, self.hi) = (new_lo, new_hi);
        }
    }

    fn local(&self, at: Instant) -> f64 {
        if at >= self.anchor {
            secs(at - self.anchor)
        } else {
            -secs(self.anchor - at)
        }
    }

    fn at(&self, local: f64) -> Instant {
        if local >= 0.0 {
            self.anchor + Duration::from_secs_f64(local.min(1e9))
        } else {
            self.anchor
                .checked_sub(Duration::from_secs_f64((-local).min(1e9)))
                .unwrap_or(self.anchor)
        }
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn one_answer_knows_the_offset_to_a_second() {
        let t0 = Instant::now();
        let clock = ServerClock::first(1_000, t0, t0 + ms(10));
        assert!((clock.uncertainty().as_secs_f64() - 1.01).abs() < 1e-9);
        // Reset at server 1 005: surely reached once local time passes 1 005 − lo.
        assert_eq!(clock.local_when(1_005.0), t0 + ms(5_010));
    }

    #[test]
    fn answers_across_a_second_boundary_narrow_it_to_the_round_trip() {
        // The server's clock reads local + 999.3 s; answers take 2 ms.
        let t0 = Instant::now();
        let server = |at: Instant| 999.3 + (at - t0).as_secs_f64();
        let mut clock: Option<ServerClock> = None;
        for step in 0..40u64 {
            let sent = t0 + ms(step * 53);
            let received = sent + ms(2);
            let date =
                i64::try_from(Duration::from_secs_f64(server(sent + ms(1))).as_secs()).unwrap();
            match clock.as_mut() {
                None => clock = Some(ServerClock::first(date, sent, received)),
                Some(c) => c.observe(date, sent, received),
            }
        }
        let clock = clock.unwrap();
        assert!(clock.uncertainty() < ms(60), "{:?}", clock.uncertainty());
        // Always on the safe side: the server's time is within the bounds.
        let at = t0 + ms(3_000);
        assert!(clock.server_at_least(at) <= server(at) + 1e-9);
        assert!(clock.server_at_most(at) >= server(at) - 1e-9);
        // A reset at server 1 003 is reached at local 3.7 s; the estimate is at most that
        // plus the uncertainty.
        let when = clock.local_when(1_003.0);
        assert!(when >= t0 + ms(3_700) && when <= t0 + ms(3_760), "{when:?}");
    }

    #[test]
    fn an_answer_outside_the_bounds_starts_again() {
        let t0 = Instant::now();
        let mut clock = ServerClock::first(1_000, t0, t0 + ms(1));
        clock.observe(1_000, t0 + ms(500), t0 + ms(501));
        // The server's clock stepped back an hour.
        clock.observe(-2_600, t0 + ms(600), t0 + ms(601));
        let at = t0 + ms(600);
        assert!(clock.server_at_least(at) < -2_599.0);
        assert!(clock.server_at_most(at) > -2_599.5);
    }

    #[test]
    fn bounds_carry_over_to_another_clock_and_back() {
        let t0 = Instant::now();
        let clock = ServerClock::first(1_000, t0, t0 + ms(10));
        // The system clock reads 400.0 at t0 + 1 s.
        let (lo, hi) = clock.bounds_against(t0 + ms(1_000), 400.0);
        let back = ServerClock::from_bounds(lo, hi, t0 + ms(2_000), 401.0).unwrap();
        let at = t0 + ms(2_000);
        assert!((back.server_at_least(at) - clock.server_at_least(at)).abs() < 1e-6);
        assert!((back.server_at_most(at) - clock.server_at_most(at)).abs() < 1e-6);
        assert!(ServerClock::from_bounds(2.0, 1.0, at, 0.0).is_none());
        // Narrowing with another client's tighter bounds; disjoint ones are ignored.
        let mut wide = ServerClock::first(1_000, t0, t0 + ms(10));
        let (lo, hi) = (lo + 0.4, lo + 0.5);
        wide.narrow(lo, hi, t0 + ms(1_000), 400.0);
        assert!((wide.uncertainty().as_secs_f64() - 0.1).abs() < 1e-6);
        wide.narrow(lo + 5.0, hi + 5.0, t0 + ms(1_000), 400.0);
        assert!((wide.uncertainty().as_secs_f64() - 0.1).abs() < 1e-6);
        assert!(ServerClock::from_bounds(f64::NAN, 1.0, at, 0.0).is_none());
    }
}
