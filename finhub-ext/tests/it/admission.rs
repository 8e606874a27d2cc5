//! Stage 4 of the pipeline, admission: a gate of the caller's that every
//! attempt waits at, told each attempt's status and `Retry-After`. Runs on
//! tokio's paused time: the test moves time itself, and a running
//! `spawn_blocking` task keeps tokio from moving it on its own while
//! requests are on the wire.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use finhub_ext::admission::{Admission, AttemptOutcome};
use finhub_ext::{CustomerCredentials, Operation, RetryPolicy, Sleep};
use httpmock::prelude::*;
use serde_json::json;
use tokio::time::Instant;

const HIERARCHY: &str =
    "/api/v2.1/customer/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";

/// A gate that closes for the `Retry-After` of a 429, counts the attempts
/// waiting at it and records every report.
#[derive(Debug, Default)]
struct PauseGate {
    closed_until: Arc<Mutex<Option<Instant>>>,
    waiting: Arc<AtomicUsize>,
    reports: Mutex<Vec<(Operation, AttemptOutcome)>>,
}

impl Admission for PauseGate {
    fn admit(&self, _operation: Operation) -> Sleep {
        let (closed_until, waiting) = (self.closed_until.clone(), self.waiting.clone());
        Box::pin(async move {
            waiting.fetch_add(1, Ordering::SeqCst);
            loop {
                let until = *closed_until.lock().unwrap();
                match until {
                    Some(until) if Instant::now() < until => tokio::time::sleep_until(until).await,
                    _ => break,
                }
            }
            waiting.fetch_sub(1, Ordering::SeqCst);
        })
    }

    fn report(&self, operation: Operation, outcome: AttemptOutcome) {
        if outcome.status == Some(429) {
            let wait = outcome.retry_after.unwrap_or(Duration::from_secs(1));
            *self.closed_until.lock().unwrap() = Some(Instant::now() + wait);
        }
        self.reports.lock().unwrap().push((operation, outcome));
    }
}

#[tokio::test(start_paused = true)]
async fn a_gate_closed_by_a_429_holds_back_every_other_call_until_retry_after() {
    // While this blocking task runs, paused time moves only when told to.
    let (release_clock, held) = std::sync::mpsc::channel::<()>();
    let hold_clock = tokio::task::spawn_blocking(move || held.recv());

    let double = Double::start().await;
    double.admin_login().await;
    let throttled = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(HIERARCHY);
            then.status(429)
                .header("retry-after", "30")
                .json_body(json!({"code": 429, "message": "slow down"}));
        })
        .await;
    let logins = double.customer_login("customer-token-1", "refresh-1").await;
    let gate = Arc::new(PauseGate::default());
    let client = double
        .builder()
        .retry_policy(RetryPolicy::disabled())
        .admission(gate.clone())
        .build()
        .unwrap();

    // The 429 closes the gate for 30 s.
    assert!(client.categorization_hierarchy().await.is_err());
    assert_eq!(throttled.calls_async().await, 1);
    assert!(gate.reports.lock().unwrap().contains(&(
        Operation::GetCategorizationHierarchy,
        AttemptOutcome {
            status: Some(429),
            retry_after: Some(Duration::from_secs(30)),
        }
    )));

    // Three other calls, of another operation, at the same time.
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .customer_login(CustomerCredentials::new(
                        CUSTOMER,
                        USER,
                        "marcus@example.test",
                        "canary-customer-password-2b8e",
                    ))
                    .await
            })
        })
        .collect();
    let settle = || async {
        // Real time, for a request sent by mistake to reach the server (the
        // runtime serves sockets meanwhile); paused time does not move.
        tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))
            .await
            .unwrap();
    };
    settle().await;
    assert_eq!(
        gate.waiting.load(Ordering::SeqCst),
        3,
        "the calls wait at the gate"
    );
    tokio::time::advance(Duration::from_secs(29)).await;
    settle().await;
    assert_eq!(
        gate.waiting.load(Ordering::SeqCst),
        3,
        "still closed after 29 s"
    );
    assert_eq!(
        logins.calls_async().await,
        0,
        "sent while the gate was closed"
    );
    assert!(calls.iter().all(|call| !call.is_finished()));

    // The Retry-After has passed: all three go.
    tokio::time::advance(Duration::from_secs(2)).await;
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(logins.calls_async().await, 3);
    let logins_reported = gate
        .reports
        .lock()
        .unwrap()
        .iter()
        .filter(|(op, outcome)| {
            *op == Operation::CreateCustomerSession && outcome.status == Some(200)
        })
        .count();
    assert_eq!(logins_reported, 3);

    release_clock.send(()).unwrap();
    hold_clock.await.unwrap().unwrap();
}

#[tokio::test]
async fn every_attempt_waits_at_the_gate_and_a_lost_response_is_reported_without_status() {
    let double = Double::start().await;
    double.admin_login().await;
    let unavailable = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(HIERARCHY);
            then.status(503)
                .json_body(json!({"code": 503, "message": "busy"}));
        })
        .await;
    let gate = Arc::new(PauseGate::default());
    let client = double
        .builder()
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .admission(gate.clone())
        .build()
        .unwrap();
    assert!(client.categorization_hierarchy().await.is_err());
    assert_eq!(unavailable.calls_async().await, 3);
    let hierarchy: Vec<AttemptOutcome> = gate
        .reports
        .lock()
        .unwrap()
        .iter()
        .filter(|(op, _)| *op == Operation::GetCategorizationHierarchy)
        .map(|(_, outcome)| *outcome)
        .collect();
    assert_eq!(
        hierarchy,
        vec![
            AttemptOutcome {
                status: Some(503),
                retry_after: None
            };
            3
        ],
        "each retry is an attempt of its own"
    );

    // Nothing listens here: no response at all.
    let gate = Arc::new(PauseGate::default());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let client = double
        .builder()
        .base_url(format!("http://{address}"))
        .retry_policy(RetryPolicy::disabled())
        .admission(gate.clone())
        .build()
        .unwrap();
    assert!(client.admin_login().await.is_err());
    assert_eq!(
        gate.reports.lock().unwrap().as_slice(),
        &[(
            Operation::CreateAdminSession,
            AttemptOutcome {
                status: None,
                retry_after: None
            }
        )]
    );
}
