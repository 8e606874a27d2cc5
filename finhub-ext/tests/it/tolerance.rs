//! The shapes FinHub really answers with (facts I-1, I-4, I-7, I-8, I-9,
//! I-10, I-13, I-25, I-29, I-31, I-32), through the typed methods.

use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

async fn answer(double: &Double, method: httpmock::Method, path: &str, body: Value) {
    let path = path.to_string();
    double
        .server
        .mock_async(move |when, then| {
            when.method(method).path(path);
            then.status(200).json_body(body);
        })
        .await;
}

#[tokio::test]
async fn an_unwrapped_categorization_payload_is_read_as_data() {
    let double = Double::start().await;
    double.admin_login().await;
    answer(
        &double,
        GET,
        &format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}"),
        json!({"tenantId": TENANT, "tenantName": "CloudVault", "complianceLevel": "NON_REGULATED",
               "categories": {"INDIVIDUAL_BASIC": {"databaseId": "cat-cloudvault-ind-001", "categoryName": "Basic",
                                                   "availableFeatures": []}}}),
    )
    .await;
    let hierarchy = double.client().categorization_hierarchy().await.unwrap();
    assert_eq!(hierarchy.tenant_name.as_deref(), Some("CloudVault"));
    assert_eq!(
        hierarchy.categories["INDIVIDUAL_BASIC"]
            .database_id
            .as_deref(),
        Some("cat-cloudvault-ind-001")
    );
}

#[tokio::test]
async fn customer_side_variants_parse() {
    let double = Double::start().await;
    double.admin_login().await;
    double.customer_login("customer-token-1", "refresh-1").await;
    let c = format!("/api/v2.1/customer/individual/{CUSTOMER}");
    // `{success, data}` without code or message, unknown status value.
    answer(&double, POST, &format!("{c}/consents/terms"),
        json!({"success": true, "data": {"consentId": "cons_12345", "type": "TERMS", "status": "PENDING_REVIEW", "acceptedAt": "2024-01-15T10:30:00Z"}})).await;
    // `{code, message}` with no data at all.
    answer(
        &double,
        POST,
        &format!("{c}/consents/privacy"),
        json!({"code": 200, "message": "Success"}),
    )
    .await;
    // `id` instead of `verificationId`, prefixed non-UUID ids, unknown fields.
    answer(&double, POST, "/api/v2.1/verifications",
        json!({"success": true, "code": 200, "timestamp": "2026-03-14T06:56:52.608Z", "message": "Verification process started",
               "data": {"id": "verif-880e8400", "customerId": "cust-550e8400", "type": "IDENTITY_VERIFICATION", "status": "IN_PROGRESS", "riskEngine": {"v": 2}}})).await;
    // `id` instead of `documentId`, epoch-ms upload date, DT_ prefix echo.
    answer(&double, POST, "/api/v2.1/verifications/verif-880e8400/documents",
        json!({"code": 200, "data": {"id": "doc-1", "fileType": "DT_PASSPORT", "uploadDate": 1768245720542_i64, "status": "UPLOADED"}})).await;
    // Wallet list unwrapped.
    answer(
        &double,
        GET,
        WALLETS_PATH,
        json!([{"id": "w1", "iban": "LT611000012345600037", "balance": "0.00 EUR"}]),
    )
    .await;

    let client = double.client();
    let customer = double.login_customer(&client).await;
    let consent_body = serde_json::from_value(json!({"accepted": true, "version": "1.0"})).unwrap();
    let terms = customer
        .accept_consent(
            finhub_ext::api::types::AcceptConsentConsentType::Terms,
            &consent_body,
        )
        .await
        .unwrap();
    assert_eq!(terms.status.as_deref(), Some("PENDING_REVIEW"));
    assert_eq!(terms.consent_id.as_deref(), Some("cons_12345"));
    let privacy = customer
        .accept_consent(
            finhub_ext::api::types::AcceptConsentConsentType::Privacy,
            &consent_body,
        )
        .await
        .unwrap();
    assert_eq!(privacy, Default::default());
    let verification = customer
        .create_verification(
            &finhub_ext::builders::VerificationBuilder::new(CUSTOMER)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        verification.verification_id.as_deref(),
        Some("verif-880e8400")
    );
    let document = customer
        .upload_document("verif-880e8400", &document())
        .await
        .unwrap();
    assert_eq!(document.document_id.as_deref(), Some("doc-1"));
    assert_eq!(
        document
            .upload_date
            .unwrap()
            .to_utc()
            .unwrap()
            .timestamp_millis(),
        1_768_245_720_542
    );
    let wallets = customer.wallets().await.unwrap();
    assert_eq!(wallets[0].balance.as_deref(), Some("0.00 EUR"));
}

#[tokio::test]
async fn registration_with_non_uuid_ids_and_offsetless_times() {
    let double = Double::start().await;
    double.admin_login().await;
    answer(&double, POST, "/api/v2.1/customer/individual/registration",
        json!({"code": 200, "message": "B2C individual account created successfully. Redirect to activate-account page",
               "redirectUrl": "/auth/activate-account",
               "data": {"id": "5887c98c-b5b1-4234-b819-a4987f54aa77", "customerStatus": "CS_REGISTRATION_COMPLETED",
                        "person": {"id": "the2r6zaa6", "nationality": "LT"}, "user": {"id": "uhqvq7sc80m", "isActive": false},
                        "createdAt": "2026-01-12T19:21:59.019243", "categorization": {"active": true, "isActive": true, "id": "B2CCustomerIndividual"}}})).await;
    let customer = double
        .client()
        .register_customer(&registration())
        .await
        .unwrap();
    assert_eq!(customer.user.unwrap().id.as_deref(), Some("uhqvq7sc80m"));
    let created = customer.created_at.unwrap();
    assert!(!created.has_offset());
    assert!(created.to_utc().is_some());
}

#[tokio::test]
async fn activation_with_empty_data_or_a_full_wallet() {
    let double = Double::start().await;
    double.admin_login().await;
    let path = format!("/api/v2.1/customer/individual/{CUSTOMER}/activation");
    answer(
        &double,
        POST,
        &path,
        json!({"code": 200, "data": {}, "message": "Success"}),
    )
    .await;
    let body: finhub_ext::api::types::ActivationRequest = serde_json::from_value(json!({"userId": "customer.20260331114946-387074@testcorp.com", "code": "ACTIVATION_CODE_20260331114954"})).unwrap();
    let result = double
        .client()
        .activate_customer(CUSTOMER, &body)
        .await
        .unwrap();
    assert_eq!(result, Default::default());
}
