//! The reference server: a minimal axum app answering the login and
//! categorization paths with a canned body — the limit of a Rust HTTP
//! server on this machine, and the loopback peer for overhead runs.

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};

/// A canned session answer (token valid for an hour).
pub const SESSION_BODY: &str = r#"{"code":200,"message":"Success","data":{"success":true,"message":"Session created successfully","token":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln","refreshToken":"r-1","sessionId":"4a511e37-d2d8-4f2f-99ad-92ff5ddea020","expiresIn":3600,"errorType":"NONE"}}"#;

/// A canned categorization answer.
pub const HIERARCHY_BODY: &str = r#"{"code":200,"message":"Success","data":{"tenantId":"97e7ff29-15f3-49ef-9681-3bbfcce4f6cd","categories":{"INDIVIDUAL_STANDARD":{"databaseId":"fs-cat-b2c-low-001","categoryName":"Individual Standard"},"B2B_SMALL_BUSINESS":{"databaseId":"fs-cat-b2b-small-001","categoryName":"Small Business"}}}}"#;

async fn session() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], SESSION_BODY)
}

async fn hierarchy() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], HIERARCHY_BODY)
}

/// Starts the canned server on an ephemeral 127.0.0.1 port; returns its
/// base URL. It runs until the process ends.
pub async fn start_canned() -> Result<String, String> {
    let app = Router::new()
        .route(
            "/api/v2.1/admin/organization/{org}/users/{user}/sessions",
            post(session),
        )
        .route(
            "/api/v2.1/customer/individual/{customer}/users/{user}/sessions",
            post(session),
        )
        .route(
            "/api/v2.1/customer/individual/categorization/hierarchy/{tenant}",
            get(hierarchy),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}
