//! `finhub onboard --batch FILE`: every customer of a CSV or JSON lines
//! file, several at once, resumable from a journey store (see
//! finhub-onboarding's `batch` module for the columns and the engine).
//!
//! The file's findings are printed first (`row:column rule severity:
//! message`, on standard error); nothing is sent when its header has an
//! error. Then every valid row runs as a journey in the store (SQLite file,
//! or PostgreSQL with the `postgres` feature); a re-run with the same store
//! continues only what is unfinished.
//!
//! Exit codes: 0 every row done; 75 some rows wait (for an activation code,
//! a KYC review, …) and none failed or was invalid; 65 some rows are
//! invalid (not sent), or the header has errors (nothing sent), and none
//! failed; 1 some journeys failed, or the batch could not run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use finhub_ext::{FinhubClientBuilder, RetryPolicy};
use finhub_onboarding::batch::input::{BatchInput, InputOptions, check_file};
use finhub_onboarding::batch::results::ResultsWriter;
use finhub_onboarding::batch::{Batch, BatchError, BatchEvent, BatchOptions, BatchReport};
use finhub_onboarding::store::sqlite::SqliteStore;
use finhub_onboarding::{ClaimingStore, Customer, SampleDocuments};
use indicatif::{ProgressBar, ProgressStyle};

use crate::credentials::Credentials;

/// Exit code: some rows wait (EX_TEMPFAIL).
pub const EXIT_WAITING: u8 = 75;
/// Exit code: some rows are invalid, or the header is (EX_DATAERR).
pub const EXIT_INVALID: u8 = 65;

/// What `finhub onboard --batch` was asked to do.
#[derive(Debug, Default)]
pub struct Options {
    /// The customers file (`.csv`, `.jsonl`, `.ndjson`).
    pub file: PathBuf,
    /// At most this many journeys at once.
    pub concurrency: usize,
    /// The journey store: a SQLite file, or `postgres://…`.
    pub store: String,
    /// The results file (`.csv`, `.jsonl`, `.ndjson`).
    pub out: Option<PathBuf>,
    /// Events as JSON lines on standard output instead of the progress
    /// bar.
    pub json: bool,
    /// FinHub's base URL; `None` starts an embedded sandbox.
    pub base_url: Option<String>,
    /// The activation code given to every journey that waits for one.
    pub activation_code: Option<String>,
    /// How long a claim lasts without renewal.
    pub lease: Duration,
    /// Credentials for `base_url` (`Credentials` redacts its secrets).
    pub credentials: Credentials,
}

/// The default journey store.
pub const DEFAULT_STORE: &str = "onboarding.db";

/// Runs `finhub onboard --batch`.
pub async fn run(options: Options) -> Result<ExitCode, String> {
    // The findings, before anything is sent.
    let check = check_file(&options.file, InputOptions::default()).map_err(|e| e.to_string())?;
    for finding in &check.findings {
        eprintln!("{finding}");
    }
    let input =
        BatchInput::open(&options.file, InputOptions::default()).map_err(|e| e.to_string())?;
    if input.is_refused() {
        eprintln!(
            "the header of {} has errors: nothing was sent",
            options.file.display()
        );
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    if let Some(out) = &options.out {
        // A bad extension is an error before anything is sent.
        finhub_onboarding::batch::results::ResultsFormat::from_path(out)
            .map_err(|e| e.to_string())?;
    }
    let retry = RetryPolicy::default().initial_backoff(Duration::from_millis(50));
    let (client, sandbox) = match &options.base_url {
        Some(base_url) => (options.credentials.client_builder(base_url)?, None),
        None => {
            let sandbox = crate::sandbox::embedded().await?;
            let builder = sandbox
                .credentials()
                .client_builder()
                .request_source(&options.credentials.request_source);
            (builder, Some(Arc::new(sandbox)))
        }
    };
    let client = client.retry_policy(retry);
    let mut batch_options = BatchOptions::new(options.concurrency).lease(options.lease);
    if let Some(code) = options.activation_code.clone() {
        batch_options = batch_options.activation_code(move |_| Some(code.clone()));
    } else if let Some(sandbox) = &sandbox {
        // The embedded sandbox's e-mail, as the customer would read it.
        let sandbox = sandbox.clone();
        batch_options = batch_options.activation_code(move |customer: &Customer| {
            sandbox
                .outbox_to(&customer.email)
                .pop()
                .map(|message| message.code.expose().to_string())
        });
    }
    let report = if let Some(url) = postgres_url(&options.store) {
        run_postgres(url, client, batch_options, input, &options).await?
    } else {
        let store = SqliteStore::open(&options.store)
            .await
            .map_err(|e| format!("cannot open the journey store {}: {e}", options.store))?;
        run_on(Arc::new(store), client, batch_options, input, &options).await?
    };
    if let Some(out) = &options.out {
        let mut writer = ResultsWriter::create(out).map_err(|e| e.to_string())?;
        for result in &report.results {
            writer.write(result).map_err(|e| e.to_string())?;
        }
        writer.finish().map_err(|e| e.to_string())?;
    }
    if !options.json {
        eprintln!(
            "done {}, waiting {}, failed {}, invalid {}{}",
            report.done,
            report.waiting,
            report.failed,
            report.invalid,
            options
                .out
                .as_ref()
                .map(|out| format!("; results in {}", out.display()))
                .unwrap_or_default()
        );
    }
    drop(sandbox);
    Ok(exit_code(&report))
}

/// The exit code of a finished batch (see the [module docs](self)).
pub fn exit_code(report: &BatchReport) -> ExitCode {
    if report.failed > 0 {
        ExitCode::FAILURE
    } else if report.invalid > 0 {
        ExitCode::from(EXIT_INVALID)
    } else if report.waiting > 0 {
        ExitCode::from(EXIT_WAITING)
    } else {
        ExitCode::SUCCESS
    }
}

/// The store's URL when it names PostgreSQL.
fn postgres_url(store: &str) -> Option<&str> {
    (store.starts_with("postgres://") || store.starts_with("postgresql://")).then_some(store)
}

#[cfg(feature = "postgres")]
async fn run_postgres(
    url: &str,
    client: FinhubClientBuilder,
    batch_options: BatchOptions,
    input: BatchInput<std::fs::File>,
    options: &Options,
) -> Result<BatchReport, String> {
    let store = finhub_onboarding::store::postgres::PostgresStore::connect(url)
        .await
        .map_err(|e| format!("cannot connect to the PostgreSQL journey store: {e}"))?;
    run_on(Arc::new(store), client, batch_options, input, options).await
}

#[cfg(not(feature = "postgres"))]
async fn run_postgres(
    _url: &str,
    _client: FinhubClientBuilder,
    _batch_options: BatchOptions,
    _input: BatchInput<std::fs::File>,
    _options: &Options,
) -> Result<BatchReport, String> {
    Err(
        "this finhub was built without PostgreSQL support (feature `postgres`); \
         use a SQLite file as --store"
            .into(),
    )
}

/// Runs the batch on `store`, showing its progress.
async fn run_on<S: ClaimingStore + 'static>(
    store: Arc<S>,
    client: FinhubClientBuilder,
    batch_options: BatchOptions,
    input: BatchInput<std::fs::File>,
    options: &Options,
) -> Result<BatchReport, String> {
    let batch =
        Batch::new(client, store, SampleDocuments, batch_options).map_err(|e| e.to_string())?;
    let mut progress = Progress::new(options.json, &options.file);
    let report = batch
        .run(input, |event| progress.event(&event))
        .await
        .map_err(|e| match e {
            BatchError::Refused { .. } => "the customers file's header has errors".to_string(),
            other => other.to_string(),
        });
    progress.finish();
    report
}

/// The progress on the terminal (a bar), or events as JSON lines.
struct Progress {
    json: bool,
    bar: ProgressBar,
    done: u64,
    waiting: u64,
    failed: u64,
    invalid: u64,
    limit: usize,
    paused: bool,
}

impl Progress {
    fn new(json: bool, file: &Path) -> Progress {
        let bar = if json {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} {msg} {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(file.display().to_string());
        Progress {
            json,
            bar,
            done: 0,
            waiting: 0,
            failed: 0,
            invalid: 0,
            limit: 0,
            paused: false,
        }
    }

    fn event(&mut self, event: &BatchEvent) {
        if self.json {
            if let Ok(line) = serde_json::to_string(event) {
                println!("{line}");
            }
            return;
        }
        match event {
            BatchEvent::Invalid { .. } => self.invalid += 1,
            BatchEvent::Started { valid, .. } => self.bar.set_length(*valid),
            BatchEvent::Done { .. } => {
                self.done += 1;
                self.bar.inc(1);
            }
            BatchEvent::Waiting { .. } => {
                self.waiting += 1;
                self.bar.inc(1);
            }
            BatchEvent::Failed { .. } => {
                self.failed += 1;
                self.bar.inc(1);
            }
            BatchEvent::Rate { limit, paused, .. } => {
                self.limit = *limit;
                self.paused = *paused;
            }
        }
        self.bar.set_message(format!(
            "done {} waiting {} failed {} invalid {} | {} at once{}",
            self.done,
            self.waiting,
            self.failed,
            self.invalid,
            self.limit,
            if self.paused { ", paused" } else { "" }
        ));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_outrank_invalid_rows_which_outrank_waiting_ones() {
        let report = |done, waiting, failed, invalid| BatchReport {
            done,
            waiting,
            failed,
            invalid,
            ..BatchReport::default()
        };
        assert_eq!(exit_code(&report(3, 0, 0, 0)), ExitCode::SUCCESS);
        assert_eq!(exit_code(&report(2, 1, 0, 0)), ExitCode::from(EXIT_WAITING));
        assert_eq!(exit_code(&report(2, 1, 0, 1)), ExitCode::from(EXIT_INVALID));
        assert_eq!(exit_code(&report(2, 1, 1, 1)), ExitCode::FAILURE);
        assert_eq!(postgres_url("postgres://db/x"), Some("postgres://db/x"));
        assert_eq!(postgres_url("postgresql://db/x"), Some("postgresql://db/x"));
        assert_eq!(postgres_url("onboarding.db"), None);
    }
}
