//! Logins and tokens: bad password, bad tenant keys, lockout and unlock,
//! expiry, logout, refresh rotation. (Token kinds and owners: `access.rs`.)

use std::time::Duration;

use chrono::{TimeZone, Utc};
use finhub_sandbox::{Clock, ExposeSecret, Operation, Sandbox};
use serde_json::json;

use crate::common::{self, Api, PASSWORD};

async fn sandbox_with_clock() -> (Sandbox, Api, Clock) {
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 1, 13, 10, 0, 0).unwrap());
    let sandbox = Sandbox::builder()
        .clock(clock.clone())
        .token_lifetime(Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    (sandbox, api, clock)
}

#[tokio::test]
async fn admin_login_issues_documented_tokens() {
    let (sandbox, api, clock) = sandbox_with_clock().await;
    let reply = api.admin_login_with(PASSWORD_OF_ADMIN).await;
    reply.expect(200);
    let data = reply.data();
    assert_eq!(data["success"], true);
    assert_eq!(data["errorType"], "NONE");
    assert_eq!(data["expiresIn"], 5);
    assert_eq!(data["user"]["role"], "ADMIN");
    // Offset-less, nine fraction digits, 24 h ahead (the real server's shape).
    assert_eq!(data["expiresAt"], "2026-01-14T10:00:00.000000000");
    let token = data["token"].as_str().unwrap();
    let claims = common::claims(token);
    assert_eq!(claims["iss"], "bff");
    assert_eq!(claims["aud"], "bff-clients");
    assert_eq!(claims["userType"], "ADMIN");
    assert_eq!(claims["roles"], json!(["ADMIN"]));
    assert_eq!(claims["tenantId"], sandbox.credentials().tenant_id.as_str());
    assert_eq!(claims["sub"], sandbox.credentials().admin_user_id.as_str());
    assert_eq!(claims["iat"], clock.now().timestamp());
    assert_eq!(claims["exp"], clock.now().timestamp() + 5);
    assert!(claims["jti"].is_string());
    assert!(claims.get("customerId").is_none());
    let header = token.split('.').next().unwrap();
    use base64::Engine;
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");
    // Refresh token: <uuid>-<userId>-<first 8 chars of the tenant key>.
    let refresh = data["refreshToken"].as_str().unwrap();
    let key_prefix: String = sandbox
        .credentials()
        .tenant_key
        .expose_secret()
        .chars()
        .take(8)
        .collect();
    assert!(
        refresh.ends_with(&format!(
            "-{}-{key_prefix}",
            sandbox.credentials().admin_user_id
        )),
        "{refresh}"
    );
    assert!(uuid::Uuid::parse_str(&refresh[..36]).is_ok(), "{refresh}");
}

const PASSWORD_OF_ADMIN: &str = finhub_sandbox::DEFAULT_ADMIN_PASSWORD;

#[tokio::test]
async fn bad_credentials_bad_keys_and_unknown_paths() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let reply = api.admin_login_with("WrongPass1!").await;
    reply.expect_error(401, "Invalid credentials");
    assert_eq!(reply.data()["attempts"], 1);
    assert_eq!(reply.data()["maxAttempts"], 5);

    let c = sandbox.credentials();
    let path = format!(
        "/api/v2.1/admin/organization/{}/users/{}/sessions",
        c.organization_id, c.admin_user_id
    );
    for (key, secret) in [
        ("wrong-key", c.tenant_secret.expose_secret()),
        (c.tenant_key.expose_secret(), "wrong-secret"),
    ] {
        api.send(
            Operation::CreateAdminSession,
            &path,
            None,
            Some(json!({
                "username": c.admin_username, "password": c.admin_password.expose_secret(),
                "tenantKey": key, "tenantSecret": secret,
            })),
        )
        .await
        .expect_error(403, "Invalid Tenant Keys");
    }
    let reply = api
        .send(
            Operation::CreateAdminSession,
            &path,
            None,
            Some(
                json!({"username": c.admin_username, "password": c.admin_password.expose_secret()}),
            ),
        )
        .await;
    reply.expect_error(403, "Invalid Tenant Keys");
    let reply = api
        .send(
            Operation::CreateAdminSession,
            &path,
            None,
            Some(json!({"tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret()})),
        )
        .await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["username", "password"]);
    api.send(
        Operation::CreateAdminSession,
        &format!(
            "/api/v2.1/admin/organization/other-org/users/{}/sessions",
            c.admin_user_id
        ),
        None,
        Some(json!({
            "username": c.admin_username, "password": c.admin_password.expose_secret(),
            "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret(),
        })),
    )
    .await
    .expect_error(404, "Organization or user not found");

    // Customer login: unknown customer, wrong user of a real customer, bad password.
    let admin = api.admin_login().await.token;
    let email = common::email("login");
    let (customer_id, user_id) = api.register(&admin, &email).await;
    api.customer_login_with("no-such-customer", &user_id, &email, PASSWORD)
        .await
        .expect_error(404, "Customer or user not found");
    api.customer_login_with(&customer_id, "zz9zz9zz9zz", &email, PASSWORD)
        .await
        .expect_error(404, "Customer or user not found");
    api.customer_login_with(&customer_id, &user_id, &email, "Nope123!!")
        .await
        .expect_error(401, "Invalid credentials");
    api.customer_login_with(&customer_id, &user_id, "other@example.test", PASSWORD)
        .await
        .expect_error(401, "Invalid credentials");
    // Username is case-insensitive (it is the e-mail).
    api.customer_login_with(&customer_id, &user_id, &email.to_uppercase(), PASSWORD)
        .await
        .expect(200);
}

#[tokio::test]
async fn five_failures_lock_for_thirty_minutes() {
    let (_sandbox, api, clock) = sandbox_with_clock().await;
    for attempt in 1..=4 {
        let reply = api.admin_login_with("WrongPass1!").await;
        reply.expect_error(401, "Invalid credentials");
        assert_eq!(reply.data()["attempts"], attempt);
    }
    let reply = api.admin_login_with("WrongPass1!").await;
    reply.expect_error(401, "Account locked");
    assert_eq!(reply.data()["lockoutDuration"], "30 minutes");
    assert_eq!(reply.data()["lockoutTime"], "2026-01-13T10:30:00Z");
    // Even the right password is refused while locked.
    api.admin_login_with(PASSWORD_OF_ADMIN)
        .await
        .expect_error(401, "Account locked");
    clock.advance(Duration::from_secs(29 * 60 + 59));
    api.admin_login_with(PASSWORD_OF_ADMIN)
        .await
        .expect_error(401, "Account locked");
    clock.advance(Duration::from_secs(1));
    api.admin_login_with(PASSWORD_OF_ADMIN).await.expect(200);
    // The count starts again after the lock.
    api.admin_login_with("WrongPass1!")
        .await
        .expect_error(401, "Invalid credentials");

    // Customers are locked individually.
    let admin = api.admin_login().await.token;
    let email = common::email("lock");
    let (customer_id, user_id) = api.register(&admin, &email).await;
    for _ in 0..4 {
        api.customer_login_with(&customer_id, &user_id, &email, "Nope123!!")
            .await
            .expect_error(401, "Invalid credentials");
    }
    api.customer_login_with(&customer_id, &user_id, &email, "Nope123!!")
        .await
        .expect_error(401, "Account locked");
    api.customer_login_with(&customer_id, &user_id, &email, PASSWORD)
        .await
        .expect_error(401, "Account locked");
    api.admin_login().await; // the admin is not affected
    clock.advance(Duration::from_secs(30 * 60));
    api.customer_login_with(&customer_id, &user_id, &email, PASSWORD)
        .await
        .expect(200);
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    for _ in 0..4 {
        api.admin_login_with("WrongPass1!").await.expect(401);
    }
    api.admin_login().await;
    for attempt in 1..=4 {
        let reply = api.admin_login_with("WrongPass1!").await;
        assert_eq!(reply.data()["attempts"], attempt);
    }
}

#[tokio::test]
async fn expired_tokens_are_refused_and_refresh_rotates() {
    let (_sandbox, api, clock) = sandbox_with_clock().await;
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("expiry")).await;
    let first = customer.session.clone();

    api.readiness(&first.token, &customer.id).await.expect(200);
    clock.advance(Duration::from_secs(5));
    api.readiness(&first.token, &customer.id)
        .await
        .expect_error(401, "Token expired");
    api.readiness(&admin, &customer.id)
        .await
        .expect_error(401, "Token expired");

    // Refresh with the expired token: new access token and new refresh token.
    let path = api.session_path(&customer, &first.session_id);
    let reply = api
        .send(
            Operation::RefreshCustomerSession,
            &path,
            Some(&first.token),
            Some(json!({"refreshToken": first.refresh_token})),
        )
        .await;
    reply.expect(200);
    let second = common::Session::from(&reply);
    assert_eq!(second.session_id, first.session_id);
    assert_ne!(second.token, first.token);
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(reply.data()["message"], "Session refreshed successfully");
    assert_eq!(reply.data()["expiresIn"], 5);
    api.readiness(&second.token, &customer.id).await.expect(200);

    // The old refresh token no longer works; the new one does, once.
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        Some(&second.token),
        Some(json!({"refreshToken": first.refresh_token})),
    )
    .await
    .expect_error(401, "Invalid refresh token");
    let reply = api
        .send(
            Operation::RefreshCustomerSession,
            &path,
            Some(&second.token),
            Some(json!({"refreshToken": second.refresh_token})),
        )
        .await;
    reply.expect(200);
    let third = common::Session::from(&reply);
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        Some(&third.token),
        Some(json!({"refreshToken": second.refresh_token})),
    )
    .await
    .expect_error(401, "Invalid refresh token");

    // Refresh needs some token of the user, a body, and the right session.
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        None,
        Some(json!({"refreshToken": third.refresh_token})),
    )
    .await
    .expect(401);
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        Some(&third.token),
        Some(json!({})),
    )
    .await
    .expect_error(400, "Request validation failed");
    api.send(
        Operation::RefreshCustomerSession,
        &api.session_path(&customer, "no-such-session"),
        Some(&third.token),
        Some(json!({"refreshToken": third.refresh_token})),
    )
    .await
    .expect_error(404, "Session 'no-such-session' not found");

    // A session cannot be refreshed after the session lifetime (24 h).
    clock.advance(Duration::from_secs(24 * 3600 + 1));
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        Some(&third.token),
        Some(json!({"refreshToken": third.refresh_token})),
    )
    .await
    .expect_error(401, "Refresh token expired");
}

#[tokio::test]
async fn logout_revokes_every_token_of_the_session() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("logout")).await;
    let first = customer.session.clone();
    let path = api.session_path(&customer, &first.session_id);
    let reply = api
        .send(
            Operation::RefreshCustomerSession,
            &path,
            Some(&first.token),
            Some(json!({"refreshToken": first.refresh_token})),
        )
        .await;
    let second = common::Session::from(reply.expect(200));
    let other = api.customer_login(&customer).await;

    api.send(
        Operation::DeleteCustomerSession,
        &path,
        Some(&second.token),
        None,
    )
    .await
    .expect(200);
    for token in [&first.token, &second.token] {
        api.readiness(token, &customer.id)
            .await
            .expect_error(401, "Session terminated: the token was logged out");
    }
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        Some(&other.token),
        Some(json!({"refreshToken": second.refresh_token})),
    )
    .await
    .expect_error(401, "Session terminated");
    // Other sessions of the same user live on.
    api.readiness(&other.token, &customer.id).await.expect(200);
    // A second logout of the same session.
    api.send(
        Operation::DeleteCustomerSession,
        &path,
        Some(&other.token),
        None,
    )
    .await
    .expect(404);
    assert_eq!(sandbox.stats().side_effects.logouts, 1);
}
