//! `accept_consent`: the three mandatory consents (`terms`, `privacy`,
//! `data-processing`), each accepted once (`accepted: true` and a `version`),
//! reported as `TERMS_AND_CONDITIONS`, `PRIVACY_POLICY`, `DATA_PROCESSING`.
//! The runner profile answers the captured `{status: PENDING}` (I-29).

use std::sync::Arc;

use axum::extract::{Path, State};
use chrono::{DateTime, TimeDelta, Utc};
use finhub_api::LenientTimestamp;
use finhub_api::types::{AcceptConsentRequest, BaseResponseConsent, Consent};

use crate::body::JsonRequest;
use crate::envelope::{ApiError, ApiResult, FieldError, ok};
use crate::ids;
use crate::routes::caller::Caller;
use crate::state::{AppState, ConsentKind, ConsentRecord};

/// `POST /api/v2.1/customer/individual/{customerId}/consents/{consentType}`
pub(crate) async fn accept_consent(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((customer_id, consent_type)): Path<(String, String)>,
    body: JsonRequest,
) -> ApiResult {
    caller.require_customer(&customer_id)?;
    let kind = ConsentKind::from_path(&consent_type).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Unknown consent type '{consent_type}' (expected terms, privacy or data-processing)"
        ))
    })?;
    let request: AcceptConsentRequest = body.decode()?;
    let mut errors = Vec::new();
    if !request.accepted {
        errors.push(FieldError::new("accepted", "accepted must be true"));
    }
    if request.version.trim().is_empty() {
        errors.push(FieldError::required("version"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = state.clock.now();
    let record = ConsentRecord {
        id: format!("consent-cust-{}", ids::uuid()),
        version: request.version.trim().to_string(),
        accepted_at: now,
    };
    {
        let mut store = state.write();
        let customer = store
            .customers
            .get_mut(&customer_id)
            .ok_or_else(|| ApiError::not_found(format!("Customer '{customer_id}' not found")))?;
        if let Some(existing) = &customer.consents[kind.index()] {
            return Err(ApiError::conflict(format!(
                "{} already accepted ({}, version {})",
                kind.title(),
                kind.code(),
                existing.version
            )));
        }
        customer.consents[kind.index()] = Some(record.clone());
        customer.updated_at = now;
    }
    state.counters.consent_accepted(kind.code());
    if state.config.profile.captured_answers() {
        // The [RUN] answer: `data: {status: PENDING}` right after accepting
        // (I-29); the consent counts as accepted all the same.
        return Ok(ok(BaseResponseConsent {
            code: Some(200),
            message: Some("Success".into()),
            success: None,
            data: Some(Consent {
                status: Some("PENDING".into()),
                ..Consent::default()
            }),
        }));
    }
    let accepted_at = LenientTimestamp::from(record.accepted_at);
    Ok(ok(BaseResponseConsent {
        code: Some(200),
        message: Some(format!("{} accepted successfully", kind.title())),
        success: Some(true),
        data: Some(Consent {
            id: Some(record.id.clone()),
            consent_id: Some(record.id),
            customer_id: Some(customer_id),
            tenant_id: Some(state.config.tenant_id.clone()),
            consent_type: Some(kind.code().into()),
            type_: Some(kind.short().into()),
            status: Some("ACCEPTED".into()),
            version: Some(record.version),
            is_required: Some(true),
            is_granted: Some(true),
            granted_at: Some(accepted_at.clone()),
            accepted_at: Some(accepted_at),
            expires_at: Some(LenientTimestamp::from(
                now.checked_add_signed(TimeDelta::days(365))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
            )),
        }),
    }))
}
