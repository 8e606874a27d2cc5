//! Canary secrets and the end user's IP never appear in any Debug or
//! Display output, in errors, or in the captured tracing output.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use finhub_ext::{CustomerCredentials, EndUser};
use httpmock::prelude::*;
use serde_json::json;

const CANARIES: [&str; 8] = [
    "canary-tenant-key-7f3a",
    "canary-tenant-secret-9c2e",
    "canary-admin-password-4d1b",
    "canary-customer-password-2b8e",
    "canary-access-token-5e6f",
    "canary-refresh-token-8a9b",
    "canary-admin-token-3c4d",
    "203.0.113.99",
];

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_leak_into_debug_display_errors_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let double = Double::start().await;
    let admin_body = session_body("canary-admin-token-3c4d", "", 3600);
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(200).json_body(admin_body);
        })
        .await;
    double
        .customer_login("canary-access-token-5e6f", "canary-refresh-token-8a9b")
        .await;
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v2.1/customer/individual/registration");
            then.status(409).json_body(json!({"code": 409, "message": "Customer with email 'marcus@example.test' already exists"}));
        })
        .await;
    double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(WALLETS_PATH);
            then.status(200)
                .body("{\"code\":200,\"data\":[{\"iban\": tru");
        })
        .await;
    double
        .server
        .mock_async(|when, then| {
            when.method(PUT).path(SESSION_PATH);
            then.status(401)
                .json_body(json!({"code": 401, "message": "Invalid refresh token"}));
        })
        .await;

    let builder_debug = format!("{:?}", double.builder());
    let client = double
        .client()
        .for_end_user(EndUser::new("203.0.113.99".parse().unwrap()));
    let credentials = CustomerCredentials::new(
        CUSTOMER,
        USER,
        "marcus@example.test",
        "canary-customer-password-2b8e",
    );
    let mut printed = vec![
        builder_debug,
        format!("{client:?}"),
        format!("{credentials:?}"),
    ];
    let customer = client.customer_login(credentials).await.unwrap();
    printed.push(format!("{customer:?} {customer:#?}"));

    let mut errors = vec![
        client.register_customer(&registration()).await.unwrap_err(),
        customer.wallets().await.unwrap_err(),
    ];
    // A refused refresh falls back to login, which works here.
    customer.refresh().await.unwrap();
    errors.push(
        finhub_ext::FinhubClient::builder()
            .tenant_key("canary-tenant-key-7f3a")
            .build()
            .unwrap_err(),
    );
    for err in &errors {
        printed.push(format!("{err} {err:?}"));
    }
    printed.push(format!(
        "{:?}",
        finhub_ext::api::types::CreateIndividualSessionRequest {
            password: Some("canary-customer-password-2b8e".into()),
            tenant_secret: Some("canary-tenant-secret-9c2e".into()),
            ..Default::default()
        }
    ));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("finhub.call"),
        "the calls were not traced:\n{logs}"
    );
    assert!(
        logs.contains("operation=\"create_customer_session\"")
            || logs.contains("operation=create_customer_session"),
        "{logs}"
    );
    printed.push(logs);
    let all = printed.join("\n");
    for canary in CANARIES {
        assert!(!all.contains(canary), "`{canary}` leaked:\n{all}");
    }
    assert!(
        all.contains("already exists"),
        "the server's message is kept"
    );
}
