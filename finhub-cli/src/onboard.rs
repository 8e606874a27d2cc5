//! `finhub onboard`: the whole individual journey through finhub-ext.
//!
//! Steps, in order: categorization → registration → session → verification
//! → documents → approval → consents → readiness → activation → wallet →
//! logout. Each completed step is recorded (and saved with `--state`), so a
//! failed run resumes without redoing what the server already did.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use finhub_ext::api::Sensitive;
use finhub_ext::builders::{
    ActivationBuilder, ApprovalBuilder, ConsentBuilder, ConsentKind, DocumentMime, DocumentType,
    DocumentUploadBuilder, VerificationBuilder,
};
use finhub_ext::{
    AdminCredentials, CustomerClient, CustomerCredentials, FinhubClient, RetryPolicy,
};
use finhub_onboarding::Customer;
use finhub_sandbox::{Sandbox, SandboxConfig};
use indicatif::{ProgressBar, ProgressStyle};
use rand::RngExt;
use secrecy::SecretString;
use serde_json::json;

use crate::credentials::Credentials;
use crate::secrets::{ADMIN_PASSWORD, TENANT_KEY, TENANT_SECRET};
use crate::state::{Progress, RegistrationAttempt, Store};

/// What `finhub onboard` was asked to do.
#[derive(Default)]
pub struct Options {
    /// FinHub's base URL; `None` starts an embedded sandbox.
    pub base_url: Option<String>,
    /// Print a JSON report instead of the human summary.
    pub json: bool,
    /// Where progress is saved and resumed from.
    pub state: Option<PathBuf>,
    /// The new customer's e-mail (default: a fresh example address).
    pub email: Option<String>,
    /// The activation code (default: one the sandbox accepts).
    pub activation_code: Option<String>,
    /// Credentials for `base_url`.
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
            .field("activation_code", &self.activation_code)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// The steps of the journey, in order.
const STEPS: [&str; 11] = [
    "categorization",
    "registration",
    "session",
    "verification",
    "documents",
    "approval",
    "consents",
    "readiness",
    "activation",
    "wallet",
    "logout",
];

/// One step's outcome, for the report.
struct StepReport {
    name: &'static str,
    resumed: bool,
    millis: u128,
    detail: String,
}

/// The client, and the embedded sandbox when there is one.
struct Target {
    client: FinhubClient,
    tenant_id: String,
    _sandbox: Option<Sandbox>,
}

async fn target(options: &Options) -> Result<Target, String> {
    let c = &options.credentials;
    let retry = RetryPolicy::default().initial_backoff(Duration::from_millis(50));
    match &options.base_url {
        None => {
            // Seeded like `finhub sandbox`: defaults, or FINHUB_SANDBOX_* variables.
            let config = SandboxConfig::from_env()
                .map_err(|e| format!("cannot configure the embedded sandbox: {e}"))?;
            let sandbox = Sandbox::builder()
                .config(config)
                .start()
                .await
                .map_err(|e| format!("cannot start the embedded sandbox: {e}"))?;
            let creds = sandbox.credentials();
            let client = creds
                .client_builder()
                .request_source(&c.request_source)
                .retry_policy(retry)
                .build()
                .map_err(|e| e.to_string())?;
            Ok(Target {
                client,
                tenant_id: creds.tenant_id,
                _sandbox: Some(sandbox),
            })
        }
        Some(base_url) => {
            let mut missing: Vec<String> = Vec::new();
            for (name, present) in [
                ("--tenant-id / FINHUB_TENANT_ID", c.tenant_id.is_some()),
                (
                    "--admin-organization-id / FINHUB_ADMIN_ORGANIZATION_ID",
                    c.admin_organization_id.is_some(),
                ),
                (
                    "--admin-user-id / FINHUB_ADMIN_USER_ID",
                    c.admin_user_id.is_some(),
                ),
                (
                    "--admin-username / FINHUB_ADMIN_USERNAME",
                    c.admin_username.is_some(),
                ),
            ] {
                if !present {
                    missing.push(name.to_string());
                }
            }
            for (spec, present) in [
                (TENANT_KEY, c.tenant_key.is_some()),
                (TENANT_SECRET, c.tenant_secret.is_some()),
                (ADMIN_PASSWORD, c.admin_password.is_some()),
            ] {
                if !present {
                    missing.push(spec.ways());
                }
            }
            let (
                Some(tenant_id),
                Some(tenant_key),
                Some(tenant_secret),
                Some(organization_id),
                Some(user_id),
                Some(username),
                Some(password),
            ) = (
                &c.tenant_id,
                &c.tenant_key,
                &c.tenant_secret,
                &c.admin_organization_id,
                &c.admin_user_id,
                &c.admin_username,
                &c.admin_password,
            )
            else {
                return Err(format!(
                    "--base-url needs credentials: missing {}",
                    missing.join("; ")
                ));
            };
            let tenant_id = tenant_id.clone();
            let client = FinhubClient::builder()
                .base_url(base_url)
                .tenant_id(&tenant_id)
                .tenant_key(tenant_key.clone())
                .tenant_secret(tenant_secret.clone())
                .admin(AdminCredentials::new(
                    organization_id.clone(),
                    user_id.clone(),
                    username.clone(),
                    password.clone(),
                ))
                .request_source(&c.request_source)
                .retry_policy(retry)
                .build()
                .map_err(|e| e.to_string())?;
            Ok(Target {
                client,
                tenant_id,
                _sandbox: None,
            })
        }
    }
}

/// A strong password for the new customer (upper, lower, digit, special).
fn generated_password() -> String {
    let mut rng = rand::rng();
    let body: String = (0..14)
        .map(|_| {
            let chars = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            chars[rng.random_range(0..chars.len())] as char
        })
        .collect();
    format!("Fh{body}7!")
}

fn fresh_email() -> String {
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let suffix: u32 = rand::rng().random_range(0..1_000_000);
    format!("marcus.jensen.{stamp}.{suffix:06}@example.com")
}

/// A tiny, valid PDF: the document the sandbox (or FinHub) receives.
fn sample_pdf(title: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
}

/// Shows one step at a time: a spinner on a terminal, a line per step.
struct Display {
    json: bool,
}

impl Display {
    fn start(&self, step: &str) -> Option<ProgressBar> {
        if self.json {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(step.to_string());
        bar.enable_steady_tick(Duration::from_millis(80));
        Some(bar)
    }

    fn finish(&self, bar: Option<ProgressBar>, report: &StepReport) {
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if !self.json {
            let how = if report.resumed {
                "done earlier".to_string()
            } else {
                format!("{} ms", report.millis)
            };
            println!("✓ {:<15} {:<14} {}", report.name, how, report.detail);
        }
    }
}

/// Runs the journey.
pub async fn run(options: Options) -> Result<ExitCode, String> {
    let started = Instant::now();
    let store = Store::new(options.state.clone());
    let saved = store.load()?;
    let target = target(&options).await?;
    let base_url = target.client.base_url().to_string();
    let mut progress = match saved {
        Some(saved) if saved.base_url != base_url => {
            return Err(format!(
                "the state file belongs to {}, not {base_url}; use --base-url {} to resume it",
                saved.base_url, saved.base_url
            ));
        }
        Some(saved) => saved,
        None => Progress {
            base_url: base_url.clone(),
            ..Progress::default()
        },
    };
    let display = Display { json: options.json };
    let mut reports = Vec::new();
    let mut session: Option<CustomerClient> = None;
    let outcome = journey(
        &target,
        &options,
        &store,
        &mut progress,
        &display,
        &mut reports,
        &mut session,
    )
    .await;
    let wall = started.elapsed();
    match outcome {
        Ok(()) => {
            if options.json {
                println!("{}", report_json(&progress, &reports, wall, true, None));
            } else {
                println!();
                println!(
                    "customer   {}",
                    progress.customer_id.as_deref().unwrap_or("-")
                );
                println!("status     {}", progress.status.as_deref().unwrap_or("-"));
                println!("IBAN       {}", progress.iban.as_deref().unwrap_or("-"));
                println!(
                    "onboarded in {:.2} s against {base_url}",
                    wall.as_secs_f64()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err((step, failure)) => {
            let message = failure.message;
            if options.json {
                println!(
                    "{}",
                    report_json(&progress, &reports, wall, false, Some((step, &message)))
                );
            }
            let resume = match &options.state {
                Some(path) if options.base_url.is_some() && failure.resumable => format!(
                    " (progress saved; run again with --state {} to resume)",
                    path.display()
                ),
                _ => String::new(),
            };
            Err(format!("{step}: {message}{resume}"))
        }
    }
}

fn report_json(
    progress: &Progress,
    reports: &[StepReport],
    wall: Duration,
    success: bool,
    failure: Option<(&str, &str)>,
) -> serde_json::Value {
    json!({
        "success": success,
        "baseUrl": progress.base_url,
        "customerId": progress.customer_id,
        "userId": progress.user_id,
        "email": progress.email,
        "verificationId": progress.verification_id,
        "status": progress.status,
        "iban": progress.iban,
        "wallTimeMs": wall.as_millis() as u64,
        "steps": reports.iter().map(|r| json!({
            "step": r.name,
            "resumed": r.resumed,
            "ms": r.millis as u64,
            "detail": r.detail,
        })).collect::<Vec<_>>(),
        "failure": failure.map(|(step, message)| json!({"step": step, "message": message})),
    })
}

/// Why a step failed, and whether running again with the state file can
/// finish the journey.
#[derive(Debug)]
struct StepError {
    message: String,
    resumable: bool,
}

impl StepError {
    /// A failure that running again cannot fix by itself.
    fn final_(message: String) -> Self {
        StepError {
            message,
            resumable: false,
        }
    }
}

impl From<String> for StepError {
    fn from(message: String) -> Self {
        StepError {
            message,
            resumable: true,
        }
    }
}

impl From<&str> for StepError {
    fn from(message: &str) -> Self {
        StepError::from(message.to_string())
    }
}

type StepResult = Result<(), (&'static str, StepError)>;

#[allow(clippy::too_many_arguments)]
async fn journey(
    target: &Target,
    options: &Options,
    store: &Store,
    progress: &mut Progress,
    display: &Display,
    reports: &mut Vec<StepReport>,
    session: &mut Option<CustomerClient>,
) -> StepResult {
    for step in STEPS {
        let resumed = progress.done(step) && step != "session";
        let bar = display.start(step);
        let started = Instant::now();
        let detail = if resumed {
            "(resumed)".to_string()
        } else {
            let detail = run_step(step, target, options, store, progress, session)
                .await
                .map_err(|message| {
                    if let Some(bar) = &bar {
                        bar.finish_and_clear();
                    }
                    (step, message)
                })?;
            progress.complete(step);
            store.save(progress).map_err(|e| (step, e.into()))?;
            detail
        };
        let report = StepReport {
            name: step,
            resumed,
            millis: started.elapsed().as_millis(),
            detail,
        };
        display.finish(bar, &report);
        reports.push(report);
    }
    Ok(())
}

/// Runs every step once with `client` (no display, no saved state) and
/// returns what was done: for benchmarks and embedding.
pub async fn journey_once(client: &FinhubClient, tenant_id: &str) -> Result<Progress, String> {
    let target = Target {
        client: client.clone(),
        tenant_id: tenant_id.to_string(),
        _sandbox: None,
    };
    let options = Options::default();
    let mut progress = Progress {
        base_url: client.base_url().to_string(),
        ..Progress::default()
    };
    let mut session = None;
    let store = Store::new(None);
    for step in STEPS {
        run_step(step, &target, &options, &store, &mut progress, &mut session)
            .await
            .map_err(|e| format!("{step}: {}", e.message))?;
        progress.complete(step);
    }
    Ok(progress)
}

fn need<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, String> {
    value.as_deref().ok_or_else(|| need_message(what))
}

fn need_message(what: &str) -> String {
    format!("the saved progress has no {what}; start again without --state")
}

/// The registration step. Its request is not idempotent: sent twice it
/// creates two customers (or a conflict). So the attempt — e-mail, password,
/// time — is saved before the request leaves, and a run that finds an
/// attempt without its outcome stops instead of registering again.
async fn register(
    target: &Target,
    options: &Options,
    store: &Store,
    progress: &mut Progress,
) -> Result<String, StepError> {
    if let Some(attempt) = &progress.registration_sent {
        return Err(StepError::final_(lost_answer(attempt)));
    }
    let client = &target.client;
    let (_, id, name) = progress.category.clone().ok_or("no category chosen")?;
    let email = options.email.clone().unwrap_or_else(fresh_email);
    let password = generated_password();
    // The one sample registration the library, the bench and the tests
    // share, with this run's e-mail.
    let request = Customer::sample_with_email(&email)
        .registration(
            &target.tenant_id,
            &id,
            &name,
            &SecretString::from(password.clone()),
        )
        .map_err(|v| v.to_string())?;
    // Log in first, so that a failure there is not mistaken for a lost
    // registration.
    client.admin_login().await.map_err(|e| e.to_string())?;
    let attempt = RegistrationAttempt {
        email: email.clone(),
        sent_at: chrono::Utc::now(),
    };
    progress.registration_sent = Some(attempt.clone());
    progress.email = Some(email);
    progress.password = Some(Sensitive::new(password));
    store.save(progress)?;
    let customer = match client.register_customer(&request).await {
        Ok(customer) => customer,
        Err(error) if not_registered(&error) => {
            // FinHub refused the request: nothing was created, a later run
            // may register afresh.
            progress.registration_sent = None;
            progress.email = None;
            progress.password = None;
            store.save(progress)?;
            return Err(error.to_string().into());
        }
        Err(error) => {
            return Err(StepError::final_(format!(
                "{error}; {}",
                lost_answer(&attempt)
            )));
        }
    };
    let unidentified = |what: &str| {
        StepError::final_(format!(
            "the registration response has no {what}; {}",
            lost_answer(&attempt)
        ))
    };
    let customer_id = customer.id.ok_or_else(|| unidentified("customer id"))?;
    let user_id = customer
        .user
        .and_then(|u| u.id)
        .ok_or_else(|| unidentified("user id"))?;
    progress.customer_id = Some(customer_id.clone());
    progress.user_id = Some(user_id);
    Ok(format!(
        "customer {customer_id} ({})",
        customer.customer_status.unwrap_or_default()
    ))
}

/// Whether FinHub certainly did not register the customer: the request
/// was never sent, or FinHub answered it with a client error (4xx). Server
/// errors, timeouts, broken connections and unreadable answers leave it
/// unknown (a gateway may fail after the registration went through).
fn not_registered(error: &finhub_ext::Error) -> bool {
    matches!(
        error,
        finhub_ext::Error::Validation { .. } | finhub_ext::Error::Config(_)
    ) || error.status().is_some_and(|s| (400..500).contains(&s))
}

/// What happened to a registration whose answer never arrived, and what to
/// do about it.
fn lost_answer(attempt: &RegistrationAttempt) -> String {
    format!(
        "the registration of {} was sent at {} but its answer was lost; FinHub offers no \
         customer lookup, so finhub cannot tell whether the customer exists and will not \
         register again: look for {} in the FinHub admin portal, then start a fresh run \
         with a new --state file (and another --email if the customer exists)",
        attempt.email,
        attempt.sent_at.format("%Y-%m-%d %H:%M:%S UTC"),
        attempt.email
    )
}

async fn run_step(
    step: &str,
    target: &Target,
    options: &Options,
    store: &Store,
    progress: &mut Progress,
    session: &mut Option<CustomerClient>,
) -> Result<String, StepError> {
    let client = &target.client;
    let e = |e: finhub_ext::Error| e.to_string();
    let v = |v: finhub_ext::validation::Violations| v.to_string();
    match step {
        "categorization" => {
            let hierarchy = client.categorization_hierarchy().await.map_err(e)?;
            let mut categories: Vec<_> = hierarchy.categories.iter().collect();
            categories.sort_by_key(|(key, _)| (!key.contains("INDIVIDUAL"), key.to_string()));
            let (key, category) = categories.first().ok_or("the tenant has no categories")?;
            let id = category
                .database_id
                .clone()
                .ok_or_else(|| format!("category {key} has no databaseId"))?;
            let name = category
                .category_name
                .clone()
                .unwrap_or_else(|| key.to_string());
            progress.category = Some((key.to_string(), id.clone(), name));
            Ok(format!("category {key} ({id})"))
        }
        "registration" => register(target, options, store, progress).await,
        "session" => {
            let credentials = CustomerCredentials::new(
                need(&progress.customer_id, "customer id")?,
                need(&progress.user_id, "user id")?,
                need(&progress.email, "email")?,
                SecretString::from(
                    progress
                        .password
                        .as_ref()
                        .ok_or_else(|| need_message("password"))?
                        .expose()
                        .to_string(),
                ),
            );
            *session = Some(client.customer_login(credentials).await.map_err(e)?);
            Ok("customer session open".into())
        }
        "verification" => {
            let customer = session.as_ref().ok_or("no customer session")?;
            let request = VerificationBuilder::new(customer.customer_id())
                .requested_by_tenant(&target.tenant_id)
                .notes("Identity Verification")
                .build()
                .map_err(v)?;
            let verification = customer.create_verification(&request).await.map_err(e)?;
            let id = verification
                .verification_id
                .ok_or("the verification response has no id")?;
            progress.verification_id = Some(id.clone());
            Ok(format!(
                "verification {id} ({})",
                verification.status.unwrap_or_default()
            ))
        }
        "documents" => {
            let customer = session.as_ref().ok_or("no customer session")?;
            let verification_id = need(&progress.verification_id, "verification id")?.to_string();
            for (kind, name) in [
                (DocumentType::Passport, "passport.pdf"),
                (DocumentType::ProofOfAddress, "proof-of-address.pdf"),
            ] {
                let document =
                    DocumentUploadBuilder::new(kind, DocumentMime::Pdf, name, sample_pdf(name))
                        .verification_id(&verification_id)
                        .customer_id(customer.customer_id())
                        .build()
                        .map_err(v)?;
                customer
                    .upload_document(&verification_id, &document)
                    .await
                    .map_err(e)?;
            }
            Ok("passport and proof of address uploaded".into())
        }
        "approval" => {
            let verification_id = need(&progress.verification_id, "verification id")?;
            let request = ApprovalBuilder::new(verification_id)
                .customer_id(need(&progress.customer_id, "customer id")?)
                .comment("Approved")
                .build()
                .map_err(v)?;
            let approval = client
                .approve_verification(verification_id, &request)
                .await
                .map_err(e)?;
            Ok(format!(
                "KYC {}",
                approval.status.unwrap_or_else(|| "APPROVED".into())
            ))
        }
        "consents" => {
            let customer = session.as_ref().ok_or("no customer session")?;
            for (kind, name) in [
                (ConsentKind::Terms, "terms"),
                (ConsentKind::Privacy, "privacy"),
                (ConsentKind::DataProcessing, "data-processing"),
            ] {
                if progress.consents.iter().any(|c| c == name) {
                    continue;
                }
                let consent = ConsentBuilder::new(kind, "1.0").build().map_err(v)?;
                customer
                    .accept_consent(consent.consent_type, &consent.body)
                    .await
                    .map_err(e)?;
                progress.consents.push(name.to_string());
            }
            Ok("terms, privacy, data-processing accepted".into())
        }
        "readiness" => {
            let customer = session.as_ref().ok_or("no customer session")?;
            let readiness = customer
                .activation_readiness(&target.tenant_id)
                .await
                .map_err(e)?;
            if readiness.activation_allowed == Some(false) || readiness.can_activate == Some(false)
            {
                return Err(format!(
                    "not ready for activation (verification ok: {:?}, consents ok: {:?}, missing consents: {:?})",
                    readiness.verification_ok, readiness.consent_ok, readiness.missing_consents
                )
                .into());
            }
            Ok(readiness
                .message
                .unwrap_or_else(|| "ready for activation".into()))
        }
        "activation" => {
            let code = options.activation_code.clone().unwrap_or_else(|| {
                format!(
                    "ACTIVATION_CODE_{}",
                    chrono::Utc::now().format("%Y%m%d%H%M%S")
                )
            });
            let request = ActivationBuilder::new(need(&progress.user_id, "user id")?, code)
                .build()
                .map_err(v)?;
            let activation = client
                .activate_customer(need(&progress.customer_id, "customer id")?, &request)
                .await
                .map_err(e)?;
            let status = activation
                .activation_status
                .or(activation.status)
                .unwrap_or_else(|| "ACTIVATED".into());
            progress.status = Some(status.clone());
            if let Some(iban) = activation.iban {
                progress.iban = Some(iban);
            }
            Ok(format!("customer {status}"))
        }
        "wallet" => {
            let customer = session.as_ref().ok_or("no customer session")?;
            // The IBAN may appear a moment after activation.
            for attempt in 0..10 {
                let wallets = customer.wallets().await.map_err(e)?;
                if let Some(iban) = wallets.iter().find_map(|w| w.iban.clone()) {
                    progress.iban = Some(iban.clone());
                    return Ok(format!("{} wallet(s), IBAN {iban}", wallets.len()));
                }
                tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
            }
            Err("no wallet with an IBAN appeared after activation".into())
        }
        "logout" => {
            let customer = session.take().ok_or("no customer session")?;
            customer.logout().await.map_err(e)?;
            Ok("customer session ended".into())
        }
        other => Err(format!("unknown step {other}").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "Canary-options-91d0";

    #[test]
    fn debug_of_the_options_never_shows_a_secret() {
        let options = Options {
            base_url: Some("https://finhub.example".into()),
            credentials: Credentials {
                tenant_key: Some(SecretString::from(format!("{CANARY}-key"))),
                tenant_secret: Some(SecretString::from(format!("{CANARY}-secret"))),
                admin_password: Some(SecretString::from(format!("{CANARY}-password"))),
                ..Credentials::default()
            },
            ..Options::default()
        };
        let debug = format!("{options:?}");
        assert!(!debug.contains(CANARY), "{debug}");
        assert!(debug.contains("** redacted **") && debug.contains("finhub.example"));
    }

    #[test]
    fn only_a_sent_and_refused_registration_counts_as_not_registered() {
        let details = |status| finhub_ext::ErrorDetails {
            operation: finhub_ext::Operation::RegisterIndividualCustomer,
            status: Some(status),
            code: None,
            message: None,
        };
        assert!(not_registered(&finhub_ext::Error::Config("x".into())));
        assert!(not_registered(&finhub_ext::Error::BadRequest(details(400))));
        assert!(not_registered(&finhub_ext::Error::Conflict(details(409))));
        assert!(!not_registered(&finhub_ext::Error::Server(details(503))));
        assert!(!not_registered(&finhub_ext::Error::Timeout {
            operation: finhub_ext::Operation::RegisterIndividualCustomer
        }));
        assert!(!not_registered(&finhub_ext::Error::Decode {
            operation: finhub_ext::Operation::RegisterIndividualCustomer,
            status: Some(200),
            message: "truncated".into(),
        }));
    }
}
