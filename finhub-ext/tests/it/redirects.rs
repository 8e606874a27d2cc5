//! FinHub documents no redirect. A 3xx is refused and never followed, so a
//! login body (password, tenant key and secret) never reaches the origin a
//! `Location` names; a redirect that a caller-supplied HTTP client followed
//! is detected and refused too.

use crate::common::*;
use finhub_ext::Error;
use httpmock::prelude::*;
use serde_json::json;

const HIERARCHY_PATH: &str =
    "/api/v2.1/customer/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";

/// A second origin that answers anything with a valid login.
async fn elsewhere(target: &MockServer) -> httpmock::Mock<'_> {
    target
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(session_body("token-from-elsewhere", "", 3600));
        })
        .await
}

fn assert_redirect(err: &Error, operation: &str, status: u16, location: &str) {
    match err {
        Error::Redirect(details) => {
            assert_eq!(details.operation.id(), operation);
            assert_eq!(details.status, Some(status));
        }
        other => panic!("expected Error::Redirect, got {other:?}"),
    }
    let printed = format!("{err} {err:?}");
    assert!(
        !printed.contains(location),
        "the Location is printed: {printed}"
    );
}

#[tokio::test]
async fn a_redirect_at_login_is_refused_and_the_login_body_never_reaches_its_target() {
    let double = Double::start().await;
    let target = MockServer::start_async().await;
    let elsewhere = elsewhere(&target).await;
    let location = target.url("/collect?from=finhub");
    for status in [301, 302, 303, 307, 308] {
        let redirect = double
            .server
            .mock_async(|when, then| {
                when.method(POST).path(ADMIN_PATH);
                then.status(status).header("location", &location);
            })
            .await;
        let err = double.client().admin_login().await.unwrap_err();
        assert_redirect(&err, "create_admin_session", status, &location);
        assert_eq!(redirect.calls_async().await, 1, "HTTP {status}");
        redirect.delete_async().await;
    }
    assert_eq!(
        elsewhere.calls_async().await,
        0,
        "the redirect target received a request"
    );
}

#[tokio::test]
async fn a_redirect_of_an_authenticated_call_is_refused_and_not_retried() {
    let double = Double::start().await;
    double.admin_login().await;
    let target = MockServer::start_async().await;
    let elsewhere = elsewhere(&target).await;
    let location = target.url("/hierarchy");
    let redirect = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(HIERARCHY_PATH);
            then.status(302).header("location", &location);
        })
        .await;
    let err = double
        .client()
        .categorization_hierarchy()
        .await
        .unwrap_err();
    assert_redirect(&err, "get_categorization_hierarchy", 302, &location);
    assert!(!err.is_retryable());
    assert_eq!(redirect.calls_async().await, 1);
    assert_eq!(elsewhere.calls_async().await, 0);
}

#[tokio::test]
async fn a_caller_supplied_client_without_redirects_gets_the_same_refusal() {
    let double = Double::start().await;
    let target = MockServer::start_async().await;
    let elsewhere = elsewhere(&target).await;
    let location = target.url("/collect");
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(307).header("location", &location);
        })
        .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = double.builder().http_client(http).build().unwrap();
    let err = client.admin_login().await.unwrap_err();
    assert_redirect(&err, "create_admin_session", 307, &location);
    assert_eq!(elsewhere.calls_async().await, 0);
}

#[tokio::test]
async fn a_redirect_followed_by_a_caller_supplied_client_is_detected_and_refused() {
    let double = Double::start().await;
    let target = MockServer::start_async().await;
    let elsewhere = elsewhere(&target).await;
    let location = target.url("/collect");
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(307).header("location", &location);
        })
        .await;
    let registered = double
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/registration");
            then.status(200).json_body(json!({"code": 200, "data": {}}));
        })
        .await;
    // A client that follows redirects, against the documented advice.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let client = double.builder().http_client(http).build().unwrap();
    let err = client.admin_login().await.unwrap_err();
    // The final response (200, from the other origin) is refused: its token
    // is never used.
    assert_redirect(&err, "create_admin_session", 200, &location);
    assert!(
        err.to_string().contains("may already have reached"),
        "{err}"
    );
    // As documented: this client already re-sent the login body.
    assert_eq!(elsewhere.calls_async().await, 1);
    let err = client.register_customer(&registration()).await.unwrap_err();
    assert!(matches!(err, Error::Redirect(_)), "{err:?}");
    assert_eq!(
        registered.calls_async().await,
        0,
        "a token from the redirect target was used"
    );
}
