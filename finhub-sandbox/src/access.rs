//! [`Access`]: which bearer token each operation takes. This is the
//! sandbox's one table of token kinds ([`Access::of`], an exhaustive
//! `match` on the generated [`Operation`], so an operation added to
//! `openapi.yaml` does not compile here until it has an entry); the
//! authentication extractor applies it to every request before a handler
//! runs, so no handler decides on its own which kind it takes.
//!
//! [`Access::of`] is the table of the default profile; a
//! [`Profile`](crate::Profile) pins some of its disputed entries
//! ([`Profile::access`](crate::Profile::access)), and that is the entry
//! applied.
//!
//! The table follows FinHub's pages as `docs/finhub-api.md` records them
//! (its §2 "SDK" lines, the table of §3.1) and the `Authorization`
//! descriptions of `openapi.yaml`:
//!
//! * where the pages agree on one kind, the other kind is refused with 403
//!   "Insufficient permissions" (FinHub's status for a role mismatch, §1.5);
//! * where the pages say either kind is accepted, both are;
//! * where the pages disagree (§2.6, §2.7 and I-24 for starting a
//!   verification, I-31 for activation), both are accepted too, and the
//!   entry says so ([`Either::Disputed`]): the sandbox does not pick a side
//!   that the real server may not share.
//!
//! A customer's token must also belong to the customer the call is about
//! (the customer in the path, in the body of `create_verification`, or the
//! owner of the verification); the handlers check that with
//! `Caller::require_customer`, 403 otherwise.

use finhub_api::Operation;
use serde_json::json;

use crate::envelope::ApiError;

/// The kind of a bearer token: its `userType` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An admin session's token (`userType` `ADMIN`).
    Admin,
    /// A customer session's token (`userType` `CONSUMER`).
    Customer,
}

impl TokenKind {
    /// The `userType` claim of such a token.
    pub fn user_type(self) -> &'static str {
        match self {
            TokenKind::Admin => "ADMIN",
            TokenKind::Customer => "CONSUMER",
        }
    }
}

/// Which bearer token an operation accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// A login: no bearer token; the tenant key and secret travel in the
    /// body.
    Login,
    /// Only an admin token; a customer token gets 403.
    Admin,
    /// Only the token of the customer the call is about; an admin token
    /// gets 403.
    Customer,
    /// An admin token, or the token of the customer the call is about.
    AdminOrCustomer(Either),
}

/// Why an operation takes either kind of token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Either {
    /// FinHub's pages say both kinds are accepted.
    Documented,
    /// FinHub's pages disagree on the kind, so the sandbox accepts both
    /// rather than refuse what the real server may accept.
    Disputed,
}

impl Access {
    /// Whether a token of `kind` may call an operation with this access.
    pub fn accepts(self, kind: TokenKind) -> bool {
        match self {
            Access::Login | Access::AdminOrCustomer(_) => true,
            Access::Admin => kind == TokenKind::Admin,
            Access::Customer => kind == TokenKind::Customer,
        }
    }

    /// The kind this access insists on, if only one is accepted.
    pub fn only(self) -> Option<TokenKind> {
        match self {
            Access::Admin => Some(TokenKind::Admin),
            Access::Customer => Some(TokenKind::Customer),
            Access::Login | Access::AdminOrCustomer(_) => None,
        }
    }
}

impl Access {
    /// Which token `operation` takes: the sandbox's table, one entry per
    /// operation (see the crate docs for the table with its sources).
    pub fn of(operation: Operation) -> Access {
        use Either::{Disputed, Documented};
        match operation {
            // No token: the tenant key and secret are in the body (§1.10, §2.3).
            Operation::CreateAdminSession | Operation::CreateCustomerSession => Access::Login,
            // §2.1 and §3.1: the admin token; openapi.yaml: "from an admin session".
            Operation::GetCategorizationHierarchy => Access::Admin,
            // §2.2: "admin or customer token"; §3.1 "admin (or customer)".
            Operation::RegisterIndividualCustomer => Access::AdminOrCustomer(Documented),
            // openapi.yaml: "from a customer session"; §2.4 (inferred) and §2.5,
            // §3.1 logout: the customer's JWT.
            Operation::RefreshCustomerSession | Operation::DeleteCustomerSession => {
                Access::Customer
            }
            // §2.6 and §3.1 step 4: the customer's JWT in the integration flow,
            // the admin's in the step runner (I-24).
            Operation::SubmitCustomerVerification => Access::AdminOrCustomer(Disputed),
            // §2.7: the step runner uses the admin token; the flow guide and
            // §3.1 step 4 the customer's (I-24).
            Operation::CreateVerification => Access::AdminOrCustomer(Disputed),
            // openapi.yaml: "from admin or customer session creation", any
            // valid bearer token is shown (§2.7, §2.9, §2.13, §2.15).
            Operation::GetVerification
            | Operation::UploadVerificationDocument
            | Operation::CheckActivationReadiness
            | Operation::ListCustomerWallets => Access::AdminOrCustomer(Documented),
            // §2.11: "Bearer token with admin privileges".
            Operation::ApproveVerification => Access::Admin,
            // §2.12, §3.1 step 7: the customer's JWT.
            Operation::AcceptConsent => Access::Customer,
            // §2.14 and I-31: the admin's per the step runner and [LATEST], the
            // customer's per the older reference.
            Operation::ActivateCustomer => Access::AdminOrCustomer(Disputed),
        }
    }
}

/// 403 "Insufficient permissions" unless a token of `kind` may call
/// `operation`, which takes `access` (the active profile's entry,
/// [`Profile::access`](crate::Profile::access)).
pub(crate) fn admit(access: Access, operation: Operation, kind: TokenKind) -> Result<(), ApiError> {
    if access.accepts(kind) {
        return Ok(());
    }
    let required = match access.only() {
        Some(TokenKind::Admin) => "an admin token (userType ADMIN)",
        Some(TokenKind::Customer) | None => {
            "the token of the customer it is about (userType CONSUMER)"
        }
    };
    let message = format!("Insufficient permissions: {operation} requires {required}");
    Err(ApiError::forbidden(message).with_data(json!({
        "operation": operation.id(),
        "required": access.only().map(TokenKind::user_type),
        "presented": kind.user_type(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_with_a_token_admits_at_least_one_kind() {
        for operation in Operation::ALL {
            let access = Access::of(operation);
            let admitted = [TokenKind::Admin, TokenKind::Customer]
                .into_iter()
                .filter(|kind| admit(access, operation, *kind).is_ok())
                .count();
            match access {
                Access::Admin | Access::Customer => assert_eq!(admitted, 1, "{operation}"),
                Access::Login | Access::AdminOrCustomer(_) => {
                    assert_eq!(admitted, 2, "{operation}")
                }
            }
        }
    }

    #[test]
    fn a_refusal_names_the_operation_and_the_kinds() {
        let of = |op| (Access::of(op), op);
        let (access, op) = of(Operation::AcceptConsent);
        let error = admit(access, op, TokenKind::Admin).unwrap_err();
        assert_eq!(error.status.as_u16(), 403);
        assert_eq!(
            error.message,
            "Insufficient permissions: accept_consent requires the token of the customer it is \
             about (userType CONSUMER)"
        );
        assert_eq!(
            error.data.unwrap(),
            json!({"operation": "accept_consent", "required": "CONSUMER", "presented": "ADMIN"})
        );
        let (access, op) = of(Operation::ApproveVerification);
        let error = admit(access, op, TokenKind::Customer).unwrap_err();
        assert_eq!(
            error.message,
            "Insufficient permissions: approve_verification requires an admin token (userType ADMIN)"
        );
    }
}
