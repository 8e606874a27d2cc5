//! `list_customer_wallets`: 404 until the customer is activated, then the
//! product wallet (with the IBAN) and the master wallet, amounts as strings.
//!
//! The IBAN is assigned the configured IBAN delay after activation (sandbox
//! clock). Until then the runner profile answers 404, as before activation
//! (§2.15: ask again until a wallet carries an IBAN), and the other
//! profiles list the wallets without `iban` (§3.6: the IBAN may appear a
//! little later).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use finhub_api::types::BaseResponseWalletList;

use crate::envelope::{ApiError, ApiResult, FieldError, ok};
use crate::profile::BeforeIban;
use crate::routes::activation::wallet_view;
use crate::routes::caller::Caller;
use crate::state::AppState;

/// The `customerType` query parameter, if any.
fn customer_type(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "customerType")
        .map(|(_, value)| value)
}

/// `GET /api/v2.1/wallets/customer/{customerId}?customerType=B2C`
pub(crate) async fn list_customer_wallets(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(customer_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require_customer(&customer_id)?;
    match customer_type(query.as_deref()) {
        None | Some("B2C") => {}
        Some("B2B") => {
            return Err(ApiError::not_found(format!(
                "No B2B wallets for customer '{customer_id}' (an individual customer; use customerType=B2C)"
            )));
        }
        Some(other) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "customerType",
                format!("customerType must be B2C or B2B (got '{other}')"),
            )]));
        }
    }
    let now = state.clock.now();
    let store = state.read();
    let customer = store
        .customer(&customer_id)
        .ok_or_else(|| ApiError::not_found(format!("Customer '{customer_id}' not found")))?;
    let iban_pending = customer
        .wallets
        .iter()
        .any(|wallet| wallet.iban.is_some() && wallet.iban_at(now).is_none());
    if customer.wallets.is_empty()
        || (iban_pending && state.config.profile.before_iban() == BeforeIban::NotFound)
    {
        return Err(ApiError::not_found(format!(
            "No wallets found for customer '{customer_id}' (wallets are created on activation)"
        )));
    }
    Ok(ok(BaseResponseWalletList {
        code: Some(200),
        message: Some("Success".into()),
        data: customer
            .wallets
            .iter()
            .map(|wallet| wallet_view(&customer_id, wallet, now))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_customer_type() {
        assert_eq!(customer_type(None), None);
        assert_eq!(customer_type(Some("customerType=B2C")), Some("B2C"));
        assert_eq!(customer_type(Some("a=1&customerType=B2B")), Some("B2B"));
        assert_eq!(customer_type(Some("customertype=B2C")), None);
    }
}
