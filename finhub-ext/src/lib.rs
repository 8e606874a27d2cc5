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
//! * [`api`]: the generated client and types of `finhub-api`;
//!   [`Operation`] is its catalogue of operations, which errors, token
//!   routes and logs name.
//! * [`builders`] and [`validation`]: request bodies checked against
//!   FinHub's documented rules before anything is sent.
//! * [`operation`]: which token each operation carries and what it is for
//!   session handling; [`retry`]: what is retried.
//!
//! Everything a public signature needs is at the root, [`reqwest`] and
//! [`SecretString`] included: a service names `finhub_ext::…` only.
//!
//! # From a service
//!
//! ```no_run
//! use finhub_ext::builders::RegistrationBuilder;
//! use finhub_ext::{Error, FinhubClient, FinhubClientBuilder, SecretString};
//!
//! async fn register(
//!     client: &FinhubClient,
//!     email: &str,
//!     password: SecretString,
//! ) -> Result<String, Error> {
//!     // Violations of a builder convert with `?` (an `Error::Validation`
//!     // without an operation); `Violations` and `ErrorDetails` serialize
//!     // as JSON for the service's own error responses.
//!     let request = RegistrationBuilder::new().email(email).password(password).build()?;
//!     let customer = client.register_customer(&request).await?;
//!     Ok(customer.id.unwrap_or_default())
//! }
//!
//! # fn build() -> Result<(), Error> {
//! // Configuration from `FINHUB_*` variables, with the service's own HTTP
//! // client (the builder's timeout still applies to every request).
//! let http = finhub_ext::reqwest::Client::builder()
//!     .redirect(finhub_ext::reqwest::redirect::Policy::none())
//!     .referer(false)
//!     .build()
//!     .expect("an HTTP client");
//! let client = FinhubClientBuilder::from_env()?.http_client(http).build()?;
//! # Ok(()) }
//! ```
//!
//! # How a call runs
//!
//! A typed method checks its input (path ids, body rules) and makes one
//! **call**: the token it is routed to, renewed first when due; one round
//! through the request pipeline, which may send several **attempts** (HTTP
//! requests) of an idempotent operation; the outcome classified into the
//! payload or one [`Error`]; after a 401 on an ordinary operation, one
//! renewal of the session and one more round. The pipeline runs around every
//! request, direct calls on [`FinhubClient::raw`] included, in this order:
//!
//! 1. **path check**: the URL path must match the operation's template
//!    segment for segment, or nothing is sent (and no token is attached);
//! 2. **context headers**: tenant, request source, platform, device, user
//!    agent, `Accept`, the end user's `X-Forwarded-For`;
//! 3. **auth**: `Authorization: Bearer …` with the call's token (a direct
//!    generated call: the cached admin token for admin operations);
//! 4. **send/retry**: with the builder's timeout per request; see [`retry`];
//! 5. **bounded read**: redirects refused, bodies read up to the limit;
//! 6. **envelope normalize**: every 2xx envelope shape FinHub uses becomes
//!    the documented `{code, message, data}`;
//! 7. **log**: one `finhub.call` span per request (operation id, method,
//!    path template, attempt, status, latency), never a body or a secret.
//!
//! # Safety against a hostile or broken server
//!
//! What the client promises, whatever the server (or something in between)
//! answers:
//!
//! * **No redirects.** FinHub documents none. The HTTP client the builder
//!   makes follows no redirect, sends no `Referer`, and for an `https` base
//!   URL accepts only `https`. A 3xx fails the call with [`Error::Redirect`],
//!   naming the operation and the status, never the `Location`; a login body
//!   (password, tenant key and secret) is never re-sent elsewhere. With a
//!   caller-supplied client
//!   ([`FinhubClientBuilder::http_client`], whose docs say how to build it),
//!   a 3xx is refused the same way, and a redirect the client followed
//!   itself (the response URL differs from the request's) also fails with
//!   [`Error::Redirect`]; the request may then already have been sent.
//! * **Bounded reads.** No response body, success or error, is read beyond
//!   [`FinhubClientBuilder::max_response_bytes`] (default
//!   [`DEFAULT_MAX_RESPONSE_BYTES`], 4 MiB): a larger `Content-Length` is
//!   refused before reading, a body without one is read up to the limit;
//!   either way [`Error::ResponseTooLarge`].
//! * **Capped tokens.** An access or refresh token longer than
//!   [`MAX_TOKEN_BYTES`] (16 KiB), or with characters a header cannot carry,
//!   fails the login with [`Error::Decode`] and is never sent.
//! * **Lockout-safe renewal.** FinHub locks an account after 5 failed logins.
//!   Callers waiting on one session renewal share its outcome, failure
//!   included, so a wrong password costs one failed login, not one per
//!   caller. After [`Error::InvalidCredentials`] or
//!   [`Error::InvalidTenantKeys`] the session sends no further login and
//!   returns that error at once, until the credentials are replaced
//!   ([`FinhubClient::set_admin_credentials`]; a customer logs in again with
//!   [`FinhubClient::customer_login`]). Transient failures are not latched.
//! * **Dot-segment refusal.** A path id that is empty, `.` or `..` would
//!   make the URL resolve to another endpoint, which would receive the
//!   bearer token. Every typed method refuses it before sending
//!   ([`Error::Validation`] at `path.<name>`, rules
//!   [`path.empty`](validation::codes::PATH_EMPTY) and
//!   [`path.dot_segment`](validation::codes::PATH_DOT_SEGMENT)), and the
//!   pipeline refuses any request whose path does not match its operation's
//!   template segment for segment, calls on [`FinhubClient::raw`] included
//!   ([`path.template_mismatch`](validation::codes::PATH_TEMPLATE_MISMATCH)).
//! * **No proxy on loopback.** For a loopback base URL (a local sandbox) the
//!   HTTP client the builder makes uses no proxy, whatever `HTTP_PROXY` or
//!   `ALL_PROXY` say.
//! * **No credentials in a base URL.** A base URL with `user:password@` is
//!   refused, and no error or `Debug` output prints it.
//! * **Secrets in memory.** Passwords, tenant key and secret and tokens are
//!   held in types that are wiped on drop (`secrecy`, `zeroize`) and whose
//!   `Debug` is redacted; so is the `Bearer …` text the header is built
//!   from. Not wiped: copies this crate does not own — the header value and
//!   the JSON request body inside `reqwest` (the generated client serializes
//!   bodies itself), and response bodies while `reqwest` and `serde` read
//!   them.

pub use finhub_api as api;
/// The HTTP client crate of this client's public signatures
/// ([`FinhubClientBuilder::http_client`] takes a [`reqwest::Client`]).
pub use reqwest;
/// The secret type every credential and builder takes (`impl
/// Into<SecretString>`: a `&str` or a `String` converts).
pub use secrecy::SecretString;

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
pub mod validation;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use client::{CustomerClient, FinhubClient};
pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use config::{
    AdminCredentials, CustomerCredentials, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_USER_AGENT,
    FinhubClientBuilder, SANDBOX_URL, env,
};
pub use error::{Error, ErrorDetails};
pub use finhub_api::Operation;
pub use headers::{DEFAULT_END_USER_IP, EndUser, Platform};
pub use operation::TokenKind;
pub use retry::RetryPolicy;
pub use session::{DEFAULT_LIFETIME, MAX_TOKEN_BYTES};
