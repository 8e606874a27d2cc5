//! Every request body finhub-ext sends during the journey — built with its
//! builders, or internally (logins, refresh) — validates against the request
//! schema of its operation in the vendored `openapi.yaml` (the 3.1 form).
//! The double answers every call with the spec's own 200 example (the
//! captured login answer for the published login, which has none).

use std::sync::{Arc, Mutex};

use finhub_ext::api::types::AcceptConsentConsentType;
use finhub_ext::builders::{
    ActivationBuilder, ApprovalBuilder, ConsentBuilder, ConsentKind, DocumentMime, DocumentType,
    DocumentUploadBuilder, Gender, PostalAddress, RegistrationBuilder, VerificationBuilder,
};
use finhub_ext::{AdminCredentials, CustomerCredentials, FinhubClient};
use finhub_tests::{schema_violations, spec, success_example};
use httpmock::MockServer;
use serde_json::Value;

const TENANT: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";

type Recorded = Arc<Mutex<Vec<(String, Value)>>>;

/// Mocks every operation with its 200 example, recording request bodies.
async fn double(spec: &Value, recorded: &Recorded) -> MockServer {
    let server = MockServer::start_async().await;
    for op in finhub_ext::Operation::ALL {
        let method = op.method().to_string();
        let example = success_example(spec, &method.to_lowercase(), op.path());
        let pattern = format!("^{}$", regex_path(op.path()));
        let (id, recorded) = (op.id().to_string(), recorded.clone());
        server
            .mock_async(move |when, then| {
                when.method(method.as_str())
                    .path_matches(pattern.as_str())
                    .is_true(move |request| {
                        if let Ok(body) = serde_json::from_slice::<Value>(request.body_ref()) {
                            recorded.lock().unwrap().push((id.clone(), body));
                        }
                        true
                    });
                then.status(200).json_body(example);
            })
            .await;
    }
    server
}

fn regex_path(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start].replace('.', "\\."));
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str("[^/]+");
        rest = &rest[end + 1..];
    }
    out.push_str(&rest.replace('.', "\\."));
    out
}

/// The request schema of an operation, from the spec.
fn request_schema(spec: &Value, operation: &str) -> String {
    let op = finhub_ext::Operation::from_id(operation).unwrap();
    spec["paths"][op.path()][op.method().as_str().to_lowercase()]
        .pointer("/requestBody/content/application~1json/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or_else(|| panic!("{operation} has no JSON request schema"))
        .to_string()
}

#[tokio::test]
async fn every_request_body_of_the_journey_matches_its_schema() {
    let spec = spec();
    let recorded: Recorded = Arc::default();
    let server = double(&spec, &recorded).await;
    let client = FinhubClient::builder()
        .base_url(server.base_url())
        .tenant_id(TENANT)
        .tenant_key("a1B2c3D4e5F6g7H8i9J0kLmNopQr")
        .tenant_secret("s3Cr3tKeyXyZpQwErTyUiOpAsDfGh")
        .admin(AdminCredentials::new(
            "org-1",
            "admin-1",
            "admin.login@example.test",
            "SecurePass123!",
        ))
        .build()
        .unwrap();

    let hierarchy = client.categorization_hierarchy().await.unwrap();
    let registration = RegistrationBuilder::new()
        .tenant_id(TENANT)
        .name("Marcus", "Jensen")
        .email("marcus.jensen@example.com")
        .phone("+37060012345")
        .password("SecurePass123!")
        .date_of_birth("1990-05-15")
        .gender(Gender::Male)
        .nationality("Lithuania")
        .place_of_birth("Vilnius")
        .pincode("12345")
        .address(PostalAddress::home(
            "123 Medium Risk Street",
            "Compliance City",
            "12345",
            "Lithuania",
        ))
        .category_from(&hierarchy, "INDIVIDUAL_STANDARD")
        .build()
        .unwrap();
    let customer = client.register_customer(&registration).await.unwrap();
    let (customer_id, user_id) = (customer.id.unwrap(), customer.user.unwrap().id.unwrap());
    let session = client
        .customer_login(CustomerCredentials::new(
            &customer_id,
            &user_id,
            "marcus.jensen@example.com",
            "SecurePass123!",
        ))
        .await
        .unwrap();
    let verification = session
        .create_verification(
            &VerificationBuilder::new(&customer_id)
                .notes("Identity Verification")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let verification_id = verification.verification_id.unwrap();
    let document = DocumentUploadBuilder::new(
        DocumentType::Passport,
        DocumentMime::Pdf,
        "passport.pdf",
        b"%PDF-1.4\n".to_vec(),
    )
    .verification_id(&verification_id)
    .customer_id(&customer_id)
    .build()
    .unwrap();
    session
        .upload_document(&verification_id, &document)
        .await
        .unwrap();
    client
        .approve_verification(
            &verification_id,
            &ApprovalBuilder::new(&verification_id).build().unwrap(),
        )
        .await
        .unwrap();
    for kind in [
        ConsentKind::Terms,
        ConsentKind::Privacy,
        ConsentKind::DataProcessing,
    ] {
        let consent = ConsentBuilder::new(kind, "1.0").build().unwrap();
        let path: AcceptConsentConsentType = consent.consent_type;
        session.accept_consent(path, &consent.body).await.unwrap();
    }
    client
        .activate_customer(
            &customer_id,
            &ActivationBuilder::new(&user_id, "ACTIVATION_CODE_20260331114954")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    session.refresh().await.unwrap();

    let recorded = recorded.lock().unwrap().clone();
    let mut seen: Vec<&str> = recorded.iter().map(|(op, _)| op.as_str()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "accept_consent",
            "activate_customer",
            "approve_verification",
            "create_admin_session",
            "create_customer_session",
            "create_verification",
            "refresh_customer_session",
            "register_individual_customer",
            "upload_verification_document",
        ]
    );
    let mut failures = Vec::new();
    for (operation, body) in &recorded {
        let schema = request_schema(&spec, operation);
        for violation in schema_violations(&spec, &schema, body) {
            failures.push(format!("{operation} ({schema}): {violation}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_schema_check_rejects_a_broken_body() {
    let spec = spec();
    let mut body = serde_json::to_value(
        ConsentBuilder::new(ConsentKind::Terms, "1.0")
            .build()
            .unwrap()
            .body,
    )
    .unwrap();
    assert!(schema_violations(&spec, "AcceptConsentRequest", &body).is_empty());
    body["accepted"] = Value::from("yes");
    assert!(!schema_violations(&spec, "AcceptConsentRequest", &body).is_empty());
}
