//! [`Runner`]: runs a [`Journey`]'s steps with a [`FinhubClient`] and saves
//! it through a [`JourneyStore`] — the unit of work a job queue or a
//! durable-execution engine retries.
//!
//! Every step is safe to run again. Before a POST the runner records the
//! intent (the request as *sent*, with the ids it proposes) and saves; after
//! the answer it records the outcome, saved before anything else is sent:
//! with the next intent when nothing is sent between them (one save, not
//! two), else just before the next request or at the end of the run. A
//! registration's outcome is saved at once (it cannot be read back). A save
//! that would write the same JSON text as the last is skipped. A step found *sent* without
//! an outcome (the answer was lost, or the process died) is resolved by
//! reading FinHub's state first:
//!
//! | step | read back with |
//! |---|---|
//! | verification | `GET /verifications/{proposed id}`; on 404 the readiness check's `verificationStatus` |
//! | documents | the verification's `documents` (by `docId`, else by type) |
//! | approval | the verification's `status` |
//! | consents | the readiness check's `missingConsents` / `consentOk` |
//! | activation | the wallets; on 404 the readiness check |
//!
//! Registration has no read (FinHub documents no customer lookup, facts
//! §2.16): a registration sent without an answer ends in
//! [`Failure::OutcomeUnknown`], and the runner never sends it again by
//! itself. A registration FinHub throttled (429) was answered, and refused
//! without effect: the run ends in a retryable error and the next run
//! registers.

use std::sync::Arc;
use std::time::Duration;

use finhub_ext::api::types::{ActivationReadiness, Verification};
use finhub_ext::builders::{
    ActivationBuilder, ApprovalBuilder, ConsentBuilder, DocumentUploadBuilder, VerificationBuilder,
};
use finhub_ext::{
    Clock, CustomerClient, CustomerCredentials, Error, FinhubClient, SessionSnapshot, SystemClock,
};
use secrecy::ExposeSecret;

use crate::category;
use crate::documents::DocumentSource;
use crate::error::{AdvanceError, LoadError};
use crate::journey::{
    Accepted, Activated, ApprovalState, Attempt, Created, JOURNEY_VERSION, Journey, Registered,
    Uploaded,
};
use crate::outcome::{Failure, Outcome, WaitingOn};
use crate::polling::Polling;
use crate::step::Step;
use crate::store::{JourneyId, JourneyStore, RawValue, Record, StoreError};
use serde::Deserialize;

/// Whether the run goes on with the next step or stops with an outcome.
enum Flow {
    Continue,
    Stop(Outcome),
}

type StepResult = Result<Flow, AdvanceError>;

/// How often one step may run in one [`Runner::advance`] before the run
/// stops (a step normally runs once, or twice after reading back a lost
/// answer or renewing a session).
const MAX_RUNS_PER_STEP: u8 = 8;

/// The customer's session, or the outcome that stands in its way.
type Session = Result<CustomerClient, Outcome>;

/// Runs journeys: holds the [`FinhubClient`], the [`JourneyStore`], where
/// documents come from, the clock and how often to poll.
///
/// Every step is safe to run again: before a POST the runner saves the
/// intent, and the outcome before anything else is sent (with the next
/// intent when nothing is sent between them), and a step found sent without an
/// outcome is read back from FinHub before anything is sent again (the
/// table in the [crate docs](crate)); a registration cannot be read back
/// and ends in [`Failure::OutcomeUnknown`].
pub struct Runner<S> {
    client: FinhubClient,
    store: S,
    documents: Arc<dyn DocumentSource>,
    clock: Arc<dyn Clock>,
    polling: Polling,
}

impl<S> std::fmt::Debug for Runner<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("client", &self.client)
            .field("clock", &self.clock)
            .field("polling", &self.polling)
            .finish_non_exhaustive()
    }
}

impl<S: JourneyStore> Runner<S> {
    /// A runner calling FinHub with `client`, keeping journeys in `store`,
    /// uploading documents from `documents`.
    pub fn new(client: FinhubClient, store: S, documents: impl DocumentSource + 'static) -> Self {
        Runner {
            client,
            store,
            documents: Arc::new(documents),
            clock: Arc::new(SystemClock),
            polling: Polling::default(),
        }
    }

    /// The clock that stamps intents and that [`run`](Self::run) sleeps on
    /// (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How often to poll the KYC review and the IBAN.
    pub fn polling(mut self, polling: Polling) -> Self {
        self.polling = polling;
        self
    }

    /// The FinHub client.
    pub fn client(&self) -> &FinhubClient {
        &self.client
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The journey saved under `id`, if any, ready to [`advance`](Self::advance).
    pub async fn load(&self, id: &JourneyId) -> Result<Option<Journey>, LoadError> {
        let Some(record) = self.store.load(id).await? else {
            return Ok(None);
        };
        Self::journey_of(id, record).map(Some)
    }

    /// The journey of `record`, loaded (or claimed) as journey `id`.
    pub(crate) fn journey_of(id: &JourneyId, record: Record) -> Result<Journey, LoadError> {
        let found = record
            .state
            .get("version")
            .and_then(serde_json::Value::as_u64);
        if found != Some(u64::from(JOURNEY_VERSION)) {
            return Err(LoadError::Version {
                id: id.clone(),
                found: found.unwrap_or(0),
                supported: JOURNEY_VERSION,
            });
        }
        let mut journey = Journey::deserialize(&record.state).map_err(|e| LoadError::Corrupt {
            id: id.clone(),
            what: json_error_kind(&e),
        })?;
        if journey.id != *id {
            return Err(LoadError::Corrupt {
                id: id.clone(),
                what: format!("it is saved as journey {}", journey.id),
            });
        }
        journey.revision = Some(record.revision);
        // The text a save of the unchanged journey would write.
        journey.saved = serde_json::value::to_raw_value(&journey).ok();
        Ok(journey)
    }

    /// Saves `journey` (its session as it is now), replacing the revision
    /// it was loaded or last saved as; a save that would change nothing is
    /// skipped. [`StoreError::Conflict`] when someone else saved it since.
    /// [`advance`](Self::advance) saves by itself; call this after
    /// [`Journey::supply_activation_code`] to keep the code in the store
    /// before the next run.
    pub async fn save(&self, journey: &mut Journey) -> Result<(), StoreError> {
        if let Some(live) = &journey.live {
            journey.session = live.snapshot().map(|s| s.to_stored());
        }
        // Serialized once, straight from the journey; the store keeps the text.
        let state = serde_json::value::to_raw_value(&*journey)
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        if journey.revision.is_some()
            && journey.saved.as_deref().map(RawValue::get) == Some(state.get())
        {
            return Ok(());
        }
        let revision = self
            .store
            .save(&journey.id, journey.revision, journey.phase(), &state)
            .await?;
        journey.revision = Some(revision);
        journey.saved = Some(state);
        Ok(())
    }

    /// Saves what changed since the last save, before a request that no
    /// intent save precedes: an outcome (other than a registration's, saved
    /// at once) is kept in memory until then, so that it and the next
    /// intent go to the store in one save. Nothing is ever sent while an
    /// answer received is unsaved; a save writing the same text as the last
    /// is skipped.
    async fn flush(&self, journey: &mut Journey) -> Result<(), StoreError> {
        self.save(journey).await
    }

    /// Runs every step that can run now and returns where the journey
    /// stopped: [`Outcome::Done`], [`Outcome::Waiting`] or
    /// [`Outcome::Failed`]. Saved through the store before every POST, and
    /// every outcome before the next request or at the end of the run (a
    /// new journey is created in the store).
    ///
    /// `Err` when a call or the store failed in a way a later run may not
    /// meet again; everything up to there is saved, and a later run
    /// (in this process or another, from the store) resumes. A journey that
    /// [failed](Outcome::Failed) answers the same failure again without
    /// sending anything, until an operator acts
    /// ([`Journey::registration_found`], [`Journey::registration_not_found`],
    /// [`Journey::clear_failure`]).
    pub async fn advance(&self, journey: &mut Journey) -> Result<Outcome, AdvanceError> {
        if let Some(outcome @ Outcome::Failed { .. }) = &journey.outcome {
            return Ok(outcome.clone());
        }
        journey.outcome = None;
        let mut runs = [0u8; Step::ALL.len()];
        loop {
            let flow = match journey.next_step() {
                None => Flow::Stop(Outcome::Done),
                // A step that keeps coming back without progress (answers
                // that contradict each other): stop rather than loop.
                Some(step) if runs[step as usize] >= MAX_RUNS_PER_STEP => {
                    Flow::Stop(Outcome::failed(Failure::UnexpectedAnswer {
                        step,
                        what: format!(
                            "the step ran {MAX_RUNS_PER_STEP} times in one run without completing; \
                             FinHub's answers contradict each other"
                        ),
                    }))
                }
                Some(step) => {
                    runs[step as usize] += 1;
                    match self.step(journey, step).await {
                        Ok(flow) => flow,
                        Err(error) => {
                            tracing::info!(journey = %journey.id, step = ?error.step(), %error, "the run stopped; a later run resumes");
                            // Keep what the session renewed meanwhile.
                            let _ = self.save(journey).await;
                            return Err(error);
                        }
                    }
                }
            };
            if let Flow::Stop(outcome) = flow {
                tracing::info!(journey = %journey.id, outcome = ?outcome, "the run stopped");
                journey.outcome = Some(outcome.clone());
                self.save(journey).await?;
                return Ok(outcome);
            }
        }
    }

    /// [`advance`](Self::advance) again and again while the journey polls
    /// and the next poll is due within `max_wait` (sleeping on the runner's
    /// clock in between); returns the first outcome that is done, failed,
    /// waits for the caller, or would wait longer. For a process that keeps
    /// the journey in memory; a queue schedules the next run at
    /// `retry_after` instead.
    pub async fn run(
        &self,
        journey: &mut Journey,
        max_wait: Duration,
    ) -> Result<Outcome, AdvanceError> {
        loop {
            let outcome = self.advance(journey).await?;
            match &outcome {
                Outcome::Waiting {
                    on,
                    retry_after: Some(wait),
                } if on.polls() && *wait <= max_wait => self.clock.sleep(*wait).await,
                _ => return Ok(outcome),
            }
        }
    }

    async fn step(&self, journey: &mut Journey, step: Step) -> StepResult {
        match step {
            Step::Categorization => self.categorization(journey).await,
            Step::Registration => self.registration(journey).await,
            Step::CustomerSession => self.customer_session(journey).await,
            Step::Verification => self.verification(journey).await,
            Step::Documents => self.documents(journey).await,
            Step::Approval => self.approval(journey).await,
            Step::Consents => self.consents(journey).await,
            Step::Readiness => self.readiness(journey).await,
            Step::Activation => self.activation(journey).await,
            Step::Wallet => self.wallet(journey).await,
            Step::Logout => self.logout(journey).await,
        }
    }

    async fn categorization(&self, journey: &mut Journey) -> StepResult {
        // The first step: no answer of this run is unsaved yet.
        let hierarchy = match self.client.categorization_hierarchy().await {
            Ok(hierarchy) => hierarchy,
            Err(e) => return self.failed(journey, Step::Categorization, e),
        };
        match category::choose(&hierarchy) {
            Ok(chosen) => {
                tracing::info!(journey = %journey.id, category = %chosen.key, "category chosen");
                journey.category = Some(chosen);
                // Saved before the registration's login ([`Self::flush`]).
                Ok(Flow::Continue)
            }
            Err(found) => Ok(Flow::Stop(Outcome::failed(Failure::NoIndividualCategory {
                found,
            }))),
        }
    }

    async fn registration(&self, journey: &mut Journey) -> StepResult {
        const STEP: Step = Step::Registration;
        if let Attempt::Sent { at } = &journey.registration {
            return Ok(Flow::Stop(Outcome::failed(Failure::OutcomeUnknown {
                step: STEP,
                what_to_do: format!(
                    "the registration of {} was sent at {} and its answer was lost; FinHub \
                     offers no customer lookup, so the journey does not register again: look \
                     the customer up by e-mail in FinHub's admin portal, then call \
                     Journey::registration_found(customer id, user id), or, if there is none, \
                     Journey::registration_not_found(password), and run again",
                    journey.customer.email,
                    at.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            })));
        }
        let Some(password) = journey.password.clone() else {
            return Ok(Flow::Stop(Outcome::waiting(
                WaitingOn::RegistrationPassword,
                None,
            )));
        };
        let Some(category) = journey.category.clone() else {
            return Ok(Flow::Continue);
        };
        let request = match journey.customer.registration(
            self.client.tenant_id(),
            &category.id,
            &category.name,
            &password,
        ) {
            Ok(request) => request,
            Err(violations) => {
                return Ok(Flow::Stop(Outcome::failed(Failure::Rejected {
                    step: STEP,
                    status: None,
                    message: violations.to_string(),
                })));
            }
        };
        // Log in first, so that a failure there is not taken for a lost
        // registration.
        self.flush(journey).await?;
        if let Err(e) = self.client.admin_login().await {
            return self.failed(journey, STEP, e);
        }
        journey.registration = Attempt::Sent {
            at: self.clock.now(),
        };
        self.save(journey).await?;
        tracing::info!(journey = %journey.id, "registering the customer");
        match self.client.register_customer(&request).await {
            Ok(answer) => {
                let user_id = answer.user.as_ref().and_then(|u| u.id.clone());
                let (Some(customer_id), Some(user_id)) = (answer.id.clone(), user_id) else {
                    // Registered, most likely, but without the ids to go on.
                    return Ok(Flow::Stop(Outcome::failed(Failure::OutcomeUnknown {
                        step: STEP,
                        what_to_do: format!(
                            "FinHub answered the registration of {} without the customer or \
                             user id; look the customer up in FinHub's admin portal and call \
                             Journey::registration_found(customer id, user id)",
                            journey.customer.email
                        ),
                    })));
                };
                journey.registration = Attempt::Done(Registered {
                    customer_id,
                    user_id,
                    tenant_id: answer.tenant_id.filter(|t| !t.trim().is_empty()),
                });
                self.save(journey).await?;
                Ok(Flow::Continue)
            }
            Err(e) if definitive(STEP, &e).is_some() => {
                // FinHub refused it: nothing was registered.
                journey.registration = Attempt::NotSent;
                self.save(journey).await?;
                self.failed(journey, STEP, e)
            }
            Err(e) if e.status() == Some(429) => {
                // Throttled: FinHub refused it without doing anything (a
                // 429 is an answer, not a lost one), so a later run
                // registers; the caller paces itself meanwhile.
                tracing::info!(journey = %journey.id, "the registration was throttled");
                journey.registration = Attempt::NotSent;
                self.save(journey).await?;
                Err(AdvanceError::Finhub {
                    step: STEP,
                    source: e,
                })
            }
            Err(e) => {
                tracing::warn!(journey = %journey.id, error = %e, "the registration's answer was lost");
                // The next `advance` answers OutcomeUnknown from the state.
                Ok(Flow::Continue)
            }
        }
    }

    /// The customer's session: the live one, the stored one resumed, or a
    /// login with the password supplied.
    async fn session(&self, journey: &mut Journey) -> Result<Session, AdvanceError> {
        if let Some(live) = &journey.live {
            return Ok(Ok(live.clone()));
        }
        let Some(registered) = journey.registered().cloned() else {
            return Ok(Err(Outcome::failed(Failure::UnexpectedAnswer {
                step: Step::CustomerSession,
                what: "no registration to log in to".into(),
            })));
        };
        if let Some(stored) = journey.session.clone() {
            self.flush(journey).await?;
            match self
                .client
                .resume_customer(SessionSnapshot::from_stored(&stored))
                .await
            {
                Ok(customer) => {
                    // Saved before the next request ([`Self::flush`]).
                    journey.live = Some(customer.clone());
                    return Ok(Ok(customer));
                }
                Err(Error::ReloginRequired { reason, .. }) => {
                    tracing::info!(journey = %journey.id, %reason, "the saved session cannot be renewed");
                    journey.session = None;
                }
                Err(e) => {
                    return Err(AdvanceError::Finhub {
                        step: Step::CustomerSession,
                        source: e,
                    });
                }
            }
        }
        let Some(password) = journey.password.take() else {
            return Ok(Err(Outcome::waiting(WaitingOn::CustomerLogin, None)));
        };
        let credentials = CustomerCredentials::new(
            registered.customer_id,
            registered.user_id,
            journey.customer.email.clone(),
            password.expose_secret(),
        );
        self.flush(journey).await?;
        match self.client.customer_login(credentials).await {
            Ok(customer) => {
                // Saved before the next request ([`Self::flush`]).
                journey.live = Some(customer.clone());
                Ok(Ok(customer))
            }
            // A wrong password: ask again (one login per password; FinHub
            // locks the user after five failed logins).
            Err(Error::InvalidCredentials(_)) => {
                Ok(Err(Outcome::waiting(WaitingOn::CustomerLogin, None)))
            }
            Err(e) => {
                journey.password = Some(password);
                Err(AdvanceError::Finhub {
                    step: Step::CustomerSession,
                    source: e,
                })
            }
        }
    }

    async fn customer_session(&self, journey: &mut Journey) -> StepResult {
        if journey.iban.is_some() && !journey.has_session() {
            // Nothing left that needs a session, and none to end (saved
            // with the run's outcome).
            journey.logged_out = true;
            return Ok(Flow::Continue);
        }
        Ok(match self.session(journey).await? {
            Ok(_) => Flow::Continue,
            Err(outcome) => Flow::Stop(outcome),
        })
    }

    async fn verification(&self, journey: &mut Journey) -> StepResult {
        const STEP: Step = Step::Verification;
        let customer = match self.session(journey).await? {
            Ok(customer) => customer,
            Err(outcome) => return Ok(Flow::Stop(outcome)),
        };
        let proposed = journey
            .verification
            .proposed_id
            .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        if journey.verification.attempt.is_sent() {
            // Created under the proposed id?
            self.flush(journey).await?;
            match customer.verification(&proposed).await {
                Ok(found) => {
                    return self.created(journey, &found, &proposed).await;
                }
                Err(e) if e.status() == Some(404) => {
                    let readiness = match self.readiness_of(journey, &customer).await? {
                        Ok(readiness) => readiness,
                        Err(e) => return self.failed(journey, STEP, e),
                    };
                    let started = readiness
                        .verification_status
                        .as_deref()
                        .is_some_and(|s| !s.eq_ignore_ascii_case("NOT_STARTED"));
                    if started {
                        return Ok(Flow::Stop(Outcome::failed(Failure::OutcomeUnknown {
                            step: STEP,
                            what_to_do: format!(
                                "a verification of customer {} exists but not under the id \
                                 the journey proposed ({proposed}): FinHub did not take the \
                                 proposed id; find the verification in FinHub's admin portal",
                                customer.customer_id()
                            ),
                        })));
                    }
                    journey.verification.attempt = Attempt::NotSent;
                }
                Err(e) => return self.failed(journey, STEP, e),
            }
        }
        let tenant = self.owner_tenant(journey);
        let request = match VerificationBuilder::new(customer.customer_id())
            .requested_by_tenant(tenant)
            .notes("Identity Verification")
            .verification_id(&proposed)
            .build()
        {
            Ok(request) => request,
            Err(violations) => return Ok(rejected(STEP, violations)),
        };
        journey.verification.attempt = Attempt::Sent {
            at: self.clock.now(),
        };
        self.save(journey).await?;
        tracing::info!(journey = %journey.id, "starting the verification");
        match customer.create_verification(&request).await {
            Ok(created) => self.created(journey, &created, &proposed).await,
            // The proposed id is taken: ours, from a run whose answer was
            // lost, if it reads back.
            Err(e) if e.status() == Some(409) => {
                self.flush(journey).await?;
                match customer.verification(&proposed).await {
                    Ok(found) => self.created(journey, &found, &proposed).await,
                    Err(_) => {
                        journey.verification.attempt = Attempt::NotSent;
                        journey.verification.proposed_id = None;
                        self.save(journey).await?;
                        self.failed(journey, STEP, e)
                    }
                }
            }
            Err(e) => {
                if definitive(STEP, &e).is_some() {
                    journey.verification.attempt = Attempt::NotSent;
                    self.save(journey).await?;
                }
                self.failed(journey, STEP, e)
            }
        }
    }

    async fn created(
        &self,
        journey: &mut Journey,
        verification: &Verification,
        proposed: &str,
    ) -> StepResult {
        let verification_id = verification
            .verification_id
            .clone()
            .or_else(|| verification.id.clone())
            .unwrap_or_else(|| proposed.to_string());
        journey.verification.attempt = Attempt::Done(Created { verification_id });
        // Saved before the next request ([`Self::flush`]).
        Ok(Flow::Continue)
    }

    async fn documents(&self, journey: &mut Journey) -> StepResult {
        const STEP: Step = Step::Documents;
        let customer = match self.session(journey).await? {
            Ok(customer) => customer,
            Err(outcome) => return Ok(Flow::Stop(outcome)),
        };
        let verification_id = journey.verification_id().unwrap_or_default().to_string();
        for index in 0..journey.documents.len() {
            if journey.documents[index].attempt.done().is_some() {
                continue;
            }
            if journey.documents[index].attempt.is_sent() {
                self.flush(journey).await?;
                let verification = match customer.verification(&verification_id).await {
                    Ok(verification) => verification,
                    Err(e) => return self.failed(journey, STEP, e),
                };
                match uploaded(journey, index, &verification) {
                    Some(document_id) => {
                        // Saved before the next request ([`Self::flush`]).
                        journey.documents[index].attempt = Attempt::Done(Uploaded { document_id });
                        continue;
                    }
                    None => journey.documents[index].attempt = Attempt::NotSent,
                }
            }
            let state = journey.documents[index].clone();
            let content = self
                .documents
                .content(&journey.id, &state.document)
                .await
                .map_err(|source| AdvanceError::Document {
                    file_name: state.document.file_name.clone(),
                    source,
                })?;
            let request = match DocumentUploadBuilder::new(
                state.document.document_type,
                state.document.mime,
                &state.document.file_name,
                content,
            )
            .verification_id(&verification_id)
            .customer_id(customer.customer_id())
            .doc_id(&state.doc_id)
            .build()
            {
                Ok(request) => request,
                Err(violations) => return Ok(rejected(STEP, violations)),
            };
            journey.documents[index].attempt = Attempt::Sent {
                at: self.clock.now(),
            };
            self.save(journey).await?;
            tracing::info!(journey = %journey.id, document = %state.document.document_type, "uploading a document");
            match customer.upload_document(&verification_id, &request).await {
                Ok(document) => {
                    let document_id = document
                        .document_id
                        .or(document.id)
                        .unwrap_or_else(|| state.doc_id.clone());
                    // Saved before the next request ([`Self::flush`]).
                    journey.documents[index].attempt = Attempt::Done(Uploaded { document_id });
                }
                // FinHub has a document with this docId: ours, from a run
                // whose answer was lost.
                Err(e) if e.status() == Some(409) && request.doc_id.is_some() => {
                    tracing::info!(journey = %journey.id, error = %e, "the document is there already");
                    // Saved before the next request ([`Self::flush`]).
                    journey.documents[index].attempt = Attempt::Done(Uploaded {
                        document_id: state.doc_id.clone(),
                    });
                }
                Err(e) => {
                    if definitive(STEP, &e).is_some() {
                        journey.documents[index].attempt = Attempt::NotSent;
                        self.save(journey).await?;
                    }
                    return self.failed(journey, STEP, e);
                }
            }
        }
        Ok(Flow::Continue)
    }

    async fn approval(&self, journey: &mut Journey) -> StepResult {
        const STEP: Step = Step::Approval;
        let verification_id = journey.verification_id().unwrap_or_default().to_string();
        match journey.approval.clone() {
            ApprovalState::Approved { .. } => return Ok(Flow::Continue),
            ApprovalState::Sent { .. } | ApprovalState::InReview { .. } => {
                let customer = match self.session(journey).await? {
                    Ok(customer) => customer,
                    Err(outcome) => return Ok(Flow::Stop(outcome)),
                };
                self.flush(journey).await?;
                let verification = match customer.verification(&verification_id).await {
                    Ok(verification) => verification,
                    Err(e) => return self.failed(journey, STEP, e),
                };
                let status = verification.status.clone().unwrap_or_default();
                if is_approved(&verification) {
                    // Saved before the next request ([`Self::flush`]).
                    journey.approval = ApprovalState::Approved {
                        level: verification.verification_level.clone(),
                    };
                    return Ok(Flow::Continue);
                }
                let polls = match journey.approval {
                    ApprovalState::InReview { polls } => Some(polls),
                    _ if status.to_ascii_uppercase().contains("REVIEW") => Some(0),
                    _ => None,
                };
                if let Some(polls) = polls {
                    let polls = polls.saturating_add(1);
                    journey.approval = ApprovalState::InReview { polls };
                    self.save(journey).await?;
                    return Ok(Flow::Stop(Outcome::waiting(
                        WaitingOn::KycReview,
                        Some(self.polling.review.after(polls)),
                    )));
                }
                // Sent, and the verification is not approved nor in review:
                // the approval was not carried out.
                journey.approval = ApprovalState::NotSent;
            }
            ApprovalState::NotSent => {}
        }
        let request = match ApprovalBuilder::new(&verification_id)
            .customer_id(journey.customer_id().unwrap_or_default())
            .comment("Approved")
            .build()
        {
            Ok(request) => request,
            Err(violations) => return Ok(rejected(STEP, violations)),
        };
        journey.approval = ApprovalState::Sent {
            at: self.clock.now(),
        };
        self.save(journey).await?;
        tracing::info!(journey = %journey.id, "approving the verification");
        match self
            .client
            .approve_verification(&verification_id, &request)
            .await
        {
            Ok(approval) => {
                let status = approval.status.clone().unwrap_or_default();
                if status.is_empty() || status.eq_ignore_ascii_case("APPROVED") {
                    // Saved before the next request ([`Self::flush`]).
                    journey.approval = ApprovalState::Approved {
                        level: approval.level,
                    };
                    Ok(Flow::Continue)
                } else {
                    // Accepted for review (e.g. 202 PENDING_REVIEW).
                    self.in_review(journey).await
                }
            }
            // Not the tenant's to give: someone else reviews it.
            Err(e) if e.status() == Some(403) || matches!(e, Error::Config(_)) => {
                tracing::info!(journey = %journey.id, error = %e, "the approval is not the tenant's; waiting for the review");
                self.in_review(journey).await
            }
            // Already approved (by a run whose answer was lost), or another
            // conflict: read it back.
            Err(e) if e.status() == Some(409) => {
                let customer = match self.session(journey).await? {
                    Ok(customer) => customer,
                    Err(outcome) => return Ok(Flow::Stop(outcome)),
                };
                self.flush(journey).await?;
                match customer.verification(&verification_id).await {
                    Ok(found) if is_approved(&found) => {
                        // Saved before the next request ([`Self::flush`]).
                        journey.approval = ApprovalState::Approved {
                            level: found.verification_level,
                        };
                        Ok(Flow::Continue)
                    }
                    _ => {
                        journey.approval = ApprovalState::NotSent;
                        self.save(journey).await?;
                        self.failed(journey, STEP, e)
                    }
                }
            }
            Err(e) => {
                if definitive(STEP, &e).is_some() {
                    journey.approval = ApprovalState::NotSent;
                    self.save(journey).await?;
                }
                self.failed(journey, STEP, e)
            }
        }
    }

    async fn in_review(&self, journey: &mut Journey) -> StepResult {
        journey.approval = ApprovalState::InReview { polls: 0 };
        self.save(journey).await?;
        Ok(Flow::Stop(Outcome::waiting(
            WaitingOn::KycReview,
            Some(self.polling.review.after(1)),
        )))
    }

    async fn consents(&self, journey: &mut Journey) -> StepResult {
        const STEP: Step = Step::Consents;
        let customer = match self.session(journey).await? {
            Ok(customer) => customer,
            Err(outcome) => return Ok(Flow::Stop(outcome)),
        };
        loop {
            // Consents sent without an answer: which did FinHub record?
            let mut send_others_first = false;
            if journey.consents.iter().any(|c| c.attempt.is_sent()) {
                let readiness = match self.readiness_of(journey, &customer).await? {
                    Ok(readiness) => readiness,
                    Err(e) => return self.failed(journey, STEP, e),
                };
                match resolve_consents(journey, &readiness) {
                    // Saved before the next request ([`Self::flush`]).
                    ConsentsRead::Resolved => {}
                    ConsentsRead::SendOthersFirst => send_others_first = true,
                    ConsentsRead::Unknown => {
                        return Ok(Flow::Stop(Outcome::failed(Failure::OutcomeUnknown {
                            step: STEP,
                            what_to_do: "several consents were sent without an answer and \
                                FinHub's readiness check does not say which are missing; \
                                check the customer's consents in FinHub's admin portal"
                                .into(),
                        })));
                    }
                }
            }
            let Some(index) = journey
                .consents
                .iter()
                .position(|c| matches!(c.attempt, Attempt::NotSent))
            else {
                if send_others_first {
                    // Nothing else to send, and still undecided.
                    return Ok(Flow::Stop(Outcome::failed(Failure::OutcomeUnknown {
                        step: STEP,
                        what_to_do: "FinHub's readiness check does not say which consent is \
                            missing; check the customer's consents in FinHub's admin portal"
                            .into(),
                    })));
                }
                return Ok(Flow::Continue);
            };
            let kind = journey.consents[index].kind;
            let consent = match ConsentBuilder::new(kind, "1.0").build() {
                Ok(consent) => consent,
                Err(violations) => return Ok(rejected(STEP, violations)),
            };
            journey.consents[index].attempt = Attempt::Sent {
                at: self.clock.now(),
            };
            self.save(journey).await?;
            tracing::info!(journey = %journey.id, consent = %kind, "accepting a consent");
            match customer
                .accept_consent(consent.consent_type, &consent.body)
                .await
            {
                // Saved before the next request ([`Self::flush`]).
                Ok(accepted) => {
                    journey.consents[index].attempt = Attempt::Done(Accepted {
                        consent_id: accepted.id.or(accepted.consent_id),
                    });
                }
                // Accepted before.
                Err(e) if e.status() == Some(409) => {
                    journey.consents[index].attempt = Attempt::Done(Accepted { consent_id: None });
                }
                Err(e) => {
                    if definitive(STEP, &e).is_some() {
                        journey.consents[index].attempt = Attempt::NotSent;
                        self.save(journey).await?;
                    }
                    return self.failed(journey, STEP, e);
                }
            }
        }
    }

    async fn readiness(&self, journey: &mut Journey) -> StepResult {
        const STEP: Step = Step::Readiness;
        let customer = match self.session(journey).await? {
            Ok(customer) => customer,
            Err(outcome) => return Ok(Flow::Stop(outcome)),
        };
        let readiness = match self.readiness_of(journey, &customer).await? {
            Ok(readiness) => readiness,
            Err(e) => return self.failed(journey, STEP, e),
        };
        if allowed(&readiness) == Some(true) {
            // Saved before the next request ([`Self::flush`]).
            journey.ready = true;
            return Ok(Flow::Continue);
        }
        if readiness.verification_ok == Some(false)
            || readiness.power_tenant_approval_ok == Some(false)
        {
            return Ok(Flow::Stop(Outcome::waiting(
                WaitingOn::KycReview,
                Some(self.polling.review.after(1)),
            )));
        }
        Ok(Flow::Stop(Outcome::failed(Failure::UnexpectedAnswer {
            step: STEP,
            what: format!(
                "FinHub says the customer is not ready for activation (consents ok: {:?}, \
                 missing consents: {:?}): {}",
                readiness.consent_ok,
                readiness.missing_consents,
                readiness.message.unwrap_or_default()
            ),
        })))
    }

    async fn activation(&self, journey: &mut Journey) -> StepResult {
        const STEP: Step = Step::Activation;
        if journey.activation.is_sent() {
            let customer = match self.session(journey).await? {
                Ok(customer) => customer,
                Err(outcome) => return Ok(Flow::Stop(outcome)),
            };
            self.flush(journey).await?;
            match customer.wallets().await {
                Ok(wallets) if !wallets.is_empty() => {
                    let iban = wallets.iter().find_map(|w| w.iban.clone());
                    return self.activated(journey, iban).await;
                }
                Ok(_) => {}
                Err(e) if e.status() == Some(404) => {}
                Err(e) => return self.failed(journey, STEP, e),
            }
            let readiness = match self.readiness_of(journey, &customer).await? {
                Ok(readiness) => readiness,
                Err(e) => return self.failed(journey, STEP, e),
            };
            match allowed(&readiness) {
                // Still allowed: not activated.
                Some(true) => journey.activation = Attempt::NotSent,
                // Everything else fine: the customer is active already.
                Some(false)
                    if readiness.verification_ok == Some(true)
                        && readiness.consent_ok == Some(true)
                        && readiness.power_tenant_approval_ok != Some(false) =>
                {
                    return self.activated(journey, None).await;
                }
                _ => {
                    return Ok(Flow::Stop(Outcome::failed(Failure::OutcomeUnknown {
                        step: STEP,
                        what_to_do: "the activation was sent and its answer lost, and neither \
                            the wallets nor the readiness check tell whether it was carried \
                            out; check the customer's status in FinHub's admin portal"
                            .into(),
                    })));
                }
            }
        }
        let Some(code) = journey.activation_code.clone() else {
            return Ok(Flow::Stop(Outcome::waiting(
                WaitingOn::ActivationCode {
                    rejected: journey.code_rejected,
                },
                None,
            )));
        };
        let Some(registered) = journey.registered().cloned() else {
            return Ok(Flow::Continue);
        };
        let activation = match ActivationBuilder::new(&registered.user_id, code.expose())
            .email(&journey.customer.email)
            .build()
        {
            Ok(activation) => activation,
            Err(violations) => return Ok(rejected(STEP, violations)),
        };
        journey.activation = Attempt::Sent {
            at: self.clock.now(),
        };
        self.save(journey).await?;
        tracing::info!(journey = %journey.id, "activating the customer");
        match self
            .client
            .activate_customer(&registered.customer_id, &activation)
            .await
        {
            Ok(result) => {
                let iban = result.iban.or_else(|| result.wallet.and_then(|w| w.iban));
                self.activated(journey, iban).await
            }
            // Active already.
            Err(e) if e.status() == Some(409) => self.activated(journey, None).await,
            // The code was refused: ask for another.
            Err(e) if e.status() == Some(400) => {
                tracing::info!(journey = %journey.id, "the activation code was refused");
                journey.activation = Attempt::NotSent;
                journey.activation_code = None;
                journey.code_rejected = true;
                self.save(journey).await?;
                Ok(Flow::Stop(Outcome::waiting(
                    WaitingOn::ActivationCode { rejected: true },
                    None,
                )))
            }
            Err(e) => {
                if definitive(STEP, &e).is_some() {
                    journey.activation = Attempt::NotSent;
                    self.save(journey).await?;
                }
                self.failed(journey, STEP, e)
            }
        }
    }

    async fn activated(&self, journey: &mut Journey, iban: Option<String>) -> StepResult {
        journey.activation = Attempt::Done(Activated { iban: iban.clone() });
        journey.activation_code = None;
        journey.code_rejected = false;
        if iban.is_some() {
            journey.iban = iban;
        }
        // Saved before the next request ([`Self::flush`]).
        Ok(Flow::Continue)
    }

    async fn wallet(&self, journey: &mut Journey) -> StepResult {
        let customer = match self.session(journey).await? {
            Ok(customer) => customer,
            Err(outcome) => return Ok(Flow::Stop(outcome)),
        };
        self.flush(journey).await?;
        let iban = match customer.wallets().await {
            Ok(wallets) => wallets.iter().find_map(|w| w.iban.clone()),
            Err(e) if e.status() == Some(404) => None,
            Err(e) => return self.failed(journey, Step::Wallet, e),
        };
        match iban {
            Some(iban) => {
                // Saved before the next request ([`Self::flush`]).
                journey.iban = Some(iban);
                Ok(Flow::Continue)
            }
            None => {
                journey.iban_polls = journey.iban_polls.saturating_add(1);
                self.save(journey).await?;
                Ok(Flow::Stop(Outcome::waiting(
                    WaitingOn::Iban,
                    Some(self.polling.iban.after(journey.iban_polls)),
                )))
            }
        }
    }

    async fn logout(&self, journey: &mut Journey) -> StepResult {
        // Before the session is taken out of the journey (a save keeps the
        // live session's tokens).
        self.flush(journey).await?;
        let customer = match journey.live.take() {
            Some(live) => Some(live),
            None => match journey.session.clone() {
                None => None,
                Some(stored) => match self
                    .client
                    .resume_customer(SessionSnapshot::from_stored(&stored))
                    .await
                {
                    Ok(customer) => Some(customer),
                    // A session that cannot be renewed has nothing to end.
                    Err(Error::ReloginRequired { .. }) => None,
                    Err(e) => {
                        return Err(AdvanceError::Finhub {
                            step: Step::Logout,
                            source: e,
                        });
                    }
                },
            },
        };
        if let Some(customer) = customer {
            match customer.logout().await {
                Ok(_) | Err(Error::ReloginRequired { .. }) => {}
                Err(e) if e.status() == Some(404) || e.status() == Some(401) => {}
                Err(e) => {
                    return Err(AdvanceError::Finhub {
                        step: Step::Logout,
                        source: e,
                    });
                }
            }
        }
        journey.session = None;
        journey.logged_out = true;
        // Saved with the run's outcome, or before the next request.
        Ok(Flow::Continue)
    }

    /// The tenant that owns the customer: the registration's
    /// `data.tenantId`, else the client's tenant.
    fn owner_tenant(&self, journey: &Journey) -> String {
        journey
            .registered()
            .and_then(|r| r.tenant_id.clone())
            .unwrap_or_else(|| self.client.tenant_id().to_string())
    }

    /// The readiness check, after saving what changed ([`Self::flush`]).
    async fn readiness_of(
        &self,
        journey: &mut Journey,
        customer: &CustomerClient,
    ) -> Result<Result<ActivationReadiness, Error>, AdvanceError> {
        self.flush(journey).await?;
        Ok(customer
            .activation_readiness(&self.owner_tenant(journey))
            .await)
    }

    /// What a failed call means for the run: the customer must log in
    /// again, FinHub refused the request for good, or an error a later run
    /// may not meet.
    fn failed(&self, journey: &mut Journey, step: Step, error: Error) -> StepResult {
        if let Error::ReloginRequired { reason, .. } = &error {
            tracing::info!(journey = %journey.id, %step, %reason, "the session cannot be renewed");
            journey.live = None;
            journey.session = None;
            // The session step logs in (with a password supplied) or waits.
            return Ok(Flow::Continue);
        }
        match definitive(step, &error) {
            Some(failure) => Ok(Flow::Stop(Outcome::failed(failure))),
            None => Err(AdvanceError::Finhub {
                step,
                source: error,
            }),
        }
    }
}

/// The failure of an error that says FinHub refused the request and did
/// nothing (a client error other than 401, 408 and 429, or a request the
/// client would not send); `None` for errors a later run may not meet.
fn definitive(step: Step, error: &Error) -> Option<Failure> {
    match error {
        Error::Validation { .. } | Error::Config(_) => Some(Failure::Rejected {
            step,
            status: None,
            message: error.to_string(),
        }),
        Error::ReloginRequired { .. } => None,
        _ => match error.status() {
            Some(status @ 400..=499) if !matches!(status, 401 | 408 | 429) => {
                Some(Failure::Rejected {
                    step,
                    status: Some(status),
                    message: error.to_string(),
                })
            }
            _ => None,
        },
    }
}

fn rejected(step: Step, violations: finhub_ext::validation::Violations) -> Flow {
    Flow::Stop(Outcome::failed(Failure::Rejected {
        step,
        status: None,
        message: violations.to_string(),
    }))
}

/// Whether the readiness check allows activation (`activationAllowed` or
/// `canActivate`, facts I-30).
fn allowed(readiness: &ActivationReadiness) -> Option<bool> {
    readiness.activation_allowed.or(readiness.can_activate)
}

fn is_approved(verification: &Verification) -> bool {
    verification
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("APPROVED"))
}

/// The id of document `index` of the journey among the verification's
/// documents: by its `docId`, else by its type among documents no other of
/// the journey's documents claims.
fn uploaded(journey: &Journey, index: usize, verification: &Verification) -> Option<String> {
    let wanted = &journey.documents[index];
    let id_of = |d: &finhub_ext::api::types::VerificationDocument| {
        d.document_id.clone().or_else(|| d.id.clone())
    };
    if let Some(found) = verification.documents.iter().find(|d| {
        d.document_id.as_deref() == Some(wanted.doc_id.as_str())
            || d.id.as_deref() == Some(wanted.doc_id.as_str())
    }) {
        return id_of(found);
    }
    let claimed: Vec<&str> = journey
        .documents
        .iter()
        .filter_map(|d| d.attempt.done().map(|u| u.document_id.as_str()))
        .collect();
    let kind = wanted.document.document_type.as_str();
    verification
        .documents
        .iter()
        .filter(|d| {
            let found = d
                .document_type
                .as_deref()
                .or(d.file_type.as_deref())
                .unwrap_or("");
            found.trim_start_matches("DT_").eq_ignore_ascii_case(kind)
        })
        .filter_map(id_of)
        .find(|id| !claimed.contains(&id.as_str()))
}

/// What the readiness check tells about consents sent without an answer.
enum ConsentsRead {
    /// Each is now accepted or not sent.
    Resolved,
    /// Undecided until the consents never sent are sent (the check tells
    /// only whether all are accepted).
    SendOthersFirst,
    /// It cannot tell.
    Unknown,
}

fn resolve_consents(journey: &mut Journey, readiness: &ActivationReadiness) -> ConsentsRead {
    let missing = &readiness.missing_consents;
    if !missing.is_empty() || readiness.consent_ok == Some(true) {
        for consent in journey.consents.iter_mut().filter(|c| c.attempt.is_sent()) {
            consent.attempt = if missing.iter().any(|m| m == consent.kind.response_code()) {
                Attempt::NotSent
            } else {
                Attempt::Done(Accepted { consent_id: None })
            };
        }
        return ConsentsRead::Resolved;
    }
    if readiness.consent_ok != Some(false) {
        return ConsentsRead::Unknown;
    }
    // Not all accepted, and the check does not list which.
    let unconfirmed: Vec<usize> = journey
        .consents
        .iter()
        .enumerate()
        .filter(|(_, c)| c.attempt.done().is_none())
        .map(|(i, _)| i)
        .collect();
    match unconfirmed.as_slice() {
        [only] => {
            journey.consents[*only].attempt = Attempt::NotSent;
            ConsentsRead::Resolved
        }
        _ if journey
            .consents
            .iter()
            .any(|c| matches!(c.attempt, Attempt::NotSent)) =>
        {
            ConsentsRead::SendOthersFirst
        }
        _ => ConsentsRead::Unknown,
    }
}

/// Where and what kind of JSON error, without serde's text (which can quote
/// a value, such as a token).
fn json_error_kind(error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "unexpected content",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{kind} at line {}, column {}", error.line(), error.column())
}
