//! Sessions that outlive the process: `CustomerClient::snapshot`, its
//! stored form, and `FinhubClient::resume_customer`, which renews by
//! refresh only and never logs in (it has no password). Time is a
//! `ManualClock`: nothing sleeps.

use std::time::Duration;

use crate::common::*;
use finhub_ext::{Error, Operation, ReloginReason, SessionSnapshot, StoredSession};
use httpmock::prelude::*;
use serde_json::json;

/// The customer's password in `common::customer_credentials`.
const PASSWORD: &str = "canary-customer-password-2b8e";

/// The refresh endpoint answering `status` with an error envelope.
async fn refresh_failing(double: &Double, status: u16) -> httpmock::Mock<'_> {
    double
        .server
        .mock_async(|when, then| {
            when.method(PUT).path(SESSION_PATH);
            then.status(status)
                .json_body(json!({"code": status, "message": "refresh refused"}));
        })
        .await
}

/// The refresh endpoint: accepts `refresh` and answers `token` plus the
/// rotated refresh token `next`.
async fn refresh_ok<'a>(
    double: &'a Double,
    refresh: &str,
    token: &str,
    next: &str,
) -> httpmock::Mock<'a> {
    let refresh = json!({ "refreshToken": refresh });
    let body = session_body(token, next, 3600);
    double
        .server
        .mock_async(move |when, then| {
            when.method(PUT).path(SESSION_PATH).json_body(refresh);
            then.status(200).json_body(body);
        })
        .await
}

/// A snapshot taken from a logged-in customer, through its stored JSON form
/// (as a journey saves and loads it).
async fn stored_snapshot(double: &Double) -> SessionSnapshot {
    let client = double.client();
    let customer = double.login_customer(&client).await;
    let stored = customer.snapshot().expect("logged in").to_stored();
    let json = serde_json::to_string(&stored).unwrap();
    assert!(!json.contains(PASSWORD), "the password is never stored");
    let back: StoredSession = serde_json::from_str(&json).unwrap();
    SessionSnapshot::from_stored(&back)
}

#[tokio::test]
async fn a_snapshot_resumes_in_another_client_and_calls_with_its_token() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let refresh = refresh_failing(&double, 500).await;
    let wallets = double.wallets("customer-token-1").await;
    let snapshot = stored_snapshot(&double).await;
    assert_eq!(snapshot.customer_id(), CUSTOMER);
    assert_eq!(snapshot.user_id(), USER);
    assert_eq!(snapshot.username(), "marcus@example.test");
    assert_eq!(snapshot.session_id(), Some(SESSION));
    assert!(snapshot.has_refresh_token());
    assert_eq!(
        snapshot.expires_at(),
        start_time() + chrono::Duration::seconds(3600)
    );

    // Another client, as in another process.
    let other = double.client();
    let customer = other.resume_customer(snapshot).await.unwrap();
    assert_eq!(customer.customer_id(), CUSTOMER);
    assert_eq!(customer.session_id().as_deref(), Some(SESSION));
    customer.wallets().await.unwrap();
    assert_eq!(wallets.calls_async().await, 1);
    assert_eq!(login.calls_async().await, 1, "no login on resume");
    assert_eq!(refresh.calls_async().await, 0, "the token was still good");
}

#[tokio::test]
async fn a_due_snapshot_refreshes_on_resume_and_new_snapshots_hold_the_rotated_token() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let first = refresh_ok(&double, "refresh-1", "customer-token-2", "refresh-2").await;
    let second = refresh_ok(&double, "refresh-2", "customer-token-3", "refresh-3").await;
    let wallets = double.wallets("customer-token-3").await;
    let snapshot = stored_snapshot(&double).await;

    // A day later: the access token expired long ago.
    double.clock.advance(Duration::from_secs(24 * 3600));
    let customer = double.client().resume_customer(snapshot).await.unwrap();
    assert_eq!(first.calls_async().await, 1, "renewed on resume");
    let renewed = customer.snapshot().unwrap().to_stored();
    assert_eq!(
        renewed.refresh_token.as_ref().map(|t| t.expose()),
        Some("refresh-2")
    );
    assert_eq!(renewed.access_token.expose(), "customer-token-2");

    // The renewed snapshot, resumed again once due, sends the rotated token.
    double.clock.advance(Duration::from_secs(3600));
    let again = double
        .client()
        .resume_customer(SessionSnapshot::from_stored(&renewed))
        .await
        .unwrap();
    again.wallets().await.unwrap();
    assert_eq!(second.calls_async().await, 1);
    assert_eq!(wallets.calls_async().await, 1);
    assert_eq!(
        again
            .snapshot()
            .unwrap()
            .to_stored()
            .refresh_token
            .map(|t| t.expose().to_string())
            .as_deref(),
        Some("refresh-3")
    );
    assert_eq!(login.calls_async().await, 1, "never a second login");
}

/// Having no password, a resumed session does not fall back to a login: a
/// refused refresh is `ReloginRequired`, and so is a server that offers no
/// refresh (404/405).
#[tokio::test]
async fn a_resumed_session_that_cannot_refresh_asks_for_a_login_and_sends_none() {
    for (status, reason) in [
        (401, ReloginReason::RefreshRefused),
        (404, ReloginReason::RefreshNotOffered { status: 404 }),
        (405, ReloginReason::RefreshNotOffered { status: 405 }),
    ] {
        let double = Double::start().await;
        let login = double.customer_login("customer-token-1", "refresh-1").await;
        let refresh = refresh_failing(&double, status).await;
        let snapshot = stored_snapshot(&double).await;
        double.clock.advance(Duration::from_secs(3600));
        let err = double.client().resume_customer(snapshot).await.unwrap_err();
        match &err {
            Error::ReloginRequired {
                operation,
                reason: got,
            } => {
                assert_eq!(*operation, Operation::RefreshCustomerSession, "{status}");
                assert_eq!(*got, reason, "{status}");
            }
            other => panic!("{status}: expected ReloginRequired, got {other:?}"),
        }
        assert!(!err.is_retryable(), "{status}");
        assert!(err.to_string().contains("log in again"), "{err}");
        assert_eq!(refresh.calls_async().await, 1, "{status}");
        assert_eq!(login.calls_async().await, 1, "{status}: no fallback login");
    }
}

/// A token refused by a call (401) is renewed by refresh; when that is
/// refused too, the call fails with `ReloginRequired` (not a plain
/// `Unauthorized`), and the session is latched: a later call refused the
/// same way gets the same error without another refresh.
#[tokio::test]
async fn a_refused_token_on_a_resumed_session_ends_in_relogin_required_latched() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let refresh = refresh_failing(&double, 401).await;
    let rejected = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(WALLETS_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Token revoked"}));
        })
        .await;
    let snapshot = stored_snapshot(&double).await;
    let customer = double.client().resume_customer(snapshot).await.unwrap();
    for _ in 0..2 {
        let err = customer.wallets().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::ReloginRequired {
                    reason: ReloginReason::RefreshRefused,
                    ..
                }
            ),
            "{err:?}"
        );
    }
    assert_eq!(rejected.calls_async().await, 2);
    assert_eq!(refresh.calls_async().await, 1, "no second refresh");
    assert_eq!(login.calls_async().await, 1);
}

#[tokio::test]
async fn a_snapshot_without_a_refresh_token_cannot_renew_and_sends_nothing() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "").await;
    let refresh = refresh_failing(&double, 500).await;
    let snapshot = stored_snapshot(&double).await;
    assert!(!snapshot.has_refresh_token());
    assert!(
        !serde_json::to_string(&snapshot.to_stored())
            .unwrap()
            .contains("refreshToken")
    );
    double.clock.advance(Duration::from_secs(3600));
    let err = double.client().resume_customer(snapshot).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ReloginRequired {
                reason: ReloginReason::NoRefreshToken,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(refresh.calls_async().await, 0);
    assert_eq!(login.calls_async().await, 1);
}

/// A tampered or corrupt stored session is refused before anything is
/// sent, naming what is wrong (the token is due, so a good snapshot would
/// have been refreshed).
#[tokio::test]
async fn a_broken_stored_session_is_refused_before_sending() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let refresh = refresh_ok(&double, "refresh-1", "customer-token-2", "refresh-2").await;
    let snapshot = stored_snapshot(&double).await;
    double.clock.advance(Duration::from_secs(3600));
    let client = double.client();

    let mut dotted = snapshot.to_stored();
    dotted.customer_id = "..".into();
    let err = client
        .resume_customer(SessionSnapshot::from_stored(&dotted))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert!(err.to_string().contains("customerId"), "{err}");

    let mut broken = snapshot.to_stored();
    broken.access_token = "token\nwith a line break".into();
    let err = client
        .resume_customer(SessionSnapshot::from_stored(&broken))
        .await
        .unwrap_err();
    match &err {
        Error::Config(message) => {
            assert!(message.contains("accessToken"), "{message}");
            assert!(!message.contains("line break"), "{message}");
        }
        other => panic!("expected Config, got {other:?}"),
    }
    assert_eq!(refresh.calls_async().await, 0, "nothing sent");
    // The good snapshot is refreshed.
    client.resume_customer(snapshot).await.unwrap();
    assert_eq!(refresh.calls_async().await, 1);
}

/// A logged-out client has no snapshot.
#[tokio::test]
async fn no_snapshot_after_logout() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    double
        .server
        .mock_async(|when, then| {
            when.method(DELETE).path(SESSION_PATH);
            then.status(200).json_body(
                json!({"success": true, "data": {"sessionId": SESSION, "status": "TERMINATED"}}),
            );
        })
        .await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    let clone = customer.clone();
    assert!(clone.snapshot().is_some());
    customer.logout().await.unwrap();
    assert!(clone.snapshot().is_none());
}
