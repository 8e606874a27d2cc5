//! Control endpoints under the reserved prefix `/__sandbox`, so a standalone
//! sandbox can be driven like the in-process handle: fault rules, counters,
//! the clock, a health check. They are not FinHub operations: not counted,
//! never faulted, no headers or token required.
//!
//! | method and path | what |
//! |---|---|
//! | `GET /__sandbox/health` | `{"status":"ok"}` |
//! | `GET /__sandbox/stats` | [`Stats`](crate::Stats) |
//! | `DELETE /__sandbox/stats` | resets the counters |
//! | `GET /__sandbox/faults` | the rules in force |
//! | `POST /__sandbox/faults` | adds a [`FaultRule`] (JSON), 201 with its id |
//! | `DELETE /__sandbox/faults` | removes every rule |
//! | `DELETE /__sandbox/faults/{id}` | removes one rule |
//! | `GET /__sandbox/clock` | `{"now": …}` |
//! | `POST /__sandbox/clock/advance` | `{"seconds": n}` moves the clock forward |

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use finhub_api::LenientTimestamp;
use serde::Deserialize;
use serde_json::json;

use crate::body::JsonRequest;
use crate::envelope::{ApiError, ApiResult, ok};
use crate::faults::{FaultId, FaultRule};
use crate::state::AppState;

pub(crate) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/__sandbox/health", get(health))
        .route("/__sandbox/stats", get(stats).delete(reset_stats))
        .route(
            "/__sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__sandbox/faults/{id}", delete(remove_fault))
        .route("/__sandbox/clock", get(clock))
        .route("/__sandbox/clock/advance", post(advance_clock))
}

async fn health() -> Response {
    ok(json!({ "status": "ok" }))
}

async fn stats(State(state): State<Arc<AppState>>) -> Response {
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
    state
        .clock
        .advance(std::time::Duration::from_secs(advance.seconds));
    Ok(ok(
        json!({ "now": LenientTimestamp::from(state.clock.now()) }),
    ))
}
