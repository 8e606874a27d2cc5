//! Invalid input never reaches the network: every typed method of
//! `FinhubClient` and `CustomerClient` that takes a request body or ids,
//! given an invalid one, returns `Error::Validation` naming the operation,
//! the field and the rule, and a mock that matches any request sees none.
//!
//! The methods are listed by hand; a second test reads the public async
//! methods from the client's source, so a typed method added without a case
//! here fails the suite.

use std::collections::BTreeSet;

use crate::common::*;
use finhub_ext::Operation;
use finhub_ext::api::types::{
    AcceptConsentConsentType, AcceptConsentRequest, ActivationRequest, ApproveVerificationRequest,
    CreateVerificationRequest, CustomerVerificationRequest, UploadVerificationDocumentRequest,
};
use finhub_ext::validation::codes::*;
use finhub_ext::{CustomerCredentials, Error, SessionSnapshot};
use serde_json::json;

/// Every public async method of `FinhubClient` and `CustomerClient` that
/// takes a request body or ids (written by hand).
const TYPED_METHODS_WITH_INPUT: [&str; 12] = [
    "FinhubClient::register_customer",
    "FinhubClient::customer_login",
    "FinhubClient::resume_customer",
    "FinhubClient::approve_verification",
    "FinhubClient::activate_customer",
    "CustomerClient::activate",
    "CustomerClient::start_verification",
    "CustomerClient::create_verification",
    "CustomerClient::verification",
    "CustomerClient::upload_document",
    "CustomerClient::accept_consent",
    "CustomerClient::activation_readiness",
];

/// The public async methods of `FinhubClient` and `CustomerClient` in the
/// client's source that take more than `self`, as `Type::method`.
fn typed_methods_with_input_in_the_source() -> BTreeSet<String> {
    let source = include_str!("../../src/client.rs");
    let mut found = BTreeSet::new();
    let mut owner: Option<&str> = None;
    for (at, line) in source
        .match_indices('\n')
        .map(|(i, _)| (i + 1, &source[i + 1..]))
    {
        let line = line.lines().next().unwrap_or_default();
        if line.starts_with("impl ") {
            owner = match line {
                "impl FinhubClient {" => Some("FinhubClient"),
                "impl CustomerClient {" => Some("CustomerClient"),
                _ => None,
            };
            continue;
        }
        let (Some(owner), Some(rest)) = (owner, line.trim_start().strip_prefix("pub async fn "))
        else {
            continue;
        };
        let name = &rest[..rest.find(['(', '<']).expect("a parameter list")];
        // The parameter list, which may span lines, up to its closing `)`.
        let open = at + line.find('(').expect("a parameter list");
        let mut depth = 0;
        let close = source[open..]
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' | '<' | '[' => depth += 1,
                    ')' | '>' | ']' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| open + i)
            .expect("a closed parameter list");
        let inputs = source[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.ends_with("self"))
            .count();
        if inputs > 0 {
            found.insert(format!("{owner}::{name}"));
        }
    }
    found
}

#[test]
fn the_list_of_typed_methods_matches_the_clients_source() {
    let expected: BTreeSet<String> = TYPED_METHODS_WITH_INPUT
        .iter()
        .map(|m| m.to_string())
        .collect();
    let found = typed_methods_with_input_in_the_source();
    assert!(
        found.len() >= 10,
        "the source scan found only {found:?}; has client.rs changed shape?"
    );
    assert_eq!(
        found, expected,
        "a typed method taking input is missing from TYPED_METHODS_WITH_INPUT (or listed but gone)"
    );
}

/// Asserts that `result` is the validation error of `operation` with
/// `rule` at `path`, and records `method` as checked.
fn refused<T: std::fmt::Debug>(
    checked: &mut BTreeSet<String>,
    method: &str,
    result: Result<T, Error>,
    operation: &str,
    path: &str,
    rule: &str,
) {
    match &result {
        Err(Error::Validation {
            operation: op,
            violations,
        }) => {
            assert_eq!(op.map(Operation::id), Some(operation), "{method}");
            assert!(
                violations.contains(path, rule),
                "{method}: expected {rule} at {path}, got {violations}"
            );
        }
        other => panic!("{method}: expected Error::Validation, got {other:?}"),
    }
    checked.insert(method.to_string());
}

#[tokio::test]
async fn every_typed_method_refuses_invalid_input_and_sends_nothing() {
    let double = Double::start().await;
    let login = double.customer_login("customer-token-1", "refresh-1").await;
    let client = double.client();
    let customer = double.login_customer(&client).await;
    assert_eq!(login.calls_async().await, 1);
    // From here on, any request at all is counted.
    login.delete_async().await;
    let any = double
        .server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(json!({"code": 200, "message": "Success", "data": {}}));
        })
        .await;
    let mut checked = BTreeSet::new();
    let c = &mut checked;

    // FinhubClient.
    let mut registration = crate::validation_fixtures::registration();
    registration.email = "marcus.example.com".into();
    registration.matching_password = "Different123!".into();
    let result = client.register_customer(&registration).await;
    if let Err(Error::Validation { violations, .. }) = &result {
        assert!(
            violations.contains("matchingPassword", PASSWORD_MISMATCH),
            "{violations}"
        );
    }
    refused(
        c,
        "FinhubClient::register_customer",
        result,
        "register_individual_customer",
        "email",
        EMAIL_SYNTAX,
    );

    refused(
        c,
        "FinhubClient::customer_login",
        client
            .customer_login(CustomerCredentials::new(
                "..",
                USER,
                "marcus@example.test",
                "pw",
            ))
            .await,
        "create_customer_session",
        "path.customerId",
        PATH_DOT_SEGMENT,
    );
    // The login body too: an empty password is never sent.
    refused(
        c,
        "FinhubClient::customer_login",
        client
            .customer_login(CustomerCredentials::new(
                CUSTOMER,
                USER,
                "marcus@example.test",
                "",
            ))
            .await,
        "create_customer_session",
        "password",
        REQUIRED_MISSING,
    );

    // A stored session whose ids would not fit the session paths.
    let mut stored = customer.snapshot().expect("logged in").to_stored();
    stored.session_id = Some("..".into());
    refused(
        c,
        "FinhubClient::resume_customer",
        client
            .resume_customer(SessionSnapshot::from_stored(&stored))
            .await,
        "refresh_customer_session",
        "path.sessionId",
        PATH_DOT_SEGMENT,
    );

    let approval: ApproveVerificationRequest =
        serde_json::from_value(json!({"verificationId": "", "verificationType": "PALM_READING"}))
            .unwrap();
    let result = client.approve_verification(VERIFICATION, &approval).await;
    refused(
        c,
        "FinhubClient::approve_verification",
        result,
        "approve_verification",
        "verificationType",
        VERIFICATION_TYPE_UNKNOWN,
    );

    let no_code = ActivationRequest {
        user_id: USER.into(),
        code: String::new(),
    };
    let result = client.activate_customer(CUSTOMER, &no_code).await;
    refused(
        c,
        "FinhubClient::activate_customer",
        result,
        "activate_customer",
        "code",
        REQUIRED_MISSING,
    );

    // CustomerClient.
    let result = customer.activate(&no_code).await;
    refused(
        c,
        "CustomerClient::activate",
        result,
        "activate_customer",
        "code",
        REQUIRED_MISSING,
    );

    let verification: CustomerVerificationRequest = serde_json::from_value(json!({
        "verificationData": {"issueDate": "2999-01-01", "issuingCountry": "Lithuania"}
    }))
    .unwrap();
    let result = customer.start_verification(&verification).await;
    refused(
        c,
        "CustomerClient::start_verification",
        result,
        "submit_customer_verification",
        "verificationData.issueDate",
        DATE_FUTURE,
    );

    let generic: CreateVerificationRequest =
        serde_json::from_value(json!({"customerId": CUSTOMER, "type": "PALM_READING"})).unwrap();
    let result = customer.create_verification(&generic).await;
    refused(
        c,
        "CustomerClient::create_verification",
        result,
        "create_verification",
        "type",
        VERIFICATION_TYPE_UNKNOWN,
    );

    let result = customer.verification("..").await;
    refused(
        c,
        "CustomerClient::verification",
        result,
        "get_verification",
        "path.verificationId",
        PATH_DOT_SEGMENT,
    );

    let upload = UploadVerificationDocumentRequest {
        document_type: "DRIVERS_LICENSE".into(),
        mime_type: Some("image/gif".into()),
        file_name: "licence.gif".into(),
        file_content: "R0lGODlh???".into(),
        file_size: None,
        verification_id: None,
        customer_id: None,
        description: None,
        document_category: None,
        doc_id: None,
    };
    let result = customer.upload_document(VERIFICATION, &upload).await;
    if let Err(Error::Validation { violations, .. }) = &result {
        assert!(
            violations.contains("mimeType", DOCUMENT_MIME),
            "{violations}"
        );
        assert!(
            violations.contains("fileContent", DOCUMENT_BASE64),
            "{violations}"
        );
    }
    refused(
        c,
        "CustomerClient::upload_document",
        result,
        "upload_verification_document",
        "documentType",
        DOCUMENT_TYPE_UNKNOWN,
    );

    let declined = AcceptConsentRequest {
        accepted: false,
        version: "1.0".into(),
        accepted_at: None,
    };
    let result = customer
        .accept_consent(AcceptConsentConsentType::Terms, &declined)
        .await;
    refused(
        c,
        "CustomerClient::accept_consent",
        result,
        "accept_consent",
        "accepted",
        CONSENT_NOT_ACCEPTED,
    );

    let result = customer.activation_readiness("").await;
    refused(
        c,
        "CustomerClient::activation_readiness",
        result,
        "check_activation_readiness",
        "path.ownerTenantId",
        PATH_EMPTY,
    );

    assert_eq!(
        any.calls_async().await,
        0,
        "an invalid request reached the server"
    );
    let expected: BTreeSet<String> = TYPED_METHODS_WITH_INPUT
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(
        checked, expected,
        "a typed method was not given invalid input"
    );
}
