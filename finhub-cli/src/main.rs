//! `finhub`: onboard a FinHub customer end to end (against an embedded
//! sandbox by default), serve the sandbox, or validate a registration file.
//!
//! Errors are one line on stderr and a non-zero exit code; no backtrace, no
//! secret.

use finhub_cli::{onboard, sandbox, validate};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

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
    Onboard(Box<OnboardArgs>),
    /// Serve the stateful FinHub sandbox on 127.0.0.1.
    Sandbox(sandbox::SandboxArgs),
    /// Check a registration request (JSON) against FinHub's documented rules.
    Validate {
        /// The registration request, as JSON.
        file: PathBuf,
    },
}

/// Options of `finhub onboard`.
#[derive(Debug, Args)]
struct OnboardArgs {
    /// FinHub's base URL; without it an embedded sandbox is started.
    #[arg(long, env = "FINHUB_BASE_URL")]
    base_url: Option<String>,
    /// Print a machine-readable JSON report instead of the human summary.
    #[arg(long)]
    json: bool,
    /// Save progress after each step; a failed run given the same file
    /// resumes without redoing completed steps.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Email of the new customer (default: a fresh example address).
    #[arg(long)]
    email: Option<String>,
    /// Activation code (FinHub e-mails one to the customer).
    #[arg(long)]
    activation_code: Option<String>,
    #[command(flatten)]
    credentials: onboard::CredentialArgs,
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
            Command::Onboard(args) => onboard::run((*args).into()).await,
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

impl From<OnboardArgs> for onboard::Options {
    fn from(args: OnboardArgs) -> Self {
        onboard::Options {
            base_url: args.base_url,
            json: args.json,
            state: args.state,
            email: args.email,
            activation_code: args.activation_code,
            credentials: args.credentials,
        }
    }
}
