//! Review mode: the tenant admin's approval of a verification that needs
//! the power tenant (or of every one) answers 202 `PENDING_REVIEW` and
//! approves nothing until the review completes, over the control API, in
//! process, or after the review delay on the sandbox clock.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use finhub_sandbox::{Clock, Operation, ReviewError, ReviewMode, Sandbox};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{self, Api, Customer, Reply};

/// A verification of `customer` (requested at `level`) with one document.
async fn verification_with_document(api: &Api, customer: &Customer, level: &str) -> String {
    let reply = api
        .send(
            Operation::CreateVerification,
            "/api/v2.1/verifications",
            Some(&customer.session.token),
            Some(json!({
                "customerId": customer.id, "type": "IDENTITY_VERIFICATION",
                "requestedLevel": level,
            })),
        )
        .await;
    let id = reply.expect(200).data()["verificationId"]
        .as_str()
        .unwrap()
        .to_string();
    api.upload(&customer.session.token, &id, "PASSPORT")
        .await
        .expect(200);
    id
}

async fn get(api: &Api, customer: &Customer, id: &str) -> Value {
    let reply = api
        .send(
            Operation::GetVerification,
            &format!("/api/v2.1/verifications/{id}"),
            Some(&customer.session.token),
            None,
        )
        .await;
    reply.expect(200).data().clone()
}

#[track_caller]
fn expect_pending_review(reply: &Reply, id: &str, level: &str) {
    reply.expect(202);
    assert_eq!(
        reply.body,
        json!({"code": 202,
            "message": "Verification pending review: approval requires the power tenant",
            "data": {"verificationId": id, "status": "PENDING_REVIEW", "level": level}})
    );
}

async fn control_approve(sandbox: &Sandbox, id: &str) -> reqwest::Response {
    common::control(
        sandbox,
        Method::POST,
        &format!("/verifications/{id}/approve"),
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn power_tenant_review_holds_high_risk_approvals_until_the_control_api_approves() {
    let sandbox = Sandbox::builder()
        .review(ReviewMode::PowerTenant)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let email = common::email("pep");
    let ann = api
        .onboard_body(&admin, &email, common::high_risk_registration(&email))
        .await;
    let token = ann.session.token.clone();
    let id = verification_with_document(&api, &ann, "TENANT_VERIFIED").await;

    // The tenant admin's approval: 202, pending review, nothing approved;
    // asked again, the same.
    for _ in 0..2 {
        let reply = api.approve(&admin, &id).await;
        expect_pending_review(&reply, &id, "POWER_TENANT_VERIFIED");
    }
    assert_eq!(sandbox.stats().side_effects.approvals, 0);
    let view = get(&api, &ann, &id).await;
    assert_eq!(view["status"], "PENDING_REVIEW");
    assert_eq!(view["verified"], false);
    for kind in ["terms", "privacy", "data-processing"] {
        api.consent(&token, &ann.id, kind).await.expect(200);
    }
    let readiness = api.readiness(&token, &ann.id).await;
    let data = readiness.expect(200).data();
    assert_eq!(data["activationAllowed"], false);
    assert_eq!(data["verificationOk"], false);
    assert_eq!(data["verificationStatus"], "PENDING_REVIEW");
    assert_eq!(data["isHighRisk"], true);
    assert_eq!(data["riskLevel"], "HIGH");
    assert_eq!(data["powerTenantApprovalRequired"], true);
    assert_eq!(data["powerTenantApprovalOk"], false);
    api.activate(&admin, &ann.id, &ann.user_id)
        .await
        .expect(422);

    // The control API: token required, unknown ids 404.
    let refused = reqwest::Client::new()
        .post(format!(
            "{}/__sandbox/verifications/{id}/approve",
            sandbox.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(get(&api, &ann, &id).await["status"], "PENDING_REVIEW");
    assert_eq!(control_approve(&sandbox, "nope").await.status(), 404);

    // The power tenant approves.
    let response = control_approve(&sandbox, &id).await;
    assert_eq!(response.status(), 200);
    let approval: Value = response.json().await.unwrap();
    assert_eq!(approval["verificationId"], id.as_str());
    assert_eq!(approval["status"], "APPROVED");
    assert_eq!(approval["level"], "POWER_TENANT_VERIFIED");
    assert_eq!(approval["approvedBy"], "POWER_TENANT");
    assert_eq!(sandbox.stats().side_effects.approvals, 1);
    let again = control_approve(&sandbox, &id).await;
    assert_eq!(again.status(), 409);
    let view = get(&api, &ann, &id).await;
    assert_eq!(view["status"], "APPROVED");
    assert_eq!(view["verificationLevel"], "POWER_TENANT_VERIFIED");
    let readiness = api.readiness(&token, &ann.id).await;
    assert_eq!(readiness.data()["activationAllowed"], true);
    assert_eq!(readiness.data()["powerTenantApprovalOk"], true);
    api.approve(&admin, &id).await.expect(409);
    api.activate(&admin, &ann.id, &ann.user_id)
        .await
        .expect(200);

    // A standard customer's approval is not held…
    let bob = api.onboard_start(&admin, &common::email("standard")).await;
    let standard = verification_with_document(&api, &bob, "TENANT_VERIFIED").await;
    let reply = api.approve(&admin, &standard).await;
    assert_eq!(reply.expect(200).data()["level"], "TENANT_VERIFIED");
    // … unless requested at the power tenant's level.
    let powered = verification_with_document(&api, &bob, "POWER_TENANT_VERIFIED").await;
    expect_pending_review(
        &api.approve(&admin, &powered).await,
        &powered,
        "POWER_TENANT_VERIFIED",
    );
    // A verification the tenant admin has not approved is not under review.
    let fresh = verification_with_document(&api, &bob, "POWER_TENANT_VERIFIED").await;
    let response = control_approve(&sandbox, &fresh).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        format!("Verification '{fresh}' is not pending review (status PENDING)")
    );
    assert_eq!(get(&api, &bob, &fresh).await["status"], "PENDING");
}

#[tokio::test]
async fn all_mode_holds_every_approval_and_the_handle_completes_the_review() {
    let sandbox = Sandbox::builder()
        .review(ReviewMode::All)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let bob = api.onboard_start(&admin, &common::email("all")).await;
    let id = verification_with_document(&api, &bob, "TENANT_VERIFIED").await;
    expect_pending_review(&api.approve(&admin, &id).await, &id, "TENANT_VERIFIED");

    assert_eq!(
        sandbox.approve_review("nope"),
        Err(ReviewError::NotFound("nope".into()))
    );
    let approval = sandbox.approve_review(&id).unwrap();
    assert_eq!(approval.status.as_deref(), Some("APPROVED"));
    assert_eq!(approval.level.as_deref(), Some("TENANT_VERIFIED"));
    assert_eq!(
        sandbox.approve_review(&id),
        Err(ReviewError::NotPending {
            id: id.clone(),
            status: "APPROVED"
        })
    );
    assert_eq!(get(&api, &bob, &id).await["status"], "APPROVED");
    assert_eq!(sandbox.stats().side_effects.approvals, 1);
}

#[tokio::test]
async fn a_review_completes_after_its_delay_on_the_sandbox_clock() {
    let start = Utc.with_ymd_and_hms(2026, 1, 13, 10, 0, 0).unwrap();
    let three_days = Duration::from_secs(3 * 24 * 3600);
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(start))
        .review(ReviewMode::PowerTenant)
        .review_delay(three_days)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let email = common::email("delay");
    let mut ann = api
        .onboard_body(&admin, &email, common::high_risk_registration(&email))
        .await;
    let id = verification_with_document(&api, &ann, "TENANT_VERIFIED").await;
    expect_pending_review(
        &api.approve(&admin, &id).await,
        &id,
        "POWER_TENANT_VERIFIED",
    );

    sandbox.clock().advance(three_days - Duration::from_secs(1));
    assert_eq!(sandbox.stats().side_effects.approvals, 0);
    // Days later: a new login (the first token expired after an hour).
    ann.session = api.customer_login(&ann).await;
    assert_eq!(get(&api, &ann, &id).await["status"], "PENDING_REVIEW");
    sandbox.clock().advance(Duration::from_secs(1));
    // The counters see it without any request in between …
    assert_eq!(sandbox.stats().side_effects.approvals, 1);
    // … and so does the verification.
    let view = get(&api, &ann, &id).await;
    assert_eq!(view["status"], "APPROVED");
    assert_eq!(view["verificationLevel"], "POWER_TENANT_VERIFIED");
    assert_eq!(sandbox.stats().side_effects.approvals, 1);
    assert!(matches!(
        sandbox.approve_review(&id),
        Err(ReviewError::NotPending { .. })
    ));
}

#[tokio::test]
async fn without_review_a_high_risk_approval_is_immediate_at_the_power_tenant_level() {
    let sandbox = Sandbox::start().await.unwrap();
    assert_eq!(sandbox.config().review, ReviewMode::Off);
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let email = common::email("off");
    let ann = api
        .onboard_body(&admin, &email, common::high_risk_registration(&email))
        .await;
    let id = verification_with_document(&api, &ann, "TENANT_VERIFIED").await;
    let reply = api.approve(&admin, &id).await;
    assert_eq!(reply.expect(200).data()["level"], "POWER_TENANT_VERIFIED");
    assert_eq!(reply.data()["status"], "APPROVED");
    assert_eq!(sandbox.stats().side_effects.approvals, 1);
}
