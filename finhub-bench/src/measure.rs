//! The measurements and their report.

use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use finhub_ext::{AdminCredentials, CustomerCredentials, FinhubClient, ManualClock, RetryPolicy};
use finhub_onboarding::{
    Customer, Journey, JourneyId, MemoryStore, Outcome, Runner, SampleDocuments, WaitingOn,
};
use finhub_sandbox::{ExposeSecret, Sandbox};
use serde_json::{Value, json};

use crate::load::{self, Sample};
use crate::population;
use crate::servers;

const TENANT: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
const ADMIN_LOGIN: &str = "/api/v2.1/admin/organization/org-1/users/admin-1/sessions";
const CUSTOMER_LOGIN: &str = "/api/v2.1/customer/individual/c-1/users/u-1/sessions";

/// Everything measured in one run.
#[derive(Default)]
pub struct Report {
    overhead: Vec<(String, usize, Sample, Sample)>,
    refresh: Option<(u64, Sample, Sample)>,
    journey: Option<(usize, Duration, Duration)>,
    throughput: Vec<(String, usize, Sample, Sample)>,
    /// The population reports, as the children printed them.
    population: Vec<Value>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}

impl Report {
    /// The report as a table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        if !self.overhead.is_empty() {
            let _ = writeln!(
                out,
                "SDK overhead (finhub-ext vs raw reqwest, same loopback server; target ratio >= 0.97 at c=64, p50 overhead <= 20 us at c=1)"
            );
            let _ = writeln!(
                out,
                "  {:<16} {:>3} {:>10} {:>10} {:>7} {:>10} {:>10} {:>10} {:>10} {:>12}",
                "operation",
                "c",
                "sdk req/s",
                "raw req/s",
                "ratio",
                "sdk p50",
                "raw p50",
                "sdk p99",
                "raw p99",
                "p50 overhead"
            );
            for (op, c, sdk, raw) in &self.overhead {
                let _ = writeln!(
                    out,
                    "  {:<16} {:>3} {:>10.0} {:>10.0} {:>7.3} {:>8.0}us {:>8.0}us {:>8.0}us {:>8.0}us {:>10.1}us",
                    op,
                    c,
                    sdk.throughput(),
                    raw.throughput(),
                    sdk.throughput() / raw.throughput(),
                    us(sdk.percentile(50.0)),
                    us(raw.percentile(50.0)),
                    us(sdk.percentile(99.0)),
                    us(raw.percentile(99.0)),
                    us(sdk.percentile(50.0)) - us(raw.percentile(50.0))
                );
            }
        }
        if let Some((refreshes, fresh, expiring)) = &self.refresh {
            let _ = writeln!(
                out,
                "\nRefresh under contention ({} concurrent calls on an expiring token; target: exactly 1 refresh)",
                expiring.calls
            );
            let _ = writeln!(out, "  refresh calls: {refreshes}");
            let _ = writeln!(
                out,
                "  p99 with a valid token {:.2} ms, with an expiring token {:.2} ms, added {:.2} ms",
                ms(fresh.percentile(99.0)),
                ms(expiring.percentile(99.0)),
                ms(expiring.percentile(99.0)) - ms(fresh.percentile(99.0))
            );
        }
        if let Some((runs, median, min)) = &self.journey {
            let _ = writeln!(
                out,
                "\nFull journey against the in-process sandbox ({runs} runs): median {:.1} ms, fastest {:.1} ms",
                ms(*median),
                ms(*min)
            );
        }
        if !self.throughput.is_empty() {
            let _ = writeln!(
                out,
                "\nSandbox throughput vs a minimal axum server answering the same path (target >= 0.8x at c=64)"
            );
            let _ = writeln!(
                out,
                "  {:<16} {:>3} {:>13} {:>13} {:>7} {:>11} {:>11}",
                "operation",
                "c",
                "sandbox req/s",
                "minimal req/s",
                "ratio",
                "sandbox p99",
                "minimal p99"
            );
            for (op, c, sandbox, minimal) in &self.throughput {
                let _ = writeln!(
                    out,
                    "  {:<16} {:>3} {:>13.0} {:>13.0} {:>7.3} {:>9.2}ms {:>9.2}ms",
                    op,
                    c,
                    sandbox.throughput(),
                    minimal.throughput(),
                    sandbox.throughput() / minimal.throughput(),
                    ms(sandbox.percentile(99.0)),
                    ms(minimal.percentile(99.0))
                );
            }
        }
        if !self.population.is_empty() {
            self.population_table(&mut out);
        }
        out
    }

    /// The population table: one line per population.
    fn population_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nPopulation: customers onboarded through one Runner against the in-process sandbox, \
             each population in its own process (targets >= 1000 journeys/s, peak RSS <= 200 MB, flat memory)"
        );
        let _ = writeln!(
            out,
            "  {:<6} {:>9} {:<6} {:>4} {:>4} {:>10} {:>9} {:>9} {:>9} {:>13} {:>6} {:>5} {:>9}",
            "engine",
            "customers",
            "store",
            "c",
            "429s",
            "journeys/s",
            "p50",
            "p99",
            "peak RSS",
            "registrations",
            "dupl.",
            "done",
            "retried"
        );
        for p in &self.population {
            let f = |key: &str| p[key].as_f64().unwrap_or(f64::NAN);
            let n = |key: &str| p[key].as_u64().unwrap_or(0);
            // The batch engine reports no per-journey times.
            let ms = |key: &str| match p[key].as_f64() {
                Some(v) => format!("{v:.1}ms"),
                None => "-".to_string(),
            };
            let _ = writeln!(
                out,
                "  {:<6} {:>9} {:<6} {:>4} {:>4} {:>10.0} {:>9} {:>9} {:>6.0}MiB {:>13} {:>6} {:>5} {:>9}",
                p["engine"].as_str().unwrap_or("runner"),
                n("customers"),
                p["store"].as_str().unwrap_or("?"),
                n("concurrency"),
                if p["throttled"].as_bool().unwrap_or(false) {
                    "10%"
                } else {
                    "-"
                },
                f("journeysPerSec"),
                ms("p50Ms"),
                ms("p99Ms"),
                f("peakRssMiB"),
                n("registrations"),
                n("duplicateRegistrations"),
                n("done"),
                n("advanceErrorsRetried")
            );
        }
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        let sample = |s: &Sample| {
            json!({
                "calls": s.calls, "concurrency": s.concurrency, "reqPerSec": s.throughput(),
                "p50Us": us(s.percentile(50.0)), "p99Us": us(s.percentile(99.0)),
            })
        };
        json!({
            "overhead": self.overhead.iter().map(|(op, c, sdk, raw)| json!({
                "operation": op, "concurrency": c, "sdk": sample(sdk), "raw": sample(raw),
                "throughputRatio": sdk.throughput() / raw.throughput(),
                "p50OverheadUs": us(sdk.percentile(50.0)) - us(raw.percentile(50.0)),
            })).collect::<Vec<_>>(),
            "refresh": self.refresh.as_ref().map(|(n, fresh, expiring)| json!({
                "refreshCalls": n, "calls": expiring.calls, "validTokenP99Ms": ms(fresh.percentile(99.0)),
                "expiringTokenP99Ms": ms(expiring.percentile(99.0)),
                "addedP99Ms": ms(expiring.percentile(99.0)) - ms(fresh.percentile(99.0)),
            })),
            "journey": self.journey.map(|(runs, median, min)| json!({"runs": runs, "medianMs": ms(median), "fastestMs": ms(min)})),
            "sandboxThroughput": self.throughput.iter().map(|(op, c, sandbox, minimal)| json!({
                "operation": op, "concurrency": c, "sandbox": sample(sandbox), "minimal": sample(minimal),
                "ratio": sandbox.throughput() / minimal.throughput(),
            })).collect::<Vec<_>>(),
            "population": self.population,
        })
    }
}

/// Runs every measurement (`population_only`: the population alone).
pub async fn all(quick: bool, population_only: bool, concurrency: usize) -> Result<Report, String> {
    let mut report = Report::default();
    let plans = population::plans(quick, concurrency);
    if population_only {
        report.population = populations(plans).await?;
        return Ok(report);
    }
    let scale = |n: usize| if quick { (n / 10).max(50) } else { n };
    let canned = servers::start_canned().await?;
    for (c, calls) in [(1, scale(2000)), (64, scale(12000))] {
        for op in ["login", "categorization"] {
            let (sdk, raw) = overhead(&canned, op, c, calls).await?;
            report.overhead.push((op.to_string(), c, sdk, raw));
        }
    }
    report.refresh = Some(refresh_contention(1000).await?);
    report.journey = Some(journey(scale(20).max(3)).await?);
    let sandbox = Sandbox::start().await.map_err(|e| e.to_string())?;
    for (c, calls) in [(1, scale(2000)), (64, scale(12000))] {
        for op in ["login", "categorization"] {
            let (on_sandbox, on_minimal) = throughput(&sandbox, &canned, op, c, calls).await?;
            report
                .throughput
                .push((op.to_string(), c, on_sandbox, on_minimal));
        }
    }
    drop(sandbox);
    report.population = populations(plans).await?;
    Ok(report)
}

/// The populations, each in its own child process (waited for off the
/// async runtime).
async fn populations(plans: Vec<population::Plan>) -> Result<Vec<Value>, String> {
    tokio::task::spawn_blocking(move || population::measure(&plans))
        .await
        .map_err(|e| e.to_string())?
}

fn sdk_client(base_url: &str) -> Result<FinhubClient, String> {
    FinhubClient::builder()
        .base_url(base_url)
        .tenant_id(TENANT)
        .tenant_key("bench-tenant-key")
        .tenant_secret("bench-tenant-secret")
        .admin(AdminCredentials::new(
            "org-1",
            "admin-1",
            "admin@example.test",
            "Bench-password-1!",
        ))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .map_err(|e| e.to_string())
}

/// The headers finhub-ext sends, for the raw calls.
fn raw_headers(request: reqwest::RequestBuilder, bearer: Option<&str>) -> reqwest::RequestBuilder {
    let request = request
        .header("x-tenant-id", TENANT)
        .header("x-forwarded-for", "127.0.0.1")
        .header("x-forwarded-from", "integration-client")
        .header("platform", "web")
        .header("deviceid", "integration-device")
        .header("user-agent", finhub_ext::DEFAULT_USER_AGENT)
        .header("accept", "application/json");
    match bearer {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

fn login_body() -> Value {
    json!({"username": "customer@example.test", "password": "Bench-password-1!", "tenantKey": "bench-tenant-key", "tenantSecret": "bench-tenant-secret"})
}

/// Rounds of each comparison; the machine is shared and noisy, so each
/// figure is the median round.
const ROUNDS: usize = 5;

/// The sample with the median throughput.
fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by(|a, b| a.throughput().total_cmp(&b.throughput()));
    let middle = samples.len() / 2;
    samples.into_iter().nth(middle).unwrap_or_else(empty)
}

/// The same operation through finhub-ext and through raw reqwest, in
/// interleaved rounds (alternating which goes first); the median round of
/// each is kept.
async fn overhead(
    base: &str,
    op: &str,
    concurrency: usize,
    calls: usize,
) -> Result<(Sample, Sample), String> {
    let sdk = sdk_client(base)?;
    sdk.admin_login().await.map_err(|e| e.to_string())?;
    let raw = reqwest::Client::new();
    let (mut sdk_samples, mut raw_samples) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS * 2 {
        if round % 2 == (round / 2) % 2 {
            let sdk_sample = match op {
                "login" => {
                    let sdk = sdk.clone();
                    load::run(calls, concurrency, move || {
                        let sdk = sdk.clone();
                        async move {
                            let credentials = CustomerCredentials::new(
                                "c-1",
                                "u-1",
                                "customer@example.test",
                                "Bench-password-1!",
                            );
                            sdk.customer_login(credentials)
                                .await
                                .map(drop)
                                .map_err(|e| e.to_string())
                        }
                    })
                    .await?
                }
                _ => {
                    let sdk = sdk.clone();
                    load::run(calls, concurrency, move || {
                        let sdk = sdk.clone();
                        async move {
                            sdk.categorization_hierarchy()
                                .await
                                .map(drop)
                                .map_err(|e| e.to_string())
                        }
                    })
                    .await?
                }
            };
            sdk_samples.push(sdk_sample);
        } else {
            let raw_sample = {
                let (raw, base, op) = (raw.clone(), base.to_string(), op.to_string());
                load::run(calls, concurrency, move || {
                    let request = if op == "login" {
                        raw_headers(raw.post(format!("{base}{CUSTOMER_LOGIN}")), None)
                            .json(&login_body())
                    } else {
                        raw_headers(
                        raw.get(format!(
                            "{base}/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}"
                        )),
                        Some("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"),
                    )
                    };
                    async move {
                        let response = request.send().await.map_err(|e| e.to_string())?;
                        response
                            .json::<Value>()
                            .await
                            .map(drop)
                            .map_err(|e| e.to_string())
                    }
                })
                .await?
            };
            raw_samples.push(raw_sample);
        }
    }
    Ok((median(sdk_samples), median(raw_samples)))
}

fn empty() -> Sample {
    Sample {
        calls: 0,
        concurrency: 0,
        elapsed: Duration::from_secs(1),
        latencies: Vec::new(),
    }
}

/// The password of the bench's customers.
const PASSWORD: &str = "Bench-password-1!";

/// The shared sample registration with `email`, in the sandbox's low-risk
/// category.
fn registration(
    email: &str,
) -> Result<finhub_ext::api::types::IndividualRegistrationRequest, String> {
    Customer::sample_with_email(email)
        .registration(
            finhub_sandbox::DEFAULT_TENANT_ID,
            "fs-cat-b2c-low-001",
            "Individual Standard",
            &finhub_ext::SecretString::from(PASSWORD),
        )
        .map_err(|v| v.to_string())
}

fn sandbox_client(
    sandbox: &Sandbox,
    clock: Option<Arc<ManualClock>>,
) -> Result<FinhubClient, String> {
    let mut builder = sandbox
        .credentials()
        .client_builder()
        .refresh_jitter(Duration::ZERO);
    if let Some(clock) = clock {
        builder = builder.clock(clock);
    }
    builder.build().map_err(|e| e.to_string())
}

/// 1000 concurrent calls with a valid token, then 1000 on a token due for
/// renewal: refresh calls counted by the sandbox, p99 of each.
async fn refresh_contention(calls: usize) -> Result<(u64, Sample, Sample), String> {
    let sandbox = Sandbox::start().await.map_err(|e| e.to_string())?;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let client = sandbox_client(&sandbox, Some(clock.clone()))?;
    let customer = client
        .register_customer(&registration("contention@example.com")?)
        .await
        .map_err(|e| e.to_string())?;
    let (customer_id, user_id) = (
        customer.id.unwrap_or_default(),
        customer.user.and_then(|u| u.id).unwrap_or_default(),
    );
    let session = client
        .customer_login(CustomerCredentials::new(
            customer_id,
            user_id,
            "contention@example.com",
            PASSWORD,
        ))
        .await
        .map_err(|e| e.to_string())?;
    let tenant = client.tenant_id().to_string();
    let run = |session: finhub_ext::CustomerClient, tenant: String| {
        load::run(calls, calls, move || {
            let (session, tenant) = (session.clone(), tenant.clone());
            async move {
                session
                    .activation_readiness(&tenant)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        })
    };
    // A first load opens the connections; the second is the baseline.
    run(session.clone(), tenant.clone()).await?;
    let fresh = run(session.clone(), tenant.clone()).await?;
    let before = sandbox.stats().side_effects.session_refreshes;
    clock.advance(Duration::from_secs(3590));
    let expiring = run(session, tenant).await?;
    let refreshes = sandbox.stats().side_effects.session_refreshes - before;
    Ok((refreshes, fresh, expiring))
}

/// The whole journey `runs` times against the in-process sandbox, through
/// the onboarding library (a new journey each time, the code read from the
/// sandbox's outbox).
async fn journey(runs: usize) -> Result<(usize, Duration, Duration), String> {
    let sandbox = Sandbox::start().await.map_err(|e| e.to_string())?;
    let client = sandbox_client(&sandbox, None)?;
    let runner = Runner::new(client, MemoryStore::new(), SampleDocuments);
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let customer = Customer::sample();
        let id = JourneyId::new(customer.email.clone());
        let mut journey = Journey::new(id, customer, PASSWORD).map_err(|v| v.to_string())?;
        loop {
            match runner
                .advance(&mut journey)
                .await
                .map_err(|e| e.to_string())?
            {
                Outcome::Done => break,
                Outcome::Waiting {
                    on: WaitingOn::ActivationCode { .. },
                    ..
                } => {
                    let message = sandbox
                        .outbox_to(&journey.customer().email)
                        .pop()
                        .ok_or("no activation e-mail")?;
                    journey
                        .supply_activation_code(message.code.expose())
                        .map_err(|v| v.to_string())?;
                }
                other => return Err(format!("the journey stopped: {other:?}")),
            }
        }
        times.push(started.elapsed());
    }
    times.sort();
    Ok((runs, times[times.len() / 2], times[0]))
}

/// Requests/s of the sandbox and of the minimal server on the same path
/// with the same load generator.
async fn throughput(
    sandbox: &Sandbox,
    canned: &str,
    op: &str,
    concurrency: usize,
    calls: usize,
) -> Result<(Sample, Sample), String> {
    let c = sandbox.credentials();
    let http = reqwest::Client::new();
    let admin_login_path = format!(
        "/api/v2.1/admin/organization/{}/users/{}/sessions",
        c.organization_id, c.admin_user_id
    );
    let admin_body = json!({
        "username": c.admin_username, "password": c.admin_password.expose_secret(),
        "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret(),
    });
    let token = {
        let response: Value = raw_headers(
            http.post(format!("{}{admin_login_path}", sandbox.base_url())),
            None,
        )
        .json(&admin_body)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
        response["data"]["token"]
            .as_str()
            .ok_or("the sandbox login returned no token")?
            .to_string()
    };
    let targets = [
        (sandbox.base_url().to_string(), admin_login_path.clone()),
        (canned.to_string(), ADMIN_LOGIN.to_string()),
    ];
    let mut samples: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS * 2 {
        // Alternate which server goes first in each pair of rounds.
        let which = usize::from(round % 2 != (round / 2) % 2);
        let (base, login_path) = targets[which].clone();
        let (http, body, token, op) = (
            http.clone(),
            admin_body.clone(),
            token.clone(),
            op.to_string(),
        );
        let sample = load::run(calls, concurrency, move || {
            let request = if op == "login" {
                raw_headers(http.post(format!("{base}{login_path}")), None).json(&body)
            } else {
                raw_headers(
                    http.get(format!(
                        "{base}/api/v2.1/customer/individual/categorization/hierarchy/{}",
                        finhub_sandbox::DEFAULT_TENANT_ID
                    )),
                    Some(&token),
                )
            };
            async move {
                let response = request.send().await.map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("HTTP {}", response.status()));
                }
                response.bytes().await.map(drop).map_err(|e| e.to_string())
            }
        })
        .await?;
        samples[which].push(sample);
    }
    let [on_sandbox, minimal] = samples;
    Ok((median(on_sandbox), median(minimal)))
}
