//! The batch engine: every valid row of a customers file becomes a journey
//! in a [`ClaimingStore`], run by a [`Runner`] with one FinHub client (one
//! admin session) shared by all journeys, paced by one [`Pacer`].
//!
//! # What a run does
//!
//! 1. **Reads the whole file first** ([`BatchInput`]): an invalid row is
//!    reported ([`BatchEvent::Invalid`]) and never sent; a file that cannot
//!    be read stops the run before anything is created or sent.
//! 2. **Creates the journeys**: each valid row is the journey
//!    [`JourneyId`] of its e-mail address (trimmed, lower case), with the
//!    row's [`Customer`]. A journey already in the store is kept as it is
//!    (a re-run continues it): one that is done or failed is reported at
//!    once and nothing is sent for it.
//! 3. **Runs them**: it [claims](ClaimingStore::claim) unfinished journeys
//!    of the file, as many as the pacer's limit leaves room for, renews the
//!    leases while they run, and [`Runner::advance`]s each under a
//!    [`Permit`](super::pacing::Permit). The row's password is supplied
//!    from memory to every journey it runs (never stored): a journey
//!    reloaded before it registered, or whose session cannot be renewed,
//!    goes on with it. A journey waiting for the activation code gets one
//!    from [`BatchOptions::activation_code`] (once per run), a poll due
//!    within [`BatchOptions::max_poll_wait`] is waited for (without the
//!    permit); any other wait ends the journey's turn: it is released and
//!    reported waiting. An error a later run may not meet (a 5xx, a lost
//!    answer, a 429) releases the journey, which is tried again after the
//!    others, up to [`BatchOptions::max_attempts`] times in one run; then
//!    it is reported failed with the error's code and stays unfinished in
//!    the store for the next run.
//! 4. **Ends** when every journey of the file is done, failed or has been
//!    run to a wait by this worker. Journeys another worker holds are
//!    waited for (their leases run out if it died). [`BatchReport`] has
//!    one [`RowResult`] per row, read back from the store.
//!
//! Several workers (processes, machines) can run the same file against
//! one shared store (PostgreSQL): the claims keep them from running one
//! journey at once, and the conditional saves from overwriting each other.
//!
//! # Pacing
//!
//! The client is built with the pacer as its admission gate
//! ([`Batch::new`]): a 429 or a `Retry-After` pauses every new request of
//! every journey and lowers the limit; a storm of 5xx lowers it too;
//! healthy answers raise it again, up to the concurrency (see
//! [`pacing`](super::pacing)). [`BatchEvent::Rate`] reports each change.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use finhub_ext::{FinhubClient, FinhubClientBuilder};
use secrecy::SecretString;
use serde::Serialize;
use tokio::task::JoinSet;

use super::input::{BatchInput, Finding, InputError};
use super::pacing::{Pacer, PacingConfig};
use super::results::{RowResult, RowState};
use crate::customer::Customer;
use crate::documents::DocumentSource;
use crate::error::{AdvanceError, LoadError};
use crate::journey::Journey;
use crate::outcome::{Failure, Outcome, WaitingOn};
use crate::polling::Polling;
use crate::runner::Runner;
use crate::store::{ClaimingStore, JourneyId, JourneyStore, Phase, StoreError, WorkerId};

/// Where the activation code of a customer comes from, asked when a
/// journey waits for one: `None` leaves the journey waiting.
pub type ActivationCodeSource = Arc<dyn Fn(&Customer) -> Option<String> + Send + Sync>;

/// How a [`Batch`] runs (see the [module docs](self)).
#[derive(Clone)]
pub struct BatchOptions {
    pacing: PacingConfig,
    worker: WorkerId,
    lease: Duration,
    max_poll_wait: Duration,
    max_attempts: u32,
    idle_wait: Duration,
    polling: Polling,
    activation_code: Option<ActivationCodeSource>,
}

impl fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchOptions")
            .field("pacing", &self.pacing)
            .field("worker", &self.worker)
            .field("lease", &self.lease)
            .field("max_poll_wait", &self.max_poll_wait)
            .field("max_attempts", &self.max_attempts)
            .field("idle_wait", &self.idle_wait)
            .field("polling", &self.polling)
            .field("activation_code", &self.activation_code.is_some())
            .finish()
    }
}

impl BatchOptions {
    /// At most `concurrency` journeys at once (at least 1; the pacer's
    /// maximum, [`PacingConfig::new`]); a worker id unique to this process;
    /// leases of 60 s; polls due within 30 s waited for; 5 attempts per
    /// journey and run; no activation codes.
    pub fn new(concurrency: usize) -> Self {
        BatchOptions {
            pacing: PacingConfig::new(concurrency),
            worker: WorkerId::new(format!(
                "batch-{}-{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            )),
            lease: Duration::from_secs(60),
            max_poll_wait: Duration::from_secs(30),
            max_attempts: 5,
            idle_wait: Duration::from_millis(200),
            polling: Polling::default(),
            activation_code: None,
        }
    }

    /// How the limit adapts (replaces the one of [`new`](Self::new)).
    pub fn pacing(mut self, pacing: PacingConfig) -> Self {
        self.pacing = pacing;
        self
    }

    /// This worker's name among the workers sharing the store.
    pub fn worker(mut self, worker: WorkerId) -> Self {
        self.worker = worker;
        self
    }

    /// How long a claim lasts without renewal (renewed every third of it
    /// while the journey runs); a worker that dies leaves its journeys to
    /// the others after this long. At least 1 s.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_secs(1));
        self
    }

    /// The longest poll (KYC review, IBAN) a journey waits for within the
    /// run; a longer one ends its turn, reported waiting.
    pub fn max_poll_wait(mut self, wait: Duration) -> Self {
        self.max_poll_wait = wait;
        self
    }

    /// How many runs of one journey may end in an error in one batch run
    /// before it is reported failed (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How long to wait before looking again when nothing can be claimed
    /// but journeys of the file are held by other workers.
    pub fn idle_wait(mut self, wait: Duration) -> Self {
        self.idle_wait = wait;
        self
    }

    /// How often the journeys poll the KYC review and the IBAN.
    pub fn polling(mut self, polling: Polling) -> Self {
        self.polling = polling;
        self
    }

    /// Where activation codes come from (default: nowhere, the journeys
    /// wait for them).
    pub fn activation_code(
        mut self,
        source: impl Fn(&Customer) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.activation_code = Some(Arc::new(source));
        self
    }
}

/// What a batch reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BatchEvent {
    /// A row was not sent: its findings have an error (before anything is
    /// sent).
    Invalid {
        /// The row's line number.
        row: u64,
        /// Its e-mail address as written (empty when none).
        email: String,
        /// Every finding of the row.
        findings: Vec<Finding>,
    },
    /// The file is read and the journeys are in the store; running starts.
    Started {
        /// Rows read.
        rows: u64,
        /// Rows to run.
        valid: u64,
        /// Rows not sent.
        invalid: u64,
        /// Valid rows whose journey had finished (done or failed) in an
        /// earlier run: nothing is sent for them.
        finished: u64,
    },
    /// A journey is done.
    #[serde(rename_all = "camelCase")]
    Done {
        /// The row's line number.
        row: u64,
        /// The e-mail address.
        email: String,
        /// FinHub's customer id.
        customer_id: Option<String>,
        /// The wallet's IBAN.
        iban: Option<String>,
    },
    /// A journey waits for something outside the batch.
    #[serde(rename_all = "camelCase")]
    Waiting {
        /// The row's line number.
        row: u64,
        /// The e-mail address.
        email: String,
        /// FinHub's customer id, once registered.
        customer_id: Option<String>,
        /// What it waits on ([`waiting_code`]).
        waiting_on: String,
    },
    /// A journey failed, or ran into errors in every attempt of this run.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The row's line number.
        row: u64,
        /// The e-mail address.
        email: String,
        /// FinHub's customer id, once registered.
        customer_id: Option<String>,
        /// The error's code ([`failure_code`], [`error_code`]).
        error_code: String,
    },
    /// The pacing changed: the limit of journeys at once, or a pause.
    #[serde(rename_all = "camelCase")]
    Rate {
        /// Journeys that may run at once now.
        limit: usize,
        /// Journeys running.
        in_flight: usize,
        /// Whether new requests are paused (FinHub asked to slow down).
        paused: bool,
    },
}

/// How a batch run ended: one result per row, and the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// One result per input row, in the file's order.
    pub results: Vec<RowResult>,
    /// Rows done.
    pub done: u64,
    /// Rows waiting.
    pub waiting: u64,
    /// Rows failed.
    pub failed: u64,
    /// Rows invalid (not sent).
    pub invalid: u64,
}

/// Why a batch could not run (a journey's own failure is a result, not
/// this).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The header of the customers file has an error: no row was read and
    /// nothing was sent.
    #[error("the customers file's header has errors; nothing was sent")]
    Refused {
        /// The header's findings.
        findings: Vec<Finding>,
    },
    /// The customers file could not be read: nothing was created or sent.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The code of what a journey waits on: `kyc_review`, `activation_code`,
/// `activation_code_rejected`, `iban`, `customer_login`,
/// `registration_password`.
pub fn waiting_code(on: WaitingOn) -> &'static str {
    match on {
        WaitingOn::KycReview => "kyc_review",
        WaitingOn::ActivationCode { rejected: false } => "activation_code",
        WaitingOn::ActivationCode { rejected: true } => "activation_code_rejected",
        WaitingOn::Iban => "iban",
        WaitingOn::CustomerLogin => "customer_login",
        WaitingOn::RegistrationPassword => "registration_password",
    }
}

/// The code of a journey's failure: `STEP.outcome_unknown`,
/// `STEP.rejected` (`STEP.rejected.STATUS` when FinHub answered),
/// `categorization.no_individual_category`, `STEP.unexpected_answer`.
pub fn failure_code(failure: &Failure) -> String {
    match failure {
        Failure::OutcomeUnknown { step, .. } => format!("{step}.outcome_unknown"),
        Failure::Rejected {
            step,
            status: Some(status),
            ..
        } => format!("{step}.rejected.{status}"),
        Failure::Rejected { step, .. } => format!("{step}.rejected"),
        Failure::NoIndividualCategory { .. } => "categorization.no_individual_category".into(),
        Failure::UnexpectedAnswer { step, .. } => format!("{step}.unexpected_answer"),
    }
}

/// The code of an error that ended a run early: `STEP.http_STATUS`,
/// `STEP.no_answer` (transport, timeout), `STEP.client` (a request the
/// client would not send), `documents.source`, `store.conflict`,
/// `store.backend`.
pub fn error_code(error: &AdvanceError) -> String {
    match error {
        AdvanceError::Finhub { step, source } => match source.status() {
            Some(status) => format!("{step}.http_{status}"),
            None if source.is_retryable() => format!("{step}.no_answer"),
            None => format!("{step}.client"),
        },
        AdvanceError::Document { .. } => "documents.source".into(),
        AdvanceError::Store(StoreError::Conflict { .. }) => "store.conflict".into(),
        AdvanceError::Store(_) => "store.backend".into(),
    }
}

/// The batch engine (see the [module docs](self)).
pub struct Batch<S> {
    runner: Arc<Runner<Arc<S>>>,
    store: Arc<S>,
    pacer: Pacer,
    options: BatchOptions,
}

impl<S> fmt::Debug for Batch<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("runner", &self.runner)
            .field("pacer", &self.pacer)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One row as the run keeps it.
struct Entry {
    row: u64,
    email: String,
    /// `None`: invalid, with these findings.
    id: Option<JourneyId>,
    findings: Vec<Finding>,
}

/// How a journey's turn ended.
enum TurnEnd {
    Stopped(Outcome, Box<Journey>),
    Error(String),
}

impl<S: ClaimingStore + 'static> Batch<S> {
    /// A batch over `store` whose journeys call FinHub with a client built
    /// from `client` (with the batch's pacer as its admission gate:
    /// clones share one admin session) and upload documents from
    /// `documents`.
    pub fn new(
        client: FinhubClientBuilder,
        store: Arc<S>,
        documents: impl DocumentSource + 'static,
        options: BatchOptions,
    ) -> Result<Batch<S>, finhub_ext::Error> {
        let pacer = Pacer::new(options.pacing.clone());
        let client: FinhubClient = client.admission(Arc::new(pacer.clone())).build()?;
        let runner = Runner::new(client, store.clone(), documents).polling(options.polling);
        Ok(Batch {
            runner: Arc::new(runner),
            store,
            pacer,
            options,
        })
    }

    /// The pacer shared by the batch's journeys.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// The runner (its client and store).
    pub fn runner(&self) -> &Runner<Arc<S>> {
        &self.runner
    }

    /// Runs the rows of `input` (see the [module docs](self)), telling
    /// `on_event` how it goes.
    pub async fn run<R: Read>(
        &self,
        mut input: BatchInput<R>,
        mut on_event: impl FnMut(BatchEvent),
    ) -> Result<BatchReport, BatchError> {
        if input.is_refused() {
            return Err(BatchError::Refused {
                findings: input.header_findings().to_vec(),
            });
        }
        // 1. The whole file, before anything is created or sent.
        let mut entries = Vec::new();
        let mut valid: Vec<(usize, Customer, SecretString)> = Vec::new();
        for row in input.by_ref() {
            let row = row?;
            let index = entries.len();
            let password = row.password().cloned();
            let mut entry = Entry {
                row: row.row,
                email: row.email.clone(),
                id: None,
                findings: Vec::new(),
            };
            match (row.customer, password) {
                (Some(customer), Some(password)) => {
                    entry.id = Some(journey_id(&customer.email));
                    valid.push((index, customer, password));
                }
                _ => entry.findings = row.findings,
            }
            entries.push(entry);
        }
        let mut report = BatchReport::default();
        for entry in entries.iter().filter(|e| e.id.is_none()) {
            report.invalid += 1;
            on_event(BatchEvent::Invalid {
                row: entry.row,
                email: entry.email.clone(),
                findings: entry.findings.clone(),
            });
        }
        // 2. The journeys, created or found.
        let mut passwords: HashMap<JourneyId, SecretString> = HashMap::new();
        let mut by_id: HashMap<JourneyId, usize> = HashMap::new();
        let mut settled: HashSet<JourneyId> = HashSet::new();
        let mut last_error: HashMap<JourneyId, String> = HashMap::new();
        let mut finished_events = Vec::new();
        for (index, customer, password) in valid {
            let id = journey_id(&customer.email);
            by_id.insert(id.clone(), index);
            match self.store.load(&id).await? {
                Some(record) if record.phase.is_finished() => {
                    settled.insert(id.clone());
                    finished_events.push(id.clone());
                }
                Some(_) => {}
                None => match Journey::new(id.clone(), customer, password.clone()) {
                    Ok(mut journey) => match self.runner.save(&mut journey).await {
                        // Another worker created it first: the same journey.
                        Ok(()) | Err(StoreError::Conflict { .. }) => {}
                        Err(e) => return Err(e.into()),
                    },
                    Err(violations) => {
                        // Checked with the row already; kept as a result.
                        settled.insert(id.clone());
                        last_error
                            .insert(id.clone(), format!("row.{}", violations_rule(&violations)));
                    }
                },
            }
            passwords.insert(id, password);
        }
        on_event(BatchEvent::Started {
            rows: entries.len() as u64,
            valid: by_id.len() as u64,
            invalid: report.invalid,
            finished: finished_events.len() as u64,
        });
        for id in &finished_events {
            let entry = &entries[by_id[id]];
            if let Some(event) = self.event_from_store(entry, id, &last_error).await {
                on_event(event);
            }
        }
        // 3. Run them.
        self.run_journeys(
            &entries,
            &by_id,
            &passwords,
            &mut settled,
            &mut last_error,
            &mut on_event,
        )
        .await?;
        // 4. The results, from the store.
        for entry in &entries {
            let result = match &entry.id {
                None => RowResult {
                    row: entry.row,
                    email: entry.email.clone(),
                    customer_id: None,
                    state: RowState::Invalid {
                        findings: entry.findings.clone(),
                    },
                    iban: None,
                },
                Some(id) => self.result_of(entry, id, &last_error).await?,
            };
            match result.state {
                RowState::Done => report.done += 1,
                RowState::Waiting { .. } => report.waiting += 1,
                RowState::Failed { .. } => report.failed += 1,
                RowState::Invalid { .. } => {}
            }
            report.results.push(result);
        }
        Ok(report)
    }

    /// Claims and runs journeys of the file until each is settled.
    async fn run_journeys(
        &self,
        entries: &[Entry],
        by_id: &HashMap<JourneyId, usize>,
        passwords: &HashMap<JourneyId, SecretString>,
        settled: &mut HashSet<JourneyId>,
        last_error: &mut HashMap<JourneyId, String>,
        on_event: &mut impl FnMut(BatchEvent),
    ) -> Result<(), BatchError> {
        let worker = &self.options.worker;
        let lease = self.options.lease;
        let held: Arc<Mutex<HashSet<JourneyId>>> = Arc::default();
        let renewals = tokio::spawn(renew_leases(
            self.store.clone(),
            worker.clone(),
            held.clone(),
            lease,
        ));
        let mut attempts: HashMap<JourneyId, u32> = HashMap::new();
        let mut tasks: JoinSet<(JourneyId, TurnEnd)> = JoinSet::new();
        let mut rate = None;
        let outcome = async {
            loop {
                self.report_rate(&mut rate, tasks.len(), on_event);
                let started = self
                    .claim_and_start(by_id, passwords, settled, last_error, &held, &mut tasks)
                    .await?;
                if tasks.is_empty() {
                    if started == 0 {
                        if self
                            .all_settled(entries, by_id, settled, last_error, on_event)
                            .await?
                        {
                            return Ok(());
                        }
                        tokio::time::sleep(self.options.idle_wait).await;
                    }
                    continue;
                }
                let joined =
                    tokio::time::timeout(Duration::from_millis(250), tasks.join_next()).await;
                let Ok(Some(joined)) = joined else {
                    continue;
                };
                // Every turn ended by now, released in one write.
                let mut ended = Vec::new();
                let mut next = Some(joined);
                while let Some(joined) = next {
                    match joined {
                        Ok(done) => ended.push(done),
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        Err(_) => {}
                    }
                    next = tasks.try_join_next();
                }
                if ended.is_empty() {
                    continue;
                }
                let ids: Vec<JourneyId> = ended.iter().map(|(id, _)| id.clone()).collect();
                {
                    let mut held = lock(&held);
                    for id in &ids {
                        held.remove(id);
                    }
                }
                self.store.release(worker, &ids).await?;
                for (id, end) in ended {
                    let entry = &entries[by_id[&id]];
                    match end {
                        TurnEnd::Stopped(outcome, journey) => {
                            settled.insert(id.clone());
                            on_event(event_of(entry, &journey, &outcome));
                        }
                        TurnEnd::Error(code) => {
                            let tries = attempts.entry(id.clone()).or_insert(0);
                            *tries += 1;
                            if *tries >= self.options.max_attempts {
                                settled.insert(id.clone());
                                on_event(BatchEvent::Failed {
                                    row: entry.row,
                                    email: entry.email.clone(),
                                    customer_id: None,
                                    error_code: code.clone(),
                                });
                            }
                            last_error.insert(id, code);
                        }
                    }
                }
            }
        }
        .await;
        tasks.shutdown().await;
        renewals.abort();
        let left: Vec<JourneyId> = lock(&held).drain().collect();
        if !left.is_empty() {
            let _ = self.store.release(worker, &left).await;
        }
        outcome
    }

    /// Claims as many journeys as the limit leaves room for and starts
    /// those of the file not settled yet; the others are released at once.
    async fn claim_and_start(
        &self,
        by_id: &HashMap<JourneyId, usize>,
        passwords: &HashMap<JourneyId, SecretString>,
        settled: &mut HashSet<JourneyId>,
        last_error: &mut HashMap<JourneyId, String>,
        held: &Arc<Mutex<HashSet<JourneyId>>>,
        tasks: &mut JoinSet<(JourneyId, TurnEnd)>,
    ) -> Result<usize, BatchError> {
        let worker = &self.options.worker;
        let mut started = 0;
        let mut passed: HashSet<JourneyId> = HashSet::new();
        loop {
            let free = self.pacer.limit().saturating_sub(tasks.len());
            if free == 0 {
                return Ok(started);
            }
            let records = self.store.claim(worker, self.options.lease, free).await?;
            let claimed = records.len();
            let mut skip = Vec::new();
            let mut new_skips = false;
            for record in records {
                let id = record.id.clone();
                if !by_id.contains_key(&id) || settled.contains(&id) {
                    new_skips |= passed.insert(id.clone());
                    skip.push(id);
                    continue;
                }
                // The claim gave the record: no second read.
                match Runner::<Arc<S>>::journey_of(&id, record) {
                    Ok(journey) => {
                        lock(held).insert(id.clone());
                        tasks.spawn(turn(
                            self.runner.clone(),
                            self.pacer.clone(),
                            self.options.clone(),
                            journey,
                            passwords.get(&id).cloned(),
                        ));
                        started += 1;
                    }
                    Err(LoadError::Store(e)) => return Err(e.into()),
                    Err(e) => {
                        tracing::warn!(journey = %id, error = %e, "a journey's state cannot be read");
                        settled.insert(id.clone());
                        last_error.insert(id.clone(), "state.unreadable".into());
                        skip.push(id);
                    }
                }
            }
            if !skip.is_empty() {
                self.store.release(worker, &skip).await?;
            }
            // Keep claiming past journeys that are not ours to run, until
            // a claim brings nothing new.
            if claimed < free || started > 0 || !new_skips {
                return Ok(started);
            }
        }
    }

    /// Whether every journey of the file is settled: those not run to a
    /// stop by this worker are looked up (another worker may have finished
    /// them).
    async fn all_settled(
        &self,
        entries: &[Entry],
        by_id: &HashMap<JourneyId, usize>,
        settled: &mut HashSet<JourneyId>,
        last_error: &HashMap<JourneyId, String>,
        on_event: &mut impl FnMut(BatchEvent),
    ) -> Result<bool, BatchError> {
        let mut open = false;
        let unsettled: Vec<JourneyId> = by_id
            .keys()
            .filter(|id| !settled.contains(*id))
            .cloned()
            .collect();
        for id in unsettled {
            match self.store.load(&id).await? {
                Some(record) if record.phase.is_finished() => {
                    settled.insert(id.clone());
                    let entry = &entries[by_id[&id]];
                    if let Some(event) = self.event_from_store(entry, &id, last_error).await {
                        on_event(event);
                    }
                }
                _ => open = true,
            }
        }
        Ok(!open)
    }

    /// Reports the pacing when it changed.
    fn report_rate(
        &self,
        last: &mut Option<(usize, bool)>,
        in_flight: usize,
        on_event: &mut impl FnMut(BatchEvent),
    ) {
        let now = (self.pacer.limit(), self.pacer.paused_until().is_some());
        if *last != Some(now) {
            *last = Some(now);
            on_event(BatchEvent::Rate {
                limit: now.0,
                in_flight,
                paused: now.1,
            });
        }
    }

    /// The event of a journey as the store has it.
    async fn event_from_store(
        &self,
        entry: &Entry,
        id: &JourneyId,
        last_error: &HashMap<JourneyId, String>,
    ) -> Option<BatchEvent> {
        let result = self.result_of(entry, id, last_error).await.ok()?;
        Some(match result.state {
            RowState::Done => BatchEvent::Done {
                row: entry.row,
                email: entry.email.clone(),
                customer_id: result.customer_id,
                iban: result.iban,
            },
            RowState::Waiting { on } => BatchEvent::Waiting {
                row: entry.row,
                email: entry.email.clone(),
                customer_id: result.customer_id,
                waiting_on: on,
            },
            RowState::Failed { code } => BatchEvent::Failed {
                row: entry.row,
                email: entry.email.clone(),
                customer_id: result.customer_id,
                error_code: code,
            },
            RowState::Invalid { .. } => return None,
        })
    }

    /// A row's result, from the journey in the store.
    async fn result_of(
        &self,
        entry: &Entry,
        id: &JourneyId,
        last_error: &HashMap<JourneyId, String>,
    ) -> Result<RowResult, BatchError> {
        let unfinished = || RowState::Failed {
            code: last_error
                .get(id)
                .cloned()
                .unwrap_or_else(|| "unfinished".into()),
        };
        let journey = match self.runner.load(id).await {
            Ok(journey) => journey,
            Err(LoadError::Store(e)) => return Err(e.into()),
            Err(_) => None,
        };
        let Some(journey) = journey else {
            return Ok(RowResult {
                row: entry.row,
                email: entry.email.clone(),
                customer_id: None,
                state: RowState::Failed {
                    code: last_error
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| "state.unreadable".into()),
                },
                iban: None,
            });
        };
        let state = match journey.outcome() {
            Some(Outcome::Done) => RowState::Done,
            Some(Outcome::Waiting { on, .. }) if journey.phase() == Phase::Waiting => {
                RowState::Waiting {
                    on: waiting_code(*on).into(),
                }
            }
            Some(Outcome::Failed { failure }) => RowState::Failed {
                code: failure_code(failure),
            },
            _ => unfinished(),
        };
        Ok(RowResult {
            row: entry.row,
            email: entry.email.clone(),
            customer_id: journey.customer_id().map(str::to_string),
            state,
            iban: journey.iban().map(str::to_string),
        })
    }
}

/// The journey id of a row: its e-mail address, trimmed, in lower case
/// (the file's duplicate check ignores letter case too).
pub fn journey_id(email: &str) -> JourneyId {
    JourneyId::new(email.trim().to_lowercase())
}

fn violations_rule(violations: &finhub_ext::validation::Violations) -> &'static str {
    violations
        .errors()
        .next()
        .map_or("invalid", |violation| violation.rule)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The event of a journey's turn that stopped with `outcome`.
fn event_of(entry: &Entry, journey: &Journey, outcome: &Outcome) -> BatchEvent {
    let row = entry.row;
    let email = entry.email.clone();
    let customer_id = journey.customer_id().map(str::to_string);
    match outcome {
        Outcome::Done => BatchEvent::Done {
            row,
            email,
            customer_id,
            iban: journey.iban().map(str::to_string),
        },
        Outcome::Waiting { on, .. } => BatchEvent::Waiting {
            row,
            email,
            customer_id,
            waiting_on: waiting_code(*on).into(),
        },
        Outcome::Failed { failure } => BatchEvent::Failed {
            row,
            email,
            customer_id,
            error_code: failure_code(failure),
        },
    }
}

/// Renews this worker's leases every third of a lease.
async fn renew_leases<S: ClaimingStore>(
    store: Arc<S>,
    worker: WorkerId,
    held: Arc<Mutex<HashSet<JourneyId>>>,
    lease: Duration,
) {
    loop {
        tokio::time::sleep(lease / 3).await;
        let ids: Vec<JourneyId> = lock(&held).iter().cloned().collect();
        if ids.is_empty() {
            continue;
        }
        if let Err(e) = store.renew(&worker, &ids, lease).await {
            tracing::warn!(error = %e, "renewing the batch's claims failed");
        }
    }
}

/// One journey's turn: advanced until it is done, failed, or waits for
/// something the batch cannot give now.
async fn turn<S: ClaimingStore + 'static>(
    runner: Arc<Runner<Arc<S>>>,
    pacer: Pacer,
    options: BatchOptions,
    mut journey: Journey,
    password: Option<SecretString>,
) -> (JourneyId, TurnEnd) {
    let id = journey.id().clone();
    if let Some(password) = password {
        journey.supply_password(password);
    }
    let mut code_given = false;
    // Polls waited for in this turn (each at most `max_poll_wait`).
    let mut polls = 0u32;
    loop {
        let advanced = {
            let _permit = pacer.acquire().await;
            runner.advance(&mut journey).await
        };
        let outcome = match advanced {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::info!(journey = %id, %error, "the journey's turn ended in an error");
                return (id, TurnEnd::Error(error_code(&error)));
            }
        };
        match &outcome {
            Outcome::Waiting {
                on: WaitingOn::ActivationCode { rejected: false },
                ..
            } if !code_given => {
                let code = options
                    .activation_code
                    .as_ref()
                    .and_then(|source| source(journey.customer()));
                code_given = true;
                if let Some(code) = code
                    && journey.supply_activation_code(code).is_ok()
                {
                    continue;
                }
            }
            Outcome::Waiting {
                on,
                retry_after: Some(wait),
            } if on.polls() && *wait <= options.max_poll_wait && polls < 64 => {
                polls += 1;
                tokio::time::sleep(*wait).await;
                continue;
            }
            _ => {}
        }
        return (id, TurnEnd::Stopped(outcome, Box::new(journey)));
    }
}
