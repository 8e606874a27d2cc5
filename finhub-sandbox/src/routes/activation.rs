//! Activation: `check_activation_readiness` (always 200, flags tell) and
//! `activate_customer` (the admin's or the customer's own token: FinHub's
//! pages disagree, I-31): 409 when already active, 422 naming what is
//! missing until KYC is approved and all three consents are accepted; then
//! the customer and user become active and get two wallets, the product
//! wallet with an IBAN whose check digits are valid (assigned the IBAN
//! delay after activation).
//!
//! The `userId` is the user id, the e-mail or the username (the runner
//! profile: the e-mail only, else 400 naming `userId`, I-6); with
//! `ActivationCodes::Emailed` the `code` must be the one e-mailed at
//! registration, else 400 naming `code`. The runner profile answers the
//! readiness check with the \[RUN\] example's five fields and activation
//! with `data: {}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use chrono::{DateTime, TimeDelta, Utc};
use finhub_api::LenientTimestamp;
use finhub_api::types::{
    ActivationReadiness, ActivationRequest, ActivationResult, BaseResponseActivation,
    BaseResponseActivationReadiness, Wallet, WalletAsset,
};
use serde_json::json;

use crate::auth::secret_eq;
use crate::body::JsonRequest;
use crate::envelope::{ApiError, ApiResult, FieldError, ok};
use crate::iban;
use crate::ids;
use crate::outbox::ActivationCodes;
use crate::profile::ActivationUser;
use crate::routes::caller::Caller;
use crate::state::{AppState, CustomerStatus, Readiness, WalletKind, WalletRecord};
use crate::stats::SideEffect;

fn customer_not_found(customer_id: &str) -> ApiError {
    ApiError::not_found(format!("Customer '{customer_id}' not found"))
}

fn readiness_message(readiness: &Readiness) -> String {
    if readiness.active {
        "Customer is already active".to_string()
    } else if readiness.allowed() {
        "Customer is ready for activation".to_string()
    } else {
        format!(
            "Customer is not ready for activation: {}",
            readiness.missing()
        )
    }
}

/// `GET /api/v2.1/customer/individual/{customerId}/owner/{ownerTenantId}/activation/check`
pub(crate) async fn check_activation_readiness(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((customer_id, owner_tenant_id)): Path<(String, String)>,
) -> ApiResult {
    caller.require_customer(&customer_id)?;
    if owner_tenant_id != state.config.tenant_id {
        return Err(ApiError::not_found(format!(
            "Owner tenant '{owner_tenant_id}' not found"
        )));
    }
    let readiness = {
        let store = state.read();
        let customer = store
            .customer(&customer_id)
            .ok_or_else(|| customer_not_found(&customer_id))?;
        store.readiness(customer)
    };
    let message = readiness_message(&readiness);
    let allowed = readiness.allowed();
    let risk_level = if readiness.high_risk { "HIGH" } else { "LOW" };
    if state.config.profile.captured_answers() {
        // The [RUN] answer: five fields (§2.13).
        return Ok(ok(BaseResponseActivationReadiness {
            code: Some(200),
            message: Some(message.clone()),
            data: Some(ActivationReadiness {
                activation_allowed: Some(allowed),
                consent_ok: Some(readiness.consent_ok()),
                verification_ok: Some(readiness.verification_ok()),
                risk_level: Some(risk_level.into()),
                message: Some(message),
                ..ActivationReadiness::default()
            }),
        }));
    }
    Ok(ok(BaseResponseActivationReadiness {
        code: Some(200),
        message: Some(message.clone()),
        data: Some(ActivationReadiness {
            activation_allowed: Some(allowed),
            can_activate: Some(allowed),
            consent_ok: Some(readiness.consent_ok()),
            verification_ok: Some(readiness.verification_ok()),
            missing_consents: readiness
                .missing_consents
                .iter()
                .map(|kind| kind.code().to_string())
                .collect(),
            verification_status: Some(
                readiness
                    .verification
                    .map_or("NOT_STARTED", |status| status.code())
                    .into(),
            ),
            verification_level: readiness.level.clone(),
            risk_level: Some(risk_level.into()),
            is_high_risk: Some(readiness.high_risk),
            power_tenant_approval_required: Some(readiness.high_risk),
            power_tenant_approval_ok: Some(!readiness.high_risk || readiness.verification_ok()),
            customer_id: Some(customer_id),
            message: Some(message),
        }),
    }))
}

/// A wallet as the wallet list shows it at `now` (without `iban` before it
/// is assigned).
pub(crate) fn wallet_view(customer_id: &str, wallet: &WalletRecord, now: DateTime<Utc>) -> Wallet {
    Wallet {
        id: Some(wallet.id.clone()),
        wallet_id: Some(wallet.id.clone()),
        customer_id: Some(customer_id.to_string()),
        name: Some(wallet.kind.name().into()),
        wallet_type: Some(wallet.kind.wallet_type().into()),
        status: Some("ACTIVE".into()),
        currency: Some("EUR".into()),
        balance: Some("0.00".into()),
        available_balance: Some("0.00".into()),
        iban: wallet.iban_at(now).map(str::to_string),
        reserved_balance: None,
        asset: None,
    }
}

fn activated_wallet(customer_id: &str, wallet: &WalletRecord, now: DateTime<Utc>) -> Wallet {
    Wallet {
        balance: Some("0".into()),
        reserved_balance: Some("0".into()),
        asset: Some(WalletAsset {
            asset_type: Some("CURRENCY".into()),
            currency: Some("EUR".into()),
            current: Some("0.00 EUR".into()),
            available: Some("0.00 EUR".into()),
            blocked: Some("0.00 EUR".into()),
        }),
        ..wallet_view(customer_id, wallet, now)
    }
}

/// `POST /api/v2.1/customer/individual/{customerId}/activation`
pub(crate) async fn activate_customer(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(customer_id): Path<String>,
    body: JsonRequest,
) -> ApiResult {
    caller.require_customer(&customer_id)?;
    let request: ActivationRequest = body.decode()?;
    let mut errors = Vec::new();
    if request.user_id.trim().is_empty() {
        errors.push(FieldError::required("userId"));
    }
    if request.code.trim().is_empty() {
        errors.push(FieldError::required("code"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let user = request.user_id.trim();
    let code = request.code.trim();
    let now: DateTime<Utc> = state.clock.now();
    let profile = state.config.profile;
    let (iban, product) = {
        let mut store = state.write();
        let customer = store
            .customer(&customer_id)
            .ok_or_else(|| customer_not_found(&customer_id))?;
        let is_email = customer.email.eq_ignore_ascii_case(user);
        match profile.activation_user() {
            ActivationUser::Email if !is_email => {
                return Err(ApiError::validation(vec![FieldError::new(
                    "userId",
                    "userId must be the customer's e-mail address",
                )]));
            }
            ActivationUser::AnyOfTheCustomers
                if customer.user.id != user
                    && !is_email
                    && !customer.user.username.eq_ignore_ascii_case(user) =>
            {
                return Err(ApiError::not_found(format!(
                    "User '{user}' not found for customer '{customer_id}' (send the user id or the customer's e-mail)"
                )));
            }
            ActivationUser::Email | ActivationUser::AnyOfTheCustomers => {}
        }
        if state.config.activation_codes == ActivationCodes::Emailed
            && !secret_eq(customer.activation_code.expose(), code)
        {
            return Err(ApiError::validation(vec![FieldError::new(
                "code",
                "Invalid activation code: send the code of the activation e-mail",
            )]));
        }
        let readiness = store.readiness(customer);
        if readiness.active {
            return Err(ApiError::conflict(format!(
                "Customer '{customer_id}' is already active"
            )));
        }
        if !readiness.allowed() {
            let missing: Vec<&str> = readiness
                .missing_consents
                .iter()
                .map(|kind| kind.code())
                .collect();
            return Err(ApiError::unprocessable(format!(
                "Activation prerequisites not met: {}",
                readiness.missing()
            ))
            .with_data(json!({
                "missingConsents": missing,
                "consentOk": readiness.consent_ok(),
                "verificationOk": readiness.verification_ok(),
                "verificationStatus": readiness.verification.map_or("NOT_STARTED", |s| s.code()),
            })));
        }
        let iban = iban::lithuanian(state.next_account());
        // The IBAN is assigned a while after activation (§2.15, §3.6).
        let iban_from = TimeDelta::from_std(state.config.iban_delay)
            .ok()
            .and_then(|delay| now.checked_add_signed(delay))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let product = WalletRecord {
            id: ids::uuid(),
            kind: WalletKind::Product,
            iban: Some((iban.clone(), iban_from)),
        };
        let master = WalletRecord {
            id: ids::uuid(),
            kind: WalletKind::Master,
            iban: None,
        };
        let customer = store
            .customers
            .get_mut(&customer_id)
            .ok_or_else(|| customer_not_found(&customer_id))?;
        customer.status = CustomerStatus::Active;
        customer.activated_at = Some(now);
        customer.updated_at = now;
        customer.wallets = vec![product.clone(), master];
        (product.iban_at(now).map(str::to_string), product)
    };
    state.counters.side_effect(SideEffect::Activation);
    if profile.captured_answers() {
        // The [RUN] answer: `data: {}` (I-31); the IBAN only in the wallets.
        return Ok(ok(BaseResponseActivation {
            code: Some(200),
            message: Some("Success".into()),
            data: Some(ActivationResult::default()),
        }));
    }
    Ok(ok(BaseResponseActivation {
        code: Some(200),
        message: Some("Success".into()),
        data: Some(ActivationResult {
            wallet: Some(activated_wallet(&customer_id, &product, now)),
            account_number: iban.clone(),
            iban,
            activation_status: Some("ACTIVATED".into()),
            status: Some("ACTIVATED".into()),
            activated_at: Some(LenientTimestamp::from(now)),
        }),
    }))
}
