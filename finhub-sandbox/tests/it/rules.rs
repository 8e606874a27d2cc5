//! Request rules: headers, tenant, validation variants, unknown ids,
//! duplicates, bodies, and one customer per e-mail under concurrency.

use finhub_sandbox::{Operation, Sandbox};
use serde_json::{Value, json};

use crate::common::{self, Api};

#[tokio::test]
async fn missing_headers_are_named_and_aliases_accepted() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let path = format!(
        "/api/v2.1/customer/individual/categorization/hierarchy/{}",
        sandbox.credentials().tenant_id
    );
    for header in [
        "X-Tenant-ID",
        "X-Forwarded-For",
        "X-Forwarded-From",
        "platform",
        "deviceId",
    ] {
        let reply = api
            .send_with(
                Operation::GetCategorizationHierarchy,
                &path,
                Some(&admin),
                None,
                &[header],
                &[],
            )
            .await;
        reply.expect_error(400, &format!("Missing required header: {header}"));
        assert_eq!(reply.data()["header"], header);
    }
    // Documented aliases.
    for (alias, value) in [("sec-ch-ua-platform", "\"Windows\"")] {
        api.send_with(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
            &["platform"],
            &[(alias, value)],
        )
        .await
        .expect(200);
    }
    for alias in ["X-Device-Id", "device-id"] {
        api.send_with(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
            &["deviceId"],
            &[(alias, "d-1")],
        )
        .await
        .expect(200);
    }
    // Headers are checked before the token, also on logins.
    let c = sandbox.credentials();
    api.send_with(
        Operation::CreateAdminSession,
        &format!(
            "/api/v2.1/admin/organization/{}/users/{}/sessions",
            c.organization_id, c.admin_user_id
        ),
        None,
        Some(json!({})),
        &["deviceId"],
        &[],
    )
    .await
    .expect_error(400, "Missing required header: deviceId");
    api.send_with(
        Operation::GetCategorizationHierarchy,
        &path,
        None,
        None,
        &["X-Forwarded-For"],
        &[],
    )
    .await
    .expect_error(400, "Missing required header: X-Forwarded-For");
}

#[tokio::test]
async fn a_foreign_tenant_is_forbidden_and_unknown_tenants_not_found() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let tenant = sandbox.credentials().tenant_id;
    let path = format!("/api/v2.1/customer/individual/categorization/hierarchy/{tenant}");
    let mut foreign = api.clone();
    foreign.credentials.tenant_id = "tenant-demo-001".into();
    foreign
        .send(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
        )
        .await
        .expect_error(
            403,
            "Tenant access denied: X-Tenant-ID is not this sandbox's tenant",
        );
    api.send(
        Operation::GetCategorizationHierarchy,
        "/api/v2.1/customer/individual/categorization/hierarchy/tenant-demo-001",
        Some(&admin),
        None,
    )
    .await
    .expect_error(404, "Tenant 'tenant-demo-001' not found");
    let reply = api
        .send(
            Operation::GetCategorizationHierarchy,
            &path,
            Some(&admin),
            None,
        )
        .await;
    reply.expect(200);
    assert_eq!(reply.data()["tenantId"], tenant.as_str());
    assert_eq!(
        reply.data()["categories"]["INDIVIDUAL_STANDARD"]["databaseId"],
        "fs-cat-b2c-low-001"
    );
    let customer = api.onboard_start(&admin, &common::email("owner")).await;
    api.send(
        Operation::CheckActivationReadiness,
        &format!(
            "/api/v2.1/customer/individual/{}/owner/other-tenant/activation/check",
            customer.id
        ),
        Some(&admin),
        None,
    )
    .await
    .expect_error(404, "Owner tenant 'other-tenant' not found");
}

async fn register_raw(api: &Api, admin: &str, body: Value) -> common::Reply {
    api.send(
        Operation::RegisterIndividualCustomer,
        "/api/v2.1/customer/individual/registration",
        Some(admin),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn registration_reports_the_documented_400s() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let base = common::registration(&common::email("validation"));

    let mut body = base.clone();
    body.as_object_mut().unwrap().remove("individualCustomer");
    register_raw(&api, &admin, body)
        .await
        .expect_error(400, "individualCustomer is required");

    let mut body = base.clone();
    body["individualCustomer"]["person"]
        .as_object_mut()
        .unwrap()
        .remove("firstName");
    register_raw(&api, &admin, body)
        .await
        .expect_error(400, "firstName is required in person object");

    let mut body = base.clone();
    body["matchingPassword"] = json!("SecurePass123?");
    register_raw(&api, &admin, body)
        .await
        .expect_error(400, "Password and matching password do not match");

    let mut body = base.clone();
    for field in ["phone", "dateOfBirth", "roleIds"] {
        body.as_object_mut().unwrap().remove(field);
    }
    let reply = register_raw(&api, &admin, body).await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["phone", "dateOfBirth", "roleIds"]);
    assert_eq!(reply.data()["errors"][0]["message"], "phone is required");

    let mut body = base.clone();
    body["email"] = json!("not-an-email");
    body["phone"] = json!("060012345");
    body["password"] = json!("weakpass");
    body["matchingPassword"] = json!("weakpass");
    body["gender"] = json!("M");
    body["dateOfBirth"] = json!("15.05.1990");
    body["roleIds"] = json!(["SUPERUSER"]);
    let reply = register_raw(&api, &admin, body).await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(
        reply.error_fields(),
        [
            "email",
            "phone",
            "password",
            "dateOfBirth",
            "gender",
            "roleIds"
        ]
    );

    let mut body = base.clone();
    body["roleIds"] = json!("ACCOUNT_OWNER");
    let reply = register_raw(&api, &admin, body).await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["roleIds"]);

    let mut body = base.clone();
    body["customerCategory"]["id"] = json!("fs-cat-b2b-small-001");
    let reply = register_raw(&api, &admin, body).await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["customerCategory.id"]);

    let mut body = base.clone();
    body["customerCategory"]["id"] = json!("cat-unknown");
    let reply = register_raw(&api, &admin, body).await;
    reply.expect(404);
    assert!(
        reply
            .message()
            .starts_with("Category 'cat-unknown' not found")
    );

    register_raw(&api, &admin, json!([1, 2]))
        .await
        .expect_error(400, "Request body must be a JSON object");

    // Nothing was created by any of these.
    assert_eq!(sandbox.stats().side_effects.registrations, 0);

    // The documented minimal [RUN] shape (no person, no user) registers.
    let mut body = base.clone();
    body["individualCustomer"] = json!({"customerName": "Marcus Jensen", "tenantId": "x"});
    let reply = register_raw(&api, &admin, body).await;
    reply.expect(200);
    assert_eq!(reply.data()["person"]["firstName"], "Marcus");
    assert_eq!(reply.data()["customerStatus"], "CS_REGISTRATION_COMPLETED");
    assert_eq!(reply.data()["user"]["isActive"], false);
    assert_eq!(reply.data()["user"]["status"], "PENDING_ACTIVATION");
    let user_id = reply.data()["user"]["id"].as_str().unwrap();
    assert_eq!(user_id.len(), 11, "{user_id}");
    assert!(
        user_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        reply.message(),
        "B2C individual account created successfully. Redirect to activate-account page"
    );
    assert_eq!(reply.body["redirectUrl"], "/auth/activate-account");
}

#[tokio::test]
async fn duplicate_email_is_a_conflict_case_insensitively() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let email = common::email("Duplicate");
    api.register(&admin, &email).await;
    let reply = register_raw(&api, &admin, common::registration(&email.to_lowercase())).await;
    reply.expect_error(
        409,
        &format!(
            "Customer with email '{}' already exists",
            email.to_lowercase()
        ),
    );
    assert_eq!(sandbox.stats().side_effects.registrations, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_email_create_one_customer() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let email = common::email("race");
    let attempts = (0..50).map(|_| {
        let api = api.clone();
        let admin = admin.clone();
        let body = common::registration(&email);
        tokio::spawn(async move { register_raw(&api, &admin, body).await.status })
    });
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
    let stats = sandbox.stats();
    assert_eq!(stats.side_effects.registrations, 1);
    assert_eq!(
        stats.requests_for(Operation::RegisterIndividualCustomer),
        50
    );
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let nobody = "00000000-0000-0000-0000-000000000000";
    api.readiness(&admin, nobody)
        .await
        .expect_error(404, &format!("Customer '{nobody}' not found"));
    api.wallets(&admin, nobody)
        .await
        .expect_error(404, &format!("Customer '{nobody}' not found"));
    // Consents take only the customer's own token, which no unknown
    // customer has: the admin's token is refused before the lookup.
    api.consent(&admin, nobody, "terms").await.expect(403);
    api.activate(&admin, nobody, "someone")
        .await
        .expect_error(404, &format!("Customer '{nobody}' not found"));
    api.send(
        Operation::CreateVerification,
        "/api/v2.1/verifications",
        Some(&admin),
        Some(json!({"customerId": nobody})),
    )
    .await
    .expect_error(404, &format!("Customer '{nobody}' not found"));
    let unknown = format!("Verification '{nobody}' not found");
    api.send(
        Operation::GetVerification,
        &format!("/api/v2.1/verifications/{nobody}"),
        Some(&admin),
        None,
    )
    .await
    .expect_error(404, &unknown);
    api.upload(&admin, nobody, "PASSPORT")
        .await
        .expect_error(404, &unknown);
    api.approve(&admin, nobody)
        .await
        .expect_error(404, &unknown);
    let customer = api.onboard_start(&admin, &common::email("ids")).await;
    api.activate(&admin, &customer.id, "someone-else@example.test")
        .await
        .expect(404);
    api.send(
        Operation::DeleteCustomerSession,
        &api.session_path(&customer, nobody),
        Some(&customer.session.token),
        None,
    )
    .await
    .expect(404);
    // No route at all, and a route with the wrong method.
    api.send(
        Operation::GetVerification,
        "/api/v2.1/nothing-here",
        Some(&admin),
        None,
    )
    .await
    .expect_error(404, "No operation at GET /api/v2.1/nothing-here");
    let reply = api
        .client
        .get(format!(
            "{}/api/v2.1/customer/individual/registration",
            api.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 405);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["code"], 405);
}

#[tokio::test]
async fn bodies_are_checked_after_authorization() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("bodies")).await;
    let token = customer.session.token.as_str();
    let consent_path = format!(
        "/api/v2.1/customer/individual/{}/consents/terms",
        customer.id
    );

    let reply = api
        .send(
            Operation::AcceptConsent,
            &consent_path,
            Some(token),
            Some(json!({"accepted": false, "version": ""})),
        )
        .await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["accepted", "version"]);
    let reply = api
        .send(
            Operation::AcceptConsent,
            &consent_path,
            Some(token),
            Some(json!({"accepted": true})),
        )
        .await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["version"]);
    api.send(
        Operation::AcceptConsent,
        &format!(
            "/api/v2.1/customer/individual/{}/consents/cookies",
            customer.id
        ),
        Some(token),
        Some(json!({"accepted": true, "version": "1.0"})),
    )
    .await
    .expect_error(
        400,
        "Unknown consent type 'cookies' (expected terms, privacy or data-processing)",
    );

    // Malformed JSON, no body, wrong content type: enveloped, never a panic.
    let url = format!("{}{consent_path}", api.base);
    let send = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = api.client.post(&url).bearer_auth(token);
        for (name, value) in common::standard_headers(&api.credentials.tenant_id) {
            request = request.header(name, value);
        }
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        async move {
            let response = request.body(body).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = send("{\"accepted\": tru", Some("application/json")).await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed JSON request body")
    );
    let (status, body) = send("", Some("application/json")).await;
    assert_eq!(
        (status, body["message"].as_str().unwrap()),
        (400, "Request body is required")
    );
    let (status, body) = send("accepted=true", Some("application/x-www-form-urlencoded")).await;
    assert_eq!(status, 415);
    assert_eq!(body["code"], 415);
    let (status, _) = send("{}", None).await;
    assert_eq!(status, 415);
    // A body problem of an unauthorized caller is a 401, not a 400.
    let response = api
        .client
        .post(&url)
        .headers(
            common::standard_headers(&api.credentials.tenant_id)
                .into_iter()
                .map(|(n, v)| (n.parse().unwrap(), v.parse().unwrap()))
                .collect(),
        )
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Documents: type, MIME, base64 and size.
    let verification = api.create_verification(token, &customer.id).await;
    let doc_path = format!("/api/v2.1/verifications/{verification}/documents");
    let upload = |mime: &str, content: &str, kind: &str| {
        api.send(
            Operation::UploadVerificationDocument,
            &doc_path,
            Some(token),
            Some(json!({
                "documentType": kind, "mimeType": mime, "fileName": "a.pdf", "fileContent": content
            })),
        )
    };
    let reply = upload("text/plain", common::PDF_BASE64, "PASSPORT").await;
    reply.expect(400);
    assert!(
        reply
            .message()
            .contains("Unsupported MIME type 'text/plain'"),
        "{}",
        reply.message()
    );
    let reply = upload("application/pdf", "***", "PASSPORT").await;
    reply.expect(400);
    assert!(
        reply.message().contains("not valid base64"),
        "{}",
        reply.message()
    );
    let reply = upload("image/png", common::PDF_BASE64, "HOROSCOPE").await;
    reply.expect(400);
    assert_eq!(reply.error_fields(), ["documentType"]);
    let reply = api
        .send(
            Operation::UploadVerificationDocument,
            &doc_path,
            Some(token),
            Some(json!({"documentType": "PASSPORT"})),
        )
        .await;
    reply.expect_error(400, "Request validation failed");
    use base64::Engine;
    let big = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 10 * 1024 * 1024 + 1]);
    let reply = upload("application/pdf", &big, "PASSPORT").await;
    reply.expect(400);
    assert!(
        reply.message().contains("File too large"),
        "{}",
        reply.message()
    );
    let fits = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 10 * 1024 * 1024]);
    let reply = upload("image/jpeg", &fits, "PROOF_OF_ADDRESS").await;
    reply.expect(200);
    assert_eq!(reply.data()["documentType"], "DT_PROOF_OF_ADDRESS");
    assert_eq!(reply.data()["status"], "UPLOADED");
    assert_eq!(sandbox.stats().side_effects.documents, 1);

    // Activation body: both fields required.
    let reply = api
        .send(
            Operation::ActivateCustomer,
            &format!("/api/v2.1/customer/individual/{}/activation", customer.id),
            Some(&admin),
            Some(json!({"userId": " ", "code": ""})),
        )
        .await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["userId", "code"]);
    let reply = api
        .send(
            Operation::ListCustomerWallets,
            &format!(
                "/api/v2.1/wallets/customer/{}?customerType=B2X",
                customer.id
            ),
            Some(token),
            None,
        )
        .await;
    reply.expect_error(400, "Request validation failed");
    assert_eq!(reply.error_fields(), ["customerType"]);
}
