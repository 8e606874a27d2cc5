//! The batch engine against an in-process sandbox: every valid row done
//! with one registration each, invalid rows never sent, throttled
//! registrations paced and never doubled, a re-run that continues only
//! what is unfinished and sends nothing for a finished batch.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use finhub_ext::RetryPolicy;
use finhub_onboarding::batch::engine::journey_id;
use finhub_onboarding::batch::input::{BatchInput, InputOptions};
use finhub_onboarding::batch::results::RowState;
use finhub_onboarding::batch::{Batch, BatchEvent, BatchOptions, BatchReport};
use finhub_onboarding::{ClaimingStore, JourneyStore, MemoryStore, Phase, SampleDocuments};
use finhub_sandbox::{FaultRule, Operation, Sandbox};

/// The row passwords: canaries no saved state may hold.
const PASSWORD: &str = "Batch-Canary-Pass-9!";

/// A customers file of `valid` valid rows and two invalid ones (a bad
/// e-mail, a weak password), in `dir`.
fn customers(dir: &Path, valid: usize) -> PathBuf {
    // Every fact FinHub's pages disagree on requiring is given: the
    // sandbox requires them, as the parameter list does (facts I-12).
    let mut csv = String::from(
        "first_name,last_name,email,password,phone,gender,date_of_birth,nationality,place_of_birth,pincode\n",
    );
    let facts = "FEMALE,1991-02-03,LT,Kaunas,38001010000";
    for n in 0..valid {
        csv.push_str(&format!(
            "Ona,Number{n},Ona.{n}@Example.com,{PASSWORD},+3706001{n:04},{facts}\n"
        ));
        if n == 1 {
            csv.push_str(&format!(
                "Bad,Mail,not-an-email,Valid-Pass-123!,+37060019999,{facts}\n"
            ));
            csv.push_str(&format!(
                "Weak,Pass,weak@example.com,short,+37060019998,{facts}\n"
            ));
        }
    }
    let path = dir.join("customers.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn input(path: &Path) -> BatchInput<std::fs::File> {
    BatchInput::open(path, InputOptions::default()).unwrap()
}

fn options(concurrency: usize) -> BatchOptions {
    BatchOptions::new(concurrency)
        .activation_code(|_| Some("ACTIVATION_CODE_20260331114954".into()))
}

fn batch<S: ClaimingStore + 'static>(
    sandbox: &Sandbox,
    store: Arc<S>,
    options: BatchOptions,
) -> Batch<S> {
    let client = sandbox
        .credentials()
        .client_builder()
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(5)));
    Batch::new(client, store, SampleDocuments, options).unwrap()
}

async fn run<S: ClaimingStore + 'static>(
    batch: &Batch<S>,
    path: &Path,
) -> (BatchReport, Vec<BatchEvent>) {
    let mut events = Vec::new();
    let report = batch
        .run(input(path), |event| events.push(event))
        .await
        .unwrap();
    (report, events)
}

fn count(events: &[BatchEvent], pick: fn(&BatchEvent) -> bool) -> usize {
    events.iter().filter(|e| pick(e)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_valid_row_is_done_once_and_invalid_rows_are_never_sent() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = customers(dir.path(), 6);
    let store = Arc::new(MemoryStore::new());
    let batch = batch(&sandbox, store.clone(), options(3));
    let (report, events) = run(&batch, &path).await;

    assert_eq!(
        (report.done, report.waiting, report.failed, report.invalid),
        (6, 0, 0, 2)
    );
    assert_eq!(report.results.len(), 8);
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.registrations, 6);
    assert_eq!(stats.requests_for(Operation::RegisterIndividualCustomer), 6);
    assert_eq!(stats.side_effects.activations, 6);
    for result in &report.results {
        match &result.state {
            RowState::Done => {
                let found = sandbox.find_customer(&result.email.to_lowercase());
                let found = found.expect("registered");
                assert_eq!(
                    result.customer_id.as_deref(),
                    Some(found.customer_id.as_str())
                );
                assert!(result.iban.as_deref().is_some_and(|i| !i.is_empty()));
            }
            RowState::Invalid { findings } => {
                assert!(!findings.is_empty());
                assert!(sandbox.find_customer(&result.email).is_none(), "never sent");
            }
            other => panic!("{other:?}"),
        }
    }
    // The rows' order, their line numbers.
    let rows: Vec<u64> = report.results.iter().map(|r| r.row).collect();
    assert_eq!(rows, [2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(count(&events, |e| matches!(e, BatchEvent::Done { .. })), 6);
    assert_eq!(
        count(&events, |e| matches!(e, BatchEvent::Invalid { .. })),
        2
    );
    // Invalid rows are reported before anything runs.
    let started = events
        .iter()
        .position(|e| matches!(e, BatchEvent::Started { .. }))
        .unwrap();
    assert!(
        events[..started]
            .iter()
            .all(|e| matches!(e, BatchEvent::Invalid { .. }))
    );
    assert!(matches!(
        events[started],
        BatchEvent::Started {
            rows: 8,
            valid: 6,
            invalid: 2,
            finished: 0
        }
    ));
    // Each journey keyed by its e-mail in lower case, done in the store,
    // and no saved state or event holds a password.
    for n in 0..6 {
        let id = journey_id(&format!("Ona.{n}@Example.com"));
        assert_eq!(id.as_str(), format!("ona.{n}@example.com"));
        let record = store.load(&id).await.unwrap().unwrap();
        assert_eq!(record.phase, Phase::Done);
        assert!(!record.state.to_string().contains(PASSWORD));
    }
    assert!(!format!("{events:?}").contains(PASSWORD));
    assert!(!serde_json::to_string(&events).unwrap().contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_registrations_pause_the_batch_and_are_never_doubled() {
    let sandbox = Sandbox::builder().fault_seed(7).start().await.unwrap();
    sandbox
        .faults()
        .inject(
            FaultRule::too_many_requests(1)
                .on(Operation::RegisterIndividualCustomer)
                .rate(0.1),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = customers(dir.path(), 20);
    let store = Arc::new(MemoryStore::new());
    let batch = batch(&sandbox, store, options(4).max_attempts(20));
    let (report, events) = run(&batch, &path).await;

    let stats = sandbox.stats();
    assert!(stats.faults_injected > 0, "the fault fired (seeded)");
    assert_eq!(
        (report.done, report.failed),
        (20, 0),
        "{:?}",
        report.results
    );
    assert_eq!(stats.side_effects.registrations, 20, "one per valid row");
    assert_eq!(
        stats.requests_for(Operation::RegisterIndividualCustomer),
        20 + stats.faults_injected,
        "each throttled registration sent again once"
    );
    // The pacer heard the 429s: the limit went down and a pause began.
    assert!(
        events
            .iter()
            .any(|e| matches!(e, BatchEvent::Rate { limit, paused: true, .. } if *limit < 4)),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_run_continues_only_what_is_unfinished_and_a_finished_batch_sends_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = customers(dir.path(), 4);
    let db = dir.path().join("journeys.db");

    // First run: FinHub's categorization answers 503, one attempt each:
    // the journeys stay in the store, not registered.
    let outage = sandbox
        .faults()
        .inject(FaultRule::status(503).on(Operation::GetCategorizationHierarchy))
        .unwrap();
    {
        let store = Arc::new(
            finhub_onboarding::store::sqlite::SqliteStore::open(&db)
                .await
                .unwrap(),
        );
        let batch = batch(&sandbox, store.clone(), options(2).max_attempts(1));
        let (report, _) = run(&batch, &path).await;
        assert_eq!((report.done, report.failed, report.invalid), (0, 4, 2));
        assert!(report.results.iter().any(|r| matches!(
            &r.state,
            RowState::Failed { code } if code == "categorization.http_503"
        )));
        assert_eq!(store.list(Some(Phase::Running)).await.unwrap().len(), 4);
    }
    assert_eq!(sandbox.stats().side_effects.registrations, 0);
    sandbox.faults().remove(outage);

    // Second run, a new process as far as the journeys know: reloaded
    // before they registered, they get the row's password again.
    let store = Arc::new(
        finhub_onboarding::store::sqlite::SqliteStore::open(&db)
            .await
            .unwrap(),
    );
    let batch2 = batch(&sandbox, store.clone(), options(2));
    let (report, _) = run(&batch2, &path).await;
    assert_eq!((report.done, report.failed, report.invalid), (4, 0, 2));
    assert_eq!(sandbox.stats().side_effects.registrations, 4);

    // Third run of the finished batch: nothing is sent.
    let before = sandbox.stats().total_requests();
    let batch3 = batch(&sandbox, store, options(2));
    let (report, events) = run(&batch3, &path).await;
    assert_eq!(sandbox.stats().total_requests(), before, "nothing sent");
    assert_eq!((report.done, report.invalid), (4, 2));
    assert!(events.iter().any(|e| matches!(
        e,
        BatchEvent::Started {
            valid: 4,
            finished: 4,
            ..
        }
    )));
    assert_eq!(count(&events, |e| matches!(e, BatchEvent::Done { .. })), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_activation_codes_the_journeys_wait_and_a_re_run_with_them_finishes() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = customers(dir.path(), 3);
    let store = Arc::new(MemoryStore::new());
    let first = batch(&sandbox, store.clone(), BatchOptions::new(3));
    let (report, events) = run(&first, &path).await;
    assert_eq!((report.done, report.waiting), (0, 3));
    assert!(
        report
            .results
            .iter()
            .all(|r| r.state == RowState::Invalid { findings: vec![] }
                || matches!(&r.state, RowState::Invalid { .. })
                || r.state
                    == RowState::Waiting {
                        on: "activation_code".into()
                    })
    );
    assert_eq!(
        count(
            &events,
            |e| matches!(e, BatchEvent::Waiting { waiting_on, .. } if waiting_on == "activation_code")
        ),
        3
    );
    let second = batch(&sandbox, store, options(3));
    let (report, _) = run(&second, &path).await;
    assert_eq!((report.done, report.waiting), (3, 0));
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.registrations, 3);
    assert_eq!(stats.side_effects.activations, 3);
}
