//! The validation rules and the envelope check never panic, whatever they
//! are given (part of the fuzzing budget run in CI; `fuzz/` explores further
//! with cargo-fuzz).

use finhub_ext::api::types;
use finhub_ext::envelope::normalize_success_body;
use finhub_ext::validation::Validate;
use proptest::prelude::*;
use serde_json::{Value, json};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Strings that look like what users type, and what they should not.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,24}",
        "[+0-9 ]{0,18}",
        "[a-zA-Z0-9._%+-]{0,10}@[a-z0-9.-]{0,10}",
        "[0-9]{0,5}-[0-9]{0,3}-[0-9]{0,3}",
        "[A-Za-z ]{0,12}",
        Just(String::new()),
    ]
}

fn registration() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(field(), 12),
        prop::option::of(prop::collection::vec(field(), 8)),
        prop::collection::vec(field(), 0..3),
    )
        .prop_map(|(f, person, roles)| {
            let person = person.map(|p| {
                json!({"firstName": p[0], "lastName": p[1], "email": p[2], "dateOfBirth": p[3], "gender": p[4],
                       "nationality": p[5], "addresses": [{"country": p[6], "type": p[7]}], "contacts": [{"type": p[7], "value": p[2]}]})
            });
            json!({
                "firstName": f[0], "lastName": f[1], "email": f[2], "phone": f[3], "password": f[4],
                "matchingPassword": f[5], "dateOfBirth": f[6], "gender": f[7], "nationality": f[8],
                "placeOfBirth": f[9], "pincode": f[10], "roleIds": roles,
                "customerCategory": {"id": f[11]},
                "individualCustomer": {"person": person, "user": {"email": f[2], "roles": ["USER"]}}
            })
        })
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn validation_never_panics_and_never_echoes_the_password(value in registration()) {
        let request = serde_json::from_value::<types::IndividualRegistrationRequest>(value.clone());
        if let Err(violations) = request.map(|r| r.validate()).unwrap_or(Ok(())) {
            let password = value["password"].as_str().unwrap_or_default();
            if password.len() >= 6 {
                prop_assert!(!violations.to_string().contains(password));
            }
        }
    }

    #[test]
    fn the_envelope_check_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200), text in ".{0,80}") {
        let _ = normalize_success_body(&bytes);
        if let Some(wrapped) = normalize_success_body(text.as_bytes()) {
            let value: Value = serde_json::from_slice(&wrapped).unwrap();
            prop_assert!(value.get("data").is_some());
        }
    }
}
