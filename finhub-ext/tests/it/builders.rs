//! The builders: one fact given once lands in every place FinHub repeats
//! it, typed inputs, normalization, and every mistake reported once.

use crate::validation_fixtures::{context, hierarchy, today};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{NaiveDate, TimeZone, Utc};
use finhub_api::types::AcceptConsentConsentType;
use finhub_ext::builders::*;
use finhub_ext::validation::codes::*;
use finhub_ext::validation::{MAX_DOCUMENT_BYTES, Severity, Validate};

fn marcus() -> RegistrationBuilder {
    RegistrationBuilder::new()
        .tenant_id("97e7ff29-15f3-49ef-9681-3bbfcce4f6cd")
        .name("Marcus", "Jensen")
        .email("marcus.jensen@example.com")
        .phone("+37060012345")
        .password("SecurePass123!")
        .date_of_birth("1990-05-15")
        .gender(Gender::Male)
        .nationality("Lithuania")
        .place_of_birth("Vilnius")
        .pincode("12345")
        .address(
            PostalAddress::home(
                "123 Medium Risk Street",
                "Compliance City",
                "12345",
                "Lithuania",
            )
            .state("Vilnius County"),
        )
        .category("fs-cat-b2c-low-001", "Individual Standard")
        .today(today())
}

#[test]
fn every_duplicated_place_is_written_consistently() {
    let r = marcus().build().expect("valid");
    assert!(
        r.validate_in(&context()).is_empty(),
        "{}",
        r.validate_in(&context())
    );

    assert_eq!(
        r.tenant_id.as_deref(),
        Some("97e7ff29-15f3-49ef-9681-3bbfcce4f6cd")
    );
    assert_eq!(
        (r.first_name.as_str(), r.last_name.as_str()),
        ("Marcus", "Jensen")
    );
    assert_eq!(r.matching_password.expose(), "SecurePass123!");
    assert_eq!(r.nationality.as_deref(), Some("LT"));
    assert_eq!(r.gender.as_deref(), Some("MALE"));
    assert_eq!(r.role_ids, ["ACCOUNT_OWNER", "USER"]);
    assert_eq!(
        r.customer_category.as_ref().and_then(|c| c.id.as_deref()),
        Some("fs-cat-b2c-low-001")
    );
    assert_eq!(
        r.customer_category.as_ref().and_then(|c| c.name.as_deref()),
        Some("Individual Standard")
    );

    let ic = &r.individual_customer;
    assert_eq!(ic.tenant_id, r.tenant_id);
    assert_eq!(ic.customer_name.as_deref(), Some("Marcus Jensen"));
    assert!(
        ic.categorization.is_none(),
        "no features, no categorization"
    );

    let p = ic.person.as_ref().unwrap();
    assert_eq!(p.first_name.as_deref(), Some("Marcus"));
    assert_eq!(p.last_name.as_deref(), Some("Jensen"));
    assert_eq!(p.full_name.as_deref(), Some("Marcus Jensen"));
    assert_eq!(p.email.as_deref(), Some("marcus.jensen@example.com"));
    assert_eq!(p.date_of_birth.as_deref(), Some("1990-05-15"));
    assert_eq!(p.gender.as_deref(), Some("MALE"));
    assert_eq!(p.nationality.as_deref(), Some("LT"));
    assert_eq!(p.place_of_birth.as_deref(), Some("Vilnius"));
    assert_eq!(p.pincode.as_deref(), Some("12345"));
    assert_eq!(p.addresses.len(), 1);
    let a = &p.addresses[0];
    assert_eq!(a.type_.as_deref(), Some("HOME"));
    assert_eq!(a.country.as_deref(), Some("LT"));
    assert_eq!(a.state.as_deref(), Some("Vilnius County"));
    assert_eq!(a.is_primary, Some(true));
    let contacts: Vec<(Option<&str>, Option<&str>)> = p
        .contacts
        .iter()
        .map(|c| (c.type_.as_deref(), c.value.as_deref()))
        .collect();
    assert_eq!(
        contacts,
        [
            (Some("EMAIL"), Some("marcus.jensen@example.com")),
            (Some("PHONE"), Some("+37060012345")),
        ]
    );

    let u = ic.user.as_ref().unwrap();
    assert_eq!(u.tenant_id, r.tenant_id);
    assert_eq!(u.username.as_deref(), Some("marcus.jensen@example.com"));
    assert_eq!(u.email.as_deref(), Some("marcus.jensen@example.com"));
    assert_eq!(
        u.password.as_ref().map(|p| p.expose()),
        Some("SecurePass123!")
    );
    assert_eq!(u.status.as_deref(), Some("PENDING_ACTIVATION"));
    assert_eq!(u.roles, r.role_ids);
    assert_eq!(u.is_active, Some(false));
}

#[test]
fn typed_values_and_optional_inputs() {
    let r = marcus()
        .tenant_id("t-1")
        .date_of_birth(NaiveDate::from_ymd_opt(1985, 12, 31).unwrap())
        .gender(Gender::Other)
        .nationality(Country::parse("Germany").unwrap())
        .roles([Role::User, Role::User])
        .address(PostalAddress::new(
            AddressKind::Mailing,
            "Unter den Linden 1",
            "Berlin",
            "10117",
            "DE",
        ))
        .build()
        .unwrap();
    assert_eq!(r.date_of_birth.as_deref(), Some("1985-12-31"));
    assert_eq!(r.gender.as_deref(), Some("OTHER"));
    assert_eq!(r.nationality.as_deref(), Some("DE"));
    assert_eq!(r.role_ids, ["USER"], "a repeated role is sent once");
    let p = r.individual_customer.person.as_ref().unwrap();
    assert_eq!(p.addresses[1].type_.as_deref(), Some("MAILING"));
    assert_eq!(p.addresses[1].is_primary, Some(false));

    // Without a tenant id FinHub falls back to the X-Tenant-ID header.
    let no_tenant = RegistrationBuilder::new()
        .name("Ona", "Petraitė")
        .email("ona@example.lt")
        .phone("+37062767557")
        .password("Saugus#Slaptazodis1")
        .matching_password("Saugus#Slaptazodis1")
        .date_of_birth("1970-01-01")
        .gender(Gender::Female)
        .nationality("LT")
        .place_of_birth("Kaunas")
        .pincode("44000")
        .category("fs-cat-b2c-low-001", "Individual Standard")
        .build()
        .unwrap();
    assert_eq!(no_tenant.tenant_id, None);
    assert_eq!(no_tenant.individual_customer.tenant_id, None);
    assert!(
        no_tenant
            .individual_customer
            .person
            .unwrap()
            .addresses
            .is_empty()
    );
}

#[test]
fn each_mistake_is_reported_once_where_it_was_given() {
    let err = marcus()
        .email("marcus at example.com")
        .phone("060012345")
        .password("weak")
        .date_of_birth("1990-02-30")
        .nationality("Atlantis")
        .address(PostalAddress::home("1 Road", "Town", "1000", "Narnia"))
        .build()
        .unwrap_err();
    let mut found: Vec<(String, &str)> = err.iter().map(|v| (v.path.clone(), v.rule)).collect();
    found.sort();
    let mut expected: Vec<(String, &str)> = [
        ("email", EMAIL_SYNTAX),
        ("phone", PHONE_E164),
        ("password", PASSWORD_TOO_SHORT),
        ("password", PASSWORD_MISSING_UPPERCASE),
        ("password", PASSWORD_MISSING_DIGIT),
        ("password", PASSWORD_MISSING_SPECIAL),
        ("dateOfBirth", DATE_INVALID),
        ("nationality", COUNTRY_UNKNOWN),
        (
            "individualCustomer.person.addresses[1].country",
            COUNTRY_UNKNOWN,
        ),
    ]
    .into_iter()
    .map(|(p, r)| (p.to_string(), r))
    .collect();
    expected.sort();
    assert_eq!(found, expected, "{err}");
}

#[test]
fn an_empty_builder_names_every_missing_fact() {
    let err = RegistrationBuilder::new()
        .today(today())
        .build()
        .unwrap_err();
    // What every page requires: errors.
    for path in [
        "firstName",
        "lastName",
        "email",
        "password",
        "matchingPassword",
    ] {
        assert!(err.contains(path, REQUIRED_MISSING), "{path}: {err}");
    }
    // What FinHub's pages disagree about (I-12): warnings, reported too.
    for path in [
        "phone",
        "dateOfBirth",
        "gender",
        "nationality",
        "placeOfBirth",
        "pincode",
        "customerCategory.id",
    ] {
        assert!(err.contains(path, REQUIRED_DISPUTED), "{path}: {err}");
        let found = err.at(path).next().unwrap();
        assert_eq!(found.severity, Severity::Warning, "{path}: {err}");
    }
    assert!(
        err.iter()
            .all(|v| v.rule == REQUIRED_MISSING || v.rule == REQUIRED_DISPUTED),
        "{err}"
    );
    assert!(
        err.iter()
            .all(|v| !v.path.starts_with("individualCustomer")),
        "reported where given, not at the nested copies: {err}"
    );
}

#[test]
fn facts_the_docs_do_not_require_may_be_left_out() {
    let request = RegistrationBuilder::new()
        .today(today())
        .name("Ona", "Petraitė")
        .email("ona@example.lt")
        .password("Saugus#Slaptazodis1")
        .build()
        .expect("only warnings");
    let report = request.validate_in(&context());
    assert!(!report.has_errors(), "{report}");
    assert!(report.contains("pincode", REQUIRED_DISPUTED), "{report}");
    let person = request.individual_customer.person.as_ref().unwrap();
    assert_eq!(person.pincode, None, "left out, not sent empty");
    assert_eq!(person.date_of_birth, None);
    assert_eq!(person.contacts.len(), 1, "no phone contact without a phone");
}

#[test]
fn findings_reports_the_warnings_of_a_build_that_passes_once_each() {
    let builder = RegistrationBuilder::new()
        .today(today())
        .name("Ona", "Petraitė")
        .email("ona@example.lt")
        .password("Saugus#Slaptazodis1");
    assert!(builder.build().is_ok());
    let findings = builder.findings();
    assert!(!findings.has_errors(), "{findings}");
    for field in ["phone", "dateOfBirth", "gender", "nationality", "pincode"] {
        assert!(
            findings.contains(field, REQUIRED_DISPUTED),
            "{field}: {findings}"
        );
    }
    // Reported where the fact is given, not also in the person object.
    assert!(
        findings
            .iter()
            .all(|v| !v.path.starts_with("individualCustomer.person.dateOfBirth")),
        "{findings}"
    );
    // With an error, the same report as build's.
    let broken = builder.clone().email("not an e-mail");
    assert_eq!(broken.findings(), broken.build().unwrap_err());
}

#[test]
fn password_confirmation_and_future_dates() {
    let err = marcus()
        .matching_password("SecurePass123?")
        .date_of_birth("2026-05-02")
        .build()
        .unwrap_err();
    assert!(err.contains("matchingPassword", PASSWORD_MISMATCH), "{err}");
    assert!(err.contains("dateOfBirth", DATE_FUTURE), "{err}");
    assert_eq!(err.len(), 2, "{err}");
    // The same date is fine one day later: "today" is injected.
    let tomorrow = NaiveDate::from_ymd_opt(2026, 5, 2).unwrap();
    assert!(
        marcus()
            .date_of_birth("2026-05-02")
            .today(tomorrow)
            .build()
            .is_ok()
    );
}

#[test]
fn empty_roles_are_a_warning_not_an_error() {
    // The [FLOW] registration example sends no roleIds (I-12).
    let request = marcus().roles([]).build().expect("a warning only");
    let report = request.validate_in(&context());
    assert!(report.contains("roleIds", REQUIRED_DISPUTED), "{report}");
    assert!(!report.has_errors(), "{report}");
}

#[test]
fn category_from_the_hierarchy() {
    let h = hierarchy();
    let r = marcus()
        .category_from(&h, "INDIVIDUAL_STANDARD")
        .build()
        .unwrap();
    assert_eq!(
        r.customer_category.as_ref().and_then(|c| c.id.as_deref()),
        Some("fs-cat-b2c-low-001")
    );
    assert_eq!(
        r.customer_category.as_ref().and_then(|c| c.name.as_deref()),
        Some("Individual Standard")
    );

    let r = marcus()
        .category_from(&h, "HIGH_RISK_INDIVIDUAL")
        .feature(
            "ENHANCED_AML_MONITORING",
            [
                ("riskLevel", "HIGH"),
                ("monitoring", "REAL_TIME"),
                ("pepCategory", "RCA,HIO"),
            ],
        )
        .build()
        .unwrap();
    assert_eq!(
        r.customer_category.as_ref().and_then(|c| c.id.as_deref()),
        Some("fs-cat-b2c-high-001")
    );
    let c = r.individual_customer.categorization.as_ref().unwrap();
    assert_eq!(
        c.id,
        r.customer_category.as_ref().and_then(|c| c.id.clone())
    );
    assert_eq!(c.is_active, Some(true));
    let relation = &c.category_feature_relations[0];
    let feature = relation.feature.as_ref().unwrap();
    assert_eq!(feature.code.as_deref(), Some("ENHANCED_AML_MONITORING"));
    assert_eq!(feature.id.as_deref(), Some("feat-aml-001"));
    assert_eq!(relation.enabled, Some(true));
    assert_eq!(relation.parametrization.len(), 3);
    assert_eq!(
        relation.parametrization[0].name.as_deref(),
        Some("riskLevel")
    );
    assert_eq!(relation.parametrization[0].value.as_deref(), Some("HIGH"));

    let err = marcus()
        .category_from(&h, "HIGH_RISK_INDIVIDUAL")
        .feature("ENHANCED_AML_MONITORING", [("monitoring", "HOURLY")])
        .build()
        .unwrap_err();
    const RELATION: &str = "individualCustomer.categorization.categoryFeatureRelations[0]";
    assert!(
        err.contains(
            &format!("{RELATION}.parametrization"),
            CATEGORY_MANDATORY_KEY
        ),
        "{err}"
    );
    assert!(
        err.contains(
            &format!("{RELATION}.parametrization[0].value"),
            CATEGORY_VALUE_NOT_ALLOWED
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("WEEKLY, DAILY, REAL_TIME"),
        "{err}"
    );

    let err = marcus().category_from(&h, "VIP").build().unwrap_err();
    assert_eq!(err.len(), 1, "{err}");
    let v = err.iter().next().unwrap();
    assert_eq!(
        (v.path.as_str(), v.rule),
        ("customerCategory.id", CATEGORY_UNKNOWN)
    );
    assert!(v.message.contains("INDIVIDUAL_STANDARD"), "{}", v.message);

    // The category's code and databaseId work as keys too.
    for key in ["HIGH_RISK_INDIVIDUAL", "fs-cat-b2c-high-001"] {
        let r = marcus().category_from(&h, key).build().unwrap();
        assert_eq!(
            r.customer_category.as_ref().and_then(|c| c.id.as_deref()),
            Some("fs-cat-b2c-high-001")
        );
    }
}

#[test]
fn builders_never_print_secrets() {
    let builder = marcus().password("Hidden#Pass123");
    let text = format!("{builder:?}");
    assert!(!text.contains("Hidden#Pass123"), "{text}");
    let err = builder.clone().password("hidden").build().unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hidden"), "{err}");

    let login = CustomerSessionBuilder::new("ona@example.lt", "Hidden#Pass123")
        .tenant_credentials("key-123456", "secret-abcdef");
    let text = format!("{login:?} {:?}", login.build());
    for secret in ["Hidden#Pass123", "key-123456", "secret-abcdef"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn login_builders() {
    let body = CustomerSessionBuilder::new("ona@example.lt", "Saugus#1")
        .tenant_credentials("key", "secret")
        .tenant_id("97e7ff29")
        .build()
        .unwrap();
    assert_eq!(body.username.as_deref(), Some("ona@example.lt"));
    assert_eq!(body.password.as_ref().unwrap().expose(), "Saugus#1");
    assert_eq!(body.tenant_key.as_ref().unwrap().expose(), "key");
    assert_eq!(body.tenant_secret.as_ref().unwrap().expose(), "secret");
    assert_eq!(body.tenant_id.as_deref(), Some("97e7ff29"));

    let err = CustomerSessionBuilder::new("", "").build().unwrap_err();
    for path in ["username", "password"] {
        assert!(err.contains(path, REQUIRED_MISSING), "{path}: {err}");
    }
    // The quick-start login sends only username and password (§2.3).
    for path in ["tenantKey", "tenantSecret"] {
        assert!(err.contains(path, REQUIRED_DISPUTED), "{path}: {err}");
    }
    let err = CustomerSessionBuilder::new("ona@example.lt", "Saugus#1")
        .tenant_credentials("", " ")
        .build()
        .unwrap_err();
    for path in ["tenantKey", "tenantSecret"] {
        assert!(
            err.contains(path, REQUIRED_MISSING),
            "sent empty: {path}: {err}"
        );
    }

    let admin = AdminSessionBuilder::new("admin@example.test", "Admin#Pass1")
        .tenant_credentials("key", "secret")
        .build()
        .unwrap();
    assert_eq!(admin.username.as_deref(), Some("admin@example.test"));
    // The [OAS] admin login body has no tenant key or secret (I-34).
    let without = AdminSessionBuilder::new("admin@example.test", "Admin#Pass1")
        .build()
        .expect("warnings only");
    let report = without.validate_in(&context());
    assert!(report.contains("tenantKey", REQUIRED_DISPUTED), "{report}");
    assert!(
        report.contains("tenantSecret", REQUIRED_DISPUTED),
        "{report}"
    );
    assert!(!report.has_errors(), "{report}");
}

#[test]
fn verification_and_approval_builders() {
    let body = VerificationBuilder::new("2dac1793")
        .requested_level(VerificationLevel::PowerTenantVerified)
        .requested_by_user("admin-user")
        .requested_by_tenant("97e7ff29")
        .notes("Identity Verification")
        .reason("Customer onboarding")
        .verification_id("3f9c2b1a-6d4e-4a8b-b7c5-0e1f2a3b4c5d")
        .build()
        .unwrap();
    assert_eq!(body.type_.as_deref(), Some("IDENTITY_VERIFICATION"));
    assert_eq!(
        body.verification_id.as_deref(),
        Some("3f9c2b1a-6d4e-4a8b-b7c5-0e1f2a3b4c5d")
    );
    assert_eq!(
        VerificationBuilder::new("2dac1793")
            .build()
            .unwrap()
            .verification_id,
        None
    );
    let err = VerificationBuilder::new("2dac1793")
        .verification_id(" ")
        .build()
        .unwrap_err();
    assert!(err.contains("verificationId", REQUIRED_MISSING), "{err}");
    assert_eq!(
        body.requested_level.as_deref(),
        Some("POWER_TENANT_VERIFIED")
    );
    assert_eq!(
        body.additional_data.unwrap().verification_reason.as_deref(),
        Some("Customer onboarding")
    );
    let err = VerificationBuilder::new(" ")
        .verification_type(VerificationType::SanctionsCheck)
        .build()
        .unwrap_err();
    assert!(err.contains("customerId", REQUIRED_MISSING), "{err}");

    let approval = ApprovalBuilder::new("825f84a5")
        .customer_id("2dac1793")
        .verification_type(VerificationType::IdentityVerification)
        .comment("Approved")
        .notes("Documents verified")
        .approved_by("E2E_TEST_ADMIN")
        .user_id("E2E_ADMIN")
        .build()
        .unwrap();
    assert_eq!(approval.status.as_deref(), Some("APPROVED"));
    assert_eq!(approval.verification_id, "825f84a5");
    assert_eq!(
        approval.verification_type.as_deref(),
        Some("IDENTITY_VERIFICATION")
    );
    let err = ApprovalBuilder::new("").build().unwrap_err();
    assert!(err.contains("verificationId", REQUIRED_MISSING), "{err}");
}

#[test]
fn document_builder_encodes_and_sizes_the_file() {
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n%%EOF\n".to_vec();
    let body = DocumentUploadBuilder::new(
        DocumentType::Passport,
        DocumentMime::Pdf,
        "passport.pdf",
        pdf.clone(),
    )
    .verification_id("825f84a5")
    .customer_id("2dac1793")
    .description("Passport of the account owner")
    .doc_id("6f1c2a9e-4b7d-4e3a-9c8f-2d5b1a0e7c63")
    .build()
    .unwrap();
    assert_eq!(
        body.doc_id.as_deref(),
        Some("6f1c2a9e-4b7d-4e3a-9c8f-2d5b1a0e7c63")
    );
    assert_eq!(body.document_type, "PASSPORT");
    assert_eq!(body.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(body.file_content, "JVBERi0xLjQKJeLjz9MKJSVFT0YK");
    assert_eq!(STANDARD.decode(&body.file_content).unwrap(), pdf);
    assert_eq!(body.file_size, Some(pdf.len() as i64));
    assert_eq!(body.verification_id.as_deref(), Some("825f84a5"));

    let png = DocumentUploadBuilder::new(
        DocumentType::ProofOfAddress,
        DocumentMime::Png,
        "bill.png",
        vec![0x89, b'P', b'N', b'G'],
    )
    .build()
    .unwrap();
    assert_eq!(png.mime_type.as_deref(), Some("image/png"));

    let err = DocumentUploadBuilder::new(DocumentType::Selfie, DocumentMime::Jpeg, "", Vec::new())
        .build()
        .unwrap_err();
    assert!(err.contains("fileName", REQUIRED_MISSING), "{err}");
    assert!(err.contains("fileContent", REQUIRED_MISSING), "{err}");

    let exactly = vec![7u8; MAX_DOCUMENT_BYTES];
    let big = DocumentUploadBuilder::new(
        DocumentType::BankStatement,
        DocumentMime::Pdf,
        "statement.pdf",
        exactly,
    )
    .build()
    .unwrap();
    assert_eq!(big.file_size, Some(MAX_DOCUMENT_BYTES as i64));

    let err = DocumentUploadBuilder::new(
        DocumentType::BankStatement,
        DocumentMime::Pdf,
        "statement.pdf",
        vec![7u8; MAX_DOCUMENT_BYTES + 1],
    )
    .build()
    .unwrap_err();
    assert_eq!(err.len(), 1, "{err}");
    assert!(err.contains("fileContent", DOCUMENT_TOO_LARGE), "{err}");
}

#[test]
fn consent_and_activation_builders() {
    let at = Utc.with_ymd_and_hms(2026, 1, 13, 10, 15, 0).unwrap();
    for kind in ConsentKind::ALL {
        let acceptance = ConsentBuilder::new(*kind, "1.0")
            .accepted_at(at)
            .build()
            .unwrap();
        assert_eq!(acceptance.consent_type.to_string(), kind.as_str());
        assert!(acceptance.body.accepted);
        assert_eq!(acceptance.body.version, "1.0");
        assert_eq!(
            acceptance
                .body
                .accepted_at
                .as_ref()
                .and_then(|t| t.to_utc()),
            Some(at)
        );
    }
    let terms = ConsentBuilder::new(ConsentKind::Terms, "2.1")
        .build()
        .unwrap();
    assert_eq!(terms.consent_type, AcceptConsentConsentType::Terms);
    assert_eq!(ConsentKind::Terms.response_code(), "TERMS_AND_CONDITIONS");
    let err = ConsentBuilder::new(ConsentKind::Privacy, "")
        .build()
        .unwrap_err();
    assert!(err.contains("version", REQUIRED_MISSING), "{err}");

    let activation = ActivationBuilder::new(
        "customer.20260331114946-387074@testcorp.com",
        "ACTIVATION_CODE_20260331114954",
    )
    .build()
    .unwrap();
    assert_eq!(activation.body.code, "ACTIVATION_CODE_20260331114954");
    assert_eq!(activation.email, None);
    assert_eq!(
        activation.alternative_body(),
        None,
        "no e-mail, no alternative"
    );
    let err = ActivationBuilder::new("", "").build().unwrap_err();
    assert!(err.contains("userId", REQUIRED_MISSING), "{err}");
    assert!(err.contains("code", REQUIRED_MISSING), "{err}");

    // With the customer's e-mail: the alternative form's body (I-6).
    let activation = ActivationBuilder::new("6r1k1hw6npq", "ACTIVATION_CODE_1")
        .email("marcus.jensen@example.com")
        .build()
        .unwrap();
    assert_eq!(activation.body.user_id, "6r1k1hw6npq");
    let alternative = activation.alternative_body().unwrap();
    assert_eq!(alternative.user_id, "marcus.jensen@example.com");
    assert_eq!(alternative.code, "ACTIVATION_CODE_1");
    let err = ActivationBuilder::new("6r1k1hw6npq", "ACTIVATION_CODE_1")
        .email("marcus-at-example")
        .build()
        .unwrap_err();
    assert!(err.contains("userId", EMAIL_SYNTAX), "{err}");
    assert!(
        !err.to_string().contains("marcus-at-example"),
        "no value quoted: {err}"
    );
}
