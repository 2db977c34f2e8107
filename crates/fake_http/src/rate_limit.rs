//! One fixed-window rate-limit bucket: the window starts with the first request after a
//! reset; once `limit` requests are used, requests are refused until it ends.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct Bucket {
    pub limit: u32,
    pub window: Duration,
    used: u32,
    ends: Option<(Instant, u64)>,
}

impl Bucket {
    pub fn new(limit: u32, window: Duration) -> Bucket {
        Bucket {
            limit,
            window,
            used: 0,
            ends: None,
        }
    }

    /// Returns `(limit, remaining, reset_epoch, exhausted)`.
    pub fn touch(&mut self, consume: bool) -> (u32, u32, u64, bool) {
        let now = Instant::now();
        if self.ends.is_none_or(|(end, _)| now >= end) {
            let end_wall = SystemTime::now() + self.window;
            let d = end_wall.duration_since(UNIX_EPOCH).unwrap_or_default();
            let reset = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            self.ends = Some((now + self.window, reset));
            self.used = 0;
        }
        let mut exhausted = false;
        if consume {
            if self.used >= self.limit {
                exhausted = true;
            } else {
                self.used += 1;
            }
        }
        let reset = self.ends.map(|(_, r)| r).unwrap_or(0);
        (
            self.limit,
            self.limit.saturating_sub(self.used),
            reset,
            exhausted,
        )
    }
}
