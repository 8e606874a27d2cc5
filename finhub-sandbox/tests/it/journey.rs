//! The whole B2C journey, once through the generated `finhub_api::Client`
//! (what downstream code uses) and once through raw HTTP with every
//! state-machine rule checked on the way.

use std::sync::{Arc, Mutex};

use finhub_api::Sensitive;
use finhub_api::hooks::{Decorator, Inner};
use finhub_api::types::{
    AcceptConsentConsentType, AcceptConsentRequest, ActivationRequest, ApproveVerificationRequest,
    CreateAdminSessionRequest, CreateIndividualSessionRequest, CreateVerificationRequest,
    IndividualRegistrationRequest, ListCustomerWalletsCustomerType, RefreshSessionRequest,
    UploadVerificationDocumentRequest,
};
use finhub_sandbox::{ExposeSecret, Operation, Sandbox};
use serde_json::json;

use crate::common::{self, Api, PASSWORD, PDF_BASE64};

/// Adds the standard headers and the current bearer token, as finhub-ext
/// will.
#[derive(Debug)]
struct Headers {
    tenant: String,
    token: Mutex<Option<String>>,
}

impl Headers {
    fn set_token(&self, token: &Sensitive) {
        *self.token.lock().unwrap() = Some(token.expose().to_string());
    }
}

impl Decorator for Headers {
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        _operation: finhub_api::Operation,
    ) -> Result<(), String> {
        let headers = request.headers_mut();
        for (name, value) in common::standard_headers(&self.tenant) {
            headers.insert(name, value.parse().map_err(|_| "header value")?);
        }
        if let Some(token) = self.token.lock().unwrap().as_deref() {
            headers.insert(
                "Authorization",
                format!("Bearer {token}").parse().map_err(|_| "token")?,
            );
        }
        Ok(())
    }
}

#[tokio::test]
async fn generated_client_completes_the_journey() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = sandbox.credentials();
    let headers = Arc::new(Headers {
        tenant: credentials.tenant_id.clone(),
        token: Mutex::new(None),
    });
    let client = finhub_api::Client::new_with_client(
        sandbox.base_url(),
        reqwest::Client::new(),
        Inner::new(headers.clone()),
    );

    // 0. Admin login.
    let admin = client
        .create_admin_session(
            &credentials.organization_id,
            &credentials.admin_user_id,
            &CreateAdminSessionRequest {
                username: Some(credentials.admin_username.clone()),
                password: Some(credentials.admin_password.expose_secret().into()),
                tenant_key: Some(credentials.tenant_key.expose_secret().into()),
                tenant_secret: Some(credentials.tenant_secret.expose_secret().into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    let admin_token = admin.token.unwrap();
    assert_eq!(common::claims(admin_token.expose())["userType"], "ADMIN");
    headers.set_token(&admin_token);

    // 1. Categorization.
    let hierarchy = client
        .get_categorization_hierarchy(&credentials.tenant_id)
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    let category = hierarchy.categories["INDIVIDUAL_STANDARD"]
        .database_id
        .clone()
        .unwrap();

    // 2. Registration.
    let email = common::email("generated");
    let mut body = common::registration(&email);
    body["customerCategory"]["id"] = json!(category);
    let request: IndividualRegistrationRequest = serde_json::from_value(body).unwrap();
    let registered = client
        .register_individual_customer(&request)
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    let customer_id = registered.id.unwrap();
    let user = registered.user.unwrap();
    let user_id = user.id.unwrap();
    assert_eq!(
        registered.customer_status.as_deref(),
        Some("CS_REGISTRATION_COMPLETED")
    );
    assert_eq!(user.status.as_deref(), Some("PENDING_ACTIVATION"));
    assert_eq!(user.is_active, Some(false));
    assert!(uuid::Uuid::parse_str(&customer_id).is_ok());
    assert!(
        uuid::Uuid::parse_str(&user_id).is_err(),
        "user ids are not UUIDs: {user_id}"
    );

    // 3. Customer session.
    let session = client
        .create_customer_session(
            &customer_id,
            &user_id,
            &CreateIndividualSessionRequest {
                username: Some(email.clone()),
                password: Some(PASSWORD.into()),
                tenant_key: Some(credentials.tenant_key.expose_secret().into()),
                tenant_secret: Some(credentials.tenant_secret.expose_secret().into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    let customer_token = session.token.clone().unwrap();
    let claims = common::claims(customer_token.expose());
    assert_eq!(claims["userType"], "CONSUMER");
    assert_eq!(claims["customerId"], customer_id.as_str());
    assert_eq!(claims["sub"], user_id.as_str());
    headers.set_token(&customer_token);

    // 4. Verification and documents (customer token).
    let verification = client
        .create_verification(&CreateVerificationRequest {
            customer_id: Some(customer_id.clone()),
            type_: Some("IDENTITY_VERIFICATION".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    assert_eq!(verification.status.as_deref(), Some("PENDING"));
    let verification_id = verification.verification_id.unwrap();
    for document_type in ["PASSPORT", "PROOF_OF_ADDRESS"] {
        let document = client
            .upload_verification_document(
                &verification_id,
                &UploadVerificationDocumentRequest {
                    customer_id: Some(customer_id.clone()),
                    description: None,
                    doc_id: None,
                    document_category: None,
                    document_type: document_type.into(),
                    file_content: PDF_BASE64.into(),
                    file_name: "document.pdf".into(),
                    file_size: None,
                    mime_type: Some("application/pdf".into()),
                    verification_id: Some(verification_id.clone()),
                },
            )
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap();
        assert_eq!(document.document_type, Some(format!("DT_{document_type}")));
        assert_eq!(document.status.as_deref(), Some("UPLOADED"));
        assert!(document.document_id.is_some());
    }

    // 5. Consents (customer token).
    for kind in [
        AcceptConsentConsentType::Terms,
        AcceptConsentConsentType::Privacy,
        AcceptConsentConsentType::DataProcessing,
    ] {
        let consent = client
            .accept_consent(
                &customer_id,
                kind,
                &AcceptConsentRequest {
                    accepted: true,
                    accepted_at: None,
                    version: "1.0".into(),
                },
            )
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap();
        assert_eq!(consent.status.as_deref(), Some("ACCEPTED"));
    }

    // 6. Approval (admin token).
    headers.set_token(&admin_token);
    let approval = client
        .approve_verification(
            &verification_id,
            &ApproveVerificationRequest {
                verification_id: verification_id.clone(),
                status: Some("APPROVED".into()),
                approved_by: None,
                comment: Some("Approved".into()),
                customer_id: Some(customer_id.clone()),
                notes: None,
                organization_id: None,
                user_id: Some("E2E_ADMIN".into()),
                verification_type: None,
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    assert_eq!(approval.status.as_deref(), Some("APPROVED"));
    assert_eq!(approval.level.as_deref(), Some("TENANT_VERIFIED"));

    // 7. Readiness (customer token).
    headers.set_token(&customer_token);
    let readiness = client
        .check_activation_readiness(&customer_id, &credentials.tenant_id)
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    assert_eq!(readiness.activation_allowed, Some(true));

    // 8. Activation (admin token, user given by e-mail as in the docs).
    headers.set_token(&admin_token);
    let activation = client
        .activate_customer(
            &customer_id,
            &ActivationRequest {
                code: "ACTIVATION_CODE_1".into(),
                user_id: email.clone(),
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    assert_eq!(activation.activation_status.as_deref(), Some("ACTIVATED"));
    let iban = activation.iban.unwrap();
    assert!(finhub_sandbox::iban::is_valid(&iban), "{iban}");

    // 9. Wallets (customer token).
    headers.set_token(&customer_token);
    let wallets = client
        .list_customer_wallets(&customer_id, Some(ListCustomerWalletsCustomerType::B2c))
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(wallets.len(), 2);
    assert_eq!(wallets[0].iban.as_deref(), Some(iban.as_str()));

    // Refresh, then logout with the new token.
    let refreshed = client
        .refresh_customer_session(
            &customer_id,
            &user_id,
            session.session_id.as_deref().unwrap(),
            &RefreshSessionRequest {
                refresh_token: session.refresh_token.clone().unwrap(),
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    headers.set_token(refreshed.token.as_ref().unwrap());
    let terminated = client
        .delete_customer_session(
            &customer_id,
            &user_id,
            session.session_id.as_deref().unwrap(),
        )
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    assert_eq!(terminated.status.as_deref(), Some("TERMINATED"));

    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.registrations, 1);
    assert_eq!(stats.side_effects.documents, 2);
    assert_eq!(stats.side_effects.consents, 3);
    assert_eq!(stats.side_effects.approvals, 1);
    assert_eq!(stats.side_effects.activations, 1);
    assert_eq!(stats.requests_for(Operation::AcceptConsent), 3);
}

#[tokio::test]
async fn raw_journey_follows_the_state_machine() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("raw")).await;
    let token = customer.session.token.clone();

    // Nothing done yet: not ready, activation refused naming everything.
    let reply = api.readiness(&token, &customer.id).await;
    reply.expect(200);
    assert_eq!(reply.data()["activationAllowed"], false);
    assert_eq!(reply.data()["verificationOk"], false);
    assert_eq!(reply.data()["consentOk"], false);
    assert_eq!(
        reply.data()["missingConsents"],
        json!(["TERMS_AND_CONDITIONS", "PRIVACY_POLICY", "DATA_PROCESSING"])
    );
    let reply = api.activate(&admin, &customer.id, &customer.user_id).await;
    reply.expect(422);
    for missing in [
        "TERMS_AND_CONDITIONS",
        "PRIVACY_POLICY",
        "DATA_PROCESSING",
        "verification",
    ] {
        assert!(reply.message().contains(missing), "{}", reply.message());
    }
    api.wallets(&token, &customer.id).await.expect(404);

    // Verification through the customer-scoped path; approval needs a document.
    let reply = api
        .send(
            Operation::SubmitCustomerVerification,
            &format!("/api/v2.1/customer/individual/{}/verification", customer.id),
            Some(&token),
            Some(json!({"verificationType": "IDENTITY", "notes": "onboarding"})),
        )
        .await;
    reply.expect(200);
    assert_eq!(reply.data()["status"], "PENDING");
    let verification = reply.data()["verificationId"].as_str().unwrap().to_string();
    assert_eq!(reply.data()["id"], verification.as_str());
    let reply = api.approve(&admin, &verification).await;
    reply.expect(409);
    assert!(
        reply.message().contains("no uploaded documents"),
        "{}",
        reply.message()
    );
    api.upload(&token, &verification, "NATIONAL_ID")
        .await
        .expect(200);

    // GET reflects the state before and after approval.
    let path = format!("/api/v2.1/verifications/{verification}");
    let reply = api
        .send(Operation::GetVerification, &path, Some(&token), None)
        .await;
    assert_eq!(reply.expect(200).data()["status"], "PENDING");
    api.approve(&admin, &verification).await.expect(200);
    let reply = api
        .send(Operation::GetVerification, &path, Some(&token), None)
        .await;
    assert_eq!(reply.expect(200).data()["status"], "APPROVED");
    assert_eq!(reply.data()["verificationLevel"], "TENANT_VERIFIED");
    api.approve(&admin, &verification).await.expect(409);
    api.upload(&token, &verification, "PASSPORT")
        .await
        .expect(409);

    // Verified, consents missing: 422 names only the consents.
    api.consent(&token, &customer.id, "terms").await.expect(200);
    let reply = api.readiness(&token, &customer.id).await;
    assert_eq!(reply.data()["verificationOk"], true);
    assert_eq!(
        reply.data()["missingConsents"],
        json!(["PRIVACY_POLICY", "DATA_PROCESSING"])
    );
    let reply = api.activate(&admin, &customer.id, &customer.user_id).await;
    reply.expect(422);
    assert_eq!(
        reply.message(),
        "Activation prerequisites not met: missing consents PRIVACY_POLICY, DATA_PROCESSING"
    );
    assert_eq!(
        reply.data()["missingConsents"],
        json!(["PRIVACY_POLICY", "DATA_PROCESSING"])
    );
    let reply = api.consent(&token, &customer.id, "privacy").await;
    assert_eq!(reply.expect(200).data()["consentType"], "PRIVACY_POLICY");
    let reply = api.consent(&token, &customer.id, "data-processing").await;
    assert_eq!(reply.expect(200).data()["consentType"], "DATA_PROCESSING");
    api.consent(&token, &customer.id, "terms").await.expect(409);

    let reply = api.readiness(&token, &customer.id).await;
    assert_eq!(reply.data()["activationAllowed"], true);
    assert_eq!(reply.data()["consentOk"], true);
    assert_eq!(reply.message(), "Customer is ready for activation");

    // Activation, then already active.
    let reply = api.activate(&admin, &customer.id, &customer.user_id).await;
    reply.expect(200);
    assert_eq!(reply.data()["activationStatus"], "ACTIVATED");
    let iban = reply.data()["iban"].as_str().unwrap().to_string();
    assert_eq!(reply.data()["wallet"]["iban"], iban.as_str());
    assert!(iban.starts_with("LT") && iban.len() == 20, "{iban}");
    assert!(finhub_sandbox::iban::is_valid(&iban), "{iban}");
    api.activate(&admin, &customer.id, &customer.user_id)
        .await
        .expect_error(
            409,
            &format!("Customer '{}' is already active", customer.id),
        );

    // Wallets: product (with the IBAN) and master; amounts are strings.
    let reply = api.wallets(&token, &customer.id).await;
    reply.expect(200);
    let wallets = reply.data().as_array().unwrap();
    assert_eq!(wallets.len(), 2);
    assert_eq!(wallets[0]["name"], "B2C Product General Purpose Wallet");
    assert_eq!(wallets[0]["iban"], iban.as_str());
    assert_eq!(wallets[0]["balance"], "0.00");
    assert_eq!(wallets[1]["name"], "B2C Master General Purpose Wallet");
    assert_eq!(
        wallets[1]["walletType"],
        "b2c_master_general_purpose_wallet"
    );
    assert_eq!(wallets[0]["id"], wallets[0]["walletId"]);

    // The customer is active now: a new login says so.
    let session = api.customer_login(&customer).await;
    let reply = api.readiness(&session.token, &customer.id).await;
    assert_eq!(reply.data()["activationAllowed"], false);
    assert_eq!(reply.message(), "Customer is already active");

    // Logout.
    let reply = api
        .send(
            Operation::DeleteCustomerSession,
            &api.session_path(&customer, &customer.session.session_id),
            Some(&token),
            None,
        )
        .await;
    reply.expect(200);
    assert_eq!(reply.data()["status"], "TERMINATED");
    assert_eq!(
        reply.data()["sessionId"],
        customer.session.session_id.as_str()
    );
    assert!(reply.data()["terminatedAt"].is_string());
}

/// Ids the client proposes: a verification's `verificationId` and a
/// document's `docId` become their ids (a taken one is a 409 and changes
/// nothing; one that is not a UUID a 400 naming the field), and
/// `GET /verifications/{id}` lists the documents uploaded, so a client
/// whose answer was lost can read back what happened. The counters tell
/// documents per type and consents per type.
#[tokio::test]
async fn proposed_ids_and_the_documents_read_back() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("proposed")).await;
    let token = customer.session.token.clone();
    let proposed = "3F9C2B1A-6D4E-4A8B-B7C5-0E1F2A3B4C5D";
    let create = |id: &str| json!({"customerId": customer.id, "type": "IDENTITY_VERIFICATION", "verificationId": id});
    let reply = api
        .send(
            Operation::CreateVerification,
            "/api/v2.1/verifications",
            Some(&token),
            Some(create(proposed)),
        )
        .await;
    reply.expect(200);
    let id = "3f9c2b1a-6d4e-4a8b-b7c5-0e1f2a3b4c5d";
    assert_eq!(reply.data()["verificationId"], id);
    for (body, status, field) in [
        (create(id), 409, None),
        (create("../admin"), 400, Some("verificationId")),
    ] {
        let reply = api
            .send(
                Operation::CreateVerification,
                "/api/v2.1/verifications",
                Some(&token),
                Some(body),
            )
            .await;
        reply.expect(status);
        if let Some(field) = field {
            assert_eq!(reply.error_fields(), [field], "{}", reply.text);
        }
    }
    assert_eq!(sandbox.stats().side_effects.verifications, 1);

    let doc_id = "6f1c2a9e-4b7d-4e3a-9c8f-2d5b1a0e7c63";
    let upload = |doc_id: &str, kind: &str| {
        json!({"documentType": kind, "mimeType": "application/pdf", "fileName": "passport.pdf",
               "fileContent": common::PDF_BASE64, "docId": doc_id})
    };
    let path = format!("/api/v2.1/verifications/{id}/documents");
    let reply = api
        .send(
            Operation::UploadVerificationDocument,
            &path,
            Some(&token),
            Some(upload(doc_id, "PASSPORT")),
        )
        .await;
    reply.expect(200);
    assert_eq!(reply.data()["documentId"], doc_id);
    for (body, status) in [
        (upload(doc_id, "PASSPORT"), 409),
        (upload("not-a-uuid", "PASSPORT"), 400),
    ] {
        api.send(
            Operation::UploadVerificationDocument,
            &path,
            Some(&token),
            Some(body),
        )
        .await
        .expect(status);
    }
    api.upload(&token, id, "PROOF_OF_ADDRESS").await.expect(200);

    let reply = api
        .send(
            Operation::GetVerification,
            &format!("/api/v2.1/verifications/{id}"),
            Some(&token),
            None,
        )
        .await;
    reply.expect(200);
    let documents = reply.data()["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 2, "{}", reply.text);
    assert_eq!(documents[0]["documentId"], doc_id);
    assert_eq!(documents[0]["documentType"], "DT_PASSPORT");
    assert_eq!(documents[1]["documentType"], "DT_PROOF_OF_ADDRESS");

    api.consent(&token, &customer.id, "privacy")
        .await
        .expect(200);
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.documents, 2);
    assert_eq!(
        stats.documents_by_type.into_iter().collect::<Vec<_>>(),
        [
            ("PASSPORT".to_string(), 1),
            ("PROOF_OF_ADDRESS".to_string(), 1)
        ]
    );
    assert_eq!(
        stats.consents_by_type.into_iter().collect::<Vec<_>>(),
        [("PRIVACY_POLICY".to_string(), 1)]
    );
}
