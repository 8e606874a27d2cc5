//! Every documented rule, table-driven: at least one valid and two invalid
//! cases each, asserting the JSON path and the rule code.

use crate::validation_fixtures::{assert_violations, context, hierarchy, registration};
use finhub_api::Sensitive;
use finhub_api::types::{
    AcceptConsentConsentType, AcceptConsentRequest, ActivationRequest, ApproveVerificationRequest,
    CreateAdminSessionRequest, CreateIndividualSessionRequest, CreateVerificationRequest,
    CustomerVerificationRequest, IndividualRegistrationRequest, RefreshSessionRequest,
    UploadVerificationDocumentRequest, VerificationData,
};
use finhub_ext::validation::codes::*;
use finhub_ext::validation::{Validate, parse_consent_type};

type Req = IndividualRegistrationRequest;
type Mutation = Box<dyn Fn(&mut Req)>;
/// Expected `(path, rule)` pairs; empty for a valid case.
type Expected = &'static [(&'static str, &'static str)];
/// One table row: name, body (or mutation of the valid registration),
/// expected violations.
type Case<B> = (&'static str, B, Expected);

const EMAIL_PATHS: [&str; 4] = [
    "email",
    "individualCustomer.person.email",
    "individualCustomer.user.email",
    "individualCustomer.person.contacts[0].value",
];

fn person(r: &mut Req) -> &mut finhub_api::types::Person {
    r.individual_customer.person.as_mut().unwrap()
}

fn user(r: &mut Req) -> &mut finhub_api::types::RegistrationUser {
    r.individual_customer.user.as_mut().unwrap()
}

/// Sets a fact in every place the registration repeats it, so that only the
/// format rule under test fires.
fn email_everywhere(value: &'static str) -> Mutation {
    Box::new(move |r| {
        r.email = value.into();
        person(r).email = Some(value.into());
        person(r).contacts[0].value = Some(value.into());
        user(r).email = Some(value.into());
        user(r).username = Some(value.into());
    })
}

fn phone_everywhere(value: &'static str) -> Mutation {
    Box::new(move |r| {
        r.phone = Some(value.into());
        person(r).contacts[1].value = Some(value.into());
    })
}

fn password_everywhere(value: &'static str) -> Mutation {
    Box::new(move |r| {
        r.password = Sensitive::from(value);
        r.matching_password = Sensitive::from(value);
        user(r).password = Some(Sensitive::from(value));
    })
}

fn dob_everywhere(value: &'static str) -> Mutation {
    Box::new(move |r| {
        r.date_of_birth = Some(value.into());
        person(r).date_of_birth = Some(value.into());
    })
}

fn gender_everywhere(value: &'static str) -> Mutation {
    Box::new(move |r| {
        r.gender = Some(value.into());
        person(r).gender = Some(value.into());
    })
}

fn nationality_everywhere(value: &'static str) -> Mutation {
    Box::new(move |r| {
        r.nationality = Some(value.into());
        person(r).nationality = Some(value.into());
    })
}

fn roles_everywhere(value: &'static [&'static str]) -> Mutation {
    Box::new(move |r| {
        r.role_ids = value.iter().map(|s| s.to_string()).collect();
        user(r).roles = r.role_ids.clone();
    })
}

fn mutate(f: impl Fn(&mut Req) + 'static) -> Mutation {
    Box::new(f)
}

fn run_registration(cases: Vec<Case<Mutation>>) {
    for (name, mutation, expected) in cases {
        let mut request = registration();
        mutation(&mut request);
        assert_violations(name, request.validate_in(&context()), expected);
    }
}

#[test]
fn the_spec_example_is_valid() {
    assert_violations("spec example", registration().validate_in(&context()), &[]);
    // With the system clock too (the example's date of birth is 1990).
    assert_eq!(registration().validate(), Ok(()));
}

#[test]
fn required_fields() {
    run_registration(vec![
        ("all present", mutate(|_| {}), &[]),
        (
            "blank first name",
            mutate(|r| r.first_name = "  ".into()),
            &[("firstName", REQUIRED_MISSING)],
        ),
        (
            // The [RUN] example sends neither (I-12): a warning.
            "no person object",
            mutate(|r| r.individual_customer.person = None),
            &[("individualCustomer.person", REQUIRED_DISPUTED)],
        ),
        (
            "no user object",
            mutate(|r| r.individual_customer.user = None),
            &[("individualCustomer.user", REQUIRED_DISPUTED)],
        ),
        (
            "person without first name",
            mutate(|r| person(r).first_name = None),
            &[("individualCustomer.person.firstName", REQUIRED_MISSING)],
        ),
        (
            "no roles, no category",
            mutate(|r| {
                r.role_ids.clear();
                user(r).roles.clear();
                r.customer_category = None;
            }),
            &[
                ("roleIds", REQUIRED_DISPUTED),
                ("customerCategory.id", REQUIRED_DISPUTED),
            ],
        ),
        (
            "no pincode and no place of birth",
            mutate(|r| {
                r.pincode = None;
                r.place_of_birth = None;
            }),
            &[
                ("pincode", REQUIRED_DISPUTED),
                ("placeOfBirth", REQUIRED_DISPUTED),
            ],
        ),
    ]);
}

#[test]
fn password_policy() {
    run_registration(vec![
        (
            "eight characters, every class",
            password_everywhere("Abcdef1!"),
            &[],
        ),
        (
            "unicode letters count",
            password_everywhere("Ñandú123!"),
            &[],
        ),
        (
            "four characters",
            password_everywhere("Ab1!"),
            &[("password", PASSWORD_TOO_SHORT)],
        ),
        (
            "seven characters",
            password_everywhere("Abcde1!"),
            &[("password", PASSWORD_TOO_SHORT)],
        ),
        (
            "no upper case",
            password_everywhere("securepass123!"),
            &[("password", PASSWORD_MISSING_UPPERCASE)],
        ),
        (
            "no upper case, unicode",
            password_everywhere("ñandúpass123!"),
            &[("password", PASSWORD_MISSING_UPPERCASE)],
        ),
        (
            "no lower case",
            password_everywhere("SECUREPASS123!"),
            &[("password", PASSWORD_MISSING_LOWERCASE)],
        ),
        (
            "no lower case, unicode",
            password_everywhere("ÄÖÜSECURE12!"),
            &[("password", PASSWORD_MISSING_LOWERCASE)],
        ),
        (
            "no digit",
            password_everywhere("SecurePass!!"),
            &[("password", PASSWORD_MISSING_DIGIT)],
        ),
        (
            "no digit, only letters and symbol",
            password_everywhere("Secure-Password"),
            &[("password", PASSWORD_MISSING_DIGIT)],
        ),
        (
            "no special character",
            password_everywhere("SecurePass123"),
            &[("password", PASSWORD_MISSING_SPECIAL)],
        ),
        (
            "white space is not special",
            password_everywhere("Secure Pass 123"),
            &[("password", PASSWORD_MISSING_SPECIAL)],
        ),
        (
            "everything wrong at once",
            password_everywhere("abc"),
            &[
                ("password", PASSWORD_TOO_SHORT),
                ("password", PASSWORD_MISSING_UPPERCASE),
                ("password", PASSWORD_MISSING_DIGIT),
                ("password", PASSWORD_MISSING_SPECIAL),
            ],
        ),
    ]);
}

#[test]
fn matching_password() {
    run_registration(vec![
        ("identical", mutate(|_| {}), &[]),
        (
            "different",
            mutate(|r| r.matching_password = Sensitive::from("SecurePassword123?")),
            &[("matchingPassword", PASSWORD_MISMATCH)],
        ),
        (
            "differs in case only",
            mutate(|r| r.matching_password = Sensitive::from("securepassword123!")),
            &[("matchingPassword", PASSWORD_MISMATCH)],
        ),
        (
            "empty",
            mutate(|r| r.matching_password = Sensitive::from("")),
            &[("matchingPassword", REQUIRED_MISSING)],
        ),
    ]);
}

#[test]
fn email_syntax() {
    let everywhere: Vec<(&str, &str)> = EMAIL_PATHS.iter().map(|p| (*p, EMAIL_SYNTAX)).collect();
    let everywhere: &'static [(&str, &str)] = Box::leak(everywhere.into_boxed_slice());
    run_registration(vec![
        ("plain", email_everywhere("a.b@example.co"), &[]),
        (
            "plus and subdomain",
            email_everywhere("a+b@mail.example.lt"),
            &[],
        ),
        ("no @", email_everywhere("marcus.example.com"), everywhere),
        (
            "no dot in domain",
            email_everywhere("marcus@example"),
            everywhere,
        ),
        ("space", email_everywhere("mar cus@example.com"), everywhere),
        ("two @", email_everywhere("a@b@example.com"), everywhere),
    ]);
}

#[test]
fn phone_e164() {
    let both: &[(&str, &str)] = &[
        ("phone", PHONE_E164),
        ("individualCustomer.person.contacts[1].value", PHONE_E164),
    ];
    run_registration(vec![
        ("Lithuanian mobile", phone_everywhere("+37062767557"), &[]),
        ("fifteen digits", phone_everywhere("+123456789012345"), &[]),
        ("no plus", phone_everywhere("37060012345"), both),
        (
            "leading zero country code",
            phone_everywhere("+0370600"),
            both,
        ),
        (
            "sixteen digits",
            phone_everywhere("+1234567890123456"),
            both,
        ),
        ("spaces", phone_everywhere("+370 600 12345"), both),
    ]);
}

#[test]
fn date_of_birth() {
    const TOP: &str = "dateOfBirth";
    const NESTED: &str = "individualCustomer.person.dateOfBirth";
    run_registration(vec![
        ("leap day", dob_everywhere("2000-02-29"), &[]),
        ("today is not the future", dob_everywhere("2026-05-01"), &[]),
        (
            "European format",
            dob_everywhere("15.05.1990"),
            &[(TOP, DATE_FORMAT), (NESTED, DATE_FORMAT)],
        ),
        (
            "no zero padding",
            dob_everywhere("1990-5-15"),
            &[(TOP, DATE_FORMAT), (NESTED, DATE_FORMAT)],
        ),
        (
            "with time",
            dob_everywhere("1990-05-15T00:00:00Z"),
            &[(TOP, DATE_FORMAT), (NESTED, DATE_FORMAT)],
        ),
        (
            "no 30 February",
            dob_everywhere("1990-02-30"),
            &[(TOP, DATE_INVALID), (NESTED, DATE_INVALID)],
        ),
        (
            "no month 13",
            dob_everywhere("1990-13-01"),
            &[(TOP, DATE_INVALID), (NESTED, DATE_INVALID)],
        ),
        (
            "tomorrow",
            dob_everywhere("2026-05-02"),
            &[(TOP, DATE_FUTURE), (NESTED, DATE_FUTURE)],
        ),
        (
            "next century",
            dob_everywhere("2100-01-01"),
            &[(TOP, DATE_FUTURE), (NESTED, DATE_FUTURE)],
        ),
    ]);
}

#[test]
fn gender() {
    const BOTH: &[(&str, &str)] = &[
        ("gender", GENDER_UNKNOWN),
        ("individualCustomer.person.gender", GENDER_UNKNOWN),
    ];
    run_registration(vec![
        ("FEMALE", gender_everywhere("FEMALE"), &[]),
        ("OTHER", gender_everywhere("OTHER"), &[]),
        ("legacy spelling", gender_everywhere("Male"), BOTH),
        ("not documented", gender_everywhere("X"), BOTH),
    ]);
}

#[test]
fn countries() {
    const NAT: &[(&str, &str)] = &[
        ("nationality", COUNTRY_NOT_ALPHA2),
        ("individualCustomer.person.nationality", COUNTRY_NOT_ALPHA2),
    ];
    const UNKNOWN: &[(&str, &str)] = &[
        ("nationality", COUNTRY_UNKNOWN),
        ("individualCustomer.person.nationality", COUNTRY_UNKNOWN),
    ];
    const ADDRESS: &str = "individualCustomer.person.addresses[0].country";
    run_registration(vec![
        ("Germany", nationality_everywhere("DE"), &[]),
        (
            "address in the UK",
            mutate(|r| person(r).addresses[0].country = Some("GB".into())),
            &[],
        ),
        (
            "English name, as the docs' examples send",
            nationality_everywhere("Lithuania"),
            NAT,
        ),
        ("alpha-3", nationality_everywhere("LTU"), NAT),
        ("lower case", nationality_everywhere("lt"), NAT),
        ("unassigned code", nationality_everywhere("XX"), UNKNOWN),
        (
            "no such country",
            nationality_everywhere("Atlantis"),
            UNKNOWN,
        ),
        (
            "address country by name",
            mutate(|r| person(r).addresses[0].country = Some("Lithuania".into())),
            &[(ADDRESS, COUNTRY_NOT_ALPHA2)],
        ),
        (
            "address country unknown",
            mutate(|r| person(r).addresses[0].country = Some("Narnia".into())),
            &[(ADDRESS, COUNTRY_UNKNOWN)],
        ),
    ]);

    // The message of a country name names the code to send.
    let mut request = registration();
    nationality_everywhere("Lithuania")(&mut request);
    let err = request.validate_in(&context());
    let v = err.at("nationality").next().unwrap();
    assert!(v.message.contains("`LT`"), "{}", v.message);
}

#[test]
fn roles() {
    run_registration(vec![
        ("USER only", roles_everywhere(&["USER"]), &[]),
        (
            "both, other order",
            roles_everywhere(&["USER", "ACCOUNT_OWNER"]),
            &[],
        ),
        (
            "admin role",
            roles_everywhere(&["ADMIN"]),
            &[
                ("roleIds[0]", ROLE_UNKNOWN),
                ("individualCustomer.user.roles[0]", ROLE_UNKNOWN),
            ],
        ),
        (
            "lower case",
            roles_everywhere(&["USER", "account_owner"]),
            &[
                ("roleIds[1]", ROLE_UNKNOWN),
                ("individualCustomer.user.roles[1]", ROLE_UNKNOWN),
            ],
        ),
    ]);
}

#[test]
fn contacts() {
    run_registration(vec![
        ("no contacts", mutate(|r| person(r).contacts.clear()), &[]),
        (
            "fax",
            mutate(|r| person(r).contacts[0].type_ = Some("FAX".into())),
            &[(
                "individualCustomer.person.contacts[0].type",
                CONTACT_TYPE_UNKNOWN,
            )],
        ),
        (
            "lower-case type",
            mutate(|r| person(r).contacts[1].type_ = Some("phone".into())),
            &[(
                "individualCustomer.person.contacts[1].type",
                CONTACT_TYPE_UNKNOWN,
            )],
        ),
    ]);
}

#[test]
fn duplicated_facts_agree() {
    run_registration(vec![
        (
            "person without the optional duplicates",
            mutate(|r| {
                person(r).place_of_birth = None;
                person(r).pincode = None;
            }),
            &[],
        ),
        (
            "person email differs",
            mutate(|r| person(r).email = Some("other@example.com".into())),
            &[("individualCustomer.person.email", CONSISTENCY_MISMATCH)],
        ),
        (
            "person date of birth differs",
            mutate(|r| person(r).date_of_birth = Some("1991-05-15".into())),
            &[(
                "individualCustomer.person.dateOfBirth",
                CONSISTENCY_MISMATCH,
            )],
        ),
        (
            "person last name differs",
            mutate(|r| person(r).last_name = Some("Jensén".into())),
            &[("individualCustomer.person.lastName", CONSISTENCY_MISMATCH)],
        ),
        (
            "user email differs",
            mutate(|r| user(r).email = Some("other@example.com".into())),
            &[("individualCustomer.user.email", CONSISTENCY_MISMATCH)],
        ),
        (
            "user password differs",
            mutate(|r| user(r).password = Some(Sensitive::from("OtherPassword9?"))),
            &[("individualCustomer.user.password", CONSISTENCY_MISMATCH)],
        ),
        (
            "tenant differs",
            mutate(|r| r.individual_customer.tenant_id = Some("another-tenant".into())),
            &[
                ("individualCustomer.tenantId", CONSISTENCY_MISMATCH),
                ("individualCustomer.user.tenantId", CONSISTENCY_MISMATCH),
            ],
        ),
        (
            "user roles differ",
            mutate(|r| user(r).roles = vec!["USER".into()]),
            &[("individualCustomer.user.roles", CONSISTENCY_MISMATCH)],
        ),
    ]);
}

#[test]
fn new_user_state() {
    run_registration(vec![
        (
            "status and isActive omitted",
            mutate(|r| {
                user(r).status = None;
                user(r).is_active = None;
            }),
            &[],
        ),
        (
            "already active",
            mutate(|r| user(r).is_active = Some(true)),
            &[("individualCustomer.user.isActive", USER_INITIAL_STATE)],
        ),
        (
            "other status",
            mutate(|r| user(r).status = Some("ACTIVE".into())),
            &[("individualCustomer.user.status", USER_INITIAL_STATE)],
        ),
    ]);
}

fn high_risk(parameters: &[(&str, &str)]) -> Req {
    let mut r: Req = registration();
    r.customer_category.as_mut().unwrap().id = Some("fs-cat-b2c-high-001".into());
    r.individual_customer.categorization = Some(
        serde_json::from_value(serde_json::json!({
            "id": "fs-cat-b2c-high-001",
            "categoryFeatureRelations": [{
                "feature": {"code": "ENHANCED_AML_MONITORING"},
                "enabled": true,
                "parametrization": parameters
                    .iter()
                    .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
                    .collect::<Vec<_>>()
            }]
        }))
        .unwrap(),
    );
    r
}

#[test]
fn category_against_the_hierarchy() {
    let hierarchy = hierarchy();
    let with = |r: &Req| r.validate_in(&context().with_hierarchy(&hierarchy));
    const RELATION: &str = "individualCustomer.categorization.categoryFeatureRelations[0]";

    assert_violations("standard category", with(&registration()), &[]);
    assert_violations(
        "every mandatory key, allowed values, a multi-value key",
        with(&high_risk(&[
            ("riskLevel", "HIGH"),
            ("monitoring", "DAILY"),
            ("pepCategory", "DOMESTIC_PEP, RCA"),
        ])),
        &[],
    );

    let mut unknown = registration();
    unknown.customer_category.as_mut().unwrap().id = Some("fs-cat-b2c-none".into());
    assert_violations(
        "unknown category id",
        with(&unknown),
        &[("customerCategory.id", CATEGORY_UNKNOWN)],
    );
    assert_violations(
        "missing mandatory key",
        with(&high_risk(&[("riskLevel", "HIGH")])),
        &[(
            "individualCustomer.categorization.categoryFeatureRelations[0].parametrization",
            CATEGORY_MANDATORY_KEY,
        )],
    );
    assert_violations(
        "value not allowed",
        with(&high_risk(&[
            ("riskLevel", "HIGH"),
            ("monitoring", "HOURLY"),
        ])),
        &[(
            "individualCustomer.categorization.categoryFeatureRelations[0].parametrization[1].value",
            CATEGORY_VALUE_NOT_ALLOWED,
        )],
    );
    assert_violations(
        "one multi-value not allowed",
        with(&high_risk(&[
            ("riskLevel", "LOW"),
            ("monitoring", "WEEKLY"),
            ("pepCategory", "RCA,KING"),
        ])),
        &[(
            "individualCustomer.categorization.categoryFeatureRelations[0].parametrization[2].value",
            CATEGORY_VALUE_NOT_ALLOWED,
        )],
    );
    let mut no_feature = high_risk(&[]);
    no_feature
        .individual_customer
        .categorization
        .as_mut()
        .unwrap()
        .category_feature_relations[0]
        .feature
        .as_mut()
        .unwrap()
        .code = Some("CRYPTO_TRADING".into());
    assert_violations(
        "unknown feature",
        with(&no_feature),
        &[(
            "individualCustomer.categorization.categoryFeatureRelations[0].feature.code",
            CATEGORY_FEATURE_UNKNOWN,
        )],
    );
    // Without a hierarchy, the category rules do not run.
    assert_violations("high risk", high_risk(&[]).validate_in(&context()), &[]);
    // The tenant-wide feature map is used when the category lists none.
    let mut profile = registration();
    profile.individual_customer.categorization = Some(
        serde_json::from_value(serde_json::json!({
            "id": "fs-cat-b2c-low-001",
            "categoryFeatureRelations": [{
                "feature": {"code": "CUSTOMER_PROFILE"},
                "parametrization": [{"name": "industry", "value": "MINING"}]
            }]
        }))
        .unwrap(),
    );
    assert_violations(
        "tenant-wide feature",
        with(&profile),
        &[(
            format!("{RELATION}.parametrization[0].value").as_str(),
            CATEGORY_VALUE_NOT_ALLOWED,
        )],
    );
}

#[test]
fn every_mistake_at_once() {
    let mut r = registration();
    email_everywhere("nope")(&mut r);
    password_everywhere("short")(&mut r);
    nationality_everywhere("Lithuania")(&mut r);
    r.matching_password = Sensitive::from("other");
    r.phone = Some("0600".into());
    let err = r.validate_in(&context());
    for (path, rule) in [
        ("email", EMAIL_SYNTAX),
        ("password", PASSWORD_TOO_SHORT),
        ("matchingPassword", PASSWORD_MISMATCH),
        ("phone", PHONE_E164),
        ("nationality", COUNTRY_NOT_ALPHA2),
    ] {
        assert!(err.contains(path, rule), "{path} {rule}: {err}");
    }
}

fn customer_login() -> CreateIndividualSessionRequest {
    CreateIndividualSessionRequest {
        username: Some("customer.login.123456@example.test".into()),
        password: Some(Sensitive::from("SecurePass123!")),
        tenant_key: Some(Sensitive::from("a1B2c3D4e5F6g7H8i9J0kLmNopQr")),
        tenant_secret: Some(Sensitive::from("s3Cr3tKeyXyZpQwErTyUiOpAsDfGh")),
        ..Default::default()
    }
}

#[test]
fn customer_login_rules() {
    assert_eq!(customer_login().validate(), Ok(()));
    let cases: Vec<Case<CreateIndividualSessionRequest>> = vec![
        (
            "no username",
            CreateIndividualSessionRequest {
                username: None,
                ..customer_login()
            },
            &[("username", REQUIRED_MISSING)],
        ),
        (
            "empty password",
            CreateIndividualSessionRequest {
                password: Some(Sensitive::from("")),
                ..customer_login()
            },
            &[("password", REQUIRED_MISSING)],
        ),
        (
            // The quick-start login sends only username and password.
            "no tenant credentials",
            CreateIndividualSessionRequest {
                tenant_key: None,
                tenant_secret: None,
                ..customer_login()
            },
            &[
                ("tenantKey", REQUIRED_DISPUTED),
                ("tenantSecret", REQUIRED_DISPUTED),
            ],
        ),
        (
            "tenant credentials sent empty",
            CreateIndividualSessionRequest {
                tenant_key: Some(Sensitive::from("")),
                tenant_secret: Some(Sensitive::from(" ")),
                ..customer_login()
            },
            &[
                ("tenantKey", REQUIRED_MISSING),
                ("tenantSecret", REQUIRED_MISSING),
            ],
        ),
    ];
    for (name, body, expected) in cases {
        assert_violations(name, body.validate_in(&context()), expected);
    }
}

#[test]
fn admin_login_rules() {
    let valid = CreateAdminSessionRequest {
        username: Some("admin.login@example.test".into()),
        password: Some(Sensitive::from("SecurePass123!")),
        tenant_key: Some(Sensitive::from("a1B2c3")),
        tenant_secret: Some(Sensitive::from("s3Cr3t")),
        ..Default::default()
    };
    assert_eq!(valid.validate(), Ok(()));
    assert_violations(
        "blank username",
        CreateAdminSessionRequest {
            username: Some("  ".into()),
            ..valid.clone()
        }
        .validate_in(&context()),
        &[("username", REQUIRED_MISSING)],
    );
    assert_violations(
        "no tenant key",
        CreateAdminSessionRequest {
            tenant_key: None,
            ..valid.clone()
        }
        .validate_in(&context()),
        &[("tenantKey", REQUIRED_DISPUTED)],
    );
    assert_violations(
        "empty body",
        CreateAdminSessionRequest::default().validate_in(&context()),
        &[
            ("username", REQUIRED_MISSING),
            ("password", REQUIRED_MISSING),
            ("tenantKey", REQUIRED_DISPUTED),
            ("tenantSecret", REQUIRED_DISPUTED),
        ],
    );
}

#[test]
fn refresh_rules() {
    let token = |t: &str| RefreshSessionRequest {
        refresh_token: Sensitive::from(t),
    };
    assert_eq!(
        token("39915084-484f-46e5-bd8d-aaf7366787da-6r1k1hw6npq-cvK_9XDw").validate(),
        Ok(())
    );
    assert_violations(
        "empty",
        token("").validate_in(&context()),
        &[("refreshToken", REQUIRED_MISSING)],
    );
    assert_violations(
        "blank",
        token(" \t").validate_in(&context()),
        &[("refreshToken", REQUIRED_MISSING)],
    );
}

#[test]
fn verification_rules() {
    let valid = CreateVerificationRequest {
        customer_id: Some("2dac1793-8e4f-4c6a-b1d2-7f3e9a5c0b18".into()),
        type_: Some("IDENTITY_VERIFICATION".into()),
        requested_level: Some("TENANT_VERIFIED".into()),
        ..Default::default()
    };
    assert_eq!(valid.validate(), Ok(()));
    assert_eq!(
        CreateVerificationRequest {
            type_: Some("SANCTIONS_CHECK".into()),
            requested_level: Some("POWER_TENANT_VERIFIED".into()),
            ..valid.clone()
        }
        .validate(),
        Ok(())
    );
    let cases: Vec<Case<CreateVerificationRequest>> = vec![
        (
            "no customer",
            CreateVerificationRequest {
                customer_id: None,
                ..valid.clone()
            },
            &[("customerId", REQUIRED_MISSING)],
        ),
        (
            "no type",
            CreateVerificationRequest {
                type_: None,
                ..valid.clone()
            },
            &[("type", REQUIRED_MISSING)],
        ),
        (
            "response-only type KYC",
            CreateVerificationRequest {
                type_: Some("KYC".into()),
                ..valid.clone()
            },
            &[("type", VERIFICATION_TYPE_UNKNOWN)],
        ),
        (
            "lower-case type",
            CreateVerificationRequest {
                type_: Some("identity_verification".into()),
                ..valid.clone()
            },
            &[("type", VERIFICATION_TYPE_UNKNOWN)],
        ),
        (
            "risk level as verification level",
            CreateVerificationRequest {
                requested_level: Some("HIGH".into()),
                ..valid.clone()
            },
            &[("requestedLevel", VERIFICATION_LEVEL_UNKNOWN)],
        ),
        (
            "KYC depth as verification level",
            CreateVerificationRequest {
                requested_level: Some("ENHANCED".into()),
                ..valid.clone()
            },
            &[("requestedLevel", VERIFICATION_LEVEL_UNKNOWN)],
        ),
        (
            "blank proposed id",
            CreateVerificationRequest {
                verification_id: Some("  ".into()),
                ..valid.clone()
            },
            &[("verificationId", REQUIRED_MISSING)],
        ),
    ];
    for (name, body, expected) in cases {
        assert_violations(name, body.validate_in(&context()), expected);
    }
}

#[test]
fn customer_verification_rules() {
    let data = |issue: &str, expiry: &str, country: &str| CustomerVerificationRequest {
        verification_type: Some("IDENTITY".into()),
        verification_data: Some(VerificationData {
            document_type: Some("PASSPORT".into()),
            issue_date: Some(issue.into()),
            expiry_date: Some(expiry.into()),
            issuing_country: Some(country.into()),
            ..Default::default()
        }),
        notes: None,
    };
    assert_violations(
        "a valid document",
        data("2020-01-15", "2030-01-14", "LT").validate_in(&context()),
        &[],
    );
    assert_violations(
        "issued tomorrow",
        data("2026-05-02", "2036-05-01", "LT").validate_in(&context()),
        &[("verificationData.issueDate", DATE_FUTURE)],
    );
    assert_violations(
        "bad expiry, country name",
        data("2020-01-15", "2030-13-14", "Lithuania").validate_in(&context()),
        &[
            ("verificationData.expiryDate", DATE_INVALID),
            ("verificationData.issuingCountry", COUNTRY_NOT_ALPHA2),
        ],
    );
}

fn upload(content: &str) -> UploadVerificationDocumentRequest {
    UploadVerificationDocumentRequest {
        verification_id: Some("825f84a5-3c1e-4b7a-9d2f-6e8a1b4c7d90".into()),
        customer_id: Some("2dac1793-8e4f-4c6a-b1d2-7f3e9a5c0b18".into()),
        document_type: "PASSPORT".into(),
        mime_type: Some("application/pdf".into()),
        file_name: "passport.pdf".into(),
        file_content: content.into(),
        file_size: None,
        description: None,
        document_category: None,
        doc_id: None,
    }
}

#[test]
fn document_rules() {
    // "%PDF-1.4\n%âãÏÓ\n%%EOF\n", the spec's example.
    const PDF: &str = "JVBERi0xLjQKJeLjz9MKJSVFT0YK";
    assert_eq!(upload(PDF).validate(), Ok(()));
    assert_eq!(
        UploadVerificationDocumentRequest {
            document_type: "PROOF_OF_ADDRESS".into(),
            mime_type: Some("image/png".into()),
            file_size: Some(21),
            ..upload(PDF)
        }
        .validate(),
        Ok(())
    );
    let cases: Vec<Case<UploadVerificationDocumentRequest>> = vec![
        (
            "driver's licence is not in the vocabulary",
            UploadVerificationDocumentRequest {
                document_type: "DRIVERS_LICENSE".into(),
                ..upload(PDF)
            },
            &[("documentType", DOCUMENT_TYPE_UNKNOWN)],
        ),
        (
            "lower-case type",
            UploadVerificationDocumentRequest {
                document_type: "passport".into(),
                ..upload(PDF)
            },
            &[("documentType", DOCUMENT_TYPE_UNKNOWN)],
        ),
        (
            "GIF",
            UploadVerificationDocumentRequest {
                mime_type: Some("image/gif".into()),
                ..upload(PDF)
            },
            &[("mimeType", DOCUMENT_MIME)],
        ),
        (
            "Word",
            UploadVerificationDocumentRequest {
                mime_type: Some("application/msword".into()),
                ..upload(PDF)
            },
            &[("mimeType", DOCUMENT_MIME)],
        ),
        (
            "not base64",
            upload("not base64!!"),
            &[("fileContent", DOCUMENT_BASE64)],
        ),
        (
            "bad padding",
            upload("QUJ"),
            &[("fileContent", DOCUMENT_BASE64)],
        ),
        (
            "line breaks",
            upload("JVBERi0x\nLjQKJeLjz9MKJSVFT0YK"),
            &[("fileContent", DOCUMENT_BASE64)],
        ),
        (
            "fileSize disagrees with the content",
            UploadVerificationDocumentRequest {
                file_size: Some(102_400),
                ..upload(PDF)
            },
            &[("fileSize", DOCUMENT_SIZE_MISMATCH)],
        ),
        (
            "no file name, no content",
            UploadVerificationDocumentRequest {
                file_name: String::new(),
                ..upload("")
            },
            &[
                ("fileName", REQUIRED_MISSING),
                ("fileContent", REQUIRED_MISSING),
            ],
        ),
    ];
    for (name, body, expected) in cases {
        assert_violations(name, body.validate_in(&context()), expected);
    }
}

#[test]
fn document_size_limit() {
    use base64::Engine as _;
    let limit = finhub_ext::validation::MAX_DOCUMENT_BYTES;
    let encode = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![0u8; n]);
    assert_eq!(upload(&encode(limit)).validate(), Ok(()), "exactly 10 MB");
    assert_violations(
        "one byte over",
        upload(&encode(limit + 1)).validate_in(&context()),
        &[("fileContent", DOCUMENT_TOO_LARGE)],
    );
    assert_violations(
        "15 MB",
        upload(&encode(15 * 1024 * 1024)).validate_in(&context()),
        &[("fileContent", DOCUMENT_TOO_LARGE)],
    );
}

#[test]
fn approval_rules() {
    let valid = ApproveVerificationRequest {
        verification_id: "825f84a5-3c1e-4b7a-9d2f-6e8a1b4c7d90".into(),
        customer_id: Some("2dac1793-8e4f-4c6a-b1d2-7f3e9a5c0b18".into()),
        status: Some("APPROVED".into()),
        verification_type: Some("IDENTITY_VERIFICATION".into()),
        comment: Some("Approved".into()),
        user_id: Some("E2E_ADMIN".into()),
        approved_by: None,
        notes: None,
        organization_id: None,
    };
    assert_eq!(valid.validate(), Ok(()));
    assert_violations(
        "no verification id",
        ApproveVerificationRequest {
            verification_id: String::new(),
            ..valid.clone()
        }
        .validate_in(&context()),
        &[("verificationId", REQUIRED_MISSING)],
    );
    assert_violations(
        "blank verification id, unknown type",
        ApproveVerificationRequest {
            verification_id: "  ".into(),
            verification_type: Some("KYC".into()),
            ..valid.clone()
        }
        .validate_in(&context()),
        &[
            ("verificationId", REQUIRED_MISSING),
            ("verificationType", VERIFICATION_TYPE_UNKNOWN),
        ],
    );
}

#[test]
fn consent_rules() {
    let body = |accepted: bool, version: &str| AcceptConsentRequest {
        accepted,
        version: version.into(),
        accepted_at: None,
    };
    assert_eq!(body(true, "1.0").validate(), Ok(()));
    assert_violations(
        "declined",
        body(false, "1.0").validate_in(&context()),
        &[("accepted", CONSENT_NOT_ACCEPTED)],
    );
    assert_violations(
        "no version",
        body(true, "").validate_in(&context()),
        &[("version", REQUIRED_MISSING)],
    );
    assert_violations(
        "declined, no version",
        body(false, " ").validate_in(&context()),
        &[
            ("accepted", CONSENT_NOT_ACCEPTED),
            ("version", REQUIRED_MISSING),
        ],
    );

    assert_eq!(
        parse_consent_type("terms"),
        Ok(AcceptConsentConsentType::Terms)
    );
    assert_eq!(
        parse_consent_type("data-processing"),
        Ok(AcceptConsentConsentType::DataProcessing)
    );
    for bad in ["TERMS_AND_CONDITIONS", "marketing", ""] {
        assert_violations(
            bad,
            parse_consent_type(bad).unwrap_err(),
            &[("path.consentType", CONSENT_TYPE_UNKNOWN)],
        );
    }
}

#[test]
fn activation_rules() {
    let body = |user: &str, code: &str| ActivationRequest {
        user_id: user.into(),
        code: code.into(),
    };
    assert_eq!(
        body(
            "customer.20260331114946-387074@testcorp.com",
            "ACTIVATION_CODE_20260331114954"
        )
        .validate(),
        Ok(())
    );
    assert_violations(
        "no code",
        body("user_987654321", "").validate_in(&context()),
        &[("code", REQUIRED_MISSING)],
    );
    assert_violations(
        "blank user",
        body(" ", "ACTIVATION_CODE_MED_12345").validate_in(&context()),
        &[("userId", REQUIRED_MISSING)],
    );
}

#[test]
fn messages_never_contain_secrets() {
    const WEAK: &str = "weakpassw0rd";
    const OTHER: &str = "TotallyDifferent42?";
    let mut r = registration();
    password_everywhere(WEAK)(&mut r);
    r.matching_password = Sensitive::from("weakpassw0rD");
    user(&mut r).password = Some(Sensitive::from(OTHER));
    let err = r.validate_in(&context());
    assert!(
        err.contains("password", PASSWORD_MISSING_UPPERCASE),
        "{err}"
    );
    assert!(err.contains("matchingPassword", PASSWORD_MISMATCH), "{err}");
    assert!(
        err.contains("individualCustomer.user.password", CONSISTENCY_MISMATCH),
        "{err}"
    );
    for text in [format!("{err}"), format!("{err:?}")] {
        for secret in [WEAK, "weakpassw0rD", OTHER] {
            assert!(
                !text.contains(secret),
                "the report shows a password: {text}"
            );
        }
    }

    let login = CreateIndividualSessionRequest {
        username: None,
        ..customer_login()
    };
    let text = format!("{:?} {}", login.validate(), login.validate().unwrap_err());
    for secret in [
        "SecurePass123!",
        "a1B2c3D4e5F6g7H8i9J0kLmNopQr",
        "s3Cr3tKeyXyZpQwErTyUiOpAsDfGh",
    ] {
        assert!(!text.contains(secret), "{text}");
    }
}
