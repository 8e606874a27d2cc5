//! A FinHub double (httpmock) and a client configured against it.
#![allow(dead_code)]

/// What each operation is expected to do, written by hand from the docs:
/// the one table the contract tests use too (`finhub_tests::oracle`).
#[path = "../../../tests/src/oracle.rs"]
pub mod oracle;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use finhub_ext::{
    AdminCredentials, CustomerClient, CustomerCredentials, Error, FinhubClient,
    FinhubClientBuilder, ManualClock, RetryPolicy,
};
use httpmock::Mock;
use httpmock::prelude::*;
use serde_json::{Value, json};

pub const TENANT: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
pub const ORG: &str = "org-1";
pub const ADMIN_USER: &str = "admin-user-1";
pub const CUSTOMER: &str = "ff72a196-426a-4ab3-a2d3-e4c583a9bc88";
pub const USER: &str = "6r1k1hw6npq";
pub const SESSION: &str = "4a511e37-d2d8-4f2f-99ad-92ff5ddea020";

pub const ADMIN_PATH: &str = "/api/v2.1/admin/organization/org-1/users/admin-user-1/sessions";
pub const LOGIN_PATH: &str =
    "/api/v2.1/customer/individual/ff72a196-426a-4ab3-a2d3-e4c583a9bc88/users/6r1k1hw6npq/sessions";
pub const SESSION_PATH: &str = "/api/v2.1/customer/individual/ff72a196-426a-4ab3-a2d3-e4c583a9bc88/users/6r1k1hw6npq/sessions/4a511e37-d2d8-4f2f-99ad-92ff5ddea020";
pub const WALLETS_PATH: &str = "/api/v2.1/wallets/customer/ff72a196-426a-4ab3-a2d3-e4c583a9bc88";

/// The name the test harness gives test `name` of the module `module`
/// (its `module_path!()`): what `--exact` needs to run that one test again
/// in a child process.
pub fn test_name(module: &str, name: &str) -> String {
    match module.split_once("::") {
        Some((_crate, path)) => format!("{path}::{name}"),
        None => name.to_string(),
    }
}

pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn session_body(token: &str, refresh: &str, expires_in: i64) -> Value {
    json!({
        "code": 200,
        "message": "Success",
        "data": {
            "success": true,
            "message": "Session created successfully",
            "token": token,
            "refreshToken": refresh,
            "sessionId": SESSION,
            "expiresAt": "2026-01-14T10:03:42.197811165",
            "expiresIn": expires_in,
            "errorType": "NONE"
        }
    })
}

pub struct Double {
    pub server: MockServer,
    pub clock: Arc<ManualClock>,
}

impl Double {
    pub async fn start() -> Double {
        Double {
            server: MockServer::start_async().await,
            clock: Arc::new(ManualClock::new(start_time())),
        }
    }

    pub fn builder(&self) -> FinhubClientBuilder {
        FinhubClient::builder()
            .base_url(self.server.base_url())
            .tenant_id(TENANT)
            .tenant_key("canary-tenant-key-7f3a")
            .tenant_secret("canary-tenant-secret-9c2e")
            .admin(AdminCredentials::new(
                ORG,
                ADMIN_USER,
                "admin@example.test",
                "canary-admin-password-4d1b",
            ))
            .device_id("device-demo-001")
            .request_source("client-app")
            .refresh_jitter(Duration::ZERO)
            .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(100)))
            .clock(self.clock.clone())
    }

    pub fn client(&self) -> FinhubClient {
        self.builder().build().unwrap()
    }

    /// Admin login answering `admin-token-1`.
    pub async fn admin_login(&self) -> Mock<'_> {
        self.server
            .mock_async(|when, then| {
                when.method(POST).path(ADMIN_PATH);
                then.status(200)
                    .json_body(session_body("admin-token-1", "", 3600));
            })
            .await
    }

    /// Customer login answering `token`.
    pub async fn customer_login(&self, token: &str, refresh: &str) -> Mock<'_> {
        let body = session_body(token, refresh, 3600);
        self.server
            .mock_async(|when, then| {
                when.method(POST).path(LOGIN_PATH);
                then.status(200).json_body(body);
            })
            .await
    }

    pub async fn login_customer(&self, client: &FinhubClient) -> CustomerClient {
        client
            .customer_login(CustomerCredentials::new(
                CUSTOMER,
                USER,
                "marcus@example.test",
                "canary-customer-password-2b8e",
            ))
            .await
            .unwrap()
    }

    /// A customer logged in with the login name `username`.
    pub async fn login_customer_as(&self, client: &FinhubClient, username: &str) -> CustomerClient {
        client
            .customer_login(CustomerCredentials::new(
                CUSTOMER,
                USER,
                username,
                "canary-customer-password-2b8e",
            ))
            .await
            .unwrap()
    }

    /// Wallets answering 200 to `Bearer token`.
    pub async fn wallets(&self, token: &str) -> Mock<'_> {
        let bearer = format!("Bearer {token}");
        self.server
            .mock_async(|when, then| {
                when.method(GET).path(WALLETS_PATH).header("authorization", bearer);
                then.status(200).json_body(json!({
                    "code": 200, "message": "Success",
                    "data": [{"id": "w1", "walletId": "w1", "iban": "LT611000012345600037", "balance": "0.00"}]
                }));
            })
            .await
    }
}

/// A registration body, built from one set of facts.
pub fn registration() -> finhub_ext::api::types::IndividualRegistrationRequest {
    use finhub_ext::builders::{Gender, PostalAddress, RegistrationBuilder};
    RegistrationBuilder::new()
        .tenant_id(TENANT)
        .name("Marcus", "Jensen")
        .email("marcus@example.test")
        .phone("+37060012345")
        .password("Canary-registration-password-1!")
        .date_of_birth("1990-05-15")
        .gender(Gender::Male)
        .nationality("Lithuania")
        .place_of_birth("Vilnius")
        .pincode("12345")
        .address(PostalAddress::home(
            "123 Medium Risk Street",
            "Compliance City",
            "12345",
            "LT",
        ))
        .category("fs-cat-b2c-low-001", "Individual Standard")
        .build()
        .unwrap()
}

/// A document upload body.
pub fn document() -> finhub_ext::api::types::UploadVerificationDocumentRequest {
    serde_json::from_value(json!({
        "documentType": "PASSPORT", "mimeType": "application/pdf",
        "fileName": "passport.pdf", "fileContent": "JVBERi0xLjQK"
    }))
    .unwrap()
}

/// An approval body.
pub fn approval() -> finhub_ext::api::types::ApproveVerificationRequest {
    serde_json::from_value(json!({"verificationId": "ver-1", "status": "APPROVED"})).unwrap()
}

/// The verification id of the test's requests.
pub const VERIFICATION: &str = "ver-1";

/// The path of `op` with the test's ids (consent: `terms`).
pub fn path_of(op: &oracle::Expected) -> String {
    op.path_with(|name| {
        match name {
            "organizationId" => ORG,
            "userId" if op.id == "create_admin_session" => ADMIN_USER,
            "userId" => USER,
            "customerId" => CUSTOMER,
            "sessionId" => SESSION,
            "verificationId" => VERIFICATION,
            "tenantId" | "ownerTenantId" => TENANT,
            "consentType" => "terms",
            other => panic!("no test id for {{{other}}}"),
        }
        .to_string()
    })
}

/// The `httpmock` method of `op`.
pub fn method_of(op: &oracle::Expected) -> httpmock::Method {
    match op.method {
        oracle::Method::Get => GET,
        oracle::Method::Post => POST,
        oracle::Method::Put => PUT,
        oracle::Method::Delete => DELETE,
    }
}

/// A success body for `op` in the documented envelope.
pub fn success_body(op: &oracle::Expected, token: &str, refresh: &str) -> Value {
    match op.id {
        "create_admin_session" | "create_customer_session" | "refresh_customer_session" => {
            session_body(token, refresh, 3600)
        }
        "list_customer_wallets" => json!({"code": 200, "message": "Success", "data": []}),
        _ => json!({"code": 200, "message": "Success", "data": {}}),
    }
}

/// The customer's login of the test's ids.
pub fn customer_credentials() -> CustomerCredentials {
    CustomerCredentials::new(
        CUSTOMER,
        USER,
        "marcus@example.test",
        "canary-customer-password-2b8e",
    )
}

/// Calls operation `id` through its typed method, with the test's ids and
/// valid bodies. The customer login stores its handle in `customer`; every
/// customer operation needs one there; logout takes it.
pub async fn call_operation(
    id: &str,
    client: &FinhubClient,
    customer: &mut Option<CustomerClient>,
) -> Result<(), Error> {
    use finhub_ext::api::types;
    let session = |customer: &Option<CustomerClient>| {
        customer
            .clone()
            .unwrap_or_else(|| panic!("{id} needs a customer session"))
    };
    match id {
        "create_admin_session" => client.admin_login().await,
        "get_categorization_hierarchy" => client.categorization_hierarchy().await.map(drop),
        "register_individual_customer" => client.register_customer(&registration()).await.map(drop),
        "create_customer_session" => {
            *customer = Some(client.customer_login(customer_credentials()).await?);
            Ok(())
        }
        "refresh_customer_session" => session(customer).refresh().await,
        "submit_customer_verification" => session(customer)
            .start_verification(&Default::default())
            .await
            .map(drop),
        "create_verification" => {
            let request = finhub_ext::builders::VerificationBuilder::new(CUSTOMER)
                .build()
                .unwrap();
            session(customer)
                .create_verification(&request)
                .await
                .map(drop)
        }
        "get_verification" => session(customer).verification(VERIFICATION).await.map(drop),
        "upload_verification_document" => session(customer)
            .upload_document(VERIFICATION, &document())
            .await
            .map(drop),
        "approve_verification" => client
            .approve_verification(VERIFICATION, &approval())
            .await
            .map(drop),
        "accept_consent" => {
            let consent = types::AcceptConsentRequest {
                accepted: true,
                version: "1.0".into(),
                accepted_at: None,
            };
            session(customer)
                .accept_consent(types::AcceptConsentConsentType::Terms, &consent)
                .await
                .map(drop)
        }
        "check_activation_readiness" => session(customer)
            .activation_readiness(TENANT)
            .await
            .map(drop),
        "activate_customer" => {
            let activation = types::ActivationRequest {
                user_id: USER.into(),
                code: "ACTIVATION_CODE_1".into(),
            };
            client
                .activate_customer(CUSTOMER, &activation)
                .await
                .map(drop)
        }
        "list_customer_wallets" => session(customer).wallets().await.map(drop),
        "delete_customer_session" => {
            let taken = customer.take().expect("logout needs a customer session");
            taken.logout().await.map(drop)
        }
        other => panic!("no typed method known for {other}"),
    }
}
