//! The end of one round of a call: what the generated client returned and
//! what the pipeline recorded become the payload or one [`Error`].
//!
//! * A refusal by the pipeline (redirect, oversized body, path mismatch)
//!   wins over whatever the generated client made of the refused response.
//! * A 2xx envelope whose `code` is 400–599 is that error, with the HTTP
//!   status kept in [`ErrorDetails::status`] and the code in
//!   [`ErrorDetails::code`].
//! * An error status maps by [`Error::from_status`]; at a login 401 and 403
//!   mean wrong credentials and wrong tenant keys.
//! * Parser and transport messages never carry a body, a URL or a header.

use std::time::Duration;

use chrono::{DateTime, Utc};
use finhub_api::types;
use finhub_api::{Operation, ResponseValue};

use crate::envelope::{Envelope, error_code_and_message};
use crate::error::{Error, ErrorDetails, clip};
use crate::operation::{Handling, SessionRole};
use crate::pipeline::CallRecord;
use crate::retry::retry_after;

/// What a generated method returns for an error.
pub(crate) type ApiError = finhub_api::Error<types::ErrorEnvelope>;

/// The payload of a finished round, or its error. `now` reads
/// `Retry-After` dates.
pub(crate) fn classify<E: Envelope>(
    handling: Handling,
    result: Result<ResponseValue<E>, ApiError>,
    record: &CallRecord,
    now: DateTime<Utc>,
) -> Result<E::Data, Error> {
    let operation = handling.operation;
    if let Some(refusal) = record.refused {
        return Err(refusal.into_error(operation, record.status));
    }
    let login = handling.role == SessionRole::Login;
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let envelope = response.into_inner();
            match envelope.code() {
                Some(code @ 400..=599) => Err(Error::from_status(
                    ErrorDetails {
                        code: Some(code.to_string()),
                        message: envelope.message().map(clip),
                        ..ErrorDetails::new(operation, Some(status))
                    },
                    code as u16,
                    login,
                    None,
                )),
                _ => Ok(envelope.into_data()),
            }
        }
        Err(error) => Err(map_error(operation, login, error, record, now)),
    }
}

fn map_error(
    operation: Operation,
    login: bool,
    error: ApiError,
    record: &CallRecord,
    now: DateTime<Utc>,
) -> Error {
    use finhub_api::Error as E;
    let from_status = |details: ErrorDetails, status: u16, wait: Option<Duration>| {
        Error::from_status(details, status, login, wait)
    };
    match error {
        E::ErrorResponse(response) => {
            let status = response.status().as_u16();
            let wait = retry_after(response.headers(), now);
            let (code, message) = error_code_and_message(&response);
            let details = ErrorDetails {
                code,
                message: message.as_deref().map(clip),
                ..ErrorDetails::new(operation, Some(status))
            };
            from_status(details, status, wait)
        }
        E::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let wait = retry_after(response.headers(), now);
            from_status(ErrorDetails::new(operation, Some(status)), status, wait)
        }
        E::InvalidResponsePayload(_, parse) => match record.status {
            // An error status whose body is not FinHub's JSON (a proxy's
            // HTML page, say): the status decides.
            Some(status) if status >= 400 => from_status(
                ErrorDetails::new(operation, Some(status)),
                status,
                record.retry_after,
            ),
            status => Error::Decode {
                operation,
                status,
                message: describe_parse_error(&parse),
            },
        },
        E::CommunicationError(e) | E::ResponseBodyError(e) => {
            if e.is_timeout() {
                Error::Timeout { operation }
            } else {
                Error::Transport {
                    operation,
                    message: describe_transport_error(&e),
                }
            }
        }
        E::InvalidRequest(message) | E::Custom(message) => {
            Error::Config(format!("{operation}: {message}"))
        }
        other => Error::Decode {
            operation,
            status: other.status().map(|s| s.as_u16()),
            message: "unexpected response".into(),
        },
    }
}

/// A JSON error without the offending value (which could be anything the
/// server sent).
fn describe_parse_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match error.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "invalid JSON",
        Category::Data => "JSON of an unexpected shape",
        Category::Eof => "truncated JSON",
    };
    format!("{kind} at line {} column {}", error.line(), error.column())
}

/// A transport error without URL (which may carry ids) and without headers.
fn describe_transport_error(error: &reqwest::Error) -> String {
    let mut message = if error.is_connect() {
        "connection failed".to_string()
    } else if error.is_body() || error.is_decode() {
        "the response body could not be read".to_string()
    } else if error.is_request() {
        "the request could not be sent".to_string()
    } else {
        "transport failure".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    message
}
