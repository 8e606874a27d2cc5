//! The numbers the crate README (the crate docs) states, each
//! asserted exactly: the seeded-credentials table against the default
//! configuration and its variables, token and session lifetimes at their
//! boundary second, the body limit, the fault count per request, and the
//! shutdown grace period. (Elsewhere: the lockout after 5 failures for
//! 30 minutes in `auth.rs`, one of 50 concurrent registrations in
//! `rules.rs`, the 10 MB document in `rules.rs`, the latency bound in
//! `robustness.rs`.)

use std::time::Duration;

use chrono::{TimeZone, Utc};
use finhub_sandbox::{
    ActivationCodes, Clock, ENV_VARS, ExposeSecret, FaultRule, MAX_BODY_BYTES, MAX_DOCUMENT_BYTES,
    Operation, Profile, ReviewMode, Sandbox, SandboxConfig,
};
use serde_json::json;

use crate::common::{self, Api, PROMPTLY, raw};

/// The rows of the crate README's "Seeded credentials" table: (what,
/// default, variable).
fn seeded_credentials_table() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("## Seeded credentials")
        .nth(1)
        .expect("a Seeded credentials section")
        .split("\n## ")
        .next()
        .unwrap();
    section
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| what "))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_string())
                .collect();
            assert_eq!(cells.len(), 3, "{line}");
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect()
}

#[test]
fn the_readme_seeded_credentials_table_is_the_default_configuration() {
    let d = SandboxConfig::default();
    let code = |text: &str| format!("`{text}`");
    let rows = seeded_credentials_table();
    assert_eq!(rows.len(), 20, "{rows:?}");
    let mut variables = Vec::new();
    for (what, default, variable) in &rows {
        let expected = match what.as_str() {
            "tenant id (`X-Tenant-ID`, categorization path)" => code(&d.tenant_id),
            "tenant name" => code(&d.tenant_name),
            "organization id (admin login path)" => code(&d.organization_id),
            "admin user id (admin login path)" => code(&d.admin_user_id),
            "admin username" => code(&d.admin_username),
            "admin password" => code(d.admin_password.expose()),
            "tenant key" => code(d.tenant_key.expose()),
            "tenant secret" => code(d.tenant_secret.expose()),
            "access-token lifetime" => format!("{} s", d.token_lifetime.as_secs()),
            "session (refresh) lifetime" => format!("{} s", d.session_lifetime.as_secs()),
            "lockout after / for" => format!(
                "{} failures / {} s",
                d.lockout_threshold,
                d.lockout_duration.as_secs()
            ),
            "JWT signing secret" => {
                assert!(d.jwt_secret.is_none());
                "random per sandbox".into()
            }
            "fault-rate seed" => d.fault_seed.to_string(),
            "control token (`/__sandbox/*`)" => {
                assert!(d.control_token.is_none());
                "random per start (256 bits)".into()
            }
            "header / body read timeout" => format!(
                "{} s / {} s",
                d.header_read_timeout.as_secs(),
                d.body_read_timeout.as_secs()
            ),
            "connections served at once" => d.max_connections.to_string(),
            "profile (documented variant played)" => code(d.profile.name()),
            "activation codes" => code(d.activation_codes.name()),
            "review of approvals / its delay" => {
                assert!(d.review_delay.is_none());
                format!("{} / none (control API only)", code(d.review.name()))
            }
            "IBAN delay after activation" => format!("{} s", d.iban_delay.as_secs()),
            other => panic!("a README row this test does not know: {other}"),
        };
        assert_eq!(default, &expected, "{what}");
        variables.extend(
            variable
                .split('`')
                .filter(|part| part.starts_with("FINHUB_SANDBOX_"))
                .map(str::to_string),
        );
    }
    // The numbers as the README writes them.
    assert_eq!(d.token_lifetime, Duration::from_secs(3600));
    assert_eq!(d.session_lifetime, Duration::from_secs(86_400));
    assert_eq!(d.lockout_threshold, 5);
    assert_eq!(d.lockout_duration, Duration::from_secs(1800));
    assert_eq!(d.fault_seed, 0);
    assert_eq!(d.header_read_timeout, Duration::from_secs(30));
    assert_eq!(d.body_read_timeout, Duration::from_secs(30));
    assert_eq!(d.max_connections, 1024);
    assert_eq!(d.profile, Profile::Lenient);
    assert_eq!(d.activation_codes, ActivationCodes::AnyNonEmpty);
    assert_eq!(d.review, ReviewMode::Off);
    assert_eq!(d.iban_delay, Duration::ZERO);
    // Every variable the sandbox reads is in the table, and no other.
    variables.sort();
    let mut known = ENV_VARS.map(str::to_string).to_vec();
    known.sort();
    assert_eq!(variables, known);
}

/// Each variable of the table changes what it says it changes.
#[test]
fn each_variable_of_the_table_overrides_its_setting() {
    for variable in ENV_VARS {
        let value = match variable {
            "FINHUB_SANDBOX_JWT_SECRET" => "a-jwt-secret-of-24-bytes",
            "FINHUB_SANDBOX_CONTROL_TOKEN" => "a-control-token-of-27-chars",
            "FINHUB_SANDBOX_TOKEN_LIFETIME_SECS" => "60",
            "FINHUB_SANDBOX_SESSION_LIFETIME_SECS" => "7200",
            "FINHUB_SANDBOX_LOCKOUT_THRESHOLD" => "3",
            "FINHUB_SANDBOX_LOCKOUT_SECS" => "90",
            "FINHUB_SANDBOX_FAULT_SEED" => "17",
            "FINHUB_SANDBOX_HEADER_READ_TIMEOUT_SECS" => "11",
            "FINHUB_SANDBOX_BODY_READ_TIMEOUT_SECS" => "12",
            "FINHUB_SANDBOX_MAX_CONNECTIONS" => "13",
            "FINHUB_SANDBOX_PROFILE" => "runner",
            "FINHUB_SANDBOX_ACTIVATION_CODES" => "emailed",
            "FINHUB_SANDBOX_REVIEW" => "power-tenant",
            "FINHUB_SANDBOX_REVIEW_DELAY_SECS" => "14",
            "FINHUB_SANDBOX_IBAN_DELAY_SECS" => "15",
            _ => "overridden-value",
        };
        let c = SandboxConfig::from_lookup(|name| (name == variable).then(|| value.to_string()))
            .unwrap_or_else(|e| panic!("{variable}: {e}"));
        let secs = |d: Duration| d.as_secs().to_string();
        let read = match variable {
            "FINHUB_SANDBOX_TENANT_ID" => c.tenant_id.clone(),
            "FINHUB_SANDBOX_TENANT_NAME" => c.tenant_name.clone(),
            "FINHUB_SANDBOX_ORGANIZATION_ID" => c.organization_id.clone(),
            "FINHUB_SANDBOX_ADMIN_USER_ID" => c.admin_user_id.clone(),
            "FINHUB_SANDBOX_ADMIN_USERNAME" => c.admin_username.clone(),
            "FINHUB_SANDBOX_ADMIN_PASSWORD" => c.admin_password.expose().to_string(),
            "FINHUB_SANDBOX_TENANT_KEY" => c.tenant_key.expose().to_string(),
            "FINHUB_SANDBOX_TENANT_SECRET" => c.tenant_secret.expose().to_string(),
            "FINHUB_SANDBOX_TOKEN_LIFETIME_SECS" => secs(c.token_lifetime),
            "FINHUB_SANDBOX_SESSION_LIFETIME_SECS" => secs(c.session_lifetime),
            "FINHUB_SANDBOX_LOCKOUT_THRESHOLD" => c.lockout_threshold.to_string(),
            "FINHUB_SANDBOX_LOCKOUT_SECS" => secs(c.lockout_duration),
            "FINHUB_SANDBOX_JWT_SECRET" => c.jwt_secret.unwrap().expose().to_string(),
            "FINHUB_SANDBOX_FAULT_SEED" => c.fault_seed.to_string(),
            "FINHUB_SANDBOX_CONTROL_TOKEN" => c.control_token.unwrap().expose().to_string(),
            "FINHUB_SANDBOX_HEADER_READ_TIMEOUT_SECS" => secs(c.header_read_timeout),
            "FINHUB_SANDBOX_BODY_READ_TIMEOUT_SECS" => secs(c.body_read_timeout),
            "FINHUB_SANDBOX_MAX_CONNECTIONS" => c.max_connections.to_string(),
            "FINHUB_SANDBOX_PROFILE" => c.profile.to_string(),
            "FINHUB_SANDBOX_ACTIVATION_CODES" => c.activation_codes.to_string(),
            "FINHUB_SANDBOX_REVIEW" => c.review.to_string(),
            "FINHUB_SANDBOX_REVIEW_DELAY_SECS" => secs(c.review_delay.unwrap()),
            "FINHUB_SANDBOX_IBAN_DELAY_SECS" => secs(c.iban_delay),
            other => panic!("a variable this test does not know: {other}"),
        };
        assert_eq!(read, value, "{variable}");
    }
}

/// "access-token lifetime 3600 s", "session (refresh) lifetime 86400 s":
/// at the boundary second, on the injected clock.
#[tokio::test]
async fn default_tokens_live_3600_seconds_and_sessions_86400() {
    let start = Utc.with_ymd_and_hms(2026, 1, 13, 10, 0, 0).unwrap();
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(start))
        .start()
        .await
        .unwrap();
    let clock = sandbox.clock();
    let api = Api::new(&sandbox);
    let reply = api
        .admin_login_with(finhub_sandbox::DEFAULT_ADMIN_PASSWORD)
        .await;
    assert_eq!(reply.expect(200).data()["expiresIn"], 3600);
    let admin = common::Session::from(&reply).token;
    let claims = common::claims(&admin);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let customer = api.onboard_start(&admin, &common::email("lifetime")).await;
    let token = &customer.session.token;

    clock.advance(Duration::from_secs(3599));
    api.readiness(token, &customer.id).await.expect(200);
    clock.advance(Duration::from_secs(1));
    api.readiness(token, &customer.id)
        .await
        .expect_error(401, "Token expired");

    // The session can be refreshed until 86400 s after it was opened (or
    // last refreshed), not at that second.
    let path = api.session_path(&customer, &customer.session.session_id);
    let refresh = |token: String, refresh_token: String| {
        let api = api.clone();
        let path = path.clone();
        async move {
            api.send(
                Operation::RefreshCustomerSession,
                &path,
                Some(&token),
                Some(json!({ "refreshToken": refresh_token })),
            )
            .await
        }
    };
    clock.set(start + chrono::TimeDelta::seconds(86_399));
    let reply = refresh(token.clone(), customer.session.refresh_token.clone()).await;
    let renewed = common::Session::from(reply.expect(200));
    clock.advance(Duration::from_secs(86_400));
    refresh(renewed.token.clone(), renewed.refresh_token.clone())
        .await
        .expect_error(401, "Refresh token expired");
}

/// "about 14.1 MB" of body: a `Content-Length` of exactly the limit is
/// read, one byte more is refused before reading.
#[tokio::test]
async fn a_body_of_exactly_the_limit_is_read() {
    assert_eq!(MAX_DOCUMENT_BYTES, 10 * 1024 * 1024);
    let mib = MAX_BODY_BYTES as f64 / f64::from(1 << 20);
    assert_eq!(format!("{mib:.1}"), "14.1", "{MAX_BODY_BYTES} bytes");

    let sandbox = Sandbox::start().await.unwrap();
    let c = sandbox.credentials();
    let login = |length: usize| {
        // A login whose JSON is padded with spaces to `length` bytes.
        let body = json!({
            "username": c.admin_username, "password": c.admin_password.expose_secret(),
            "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret(),
        })
        .to_string();
        let body = format!("{body}{}", " ".repeat(length - body.len()));
        format!(
            "POST /api/v2.1/admin/organization/{}/users/{}/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\
             Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}",
            c.organization_id,
            c.admin_user_id,
            common::raw_headers(&c.tenant_id),
        )
    };
    raw(sandbox.addr(), login(MAX_BODY_BYTES).as_bytes())
        .await
        .expect(200);
    let head = login(MAX_BODY_BYTES + 1);
    let head = head.split("\r\n\r\n").next().unwrap().to_string() + "\r\n\r\n";
    raw(sandbox.addr(), head.as_bytes()).await.expect(413);
    assert_eq!(sandbox.stats().side_effects.admin_sessions, 1);
}

/// "a latency and a status on one request count 2" (`Stats::faults_injected`).
#[tokio::test]
async fn a_latency_and_a_status_on_one_request_count_two_faults() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    sandbox
        .faults()
        .inject(FaultRule::latency(Duration::from_millis(1)).times(1))
        .unwrap();
    sandbox
        .faults()
        .inject(FaultRule::status(503).times(1))
        .unwrap();
    api.admin_login_with(finhub_sandbox::DEFAULT_ADMIN_PASSWORD)
        .await
        .expect(503);
    let stats = sandbox.stats();
    assert_eq!(stats.faults_injected, 2);
    assert_eq!(stats.total_requests(), 1);
    assert_eq!(stats.side_effects.admin_sessions, 0);
}

/// `Sandbox::shutdown`: "lets open requests finish (up to 5 s)". A request
/// held by a 10-minute latency fault is cut off after the 5 s grace, on
/// Tokio's paused clock (no real waiting, no timing decides).
#[tokio::test]
async fn shutdown_waits_five_seconds_for_open_requests_then_closes_them() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    sandbox
        .faults()
        .inject(FaultRule::latency(Duration::from_secs(600)).times(1))
        .unwrap();
    let c = sandbox.credentials();
    let mut request = api
        .client
        .post(format!(
            "{}/api/v2.1/admin/organization/{}/users/{}/sessions",
            api.base, c.organization_id, c.admin_user_id
        ))
        .json(&json!({
            "username": c.admin_username, "password": c.admin_password.expose_secret(),
            "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret(),
        }));
    for (name, value) in common::standard_headers(&c.tenant_id) {
        request = request.header(name, value);
    }
    let held = tokio::spawn(request.send());
    // Wait (on real time, only against hanging) until the request is held.
    tokio::time::timeout(PROMPTLY, async {
        while sandbox.stats().faults_injected == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the request reaches the sandbox");

    tokio::time::pause();
    let started = tokio::time::Instant::now();
    sandbox.shutdown().await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    tokio::time::resume();
    // The held request never got an answer.
    let answer = held.await.unwrap();
    assert!(answer.is_err(), "{answer:?}");
}
