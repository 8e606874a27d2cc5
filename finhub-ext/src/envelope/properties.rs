//! Properties of the envelope handling over generated structure (part of
//! the fuzzing budget run in CI; `fuzz/` explores raw bytes further with
//! cargo-fuzz):
//!
//! * every envelope shape FinHub uses (facts §1.4, I-1), around a random
//!   payload, keeps that payload through the envelope check; a bare payload
//!   is wrapped as `data`;
//! * a random verification in a random envelope shape decodes into the
//!   typed envelope and yields exactly the payload's known fields, its
//!   timestamps (the documented forms) kept as sent.
//!
//! Each property counts the cases that reached its assertions and requires
//! all of them to (`--nocapture` prints the figures).

use std::sync::atomic::{AtomicU32, Ordering};

use finhub_api::types;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

use super::{Envelope, normalize_success_body};

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

/// Any JSON value: scalars, strings (some shaped like timestamps), arrays
/// and objects whose keys include the envelope's own names.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        timestamp().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("code".to_string()),
                    Just("data".to_string()),
                    Just("message".to_string()),
                    Just("success".to_string()),
                    "[a-zA-Z]{1,10}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A bare payload as FinHub sends one: an object with at least one key an
/// envelope never has, and no `data`; or an array.
fn bare_payload() -> impl Strategy<Value = Value> {
    prop_oneof![
        (
            prop::collection::btree_map("[a-zA-Z]{1,10}", json_value(), 0..5),
            "[a-z]{1,8}",
            json_value(),
        )
            .prop_map(|(mut map, id, value)| {
                map.remove("data");
                map.insert(format!("payload_{id}"), value);
                Value::Object(map.into_iter().collect())
            }),
        prop::collection::vec(json_value(), 0..5).prop_map(Value::Array),
    ]
}

/// The envelope shapes of facts §1.4 and I-1.
#[derive(Debug, Clone, Copy)]
enum Shape {
    CodeMessageData,
    CodeMessageDataMore,
    SuccessData,
    SuccessTimestampData,
    DataOnly,
    CodeMessage,
    Bare,
}

const SHAPES: [Shape; 7] = [
    Shape::CodeMessageData,
    Shape::CodeMessageDataMore,
    Shape::SuccessData,
    Shape::SuccessTimestampData,
    Shape::DataOnly,
    Shape::CodeMessage,
    Shape::Bare,
];

fn body(shape: Shape, payload: &Value) -> Value {
    match shape {
        Shape::CodeMessageData => json!({"code": 200, "message": "Success", "data": payload}),
        Shape::CodeMessageDataMore => {
            json!({"code": 200, "message": "Success", "data": payload, "redirectUrl": "/auth/activate-account"})
        }
        Shape::SuccessData => json!({"success": true, "data": payload}),
        Shape::SuccessTimestampData => {
            json!({"success": true, "timestamp": "2026-03-16T20:49:32.000Z", "data": payload})
        }
        Shape::DataOnly => json!({"data": payload}),
        Shape::CodeMessage => json!({"code": 200, "message": "Success"}),
        Shape::Bare => payload.clone(),
    }
}

#[test]
fn every_envelope_shape_keeps_its_payload_through_the_envelope_check() {
    let case = (
        prop::sample::select(SHAPES.to_vec()),
        bare_payload(),
        any::<bool>(),
    );
    run(
        "envelope shapes",
        10_000,
        case,
        |(shape, payload, pretty)| {
            let body = body(shape, &payload);
            let bytes = if pretty {
                serde_json::to_vec_pretty(&body).unwrap()
            } else {
                serde_json::to_vec(&body).unwrap()
            };
            let normalized = normalize_success_body(&bytes);
            let read: Value = serde_json::from_slice(normalized.as_deref().unwrap_or(&bytes))
                .map_err(|e| {
                    TestCaseError::fail(format!("{shape:?}: not JSON after the check: {e}"))
                })?;
            match shape {
                Shape::Bare => {
                    prop_assert!(normalized.is_some(), "a bare payload was not wrapped");
                    prop_assert_eq!(&read, &json!({ "data": payload }));
                }
                Shape::CodeMessage => {
                    prop_assert!(normalized.is_none(), "{:?} was rewritten", shape);
                    prop_assert_eq!(&read, &body);
                }
                _ => {
                    prop_assert!(normalized.is_none(), "{:?} was rewritten", shape);
                    prop_assert_eq!(&read["data"], &payload);
                }
            }
            Ok(true)
        },
    );
}

/// Timestamps in the forms FinHub documents (facts §1.7): RFC 3339 with 0–9
/// fraction digits, with `Z`, an offset or none.
fn timestamp() -> impl Strategy<Value = String> {
    (
        1970..2100i32,
        1..=12u32,
        1..=28u32,
        0..24u32,
        0..60u32,
        0..60u32,
        "[0-9]{0,9}",
        prop_oneof![
            Just(String::new()),
            Just("Z".to_string()),
            "[+-](0[0-9]|1[0-3]):(00|30|45)"
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, fraction, offset)| {
            let fraction = if fraction.is_empty() {
                String::new()
            } else {
                format!(".{fraction}")
            };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{offset}")
        })
}

/// A verification payload: known fields with random values, a timestamp in
/// a documented form (or epoch milliseconds), and unknown fields, which are
/// accepted and dropped.
fn verification() -> impl Strategy<Value = (Value, Value)> {
    let text = ".{0,16}";
    (
        (text, text, text, text, text),
        any::<bool>(),
        prop_oneof![
            timestamp().prop_map(Value::String),
            (0..4_102_444_800_000i64).prop_map(Value::from),
        ],
        prop::collection::btree_map("x_[a-z]{1,8}", json_value(), 0..4),
    )
        .prop_map(
            |((id, verification_id, status, level, customer), verified, created, unknown)| {
                let known = json!({
                    "id": id, "verificationId": verification_id, "status": status, "level": level,
                    "customerId": customer, "verified": verified, "createdAt": created,
                });
                let mut sent: Map<String, Value> = known.as_object().unwrap().clone();
                sent.extend(unknown);
                (Value::Object(sent), known)
            },
        )
}

#[test]
fn a_random_verification_in_any_shape_decodes_to_exactly_its_known_fields() {
    let shapes: Vec<Shape> = SHAPES
        .into_iter()
        .filter(|shape| !matches!(shape, Shape::CodeMessage))
        .collect();
    run(
        "typed envelopes",
        10_000,
        (prop::sample::select(shapes), verification()),
        |(shape, (sent, known))| {
            let bytes = serde_json::to_vec(&body(shape, &sent)).unwrap();
            let normalized = normalize_success_body(&bytes);
            let envelope: types::BaseResponseVerification =
                serde_json::from_slice(normalized.as_deref().unwrap_or(&bytes))
                    .map_err(|e| TestCaseError::fail(format!("{shape:?}: does not decode: {e}")))?;
            let data = serde_json::to_value(envelope.into_data()).unwrap();
            let mut decoded = data.as_object().cloned().unwrap_or_default();
            decoded.retain(|_, v| !v.is_null() && v != &json!({}) && v != &json!([]));
            prop_assert_eq!(Value::Object(decoded), known, "{:?}", shape);
            Ok(true)
        },
    );
}
