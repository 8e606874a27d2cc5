//! `finhub onboard`: the whole individual journey through finhub-ext.
//!
//! Steps, in order: categorization → registration → session → verification
//! → documents → approval → consents → readiness → activation → wallet →
//! logout. Each completed step is recorded (and saved with `--state`), so a
//! failed run resumes without redoing what the server already did.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use finhub_ext::builders::{
    ActivationBuilder, ApprovalBuilder, ConsentBuilder, ConsentKind, DocumentMime, DocumentType,
    DocumentUploadBuilder, Gender, PostalAddress, RegistrationBuilder, VerificationBuilder,
};
use finhub_ext::{
    AdminCredentials, CustomerClient, CustomerCredentials, FinhubClient, RetryPolicy,
};
use finhub_sandbox::Sandbox;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use secrecy::SecretString;
use serde_json::json;

use crate::state::{Progress, Store};

/// Credentials for `--base-url` (flags or `FINHUB_*` variables).
#[derive(Debug, Default, Args)]
pub struct CredentialArgs {
    /// Tenant id (`X-Tenant-ID`).
    #[arg(long, env = "FINHUB_TENANT_ID")]
    tenant_id: Option<String>,
    /// Tenant API key.
    #[arg(long, env = "FINHUB_TENANT_KEY", hide_env_values = true)]
    tenant_key: Option<String>,
    /// Tenant API secret.
    #[arg(long, env = "FINHUB_TENANT_SECRET", hide_env_values = true)]
    tenant_secret: Option<String>,
    /// Admin organization id.
    #[arg(long, env = "FINHUB_ADMIN_ORGANIZATION_ID")]
    admin_organization_id: Option<String>,
    /// Admin user id.
    #[arg(long, env = "FINHUB_ADMIN_USER_ID")]
    admin_user_id: Option<String>,
    /// Admin username.
    #[arg(long, env = "FINHUB_ADMIN_USERNAME")]
    admin_username: Option<String>,
    /// Admin password.
    #[arg(long, env = "FINHUB_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// `X-Forwarded-From` sent by this tool.
    #[arg(long, env = "FINHUB_REQUEST_SOURCE", default_value = "finhub-cli")]
    request_source: String,
}

/// What `finhub onboard` was asked to do.
#[derive(Debug, Default)]
pub struct Options {
    pub base_url: Option<String>,
    pub json: bool,
    pub state: Option<PathBuf>,
    pub email: Option<String>,
    pub activation_code: Option<String>,
    pub credentials: CredentialArgs,
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
            let sandbox = Sandbox::start()
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
            let required = [
                ("--tenant-id / FINHUB_TENANT_ID", &c.tenant_id),
                ("--tenant-key / FINHUB_TENANT_KEY", &c.tenant_key),
                ("--tenant-secret / FINHUB_TENANT_SECRET", &c.tenant_secret),
                (
                    "--admin-organization-id / FINHUB_ADMIN_ORGANIZATION_ID",
                    &c.admin_organization_id,
                ),
                ("--admin-user-id / FINHUB_ADMIN_USER_ID", &c.admin_user_id),
                (
                    "--admin-username / FINHUB_ADMIN_USERNAME",
                    &c.admin_username,
                ),
                (
                    "--admin-password / FINHUB_ADMIN_PASSWORD",
                    &c.admin_password,
                ),
            ];
            let missing: Vec<&str> = required
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "--base-url needs credentials: missing {}",
                    missing.join(", ")
                ));
            }
            let value = |v: &Option<String>| v.clone().unwrap_or_default();
            let tenant_id = value(&c.tenant_id);
            let client = FinhubClient::builder()
                .base_url(base_url)
                .tenant_id(&tenant_id)
                .tenant_key(SecretString::from(value(&c.tenant_key)))
                .tenant_secret(SecretString::from(value(&c.tenant_secret)))
                .admin(AdminCredentials::new(
                    value(&c.admin_organization_id),
                    value(&c.admin_user_id),
                    value(&c.admin_username),
                    SecretString::from(value(&c.admin_password)),
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
    let target = target(&options).await?;
    let base_url = target.client.base_url().to_string();
    let mut progress = match store.load()? {
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
        Err((step, message)) => {
            if options.json {
                println!(
                    "{}",
                    report_json(&progress, &reports, wall, false, Some((step, &message)))
                );
            }
            let resume = match &options.state {
                Some(path) if options.base_url.is_some() => format!(
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

type StepResult = Result<(), (&'static str, String)>;

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
            let detail = run_step(step, target, options, progress, session)
                .await
                .map_err(|message| {
                    if let Some(bar) = &bar {
                        bar.finish_and_clear();
                    }
                    (step, message)
                })?;
            progress.complete(step);
            store.save(progress).map_err(|e| (step, e))?;
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
    for step in STEPS {
        run_step(step, &target, &options, &mut progress, &mut session)
            .await
            .map_err(|message| format!("{step}: {message}"))?;
        progress.complete(step);
    }
    Ok(progress)
}

fn need<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, String> {
    value
        .as_deref()
        .ok_or_else(|| format!("the saved progress has no {what}; start again without --state"))
}

async fn run_step(
    step: &str,
    target: &Target,
    options: &Options,
    progress: &mut Progress,
    session: &mut Option<CustomerClient>,
) -> Result<String, String> {
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
        "registration" => {
            let (_, id, name) = progress.category.clone().ok_or("no category chosen")?;
            let email = options.email.clone().unwrap_or_else(fresh_email);
            let password = generated_password();
            let request = RegistrationBuilder::new()
                .tenant_id(&target.tenant_id)
                .name("Marcus", "Jensen")
                .email(&email)
                .phone("+37060012345")
                .password(password.as_str())
                .date_of_birth("1990-05-15")
                .gender(Gender::Male)
                .nationality("Lithuania")
                .place_of_birth("Vilnius")
                .pincode("12345")
                .address(PostalAddress::home(
                    "Gedimino pr. 1",
                    "Vilnius",
                    "01103",
                    "Lithuania",
                ))
                .category(id, name)
                .build()
                .map_err(v)?;
            let customer = client.register_customer(&request).await.map_err(e)?;
            let customer_id = customer
                .id
                .ok_or("the registration response has no customer id")?;
            let user_id = customer
                .user
                .and_then(|u| u.id)
                .ok_or("the registration response has no user id")?;
            progress.customer_id = Some(customer_id.clone());
            progress.user_id = Some(user_id);
            progress.email = Some(email);
            progress.password = Some(password);
            Ok(format!(
                "customer {customer_id} ({})",
                customer.customer_status.unwrap_or_default()
            ))
        }
        "session" => {
            let credentials = CustomerCredentials::new(
                need(&progress.customer_id, "customer id")?,
                need(&progress.user_id, "user id")?,
                need(&progress.email, "email")?,
                SecretString::from(need(&progress.password, "password")?.to_string()),
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
                ));
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
        other => Err(format!("unknown step {other}")),
    }
}
