//! Properties of the validation rules over generated structure (part of
//! the fuzzing budget run in CI; `fuzz/` explores raw bytes further with
//! cargo-fuzz): every generated registration decodes, breaks at least one
//! rule, and its violations never echo the password or `matchingPassword`.
//! (The envelope properties are unit tests of the crate's `envelope`
//! module, which is not public.)
//!
//! Each property counts the cases that reached its assertions and requires
//! all of them to (`--nocapture` prints the figures).

use std::sync::atomic::{AtomicU32, Ordering};

use finhub_ext::api::types;
use finhub_ext::validation::Validate;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

/// Runs `test` on `cases` values of `strategy`; `test` returns whether the
/// case reached its assertions, and every case must have.
fn run<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) {
    let reached = AtomicU32::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |value| {
            if test(value)? {
                reached.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let reached = reached.into_inner();
    println!("{name}: {reached} of {cases} cases reached the assertions");
    assert_eq!(reached, cases, "{name}: cases that skipped the assertions");
}

/// A registration body with random values where users type them, and the
/// password and `matchingPassword` it carries. Each body breaks at least one
/// rule: the two passwords differ, or the e-mail has no `@`.
fn registration() -> impl Strategy<Value = (Value, String, String)> {
    let name = "[A-Za-z ]{0,12}";
    let email = prop_oneof![
        "[a-z0-9._%+-]{1,10}@[a-z0-9-]{1,10}\\.[a-z]{2,3}",
        "[a-zA-Z0-9._%+-]{0,10}@[a-z0-9.-]{0,10}",
        ".{0,20}",
    ];
    let phone = prop_oneof!["\\+[1-9][0-9]{1,14}", "[+0-9 ]{0,18}"];
    let date = prop_oneof![
        "(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
        "[0-9]{0,5}-[0-9]{0,3}-[0-9]{0,3}",
        ".{0,12}",
    ];
    let gender = prop_oneof![
        Just("MALE".to_string()),
        Just("FEMALE".to_string()),
        Just("OTHER".to_string()),
        "[A-Za-z]{0,8}",
    ];
    let country = prop_oneof![
        Just("LT".to_string()),
        Just("Lithuania".to_string()),
        Just("LTU".to_string()),
        "[A-Z]{2}",
        "[A-Za-z ]{0,12}",
    ];
    let role = prop_oneof![
        Just("ACCOUNT_OWNER".to_string()),
        Just("USER".to_string()),
        "[A-Z_]{0,12}",
    ];
    let person = (
        name,
        name,
        date.clone(),
        gender.clone(),
        country.clone(),
        country.clone(),
    );
    (
        (name, name, email, phone, date, gender, country),
        // Long enough that it cannot appear in a message by chance.
        "[A-Za-z0-9!#%]{12,24}",
        any::<bool>(),
        prop::option::of(person),
        prop::collection::vec(role, 0..3),
        ("[A-Za-z ]{0,12}", "[0-9]{0,6}", "[a-z0-9-]{0,20}"),
    )
        .prop_map(
            |((first, last, email, phone, birth, gender, nationality), password, mismatch, person, roles, (place, pincode, category))| {
                let (email, matching) = if mismatch {
                    (email, format!("{password}x"))
                } else {
                    (email.replace('@', " at "), password.clone())
                };
                let person = person.map(|(first, last, birth, gender, nationality, country)| {
                    json!({"firstName": first, "lastName": last, "email": email, "dateOfBirth": birth,
                           "gender": gender, "nationality": nationality,
                           "addresses": [{"type": "HOME", "street": "s", "city": "c", "postalCode": "1", "country": country}],
                           "contacts": [{"type": "EMAIL", "value": email}]})
                });
                let body = json!({
                    "firstName": first, "lastName": last, "email": email, "phone": phone,
                    "password": password, "matchingPassword": matching, "dateOfBirth": birth,
                    "gender": gender, "nationality": nationality, "placeOfBirth": place,
                    "pincode": pincode, "roleIds": roles,
                    "customerCategory": {"id": category},
                    "individualCustomer": {"person": person, "user": {"email": email, "password": password, "roles": ["USER"]}}
                });
                (body, password, matching)
            },
        )
}

#[test]
fn validation_never_panics_and_never_echoes_a_password() {
    run(
        "registration validation",
        10_000,
        registration(),
        |(body, password, matching)| {
            let request: types::IndividualRegistrationRequest = serde_json::from_value(body)
                .map_err(|e| TestCaseError::fail(format!("the body does not decode: {e}")))?;
            let Err(violations) = request.validate() else {
                return Err(TestCaseError::fail("a body breaking a rule was accepted"));
            };
            let printed = format!("{violations} {violations:?}");
            prop_assert!(
                !printed.contains(&password),
                "the password is echoed: {printed}"
            );
            prop_assert!(
                !printed.contains(&matching),
                "matchingPassword is echoed: {printed}"
            );
            Ok(true)
        },
    );
}
