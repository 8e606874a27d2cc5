//! Last-resort answers, so that every error leaves the sandbox as the
//! `{code, message, data?}` envelope and never as a dropped connection:
//!
//! * [`envelope_errors`] turns any error response that is not JSON —
//!   axum's plain-text rejections (a path parameter that is not UTF-8, …)
//!   or anything added later — into the envelope, keeping its status and
//!   its text as the message. Responses shaped by an injected fault are
//!   left as the fault made them.
//! * [`panic_response`] answers a handler that panicked with a 500
//!   envelope (through tower-http's `CatchPanicLayer`) instead of letting
//!   the connection die with it.

use std::any::Any;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::envelope::ApiError;
use crate::faults::{DropConnection, InjectedFault};

/// Longest plain-text rejection kept as the message.
const MAX_MESSAGE_BYTES: usize = 4096;

fn is_json(value: Option<&HeaderValue>) -> bool {
    value
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"))
}

/// Re-wraps a non-JSON error response in the envelope.
pub(crate) async fn envelope_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<InjectedFault>().is_some()
        || response.extensions().get::<DropConnection>().is_some()
        || is_json(response.headers().get(header::CONTENT_TYPE))
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let plain_text = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let text = if plain_text {
        axum::body::to_bytes(body, MAX_MESSAGE_BYTES)
            .await
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
            .filter(|text| !text.is_empty())
    } else {
        None
    };
    let message = text.unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string());
    let mut enveloped = ApiError::new(status, message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            enveloped.headers_mut().append(name, value.clone());
        }
    }
    enveloped
}

/// The 500 envelope for a handler that panicked.
pub(crate) fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    // The panic's own message already went to the panic hook; it is not
    // repeated here (it could quote request data).
    tracing::error!("a sandbox handler panicked; answered 500");
    ApiError::internal("Internal sandbox error: the request could not be handled").into_response()
}
