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
//! Operations are named by [`Operation`], the catalogue generated from
//! `openapi.yaml` (`finhub_api::Operation`, re-exported here): fault rules,
//! counters ([`Stats::requests`]) and the token table ([`Access::of`]) take
//! it, and its text and JSON form is the operation id
//! (`register_individual_customer`). An id that is not in the catalogue is
//! refused naming it ([`UnknownOperation`]; over HTTP a 400 on the
//! `operation` field). The sandbox serves every operation of the
//! catalogue; one added to `openapi.yaml` does not compile here until it
//! has a handler and an entry in the token table.
//!
//! Responses are built from `finhub_api::types`, so they match the spec;
//! request bodies are read into the generated request types.
//!
//! # Which token each operation takes
//!
//! One table, [`Access::of`], applied to every request before its
//! handler runs. It follows FinHub's pages (`docs/finhub-api.md` §2, §3.1,
//! and the `Authorization` descriptions of `openapi.yaml`):
//!
//! | operation | token ([`Access`]) | why |
//! |---|---|---|
//! | `create_admin_session`, `create_customer_session` | none (login) | tenant key and secret in the body |
//! | `get_categorization_hierarchy` | admin only | every page uses the admin token |
//! | `register_individual_customer` | admin or customer ([`Either::Documented`]) | "admin or customer token" (§2.2) |
//! | `refresh_customer_session`, `delete_customer_session` | customer only | the customer's session (§2.4, §2.5) |
//! | `submit_customer_verification`, `create_verification` | admin or customer ([`Either::Disputed`]) | the customer's in the flow guide, the admin's in the step runner (§2.6, §2.7, I-24) |
//! | `get_verification`, `upload_verification_document`, `check_activation_readiness`, `list_customer_wallets` | admin or customer ([`Either::Documented`]) | "admin or customer session"; any valid token is shown |
//! | `approve_verification` | admin only | "admin privileges" (§2.11) |
//! | `accept_consent` | customer only | the customer's JWT (§2.12, §3.1) |
//! | `activate_customer` | admin or customer ([`Either::Disputed`]) | the admin's per the step runner, the customer's per an older page (§2.14, I-31) |
//!
//! * A valid token of a kind the operation does not take: 403
//!   `Insufficient permissions: <operation> requires …` in the envelope,
//!   with `data: {operation, required, presented}`; nothing is done.
//! * A customer's token must belong to the customer the call is about (the
//!   customer in the path, `customerId` in the body of
//!   `create_verification`, the owner of the verification, the user of the
//!   session): another customer's token gets 403 `The token does not belong
//!   to customer '<id>'` (or `… to this session's user`).
//! * Where FinHub's pages disagree ([`Either::Disputed`]) the sandbox
//!   accepts both kinds rather than refuse what the real server may accept;
//!   so against the sandbox a client's routing of those operations is not
//!   checked.
//! * Missing, malformed, foreign, expired or logged-out tokens: 401.
//!
//! # Who can reach it, and limits
//!
//! The sandbox listens on the developer's machine, so it defends itself
//! against the other programs there and against web pages in their browser:
//!
//! * **Loopback `Host` only.** Every route answers only requests whose
//!   `Host` is `127.0.0.1`, `[::1]` or `localhost` (any port); anything else,
//!   or no `Host`, gets 421 in the envelope before anything is handled or
//!   counted. A page that rebinds its own name to 127.0.0.1 (DNS rebinding)
//!   still sends its own name.
//! * **Control token.** The control endpoints `/__sandbox/…` (faults, clock,
//!   stats; not the health check) require `Authorization: Bearer <token>`
//!   with the sandbox's [`ControlToken`]: 256 random bits per start, read
//!   from [`Sandbox::control_token`] (and printed by `finhub sandbox`), or a
//!   fixed one from [`SandboxConfig::control_token`] for scripts and CI.
//!   Without it, or with another: 401 and no effect. It is compared in
//!   constant time and redacted in `Debug`. The in-process handle
//!   ([`Sandbox::faults`], [`Sandbox::clock`], [`Sandbox::stats`]) needs none.
//! * **Bodies** are read once, up to [`MAX_BODY_BYTES`] (a
//!   [`MAX_DOCUMENT_BYTES`] document in base64 plus the JSON around it): a
//!   larger `Content-Length` gets 413 before any of it is read, a body
//!   without one gets 413 once it passes the limit.
//! * **Slow clients**: a request's head must arrive within
//!   [`SandboxConfig::header_read_timeout`] (default 30 s; idle keep-alive
//!   connections close after it too), its body within
//!   [`SandboxConfig::body_read_timeout`] (default 30 s, else 408), and at
//!   most [`SandboxConfig::max_connections`] connections (default 1024) are
//!   served at once — the next ones wait until one closes.
//! * **Bounds instead of panics**: the clock stops at [`Clock::latest`]
//!   (over HTTP, an advance past it is a 400 naming `seconds`), lifetimes
//!   and lockouts are at most [`MAX_LIFETIME`], latency faults at most
//!   [`MAX_LATENCY_MS`]; out-of-range values are a [`ConfigError`] or
//!   [`InvalidFault`] naming the field and the bound.
//! * **Always the envelope**: every error is `{code, message, data?}` JSON —
//!   axum's own rejections (a path that is not UTF-8, an unknown route, a
//!   wrong method) included — and a handler that panics answers a 500
//!   envelope instead of dropping the connection. (A request hyper cannot
//!   parse at all gets hyper's bare status line.)

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
pub use server::{Sandbox, SandboxBuilder, SandboxError, serve, serve_with_shutdown};
pub use stats::{SideEffects, Stats};
