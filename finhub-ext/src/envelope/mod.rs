//! FinHub's response envelopes.
//!
//! The documented envelope is `{code, message, data}`, but the server also
//! answers `{success, data}`, `{code, message}` without data, and payloads
//! with no envelope at all (facts I-1). [`normalize_success_body`] maps every
//! shape onto the documented one before the generated decoder sees it, and
//! [`Envelope`] reads the code, message and payload of a decoded envelope.

use std::collections::HashMap;

use finhub_api::types;
use serde::de::IgnoredAny;
use serde_json::Value;

/// Top-level keys that only an envelope carries (never a payload alone).
const ENVELOPE_KEYS: [&str; 7] = [
    "code",
    "message",
    "success",
    "timestamp",
    "redirectUrl",
    "error",
    "errorType",
];

/// Rewrites a 2xx body into the documented envelope when it is a bare
/// payload: `{..payload..}` or `[..]` becomes `{"data": ...}`. Returns
/// `None` when the body already is an envelope (or is not JSON, which the
/// decoder then reports).
pub fn normalize_success_body(body: &[u8]) -> Option<Vec<u8>> {
    // Only the top level matters: its first byte, and an object's key names.
    // Values are skipped without being built, so the common case (already an
    // envelope) costs one scan of the body and no allocation per value.
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let is_envelope = match body[start] {
        b'{' => {
            let keys: HashMap<String, IgnoredAny> = serde_json::from_slice(body).ok()?;
            keys.contains_key("data")
                || (!keys.is_empty() && keys.keys().all(|k| ENVELOPE_KEYS.contains(&k.as_str())))
        }
        b'[' => {
            serde_json::from_slice::<IgnoredAny>(body).ok()?;
            false
        }
        _ => true,
    };
    if is_envelope {
        return None;
    }
    let mut wrapped = Vec::with_capacity(body.len() + 9);
    wrapped.extend_from_slice(b"{\"data\":");
    wrapped.extend_from_slice(body);
    wrapped.push(b'}');
    Some(wrapped)
}

/// A decoded success envelope.
pub trait Envelope {
    /// The payload type.
    type Data;
    /// The envelope's `code`, which may report an error inside an HTTP 2xx.
    fn code(&self) -> Option<i32>;
    /// The envelope's message.
    fn message(&self) -> Option<&str>;
    /// The payload (an empty one when the server sent none).
    fn into_data(self) -> Self::Data;
}

macro_rules! envelope {
    ($($envelope:ident => $data:ty),* $(,)?) => {$(
        impl Envelope for types::$envelope {
            type Data = $data;
            fn code(&self) -> Option<i32> {
                self.code
            }
            fn message(&self) -> Option<&str> {
                self.message.as_deref()
            }
            fn into_data(self) -> $data {
                self.data.unwrap_or_default()
            }
        }
    )*};
}

envelope! {
    BaseResponseSessionResponse => types::SessionResponse,
    BaseResponseSessionTermination => types::SessionTermination,
    BaseResponseCategorizationHierarchy => types::CategorizationHierarchy,
    BaseResponseCustomerRegistrationResponse => types::CustomerRegistrationResponse,
    BaseResponseVerification => types::Verification,
    BaseResponseVerificationDocument => types::VerificationDocument,
    BaseResponseVerificationApproval => types::VerificationApproval,
    BaseResponseConsent => types::Consent,
    BaseResponseActivationReadiness => types::ActivationReadiness,
    BaseResponseActivation => types::ActivationResult,
}

impl Envelope for types::BaseResponseWalletList {
    type Data = Vec<types::Wallet>;
    fn code(&self) -> Option<i32> {
        self.code
    }
    fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    fn into_data(self) -> Vec<types::Wallet> {
        self.data
    }
}

/// The server's code and message from an error envelope in any of its
/// shapes: `message`, else `data.message`, else `error` (string or
/// `error.message`), else `data.error`.
pub fn error_code_and_message(envelope: &types::ErrorEnvelope) -> (Option<String>, Option<String>) {
    let code = envelope.code.as_ref().and_then(|c| match c {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Object(o)) => o.get("message").and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    let message = envelope
        .message
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| text(envelope.data.as_ref().and_then(|d| d.get("message"))))
        .or_else(|| text(envelope.error.as_ref()))
        .or_else(|| text(envelope.data.as_ref().and_then(|d| d.get("error"))));
    (code, message)
}

/// The field names an error body names in its field data (facts §1.4):
/// `data.field`, `data.errors[].field`, `data.missingKeys[]` and the keys of
/// `data.invalidValues`, as sent. Used to tell what a 400 refused.
pub fn error_fields(envelope: &types::ErrorEnvelope) -> Vec<String> {
    let Some(Value::Object(data)) = envelope.data.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut text = |v: &Value| {
        if let Value::String(s) = v {
            out.push(s.clone());
        }
    };
    if let Some(field) = data.get("field") {
        text(field);
    }
    if let Some(Value::Array(errors)) = data.get("errors") {
        for error in errors {
            if let Some(field) = error.get("field") {
                text(field);
            }
        }
    }
    if let Some(Value::Array(keys)) = data.get("missingKeys") {
        keys.iter().for_each(&mut text);
    }
    if let Some(Value::Object(invalid)) = data.get("invalidValues") {
        out.extend(invalid.keys().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fields_are_read_from_every_documented_place() {
        let read = |v: Value| error_fields(&serde_json::from_value(v).unwrap());
        assert_eq!(
            read(serde_json::json!({"data": {"errors": [{"field": "userId", "message": "x"}]}})),
            ["userId"]
        );
        assert_eq!(
            read(
                serde_json::json!({"data": {"field": "userId", "missingKeys": ["riskLevel"], "invalidValues": {"monitoring": "no"}}})
            ),
            ["userId", "riskLevel", "monitoring"]
        );
        assert!(read(serde_json::json!({"message": "userId unknown"})).is_empty());
    }

    fn wrapped(body: &str) -> Option<Value> {
        normalize_success_body(body.as_bytes()).map(|b| serde_json::from_slice(&b).unwrap())
    }

    #[test]
    fn envelopes_are_left_alone_and_bare_payloads_are_wrapped() {
        assert_eq!(
            wrapped(r#"{"code":200,"message":"Success","data":{"a":1}}"#),
            None
        );
        assert_eq!(wrapped(r#"{"success":true,"data":{"a":1}}"#), None);
        assert_eq!(wrapped(r#"{"code":200,"message":"Success"}"#), None);
        assert_eq!(wrapped("not json"), None);
        assert_eq!(
            wrapped(r#"{"tenantId":"t","categories":{}}"#),
            Some(serde_json::json!({"data": {"tenantId": "t", "categories": {}}}))
        );
        assert_eq!(
            wrapped(r#"{"success":true,"token":"t","sessionId":"s"}"#),
            Some(serde_json::json!({"data": {"success": true, "token": "t", "sessionId": "s"}}))
        );
        assert_eq!(
            wrapped(r#"[{"id":"w"}]"#),
            Some(serde_json::json!({"data": [{"id": "w"}]}))
        );
        assert_eq!(
            wrapped(r#"{"status":"PENDING"}"#),
            Some(serde_json::json!({"data": {"status": "PENDING"}}))
        );
    }

    #[test]
    fn error_messages_come_from_any_shape() {
        let read = |v: Value| error_code_and_message(&serde_json::from_value(v).unwrap());
        assert_eq!(
            read(serde_json::json!({"code": 409, "message": "Customer exists"})),
            (Some("409".into()), Some("Customer exists".into()))
        );
        assert_eq!(
            read(serde_json::json!({"success": false, "data": {"message": "Account locked"}})),
            (None, Some("Account locked".into()))
        );
        assert_eq!(
            read(serde_json::json!({"code": "INVALID_REQUEST", "error": {"message": "bad"}})),
            (Some("INVALID_REQUEST".into()), Some("bad".into()))
        );
        assert_eq!(
            read(serde_json::json!({"data": {"error": "Prepared order not found"}})),
            (None, Some("Prepared order not found".into()))
        );
    }
}

#[cfg(test)]
mod properties;
