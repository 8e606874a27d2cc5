//! The whole journey through finhub-ext against Stoplight Prism serving the
//! vendored `openapi.yaml`. Prism (started by `cargo xtask contract`, which
//! runs this test) rejects any request that breaks the spec — a missing
//! required header, a wrong body — so every step must succeed.
//!
//! Ignored in the normal suite: it needs Prism's URL in
//! `FINHUB_CONTRACT_BASE_URL`.

use finhub_api::types;
use finhub_ext::{AdminCredentials, CustomerCredentials, EndUser, FinhubClient, RetryPolicy};
use finhub_tests::{request_example, spec};

const TENANT: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
const ORGANIZATION: &str = "0b6f2f4e-8d1a-4c3b-9e5f-7a2d1c0b9e8f";
const ADMIN_USER: &str = "5c1d9e7a-3b2f-4a6c-8d0e-1f2a3b4c5d6e";

/// The request example of an operation in the vendored spec.
fn example<T: serde::de::DeserializeOwned>(method: &str, path: &str) -> T {
    let value = request_example(&spec(), method, path)
        .unwrap_or_else(|| panic!("{method} {path} has no request example"));
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

#[tokio::test]
#[ignore = "needs Prism: run `cargo xtask contract`"]
async fn the_whole_journey_passes_prism_validation() {
    let base_url = std::env::var("FINHUB_CONTRACT_BASE_URL")
        .expect("FINHUB_CONTRACT_BASE_URL (run `cargo xtask contract`)");
    let client = FinhubClient::builder()
        .base_url(base_url)
        .tenant_id(TENANT)
        .tenant_key("a1B2c3D4e5F6g7H8i9J0kLmNopQr")
        .tenant_secret("s3Cr3tKeyXyZpQwErTyUiOpAsDfGh")
        .admin(AdminCredentials::new(
            ORGANIZATION,
            ADMIN_USER,
            "admin.login@example.test",
            "SecurePass123!",
        ))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
        .for_end_user(EndUser::new("192.168.1.100".parse().unwrap()));

    let hierarchy = client
        .categorization_hierarchy()
        .await
        .expect("categorization");
    assert!(!hierarchy.categories.is_empty());

    let registration: types::IndividualRegistrationRequest =
        example("post", "/api/v2.1/customer/individual/registration");
    let customer = client
        .register_customer(&registration)
        .await
        .expect("registration");
    let customer_id = customer.id.clone().expect("customer id");
    let user_id = customer.user.and_then(|u| u.id).expect("user id");

    let session = client
        .customer_login(CustomerCredentials::new(
            &customer_id,
            &user_id,
            "marcus.jensen@example.com",
            "SecurePassword123!",
        ))
        .await
        .expect("customer session");

    let submitted: types::CustomerVerificationRequest = example(
        "post",
        "/api/v2.1/customer/individual/{customerId}/verification",
    );
    session
        .start_verification(&submitted)
        .await
        .expect("customer-scoped verification");
    let create: types::CreateVerificationRequest = example("post", "/api/v2.1/verifications");
    let verification = session
        .create_verification(&create)
        .await
        .expect("create verification");
    let verification_id = verification.verification_id.expect("verification id");
    session
        .verification(&verification_id)
        .await
        .expect("get verification");

    let document: types::UploadVerificationDocumentRequest =
        example("post", "/api/v2.1/verifications/{verificationId}/documents");
    session
        .upload_document(&verification_id, &document)
        .await
        .expect("document upload");
    let approval: types::ApproveVerificationRequest =
        example("post", "/api/v2.1/verifications/{verificationId}/approve");
    client
        .approve_verification(&verification_id, &approval)
        .await
        .expect("approval");

    let consent: types::AcceptConsentRequest = example(
        "post",
        "/api/v2.1/customer/individual/{customerId}/consents/{consentType}",
    );
    for kind in [
        types::AcceptConsentConsentType::Terms,
        types::AcceptConsentConsentType::Privacy,
        types::AcceptConsentConsentType::DataProcessing,
    ] {
        session
            .accept_consent(kind, &consent)
            .await
            .unwrap_or_else(|e| panic!("consent {kind}: {e}"));
    }
    session
        .activation_readiness(TENANT)
        .await
        .expect("readiness");
    let activation: types::ActivationRequest = example(
        "post",
        "/api/v2.1/customer/individual/{customerId}/activation",
    );
    client
        .activate_customer(&customer_id, &activation)
        .await
        .expect("activation");
    let wallets = session.wallets().await.expect("wallets");
    assert!(wallets.iter().any(|w| w.iban.is_some()));
    session.refresh().await.expect("refresh");
    session.logout().await.expect("logout");
}
