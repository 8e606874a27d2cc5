//! Documented alternatives (`finhub_ext::alternatives`), every row in both
//! directions against a double that tells the forms apart (by path, by
//! token, by body):
//!
//! (a) the primary works: the alternative is never sent;
//! (b) the primary answers the trigger: the alternative is sent once, works,
//!     and the next call (also from a clone) goes straight to it;
//! (c) any other failure (500, a timeout, a 401 at login): no alternative;
//! (d) a pinned form or the fallback switched off: no switching.

use std::time::Duration;

use crate::common::*;
use finhub_ext::alternatives::{ALTERNATIVES, Form, Trigger};
use finhub_ext::api::types::CustomerVerificationRequest;
use finhub_ext::builders::{ActivationBuilder, VerificationBuilder};
use finhub_ext::{
    AdminCredentials, CustomerCredentials, Error, FinhubClient, FinhubClientBuilder, Operation,
    TokenKind,
};
use httpmock::Mock;
use httpmock::prelude::*;
use serde_json::{Value, json};

const ADMIN_LOGIN_ALT: &str = "/api/v2.1/admin/session/login";
const HIERARCHY: &str =
    "/api/v2.1/customer/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
const HIERARCHY_ALT: &str =
    "/api/v2.1/customers/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
const REGISTRATION: &str = "/api/v2.1/customer/individual/registration";
const REGISTRATION_ALT: &str = "/api/v2.1/customers/individual/register";
const SUBMIT: &str =
    "/api/v2.1/customer/individual/ff72a196-426a-4ab3-a2d3-e4c583a9bc88/verification";
const SUBMIT_ALT: &str =
    "/api/v2.1/customer/individual/ff72a196-426a-4ab3-a2d3-e4c583a9bc88/verification/initiate";
const VERIFICATIONS: &str = "/api/v2.1/verifications";
const ACTIVATION: &str =
    "/api/v2.1/customer/individual/ff72a196-426a-4ab3-a2d3-e4c583a9bc88/activation";
const EMAIL: &str = "marcus@example.test";

/// One row of the table, as the tests drive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    AdminLoginPath,
    HierarchyPath,
    RegistrationPath,
    LoginBearer,
    InitiatePath,
    VerificationToken,
    ActivationEmail,
}

const CASES: [Case; 7] = [
    Case::AdminLoginPath,
    Case::HierarchyPath,
    Case::RegistrationPath,
    Case::LoginBearer,
    Case::InitiatePath,
    Case::VerificationToken,
    Case::ActivationEmail,
];

fn ok(data: Value) -> Value {
    json!({"code": 200, "message": "Success", "data": data})
}

fn refusal(status: u16, message: &str) -> (u16, Value) {
    (status, json!({"code": status, "message": message}))
}

impl Case {
    fn operation(self) -> Operation {
        match self {
            Case::AdminLoginPath => Operation::CreateAdminSession,
            Case::HierarchyPath => Operation::GetCategorizationHierarchy,
            Case::RegistrationPath => Operation::RegisterIndividualCustomer,
            Case::LoginBearer => Operation::CreateCustomerSession,
            Case::InitiatePath => Operation::SubmitCustomerVerification,
            Case::VerificationToken => Operation::CreateVerification,
            Case::ActivationEmail => Operation::ActivateCustomer,
        }
    }

    /// An answer that is this row's trigger.
    fn trigger(self) -> (u16, Value) {
        match self {
            Case::AdminLoginPath | Case::RegistrationPath | Case::InitiatePath => {
                refusal(404, "Not Found")
            }
            Case::HierarchyPath => refusal(405, "Method Not Allowed"),
            Case::LoginBearer => refusal(400, "Missing required header: Authorization"),
            Case::VerificationToken => refusal(403, "Access denied"),
            Case::ActivationEmail => (
                400,
                json!({"code": 400, "message": "Request validation failed",
                       "data": {"errors": [{"field": "userId", "message": "unknown user"}]}}),
            ),
        }
    }

    /// What the alternative form answers when it works.
    fn success(self) -> Value {
        match self {
            Case::AdminLoginPath => session_body("admin-token-1", "", 3600),
            Case::LoginBearer => session_body("customer-token-1", "refresh-1", 3600),
            Case::HierarchyPath => ok(json!({"tenantId": TENANT, "categories": {}})),
            Case::RegistrationPath => ok(json!({"id": CUSTOMER, "user": {"id": USER}})),
            Case::InitiatePath | Case::VerificationToken => {
                ok(json!({"verificationId": "ver-1", "status": "PENDING"}))
            }
            Case::ActivationEmail => ok(json!({})),
        }
    }

    /// The mocks of the primary form (answering `primary`) and of the
    /// alternative form (answering success), told apart by path, token or
    /// body.
    async fn mocks<'a>(self, d: &'a Double, primary: (u16, Value)) -> (Mock<'a>, Mock<'a>) {
        let (status, body) = primary;
        let success = self.success();
        let server = &d.server;
        match self {
            Case::AdminLoginPath
            | Case::HierarchyPath
            | Case::RegistrationPath
            | Case::InitiatePath => {
                let (get, first, second) = match self {
                    Case::AdminLoginPath => (false, ADMIN_PATH, ADMIN_LOGIN_ALT),
                    Case::HierarchyPath => (true, HIERARCHY, HIERARCHY_ALT),
                    Case::RegistrationPath => (false, REGISTRATION, REGISTRATION_ALT),
                    _ => (false, SUBMIT, SUBMIT_ALT),
                };
                let method = || if get { GET } else { POST };
                let primary = server
                    .mock_async(|when, then| {
                        when.method(method()).path(first);
                        then.status(status).json_body(body);
                    })
                    .await;
                let alternative = server
                    .mock_async(|when, then| {
                        when.method(method()).path(second);
                        then.status(200).json_body(success);
                    })
                    .await;
                (primary, alternative)
            }
            Case::LoginBearer => {
                let primary = server
                    .mock_async(|when, then| {
                        when.method(POST)
                            .path(LOGIN_PATH)
                            .header_missing("authorization");
                        then.status(status).json_body(body);
                    })
                    .await;
                let alternative = server
                    .mock_async(|when, then| {
                        when.method(POST)
                            .path(LOGIN_PATH)
                            .header("authorization", "Bearer admin-token-1");
                        then.status(200).json_body(success);
                    })
                    .await;
                (primary, alternative)
            }
            Case::VerificationToken => {
                let primary = server
                    .mock_async(|when, then| {
                        when.method(POST)
                            .path(VERIFICATIONS)
                            .header("authorization", "Bearer admin-token-1");
                        then.status(status).json_body(body);
                    })
                    .await;
                let alternative = server
                    .mock_async(|when, then| {
                        when.method(POST)
                            .path(VERIFICATIONS)
                            .header("authorization", "Bearer customer-token-1");
                        then.status(200).json_body(success);
                    })
                    .await;
                (primary, alternative)
            }
            Case::ActivationEmail => {
                let primary = server
                    .mock_async(|when, then| {
                        when.method(POST)
                            .path(ACTIVATION)
                            .json_body_includes(json!({"userId": USER}).to_string());
                        then.status(status).json_body(body);
                    })
                    .await;
                let alternative = server
                    .mock_async(|when, then| {
                        when.method(POST)
                            .path(ACTIVATION)
                            .json_body_includes(json!({"userId": EMAIL}).to_string());
                        then.status(200).json_body(success);
                    })
                    .await;
                (primary, alternative)
            }
        }
    }

    /// The logins the row needs besides the one it tests.
    async fn logins(self, d: &Double) {
        if self != Case::AdminLoginPath {
            d.admin_login().await;
        }
        if self != Case::LoginBearer {
            d.customer_login("customer-token-1", "refresh-1").await;
        }
    }

    /// One call of the row's operation (a fresh login for the logins).
    async fn call(self, client: &FinhubClient) -> Result<(), Error> {
        let credentials = || CustomerCredentials::new(CUSTOMER, USER, EMAIL, "Customer#Pass1");
        match self {
            Case::AdminLoginPath => {
                // A new login each call: replacing the credentials drops the
                // token.
                client.set_admin_credentials(AdminCredentials::new(
                    ORG,
                    ADMIN_USER,
                    "admin@example.test",
                    "canary-admin-password-4d1b",
                ));
                client.admin_login().await
            }
            Case::HierarchyPath => client.categorization_hierarchy().await.map(drop),
            Case::RegistrationPath => client.register_customer(&registration()).await.map(drop),
            Case::LoginBearer => client.customer_login(credentials()).await.map(drop),
            Case::InitiatePath => {
                let customer = client.customer_login(credentials()).await?;
                customer
                    .start_verification(&CustomerVerificationRequest::default())
                    .await
                    .map(drop)
            }
            Case::VerificationToken => {
                let customer = client.customer_login(credentials()).await?;
                let request = VerificationBuilder::new(CUSTOMER).build().unwrap();
                customer.create_verification(&request).await.map(drop)
            }
            Case::ActivationEmail => {
                let activation = ActivationBuilder::new(USER, "ACTIVATION_CODE_1")
                    .email(EMAIL)
                    .build()
                    .unwrap();
                client
                    .activate_customer(CUSTOMER, &activation)
                    .await
                    .map(drop)
            }
        }
    }
}

#[test]
fn the_tests_cover_every_row_of_the_table() {
    let mut operations: Vec<Operation> = ALTERNATIVES.iter().map(|row| row.operation).collect();
    let mut covered: Vec<Operation> = CASES.iter().map(|c| c.operation()).collect();
    operations.sort();
    covered.sort();
    assert_eq!(operations, covered);
    for case in CASES {
        let row = finhub_ext::alternatives::alternative(case.operation()).unwrap();
        let status = case.trigger().0;
        let fits = match row.trigger {
            Trigger::RouteMissing => matches!(status, 404 | 405),
            Trigger::TokenRefused => matches!(status, 401 | 403),
            Trigger::UserIdRefused => matches!(status, 400 | 404),
            Trigger::AuthorizationHeaderMissing => status == 400,
        };
        assert!(fits, "{case:?}: {status} is not the row's trigger");
    }
}

async fn run(case: Case, builder: impl Fn(FinhubClientBuilder) -> FinhubClientBuilder) {
    // (a) The primary works: only the primary is ever sent.
    let d = Double::start().await;
    case.logins(&d).await;
    let (primary, alternative) = case.mocks(&d, (200, case.success())).await;
    let client = builder(d.builder()).build().unwrap();
    for _ in 0..2 {
        case.call(&client).await.unwrap();
    }
    assert_eq!(primary.calls_async().await, 2, "{case:?} (a)");
    assert_eq!(alternative.calls_async().await, 0, "{case:?} (a)");
}

#[tokio::test]
async fn a_working_primary_never_sends_the_alternative() {
    for case in CASES {
        run(case, |b| b).await;
    }
}

#[tokio::test]
async fn the_trigger_sends_the_alternative_once_and_the_client_keeps_it() {
    for case in CASES {
        let d = Double::start().await;
        case.logins(&d).await;
        let (primary, alternative) = case.mocks(&d, case.trigger()).await;
        let client = d.client();
        case.call(&client)
            .await
            .unwrap_or_else(|e| panic!("{case:?}: {e:?}"));
        assert_eq!(primary.calls_async().await, 1, "{case:?}: primary once");
        assert_eq!(
            alternative.calls_async().await,
            1,
            "{case:?}: alternative once"
        );
        // The next calls, from the client and from a clone, go straight to
        // the form that worked.
        case.call(&client).await.unwrap();
        case.call(&client.clone()).await.unwrap();
        assert_eq!(primary.calls_async().await, 1, "{case:?}: learned");
        assert_eq!(alternative.calls_async().await, 3, "{case:?}: learned");
    }
}

#[tokio::test]
async fn a_refused_alternative_reports_the_first_answer() {
    // Both forms missing: the primary's 404 is the error, each sent once.
    let d = Double::start().await;
    d.admin_login().await;
    let primary = d
        .server
        .mock_async(|when, then| {
            when.method(POST).path(REGISTRATION);
            then.status(404)
                .json_body(json!({"code": 404, "message": "no registration here"}));
        })
        .await;
    let alternative = d
        .server
        .mock_async(|when, then| {
            when.method(POST).path(REGISTRATION_ALT);
            then.status(404)
                .json_body(json!({"code": 404, "message": "nor here"}));
        })
        .await;
    let client = d.client();
    let err = client.register_customer(&registration()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(
        err.details().unwrap().message.as_deref(),
        Some("no registration here")
    );
    assert_eq!(
        (primary.calls_async().await, alternative.calls_async().await),
        (1, 1)
    );
    // Nothing was learned: the next call starts with the primary again.
    client.register_customer(&registration()).await.unwrap_err();
    assert_eq!(primary.calls_async().await, 2);
}

#[tokio::test]
async fn other_failures_never_send_the_alternative() {
    for case in CASES {
        for (status, body) in [
            refusal(500, "internal error"),
            refusal(503, "unavailable"),
            refusal(409, "conflict"),
        ] {
            let d = Double::start().await;
            case.logins(&d).await;
            let (primary, alternative) = case.mocks(&d, (status, body)).await;
            let client = d.client();
            let err = case.call(&client).await.unwrap_err();
            assert_eq!(err.status(), Some(status), "{case:?}: {err:?}");
            assert!(primary.calls_async().await >= 1, "{case:?} {status}");
            assert_eq!(alternative.calls_async().await, 0, "{case:?} {status}");
        }
    }
}

#[tokio::test]
async fn a_400_that_names_something_else_is_not_the_trigger() {
    for case in [Case::LoginBearer, Case::ActivationEmail] {
        let d = Double::start().await;
        case.logins(&d).await;
        let (primary, alternative) = case
            .mocks(
                &d,
                refusal(400, "Password and matching password do not match"),
            )
            .await;
        let err = case.call(&d.client()).await.unwrap_err();
        assert!(matches!(err, Error::BadRequest(_)), "{case:?}: {err:?}");
        assert_eq!(primary.calls_async().await, 1, "{case:?}");
        assert_eq!(alternative.calls_async().await, 0, "{case:?}");
    }
}

#[tokio::test]
async fn a_wrong_password_sends_exactly_one_login() {
    // FinHub locks an account after 5 failed logins: a 401 at a login is
    // never a trigger, and the session stops logging in.
    for case in [Case::AdminLoginPath, Case::LoginBearer] {
        let d = Double::start().await;
        case.logins(&d).await;
        let (primary, alternative) = case.mocks(&d, refusal(401, "Invalid credentials")).await;
        let client = d.client();
        let err = case.call(&client).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidCredentials(_)),
            "{case:?}: {err:?}"
        );
        assert_eq!(primary.calls_async().await, 1, "{case:?}");
        assert_eq!(alternative.calls_async().await, 0, "{case:?}");
    }
}

#[tokio::test]
async fn a_timeout_never_sends_the_alternative() {
    // The server does not answer within the test (a minute's delay); the
    // client's timeout (1 s) always fires first.
    for case in [
        Case::RegistrationPath,
        Case::VerificationToken,
        Case::ActivationEmail,
    ] {
        let d = Double::start().await;
        case.logins(&d).await;
        let (method, path) = match case {
            Case::RegistrationPath => (POST, REGISTRATION),
            Case::VerificationToken => (POST, VERIFICATIONS),
            _ => (POST, ACTIVATION),
        };
        let slow = d
            .server
            .mock_async(|when, then| {
                when.method(method).path(path);
                then.status(404)
                    .delay(Duration::from_secs(60))
                    .json_body(json!({"code": 404, "message": "Not Found"}));
            })
            .await;
        let client = d.builder().timeout(Duration::from_secs(1)).build().unwrap();
        let err = case.call(&client).await.unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{case:?}: {err:?}");
        // Only the slow mock was reached: any other request (the other
        // path, token or body) would have been a second request to it or a
        // miss of the double, which answers 404 at once.
        assert_eq!(slow.calls_async().await, 1, "{case:?}");
    }
}

#[tokio::test]
async fn a_401_renews_the_token_first_then_sends_the_customer_token() {
    let d = Double::start().await;
    let admin = d.admin_login().await;
    d.customer_login("customer-token-1", "refresh-1").await;
    let (primary, alternative) = Case::VerificationToken
        .mocks(&d, refusal(401, "Token expired"))
        .await;
    let client = d.client();
    Case::VerificationToken.call(&client).await.unwrap();
    // The admin token was refused, renewed (a second admin login) and
    // refused again; then the customer token worked.
    assert_eq!(admin.calls_async().await, 2);
    assert_eq!(primary.calls_async().await, 2);
    assert_eq!(alternative.calls_async().await, 1);
}

#[tokio::test]
async fn a_pinned_form_or_no_fallback_never_switches() {
    for case in CASES {
        for name in ["pinned primary", "fallback off"] {
            let d = Double::start().await;
            case.logins(&d).await;
            let (primary, alternative) = case.mocks(&d, case.trigger()).await;
            let builder = match name {
                "pinned primary" => d.builder().form(case.operation(), Form::Primary),
                _ => d.builder().form_fallback(false),
            };
            let client = builder.build().unwrap();
            case.call(&client).await.unwrap_err();
            case.call(&client).await.unwrap_err();
            assert_eq!(primary.calls_async().await, 2, "{case:?} {name}");
            assert_eq!(alternative.calls_async().await, 0, "{case:?} {name}");
        }
        // Pinned to the alternative: only the alternative is sent.
        let d = Double::start().await;
        case.logins(&d).await;
        let (primary, alternative) = case.mocks(&d, (200, case.success())).await;
        let client = d
            .builder()
            .form(case.operation(), Form::Alternative)
            .build()
            .unwrap();
        case.call(&client).await.unwrap();
        assert_eq!(primary.calls_async().await, 0, "{case:?}");
        assert_eq!(alternative.calls_async().await, 1, "{case:?}");
    }
}

#[tokio::test]
async fn a_token_route_pins_the_token() {
    let d = Double::start().await;
    Case::VerificationToken.logins(&d).await;
    let (admin_form, customer_form) = Case::VerificationToken
        .mocks(&d, Case::VerificationToken.trigger())
        .await;
    let client = d
        .builder()
        .token_route(Operation::CreateVerification, TokenKind::Admin)
        .build()
        .unwrap();
    Case::VerificationToken.call(&client).await.unwrap_err();
    assert_eq!(admin_form.calls_async().await, 1);
    assert_eq!(customer_form.calls_async().await, 0);
}

#[tokio::test]
async fn without_the_email_activation_sends_the_user_id_only() {
    let d = Double::start().await;
    Case::ActivationEmail.logins(&d).await;
    let (primary, alternative) = Case::ActivationEmail
        .mocks(&d, Case::ActivationEmail.trigger())
        .await;
    let client = d.client();
    let activation = ActivationBuilder::new(USER, "ACTIVATION_CODE_1")
        .build()
        .unwrap();
    let err = client
        .activate_customer(CUSTOMER, &activation)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    assert_eq!(
        (primary.calls_async().await, alternative.calls_async().await),
        (1, 0)
    );
    // The customer's handle knows the login name, an e-mail: it is the
    // alternative's `userId`.
    let customer = d.login_customer_as(&client, EMAIL).await;
    customer.activate(&activation).await.unwrap();
    assert_eq!(
        (primary.calls_async().await, alternative.calls_async().await),
        (2, 1)
    );
}

#[tokio::test]
async fn the_admin_login_alternative_needs_no_admin_session_and_the_login_bearer_needs_one() {
    // Without admin credentials the login's alternative (the admin token)
    // cannot be sent: the primary's answer stands.
    let d = Double::start().await;
    let (primary, alternative) = Case::LoginBearer
        .mocks(&d, Case::LoginBearer.trigger())
        .await;
    let client = FinhubClient::builder()
        .base_url(d.server.base_url())
        .tenant_id(TENANT)
        .tenant_key("key")
        .tenant_secret("secret")
        .build()
        .unwrap();
    let err = Case::LoginBearer.call(&client).await.unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    assert_eq!(
        (primary.calls_async().await, alternative.calls_async().await),
        (1, 0)
    );
}

#[tokio::test]
async fn without_admin_credentials_create_verification_sends_the_customer_token_at_once() {
    // The primary (the admin token) cannot be sent: the customer's is,
    // without a wasted request and without learning anything.
    let d = Double::start().await;
    d.customer_login("customer-token-1", "refresh-1").await;
    let (primary, alternative) = Case::VerificationToken
        .mocks(&d, (200, Case::VerificationToken.success()))
        .await;
    let client = FinhubClient::builder()
        .base_url(d.server.base_url())
        .tenant_id(TENANT)
        .tenant_key("key")
        .tenant_secret("secret")
        .build()
        .unwrap();
    Case::VerificationToken.call(&client).await.unwrap();
    assert_eq!(
        (primary.calls_async().await, alternative.calls_async().await),
        (0, 1)
    );
}
