//! Shared fixtures of the validation and builder tests: a valid registration
//! (the spec's own example), a categorization hierarchy and a fixed "today".

#![allow(dead_code)] // each test binary uses part of it

use chrono::NaiveDate;
use finhub_api::types::{CategorizationHierarchy, IndividualRegistrationRequest};
use finhub_ext::validation::{ValidationContext, Violations};
use serde_json::json;

/// The fixed date the tests treat as today.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

/// Checks against the fixed [`today`], no hierarchy.
pub fn context() -> ValidationContext<'static> {
    ValidationContext::on(today())
}

/// The registration example of `openapi.yaml`, consistent in every place.
pub fn registration() -> IndividualRegistrationRequest {
    serde_json::from_value(json!({
        "tenantId": "d1e2f3a4-b5c6-47d8-9e0f-1a2b3c4d5e6f",
        "firstName": "Marcus",
        "lastName": "Jensen",
        "email": "marcus.jensen@example.com",
        "phone": "+37060012345",
        "password": "SecurePassword123!",
        "matchingPassword": "SecurePassword123!",
        "dateOfBirth": "1990-05-15",
        "gender": "MALE",
        "nationality": "LT",
        "placeOfBirth": "Vilnius",
        "pincode": "12345",
        "roleIds": ["ACCOUNT_OWNER", "USER"],
        "customerCategory": {"id": "fs-cat-b2c-low-001", "name": "Individual Standard"},
        "individualCustomer": {
            "tenantId": "d1e2f3a4-b5c6-47d8-9e0f-1a2b3c4d5e6f",
            "customerName": "Marcus Jensen",
            "person": {
                "firstName": "Marcus",
                "lastName": "Jensen",
                "email": "marcus.jensen@example.com",
                "dateOfBirth": "1990-05-15",
                "gender": "MALE",
                "nationality": "LT",
                "placeOfBirth": "Vilnius",
                "fullName": "Marcus Jensen",
                "addresses": [{
                    "type": "HOME",
                    "street": "123 Medium Risk Street",
                    "city": "Compliance City",
                    "postalCode": "12345",
                    "country": "LT",
                    "isPrimary": true
                }],
                "contacts": [
                    {"type": "EMAIL", "value": "marcus.jensen@example.com", "isPrimary": true},
                    {"type": "PHONE", "value": "+37060012345", "isPrimary": true}
                ]
            },
            "user": {
                "tenantId": "d1e2f3a4-b5c6-47d8-9e0f-1a2b3c4d5e6f",
                "username": "marcus.jensen@example.com",
                "email": "marcus.jensen@example.com",
                "password": "SecurePassword123!",
                "status": "PENDING_ACTIVATION",
                "roles": ["ACCOUNT_OWNER", "USER"],
                "isActive": false
            }
        }
    }))
    .expect("the spec example decodes")
}

/// A tenant hierarchy in the documented shapes (facts §2.1): a category
/// with its own feature list, and a tenant-wide feature map.
pub fn hierarchy() -> CategorizationHierarchy {
    serde_json::from_value(json!({
        "tenantId": "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd",
        "tenantName": "Finsei Ltd",
        "complianceLevel": "ENHANCED",
        "categories": {
            "INDIVIDUAL_STANDARD": {
                "databaseId": "fs-cat-b2c-low-001",
                "categoryName": "Individual Standard"
            },
            "HIGH_RISK_INDIVIDUAL": {
                "databaseId": "fs-cat-b2c-high-001",
                "categoryId": "HIGH_RISK_INDIVIDUAL",
                "categoryName": "High Risk Individual",
                "availableFeatures": [{
                    "databaseId": "feat-aml-001",
                    "featureCode": "ENHANCED_AML_MONITORING",
                    "mandatoryKeys": ["riskLevel", "monitoring"],
                    "allowedValues": {
                        "riskLevel": ["LOW", "MEDIUM", "HIGH", "CRITICAL"],
                        "monitoring": ["WEEKLY", "DAILY", "REAL_TIME"],
                        "pepCategory": ["DOMESTIC_PEP", "FOREIGN_PEP", "RCA", "HIO"]
                    },
                    "multiValueKeys": ["pepCategory"]
                }]
            }
        },
        "features": {
            "CUSTOMER_PROFILE": {
                "databaseId": "fs-feat-customer-profile-001",
                "featureCode": "CUSTOMER_PROFILE",
                "mandatoryKeys": ["industry"],
                "allowedValues": {
                    "industry": ["OTHER", "FINTECH", "PAYMENT_SERVICES", "ECOMMERCE"],
                    "profile_completeness": ["BASIC", "STANDARD", "FULL"]
                }
            }
        }
    }))
    .expect("the hierarchy decodes")
}

/// Asserts that `result` failed with a violation at each `(path, rule)` of
/// `expected`, and with no rule outside the expected ones.
#[track_caller]
pub fn assert_violations(case: &str, found: Violations, expected: &[(&str, &str)]) {
    if expected.is_empty() {
        assert!(
            found.is_empty(),
            "{case}: expected no finding, found: {found}"
        );
        return;
    }
    assert!(
        !found.is_empty(),
        "{case}: expected {expected:?}, but the body is valid"
    );
    for (path, rule) in expected {
        assert!(
            found.contains(path, rule),
            "{case}: expected `{rule}` at `{path}`, found: {found}"
        );
    }
    for v in &found {
        assert!(
            expected.iter().any(|(_, rule)| *rule == v.rule),
            "{case}: unexpected violation {v}; all: {found}"
        );
        assert_eq!(
            v.severity,
            finhub_ext::validation::codes::severity(v.rule),
            "{case}: {v}"
        );
    }
}
