//! Path ids `""`, `.` and `..` would collapse the URL
//! (`/verifications/../approve`) and send the bearer token to another
//! endpoint: every typed method refuses them by name before sending, and
//! the pipeline refuses any request (raw calls included) whose path does
//! not match its operation's template.

use crate::common::*;
use finhub_ext::Operation;
use finhub_ext::api::types::{AcceptConsentConsentType, ActivationRequest};
use finhub_ext::validation::codes::{PATH_DOT_SEGMENT, PATH_EMPTY};
use finhub_ext::{AdminCredentials, CustomerCredentials, Error};
use httpmock::prelude::*;
use serde_json::json;

const BAD: [&str; 3] = ["", ".", ".."];

fn assert_refused(err: Error, operation: &str, parameter: &str, value: &str) {
    let rule = if value.is_empty() {
        PATH_EMPTY
    } else {
        PATH_DOT_SEGMENT
    };
    match &err {
        Error::Validation {
            operation: op,
            violations,
        } => {
            assert_eq!(op.map(Operation::id), Some(operation), "{err}");
            assert!(
                violations.contains(&format!("path.{parameter}"), rule),
                "{operation} with {parameter} = {value:?}: {violations}"
            );
        }
        other => {
            panic!("{operation} with {parameter} = {value:?}: expected Validation, got {other:?}")
        }
    }
}

/// Counts every request except logins.
async fn catch_all(double: &Double) -> httpmock::Mock<'_> {
    double
        .server
        .mock_async(|when, then| {
            when.path_excludes("/sessions");
            then.status(200).json_body(json!({"code": 200, "data": {}}));
        })
        .await
}

#[tokio::test]
async fn every_typed_method_refuses_empty_and_dot_path_ids_before_sending() {
    let double = Double::start().await;
    double.admin_login().await;
    let customer_login = double.customer_login("customer-token-1", "refresh-1").await;
    let anything = catch_all(&double).await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    let activation = ActivationRequest {
        user_id: USER.into(),
        code: "ACTIVATION_CODE".into(),
    };

    for bad in BAD {
        assert_refused(
            client
                .approve_verification(bad, &approval())
                .await
                .unwrap_err(),
            "approve_verification",
            "verificationId",
            bad,
        );
        assert_refused(
            client
                .activate_customer(bad, &activation)
                .await
                .unwrap_err(),
            "activate_customer",
            "customerId",
            bad,
        );
        assert_refused(
            client
                .customer_login(CustomerCredentials::new(bad, USER, "u", "pw"))
                .await
                .unwrap_err(),
            "create_customer_session",
            "customerId",
            bad,
        );
        assert_refused(
            client
                .customer_login(CustomerCredentials::new(CUSTOMER, bad, "u", "pw"))
                .await
                .unwrap_err(),
            "create_customer_session",
            "userId",
            bad,
        );
        assert_refused(
            customer.verification(bad).await.unwrap_err(),
            "get_verification",
            "verificationId",
            bad,
        );
        assert_refused(
            customer
                .upload_document(bad, &document())
                .await
                .unwrap_err(),
            "upload_verification_document",
            "verificationId",
            bad,
        );
        assert_refused(
            customer.activation_readiness(bad).await.unwrap_err(),
            "check_activation_readiness",
            "ownerTenantId",
            bad,
        );
    }
    assert_eq!(anything.calls_async().await, 0, "a request was sent");
    assert_eq!(
        customer_login.calls_async().await,
        1,
        "only the setup login"
    );
}

#[tokio::test]
async fn configured_ids_in_paths_are_refused_too() {
    let double = Double::start().await;
    let logins = double
        .server
        .mock_async(|when, then| {
            when.path_includes("/sessions");
            then.status(200)
                .json_body(session_body("admin-token-1", "", 3600));
        })
        .await;
    let anything = catch_all(&double).await;
    for bad in BAD {
        let client = double
            .builder()
            .admin(AdminCredentials::new(bad, ADMIN_USER, "admin", "pw"))
            .build()
            .unwrap();
        assert_refused(
            client.admin_login().await.unwrap_err(),
            "create_admin_session",
            "organizationId",
            bad,
        );
        let client = double
            .builder()
            .admin(AdminCredentials::new(ORG, bad, "admin", "pw"))
            .build()
            .unwrap();
        assert_refused(
            client.categorization_hierarchy().await.unwrap_err(),
            "create_admin_session",
            "userId",
            bad,
        );
    }
    for bad in [".", ".."] {
        let client = double.builder().tenant_id(bad).build().unwrap();
        assert_refused(
            client.categorization_hierarchy().await.unwrap_err(),
            "get_categorization_hierarchy",
            "tenantId",
            bad,
        );
    }
    assert_eq!(logins.calls_async().await, 0);
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn a_session_id_from_the_server_that_would_collapse_the_url_is_never_used() {
    let double = Double::start().await;
    let body = json!({"code": 200, "data": {"token": "customer-token-1", "refreshToken": "refresh-1", "sessionId": "..", "expiresIn": 3600}});
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(LOGIN_PATH);
            then.status(200).json_body(body);
        })
        .await;
    // `.../users/{userId}/sessions/..` would be `.../users/{userId}`.
    let collapsed = double
        .server
        .mock_async(|when, then| {
            when.path(format!(
                "/api/v2.1/customer/individual/{CUSTOMER}/users/{USER}"
            ));
            then.status(200).json_body(session_body("x", "y", 3600));
        })
        .await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    assert_refused(
        customer.clone().logout().await.unwrap_err(),
        "delete_customer_session",
        "sessionId",
        "..",
    );
    assert_eq!(collapsed.calls_async().await, 0);
}

#[tokio::test]
async fn a_raw_call_whose_path_collapses_is_refused_by_the_pipeline() {
    let double = Double::start().await;
    double.admin_login().await;
    let anything = double
        .server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({"code": 200, "data": {}}));
        })
        .await;
    let client = double.client();
    client.admin_login().await.unwrap();
    let before = anything.calls_async().await;

    let err = client
        .raw()
        .approve_verification("..", &approval())
        .await
        .unwrap_err();
    match &err {
        finhub_ext::api::Error::Custom(message) => {
            assert!(message.contains("path template"), "{message}")
        }
        other => panic!("expected a refusal before sending, got {other:?}"),
    }
    let consent = finhub_ext::api::types::AcceptConsentRequest {
        accepted: true,
        version: "1.0".into(),
        accepted_at: None,
    };
    for bad in BAD {
        assert!(client.raw().get_verification(bad).await.is_err());
        assert!(
            client
                .raw()
                .accept_consent(bad, AcceptConsentConsentType::Terms, &consent)
                .await
                .is_err()
        );
    }
    assert_eq!(anything.calls_async().await, before, "a request was sent");
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_still_matches_the_templates() {
    let double = Double::start().await;
    let prefixed = double
        .server
        .mock_async(|when, then| {
            when.path_includes("/prefix/");
            then.status(200)
                .json_body(session_body("admin-token-1", "", 3600));
        })
        .await;
    let client = double
        .builder()
        .base_url(format!("{}/prefix", double.server.base_url()))
        .build()
        .unwrap();
    client.admin_login().await.unwrap();
    assert_eq!(prefixed.calls_async().await, 1);
}
