//! Responses FinHub really returns (captured in its docs), which differ from
//! the published schemas: non-UUID ids, timestamps without offset or as epoch
//! milliseconds, the `{success, data}` envelope, `id` for `verificationId`,
//! unknown fields and unknown enum values. All decode into generated types.

use finhub_api::types;
use finhub_tests::fixture;
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture(&format!("captured/{name}")))
        .unwrap_or_else(|e| panic!("{name} does not decode: {e}"))
}

#[test]
fn runner_session_with_non_uuid_user_and_offsetless_expiry() {
    let envelope: types::BaseResponseSessionResponse = decode("session-runner.json");
    let data = envelope.data.unwrap();
    assert_eq!(data.user.unwrap().id.as_deref(), Some("6r1k1hw6npq"));
    assert_eq!(
        data.expires_at.as_deref(),
        Some("2026-01-14T10:03:42.197811165")
    );
    assert!(data.token.unwrap().expose().starts_with("eyJ0eXAi"));
    assert_eq!(
        data.refresh_token.unwrap().expose(),
        "39915084-484f-46e5-bd8d-aaf7366787da-6r1k1hw6npq-cvK_9XDw"
    );
    assert_eq!(data.expires_in, None);
    assert_eq!(data.error_type.as_deref(), Some("NONE"));
}

#[test]
fn admin_session_with_seven_fraction_digits() {
    let envelope: types::BaseResponseSessionResponse = decode("admin-session-seven-digits.json");
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
fn document_with_epoch_millis_upload_date_and_unknown_field() {
    let envelope: types::BaseResponseVerificationDocument =
        decode("document-upload-epoch-millis.json");
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
fn success_data_envelope_without_code_or_message() {
    let envelope: types::BaseResponseConsent = decode("consent-success-data-envelope.json");
    assert_eq!(envelope.success, Some(true));
    assert_eq!(envelope.code, None);
    let consent = envelope.data.unwrap();
    assert_eq!(consent.consent_id.as_deref(), Some("cons_12345"));
    assert_eq!(consent.status.as_deref(), Some("ACCEPTED"));
    assert!(consent.accepted_at.unwrap().has_offset());
}

#[test]
fn verification_identified_by_id_instead_of_verification_id() {
    let envelope: types::BaseResponseVerification =
        decode("verification-id-not-verification-id.json");
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
fn registration_with_unknown_fields_and_unknown_enum_values() {
    let envelope: types::BaseResponseCustomerRegistrationResponse =
        decode("registration-unknown-values.json");
    let customer = envelope.data.unwrap();
    assert_eq!(customer.customer_status.as_deref(), Some("CS_UNDER_REVIEW"));
    let person = customer.person.unwrap();
    assert_eq!(person.id.as_deref(), Some("the2r6zaa6"));
    assert_eq!(person.gender.as_deref(), Some("NOT_SPECIFIED"));
    assert_eq!(customer.user.unwrap().status.as_deref(), Some("LOCKED"));
    assert_eq!(
        customer.updated_at.unwrap().to_string(),
        "2026-01-12T19:22:00.469602400Z"
    );
}

#[test]
fn logout_in_the_success_data_envelope_with_non_uuid_session() {
    let envelope: types::BaseResponseSessionTermination = decode("logout-reference.json");
    let data = envelope.data.unwrap();
    assert_eq!(data.session_id.as_deref(), Some("sess_abc123"));
    assert_eq!(data.status.as_deref(), Some("TERMINATED"));
}

#[test]
fn activation_with_empty_data() {
    let envelope: types::BaseResponseActivation = decode("activation-empty-data.json");
    assert_eq!(envelope.code, Some(200));
    let data = envelope.data.unwrap();
    assert_eq!(data.iban, None);
}

#[test]
fn error_envelope_keeps_field_errors() {
    let envelope: types::ErrorEnvelope = decode("error-validation-details.json");
    assert_eq!(envelope.code, Some(serde_json::json!(400)));
    assert_eq!(
        envelope.message.as_deref(),
        Some("Request validation failed")
    );
    assert_eq!(
        envelope.data.unwrap()["errors"][0]["field"],
        "matchingPassword"
    );
}
