//! Exact headers and token routing, per operation.

mod common;

use common::*;
use finhub_ext::EndUser;
use finhub_ext::api::types;
use httpmock::Mock;
use httpmock::prelude::*;
use serde_json::json;

/// A mock for `method path` that matches only with every context header and
/// exactly the expected `Authorization` (or none).
async fn expect<'a>(
    double: &'a Double,
    method: httpmock::Method,
    path: &str,
    bearer: Option<&str>,
    ip: &str,
    device: &str,
) -> Mock<'a> {
    let (path, bearer, ip, device) = (
        path.to_string(),
        bearer.map(|b| format!("Bearer {b}")),
        ip.to_string(),
        device.to_string(),
    );
    let data = if path.contains("/wallets/") {
        json!([])
    } else {
        json!({})
    };
    double
        .server
        .mock_async(move |when, then| {
            let when = when
                .method(method)
                .path(path)
                .header("x-tenant-id", TENANT)
                .header("x-forwarded-for", ip)
                .header("x-forwarded-from", "client-app")
                .header("platform", "web")
                .header("deviceid", device)
                .header("user-agent", finhub_ext::DEFAULT_USER_AGENT)
                .header("accept", "application/json")
                .header_missing("api-version");
            match bearer {
                Some(bearer) => when.header("authorization", bearer),
                None => when.header_missing("authorization"),
            };
            then.status(200)
                .json_body(json!({"code": 200, "message": "Success", "data": data}));
        })
        .await
}

#[tokio::test]
async fn every_operation_sends_the_context_headers_and_the_right_token() {
    let double = Double::start().await;
    let (ip, device) = ("127.0.0.1", "device-demo-001");
    let admin_login = {
        let body = session_body("admin-token-1", "", 3600);
        double
            .server
            .mock_async(move |when, then| {
                when.method(POST)
                    .path(ADMIN_PATH)
                    .header("x-tenant-id", TENANT)
                    .header("x-forwarded-for", "127.0.0.1")
                    .header("deviceid", "device-demo-001")
                    .header_missing("authorization")
                    .header_missing("api-version")
                    .json_body_includes(r#"{"tenantKey":"canary-tenant-key-7f3a","tenantSecret":"canary-tenant-secret-9c2e","password":"canary-admin-password-4d1b"}"#);
                then.status(200).json_body(body);
            })
            .await
    };
    let customer_login = {
        let body = session_body("customer-token-1", "refresh-1", 3600);
        double
            .server
            .mock_async(move |when, then| {
                when.method(POST)
                    .path(LOGIN_PATH)
                    .header("x-tenant-id", TENANT)
                    .header("x-forwarded-from", "client-app")
                    .header("platform", "web")
                    .header_missing("authorization")
                    .json_body_includes(r#"{"username":"marcus@example.test","tenantKey":"canary-tenant-key-7f3a"}"#);
                then.status(200).json_body(body);
            })
            .await
    };
    let client = double.client();
    let customer = double.login_customer(&client).await;

    let admin = Some("admin-token-1");
    let own = Some("customer-token-1");
    let v = "/api/v2.1/verifications/ver-1";
    let c = format!("/api/v2.1/customer/individual/{CUSTOMER}");
    let mocks = [
        expect(
            &double,
            GET,
            &format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}"),
            admin,
            ip,
            device,
        )
        .await,
        expect(
            &double,
            POST,
            "/api/v2.1/customer/individual/registration",
            admin,
            ip,
            device,
        )
        .await,
        expect(&double, POST, &format!("{c}/verification"), own, ip, device).await,
        expect(&double, POST, "/api/v2.1/verifications", own, ip, device).await,
        expect(&double, GET, v, own, ip, device).await,
        expect(&double, POST, &format!("{v}/documents"), own, ip, device).await,
        expect(&double, POST, &format!("{v}/approve"), admin, ip, device).await,
        expect(
            &double,
            POST,
            &format!("{c}/consents/data-processing"),
            own,
            ip,
            device,
        )
        .await,
        expect(
            &double,
            GET,
            &format!("{c}/owner/{TENANT}/activation/check"),
            own,
            ip,
            device,
        )
        .await,
        expect(&double, POST, &format!("{c}/activation"), admin, ip, device).await,
        expect(&double, GET, WALLETS_PATH, own, ip, device).await,
        expect(&double, DELETE, SESSION_PATH, own, ip, device).await,
    ];

    client.categorization_hierarchy().await.unwrap();
    client.register_customer(&registration()).await.unwrap();
    customer
        .start_verification(&Default::default())
        .await
        .unwrap();
    let verification = finhub_ext::builders::VerificationBuilder::new(CUSTOMER)
        .build()
        .unwrap();
    customer.create_verification(&verification).await.unwrap();
    customer.verification("ver-1").await.unwrap();
    customer
        .upload_document("ver-1", &document())
        .await
        .unwrap();
    client
        .approve_verification("ver-1", &approval())
        .await
        .unwrap();
    let consent = types::AcceptConsentRequest {
        accepted: true,
        version: "1.0".into(),
        accepted_at: None,
    };
    customer
        .accept_consent(types::AcceptConsentConsentType::DataProcessing, &consent)
        .await
        .unwrap();
    customer.activation_readiness(TENANT).await.unwrap();
    let activation = types::ActivationRequest {
        user_id: USER.into(),
        code: "ACTIVATION_CODE_1".into(),
    };
    client
        .activate_customer(CUSTOMER, &activation)
        .await
        .unwrap();
    customer.wallets().await.unwrap();
    customer.logout().await.unwrap();

    for (i, mock) in mocks.iter().enumerate() {
        assert_eq!(
            mock.calls_async().await,
            1,
            "operation #{i} did not get exactly one matching request"
        );
    }
    assert_eq!(
        admin_login.calls_async().await,
        1,
        "one admin login serves every admin call"
    );
    assert_eq!(customer_login.calls_async().await, 1);
}

#[tokio::test]
async fn the_end_user_ip_and_device_are_set_per_call() {
    let double = Double::start().await;
    double.admin_login().await;
    let mock = expect(
        &double,
        GET,
        &format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}"),
        Some("admin-token-1"),
        "2001:db8::7",
        "phone-42",
    )
    .await;
    let client = double.client();
    let end_user = EndUser::new("2001:db8::7".parse().unwrap())
        .with_device_id("phone-42")
        .unwrap();
    client
        .for_end_user(end_user)
        .categorization_hierarchy()
        .await
        .unwrap();
    assert_eq!(mock.calls_async().await, 1);
    // The original handle still sends the default.
    let default = expect(
        &double,
        GET,
        &format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}"),
        Some("admin-token-1"),
        "127.0.0.1",
        "device-demo-001",
    )
    .await;
    client.categorization_hierarchy().await.unwrap();
    assert_eq!(default.calls_async().await, 1);
}

#[tokio::test]
async fn direct_generated_calls_get_the_headers_and_the_cached_admin_token() {
    let double = Double::start().await;
    double.admin_login().await;
    let client = double.client();
    client.admin_login().await.unwrap();
    let mock = expect(
        &double,
        GET,
        &format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}"),
        Some("admin-token-1"),
        "127.0.0.1",
        "device-demo-001",
    )
    .await;
    let response = client
        .raw()
        .get_categorization_hierarchy(TENANT)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(mock.calls_async().await, 1);
    // A customer-token operation cannot go out without a customer session.
    let err = client
        .raw()
        .list_customer_wallets(CUSTOMER, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("needs a customer session"),
        "{err}"
    );
}

#[test]
fn typed_calls_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = finhub_ext::FinhubClient::builder()
        .base_url("http://127.0.0.1:9")
        .tenant_id(TENANT)
        .tenant_key("k")
        .tenant_secret("s")
        .build()
        .unwrap();
    assert_send(&client.categorization_hierarchy());
    let body = registration();
    assert_send(&client.register_customer(&body));
}

#[tokio::test]
async fn an_operation_can_be_routed_to_another_token() {
    let double = Double::start().await;
    double.admin_login().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let path = format!("/api/v2.1/customer/individual/{CUSTOMER}/activation");
    let with_admin = expect(
        &double,
        POST,
        &path,
        Some("admin-token-1"),
        "127.0.0.1",
        "device-demo-001",
    )
    .await;
    let activation = finhub_ext::builders::ActivationBuilder::new(USER, "ACTIVATION_CODE_1")
        .build()
        .unwrap();

    // Default: the admin token, also from the customer's handle.
    let client = double.client();
    let customer = double.login_customer(&client).await;
    customer.activate(&activation).await.unwrap();
    assert_eq!(with_admin.calls_async().await, 1);

    // Routed to the customer's token.
    let with_customer = expect(
        &double,
        POST,
        &path,
        Some("customer-token-1"),
        "127.0.0.1",
        "device-demo-001",
    )
    .await;
    let routed = double
        .builder()
        .token_route(
            "activate_customer",
            finhub_ext::operation::TokenKind::Customer,
        )
        .build()
        .unwrap();
    let customer = double.login_customer(&routed).await;
    customer.activate(&activation).await.unwrap();
    assert_eq!(with_customer.calls_async().await, 1);
    let err = routed
        .activate_customer(CUSTOMER, &activation)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("routed to the customer token"),
        "{err}"
    );

    let err = double
        .builder()
        .token_route("activate", finhub_ext::operation::TokenKind::None)
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("`activate` is not an operation"),
        "{err}"
    );
}
