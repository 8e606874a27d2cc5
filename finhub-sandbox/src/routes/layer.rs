//! [`OperationLayer`]: what runs around every operation. It counts the
//! request, completes the reviews that are due on the sandbox clock, marks it with its [`Operation`] (which the authentication
//! extractor looks up in the token table), opens its tracing span
//! (operation id, method, status, latency; never bodies, tokens or
//! secrets), applies the fault rules, and checks the standard headers
//! before the handler runs.
//!
//! A hand-written tower layer rather than `middleware::from_fn`: each route
//! knows its operation, so nothing is looked up per request, and it
//! allocates one future instead of three.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use finhub_api::Operation;
use tower::{Layer, Service, ServiceExt};
use tracing::Instrument;
use tracing::field::Empty;

use crate::envelope::ApiError;
use crate::faults::{Action, DropConnection, InjectedFault};
use crate::headers;
use crate::state::AppState;

/// Wraps the route of one operation.
#[derive(Clone)]
pub(crate) struct OperationLayer {
    state: Arc<AppState>,
    operation: Operation,
}

impl OperationLayer {
    pub fn new(state: Arc<AppState>, operation: Operation) -> Self {
        OperationLayer { state, operation }
    }
}

impl<S> Layer<S> for OperationLayer {
    type Service = OperationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OperationService {
            inner,
            state: self.state.clone(),
            operation: self.operation,
        }
    }
}

/// The service [`OperationLayer`] produces.
#[derive(Clone)]
pub(crate) struct OperationService<S> {
    inner: S,
    state: Arc<AppState>,
    operation: Operation,
}

impl<S> Service<Request> for OperationService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone is not ready; keep the ready one for this call.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        let operation = self.operation;
        Box::pin(async move { Ok(around(state, operation, request, inner).await) })
    }
}

async fn around<S>(
    state: Arc<AppState>,
    operation: Operation,
    mut request: Request,
    inner: S,
) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    state.counters.request(operation);
    // Reviews whose delay has passed complete before anything reads them.
    state.settle_reviews();
    // The authentication extractor reads it to apply the token table.
    request.extensions_mut().insert(operation);
    let span = tracing::info_span!(
        "finhub_sandbox.request",
        operation = operation.id(),
        method = %request.method(),
        status = Empty,
        latency_ms = Empty,
        fault = Empty,
    );
    let started = (!span.is_disabled()).then(Instant::now);
    let response = handle(&state, operation, request, inner)
        .instrument(span.clone())
        .await;
    if let Some(started) = started {
        let status = response.status().as_u16();
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        span.record("status", status);
        span.record("latency_ms", latency_ms);
        tracing::debug!(parent: &span, status, latency_ms, "request handled");
    }
    response
}

async fn handle<S>(state: &AppState, operation: Operation, request: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let decision = state.faults.decide(operation);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let Some(action) = decision.action else {
        return serve(state, request, inner).await;
    };
    tracing::Span::current().record("fault", tracing::field::debug(action));
    let mut response = match action {
        Action::Status {
            status,
            retry_after,
        } => {
            let reason = status.canonical_reason().unwrap_or("Error");
            let mut error = ApiError::new(status, format!("{reason} (sandbox fault)"));
            if let Some(seconds) = retry_after {
                error = error.with_retry_after(seconds);
            }
            error.into_response()
        }
        Action::DropConnection => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        Action::DropAfterProcessing => {
            // The work is done (side effects counted); the answer is lost.
            let mut response = serve(state, request, inner).await;
            response.extensions_mut().insert(DropConnection);
            response
        }
        Action::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"code":200,"message":"Success","data":{"id":"#,
        )
            .into_response(),
        Action::TruncatedBody => {
            let response = serve(state, request, inner).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let cut: Bytes = bytes.slice(..bytes.len() / 2);
            Response::from_parts(parts, Body::from(cut))
        }
        Action::WrongContentType => {
            let mut response = serve(state, request, inner).await;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
    };
    response.extensions_mut().insert(InjectedFault);
    response
}

async fn serve<S>(state: &AppState, request: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    if let Err(error) = headers::check(request.headers(), &state.config.tenant_id) {
        return error.into_response();
    }
    match inner.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
