//! For every operation of `openapi.yaml`, every documented status code and
//! every envelope shape FinHub uses maps to the expected `finhub_ext::Error`
//! variant or value (httpmock).

use finhub_api::types;
use finhub_ext::{
    AdminCredentials, CustomerClient, CustomerCredentials, Error, FinhubClient, ManualClock,
    RetryPolicy,
};
use finhub_tests::spec;
use httpmock::prelude::*;
use serde_json::{Value, json};

const TENANT: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
const CUSTOMER: &str = "c-1";
const USER: &str = "u-1";
const SESSION: &str = "s-1";

/// The operations of the spec as (id, method, path with the test's ids).
fn operations() -> Vec<(&'static str, String, String, Vec<u16>)> {
    let spec = spec();
    let mut out = Vec::new();
    for op in finhub_ext::operation::OPERATIONS {
        let item = &spec["paths"][op.path][op.method.as_str().to_lowercase()];
        assert!(
            item.is_object(),
            "{} {} is not in openapi.yaml",
            op.method,
            op.path
        );
        let statuses = item["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter_map(|k| k.parse::<u16>().ok())
            .filter(|s| *s >= 400)
            .collect();
        let path = op
            .path
            .replace("{organizationId}", "org-1")
            .replace(
                "{userId}",
                if op.id == "create_admin_session" {
                    "admin-1"
                } else {
                    USER
                },
            )
            .replace("{tenantId}", TENANT)
            .replace("{ownerTenantId}", TENANT)
            .replace("{customerId}", CUSTOMER)
            .replace("{sessionId}", SESSION)
            .replace("{verificationId}", "v-1")
            .replace("{consentType}", "terms");
        out.push((op.id, op.method.to_string(), path, statuses));
    }
    assert_eq!(out.len(), 15);
    out
}

fn session(token: &str) -> Value {
    json!({"code": 200, "data": {"token": token, "refreshToken": "r", "sessionId": SESSION, "expiresIn": 3600}})
}

fn body<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// Calls operation `id` through its typed method.
async fn call(id: &str, client: &FinhubClient, customer: &CustomerClient) -> Result<(), Error> {
    let registration = finhub_ext::builders::RegistrationBuilder::new()
        .name("Marcus", "Jensen")
        .email("m@example.test")
        .phone("+37060012345")
        .password("SecurePass123!")
        .date_of_birth("1990-05-15")
        .gender(finhub_ext::builders::Gender::Male)
        .nationality("LT")
        .place_of_birth("Vilnius")
        .pincode("12345")
        .category("fs-cat-b2c-low-001", "Individual Standard")
        .build()
        .unwrap();
    let document = body::<types::UploadVerificationDocumentRequest>(json!({
        "documentType": "PASSPORT", "mimeType": "application/pdf", "fileName": "p.pdf", "fileContent": "JVBE"}));
    let approval = body::<types::ApproveVerificationRequest>(json!({"verificationId": "v-1"}));
    let consent = body::<types::AcceptConsentRequest>(json!({"accepted": true, "version": "1.0"}));
    let activation = body::<types::ActivationRequest>(json!({"userId": USER, "code": "C"}));
    match id {
        "create_admin_session" => client.admin_login().await,
        "get_categorization_hierarchy" => client.categorization_hierarchy().await.map(drop),
        "register_individual_customer" => client.register_customer(&registration).await.map(drop),
        "create_customer_session" => client
            .customer_login(CustomerCredentials::new(
                CUSTOMER,
                USER,
                "m@example.test",
                "SecurePass123!",
            ))
            .await
            .map(drop),
        "refresh_customer_session" => customer.refresh().await,
        "delete_customer_session" => customer.clone().logout().await.map(drop),
        "submit_customer_verification" => customer
            .start_verification(&Default::default())
            .await
            .map(drop),
        "create_verification" => customer
            .create_verification(
                &finhub_ext::builders::VerificationBuilder::new(CUSTOMER)
                    .build()
                    .unwrap(),
            )
            .await
            .map(drop),
        "get_verification" => customer.verification("v-1").await.map(drop),
        "upload_verification_document" => {
            customer.upload_document("v-1", &document).await.map(drop)
        }
        "approve_verification" => client
            .approve_verification("v-1", &approval)
            .await
            .map(drop),
        "accept_consent" => customer
            .accept_consent(types::AcceptConsentConsentType::Terms, &consent)
            .await
            .map(drop),
        "check_activation_readiness" => customer.activation_readiness(TENANT).await.map(drop),
        "activate_customer" => client
            .activate_customer(CUSTOMER, &activation)
            .await
            .map(drop),
        "list_customer_wallets" => customer.wallets().await.map(drop),
        other => panic!("no typed method for {other}"),
    }
}

/// A FinHub double where logins work and `target` answers `status` + `reply`.
async fn scenario(
    target: &(&'static str, String, String, Vec<u16>),
    status: u16,
    reply: Value,
) -> Result<(), Error> {
    let server = MockServer::start_async().await;
    let (id, method, path, _) = target;
    let target_mock = {
        let (method, path, reply) = (method.clone(), path.clone(), reply.clone());
        server
            .mock_async(move |when, then| {
                when.method(method.as_str()).path(path);
                then.status(status).json_body(reply);
            })
            .await
    };
    // Logins (unless they are the target) succeed.
    if *id != "create_admin_session" {
        server
            .mock_async(|when, then| {
                when.method(POST)
                    .path("/api/v2.1/admin/organization/org-1/users/admin-1/sessions");
                then.status(200).json_body(session("admin-token"));
            })
            .await;
    }
    let login_path = format!("/api/v2.1/customer/individual/{CUSTOMER}/users/{USER}/sessions");
    let mut customer_login = None;
    if *id != "create_customer_session" {
        customer_login = Some(
            server
                .mock_async(|when, then| {
                    when.method(POST).path(login_path.clone());
                    then.status(200).json_body(session("customer-token"));
                })
                .await,
        );
    }
    let client = FinhubClient::builder()
        .base_url(server.base_url())
        .tenant_id(TENANT)
        .tenant_key("key")
        .tenant_secret("secret")
        .admin(AdminCredentials::new(
            "org-1",
            "admin-1",
            "admin@example.test",
            "password",
        ))
        .retry_policy(RetryPolicy::disabled())
        .clock(std::sync::Arc::new(ManualClock::new(chrono::Utc::now())))
        .build()
        .unwrap();
    let customer = match &customer_login {
        Some(_) => client
            .customer_login(CustomerCredentials::new(
                CUSTOMER,
                USER,
                "m@example.test",
                "SecurePass123!",
            ))
            .await
            .unwrap(),
        None => {
            // The customer login is the target: the handle is never used.
            let other = MockServer::start_async().await;
            other
                .mock_async(|when, then| {
                    when.method(POST);
                    then.status(200).json_body(session("unused"));
                })
                .await;
            FinhubClient::builder()
                .base_url(other.base_url())
                .tenant_id(TENANT)
                .tenant_key("k")
                .tenant_secret("s")
                .build()
                .unwrap()
                .customer_login(CustomerCredentials::new(CUSTOMER, USER, "m", "p"))
                .await
                .unwrap()
        }
    };
    let result = call(id, &client, &customer).await;
    assert!(
        target_mock.calls_async().await >= 1,
        "{id}: the operation was not called"
    );
    result
}

fn expected_variant(id: &str, status: u16) -> &'static str {
    let login = matches!(id, "create_admin_session" | "create_customer_session");
    match status {
        401 if login => "InvalidCredentials",
        403 if login => "InvalidTenantKeys",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        422 => "BusinessRule",
        429 => "RateLimited",
        500..=599 => "Server",
        _ => "UnexpectedStatus",
    }
}

fn variant(error: &Error) -> &'static str {
    match error {
        Error::InvalidCredentials(_) => "InvalidCredentials",
        Error::InvalidTenantKeys(_) => "InvalidTenantKeys",
        Error::BadRequest(_) => "BadRequest",
        Error::Unauthorized(_) => "Unauthorized",
        Error::Forbidden(_) => "Forbidden",
        Error::NotFound(_) => "NotFound",
        Error::Conflict(_) => "Conflict",
        Error::BusinessRule(_) => "BusinessRule",
        Error::RateLimited { .. } => "RateLimited",
        Error::Server(_) => "Server",
        Error::UnexpectedStatus(_) => "UnexpectedStatus",
        other => panic!("unexpected error kind {other:?}"),
    }
}

#[tokio::test]
async fn every_documented_error_status_of_every_operation_maps_to_its_variant() {
    let mut checked = 0;
    for target in &operations() {
        let id = target.0;
        for status in target.3.iter().copied().chain([429, 503]) {
            let reply = json!({"code": status, "message": format!("{id} failed with {status}")});
            let result = scenario(target, status, reply).await;
            // A refused refresh (401) or a missing refresh endpoint (404) is not
            // an error: the session falls back to logging in again.
            if id == "refresh_customer_session" && matches!(status, 401 | 404) {
                assert!(result.is_ok(), "{id} {status}: {result:?}");
                checked += 1;
                continue;
            }
            let error = result.expect_err(&format!("{id} {status} must fail"));
            assert_eq!(
                variant(&error),
                expected_variant(id, status),
                "{id} {status}: {error}"
            );
            assert_eq!(error.operation(), Some(id), "{id} {status}");
            assert_eq!(error.status(), Some(status), "{id} {status}");
            assert_eq!(
                error.details().and_then(|d| d.message.clone()),
                Some(format!("{id} failed with {status}")),
                "{id} {status}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 15 * 6, "only {checked} cases");
}

#[tokio::test]
async fn every_envelope_shape_of_every_operation_is_a_success() {
    for target in &operations() {
        let (id, ..) = target;
        let payload = match *id {
            "list_customer_wallets" => json!([{"id": "w-1"}]),
            "create_admin_session" | "create_customer_session" | "refresh_customer_session" => {
                json!({"token": "fresh-token", "sessionId": SESSION, "expiresIn": 3600})
            }
            _ => json!({"id": "x-1", "status": "OK"}),
        };
        for (shape, reply) in [
            (
                "{code, message, data}",
                json!({"code": 200, "message": "Success", "data": payload}),
            ),
            ("{success, data}", json!({"success": true, "data": payload})),
            ("bare payload", payload.clone()),
        ] {
            let result = scenario(target, 200, reply).await;
            assert!(result.is_ok(), "{id} with {shape}: {result:?}");
        }
        // An error code inside a 200 envelope is an error.
        let result = scenario(
            target,
            200,
            json!({"code": 409, "message": "conflict inside 200"}),
        )
        .await;
        let login = matches!(*id, "create_admin_session" | "create_customer_session");
        match result {
            Err(Error::Conflict(details)) => {
                assert_eq!(details.status, Some(200), "{id}");
                assert_eq!(details.code.as_deref(), Some("409"), "{id}");
            }
            // A refresh whose answer is refused falls back to login.
            Ok(()) if *id == "refresh_customer_session" => {}
            other => panic!("{id} (login: {login}): expected Conflict, got {other:?}"),
        }
    }
}
