//! Fault injection (in process and over HTTP) and the counters.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use finhub_sandbox::{Clock, FaultKind, FaultRule, Operation, Sandbox};
use serde_json::{Value, json};

use crate::common::{self, Api, PROMPTLY};

fn categorization(sandbox: &Sandbox) -> String {
    format!(
        "/api/v2.1/customer/individual/categorization/hierarchy/{}",
        sandbox.credentials().tenant_id
    )
}

#[tokio::test]
async fn forced_status_and_retry_after() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let path = categorization(&sandbox);
    sandbox
        .faults()
        .inject(
            FaultRule::status(503)
                .on(Operation::GetCategorizationHierarchy)
                .times(2),
        )
        .unwrap();
    for _ in 0..2 {
        api.send(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
        )
        .await
        .expect_error(503, "Service Unavailable (sandbox fault)");
    }
    api.send(
        Operation::GetCategorizationHierarchy,
        &path,
        Some(&admin),
        None,
    )
    .await
    .expect(200);
    assert!(sandbox.faults().list().is_empty(), "the rule expired");

    sandbox
        .faults()
        .inject(FaultRule::too_many_requests(7).times(1))
        .unwrap();
    let reply = api
        .admin_login_with(finhub_sandbox::DEFAULT_ADMIN_PASSWORD)
        .await;
    reply.expect_error(429, "Too Many Requests (sandbox fault)");
    assert_eq!(reply.headers["retry-after"], "7");
    // Other operations were never affected and the next login works.
    api.admin_login().await;
    assert_eq!(sandbox.stats().faults_injected, 3);
    assert_eq!(sandbox.stats().side_effects.admin_sessions, 2);
}

#[tokio::test]
async fn forced_errors_happen_before_side_effects() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let id = sandbox
        .faults()
        .inject(FaultRule::status(500).on(Operation::RegisterIndividualCustomer))
        .unwrap();
    let email = common::email("fault");
    let reply = api
        .send(
            Operation::RegisterIndividualCustomer,
            "/api/v2.1/customer/individual/registration",
            Some(&admin),
            Some(common::registration(&email)),
        )
        .await;
    reply.expect(500);
    assert_eq!(sandbox.stats().side_effects.registrations, 0);
    assert!(sandbox.faults().remove(id));
    api.register(&admin, &email).await;
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.registrations, 1);
    assert_eq!(stats.requests_for(Operation::RegisterIndividualCustomer), 2);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    sandbox
        .faults()
        .inject(
            FaultRule::latency(Duration::from_millis(150))
                .on(Operation::GetCategorizationHierarchy)
                .times(1),
        )
        .unwrap();
    let started = Instant::now();
    api.send(
        Operation::GetCategorizationHierarchy,
        &categorization(&sandbox),
        Some(&admin),
        None,
    )
    .await
    .expect(200);
    // A lower bound only: a Tokio sleep never ends early, however loaded
    // the machine, so this cannot fail by accident.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sandbox.stats().faults_injected, 1);

    // A client timeout far shorter than the latency (the longest a fault
    // may add, 6000 times the timeout) fires.
    sandbox
        .faults()
        .inject(FaultRule::latency(Duration::from_millis(finhub_sandbox::MAX_LATENCY_MS)).times(1))
        .unwrap();
    let result = api
        .client
        .get(format!("{}{}", api.base, categorization(&sandbox)))
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
}

#[tokio::test]
async fn dropped_connections_get_no_response() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    sandbox
        .faults()
        .inject(
            FaultRule::drop_connection()
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    let email = common::email("dropped");
    let mut request = api
        .client
        .post(format!(
            "{}/api/v2.1/customer/individual/registration",
            api.base
        ))
        .bearer_auth(&admin)
        .json(&common::registration(&email));
    for (name, value) in common::standard_headers(&api.credentials.tenant_id) {
        request = request.header(name, value);
    }
    let error = request.send().await.unwrap_err();
    assert!(!error.is_timeout(), "{error:?}");
    assert!(error.status().is_none(), "{error:?}");
    // Nothing was registered; the server keeps serving.
    assert_eq!(sandbox.stats().side_effects.registrations, 0);
    api.register(&admin, &email).await;

    // Over raw TCP: the server closes without writing a byte.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    sandbox
        .faults()
        .inject(FaultRule::drop_connection().times(1))
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .unwrap();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        categorization(&sandbox)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(PROMPTLY, stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection");
    assert!(read.is_ok() || received.is_empty());
    assert!(
        received.is_empty(),
        "{}",
        String::from_utf8_lossy(&received)
    );
}

#[tokio::test]
async fn malformed_truncated_and_mislabelled_bodies() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let path = categorization(&sandbox);

    sandbox
        .faults()
        .inject(
            FaultRule::malformed_json()
                .on(Operation::GetCategorizationHierarchy)
                .times(1),
        )
        .unwrap();
    let reply = api
        .send(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert!(
        serde_json::from_str::<Value>(&reply.text).is_err(),
        "{}",
        reply.text
    );

    sandbox
        .faults()
        .inject(
            FaultRule::truncated_body()
                .on(Operation::GetCategorizationHierarchy)
                .times(1),
        )
        .unwrap();
    let reply = api
        .send(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
        )
        .await;
    let full = api
        .send(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text.len(), full.text.len() / 2);
    assert!(full.text.starts_with(&reply.text));
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());

    // A truncated answer to a POST: the side effect happened anyway.
    sandbox
        .faults()
        .inject(
            FaultRule::truncated_body()
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    let email = common::email("truncated");
    let reply = api
        .send(
            Operation::RegisterIndividualCustomer,
            "/api/v2.1/customer/individual/registration",
            Some(&admin),
            Some(common::registration(&email)),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_null(), "unreadable: {}", reply.text);
    assert_eq!(sandbox.stats().side_effects.registrations, 1);

    sandbox
        .faults()
        .inject(FaultRule::wrong_content_type().times(1))
        .unwrap();
    let reply = api
        .send(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(reply.body["code"], 200);
}

#[tokio::test]
async fn error_rates_are_seeded_and_repeatable() {
    async fn run(seed: u64) -> Vec<u16> {
        let sandbox = Sandbox::builder().fault_seed(seed).start().await.unwrap();
        let api = Api::new(&sandbox);
        let admin = api.admin_login().await.token;
        sandbox
            .faults()
            .inject(
                FaultRule::status(502)
                    .on(Operation::GetCategorizationHierarchy)
                    .rate(0.5),
            )
            .unwrap();
        let path = categorization(&sandbox);
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(
                api.send(
                    Operation::GetCategorizationHierarchy,
                    &path,
                    Some(&admin),
                    None,
                )
                .await
                .status,
            );
        }
        statuses
    }
    let first = run(11).await;
    assert_eq!(first, run(11).await);
    let failed = first.iter().filter(|s| **s == 502).count();
    assert!(
        (8..=32).contains(&failed),
        "{failed} of 40 at rate 0.5: {first:?}"
    );
    assert!(first.iter().all(|s| *s == 200 || *s == 502));
    assert_ne!(first, run(12).await);
}

#[tokio::test]
async fn faults_and_stats_over_http() {
    let start = Utc.with_ymd_and_hms(2026, 1, 13, 10, 0, 0).unwrap();
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(start))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    let control = |path: &str| format!("{}/__sandbox{path}", api.base);
    let client = &common::control_client(&sandbox);

    let health: Value = client
        .get(control("/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");

    let response = client
        .post(control("/faults"))
        .json(&json!({
            "operation": "create_admin_session",
            "kind": {"type": "status", "status": 429, "retryAfter": 3},
            "times": 1
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["operation"], "create_admin_session");
    assert_eq!(created["remaining"], 1);
    let listed: Value = client
        .get(control("/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        sandbox.faults().list()[0].rule.kind,
        FaultKind::Status {
            status: 429,
            retry_after: Some(3)
        }
    );
    let reply = api
        .admin_login_with(finhub_sandbox::DEFAULT_ADMIN_PASSWORD)
        .await;
    reply.expect(429);
    assert_eq!(reply.headers["retry-after"], "3");

    // Every kind the README names, by its name over HTTP.
    for (kind, expected) in [
        (
            json!({"type": "latency", "ms": 5}),
            FaultKind::Latency { ms: 5 },
        ),
        (
            json!({"type": "status", "status": 503}),
            FaultKind::Status {
                status: 503,
                retry_after: None,
            },
        ),
        (json!({"type": "dropConnection"}), FaultKind::DropConnection),
        (json!({"type": "malformedJson"}), FaultKind::MalformedJson),
        (json!({"type": "truncatedBody"}), FaultKind::TruncatedBody),
        (
            json!({"type": "wrongContentType"}),
            FaultKind::WrongContentType,
        ),
    ] {
        let response = client
            .post(control("/faults"))
            .json(&json!({"operation": "get_verification", "kind": kind}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{kind}");
        let listed = sandbox.faults().list();
        assert_eq!(listed.last().unwrap().rule.kind, expected, "{kind}");
    }
    assert_eq!(sandbox.faults().list().len(), 6);
    sandbox.faults().clear();

    // Bad rules are refused with the reason.
    for bad in [
        json!({"kind": {"type": "status", "status": 42}}),
        json!({"kind": {"type": "explode"}}),
        json!({"operation": "launch_rocket", "kind": {"type": "dropConnection"}}),
        json!({"kind": {"type": "malformedJson"}, "rate": 2.0}),
    ] {
        let response = client
            .post(control("/faults"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], 400);
        // An unknown operation id is named, with the field it was in.
        if bad["operation"] == "launch_rocket" {
            let error = &body["data"]["errors"][0];
            assert_eq!(error["field"], "operation", "{body}");
            assert!(
                error["message"].as_str().unwrap().contains("launch_rocket"),
                "{body}"
            );
        }
    }

    // Removal by id and clearing.
    let created: Value = client
        .post(control("/faults"))
        .json(&json!({"kind": {"type": "latency", "ms": 1}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_u64().unwrap();
    let response = client
        .delete(control(&format!("/faults/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = client
        .delete(control(&format!("/faults/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    client
        .post(control("/faults"))
        .json(&json!({"kind": {"type": "dropConnection"}}))
        .send()
        .await
        .unwrap();
    let response = client.delete(control("/faults")).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(sandbox.faults().list().is_empty());

    // Stats mirror the handle; control calls are not counted.
    api.admin_login().await;
    let stats: Value = client
        .get(control("/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"]["create_admin_session"], 2);
    assert_eq!(stats["requests"]["register_individual_customer"], 0);
    assert_eq!(stats["sideEffects"]["adminSessions"], 1);
    assert_eq!(stats["faultsInjected"], 1);
    assert_eq!(serde_json::to_value(sandbox.stats()).unwrap(), stats);
    let response = client.delete(control("/stats")).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(sandbox.stats().total_requests(), 0);

    // The clock can be moved over HTTP (for a standalone sandbox).
    let before: Value = client
        .get(control("/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after: Value = client
        .post(control("/clock/advance"))
        .json(&json!({"seconds": 7200}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let read =
        |v: &Value| chrono::DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap();
    assert_eq!(read(&before), start);
    assert_eq!((read(&after) - read(&before)).num_seconds(), 7200);
    assert_eq!(sandbox.clock().now(), start + chrono::TimeDelta::hours(2));
}

/// The counters count each request and side effect exactly (what a
/// client's test relies on to prove it did not repeat a POST; the clients
/// themselves are put to that proof in the fault suite and the CLI's tests).
#[tokio::test]
async fn counters_count_every_request_and_side_effect_of_a_journey() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("counted")).await;
    api.make_ready(&admin, &customer).await;
    api.activate(&admin, &customer.id, &customer.user_id)
        .await
        .expect(200);
    api.wallets(&customer.session.token, &customer.id)
        .await
        .expect(200);
    let stats = sandbox.stats();
    let effects = stats.side_effects;
    assert_eq!(
        (
            effects.registrations,
            effects.admin_sessions,
            effects.customer_sessions,
            effects.verifications,
            effects.documents,
            effects.approvals,
            effects.consents,
            effects.activations,
        ),
        (1, 1, 1, 1, 1, 1, 3, 1)
    );
    for (operation, count) in [
        (Operation::CreateAdminSession, 1),
        (Operation::RegisterIndividualCustomer, 1),
        (Operation::CreateCustomerSession, 1),
        (Operation::CreateVerification, 1),
        (Operation::UploadVerificationDocument, 1),
        (Operation::ApproveVerification, 1),
        (Operation::AcceptConsent, 3),
        (Operation::ActivateCustomer, 1),
        (Operation::ListCustomerWallets, 1),
        (Operation::GetCategorizationHierarchy, 0),
    ] {
        assert_eq!(stats.requests_for(operation), count, "{operation}");
    }
    assert_eq!(stats.total_requests(), 11);
    sandbox.reset_stats();
    assert_eq!(sandbox.stats().side_effects.registrations, 0);
}

/// `drop_after_processing`: the server does the work and the answer is
/// lost; the counters show the work once, and the rule fires only on its
/// operation.
#[tokio::test]
async fn dropped_after_processing_the_work_is_done_and_the_answer_lost() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    sandbox
        .faults()
        .inject(
            FaultRule::drop_after_processing()
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    // Another operation is not touched by the rule.
    api.send(
        Operation::GetCategorizationHierarchy,
        &categorization(&sandbox),
        Some(&admin),
        None,
    )
    .await
    .expect(200);
    let email = common::email("lost-answer");
    let mut request = api
        .client
        .post(format!(
            "{}/api/v2.1/customer/individual/registration",
            api.base
        ))
        .bearer_auth(&admin)
        .json(&common::registration(&email));
    for (name, value) in common::standard_headers(&api.credentials.tenant_id) {
        request = request.header(name, value);
    }
    let error = request.send().await.unwrap_err();
    assert!(!error.is_timeout(), "{error:?}");
    assert!(error.status().is_none(), "{error:?}");
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.registrations, 1, "the work was done");
    assert_eq!(stats.faults_injected, 1);
    assert!(sandbox.faults().list().is_empty(), "the rule expired");
    // The customer exists: registering the same e-mail again is a conflict,
    // and the activation e-mail was sent.
    let reply = api
        .send(
            Operation::RegisterIndividualCustomer,
            "/api/v2.1/customer/individual/registration",
            Some(&admin),
            Some(common::registration(&email)),
        )
        .await;
    reply.expect(409);
    assert_eq!(sandbox.outbox_to(&email).len(), 1);
    let found = sandbox.find_customer(&email.to_uppercase()).unwrap();
    assert_eq!(sandbox.outbox_to(&email)[0].customer_id, found.customer_id);
    assert!(!found.user_id.is_empty());
    assert_eq!(sandbox.find_customer("nobody@example.com"), None);
    assert_eq!(sandbox.stats().side_effects.registrations, 1);

    // Over HTTP the kind is `dropAfterProcessing`.
    let reply = common::control(&sandbox, reqwest::Method::POST, "/faults")
        .json(&json!({"operation": "accept_consent", "kind": {"type": "dropAfterProcessing"}, "times": 1}))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.status());
    assert_eq!(
        sandbox.faults().list()[0].rule,
        FaultRule::drop_after_processing()
            .on(Operation::AcceptConsent)
            .times(1)
    );
    assert!(matches!(
        sandbox.faults().list()[0].rule.kind,
        FaultKind::DropAfterProcessing
    ));
}
