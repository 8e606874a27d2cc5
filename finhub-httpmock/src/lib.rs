#![doc = include_str!("../README.md")]

pub use httpmock;

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports, rustdoc::all)]
mod generated;

pub use generated::*;

/// What every typed `When` of [`operations`] can match besides its own
/// typed fields: headers (the bearer token, the tenant, the end user's IP),
/// or anything else httpmock matches, without `into_inner()`.
///
/// `cargo xtask regen` implements it for every operation's `When`.
pub trait TypedWhen: Sized {
    /// Wraps an httpmock matcher (the operation's method and path are
    /// matched too).
    fn from_inner(inner: httpmock::When) -> Self;

    /// The httpmock matcher underneath.
    fn into_inner(self) -> httpmock::When;

    /// Matches requests that carry header `name` with exactly `value`.
    fn header(self, name: &str, value: &str) -> Self {
        Self::from_inner(self.into_inner().header(name, value))
    }

    /// Matches requests that carry header `name`, whatever its value.
    fn header_exists(self, name: &str) -> Self {
        Self::from_inner(self.into_inner().header_exists(name))
    }

    /// Matches requests whose `Authorization` is `Bearer <token>`.
    fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Matches requests sent for the tenant `tenant_id` (`X-Tenant-ID`).
    fn tenant(self, tenant_id: &str) -> Self {
        self.header("x-tenant-id", tenant_id)
    }

    /// Any other httpmock matcher, e.g. `|when| when.query_param("a", "b")`.
    fn matching(self, f: impl FnOnce(httpmock::When) -> httpmock::When) -> Self {
        Self::from_inner(f(self.into_inner()))
    }
}
