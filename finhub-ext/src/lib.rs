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
//!   logout). [`CustomerClient::snapshot`] and
//!   [`FinhubClient::resume_customer`] carry a session across processes
//!   without the password ([`SessionSnapshot`], [`StoredSession`]).
//! * [`api`]: the generated client and types of `finhub-api`;
//!   [`Operation`] is its catalogue of operations, which errors, token
//!   routes and logs name.
//! * [`builders`] and [`validation`]: request bodies checked against
//!   FinHub's documented rules before anything is sent; a finding is an
//!   error (nothing is sent) or a warning (sent, and logged).
//! * [`alternatives`]: where FinHub's pages disagree on how to call an
//!   operation, the primary form, the documented alternative and when the
//!   client switches (see [below](#documented-alternatives)).
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
//! A typed method checks its input (path ids, body rules: an error stops
//! the call, warnings are logged and the call goes on) and makes one
//! **call**: the token it is routed to, renewed first when due; one round
//! through the request pipeline, which may send several **attempts** (HTTP
//! requests) of an idempotent operation; the outcome classified into the
//! payload or one [`Error`]; after a 401 on an ordinary operation, one
//! renewal of the session and one more round; after the trigger of the
//! operation's [documented alternative](#documented-alternatives), one
//! round in the other form. The pipeline runs around every request, direct
//! calls on [`FinhubClient::raw`] included, in this order:
//!
//! 0. **form**: a request in a path alternative gets the alternative's path
//!    (parameters carried over by name);
//! 1. **path check**: the URL path must match the template of the form
//!    used, segment for segment, or nothing is sent (and no token is
//!    attached);
//! 2. **context headers**: tenant, request source, platform, device, user
//!    agent, `Accept`, the end user's `X-Forwarded-For`;
//! 3. **auth**: `Authorization: Bearer …` with the call's token (a direct
//!    generated call: the cached admin token for admin operations);
//! 4. **admission**: with a gate of the caller's
//!    ([`FinhubClientBuilder::admission`]), each attempt waits for it and it
//!    hears each attempt's status and `Retry-After`; see [`admission`];
//! 5. **send/retry**: with the builder's timeout per request; see [`retry`];
//! 6. **bounded read**: redirects refused, bodies read up to the limit;
//! 7. **envelope normalize**: every 2xx envelope shape FinHub uses becomes
//!    the documented `{code, message, data}`;
//! 8. **log**: one `finhub.call` span per request (operation id, method,
//!    path template, attempt, status, latency), never a body or a secret.
//!
//! # Errors and warnings of validation
//!
//! Every finding of [`validation`] has a [`Severity`](validation::Severity):
//!
//! * an **error** when FinHub rejects the request or the value can never be
//!   right (a bad e-mail address, passwords that differ, an impossible date,
//!   an empty required value): the typed method returns
//!   [`Error::Validation`] and sends nothing; a builder's `build()` fails;
//! * a **warning** when FinHub's own pages disagree about the rule: its rule
//!   and its own request examples (a country's name instead of its alpha-2
//!   code, I-11; a categorization id that differs from the customer
//!   category's), or its prose and its parameter lists (`pincode`,
//!   `customerCategory`, the runner's registration without `person` and
//!   `user`, I-12). The request is sent, and each warning is logged with
//!   `tracing::warn!` (operation, rule code and JSON path; never a value).
//!
//! [`Validate::validate_in`](validation::Validate::validate_in) returns the
//! full report ([`Violations`](validation::Violations), with
//! [`errors()`](validation::Violations::errors),
//! [`warnings()`](validation::Violations::warnings) and
//! [`has_errors()`](validation::Violations::has_errors)); every request
//! example on FinHub's pages validates without an error (the fixtures of
//! `tests/fixtures/docs-requests/` in the repository).
//!
//! # Documented alternatives
//!
//! Where FinHub's pages disagree on how to call an operation, the client
//! sends the primary form; only when the answer proves that nothing was
//! done (the trigger) does it send the documented alternative, once. The
//! form that worked is kept for every later call of the client and its
//! clones, and a `tracing::info!` event names the operation and the form
//! learned. A timeout, a transport failure, a 5xx or a lost or unreadable
//! response never triggers the alternative: the first request may have been
//! carried out. [`FinhubClientBuilder::form`] pins an operation to one form,
//! [`FinhubClientBuilder::form_fallback`]`(false)` switches the fallback off
//! ([`alternatives::ALTERNATIVES`] is the table in code):
//!
//! | operation | primary | alternative | trigger | docs |
//! |---|---|---|---|---|
//! | `create_admin_session` | `POST /api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions` | `POST /api/v2.1/admin/session/login` | 404, 405 | §1.10 / I-34 |
//! | `get_categorization_hierarchy` | `GET /api/v2.1/customer/individual/categorization/hierarchy/{tenantId}` | `GET /api/v2.1/customers/individual/categorization/hierarchy/{tenantId}` | 404, 405 | §2.1 / I-32 |
//! | `register_individual_customer` | `POST /api/v2.1/customer/individual/registration` | `POST /api/v2.1/customers/individual/register` | 404, 405 | §2.2 / I-14 |
//! | `create_customer_session` | no `Authorization` | `Authorization: Bearer` with the admin token | a 400 whose message names a missing `Authorization` header | §2.3 / I-18 |
//! | `submit_customer_verification` | `POST …/{customerId}/verification` | `POST …/{customerId}/verification/initiate` | 404, 405 | §2.6 / I-24 |
//! | `create_verification` | the admin token (\[RUN\] step runner) | the customer's token (\[FLOW\]) | 403; a 401 after one renewal of the admin session | §2.7, §3.1 |
//! | `activate_customer` | `userId`: the user id | `userId`: the customer's e-mail (\[RUN\] example) | 400 or 404 naming `userId` | §2.14 / I-6 |
//!
//! * A path alternative is made by the pipeline: the request URL is rewritten
//!   from the primary template to the alternative's, path parameters carried
//!   over by name, and the path check uses the template actually sent.
//! * The primary token of `create_verification` is the admin's because the
//!   \[RUN\] pages, which FinHub's generation table trusts most for what the
//!   server really does, show the step runner sending it.
//! * The activation's alternative needs the customer's e-mail:
//!   [`ActivationBuilder::email`](builders::ActivationBuilder::email), or,
//!   on [`CustomerClient::activate`], the session's login name when it is an
//!   e-mail address. Without one only the user id is sent.
//! * **Lockout safety at login**: FinHub locks an account after 5 failed
//!   logins. A 401 at a login means wrong credentials and never triggers
//!   anything: a wrong password still sends exactly one login. The login's
//!   alternative is tried only after a 400 naming the `Authorization` header,
//!   which is not a failed login.
//! * When the alternative is refused the same way, the first answer is the
//!   call's error and nothing is learned.
//! * An operation routed with [`FinhubClientBuilder::token_route`] is pinned
//!   to that token.
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
