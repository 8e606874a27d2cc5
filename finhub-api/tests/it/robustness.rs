//! Decoding never panics, whatever the server sends, and reads every
//! documented timestamp form as the instant it names. (Part of the fuzzing
//! budget; the cargo-fuzz targets in `fuzz/` explore further.)
//!
//! The timestamp properties generate the documented forms (facts §1.7)
//! from their parts and count the cases that reached their assertions:
//! all of them must (`--nocapture` prints the figures).

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use finhub_api::{LenientTimestamp, types};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
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

/// Runs `test` on `cases` values of `strategy`; every case must reach its
/// assertions (`test` returns `true` when it did).
fn run<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) {
    let reached = AtomicU32::new(0);
    TestRunner::new(config(cases))
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

/// The parts of a documented date-time: date, time, 0–9 fraction digits,
/// and no offset, `Z` or `±hh:mm`.
#[derive(Debug, Clone)]
struct Parts {
    date: NaiveDate,
    hms: (u32, u32, u32),
    fraction: String,
    /// `None`: no offset; `Some(0)` written `Z`; else seconds east of UTC.
    offset: Option<i32>,
    zulu: bool,
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        (1970..2100i32, 1..=12u32, 1..=31u32),
        (0..24u32, 0..60u32, 0..60u32),
        "[0-9]{0,9}",
        prop_oneof![
            Just((None, false)),
            Just((Some(0), true)),
            (-13..=13i32, prop::sample::select(vec![0, 30, 45]))
                .prop_map(|(h, m)| (Some(h.signum() * (h.abs() * 3600 + m * 60)), false)),
        ],
    )
        .prop_filter_map(
            "a calendar date",
            |((y, mo, d), hms, fraction, (offset, zulu))| {
                Some(Parts {
                    date: NaiveDate::from_ymd_opt(y, mo, d)?,
                    hms,
                    fraction,
                    offset,
                    zulu,
                })
            },
        )
}

impl Parts {
    /// The text FinHub would send.
    fn text(&self) -> String {
        let (h, m, s) = self.hms;
        let mut text = format!("{}T{h:02}:{m:02}:{s:02}", self.date.format("%Y-%m-%d"));
        if !self.fraction.is_empty() {
            text.push('.');
            text.push_str(&self.fraction);
        }
        match (self.offset, self.zulu) {
            (None, _) => {}
            (Some(_), true) => text.push('Z'),
            (Some(seconds), false) => {
                let sign = if seconds < 0 { '-' } else { '+' };
                let seconds = seconds.abs();
                text.push_str(&format!(
                    "{sign}{:02}:{:02}",
                    seconds / 3600,
                    seconds % 3600 / 60
                ));
            }
        }
        text
    }

    /// The instant the text names (no offset: read as UTC).
    fn instant(&self) -> DateTime<Utc> {
        let (h, m, s) = self.hms;
        let nanos = format!("{:0<9}", self.fraction).parse::<u32>().unwrap();
        let local = self.date.and_hms_nano_opt(h, m, s, nanos).unwrap();
        let offset = FixedOffset::east_opt(self.offset.unwrap_or(0)).unwrap();
        offset
            .from_local_datetime(&local)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }
}

#[test]
fn documented_timestamp_forms_read_as_the_instant_they_name() {
    run("documented timestamps", 20_000, parts(), |parts| {
        let text = parts.text();
        let json = serde_json::to_string(&text).unwrap();
        let decoded: LenientTimestamp = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(decoded.to_utc(), Some(parts.instant()), "{}", text);
        prop_assert_eq!(decoded.has_offset(), parts.offset.is_some(), "{}", text);
        prop_assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
        let parsed =
            LenientTimestamp::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed.to_utc(), Some(parts.instant()), "{}", text);
        Ok(true)
    });
}

#[test]
fn epoch_milliseconds_read_as_their_instant_and_round_trip() {
    // Every millisecond a date-time can hold.
    let millis =
        DateTime::<Utc>::MIN_UTC.timestamp_millis()..=DateTime::<Utc>::MAX_UTC.timestamp_millis();
    run("epoch milliseconds", 10_000, millis, |millis| {
        let decoded: LenientTimestamp = serde_json::from_value(Value::from(millis)).unwrap();
        prop_assert_eq!(decoded.to_utc(), DateTime::from_timestamp_millis(millis));
        prop_assert!(decoded.to_utc().is_some());
        prop_assert_eq!(serde_json::to_value(&decoded).unwrap(), Value::from(millis));
        Ok(true)
    });
}

proptest! {
    #![proptest_config(config(20_000))]

    /// Any text decodes (kept as sent) and encodes back to itself.
    #[test]
    fn timestamps_decode_any_string_and_round_trip(text in timestamp_like()) {
        let json = serde_json::to_string(&text).unwrap();
        let decoded: LenientTimestamp = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
    }

    /// Any number decodes without panicking; one that decodes round-trips.
    #[test]
    fn timestamps_decode_any_number(float in any::<f64>()) {
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
