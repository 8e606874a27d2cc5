#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod access;
mod auth;
mod body;
mod catalog;
mod choice;
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
mod outbox;
mod profile;
mod review;
mod routes;
mod server;
mod state;
mod stats;

pub use access::{Access, Either, TokenKind};
pub use choice::UnknownChoice;
pub use clock::{Clock, ClockLimit};
pub use config::{
    ConfigError, DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USER_ID, DEFAULT_ADMIN_USERNAME,
    DEFAULT_LOCKOUT_DURATION, DEFAULT_LOCKOUT_THRESHOLD, DEFAULT_ORGANIZATION_ID,
    DEFAULT_SESSION_LIFETIME, DEFAULT_TENANT_ID, DEFAULT_TENANT_KEY, DEFAULT_TENANT_NAME,
    DEFAULT_TENANT_SECRET, DEFAULT_TOKEN_LIFETIME, ENV_VARS, SandboxConfig, SandboxCredentials,
};
pub use control_token::ControlToken;
pub use faults::{ActiveFault, FaultId, FaultKind, FaultRule, Faults, InvalidFault};
/// Re-exported from finhub-api: the sandbox serves exactly this catalogue.
pub use finhub_api::Operation;
pub use finhub_api::UnknownOperation;
pub use limits::{
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    MAX_BODY_BYTES, MAX_CONNECTIONS_BOUND, MAX_DOCUMENT_BYTES, MAX_LATENCY_MS, MAX_LIFETIME,
    MAX_READ_TIMEOUT,
};
pub use outbox::{ActivationCodes, MessageKind, OutboxMessage};
pub use profile::Profile;
pub use review::{ReviewError, ReviewMode};
/// The secret type of [`SandboxCredentials`] (re-exported from `secrecy`,
/// as finhub-ext does) and the trait that reads one.
pub use secrecy::{ExposeSecret, SecretString};
pub use server::{
    RegisteredCustomer, Sandbox, SandboxBuilder, SandboxError, serve, serve_with_shutdown,
};
pub use stats::{SideEffects, Stats};
