//! Exact headers and token routing, per operation.

use crate::common::oracle;
use crate::common::*;
use finhub_ext::EndUser;
use httpmock::Mock;
use httpmock::prelude::*;
use serde_json::json;

/// A mock for `method path` that matches only with every context header and
/// exactly the expected `Authorization` (or none), answering `reply`.
#[allow(clippy::too_many_arguments)]
async fn expect_with<'a>(
    double: &'a Double,
    method: httpmock::Method,
    path: &str,
    bearer: Option<&str>,
    ip: &str,
    device: &str,
    reply: serde_json::Value,
    body_includes: Option<&str>,
) -> Mock<'a> {
    let (path, bearer, ip, device, body_includes) = (
        path.to_string(),
        bearer.map(|b| format!("Bearer {b}")),
        ip.to_string(),
        device.to_string(),
        body_includes.map(str::to_string),
    );
    double
        .server
        .mock_async(move |when, then| {
            let mut when = when
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
            when = match bearer {
                Some(bearer) => when.header("authorization", bearer),
                None => when.header_missing("authorization"),
            };
            if let Some(body) = body_includes {
                when.json_body_includes(body);
            }
            then.status(200).json_body(reply);
        })
        .await
}

/// [`expect_with`], answering an empty success envelope.
async fn expect<'a>(
    double: &'a Double,
    method: httpmock::Method,
    path: &str,
    bearer: Option<&str>,
    ip: &str,
    device: &str,
) -> Mock<'a> {
    let data = if path.contains("/wallets/") {
        json!([])
    } else {
        json!({})
    };
    let reply = json!({"code": 200, "message": "Success", "data": data});
    expect_with(double, method, path, bearer, ip, device, reply, None).await
}

#[test]
fn the_default_user_agent_is_finhub_rs_and_the_crate_version() {
    assert_eq!(
        finhub_ext::DEFAULT_USER_AGENT,
        format!("finhub-rs/{}", env!("CARGO_PKG_VERSION"))
    );
}

/// Each operation's token comes from the oracle (finhub-ext README "Tokens", docs
/// §3.1), not from the client's table; the mocks match only the exact
/// headers, so a wrong token or a missing header leaves a mock uncalled.
#[tokio::test]
async fn every_operation_sends_the_context_headers_and_the_oracles_token() {
    let double = Double::start().await;
    let (ip, device) = ("127.0.0.1", "device-demo-001");
    let mut mocks = Vec::new();
    for op in oracle::OPERATIONS {
        let bearer = match op.token {
            oracle::Token::Admin => Some("admin-token-1"),
            oracle::Token::Customer => Some("customer-token-1"),
            oracle::Token::None => None,
        };
        let (token, refresh) = match op.id {
            "create_admin_session" => ("admin-token-1", ""),
            _ => ("customer-token-1", "refresh-1"),
        };
        // The logins carry the tenant key and secret and the password.
        let body = match op.id {
            "create_admin_session" => Some(
                r#"{"tenantKey":"canary-tenant-key-7f3a","tenantSecret":"canary-tenant-secret-9c2e","password":"canary-admin-password-4d1b"}"#,
            ),
            "create_customer_session" => Some(
                r#"{"username":"marcus@example.test","password":"canary-customer-password-2b8e","tenantKey":"canary-tenant-key-7f3a","tenantSecret":"canary-tenant-secret-9c2e"}"#,
            ),
            "refresh_customer_session" => Some(r#"{"refreshToken":"refresh-1"}"#),
            _ => None,
        };
        let reply = success_body(op, token, refresh);
        let mock = expect_with(
            &double,
            method_of(op),
            &path_of(op),
            bearer,
            ip,
            device,
            reply,
            body,
        )
        .await;
        mocks.push((op.id, mock));
    }
    let client = double.client();
    let mut customer = None;
    for op in oracle::OPERATIONS {
        call_operation(op.id, &client, &mut customer)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.id));
    }
    for (id, mock) in &mocks {
        assert_eq!(
            mock.calls_async().await,
            1,
            "{id} did not get exactly one request with the context headers and its token"
        );
    }
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

/// finhub-ext README: "Customer operations go through that customer's session, for
/// the end user's IP": a session opened through `for_end_user` sends their
/// IP and device on its login and on every call.
#[tokio::test]
async fn a_customer_session_opened_for_an_end_user_sends_their_ip_and_device() {
    let double = Double::start().await;
    let (ip, device) = ("198.51.100.23", "phone-7");
    let login = expect_with(
        &double,
        POST,
        LOGIN_PATH,
        None,
        ip,
        device,
        session_body("customer-token-1", "refresh-1", 3600),
        None,
    )
    .await;
    let wallets = expect(
        &double,
        GET,
        WALLETS_PATH,
        Some("customer-token-1"),
        ip,
        device,
    )
    .await;
    let end_user = EndUser::new(ip.parse().unwrap())
        .with_device_id(device)
        .unwrap();
    let customer = double
        .client()
        .for_end_user(end_user)
        .customer_login(customer_credentials())
        .await
        .unwrap();
    customer.wallets().await.unwrap();
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(wallets.calls_async().await, 1);
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
            finhub_ext::Operation::ActivateCustomer,
            finhub_ext::TokenKind::Customer,
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

    // An operation is named by the catalogue's enum; a name outside it
    // does not parse.
    let err = "activate".parse::<finhub_ext::Operation>().unwrap_err();
    assert!(
        err.to_string().contains("`activate` is not an operation"),
        "{err}"
    );
}
