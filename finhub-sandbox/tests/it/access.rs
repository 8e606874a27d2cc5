//! Which token each operation takes: every operation with each kind it
//! takes (answered), the kind it does not take (403, nothing done), and
//! another customer's token (403, nothing done); the table itself against
//! FinHub's pages and against the client's default routes.

use finhub_sandbox::{Access, Either, ExposeSecret, Operation, Sandbox, TokenKind};
use serde_json::json;

use crate::common::{self, Api, Customer, Reply, Session};

/// What FinHub's pages say, written out here independently of the
/// sandbox's table (`docs/finhub-api.md` §2 and §3.1, `openapi.yaml`'s
/// `Authorization` descriptions), so that a change to the table must
/// change this too.
fn documented(operation: Operation) -> Access {
    use Operation as Op;
    match operation {
        Op::CreateAdminSession | Op::CreateCustomerSession => Access::Login,
        Op::GetCategorizationHierarchy | Op::ApproveVerification => Access::Admin,
        Op::RefreshCustomerSession | Op::DeleteCustomerSession | Op::AcceptConsent => {
            Access::Customer
        }
        Op::RegisterIndividualCustomer
        | Op::GetVerification
        | Op::UploadVerificationDocument
        | Op::CheckActivationReadiness
        | Op::ListCustomerWallets => Access::AdminOrCustomer(Either::Documented),
        // The pages disagree (I-24, I-31): accepted both ways for now.
        Op::SubmitCustomerVerification | Op::CreateVerification | Op::ActivateCustomer => {
            Access::AdminOrCustomer(Either::Disputed)
        }
    }
}

#[test]
fn the_table_is_what_finhubs_pages_say() {
    for operation in Operation::ALL {
        assert_eq!(Access::of(operation), documented(operation), "{operation}");
    }
}

/// The client's default route of every operation is one the sandbox
/// takes, so a journey through finhub-ext with its defaults is never
/// refused for its token (and a route changed to a kind the sandbox
/// refuses fails here).
#[test]
fn the_clients_default_routes_are_what_the_sandbox_takes() {
    use finhub_ext::TokenKind as Route;
    use finhub_ext::operation::handling;
    for operation in Operation::ALL {
        let route = handling(operation);
        let access = Access::of(operation);
        let taken = match route.token {
            Route::None => access == Access::Login,
            Route::Admin => access.accepts(TokenKind::Admin),
            Route::Customer => access.accepts(TokenKind::Customer),
        };
        assert!(
            taken,
            "finhub-ext sends {:?} on {operation}, the sandbox takes {access:?}",
            route.token
        );
    }
}

/// The journey's order, so that each operation finds what it needs; every
/// operation exactly once.
const ORDER: [Operation; 15] = [
    Operation::CreateAdminSession,
    Operation::GetCategorizationHierarchy,
    Operation::RegisterIndividualCustomer,
    Operation::CreateCustomerSession,
    Operation::SubmitCustomerVerification,
    Operation::CreateVerification,
    Operation::GetVerification,
    Operation::UploadVerificationDocument,
    Operation::ApproveVerification,
    Operation::AcceptConsent,
    Operation::CheckActivationReadiness,
    Operation::ActivateCustomer,
    Operation::ListCustomerWallets,
    Operation::RefreshCustomerSession,
    Operation::DeleteCustomerSession,
];

/// What a call is about: a customer, her verification and her session.
struct Target<'a> {
    customer: &'a Customer,
    verification: &'a str,
    session: &'a Session,
}

/// Calls `operation` about `target` with `token` (a valid request
/// otherwise); a registration registers a fresh e-mail, a consent accepts
/// `consent`.
async fn call(
    api: &Api,
    operation: Operation,
    token: Option<&str>,
    target: &Target<'_>,
    consent: &str,
) -> Reply {
    use Operation as Op;
    let c = &api.credentials;
    let customer = target.customer;
    let (path, body) = match operation {
        Op::CreateAdminSession => (
            format!(
                "/api/v2.1/admin/organization/{}/users/{}/sessions",
                c.organization_id, c.admin_user_id
            ),
            Some(json!({
                "username": c.admin_username, "password": c.admin_password.expose_secret(),
                "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret(),
            })),
        ),
        Op::CreateCustomerSession => (
            format!(
                "/api/v2.1/customer/individual/{}/users/{}/sessions",
                customer.id, customer.user_id
            ),
            Some(json!({
                "username": customer.email, "password": common::PASSWORD,
                "tenantKey": c.tenant_key.expose_secret(), "tenantSecret": c.tenant_secret.expose_secret(),
            })),
        ),
        Op::GetCategorizationHierarchy => (
            format!(
                "/api/v2.1/customer/individual/categorization/hierarchy/{}",
                c.tenant_id
            ),
            None,
        ),
        Op::RegisterIndividualCustomer => (
            "/api/v2.1/customer/individual/registration".into(),
            Some(common::registration(&common::email("access"))),
        ),
        Op::RefreshCustomerSession => (
            api.session_path(customer, &target.session.session_id),
            Some(json!({"refreshToken": target.session.refresh_token})),
        ),
        Op::DeleteCustomerSession => (api.session_path(customer, &target.session.session_id), None),
        Op::SubmitCustomerVerification => (
            format!("/api/v2.1/customer/individual/{}/verification", customer.id),
            Some(json!({"verificationType": "IDENTITY"})),
        ),
        Op::CreateVerification => (
            "/api/v2.1/verifications".into(),
            Some(json!({"customerId": customer.id, "type": "IDENTITY_VERIFICATION"})),
        ),
        Op::GetVerification => (
            format!("/api/v2.1/verifications/{}", target.verification),
            None,
        ),
        Op::UploadVerificationDocument => (
            format!("/api/v2.1/verifications/{}/documents", target.verification),
            Some(json!({
                "documentType": "PASSPORT", "mimeType": "application/pdf",
                "fileName": "passport.pdf", "fileContent": common::PDF_BASE64,
            })),
        ),
        Op::ApproveVerification => (
            format!("/api/v2.1/verifications/{}/approve", target.verification),
            Some(json!({"verificationId": target.verification, "status": "APPROVED"})),
        ),
        Op::AcceptConsent => (
            format!(
                "/api/v2.1/customer/individual/{}/consents/{consent}",
                customer.id
            ),
            Some(json!({"accepted": true, "version": "1.0"})),
        ),
        Op::CheckActivationReadiness => (
            format!(
                "/api/v2.1/customer/individual/{}/owner/{}/activation/check",
                customer.id, c.tenant_id
            ),
            None,
        ),
        Op::ActivateCustomer => (
            format!("/api/v2.1/customer/individual/{}/activation", customer.id),
            Some(json!({"userId": customer.user_id, "code": "ACTIVATION_CODE_1"})),
        ),
        Op::ListCustomerWallets => (
            format!(
                "/api/v2.1/wallets/customer/{}?customerType=B2C",
                customer.id
            ),
            None,
        ),
    };
    api.send(operation, &path, token, body).await
}

/// The operations about one customer, where another customer's token is
/// refused.
fn about_a_customer(operation: Operation) -> bool {
    !matches!(
        operation,
        Operation::CreateAdminSession
            | Operation::CreateCustomerSession
            | Operation::GetCategorizationHierarchy
            | Operation::RegisterIndividualCustomer
            | Operation::ApproveVerification
    )
}

fn insufficient(operation: Operation, required: TokenKind) -> String {
    let what = match required {
        TokenKind::Admin => "an admin token (userType ADMIN)",
        TokenKind::Customer => "the token of the customer it is about (userType CONSUMER)",
    };
    format!("Insufficient permissions: {operation} requires {what}")
}

#[tokio::test]
async fn every_operation_takes_its_kind_and_refuses_the_other_and_other_customers() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let alice = api.onboard_start(&admin, &common::email("alice")).await;
    let bob = api.onboard_start(&admin, &common::email("bob")).await;
    // Carol is activated by the admin, Alice with her own token.
    let carol = api.onboard_start(&admin, &common::email("carol")).await;
    api.make_ready(&admin, &carol).await;
    let carol_target = Target {
        customer: &carol,
        verification: "",
        session: &carol.session,
    };
    let mut verification = String::new();
    let mut session = alice.session.clone();

    let mut covered = Vec::new();
    for operation in ORDER {
        covered.push(operation);
        let (mut created, mut refreshed) = (None, None);
        let access = documented(operation);
        let target = Target {
            customer: &alice,
            verification: &verification,
            session: &session,
        };
        let token_of = |kind: TokenKind| match kind {
            TokenKind::Admin => admin.as_str(),
            TokenKind::Customer => alice.session.token.as_str(),
        };

        // The kind it does not take: 403, and nothing happens.
        if let Some(only) = access.only() {
            let wrong = match only {
                TokenKind::Admin => TokenKind::Customer,
                TokenKind::Customer => TokenKind::Admin,
            };
            let before = sandbox.stats().side_effects;
            let reply = call(&api, operation, Some(token_of(wrong)), &target, "terms").await;
            reply.expect_error(403, &insufficient(operation, only));
            assert_eq!(reply.data()["operation"], operation.id());
            assert_eq!(reply.data()["required"], only.user_type());
            assert_eq!(reply.data()["presented"], wrong.user_type());
            assert_eq!(sandbox.stats().side_effects, before, "{operation}");
        }

        // Another customer's token on Alice's things: 403, nothing happens.
        if about_a_customer(operation) {
            let before = sandbox.stats().side_effects;
            let reply = call(&api, operation, Some(&bob.session.token), &target, "terms").await;
            let expected = match operation {
                Operation::RefreshCustomerSession | Operation::DeleteCustomerSession => {
                    "The token does not belong to this session's user".to_string()
                }
                _ => format!("The token does not belong to customer '{}'", alice.id),
            };
            reply.expect_error(403, &expected);
            assert_eq!(sandbox.stats().side_effects, before, "{operation}");
        }

        // Each kind it takes: answered.
        match access {
            Access::Login => {
                call(&api, operation, None, &target, "terms")
                    .await
                    .expect(200);
            }
            Access::Admin | Access::Customer => {
                let only = access.only().unwrap();
                let reply = call(&api, operation, Some(token_of(only)), &target, "terms").await;
                reply.expect(200);
                if operation == Operation::RefreshCustomerSession {
                    refreshed = Some(Session::from(&reply));
                }
            }
            Access::AdminOrCustomer(_) if operation == Operation::ActivateCustomer => {
                call(&api, operation, Some(&admin), &carol_target, "terms")
                    .await
                    .expect(200);
                call(
                    &api,
                    operation,
                    Some(token_of(TokenKind::Customer)),
                    &target,
                    "terms",
                )
                .await
                .expect(200);
            }
            Access::AdminOrCustomer(_) => {
                for kind in [TokenKind::Admin, TokenKind::Customer] {
                    let reply = call(&api, operation, Some(token_of(kind)), &target, "terms").await;
                    reply.expect(200);
                    if operation == Operation::CreateVerification {
                        created = reply.data()["verificationId"].as_str().map(str::to_string);
                    }
                }
            }
        }
        // The rest of the journey: the other two consents.
        if operation == Operation::AcceptConsent {
            for consent in ["privacy", "data-processing"] {
                call(
                    &api,
                    operation,
                    Some(&alice.session.token),
                    &target,
                    consent,
                )
                .await
                .expect(200);
            }
        }
        if let Some(id) = created {
            verification = id;
        }
        if let Some(next) = refreshed {
            session = next;
        }
    }
    covered.sort();
    assert_eq!(covered, Operation::ALL, "every operation once");

    let effects = sandbox.stats().side_effects;
    // Alice, Bob, Carol, and one registration with each kind of token.
    assert_eq!(effects.registrations, 5);
    assert_eq!(effects.activations, 2);
    assert_eq!(effects.logouts, 1);
    assert_eq!(effects.session_refreshes, 1);
}

#[tokio::test]
async fn missing_malformed_and_foreign_tokens_are_401() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let alice = api.onboard_start(&admin, &common::email("alice")).await;
    let tenant = sandbox.credentials().tenant_id;
    let readiness = format!(
        "/api/v2.1/customer/individual/{}/owner/{tenant}/activation/check",
        alice.id
    );

    api.readiness("", &alice.id).await.expect(401);
    api.send(Operation::CheckActivationReadiness, &readiness, None, None)
        .await
        .expect_error(401, "Missing bearer token (Authorization: Bearer <token>)");
    api.readiness("not.a.jwt", &alice.id)
        .await
        .expect_error(401, "Invalid token");
    let foreign = Sandbox::start().await.unwrap();
    let foreign_token = Api::new(&foreign).admin_login().await.token;
    api.readiness(&foreign_token, &alice.id)
        .await
        .expect_error(401, "Invalid token");
    api.send_with(
        Operation::CheckActivationReadiness,
        &readiness,
        None,
        None,
        &[],
        &[("Authorization", &format!("Basic {admin}"))],
    )
    .await
    .expect_error(401, "Authorization must be a Bearer token");
    // A 401 comes before the kind is looked at: a customer-only operation
    // with a broken token is 401, not 403.
    api.consent("not.a.jwt", &alice.id, "terms")
        .await
        .expect_error(401, "Invalid token");
}
