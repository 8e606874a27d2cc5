//! The seam between the generated client and the hand-written runtime.
//!
//! progenitor calls `ClientHooks` on the generated [`Client`](crate::Client)
//! around every request. Rust's orphan rule requires that impl to live in this
//! crate, so it only delegates to a [`Decorator`] that the runtime layer
//! (finhub-ext) implements: headers and authorization in
//! [`Decorator::prepare`], sending (retries, session refresh, logging) in
//! [`Decorator::send`].
//!
//! The decorator is told which [`Operation`] a request belongs to. A
//! generated method whose operation id is not in the catalogue (which
//! `cargo xtask regen` rules out) fails with `Error::Custom` before anything
//! is sent.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

use crate::Operation;

/// A boxed, sendable future, as returned by [`Decorator::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the runtime layer does around each generated request.
///
/// `operation` is the [`Operation`] the generated method calls.
pub trait Decorator: Send + Sync + fmt::Debug + 'static {
    /// Runs before the request is sent: adds headers, authorization.
    /// An error aborts the call before anything is sent; the generated method
    /// returns it as `Error::Custom`.
    fn prepare(&self, request: &mut reqwest::Request, operation: Operation) -> Result<(), String>;

    /// Sends the request and returns the response. The default sends it once.
    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        let _ = operation;
        Box::pin(client.execute(request))
    }
}

/// The catalogue entry of a generated method's operation id.
fn operation_of(info: &OperationInfo) -> Result<Operation, String> {
    Operation::from_id(info.operation_id).ok_or_else(|| {
        format!(
            "`{}` is not in the operation catalogue; nothing was sent",
            info.operation_id
        )
    })
}

/// State carried by the generated client: the optional decorator.
#[derive(Clone, Default)]
pub struct Inner {
    decorator: Option<Arc<dyn Decorator>>,
}

impl Inner {
    /// A client whose requests go through `decorator`.
    pub fn new(decorator: Arc<dyn Decorator>) -> Self {
        Inner {
            decorator: Some(decorator),
        }
    }

    /// A client that sends requests exactly as generated.
    pub fn undecorated() -> Self {
        Inner::default()
    }
}

impl fmt::Debug for Inner {
    // The decorator holds credentials; only say whether there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("decorated", &self.decorator.is_some())
            .finish()
    }
}

impl ClientHooks<Inner> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        if let Some(decorator) = &self.inner().decorator {
            let operation = operation_of(info).map_err(Error::Custom)?;
            decorator
                .prepare(request, operation)
                .map_err(Error::Custom)?;
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // `pre` already refused an operation id outside the catalogue, so a
        // decorated request always has its operation here.
        match (&self.inner().decorator, operation_of(info)) {
            (Some(decorator), Ok(operation)) => {
                decorator.send(self.client(), request, operation).await
            }
            _ => self.client().execute(request).await,
        }
    }
}
