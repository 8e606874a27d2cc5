//! The HTTP surface: one route per operation of `openapi.yaml`, the control
//! endpoints under `/__sandbox`, and the per-request layer that counts,
//! traces, injects faults and checks the standard headers.

mod activation;
mod consents;
mod control;
mod customers;
mod layer;
mod sessions;
mod verifications;
mod wallets;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::routing::{delete, get, post, put};

use crate::body::BODY_LIMIT;
use crate::envelope::ApiError;
use crate::operation::Operation;
use crate::state::AppState;
use layer::OperationLayer;

/// The sandbox's router.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    use Operation as Op;
    let op = |operation: Operation| OperationLayer::new(state.clone(), operation);
    let api = Router::new()
        .route(
            Op::CreateAdminSession.path(),
            post(sessions::create_admin_session).route_layer(op(Op::CreateAdminSession)),
        )
        .route(
            Op::GetCategorizationHierarchy.path(),
            get(customers::get_categorization_hierarchy)
                .route_layer(op(Op::GetCategorizationHierarchy)),
        )
        .route(
            Op::RegisterIndividualCustomer.path(),
            post(customers::register_individual_customer)
                .route_layer(op(Op::RegisterIndividualCustomer)),
        )
        .route(
            Op::CreateCustomerSession.path(),
            post(sessions::create_customer_session).route_layer(op(Op::CreateCustomerSession)),
        )
        .route(
            Op::RefreshCustomerSession.path(),
            put(sessions::refresh_customer_session)
                .route_layer(op(Op::RefreshCustomerSession))
                .merge(
                    delete(sessions::delete_customer_session)
                        .route_layer(op(Op::DeleteCustomerSession)),
                ),
        )
        .route(
            Op::SubmitCustomerVerification.path(),
            post(verifications::submit_customer_verification)
                .route_layer(op(Op::SubmitCustomerVerification)),
        )
        .route(
            Op::CreateVerification.path(),
            post(verifications::create_verification).route_layer(op(Op::CreateVerification)),
        )
        .route(
            Op::GetVerification.path(),
            get(verifications::get_verification).route_layer(op(Op::GetVerification)),
        )
        .route(
            Op::UploadVerificationDocument.path(),
            post(verifications::upload_verification_document)
                .route_layer(op(Op::UploadVerificationDocument)),
        )
        .route(
            Op::ApproveVerification.path(),
            post(verifications::approve_verification).route_layer(op(Op::ApproveVerification)),
        )
        .route(
            Op::AcceptConsent.path(),
            post(consents::accept_consent).route_layer(op(Op::AcceptConsent)),
        )
        .route(
            Op::CheckActivationReadiness.path(),
            get(activation::check_activation_readiness)
                .route_layer(op(Op::CheckActivationReadiness)),
        )
        .route(
            Op::ActivateCustomer.path(),
            post(activation::activate_customer).route_layer(op(Op::ActivateCustomer)),
        )
        .route(
            Op::ListCustomerWallets.path(),
            get(wallets::list_customer_wallets).route_layer(op(Op::ListCustomerWallets)),
        );
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
