//! Typed [httpmock](https://docs.rs/httpmock) helpers for every FinHub
//! operation, generated from `openapi.yaml` by `cargo xtask regen` (as
//! oxide.rs ships `oxide-httpmock`).
//!
//! A downstream service that calls FinHub mocks one operation with its real
//! request and response types:
//!
//! ```
//! use finhub_api::types::BaseResponseCategorizationHierarchy;
//! use finhub_httpmock::MockServerExt;
//! use httpmock::MockServer;
//!
//! let server = MockServer::start();
//! let mock = server.get_categorization_hierarchy(|when, then| {
//!     when.tenant_id("97e7ff29-15f3-49ef-9681-3bbfcce4f6cd");
//!     then.success(200, &BaseResponseCategorizationHierarchy {
//!         code: Some(200),
//!         message: Some("Success".into()),
//!         data: None,
//!     });
//! });
//! // ... point the FinHub client of the service under test at `server.base_url()` ...
//! # let _ = mock;
//! ```

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports, rustdoc::all)]
mod generated;

pub use generated::*;
