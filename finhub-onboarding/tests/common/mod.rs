//! Helpers of the journey tests: a sandbox, a client and runner on it, a
//! store that records every state saved, and a driver that answers each
//! wait the way the customer (password, e-mailed code) and the back office
//! (KYC review) would.

#![allow(dead_code)]

pub mod conformance;
#[cfg(feature = "postgres")]
pub mod postgres;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use finhub_ext::{FinhubClient, RetryPolicy};
use finhub_onboarding::{
    AdvanceError, Customer, Journey, JourneyId, JourneyStore, MemoryStore, Outcome, Phase,
    RawValue, Record, Revision, Runner, SampleDocuments, StoreError, WaitingOn,
};
use finhub_sandbox::{
    ActivationCodes, Operation, Profile, ReviewMode, Sandbox, SideEffects, Stats,
};

/// The customer's password in every test (a canary: no saved state may
/// hold it).
pub const PASSWORD: &str = "Canary-Passw0rd-7f3e!";

/// A store that keeps every state saved, in order.
#[derive(Debug, Default)]
pub struct RecordingStore {
    inner: MemoryStore,
    saved: Mutex<Vec<serde_json::Value>>,
}

impl RecordingStore {
    /// Every state saved so far, as JSON text.
    pub fn saved(&self) -> Vec<String> {
        self.saved
            .lock()
            .unwrap()
            .iter()
            .map(|v| serde_json::to_string(v).unwrap())
            .collect()
    }

    /// Every state saved so far.
    pub fn states(&self) -> Vec<serde_json::Value> {
        self.saved.lock().unwrap().clone()
    }
}

impl JourneyStore for RecordingStore {
    async fn load(&self, id: &JourneyId) -> Result<Option<Record>, StoreError> {
        self.inner.load(id).await
    }

    async fn save(
        &self,
        id: &JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: &RawValue,
    ) -> Result<Revision, StoreError> {
        let revision = self.inner.save(id, expected, phase, state).await?;
        self.saved
            .lock()
            .unwrap()
            .push(serde_json::from_str(state.get()).unwrap());
        Ok(revision)
    }

    async fn list(&self, phase: Option<Phase>) -> Result<Vec<JourneyId>, StoreError> {
        self.inner.list(phase).await
    }
}

/// A sandbox of `profile` where only the e-mailed code activates and every
/// approval waits for the review, so every wait of the journey happens.
pub async fn sandbox(profile: Profile) -> Sandbox {
    Sandbox::builder()
        .profile(profile)
        .activation_codes(ActivationCodes::Emailed)
        .review(ReviewMode::All)
        .start()
        .await
        .unwrap()
}

/// A new client for `sandbox`, as a new process would build it.
pub fn client(sandbox: &Sandbox) -> FinhubClient {
    sandbox
        .credentials()
        .client_builder()
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

/// A new client for `sandbox` on `clock`.
pub fn client_on(sandbox: &Sandbox, clock: Arc<dyn finhub_ext::Clock>) -> FinhubClient {
    sandbox
        .credentials()
        .client_builder()
        .clock(clock)
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

/// A runner on a new client, with `store`.
pub fn runner<S: JourneyStore>(sandbox: &Sandbox, store: S) -> Runner<S> {
    Runner::new(client(sandbox), store, SampleDocuments)
}

/// A new journey for the sample customer, keyed by its e-mail.
pub fn journey() -> Journey {
    let customer = Customer::sample();
    Journey::new(JourneyId::new(customer.email.clone()), customer, PASSWORD).unwrap()
}

/// What the driver did on the way.
#[derive(Debug, Default)]
pub struct Driven {
    /// Every outcome, in order.
    pub outcomes: Vec<Outcome>,
}

impl Driven {
    /// Whether the run waited on `on` (any data) at some point.
    pub fn waited(&self, on: fn(&WaitingOn) -> bool) -> bool {
        self.outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Waiting { on: w, .. } if on(w)))
    }
}

/// Advances `journey` until it is done or a run errs, answering waits as
/// the customer and the back office would: the password when asked, the
/// activation code read from the sandbox's outbox, the review approved
/// through the control API. Panics on a failure or after too many runs.
pub async fn drive<S: JourneyStore>(
    runner: &Runner<S>,
    journey: &mut Journey,
    sandbox: &Sandbox,
    driven: &mut Driven,
) -> Result<(), AdvanceError> {
    for _ in 0..30 {
        let outcome = runner.advance(journey).await?;
        driven.outcomes.push(outcome.clone());
        match outcome {
            Outcome::Done => return Ok(()),
            Outcome::Waiting { on, .. } => match on {
                WaitingOn::ActivationCode { .. } => {
                    let email = &journey.customer().email;
                    let message = sandbox
                        .outbox_to(email)
                        .pop()
                        .expect("an activation e-mail");
                    journey
                        .supply_activation_code(message.code.expose())
                        .unwrap();
                }
                WaitingOn::KycReview => {
                    let id = journey.verification_id().expect("a verification");
                    // Already approved (by a run that lost the answer) is fine.
                    let _ = sandbox.approve_review(id);
                }
                WaitingOn::CustomerLogin | WaitingOn::RegistrationPassword => {
                    journey.supply_password(PASSWORD);
                }
                WaitingOn::Iban => panic!("no IBAN delay in these tests"),
            },
            Outcome::Failed { failure } => panic!("the journey failed: {failure}"),
        }
    }
    panic!("the journey did not finish: {:?}", driven.outcomes);
}

/// Asserts that the sandbox did every side effect of one journey exactly
/// once.
#[track_caller]
pub fn assert_once_each(stats: &Stats, context: &str) {
    let effects: SideEffects = stats.side_effects;
    assert_eq!(effects.registrations, 1, "{context}: registrations");
    assert_eq!(effects.verifications, 1, "{context}: verifications");
    assert_eq!(effects.approvals, 1, "{context}: approvals");
    assert_eq!(effects.activations, 1, "{context}: activations");
    assert_eq!(effects.documents, 2, "{context}: documents");
    assert_eq!(
        stats
            .documents_by_type
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<Vec<_>>(),
        [("PASSPORT", 1), ("PROOF_OF_ADDRESS", 1)],
        "{context}: one upload per document"
    );
    assert_eq!(
        stats
            .consents_by_type
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<Vec<_>>(),
        [
            ("DATA_PROCESSING", 1),
            ("PRIVACY_POLICY", 1),
            ("TERMS_AND_CONDITIONS", 1)
        ],
        "{context}: one acceptance per consent"
    );
}

/// Asserts that every POST that does work was sent once per thing it
/// does: nothing was sent again after a lost answer, only read back. (In
/// the runner profile the activation is sent twice: its `userId` must be
/// the e-mail, so the client's first form is refused with a 400 and the
/// documented alternative sent, facts I-6.)
#[track_caller]
pub fn assert_sent_once_each(stats: &Stats, profile: Profile, context: &str) {
    let activations = if profile == Profile::Runner { 2 } else { 1 };
    for (operation, expected) in [
        (Operation::RegisterIndividualCustomer, 1),
        (Operation::CreateVerification, 1),
        (Operation::UploadVerificationDocument, 2),
        (Operation::ApproveVerification, 1),
        (Operation::AcceptConsent, 3),
        (Operation::ActivateCustomer, activations),
    ] {
        assert_eq!(
            stats.requests_for(operation),
            expected,
            "{context}: {operation} requests"
        );
    }
}

/// A shared recording store.
pub fn store() -> Arc<RecordingStore> {
    Arc::new(RecordingStore::default())
}
