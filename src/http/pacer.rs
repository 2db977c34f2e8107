//! Pacing: using a rate-limit window to the last request without running into its 429s.
//!
//! A vendor reads its rate-limit headers into a [`Budget`] (limit, remaining, the reset and
//! the answer's `Date`, both server wall-clock seconds) and names a pacing key per request
//! (Okta: its rate-limit bucket, [`crate::okta::buckets`]). The [`Pacer`] keeps one window
//! per server bucket:
//!
//! - **Sharing.** Keys whose answers report the same window (the same limit and reset, and a
//!   `Remaining` that fits one counter) share one window: a server bucket that covers several
//!   keys is then counted once, not once per key.
//! - **Counting.** While `remaining` is above the low-water mark ([`LOW_WATER_PERCENT`] of
//!   the limit, at least [`LOW_WATER_MIN`]), requests go at once and each takes one from the
//!   count; an answer can only lower it within a window (other clients of the org use it
//!   too). At the low-water mark the requests still allowed go at the bucket's pace
//!   (`window / limit` apart, times the clients seen sharing the window), never slower than
//!   spread evenly over what is left of it; at 0 they wait for its end.
//! - **Several clients on a window.** A client alone with its count ([`Pacer::reserve`])
//!   leaves the last few requests of a window to the other clients it sees using it (its
//!   count lags theirs by about one request each). Clients that take the tail of a window
//!   from one count ([`Pacer::reserve_shared`]: [`crate::http::shared_count`], kept in the
//!   org's file under its lock) use it to the last request, as fast as they send.
//! - **The end of a window** on the local clock. The reset is the server's, in whole seconds:
//!   it is placed on the local clock with the measured offset of the server's clock
//!   ([`ServerClock`]), not with a fixed margin. When this client's request opened the
//!   window (the first answer of a new reset says `Remaining = Limit − 1`), the window
//!   started while that request was in flight, and a window of whole seconds ends that many
//!   seconds later (`window_end`): the end is then known to about one round trip, instead
//!   of "somewhere in the second before the reset". A later answer that shows the old window
//!   still open after that end disproves the model for this server, and from then on ends
//!   come from the reset alone.
//!
//! The state is shared by every request of a client and its clones; [`Pacer::view`] and
//! [`Pacer::adopt`] carry it between processes ([`crate::http::pacer_file`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::http::server_clock::ServerClock;

/// Pacing starts when `Remaining` is at or below this percentage of `Limit`...
pub const LOW_WATER_PERCENT: u64 = 10;
/// ...or at or below this many requests, whichever is larger.
pub const LOW_WATER_MIN: u64 = 2;
/// How much better the server's clock must be known for [`Pacer::observe`] to call it news.
pub const CLOCK_NEWS: Duration = Duration::from_millis(5);
/// The most clients [`Window::clients`] assumes (a limit on how far the pace is slowed).
pub const MAX_CLIENTS: u64 = 16;
/// A window's reset further ahead of `Date` than this is not believed (Okta's windows are
/// one minute): no header can block a bucket for longer.
pub const MAX_WINDOW: Duration = Duration::from_secs(5 * 60);

/// What one answer said about its bucket's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// When the window resets: the server's wall clock, UTC epoch seconds.
    pub resets_at: i64,
    /// The answer's `Date`: the server's wall clock when it answered, UTC epoch seconds
    /// (rounded down to the second, as HTTP dates are).
    pub server_date: i64,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    limit: u64,
    remaining: u64,
    resets_at: i64,
    /// The local instant by which the server's window has surely ended.
    ends: Instant,
    /// How long the window lasts (`Reset − Date` of its first answer).
    length: Duration,
    /// `ends` comes from the phase of the window's start (checked by later answers).
    from_phase: bool,
    /// The request that opened this window (sent, received), when it was this client's.
    started: Option<(Instant, Instant, i64)>,
    /// When the first answer of this window arrived: an answer about an older window to a
    /// request sent before then is stale.
    opened: Instant,
    /// The earliest time the next paced request may go.
    next_slot: Instant,
    /// Answers about this window to this client's requests.
    answered: u64,
    /// The `Remaining` of the first of them.
    first_reported: u64,
    /// The lowest `Remaining` the server reported for this window.
    reported: u64,
}

impl Window {
    /// A window another process saw ([`Pacer::view`]), ending at `ends` on the local clock,
    /// taken at `now`.
    fn viewed(w: &WindowView, ends: Instant, now: Instant) -> Window {
        Window {
            limit: w.limit,
            remaining: w.remaining,
            resets_at: w.resets_at,
            ends,
            length: Duration::from_secs(w.length.min(MAX_WINDOW.as_secs())),
            from_phase: false,
            started: None,
            opened: now,
            next_slot: now,
            answered: 0,
            first_reported: w.remaining,
            reported: w.remaining,
        }
    }

    /// How many clients use this window, as far as its count tells: what the server counted
    /// since this client's first answer over this client's answers since (1 when alone, at
    /// most [`MAX_CLIENTS`]).
    fn clients(&self) -> u32 {
        let used = self.first_reported.saturating_sub(self.reported);
        let answered = self.answered.saturating_sub(1).max(1);
        let clients = (used + answered / 2) / answered;
        u32::try_from(clients.clamp(1, MAX_CLIENTS)).unwrap_or(1)
    }
}

#[derive(Debug)]
struct State {
    server: Option<ServerClock>,
    /// Windows by the key that holds them.
    windows: HashMap<String, Window>,
    /// Keys whose answers report the window another key holds.
    shared_with: HashMap<String, String>,
    /// Whether windows end at the phase of their start (until an answer disproves it).
    phase_model: bool,
    /// The length in whole seconds of the windows of a limit, once a window pinned it down.
    window_seconds: HashMap<u64, u64>,
}

impl Default for State {
    fn default() -> Self {
        State {
            server: None,
            windows: HashMap::new(),
            shared_with: HashMap::new(),
            phase_model: true,
            window_seconds: HashMap::new(),
        }
    }
}

/// Pacing state, shared by all requests of a client. A key is whatever the vendor's client
/// names (Okta: its rate-limit bucket).
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<State>,
}

/// One window as [`Pacer::view`] hands it out (server times, so another process can read it).
#[derive(Clone, Debug, PartialEq)]
pub struct WindowView {
    /// The pacing keys that share it.
    pub keys: Vec<String>,
    pub limit: u64,
    pub remaining: u64,
    pub resets_at: i64,
    /// How long the window lasts, seconds.
    pub length: u64,
    /// When the window surely ends, on the system clock (epoch seconds).
    pub ends_at: f64,
}

/// The pacer's view, with times against a clock other processes share (the system clock).
#[derive(Clone, Debug, PartialEq)]
pub struct PacerView {
    /// `server − system clock`, seconds: at least the first, at most the second.
    pub offset: (f64, f64),
    pub phase_model: bool,
    pub windows: Vec<WindowView>,
}

impl Pacer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves a slot for one request of `key` and returns how long to wait before sending
    /// it (zero when there is room). With other clients seen on the window, its last few
    /// requests are left to them: this client's count lags theirs by about one request each.
    pub fn reserve(&self, key: &str, now: Instant) -> Duration {
        let mut state = self.lock();
        let Some(window) = state.open_window(key, now) else {
            return Duration::ZERO;
        };
        if window.remaining < u64::from(window.clients()) || window.remaining == 0 {
            return window.ends - now;
        }
        if window.remaining > low_water(window.limit) {
            window.remaining -= 1;
            return Duration::ZERO;
        }
        // remaining is at most low_water here, but Limit may be huge: never divide by a
        // count truncated to zero.
        let slot = window.next_slot.max(now);
        let even = window.ends.saturating_duration_since(slot)
            / u32::try_from(window.remaining).unwrap_or(u32::MAX);
        // At the bucket's pace, shared with the other clients seen using the window.
        let mean = window.length / u32::try_from(window.limit).unwrap_or(u32::MAX);
        let spacing = even.min(mean * window.clients());
        window.next_slot = slot + spacing;
        window.remaining -= 1;
        slot.saturating_duration_since(now)
    }

    /// Whether the window of `key` is at or below the low-water mark. The tests' simulated
    /// clients share their views at that point; the daemon itself shares from the tail
    /// ([`Pacer::shared_tail`]).
    #[cfg(test)]
    pub fn is_low(&self, key: &str) -> bool {
        let state = self.lock();
        state
            .windows
            .get(state.root(key))
            .is_some_and(|w| w.remaining <= low_water(w.limit))
    }

    /// The window of `key` when it is in its tail as the clients of an org that share its
    /// count see it ([`crate::http::shared_count`]): open at `now`, and at or below the
    /// low-water mark plus [`MAX_CLIENTS`], so that requests other clients sent on their own
    /// (lagging) counts are answered, and seen in the shared count, before its last
    /// requests go. `(limit, resets_at, remaining)`.
    pub fn shared_tail(&self, key: &str, now: Instant) -> Option<(u64, i64, u64)> {
        let state = self.lock();
        let window = state.windows.get(state.root(key))?;
        let tail = low_water(window.limit).saturating_add(MAX_CLIENTS);
        (now < window.ends && window.remaining <= tail).then_some((
            window.limit,
            window.resets_at,
            window.remaining,
        ))
    }

    /// Reserves a slot for one request of `key` from the count the clients of the org share
    /// ([`Pacer::shared_tail`]), which has `left` requests left (the caller took this one
    /// when it had): this client's count follows it; with none left, the wait for the
    /// window's end. The tail goes as fast as the clients send: the shared count is exact
    /// but for requests in flight, so every request of the window is used and none is
    /// reserved ahead.
    pub fn reserve_shared(&self, key: &str, now: Instant, left: u64) -> Duration {
        let mut state = self.lock();
        let Some(window) = state.open_window(key, now) else {
            return Duration::ZERO;
        };
        window.remaining = window.remaining.min(left);
        if window.remaining == 0 {
            return window.ends - now;
        }
        window.remaining -= 1;
        Duration::ZERO
    }

    /// Whether the window this pacer knows for `key` has ended at `now` (a new one may have
    /// opened since, at another client).
    pub fn has_ended(&self, key: &str, now: Instant) -> bool {
        let state = self.lock();
        state
            .windows
            .get(state.root(key))
            .is_some_and(|w| now >= w.ends)
    }

    /// How long until the window of `key` ends, when it has nothing left (the wait before
    /// retrying a 429 whose headers were read); `None` when the pacer knows no such window.
    pub fn until_refill(&self, key: &str, now: Instant) -> Option<Duration> {
        let state = self.lock();
        let window = state.windows.get(state.root(key))?;
        (window.remaining == 0).then(|| window.ends.saturating_duration_since(now))
    }

    /// Records what the answer to a request of `key`, sent at `sent` and read at `received`,
    /// said about its window. `None` (an answer that said nothing usable) changes nothing.
    ///
    /// Returns whether the answer taught something worth telling other processes of the org
    /// ([`crate::http::pacer_file`]): a window opened by this request, or the server's clock
    /// known [`CLOCK_NEWS`] better.
    pub fn observe(
        &self,
        key: &str,
        budget: Option<Budget>,
        sent: Instant,
        received: Instant,
    ) -> bool {
        let Some(budget) = budget else {
            return false;
        };
        let window_secs = budget.resets_at.saturating_sub(budget.server_date);
        if window_secs < 0 || window_secs as u64 > MAX_WINDOW.as_secs() {
            return false;
        }
        let mut state = self.lock();
        let (server, clock_news) = match state.server.as_mut() {
            Some(server) => {
                let before = server.uncertainty();
                server.observe(budget.server_date, sent, received);
                (*server, server.uncertainty() + CLOCK_NEWS <= before)
            }
            None => (
                *state
                    .server
                    .insert(ServerClock::first(budget.server_date, sent, received)),
                true,
            ),
        };
        let opened_here = state.record(key, budget, &server, sent, received);
        opened_here || clock_news
    }

    /// The pacer's windows that have not ended at `now`, with times against the system
    /// clock reading `system_now` (epoch seconds) at `now`; `None` before any answer.
    pub fn view(&self, now: Instant, system_now: f64) -> Option<PacerView> {
        let state = self.lock();
        let server = state.server?;
        let mut windows: Vec<WindowView> = state
            .windows
            .iter()
            .filter(|(_, w)| w.ends > now)
            .map(|(root, w)| {
                let mut keys: Vec<String> = std::iter::once(root.clone())
                    .chain(
                        state
                            .shared_with
                            .iter()
                            .filter(|(_, r)| *r == root)
                            .map(|(k, _)| k.clone()),
                    )
                    .collect();
                keys.sort();
                WindowView {
                    keys,
                    limit: w.limit,
                    remaining: w.remaining,
                    resets_at: w.resets_at,
                    length: w.length.as_secs(),
                    ends_at: system_now + w.ends.saturating_duration_since(now).as_secs_f64(),
                }
            })
            .collect();
        windows.sort_by(|a, b| a.keys.cmp(&b.keys));
        Some(PacerView {
            offset: server.bounds_against(now, system_now),
            phase_model: state.phase_model,
            windows,
        })
    }

    /// Starts from a view saved by another process (before any answer of this one); the
    /// answers of this process correct it. A view with absurd numbers is ignored.
    pub fn adopt(&self, view: &PacerView, now: Instant, system_now: f64) {
        let Some(server) = ServerClock::from_bounds(view.offset.0, view.offset.1, now, system_now)
        else {
            return;
        };
        let mut state = self.lock();
        if state.server.is_some() {
            return;
        }
        state.server = Some(server);
        state.phase_model = view.phase_model;
        for w in &view.windows {
            let Some(root) = w.keys.first() else { continue };
            let Some(ends) = viewed_end(w, now, system_now) else {
                continue;
            };
            state
                .windows
                .insert(root.clone(), Window::viewed(w, ends, now));
            for key in w.keys.iter().skip(1) {
                state.shared_with.insert(key.clone(), root.clone());
            }
        }
    }

    /// Takes what another process knows of a window this pacer knows too (the same limit
    /// and reset): the lower count and the earlier end (both are sure bounds; the process
    /// whose request opened the window knows its end best). Where this pacer's window has
    /// ended and the view has a later one of the same limit, the view's: another process
    /// opened it, and it may already be spent.
    pub fn merge(&self, view: &PacerView, now: Instant, system_now: f64) {
        let mut state = self.lock();
        if let Some(server) = state.server.as_mut() {
            server.narrow(view.offset.0, view.offset.1, now, system_now);
        }
        for w in &view.windows {
            let Some(ends) = viewed_end(w, now, system_now) else {
                continue;
            };
            for key in &w.keys {
                let root = state.root(key).to_owned();
                if let Some(mine) = state.windows.get_mut(&root) {
                    if mine.limit == w.limit && mine.resets_at == w.resets_at && now < mine.ends {
                        mine.remaining = mine.remaining.min(w.remaining);
                        mine.ends = mine.ends.min(ends);
                        break;
                    }
                    if mine.limit == w.limit && mine.resets_at < w.resets_at && now >= mine.ends {
                        *mine = Window::viewed(w, ends, now);
                        break;
                    }
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where a window handed over in a view ends on the local clock; `None` when the view's
/// numbers are absurd or the window has ended.
fn viewed_end(w: &WindowView, now: Instant, system_now: f64) -> Option<Instant> {
    if !w.ends_at.is_finite() || w.limit == 0 || w.remaining > w.limit {
        return None;
    }
    let left = w.ends_at - system_now;
    (0.0..MAX_WINDOW.as_secs_f64())
        .contains(&left)
        .then(|| now + Duration::from_secs_f64(left))
}

impl State {
    /// The key holding the window `key` shares (itself when it shares none).
    fn root<'a>(&'a self, key: &'a str) -> &'a str {
        self.shared_with.get(key).map_or(key, String::as_str)
    }

    /// The window of `key` while it is open at `now` (none: nothing to pace against).
    fn open_window(&mut self, key: &str, now: Instant) -> Option<&mut Window> {
        let root = self.root(key).to_owned();
        self.windows
            .get_mut(&root)
            .filter(|window| now < window.ends)
    }

    fn record(
        &mut self,
        key: &str,
        budget: Budget,
        server: &ServerClock,
        sent: Instant,
        received: Instant,
    ) -> bool {
        let root = self.root(key).to_owned();
        if let Some(window) = self.windows.get_mut(&root) {
            if window.limit == budget.limit && window.resets_at == budget.resets_at {
                window.remaining = window.remaining.min(budget.remaining);
                window.reported = window.reported.min(budget.remaining);
                window.answered += 1;
                // Still counting after the end this pacer gave it: that end was wrong.
                let outlived = sent >= window.ends;
                if outlived && window.from_phase {
                    // The end came from the phase of the window's start: this server's
                    // windows do not end that way.
                    tracing::debug!(
                        key,
                        "rate-limit window outlived its estimated end; using resets only"
                    );
                    self.phase_model = false;
                    self.window_seconds.clear();
                    window.started = None;
                }
                // The server's clock is known better with every answer; both ends are sure
                // bounds (unless the old one was just disproved), so the earlier one stands.
                let known = self.window_seconds.get(&window.limit).copied();
                let end = window_end(server, window.resets_at, window.started, known);
                if outlived || end.ends < window.ends || !self.phase_model {
                    (window.ends, window.from_phase) = (end.ends, end.from_phase);
                }
                if let Some(n) = end.learned {
                    self.window_seconds.insert(window.limit, n);
                }
                return false;
            }
            if budget.resets_at < window.resets_at && sent < window.opened {
                return false; // about a window that had already ended
            }
        }
        // Another key's window (still open, as this pacer places its end) that this answer is
        // also about: share it.
        let shared = self
            .windows
            .iter()
            .find(|(holder, w)| {
                **holder != root
                    && received < w.ends
                    && w.limit == budget.limit
                    && w.resets_at == budget.resets_at
                    && budget.remaining <= w.remaining + slack(w.limit)
            })
            .map(|(holder, _)| holder.clone());
        if let Some(holder) = shared {
            if root == key {
                // `key` held a window (now out of date): it and its sharers follow `holder`.
                self.windows.remove(key);
                for target in self.shared_with.values_mut() {
                    if target == key {
                        *target = holder.clone();
                    }
                }
            }
            self.shared_with.insert(key.to_owned(), holder.clone());
            if let Some(window) = self.windows.get_mut(&holder) {
                window.remaining = window.remaining.min(budget.remaining);
                window.reported = window.reported.min(budget.remaining);
                window.answered += 1;
            }
            return false;
        }
        // A new window, held by `key`.
        if root != key {
            self.shared_with.remove(key);
        }
        let opened_by_this_request = budget.remaining.saturating_add(1) == budget.limit;
        let started = (self.phase_model && opened_by_this_request).then_some((
            sent,
            received,
            budget.server_date,
        ));
        let known = self.window_seconds.get(&budget.limit).copied();
        let EndEstimate {
            ends,
            from_phase,
            learned,
        } = window_end(server, budget.resets_at, started, known);
        tracing::debug!(
            key,
            opened_here = started.is_some(),
            from_phase,
            ends_in_ms = u64::try_from(ends.saturating_duration_since(received).as_millis())
                .unwrap_or(u64::MAX),
            clock_uncertainty_ms =
                u64::try_from(server.uncertainty().as_millis()).unwrap_or(u64::MAX),
            "pacing: a new rate-limit window"
        );
        if let Some(n) = learned {
            self.window_seconds.insert(budget.limit, n);
        }
        self.windows.insert(
            key.to_owned(),
            Window {
                limit: budget.limit,
                remaining: budget.remaining,
                resets_at: budget.resets_at,
                ends,
                length: Duration::from_secs(
                    u64::try_from(budget.resets_at.saturating_sub(budget.server_date)).unwrap_or(0),
                ),
                from_phase,
                started,
                opened: received,
                next_slot: received,
                answered: 1,
                first_reported: budget.remaining,
                reported: budget.remaining,
            },
        );
        started.is_some()
    }
}

/// The count at and below which requests are spread.
fn low_water(limit: u64) -> u64 {
    (limit.saturating_mul(LOW_WATER_PERCENT) / 100).max(LOW_WATER_MIN)
}

/// How far an answer's `Remaining` may exceed a window's count and still be the same
/// counter: requests in flight were counted here but not yet by the server.
fn slack(limit: u64) -> u64 {
    (limit / 20).max(LOW_WATER_MIN)
}

/// Where a window ends, from the request that opened it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EndEstimate {
    /// The local instant by which the server's window has surely ended.
    ends: Instant,
    /// `ends` comes from the phase of the window's start.
    from_phase: bool,
    /// The window's length in whole seconds, when this estimate pinned it down.
    learned: Option<u64>,
}

/// When a window resetting at `resets_at` (server seconds) surely ends on the local clock.
/// `started` is the request of this client that opened it (sent, received, and its answer's
/// `Date`); `known` the length of the windows of this limit, when an earlier window pinned it
/// down.
///
/// A window that starts with its first request at `S` and lasts `n` whole seconds resets at
/// `ceil(S + n)`, so `n = floor(resets_at − S)`, and it ends at most `n` seconds after the
/// answer that opened it, on the local clock alone. `S` lies between the send and the answer;
/// on the server's clock, within the offset's bounds, which give the possible `n`. When they
/// allow one `n`, it is learned for the limit; otherwise the known one, else
/// `resets_at − Date − 1` (the answer's `Date` is `S` rounded down, so this is `n` unless the
/// window started on the exact second) when the bounds allow it. Never later than the reset.
fn window_end(
    server: &ServerClock,
    resets_at: i64,
    started: Option<(Instant, Instant, i64)>,
    known: Option<u64>,
) -> EndEstimate {
    let by_reset = EndEstimate {
        ends: server.local_when(resets_at as f64),
        from_phase: false,
        learned: None,
    };
    let Some((sent, received, date)) = started else {
        return by_reset;
    };
    let reset = resets_at as f64;
    let shortest = (reset - server.server_at_most(received)).floor().max(1.0);
    let longest = (reset - server.server_at_least(sent)).floor();
    if longest < shortest || longest > MAX_WINDOW.as_secs_f64() {
        return by_reset;
    }
    let possible = |n: u64| (shortest..=longest).contains(&(n as f64));
    // `longest` is a whole number of seconds from 1 to MAX_WINDOW here.
    let longest_secs = Duration::try_from_secs_f64(longest).map_or(0, |d| d.as_secs());
    let from_date = u64::try_from(resets_at.saturating_sub(date).saturating_sub(1)).ok();
    let (seconds, learned) = match (known, from_date) {
        _ if shortest == longest => (longest_secs, Some(longest_secs)),
        (Some(n), _) if possible(n) => (n, None),
        (_, Some(n)) if possible(n) => (n, None),
        _ => return by_reset,
    };
    let by_phase = received + Duration::from_secs(seconds);
    if by_phase < by_reset.ends {
        EndEstimate {
            ends: by_phase,
            from_phase: true,
            learned,
        }
    } else {
        EndEstimate {
            learned,
            ..by_reset
        }
    }
}

#[cfg(test)]
pub(crate) mod sim;

#[cfg(test)]
mod tests {
    use super::sim::FakeServer;
    use super::*;

    /// An answer of a 100-request bucket sent at server time 1,000.
    fn budget(remaining: u64, resets_at: i64) -> Budget {
        Budget {
            limit: 100,
            remaining,
            resets_at,
            server_date: 1_000,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Sends `n` requests of `keys` (in turn) as fast as the pacer allows, one at a time,
    /// on a virtual clock; returns (the time taken, the 429s).
    fn drive(server: &mut FakeServer, pacer: &Pacer, keys: &[&str], n: usize) -> (Duration, u32) {
        let mut now = server.t0;
        let mut refused = 0;
        let mut sent_ok = 0;
        let mut i = 0;
        while sent_ok < n {
            let key = keys[i % keys.len()];
            now += pacer.reserve(key, now);
            let (accepted, budget) = server.request(now + ms(1));
            let received = now + ms(2);
            pacer.observe(key, Some(budget), now, received);
            now = received;
            if accepted {
                sent_ok += 1;
                i += 1;
            } else {
                refused += 1;
                now += pacer.until_refill(key, now).unwrap_or(ms(1_000));
            }
        }
        (now - server.t0, refused)
    }

    #[test]
    fn a_5_second_bucket_is_used_to_the_last_request() {
        // 1,000 requests under 100 per 5 s need at least 9 whole windows (45 s).
        let mut server = FakeServer::new(100, 5);
        let pacer = Pacer::new();
        let (took, refused) = drive(&mut server, &pacer, &["GET /api/v1/users/{id}"], 1_000);
        assert_eq!(refused, 0);
        assert!(took < Duration::from_secs(46), "{took:?}");
        assert!(took >= Duration::from_secs(45), "{took:?}");
    }

    #[test]
    fn keys_that_report_one_server_bucket_share_its_window() {
        // The create sequence's four keys against one server bucket.
        let keys = [
            "GET /api/v1/users",
            "POST /api/v1/users",
            "POST /api/v1/users/{id}",
            "GET /api/v1/users/{id}",
        ];
        let mut server = FakeServer::new(100, 5);
        let pacer = Pacer::new();
        let (took, refused) = drive(&mut server, &pacer, &keys, 1_000);
        assert_eq!(refused, 0);
        assert!(took < Duration::from_secs(46), "{took:?}");
    }

    #[test]
    fn keys_on_separate_server_buckets_keep_separate_windows() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        pacer.observe("a", Some(budget(5, 1_005)), t0, t0 + ms(2));
        pacer.observe("b", Some(budget(90, 1_030)), t0, t0 + ms(2));
        // "a" is paced (5 left of 100), "b" is not.
        let now = t0 + ms(10);
        assert_eq!(pacer.reserve("b", now), Duration::ZERO);
        assert_eq!(pacer.reserve("a", now), Duration::ZERO);
        assert!(pacer.reserve("a", now) > Duration::ZERO);
        assert_eq!(pacer.reserve("b", now), Duration::ZERO);
        // The same reset but a count far above "a"'s: another counter, not shared.
        pacer.observe("c", Some(budget(80, 1_005)), t0, t0 + ms(3));
        assert_eq!(pacer.reserve("c", now), Duration::ZERO);
        assert_eq!(pacer.until_refill("c", now), None);
    }

    #[test]
    fn the_end_comes_from_the_reset_when_another_client_opened_the_window() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        // Date 1 000 read within 2 ms: the offset is known to about a second; 0 left of
        // 100 (the window was opened by someone else), reset at 1 005.
        let budget = Budget {
            limit: 100,
            remaining: 0,
            resets_at: 1_005,
            server_date: 1_000,
        };
        pacer.observe("k", Some(budget), t0, t0 + ms(2));
        // Surely reset once the server's clock has surely reached 1 005: 5 s after the
        // answer at the latest (its Date may have been 1 000.0).
        assert_eq!(pacer.until_refill("k", t0 + ms(2)), Some(ms(5_000)));
        assert_eq!(pacer.reserve("k", t0 + ms(2)), ms(5_000));
        assert_eq!(pacer.reserve("k", t0 + ms(5_002)), Duration::ZERO);
    }

    #[test]
    fn a_window_that_outlives_its_phase_turns_the_phase_model_off() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        let at = |n| t0 + ms(n);
        let budget = |remaining, resets_at, server_date| Budget {
            limit: 10,
            remaining,
            resets_at,
            server_date,
        };
        // Narrow the clock: Date turns from 999 to 1 000 between 200 and 300 ms.
        pacer.observe("k", Some(budget(9, 1_003, 999)), at(0), at(1));
        pacer.observe("k", Some(budget(8, 1_003, 999)), at(200), at(201));
        pacer.observe("k", Some(budget(7, 1_003, 1_000)), at(300), at(301));
        // A new window opened by this client's request at 1 000.5 or so: phase end ≈ 1 003.5.
        pacer.observe("k", Some(budget(9, 1_004, 1_000)), at(500), at(501));
        let by_phase = pacer.until_refill("k", at(501));
        assert_eq!(by_phase, None, "9 left");
        for _ in 0..9 {
            pacer.reserve("k", at(501));
        }
        let phase_wait = pacer.until_refill("k", at(501)).unwrap();
        assert!(phase_wait < ms(3_300), "{phase_wait:?}");
        // But the server still counts that window well after: the model is off.
        let late = at(501) + phase_wait + ms(10);
        pacer.observe("k", Some(budget(0, 1_004, 1_003)), late, late + ms(1));
        let wait = pacer.until_refill("k", late + ms(1)).unwrap();
        assert!(wait > ms(300), "{wait:?}");
        // New windows no longer end by phase either.
        assert!(!pacer.view(late, 0.0).unwrap().phase_model);
    }

    #[test]
    fn stale_answers_from_an_ended_window_change_nothing() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        pacer.observe("k", Some(budget(99, 1_060)), t0, t0 + ms(2));
        // Sent before the new window's first answer arrived: about the old window.
        pacer.observe("k", Some(budget(0, 1_001)), t0, t0 + ms(3));
        assert_eq!(pacer.reserve("k", t0 + ms(4)), Duration::ZERO);
    }

    #[test]
    fn absurd_budgets_neither_panic_nor_block_a_key() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        for (limit, remaining, resets_at, server_date) in [
            (u64::MAX, u64::MAX - 1, 1_030, 1_000),
            (u64::MAX, 5, 1_030, 1_000),
            (600, 0, i64::MAX, 1_000),
            (600, 0, i64::MIN, 1_000),
            (600, 0, 1_000, i64::MIN),
            (0, 0, 1_030, 1_000),
        ] {
            let budget = Budget {
                limit,
                remaining,
                resets_at,
                server_date,
            };
            pacer.observe("k", Some(budget), t0, t0 + ms(1));
            for _ in 0..3 {
                assert!(pacer.reserve("k", t0 + ms(2)) <= Duration::from_secs(31));
            }
        }
        // Nothing believable blocked a key: the last usable answer was "0 of 0".
        assert!(pacer.reserve("other", t0) == Duration::ZERO);
    }

    #[test]
    fn a_view_carries_the_windows_to_another_pacer() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        assert_eq!(pacer.view(t0, 0.0), None);
        let budget = Budget {
            limit: 100,
            remaining: 0,
            resets_at: 1_005,
            server_date: 1_000,
        };
        pacer.observe("a", Some(budget), t0, t0 + ms(2));
        // The system clock reads 2 000.0 at t0 (a different epoch from the server's).
        let view = pacer.view(t0 + ms(2), 2_000.002).unwrap();
        assert_eq!(view.windows.len(), 1);
        let other = Pacer::new();
        other.adopt(&view, t0 + ms(100), 2_000.1);
        let wait = other.reserve("a", t0 + ms(100)).as_secs_f64();
        assert!((wait - 4.902).abs() < 1e-3, "{wait}");
        // An ended window is not carried.
        assert!(pacer
            .view(t0 + ms(6_000), 2_006.0)
            .unwrap()
            .windows
            .is_empty());
    }

    #[test]
    fn a_merged_view_lowers_the_count_and_brings_the_end_forward() {
        let t0 = Instant::now();
        let budget = |remaining| Budget {
            limit: 100,
            remaining,
            resets_at: 1_005,
            server_date: 1_000,
        };
        let mine = Pacer::new();
        mine.observe("k", Some(budget(50)), t0, t0 + ms(2));
        // Another process of the org: the same window, spent, ending 1 s earlier than this
        // pacer places it.
        let view = PacerView {
            offset: (0.0, 0.0),
            phase_model: true,
            windows: vec![WindowView {
                keys: vec!["k".to_owned()],
                limit: 100,
                remaining: 0,
                resets_at: 1_005,
                length: 5,
                ends_at: 2_004.0,
            }],
        };
        // The system clock reads 2 000.0 at t0 + 2 ms.
        mine.merge(&view, t0 + ms(2), 2_000.0);
        assert_eq!(mine.until_refill("k", t0 + ms(2)), Some(ms(4_000)));
        // A view of another window (another reset) changes nothing.
        let other = Pacer::new();
        other.observe("k", Some(budget(50)), t0, t0 + ms(2));
        let mut older = view.clone();
        older.windows[0].resets_at = 1_000;
        other.merge(&older, t0 + ms(2), 2_000.0);
        assert_eq!(other.until_refill("k", t0 + ms(2)), None);
        assert_eq!(other.reserve("k", t0 + ms(2)), Duration::ZERO);
    }

    #[test]
    fn clients_sharing_a_bucket_share_its_pace() {
        // Two clients, each one request at a time, on one 100 per 5 s server bucket; the one
        // whose clock is the earlier goes next. A client that runs the window low takes the
        // other's view and leaves its own (what the file in the temp directory carries).
        let mut server = FakeServer::new(100, 5);
        // The clients' bursts must cross a second of the server's clock for its `Date` to
        // tell them its phase: here they do in the first window.
        server.clock_at_t0 = 1_000.6;
        let t0 = server.t0;
        let system = |at: Instant| 10_000.0 + (at - t0).as_secs_f64();
        let pacers = [Pacer::new(), Pacer::new()];
        let mut shared: Option<PacerView> = None;
        let mut clocks = [t0, t0 + ms(1)];
        // A client whose slot is reserved and waits for it.
        let mut reserved = [false, false];
        let (mut accepted, mut refused, mut last) = (0, 0, t0);
        while accepted < 1_000 {
            let who = usize::from(clocks[1] < clocks[0]);
            let (pacer, now) = (&pacers[who], &mut clocks[who]);
            if !std::mem::take(&mut reserved[who]) {
                let wait = pacer.reserve("k", *now);
                if !wait.is_zero() {
                    *now += wait;
                    reserved[who] = true;
                    continue; // the other client may go first
                }
            }
            let (ok, budget) = server.request(*now + ms(1));
            pacer.observe("k", Some(budget), *now, *now + ms(2));
            *now += ms(2);
            if pacer.is_low("k") {
                if let Some(view) = &shared {
                    pacer.merge(view, *now, system(*now));
                }
                shared = pacer.view(*now, system(*now));
            }
            if ok {
                accepted += 1;
                last = *now;
            } else {
                refused += 1;
                *now += pacer.until_refill("k", *now).unwrap_or(ms(1_000));
            }
        }
        // Each client sees the other's use in the counts and paces the tail for two.
        assert_eq!(pacers[0].lock().windows["k"].clients(), 2);
        assert!(refused <= 10, "{refused} refused");
        let took = last - t0;
        assert!(took < Duration::from_secs(47), "{took:?}");
    }

    #[test]
    fn a_shared_count_is_used_to_the_last_request_and_an_own_one_leaves_it_to_others() {
        let t0 = Instant::now();
        let budget = |remaining| {
            Some(Budget {
                limit: 100,
                remaining,
                resets_at: 1_005,
                server_date: 1_000,
            })
        };
        // Three answers two requests apart: another client uses the window as fast as this
        // one (two clients), and 5 requests are left.
        let client = || {
            let pacer = Pacer::new();
            for (n, remaining) in [9, 7, 5].into_iter().enumerate() {
                let sent = t0 + ms(10 * n as u64);
                pacer.observe("k", budget(remaining), sent, sent + ms(2));
            }
            pacer
        };
        let granted = |take: &dyn Fn(Instant) -> Duration| {
            let now = t0 + ms(100);
            (0..10).filter(|_| take(now) < ms(4_000)).count()
        };
        let own = client();
        assert_eq!(own.lock().windows["k"].clients(), 2);
        // Alone with its count, it leaves the last one to the other client.
        assert_eq!(granted(&|now| own.reserve("k", now)), 4);
        // Taking from a count both share (5 left, each request taken from it), it uses all
        // 5 at once, and not one more.
        let shared = client();
        let now = t0 + ms(100);
        assert_eq!(shared.shared_tail("k", now), Some((100, 1_005, 5)));
        for left in (1..=5).rev() {
            assert_eq!(shared.reserve_shared("k", now, left), Duration::ZERO);
        }
        assert!(shared.reserve_shared("k", now, 0) > ms(4_000));
        assert!(shared.until_refill("k", now).is_some(), "spent");
        // Its own count follows the shared one down, never up.
        let behind = client();
        assert_eq!(behind.reserve_shared("k", now, 1), Duration::ZERO);
        assert_eq!(behind.shared_tail("k", now), Some((100, 1_005, 0)));
        let ahead = client();
        assert_eq!(ahead.reserve_shared("k", now, 50), Duration::ZERO);
        assert_eq!(ahead.shared_tail("k", now), Some((100, 1_005, 4)));
        // Far from the end of a window, no tail to share.
        let early = Pacer::new();
        early.observe("k", budget(90), t0, t0 + ms(2));
        assert_eq!(early.shared_tail("k", now), None);
    }

    #[test]
    fn observe_says_what_is_worth_telling_other_processes() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        let budget = |remaining, server_date| {
            Some(Budget {
                limit: 100,
                remaining,
                resets_at: 1_005,
                server_date,
            })
        };
        // The first answer: the server's clock is news, and this request opened the window.
        assert!(pacer.observe("k", budget(99, 1_000), t0, t0 + ms(2)));
        // The same second of the server's clock, the same window: nothing new.
        assert!(!pacer.observe("k", budget(98, 1_000), t0 + ms(1), t0 + ms(3)));
        // The server's second turned between 2 ms and 500 ms: its phase is known far better.
        assert!(pacer.observe("k", budget(97, 1_001), t0 + ms(500), t0 + ms(502)));
        // No usable budget: nothing.
        assert!(!pacer.observe("k", None, t0 + ms(600), t0 + ms(602)));
    }
}
