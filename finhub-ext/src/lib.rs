#![doc = include_str!("../README.md")]

pub use finhub_api as api;
/// The HTTP client crate of this client's public signatures
/// ([`FinhubClientBuilder::http_client`] takes a [`reqwest::Client`]).
pub use reqwest;
/// The secret type every credential and builder takes (`impl
/// Into<SecretString>`: a `&str` or a `String` converts).
pub use secrecy::SecretString;

pub mod admission;
pub mod alternatives;
pub mod builders;
mod call;
mod classify;
mod client;
mod clock;
mod config;
mod envelope;
mod error;
mod headers;
pub mod operation;
mod pipeline;
pub mod retry;
mod session;
mod snapshot;
pub mod validation;

/// Compiles only for a type that wipes its memory when dropped
/// (`zeroize::ZeroizeOnDrop`: `SecretString`, `Sensitive`, `Zeroizing`).
/// The tests of each module that holds a secret call it on every such
/// field, so a field changed to a plain `String` fails the build of the
/// tests.
#[cfg(test)]
pub(crate) fn assert_wipes_on_drop<T: zeroize::ZeroizeOnDrop + ?Sized>(_: &T) {}

/// [`assert_wipes_on_drop`] for an optional secret.
#[cfg(test)]
pub(crate) fn assert_option_wipes_on_drop<T: zeroize::ZeroizeOnDrop>(_: &Option<T>) {}

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use client::{CustomerClient, FinhubClient};
pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use config::{
    AdminCredentials, CustomerCredentials, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_USER_AGENT,
    FinhubClientBuilder, SANDBOX_URL, env,
};
pub use error::{Error, ErrorDetails, ReloginReason};
pub use finhub_api::Operation;
pub use headers::{DEFAULT_END_USER_IP, EndUser, Platform};
pub use operation::TokenKind;
pub use retry::RetryPolicy;
pub use session::{DEFAULT_LIFETIME, MAX_TOKEN_BYTES};
pub use snapshot::{SessionSnapshot, StoredSession};
