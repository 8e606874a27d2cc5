//! Every response body the sandbox produces during a full journey, success
//! and error, validates against what `openapi.yaml` (the 3.1 form, JSON
//! Schema 2020-12) declares for that operation and status — in every
//! profile, whatever path served the operation, with the slow parts
//! (review mode, e-mailed activation codes, the IBAN delay) on. Error
//! statuses are declared without a body; their bodies must be the envelope
//! `{code: integer, message: string}`. A success status the operation does
//! not declare (review mode's 202) is read with the declared 200's schema,
//! as the client reads any 2xx (`success-status: any-2xx`, I-2).

use std::collections::{BTreeSet, HashMap};

use std::time::Duration;

use chrono::{TimeZone, Utc};
use finhub_sandbox::{
    ActivationCodes, Clock, ExposeSecret, Operation, Profile, ReviewMode, Sandbox,
};
use jsonschema::{Draft, Validator};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{self, Api, Recorded};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml");
    serde_yaml::from_str(&text).expect("openapi.yaml is YAML")
}

/// Statuses any operation may return although its own entry does not list
/// them: the documented global set (facts §1.5) plus 405/413/415 for
/// transport-level mistakes.
const GLOBAL_STATUSES: [u16; 11] = [400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500];

struct Schemas {
    spec: Value,
    validators: HashMap<String, Validator>,
    envelope: Validator,
}

impl Schemas {
    fn new() -> Self {
        let envelope = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .build(&json!({
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                    "data": {}
                }
            }))
            .unwrap();
        Schemas {
            spec: spec(),
            validators: HashMap::new(),
            envelope,
        }
    }

    fn validator(&mut self, reference: &str) -> &Validator {
        if !self.validators.contains_key(reference) {
            let schema = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": reference,
                "components": self.spec["components"].clone(),
            });
            let validator = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("{reference}: {e}"));
            self.validators.insert(reference.to_string(), validator);
        }
        &self.validators[reference]
    }

    fn responses(&self, operation: Operation) -> &Value {
        let method = operation.method().as_str().to_ascii_lowercase();
        let entry = &self.spec["paths"][operation.path()][method.as_str()];
        assert!(entry.is_object(), "{operation} is not in openapi.yaml");
        &entry["responses"]
    }

    /// Problems with one recorded response (empty when it conforms).
    fn check(&mut self, recorded: &Recorded) -> Vec<String> {
        let Recorded {
            operation,
            status,
            body,
        } = recorded;
        let responses = self.responses(*operation);
        let mut declared = responses[status.to_string()].clone();
        if declared.is_null() && (200..300).contains(status) {
            declared = responses["200"].clone();
        }
        let reference = declared
            .pointer("/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .map(str::to_string);
        let place = format!("{operation} {status}");
        let mut problems = Vec::new();
        if declared.is_null() && !GLOBAL_STATUSES.contains(status) {
            problems.push(format!("{place}: status not declared in openapi.yaml"));
        }
        match reference {
            Some(reference) => {
                for error in self.validator(&reference).iter_errors(body) {
                    problems.push(format!(
                        "{place}: {} at {} (schema {reference}): {body}",
                        error,
                        error.instance_path()
                    ));
                }
            }
            None => {
                assert!(*status >= 400, "{place}: a success without a schema");
                for error in self.envelope.iter_errors(body) {
                    problems.push(format!("{place}: envelope: {error}: {body}"));
                }
                if body["code"] != json!(status) {
                    problems.push(format!("{place}: code differs from the status: {body}"));
                }
            }
        }
        problems
    }
}

/// A full journey with its error cases, recorded.
async fn journey(api: &Api, sandbox: &Sandbox) {
    let c = sandbox.credentials();
    // Logins and their errors.
    api.admin_login_with("WrongPass1!").await.expect(401);
    let admin_path = format!(
        "/api/v2.1/admin/organization/{}/users/{}/sessions",
        c.organization_id, c.admin_user_id
    );
    api.send(
        Operation::CreateAdminSession,
        &admin_path,
        None,
        Some(json!({"username": c.admin_username, "password": "x", "tenantKey": "k", "tenantSecret": "s"})),
    )
    .await
    .expect(403);
    api.send_with(
        Operation::CreateAdminSession,
        &admin_path,
        None,
        Some(json!({})),
        &["platform"],
        &[],
    )
    .await
    .expect(400);
    api.send(
        Operation::CreateAdminSession,
        "/api/v2.1/admin/organization/x/users/y/sessions",
        None,
        Some(
            json!({"username": c.admin_username, "password": c.admin_password.expose_secret(),
            "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret()}),
        ),
    )
    .await
    .expect(404);
    let admin = api.admin_login().await.token;

    // Categorization.
    let hierarchy = format!(
        "/api/v2.1/customer/individual/categorization/hierarchy/{}",
        c.tenant_id
    );
    api.send(
        Operation::GetCategorizationHierarchy,
        &hierarchy,
        Some(&admin),
        None,
    )
    .await
    .expect(200);
    api.send(
        Operation::GetCategorizationHierarchy,
        &hierarchy,
        None,
        None,
    )
    .await
    .expect(401);
    api.send(
        Operation::GetCategorizationHierarchy,
        "/api/v2.1/customer/individual/categorization/hierarchy/nope",
        Some(&admin),
        None,
    )
    .await
    .expect(404);

    // Registration and its errors.
    let email = common::email("schema");
    let customer = api.onboard_start(&admin, &email).await;
    let register = |body: Value| {
        api.send(
            Operation::RegisterIndividualCustomer,
            "/api/v2.1/customer/individual/registration",
            Some(&admin),
            Some(body),
        )
    };
    register(common::registration(&email)).await.expect(409);
    register(json!({"firstName": "M"})).await.expect(400);
    let mut mismatch = common::registration(&common::email("m"));
    mismatch["matchingPassword"] = json!("Other123!!");
    register(mismatch).await.expect(400);
    let mut invalid = common::registration(&common::email("v"));
    invalid["phone"] = json!("123");
    register(invalid).await.expect(400);
    let mut unknown = common::registration(&common::email("u"));
    unknown["customerCategory"]["id"] = json!("nope");
    register(unknown).await.expect(404);
    // A customer's token registers too (FinHub: "admin or customer token").
    api.send(
        Operation::RegisterIndividualCustomer,
        "/api/v2.1/customer/individual/registration",
        Some(&customer.session.token),
        Some(common::registration(&common::email("c"))),
    )
    .await
    .expect(200);

    // Customer login errors.
    api.customer_login_with(&customer.id, &customer.user_id, &email, "Bad12345!")
        .await
        .expect(401);
    api.customer_login_with("nobody", &customer.user_id, &email, common::PASSWORD)
        .await
        .expect(404);

    // Before anything: readiness, activation 422, wallets 404.
    let token = customer.session.token.clone();
    api.readiness(&token, &customer.id).await.expect(200);
    api.activate(&admin, &customer.id, &email).await.expect(422);
    api.wallets(&token, &customer.id).await.expect(404);

    // Verification (both paths), documents, approval.
    api.send(
        Operation::SubmitCustomerVerification,
        &format!("/api/v2.1/customer/individual/{}/verification", customer.id),
        Some(&token),
        Some(json!({"verificationType": "IDENTITY", "verificationData": {"documentType": "PASSPORT"}})),
    )
    .await
    .expect(200);
    api.send(
        Operation::SubmitCustomerVerification,
        "/api/v2.1/customer/individual/nobody/verification",
        Some(&admin),
        Some(json!({})),
    )
    .await
    .expect(404);
    let verification = api.create_verification(&token, &customer.id).await;
    api.send(
        Operation::CreateVerification,
        "/api/v2.1/verifications",
        Some(&token),
        Some(json!({})),
    )
    .await
    .expect(400);
    let get = format!("/api/v2.1/verifications/{verification}");
    api.send(Operation::GetVerification, &get, Some(&token), None)
        .await
        .expect(200);
    api.send(
        Operation::GetVerification,
        "/api/v2.1/verifications/nope",
        Some(&token),
        None,
    )
    .await
    .expect(404);
    api.approve(&admin, &verification).await.expect(409);
    api.upload(&token, &verification, "PASSPORT")
        .await
        .expect(200);
    api.upload(&token, &verification, "UNKNOWN")
        .await
        .expect(400);
    api.upload(&token, "nope", "PASSPORT").await.expect(404);
    api.approve(&token, &verification).await.expect(403);
    api.approve(&admin, &verification).await.expect(200);
    api.send(Operation::GetVerification, &get, Some(&token), None)
        .await
        .expect(200);

    // Consents.
    for kind in ["terms", "privacy"] {
        api.consent(&token, &customer.id, kind).await.expect(200);
    }
    api.consent(&token, &customer.id, "terms").await.expect(409);
    api.readiness(&token, &customer.id).await.expect(200);
    api.activate(&admin, &customer.id, &email).await.expect(422);
    api.consent(&token, &customer.id, "data-processing")
        .await
        .expect(200);
    api.send(
        Operation::AcceptConsent,
        &format!(
            "/api/v2.1/customer/individual/{}/consents/terms",
            customer.id
        ),
        Some(&token),
        Some(json!({"accepted": false, "version": "1.0"})),
    )
    .await
    .expect(400);

    // Readiness, activation, wallets.
    api.readiness(&token, &customer.id).await.expect(200);
    api.activate(&admin, &customer.id, &email).await.expect(200);
    api.activate(&admin, &customer.id, &email).await.expect(409);
    api.wallets(&token, &customer.id).await.expect(200);
    api.wallets(&token, "nobody").await.expect(403);

    // Refresh and logout.
    let session = &customer.session;
    let path = api.session_path(&customer, &session.session_id);
    let reply = api
        .send(
            Operation::RefreshCustomerSession,
            &path,
            Some(&token),
            Some(json!({"refreshToken": session.refresh_token})),
        )
        .await;
    reply.expect(200);
    let refreshed = common::Session::from(&reply);
    api.send(
        Operation::RefreshCustomerSession,
        &path,
        Some(&refreshed.token),
        Some(json!({"refreshToken": session.refresh_token})),
    )
    .await
    .expect(401);
    api.send(
        Operation::DeleteCustomerSession,
        &path,
        Some(&refreshed.token),
        None,
    )
    .await
    .expect(200);
    api.send(
        Operation::DeleteCustomerSession,
        &path,
        Some(&refreshed.token),
        None,
    )
    .await
    .expect(401);
    // Logout takes the customer's token only.
    api.send(Operation::DeleteCustomerSession, &path, Some(&admin), None)
        .await
        .expect(403);
}

#[tokio::test]
async fn every_response_of_a_journey_matches_openapi_yaml() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    journey(&api, &sandbox).await;
    let recorded = api.recorded.lock().unwrap().clone();
    let mut schemas = Schemas::new();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for exchange in &recorded {
        problems.extend(schemas.check(exchange));
        seen.insert((exchange.operation, exchange.status));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every operation answered successfully at least once, and errors too.
    for operation in Operation::ALL {
        assert!(
            seen.contains(&(operation, 200)),
            "no success of {operation}"
        );
    }
    let statuses: BTreeSet<u16> = seen.iter().map(|(_, status)| *status).collect();
    assert_eq!(
        statuses,
        BTreeSet::from([200, 400, 401, 403, 404, 409, 422]),
        "{seen:?}"
    );
    assert!(recorded.len() >= 50, "{} responses", recorded.len());
}

/// A full journey against the sandbox's profile, choosing the paths,
/// bodies and tokens it serves, with review mode, e-mailed codes and an
/// IBAN delay on; plus the other profiles' spellings (404/405).
async fn profile_journey(api: &Api, sandbox: &Sandbox) {
    let profile = api.profile;
    let c = sandbox.credentials();
    api.admin_login_with("WrongPass1!").await.expect(401);
    let admin = api.admin_login().await.token;

    // The spellings this profile does not serve, each as its operation.
    for operation in Operation::ALL {
        for other in Profile::ALL {
            let Some(spelling) = other.path(operation) else {
                continue;
            };
            if profile.path(operation) == Some(spelling) {
                continue;
            }
            let path = common::fill(spelling, &["x", "x", "x"]);
            let reply = api
                .send(operation, &path, Some(&admin), Some(json!({})))
                .await;
            assert!([404, 405].contains(&reply.status), "{}", reply.text);
        }
    }

    let hierarchy = api.path(Operation::GetCategorizationHierarchy, &[&c.tenant_id]);
    api.send(
        Operation::GetCategorizationHierarchy,
        &hierarchy,
        Some(&admin),
        None,
    )
    .await
    .expect(200);

    // A high-risk customer (held for review) and registration errors.
    let email = common::email("contract");
    let customer = api
        .onboard_body(&admin, &email, common::high_risk_registration(&email))
        .await;
    let register = api.path(Operation::RegisterIndividualCustomer, &[]);
    api.send(
        Operation::RegisterIndividualCustomer,
        &register,
        Some(&admin),
        Some(common::registration(&email)),
    )
    .await
    .expect(409);
    api.send(
        Operation::RegisterIndividualCustomer,
        &register,
        Some(&admin),
        Some(json!({"firstName": "M"})),
    )
    .await
    .expect(400);
    api.customer_login_with(&customer.id, &customer.user_id, &email, "Bad12345!")
        .await
        .expect(401);
    let token = customer.session.token.clone();

    // Both verification starts, as this profile spells them.
    let scoped = api.path(Operation::SubmitCustomerVerification, &[&customer.id]);
    let body = (profile != Profile::Reference).then(|| json!({"verificationType": "IDENTITY"}));
    api.send(
        Operation::SubmitCustomerVerification,
        &scoped,
        Some(&token),
        body,
    )
    .await
    .expect(200);
    let starter = api.token_for(Operation::CreateVerification, &admin, &token);
    let verification = api.create_verification(starter, &customer.id).await;
    let get = format!("/api/v2.1/verifications/{verification}");
    api.send(Operation::GetVerification, &get, Some(&token), None)
        .await
        .expect(200);
    api.upload(&token, &verification, "PASSPORT")
        .await
        .expect(200);
    api.approve(&admin, &verification).await.expect(202);
    api.send(Operation::GetVerification, &get, Some(&token), None)
        .await
        .expect(200);
    sandbox.approve_review(&verification).unwrap();
    api.send(Operation::GetVerification, &get, Some(&token), None)
        .await
        .expect(200);
    api.approve(&admin, &verification).await.expect(409);

    for kind in ["terms", "privacy", "data-processing"] {
        api.consent(&token, &customer.id, kind).await.expect(200);
    }
    api.consent(&token, &customer.id, "terms").await.expect(409);
    api.readiness(&token, &customer.id).await.expect(200);

    // Activation: the `userId` this profile takes, the e-mailed code.
    let user = match profile {
        Profile::Runner => email.as_str(),
        Profile::Lenient | Profile::Reference => customer.user_id.as_str(),
    };
    let activation = format!("/api/v2.1/customer/individual/{}/activation", customer.id);
    api.send(
        Operation::ActivateCustomer,
        &activation,
        Some(&admin),
        Some(json!({"userId": user, "code": "ACTIVATION_CODE_20260331114954"})),
    )
    .await
    .expect(400);
    let code = sandbox.outbox_to(&email)[0].code.expose().to_string();
    api.send(
        Operation::ActivateCustomer,
        &activation,
        Some(&admin),
        Some(json!({"userId": user, "code": code})),
    )
    .await
    .expect(200);

    // Wallets before and after the IBAN.
    let before_iban = api.wallets(&token, &customer.id).await;
    assert_eq!(
        before_iban.status,
        if profile == Profile::Runner { 404 } else { 200 }
    );
    sandbox.clock().advance(IBAN_DELAY);
    api.wallets(&token, &customer.id).await.expect(200);

    // Refresh (405 in the runner) and logout.
    let session = &customer.session;
    let path = api.session_path(&customer, &session.session_id);
    let refresh = api
        .send(
            Operation::RefreshCustomerSession,
            &path,
            Some(&token),
            Some(json!({"refreshToken": session.refresh_token})),
        )
        .await;
    let token = if profile == Profile::Runner {
        assert_eq!(refresh.status, 405, "{}", refresh.text);
        token
    } else {
        common::Session::from(refresh.expect(200)).token
    };
    let logout = api
        .send(Operation::DeleteCustomerSession, &path, Some(&token), None)
        .await;
    assert_eq!(logout.status, 200, "{}", logout.text);
}

const IBAN_DELAY: Duration = Duration::from_secs(60);

#[tokio::test]
async fn every_response_of_a_journey_in_every_profile_matches_openapi_yaml() {
    let mut schemas = Schemas::new();
    for profile in Profile::ALL {
        let start = Utc.with_ymd_and_hms(2026, 3, 31, 11, 49, 46).unwrap();
        let sandbox = Sandbox::builder()
            .profile(profile)
            .clock(Clock::manual(start))
            .review(ReviewMode::PowerTenant)
            .activation_codes(ActivationCodes::Emailed)
            .iban_delay(IBAN_DELAY)
            .start()
            .await
            .unwrap();
        let api = Api::new(&sandbox);
        profile_journey(&api, &sandbox).await;
        let recorded = api.recorded.lock().unwrap().clone();
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for exchange in &recorded {
            problems.extend(schemas.check(exchange));
            seen.insert((exchange.operation, exchange.status));
        }
        assert!(problems.is_empty(), "{profile}:\n{}", problems.join("\n"));
        // Every operation the profile serves succeeded at least once.
        for operation in Operation::ALL {
            if profile.path(operation).is_some() {
                assert!(
                    seen.iter()
                        .any(|(op, status)| *op == operation && (200..300).contains(status)),
                    "{profile}: no success of {operation}"
                );
            }
        }
        let statuses: BTreeSet<u16> = seen.iter().map(|(_, status)| *status).collect();
        let mut expected = BTreeSet::from([200, 202, 400, 401, 404, 409]);
        if profile == Profile::Runner {
            expected.insert(405);
        }
        assert_eq!(statuses, expected, "{profile}: {seen:?}");
    }
}

#[test]
fn the_sandbox_serves_exactly_the_operations_of_openapi_yaml() {
    let spec = spec();
    let mut served = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let operation = Operation::ALL
                .into_iter()
                .find(|op| op.path() == path && op.method().as_str().eq_ignore_ascii_case(method))
                .unwrap_or_else(|| panic!("{method} {path} is not served"));
            served.insert(operation);
        }
    }
    assert_eq!(served.len(), Operation::ALL.len());

    // The ids are those of openapi.overrides.yaml.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.overrides.yaml");
    let overrides: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for operation in Operation::ALL {
        let key = format!("{} {}", operation.method(), operation.path());
        assert_eq!(
            overrides["operation-ids"][key.as_str()],
            operation.id(),
            "{key}"
        );
    }
}

/// Every operation of the catalogue is routed, at its method and path, to
/// the sandbox's handling of that operation: a request there is counted
/// for that operation and no other, and is answered by the operation
/// (its token, header or body checks) in the envelope, never by the
/// router's 404 or 405.
#[tokio::test]
async fn every_operation_is_routed_and_served() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    for operation in Operation::ALL {
        let path = operation
            .path_parameters()
            .iter()
            .fold(operation.path().to_string(), |path, name| {
                path.replace(&format!("{{{name}}}"), "x")
            });
        let body = [Method::POST, Method::PUT]
            .contains(&operation.method())
            .then(|| json!({}));
        let before = sandbox.stats();
        let reply = api.send(operation, &path, None, body).await;
        let after = sandbox.stats();
        for other in Operation::ALL {
            assert_eq!(
                after.requests_for(other) - before.requests_for(other),
                u64::from(other == operation),
                "{} {path} counted for {other}",
                operation.method()
            );
        }
        reply.expect(reply.status);
        assert_ne!(reply.status, 405, "{operation}: {}", reply.text);
        assert!(
            !reply.message().starts_with("No operation at"),
            "{operation}: {}",
            reply.text
        );
    }
}

/// An id that is not an operation is refused naming the id, parsed or
/// read from a fault rule's JSON.
#[test]
fn an_unknown_operation_id_is_refused_naming_it() {
    let error = "launch_rocket".parse::<Operation>().unwrap_err();
    assert!(error.to_string().contains("`launch_rocket`"), "{error}");
    let error = serde_json::from_value::<finhub_sandbox::FaultRule>(
        json!({"operation": "launch_rocket", "kind": {"type": "dropConnection"}}),
    )
    .unwrap_err();
    assert!(error.to_string().contains("`launch_rocket`"), "{error}");
    assert_eq!(
        "create_admin_session".parse::<Operation>(),
        Ok(Operation::CreateAdminSession)
    );
}

#[test]
fn the_validator_rejects_a_wrong_body() {
    let mut schemas = Schemas::new();
    let wrong = Recorded {
        operation: Operation::ListCustomerWallets,
        status: 200,
        body: json!({"code": 200, "message": "Success", "data": [{"balance": 0}]}),
    };
    assert!(!schemas.check(&wrong).is_empty());
    let bare_error = Recorded {
        operation: Operation::ActivateCustomer,
        status: 422,
        body: json!({"error": "nope"}),
    };
    assert!(!schemas.check(&bare_error).is_empty());
    let undeclared = Recorded {
        operation: Operation::ActivateCustomer,
        status: 418,
        body: json!({"code": 418, "message": "teapot"}),
    };
    assert!(!schemas.check(&undeclared).is_empty());
    // A 2xx the operation does not declare is held to the 200's schema.
    let accepted = Recorded {
        operation: Operation::ApproveVerification,
        status: 202,
        body: json!({"code": 202, "message": "pending", "data": {"status": 7}}),
    };
    assert!(!schemas.check(&accepted).is_empty());
}
