//! What each FinHub operation is expected to be, written by hand from
//! `docs/finhub-api.md` (§2, §3.1) and the finhub-ext README ("Tokens", "Retries"),
//! never computed from `finhub_ext::operation`: the tests compare the
//! client against this table, so that a wrong entry in the client's own
//! table (a POST marked idempotent, a token routed to the wrong session)
//! fails them instead of changing what they expect.
//!
//! This file has no dependencies. The tests of `finhub-ext` include it as a
//! module by path; the contract tests use it as `finhub_tests::oracle`.

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Which bearer token an operation carries by default (finhub-ext README "Tokens",
/// docs §3.1 "SDK default").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// The tenant administrator's session.
    Admin,
    /// The customer's own session.
    Customer,
    /// None: a login.
    None,
}

/// What the operation is for session handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An ordinary call (a 401 renews the session once and retries once).
    Ordinary,
    /// A login: 401 means wrong credentials, 403 wrong tenant keys.
    Login,
    /// The (inferred) session refresh, docs §2.4 and I-22.
    Refresh,
    /// Logout, docs §2.5.
    Logout,
}

/// The expected behaviour of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// Operation id (`openapi.overrides.yaml`, quoted in docs §2 "SDK" lines).
    pub id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template.
    pub path: &'static str,
    /// Token carried by default.
    pub token: Token,
    /// Session role.
    pub role: Role,
    /// Whether repeating it cannot do the work twice: the finhub-ext README retries
    /// "GETs and logout" after the request may have reached the server.
    pub idempotent: bool,
    /// HTTP statuses after which the client tries again (an idempotent
    /// operation: [`RETRYABLE_STATUSES`]; any other: none).
    pub retried_on: &'static [u16],
}

/// finhub-ext README "Retries": "GETs and logout on transport errors and
/// 408/429/502/503/504".
pub const RETRYABLE_STATUSES: &[u16] = &[408, 429, 502, 503, 504];

/// finhub-ext README "Retries": "at most 3 attempts".
pub const MAX_ATTEMPTS: u32 = 3;

/// finhub-ext README "Retries": "`Retry-After` honoured up to 30 s".
pub const MAX_RETRY_AFTER_SECS: u64 = 30;

/// finhub-ext README "Sessions and refresh": "60 s buffer plus up to 30 s jitter".
pub const RENEWAL_BUFFER_SECS: u64 = 60;

/// finhub-ext README "Sessions and refresh": the most jitter added to the renewal buffer.
pub const RENEWAL_JITTER_MAX_SECS: u64 = 30;

const NONE: &[u16] = &[];

/// Every operation of the journey, in the order the journey reaches it
/// (docs §3.1), logout last.
pub const OPERATIONS: &[Expected] = &[
    // §1.10: admin login, no token (tenant key and secret in the body).
    Expected {
        id: "create_admin_session",
        method: Method::Post,
        path: "/api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions",
        token: Token::None,
        role: Role::Login,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.1
    Expected {
        id: "get_categorization_hierarchy",
        method: Method::Get,
        path: "/api/v2.1/customer/individual/categorization/hierarchy/{tenantId}",
        token: Token::Admin,
        role: Role::Ordinary,
        idempotent: true,
        retried_on: RETRYABLE_STATUSES,
    },
    // §2.2
    Expected {
        id: "register_individual_customer",
        method: Method::Post,
        path: "/api/v2.1/customer/individual/registration",
        token: Token::Admin,
        role: Role::Ordinary,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.3
    Expected {
        id: "create_customer_session",
        method: Method::Post,
        path: "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions",
        token: Token::None,
        role: Role::Login,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.4, I-22: a PUT that rotates the refresh token; repeating it would
    // present a spent refresh token.
    Expected {
        id: "refresh_customer_session",
        method: Method::Put,
        path: "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions/{sessionId}",
        token: Token::Customer,
        role: Role::Refresh,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.6
    Expected {
        id: "submit_customer_verification",
        method: Method::Post,
        path: "/api/v2.1/customer/individual/{customerId}/verification",
        token: Token::Customer,
        role: Role::Ordinary,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.7: the [RUN] runner's admin token first (the customer's is the
    // documented alternative, sent after a 401/403; I-24 and §3.1).
    Expected {
        id: "create_verification",
        method: Method::Post,
        path: "/api/v2.1/verifications",
        token: Token::Admin,
        role: Role::Ordinary,
        idempotent: false,
        retried_on: NONE,
    },
    Expected {
        id: "get_verification",
        method: Method::Get,
        path: "/api/v2.1/verifications/{verificationId}",
        token: Token::Customer,
        role: Role::Ordinary,
        idempotent: true,
        retried_on: RETRYABLE_STATUSES,
    },
    // §2.9
    Expected {
        id: "upload_verification_document",
        method: Method::Post,
        path: "/api/v2.1/verifications/{verificationId}/documents",
        token: Token::Customer,
        role: Role::Ordinary,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.11
    Expected {
        id: "approve_verification",
        method: Method::Post,
        path: "/api/v2.1/verifications/{verificationId}/approve",
        token: Token::Admin,
        role: Role::Ordinary,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.12
    Expected {
        id: "accept_consent",
        method: Method::Post,
        path: "/api/v2.1/customer/individual/{customerId}/consents/{consentType}",
        token: Token::Customer,
        role: Role::Ordinary,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.13
    Expected {
        id: "check_activation_readiness",
        method: Method::Get,
        path: "/api/v2.1/customer/individual/{customerId}/owner/{ownerTenantId}/activation/check",
        token: Token::Customer,
        role: Role::Ordinary,
        idempotent: true,
        retried_on: RETRYABLE_STATUSES,
    },
    // §2.14: admin token by default (I-31).
    Expected {
        id: "activate_customer",
        method: Method::Post,
        path: "/api/v2.1/customer/individual/{customerId}/activation",
        token: Token::Admin,
        role: Role::Ordinary,
        idempotent: false,
        retried_on: NONE,
    },
    // §2.15
    Expected {
        id: "list_customer_wallets",
        method: Method::Get,
        path: "/api/v2.1/wallets/customer/{customerId}",
        token: Token::Customer,
        role: Role::Ordinary,
        idempotent: true,
        retried_on: RETRYABLE_STATUSES,
    },
    // §2.5: "Logout counts as idempotent and may be retried."
    Expected {
        id: "delete_customer_session",
        method: Method::Delete,
        path: "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions/{sessionId}",
        token: Token::Customer,
        role: Role::Logout,
        idempotent: true,
        retried_on: RETRYABLE_STATUSES,
    },
];

/// The expected behaviour of operation `id`.
///
/// # Panics
///
/// When `id` is not an operation of the table.
pub fn expected(id: &str) -> &'static Expected {
    OPERATIONS
        .iter()
        .find(|op| op.id == id)
        .unwrap_or_else(|| panic!("{id} is not in the oracle's table"))
}

impl Expected {
    /// How many requests the client sends when every attempt fails with
    /// HTTP `status` (a 401 aside: that renews the session instead).
    pub fn attempts_on_status(&self, status: u16) -> u32 {
        if self.retried_on.contains(&status) {
            MAX_ATTEMPTS
        } else {
            1
        }
    }

    /// How many requests the client sends when every attempt fails after
    /// the request may have reached the server (timeout, dropped
    /// connection): only an idempotent operation is tried again.
    pub fn attempts_on_transport_failure(&self) -> u32 {
        if self.idempotent { MAX_ATTEMPTS } else { 1 }
    }

    /// The path with every `{name}` replaced by `ids(name)`.
    pub fn path_with(&self, ids: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        let mut rest = self.path;
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .map(|e| start + e)
                .expect("a closed `{`");
            out.push_str(&rest[..start]);
            out.push_str(&ids(&rest[start + 1..end]));
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }
}
