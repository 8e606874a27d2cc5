//! Extreme but accepted input never panics the server or drops a
//! connection: a clock at its limit, unbounded durations, huge latencies.
//! Each is refused with a named field and bound, or handled.

use std::time::Duration;

use chrono::{DateTime, Utc};
use finhub_sandbox::{Clock, FaultKind, FaultRule, Sandbox, SandboxConfig, SandboxError};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{self, Api};

#[tokio::test]
async fn a_clock_at_its_limit_still_answers() {
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(DateTime::<Utc>::MAX_UTC))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    // Sessions end `lifetime` after now, consents a year after now.
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("late")).await;
    api.consent(&customer.session.token, &customer.id, "terms")
        .await
        .expect(200);
    // Failed logins lock the user until now + the lockout duration.
    for _ in 0..4 {
        api.admin_login_with("wrong-password")
            .await
            .expect_error(401, "Invalid credentials");
    }
    api.admin_login_with("wrong-password")
        .await
        .expect_error(401, "Account locked");
}

#[tokio::test]
async fn the_clock_cannot_be_advanced_past_its_limit_over_http() {
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(Utc::now()))
        .start()
        .await
        .unwrap();
    let before = sandbox.clock().now();
    let advance = |seconds: u64| {
        common::control(&sandbox, Method::POST, "/clock/advance")
            .json(&json!({ "seconds": seconds }))
            .send()
    };
    let response = advance(u64::MAX).await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 400);
    assert_eq!(body["data"]["errors"][0]["field"], "seconds", "{body}");
    let message = body["data"]["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("9999-12-31T23:59:59Z"), "{message}");
    assert_eq!(
        sandbox.clock().now(),
        before,
        "a refused advance moved the clock"
    );

    // Right up to the limit is fine, and the sandbox keeps working there.
    let latest: DateTime<Utc> = "9999-12-31T23:59:59Z".parse().unwrap();
    let room = u64::try_from((latest - before).num_seconds()).unwrap() - 60;
    let response = advance(room).await.unwrap();
    assert_eq!(response.status(), 200);
    Api::new(&sandbox).admin_login().await;
    let response = advance(3600).await.unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn unbounded_durations_are_refused_naming_field_and_bound() {
    for config in [
        SandboxConfig {
            lockout_duration: Duration::MAX,
            ..SandboxConfig::default()
        },
        SandboxConfig {
            lockout_duration: Duration::from_secs(u64::from(u32::MAX)),
            ..SandboxConfig::default()
        },
    ] {
        let error = Sandbox::builder().config(config).start().await.unwrap_err();
        match error {
            SandboxError::Config(error) => {
                assert_eq!(error.field, "lockout_duration");
                assert!(error.problem.contains("2147483647"), "{error}");
            }
            other => panic!("{other}"),
        }
    }
}

#[tokio::test]
async fn fault_latency_is_bounded() {
    let sandbox = Sandbox::start().await.unwrap();
    for rule in [
        FaultRule::new(FaultKind::Latency { ms: u64::MAX }),
        FaultRule::latency(Duration::MAX),
        FaultRule::latency(Duration::from_secs(601)),
    ] {
        let error = sandbox.faults().inject(rule).unwrap_err();
        assert!(error.to_string().contains("ms"), "{error}");
        assert!(error.to_string().contains("600000"), "{error}");
    }
    sandbox
        .faults()
        .inject(FaultRule::latency(Duration::from_secs(600)))
        .unwrap();
    sandbox.faults().clear();
    let response = common::control(&sandbox, Method::POST, "/faults")
        .json(&json!({"kind": {"type": "latency", "ms": u64::MAX}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 400);
    assert!(sandbox.faults().list().is_empty());
}

/// Statuses whose responses may not carry a body (204, 205, 304) still
/// answer cleanly and leave the connection usable.
#[tokio::test]
async fn every_fault_status_gets_a_clean_answer() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    for status in [200, 204, 205, 304, 418, 599] {
        sandbox
            .faults()
            .inject(FaultRule::status(status).times(1))
            .unwrap();
        let reply = api.admin_login_with("whatever").await;
        assert_eq!(reply.status, status);
    }
    // The kept-alive connections still serve.
    api.admin_login().await;
}
