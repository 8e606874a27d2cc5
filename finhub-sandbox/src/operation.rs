//! [`Operation`]: the operations of `openapi.yaml`, named by their stable ids.
//!
//! The ids are those of `openapi.overrides.yaml` (the generated client's
//! method names), so a test, a fault rule and a counter all speak of
//! `create_admin_session`, never of a path.

use std::fmt;
use std::str::FromStr;

use axum::http::Method;
use serde::{Deserialize, Serialize};

/// One operation of the FinHub Business BFF API that the sandbox serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `POST /api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions`
    CreateAdminSession,
    /// `GET /api/v2.1/customer/individual/categorization/hierarchy/{tenantId}`
    GetCategorizationHierarchy,
    /// `POST /api/v2.1/customer/individual/registration`
    RegisterIndividualCustomer,
    /// `POST /api/v2.1/customer/individual/{customerId}/users/{userId}/sessions`
    CreateCustomerSession,
    /// `PUT /api/v2.1/customer/individual/{customerId}/users/{userId}/sessions/{sessionId}`
    RefreshCustomerSession,
    /// `DELETE /api/v2.1/customer/individual/{customerId}/users/{userId}/sessions/{sessionId}`
    DeleteCustomerSession,
    /// `POST /api/v2.1/customer/individual/{customerId}/verification`
    SubmitCustomerVerification,
    /// `POST /api/v2.1/verifications`
    CreateVerification,
    /// `GET /api/v2.1/verifications/{verificationId}`
    GetVerification,
    /// `POST /api/v2.1/verifications/{verificationId}/documents`
    UploadVerificationDocument,
    /// `POST /api/v2.1/verifications/{verificationId}/approve`
    ApproveVerification,
    /// `POST /api/v2.1/customer/individual/{customerId}/consents/{consentType}`
    AcceptConsent,
    /// `GET /api/v2.1/customer/individual/{customerId}/owner/{ownerTenantId}/activation/check`
    CheckActivationReadiness,
    /// `POST /api/v2.1/customer/individual/{customerId}/activation`
    ActivateCustomer,
    /// `GET /api/v2.1/wallets/customer/{customerId}`
    ListCustomerWallets,
}

/// An operation id that the sandbox does not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown operation id `{0}` (expected one of the ids of openapi.overrides.yaml, e.g. create_admin_session)"
)]
pub struct UnknownOperation(pub String);

impl Operation {
    /// Every operation, in the order of `openapi.yaml`.
    pub const ALL: [Operation; 15] = [
        Operation::CreateAdminSession,
        Operation::GetCategorizationHierarchy,
        Operation::RegisterIndividualCustomer,
        Operation::CreateCustomerSession,
        Operation::RefreshCustomerSession,
        Operation::DeleteCustomerSession,
        Operation::SubmitCustomerVerification,
        Operation::CreateVerification,
        Operation::GetVerification,
        Operation::UploadVerificationDocument,
        Operation::ApproveVerification,
        Operation::AcceptConsent,
        Operation::CheckActivationReadiness,
        Operation::ActivateCustomer,
        Operation::ListCustomerWallets,
    ];

    /// The stable operation id (`openapi.overrides.yaml`), e.g. `create_admin_session`.
    pub fn id(self) -> &'static str {
        match self {
            Operation::CreateAdminSession => "create_admin_session",
            Operation::GetCategorizationHierarchy => "get_categorization_hierarchy",
            Operation::RegisterIndividualCustomer => "register_individual_customer",
            Operation::CreateCustomerSession => "create_customer_session",
            Operation::RefreshCustomerSession => "refresh_customer_session",
            Operation::DeleteCustomerSession => "delete_customer_session",
            Operation::SubmitCustomerVerification => "submit_customer_verification",
            Operation::CreateVerification => "create_verification",
            Operation::GetVerification => "get_verification",
            Operation::UploadVerificationDocument => "upload_verification_document",
            Operation::ApproveVerification => "approve_verification",
            Operation::AcceptConsent => "accept_consent",
            Operation::CheckActivationReadiness => "check_activation_readiness",
            Operation::ActivateCustomer => "activate_customer",
            Operation::ListCustomerWallets => "list_customer_wallets",
        }
    }

    /// The HTTP method of the operation.
    pub fn method(self) -> Method {
        match self {
            Operation::GetCategorizationHierarchy
            | Operation::GetVerification
            | Operation::CheckActivationReadiness
            | Operation::ListCustomerWallets => Method::GET,
            Operation::RefreshCustomerSession => Method::PUT,
            Operation::DeleteCustomerSession => Method::DELETE,
            _ => Method::POST,
        }
    }

    /// The path template exactly as in `openapi.yaml` (also the route).
    pub fn path(self) -> &'static str {
        match self {
            Operation::CreateAdminSession => {
                "/api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions"
            }
            Operation::GetCategorizationHierarchy => {
                "/api/v2.1/customer/individual/categorization/hierarchy/{tenantId}"
            }
            Operation::RegisterIndividualCustomer => "/api/v2.1/customer/individual/registration",
            Operation::CreateCustomerSession => {
                "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions"
            }
            Operation::RefreshCustomerSession | Operation::DeleteCustomerSession => {
                "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions/{sessionId}"
            }
            Operation::SubmitCustomerVerification => {
                "/api/v2.1/customer/individual/{customerId}/verification"
            }
            Operation::CreateVerification => "/api/v2.1/verifications",
            Operation::GetVerification => "/api/v2.1/verifications/{verificationId}",
            Operation::UploadVerificationDocument => {
                "/api/v2.1/verifications/{verificationId}/documents"
            }
            Operation::ApproveVerification => "/api/v2.1/verifications/{verificationId}/approve",
            Operation::AcceptConsent => {
                "/api/v2.1/customer/individual/{customerId}/consents/{consentType}"
            }
            Operation::CheckActivationReadiness => {
                "/api/v2.1/customer/individual/{customerId}/owner/{ownerTenantId}/activation/check"
            }
            Operation::ActivateCustomer => "/api/v2.1/customer/individual/{customerId}/activation",
            Operation::ListCustomerWallets => "/api/v2.1/wallets/customer/{customerId}",
        }
    }

    /// Position in [`Operation::ALL`], for per-operation counters.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The operation served at a route template and method.
    #[cfg(test)]
    pub(crate) fn from_route(method: &Method, path: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.path() == path && op.method() == *method)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| op.id() == id)
            .ok_or_else(|| UnknownOperation(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_index_matches_position() {
        for (i, op) in Operation::ALL.into_iter().enumerate() {
            assert_eq!(op.index(), i);
            assert_eq!(op.id().parse::<Operation>(), Ok(op));
            assert_eq!(
                serde_json::to_value(op).unwrap(),
                serde_json::Value::from(op.id())
            );
            assert_eq!(Operation::from_route(&op.method(), op.path()), Some(op));
        }
        assert!("create_session".parse::<Operation>().is_err());
    }
}
