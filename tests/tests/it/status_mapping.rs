//! For every operation of the journey (the oracle's table, checked against
//! `openapi.yaml`), every documented status code maps to the expected
//! `finhub_ext::Error` variant, and every envelope shape FinHub uses yields
//! the payload the server sent: the decoded value is compared with the
//! expected one, so a client that dropped or defaulted the payload fails.

use finhub_api::types;
use finhub_ext::{
    AdminCredentials, CustomerClient, CustomerCredentials, Error, FinhubClient, ManualClock,
    RetryPolicy,
};
use finhub_tests::oracle::{self, Role};
use finhub_tests::{meaning, spec};
use httpmock::prelude::*;
use serde_json::{Value, json};

const TENANT: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
const CUSTOMER: &str = "c-1";
const USER: &str = "u-1";
const SESSION: &str = "s-1";

/// One operation: id, method, path with the test's ids, and the error
/// statuses `openapi.yaml` documents for it.
type Target = (&'static str, String, String, Vec<u16>);

/// The operations of the oracle, each checked to be in the spec.
fn operations() -> Vec<Target> {
    let spec = spec();
    let mut out = Vec::new();
    for op in oracle::OPERATIONS {
        let item = &spec["paths"][op.path][op.method.as_str().to_lowercase()];
        assert!(
            item.is_object(),
            "{} {} is not in openapi.yaml",
            op.method.as_str(),
            op.path
        );
        let statuses = item["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter_map(|k| k.parse::<u16>().ok())
            .filter(|s| *s >= 400)
            .collect();
        let path = op.path_with(|name| {
            match name {
                "organizationId" => "org-1",
                "userId" if op.id == "create_admin_session" => "admin-1",
                "userId" => USER,
                "tenantId" | "ownerTenantId" => TENANT,
                "customerId" => CUSTOMER,
                "sessionId" => SESSION,
                "verificationId" => "v-1",
                "consentType" => "terms",
                other => panic!("no test id for {other}"),
            }
            .to_string()
        });
        out.push((op.id, op.method.as_str().to_string(), path, statuses));
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

/// The token the next call carried, as the probe mocks echo it (see
/// [`probe`]).
async fn probed_admin_token(client: &FinhubClient) -> Result<Value, Error> {
    let echo = client.categorization_hierarchy().await?;
    Ok(json!({ "token": echo.tenant_id }))
}

async fn probed_customer(customer: &CustomerClient) -> Result<Value, Error> {
    let echo = customer.wallets().await?;
    Ok(json!({
        "token": echo.first().and_then(|w| w.id.clone()),
        "sessionId": customer.session_id(),
    }))
}

/// Calls operation `id` through its typed method and returns what it
/// returned, as JSON. A login or refresh returns no payload: with `probe`,
/// the token the next call carries (and the session id) stands for it.
async fn call(
    id: &str,
    client: &FinhubClient,
    customer: &CustomerClient,
    probe: bool,
) -> Result<Value, Error> {
    fn json<T: serde::Serialize>(value: T) -> Value {
        serde_json::to_value(value).unwrap()
    }
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
        "create_admin_session" => {
            client.admin_login().await?;
            match probe {
                true => probed_admin_token(client).await,
                false => Ok(Value::Null),
            }
        }
        "get_categorization_hierarchy" => client.categorization_hierarchy().await.map(json),
        "register_individual_customer" => client.register_customer(&registration).await.map(json),
        "create_customer_session" => {
            let customer = client
                .customer_login(CustomerCredentials::new(
                    CUSTOMER,
                    USER,
                    "m@example.test",
                    "SecurePass123!",
                ))
                .await?;
            match probe {
                true => probed_customer(&customer).await,
                false => Ok(Value::Null),
            }
        }
        "refresh_customer_session" => {
            customer.refresh().await?;
            match probe {
                true => probed_customer(customer).await,
                false => Ok(Value::Null),
            }
        }
        "delete_customer_session" => customer.clone().logout().await.map(json),
        "submit_customer_verification" => customer
            .start_verification(&Default::default())
            .await
            .map(json),
        "create_verification" => customer
            .create_verification(
                &finhub_ext::builders::VerificationBuilder::new(CUSTOMER)
                    .build()
                    .unwrap(),
            )
            .await
            .map(json),
        "get_verification" => customer.verification("v-1").await.map(json),
        "upload_verification_document" => {
            customer.upload_document("v-1", &document).await.map(json)
        }
        "approve_verification" => client
            .approve_verification("v-1", &approval)
            .await
            .map(json),
        "accept_consent" => customer
            .accept_consent(types::AcceptConsentConsentType::Terms, &consent)
            .await
            .map(json),
        "check_activation_readiness" => customer.activation_readiness(TENANT).await.map(json),
        "activate_customer" => client
            .activate_customer(CUSTOMER, &activation)
            .await
            .map(json),
        "list_customer_wallets" => customer.wallets().await.map(json),
        other => panic!("no typed method for {other}"),
    }
}

/// For a login or refresh target: mocks that answer the next call only when
/// it carries `token` (the payload's), echoing it (as the hierarchy's
/// `tenantId`, or the first wallet's `id`).
async fn probe(server: &MockServer, id: &str, token: &str) {
    let bearer = format!("Bearer {token}");
    match id {
        "create_admin_session" => {
            let path = format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}");
            let reply = json!({"code": 200, "data": {"tenantId": token}});
            server
                .mock_async(move |when, then| {
                    when.method(GET).path(path).header("authorization", bearer);
                    then.status(200).json_body(reply);
                })
                .await;
        }
        "create_customer_session" | "refresh_customer_session" => {
            let path = format!("/api/v2.1/wallets/customer/{CUSTOMER}");
            let reply = json!({"code": 200, "data": [{"id": token}]});
            server
                .mock_async(move |when, then| {
                    when.method(GET).path(path).header("authorization", bearer);
                    then.status(200).json_body(reply);
                })
                .await;
        }
        _ => {}
    }
}

/// A FinHub double where logins work and `target` answers `status` + `reply`;
/// with `probe_token`, the probe of a login or refresh target (see [`probe`]).
async fn scenario(
    target: &Target,
    status: u16,
    reply: Value,
    probe_token: Option<&str>,
) -> Result<Value, Error> {
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
    if let Some(token) = probe_token {
        probe(&server, id, token).await;
    }
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
        // The mapping of one answer: no second request in a documented
        // alternative form (finhub-ext's `tests/it/alternatives.rs` has those).
        .form_fallback(false)
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
    let result = call(id, &client, &customer, probe_token.is_some()).await;
    // A 401 on an ordinary call renews the session and retries once.
    let expected = if status == 401 && oracle::expected(id).role == Role::Ordinary {
        2
    } else {
        1
    };
    assert_eq!(
        target_mock.calls_async().await,
        expected,
        "{id} answering {status}: the operation was not called {expected} time(s)"
    );
    result
}

fn expected_variant(id: &str, status: u16) -> &'static str {
    let login = oracle::expected(id).role == Role::Login;
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
    let mut expected_cases = 0;
    for target in &operations() {
        let id = target.0;
        let statuses: Vec<u16> = target.3.iter().copied().chain([429, 503]).collect();
        expected_cases += statuses.len();
        for status in statuses {
            let reply = json!({"code": status, "message": format!("{id} failed with {status}")});
            let result = scenario(target, status, reply, None).await;
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
            assert_eq!(
                error.operation().map(finhub_ext::Operation::id),
                Some(id),
                "{id} {status}"
            );
            assert_eq!(error.status(), Some(status), "{id} {status}");
            assert_eq!(
                error.details().and_then(|d| d.message.clone()),
                Some(format!("{id} failed with {status}")),
                "{id} {status}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, expected_cases);
    assert!(checked >= 15 * 3, "only {checked} cases");
}

/// What the server sends as `data` for `id`, and what the typed method must
/// return for it (the same, but for the ids the client fills in from `id`,
/// facts I-7 and I-8, and for the logins, whose token the next call carries).
fn payload(id: &str) -> (Value, Value) {
    let session = |token: &str, session_id: &str| json!({"token": token, "refreshToken": format!("{token}-refresh"), "sessionId": session_id, "expiresIn": 3600});
    let same = |value: Value| (value.clone(), value);
    match id {
        "create_admin_session" => (
            session("admin-token-from-payload", "s-admin"),
            json!({"token": "admin-token-from-payload"}),
        ),
        "create_customer_session" => (
            session("customer-token-from-payload", "s-from-payload"),
            json!({"token": "customer-token-from-payload", "sessionId": "s-from-payload"}),
        ),
        "refresh_customer_session" => (
            session("refreshed-token-from-payload", "s-refreshed"),
            json!({"token": "refreshed-token-from-payload", "sessionId": "s-refreshed"}),
        ),
        "get_categorization_hierarchy" => same(json!({
            "tenantId": TENANT,
            "tenantName": "CloudVault",
            "complianceLevel": "NON_REGULATED",
            "categories": {"INDIVIDUAL_BASIC": {"databaseId": "cat-cloudvault-ind-001", "categoryName": "Individual Basic"}}
        })),
        "register_individual_customer" => same(json!({
            "id": "c-9", "customerStatus": "CS_REGISTRATION_COMPLETED", "customerType": "CT_PERSON",
            "individual": true, "user": {"id": "u-9", "email": "m@example.test"}
        })),
        "submit_customer_verification" => same(json!({
            "verificationId": "v-9", "status": "IN_PROGRESS", "level": "TENANT_VERIFIED"
        })),
        "create_verification" => (
            json!({"id": "v-10", "status": "PENDING", "verificationType": "IDENTITY_VERIFICATION"}),
            json!({"id": "v-10", "verificationId": "v-10", "status": "PENDING", "verificationType": "IDENTITY_VERIFICATION"}),
        ),
        "get_verification" => same(json!({
            "verificationId": "v-1", "status": "APPROVED", "verified": true
        })),
        "upload_verification_document" => (
            json!({"id": "d-1", "documentType": "DT_PASSPORT", "fileName": "p.pdf", "status": "UPLOADED"}),
            json!({"id": "d-1", "documentId": "d-1", "documentType": "DT_PASSPORT", "fileName": "p.pdf", "status": "UPLOADED"}),
        ),
        "approve_verification" => same(json!({
            "verificationId": "v-1", "status": "APPROVED", "level": "TENANT_VERIFIED", "approvedBy": "E2E_ADMIN"
        })),
        "accept_consent" => same(json!({
            "id": "consent-1", "consentType": "TERMS_AND_CONDITIONS", "status": "ACCEPTED",
            "isGranted": true, "version": "1.0"
        })),
        "check_activation_readiness" => same(json!({
            "activationAllowed": false, "consentOk": false, "verificationOk": true,
            "missingConsents": ["PRIVACY_POLICY"]
        })),
        "activate_customer" => same(json!({
            "iban": "LT611000012345600037", "activationStatus": "ACTIVATED",
            "wallet": {"walletId": "w-1", "currency": "EUR"}
        })),
        "list_customer_wallets" => same(json!([
            {"id": "w-1", "walletId": "w-1", "iban": "LT611000012345600037", "balance": "0.00", "currency": "EUR"}
        ])),
        "delete_customer_session" => same(json!({
            "sessionId": SESSION, "status": "TERMINATED", "terminatedAt": "2024-01-15T11:00:00Z"
        })),
        other => panic!("no payload for {other}"),
    }
}

#[tokio::test]
async fn every_envelope_shape_of_every_operation_yields_the_payload_sent() {
    let mut checked = 0;
    for target in &operations() {
        let (id, ..) = target;
        let session = oracle::expected(id).role != Role::Ordinary
            && oracle::expected(id).role != Role::Logout;
        let (data, expected) = payload(id);
        let probe_token = expected["token"].as_str();
        // Every shape of facts §1.4 and I-1 that carries the payload.
        for (shape, reply) in [
            (
                "{code, message, data}",
                json!({"code": 200, "message": "Success", "data": data}),
            ),
            (
                "{code, message, data} and more top-level keys",
                json!({"code": 200, "message": "Success", "data": data, "redirectUrl": "/auth/activate-account"}),
            ),
            ("{success, data}", json!({"success": true, "data": data})),
            (
                "{success, timestamp, data}",
                json!({"success": true, "timestamp": "2026-03-16T20:49:32.000Z", "data": data}),
            ),
            ("{data}", json!({"data": data})),
            ("bare payload", data.clone()),
        ] {
            let result = scenario(target, 200, reply, probe_token).await;
            let value = result.unwrap_or_else(|e| panic!("{id} with {shape}: {e:?}"));
            assert_eq!(
                meaning(&value),
                meaning(&expected),
                "{id} with {shape}: the typed method returned another payload"
            );
            checked += 1;
        }
        // Shapes without a payload: an empty one (a login has no token
        // then, which is an error).
        let empty = if *id == "list_customer_wallets" {
            json!([])
        } else {
            json!({})
        };
        for (shape, reply) in [
            (
                "{code, message}",
                json!({"code": 200, "message": "Success"}),
            ),
            (
                "{code, message, data: empty}",
                json!({"code": 200, "message": "Success", "data": empty}),
            ),
        ] {
            let result = scenario(target, 200, reply, probe_token).await;
            match result {
                Err(Error::Decode { .. }) if session => {}
                Ok(value) if !session => {
                    assert_eq!(meaning(&value), empty, "{id} with {shape}");
                }
                other => panic!("{id} with {shape}: {other:?}"),
            }
            checked += 1;
        }
        // An error code inside a 200 envelope is an error.
        let result = scenario(
            target,
            200,
            json!({"code": 409, "message": "conflict inside 200"}),
            None,
        )
        .await;
        match result {
            Err(Error::Conflict(details)) => {
                assert_eq!(details.status, Some(200), "{id}");
                assert_eq!(details.code.as_deref(), Some("409"), "{id}");
            }
            // A refresh whose answer is refused falls back to login.
            Ok(_) if *id == "refresh_customer_session" => {}
            other => panic!("{id}: expected Conflict, got {other:?}"),
        }
        checked += 1;
    }
    assert_eq!(checked, oracle::OPERATIONS.len() * (6 + 2 + 1));
}
