//! Session renewal: proactive, single-flight, after a 401, with rotating
//! refresh tokens, with fallback to login, and logout. Time is a
//! `ManualClock`: nothing sleeps.

use std::time::Duration;

use crate::common::*;
use finhub_ext::Error;
use finhub_ext::Operation;
use httpmock::prelude::*;
use serde_json::json;

/// The refresh endpoint: accepts `refresh` (sent with `Bearer bearer`) and
/// answers `token` + rotated refresh token `next`.
async fn refresh_mock<'a>(
    double: &'a Double,
    bearer: &str,
    refresh: &str,
    token: &str,
    next: &str,
) -> httpmock::Mock<'a> {
    let (bearer, refresh) = (
        format!("Bearer {bearer}"),
        json!({ "refreshToken": refresh }),
    );
    let body = session_body(token, next, 3600);
    double
        .server
        .mock_async(move |when, then| {
            when.method(PUT)
                .path(SESSION_PATH)
                .header("authorization", bearer)
                .json_body(refresh);
            then.status(200).json_body(body);
        })
        .await
}

#[tokio::test]
async fn a_token_is_renewed_ahead_of_expiry_through_the_refresh_endpoint() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let refresh = refresh_mock(
        &double,
        "customer-token-1",
        "refresh-1",
        "customer-token-2",
        "refresh-2",
    )
    .await;
    let first = double.wallets("customer-token-1").await;
    let second = double.wallets("customer-token-2").await;
    let client = double.client();
    let customer = double.login_customer(&client).await;

    customer.wallets().await.unwrap();
    // 3600 s token, 60 s buffer: still fine 58 minutes later…
    double.clock.advance(Duration::from_secs(58 * 60));
    customer.wallets().await.unwrap();
    assert_eq!(
        (first.calls_async().await, refresh.calls_async().await),
        (2, 0)
    );
    // …renewed before use one minute before expiry.
    double.clock.advance(Duration::from_secs(61));
    customer.wallets().await.unwrap();
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(second.calls_async().await, 1);
    assert_eq!(
        login.calls_async().await,
        1,
        "no second login when refresh works"
    );
}

/// finhub-ext README: "a thousand concurrent calls on an expiring token cause one
/// refresh". On four worker threads, with the renewal jitter on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_calls_on_an_expiring_customer_token_cause_one_refresh() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let refresh = refresh_mock(
        &double,
        "customer-token-1",
        "refresh-1",
        "customer-token-2",
        "refresh-2",
    )
    .await;
    let wallets = double.wallets("customer-token-2").await;
    let client = double
        .builder()
        .refresh_jitter(Duration::from_secs(30))
        .build()
        .unwrap();
    let customer = double.login_customer(&client).await;
    // 10 s before expiry: due whatever the jitter (60 s buffer + 0–30 s).
    double.clock.advance(Duration::from_secs(3590));

    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let customer = customer.clone();
            tokio::spawn(async move { customer.wallets().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        refresh.calls_async().await,
        1,
        "one refresh for 1000 callers"
    );
    assert_eq!(login.calls_async().await, 1, "no login besides the first");
    assert_eq!(wallets.calls_async().await, 1000);
}

/// The admin session is single-flight too: 1000 concurrent first calls open
/// one session, and 1000 concurrent calls on an expiring admin token renew
/// it (by logging in again) once. On four worker threads, jitter on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_admin_calls_open_and_renew_one_admin_session() {
    let double = Double::start().await;
    let login = double.admin_login().await;
    let hierarchy = double
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path_includes("/categorization/hierarchy/")
                .header("authorization", "Bearer admin-token-1");
            then.status(200)
                .json_body(json!({"code": 200, "data": {"tenantId": TENANT}}));
        })
        .await;
    let client = double
        .builder()
        .refresh_jitter(Duration::from_secs(30))
        .build()
        .unwrap();
    let burst = |client: &finhub_ext::FinhubClient| {
        (0..1000)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.categorization_hierarchy().await })
            })
            .collect::<Vec<_>>()
    };
    for call in burst(&client) {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        login.calls_async().await,
        1,
        "one login for 1000 first calls"
    );
    assert_eq!(hierarchy.calls_async().await, 1000);

    double.clock.advance(Duration::from_secs(3590));
    for call in burst(&client) {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        login.calls_async().await,
        2,
        "one renewal for 1000 calls on an expiring token"
    );
    assert_eq!(hierarchy.calls_async().await, 2000);
}

/// finhub-ext README: tokens are renewed "ahead of expiry (60 s buffer plus up to 30 s
/// jitter)": with the default settings, never more than 90 s ahead and
/// always by 60 s ahead, whatever the jitter drew.
#[tokio::test]
async fn the_default_renewal_falls_between_90_and_60_seconds_before_expiry() {
    let double = Double::start().await;
    let login = double.admin_login().await;
    let hierarchy = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path_includes("/categorization/hierarchy/");
            then.status(200)
                .json_body(json!({"code": 200, "data": {"tenantId": TENANT}}));
        })
        .await;
    for round in 0..50 {
        let clock = std::sync::Arc::new(finhub_ext::ManualClock::new(start_time()));
        // The default buffer and jitter (the test double turns jitter off).
        let client = double
            .builder()
            .refresh_buffer(Duration::from_secs(60))
            .refresh_jitter(Duration::from_secs(30))
            .clock(clock.clone())
            .build()
            .unwrap();
        let logins = login.calls_async().await;
        client.categorization_hierarchy().await.unwrap();
        assert_eq!(login.calls_async().await, logins + 1);
        // The token lives 3600 s: 91 s before expiry it is not renewed…
        clock.advance(Duration::from_secs(3600 - 91));
        client.categorization_hierarchy().await.unwrap();
        assert_eq!(
            login.calls_async().await,
            logins + 1,
            "round {round}: renewed more than 90 s ahead"
        );
        // …59 s before expiry it has been.
        clock.advance(Duration::from_secs(32));
        client.categorization_hierarchy().await.unwrap();
        assert_eq!(
            login.calls_async().await,
            logins + 2,
            "round {round}: not renewed 60 s ahead"
        );
    }
    assert_eq!(hierarchy.calls_async().await, 150);
}

/// Docs §3.7: renewal comes ahead of expiry by the buffer and jitter, but
/// never more than half the token's lifetime ahead.
#[tokio::test]
async fn a_short_lived_token_is_renewed_at_half_its_lifetime() {
    let double = Double::start().await;
    let body = session_body("admin-token-1", "", 100);
    let login = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(200).json_body(body);
        })
        .await;
    double
        .server
        .mock_async(|when, then| {
            when.method(GET).path_includes("/categorization/hierarchy/");
            then.status(200)
                .json_body(json!({"code": 200, "data": {"tenantId": TENANT}}));
        })
        .await;
    let client = double
        .builder()
        .refresh_jitter(Duration::from_secs(30))
        .build()
        .unwrap();
    client.categorization_hierarchy().await.unwrap();
    // 100 s of life: 60–90 s ahead would be at 10–40 s; half is 50 s.
    double.clock.advance(Duration::from_secs(49));
    client.categorization_hierarchy().await.unwrap();
    assert_eq!(
        login.calls_async().await,
        1,
        "renewed before half its lifetime"
    );
    double.clock.advance(Duration::from_secs(1));
    client.categorization_hierarchy().await.unwrap();
    assert_eq!(
        login.calls_async().await,
        2,
        "not renewed at half its lifetime"
    );
}

#[tokio::test]
async fn a_401_renews_the_session_once_and_retries_the_call_once() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let refresh = refresh_mock(
        &double,
        "customer-token-1",
        "refresh-1",
        "customer-token-2",
        "refresh-2",
    )
    .await;
    let rejected = double
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(WALLETS_PATH)
                .header("authorization", "Bearer customer-token-1");
            then.status(401)
                .json_body(json!({"code": 401, "message": "Token expired"}));
        })
        .await;
    let accepted = double.wallets("customer-token-2").await;
    let client = double.client();
    let customer = double.login_customer(&client).await;

    let wallets = customer.wallets().await.unwrap();
    assert_eq!(wallets[0].iban.as_deref(), Some("LT611000012345600037"));
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);
}

#[tokio::test]
async fn a_failed_renewal_is_a_clear_error_and_never_loops() {
    let double = Double::start().await;
    let good_login = double.customer_login("customer-token-1", "refresh-1").await;
    let always_401 = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(WALLETS_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Token revoked"}));
        })
        .await;
    let refresh_refused = double
        .server
        .mock_async(|when, then| {
            when.method(PUT).path(SESSION_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Refresh token expired"}));
        })
        .await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    // From now on the password is refused too.
    good_login.delete_async().await;
    let login_refused = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(LOGIN_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Invalid credentials"}));
        })
        .await;

    // The login refusal itself comes back (not wrapped), so that callers can
    // tell that the credentials must be replaced.
    let err = customer.wallets().await.unwrap_err();
    match &err {
        Error::InvalidCredentials(details) => {
            assert_eq!(details.operation, Operation::CreateCustomerSession);
            assert_eq!(details.status, Some(401));
        }
        other => panic!("expected InvalidCredentials, got {other:?}"),
    }
    assert_eq!(
        always_401.calls_async().await,
        1,
        "no retry without a new token"
    );
    assert_eq!(refresh_refused.calls_async().await, 1);
    assert_eq!(login_refused.calls_async().await, 1);
}

#[tokio::test]
async fn refresh_tokens_rotate() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let first = refresh_mock(
        &double,
        "customer-token-1",
        "refresh-1",
        "customer-token-2",
        "refresh-2",
    )
    .await;
    let second = refresh_mock(
        &double,
        "customer-token-2",
        "refresh-2",
        "customer-token-3",
        "refresh-3",
    )
    .await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    customer.refresh().await.unwrap();
    customer.refresh().await.unwrap();
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(
        second.calls_async().await,
        1,
        "the second refresh must send the rotated refresh token"
    );
}

/// finhub-ext README: "a customer session renews through the refresh endpoint and
/// falls back to logging in again (404/405/401)". A 404 or 405 means the
/// refresh is not offered: it is not tried again.
#[tokio::test]
async fn without_a_refresh_endpoint_the_client_logs_in_again() {
    for status in [404, 405] {
        let double = Double::start().await;
        let login = double.customer_login("customer-token-1", "refresh-1").await;
        let missing = double
            .server
            .mock_async(|when, then| {
                when.method(PUT).path(SESSION_PATH);
                then.status(status);
            })
            .await;
        let client = double.client();
        let customer = double.login_customer(&client).await;
        customer.refresh().await.unwrap();
        customer.refresh().await.unwrap();
        assert_eq!(
            missing.calls_async().await,
            1,
            "{status}: once unsupported, refresh is not tried again"
        );
        assert_eq!(login.calls_async().await, 3, "{status}");
    }
}

/// A refused refresh token (401) falls back to a login, and the refresh is
/// still tried the next time.
#[tokio::test]
async fn a_refused_refresh_token_falls_back_to_login() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let refused = double
        .server
        .mock_async(|when, then| {
            when.method(PUT).path(SESSION_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Invalid refresh token"}));
        })
        .await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    customer.refresh().await.unwrap();
    customer.refresh().await.unwrap();
    assert_eq!(refused.calls_async().await, 2);
    assert_eq!(login.calls_async().await, 3);
}

#[tokio::test]
async fn expiry_comes_from_the_jwt_when_expires_in_is_absent() {
    let double = Double::start().await;
    // A token whose `exp` is 10 minutes after the test clock's start, and an
    // `expiresAt` 24 h later that must be ignored.
    let exp = start_time().timestamp() + 600;
    let payload = base64_url(&format!(r#"{{"sub":"{USER}","exp":{exp}}}"#));
    let token = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig");
    let body = json!({"code": 200, "data": {"token": token, "sessionId": SESSION, "expiresAt": "2026-11-23T10:00:00"}});
    let login = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(LOGIN_PATH);
            then.status(200).json_body(body);
        })
        .await;
    let wallets = double.wallets(&token).await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    customer.wallets().await.unwrap();
    double.clock.advance(Duration::from_secs(570));
    customer.wallets().await.unwrap();
    assert_eq!(
        login.calls_async().await,
        2,
        "renewed by login (no refresh token) before exp"
    );
    assert_eq!(wallets.calls_async().await, 2);
}

#[tokio::test]
async fn logout_ends_the_server_session_and_wipes_the_local_token_and_credentials() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let logout = double
        .server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(SESSION_PATH)
                .header("authorization", "Bearer customer-token-1");
            then.status(200).json_body(
                json!({"success": true, "data": {"sessionId": SESSION, "status": "TERMINATED"}}),
            );
        })
        .await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    let kept = customer.clone();
    let ended = customer.logout().await.unwrap();
    assert_eq!(ended.status.as_deref(), Some("TERMINATED"));
    assert_eq!(logout.calls_async().await, 1);
    // A clone of the logged-out session holds nothing and cannot log back in.
    assert_eq!(kept.session_id(), None);
    let err = kept.wallets().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert!(err.to_string().contains("logged out"), "{err}");
    // Without credentials it sends no login (nor anything else).
    let err = kept.refresh().await.unwrap_err();
    assert!(err.to_string().contains("logged out"), "{err}");
    assert_eq!(login.calls_async().await, 1);
}

#[tokio::test]
async fn the_admin_session_opens_on_first_use_and_is_renewed_when_due() {
    let double = Double::start().await;
    let login = double.admin_login().await;
    let hierarchy = double
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path_includes("/categorization/hierarchy/")
                .header("authorization", "Bearer admin-token-1");
            then.status(200)
                .json_body(json!({"code": 200, "data": {"tenantId": TENANT}}));
        })
        .await;
    let client = double.client();
    client.categorization_hierarchy().await.unwrap();
    client.clone().categorization_hierarchy().await.unwrap();
    assert_eq!(login.calls_async().await, 1);
    double.clock.advance(Duration::from_secs(3600));
    client.categorization_hierarchy().await.unwrap();
    assert_eq!(
        login.calls_async().await,
        2,
        "admin sessions renew by logging in again"
    );
    assert_eq!(hierarchy.calls_async().await, 3);
}

fn base64_url(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn logout_with_an_expiring_token_renews_it_first() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let refresh = refresh_mock(
        &double,
        "customer-token-1",
        "refresh-1",
        "customer-token-2",
        "refresh-2",
    )
    .await;
    let logout = double
        .server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(SESSION_PATH)
                .header("authorization", "Bearer customer-token-2");
            then.status(200)
                .json_body(json!({"success": true, "data": {"status": "TERMINATED"}}));
        })
        .await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    double.clock.advance(Duration::from_secs(3599));
    customer.logout().await.unwrap();
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(logout.calls_async().await, 1);
}

/// A customer login answering `expires_in` (any JSON) and a JWT whose `exp`
/// is 10 minutes after the test clock's start; no refresh token, so the
/// session renews by logging in again.
async fn login_with_expires_in(
    double: &Double,
    expires_in: serde_json::Value,
) -> (String, httpmock::Mock<'_>) {
    let exp = start_time().timestamp() + 600;
    let payload = base64_url(&format!(r#"{{"sub":"{USER}","exp":{exp}}}"#));
    let token = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig");
    let body = json!({"code": 200, "data": {"token": token, "sessionId": SESSION, "expiresIn": expires_in}});
    let login = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(LOGIN_PATH);
            then.status(200).json_body(body);
        })
        .await;
    (token, login)
}

#[tokio::test]
async fn a_login_answering_expires_in_as_a_string_succeeds_and_renews_on_time() {
    let double = Double::start().await;
    let body = json!({"code": 200, "data": {"token": "customer-token-1", "refreshToken": "refresh-1", "sessionId": SESSION, "expiresIn": "3600"}});
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(LOGIN_PATH);
            then.status(200).json_body(body);
        })
        .await;
    let refresh = refresh_mock(
        &double,
        "customer-token-1",
        "refresh-1",
        "customer-token-2",
        "refresh-2",
    )
    .await;
    double.wallets("customer-token-1").await;
    let second = double.wallets("customer-token-2").await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    customer.wallets().await.unwrap();
    double.clock.advance(Duration::from_secs(58 * 60));
    customer.wallets().await.unwrap();
    assert_eq!(refresh.calls_async().await, 0, "renewed too early");
    double.clock.advance(Duration::from_secs(61));
    customer.wallets().await.unwrap();
    assert_eq!(refresh.calls_async().await, 1, "not renewed before expiry");
    assert_eq!(second.calls_async().await, 1);
}

#[tokio::test]
async fn expires_in_is_read_as_an_integer_an_integral_float_or_a_numeric_string() {
    for expires_in in [json!(3600), json!(3600.0), json!("3600"), json!(" 3600 ")] {
        let double = Double::start().await;
        let (token, login) = login_with_expires_in(&double, expires_in.clone()).await;
        double.wallets(&token).await;
        let client = double.client();
        let customer = double.login_customer(&client).await;
        // 3600 s, not the JWT's 600 s: no renewal after 20 minutes.
        double.clock.advance(Duration::from_secs(20 * 60));
        customer.wallets().await.unwrap();
        assert_eq!(login.calls_async().await, 1, "{expires_in}: renewed early");
        double.clock.advance(Duration::from_secs(40 * 60));
        customer.wallets().await.unwrap();
        assert_eq!(login.calls_async().await, 2, "{expires_in}: not renewed");
    }
}

#[tokio::test]
async fn an_expires_in_out_of_range_or_unreadable_falls_back_to_the_jwt_exp() {
    for expires_in in [
        json!(1e12),
        json!(4_294_967_296u64),
        json!(0),
        json!(-5),
        json!(3600.5),
        json!("an hour"),
        json!(true),
    ] {
        let double = Double::start().await;
        let (token, login) = login_with_expires_in(&double, expires_in.clone()).await;
        double.wallets(&token).await;
        let client = double.client();
        let customer = double.login_customer(&client).await;
        // The JWT's exp is at +600 s; with the 60 s buffer, renewal is due
        // at +540 s.
        double.clock.advance(Duration::from_secs(530));
        customer.wallets().await.unwrap();
        assert_eq!(login.calls_async().await, 1, "{expires_in}: renewed early");
        double.clock.advance(Duration::from_secs(20));
        customer.wallets().await.unwrap();
        assert_eq!(login.calls_async().await, 2, "{expires_in}: not renewed");
    }
}
