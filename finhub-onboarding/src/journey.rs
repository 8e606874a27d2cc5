//! One customer's journey as a plain, versioned serde value: what is done,
//! the ids FinHub gave (customer, verification, documents, consents), what
//! was sent without an answer yet, what it waits for. A
//! [`Runner`](crate::Runner) advances it; a [`JourneyStore`](crate::JourneyStore)
//! keeps it between runs.
//!
//! It never holds a password: the one given to [`Journey::new`] or
//! [`Journey::supply_password`] lives only in memory, is used for one
//! registration or login, and is not serialized. The customer's session is
//! kept as a [`StoredSession`] (ids and tokens, serialized on purpose; see
//! [`finhub_ext::SessionSnapshot`]), which is what lets a journey resume
//! days later without the password.

use std::fmt;

use chrono::{DateTime, Utc};
use finhub_ext::api::Sensitive;
use finhub_ext::builders::ConsentKind;
use finhub_ext::validation::Violations;
use finhub_ext::{CustomerClient, SecretString, StoredSession};
use serde::{Deserialize, Serialize};

use crate::category::ChosenCategory;
use crate::codes;
use crate::customer::{Customer, Document};
use crate::outcome::Outcome;
use crate::step::Step;
use crate::store::{JourneyId, Phase, Revision};

/// The version of the journey's serde form that this crate writes and
/// reads. A state of another version is refused on load
/// ([`LoadError::Version`](crate::LoadError::Version)).
pub const JOURNEY_VERSION: u32 = 1;

/// Where a request stands: not sent, sent with its outcome unknown (the
/// intent is recorded before the request leaves), or done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Attempt<T> {
    /// Not sent yet.
    NotSent,
    /// Sent at `at`; no answer recorded. Resolved by reading FinHub's state
    /// before anything is sent again.
    Sent {
        /// When the request left (the runner's clock).
        at: DateTime<Utc>,
    },
    /// Done; what FinHub answered.
    Done(T),
}

impl<T> Attempt<T> {
    /// What was done, once done.
    pub fn done(&self) -> Option<&T> {
        match self {
            Attempt::Done(value) => Some(value),
            _ => None,
        }
    }

    /// Whether it was sent with the outcome unknown.
    pub fn is_sent(&self) -> bool {
        matches!(self, Attempt::Sent { .. })
    }
}

/// What the registration gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// The customer id (`data.id`).
    pub customer_id: String,
    /// The user id (`data.user.id`).
    pub user_id: String,
    /// The tenant that owns the customer (`data.tenantId`), used for the
    /// readiness check; `None` when the answer has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// The KYC verification: the id proposed before creating it, and the
/// creation's attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationState {
    /// The id proposed to FinHub (`verificationId`), chosen before the
    /// request is sent, so a lost answer can be read back by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_id: Option<String>,
    /// The creation.
    pub attempt: Attempt<Created>,
}

/// A created verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    /// The verification id FinHub uses.
    pub verification_id: String,
}

/// One KYC document's upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentState {
    /// The document.
    #[serde(flatten)]
    pub document: Document,
    /// The `docId` made up for it before the upload (a UUID).
    pub doc_id: String,
    /// The upload.
    pub attempt: Attempt<Uploaded>,
}

/// An uploaded document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    /// The document id FinHub uses.
    pub document_id: String,
}

/// The KYC approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ApprovalState {
    /// Not asked yet.
    NotSent,
    /// Asked at `at`; no answer recorded.
    Sent {
        /// When.
        at: DateTime<Utc>,
    },
    /// FinHub reviews it (or it is not the tenant's to give); the journey
    /// polls the verification's status.
    InReview {
        /// Polls so far.
        polls: u32,
    },
    /// Approved.
    #[serde(rename_all = "camelCase")]
    Approved {
        /// The level reached (`TENANT_VERIFIED`), when FinHub said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<String>,
    },
}

/// One consent's acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentState {
    /// Which consent (`terms`, `privacy`, `data-processing`).
    #[serde(with = "codes::consent_kind")]
    pub kind: ConsentKind,
    /// The acceptance.
    pub attempt: Attempt<Accepted>,
}

/// An accepted consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// The consent's id, when FinHub's answer carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<String>,
}

/// An activated customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activated {
    /// The IBAN, when the activation's answer carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
}

/// One customer's onboarding journey: a plain, versioned serde value —
/// what is done, the ids FinHub gave (customer, verification, documents,
/// consents), what was sent without an answer yet, what it waits for. A
/// [`Runner`](crate::Runner) advances it; a
/// [`JourneyStore`](crate::JourneyStore) keeps it between runs.
///
/// It never holds a password: the one given to [`Journey::new`] or
/// [`Journey::supply_password`] lives only in memory, is used for one
/// registration or login, and is not serialized. The customer's session is
/// kept as a [`StoredSession`] (ids and tokens, serialized on purpose; see
/// [`finhub_ext::SessionSnapshot`]), which lets a journey resume days
/// later without the password.
///
/// `Debug` prints no secret: the session's tokens and the activation code
/// are redacted, the password is never shown.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journey {
    pub(crate) version: u32,
    pub(crate) id: JourneyId,
    pub(crate) customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) category: Option<ChosenCategory>,
    pub(crate) registration: Attempt<Registered>,
    /// The customer's session, serialized on purpose (tokens in clear:
    /// keep the store where secrets belong).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) session: Option<StoredSession>,
    pub(crate) verification: VerificationState,
    pub(crate) documents: Vec<DocumentState>,
    pub(crate) approval: ApprovalState,
    pub(crate) consents: Vec<ConsentState>,
    pub(crate) ready: bool,
    /// The code the caller supplied, until the activation is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) activation_code: Option<Sensitive>,
    /// FinHub refused the last code supplied.
    #[serde(default)]
    pub(crate) code_rejected: bool,
    pub(crate) activation: Attempt<Activated>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) iban: Option<String>,
    #[serde(default)]
    pub(crate) iban_polls: u32,
    pub(crate) logged_out: bool,
    /// Where the last run stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) outcome: Option<Outcome>,
    /// For one registration or login; never serialized.
    #[serde(skip)]
    pub(crate) password: Option<SecretString>,
    /// The revision the state was loaded or last saved as.
    #[serde(skip)]
    pub(crate) revision: Option<Revision>,
    /// The state as last saved, JSON text (a save that would write the
    /// same text is skipped).
    #[serde(skip)]
    pub(crate) saved: Option<Box<serde_json::value::RawValue>>,
    /// The live session of this process.
    #[serde(skip)]
    pub(crate) live: Option<CustomerClient>,
}

impl fmt::Debug for Journey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journey")
            .field("version", &self.version)
            .field("id", &self.id)
            .field("customer", &self.customer.email)
            .field("category", &self.category)
            .field("registration", &self.registration)
            .field("session", &self.session)
            .field("verification", &self.verification)
            .field("documents", &self.documents)
            .field("approval", &self.approval)
            .field("consents", &self.consents)
            .field("ready", &self.ready)
            .field(
                "activation_code",
                &self.activation_code.as_ref().map(|_| "** redacted **"),
            )
            .field("activation", &self.activation)
            .field("iban", &self.iban)
            .field("logged_out", &self.logged_out)
            .field("outcome", &self.outcome)
            .field(
                "password",
                &self.password.as_ref().map(|_| "** redacted **"),
            )
            .field("revision", &self.revision)
            .finish()
    }
}

impl Journey {
    /// A new journey `id` for `customer`, who registers with `password`.
    /// The password is checked with the customer's facts now (every
    /// violation at once, naming the field and the rule) and kept in memory
    /// only, for the registration and the first login.
    pub fn new(
        id: JourneyId,
        customer: Customer,
        password: impl Into<SecretString>,
    ) -> Result<Journey, Violations> {
        let password = password.into();
        customer.validate(&password)?;
        let documents = customer
            .documents
            .iter()
            .map(|document| DocumentState {
                document: document.clone(),
                doc_id: uuid::Uuid::new_v4().to_string(),
                attempt: Attempt::NotSent,
            })
            .collect();
        let consents = [
            ConsentKind::Terms,
            ConsentKind::Privacy,
            ConsentKind::DataProcessing,
        ]
        .into_iter()
        .map(|kind| ConsentState {
            kind,
            attempt: Attempt::NotSent,
        })
        .collect();
        Ok(Journey {
            version: JOURNEY_VERSION,
            id,
            customer,
            category: None,
            registration: Attempt::NotSent,
            session: None,
            verification: VerificationState {
                proposed_id: None,
                attempt: Attempt::NotSent,
            },
            documents,
            approval: ApprovalState::NotSent,
            consents,
            ready: false,
            activation_code: None,
            code_rejected: false,
            activation: Attempt::NotSent,
            iban: None,
            iban_polls: 0,
            logged_out: false,
            outcome: None,
            password: Some(password),
            revision: None,
            saved: None,
            live: None,
        })
    }

    /// The journey's key.
    pub fn id(&self) -> &JourneyId {
        &self.id
    }

    /// The version of its serde form ([`JOURNEY_VERSION`]).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The customer being onboarded.
    pub fn customer(&self) -> &Customer {
        &self.customer
    }

    /// The category chosen, once categorization is done.
    pub fn category(&self) -> Option<&ChosenCategory> {
        self.category.as_ref()
    }

    /// The registration's ids, once registered.
    pub fn registered(&self) -> Option<&Registered> {
        self.registration.done()
    }

    /// The customer id, once registered.
    pub fn customer_id(&self) -> Option<&str> {
        self.registered().map(|r| r.customer_id.as_str())
    }

    /// The user id, once registered.
    pub fn user_id(&self) -> Option<&str> {
        self.registered().map(|r| r.user_id.as_str())
    }

    /// The verification id, once the verification is created.
    pub fn verification_id(&self) -> Option<&str> {
        self.verification
            .attempt
            .done()
            .map(|c| c.verification_id.as_str())
    }

    /// The documents and their uploads.
    pub fn documents(&self) -> &[DocumentState] {
        &self.documents
    }

    /// The ids of the documents uploaded so far.
    pub fn document_ids(&self) -> Vec<&str> {
        self.documents
            .iter()
            .filter_map(|d| d.attempt.done().map(|u| u.document_id.as_str()))
            .collect()
    }

    /// The consents and their acceptance.
    pub fn consents(&self) -> &[ConsentState] {
        &self.consents
    }

    /// The ids of the consents accepted so far (those FinHub named).
    pub fn consent_ids(&self) -> Vec<&str> {
        self.consents
            .iter()
            .filter_map(|c| c.attempt.done().and_then(|a| a.consent_id.as_deref()))
            .collect()
    }

    /// The KYC approval.
    pub fn approval(&self) -> &ApprovalState {
        &self.approval
    }

    /// The wallet's IBAN, once assigned.
    pub fn iban(&self) -> Option<&str> {
        self.iban.as_deref()
    }

    /// Whether a customer session is kept (in the state or live).
    pub fn has_session(&self) -> bool {
        self.session.is_some() || self.live.is_some()
    }

    /// Where the last run stopped; `None` before the first.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// The store's [`Phase`]: from the last outcome, `Running` before it.
    pub fn phase(&self) -> Phase {
        self.outcome.as_ref().map_or(Phase::Running, Outcome::phase)
    }

    /// The revision of the store's record this state was loaded or last
    /// saved as; `None` before the first save.
    pub fn revision(&self) -> Option<Revision> {
        self.revision
    }

    /// Whether `step` is done.
    pub fn is_done(&self, step: Step) -> bool {
        match step {
            Step::Categorization => self.category.is_some(),
            Step::Registration => self.registered().is_some(),
            Step::CustomerSession => self.has_session() || self.logged_out,
            Step::Verification => self.verification_id().is_some(),
            Step::Documents => self.documents.iter().all(|d| d.attempt.done().is_some()),
            Step::Approval => matches!(self.approval, ApprovalState::Approved { .. }),
            Step::Consents => self.consents.iter().all(|c| c.attempt.done().is_some()),
            Step::Readiness => self.ready,
            Step::Activation => self.activation.done().is_some(),
            Step::Wallet => self.iban.is_some(),
            Step::Logout => self.logged_out,
        }
    }

    /// The steps done, in order.
    pub fn completed_steps(&self) -> Vec<Step> {
        Step::ALL.into_iter().filter(|s| self.is_done(*s)).collect()
    }

    /// The first step not done yet; `None` when all are.
    pub fn next_step(&self) -> Option<Step> {
        Step::ALL.into_iter().find(|s| !self.is_done(*s))
    }

    /// Supplies the activation code the customer received by e-mail; the
    /// next run activates with it. Kept in the state (never logged, redacted
    /// in `Debug`) until the activation is done. An empty code is refused
    /// naming `code`.
    pub fn supply_activation_code(&mut self, code: impl Into<String>) -> Result<(), Violations> {
        let code = code.into();
        if code.trim().is_empty() {
            let mut out = Violations::new();
            out.push(
                "code",
                finhub_ext::validation::codes::REQUIRED_MISSING,
                "the activation code is empty",
            );
            return Err(out);
        }
        self.activation_code = Some(Sensitive::new(code.trim()));
        self.code_rejected = false;
        Ok(())
    }

    /// Supplies the customer's password for the next run: one login (when
    /// the session cannot be resumed) or the registration. Kept in memory
    /// only and dropped once used; never saved.
    pub fn supply_password(&mut self, password: impl Into<SecretString>) {
        self.password = Some(password.into());
    }

    /// An operator found the customer whose registration answer was lost
    /// (in FinHub's admin portal): the journey takes these ids as the
    /// registration's and goes on (the customer then logs in with
    /// [`supply_password`](Self::supply_password)). Only while the
    /// registration's outcome is unknown; otherwise `false` and nothing
    /// changes.
    pub fn registration_found(
        &mut self,
        customer_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> bool {
        if !self.registration.is_sent() {
            return false;
        }
        self.registration = Attempt::Done(Registered {
            customer_id: customer_id.into(),
            user_id: user_id.into(),
            tenant_id: None,
        });
        self.outcome = None;
        true
    }

    /// Lets a journey that [failed](crate::Outcome::Failed) run again, once
    /// its cause is fixed (for example FinHub refused a request for a reason
    /// an operator has since removed): the next run retries the step that
    /// failed. `false` (and nothing changes) if it had not failed. For a
    /// registration whose outcome is unknown, use
    /// [`registration_found`](Self::registration_found) or
    /// [`registration_not_found`](Self::registration_not_found): the
    /// journey never registers again on its own.
    pub fn clear_failure(&mut self) -> bool {
        if !matches!(self.outcome, Some(Outcome::Failed { .. })) {
            return false;
        }
        self.outcome = None;
        true
    }

    /// An operator made sure the customer whose registration answer was
    /// lost does not exist: the next run registers again, with `password`
    /// (kept in memory only). Only while the registration's outcome is
    /// unknown; otherwise `false` and nothing changes.
    pub fn registration_not_found(&mut self, password: impl Into<SecretString>) -> bool {
        if !self.registration.is_sent() {
            return false;
        }
        self.registration = Attempt::NotSent;
        self.password = Some(password.into());
        self.outcome = None;
        true
    }
}
