//! [`LenientTimestamp`]: the type of every `date-time` field.
//!
//! FinHub sends timestamps in several shapes: RFC 3339 with `Z` and 0–9
//! fraction digits, local times without any offset
//! (`2026-01-14T10:03:42.197811165`), and epoch milliseconds as a JSON number
//! (`1768245720542`). A strict `DateTime<Utc>` would reject the whole response
//! for one such field, so decoding is lenient and keeps what was sent.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A timestamp as FinHub sent it, with its instant when it could be read.
///
/// * Decoding never fails on a string or a number: an unreadable value is
///   kept and [`LenientTimestamp::to_utc`] returns `None`.
/// * Encoding writes back exactly what was decoded.
/// * Times without an offset are read as UTC; [`has_offset`](Self::has_offset)
///   tells them apart.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LenientTimestamp {
    raw: Raw,
    instant: Option<DateTime<Utc>>,
    has_offset: bool,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Raw {
    Text(String),
    Number(serde_json::Number),
}

/// A string that is not a timestamp in any shape FinHub uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    input: String,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a timestamp (expected RFC 3339 with optional offset and 0-9 fraction digits, or epoch milliseconds)",
            self.input
        )
    }
}

impl std::error::Error for TimestampError {}

/// Reads a timestamp; `None` when it is in no known shape.
fn read_text(text: &str) -> Option<(DateTime<Utc>, bool)> {
    let text = text.trim();
    if fraction_digits(text) > 9 {
        return None;
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some((at.with_timezone(&Utc), true));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some((at.and_utc(), false));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some((date.and_hms_opt(0, 0, 0)?.and_utc(), false));
    }
    if !text.is_empty() && text.len() <= 16 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some((DateTime::from_timestamp_millis(text.parse().ok()?)?, true));
    }
    None
}

/// Number of digits after the seconds' decimal point.
fn fraction_digits(text: &str) -> usize {
    let Some(time) = text.find(['T', ' ']).map(|i| &text[i..]) else {
        return 0;
    };
    time.find('.')
        .map(|dot| {
            time[dot + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count()
        })
        .unwrap_or(0)
}

fn read_number(number: &serde_json::Number) -> Option<DateTime<Utc>> {
    let millis = match number.as_i64() {
        Some(ms) => ms,
        None => {
            let ms = number.as_f64()?;
            if !ms.is_finite() || ms.abs() > 8.64e15 {
                return None;
            }
            ms as i64
        }
    };
    DateTime::from_timestamp_millis(millis)
}

impl LenientTimestamp {
    /// Reads a timestamp in any shape FinHub uses; an error for anything else.
    /// Use this for values you send.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        match read_text(text) {
            Some((instant, has_offset)) => Ok(LenientTimestamp {
                raw: Raw::Text(text.to_string()),
                instant: Some(instant),
                has_offset,
            }),
            None => Err(TimestampError {
                input: text.chars().take(64).collect(),
            }),
        }
    }

    /// Keeps a received string, readable or not.
    pub fn from_received(text: impl Into<String>) -> Self {
        let text = text.into();
        let read = read_text(&text);
        LenientTimestamp {
            instant: read.map(|(at, _)| at),
            has_offset: read.is_some_and(|(_, offset)| offset),
            raw: Raw::Text(text),
        }
    }

    /// Epoch milliseconds, as FinHub's document endpoints send them.
    pub fn from_epoch_millis(millis: i64) -> Self {
        LenientTimestamp {
            instant: DateTime::from_timestamp_millis(millis),
            has_offset: true,
            raw: Raw::Number(millis.into()),
        }
    }

    /// The instant in UTC; `None` if the value could not be read.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        self.instant
    }

    /// Whether the value named its offset (or was epoch-based). Times without
    /// an offset are read as UTC, which may be wrong by the server's offset.
    pub fn has_offset(&self) -> bool {
        self.has_offset
    }

    /// The value exactly as received (a number is written in decimal).
    pub fn as_received(&self) -> String {
        match &self.raw {
            Raw::Text(text) => text.clone(),
            Raw::Number(number) => number.to_string(),
        }
    }
}

impl From<DateTime<Utc>> for LenientTimestamp {
    fn from(at: DateTime<Utc>) -> Self {
        LenientTimestamp {
            raw: Raw::Text(at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            instant: Some(at),
            has_offset: true,
        }
    }
}

impl FromStr for LenientTimestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        LenientTimestamp::parse(text)
    }
}

impl fmt::Display for LenientTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.raw {
            Raw::Text(text) => f.write_str(text),
            Raw::Number(number) => write!(f, "{number}"),
        }
    }
}

impl fmt::Debug for LenientTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LenientTimestamp({self})")
    }
}

impl Serialize for LenientTimestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.raw {
            Raw::Text(text) => serializer.serialize_str(text),
            Raw::Number(number) => number.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for LenientTimestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = LenientTimestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp string or epoch milliseconds")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(LenientTimestamp::from_received(text))
            }

            fn visit_i64<E: de::Error>(self, ms: i64) -> Result<Self::Value, E> {
                Ok(LenientTimestamp::from_epoch_millis(ms))
            }

            fn visit_u64<E: de::Error>(self, ms: u64) -> Result<Self::Value, E> {
                let number = serde_json::Number::from(ms);
                Ok(LenientTimestamp {
                    instant: read_number(&number),
                    has_offset: true,
                    raw: Raw::Number(number),
                })
            }

            fn visit_f64<E: de::Error>(self, ms: f64) -> Result<Self::Value, E> {
                let Some(number) = serde_json::Number::from_f64(ms) else {
                    return Err(E::custom("a timestamp number must be finite"));
                };
                Ok(LenientTimestamp {
                    instant: read_number(&number),
                    has_offset: true,
                    raw: Raw::Number(number),
                })
            }
        }

        deserializer.deserialize_any(TimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_every_documented_shape() {
        let cases = [
            ("2026-03-16T20:49:32.000Z", "2026-03-16T20:49:32Z", true),
            (
                "2026-01-12T19:21:59.019243Z",
                "2026-01-12T19:21:59.019243Z",
                true,
            ),
            (
                "2026-01-12T19:22:00.469602400Z",
                "2026-01-12T19:22:00.4696024Z",
                true,
            ),
            ("2024-01-15T10:30:00Z", "2024-01-15T10:30:00Z", true),
            ("2024-01-15T12:30:00+02:00", "2024-01-15T10:30:00Z", true),
            (
                "2026-01-14T10:03:42.197811165",
                "2026-01-14T10:03:42.197811165Z",
                false,
            ),
            (
                "2026-01-13T22:21:48.9745432",
                "2026-01-13T22:21:48.9745432Z",
                false,
            ),
            ("2026-01-13T22:21:48", "2026-01-13T22:21:48Z", false),
        ];
        for (input, expected, has_offset) in cases {
            let at = LenientTimestamp::parse(input).unwrap();
            assert_eq!(at.to_utc(), Some(utc(expected)), "{input}");
            assert_eq!(at.has_offset(), has_offset, "{input}");
            assert_eq!(at.to_string(), input);
        }
    }

    #[test]
    fn epoch_millis_number_round_trips() {
        let at: LenientTimestamp = serde_json::from_str("1768245720542").unwrap();
        assert_eq!(at.to_utc(), Some(utc("2026-01-12T19:22:00.542Z")));
        assert_eq!(serde_json::to_string(&at).unwrap(), "1768245720542");
    }

    #[test]
    fn unreadable_values_are_kept_when_received_and_refused_when_sent() {
        let at: LenientTimestamp = serde_json::from_str("\"next tuesday\"").unwrap();
        assert_eq!(at.to_utc(), None);
        assert_eq!(serde_json::to_string(&at).unwrap(), "\"next tuesday\"");
        let err = LenientTimestamp::parse("next tuesday").unwrap_err();
        assert!(err.to_string().contains("next tuesday"));
        assert!(LenientTimestamp::parse("2026-01-14T10:03:42.1234567891").is_err());
        assert!(serde_json::from_str::<LenientTimestamp>("true").is_err());
    }

    #[test]
    fn large_numbers_round_trip_exactly() {
        // Found by the `timestamp` fuzz target: without correctly rounded
        // float parsing, decode → encode → decode changed the value.
        let decoded: LenientTimestamp =
            serde_json::from_str("1155555555555555555555555555").unwrap();
        assert_eq!(decoded.to_utc(), None);
        let encoded = serde_json::to_string(&decoded).unwrap();
        let again: LenientTimestamp = serde_json::from_str(&encoded).unwrap();
        assert_eq!(again, decoded);
    }

    #[test]
    fn text_round_trips_byte_for_byte() {
        for text in [
            "\"2026-01-14T10:03:42.197811165\"",
            "\"2026-03-16T20:49:32.000Z\"",
        ] {
            let at: LenientTimestamp = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&at).unwrap(), text);
        }
    }
}
