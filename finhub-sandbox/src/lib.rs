//! A stateful FinHub Business BFF API that runs locally: the whole B2C
//! journey of `openapi.yaml` (admin login → categorization → registration →
//! customer session → verification → documents → approval → consents →
//! readiness → activation → wallets → logout) with its state machine, real
//! HS256 tokens, the documented errors in the `{code, message, data}`
//! envelope, fault injection and request counters.
//!
//! Downstream services test against it without credentials or network, our
//! CLI onboards a customer against it, and our own tests exercise refresh,
//! errors and faults against a real server.
//!
//! ```no_run
//! use finhub_sandbox::{FaultRule, Operation, Sandbox};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?; // 127.0.0.1, ephemeral port
//! let credentials = sandbox.credentials(); // seeded tenant + admin login
//! // Point the client under test at sandbox.base_url() …
//! sandbox
//!     .faults()
//!     .inject(FaultRule::status(503).on(Operation::RegisterIndividualCustomer).times(1))?;
//! // … and check it did not register twice:
//! assert!(sandbox.stats().side_effects.registrations <= 1);
//! # let _ = credentials;
//! # Ok(()) }
//! ```
//!
//! Responses are built from `finhub_api::types`, so they match the spec;
//! request bodies are read into the generated request types.

#![warn(missing_docs)]

mod auth;
mod body;
mod catalog;
#[cfg(feature = "client")]
mod client;
mod clock;
mod config;
mod control_token;
mod envelope;
mod faults;
mod headers;
pub mod iban;
mod ids;
mod limits;
mod operation;
mod routes;
mod server;
mod state;
mod stats;

pub use clock::{Clock, ClockLimit};
pub use config::{
    ConfigError, DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USER_ID, DEFAULT_ADMIN_USERNAME,
    DEFAULT_LOCKOUT_DURATION, DEFAULT_LOCKOUT_THRESHOLD, DEFAULT_ORGANIZATION_ID,
    DEFAULT_SESSION_LIFETIME, DEFAULT_TENANT_ID, DEFAULT_TENANT_KEY, DEFAULT_TENANT_NAME,
    DEFAULT_TENANT_SECRET, DEFAULT_TOKEN_LIFETIME, ENV_VARS, SandboxConfig, SandboxCredentials,
};
pub use control_token::ControlToken;
pub use faults::{ActiveFault, FaultId, FaultKind, FaultRule, Faults, InvalidFault};
pub use limits::{
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    MAX_BODY_BYTES, MAX_CONNECTIONS_BOUND, MAX_DOCUMENT_BYTES, MAX_LATENCY_MS, MAX_LIFETIME,
    MAX_READ_TIMEOUT,
};
pub use operation::{Operation, UnknownOperation};
pub use server::{Sandbox, SandboxBuilder, SandboxError, serve, serve_with_shutdown};
pub use stats::{SideEffects, Stats};
