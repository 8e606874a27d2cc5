//! How the client handles each [`Operation`]: which token it carries by
//! default and what it is for session handling. Method, path and path
//! parameters come from the generated catalogue ([`Operation`]); what the
//! specification cannot say is the one table of [`handling`], an exhaustive
//! `match`, so that an operation added to the specification does not compile
//! until it has its row.

use finhub_api::Operation;
use reqwest::Method;

/// Which bearer token an operation carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// The tenant administrator's session.
    Admin,
    /// The session of the customer the call is about.
    Customer,
    /// No token: the operation is a login.
    None,
}

/// The role an operation plays for session handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionRole {
    /// An ordinary call: a 401 triggers one renewal and one retry.
    Ordinary,
    /// A login: 401/403 mean wrong credentials or tenant keys.
    Login,
    /// The session refresh call itself: never renewed again.
    Refresh,
    /// Logout: idempotent, never renewed.
    Logout,
}

/// How the client handles one operation (see [`handling`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handling {
    /// The operation.
    pub operation: Operation,
    /// The token it carries unless routed elsewhere with
    /// [`FinhubClientBuilder::token_route`](crate::FinhubClientBuilder::token_route).
    pub token: TokenKind,
    /// Its role for session handling.
    pub role: SessionRole,
}

impl Handling {
    /// Whether repeating the call cannot create a second effect on the
    /// server: GETs and logout. Only these are retried after a request may
    /// have reached the server (see [`RetryPolicy`](crate::RetryPolicy)).
    pub fn is_idempotent(&self) -> bool {
        self.operation.method() == Method::GET || self.role == SessionRole::Logout
    }
}

/// The token and session role of `operation`: the documented defaults
/// (FinHub's docs §3.1 "SDK default").
pub const fn handling(operation: Operation) -> Handling {
    use Operation as O;
    use SessionRole::{Login, Logout, Ordinary, Refresh};
    let (token, role) = match operation {
        O::CreateAdminSession => (TokenKind::None, Login),
        O::GetCategorizationHierarchy => (TokenKind::Admin, Ordinary),
        O::RegisterIndividualCustomer => (TokenKind::Admin, Ordinary),
        O::CreateCustomerSession => (TokenKind::None, Login),
        O::RefreshCustomerSession => (TokenKind::Customer, Refresh),
        O::DeleteCustomerSession => (TokenKind::Customer, Logout),
        O::SubmitCustomerVerification => (TokenKind::Customer, Ordinary),
        // The [RUN] step runner sends the admin token, [FLOW] the
        // customer's; the client falls back to the customer's on a 401/403
        // (see `alternatives`).
        O::CreateVerification => (TokenKind::Admin, Ordinary),
        O::GetVerification => (TokenKind::Customer, Ordinary),
        O::UploadVerificationDocument => (TokenKind::Customer, Ordinary),
        O::ApproveVerification => (TokenKind::Admin, Ordinary),
        O::AcceptConsent => (TokenKind::Customer, Ordinary),
        O::CheckActivationReadiness => (TokenKind::Customer, Ordinary),
        O::ActivateCustomer => (TokenKind::Admin, Ordinary),
        O::ListCustomerWallets => (TokenKind::Customer, Ordinary),
    };
    Handling {
        operation,
        token,
        role,
    }
}

/// Which token each operation carries: the default of [`handling`], unless
/// overridden with
/// [`FinhubClientBuilder::token_route`](crate::FinhubClientBuilder::token_route)
/// (FinHub's docs disagree on some, e.g. which token activation takes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TokenRoutes {
    overrides: Vec<(Operation, TokenKind)>,
}

impl TokenRoutes {
    /// Routes `operation` to `kind`.
    pub(crate) fn set(&mut self, operation: Operation, kind: TokenKind) {
        self.overrides.retain(|(op, _)| *op != operation);
        self.overrides.push((operation, kind));
    }

    /// The token `operation` was routed to, if it was.
    pub(crate) fn routed(&self, operation: Operation) -> Option<TokenKind> {
        self.overrides
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, kind)| *kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the catalogue has a row that fits what the
    /// catalogue says of it: a login is a tokenless POST to a `sessions`
    /// collection, a refresh a PUT and a logout a DELETE of one session, and
    /// everything else carries a token.
    #[test]
    fn every_operation_has_a_sensible_row() {
        let mut problems = Vec::new();
        for operation in Operation::ALL {
            let row = handling(operation);
            let method = operation.method();
            let path = operation.path();
            let fits = match row.role {
                SessionRole::Login => {
                    row.token == TokenKind::None
                        && method == Method::POST
                        && path.ends_with("/sessions")
                }
                SessionRole::Refresh => {
                    row.token == TokenKind::Customer
                        && method == Method::PUT
                        && path.ends_with("/sessions/{sessionId}")
                }
                SessionRole::Logout => {
                    row.token != TokenKind::None
                        && method == Method::DELETE
                        && path.ends_with("/sessions/{sessionId}")
                }
                SessionRole::Ordinary => {
                    row.token != TokenKind::None && !path.contains("/sessions")
                }
            };
            if !fits {
                problems.push(format!("{operation}: {row:?} for {method} {path}"));
            }
            if row.operation != operation {
                problems.push(format!("{operation}: the row names {}", row.operation));
            }
            let idempotent = method == Method::GET || method == Method::DELETE;
            if row.is_idempotent() != idempotent {
                problems.push(format!(
                    "{operation}: idempotent is {} for {method}",
                    row.is_idempotent()
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn a_route_overrides_the_default_token_of_its_operation_only() {
        let mut routes = TokenRoutes::default();
        routes.set(Operation::ActivateCustomer, TokenKind::Customer);
        routes.set(Operation::ActivateCustomer, TokenKind::None);
        assert_eq!(
            routes.routed(Operation::ActivateCustomer),
            Some(TokenKind::None)
        );
        assert_eq!(routes.routed(Operation::ApproveVerification), None);
    }
}
