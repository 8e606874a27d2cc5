//! Canary secrets — every secret the client is handed or receives — and
//! canaries inside response bodies never appear in `Display` or `Debug` of
//! errors, clients and credentials, nor in the tracing output captured at
//! TRACE level (events and span fields), nor does the end user's IP.

use crate::common::*;
use finhub_ext::api::types;
use finhub_ext::{CustomerCredentials, EndUser, Error};
use httpmock::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

/// Secrets the client is handed (configuration, credentials, request
/// bodies) or receives (tokens).
const SECRETS: [&str; 12] = [
    "canary-tenant-key-7f3a",
    "canary-tenant-secret-9c2e",
    "canary-admin-password-4d1b",
    "canary-customer-password-2b8e",
    // `registration()`'s password (also its `matchingPassword`).
    "Canary-registration-password-1!",
    // A raw registration body whose two passwords differ.
    "Canary-raw-password-A1!",
    "Canary-raw-matching-B2!",
    "canary-admin-token-3c4d",
    "canary-access-token-5e6f",
    "canary-refresh-token-8a9b",
    // The tokens of the refresh, which rotates both.
    "canary-access-token-2-1a2b",
    "canary-refresh-token-2-7c7d",
];

/// Text inside response bodies that the client must not print: fields of
/// decodable bodies other than the server's message, and undecodable
/// bodies.
const BODY_CANARIES: [&str; 7] = [
    "canary-body-details-4e4e",
    "canary-body-field-5f5f",
    "canary-body-error-6a6a",
    "canary-body-in-200-0e0e",
    "canary-undecodable-7b7b",
    "canary-wrong-shape-8c8c",
    "canary-html-9d9d",
];

const END_USER_IP: &str = "203.0.113.99";

async fn answer(double: &Double, method: httpmock::Method, path: &str, status: u16, body: &str) {
    let (path, body) = (path.to_string(), body.to_string());
    double
        .server
        .mock_async(move |when, then| {
            when.method(method).path(path);
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
}

#[tokio::test]
async fn secrets_and_response_bodies_never_leak_into_debug_display_errors_or_logs() {
    let captured = crate::capture(tracing::Level::TRACE, FmtSpan::FULL);

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
    // The refresh rotates both tokens.
    let rotated = session_body(
        "canary-access-token-2-1a2b",
        "canary-refresh-token-2-7c7d",
        3600,
    );
    let refresh = double
        .server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(SESSION_PATH)
                .json_body(json!({"refreshToken": "canary-refresh-token-8a9b"}));
            then.status(200).json_body(rotated);
        })
        .await;
    // Registration: a duplicate (the server's message is kept).
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v2.1/customer/individual/registration");
            then.status(409).json_body(json!({"code": 409, "message": "Customer with email 'marcus@example.test' already exists"}));
        })
        .await;
    // A decodable error body with canaries outside its message.
    answer(
        &double,
        GET,
        &format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}"),
        400,
        &json!({
            "code": 400,
            "message": "Request validation failed",
            "data": {
                "details": "canary-body-details-4e4e",
                "errors": [{"field": "x", "message": "canary-body-field-5f5f"}],
                "error": "canary-body-error-6a6a"
            }
        })
        .to_string(),
    )
    .await;
    // An error inside an HTTP 200, with a canary in its data.
    answer(
        &double,
        POST,
        &format!("/api/v2.1/verifications/{VERIFICATION}/approve"),
        200,
        &json!({"code": 422, "message": "Verification not complete", "data": {"message": "canary-body-in-200-0e0e"}}).to_string(),
    )
    .await;
    // Undecodable bodies: cut-off JSON, JSON of the wrong shape, HTML.
    answer(
        &double,
        GET,
        WALLETS_PATH,
        200,
        r#"{"code":200,"data":[{"iban":"canary-undecodable-7b7b", tru"#,
    )
    .await;
    answer(
        &double,
        GET,
        &format!("/api/v2.1/verifications/{VERIFICATION}"),
        200,
        r#"{"code":200,"data":{"status":{"nested":"canary-wrong-shape-8c8c"}}}"#,
    )
    .await;
    answer(
        &double,
        POST,
        &format!("/api/v2.1/customer/individual/{CUSTOMER}/activation"),
        502,
        "<html><body>Bad gateway canary-html-9d9d</body></html>",
    )
    .await;

    let builder_debug = format!("{:?} {:#?}", double.builder(), double.builder());
    let client = double
        .client()
        .for_end_user(EndUser::new(END_USER_IP.parse().unwrap()));
    let credentials = CustomerCredentials::new(
        CUSTOMER,
        USER,
        "marcus@example.test",
        "canary-customer-password-2b8e",
    );
    let mut printed = vec![
        builder_debug,
        format!("{client:?} {client:#?}"),
        format!("{credentials:?} {credentials:#?}"),
    ];
    let customer = client.customer_login(credentials).await.unwrap();
    client.admin_login().await.unwrap();
    printed.push(format!("{client:?} {client:#?}"));
    printed.push(format!("{customer:?} {customer:#?}"));

    let mut raw = registration();
    raw.password = "Canary-raw-password-A1!".into();
    raw.matching_password = "Canary-raw-matching-B2!".into();
    let activation = types::ActivationRequest {
        user_id: USER.into(),
        code: "ACTIVATION_CODE_1".into(),
    };
    let errors = vec![
        client.register_customer(&raw).await.unwrap_err(),
        client.register_customer(&registration()).await.unwrap_err(),
        client.categorization_hierarchy().await.unwrap_err(),
        client
            .approve_verification(VERIFICATION, &approval())
            .await
            .unwrap_err(),
        client
            .activate_customer(CUSTOMER, &activation)
            .await
            .unwrap_err(),
        customer.wallets().await.unwrap_err(),
        customer.verification(VERIFICATION).await.unwrap_err(),
        finhub_ext::FinhubClient::builder()
            .tenant_key("canary-tenant-key-7f3a")
            .tenant_secret("canary-tenant-secret-9c2e")
            .build()
            .unwrap_err(),
    ];
    // Each error is the one its scenario is about.
    assert!(
        matches!(errors[0], Error::Validation { .. }),
        "{:?}",
        errors[0]
    );
    assert!(matches!(errors[1], Error::Conflict(_)), "{:?}", errors[1]);
    assert!(matches!(errors[2], Error::BadRequest(_)), "{:?}", errors[2]);
    assert!(
        matches!(errors[3], Error::BusinessRule(_)),
        "{:?}",
        errors[3]
    );
    assert!(matches!(errors[4], Error::Server(_)), "{:?}", errors[4]);
    assert!(matches!(errors[5], Error::Decode { .. }), "{:?}", errors[5]);
    assert!(matches!(errors[6], Error::Decode { .. }), "{:?}", errors[6]);
    assert!(matches!(errors[7], Error::Config(_)), "{:?}", errors[7]);

    customer.refresh().await.unwrap();
    assert_eq!(refresh.calls_async().await, 1);
    printed.push(format!("{customer:?} {customer:#?}"));
    for err in &errors {
        printed.push(format!("{err} {err:?} {err:#?}"));
    }

    let logs = captured.text();
    assert!(
        logs.contains("finhub.call"),
        "the calls were not traced:\n{logs}"
    );
    for operation in [
        "create_admin_session",
        "create_customer_session",
        "refresh_customer_session",
        "list_customer_wallets",
    ] {
        assert!(
            logs.contains(&format!("operation=\"{operation}\""))
                || logs.contains(&format!("operation={operation}")),
            "{operation} was not traced:\n{logs}"
        );
    }
    printed.push(logs);
    let all = printed.join("\n");
    for canary in SECRETS.iter().chain(&BODY_CANARIES).chain(&[END_USER_IP]) {
        assert!(!all.contains(canary), "`{canary}` leaked:\n{all}");
    }
    // What may be printed still is: the server's message and the rule.
    assert!(
        all.contains("already exists"),
        "the server's message is kept"
    );
    assert!(
        all.contains("password.mismatch"),
        "the broken rule is named"
    );
}
