//! Property tests: every builder output from generated valid inputs passes
//! validation and serializes to JSON that is valid against its request
//! schema in the vendored `openapi.yaml` (JSON Schema draft 2020-12, the
//! schema dialect of OpenAPI 3.1).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use crate::validation_fixtures::{context, hierarchy, today};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use finhub_ext::builders::*;
use finhub_ext::validation::{Validate, Violations};
use jsonschema::Validator;
use proptest::prelude::*;
use serde_json::{Value, json};

/// `components` of the vendored spec, as JSON.
static COMPONENTS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml is readable");
    let spec: Value = serde_yaml::from_str(&text).expect("openapi.yaml is YAML");
    assert!(
        spec["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1"),
        "the vendored spec is OpenAPI 3.1, whose schemas are JSON Schema 2020-12"
    );
    spec["components"].clone()
});

static VALIDATORS: LazyLock<Mutex<HashMap<&'static str, &'static Validator>>> =
    LazyLock::new(Default::default);

/// A draft 2020-12 validator for `#/components/schemas/<name>`, resolving
/// the spec's internal references; formats (`date`…) are checked too.
fn schema(name: &'static str) -> &'static Validator {
    let mut cache = VALIDATORS.lock().unwrap();
    cache.entry(name).or_insert_with(|| {
        assert!(
            COMPONENTS["schemas"].get(name).is_some(),
            "no schema {name} in openapi.yaml"
        );
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/components/schemas/{name}"),
            "components": &*COMPONENTS,
        });
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema {name}: {e}"));
        Box::leak(Box::new(validator))
    })
}

/// Checks the serialized body against schema `name`.
fn conforms(name: &'static str, instance: Value) -> Result<(), TestCaseError> {
    let validator = schema(name);
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    prop_assert!(errors.is_empty(), "{name} schema violations: {errors:?}");
    Ok(())
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let mut body = serde_json::to_value(crate::validation_fixtures::registration()).unwrap();
    assert!(schema("IndividualRegistrationRequest").is_valid(&body));
    // Nested schemas are reached through the spec's references, and formats
    // are checked.
    let mut nested = body.clone();
    nested["individualCustomer"]["person"]["gender"] = json!("Male");
    assert!(!schema("IndividualRegistrationRequest").is_valid(&nested));
    let mut nested = body.clone();
    nested["individualCustomer"]["person"]["dateOfBirth"] = json!("1990-02-30");
    assert!(!schema("IndividualRegistrationRequest").is_valid(&nested));
    let mut nested = body.clone();
    nested["individualCustomer"]["user"]["isActive"] = json!("no");
    assert!(!schema("IndividualRegistrationRequest").is_valid(&nested));
    body.as_object_mut().unwrap().remove("individualCustomer");
    assert!(!schema("IndividualRegistrationRequest").is_valid(&body));
    body["gender"] = json!("Male");
    assert!(!schema("IndividualRegistrationRequest").is_valid(&body));
    assert!(!schema("AcceptConsentRequest").is_valid(&json!({"accepted": false, "version": "1"})));
    assert!(
        !schema("UploadVerificationDocumentRequest").is_valid(&json!({"documentType": "PASSPORT"}))
    );
}

// --- strategies --------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{1,11}"
}

fn email() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,9}(\\.[a-z]{1,8})?(\\+[a-z]{1,4})?@[a-z]{2,10}\\.(com|lt|org|co\\.uk)"
}

fn phone() -> impl Strategy<Value = String> {
    "\\+[1-9][0-9]{6,14}"
}

/// Passwords that meet the policy: every character class, 8 to 26
/// characters, shuffled.
fn password() -> impl Strategy<Value = String> {
    (
        "[A-ZÄÖÜ]{1,3}",
        "[a-zäöü]{1,5}",
        "[0-9]{1,3}",
        "[!@#$%^&*?_.-]{1,2}",
        "[A-Za-z0-9!#]{4,13}",
    )
        .prop_flat_map(|(u, l, d, s, f)| {
            Just(format!("{u}{l}{d}{s}{f}").chars().collect::<Vec<_>>()).prop_shuffle()
        })
        .prop_map(String::from_iter)
}

fn birth_date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..=2026, 1u32..=12, 1u32..=31).prop_filter_map("a past calendar day", |(y, m, d)| {
        NaiveDate::from_ymd_opt(y, m, d).filter(|date| *date <= today())
    })
}

/// Country inputs as callers write them: codes, names, aliases.
fn country() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "LT",
        "Lithuania",
        "lithuania",
        "LTU",
        "DE",
        "Germany",
        "United Kingdom",
        "GB",
        "USA",
        "United States",
        "France",
        "fr",
        "Poland",
        "Estonia",
        "LV",
    ])
}

fn address() -> impl Strategy<Value = PostalAddress> {
    (
        prop::sample::select(AddressKind::ALL.to_vec()),
        "[0-9]{1,3} [A-Z][a-z]{3,10} (Street|Road|g\\.)",
        name(),
        "[0-9]{4,6}",
        country(),
        prop::option::of(name()),
    )
        .prop_map(|(kind, street, city, postal, country, state)| {
            let address = PostalAddress::new(kind, street, city, postal, country);
            match state {
                Some(state) => address.state(state),
                None => address,
            }
        })
}

#[derive(Debug, Clone)]
enum CategoryChoice {
    ById,
    Standard,
    HighRisk {
        risk: &'static str,
        monitoring: &'static str,
        pep: Vec<&'static str>,
    },
}

fn category() -> impl Strategy<Value = CategoryChoice> {
    prop_oneof![
        Just(CategoryChoice::ById),
        Just(CategoryChoice::Standard),
        (
            prop::sample::select(vec!["LOW", "MEDIUM", "HIGH", "CRITICAL"]),
            prop::sample::select(vec!["WEEKLY", "DAILY", "REAL_TIME"]),
            prop::sample::subsequence(vec!["DOMESTIC_PEP", "FOREIGN_PEP", "RCA", "HIO"], 0..=4),
        )
            .prop_map(|(risk, monitoring, pep)| CategoryChoice::HighRisk {
                risk,
                monitoring,
                pep
            }),
    ]
}

prop_compose! {
    fn registration_builder()(
        tenant in prop::option::of("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        first in name(),
        last in name(),
        email in email(),
        phone in phone(),
        password in password(),
        confirm in any::<bool>(),
        dob in birth_date(),
        dob_as_text in any::<bool>(),
        gender in prop::sample::select(Gender::ALL.to_vec()),
        nationality in country(),
        place in name(),
        pincode in "[0-9]{4,6}",
        addresses in prop::collection::vec(address(), 0..3),
        category in category(),
        roles in prop::sample::subsequence(Role::ALL.to_vec(), 1..=2),
    ) -> RegistrationBuilder {
        let mut b = RegistrationBuilder::new()
            .name(first, last)
            .email(email)
            .phone(phone)
            .password(password.clone())
            .gender(gender)
            .nationality(nationality)
            .place_of_birth(place)
            .pincode(pincode)
            .roles(roles)
            .today(today());
        b = if dob_as_text { b.date_of_birth(dob.format("%Y-%m-%d")) } else { b.date_of_birth(dob) };
        if let Some(tenant) = tenant {
            b = b.tenant_id(tenant);
        }
        if confirm {
            b = b.matching_password(password);
        }
        for a in addresses {
            b = b.address(a);
        }
        match category {
            CategoryChoice::ById => b.category("fs-cat-b2c-low-001", "Individual Standard"),
            CategoryChoice::Standard => b.category_from(&hierarchy(), "INDIVIDUAL_STANDARD"),
            CategoryChoice::HighRisk { risk, monitoring, pep } => {
                let mut parameters = vec![("riskLevel", risk.to_string()), ("monitoring", monitoring.to_string())];
                if !pep.is_empty() {
                    parameters.push(("pepCategory", pep.join(",")));
                }
                b.category_from(&hierarchy(), "HIGH_RISK_INDIVIDUAL")
                    .feature("ENHANCED_AML_MONITORING", parameters)
            }
        }
    }
}

proptest! {
    #[test]
    fn registration_builds_validates_and_matches_the_schema(builder in registration_builder()) {
        let request = builder.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(request.validate_in(&context()), Violations::new());
        let h = hierarchy();
        prop_assert_eq!(request.validate_in(&context().with_hierarchy(&h)), Violations::new());
        conforms("IndividualRegistrationRequest", json!(request))?;

        // One fact, every place.
        let person = request.individual_customer.person.as_ref().unwrap();
        let user = request.individual_customer.user.as_ref().unwrap();
        prop_assert_eq!(person.email.as_deref(), Some(request.email.as_str()));
        prop_assert_eq!(user.email.as_deref(), Some(request.email.as_str()));
        prop_assert_eq!(user.username.as_deref(), Some(request.email.as_str()));
        prop_assert_eq!(person.date_of_birth.as_deref(), request.date_of_birth.as_deref());
        prop_assert_eq!(person.nationality.as_deref(), request.nationality.as_deref());
        prop_assert_eq!(request.nationality.as_deref().map(str::len), Some(2));
        prop_assert!(person.addresses.iter().all(|a| a.country.as_ref().is_some_and(|c| c.len() == 2)));
        prop_assert_eq!(user.password.as_ref(), Some(&request.password));
        prop_assert_eq!(&request.matching_password, &request.password);
        prop_assert_eq!(&user.roles, &request.role_ids);
        prop_assert_eq!(&request.individual_customer.tenant_id, &request.tenant_id);
        prop_assert_eq!(
            request.individual_customer.customer_name.clone(),
            Some(format!("{} {}", request.first_name, request.last_name))
        );
    }

    #[test]
    fn login_bodies_validate_and_match_the_schema(
        username in email(),
        password in "[A-Za-z0-9!#$%äöü]{1,30}",
        key in "[A-Za-z0-9_]{8,32}",
        secret in "[A-Za-z0-9_]{8,32}",
        tenant in prop::option::of("[0-9a-f-]{8,36}"),
    ) {
        let mut customer = CustomerSessionBuilder::new(username.clone(), password.as_str())
            .tenant_credentials(key.as_str(), secret.as_str());
        if let Some(tenant) = tenant {
            customer = customer.tenant_id(tenant);
        }
        let body = customer.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(body.validate(), Ok(()));
        conforms("CreateIndividualSessionRequest", json!(body))?;

        let admin = AdminSessionBuilder::new(username, password.as_str())
            .tenant_credentials(key.as_str(), secret.as_str())
            .build()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(admin.validate(), Ok(()));
        conforms("CreateAdminSessionRequest", json!(admin))?;
    }

    #[test]
    fn verification_bodies_validate_and_match_the_schema(
        customer in "[a-z0-9][a-z0-9-]{0,35}",
        verification in "[a-z0-9][a-z0-9-]{0,35}",
        kind in prop::sample::select(VerificationType::ALL.to_vec()),
        level in prop::option::of(prop::sample::select(VerificationLevel::ALL.to_vec())),
        notes in prop::option::of("[A-Za-z ]{1,40}"),
        reason in prop::option::of("[A-Za-z ]{1,40}"),
    ) {
        let mut b = VerificationBuilder::new(customer.as_str()).verification_type(kind);
        if let Some(level) = level {
            b = b.requested_level(level);
        }
        if let Some(notes) = notes.clone() {
            b = b.notes(notes);
        }
        if let Some(reason) = reason {
            b = b.reason(reason);
        }
        let body = b.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(body.validate(), Ok(()));
        conforms("CreateVerificationRequest", json!(body))?;

        let mut approval = ApprovalBuilder::new(verification.as_str())
            .customer_id(customer)
            .verification_type(kind);
        if let Some(notes) = notes {
            approval = approval.comment(notes);
        }
        let approval = approval.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(approval.validate(), Ok(()));
        conforms("ApproveVerificationRequest", json!(approval))?;
    }

    #[test]
    fn document_bodies_validate_round_trip_and_match_the_schema(
        kind in prop::sample::select(DocumentType::ALL.to_vec()),
        mime in prop::sample::select(DocumentMime::ALL.to_vec()),
        file_name in "[a-z0-9_-]{1,20}\\.(pdf|jpg|png)",
        content in prop::collection::vec(any::<u8>(), 1..4096),
        verification in prop::option::of("[a-z0-9-]{1,36}"),
    ) {
        let mut b = DocumentUploadBuilder::new(kind, mime, file_name, content.clone());
        if let Some(verification) = verification {
            b = b.verification_id(verification);
        }
        let body = b.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(body.validate(), Ok(()));
        prop_assert_eq!(STANDARD.decode(&body.file_content).unwrap(), content.clone());
        prop_assert_eq!(body.file_size, Some(content.len() as i64));
        conforms("UploadVerificationDocumentRequest", json!(body))?;
    }

    #[test]
    fn consent_and_activation_bodies_validate_and_match_the_schema(
        kind in prop::sample::select(ConsentKind::ALL.to_vec()),
        version in "[0-9]{1,2}\\.[0-9]{1,2}",
        user in prop_oneof![email(), "user_[0-9]{6,12}"],
        code in "ACTIVATION_CODE_[A-Z0-9_]{1,20}",
    ) {
        let acceptance = ConsentBuilder::new(kind, version)
            .build()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(acceptance.validate(), Ok(()));
        prop_assert_eq!(acceptance.consent_type.to_string(), kind.as_str());
        conforms("AcceptConsentRequest", json!(acceptance.body))?;

        let activation = ActivationBuilder::new(user, code)
            .build()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(activation.body.validate(), Ok(()));
        conforms("ActivationRequest", json!(activation.body))?;
    }
}
