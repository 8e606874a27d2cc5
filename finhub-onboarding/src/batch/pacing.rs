//! Pacing: how many journeys of a batch talk to FinHub at once, adapted to
//! how FinHub answers (additive increase, multiplicative decrease).
//!
//! One [`Pacer`] is shared by every journey of a batch. A journey takes a
//! [`Permit`] ([`Pacer::acquire`]) before each step and drops it after; at
//! most [`Pacer::limit`] permits are out at once. The limit moves with the
//! answers reported to [`Pacer::observe`]:
//!
//! * a **healthy** answer (any status but 408, 429 and 5xx) while every
//!   permit is in use raises the limit by `1 / limit` (about one more
//!   permit per round of answers), up to the maximum (`--concurrency`);
//!   while permits are left unused the limit does not grow;
//! * **throttling** (429, or any answer with `Retry-After`) pauses every
//!   new request, of every journey, until the `Retry-After` has passed
//!   (default 1 s without one, never more than 5 minutes), and multiplies
//!   the limit by the decrease factor (default 0.5), once per pause: the
//!   other throttled answers of requests already on the wire only extend
//!   the pause;
//! * a **storm of server errors** (default: 5 answers 5xx or 408, or
//!   requests without an answer, within 10 s) multiplies the limit by the
//!   decrease factor too.
//!
//! The limit never goes below the minimum (default 1). A lower limit takes
//! effect as permits come back: none is taken away from a running step.
//!
//! The pacer is also a [`finhub_ext::admission::Admission`]: given to
//! [`FinhubClientBuilder::admission`](finhub_ext::FinhubClientBuilder::admission)
//! it holds every FinHub request (not only each step's first) during a
//! pause, and hears every attempt's outcome.
//!
//! Time is tokio's (`tokio::time::Instant`), so tests run it paused.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use finhub_ext::admission::{Admission, AttemptOutcome};
use finhub_ext::{Operation, Sleep};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How a [`Pacer`] adapts (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct PacingConfig {
    max: usize,
    min: usize,
    initial: usize,
    decrease: f64,
    storm_errors: usize,
    storm_window: Duration,
    default_pause: Duration,
    max_pause: Duration,
}

impl PacingConfig {
    /// At most `max` permits at once (at least 1), starting at `max`;
    /// decrease factor 0.5; a storm is 5 server errors within 10 s; a
    /// throttle without `Retry-After` pauses 1 s, a `Retry-After` is
    /// honoured up to 5 minutes.
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        PacingConfig {
            max,
            min: 1,
            initial: max,
            decrease: 0.5,
            storm_errors: 5,
            storm_window: Duration::from_secs(10),
            default_pause: Duration::from_secs(1),
            max_pause: Duration::from_secs(300),
        }
    }

    /// The limit to start at (default the maximum), between the minimum
    /// and the maximum.
    pub fn initial(mut self, permits: usize) -> Self {
        self.initial = permits;
        self
    }

    /// The lowest the limit goes (default 1; at least 1).
    pub fn min(mut self, permits: usize) -> Self {
        self.min = permits.max(1);
        self
    }

    /// What the limit is multiplied by on throttling or a storm (default
    /// 0.5; kept between 0.1 and 0.95).
    pub fn decrease_factor(mut self, factor: f64) -> Self {
        self.decrease = if factor.is_finite() {
            factor.clamp(0.1, 0.95)
        } else {
            0.5
        };
        self
    }

    /// A storm: `errors` server errors (at least 1) within `window`.
    pub fn storm(mut self, errors: usize, window: Duration) -> Self {
        self.storm_errors = errors.max(1);
        self.storm_window = window;
        self
    }

    /// The pause after a throttle without `Retry-After` (default 1 s).
    pub fn default_pause(mut self, pause: Duration) -> Self {
        self.default_pause = pause;
        self
    }

    /// The longest pause, whatever `Retry-After` says (default 5 minutes).
    pub fn max_pause(mut self, pause: Duration) -> Self {
        self.max_pause = pause;
        self
    }

    fn min_limit(&self) -> usize {
        self.min.min(self.max)
    }
}

/// How one answer went, for [`Pacer::observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// FinHub answered normally (any status but 408, 429 and 5xx).
    Healthy,
    /// FinHub asked to slow down: a 429, or an answer with `Retry-After`.
    Throttled {
        /// The answer's `Retry-After`, if it had one.
        retry_after: Option<Duration>,
    },
    /// A 5xx or 408, or no answer at all (connection failure, timeout).
    ServerError,
}

impl Outcome {
    /// The outcome of an attempt that got `status` (`None`: no answer) and
    /// `retry_after`.
    pub fn of(status: Option<u16>, retry_after: Option<Duration>) -> Outcome {
        match (status, retry_after) {
            (Some(429), _) | (Some(_), Some(_)) => Outcome::Throttled { retry_after },
            (None, _) | (Some(408 | 500..=599), None) => Outcome::ServerError,
            (Some(_), None) => Outcome::Healthy,
        }
    }
}

/// The shared AIMD limiter of a batch (see the [module docs](self)).
/// Clones share one limit.
#[derive(Debug, Clone)]
pub struct Pacer {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    config: PacingConfig,
    permits: Arc<Semaphore>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The limit, with its fraction (grows by `1 / limit`).
    limit: f64,
    /// Whole permits the limit allows: `floor(limit)`.
    granted: usize,
    /// Permits to withdraw as they come back (a decrease below what is in
    /// use).
    owed: usize,
    in_use: usize,
    paused_until: Option<Instant>,
    errors: VecDeque<Instant>,
}

/// Leave to run one step; the permit goes back when dropped.
#[derive(Debug)]
pub struct Permit {
    shared: Arc<Shared>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.in_use -= 1;
        // Owed: withdrawn; otherwise it goes back to the semaphore here.
        if let Some(permit) = self.permit.take()
            && state.owed > 0
        {
            state.owed -= 1;
            permit.forget();
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits while a pause lasts (a pause may be extended meanwhile).
    async fn wait_out_pause(&self) {
        loop {
            let until = self.lock().paused_until;
            match until {
                Some(until) if Instant::now() < until => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// Multiplies the limit by the decrease factor.
    fn decrease(&self, state: &mut State) {
        let min = self.config.min_limit();
        state.limit = (state.limit * self.config.decrease).max(min as f64);
        let target = (state.limit.floor() as usize).max(min);
        let cut = state.granted.saturating_sub(target);
        state.granted = target;
        let removed = self.permits.forget_permits(cut);
        state.owed += cut - removed;
    }

    /// Adds `1 / limit`, up to the maximum.
    fn increase(&self, state: &mut State) {
        let max = self.config.max;
        state.limit = (state.limit + 1.0 / state.limit).min(max as f64);
        let target = (state.limit.floor() as usize).min(max);
        while state.granted < target {
            state.granted += 1;
            if state.owed > 0 {
                state.owed -= 1;
            } else {
                self.permits.add_permits(1);
            }
        }
    }
}

impl Pacer {
    /// A pacer configured by `config`.
    pub fn new(config: PacingConfig) -> Self {
        let initial = config.initial.clamp(config.min_limit(), config.max);
        Pacer {
            shared: Arc::new(Shared {
                permits: Arc::new(Semaphore::new(initial)),
                state: Mutex::new(State {
                    limit: initial as f64,
                    granted: initial,
                    owed: 0,
                    in_use: 0,
                    paused_until: None,
                    errors: VecDeque::new(),
                }),
                config,
            }),
        }
    }

    /// Waits for a pause to pass and a permit to be free (first come, first
    /// served), and returns the permit.
    pub async fn acquire(&self) -> Permit {
        self.shared.wait_out_pause().await;
        // The semaphore is never closed: always a permit.
        let permit = self.shared.permits.clone().acquire_owned().await.ok();
        self.shared.lock().in_use += 1;
        let permit = Permit {
            shared: self.shared.clone(),
            permit,
        };
        // A pause may have begun while waiting for the permit.
        self.shared.wait_out_pause().await;
        permit
    }

    /// Reports how one answer went (see the [module docs](self)).
    pub fn observe(&self, outcome: Outcome) {
        let shared = &self.shared;
        let mut state = shared.lock();
        let now = Instant::now();
        match outcome {
            Outcome::Healthy => {
                if state.in_use >= state.granted {
                    shared.increase(&mut state);
                }
            }
            Outcome::Throttled { retry_after } => {
                let pause = retry_after
                    .unwrap_or(shared.config.default_pause)
                    .min(shared.config.max_pause);
                let until = now + pause;
                match state.paused_until {
                    // Already paused: the decrease was made.
                    Some(current) if current > now => {
                        state.paused_until = Some(current.max(until));
                    }
                    _ => {
                        state.paused_until = Some(until);
                        shared.decrease(&mut state);
                    }
                }
            }
            Outcome::ServerError => {
                let window = shared.config.storm_window;
                state.errors.push_back(now);
                while state
                    .errors
                    .front()
                    .is_some_and(|at| now.duration_since(*at) > window)
                {
                    state.errors.pop_front();
                }
                if state.errors.len() >= shared.config.storm_errors {
                    state.errors.clear();
                    shared.decrease(&mut state);
                }
            }
        }
    }

    /// How many permits may be out at once now.
    pub fn limit(&self) -> usize {
        self.shared.lock().granted
    }

    /// How many permits are out.
    pub fn in_use(&self) -> usize {
        self.shared.lock().in_use
    }

    /// Until when new requests wait, if a pause is on.
    pub fn paused_until(&self) -> Option<Instant> {
        self.shared
            .lock()
            .paused_until
            .filter(|until| *until > Instant::now())
    }
}

impl Admission for Pacer {
    /// Waits while a pause lasts; takes no permit (the journey's step holds
    /// one).
    fn admit(&self, _operation: Operation) -> Sleep {
        let shared = self.shared.clone();
        Box::pin(async move { shared.wait_out_pause().await })
    }

    fn report(&self, _operation: Operation, outcome: AttemptOutcome) {
        self.observe(Outcome::of(outcome.status, outcome.retry_after));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(max: usize) -> Pacer {
        Pacer::new(PacingConfig::new(max))
    }

    /// Whether `acquire` gives a permit within `wait` (paused time: the
    /// runtime moves the clock itself when nothing else can run).
    async fn acquires_within(pacer: &Pacer, wait: Duration) -> Option<Permit> {
        tokio::time::timeout(wait, pacer.acquire()).await.ok()
    }

    #[test]
    fn outcomes_are_read_from_status_and_retry_after() {
        let wait = Some(Duration::from_secs(3));
        assert_eq!(
            Outcome::of(Some(429), None),
            Outcome::Throttled { retry_after: None }
        );
        assert_eq!(
            Outcome::of(Some(503), wait),
            Outcome::Throttled { retry_after: wait }
        );
        for status in [Some(500), Some(502), Some(503), Some(408), None] {
            assert_eq!(
                Outcome::of(status, None),
                Outcome::ServerError,
                "{status:?}"
            );
        }
        for status in [200, 201, 400, 401, 404, 409] {
            assert_eq!(
                Outcome::of(Some(status), None),
                Outcome::Healthy,
                "{status}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_permits_than_the_limit_are_out() {
        let pacer = pacer(3);
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(pacer.acquire().await);
        }
        assert_eq!(pacer.in_use(), 3);
        assert!(
            acquires_within(&pacer, Duration::from_secs(60))
                .await
                .is_none()
        );
        held.pop();
        assert!(
            acquires_within(&pacer, Duration::from_millis(1))
                .await
                .is_some()
        );
        assert_eq!(pacer.in_use(), 2, "the permit went back when dropped");
    }

    #[tokio::test(start_paused = true)]
    async fn healthy_answers_raise_the_limit_only_while_every_permit_is_used() {
        let pacer = Pacer::new(PacingConfig::new(4).initial(2));
        assert_eq!(pacer.limit(), 2);
        // One permit of two in use: not the bottleneck, no growth.
        let first = pacer.acquire().await;
        for _ in 0..50 {
            pacer.observe(Outcome::Healthy);
        }
        assert_eq!(pacer.limit(), 2);
        // Both in use: grows, by less than one permit per answer.
        let second = pacer.acquire().await;
        pacer.observe(Outcome::Healthy);
        assert_eq!(pacer.limit(), 2, "+1/2 is not yet a whole permit");
        let mut answers = 1;
        while pacer.limit() == 2 {
            pacer.observe(Outcome::Healthy);
            answers += 1;
        }
        assert_eq!(pacer.limit(), 3);
        assert!(answers >= 2, "{answers}");
        // The new permit can be taken at once.
        let third = acquires_within(&pacer, Duration::from_millis(1)).await;
        assert!(third.is_some());
        for _ in 0..1000 {
            pacer.observe(Outcome::Healthy);
        }
        assert_eq!(pacer.limit(), 4, "never above the maximum");
        drop((first, second, third));
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_pauses_everyone_for_retry_after_and_halves_the_limit_once() {
        let pacer = pacer(8);
        let started = Instant::now();
        pacer.observe(Outcome::Throttled {
            retry_after: Some(Duration::from_secs(10)),
        });
        assert_eq!(pacer.limit(), 4);
        assert_eq!(
            pacer.paused_until(),
            Some(started + Duration::from_secs(10))
        );
        // Throttled answers of requests already sent: the pause grows to
        // the longest, the limit is not cut again.
        pacer.observe(Outcome::Throttled {
            retry_after: Some(Duration::from_secs(12)),
        });
        pacer.observe(Outcome::Throttled { retry_after: None });
        assert_eq!(pacer.limit(), 4);
        assert!(
            acquires_within(&pacer, Duration::from_millis(11_999))
                .await
                .is_none()
        );
        let permit = pacer.acquire().await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(12),
            "exactly the Retry-After"
        );
        drop(permit);
        // A throttle after the pause is a new one.
        pacer.observe(Outcome::Throttled { retry_after: None });
        assert_eq!(pacer.limit(), 2);
        let before = Instant::now();
        drop(pacer.acquire().await);
        assert_eq!(
            before.elapsed(),
            Duration::from_secs(1),
            "the default pause"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_an_acquire_already_waiting_for_a_permit() {
        let pacer = pacer(1);
        let held = pacer.acquire().await;
        let waiting = tokio::spawn({
            let pacer = pacer.clone();
            async move {
                let _permit = pacer.acquire().await;
                Instant::now()
            }
        });
        tokio::task::yield_now().await;
        let throttled_at = Instant::now();
        pacer.observe(Outcome::Throttled {
            retry_after: Some(Duration::from_secs(5)),
        });
        drop(held);
        let got_at = waiting.await.unwrap();
        assert_eq!(got_at - throttled_at, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_storm_of_server_errors_cuts_the_limit_scattered_errors_do_not() {
        let pacer = Pacer::new(PacingConfig::new(16).storm(3, Duration::from_secs(10)));
        for _ in 0..4 {
            pacer.observe(Outcome::ServerError);
            tokio::time::advance(Duration::from_secs(6)).await;
        }
        assert_eq!(pacer.limit(), 16, "never 3 within 10 s");
        tokio::time::advance(Duration::from_secs(11)).await;
        pacer.observe(Outcome::ServerError);
        pacer.observe(Outcome::ServerError);
        assert_eq!(pacer.limit(), 16);
        pacer.observe(Outcome::ServerError);
        assert_eq!(pacer.limit(), 8);
        assert_eq!(pacer.paused_until(), None, "a storm does not pause");
        for _ in 0..3 {
            pacer.observe(Outcome::ServerError);
        }
        assert_eq!(pacer.limit(), 4, "the next storm cuts again");
        for _ in 0..30 {
            pacer.observe(Outcome::ServerError);
        }
        assert_eq!(pacer.limit(), 1, "never below the minimum");
    }

    #[tokio::test(start_paused = true)]
    async fn a_cut_takes_effect_as_permits_come_back() {
        let pacer = pacer(4);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(pacer.acquire().await);
        }
        pacer.observe(Outcome::Throttled {
            retry_after: Some(Duration::ZERO),
        });
        assert_eq!(pacer.limit(), 2);
        // Two of the four come back: still two out, the limit.
        held.truncate(2);
        assert!(
            acquires_within(&pacer, Duration::from_secs(60))
                .await
                .is_none()
        );
        held.pop();
        assert!(
            acquires_within(&pacer, Duration::from_millis(1))
                .await
                .is_some()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn as_an_admission_gate_the_pacer_holds_every_request_during_a_pause() {
        let pacer = pacer(4);
        let gate: &dyn Admission = &pacer;
        gate.report(
            Operation::CreateCustomerSession,
            AttemptOutcome {
                status: Some(429),
                retry_after: Some(Duration::from_secs(7)),
            },
        );
        assert_eq!(pacer.limit(), 2);
        let before = Instant::now();
        gate.admit(Operation::ListCustomerWallets).await;
        assert_eq!(before.elapsed(), Duration::from_secs(7));
        gate.report(
            Operation::ListCustomerWallets,
            AttemptOutcome {
                status: Some(200),
                retry_after: None,
            },
        );
        let before = Instant::now();
        gate.admit(Operation::ListCustomerWallets).await;
        assert_eq!(before.elapsed(), Duration::ZERO, "no pause: no wait");
    }
}
