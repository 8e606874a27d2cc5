//! Fault injection: make chosen operations slow, fail, drop the connection
//! (before or after doing the work) or answer garbage, so a client's timeouts, retries and error handling can
//! be tested against a real server.
//!
//! A [`FaultRule`] names an operation (or all), a [`FaultKind`], a rate
//! (probability per request, drawn from a seeded generator, so a test run is
//! repeatable) and optionally how many of the next requests it applies to.
//! Rules are set in process through [`Faults`] (from
//! [`Sandbox::faults`](crate::Sandbox::faults)) or over HTTP at
//! `/__sandbox/faults` with the same JSON shape.
//!
//! When no rule is set, a request costs one atomic load here.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::StatusCode;
use finhub_api::Operation;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::limits::MAX_LATENCY_MS;
use crate::stats::Counters;

/// What a fault does to a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum FaultKind {
    /// Waits `ms` milliseconds before the request is handled (adds up with
    /// other latency rules; combines with any other fault). At most
    /// 600 000 (10 minutes).
    #[serde(rename_all = "camelCase")]
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Answers `status` in the error envelope without handling the request
    /// (no side effect), with `Retry-After` when `retry_after` is set
    /// (e.g. 429 with `retryAfter: 2`, or 503).
    #[serde(rename_all = "camelCase")]
    Status {
        /// HTTP status, 200–599.
        status: u16,
        /// Seconds for the `Retry-After` header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Closes the connection without any response (the request is not
    /// handled).
    DropConnection,
    /// Answers 200 with `Content-Type: application/json` and a body that is
    /// not JSON, without handling the request.
    MalformedJson,
    /// Handles the request (side effects happen) and then closes the
    /// connection without sending the answer: the server did the work, the
    /// client never learns it. A client must not send such a POST again
    /// blindly; it reads the state back first.
    DropAfterProcessing,
    /// Handles the request (side effects happen) and sends only the first
    /// half of its body, with a matching `Content-Length`: the answer the
    /// client gets is cut-off JSON.
    TruncatedBody,
    /// Handles the request (side effects happen) and sends its JSON body as
    /// `Content-Type: text/html; charset=utf-8`.
    WrongContentType,
}

/// One fault: which operation, what, how often, how many times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// The operation it applies to; `None` (omitted) for every operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// What it does.
    pub kind: FaultKind,
    /// Probability that it fires on a matching request, 0.0–1.0 (default 1).
    #[serde(default = "always")]
    pub rate: f64,
    /// Applies to the next `times` matching requests only (fired or not),
    /// then disappears; `None` keeps it until removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Lets the first `after` matching requests through untouched (not
    /// counted in `times`), so a rule can hit, say, the second document
    /// upload only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    /// A rule of `kind` for every operation, always firing, until removed.
    pub fn new(kind: FaultKind) -> Self {
        FaultRule {
            operation: None,
            kind,
            rate: 1.0,
            times: None,
            after: None,
        }
    }

    /// Answers `status` (e.g. 500, 503) instead of handling the request.
    pub fn status(status: u16) -> Self {
        FaultRule::new(FaultKind::Status {
            status,
            retry_after: None,
        })
    }

    /// Answers 429 with `Retry-After: retry_after_secs`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        FaultRule::new(FaultKind::Status {
            status: 429,
            retry_after: Some(retry_after_secs),
        })
    }

    /// Delays the request by `delay` (millisecond precision; at most 10
    /// minutes, see [`validate`](Self::validate)).
    pub fn latency(delay: Duration) -> Self {
        FaultRule::new(FaultKind::Latency {
            ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Closes the connection without a response.
    pub fn drop_connection() -> Self {
        FaultRule::new(FaultKind::DropConnection)
    }

    /// Handles the request, then closes the connection without the answer
    /// (the work is done, the answer is lost).
    pub fn drop_after_processing() -> Self {
        FaultRule::new(FaultKind::DropAfterProcessing)
    }

    /// Answers 200 with a body that is not JSON.
    pub fn malformed_json() -> Self {
        FaultRule::new(FaultKind::MalformedJson)
    }

    /// Handles the request but cuts its body in half.
    pub fn truncated_body() -> Self {
        FaultRule::new(FaultKind::TruncatedBody)
    }

    /// Handles the request but labels its body `text/html`.
    pub fn wrong_content_type() -> Self {
        FaultRule::new(FaultKind::WrongContentType)
    }

    /// Limits the rule to `operation`.
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Fires with probability `rate` (0.0–1.0) on each matching request: an
    /// error rate.
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }

    /// Applies to the next `n` matching requests only.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Lets the first `n` matching requests through untouched before the
    /// rule applies (with [`times`](Self::times): to the next `times`
    /// after those).
    pub fn after(mut self, n: u64) -> Self {
        self.after = Some(n);
        self
    }

    /// Checks the values a rule may take.
    pub fn validate(&self) -> Result<(), InvalidFault> {
        if !(0.0..=1.0).contains(&self.rate) {
            return Err(InvalidFault(format!(
                "rate must be between 0 and 1 (got {})",
                self.rate
            )));
        }
        if let FaultKind::Status { status, .. } = self.kind
            && !(200..=599).contains(&status)
        {
            return Err(InvalidFault(format!(
                "status must be between 200 and 599 (got {status})"
            )));
        }
        if self.times == Some(0) {
            return Err(InvalidFault("times must be at least 1".into()));
        }
        if let FaultKind::Latency { ms } = self.kind
            && ms > MAX_LATENCY_MS
        {
            return Err(InvalidFault(format!(
                "kind.ms must be at most {MAX_LATENCY_MS} (10 minutes; got {ms})"
            )));
        }
        Ok(())
    }
}

/// A fault rule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault rule: {0}")]
pub struct InvalidFault(pub String);

/// Identifies an injected rule, to remove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(pub u64);

/// A rule in force, as listed by [`Faults::list`] and `GET /__sandbox/faults`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveFault {
    /// Its id.
    pub id: FaultId,
    /// The rule.
    #[serde(flatten)]
    pub rule: FaultRule,
    /// Matching requests it still applies to (`None`: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Matching requests it still lets through before it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passing: Option<u64>,
}

/// What the server does instead of (or around) handling a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Status {
        status: StatusCode,
        retry_after: Option<u64>,
    },
    DropConnection,
    DropAfterProcessing,
    MalformedJson,
    TruncatedBody,
    WrongContentType,
}

/// Response marker of [`Action::DropConnection`]: close the connection
/// instead of answering (the connection service turns it into a connection
/// error).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// Response marker: an injected fault shaped this response; it is sent as
/// the fault made it (e.g. an error labelled `text/html`), not re-wrapped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InjectedFault;

/// The faults chosen for one request.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    pub latency: Duration,
    pub action: Option<Action>,
}

/// Handle on the sandbox's fault rules; clones share them.
#[derive(Clone, Debug)]
pub struct Faults {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Number of rules; read without locking on every request.
    active: AtomicUsize,
    next_id: AtomicU64,
    state: Mutex<State>,
    counters: Arc<Counters>,
}

#[derive(Debug)]
struct State {
    rules: Vec<ActiveFault>,
    rng: StdRng,
}

impl Faults {
    pub(crate) fn new(seed: u64, counters: Arc<Counters>) -> Self {
        Faults {
            inner: Arc::new(Inner {
                active: AtomicUsize::new(0),
                next_id: AtomicU64::new(1),
                state: Mutex::new(State {
                    rules: Vec::new(),
                    rng: StdRng::seed_from_u64(seed),
                }),
                counters,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the rules half-edited.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a rule; rules apply in the order they were added.
    pub fn inject(&self, rule: FaultRule) -> Result<FaultId, InvalidFault> {
        rule.validate()?;
        let id = FaultId(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let mut state = self.state();
        state.rules.push(ActiveFault {
            id,
            remaining: rule.times,
            passing: rule.after.filter(|n| *n > 0),
            rule,
        });
        self.inner
            .active
            .store(state.rules.len(), Ordering::Release);
        Ok(id)
    }

    /// Removes one rule; `false` if it was not (or no longer) there.
    pub fn remove(&self, id: FaultId) -> bool {
        let mut state = self.state();
        let before = state.rules.len();
        state.rules.retain(|fault| fault.id != id);
        self.inner
            .active
            .store(state.rules.len(), Ordering::Release);
        state.rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut state = self.state();
        state.rules.clear();
        self.inner.active.store(0, Ordering::Release);
    }

    /// The rules in force.
    pub fn list(&self) -> Vec<ActiveFault> {
        self.state().rules.clone()
    }

    /// Restarts the rate generator from `seed`.
    pub fn reseed(&self, seed: u64) {
        self.state().rng = StdRng::seed_from_u64(seed);
    }

    /// Chooses the faults for one request of `operation`.
    pub(crate) fn decide(&self, operation: Operation) -> Decision {
        let mut decision = Decision::default();
        if self.inner.active.load(Ordering::Acquire) == 0 {
            return decision;
        }
        let mut state = self.state();
        let State { rules, rng } = &mut *state;
        let mut exhausted = false;
        for fault in rules.iter_mut() {
            if fault.rule.operation.is_some_and(|op| op != operation) {
                continue;
            }
            if let Some(passing) = &mut fault.passing {
                *passing -= 1;
                if *passing == 0 {
                    fault.passing = None;
                }
                continue;
            }
            if let Some(remaining) = &mut fault.remaining {
                *remaining = remaining.saturating_sub(1);
                exhausted |= *remaining == 0;
            }
            let fires = fault.rule.rate >= 1.0
                || (fault.rule.rate > 0.0 && rng.random::<f64>() < fault.rule.rate);
            if !fires {
                continue;
            }
            match fault.rule.kind {
                FaultKind::Latency { ms } => {
                    decision.latency = decision.latency.saturating_add(Duration::from_millis(ms));
                }
                _ if decision.action.is_some() => continue,
                FaultKind::Status {
                    status,
                    retry_after,
                } => {
                    decision.action = Some(Action::Status {
                        status: StatusCode::from_u16(status)
                            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                        retry_after,
                    });
                }
                FaultKind::DropConnection => decision.action = Some(Action::DropConnection),
                FaultKind::DropAfterProcessing => {
                    decision.action = Some(Action::DropAfterProcessing);
                }
                FaultKind::MalformedJson => decision.action = Some(Action::MalformedJson),
                FaultKind::TruncatedBody => decision.action = Some(Action::TruncatedBody),
                FaultKind::WrongContentType => decision.action = Some(Action::WrongContentType),
            }
            self.inner.counters.fault_injected();
        }
        if exhausted {
            rules.retain(|fault| fault.remaining != Some(0));
            self.inner.active.store(rules.len(), Ordering::Release);
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(seed: u64) -> Faults {
        Faults::new(seed, Arc::new(Counters::default()))
    }

    #[test]
    fn no_rules_no_faults() {
        assert_eq!(
            faults(0).decide(Operation::CreateAdminSession),
            Decision::default()
        );
    }

    #[test]
    fn rules_match_operation_and_expire_after_n() {
        let f = faults(0);
        f.inject(
            FaultRule::status(503)
                .on(Operation::CreateAdminSession)
                .times(2),
        )
        .unwrap();
        assert_eq!(f.decide(Operation::GetVerification).action, None);
        for _ in 0..2 {
            assert!(matches!(
                f.decide(Operation::CreateAdminSession).action,
                Some(Action::Status { status, .. }) if status == StatusCode::SERVICE_UNAVAILABLE
            ));
        }
        assert_eq!(f.decide(Operation::CreateAdminSession).action, None);
        assert!(f.list().is_empty());
    }

    #[test]
    fn after_lets_the_first_matching_requests_through() {
        let f = faults(0);
        f.inject(
            FaultRule::drop_after_processing()
                .on(Operation::AcceptConsent)
                .after(2)
                .times(1),
        )
        .unwrap();
        assert_eq!(f.list()[0].passing, Some(2));
        // Another operation does not count.
        assert_eq!(f.decide(Operation::GetVerification).action, None);
        assert_eq!(f.decide(Operation::AcceptConsent).action, None);
        assert_eq!(f.decide(Operation::AcceptConsent).action, None);
        assert_eq!(
            f.decide(Operation::AcceptConsent).action,
            Some(Action::DropAfterProcessing)
        );
        assert_eq!(f.decide(Operation::AcceptConsent).action, None);
        assert!(f.list().is_empty());
        let rule: FaultRule =
            serde_json::from_str(r#"{"kind":{"type":"dropAfterProcessing"},"after":1}"#).unwrap();
        assert_eq!(rule, FaultRule::drop_after_processing().after(1));
    }

    #[test]
    fn latency_adds_up_and_first_action_wins() {
        let f = faults(0);
        f.inject(FaultRule::latency(Duration::from_millis(5)))
            .unwrap();
        f.inject(FaultRule::latency(Duration::from_millis(7)))
            .unwrap();
        f.inject(FaultRule::drop_connection()).unwrap();
        let id = f.inject(FaultRule::status(500)).unwrap();
        let decision = f.decide(Operation::AcceptConsent);
        assert_eq!(decision.latency, Duration::from_millis(12));
        assert_eq!(decision.action, Some(Action::DropConnection));
        assert!(f.remove(id));
        assert!(!f.remove(id));
        f.clear();
        assert_eq!(f.decide(Operation::AcceptConsent), Decision::default());
    }

    #[test]
    fn rates_are_deterministic_per_seed() {
        let run = |seed| {
            let f = faults(seed);
            f.inject(FaultRule::status(500).rate(0.3)).unwrap();
            (0..200)
                .map(|_| f.decide(Operation::GetVerification).action.is_some())
                .collect::<Vec<_>>()
        };
        let first = run(7);
        assert_eq!(first, run(7));
        let fired = first.iter().filter(|x| **x).count();
        assert!((30..=90).contains(&fired), "{fired} of 200 at rate 0.3");
        assert_ne!(first, run(8));
    }

    #[test]
    fn invalid_rules_are_refused_and_json_round_trips() {
        let f = faults(0);
        assert!(f.inject(FaultRule::status(503).rate(1.5)).is_err());
        assert!(f.inject(FaultRule::status(99)).is_err());
        assert!(f.inject(FaultRule::status(503).times(0)).is_err());
        assert!(
            f.inject(FaultRule::latency(Duration::from_millis(
                MAX_LATENCY_MS + 1
            )))
            .unwrap_err()
            .0
            .contains("kind.ms")
        );
        assert!(f.list().is_empty());
        // The documented bounds, exactly: status 200–599, rate 0–1, at most
        // 600 000 ms of latency.
        for status in [199, 600] {
            assert!(FaultRule::status(status).validate().is_err(), "{status}");
        }
        for status in [200, 599] {
            assert!(FaultRule::status(status).validate().is_ok(), "{status}");
        }
        for rate in [-0.01, 1.01, f64::NAN] {
            assert!(
                FaultRule::status(503).rate(rate).validate().is_err(),
                "{rate}"
            );
        }
        for rate in [0.0, 1.0] {
            assert!(
                FaultRule::status(503).rate(rate).validate().is_ok(),
                "{rate}"
            );
        }
        assert_eq!(MAX_LATENCY_MS, 10 * 60 * 1000);
        assert!(
            FaultRule::latency(Duration::from_millis(MAX_LATENCY_MS))
                .validate()
                .is_ok()
        );
        let rule: FaultRule = serde_json::from_str(
            r#"{"operation":"create_admin_session","kind":{"type":"status","status":429,"retryAfter":2},"rate":0.5,"times":3}"#,
        )
        .unwrap();
        assert_eq!(
            rule,
            FaultRule::too_many_requests(2)
                .on(Operation::CreateAdminSession)
                .rate(0.5)
                .times(3)
        );
        let back: FaultRule = serde_json::from_value(serde_json::to_value(&rule).unwrap()).unwrap();
        assert_eq!(back, rule);
        let rule: FaultRule =
            serde_json::from_str(r#"{"kind":{"type":"dropConnection"}}"#).unwrap();
        assert_eq!(rule, FaultRule::drop_connection());
        let rule: FaultRule = serde_json::from_str(
            r#"{"operation":"register_individual_customer","kind":{"type":"dropAfterProcessing"},"times":1}"#,
        )
        .unwrap();
        assert_eq!(
            rule,
            FaultRule::drop_after_processing()
                .on(Operation::RegisterIndividualCustomer)
                .times(1)
        );
        assert!(serde_json::from_str::<FaultRule>(r#"{"kind":{"type":"explode"}}"#).is_err());
    }
}
