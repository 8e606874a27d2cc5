//! [`JsonRequest`]: request bodies read into the generated request types, with
//! every failure turned into an enveloped 400, 408, 413 or 415 that names
//! the field, never axum's plain-text rejections.
//!
//! A body is read once, into one buffer, at most
//! [`MAX_BODY_BYTES`](crate::limits::MAX_BODY_BYTES) (the router's
//! `DefaultBodyLimit`) and within the configured body-read timeout.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::envelope::{ApiError, FieldError};
use crate::limits::MAX_BODY_BYTES;
use crate::state::AppState;

/// 413 for a body over [`MAX_BODY_BYTES`]; the connection is closed after
/// it, since the rest of the body is not read.
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request body too large (limit {MAX_BODY_BYTES} bytes)"),
    )
    .closing()
}

/// A request body, read but not yet decoded, so a handler checks
/// authorization before it reports problems with the body.
pub(crate) struct JsonRequest {
    content_type: Option<String>,
    bytes: Bytes,
}

impl FromRequest<Arc<AppState>> for JsonRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let timeout = state.config.body_read_timeout;
        let read = tokio::time::timeout(timeout, Bytes::from_request(req, state)).await;
        let bytes = match read {
            Err(_elapsed) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "Request body not received within {} ms",
                        timeout.as_millis()
                    ),
                )
                .closing());
            }
            Ok(Err(rejection)) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large());
            }
            Ok(Err(_)) => {
                return Err(ApiError::bad_request("Could not read the request body").closing());
            }
            Ok(Ok(bytes)) => bytes,
        };
        Ok(JsonRequest {
            content_type,
            bytes,
        })
    }
}

impl JsonRequest {
    /// Checks content type and presence, then decodes into `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        self.check()?;
        parse(&self.bytes)
    }

    fn check(&self) -> Result<(), ApiError> {
        let content_type = self.content_type.as_deref().unwrap_or("");
        if !is_json(content_type) {
            let shown = if content_type.is_empty() {
                "none".to_string()
            } else {
                format!("'{}'", content_type.chars().take(100).collect::<String>())
            };
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Content-Type must be application/json (got {shown})"),
            ));
        }
        if self.bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request("Request body is required"));
        }
        Ok(())
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Decodes JSON text into `T`; syntax errors and type errors become 400s.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Fast path; the slower path-tracking decoder only runs to explain a failure.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(path_error)?;
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// Decodes an already parsed JSON value into `T`.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::bad_request(format!("Malformed JSON request body: {error}"))
}

fn path_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    if !inner.is_data() {
        return malformed(&inner);
    }
    let text = inner.to_string();
    let text = match text.find(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    let parent = if path == "." { None } else { Some(path) };
    let join = |name: &str| match &parent {
        Some(parent) => format!("{parent}.{name}"),
        None => name.to_string(),
    };
    let field_error = match text
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(name) => FieldError::required(&join(name)),
        None => FieldError::new(parent.clone().unwrap_or_else(|| "body".into()), text),
    };
    ApiError::validation(vec![field_error])
}

#[cfg(test)]
mod tests {
    use super::*;
    use finhub_api::types::AcceptConsentRequest;

    fn errors(error: &ApiError) -> Value {
        error.data.clone().unwrap_or_default()["errors"].clone()
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        let err = parse::<AcceptConsentRequest>(br#"{"accepted":true}"#).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.message, "Request validation failed");
        assert_eq!(errors(&err)[0]["field"], "version");
        assert_eq!(errors(&err)[0]["message"], "version is required");

        let err =
            parse::<AcceptConsentRequest>(br#"{"accepted":"yes","version":"1"}"#).unwrap_err();
        assert_eq!(errors(&err)[0]["field"], "accepted");
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        let err = parse::<AcceptConsentRequest>(br#"{"accepted":tru"#).unwrap_err();
        assert!(
            err.message.starts_with("Malformed JSON request body"),
            "{}",
            err.message
        );
        let err =
            parse::<AcceptConsentRequest>(br#"{"accepted":true,"version":"1"} x"#).unwrap_err();
        assert!(
            err.message.starts_with("Malformed JSON request body"),
            "{}",
            err.message
        );
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json(""));
    }
}
