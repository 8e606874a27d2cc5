//! Answers FinHub's docs show (`tests/fixtures/captured/`, verbatim) and the
//! variants we built from them (`tests/fixtures/variants/`), which differ from
//! the published schemas: non-UUID ids, timestamps without offset, shortened
//! with "…" or as epoch milliseconds, the `{success, data}` envelope, `id` for
//! `verificationId`, placeholders, unknown fields and unknown enum values.
//! All decode into the generated types.

use finhub_api::types;
use finhub_tests::fixture;
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name} does not decode: {e}"))
}

#[test]
fn captured_login_with_user_id_non_uuid_and_offsetless_expiry() {
    let envelope: types::BaseResponseSessionResponse = decode("captured/session-runner.json");
    let data = envelope.data.unwrap();
    assert_eq!(data.user_id.as_deref(), Some("6r1k1hw6npq"));
    assert_eq!(data.user, None);
    assert_eq!(
        data.expires_at.as_deref(),
        Some("2026-01-14T10:03:42.197811165")
    );
    assert!(
        data.token
            .as_ref()
            .unwrap()
            .expose()
            .starts_with("eyJ0eXAi")
    );
    assert_eq!(
        data.refresh_token.as_ref().unwrap().expose(),
        "39915084-484f-46e5-bd8d-aaf7366787da-6r1k1hw6npq-cvK_9XDw"
    );
    assert_eq!(data.expires_in, None);
    assert_eq!(data.error_type.as_deref(), Some("NONE"));
    // userId (added by the `documented-additions` override) survives a
    // round trip instead of being dropped.
    let back = serde_json::to_value(&data).unwrap();
    assert_eq!(back["userId"], "6r1k1hw6npq");
}

#[test]
fn captured_oas_page_login_with_placeholders() {
    let envelope: types::BaseResponseSessionResponse = decode("captured/session-oas-page.json");
    assert_eq!(envelope.code, Some(200));
    let data = envelope.data.unwrap();
    assert_eq!(data.expires_in, Some(123.into()));
    assert_eq!(data.expires_at.as_deref(), Some("2026-03-16T20:49:32.000Z"));
    assert_eq!(data.token.unwrap().expose(), "eyJhbGciOi...");
    let user = data.user.unwrap();
    assert_eq!(user.id.as_deref(), Some("<string>"));
    assert_eq!(user.is_active, Some(true));
    assert_eq!(user.phones[0].number.as_deref(), Some("<string>"));
}

#[test]
fn captured_logout_in_the_success_data_envelope_with_non_uuid_session() {
    let envelope: types::BaseResponseSessionTermination = decode("captured/logout-reference.json");
    assert_eq!(envelope.success, Some(true));
    assert_eq!(envelope.code, None);
    let data = envelope.data.unwrap();
    assert_eq!(data.session_id.as_deref(), Some("sess_abc123"));
    assert_eq!(data.status.as_deref(), Some("TERMINATED"));
    assert!(data.terminated_at.unwrap().has_offset());
}

#[test]
fn captured_registration_answer_and_request() {
    let envelope: types::BaseResponseCustomerRegistrationResponse =
        decode("captured/registration-response.json");
    assert_eq!(
        envelope.redirect_url.as_deref(),
        Some("/auth/activate-account")
    );
    let customer = envelope.data.unwrap();
    assert_eq!(
        customer.id.as_deref(),
        Some("5887c98c-b5b1-4234-b819-a4987f54aa77")
    );
    assert_eq!(
        customer.user.unwrap().id.as_deref(),
        Some("23cfc195-be4a-4e7c-88f2-ef789ae83d39")
    );
    let categorization = customer.categorization.unwrap();
    assert_eq!(categorization.active, Some(true));
    assert_eq!(categorization.is_active, Some(true));
    assert_eq!(customer.person.unwrap().names.len(), 2);

    let request: types::IndividualRegistrationRequest =
        decode("captured/registration-request-reference.json");
    let user = request.individual_customer.user.unwrap();
    assert_eq!(user.id.as_deref(), Some("uhqvq7sc80m"));
    assert_eq!(user.status.as_deref(), Some("PENDING_ACTIVATION"));
}

#[test]
fn captured_consent_in_the_success_data_envelope_with_a_shortened_time() {
    let envelope: types::BaseResponseConsent =
        decode("captured/consent-success-data-envelope.json");
    assert_eq!(envelope.success, Some(true));
    assert_eq!(envelope.code, None);
    let consent = envelope.data.unwrap();
    assert_eq!(consent.consent_id.as_deref(), Some("cons_12345"));
    assert_eq!(consent.status.as_deref(), Some("ACCEPTED"));
    // The page shortens the time to "…": kept as sent, not a time.
    let accepted = consent.accepted_at.unwrap();
    assert_eq!(accepted.to_string(), "…");
    assert_eq!(accepted.to_utc(), None);
}

#[test]
fn captured_consent_pending_right_after_accepting() {
    let envelope: types::BaseResponseConsent = decode("captured/consent-runner-pending.json");
    assert_eq!(envelope.data.unwrap().status.as_deref(), Some("PENDING"));
}

#[test]
fn captured_readiness_and_activation_with_empty_data() {
    let readiness: types::BaseResponseActivationReadiness =
        decode("captured/readiness-runner.json");
    let readiness = readiness.data.unwrap();
    assert_eq!(readiness.activation_allowed, Some(true));
    assert_eq!(readiness.risk_level.as_deref(), Some("LOW"));

    let envelope: types::BaseResponseActivation = decode("captured/activation-empty-data.json");
    assert_eq!(envelope.code, Some(200));
    assert_eq!(envelope.data.unwrap(), types::ActivationResult::default());
}

#[test]
fn captured_errors_keep_code_message_and_field_errors() {
    let envelope: types::ErrorEnvelope = decode("captured/error-validation-details.json");
    assert_eq!(envelope.code, Some(serde_json::json!(400)));
    assert_eq!(
        envelope.message.as_deref(),
        Some("Request validation failed")
    );
    assert_eq!(
        envelope.data.unwrap()["errors"][0]["field"],
        "matchingPassword"
    );

    let envelope: types::ErrorEnvelope = decode("captured/error-password-mismatch.json");
    assert_eq!(envelope.code, Some(serde_json::json!(400)));
    assert_eq!(envelope.data, None);

    let envelope: types::ErrorEnvelope = decode("captured/error-duplicate-email.json");
    assert_eq!(envelope.code, Some(serde_json::json!(409)));
    assert_eq!(
        envelope.message.as_deref(),
        Some("Customer with email '...' already exists")
    );
}

#[test]
fn variant_admin_session_with_seven_fraction_digits() {
    let envelope: types::BaseResponseSessionResponse =
        decode("variants/admin-session-seven-digits.json");
    let data = envelope.data.unwrap();
    assert_eq!(
        data.expires_at.as_deref(),
        Some("2026-01-13T22:21:48.9745432")
    );
    assert_eq!(
        data.session_id.as_deref(),
        Some("3c68d5a6-1f7e-4b8a-9c2d-5e6f7a8b9c0d")
    );
}

#[test]
fn variant_document_with_epoch_millis_upload_date_and_unknown_field() {
    let envelope: types::BaseResponseVerificationDocument =
        decode("variants/document-upload-epoch-millis.json");
    let doc = envelope.data.unwrap();
    let uploaded = doc.upload_date.unwrap();
    assert_eq!(
        uploaded.to_utc().unwrap().to_rfc3339(),
        "2026-01-12T19:22:00.542+00:00"
    );
    assert_eq!(
        serde_json::to_value(&uploaded).unwrap(),
        serde_json::json!(1768245720542_i64)
    );
    assert_eq!(
        doc.id.as_deref(),
        Some("d7379b5e-3c4a-4f0e-9b1d-2a6c8e0f4b7d")
    );
    assert_eq!(doc.document_id, None);
    assert_eq!(
        doc.file_type.as_deref(),
        Some("CERTIFICATE_OF_INCORPORATION")
    );
}

#[test]
fn variant_verification_identified_by_id_instead_of_verification_id() {
    let envelope: types::BaseResponseVerification =
        decode("variants/verification-id-not-verification-id.json");
    assert_eq!(envelope.success, Some(true));
    assert!(envelope.timestamp.unwrap().to_utc().is_some());
    let verification = envelope.data.unwrap();
    assert_eq!(verification.verification_id, None);
    assert_eq!(
        verification.id.as_deref(),
        Some("42cf474d-8b1e-4d5a-9f3c-7e2b6a1d0c5f")
    );
    assert_eq!(
        verification.customer_id.as_deref(),
        Some("cust-550e8400-e29b-41d4-a716-446655440000")
    );
}

#[test]
fn variant_registration_with_unknown_fields_and_unknown_enum_values() {
    let envelope: types::BaseResponseCustomerRegistrationResponse =
        decode("variants/registration-unknown-values.json");
    let customer = envelope.data.unwrap();
    assert_eq!(customer.customer_type.as_deref(), Some("CT_SOMETHING_NEW"));
    assert_eq!(customer.customer_status.as_deref(), Some("CS_UNDER_REVIEW"));
    let person = customer.person.unwrap();
    assert_eq!(person.id.as_deref(), Some("the2r6zaa6"));
    assert_eq!(person.gender.as_deref(), Some("NOT_SPECIFIED"));
    assert_eq!(person.names[1].type_.as_deref(), Some("MIDDLE"));
    assert_eq!(person.addresses[0].type_.as_deref(), Some("PO_BOX"));
    let user = customer.user.unwrap();
    assert_eq!(
        user.id.as_deref(),
        Some("23cfc195-be4a-4e7c-88f2-ef789ae83d39")
    );
    assert_eq!(user.status.as_deref(), Some("LOCKED"));
    assert_eq!(
        customer.updated_at.unwrap().to_string(),
        "2026-01-12T19:22:00.469602400Z"
    );
}
