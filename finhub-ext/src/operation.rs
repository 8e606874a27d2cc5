//! What the client knows about each FinHub operation: method, path
//! template, which token it carries, and whether it may be retried.

use reqwest::Method;

/// Which bearer token an operation carries by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The tenant administrator's session.
    Admin,
    /// The session of the customer the call is about.
    Customer,
    /// No token: the operation is a login.
    None,
}

/// The role an operation plays for session handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionRole {
    /// An ordinary call: a 401 triggers one refresh and one retry.
    Ordinary,
    /// A login: 401/403 mean wrong credentials or tenant keys.
    Login,
    /// The session refresh call itself: never refreshed again.
    Refresh,
    /// Logout: idempotent, never refreshed.
    Logout,
}

/// One operation of the journey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Stable operation id (from `openapi.overrides.yaml`).
    pub id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template as in `openapi.yaml`.
    pub path: &'static str,
    /// The token it carries by default.
    pub token: TokenKind,
    /// Its role for session handling.
    pub role: SessionRole,
}

impl Operation {
    /// Whether repeating the call cannot create a second effect on the
    /// server: GETs and logout.
    pub fn is_idempotent(&self) -> bool {
        self.method == Method::GET || self.role == SessionRole::Logout
    }

    /// Looks an operation up by id.
    pub fn find(id: &str) -> Option<&'static Operation> {
        OPERATIONS.iter().find(|op| op.id == id)
    }
}

/// Which token each operation carries: the documented default of
/// [`OPERATIONS`], unless overridden with
/// [`FinhubClientBuilder::token_route`](crate::FinhubClientBuilder::token_route)
/// (FinHub's docs disagree on some, e.g. which token activation takes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRoutes {
    overrides: Vec<(&'static str, TokenKind)>,
}

impl TokenRoutes {
    /// Routes `operation` to `kind`.
    pub(crate) fn set(&mut self, operation: &'static str, kind: TokenKind) {
        self.overrides.retain(|(id, _)| *id != operation);
        self.overrides.push((operation, kind));
    }

    /// The token `operation` carries.
    pub fn kind(&self, operation: &Operation) -> TokenKind {
        self.overrides
            .iter()
            .find(|(id, _)| *id == operation.id)
            .map_or(operation.token, |(_, kind)| *kind)
    }

    /// Overridden operation ids that are not operations.
    pub(crate) fn unknown(&self) -> Vec<&'static str> {
        self.overrides
            .iter()
            .filter(|(id, _)| Operation::find(id).is_none())
            .map(|(id, _)| *id)
            .collect()
    }
}

macro_rules! op {
    ($id:literal, $method:ident, $path:literal, $token:ident, $role:ident) => {
        Operation {
            id: $id,
            method: Method::$method,
            path: $path,
            token: TokenKind::$token,
            role: SessionRole::$role,
        }
    };
}

/// Every operation of the journey, in journey order.
pub const OPERATIONS: &[Operation] = &[
    op!(
        "create_admin_session",
        POST,
        "/api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions",
        None,
        Login
    ),
    op!(
        "get_categorization_hierarchy",
        GET,
        "/api/v2.1/customer/individual/categorization/hierarchy/{tenantId}",
        Admin,
        Ordinary
    ),
    op!(
        "register_individual_customer",
        POST,
        "/api/v2.1/customer/individual/registration",
        Admin,
        Ordinary
    ),
    op!(
        "create_customer_session",
        POST,
        "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions",
        None,
        Login
    ),
    op!(
        "refresh_customer_session",
        PUT,
        "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions/{sessionId}",
        Customer,
        Refresh
    ),
    op!(
        "delete_customer_session",
        DELETE,
        "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions/{sessionId}",
        Customer,
        Logout
    ),
    op!(
        "submit_customer_verification",
        POST,
        "/api/v2.1/customer/individual/{customerId}/verification",
        Customer,
        Ordinary
    ),
    op!(
        "create_verification",
        POST,
        "/api/v2.1/verifications",
        Customer,
        Ordinary
    ),
    op!(
        "get_verification",
        GET,
        "/api/v2.1/verifications/{verificationId}",
        Customer,
        Ordinary
    ),
    op!(
        "upload_verification_document",
        POST,
        "/api/v2.1/verifications/{verificationId}/documents",
        Customer,
        Ordinary
    ),
    op!(
        "approve_verification",
        POST,
        "/api/v2.1/verifications/{verificationId}/approve",
        Admin,
        Ordinary
    ),
    op!(
        "accept_consent",
        POST,
        "/api/v2.1/customer/individual/{customerId}/consents/{consentType}",
        Customer,
        Ordinary
    ),
    op!(
        "check_activation_readiness",
        GET,
        "/api/v2.1/customer/individual/{customerId}/owner/{ownerTenantId}/activation/check",
        Customer,
        Ordinary
    ),
    op!(
        "activate_customer",
        POST,
        "/api/v2.1/customer/individual/{customerId}/activation",
        Admin,
        Ordinary
    ),
    op!(
        "list_customer_wallets",
        GET,
        "/api/v2.1/wallets/customer/{customerId}",
        Customer,
        Ordinary
    ),
];
