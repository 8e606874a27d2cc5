//! Lockout-safe renewal: FinHub locks an account after 5 failed logins.
//! Callers waiting on one renewal share its outcome, failure included, and
//! after a refused login the session sends no further login until its
//! credentials are replaced.

use crate::common::*;
use finhub_ext::Operation;
use finhub_ext::{AdminCredentials, Error};
use httpmock::prelude::*;
use serde_json::json;

const HIERARCHY_PATH: &str =
    "/api/v2.1/customer/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";

async fn hierarchy(double: &Double) -> httpmock::Mock<'_> {
    double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(HIERARCHY_PATH);
            then.status(200)
                .json_body(json!({"code": 200, "data": {"tenantId": TENANT, "categories": {}}}));
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_calls_with_a_wrong_password_send_one_login() {
    let double = Double::start().await;
    let refused = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Invalid credentials"}));
        })
        .await;
    let hierarchy = hierarchy(&double).await;
    let client = double.client();

    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.categorization_hierarchy().await })
        })
        .collect();
    for call in calls {
        match call.await.unwrap() {
            Err(Error::InvalidCredentials(details)) => {
                assert_eq!(details.operation, Operation::CreateAdminSession);
                assert_eq!(details.status, Some(401));
            }
            other => panic!("expected InvalidCredentials, got {other:?}"),
        }
    }
    assert_eq!(refused.calls_async().await, 1, "one login for 1000 callers");

    // Latched: a later call gets the error at once and sends nothing.
    let err = client.categorization_hierarchy().await.unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials(_)), "{err:?}");
    client.admin_login().await.unwrap_err();
    assert_eq!(refused.calls_async().await, 1);
    assert_eq!(hierarchy.calls_async().await, 0);

    // New credentials clear the latch: one login, then the call succeeds.
    refused.delete_async().await;
    let accepted = double
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path(ADMIN_PATH)
                .body_includes("rotated-admin-password");
            then.status(200)
                .json_body(session_body("admin-token-2", "", 3600));
        })
        .await;
    client.set_admin_credentials(AdminCredentials::new(
        ORG,
        ADMIN_USER,
        "admin@example.test",
        "rotated-admin-password",
    ));
    client.categorization_hierarchy().await.unwrap();
    client.categorization_hierarchy().await.unwrap();
    assert_eq!(accepted.calls_async().await, 1);
    assert_eq!(hierarchy.calls_async().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_tenant_keys_are_latched_like_a_wrong_password() {
    let double = Double::start().await;
    let refused = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(403)
                .json_body(json!({"code": 403, "message": "Invalid tenant keys"}));
        })
        .await;
    let client = double.client();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.admin_login().await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::InvalidTenantKeys(_)), "{err:?}");
    }
    client.admin_login().await.unwrap_err();
    assert_eq!(refused.calls_async().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_session_whose_password_is_refused_stops_logging_in() {
    let double = Double::start().await;
    let good = double.customer_login("customer-token-1", "").await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    good.delete_async().await;
    let refused = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(LOGIN_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Invalid credentials"}));
        })
        .await;
    let wallets = double.wallets("customer-token-1").await;
    // The token expires; renewal (a login: no refresh token) is refused,
    // for 1000 concurrent callers at once and for every later call.
    double.clock.advance(std::time::Duration::from_secs(3600));
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let customer = customer.clone();
            tokio::spawn(async move { customer.wallets().await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::InvalidCredentials(_)), "{err:?}");
    }
    for _ in 0..10 {
        let err = customer.wallets().await.unwrap_err();
        assert!(matches!(err, Error::InvalidCredentials(_)), "{err:?}");
    }
    assert_eq!(refused.calls_async().await, 1, "one login for 1010 calls");
    assert_eq!(wallets.calls_async().await, 0);

    // A customer clears the latch by logging in again.
    refused.delete_async().await;
    let good = double.customer_login("customer-token-1", "").await;
    let again = double.login_customer(&client).await;
    again.wallets().await.unwrap();
    assert_eq!(good.calls_async().await, 1);
    assert_eq!(wallets.calls_async().await, 1);
}

/// On the current-thread runtime every spawned caller runs up to the
/// renewal (and waits there) before the login's response is processed, so
/// all of them wait for the same flight, without relying on timing. (On
/// several threads a caller arriving after the failed flight would rightly
/// try again, as a transient failure is not latched: the count of logins
/// would depend on timing.)
#[tokio::test(flavor = "current_thread")]
async fn a_transient_login_failure_goes_to_every_waiter_and_is_not_latched() {
    let double = Double::start().await;
    let unavailable = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(503)
                .json_body(json!({"code": 503, "message": "Service unavailable"}));
        })
        .await;
    let hierarchy = hierarchy(&double).await;
    let client = double.client();
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.categorization_hierarchy().await })
        })
        .collect();
    for call in calls {
        match call.await.unwrap() {
            Err(Error::Server(details)) => assert_eq!(details.status, Some(503)),
            other => panic!("expected Server, got {other:?}"),
        }
    }
    assert_eq!(
        unavailable.calls_async().await,
        1,
        "one login for 1000 callers"
    );

    // Not latched: a later call tries again, and succeeds once FinHub is back.
    client.categorization_hierarchy().await.unwrap_err();
    assert_eq!(unavailable.calls_async().await, 2);
    unavailable.delete_async().await;
    let login = double.admin_login().await;
    client.categorization_hierarchy().await.unwrap();
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(hierarchy.calls_async().await, 1);
}
