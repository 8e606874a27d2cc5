//! The retry matrix: which failures are retried for which operations, how
//! long the client waits, and that POSTs are never sent twice. What is
//! retried comes from the oracle (`common::oracle`, written from the docs),
//! not from the client's own table. Back-off runs on a `ManualClock`:
//! nothing sleeps, and every wait is read back exactly.

use std::time::Duration;

use crate::common::oracle;
use crate::common::*;
use finhub_ext::Operation;
use finhub_ext::operation::TokenKind;
use finhub_ext::{Error, FinhubClient, RetryPolicy};
use httpmock::prelude::*;
use serde_json::json;

const HIERARCHY: &str =
    "/api/v2.1/customer/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";

/// The statuses of the matrix: every error status FinHub documents, every
/// status the finhub-ext README retries, and a few the client must not retry.
const STATUSES: [u16; 13] = [
    400, 403, 404, 405, 408, 409, 422, 429, 500, 501, 502, 503, 504,
];

async fn failing<'a>(
    double: &'a Double,
    method: httpmock::Method,
    path: &str,
    status: u16,
    retry_after: Option<&str>,
) -> httpmock::Mock<'a> {
    let (path, retry_after) = (path.to_string(), retry_after.map(str::to_string));
    double
        .server
        .mock_async(move |when, then| {
            when.method(method).path(path);
            let then = then
                .status(status)
                .json_body(json!({"code": status, "message": "unavailable"}));
            if let Some(wait) = retry_after {
                then.header("retry-after", wait);
            }
        })
        .await
}

/// Succeeding logins, except for `target`.
async fn logins_except(double: &Double, target: &str) {
    if target != "create_admin_session" {
        double.admin_login().await;
    }
    if target != "create_customer_session" {
        double.customer_login("customer-token-1", "refresh-1").await;
    }
}

#[tokio::test]
async fn every_operation_is_retried_exactly_as_the_oracle_says_on_every_status() {
    let initial = Duration::from_millis(100);
    let mut checked = 0;
    for op in oracle::OPERATIONS {
        for status in STATUSES {
            let double = Double::start().await;
            logins_except(&double, op.id).await;
            let target = failing(&double, method_of(op), &path_of(op), status, None).await;
            // Retries only: a documented alternative's second request (the
            // other form after 403, 404, 405…) is `tests/it/alternatives.rs`'s.
            let client = double.builder().form_fallback(false).build().unwrap();
            let mut customer = None;
            if op.id != "create_customer_session" {
                customer = Some(double.login_customer(&client).await);
            }
            let result = call_operation(op.id, &client, &mut customer).await;

            let expected = op.attempts_on_status(status);
            let calls = target.calls_async().await;
            assert_eq!(
                calls, expected as usize,
                "{} answered {status}: {calls} requests, the oracle says {expected} ({result:?})",
                op.id
            );
            // A refresh the server does not offer (404, 405) falls back to
            // logging in; every other failure is the call's error.
            if !(op.id == "refresh_customer_session" && matches!(status, 404 | 405)) {
                let err = result.expect_err(op.id);
                assert_eq!(err.status(), Some(status), "{}: {err}", op.id);
                assert_eq!(err.operation().map(Operation::id), Some(op.id), "{err}");
                // `Error::is_retryable` agrees with the retry policy: the
                // oracle's retryable statuses (408 included).
                assert_eq!(
                    err.is_retryable(),
                    oracle::RETRYABLE_STATUSES.contains(&status),
                    "{} {status}: {err:?}",
                    op.id
                );
            }
            // Jittered exponential back-off: between half and all of
            // 100 ms × 2^(retry - 1).
            let sleeps = double.clock.sleeps();
            assert_eq!(sleeps.len(), expected as usize - 1, "{}: {sleeps:?}", op.id);
            for (retry, slept) in sleeps.iter().enumerate() {
                let cap = initial * (1 << retry);
                assert!(
                    *slept >= cap / 2 && *slept <= cap,
                    "{} retry {}: slept {slept:?}, expected {:?}..={cap:?}",
                    op.id,
                    retry + 1,
                    cap / 2
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, oracle::OPERATIONS.len() * STATUSES.len());
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped_at_30_seconds_by_default() {
    let double = Double::start().await;
    double.admin_login().await;
    let mock = failing(&double, GET, HIERARCHY, 429, Some("7")).await;
    let err = double
        .client()
        .categorization_hierarchy()
        .await
        .unwrap_err();
    assert_eq!(mock.calls_async().await, oracle::MAX_ATTEMPTS as usize);
    assert_eq!(double.clock.sleeps(), [Duration::from_secs(7); 2]);
    match err {
        Error::RateLimited {
            retry_after,
            details,
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
            assert_eq!(details.status, Some(429));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }

    // The default policy (the test double's only shortens the back-off)
    // honours a `Retry-After` up to 30 s.
    let double = Double::start().await;
    double.admin_login().await;
    failing(&double, GET, HIERARCHY, 503, Some("3600")).await;
    let client = double
        .builder()
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap();
    client.categorization_hierarchy().await.unwrap_err();
    let cap = Duration::from_secs(oracle::MAX_RETRY_AFTER_SECS);
    assert_eq!(double.clock.sleeps(), [cap; 2]);

    let double = Double::start().await;
    double.admin_login().await;
    failing(&double, GET, HIERARCHY, 503, Some("3600")).await;
    let client = double
        .builder()
        .retry_policy(RetryPolicy::default().max_retry_after(Duration::from_secs(5)))
        .build()
        .unwrap();
    client.categorization_hierarchy().await.unwrap_err();
    assert_eq!(double.clock.sleeps(), [Duration::from_secs(5); 2]);
}

#[tokio::test]
async fn refused_connections_are_retried_even_for_posts_because_nothing_was_sent() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let clock = std::sync::Arc::new(finhub_ext::ManualClock::new(start_time()));
    let client = FinhubClient::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .tenant_id(TENANT)
        .tenant_key("k")
        .tenant_secret("s")
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = client
        .customer_login(finhub_ext::CustomerCredentials::new(
            CUSTOMER, USER, "u", "p",
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Transport { operation, message } => {
            assert_eq!(*operation, Operation::CreateCustomerSession);
            assert!(message.starts_with("connection failed"), "{message}");
        }
        other => panic!("expected Transport, got {other:?}"),
    }
    assert!(err.is_retryable());
    // Every attempt of the policy, the first included.
    assert_eq!(clock.sleeps().len(), oracle::MAX_ATTEMPTS as usize - 1);
}

/// Waits (at most 10 s) until `mock` has seen `count` requests, and returns
/// what it has seen: the server records a request a moment after the
/// client has given up on it.
async fn requests_seen(mock: &httpmock::Mock<'_>, count: usize) -> usize {
    for _ in 0..100 {
        let seen = mock.calls_async().await;
        if seen >= count {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    mock.calls_async().await
}

/// The server never answers within the test (a minute's delay), so the
/// client's timeout (1 s) always fires first; the calls carry no token
/// (`token_route`), so no other request has to answer in time either.
#[tokio::test]
async fn timeouts_are_typed_and_only_idempotent_calls_repeat() {
    let double = Double::start().await;
    let slow_get = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(HIERARCHY);
            then.status(200)
                .delay(Duration::from_secs(60))
                .json_body(json!({"code": 200, "data": {}}));
        })
        .await;
    let slow_post = double
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/registration");
            then.status(200)
                .delay(Duration::from_secs(60))
                .json_body(json!({"code": 200, "data": {}}));
        })
        .await;
    let client = double
        .builder()
        .timeout(Duration::from_secs(1))
        .token_route(Operation::GetCategorizationHierarchy, TokenKind::None)
        .token_route(Operation::RegisterIndividualCustomer, TokenKind::None)
        .build()
        .unwrap();
    let err = client.categorization_hierarchy().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: Operation::GetCategorizationHierarchy
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    let get = oracle::expected("get_categorization_hierarchy").attempts_on_transport_failure();
    assert_eq!(requests_seen(&slow_get, get as usize).await, get as usize);
    assert_eq!(double.clock.sleeps().len(), get as usize - 1);

    let err = client.register_customer(&registration()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: Operation::RegisterIndividualCustomer
            }
        ),
        "{err:?}"
    );
    let post = oracle::expected("register_individual_customer").attempts_on_transport_failure();
    assert_eq!(post, 1);
    assert_eq!(requests_seen(&slow_post, 1).await, 1);
    assert_eq!(double.clock.sleeps().len(), get as usize - 1, "no back-off");
}
