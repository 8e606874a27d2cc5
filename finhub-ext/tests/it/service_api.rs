//! The client used from a service of its own: everything a public signature
//! needs is at the crate root, a builder's violations convert into
//! `finhub_ext::Error` with `?`, violations and error details serialize as
//! JSON without secrets, and a caller's own HTTP client keeps its
//! `User-Agent` while the builder's timeout still applies.

use std::time::Duration;

use crate::common::*;
use finhub_ext::builders::RegistrationBuilder;
use finhub_ext::validation::Violations;
// What a service's own signatures name, from the crate root only.
use finhub_ext::{
    Error, ErrorDetails, FinhubClientBuilder, Operation, SecretString, TokenKind, reqwest,
};
use httpmock::prelude::*;
use serde_json::json;

const PASSWORD_CANARY: &str = "canary-Password-in-a-form-9!";

/// A service function that validates a form with a builder and returns the
/// client's error type.
fn registration_from_form(
    email: &str,
    password: SecretString,
) -> Result<finhub_ext::api::types::IndividualRegistrationRequest, Error> {
    let request = RegistrationBuilder::new()
        .email(email)
        .password(password)
        .build()?;
    Ok(request)
}

#[test]
fn a_builders_violations_convert_into_the_clients_error_with_question_mark() {
    let err =
        registration_from_form("not an email", SecretString::from(PASSWORD_CANARY)).unwrap_err();
    match &err {
        Error::Validation {
            operation,
            violations,
        } => {
            assert_eq!(*operation, None, "no call was made");
            assert!(violations.contains("email", "email.syntax"), "{violations}");
        }
        other => panic!("expected Error::Validation, got {other:?}"),
    }
    assert_eq!(err.operation(), None);
    let shown = err.to_string();
    assert!(shown.starts_with("invalid request: "), "{shown}");
    assert!(!shown.contains(PASSWORD_CANARY), "{shown}");
}

#[test]
fn a_validation_error_of_a_call_names_its_operation_in_display() {
    let mut violations = Violations::new();
    violations.push("email", "email.syntax", "not an e-mail address");
    let err = Error::Validation {
        operation: Some(Operation::RegisterIndividualCustomer),
        violations,
    };
    assert!(
        err.to_string()
            .starts_with("register_individual_customer: invalid request: 1 rule violation(s)"),
        "{err}"
    );
}

#[test]
fn violations_serialize_as_an_array_without_the_password() {
    let err = RegistrationBuilder::new()
        .email("not an email")
        .password(PASSWORD_CANARY)
        .matching_password("Another-password-1!")
        .build()
        .unwrap_err();
    let value = serde_json::to_value(&err).unwrap();
    let array = value.as_array().expect("an array of violations");
    assert_eq!(array.len(), err.len());
    assert!(array.contains(&json!({
        "path": "email",
        "rule": "email.syntax",
        "severity": "error",
        "message": err.at("email").next().unwrap().message,
    })));
    // The warnings found with the errors come along, marked as such.
    assert!(
        array
            .iter()
            .any(|v| v["rule"] == "required.disputed" && v["severity"] == "warning"),
        "{value}"
    );
    for violation in array {
        let mut keys: Vec<_> = violation.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["message", "path", "rule", "severity"], "{violation}");
    }
    let text = value.to_string();
    assert!(!text.contains(PASSWORD_CANARY), "{text}");
    assert!(!text.contains("Another-password-1!"), "{text}");
}

#[tokio::test]
async fn error_details_of_a_failed_call_serialize_with_the_operation_id() {
    let double = Double::start().await;
    double.admin_login().await;
    double
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/registration");
            then.status(409)
                .json_body(json!({"code": 409, "message": "Customer already exists"}));
        })
        .await;
    let err = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap_err();
    let details: &ErrorDetails = err.details().expect("details of a response");
    let value = serde_json::to_value(details).unwrap();
    assert_eq!(
        value,
        json!({
            "operation": "register_individual_customer",
            "status": 409,
            "code": "409",
            "message": "Customer already exists",
        })
    );
    let text = value.to_string();
    for secret in [
        "canary-tenant-key-7f3a",
        "canary-tenant-secret-9c2e",
        "canary-admin-password-4d1b",
        "admin-token-1",
    ] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn token_routes_are_named_by_the_operation_enum() {
    // Compiles only with enums: a typo in an operation is a compile error.
    let builder: FinhubClientBuilder = finhub_ext::FinhubClient::builder()
        .token_route(Operation::ActivateCustomer, TokenKind::Customer);
    let _ = builder;
    assert_eq!(
        "activate_customer".parse::<Operation>(),
        Ok(Operation::ActivateCustomer)
    );
}

/// A wallets mock that answers only the given `User-Agent`.
async fn wallets_for_agent<'a>(double: &'a Double, agent: &str) -> httpmock::Mock<'a> {
    double
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(WALLETS_PATH)
                .header("user-agent", agent);
            then.status(200).json_body(json!({"code": 200, "data": []}));
        })
        .await
}

/// A caller's HTTP client, built as the builder's docs ask, with its own
/// `User-Agent` and no timeout.
fn own_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .no_proxy()
        .user_agent("my-service/1.0")
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_callers_http_client_keeps_its_user_agent_unless_one_is_configured() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let own = wallets_for_agent(&double, "my-service/1.0").await;
    let client = double
        .builder()
        .http_client(own_http_client())
        .build()
        .unwrap();
    let customer = double.login_customer(&client).await;
    customer.wallets().await.unwrap();
    assert_eq!(
        own.calls_async().await,
        1,
        "the caller's User-Agent was replaced"
    );

    let configured = wallets_for_agent(&double, "billing-service/2.3").await;
    let client = double
        .builder()
        .http_client(own_http_client())
        .user_agent("billing-service/2.3")
        .build()
        .unwrap();
    let customer = double.login_customer(&client).await;
    customer.wallets().await.unwrap();
    assert_eq!(configured.calls_async().await, 1);

    let default = wallets_for_agent(&double, finhub_ext::DEFAULT_USER_AGENT).await;
    let customer = double.login_customer(&double.client()).await;
    customer.wallets().await.unwrap();
    assert_eq!(default.calls_async().await, 1);
}

#[tokio::test]
async fn the_builders_timeout_applies_to_a_callers_http_client() {
    let double = Double::start().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    // Far longer than the timeout: the call can only end by timing out.
    double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(WALLETS_PATH);
            then.status(200)
                .delay(Duration::from_secs(30))
                .json_body(json!({"code": 200, "data": []}));
        })
        .await;
    let client = double
        .builder()
        .http_client(own_http_client())
        .retry_policy(finhub_ext::RetryPolicy::disabled())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let customer = double.login_customer(&client).await;
    let err = customer.wallets().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: Operation::ListCustomerWallets
            }
        ),
        "{err:?}"
    );
}
