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
//! # Profiles
//!
//! FinHub's pages disagree on paths, answers and tokens (`docs/finhub-api.md`
//! §4), and this sandbox was written from the same reading as the client.
//! A [`Profile`], chosen at start ([`SandboxBuilder::profile`],
//! [`SandboxConfig::profile`], `FINHUB_SANDBOX_PROFILE`,
//! `finhub sandbox --profile NAME`), makes it answer as one generation of
//! the pages does, so a client and an onboarding journey can be tested
//! against each:
//!
//! * [`Profile::Lenient`] (`lenient`, the default): the paths of
//!   `openapi.yaml`, the fullest answers (the fields of every page), both
//!   token kinds where the pages disagree.
//! * [`Profile::Runner`] (`runner`): what FinHub's step runner captured,
//!   the \[RUN\] pages.
//! * [`Profile::Reference`] (`reference`): the paths of the older reference
//!   and the "latest" pages (\[REF\], \[LATEST\]) where they differ.
//!
//! The generations are those of `docs/finhub-api.md` ("Documentation
//! generations"); § and I- numbers are its headings.
//!
//! | difference | `lenient` | `runner` | `reference` | from |
//! |---|---|---|---|---|
//! | admin login | `POST /api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions` | same | `POST /api/v2.1/admin/session/login` (the administration index); the organization path 404 | §1.10, I-34 |
//! | categorization path | `GET /api/v2.1/customer/individual/categorization/hierarchy/{tenantId}` (\[RUN\], \[REF\]) | same | `GET /api/v2.1/customers/individual/categorization/hierarchy/{tenantId}` (\[LATEST\]); the singular 404 | §2.1, I-32 |
//! | categorization answer | tenant name, compliance level, categories with `categoryId`, `description`, `availableFeatures`, the `features` map (\[REF\], \[FLOW\]) | `{tenantId, categories: {KEY: {databaseId, categoryName}}}` (\[RUN\]) | as `lenient` | §2.1, I-32 |
//! | registration path | `POST /api/v2.1/customer/individual/registration` (\[RUN\], \[REF\], \[OAS\]) | same | `POST /api/v2.1/customers/individual/register` (\[LATEST\]); the singular 404 | §2.2, I-14 |
//! | login answer | `user{…}` and `expiresIn` (\[OAS\]) | `data.userId`, no `user`, no `expiresIn`: the expiry only in the JWT's `exp` and the offset-less `expiresAt` (\[RUN\]) | as `lenient` | §2.3, I-19, I-9 |
//! | refresh | `PUT …/sessions/{sessionId}` (inferred) | not offered: 405 | as `lenient` | §2.4, I-22 |
//! | logout answer | `{code, message, success, data}` | `{success, data}` (\[REF\], the only logout answer documented) | `{success, data}` | §2.5, I-23 |
//! | customer-scoped verification | `POST …/{customerId}/verification` with the submission body (the overview; "Submit" in \[REF\]) | same | `POST …/{customerId}/verification/initiate`, no body (\[REF\] code sample, \[FLOW\]); `…/verification` 404 | §2.6, I-24 |
//! | `create_verification` token | admin or customer | admin only (the runner's) | admin or customer | §2.7, I-24 |
//! | verification answer | the fields of every page | `{verificationId, status: PENDING, verificationType: KYC}` (\[RUN\]) | as `lenient` | §2.7, I-7, I-25 |
//! | document answer | the fields of every page | `{documentId, documentType: DT_…, fileName}` (\[RUN\]) | as `lenient` | §2.9, I-8 |
//! | approval answer | `{verificationId, status, level, approvedBy, approvedAt}` (the approval page) | `{verificationId, status}` (\[RUN\]) | as `lenient` | §2.11, I-28 |
//! | consent answer | `status: ACCEPTED` with ids, types and times (\[REF\], \[FLOW\]) | `data: {status: PENDING}` (\[RUN\]); the consent counts as accepted | as `lenient` | §2.12, I-29 |
//! | readiness answer | the fields of every page | the five fields of the \[RUN\] example | as `lenient` | §2.13, I-30 |
//! | `activate_customer` token | admin or customer | admin only (\[RUN\]) | admin or customer (\[REF\] the customer's, \[LATEST\] the admin's) | §2.14, I-31 |
//! | activation `userId` | the user id, the e-mail or the username | the customer's e-mail (\[RUN\]); anything else 400 naming `userId` | as `lenient` | §1.6, I-6 |
//! | activation answer | wallet, `iban`, `accountNumber`, `activationStatus` (\[REF\], \[LATEST\]) | `data: {}` (\[RUN\]) | as `lenient` | §2.14, I-31 |
//! | wallets before the IBAN (IBAN delay) | listed without `iban` | 404 | listed without `iban` | §2.15, §3.6 |
//!
//! * The refresh token is `<uuid>-<userId>-<first 8 characters of the tenant
//!   key>` in every profile (the captured form, §1.9, I-20).
//! * A path the active profile does not serve answers the 404 envelope
//!   (`No operation at <method> <path>`), or 405 where the path is served
//!   with other methods; it is counted in [`Stats::not_found`], not for any
//!   operation, and does nothing.
//! * Whatever path served it, an operation keeps its [`Operation`] name in
//!   [`Stats::requests`], in fault rules and in the token table.
//! * [`Profile::access`] is the token table a profile applies: the runner
//!   pins `create_verification` and `activate_customer` to the admin token
//!   (its pages send `YOUR_ADMIN_TOKEN`); `submit_customer_verification`,
//!   which no \[RUN\] page shows, keeps both kinds. The reference profile
//!   keeps [`Access::of`]: its own pages disagree on activation (\[REF\] the
//!   customer's, \[LATEST\] the admin's) and name no token for starting a
//!   verification.
//! * finhub-ext's client (and `SandboxCredentials::client_builder` with
//!   the `client` feature) speaks the paths and token routes of
//!   `openapi.yaml`: against the reference profile its admin login,
//!   categorization and registration get 404, and against the runner its
//!   default customer token on `create_verification` gets 403 and its
//!   refresh 405 — which is what these profiles are for.
//! * Where the docs are silent the sandbox chose: the reference admin
//!   login takes the body of the organization path (`username`, `password`,
//!   `tenantKey`, `tenantSecret`; \[OAS\]'s `role`, `organizationType`,
//!   `ipAddress`, … are accepted and not used), since with no organization
//!   or user in the path the body has to identify the admin and the tenant;
//!   the reference profile keeps the lenient answers (they already carry the
//!   \[REF\] fields: `success`, `id`, the approval page's `level`, the wallet
//!   and IBAN of the activation) except logout, and does not play
//!   \[LATEST\]'s bare (envelope-less) answers.
//!
//! # The slow parts: outbox, review, IBAN
//!
//! The real server is slow where a person or a back office acts. The
//! sandbox plays these parts in any profile, on its [`Clock`] (so tests
//! move time instead of waiting), configured on the builder, in
//! [`SandboxConfig`], by `FINHUB_SANDBOX_*` variables or by
//! `finhub sandbox` flags:
//!
//! * **Outbox.** Registration "sends" the activation e-mail with an
//!   activation code (§2.2, §2.14): an [`OutboxMessage`] (`to`, `kind`,
//!   `code`, `customerId`, `sentAt`), read with [`Sandbox::outbox`],
//!   [`Sandbox::outbox_to`] or `GET /__sandbox/outbox?to=EMAIL` (control
//!   token required; `to` compared without letter case). Codes are
//!   `ACTIVATION_CODE_` and 14 random digits. [`ActivationCodes`]
//!   (`FINHUB_SANDBOX_ACTIVATION_CODES`, `--activation-codes`):
//!   `AnyNonEmpty` (the default, as the step runner's made-up codes
//!   suggest, §6) or `Emailed`, where only the e-mailed code activates and
//!   another is a 400 `Request validation failed` naming `code`, with
//!   nothing done.
//! * **Review mode.** [`ReviewMode`] (`FINHUB_SANDBOX_REVIEW`, `--review`):
//!   `Off` (the default), `PowerTenant` (verifications requested at
//!   `POWER_TENANT_VERIFIED` or of a customer in the high-risk category
//!   `HIGH_RISK_INDIVIDUAL`, `fs-cat-b2c-high-001`, §2.1, §2.7) or `All`.
//!   A held approval answers **202** `{code: 202, data: {verificationId,
//!   status: PENDING_REVIEW, level}}` (why 202 and not a 403: the `review`
//!   module docs, against §2.11 and §2.13); the verification shows
//!   `PENDING_REVIEW` (`GET /verifications/{id}`, the readiness check's
//!   `verificationStatus`, `powerTenantApprovalOk: false`), activation
//!   stays 422, and asking again answers the same 202. The review
//!   completes — `APPROVED`, at `POWER_TENANT_VERIFIED` when the power
//!   tenant was needed, `approvedBy: POWER_TENANT`, counted in
//!   [`SideEffects::approvals`] then — through
//!   `POST /__sandbox/verifications/{id}/approve` or
//!   [`Sandbox::approve_review`] (409 / [`ReviewError::NotPending`] when
//!   the verification is not held), or on its own
//!   [`SandboxConfig::review_delay`] after the tenant admin's approval
//!   (`FINHUB_SANDBOX_REVIEW_DELAY_SECS`, `--review-delay`). Without review
//!   mode a high-risk approval is immediate, at `POWER_TENANT_VERIFIED`.
//! * **IBAN delay.** [`SandboxConfig::iban_delay`]
//!   (`FINHUB_SANDBOX_IBAN_DELAY_SECS`, `--iban-delay`; default 0): the
//!   product wallet gets its IBAN that long after activation. Before it the
//!   activation answer has no `iban`, and the wallets answer 404 in the
//!   runner profile (§2.15: ask again until a wallet carries an IBAN) and
//!   list the wallets, `ACTIVE`, without `iban` in the others (§3.6: the
//!   IBAN may appear a little later).
//!
//! # Reading back what a lost answer did
//!
//! A client whose answer was lost (see the fault
//! [`FaultRule::drop_after_processing`]: the work is done, the connection
//! closes without the answer) must find out what happened before it sends
//! the request again. Where FinHub's pages leave room, the sandbox makes
//! that possible:
//!
//! * **Proposed ids.** `create_verification` takes the `verificationId`
//!   the client proposes (a body field the pages list, §2.7) and a document
//!   upload its `docId` (\[LATEST\], §2.9); each must be a UUID (else 400
//!   naming the field) and becomes the id. One already taken is a 409 and
//!   changes nothing. Without them the sandbox makes up the ids.
//! * **The verification read** (`GET /api/v2.1/verifications/{id}`) lists
//!   the verification's `documents`, in the upload answer's form.
//! * The readiness check tells which consents are missing (not in the
//!   runner profile, whose answer has five fields), and wallets are 404
//!   before activation.
//! * Registration has no read (FinHub documents no customer lookup,
//!   §2.16): a registration whose answer was lost can be recognised only
//!   by registering the same e-mail again (409), in the outbox, or by an
//!   operator ([`Sandbox::find_customer`] plays FinHub's admin portal).
//!
//! [`Stats::documents_by_type`] and [`Stats::consents_by_type`] count the
//! documents per type and the consents per type, so a test can show each
//! was stored once.
//!
//! # Which token each operation takes
//!
//! One table, [`Access::of`] (as the default profile has it; a profile may
//! pin disputed entries, [`Profile::access`]), applied to every request
//! before its handler runs. It follows FinHub's pages (`docs/finhub-api.md`
//! §2, §3.1, and the `Authorization` descriptions of `openapi.yaml`):
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
//!   stats, outbox, reviews; not the health check) require `Authorization: Bearer <token>`
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
pub use server::{
    RegisteredCustomer, Sandbox, SandboxBuilder, SandboxError, serve, serve_with_shutdown,
};
pub use stats::{SideEffects, Stats};
