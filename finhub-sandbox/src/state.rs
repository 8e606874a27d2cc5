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
use finhub_api::types::{Person, VerificationApproval};
use finhub_api::{LenientTimestamp, Sensitive};

use crate::auth::{LoginGuard, SecretDigest, Tokens};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::SandboxConfig;
use crate::control_token::ControlToken;
use crate::faults::Faults;
use crate::outbox::Outbox;
use crate::review::ReviewError;
use crate::stats::{Counters, SideEffect};

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
    /// The e-mails FinHub would have sent.
    pub outbox: Outbox,
    next_account: AtomicU64,
    /// When the next held review completes on its own (epoch milliseconds
    /// of the sandbox clock; `i64::MAX`: none is due). Written only under
    /// the store's write lock.
    next_review_due: AtomicI64,
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
            catalog: Catalog::new(&config.tenant_id, &config.tenant_name, config.profile),
            control_token,
            outbox: Outbox::default(),
            next_account: AtomicU64::new(12_345_600_000),
            next_review_due: AtomicI64::new(i64::MAX),
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

    /// Notes that a held review completes at `due` (call with the store's
    /// write lock held).
    pub fn review_due_at(&self, due: DateTime<Utc>) {
        self.next_review_due
            .fetch_min(due.timestamp_millis(), Ordering::AcqRel);
    }

    /// Completes every held review whose delay has passed on the sandbox
    /// clock. One atomic load when none is due; the first request (or
    /// stats reading) after the moment completes it.
    pub fn settle_reviews(&self) {
        let now = self.clock.now();
        if now.timestamp_millis() < self.next_review_due.load(Ordering::Acquire) {
            return;
        }
        let mut approved = 0;
        {
            let mut store = self.write();
            let mut next = i64::MAX;
            for verification in store.verifications.values_mut() {
                match verification.review_due {
                    Some(due) if due <= now => {
                        verification.approve(now, POWER_TENANT);
                        approved += 1;
                    }
                    Some(due) => next = next.min(due.timestamp_millis()),
                    None => {}
                }
            }
            self.next_review_due.store(next, Ordering::Release);
        }
        for _ in 0..approved {
            self.counters.side_effect(SideEffect::Approval);
        }
    }

    /// The power tenant's review of verification `id` completes: it
    /// becomes `APPROVED`.
    pub fn approve_review(&self, id: &str) -> Result<VerificationApproval, ReviewError> {
        self.settle_reviews();
        let now = self.clock.now();
        let approval = {
            let mut store = self.write();
            let verification = store
                .verifications
                .get_mut(id)
                .ok_or_else(|| ReviewError::NotFound(id.to_string()))?;
            if verification.status != VerificationStatus::PendingReview {
                return Err(ReviewError::NotPending {
                    id: id.to_string(),
                    status: verification.status.code(),
                });
            }
            verification.approve(now, POWER_TENANT);
            verification.approval()
        };
        self.counters.side_effect(SideEffect::Approval);
        Ok(approval)
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
    /// Registered in a high-risk category: KYC needs the power tenant.
    pub high_risk: bool,
    /// The code of the activation e-mail.
    pub activation_code: Sensitive,
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
    /// Requested at `POWER_TENANT_VERIFIED`, or of a high-risk customer.
    pub needs_power_tenant: bool,
    /// When a held review completes on its own (review delay).
    pub review_due: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
}

impl Verification {
    /// The level an approval reaches: the power tenant's when it needs it,
    /// else the one requested.
    pub fn level(&self) -> &str {
        if self.needs_power_tenant {
            POWER_TENANT_VERIFIED
        } else {
            &self.requested_level
        }
    }

    /// Marks it approved at `now` by `by`.
    pub fn approve(&mut self, now: DateTime<Utc>, by: &str) {
        self.status = VerificationStatus::Approved;
        self.approved_at = Some(now);
        self.approved_by = Some(by.to_string());
        self.review_due = None;
    }

    /// The approval answer's payload (the approval page's five fields).
    pub fn approval(&self) -> VerificationApproval {
        VerificationApproval {
            verification_id: Some(self.id.clone()),
            status: Some(self.status.code().into()),
            level: Some(self.level().to_string()),
            approved_by: self.approved_by.clone(),
            approved_at: self.approved_at.map(LenientTimestamp::from),
        }
    }
}

/// Where a verification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum VerificationStatus {
    Pending,
    /// Approved by the tenant admin, waiting for the power tenant's review.
    PendingReview,
    Approved,
}

impl VerificationStatus {
    pub fn code(self) -> &'static str {
        match self {
            VerificationStatus::Pending => "PENDING",
            VerificationStatus::PendingReview => "PENDING_REVIEW",
            VerificationStatus::Approved => "APPROVED",
        }
    }
}

/// Level reached by an approved verification.
pub(crate) const TENANT_VERIFIED: &str = "TENANT_VERIFIED";
/// Level of a high-risk customer's approval, by the power tenant.
pub(crate) const POWER_TENANT_VERIFIED: &str = "POWER_TENANT_VERIFIED";
/// Who completes a held review (`approvedBy`), in the vocabulary of
/// `performedBy: "TENANT"`.
pub(crate) const POWER_TENANT: &str = "POWER_TENANT";

/// A stored document: metadata only, the content is checked and dropped.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub id: String,
    pub document_type: String,
    pub file_name: String,
    pub mime_type: String,
    pub uploaded_at: DateTime<Utc>,
    /// The user whose token uploaded it.
    pub uploaded_by: String,
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
    /// The IBAN and the sandbox-clock time from which the wallet shows it
    /// (activation plus the IBAN delay).
    pub iban: Option<(String, DateTime<Utc>)>,
}

impl WalletRecord {
    /// The IBAN, once assigned at `now`.
    pub fn iban_at(&self, now: DateTime<Utc>) -> Option<&str> {
        self.iban
            .as_ref()
            .filter(|(_, from)| *from <= now)
            .map(|(iban, _)| iban.as_str())
    }
}

/// What stands between a customer and activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Readiness {
    /// The most advanced verification's status; `None` if none was started.
    pub verification: Option<VerificationStatus>,
    /// The level of the approved verification, if one is approved.
    pub level: Option<String>,
    pub missing_consents: Vec<ConsentKind>,
    pub active: bool,
    /// A high-risk customer: KYC needs the power tenant.
    pub high_risk: bool,
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
            Some(status @ (VerificationStatus::Pending | VerificationStatus::PendingReview)) => {
                parts.push(format!(
                    "verification not approved (status {})",
                    status.code()
                ))
            }
            Some(VerificationStatus::Approved) => {}
        }
        parts.join("; ")
    }
}

impl Store {
    /// Activation readiness of `customer`.
    pub fn readiness(&self, customer: &Customer) -> Readiness {
        let most_advanced = customer
            .verification_ids
            .iter()
            .filter_map(|id| self.verifications.get(id))
            .max_by_key(|v| v.status);
        let missing_consents = ConsentKind::ALL
            .into_iter()
            .filter(|kind| customer.consents[kind.index()].is_none())
            .collect();
        Readiness {
            verification: most_advanced.map(|v| v.status),
            level: most_advanced
                .filter(|v| v.status == VerificationStatus::Approved)
                .map(|v| v.level().to_string()),
            missing_consents,
            active: customer.status == CustomerStatus::Active,
            high_risk: customer.high_risk,
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
            level: None,
            missing_consents: ConsentKind::ALL.to_vec(),
            active: false,
            high_risk: false,
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
        readiness.verification = Some(VerificationStatus::PendingReview);
        assert!(!readiness.allowed());
        assert!(readiness.missing().ends_with("(status PENDING_REVIEW)"));
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
