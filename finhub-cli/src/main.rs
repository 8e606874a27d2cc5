//! `finhub`: onboard a FinHub customer end to end (against an embedded
//! sandbox by default), serve the sandbox, or validate a registration file.
//!
//! Errors are one line on stderr and a non-zero exit code; no backtrace, no
//! secret.

use finhub_cli::credentials::CredentialArgs;
use finhub_cli::{batch, onboard, sandbox, validate};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// mimalloc, not glibc's malloc: `finhub onboard --batch` runs thousands of
/// journeys in one process, and the allocator was a tenth of its CPU (see
/// the population figures in finhub-bench's README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The FinHub Business BFF journey from the command line.
#[derive(Debug, Parser)]
#[command(name = "finhub", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole individual journey: categorization, registration,
    /// session, verification, documents, approval, consents, readiness,
    /// activation, wallet. Against an embedded sandbox unless --base-url is
    /// given.
    ///
    /// Against a real FinHub a journey may have to wait (the e-mailed
    /// activation code, FinHub's KYC review, the IBAN): with --state FILE
    /// it is saved, the run prints what it waits for and how to continue,
    /// and exits with 75; the same command run again continues. Exit codes:
    /// 0 done, 1 bad input, 2 usage, 3 failed (someone must act), 4 error
    /// (run again to resume), 75 waiting.
    ///
    /// Secrets (tenant key, tenant secret, admin password, the customer's
    /// password) are never taken on the command line, where other users can
    /// read them: each comes from its FINHUB_* variable, from --NAME-file
    /// PATH, or from standard input (--NAME-stdin or --NAME-file -; one
    /// secret at most).
    Onboard(Box<OnboardArgs>),
    /// Serve the stateful FinHub sandbox on 127.0.0.1.
    Sandbox(sandbox::SandboxArgs),
    /// Check a registration request (JSON) against FinHub's documented rules.
    ///
    /// Prints every finding, marked `error` (FinHub rejects it; the client
    /// would not send it) or `warning` (FinHub's pages disagree; the client
    /// sends it). Exits non-zero only on errors. Never prints the value of a secret field
    /// (password, matchingPassword, tenantKey, tenantSecret, token,
    /// refreshToken); reads at most 1 MiB.
    Validate {
        /// The registration request, as JSON (at most 1 MiB).
        file: PathBuf,
    },
}

/// Options of `finhub onboard`.
#[derive(Debug, Args)]
struct OnboardArgs {
    /// FinHub's base URL; without it an embedded sandbox is started (seeded
    /// like `finhub sandbox`, from FINHUB_SANDBOX_* variables if set).
    #[arg(long, env = "FINHUB_BASE_URL")]
    base_url: Option<String>,
    /// Print a machine-readable JSON report instead of the human summary.
    #[arg(long)]
    json: bool,
    /// Keep the journey in FILE: a run that waits or stops is continued by
    /// running the same command again, without repeating what was done.
    ///
    /// The file holds the customer's session tokens (never a password): it
    /// is created 0600 and replaced atomically; a symbolic link at FILE is
    /// refused and a file others may read is set back to 0600 (with a
    /// warning). If the answer to the registration was lost, a later run
    /// stops instead of registering the customer a second time.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Email of the new customer (default: a fresh example address).
    #[arg(long)]
    email: Option<String>,
    /// The activation code FinHub e-mailed to the customer (a waiting run
    /// asks for it). With --batch: given to every journey that waits for
    /// one (against the embedded sandbox each customer's e-mailed code is
    /// read instead).
    #[arg(long, value_name = "CODE")]
    activation_code: Option<String>,
    // -- single-customer journey: continuing and logging --
    /// Run a journey that failed again, once the cause of its failure is
    /// fixed (the failed step is tried again).
    #[arg(long)]
    retry_failed: bool,
    /// Log each FinHub call on stderr (operation, status, latency; never a
    /// body or a secret). RUST_LOG, when set, chooses what is logged.
    #[arg(short, long)]
    verbose: bool,
    // -- end of single-customer journey flags --
    /// Onboard every customer of FILE (CSV with a header row, or JSON
    /// lines: .csv, .jsonl, .ndjson), several at once, resumable from
    /// --store. The file's findings are printed first; invalid rows are
    /// never sent. Exit code: 0 all done; 75 some waiting; 65 some rows
    /// invalid; 1 some journeys failed.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["state", "email", "retry_failed"])]
    batch: Option<PathBuf>,
    /// With --batch: at most N journeys at once (lowered while FinHub
    /// throttles or fails, raised again as it recovers).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=1024), requires = "batch")]
    concurrency: u16,
    /// With --batch: the journey store, a SQLite file (default
    /// onboarding.db) or postgres://… (when built with the `postgres`
    /// feature). A re-run with the same store continues what is
    /// unfinished.
    #[arg(long, value_name = "PATH|URL", requires = "batch")]
    store: Option<String>,
    /// With --batch: write one result per row to FILE (.csv or .jsonl):
    /// e-mail, customer id, state, detail, IBAN; never a password.
    #[arg(long, value_name = "FILE", requires = "batch")]
    out: Option<PathBuf>,
    /// With --batch: how long a worker's claim on a journey lasts without
    /// renewal; journeys of a worker that died are taken over after it.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400), requires = "batch")]
    lease: u64,
    #[command(flatten)]
    credentials: CredentialArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Onboard(args) if args.batch.is_some() => match batch_options(*args) {
                Ok(options) => batch::run(options).await,
                Err(message) => Err(message),
            },
            Command::Onboard(args) => match options(*args) {
                Ok(options) => onboard::run(options).await,
                Err(message) => Err(message),
            },
            Command::Sandbox(args) => sandbox::run(args).await,
            Command::Validate { file } => validate::run(&file),
        }
    });
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The options of `finhub onboard`, its secrets read from their variables,
/// files or standard input.
fn options(args: OnboardArgs) -> Result<onboard::Options, String> {
    Ok(onboard::Options {
        base_url: args.base_url,
        json: args.json,
        state: args.state,
        email: args.email,
        activation_code: args.activation_code,
        retry_failed: args.retry_failed,
        verbose: args.verbose,
        credentials: args.credentials.resolve()?,
    })
}

/// The options of `finhub onboard --batch`.
fn batch_options(args: OnboardArgs) -> Result<batch::Options, String> {
    finhub_cli::logging::init(args.verbose);
    Ok(batch::Options {
        file: args.batch.unwrap_or_default(),
        concurrency: usize::from(args.concurrency),
        store: args.store.unwrap_or_else(|| batch::DEFAULT_STORE.into()),
        out: args.out,
        json: args.json,
        base_url: args.base_url,
        activation_code: args.activation_code,
        lease: std::time::Duration::from_secs(args.lease),
        credentials: args.credentials.resolve()?,
    })
}
