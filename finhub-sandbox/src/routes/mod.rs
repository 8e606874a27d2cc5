//! The HTTP surface: one route per operation of `openapi.yaml`, the control
//! endpoints under `/__sandbox`, the per-request layer that counts, traces,
//! injects faults and checks the standard headers ([`layer`]), the
//! extractor that says who is calling ([`caller`]), and around all of them
//! the front door ([`guard`]) and the last-resort envelopes
//! ([`last_resort`]).

mod activation;
mod caller;
mod consents;
mod control;
mod customers;
mod guard;
mod last_resort;
mod layer;
mod sessions;
mod verifications;
mod wallets;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::routing::{MethodFilter, MethodRouter, on};
use finhub_api::Operation;
use tower_http::catch_panic::CatchPanicLayer;

use crate::envelope::ApiError;
use crate::limits::MAX_BODY_BYTES;
use crate::state::AppState;
use layer::OperationLayer;

/// The sandbox's router: every operation of [`Operation::ALL`] that the
/// active profile serves, at the profile's path and the operation's
/// method, wrapped in its [`OperationLayer`] (so it is counted, faulted and
/// authorized as that operation whatever the path), then the control
/// endpoints.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let profile = state.config.profile;
    let api = Operation::ALL
        .into_iter()
        .filter_map(|operation| Some((operation, profile.path(operation)?)))
        .fold(Router::new(), |api, (operation, path)| {
            let layer = OperationLayer::new(state.clone(), operation);
            // Operations sharing a path (refresh and logout) are merged.
            api.route(path, handler(operation, path).route_layer(layer))
        });
    let routes = api.merge(control::router(state.clone()));
    around(routes, state)
}

/// The handler of each operation, on the operation's method; `path` is
/// where the profile serves it, for the operations whose other spelling
/// takes other parameters. A `match` without a catch-all: an operation
/// added to `openapi.yaml` does not compile until it has a handler here.
fn handler(operation: Operation, path: &str) -> MethodRouter<Arc<AppState>> {
    use Operation as Op;
    let method = MethodFilter::try_from(operation.method())
        .expect("openapi.yaml only has methods that axum routes");
    let own_path = path == operation.path();
    match operation {
        // I-34: the administration index's login names no organization or user.
        Op::CreateAdminSession if !own_path => on(method, sessions::create_admin_session_login),
        Op::CreateAdminSession => on(method, sessions::create_admin_session),
        // I-24: `…/verification/initiate` has no body.
        Op::SubmitCustomerVerification if !own_path => {
            on(method, verifications::initiate_customer_verification)
        }
        Op::GetCategorizationHierarchy => on(method, customers::get_categorization_hierarchy),
        Op::RegisterIndividualCustomer => on(method, customers::register_individual_customer),
        Op::CreateCustomerSession => on(method, sessions::create_customer_session),
        Op::RefreshCustomerSession => on(method, sessions::refresh_customer_session),
        Op::DeleteCustomerSession => on(method, sessions::delete_customer_session),
        Op::SubmitCustomerVerification => on(method, verifications::submit_customer_verification),
        Op::CreateVerification => on(method, verifications::create_verification),
        Op::GetVerification => on(method, verifications::get_verification),
        Op::UploadVerificationDocument => on(method, verifications::upload_verification_document),
        Op::ApproveVerification => on(method, verifications::approve_verification),
        Op::AcceptConsent => on(method, consents::accept_consent),
        Op::CheckActivationReadiness => on(method, activation::check_activation_readiness),
        Op::ActivateCustomer => on(method, activation::activate_customer),
        Op::ListCustomerWallets => on(method, wallets::list_customer_wallets),
    }
}

/// What surrounds every route, innermost first: the 404 and 405 fallbacks,
/// the body limit, the front door, the envelope for any non-JSON error, and
/// the 500 envelope for a panic.
fn around(routes: Router<Arc<AppState>>, state: Arc<AppState>) -> Router {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(guard::admit))
        .layer(middleware::map_response(last_resort::envelope_errors))
        .layer(CatchPanicLayer::custom(last_resort::panic_response))
        .with_state(state)
}

/// No route: a path the active profile does not serve (counted in
/// `Stats::not_found`).
async fn not_found(State(state): State<Arc<AppState>>, method: Method, uri: Uri) -> ApiError {
    state.counters.not_found();
    ApiError::not_found(format!("No operation at {method} {}", uri.path()))
}

/// A route without that method: one the active profile does not serve there
/// (counted in `Stats::not_found`).
async fn method_not_allowed(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
) -> ApiError {
    state.counters.not_found();
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method {method} is not allowed on {}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::header;
    use axum::routing::get;
    use tower::ServiceExt;

    use crate::clock::Clock;
    use crate::config::SandboxConfig;
    use crate::control_token::ControlToken;

    fn state() -> Arc<AppState> {
        Arc::new(AppState::new(
            SandboxConfig::default(),
            Clock::system(),
            &[7; 32],
            ControlToken::random(),
        ))
    }

    async fn call(router: Router, path: &str) -> (StatusCode, Option<String>, serde_json::Value) {
        let request = Request::get(path)
            .header(header::HOST, "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            content_type,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        )
    }

    async fn boom() -> StatusCode {
        panic!("a handler bug")
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_a_500_envelope() {
        let state = state();
        let routes = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" }));
        let router = around(routes, state);
        let (status, content_type, body) = call(router.clone(), "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(content_type.as_deref(), Some("application/json"));
        assert_eq!(body["code"], 500);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("Internal sandbox error")
        );
        assert!(!body.to_string().contains("a handler bug"), "{body}");
        // The router keeps serving.
        let (status, _, _) = call(router, "/fine").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn non_json_errors_are_enveloped_with_their_status_and_text() {
        let routes = Router::new()
            .route(
                "/plain",
                get(|| async { (StatusCode::IM_A_TEAPOT, "short and stout") }),
            )
            .route("/bare", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .route(
                "/html-ok",
                get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<p>ok</p>") }),
            );
        let router = around(routes, state());
        let (status, content_type, body) = call(router.clone(), "/plain").await;
        assert_eq!(status, StatusCode::IM_A_TEAPOT);
        assert_eq!(content_type.as_deref(), Some("application/json"));
        assert_eq!(body["code"], 418);
        assert_eq!(body["message"], "short and stout");
        let (status, _, body) = call(router.clone(), "/bare").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["message"], "Service Unavailable");
        // Successes are left alone.
        let (status, content_type, _) = call(router, "/html-ok").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type.as_deref(), Some("text/html"));
    }
}
