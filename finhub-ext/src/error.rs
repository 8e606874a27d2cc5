//! [`Error`]: every way a FinHub call can fail, as one type users match on.
//!
//! Each variant carries the [`Operation`], the HTTP status where there was
//! one, and the server's `code`/`message` from whichever envelope it used.
//! `Display` and `Debug` print those and nothing else: never a body, a
//! header, a token, a password or the tenant secret.
//!
//! [`ErrorDetails`] serializes (serde) with the field names `operation`
//! (the operation id, e.g. `register_individual_customer`), `status`, `code`
//! and `message`, so a service can return it as JSON as it is.

use std::fmt;
use std::time::Duration;

use finhub_api::Operation;
use serde::Serialize;

use crate::retry::is_retryable_status;
use crate::validation::Violations;

/// What the server said about a failed call.
///
/// Serializes as `{"operation": "…", "status": 409, "code": "409",
/// "message": "…"}` (absent values as `null`).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDetails {
    /// The operation, e.g. [`Operation::RegisterIndividualCustomer`]
    /// (serialized as its id, `register_individual_customer`).
    pub operation: Operation,
    /// HTTP status of the response, when there was a response.
    pub status: Option<u16>,
    /// The server's `code` (the envelope's, which FinHub sometimes sets to
    /// an error inside an HTTP 200), as sent.
    pub code: Option<String>,
    /// The server's message, as sent (at most 300 characters kept).
    pub message: Option<String>,
}

impl ErrorDetails {
    pub(crate) fn new(operation: Operation, status: Option<u16>) -> Self {
        ErrorDetails {
            operation,
            status,
            code: None,
            message: None,
        }
    }
}

impl fmt::Display for ErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation.id())?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status}")?;
            if let Some(code) = self.code.as_ref().filter(|c| **c != status.to_string()) {
                write!(f, ", code {code}")?;
            }
            f.write_str(")")?;
        } else if let Some(code) = &self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorDetails")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .finish()
    }
}

/// Every failure of the FinHub client.
///
/// `Clone`, so that one failed session renewal can be handed to every call
/// that was waiting for it (see [`Error::InvalidCredentials`]).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request broke FinHub's documented rules; nothing was sent.
    ///
    /// `operation` is the operation that was not called; `None` when the
    /// violations come from a builder outside a call (`?` on a builder's
    /// `build()` in a function returning this error, through
    /// `From<Violations>`).
    #[error("{}invalid request: {violations}", operation.map_or(String::new(), |op| format!("{op}: ")))]
    Validation {
        /// The operation that was not called, when there was one.
        operation: Option<Operation>,
        /// Every broken rule.
        violations: Violations,
    },
    /// Login refused the username or password (HTTP 401 at login).
    ///
    /// Lockout-safe renewal: FinHub locks an account after 5 failed logins.
    /// A session that got this error stops logging in: every call waiting
    /// for that renewal gets this error, and later calls get it at once
    /// without sending anything, until the credentials are replaced
    /// ([`FinhubClient::set_admin_credentials`](crate::FinhubClient::set_admin_credentials)
    /// for the admin session; a new
    /// [`FinhubClient::customer_login`](crate::FinhubClient::customer_login)
    /// for a customer).
    #[error("invalid credentials: {0}")]
    InvalidCredentials(ErrorDetails),
    /// Login refused the tenant key or secret (HTTP 403 at login). Latched
    /// like [`Error::InvalidCredentials`].
    #[error("invalid tenant keys: {0}")]
    InvalidTenantKeys(ErrorDetails),
    /// The token was refused even after one refresh (HTTP 401), or the
    /// session was refreshed and could not be renewed.
    #[error("unauthorized: {0}")]
    Unauthorized(ErrorDetails),
    /// The token is valid but may not do this (HTTP 403).
    #[error("forbidden: {0}")]
    Forbidden(ErrorDetails),
    /// The server rejected the request as malformed (HTTP 400).
    #[error("bad request: {0}")]
    BadRequest(ErrorDetails),
    /// A customer, user, session or verification does not exist (HTTP 404).
    #[error("not found: {0}")]
    NotFound(ErrorDetails),
    /// The request conflicts with the current state, e.g. a duplicate email
    /// (HTTP 409).
    #[error("conflict: {0}")]
    Conflict(ErrorDetails),
    /// A business rule refused the request, e.g. activation before KYC
    /// approval (HTTP 422).
    #[error("business rule: {0}")]
    BusinessRule(ErrorDetails),
    /// Too many requests (HTTP 429).
    #[error("rate limited: {details}")]
    RateLimited {
        /// What the server said.
        details: ErrorDetails,
        /// How long the server asked to wait, if it said.
        retry_after: Option<Duration>,
    },
    /// The server failed (HTTP 5xx).
    #[error("server error: {0}")]
    Server(ErrorDetails),
    /// Any other unexpected status.
    #[error("unexpected response: {0}")]
    UnexpectedStatus(ErrorDetails),
    /// The server answered with a redirect (HTTP 3xx), which FinHub does not
    /// document: it is never followed. Also returned when an HTTP client
    /// supplied with
    /// [`FinhubClientBuilder::http_client`](crate::FinhubClientBuilder::http_client)
    /// followed one itself; the request (a login body, say) may then already
    /// have reached the redirect target. The target is never printed.
    #[error("redirect refused: {0}")]
    Redirect(ErrorDetails),
    /// The response body is larger than the configured limit
    /// ([`FinhubClientBuilder::max_response_bytes`](crate::FinhubClientBuilder::max_response_bytes));
    /// it was not read beyond the limit.
    #[error("{operation}: response body larger than {limit} bytes (HTTP {}); not read", status.map_or("-".to_string(), |s| s.to_string()))]
    ResponseTooLarge {
        /// The operation.
        operation: Operation,
        /// HTTP status of the response.
        status: Option<u16>,
        /// The limit in bytes.
        limit: usize,
    },
    /// No response in time.
    #[error("{operation}: timed out")]
    Timeout {
        /// The operation.
        operation: Operation,
    },
    /// The connection failed or broke.
    #[error("{operation}: transport error: {message}")]
    Transport {
        /// The operation.
        operation: Operation,
        /// What failed (no headers or bodies).
        message: String,
    },
    /// The response could not be read as FinHub's JSON.
    #[error("{operation}: undecodable response (HTTP {}): {message}", status.map_or("-".to_string(), |s| s.to_string()))]
    Decode {
        /// The operation.
        operation: Operation,
        /// HTTP status of the response.
        status: Option<u16>,
        /// What was wrong (a parser message, never the body).
        message: String,
    },
    /// The client is misconfigured or the call needs something it lacks
    /// (e.g. admin credentials); nothing was sent.
    #[error("configuration: {0}")]
    Config(String),
    /// A customer session resumed from a
    /// [`SessionSnapshot`](crate::SessionSnapshot) could not be renewed, and
    /// it holds no password to log in again with: the customer has to log
    /// in ([`FinhubClient::customer_login`](crate::FinhubClient::customer_login)).
    ///
    /// Latched like [`Error::InvalidCredentials`]: the session sends no
    /// further refresh and every later call returns this error at once.
    #[error("{operation}: the customer must log in again: {reason}")]
    ReloginRequired {
        /// The operation whose token was due (or refused).
        operation: Operation,
        /// Why the session could not be renewed.
        reason: ReloginReason,
    },
}

/// Why a resumed customer session cannot be renewed without a login
/// ([`Error::ReloginRequired`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
#[non_exhaustive]
pub enum ReloginReason {
    /// The server refused the refresh token (HTTP 401): expired, revoked,
    /// or already replaced by a newer one (refresh tokens rotate).
    RefreshRefused,
    /// The server does not offer the refresh call (HTTP 404 or 405;
    /// FinHub documents none, facts §2.4, I-22).
    RefreshNotOffered {
        /// The status it answered.
        status: u16,
    },
    /// The session holds no refresh token or no session id to refresh
    /// with.
    NoRefreshToken,
}

impl fmt::Display for ReloginReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloginReason::RefreshRefused => {
                f.write_str("the refresh token was refused (HTTP 401)")
            }
            ReloginReason::RefreshNotOffered { status } => {
                write!(
                    f,
                    "the server does not offer session refresh (HTTP {status})"
                )
            }
            ReloginReason::NoRefreshToken => {
                f.write_str("the session has no refresh token to renew with")
            }
        }
    }
}

impl Error {
    /// The operation the error belongs to (`None` for configuration errors
    /// and for violations found outside a call).
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Validation { operation, .. } => *operation,
            Error::Timeout { operation }
            | Error::Transport { operation, .. }
            | Error::Decode { operation, .. }
            | Error::ResponseTooLarge { operation, .. }
            | Error::ReloginRequired { operation, .. } => Some(*operation),
            Error::Config(_) => None,
            other => other.details().map(|d| d.operation),
        }
    }

    /// What the server said, for errors that come from a response.
    pub fn details(&self) -> Option<&ErrorDetails> {
        match self {
            Error::InvalidCredentials(d)
            | Error::InvalidTenantKeys(d)
            | Error::Unauthorized(d)
            | Error::Forbidden(d)
            | Error::BadRequest(d)
            | Error::NotFound(d)
            | Error::Conflict(d)
            | Error::BusinessRule(d)
            | Error::Server(d)
            | Error::UnexpectedStatus(d)
            | Error::Redirect(d)
            | Error::RateLimited { details: d, .. } => Some(d),
            _ => None,
        }
    }

    /// The HTTP status, where there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } | Error::ResponseTooLarge { status, .. } => *status,
            other => other.details().and_then(|d| d.status),
        }
    }

    /// Whether trying the same call again later may succeed: timeouts,
    /// transport failures and the HTTP statuses the retry policy retries
    /// (408, 429, 502, 503, 504; see [`crate::retry`]). An error code inside
    /// an HTTP 2xx envelope is not retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            other => other
                .details()
                .and_then(|d| d.status)
                .and_then(|status| reqwest::StatusCode::from_u16(status).ok())
                .is_some_and(is_retryable_status),
        }
    }

    /// The error for an HTTP status (or an envelope code inside a 2xx).
    pub(crate) fn from_status(
        details: ErrorDetails,
        status: u16,
        login: bool,
        retry_after: Option<Duration>,
    ) -> Self {
        match status {
            401 if login => Error::InvalidCredentials(details),
            403 if login => Error::InvalidTenantKeys(details),
            400 => Error::BadRequest(details),
            401 => Error::Unauthorized(details),
            403 => Error::Forbidden(details),
            404 => Error::NotFound(details),
            409 => Error::Conflict(details),
            422 => Error::BusinessRule(details),
            429 => Error::RateLimited {
                details,
                retry_after,
            },
            300..=399 => Error::Redirect(details),
            500..=599 => Error::Server(details),
            _ => Error::UnexpectedStatus(details),
        }
    }
}

impl From<Violations> for Error {
    /// Violations found outside a call, e.g. by a builder: an
    /// [`Error::Validation`] without an operation.
    fn from(violations: Violations) -> Self {
        Error::Validation {
            operation: None,
            violations,
        }
    }
}

/// Shortens a server message to at most 300 characters.
pub(crate) fn clip(message: &str) -> String {
    let mut out: String = message.chars().take(300).collect();
    if out.len() < message.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_retryable` says yes exactly where the retry policy retries an
    /// idempotent operation (408, 429, 502, 503, 504), for every status.
    #[test]
    fn is_retryable_agrees_with_the_retry_policy_on_every_status() {
        for status in 300..=599u16 {
            let details = ErrorDetails::new(Operation::GetVerification, Some(status));
            let err = Error::from_status(details, status, false, None);
            let policy = is_retryable_status(reqwest::StatusCode::from_u16(status).unwrap());
            assert_eq!(err.is_retryable(), policy, "HTTP {status}: {err:?}");
        }
        let timeout =
            Error::UnexpectedStatus(ErrorDetails::new(Operation::GetVerification, Some(408)));
        assert!(timeout.is_retryable());
    }

    /// An error code inside a 2xx envelope is not retried, so it is not
    /// retryable either.
    #[test]
    fn an_error_code_inside_a_2xx_is_not_retryable() {
        let details = ErrorDetails {
            code: Some("503".into()),
            ..ErrorDetails::new(Operation::GetVerification, Some(200))
        };
        assert!(!Error::from_status(details, 503, false, None).is_retryable());
    }
}
