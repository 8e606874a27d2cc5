//! Control endpoints under the reserved prefix `/__sandbox`, so a standalone
//! sandbox can be driven like the in-process handle: fault rules, counters,
//! the clock, the outbox, the power tenant's review, a health check. They are not FinHub operations: not counted,
//! never faulted, none of FinHub's headers.
//!
//! All but the health check require the sandbox's control token
//! ([`ControlToken`](crate::ControlToken)) as `Authorization: Bearer
//! <token>`; without it, or with another, they answer 401 and do nothing.
//! The token is what keeps another program on the machine, or a web page
//! in the developer's browser (a cross-site form post), from moving the
//! clock or injecting faults.
//!
//! | method and path | what |
//! |---|---|
//! | `GET /__sandbox/health` | `{"status":"ok"}` (no token needed) |
//! | `GET /__sandbox/stats` | [`Stats`](crate::Stats) |
//! | `DELETE /__sandbox/stats` | resets the counters |
//! | `GET /__sandbox/faults` | the rules in force |
//! | `POST /__sandbox/faults` | adds a [`FaultRule`] (JSON), 201 with its id |
//! | `DELETE /__sandbox/faults` | removes every rule |
//! | `DELETE /__sandbox/faults/{id}` | removes one rule |
//! | `GET /__sandbox/clock` | `{"now": …}` |
//! | `POST /__sandbox/clock/advance` | `{"seconds": n}` moves the clock forward (400 past 9999-12-31T23:59:59Z) |
//! | `GET /__sandbox/outbox` | the e-mails sent ([`OutboxMessage`](crate::OutboxMessage)s, oldest first); `?to=EMAIL` only those to that address |
//! | `POST /__sandbox/verifications/{id}/approve` | completes the power tenant's review of a verification held in review mode: 200 with the approval, 404 for an unknown id, 409 when it is not pending review |

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use finhub_api::LenientTimestamp;
use serde::Deserialize;
use serde_json::json;

use crate::body::JsonRequest;
use crate::envelope::{ApiError, ApiResult, FieldError, ok};
use crate::faults::{FaultId, FaultRule};
use crate::review::ReviewError;
use crate::state::AppState;

pub(crate) fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/__sandbox/stats", get(stats).delete(reset_stats))
        .route(
            "/__sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__sandbox/faults/{id}", delete(remove_fault))
        .route("/__sandbox/clock", get(clock))
        .route("/__sandbox/clock/advance", post(advance_clock))
        .route("/__sandbox/outbox", get(outbox))
        .route(
            "/__sandbox/verifications/{id}/approve",
            post(approve_review),
        )
        .route_layer(middleware::from_fn_with_state(state, require_token))
        .route("/__sandbox/health", get(health))
}

/// Lets the request through only with `Authorization: Bearer <token>`
/// carrying the control token (compared in constant time).
async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| value.as_bytes());
    let token = presented.and_then(|value| {
        let (scheme, token) = value.split_at(value.iter().position(|b| *b == b' ')?);
        scheme
            .eq_ignore_ascii_case(b"Bearer")
            .then(|| token.trim_ascii())
    });
    let problem = match token {
        Some(token) if state.control_token.matches(token) => return next.run(request).await,
        Some(_) => "Invalid control token",
        None if presented.is_some() => {
            "Invalid control token: send `Authorization: Bearer <token>`"
        }
        None => {
            "Missing control token: send `Authorization: Bearer <token>` (printed by `finhub sandbox`, or `Sandbox::control_token()`)"
        }
    };
    let mut response = ApiError::unauthorized(problem).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"finhub-sandbox control\""),
    );
    response
}

async fn health() -> Response {
    ok(json!({ "status": "ok" }))
}

async fn stats(State(state): State<Arc<AppState>>) -> Response {
    state.settle_reviews();
    ok(state.counters.snapshot())
}

async fn reset_stats(State(state): State<Arc<AppState>>) -> StatusCode {
    state.counters.reset();
    StatusCode::NO_CONTENT
}

async fn list_faults(State(state): State<Arc<AppState>>) -> Response {
    ok(state.faults.list())
}

async fn add_fault(State(state): State<Arc<AppState>>, body: JsonRequest) -> ApiResult {
    let rule: FaultRule = body.decode()?;
    let id = state
        .faults
        .inject(rule.clone())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let fault = state
        .faults
        .list()
        .into_iter()
        .find(|fault| fault.id == id)
        .map(|fault| serde_json::to_value(fault).unwrap_or_default())
        .unwrap_or_else(|| json!({ "id": id, "rule": rule }));
    Ok((StatusCode::CREATED, axum::Json(fault)).into_response())
}

async fn clear_faults(State(state): State<Arc<AppState>>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

async fn remove_fault(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_request(format!("'{id}' is not a fault id")))?;
    if state.faults.remove(FaultId(id)) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(format!("No fault rule {id}")))
    }
}

async fn clock(State(state): State<Arc<AppState>>) -> Response {
    ok(json!({ "now": LenientTimestamp::from(state.clock.now()) }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: u64,
}

async fn advance_clock(State(state): State<Arc<AppState>>, body: JsonRequest) -> ApiResult {
    let advance: Advance = body.decode()?;
    let now = state
        .clock
        .try_advance(std::time::Duration::from_secs(advance.seconds))
        .map_err(|limit| {
            ApiError::validation(vec![FieldError::new("seconds", limit.to_string())])
        })?;
    Ok(ok(json!({ "now": LenientTimestamp::from(now) })))
}

/// The outbox's filter.
#[derive(Deserialize)]
struct OutboxQuery {
    /// Only the e-mails to this address.
    to: Option<String>,
}

async fn outbox(State(state): State<Arc<AppState>>, Query(query): Query<OutboxQuery>) -> Response {
    ok(state.outbox.list(query.to.as_deref()))
}

async fn approve_review(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    match state.approve_review(&id) {
        Ok(approval) => Ok(ok(approval)),
        Err(error @ ReviewError::NotFound(_)) => Err(ApiError::not_found(error.to_string())),
        Err(error @ ReviewError::NotPending { .. }) => Err(ApiError::conflict(error.to_string())),
    }
}
