//! [`Caller`]: the extractor every protected operation uses to learn who is
//! calling. It reads the bearer token, verifies it (signature, expiry,
//! tenant, logout), and applies the operation's entry of the token table
//! ([`Profile::access`](crate::Profile::access)): a token of the wrong kind never
//! reaches a handler. [`RefreshCaller`] is the same for a refresh, where an
//! expired token is still accepted.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use finhub_api::Operation;

use crate::access::{self, TokenKind};
use crate::auth::Expiry;
use crate::envelope::ApiError;
use crate::state::AppState;

/// Who is calling: read from a verified bearer token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The kind of token presented.
    pub kind: TokenKind,
    pub user_id: String,
    pub customer_id: Option<String>,
}

impl Caller {
    /// 403 unless the caller may act for customer `customer_id`: an admin
    /// (where the operation takes an admin token at all, which the token
    /// table decided before the handler ran) or that customer's own token.
    pub fn require_customer(&self, customer_id: &str) -> Result<(), ApiError> {
        if self.kind == TokenKind::Admin || self.customer_id.as_deref() == Some(customer_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "The token does not belong to customer '{customer_id}'"
            )))
        }
    }
}

fn authenticate(parts: &Parts, state: &AppState, expiry: Expiry) -> Result<Caller, ApiError> {
    let value = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("Missing bearer token (Authorization: Bearer <token>)")
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("Invalid token"))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::unauthorized("Authorization must be a Bearer token"))?;
    let verified = state.tokens.verify(token, state.clock.now_secs(), expiry)?;
    if verified.tenant_id != state.config.tenant_id {
        return Err(ApiError::unauthorized("Invalid token"));
    }
    if state.sessions.is_revoked(&verified.jti) {
        return Err(ApiError::unauthorized(
            "Session terminated: the token was logged out",
        ));
    }
    // The operation's entry of the token table, as the active profile has
    // it, decides which kind it takes.
    let operation = parts
        .extensions
        .get::<Operation>()
        .copied()
        .ok_or_else(|| ApiError::internal("Internal sandbox error: no operation for the route"))?;
    let kind = verified.user_type.kind();
    access::admit(state.config.profile.access(operation), operation, kind)?;
    Ok(Caller {
        kind,
        user_id: verified.user_id,
        customer_id: verified.customer_id,
    })
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, Expiry::Enforce)
    }
}

/// Like [`Caller`], but an expired (still correctly signed, not logged out)
/// token is accepted: refreshing is what one does when the token expired.
#[derive(Debug, Clone)]
pub(crate) struct RefreshCaller(pub Caller);

impl FromRequestParts<Arc<AppState>> for RefreshCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, Expiry::Tolerate).map(RefreshCaller)
    }
}
