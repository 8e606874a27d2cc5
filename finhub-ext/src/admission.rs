//! Admission: a gate, supplied by the caller, that every HTTP attempt waits
//! at before it is sent, and that hears how each attempt went.
//!
//! A service that runs many journeys at once against one tenant (a batch)
//! wants every request, not just each journey's first, to hold back while
//! FinHub asks for it (a 429 with `Retry-After`, a storm of 5xx). It passes
//! an [`Admission`] to
//! [`FinhubClientBuilder::admission`](crate::FinhubClientBuilder::admission);
//! the clients built from it (and their clones and customer clients) share
//! it.
//!
//! **When it runs**: stage 4 of the [request pipeline](crate#how-a-call-runs),
//! after the path check, headers and token are in place and before each
//! attempt is sent, retries included: [`Admission::admit`] is awaited, then
//! the attempt goes out, then [`Admission::report`] hears its status and
//! `Retry-After` (or that no response came). A request the pipeline refuses
//! before sending (a path that does not match its template) never reaches
//! the gate. The time spent waiting at the gate does not count against the
//! per-attempt timeout.
//!
//! **What it may touch**: nothing of the request. It sees the operation and
//! the outcome's status and delay only: never a header, a body or a token.
//! A gate that never opens holds the call forever: bound its waits.

use std::fmt;
use std::time::Duration;

use finhub_api::Operation;

use crate::clock::Sleep;

/// The gate every HTTP attempt waits at (see the [module docs](self)).
pub trait Admission: Send + Sync + fmt::Debug + 'static {
    /// Waits until an attempt of `operation` may be sent.
    fn admit(&self, operation: Operation) -> Sleep;

    /// What one attempt of `operation` got, once its response head (or its
    /// failure) is in.
    fn report(&self, operation: Operation, outcome: AttemptOutcome);
}

/// What one attempt got, as [`Admission::report`] hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The response's status; `None` when no response came (the connection
    /// failed or the attempt timed out).
    pub status: Option<u16>,
    /// The response's `Retry-After` as a wait from now (delay-seconds or an
    /// HTTP date), when it has one.
    pub retry_after: Option<Duration>,
}
