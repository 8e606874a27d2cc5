//! The retry matrix: which failures are retried for which operations, how
//! long the client waits, and that POSTs are never sent twice.

mod common;

use std::time::Duration;

use common::*;
use finhub_ext::{Error, FinhubClient, RetryPolicy};
use httpmock::prelude::*;
use serde_json::json;

const HIERARCHY: &str =
    "/api/v2.1/customer/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";

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

#[tokio::test]
async fn idempotent_operations_are_retried_on_retryable_statuses_with_backoff() {
    for status in [408, 429, 502, 503, 504] {
        let double = Double::start().await;
        double.admin_login().await;
        let mock = failing(&double, GET, HIERARCHY, status, None).await;
        let err = double
            .client()
            .categorization_hierarchy()
            .await
            .unwrap_err();
        assert_eq!(mock.calls_async().await, 3, "status {status}");
        assert_eq!(err.status(), Some(status));
        let sleeps = double.clock.sleeps();
        assert_eq!(sleeps.len(), 2, "status {status}");
        assert!(
            sleeps[0] >= Duration::from_millis(50) && sleeps[0] <= Duration::from_millis(100),
            "{sleeps:?}"
        );
        assert!(
            sleeps[1] >= Duration::from_millis(100) && sleeps[1] <= Duration::from_millis(200),
            "{sleeps:?}"
        );
    }
}

#[tokio::test]
async fn other_statuses_are_not_retried() {
    for status in [400, 401, 403, 404, 409, 422, 500] {
        let double = Double::start().await;
        double.admin_login().await;
        let mock = failing(&double, GET, HIERARCHY, status, None).await;
        let err = double
            .client()
            .categorization_hierarchy()
            .await
            .unwrap_err();
        // A 401 renews the session and retries once; nothing else repeats.
        let expected = if status == 401 { 2 } else { 1 };
        assert_eq!(mock.calls_async().await, expected, "status {status}: {err}");
        assert!(double.clock.sleeps().is_empty());
    }
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let double = Double::start().await;
    double.admin_login().await;
    let mock = failing(&double, GET, HIERARCHY, 429, Some("7")).await;
    let err = double
        .client()
        .categorization_hierarchy()
        .await
        .unwrap_err();
    assert_eq!(mock.calls_async().await, 3);
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
async fn posts_that_may_have_reached_the_server_are_never_retried() {
    for status in [408, 429, 502, 503, 504] {
        let double = Double::start().await;
        double.admin_login().await;
        let registration_mock = failing(
            &double,
            POST,
            "/api/v2.1/customer/individual/registration",
            status,
            Some("1"),
        )
        .await;
        let activation = failing(
            &double,
            POST,
            &format!("/api/v2.1/customer/individual/{CUSTOMER}/activation"),
            status,
            None,
        )
        .await;
        let approval_mock = failing(
            &double,
            POST,
            "/api/v2.1/verifications/ver-1/approve",
            status,
            None,
        )
        .await;
        let client = double.client();
        let err = client.register_customer(&registration()).await.unwrap_err();
        assert!(err.is_retryable() || status == 408, "{err}");
        let activation_body = serde_json::from_value(json!({"userId": USER, "code": "C"})).unwrap();
        client
            .activate_customer(CUSTOMER, &activation_body)
            .await
            .unwrap_err();
        client
            .approve_verification("ver-1", &approval())
            .await
            .unwrap_err();
        assert_eq!(registration_mock.calls_async().await, 1, "status {status}");
        assert_eq!(activation.calls_async().await, 1, "status {status}");
        assert_eq!(approval_mock.calls_async().await, 1, "status {status}");
        assert!(double.clock.sleeps().is_empty());
    }
}

#[tokio::test]
async fn logout_is_idempotent_and_retried() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let logout = failing(&double, DELETE, SESSION_PATH, 503, None).await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    let err = customer.logout().await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(logout.calls_async().await, 3);
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
            assert_eq!(*operation, "create_customer_session");
            assert!(message.starts_with("connection failed"), "{message}");
        }
        other => panic!("expected Transport, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(clock.sleeps().len(), 2);
}

#[tokio::test]
async fn timeouts_are_typed_and_only_idempotent_calls_repeat() {
    let double = Double::start().await;
    double.admin_login().await;
    let slow_get = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(HIERARCHY);
            then.status(200)
                .delay(Duration::from_secs(2))
                .json_body(json!({"code": 200, "data": {}}));
        })
        .await;
    let slow_post = double
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/registration");
            then.status(200)
                .delay(Duration::from_secs(2))
                .json_body(json!({"code": 200, "data": {}}));
        })
        .await;
    let client = double
        .builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let err = client.categorization_hierarchy().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "get_categorization_hierarchy"
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    let err = client.register_customer(&registration()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "register_individual_customer"
            }
        ),
        "{err:?}"
    );
    assert_eq!(slow_get.calls_async().await, 3);
    assert_eq!(slow_post.calls_async().await, 1);
}
