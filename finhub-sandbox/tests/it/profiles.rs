//! The profiles: each serves its paths (counted as the operation whatever
//! the path) and answers 404/405 on the other profiles' spellings with no
//! side effect; each difference of the runner and reference profiles, the
//! right form working and the other refused without side effect.

use std::collections::BTreeSet;

use finhub_sandbox::{Access, ExposeSecret, Operation, Profile, Sandbox, SideEffects, TokenKind};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{self, Api, Customer, fill};

async fn start(profile: Profile) -> (Sandbox, Api) {
    let sandbox = Sandbox::builder().profile(profile).start().await.unwrap();
    let api = Api::new(&sandbox);
    (sandbox, api)
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    names.sort();
    names
}

/// Every operation a profile serves is routed, at the profile's path, to
/// that operation (counted for it and no other); every spelling another
/// profile serves and this one does not answers 404 (405 where the path
/// is served with other methods), counted in `not_found` only.
#[tokio::test]
async fn each_profile_serves_its_paths_and_refuses_the_others() {
    for profile in Profile::ALL {
        let (sandbox, api) = start(profile).await;
        let served: BTreeSet<(Method, &str)> = Operation::ALL
            .into_iter()
            .filter_map(|op| Some((op.method(), profile.path(op)?)))
            .collect();
        for operation in Operation::ALL {
            let body = [Method::POST, Method::PUT]
                .contains(&operation.method())
                .then(|| json!({}));
            let spellings: BTreeSet<&str> = Profile::ALL
                .into_iter()
                .filter_map(|other| other.path(operation))
                .collect();
            for spelling in spellings {
                let path = fill(spelling, &["x", "x", "x"]);
                let before = sandbox.stats();
                let reply = api.send(operation, &path, None, body.clone()).await;
                let after = sandbox.stats();
                reply.expect(reply.status);
                let place = format!("{profile}: {} {spelling}", operation.method());
                if served.contains(&(operation.method(), spelling)) {
                    for other in Operation::ALL {
                        assert_eq!(
                            after.requests_for(other) - before.requests_for(other),
                            u64::from(other == operation),
                            "{place} counted for {other}"
                        );
                    }
                    assert_eq!(after.not_found, before.not_found, "{place}");
                    assert_ne!(reply.status, 405, "{place}: {}", reply.text);
                    assert!(
                        !reply.message().starts_with("No operation at"),
                        "{place}: {}",
                        reply.text
                    );
                } else {
                    let other_method = served.iter().any(|(_, path)| *path == spelling);
                    reply.expect(if other_method { 405 } else { 404 });
                    assert_eq!(after.not_found - before.not_found, 1, "{place}");
                    assert_eq!(after.total_requests(), before.total_requests(), "{place}");
                    assert_eq!(after.side_effects, before.side_effects, "{place}");
                }
            }
        }
    }
}

/// A fault rule names the operation, not the path: it fires on the
/// reference profile's plural registration, and the counters name it.
#[tokio::test]
async fn fault_rules_and_counters_follow_the_operation_to_its_other_path() {
    let (sandbox, api) = start(Profile::Reference).await;
    let admin = api.admin_login().await.token;
    sandbox
        .faults()
        .inject(
            finhub_sandbox::FaultRule::status(503)
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    let email = common::email("fault");
    let register = "/api/v2.1/customers/individual/register";
    let body = Some(common::registration(&email));
    api.send(
        Operation::RegisterIndividualCustomer,
        register,
        Some(&admin),
        body.clone(),
    )
    .await
    .expect(503);
    api.send(
        Operation::RegisterIndividualCustomer,
        register,
        Some(&admin),
        body,
    )
    .await
    .expect(200);
    let stats = sandbox.stats();
    assert_eq!(stats.requests_for(Operation::RegisterIndividualCustomer), 2);
    assert_eq!(stats.faults_injected, 1);
    assert_eq!(stats.side_effects.registrations, 1);
    assert_eq!(stats.not_found, 0);
}

#[test]
fn the_runner_pins_the_admin_token_where_its_pages_show_it() {
    for operation in Operation::ALL {
        let pinned = matches!(
            operation,
            Operation::CreateVerification | Operation::ActivateCustomer
        );
        let runner = Profile::Runner.access(operation);
        if pinned {
            assert_eq!(
                Access::of(operation),
                Access::AdminOrCustomer(finhub_sandbox::Either::Disputed)
            );
            assert_eq!(runner, Access::Admin, "{operation}");
        } else {
            assert_eq!(runner, Access::of(operation), "{operation}");
        }
        assert_eq!(Profile::Reference.access(operation), Access::of(operation));
        assert_eq!(Profile::Lenient.access(operation), Access::of(operation));
    }
}

/// A valid admin login body (with [OAS]'s optional fields when `oas`).
fn admin_body(api: &Api, oas: bool) -> Value {
    let c = &api.credentials;
    let mut body = json!({
        "username": c.admin_username, "password": c.admin_password.expose_secret(),
        "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret(),
    });
    if oas {
        body["role"] = json!("MASTER_ADMIN");
        body["organizationType"] = json!("PLATFORM_OWNER");
        body["ipAddress"] = json!("127.0.0.1");
        body["platform"] = json!("web");
    }
    body
}

#[tokio::test]
async fn reference_serves_the_reference_paths_and_404s_the_openapi_ones() {
    let (sandbox, api) = start(Profile::Reference).await;
    let c = sandbox.credentials();
    let nothing = SideEffects::default();

    // Admin login: the organization path is not served; the
    // administration index's is, with the same body (and [OAS]'s extras).
    let org_path = format!(
        "/api/v2.1/admin/organization/{}/users/{}/sessions",
        c.organization_id, c.admin_user_id
    );
    api.send(
        Operation::CreateAdminSession,
        &org_path,
        None,
        Some(admin_body(&api, false)),
    )
    .await
    .expect_error(404, &format!("No operation at POST {org_path}"));
    assert_eq!(sandbox.stats().side_effects, nothing);
    let login = "/api/v2.1/admin/session/login";
    let mut wrong = admin_body(&api, false);
    wrong["tenantSecret"] = json!("not-the-secret");
    api.send(Operation::CreateAdminSession, login, None, Some(wrong))
        .await
        .expect_error(403, "Invalid Tenant Keys");
    let mut wrong = admin_body(&api, false);
    wrong["password"] = json!("WrongPass1!");
    api.send(Operation::CreateAdminSession, login, None, Some(wrong))
        .await
        .expect_error(401, "Invalid credentials");
    assert_eq!(sandbox.stats().side_effects, nothing);
    let reply = api
        .send(
            Operation::CreateAdminSession,
            login,
            None,
            Some(admin_body(&api, true)),
        )
        .await;
    reply.expect(200);
    assert_eq!(reply.data()["user"]["id"], c.admin_user_id);
    assert_eq!(reply.data()["expiresIn"], 3600);
    let admin = common::Session::from(&reply).token;
    assert_eq!(common::claims(&admin)["userType"], "ADMIN");
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.admin_sessions, 1);
    assert_eq!(stats.requests_for(Operation::CreateAdminSession), 3);
    assert_eq!(stats.not_found, 1);

    // Categorization under /customers/, not /customer/.
    let singular = format!(
        "/api/v2.1/customer/individual/categorization/hierarchy/{}",
        c.tenant_id
    );
    api.send(
        Operation::GetCategorizationHierarchy,
        &singular,
        Some(&admin),
        None,
    )
    .await
    .expect(404);
    let plural = format!(
        "/api/v2.1/customers/individual/categorization/hierarchy/{}",
        c.tenant_id
    );
    let reply = api
        .send(
            Operation::GetCategorizationHierarchy,
            &plural,
            Some(&admin),
            None,
        )
        .await;
    reply.expect(200);
    assert_eq!(
        reply.data()["categories"]["INDIVIDUAL_STANDARD"]["databaseId"],
        "fs-cat-b2c-low-001"
    );

    // Registration at the plural `register`, not `registration`.
    let email = common::email("reference");
    api.send(
        Operation::RegisterIndividualCustomer,
        "/api/v2.1/customer/individual/registration",
        Some(&admin),
        Some(common::registration(&email)),
    )
    .await
    .expect(404);
    assert_eq!(sandbox.stats().side_effects.registrations, 0);
    assert!(sandbox.outbox().is_empty());
    let customer = api.onboard_start(&admin, &email).await;
    assert_eq!(sandbox.stats().side_effects.registrations, 1);
    assert_eq!(sandbox.outbox_to(&email).len(), 1);

    // The customer-scoped start at `…/verification/initiate`, without a
    // body, with either token; `…/verification` is not served.
    let token = customer.session.token.clone();
    api.send(
        Operation::SubmitCustomerVerification,
        &format!("/api/v2.1/customer/individual/{}/verification", customer.id),
        Some(&token),
        Some(json!({"verificationType": "IDENTITY"})),
    )
    .await
    .expect(404);
    assert_eq!(sandbox.stats().side_effects.verifications, 0);
    let initiate = format!(
        "/api/v2.1/customer/individual/{}/verification/initiate",
        customer.id
    );
    let mut verification = String::new();
    for bearer in [&token, &admin] {
        let reply = api
            .send(
                Operation::SubmitCustomerVerification,
                &initiate,
                Some(bearer),
                None,
            )
            .await;
        reply.expect(200);
        assert_eq!(reply.data()["status"], "PENDING");
        assert_eq!(reply.data()["customerId"], customer.id.as_str());
        verification = reply.data()["verificationId"].as_str().unwrap().to_string();
    }
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.verifications, 2);
    // The 404 is not the operation's: only the two starts are counted.
    assert_eq!(stats.requests_for(Operation::SubmitCustomerVerification), 2);

    // The rest of the journey, as in the default profile; logout answers
    // the reference's `{success, data}`.
    api.upload(&token, &verification, "PASSPORT")
        .await
        .expect(200);
    api.approve(&admin, &verification).await.expect(200);
    for kind in ["terms", "privacy", "data-processing"] {
        let reply = api.consent(&token, &customer.id, kind).await;
        assert_eq!(reply.expect(200).data()["status"], "ACCEPTED");
    }
    api.activate(&admin, &customer.id, &customer.user_id)
        .await
        .expect(200);
    api.wallets(&token, &customer.id).await.expect(200);
    let reply = api
        .send(
            Operation::DeleteCustomerSession,
            &api.session_path(&customer, &customer.session.session_id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(keys(&reply.body), sorted(&["success", "data"]));
    assert_eq!(reply.data()["status"], "TERMINATED");
}

/// A customer of the runner profile, registered and logged in; the admin
/// token.
async fn runner_customer(api: &Api) -> (String, Customer) {
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("runner")).await;
    (admin, customer)
}

#[tokio::test]
async fn runner_logins_answer_the_captured_form() {
    let (sandbox, api) = start(Profile::Runner).await;
    let captured = sorted(&[
        "sessionId",
        "userId",
        "token",
        "refreshToken",
        "expiresAt",
        "success",
        "message",
        "errorType",
    ]);
    let reply = api
        .admin_login_with(sandbox.credentials().admin_password.expose_secret())
        .await;
    reply.expect(200);
    assert_eq!(keys(reply.data()), captured, "{}", reply.text);
    assert_eq!(reply.data()["userId"], sandbox.credentials().admin_user_id);

    let (_, customer) = runner_customer(&api).await;
    let reply = api
        .customer_login_with(
            &customer.id,
            &customer.user_id,
            &customer.email,
            common::PASSWORD,
        )
        .await;
    reply.expect(200);
    let data = reply.data();
    assert_eq!(keys(data), captured, "{}", reply.text);
    assert_eq!(data["userId"], customer.user_id.as_str());
    // The expiry only in the JWT (`exp - iat` = the lifetime) …
    let claims = common::claims(data["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    // … and `expiresAt` as the captured example writes it: no offset,
    // nine fraction digits.
    let expires_at = data["expiresAt"].as_str().unwrap();
    let (date_time, fraction) = expires_at.split_once('.').unwrap();
    assert_eq!(date_time.len(), 19, "{expires_at}");
    assert!(
        fraction.len() == 9 && fraction.bytes().all(|b| b.is_ascii_digit()),
        "{expires_at}"
    );
    // The opaque refresh token: `<uuid>-<userId>-<first 8 of the tenant key>`.
    let refresh = data["refreshToken"].as_str().unwrap();
    let key = sandbox.credentials().tenant_key.expose_secret().to_string();
    let suffix = format!("-{}-{}", customer.user_id, &key[..8]);
    let uuid = refresh
        .strip_suffix(&suffix)
        .unwrap_or_else(|| panic!("{refresh}"));
    assert_eq!(uuid.len(), 36, "{refresh}");
    assert_eq!(uuid.matches('-').count(), 4, "{refresh}");
}

#[tokio::test]
async fn runner_offers_no_refresh() {
    let (sandbox, api) = start(Profile::Runner).await;
    let (_, customer) = runner_customer(&api).await;
    let session = &customer.session;
    let path = api.session_path(&customer, &session.session_id);
    let before = sandbox.stats();
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        Some(&session.token),
        Some(json!({"refreshToken": session.refresh_token})),
    )
    .await
    .expect_error(405, &format!("Method PUT is not allowed on {path}"));
    let after = sandbox.stats();
    assert_eq!(after.side_effects, before.side_effects);
    assert_eq!(after.not_found - before.not_found, 1);
    assert_eq!(after.requests_for(Operation::RefreshCustomerSession), 0);
    // The session is untouched: its token still works, and logout answers
    // `{success, data}`.
    api.readiness(&session.token, &customer.id)
        .await
        .expect(200);
    let reply = api
        .send(
            Operation::DeleteCustomerSession,
            &path,
            Some(&session.token),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(keys(&reply.body), sorted(&["success", "data"]));
    assert_eq!(reply.body["success"], true);
    assert_eq!(reply.data()["sessionId"], session.session_id.as_str());
}

#[tokio::test]
async fn runner_journey_answers_the_captured_forms() {
    let (sandbox, api) = start(Profile::Runner).await;
    let (admin, customer) = runner_customer(&api).await;
    let token = customer.session.token.clone();

    // Categorization: `{tenantId, categories: {KEY: {databaseId, categoryName}}}`.
    let reply = api
        .send(
            Operation::GetCategorizationHierarchy,
            &api.path(
                Operation::GetCategorizationHierarchy,
                &[&api.credentials.tenant_id],
            ),
            Some(&admin),
            None,
        )
        .await;
    reply.expect(200);
    assert_eq!(keys(reply.data()), sorted(&["tenantId", "categories"]));
    assert_eq!(
        reply.data()["categories"]["B2B_SMALL_BUSINESS"],
        json!({"databaseId": "fs-cat-b2b-small-001", "categoryName": "Small Business"})
    );

    // POST /verifications: the admin token only.
    let before = sandbox.stats().side_effects;
    let body = json!({"customerId": customer.id, "type": "IDENTITY_VERIFICATION"});
    let reply = api
        .send(
            Operation::CreateVerification,
            "/api/v2.1/verifications",
            Some(&token),
            Some(body.clone()),
        )
        .await;
    reply.expect_error(
        403,
        "Insufficient permissions: create_verification requires an admin token (userType ADMIN)",
    );
    assert_eq!(reply.data()["required"], TokenKind::Admin.user_type());
    assert_eq!(sandbox.stats().side_effects, before);
    let reply = api
        .send(
            Operation::CreateVerification,
            "/api/v2.1/verifications",
            Some(&admin),
            Some(body),
        )
        .await;
    reply.expect(200);
    assert_eq!(
        keys(&reply.body),
        sorted(&["code", "message", "data"]),
        "{}",
        reply.text
    );
    assert_eq!(
        keys(reply.data()),
        sorted(&["verificationId", "status", "verificationType"])
    );
    assert_eq!(reply.data()["status"], "PENDING");
    assert_eq!(reply.data()["verificationType"], "KYC");
    let verification = reply.data()["verificationId"].as_str().unwrap().to_string();

    // Upload: `{documentId, documentType: DT_PASSPORT, fileName}`.
    let reply = api.upload(&token, &verification, "PASSPORT").await;
    reply.expect(200);
    assert_eq!(
        keys(reply.data()),
        sorted(&["documentId", "documentType", "fileName"])
    );
    assert_eq!(reply.data()["documentType"], "DT_PASSPORT");

    // Approval: `{verificationId, status}`.
    let reply = api.approve(&admin, &verification).await;
    reply.expect(200);
    assert_eq!(
        reply.data(),
        &json!({"verificationId": verification, "status": "APPROVED"})
    );

    // Consents: `{"code":200,"data":{"status":"PENDING"},"message":"Success"}`,
    // and they count.
    for kind in ["terms", "privacy", "data-processing"] {
        let reply = api.consent(&token, &customer.id, kind).await;
        assert_eq!(
            reply.body,
            json!({"code": 200, "data": {"status": "PENDING"}, "message": "Success"})
        );
    }
    assert_eq!(sandbox.stats().side_effects.consents, 3);
    api.consent(&token, &customer.id, "terms").await.expect(409);

    // Readiness: the five fields of the runner's example.
    let reply = api.readiness(&token, &customer.id).await;
    assert_eq!(
        reply.body,
        json!({"code": 200, "data": {"activationAllowed": true, "consentOk": true,
            "verificationOk": true, "riskLevel": "LOW",
            "message": "Customer is ready for activation"},
            "message": "Customer is ready for activation"})
    );

    // Activation: the admin token only, the e-mail as `userId`.
    let before = sandbox.stats().side_effects;
    api.send(
        Operation::ActivateCustomer,
        &format!("/api/v2.1/customer/individual/{}/activation", customer.id),
        Some(&token),
        Some(json!({"userId": customer.email, "code": "ACTIVATION_CODE_1"})),
    )
    .await
    .expect(403);
    let reply = api.activate(&admin, &customer.id, &customer.user_id).await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["userId"]);
    assert_eq!(sandbox.stats().side_effects, before);
    let reply = api.activate(&admin, &customer.id, &customer.email).await;
    assert_eq!(
        reply.body,
        json!({"code": 200, "data": {}, "message": "Success"})
    );
    assert_eq!(sandbox.stats().side_effects.activations, 1);

    // The IBAN is in the wallets.
    let reply = api.wallets(&token, &customer.id).await;
    reply.expect(200);
    let iban = reply.data()[0]["iban"].as_str().unwrap();
    assert!(finhub_sandbox::iban::is_valid(iban), "{iban}");
}
