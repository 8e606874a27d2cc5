//! Invalid bodies never reach the network: a request is sent through the
//! generated client only after `validate()` passed, and the mock server
//! counts what arrived (0 for invalid input, 1 for valid input).

mod validation_fixtures;

use std::future::Future;

use finhub_api::hooks::Inner;
use finhub_api::types::{
    AcceptConsentConsentType, AcceptConsentRequest, ActivationRequest,
    CreateIndividualSessionRequest, IndividualRegistrationRequest,
    UploadVerificationDocumentRequest,
};
use finhub_api::{Client, Sensitive};
use finhub_ext::builders::{
    ActivationBuilder, ConsentBuilder, ConsentKind, CustomerSessionBuilder, DocumentMime,
    DocumentType, DocumentUploadBuilder,
};
use finhub_ext::validation::codes::*;
use finhub_ext::validation::{Validate, Violations};
use httpmock::prelude::*;
use serde_json::json;
use validation_fixtures::registration;

/// Sends `body` with `send` only when it passes validation, as the client
/// layer does; returns the violations otherwise.
async fn send_if_valid<B, F, T>(body: &B, send: impl FnOnce() -> F) -> Result<T, Violations>
where
    B: Validate,
    F: Future<Output = T>,
{
    body.validate()?;
    Ok(send().await)
}

fn ok_body() -> serde_json::Value {
    json!({"code": 200, "message": "Success", "data": {}})
}

#[tokio::test]
async fn registration_reaches_the_server_only_when_valid() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/registration");
            then.status(200).json_body(ok_body());
        })
        .await;
    let client = Client::new(&server.base_url(), Inner::default());

    let mut invalid: IndividualRegistrationRequest = registration();
    invalid.email = "marcus.example.com".into();
    invalid.matching_password = Sensitive::from("Different123!");
    let err = send_if_valid(&invalid, || client.register_individual_customer(&invalid))
        .await
        .unwrap_err();
    assert!(err.contains("email", EMAIL_SYNTAX), "{err}");
    assert!(err.contains("matchingPassword", PASSWORD_MISMATCH), "{err}");
    mock.assert_calls_async(0).await;

    let mut country_name = registration();
    country_name.nationality = "Lithuania".into();
    let err = send_if_valid(&country_name, || {
        client.register_individual_customer(&country_name)
    })
    .await
    .unwrap_err();
    assert!(err.contains("nationality", COUNTRY_NOT_ALPHA2), "{err}");
    mock.assert_calls_async(0).await;

    let valid = registration();
    let response = send_if_valid(&valid, || client.register_individual_customer(&valid))
        .await
        .expect("valid")
        .expect("the mock answers");
    assert_eq!(response.into_inner().code, Some(200));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn journey_bodies_reach_the_server_only_when_valid() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/c-1/users/u-1/sessions");
            then.status(200).json_body(ok_body());
        })
        .await;
    let upload = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/verifications/v-1/documents");
            then.status(200).json_body(ok_body());
        })
        .await;
    let consent = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/c-1/consents/terms");
            then.status(200).json_body(ok_body());
        })
        .await;
    let activation = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/c-1/activation");
            then.status(200).json_body(ok_body());
        })
        .await;
    let client = Client::new(&server.base_url(), Inner::default());

    // Invalid bodies: nothing is sent.
    let bad_login = CreateIndividualSessionRequest {
        username: Some("ona@example.lt".into()),
        password: Some(Sensitive::from("Saugus#1")),
        ..Default::default()
    };
    let err = send_if_valid(&bad_login, || {
        client.create_customer_session("c-1", "u-1", &bad_login)
    })
    .await
    .unwrap_err();
    assert!(err.contains("tenantSecret", REQUIRED_MISSING), "{err}");

    let bad_upload = UploadVerificationDocumentRequest {
        document_type: "DRIVERS_LICENSE".into(),
        mime_type: "image/gif".into(),
        file_name: "licence.gif".into(),
        file_content: "R0lGODlh???".into(),
        file_size: None,
        verification_id: None,
        customer_id: None,
        description: None,
        document_category: None,
        doc_id: None,
    };
    let err = send_if_valid(&bad_upload, || {
        client.upload_verification_document("v-1", &bad_upload)
    })
    .await
    .unwrap_err();
    assert!(err.contains("documentType", DOCUMENT_TYPE_UNKNOWN), "{err}");
    assert!(err.contains("mimeType", DOCUMENT_MIME), "{err}");
    assert!(err.contains("fileContent", DOCUMENT_BASE64), "{err}");

    let declined = AcceptConsentRequest {
        accepted: false,
        version: "1.0".into(),
        accepted_at: None,
    };
    let err = send_if_valid(&declined, || {
        client.accept_consent("c-1", AcceptConsentConsentType::Terms, &declined)
    })
    .await
    .unwrap_err();
    assert!(err.contains("accepted", CONSENT_NOT_ACCEPTED), "{err}");

    let no_code = ActivationRequest {
        user_id: "ona@example.lt".into(),
        code: String::new(),
    };
    let err = send_if_valid(&no_code, || client.activate_customer("c-1", &no_code))
        .await
        .unwrap_err();
    assert!(err.contains("code", REQUIRED_MISSING), "{err}");

    for mock in [&login, &upload, &consent, &activation] {
        mock.assert_calls_async(0).await;
    }

    // Valid bodies from the builders: each is sent once.
    let good_login = CustomerSessionBuilder::new("ona@example.lt", "Saugus#1")
        .tenant_credentials("key", "secret")
        .build()
        .unwrap();
    send_if_valid(&good_login, || {
        client.create_customer_session("c-1", "u-1", &good_login)
    })
    .await
    .unwrap()
    .expect("the mock answers");

    let document = DocumentUploadBuilder::new(
        DocumentType::Passport,
        DocumentMime::Pdf,
        "passport.pdf",
        b"%PDF-1.4".to_vec(),
    )
    .verification_id("v-1")
    .build()
    .unwrap();
    send_if_valid(&document, || {
        client.upload_verification_document("v-1", &document)
    })
    .await
    .unwrap()
    .expect("the mock answers");

    let terms = ConsentBuilder::new(ConsentKind::Terms, "1.0")
        .build()
        .unwrap();
    send_if_valid(&terms, || {
        client.accept_consent("c-1", terms.consent_type, &terms.body)
    })
    .await
    .unwrap()
    .expect("the mock answers");

    let activate = ActivationBuilder::new("ona@example.lt", "ACTIVATION_CODE_1")
        .build()
        .unwrap();
    send_if_valid(&activate, || client.activate_customer("c-1", &activate))
        .await
        .unwrap()
        .expect("the mock answers");

    for mock in [&login, &upload, &consent, &activation] {
        mock.assert_calls_async(1).await;
    }
}
