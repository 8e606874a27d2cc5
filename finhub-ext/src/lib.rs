//! The FinHub client that downstream services hold: configured once, it
//! injects FinHub's headers, manages admin and customer sessions (renewal
//! ahead of expiry, single-flight, one retry after a 401), retries what is
//! safe to retry, validates requests before they leave the process and maps
//! every failure to one typed [`Error`].
//!
//! * [`FinhubClient`]: configuration and the admin-token operations
//!   (categorization, registration, KYC approval, activation), plus
//!   [`FinhubClient::customer_login`].
//! * [`CustomerClient`]: one customer's session and the customer-token
//!   operations (verification, documents, consents, readiness, wallets,
//!   logout).
//! * [`api`]: the generated client and types of `finhub-api`.
//!
//! The request pipeline and its stages are described in [`pipeline`].

pub use finhub_api as api;

pub mod builders;
mod client;
pub mod clock;
pub mod config;
pub mod envelope;
mod error;
pub mod headers;
pub mod operation;
pub mod pipeline;
pub mod retry;
mod session;
pub mod validation;

pub use client::{CustomerClient, CustomerCredentials, FinhubClient};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    AdminCredentials, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_USER_AGENT, FinhubClientBuilder,
    SANDBOX_URL,
};
pub use error::{Error, ErrorDetails};
pub use headers::{EndUser, Platform};
pub use retry::RetryPolicy;
pub use session::{DEFAULT_LIFETIME, MAX_TOKEN_BYTES};
