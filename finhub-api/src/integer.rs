//! [`LenientInteger`]: the type of integer fields that FinHub does not always
//! send as JSON integers (`expiresIn`, see `lenient-integers` in
//! `openapi.overrides.yaml`).
//!
//! Servers behind FinHub's gateway have been seen to send `"3600"` and
//! `3600.0`, and nothing stops one from sending a value beyond `i32`. A
//! strict `i32` would reject the whole response (a whole login) for one such
//! field, so decoding is lenient and keeps what was sent.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// An integer as FinHub sent it, with its value when it could be read.
///
/// * Decoding never fails on a JSON value. An integer, a float without a
///   fractional part (`3600.0`, `1e3`) and a string holding either
///   (`"3600"`, `" 3600 "`) are read; a fraction, a value outside `i64`,
///   other text, `true`, an object… are kept and [`get`](Self::get) returns
///   `None`.
/// * Encoding writes back exactly what was decoded.
#[derive(Clone, PartialEq)]
pub struct LenientInteger {
    raw: Value,
    value: Option<i64>,
}

/// The integer a JSON number stands for, if it is a whole number in `i64`.
fn read_number(number: &serde_json::Number) -> Option<i64> {
    if let Some(value) = number.as_i64() {
        return Some(value);
    }
    if number.is_u64() {
        return None; // beyond i64::MAX
    }
    read_float(number.as_f64()?)
}

fn read_float(value: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or above it is out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (value.is_finite() && value.fract() == 0.0 && (-LIMIT..LIMIT).contains(&value))
        .then_some(value as i64)
}

fn read_text(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(value) = text.parse::<i64>() {
        return Some(value);
    }
    // Only plain decimal notation; `parse::<f64>` alone would also take
    // `inf` and `NaN`, which `read_float` refuses anyway.
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    read_float(text.parse::<f64>().ok()?)
}

impl LenientInteger {
    /// An integer, as sent by this client.
    pub fn new(value: i64) -> Self {
        LenientInteger {
            raw: Value::from(value),
            value: Some(value),
        }
    }

    /// Keeps a received JSON value, readable or not.
    pub fn from_received(raw: Value) -> Self {
        let value = match &raw {
            Value::Number(number) => read_number(number),
            Value::String(text) => read_text(text),
            _ => None,
        };
        LenientInteger { raw, value }
    }

    /// The integer, when the value was one (see the type's docs); `None`
    /// for anything else.
    pub fn get(&self) -> Option<i64> {
        self.value
    }

    /// The value exactly as received.
    pub fn as_received(&self) -> &Value {
        &self.raw
    }
}

impl From<i64> for LenientInteger {
    fn from(value: i64) -> Self {
        LenientInteger::new(value)
    }
}

impl From<i32> for LenientInteger {
    fn from(value: i32) -> Self {
        LenientInteger::new(value.into())
    }
}

impl fmt::Debug for LenientInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LenientInteger({})", self.raw)
    }
}

impl Serialize for LenientInteger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LenientInteger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(LenientInteger::from_received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Option<i64> {
        serde_json::from_str::<LenientInteger>(json).unwrap().get()
    }

    #[test]
    fn integers_integral_floats_and_numeric_strings_are_read() {
        assert_eq!(read("3600"), Some(3600));
        assert_eq!(read("3600.0"), Some(3600));
        assert_eq!(read("3.6e3"), Some(3600));
        assert_eq!(read("\"3600\""), Some(3600));
        assert_eq!(read("\" 3600 \""), Some(3600));
        assert_eq!(read("\"3600.0\""), Some(3600));
        assert_eq!(read("-5"), Some(-5));
        assert_eq!(read("4294967296"), Some(4_294_967_296));
        assert_eq!(read("1e12"), Some(1_000_000_000_000));
    }

    #[test]
    fn nonsense_and_out_of_range_values_decode_as_unknown() {
        for json in [
            "3600.5",
            "\"3600.5\"",
            "\"an hour\"",
            "\"\"",
            "\"inf\"",
            "\"NaN\"",
            "true",
            "{}",
            "[3600]",
            "18446744073709551615",
            "1e300",
            "\"99999999999999999999\"",
        ] {
            assert_eq!(read(json), None, "{json}");
        }
    }

    #[test]
    fn what_was_received_is_encoded_back() {
        for json in ["3600", "3600.0", "\"3600\"", "\"an hour\"", "true"] {
            let value: LenientInteger = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
        }
        assert_eq!(
            serde_json::to_string(&LenientInteger::new(60)).unwrap(),
            "60"
        );
    }
}
