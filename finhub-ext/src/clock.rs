//! Time, injectable: token expiry and retry back-off read the clock through
//! [`Clock`], so tests move time forward instead of sleeping.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A boxed, sendable future, as returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The source of "now" and of waiting.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current wall-clock time.
    fn now(&self) -> DateTime<Utc>;
    /// Waits for `duration` (between retries).
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The real clock: system time and `tokio::time::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when told to: [`ManualClock::advance`], or a
/// [`Clock::sleep`], which returns at once after moving the clock forward by
/// the requested time and recording it. For tests of expiry and back-off.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ManualState>,
}

#[derive(Debug)]
struct ManualState {
    now: DateTime<Utc>,
    slept: Vec<Duration>,
}

impl ManualClock {
    /// A clock standing at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            state: Mutex::new(ManualState {
                now,
                slept: Vec::new(),
            }),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut state = self.lock();
        state.now += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
    }

    /// Every duration passed to [`Clock::sleep`] so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().slept.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().now
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        self.lock().slept.push(duration);
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}
