//! Review mode: approvals that FinHub leaves pending, and the power
//! tenant's review that completes them.
//!
//! FinHub approves a high-risk customer's KYC at `POWER_TENANT_VERIFIED`,
//! by the power tenant, which "may take 1–3 business days" (§2.1, §2.7,
//! §2.11). With a [`ReviewMode`] other than [`Off`](ReviewMode::Off), the
//! tenant admin's `approve_verification` of such a verification (or of
//! every one) does not approve it: it answers **202** with
//! `data.status: PENDING_REVIEW` and the verification stays
//! `PENDING_REVIEW` (also in `GET /verifications/{id}` and the readiness
//! check) until the review completes — through the control API
//! (`POST /__sandbox/verifications/{id}/approve`,
//! [`Sandbox::approve_review`](crate::Sandbox::approve_review)) or, when
//! [`SandboxConfig::review_delay`](crate::SandboxConfig::review_delay) is
//! set, once that much sandbox-clock time has passed.
//!
//! Why 202 and `PENDING_REVIEW` rather than a 403 "approval requires a
//! power tenant": the pages describe the power tenant's approval as a
//! second stage after the tenant's (the readiness check reports
//! `verificationOk` and `powerTenantApprovalOk` separately, §2.13), not as
//! a refusal of the tenant admin, whose token is the one §2.11 asks for; a
//! refusal would leave nothing for the power tenant to review. 202 is
//! HTTP's "accepted, not completed", a success to a client that takes any
//! 2xx (I-2); `PENDING_REVIEW` follows FinHub's `PENDING_…` statuses
//! (`PENDING`, `PENDING_DOCUMENTS`, `PENDING_ACTIVATION`).

use std::fmt;
use std::str::FromStr;

use crate::choice::{self, UnknownChoice};

/// Which approvals wait for the power tenant's review.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReviewMode {
    /// None: the tenant admin's approval approves at once. The default.
    #[default]
    Off,
    /// Those that need the power tenant: a verification requested at
    /// `POWER_TENANT_VERIFIED`, or of a customer registered in a high-risk
    /// category (`HIGH_RISK_INDIVIDUAL`).
    PowerTenant,
    /// Every approval.
    All,
}

const REVIEW_NAMES: &[&str] = &["off", "power-tenant", "all"];

impl ReviewMode {
    /// Every mode.
    pub const ALL: [ReviewMode; 3] = [ReviewMode::Off, ReviewMode::PowerTenant, ReviewMode::All];

    /// Its name for `FINHUB_SANDBOX_REVIEW` and `finhub sandbox --review`:
    /// `off`, `power-tenant`, `all`.
    pub fn name(self) -> &'static str {
        REVIEW_NAMES[self as usize]
    }

    /// Whether an approval of a verification is held for review;
    /// `needs_power_tenant` says whether that verification needs the
    /// power tenant.
    pub(crate) fn holds(self, needs_power_tenant: bool) -> bool {
        match self {
            ReviewMode::Off => false,
            ReviewMode::PowerTenant => needs_power_tenant,
            ReviewMode::All => true,
        }
    }
}

impl fmt::Display for ReviewMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ReviewMode {
    type Err = UnknownChoice;

    /// `off`, `power-tenant` or `all` (any letter case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        choice::parse("review mode", text, REVIEW_NAMES, &ReviewMode::ALL)
    }
}

/// Why a review could not be completed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// No verification has this id.
    #[error("Verification '{0}' not found")]
    NotFound(String),
    /// The verification is not waiting for a review: not approved by the
    /// tenant admin yet, or approved already.
    #[error("Verification '{id}' is not pending review (status {status})")]
    NotPending {
        /// The verification.
        id: String,
        /// Its status (`PENDING`, `APPROVED`).
        status: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_approvals_are_held() {
        assert!(!ReviewMode::Off.holds(true));
        assert!(ReviewMode::PowerTenant.holds(true));
        assert!(!ReviewMode::PowerTenant.holds(false));
        assert!(ReviewMode::All.holds(false));
        for mode in ReviewMode::ALL {
            assert_eq!(mode.name().parse(), Ok(mode));
        }
        assert!("sometimes".parse::<ReviewMode>().is_err());
    }
}
