//! The population measurement: N customers onboarded through one shared
//! [`Runner`] (one client, one admin session) against the in-process
//! sandbox, each population in its own child process of the bench binary
//! so that its peak RSS is its own.
//!
//! The parent ([`measure`]) runs `finhub-bench --population-child N --store
//! sqlite|memory [--throttle]` once per population and reads the JSON line
//! the child prints ([`child`]).
//!
//! Concurrency is bounded twice: at most [`CONCURRENCY`] journeys (or
//! `--concurrency`) run [`Runner::advance`] at once (a
//! `tokio::sync::Semaphore`), and at most [`IN_FLIGHT_PER_PERMIT`] times as
//! many are alive at once (customers are made in memory as they start and
//! dropped when they finish: the population is streamed, never held). A semaphore and not the batch's `Pacer`: the
//! embedded sandbox never throttles in its default modes, so the pacer
//! would sit at its maximum; and in the throttled run the sandbox's 429s
//! are random per request, not a tenant-wide limit, which the pacer would
//! (rightly, for a real FinHub) answer by pausing every journey for the
//! whole `Retry-After`.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use finhub_onboarding::batch::input::{BatchInput, InputOptions};
use finhub_onboarding::batch::{Batch, BatchOptions};
use finhub_onboarding::store::sqlite::SqliteStore;
use finhub_onboarding::{
    AdvanceError, Customer, Journey, JourneyId, JourneyStore, MemoryStore, Outcome, Record, Runner,
    SampleDocuments, WaitingOn,
};
use finhub_sandbox::{FaultRule, Operation, Sandbox};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Journeys running `advance` at once, unless `--concurrency` says
/// otherwise.
pub const CONCURRENCY: usize = 64;

/// Journeys alive at once (running, waiting for a permit, or sleeping out
/// a `Retry-After`), as a multiple of the concurrency.
pub const IN_FLIGHT_PER_PERMIT: usize = 4;

/// Share of registrations the throttled run answers with 429.
pub const THROTTLE_RATE: f64 = 0.1;

/// The `Retry-After` of those 429s, in seconds.
pub const THROTTLE_RETRY_AFTER_SECS: u64 = 1;

/// Runs of `advance` that may end in an error before a journey gives up.
const MAX_ERRORS_PER_JOURNEY: u32 = 10;

/// The password of every customer of the population.
const PASSWORD: &str = "Bench-password-1!";

/// Where the journeys are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `SqliteStore` in a temporary file, default options (group commit,
    /// full durability): the batch default.
    Sqlite,
    /// `MemoryStore`: every journey's state stays in memory.
    Memory,
}

impl StoreKind {
    /// Its name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "sqlite",
            StoreKind::Memory => "memory",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<StoreKind> {
        match name {
            "sqlite" => Some(StoreKind::Sqlite),
            "memory" => Some(StoreKind::Memory),
            _ => None,
        }
    }
}

/// What drives the journeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// One shared `Runner`, the journeys bounded by a semaphore (this
    /// module's own loop).
    Runner,
    /// `finhub_onboarding::batch::Batch`, the engine of `finhub onboard
    /// --batch`: a customers file generated into a temporary directory, its
    /// claims, its `Pacer` (maximum: the concurrency).
    Batch,
}

impl Engine {
    /// Its name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Runner => "runner",
            Engine::Batch => "batch",
        }
    }

    /// The engine named `name`.
    pub fn parse(name: &str) -> Option<Engine> {
        match name {
            "runner" => Some(Engine::Runner),
            "batch" => Some(Engine::Batch),
            _ => None,
        }
    }
}

/// One population to measure.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// What drives the journeys.
    pub engine: Engine,
    /// Customers.
    pub customers: usize,
    /// The store.
    pub store: StoreKind,
    /// Whether 10 % of registrations are answered 429.
    pub throttle: bool,
    /// Journeys running `advance` at once.
    pub concurrency: usize,
}

/// The populations of a run: 1k and 10k with SQLite, 10k in memory, 10k
/// with SQLite under 429s, through the runner; 10k through the batch
/// engine with SQLite (`quick`: 200 and 1000).
pub fn plans(quick: bool, concurrency: usize) -> Vec<Plan> {
    let (small, large) = if quick { (200, 1000) } else { (1000, 10_000) };
    let plan = |customers, store, throttle| Plan {
        engine: Engine::Runner,
        customers,
        store,
        throttle,
        concurrency,
    };
    vec![
        plan(small, StoreKind::Sqlite, false),
        plan(large, StoreKind::Sqlite, false),
        plan(large, StoreKind::Memory, false),
        plan(large, StoreKind::Sqlite, true),
        Plan {
            engine: Engine::Batch,
            ..plan(large, StoreKind::Sqlite, false)
        },
    ]
}

/// Runs each plan in a child process of this binary and returns the
/// children's reports, in order.
pub fn measure(plans: &[Plan]) -> Result<Vec<Value>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
    let mut reports = Vec::new();
    for plan in plans {
        let mut command = Command::new(&exe);
        command
            .args(["--population-child", &plan.customers.to_string()])
            .args(["--engine", plan.engine.name()])
            .args(["--store", plan.store.name()])
            .args(["--concurrency", &plan.concurrency.to_string()])
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        if plan.throttle {
            command.arg("--throttle");
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot start the population child: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "the population of {} ({}{}) failed ({})",
                plan.customers,
                plan.store.name(),
                if plan.throttle { ", throttled" } else { "" },
                output.status
            ));
        }
        let report: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("the population child printed no JSON report: {e}"))?;
        reports.push(report);
    }
    Ok(reports)
}

/// The child: measures one population and returns its report.
pub async fn child(plan: Plan) -> Result<Value, String> {
    if plan.engine == Engine::Batch {
        return batch(plan).await;
    }
    let sandbox = Arc::new(Sandbox::start().await.map_err(|e| e.to_string())?);
    if plan.throttle {
        sandbox
            .faults()
            .inject(
                FaultRule::too_many_requests(THROTTLE_RETRY_AFTER_SECS)
                    .on(Operation::RegisterIndividualCustomer)
                    .rate(THROTTLE_RATE),
            )
            .map_err(|e| e.to_string())?;
    }
    let client = sandbox
        .credentials()
        .client_builder()
        .build()
        .map_err(|e| e.to_string())?;
    let rss_before = memory_kib("VmRSS");
    match plan.store {
        StoreKind::Memory => {
            let runner = Runner::new(client, MemoryStore::new(), SampleDocuments);
            run(plan, sandbox, Arc::new(runner), rss_before).await
        }
        StoreKind::Sqlite => {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let store = SqliteStore::open(dir.path().join("journeys.sqlite"))
                .await
                .map_err(|e| e.to_string())?;
            let runner = Runner::new(client, store, SampleDocuments);
            let report = run(plan, sandbox, Arc::new(runner), rss_before).await;
            drop(dir);
            report
        }
    }
}

/// What the journeys of one population counted.
#[derive(Default)]
struct Tally {
    /// `advance` runs that ended in an error and were run again.
    errors_retried: AtomicU64,
    /// Of those, errors with a `Retry-After` (a 429).
    throttled: AtomicU64,
    /// Time spent reading activation codes from the sandbox's outbox, in
    /// microseconds.
    outbox_us: AtomicU64,
}

async fn run<S: JourneyStore + 'static>(
    plan: Plan,
    sandbox: Arc<Sandbox>,
    runner: Arc<Runner<S>>,
    rss_before: Option<u64>,
) -> Result<Value, String> {
    let permits = Arc::new(Semaphore::new(plan.concurrency));
    let in_flight = plan.concurrency * IN_FLIGHT_PER_PERMIT;
    let tally = Arc::new(Tally::default());
    let mut times = Vec::with_capacity(plan.customers);
    let mut running = JoinSet::new();
    // The RSS at each tenth of the population, to see whether it grows.
    let mut rss_curve = Vec::new();
    let started = Instant::now();
    let mut next = 0;
    while next < plan.customers || !running.is_empty() {
        while next < plan.customers && running.len() < in_flight {
            running.spawn(onboard(
                next,
                sandbox.clone(),
                runner.clone(),
                permits.clone(),
                tally.clone(),
            ));
            next += 1;
        }
        if let Some(joined) = running.join_next().await {
            times.push(joined.map_err(|e| e.to_string())??);
            if times.len() % (plan.customers / 10).max(1) == 0 {
                rss_curve.push(json!({
                    "done": times.len(),
                    "rssMiB": memory_kib("VmRSS").map(mib),
                }));
            }
        }
    }
    let elapsed = started.elapsed();
    times.sort();
    let percentile = |p: f64| {
        let rank = ((p / 100.0) * (times.len() - 1) as f64).round() as usize;
        times[rank.min(times.len() - 1)]
    };
    // One finished journey as stored: its size and how many saves made it.
    let record = first_record(runner.store()).await?;
    let stats = sandbox.stats();
    let registered = registered(&sandbox, plan.customers);
    let effects = &stats.side_effects;
    let requests: BTreeMap<String, u64> = stats
        .requests
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(op, n)| (op.id().to_string(), *n))
        .collect();
    Ok(json!({
        "engine": plan.engine.name(),
        "customers": plan.customers,
        "store": plan.store.name(),
        "throttled": plan.throttle,
        "concurrency": plan.concurrency,
        "inFlight": in_flight,
        "elapsedS": elapsed.as_secs_f64(),
        "journeysPerSec": plan.customers as f64 / elapsed.as_secs_f64(),
        "p50Ms": ms(percentile(50.0)),
        "p99Ms": ms(percentile(99.0)),
        "maxMs": ms(percentile(100.0)),
        "peakRssMiB": memory_kib("VmHWM").map(mib),
        "rssBeforeMiB": rss_before.map(mib),
        "rssCurve": rss_curve,
        "done": times.len(),
        "savesPerJourney": record.revision.0,
        "stateBytes": record.state.to_string().len(),
        "registrations": effects.registrations,
        "registeredCustomers": registered,
        "duplicateRegistrations": effects.registrations.saturating_sub(registered as u64),
        "adminSessions": effects.admin_sessions,
        "customerSessions": effects.customer_sessions,
        "activations": effects.activations,
        "faultsInjected": stats.faults_injected,
        "advanceErrorsRetried": tally.errors_retried.load(Ordering::Relaxed),
        "advanceThrottled": tally.throttled.load(Ordering::Relaxed),
        "outboxReadMs": tally.outbox_us.load(Ordering::Relaxed) as f64 / 1000.0,
        "requests": stats.total_requests(),
        "requestsByOperation": requests,
    }))
}

/// The population through the batch engine: a customers file of
/// `plan.customers` rows (generated before the clock starts), a
/// `SqliteStore` with the default options in the same temporary
/// directory, the batch's pacer at most `plan.concurrency`, and the
/// e-mailed code (the sandbox takes any code in its default modes) from
/// `BatchOptions::activation_code`. Timed: reading and checking the file,
/// creating the journeys, running them to the end, and the report read
/// back from the store.
async fn batch(plan: Plan) -> Result<Value, String> {
    if plan.store != StoreKind::Sqlite || plan.throttle {
        return Err("the batch population runs with SQLite and no 429s only".into());
    }
    let sandbox = Sandbox::start().await.map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("customers.csv");
    let mut csv = String::from(
        "first_name,last_name,email,password,phone,gender,date_of_birth,nationality,place_of_birth,pincode\n",
    );
    for n in 0..plan.customers {
        csv.push_str(&format!(
            "Ona,Number{n},{},{PASSWORD},+3706{n:07},FEMALE,1991-02-03,LT,Kaunas,38001010000\n",
            email(n)
        ));
    }
    std::fs::write(&file, csv).map_err(|e| e.to_string())?;
    let rss_before = memory_kib("VmRSS");
    let store = SqliteStore::open(dir.path().join("journeys.sqlite"))
        .await
        .map_err(|e| e.to_string())?;
    let options = BatchOptions::new(plan.concurrency)
        .activation_code(|_| Some("ACTIVATION_CODE_20260331114954".into()));
    let engine = Batch::new(
        sandbox.credentials().client_builder(),
        Arc::new(store),
        SampleDocuments,
        options,
    )
    .map_err(|e| e.to_string())?;
    let input = BatchInput::open(&file, InputOptions::default()).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let report = engine.run(input, |_| {}).await.map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let record = first_record(engine.runner().store()).await?;
    let stats = sandbox.stats();
    let registered = registered(&sandbox, plan.customers);
    let effects = &stats.side_effects;
    Ok(json!({
        "engine": plan.engine.name(),
        "customers": plan.customers,
        "store": plan.store.name(),
        "throttled": false,
        "concurrency": plan.concurrency,
        "elapsedS": elapsed.as_secs_f64(),
        "journeysPerSec": plan.customers as f64 / elapsed.as_secs_f64(),
        "peakRssMiB": memory_kib("VmHWM").map(mib),
        "rssBeforeMiB": rss_before.map(mib),
        "done": report.done,
        "waiting": report.waiting,
        "failed": report.failed,
        "invalid": report.invalid,
        "savesPerJourney": record.revision.0,
        "registrations": effects.registrations,
        "registeredCustomers": registered,
        "duplicateRegistrations": effects.registrations.saturating_sub(registered as u64),
        "adminSessions": effects.admin_sessions,
        "activations": effects.activations,
        "requests": stats.total_requests(),
    }))
}

/// The first customer's journey as stored (its size and revision tell how
/// many saves made it).
async fn first_record<S: JourneyStore>(store: &S) -> Result<Record, String> {
    store
        .load(&JourneyId::new(email(0)))
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the first journey is not in the store".to_string())
}

/// How many of the first `customers` customers the sandbox registered.
fn registered(sandbox: &Sandbox, customers: usize) -> usize {
    (0..customers)
        .filter(|i| sandbox.find_customer(&email(*i)).is_some())
        .count()
}

fn email(index: usize) -> String {
    format!("customer{index:06}@example.com")
}

/// Onboards customer `index` to the end; returns its wall time.
async fn onboard<S: JourneyStore>(
    index: usize,
    sandbox: Arc<Sandbox>,
    runner: Arc<Runner<S>>,
    permits: Arc<Semaphore>,
    tally: Arc<Tally>,
) -> Result<Duration, String> {
    let started = Instant::now();
    let email = email(index);
    let customer = Customer::sample_with_email(email.clone());
    let mut journey = Journey::new(JourneyId::new(email.clone()), customer, PASSWORD)
        .map_err(|v| v.to_string())?;
    let mut errors = 0;
    loop {
        let outcome = {
            let _permit = permits.acquire().await.map_err(|e| e.to_string())?;
            runner.advance(&mut journey).await
        };
        match outcome {
            Ok(Outcome::Done) => return Ok(started.elapsed()),
            Ok(Outcome::Waiting {
                on: WaitingOn::ActivationCode { .. },
                ..
            }) => {
                let read = Instant::now();
                let message = sandbox.outbox_to(&email).pop();
                tally
                    .outbox_us
                    .fetch_add(read.elapsed().as_micros() as u64, Ordering::Relaxed);
                let message = message.ok_or_else(|| format!("no activation e-mail for {email}"))?;
                journey
                    .supply_activation_code(message.code.expose())
                    .map_err(|v| v.to_string())?;
            }
            Ok(other) => return Err(format!("the journey of {email} stopped: {other:?}")),
            Err(error) if error.is_retryable() && errors < MAX_ERRORS_PER_JOURNEY => {
                errors += 1;
                tally.errors_retried.fetch_add(1, Ordering::Relaxed);
                let wait = match retry_after(&error) {
                    Some(wait) => {
                        tally.throttled.fetch_add(1, Ordering::Relaxed);
                        wait
                    }
                    None => Duration::from_millis(50),
                };
                tokio::time::sleep(wait).await;
            }
            Err(error) => return Err(format!("the journey of {email} failed: {error}")),
        }
    }
}

/// The `Retry-After` FinHub gave with the error, if any.
fn retry_after(error: &AdvanceError) -> Option<Duration> {
    match error {
        AdvanceError::Finhub {
            source: finhub_ext::Error::RateLimited { retry_after, .. },
            ..
        } => *retry_after,
        _ => None,
    }
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM`: the
/// peak resident set; `VmRSS`: the current one), in KiB; `None` where
/// there is no such file.
pub fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
