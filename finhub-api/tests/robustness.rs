//! Decoding never panics, whatever the server sends: arbitrary text and
//! numbers as timestamps, arbitrary JSON as responses. (Part of the fuzzing
//! budget; the cargo-fuzz targets in `fuzz/` explore further.)

use finhub_api::{LenientTimestamp, types};
use proptest::prelude::*;
use serde_json::Value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Timestamp-like strings: digits, separators, fractions, offsets, junk.
fn timestamp_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]{0,12})?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?",
        "[0-9]{0,20}",
        ".{0,40}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        timestamp_like().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("code".to_string()),
                    Just("data".to_string()),
                    Just("message".to_string()),
                    Just("token".to_string()),
                    Just("expiresAt".to_string()),
                    Just("uploadDate".to_string()),
                    Just("createdAt".to_string()),
                    "[a-zA-Z]{1,10}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config(30_000))]

    #[test]
    fn timestamps_decode_any_string_and_round_trip(text in timestamp_like()) {
        let json = serde_json::to_string(&text).unwrap();
        let decoded: LenientTimestamp = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
        // Whatever parse accepts, it can read back.
        if let Ok(parsed) = LenientTimestamp::parse(&text) {
            prop_assert!(parsed.to_utc().is_some());
        }
    }

    #[test]
    fn timestamps_decode_any_number_and_round_trip(millis in any::<i64>(), float in any::<f64>()) {
        let _ = serde_json::from_value::<LenientTimestamp>(Value::from(millis)).unwrap();
        let text = serde_json::to_string(&Value::from(float)).unwrap();
        if let Ok(decoded) = serde_json::from_str::<LenientTimestamp>(&text) {
            let encoded = serde_json::to_string(&decoded).unwrap();
            let again: LenientTimestamp = serde_json::from_str(&encoded).unwrap();
            prop_assert_eq!(again, decoded);
        }
    }
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn responses_decode_or_fail_cleanly(value in json_value()) {
        let _ = serde_json::from_value::<types::BaseResponseSessionResponse>(value.clone());
        let _ = serde_json::from_value::<types::BaseResponseVerificationDocument>(value.clone());
        let _ = serde_json::from_value::<types::BaseResponseCustomerRegistrationResponse>(value.clone());
        let _ = serde_json::from_value::<types::ErrorEnvelope>(value);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<types::BaseResponseWalletList>(&bytes);
        let _ = serde_json::from_slice::<types::ErrorEnvelope>(&bytes);
    }
}
