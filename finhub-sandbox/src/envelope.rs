//! The documented response envelope `{code, message, data}`: [`ApiError`]
//! for every error the sandbox returns, and [`ok`] for successes.
//!
//! Every error leaves the sandbox through [`ApiError`], so a client always
//! gets the envelope with the HTTP status repeated in `code`, never a bare
//! text body and never a panic.

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// One field-level validation problem (`data.errors[]` of the
/// "Request validation failed" variant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn required(field: &str) -> Self {
        FieldError::new(field, format!("{field} is required"))
    }
}

/// An error response: HTTP status, message and optional details, sent as
/// `{code, message, data?}`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: Cow<'static, str>,
    pub data: Option<Value>,
    pub retry_after: Option<u64>,
    /// Sends `Connection: close`: the rest of the request was not read.
    pub close: bool,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: u16,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            message: message.into(),
            data: None,
            retry_after: None,
            close: false,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Closes the connection after this answer (the request body was not
    /// read to its end).
    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// The documented validation variant:
    /// `{code:400, message:"Request validation failed", data:{errors:[{field, message}]}}`.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError::bad_request("Request validation failed").with_data(json!({ "errors": errors }))
    }

    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    pub fn unprocessable(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.status.as_u16(),
            message: &self.message,
            data: self.data.as_ref(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.close {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// A 200 response with `body` (a generated `BaseResponse*` type) as JSON,
/// serialized into one buffer sized for a typical answer so that it is not
/// regrown on the hot paths.
pub(crate) fn ok<T: Serialize>(body: T) -> Response {
    let mut buffer = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut buffer, &body) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            buffer,
        )
            .into_response(),
        Err(_) => ApiError::internal("Could not encode the response").into_response(),
    }
}

/// The result type of every handler.
pub(crate) type ApiResult = Result<Response, ApiError>;
