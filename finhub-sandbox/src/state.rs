//! The sandbox's state: customers with their users, consents and wallets,
//! verifications with their documents, and sessions; plus the journey rules
//! that read it (activation readiness).
//!
//! Locking: the journey data lives in one [`Store`] behind a `RwLock`, held
//! only for short synchronous sections (never across an `.await`), so checks
//! such as "one customer per e-mail" or "activate only when ready" are
//! atomic. Sessions and revoked tokens, touched by every login and every
//! authenticated request, live in sharded concurrent maps instead.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use finhub_api::types::Person;

use crate::auth::{LoginGuard, SecretDigest, Tokens};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::SandboxConfig;
use crate::control_token::ControlToken;
use crate::faults::Faults;
use crate::stats::Counters;

/// Everything the handlers share.
pub(crate) struct AppState {
    pub config: SandboxConfig,
    pub clock: Clock,
    pub tokens: Tokens,
    pub admin_guard: LoginGuard,
    pub store: RwLock<Store>,
    pub sessions: Sessions,
    pub faults: Faults,
    pub counters: Arc<Counters>,
    pub catalog: Catalog,
    /// What the control endpoints require.
    pub control_token: ControlToken,
    next_account: AtomicU64,
}

impl AppState {
    pub fn new(
        config: SandboxConfig,
        clock: Clock,
        jwt_secret: &[u8],
        control_token: ControlToken,
    ) -> Self {
        let counters = Arc::new(Counters::default());
        AppState {
            tokens: Tokens::new(jwt_secret, config.token_lifetime),
            admin_guard: LoginGuard::default(),
            store: RwLock::new(Store::default()),
            sessions: Sessions::default(),
            faults: Faults::new(config.fault_seed, counters.clone()),
            counters,
            catalog: Catalog::new(&config.tenant_id, &config.tenant_name),
            control_token,
            next_account: AtomicU64::new(12_345_600_000),
            clock,
            config,
        }
    }

    /// Shared read access to the journey data.
    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        // Handlers never panic while holding the lock; if one did, the data
        // is still consistent (every update is a single assignment).
        self.store.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Exclusive access to the journey data.
    pub fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh account number for an IBAN.
    pub fn next_account(&self) -> u64 {
        self.next_account.fetch_add(1, Ordering::Relaxed)
    }

    /// The first eight characters of the tenant key (refresh-token suffix).
    pub fn tenant_key_prefix(&self) -> &str {
        let key = self.config.tenant_key.expose();
        match key.char_indices().nth(8) {
            Some((end, _)) => &key[..end],
            None => key,
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("tenant_id", &self.config.tenant_id)
            .finish_non_exhaustive()
    }
}

/// The journey data.
#[derive(Default)]
pub(crate) struct Store {
    pub customers: HashMap<String, Customer>,
    /// Lower-cased e-mail → customer id (e-mails are unique in the tenant).
    pub emails: HashMap<String, String>,
    pub verifications: HashMap<String, Verification>,
}

/// A registered individual customer.
pub(crate) struct Customer {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub gender: String,
    /// The person as the registration response shows it.
    pub person: Person,
    pub user: User,
    pub status: CustomerStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Indexed by [`ConsentKind::index`].
    pub consents: [Option<ConsentRecord>; 3],
    pub verification_ids: Vec<String>,
    /// Created on activation: the product wallet (with the IBAN) first.
    pub wallets: Vec<WalletRecord>,
    pub activated_at: Option<DateTime<Utc>>,
}

/// The customer's login.
pub(crate) struct User {
    pub id: String,
    pub username: String,
    pub password: SecretDigest,
    pub guard: Arc<LoginGuard>,
    pub last_login: Option<DateTime<Utc>>,
}

/// Lifecycle of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CustomerStatus {
    Registered,
    Active,
}

impl CustomerStatus {
    /// `customerStatus` as FinHub reports it (only the first is documented).
    pub fn code(self) -> &'static str {
        match self {
            CustomerStatus::Registered => "CS_REGISTRATION_COMPLETED",
            CustomerStatus::Active => "CS_ACTIVE",
        }
    }

    /// The user's `status`.
    pub fn user_status(self) -> &'static str {
        match self {
            CustomerStatus::Registered => "PENDING_ACTIVATION",
            CustomerStatus::Active => "ACTIVE",
        }
    }
}

/// The three mandatory consents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsentKind {
    Terms,
    Privacy,
    DataProcessing,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 3] = [
        ConsentKind::Terms,
        ConsentKind::Privacy,
        ConsentKind::DataProcessing,
    ];

    /// From the path segment (`terms`, `privacy`, `data-processing`).
    pub fn from_path(segment: &str) -> Option<ConsentKind> {
        ConsentKind::ALL
            .into_iter()
            .find(|kind| kind.path() == segment)
    }

    pub fn path(self) -> &'static str {
        match self {
            ConsentKind::Terms => "terms",
            ConsentKind::Privacy => "privacy",
            ConsentKind::DataProcessing => "data-processing",
        }
    }

    /// The upper-case `consentType` (also used in `missingConsents`).
    pub fn code(self) -> &'static str {
        match self {
            ConsentKind::Terms => "TERMS_AND_CONDITIONS",
            ConsentKind::Privacy => "PRIVACY_POLICY",
            ConsentKind::DataProcessing => "DATA_PROCESSING",
        }
    }

    /// The short `type` (`TERMS`).
    pub fn short(self) -> &'static str {
        match self {
            ConsentKind::Terms => "TERMS",
            ConsentKind::Privacy => "PRIVACY",
            ConsentKind::DataProcessing => "DATA_PROCESSING",
        }
    }

    /// Human name, for messages.
    pub fn title(self) -> &'static str {
        match self {
            ConsentKind::Terms => "Terms and conditions",
            ConsentKind::Privacy => "Privacy policy",
            ConsentKind::DataProcessing => "Data processing consent",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// An accepted consent.
#[derive(Debug, Clone)]
pub(crate) struct ConsentRecord {
    pub id: String,
    pub version: String,
    pub accepted_at: DateTime<Utc>,
}

/// A KYC verification process.
pub(crate) struct Verification {
    pub id: String,
    pub customer_id: String,
    pub type_: String,
    pub requested_level: String,
    pub status: VerificationStatus,
    pub documents: Vec<Document>,
    pub started_at: DateTime<Utc>,
    pub initiated_by: String,
    pub additional_data: serde_json::Map<String, serde_json::Value>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
}

/// Where a verification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum VerificationStatus {
    Pending,
    Approved,
}

impl VerificationStatus {
    pub fn code(self) -> &'static str {
        match self {
            VerificationStatus::Pending => "PENDING",
            VerificationStatus::Approved => "APPROVED",
        }
    }
}

/// Level reached by an approved verification.
pub(crate) const TENANT_VERIFIED: &str = "TENANT_VERIFIED";

/// A stored document: metadata only, the content is checked and dropped.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub id: String,
    pub document_type: String,
    pub file_name: String,
    pub mime_type: String,
    pub uploaded_at: DateTime<Utc>,
    pub description: Option<String>,
}

/// The two wallets an activated customer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WalletKind {
    Product,
    Master,
}

impl WalletKind {
    pub fn name(self) -> &'static str {
        match self {
            WalletKind::Product => "B2C Product General Purpose Wallet",
            WalletKind::Master => "B2C Master General Purpose Wallet",
        }
    }

    pub fn wallet_type(self) -> &'static str {
        match self {
            WalletKind::Product => "b2c_product_general_purpose_wallet",
            WalletKind::Master => "b2c_master_general_purpose_wallet",
        }
    }
}

/// A wallet of an activated customer.
#[derive(Debug, Clone)]
pub(crate) struct WalletRecord {
    pub id: String,
    pub kind: WalletKind,
    pub iban: Option<String>,
}

/// What stands between a customer and activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Readiness {
    /// The most advanced verification's status; `None` if none was started.
    pub verification: Option<VerificationStatus>,
    pub missing_consents: Vec<ConsentKind>,
    pub active: bool,
}

impl Readiness {
    pub fn verification_ok(&self) -> bool {
        self.verification == Some(VerificationStatus::Approved)
    }

    pub fn consent_ok(&self) -> bool {
        self.missing_consents.is_empty()
    }

    /// The documented gate: verification approved, every consent accepted,
    /// not already active.
    pub fn allowed(&self) -> bool {
        self.verification_ok() && self.consent_ok() && !self.active
    }

    /// What is missing, in words (empty when ready).
    pub fn missing(&self) -> String {
        let mut parts = Vec::new();
        if !self.consent_ok() {
            let codes: Vec<&str> = self.missing_consents.iter().map(|k| k.code()).collect();
            parts.push(format!("missing consents {}", codes.join(", ")));
        }
        match self.verification {
            None => parts.push("verification not started".to_string()),
            Some(VerificationStatus::Pending) => {
                parts.push("verification not approved (status PENDING)".to_string())
            }
            Some(VerificationStatus::Approved) => {}
        }
        parts.join("; ")
    }
}

impl Store {
    /// Activation readiness of `customer`.
    pub fn readiness(&self, customer: &Customer) -> Readiness {
        let verification = customer
            .verification_ids
            .iter()
            .filter_map(|id| self.verifications.get(id))
            .map(|v| v.status)
            .max();
        let missing_consents = ConsentKind::ALL
            .into_iter()
            .filter(|kind| customer.consents[kind.index()].is_none())
            .collect();
        Readiness {
            verification,
            missing_consents,
            active: customer.status == CustomerStatus::Active,
        }
    }

    /// The customer `customer_id`, if registered.
    pub fn customer(&self, customer_id: &str) -> Option<&Customer> {
        self.customers.get(customer_id)
    }
}

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    Admin,
    Customer(String),
}

/// A login session and its refresh state.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub owner: Owner,
    pub user_id: String,
    /// The only refresh token that works (each refresh rotates it).
    pub refresh_token: String,
    /// Every access token issued in this session (revoked on logout).
    pub jtis: Vec<String>,
    /// Access-token expiry of each entry of `jtis` (epoch seconds).
    pub token_expiry: Vec<i64>,
    pub expires_at: DateTime<Utc>,
    pub terminated_at: Option<DateTime<Utc>>,
}

/// Customer sessions and revoked tokens. (Admin sessions are not stored:
/// no operation refreshes or ends them, so an admin login writes nothing.)
#[derive(Default)]
pub(crate) struct Sessions {
    pub map: DashMap<String, Session>,
    /// jti → token expiry (epoch seconds) of logged-out tokens.
    revoked: DashMap<String, i64>,
    /// Clock time (epoch seconds) of the next sweep.
    next_sweep: AtomicI64,
}

/// Sessions are swept of expired entries at most this often (clock time).
const SWEEP_EVERY_SECS: i64 = 60;

impl Sessions {
    pub fn insert(&self, id: String, session: Session, now: DateTime<Utc>) {
        self.map.insert(id, session);
        let now_secs = now.timestamp();
        let due = self.next_sweep.load(Ordering::Relaxed);
        if now_secs >= due
            && self
                .next_sweep
                .compare_exchange(
                    due,
                    now_secs + SWEEP_EVERY_SECS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            self.sweep(now);
        }
    }

    /// Whether the token `jti` was logged out.
    pub fn is_revoked(&self, jti: &str) -> bool {
        self.revoked.contains_key(jti)
    }

    /// Logs out every token of `session`.
    pub fn revoke(&self, session: &Session) {
        for (jti, exp) in session.jtis.iter().zip(&session.token_expiry) {
            self.revoked.insert(jti.clone(), *exp);
        }
    }

    /// Forgets sessions that can no longer be refreshed and revocations of
    /// tokens that have expired anyway.
    pub fn sweep(&self, now: DateTime<Utc>) {
        let now_secs = now.timestamp();
        self.map.retain(|_, session| session.expires_at > now);
        self.revoked.retain(|_, exp| *exp > now_secs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_names_what_is_missing() {
        let mut readiness = Readiness {
            verification: None,
            missing_consents: ConsentKind::ALL.to_vec(),
            active: false,
        };
        assert!(!readiness.allowed());
        assert_eq!(
            readiness.missing(),
            "missing consents TERMS_AND_CONDITIONS, PRIVACY_POLICY, DATA_PROCESSING; verification not started"
        );
        readiness.verification = Some(VerificationStatus::Pending);
        readiness.missing_consents = vec![ConsentKind::DataProcessing];
        assert_eq!(
            readiness.missing(),
            "missing consents DATA_PROCESSING; verification not approved (status PENDING)"
        );
        readiness.verification = Some(VerificationStatus::Approved);
        readiness.missing_consents.clear();
        assert!(readiness.allowed());
        assert_eq!(readiness.missing(), "");
        readiness.active = true;
        assert!(!readiness.allowed());
    }

    #[test]
    fn consent_kinds_map_paths_to_codes() {
        assert_eq!(
            ConsentKind::from_path("terms").unwrap().code(),
            "TERMS_AND_CONDITIONS"
        );
        assert_eq!(
            ConsentKind::from_path("privacy").unwrap().code(),
            "PRIVACY_POLICY"
        );
        assert_eq!(
            ConsentKind::from_path("data-processing").unwrap().code(),
            "DATA_PROCESSING"
        );
        assert_eq!(ConsentKind::from_path("cookies"), None);
    }
}
