//! `finhub onboard`: one customer's onboarding, run by the
//! `finhub_onboarding` library (its [`Runner`] and [`Journey`]); this
//! module only sets it up, answers the embedded sandbox's waits, and
//! reports.
//!
//! * Against the embedded sandbox (no `--base-url`) the journey completes
//!   in one go: the activation code is read from the sandbox's outbox, a
//!   KYC review is approved and the IBAN's delay skipped through its
//!   control handle, in process.
//! * With `--base-url` a journey that must wait (an e-mailed activation
//!   code, FinHub's KYC review, the IBAN, the customer's password) stops:
//!   with `--state FILE` its state is saved there, what it waits for and how
//!   to continue are printed (also as JSON with `--json`), and the exit
//!   code is [`ExitStatus::Waiting`] (75). Running the same command again
//!   continues.
//!
//! The exit codes are [`ExitStatus`]; the crate docs have the table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use finhub_ext::{FinhubClient, RetryPolicy};
use finhub_onboarding::{
    AdvanceError, Customer, Failure, Journey, JourneyStore, MemoryStore, Outcome, Runner,
    SampleDocuments, Step, WaitingOn,
};
use finhub_sandbox::Sandbox;
use indicatif::{ProgressBar, ProgressStyle};
use rand::RngExt;
use secrecy::SecretString;
use serde_json::json;

use crate::credentials::Credentials;
use crate::secrets::CUSTOMER_PASSWORD;
use crate::state::{StateFile, journey_id};

/// How long one run waits in process for a poll that is due soon (the
/// IBAN, assigned a moment after activation); a longer wait ends the run
/// with [`ExitStatus::Waiting`].
pub const MAX_WAIT_IN_PROCESS: Duration = Duration::from_secs(10);

/// How many times one run answers the embedded sandbox's waits before it
/// gives up (each answer moves the journey on; a handful is enough).
const MAX_EMBEDDED_ROUNDS: u32 = 8;

/// The exit codes of `finhub onboard`, each documented in the crate docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// The customer is onboarded.
    Done = 0,
    /// Bad input: a setting, credential, secret or state file was refused
    /// (FinHub's refusal of the credentials included); the message names
    /// it. (Also every error of the other commands.)
    BadInput = 1,
    /// The command line was not understood (clap's usage error).
    Usage = 2,
    /// The journey stopped on a failure running again will not fix (FinHub
    /// refused a step, a registration's answer was lost): someone must act.
    Failed = 3,
    /// The run stopped on an error a later run may not meet (FinHub
    /// unreachable, a server error or timeout, the state file's disk): with
    /// `--state`, run the same command again.
    Error = 4,
    /// The journey waits (EX_TEMPFAIL, "try again later"): for an
    /// activation code, FinHub's review, the IBAN or the customer's
    /// password; the output says which and how to continue.
    Waiting = 75,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// What `finhub onboard` was asked to do.
#[derive(Default)]
pub struct Options {
    /// FinHub's base URL; `None` starts an embedded sandbox.
    pub base_url: Option<String>,
    /// Print a JSON report instead of the human summary.
    pub json: bool,
    /// Where the journey is saved and continued from.
    pub state: Option<PathBuf>,
    /// The new customer's e-mail (default: a fresh example address).
    pub email: Option<String>,
    /// The activation code FinHub e-mailed to the customer.
    pub activation_code: Option<String>,
    /// Run a journey that failed again (once its cause is fixed).
    pub retry_failed: bool,
    /// Log each FinHub call on stderr.
    pub verbose: bool,
    /// Credentials for `base_url`, and the customer's password.
    pub credentials: Credentials,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `Credentials` redacts its own secrets.
        f.debug_struct("Options")
            .field("base_url", &self.base_url)
            .field("json", &self.json)
            .field("state", &self.state)
            .field("email", &self.email)
            .field(
                "activation_code",
                &self.activation_code.as_ref().map(|_| "** redacted **"),
            )
            .field("retry_failed", &self.retry_failed)
            .field("verbose", &self.verbose)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// The client, and the embedded sandbox when there is one.
struct Target {
    client: FinhubClient,
    sandbox: Option<Sandbox>,
}

async fn target(options: &Options) -> Result<Target, String> {
    let c = &options.credentials;
    let retry = RetryPolicy::default().initial_backoff(Duration::from_millis(50));
    let Some(base_url) = &options.base_url else {
        let sandbox = crate::sandbox::embedded().await?;
        let client = sandbox
            .credentials()
            .client_builder()
            .request_source(&c.request_source)
            .retry_policy(retry)
            .build()
            .map_err(|e| e.to_string())?;
        return Ok(Target {
            client,
            sandbox: Some(sandbox),
        });
    };
    let client = c
        .client_builder(base_url)?
        .retry_policy(retry)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Target {
        client,
        sandbox: None,
    })
}

/// A strong password for a new customer when none is given (upper, lower,
/// digit, special). Shown nowhere and never saved.
fn generated_password() -> SecretString {
    let mut rng = rand::rng();
    let chars = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let body: String = (0..14)
        .map(|_| chars[rng.random_range(0..chars.len())] as char)
        .collect();
    SecretString::from(format!("Fh{body}7!"))
}

/// Runs `finhub onboard`. `Err` is bad input, found before anything is sent
/// (printed by the caller, exit code 1); every other end is reported here
/// and its [`ExitStatus`] returned.
pub async fn run(mut options: Options) -> Result<ExitCode, String> {
    crate::logging::init(options.verbose);
    let started = Instant::now();
    let state = match &options.state {
        Some(path) => {
            let state = StateFile::open(path).map_err(|e| e.to_string())?;
            // A file that is not a journey is refused before anything starts.
            state.saved_id().await.map_err(|e| e.to_string())?;
            Some(state)
        }
        None => None,
    };
    let target = target(&options).await?;
    let base_url = target.client.base_url().to_string();
    let code = match &state {
        Some(state) => {
            let runner = Runner::new(target.client.clone(), state.store(), SampleDocuments);
            let journey = state
                .load(&runner, &base_url, options.email.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            drive(&runner, &target, journey, &mut options, started).await?
        }
        None => {
            let runner = Runner::new(target.client.clone(), MemoryStore::new(), SampleDocuments);
            drive(&runner, &target, None, &mut options, started).await?
        }
    };
    Ok(code.into())
}

/// Prepares the journey (new, or continued from the state file), runs it
/// and reports where it stopped.
async fn drive<S: JourneyStore>(
    runner: &Runner<S>,
    target: &Target,
    saved: Option<Journey>,
    options: &mut Options,
    started: Instant,
) -> Result<ExitStatus, String> {
    let base_url = target.client.base_url().to_string();
    let password = options.credentials.customer_password.take();
    let mut journey = match saved {
        Some(mut journey) => {
            if let Some(password) = password {
                journey.supply_password(password);
            }
            if options.retry_failed {
                journey.clear_failure();
            }
            journey
        }
        None => {
            let customer = match &options.email {
                Some(email) => Customer::sample_with_email(email.trim()),
                None => Customer::sample(),
            };
            let id = journey_id(&customer.email, &base_url);
            Journey::new(id, customer, password.unwrap_or_else(generated_password))
                .map_err(|v| format!("the new customer: {v}"))?
        }
    };
    let done_before = journey.completed_steps();
    if let Some(code) = options.activation_code.take() {
        journey
            .supply_activation_code(code)
            .map_err(|v| format!("--activation-code: {v}"))?;
    }
    let spinner = (!options.json && !options.verbose).then(spinner);
    let result = advance(runner, target, &mut journey).await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    let report = Report {
        journey: &journey,
        base_url: &base_url,
        state: options.state.as_deref(),
        done_before: &done_before,
        wall: started.elapsed(),
    };
    Ok(report.print(&result, options.json))
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message("onboarding");
    bar.enable_steady_tick(Duration::from_millis(80));
    bar
}

/// Runs the journey; against the embedded sandbox, answers its waits in
/// process (the outbox's code, the review's approval, the IBAN's delay).
async fn advance<S: JourneyStore>(
    runner: &Runner<S>,
    target: &Target,
    journey: &mut Journey,
) -> Result<Outcome, AdvanceError> {
    let mut rounds = 0;
    loop {
        let outcome = runner.run(journey, MAX_WAIT_IN_PROCESS).await?;
        let (Some(sandbox), Outcome::Waiting { on, retry_after }) = (&target.sandbox, &outcome)
        else {
            return Ok(outcome);
        };
        rounds += 1;
        if rounds > MAX_EMBEDDED_ROUNDS || !answer(sandbox, journey, *on, *retry_after) {
            return Ok(outcome);
        }
    }
}

/// Answers a wait of the embedded sandbox; `false` if it cannot.
fn answer(
    sandbox: &Sandbox,
    journey: &mut Journey,
    on: WaitingOn,
    retry_after: Option<Duration>,
) -> bool {
    match on {
        WaitingOn::ActivationCode { .. } => {
            let email = journey.customer().email.clone();
            let Some(message) = sandbox.outbox_to(&email).pop() else {
                return false;
            };
            journey
                .supply_activation_code(message.code.expose())
                .is_ok()
        }
        WaitingOn::KycReview => match journey.verification_id() {
            // Not pending (approved meanwhile) is fine: the next run reads it.
            Some(id) => {
                let _ = sandbox.approve_review(id);
                true
            }
            None => false,
        },
        WaitingOn::Iban => {
            sandbox
                .clock()
                .advance(retry_after.unwrap_or(Duration::from_secs(1)));
            true
        }
        WaitingOn::CustomerLogin | WaitingOn::RegistrationPassword => false,
    }
}

/// The report of one run.
struct Report<'a> {
    journey: &'a Journey,
    base_url: &'a str,
    state: Option<&'a Path>,
    done_before: &'a [Step],
    wall: Duration,
}

/// A path as a shell word.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// How to continue a waiting journey.
struct Continuation {
    /// What to give: a flag (`--activation-code CODE`) or a variable.
    with: Option<String>,
    /// The command that continues it; `None` without a state file.
    command: Option<String>,
    /// One sentence for people.
    advice: String,
}

impl Report<'_> {
    fn email(&self) -> &str {
        &self.journey.customer().email
    }

    /// The command that continues the journey, with `extra`.
    fn command(&self, extra: &str) -> Option<String> {
        let state = self.state?;
        let mut command = format!(
            "finhub onboard --base-url {} --state {}",
            shell_word(self.base_url),
            shell_word(&state.display().to_string())
        );
        if !extra.is_empty() {
            command.push(' ');
            command.push_str(extra);
        }
        Some(command)
    }

    fn continuation(&self, on: WaitingOn, retry_after: Option<Duration>) -> Continuation {
        let again = |after: &str| match self.command("") {
            Some(command) => format!("run `{command}` again {after}"),
            None => format!("run again {after}, with --state FILE to keep the progress"),
        };
        let password = format!(
            "{} (or --{}-file PATH, --{}-stdin)",
            CUSTOMER_PASSWORD.env, CUSTOMER_PASSWORD.flag, CUSTOMER_PASSWORD.flag
        );
        let after = retry_after.map_or(String::from("later"), |d| {
            format!("in {} s or later", d.as_secs().max(1))
        });
        match on {
            WaitingOn::ActivationCode { rejected } => {
                let flag = "--activation-code CODE".to_string();
                let what = if rejected {
                    "FinHub refused the last code: ask the customer for the code of the latest \
                     activation e-mail"
                } else {
                    "FinHub e-mailed it to the customer"
                };
                let advice = match self.command(&flag) {
                    Some(command) => format!("{what}; continue with `{command}`"),
                    None => format!(
                        "{what}; this run kept no state (no --state FILE), so it cannot be \
                         continued"
                    ),
                };
                Continuation {
                    command: self.command(&flag),
                    with: Some(flag),
                    advice,
                }
            }
            WaitingOn::KycReview | WaitingOn::Iban => Continuation {
                with: None,
                command: self.command(""),
                advice: again(&after),
            },
            WaitingOn::CustomerLogin | WaitingOn::RegistrationPassword => {
                let why = if on == WaitingOn::CustomerLogin {
                    "the saved customer session cannot be renewed and the password is never saved"
                } else {
                    "the customer is not registered yet and the password is never saved"
                };
                Continuation {
                    with: Some(CUSTOMER_PASSWORD.env.to_string()),
                    command: self.command(""),
                    advice: format!(
                        "{why}: set {password} to the password of {} and {}",
                        self.email(),
                        again("")
                    )
                    .trim_end()
                    .to_string(),
                }
            }
        }
    }

    /// Prints the report and returns the exit status.
    fn print(&self, result: &Result<Outcome, AdvanceError>, json: bool) -> ExitStatus {
        let status = match result {
            Ok(Outcome::Done) => ExitStatus::Done,
            Ok(Outcome::Waiting { .. }) => ExitStatus::Waiting,
            Ok(Outcome::Failed { .. }) => ExitStatus::Failed,
            Err(e) if bad_input(e) => ExitStatus::BadInput,
            Err(_) => ExitStatus::Error,
        };
        let error = match result {
            Ok(Outcome::Failed { failure }) => Some(self.failure_line(failure)),
            Err(e) => Some(self.error_line(e)),
            _ => None,
        };
        if json {
            println!("{}", self.json(result, status, error.as_deref()));
        } else {
            self.human(result);
        }
        if let Some(error) = error {
            eprintln!("error: {error}");
        }
        status
    }

    fn failure_line(&self, failure: &Failure) -> String {
        let hint = match failure {
            Failure::OutcomeUnknown {
                step: Step::Registration,
                ..
            } => format!(
                "; with finhub: look for {} in FinHub's admin portal, then start a fresh run \
                 with a new --state file (and another --email if the customer exists)",
                self.email()
            ),
            Failure::OutcomeUnknown { .. } => String::new(),
            _ => match self.command("--retry-failed") {
                Some(command) => format!("; once the cause is fixed, run `{command}`"),
                None => String::new(),
            },
        };
        format!("{failure}{hint}")
    }

    fn error_line(&self, error: &AdvanceError) -> String {
        let resume = match self.command("") {
            Some(command) if error.is_retryable() && !bad_input(error) => {
                format!(" (progress saved; run `{command}` again to resume)")
            }
            _ => String::new(),
        };
        format!("{error}{resume}")
    }

    fn human(&self, result: &Result<Outcome, AdvanceError>) {
        for step in self.journey.completed_steps() {
            if self.done_before.contains(&step) {
                println!("✓ {:<17} done earlier", step.name());
            } else {
                println!("✓ {}", step.name());
            }
        }
        let Ok(outcome) = result else { return };
        match outcome {
            Outcome::Done => {
                println!();
                println!("customer   {}", self.journey.customer_id().unwrap_or("-"));
                println!("email      {}", self.email());
                println!("IBAN       {}", self.journey.iban().unwrap_or("-"));
                println!(
                    "onboarded in {:.2} s against {}",
                    self.wall.as_secs_f64(),
                    self.base_url
                );
            }
            Outcome::Waiting { on, retry_after } => {
                let continuation = self.continuation(*on, *retry_after);
                println!();
                println!("waiting for {on} ({})", self.email());
                if let Some(state) = self.state {
                    println!("saved in   {}", state.display());
                }
                println!("next       {}", continuation.advice);
            }
            Outcome::Failed { .. } => {}
        }
    }

    fn json(
        &self,
        result: &Result<Outcome, AdvanceError>,
        status: ExitStatus,
        error: Option<&str>,
    ) -> serde_json::Value {
        let journey = self.journey;
        let outcome = match result {
            Ok(Outcome::Done) => "done",
            Ok(Outcome::Waiting { .. }) => "waiting",
            Ok(Outcome::Failed { .. }) => "failed",
            Err(_) => "error",
        };
        let waiting = match result {
            Ok(Outcome::Waiting { on, retry_after }) => {
                let continuation = self.continuation(*on, *retry_after);
                json!({
                    "on": waiting_name(*on),
                    "description": on.to_string(),
                    "rejected": matches!(on, WaitingOn::ActivationCode { rejected: true }),
                    "retryAfterMs": retry_after.map(|d| d.as_millis() as u64),
                    "continueWith": continuation.with,
                    "command": continuation.command,
                    "advice": continuation.advice,
                })
            }
            _ => serde_json::Value::Null,
        };
        let step = match result {
            Ok(Outcome::Failed { failure }) => Some(failure_step(failure).name()),
            Err(e) => e.step().map(Step::name),
            _ => None,
        };
        json!({
            "success": status == ExitStatus::Done,
            "outcome": outcome,
            "exitCode": status as u8,
            "baseUrl": self.base_url,
            "stateFile": self.state.map(|p| p.display().to_string()),
            "email": self.email(),
            "customerId": journey.customer_id(),
            "userId": journey.user_id(),
            "verificationId": journey.verification_id(),
            "iban": journey.iban(),
            "wallTimeMs": self.wall.as_millis() as u64,
            "steps": journey.completed_steps().into_iter().map(|step| json!({
                "step": step.name(),
                "resumed": self.done_before.contains(&step),
            })).collect::<Vec<_>>(),
            "waiting": waiting,
            "failure": error.map(|message| json!({"step": step, "message": message})),
        })
    }
}

/// A wait's name in the JSON report.
fn waiting_name(on: WaitingOn) -> &'static str {
    match on {
        WaitingOn::KycReview => "kycReview",
        WaitingOn::ActivationCode { .. } => "activationCode",
        WaitingOn::Iban => "iban",
        WaitingOn::CustomerLogin => "customerLogin",
        WaitingOn::RegistrationPassword => "registrationPassword",
    }
}

fn failure_step(failure: &Failure) -> Step {
    match failure {
        Failure::OutcomeUnknown { step, .. }
        | Failure::Rejected { step, .. }
        | Failure::UnexpectedAnswer { step, .. } => *step,
        Failure::NoIndividualCategory { .. } => Step::Categorization,
    }
}

/// Whether the run stopped on the command's input: credentials FinHub
/// refused at login, or a client configuration error.
fn bad_input(error: &AdvanceError) -> bool {
    matches!(
        error,
        AdvanceError::Finhub {
            source: finhub_ext::Error::InvalidCredentials(_)
                | finhub_ext::Error::InvalidTenantKeys(_)
                | finhub_ext::Error::Config(_),
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "Canary-options-91d0";

    #[test]
    fn debug_of_the_options_never_shows_a_secret() {
        let options = Options {
            base_url: Some("https://finhub.example".into()),
            activation_code: Some(format!("{CANARY}-code")),
            credentials: Credentials {
                tenant_key: Some(SecretString::from(format!("{CANARY}-key"))),
                tenant_secret: Some(SecretString::from(format!("{CANARY}-secret"))),
                admin_password: Some(SecretString::from(format!("{CANARY}-password"))),
                customer_password: Some(SecretString::from(format!("{CANARY}-customer"))),
                ..Credentials::default()
            },
            ..Options::default()
        };
        let debug = format!("{options:?}");
        assert!(!debug.contains(CANARY), "{debug}");
        assert!(debug.contains("** redacted **") && debug.contains("finhub.example"));
    }

    #[test]
    fn exit_codes_are_distinct_and_waiting_is_ex_tempfail() {
        let all = [
            ExitStatus::Done,
            ExitStatus::BadInput,
            ExitStatus::Usage,
            ExitStatus::Failed,
            ExitStatus::Error,
            ExitStatus::Waiting,
        ];
        let mut codes: Vec<u8> = all.iter().map(|s| *s as u8).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes, [0, 1, 2, 3, 4, 75]);
    }

    #[test]
    fn paths_are_quoted_for_the_shell_when_needed() {
        assert_eq!(shell_word("/tmp/state.json"), "/tmp/state.json");
        assert_eq!(shell_word("my state.json"), "'my state.json'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
