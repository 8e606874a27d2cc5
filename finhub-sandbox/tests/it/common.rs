//! Shared test helpers: a raw HTTP client that sends FinHub's standard
//! headers and records every response (for the schema test), and the steps
//! of the journey.

use std::sync::{Arc, Mutex};

use finhub_sandbox::{ExposeSecret, Operation, Profile, Sandbox, SandboxCredentials, TokenKind};
use reqwest::Method;
use serde_json::{Value, json};

/// A response as the tests look at it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    /// `data` of the envelope.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// `message` of the envelope.
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }

    /// Fields named in `data.errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["data"]["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts the status and the `{code, message}` envelope.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status: {}", self.text);
        assert_eq!(
            self.body["code"], status,
            "code differs from status: {}",
            self.text
        );
        assert!(
            self.body["message"].is_string(),
            "no message: {}",
            self.text
        );
        self
    }

    /// Asserts an error with exactly `message`.
    #[track_caller]
    pub fn expect_error(&self, status: u16, message: &str) -> &Self {
        self.expect(status);
        assert_eq!(self.message(), message, "{}", self.text);
        self
    }
}

/// One recorded exchange.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub operation: Operation,
    pub status: u16,
    pub body: Value,
}

/// A raw client for the sandbox.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub credentials: SandboxCredentials,
    /// The sandbox's profile: the helpers use its paths and token kinds.
    pub profile: Profile,
    pub recorded: Arc<Mutex<Vec<Recorded>>>,
}

/// `path` with its `{…}` parameters replaced by `values` in order (values
/// left over are ignored).
pub fn fill(path: &str, values: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = path;
    let mut values = values.iter();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("a closed parameter") + open;
        out.push_str(&rest[..open]);
        out.push_str(values.next().expect("a value per parameter"));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The standard headers with the runner defaults.
pub fn standard_headers(tenant: &str) -> Vec<(&'static str, String)> {
    vec![
        ("X-Tenant-ID", tenant.to_string()),
        ("X-Forwarded-For", "127.0.0.1".into()),
        ("X-Forwarded-From", "integration-client".into()),
        ("platform", "web".into()),
        ("deviceId", "integration-device".into()),
        ("User-Agent", "finhub-sandbox-tests/0.1".into()),
    ]
}

impl Api {
    pub fn new(sandbox: &Sandbox) -> Self {
        Api {
            client: reqwest::Client::new(),
            base: sandbox.base_url().to_string(),
            credentials: sandbox.credentials(),
            profile: sandbox.profile(),
            recorded: Arc::default(),
        }
    }

    /// Where the sandbox's profile serves `operation`, its parameters
    /// filled with `values` in order.
    #[track_caller]
    pub fn path(&self, operation: Operation, values: &[&str]) -> String {
        let path = self
            .profile
            .path(operation)
            .unwrap_or_else(|| panic!("{} does not serve {operation}", self.profile));
        fill(path, values)
    }

    /// The token a step that takes `operation` sends: the admin's where
    /// the profile takes only that, else the customer's.
    pub fn token_for<'a>(
        &self,
        operation: Operation,
        admin: &'a str,
        customer: &'a str,
    ) -> &'a str {
        match self.profile.access(operation).only() {
            Some(TokenKind::Admin) => admin,
            Some(TokenKind::Customer) | None => customer,
        }
    }

    /// Sends `operation` at `path` with the standard headers (minus
    /// `without`, plus `extra`), an optional bearer token and JSON body.
    pub async fn send_with(
        &self,
        operation: Operation,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        without: &[&str],
        extra: &[(&str, &str)],
    ) -> Reply {
        let method: Method = operation.method().as_str().parse().unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in standard_headers(&self.credentials.tenant_id) {
            if !without.contains(&name) {
                request = request.header(name, value);
            }
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        self.recorded.lock().unwrap().push(Recorded {
            operation,
            status,
            body: body.clone(),
        });
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn send(
        &self,
        operation: Operation,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send_with(operation, path, token, body, &[], &[]).await
    }

    /// Admin login; the access token.
    pub async fn admin_login(&self) -> Session {
        let reply = self
            .admin_login_with(self.credentials.admin_password.expose_secret())
            .await;
        reply.expect(200);
        Session::from(&reply)
    }

    pub async fn admin_login_with(&self, password: &str) -> Reply {
        let c = &self.credentials;
        self.send(
            Operation::CreateAdminSession,
            &self.path(
                Operation::CreateAdminSession,
                &[&c.organization_id, &c.admin_user_id],
            ),
            None,
            Some(json!({
                "username": c.admin_username,
                "password": password,
                "tenantKey": c.tenant_key.expose_secret(),
                "tenantSecret": c.tenant_secret.expose_secret(),
            })),
        )
        .await
    }

    /// Registers `email`; (customerId, userId).
    pub async fn register(&self, admin: &str, email: &str) -> (String, String) {
        self.register_body(admin, registration(email)).await
    }

    /// Registers with `body`; (customerId, userId).
    pub async fn register_body(&self, admin: &str, body: Value) -> (String, String) {
        let reply = self
            .send(
                Operation::RegisterIndividualCustomer,
                &self.path(Operation::RegisterIndividualCustomer, &[]),
                Some(admin),
                Some(body),
            )
            .await;
        reply.expect(200);
        (
            reply.data()["id"].as_str().unwrap().to_string(),
            reply.data()["user"]["id"].as_str().unwrap().to_string(),
        )
    }

    pub async fn customer_login_with(
        &self,
        customer_id: &str,
        user_id: &str,
        username: &str,
        password: &str,
    ) -> Reply {
        let c = &self.credentials;
        self.send(
            Operation::CreateCustomerSession,
            &format!("/api/v2.1/customer/individual/{customer_id}/users/{user_id}/sessions"),
            None,
            Some(json!({
                "username": username,
                "password": password,
                "tenantKey": c.tenant_key.expose_secret(),
                "tenantSecret": c.tenant_secret.expose_secret(),
            })),
        )
        .await
    }

    pub async fn customer_login(&self, customer: &Customer) -> Session {
        let reply = self
            .customer_login_with(&customer.id, &customer.user_id, &customer.email, PASSWORD)
            .await;
        reply.expect(200);
        Session::from(&reply)
    }

    /// Registers and logs in a customer.
    pub async fn onboard_start(&self, admin: &str, email: &str) -> Customer {
        self.onboard_body(admin, email, registration(email)).await
    }

    /// Registers `email` with `body` and logs the customer in.
    pub async fn onboard_body(&self, admin: &str, email: &str, body: Value) -> Customer {
        let (id, user_id) = self.register_body(admin, body).await;
        let mut customer = Customer {
            id,
            user_id,
            email: email.to_string(),
            session: Session::default(),
        };
        customer.session = self.customer_login(&customer).await;
        customer
    }

    /// Creates a verification; its id.
    pub async fn create_verification(&self, token: &str, customer_id: &str) -> String {
        let reply = self
            .send(
                Operation::CreateVerification,
                "/api/v2.1/verifications",
                Some(token),
                Some(json!({
                    "customerId": customer_id,
                    "type": "IDENTITY_VERIFICATION",
                    "requestedLevel": "TENANT_VERIFIED",
                    "requestedByUserId": "admin-user",
                    "notes": "Identity Verification",
                    "additionalData": {"verificationReason": "Customer onboarding", "priority": "NORMAL"}
                })),
            )
            .await;
        reply.expect(200);
        reply.data()["verificationId"].as_str().unwrap().to_string()
    }

    pub async fn upload(&self, token: &str, verification_id: &str, document_type: &str) -> Reply {
        self.send(
            Operation::UploadVerificationDocument,
            &format!("/api/v2.1/verifications/{verification_id}/documents"),
            Some(token),
            Some(json!({
                "verificationId": verification_id,
                "documentType": document_type,
                "mimeType": "application/pdf",
                "fileName": "passport.pdf",
                "fileContent": PDF_BASE64,
            })),
        )
        .await
    }

    pub async fn approve(&self, admin: &str, verification_id: &str) -> Reply {
        self.send(
            Operation::ApproveVerification,
            &format!("/api/v2.1/verifications/{verification_id}/approve"),
            Some(admin),
            Some(json!({
                "verificationId": verification_id,
                "status": "APPROVED",
                "comment": "Approved",
                "userId": "E2E_ADMIN"
            })),
        )
        .await
    }

    pub async fn consent(&self, token: &str, customer_id: &str, kind: &str) -> Reply {
        self.send(
            Operation::AcceptConsent,
            &format!("/api/v2.1/customer/individual/{customer_id}/consents/{kind}"),
            Some(token),
            Some(json!({"accepted": true, "version": "1.0"})),
        )
        .await
    }

    pub async fn readiness(&self, token: &str, customer_id: &str) -> Reply {
        self.send(
            Operation::CheckActivationReadiness,
            &format!(
                "/api/v2.1/customer/individual/{customer_id}/owner/{}/activation/check",
                self.credentials.tenant_id
            ),
            Some(token),
            None,
        )
        .await
    }

    pub async fn activate(&self, admin: &str, customer_id: &str, user: &str) -> Reply {
        self.send(
            Operation::ActivateCustomer,
            &format!("/api/v2.1/customer/individual/{customer_id}/activation"),
            Some(admin),
            Some(json!({"userId": user, "code": "ACTIVATION_CODE_20260331114954"})),
        )
        .await
    }

    pub async fn wallets(&self, token: &str, customer_id: &str) -> Reply {
        self.send(
            Operation::ListCustomerWallets,
            &format!("/api/v2.1/wallets/customer/{customer_id}?customerType=B2C"),
            Some(token),
            None,
        )
        .await
    }

    /// Everything up to (not including) activation: verification with one
    /// document approved and all three consents.
    pub async fn make_ready(&self, admin: &str, customer: &Customer) {
        let token = self.token_for(
            Operation::CreateVerification,
            admin,
            &customer.session.token,
        );
        let verification = self.create_verification(token, &customer.id).await;
        self.upload(&customer.session.token, &verification, "PASSPORT")
            .await
            .expect(200);
        self.approve(admin, &verification).await.expect(200);
        for kind in ["terms", "privacy", "data-processing"] {
            self.consent(&customer.session.token, &customer.id, kind)
                .await
                .expect(200);
        }
    }

    pub fn session_path(&self, customer: &Customer, session_id: &str) -> String {
        format!(
            "/api/v2.1/customer/individual/{}/users/{}/sessions/{session_id}",
            customer.id, customer.user_id
        )
    }
}

/// Tokens of a login.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub token: String,
    pub refresh_token: String,
    pub session_id: String,
}

impl From<&Reply> for Session {
    fn from(reply: &Reply) -> Self {
        let data = reply.data();
        Session {
            token: data["token"].as_str().unwrap().to_string(),
            refresh_token: data["refreshToken"].as_str().unwrap().to_string(),
            session_id: data["sessionId"].as_str().unwrap().to_string(),
        }
    }
}

/// A registered, logged-in customer.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub session: Session,
}

/// The customers' password.
pub const PASSWORD: &str = "SecurePass123!";

/// A tiny PDF, base64 (the spec's example).
pub const PDF_BASE64: &str = "JVBERi0xLjQKJeLjz9MKJSVFT0YK";

/// A unique e-mail for a test.
pub fn email(tag: &str) -> String {
    format!("{tag}.{}@example.test", uuid_suffix())
}

fn uuid_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The documented registration body for `email`.
pub fn registration(email: &str) -> Value {
    json!({
        "firstName": "Marcus",
        "lastName": "Jensen",
        "email": email,
        "phone": "+37060012345",
        "password": PASSWORD,
        "matchingPassword": PASSWORD,
        "dateOfBirth": "1990-05-15",
        "gender": "MALE",
        "nationality": "LT",
        "placeOfBirth": "Vilnius",
        "pincode": "12345",
        "roleIds": ["ACCOUNT_OWNER", "USER"],
        "customerCategory": {"id": "fs-cat-b2c-low-001", "name": "Individual Standard"},
        "individualCustomer": {
            "tenantId": "d1e2f3a4-b5c6-47d8-9e0f-1a2b3c4d5e6f",
            "customerName": "Marcus Jensen",
            "person": {
                "firstName": "Marcus",
                "lastName": "Jensen",
                "email": email,
                "dateOfBirth": "1990-05-15",
                "gender": "MALE",
                "nationality": "LT",
                "placeOfBirth": "Vilnius",
                "fullName": "Marcus Jensen",
                "addresses": [{
                    "type": "HOME", "street": "123 Medium Risk Street", "city": "Compliance City",
                    "postalCode": "12345", "country": "LT", "isPrimary": true
                }],
                "contacts": [{"type": "EMAIL", "value": email, "isPrimary": true}]
            },
            "user": {
                "username": email,
                "email": email,
                "password": PASSWORD,
                "status": "PENDING_ACTIVATION",
                "roles": ["ACCOUNT_OWNER", "USER"],
                "isActive": false
            }
        }
    })
}

/// The registration body for `email` in the high-risk category
/// (`HIGH_RISK_INDIVIDUAL`), whose KYC needs the power tenant.
pub fn high_risk_registration(email: &str) -> Value {
    let mut body = registration(email);
    body["customerCategory"] = json!({"id": "fs-cat-b2c-high-001", "name": "High Risk Individual"});
    body
}

/// Decodes a JWT's payload without checking it.
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// A response read off a raw connection.
#[derive(Debug, Clone)]
pub struct RawReply {
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    pub body: Value,
}

impl RawReply {
    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// Asserts the status and the `{code, message}` envelope in JSON.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["code"], status, "{self:?}");
        assert!(self.body["message"].is_string(), "{self:?}");
        assert!(
            self.header("content-type")
                .is_some_and(|v| v.starts_with("application/json")),
            "{self:?}"
        );
        self
    }
}

/// Generous bound for anything the server should do promptly; it only
/// fails a test that would otherwise hang. Tests never assert that
/// something was fast: real time decides nothing else (the clock of the
/// sandbox is injected, see `Clock::manual`).
pub const PROMPTLY: std::time::Duration = std::time::Duration::from_secs(20);

/// Bound for a shutdown: ten times the sandbox's grace period for open
/// connections (5 s), so only a shutdown that hangs fails.
pub const SHUTDOWN_BOUND: std::time::Duration = std::time::Duration::from_secs(10 * 5);

/// Writes `request` (a whole HTTP/1.1 message, which should say
/// `Connection: close`) on a fresh connection and reads the answer up to
/// the end of the connection. For what reqwest does not send: any `Host`,
/// a head without its body.
pub async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> RawReply {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(PROMPTLY, stream.read_to_end(&mut bytes))
        .await
        .expect("the sandbox answers and closes the connection")
        .unwrap();
    parse_raw(&bytes)
}

/// Splits a raw response into status, head and JSON body.
pub fn parse_raw(bytes: &[u8]) -> RawReply {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    RawReply {
        status,
        head: head.to_string(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

/// The standard headers as raw header lines.
pub fn raw_headers(tenant: &str) -> String {
    standard_headers(tenant)
        .into_iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect()
}

/// A client that sends the sandbox's control token on every request.
pub fn control_client(sandbox: &Sandbox) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = format!("Bearer {}", sandbox.control_token().expose());
    headers.insert(reqwest::header::AUTHORIZATION, value.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A control request (`/__sandbox…`) with the sandbox's control token.
pub fn control(sandbox: &Sandbox, method: Method, path: &str) -> reqwest::RequestBuilder {
    control_client(sandbox).request(method, format!("{}/__sandbox{path}", sandbox.base_url()))
}
