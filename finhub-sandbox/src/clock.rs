//! [`Clock`]: the sandbox's notion of "now", which tests can move.
//!
//! Token expiry, login lockouts, session lifetimes and every timestamp the
//! sandbox writes read this clock, so a test expires a token or lifts a
//! lockout by advancing it instead of sleeping.
//!
//! The clock never reads later than [`Clock::latest`] (the end of year
//! 9999), so that every instant the sandbox computes from it (a token's
//! expiry, a lock's end, a consent a year on) stays representable.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// [`Clock::latest`] in seconds since the epoch: 9999-12-31T23:59:59Z.
const LATEST_SECS: i64 = 253_402_300_799;

/// A move of the [`Clock`] past [`Clock::latest`], refused by
/// [`Clock::try_advance`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the sandbox clock cannot move past {}: it reads {}, so it can advance at most {} seconds (asked for {})",
    .latest.to_rfc3339_opts(SecondsFormat::Secs, true),
    .now.to_rfc3339_opts(SecondsFormat::Secs, true),
    .room.as_secs(),
    .requested.as_secs()
)]
pub struct ClockLimit {
    /// What the clock reads (unchanged).
    pub now: DateTime<Utc>,
    /// The advance asked for.
    pub requested: Duration,
    /// How far it could still go.
    pub room: Duration,
    /// [`Clock::latest`].
    pub latest: DateTime<Utc>,
}

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

    /// The latest instant a clock reads, 9999-12-31T23:59:59Z: later ones
    /// read as this one.
    pub fn latest() -> DateTime<Utc> {
        DateTime::from_timestamp(LATEST_SECS, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The current instant, at most [`latest`](Clock::latest).
    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.inner.offset_millis.load(Ordering::Relaxed);
        let base = match &self.inner.manual {
            Some(millis) => DateTime::from_timestamp_millis(millis.load(Ordering::Relaxed))
                .unwrap_or(DateTime::UNIX_EPOCH),
            None => Utc::now(),
        };
        let shifted = TimeDelta::try_milliseconds(offset).and_then(|d| base.checked_add_signed(d));
        match shifted {
            Some(at) => at.min(Self::latest()),
            None if offset > 0 => Self::latest(),
            None => DateTime::<Utc>::MIN_UTC,
        }
    }

    /// The current instant in whole seconds since the epoch (JWT `iat`/`exp`).
    pub fn now_secs(&self) -> i64 {
        self.now().timestamp()
    }

    /// How far the clock can still advance before [`latest`](Clock::latest).
    fn room(&self) -> (DateTime<Utc>, Duration) {
        let now = self.now();
        let room = (Self::latest() - now).to_std().unwrap_or(Duration::ZERO);
        (now, room)
    }

    fn add_offset(&self, millis: u128) {
        let millis = i64::try_from(millis).unwrap_or(i64::MAX);
        let _ =
            self.inner
                .offset_millis
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                    Some(offset.saturating_add(millis))
                });
    }

    /// Moves the clock forward by `by` (for every clone), stopping at
    /// [`latest`](Clock::latest); [`try_advance`](Clock::try_advance)
    /// refuses instead.
    pub fn advance(&self, by: Duration) {
        let (_, room) = self.room();
        if by < room {
            self.add_offset(by.as_millis());
        } else {
            // Rounded up to reach the limit (where `now` stops).
            self.add_offset(room.as_nanos().div_ceil(1_000_000));
        }
    }

    /// Moves the clock forward by `by` and returns the new time, or leaves
    /// it and says how far it can go when `by` would pass
    /// [`latest`](Clock::latest).
    pub fn try_advance(&self, by: Duration) -> Result<DateTime<Utc>, ClockLimit> {
        let (now, room) = self.room();
        if by > room {
            return Err(ClockLimit {
                now,
                requested: by,
                room,
                latest: Self::latest(),
            });
        }
        self.add_offset(by.as_millis());
        Ok(self.now())
    }

    /// Moves the clock so that [`now`](Clock::now) reads `at` (a system clock
    /// keeps running from there); instants after [`latest`](Clock::latest)
    /// read as it.
    pub fn set(&self, at: DateTime<Utc>) {
        let at = at.min(Self::latest()).timestamp_millis();
        match &self.inner.manual {
            Some(millis) => {
                millis.store(at, Ordering::Relaxed);
                self.inner.offset_millis.store(0, Ordering::Relaxed);
            }
            None => {
                let offset = at.saturating_sub(Utc::now().timestamp_millis());
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
    fn the_clock_stops_at_its_latest_instant() {
        let latest = Clock::latest();
        assert_eq!(
            latest.to_rfc3339_opts(SecondsFormat::Secs, true),
            "9999-12-31T23:59:59Z"
        );
        // Reading, advancing and setting at the extremes neither panics nor
        // wraps around.
        let clock = Clock::manual(DateTime::<Utc>::MAX_UTC);
        assert_eq!(clock.now(), latest);
        clock.advance(Duration::MAX);
        clock.advance(Duration::from_millis(1));
        assert_eq!(clock.now(), latest);
        let start = latest - TimeDelta::seconds(100);
        let clock = Clock::manual(start);
        let err = clock.try_advance(Duration::from_secs(101)).unwrap_err();
        assert_eq!(err.room, Duration::from_secs(100));
        assert!(err.to_string().contains("9999-12-31T23:59:59Z"), "{err}");
        assert_eq!(clock.now(), start, "a refused advance moved the clock");
        assert_eq!(clock.try_advance(Duration::from_secs(100)).unwrap(), latest);
        for _ in 0..3 {
            clock.advance(Duration::MAX);
            assert_eq!(clock.now(), latest);
        }
        let system = Clock::system();
        system.advance(Duration::MAX);
        system.advance(Duration::MAX);
        assert_eq!(system.now(), latest);
        system.set(DateTime::<Utc>::MAX_UTC);
        assert_eq!(system.now(), latest);
        system.set(DateTime::<Utc>::MIN_UTC);
        assert!(system.now() < DateTime::UNIX_EPOCH);
        assert!(system.try_advance(Duration::MAX).is_err());
    }

    #[test]
    fn system_clock_advances_by_offset() {
        // The system clock keeps running (and may be stepped) between two
        // readings, so the bounds are an hour wide against moves of an hour
        // and two days: wide enough that no scheduling delay decides.
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::from_secs(3 * 3600));
        let moved = clock.now() - before;
        assert!(
            moved >= TimeDelta::hours(2) && moved <= TimeDelta::hours(4),
            "{moved}"
        );
        let target = Utc::now() + TimeDelta::days(2);
        clock.set(target);
        assert!((clock.now() - target).num_minutes().abs() <= 60);
    }
}
