//! [`Clock`]: the sandbox's notion of "now", which tests can move.
//!
//! Token expiry, login lockouts, session lifetimes and every timestamp the
//! sandbox writes read this clock, so a test expires a token or lifts a
//! lockout by advancing it instead of sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// A cloneable handle on the sandbox's time source. All clones share one
/// time: advancing any of them moves the sandbox.
///
/// * [`Clock::system`] follows the wall clock, plus whatever offset
///   [`advance`](Clock::advance) added.
/// * [`Clock::manual`] stands still at a given instant until advanced or
///   [`set`](Clock::set), for fully deterministic tests.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None`: the wall clock; `Some`: a frozen instant in epoch milliseconds.
    manual: Option<AtomicI64>,
    /// Milliseconds added to the base time.
    offset_millis: AtomicI64,
}

impl Clock {
    /// The wall clock (the default).
    pub fn system() -> Self {
        Clock {
            inner: Arc::new(Inner {
                manual: None,
                offset_millis: AtomicI64::new(0),
            }),
        }
    }

    /// A clock that stays at `start` until advanced or set.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock {
            inner: Arc::new(Inner {
                manual: Some(AtomicI64::new(start.timestamp_millis())),
                offset_millis: AtomicI64::new(0),
            }),
        }
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.inner.offset_millis.load(Ordering::Relaxed);
        let base = match &self.inner.manual {
            Some(millis) => DateTime::from_timestamp_millis(millis.load(Ordering::Relaxed))
                .unwrap_or(DateTime::UNIX_EPOCH),
            None => Utc::now(),
        };
        base.checked_add_signed(TimeDelta::milliseconds(offset))
            .unwrap_or(base)
    }

    /// The current instant in whole seconds since the epoch (JWT `iat`/`exp`).
    pub fn now_secs(&self) -> i64 {
        self.now().timestamp()
    }

    /// Moves the clock forward by `by` (for every clone).
    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.inner
            .offset_millis
            .fetch_add(millis, Ordering::Relaxed);
    }

    /// Moves the clock so that [`now`](Clock::now) reads `at` (a system clock
    /// keeps running from there).
    pub fn set(&self, at: DateTime<Utc>) {
        match &self.inner.manual {
            Some(millis) => {
                millis.store(at.timestamp_millis(), Ordering::Relaxed);
                self.inner.offset_millis.store(0, Ordering::Relaxed);
            }
            None => {
                let offset = at.timestamp_millis() - Utc::now().timestamp_millis();
                self.inner.offset_millis.store(offset, Ordering::Relaxed);
            }
        }
    }

    /// Whether this is a [`manual`](Clock::manual) clock.
    pub fn is_manual(&self) -> bool {
        self.inner.manual.is_some()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("manual", &self.is_manual())
            .field("now", &self.now())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-01-13T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        let shared = clock.clone();
        shared.advance(Duration::from_secs(90));
        assert_eq!(clock.now(), start + TimeDelta::seconds(90));
        clock.set(start);
        assert_eq!(shared.now(), start);
    }

    #[test]
    fn system_clock_advances_by_offset() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() >= before + TimeDelta::seconds(3600));
        let target = Utc::now() + TimeDelta::days(2);
        clock.set(target);
        assert!((clock.now() - target).num_seconds().abs() <= 1);
    }
}
