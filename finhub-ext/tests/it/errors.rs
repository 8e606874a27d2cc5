//! Statuses and envelopes map to the right `Error` variant, with the
//! operation, the HTTP status and the server's code and message.

use crate::common::*;
use finhub_ext::Operation;
use finhub_ext::{CustomerCredentials, Error, FinhubClient};
use httpmock::prelude::*;
use serde_json::{Value, json};

const REGISTRATION: &str = "/api/v2.1/customer/individual/registration";

async fn answer(double: &Double, method: httpmock::Method, path: &str, status: u16, body: Value) {
    let path = path.to_string();
    double
        .server
        .mock_async(move |when, then| {
            when.method(method).path(path);
            then.status(status).json_body(body);
        })
        .await;
}

#[tokio::test]
async fn login_failures_name_credentials_or_tenant_keys() {
    for (status, expect_keys) in [(401, false), (403, true)] {
        let double = Double::start().await;
        answer(
            &double,
            POST,
            LOGIN_PATH,
            status,
            json!({"code": status, "message": "refused"}),
        )
        .await;
        let err = double
            .client()
            .customer_login(CustomerCredentials::new(CUSTOMER, USER, "u", "p"))
            .await
            .unwrap_err();
        match (&err, expect_keys) {
            (Error::InvalidCredentials(d), false) | (Error::InvalidTenantKeys(d), true) => {
                assert_eq!(d.operation, Operation::CreateCustomerSession);
                assert_eq!(d.status, Some(status));
                assert_eq!(d.message.as_deref(), Some("refused"));
            }
            _ => panic!("status {status}: {err:?}"),
        }
    }
}

#[tokio::test]
async fn each_documented_status_maps_to_its_variant() {
    type IsVariant = fn(&Error) -> bool;
    let cases: [(u16, IsVariant); 8] = [
        (400, |e| matches!(e, Error::BadRequest(_))),
        (401, |e| matches!(e, Error::Unauthorized(_))),
        (403, |e| matches!(e, Error::Forbidden(_))),
        (404, |e| matches!(e, Error::NotFound(_))),
        (409, |e| matches!(e, Error::Conflict(_))),
        (422, |e| matches!(e, Error::BusinessRule(_))),
        (500, |e| matches!(e, Error::Server(_))),
        (418, |e| matches!(e, Error::UnexpectedStatus(_))),
    ];
    for (status, is_expected) in cases {
        let double = Double::start().await;
        double.admin_login().await;
        answer(
            &double,
            POST,
            REGISTRATION,
            status,
            json!({"code": status, "message": format!("failure {status}")}),
        )
        .await;
        let err = double
            .client()
            .register_customer(&registration())
            .await
            .unwrap_err();
        assert!(is_expected(&err), "status {status}: {err:?}");
        assert_eq!(err.operation(), Some(Operation::RegisterIndividualCustomer));
        assert_eq!(err.status(), Some(status));
        assert_eq!(
            err.details().unwrap().message.as_deref(),
            Some(format!("failure {status}").as_str())
        );
    }
}

#[tokio::test]
async fn duplicate_email_is_a_conflict_with_the_servers_message() {
    let double = Double::start().await;
    double.admin_login().await;
    answer(
        &double,
        POST,
        REGISTRATION,
        409,
        json!({"code": 409, "message": "Customer with email 'marcus@example.test' already exists"}),
    )
    .await;
    let err = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "conflict: register_individual_customer (HTTP 409): Customer with email 'marcus@example.test' already exists"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_error_code_inside_a_2xx_envelope_is_an_error() {
    let double = Double::start().await;
    double.admin_login().await;
    answer(
        &double,
        POST,
        REGISTRATION,
        200,
        json!({"code": 409, "message": "Customer already exists", "data": null}),
    )
    .await;
    let err = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap_err();
    match &err {
        Error::Conflict(d) => {
            assert_eq!(d.status, Some(200));
            assert_eq!(d.code.as_deref(), Some("409"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "conflict: register_individual_customer (HTTP 200, code 409): Customer already exists"
    );
}

/// `ErrorDetails::message`: "the server's message, as sent (at most 300
/// characters kept)".
#[tokio::test]
async fn the_servers_message_is_kept_up_to_300_characters() {
    let double = Double::start().await;
    double.admin_login().await;
    let long: String = "é".repeat(250) + &"x".repeat(750);
    answer(
        &double,
        POST,
        REGISTRATION,
        400,
        json!({"code": 400, "message": long}),
    )
    .await;
    let err = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap_err();
    let message = err.details().unwrap().message.clone().unwrap();
    let expected: String = long.chars().take(300).collect::<String>() + "…";
    assert_eq!(message, expected);
    assert_eq!(
        message.chars().count(),
        301,
        "300 characters and the ellipsis"
    );

    let double = Double::start().await;
    double.admin_login().await;
    let exact = "y".repeat(300);
    answer(
        &double,
        POST,
        REGISTRATION,
        400,
        json!({"code": 400, "message": exact}),
    )
    .await;
    let err = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap_err();
    assert_eq!(
        err.details().unwrap().message.as_deref(),
        Some(exact.as_str())
    );
}

#[tokio::test]
async fn field_errors_and_other_envelope_shapes_give_a_message() {
    let double = Double::start().await;
    double.admin_login().await;
    answer(
        &double,
        POST,
        REGISTRATION,
        400,
        json!({"success": false, "data": {"message": "Password and matching password must be identical", "field": "matchingPassword"}}),
    )
    .await;
    let err = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap_err();
    assert_eq!(
        err.details().unwrap().message.as_deref(),
        Some("Password and matching password must be identical")
    );
}

#[tokio::test]
async fn a_non_json_error_body_keeps_its_status() {
    let double = Double::start().await;
    double.admin_login().await;
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(REGISTRATION);
            then.status(502)
                .header("content-type", "text/html")
                .body("<html>Bad gateway</html>");
        })
        .await;
    let err = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server(d) if d.status == Some(502) && d.message.is_none()),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn truncated_or_non_json_success_bodies_are_decode_errors() {
    for body in [
        r#"{"code":200,"data":{"id":"5887c98c"#,
        "OK",
        "<html></html>",
    ] {
        let double = Double::start().await;
        double.admin_login().await;
        let body = body.to_string();
        double
            .server
            .mock_async(move |when, then| {
                when.method(POST).path(REGISTRATION);
                then.status(200)
                    .header("content-type", "text/plain")
                    .body(body);
            })
            .await;
        let err = double
            .client()
            .register_customer(&registration())
            .await
            .unwrap_err();
        match &err {
            Error::Decode {
                operation,
                status,
                message,
            } => {
                assert_eq!(*operation, Operation::RegisterIndividualCustomer);
                assert_eq!(*status, Some(200));
                assert!(message.contains("JSON"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn missing_admin_credentials_are_a_configuration_error_before_any_request() {
    let double = Double::start().await;
    let any = double
        .server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let client = FinhubClient::builder()
        .base_url(double.server.base_url())
        .tenant_id(TENANT)
        .tenant_key("k")
        .tenant_secret("s")
        .build()
        .unwrap();
    let err = client.categorization_hierarchy().await.unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("admin credentials")),
        "{err:?}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[test]
fn the_builder_names_every_missing_setting_and_rejects_plain_http() {
    let err = FinhubClient::builder().tenant_key("k").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: missing base_url, tenant_id, tenant_secret"
    );
    let err = FinhubClient::builder()
        .base_url("http://sandbox.finhub.cloud")
        .tenant_id("t")
        .tenant_key("k")
        .tenant_secret("s")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("must use https"), "{err}");
    let client = FinhubClient::builder()
        .base_url("https://sandbox.finhub.cloud/")
        .tenant_id("t")
        .tenant_key("k")
        .tenant_secret("s")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://sandbox.finhub.cloud");
    let err = FinhubClient::builder()
        .base_url("https://h")
        .tenant_id("t")
        .tenant_key("k")
        .tenant_secret("s")
        .device_id("bad\ndevice")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("device_id"), "{err}");
}

#[tokio::test]
async fn an_invalid_request_is_refused_before_any_network_call() {
    let double = Double::start().await;
    let login = double.customer_login("t", "r").await;
    let any = double
        .server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let client = double.client();
    let mut request = registration();
    request.email = "not-an-email".into();
    request.matching_password = "Different-password-9!".into();
    let err = client.register_customer(&request).await.unwrap_err();
    match &err {
        Error::Validation {
            operation,
            violations,
        } => {
            assert_eq!(*operation, Some(Operation::RegisterIndividualCustomer));
            let rules: Vec<_> = violations
                .iter()
                .map(|v| (v.path.as_str(), v.rule))
                .collect();
            assert!(rules.contains(&("email", "email.syntax")), "{rules:?}");
            assert!(
                rules.contains(&("matchingPassword", "password.mismatch")),
                "{rules:?}"
            );
        }
        other => panic!("expected Validation, got {other:?}"),
    }
    assert!(!err.to_string().contains("Different-password-9!"));
    let consent = serde_json::from_value(json!({"accepted": false, "version": ""})).unwrap();
    let customer = double.login_customer(&client).await;
    assert_eq!(login.calls_async().await, 1);
    let before = any.calls_async().await;
    let err = customer
        .accept_consent(
            finhub_ext::api::types::AcceptConsentConsentType::Terms,
            &consent,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                operation: Some(Operation::AcceptConsent),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(any.calls_async().await, before);
    assert_eq!(before, 0, "the invalid registration reached the server");
}
