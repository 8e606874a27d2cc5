//! The HTTP surface: one route per operation of `openapi.yaml`, the control
//! endpoints under `/__sandbox`, and the per-request layer that counts,
//! traces, injects faults and checks the standard headers.

mod activation;
mod consents;
mod control;
mod customers;
mod sessions;
mod verifications;
mod wallets;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tracing::Instrument;
use tracing::field::Empty;

use crate::body::BODY_LIMIT;
use crate::envelope::ApiError;
use crate::faults::Action;
use crate::headers;
use crate::operation::Operation;
use crate::server::DropConnection;
use crate::state::AppState;

/// The sandbox's router.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    use Operation as Op;
    let api = Router::new()
        .route(
            Op::CreateAdminSession.path(),
            post(sessions::create_admin_session),
        )
        .route(
            Op::GetCategorizationHierarchy.path(),
            get(customers::get_categorization_hierarchy),
        )
        .route(
            Op::RegisterIndividualCustomer.path(),
            post(customers::register_individual_customer),
        )
        .route(
            Op::CreateCustomerSession.path(),
            post(sessions::create_customer_session),
        )
        .route(
            Op::RefreshCustomerSession.path(),
            put(sessions::refresh_customer_session).delete(sessions::delete_customer_session),
        )
        .route(
            Op::SubmitCustomerVerification.path(),
            post(verifications::submit_customer_verification),
        )
        .route(
            Op::CreateVerification.path(),
            post(verifications::create_verification),
        )
        .route(
            Op::GetVerification.path(),
            get(verifications::get_verification),
        )
        .route(
            Op::UploadVerificationDocument.path(),
            post(verifications::upload_verification_document),
        )
        .route(
            Op::ApproveVerification.path(),
            post(verifications::approve_verification),
        )
        .route(Op::AcceptConsent.path(), post(consents::accept_consent))
        .route(
            Op::CheckActivationReadiness.path(),
            get(activation::check_activation_readiness),
        )
        .route(
            Op::ActivateCustomer.path(),
            post(activation::activate_customer),
        )
        .route(
            Op::ListCustomerWallets.path(),
            get(wallets::list_customer_wallets),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            operation_layer,
        ));
    api.merge(control::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("No operation at {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method {method} is not allowed on {}", uri.path()),
    )
}

/// Runs around every operation: counts it, opens its tracing span (operation
/// id, status, latency; never bodies, tokens or secrets), applies the fault
/// rules, then checks the standard headers before the handler runs.
async fn operation_layer(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|path| Operation::from_route(request.method(), path.as_str()));
    let Some(operation) = operation else {
        return next.run(request).await;
    };
    state.counters.request(operation);
    let span = tracing::info_span!(
        "finhub_sandbox.request",
        operation = operation.id(),
        method = %request.method(),
        status = Empty,
        latency_ms = Empty,
        fault = Empty,
    );
    let started = Instant::now();
    let response = handle(&state, operation, request, next)
        .instrument(span.clone())
        .await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    tracing::debug!(parent: &span, status, latency_ms, "request handled");
    response
}

async fn handle(state: &AppState, operation: Operation, request: Request, next: Next) -> Response {
    let decision = state.faults.decide(operation);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let Some(action) = decision.action else {
        return serve(state, request, next).await;
    };
    tracing::Span::current().record("fault", tracing::field::debug(action));
    match action {
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
        Action::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"code":200,"message":"Success","data":{"id":"#,
        )
            .into_response(),
        Action::TruncatedBody => {
            let response = serve(state, request, next).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let cut: Bytes = bytes.slice(..bytes.len() / 2);
            Response::from_parts(parts, Body::from(cut))
        }
        Action::WrongContentType => {
            let mut response = serve(state, request, next).await;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
    }
}

async fn serve(state: &AppState, request: Request, next: Next) -> Response {
    if let Err(error) = headers::check(request.headers(), &state.config.tenant_id) {
        return error.into_response();
    }
    next.run(request).await
}
