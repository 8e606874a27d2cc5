//! The facade: [`FinhubClient`] (admin side) and [`CustomerClient`] (one
//! customer's session), a typed method per journey operation, each
//! returning the response's `data` payload. A typed method checks its
//! input and hands one call to the [engine](crate::call).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use finhub_api::{Operation, ResponseValue, types};
use secrecy::ExposeSecret;

use crate::alternatives::{Form, Forms};
use crate::builders::Activation;
use crate::call::Engine;
use crate::classify::ApiError;
use crate::config::{
    AdminCredentials, CustomerCredentials, DEFAULT_USER_AGENT, FinhubClientBuilder,
};
use crate::envelope::Envelope;
use crate::error::Error;
use crate::headers::{ContextHeaders, EndUser, header_value};
use crate::pipeline::Pipeline;
use crate::session::{Login, Owner, Resumed, Session, checked_token};
use crate::snapshot::SessionSnapshot;

/// The FinHub client. Configure it once; it injects FinHub's headers, opens
/// and renews the admin session, retries what is safe to retry and maps
/// every failure to [`Error`]. Cheap to clone: clones share one connection
/// pool and one admin session.
///
/// ```no_run
/// # async fn run() -> Result<(), finhub_ext::Error> {
/// use finhub_ext::{AdminCredentials, FinhubClient, SANDBOX_URL};
///
/// let client = FinhubClient::builder()
///     .base_url(SANDBOX_URL)
///     .tenant_id("97e7ff29-15f3-49ef-9681-3bbfcce4f6cd")
///     .tenant_key("tenant-key")
///     .tenant_secret("tenant-secret")
///     .admin(AdminCredentials::new("org-id", "admin-user-id", "admin@example.com", "admin-password"))
///     .build()?;
/// let hierarchy = client.categorization_hierarchy().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FinhubClient {
    engine: Arc<Engine>,
    end_user: Option<EndUser>,
}

impl fmt::Debug for FinhubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinhubClient")
            .field("base_url", &self.engine.config.base_url)
            .field("tenant_id", &self.engine.config.tenant.id)
            .field("end_user", &self.end_user)
            .finish_non_exhaustive()
    }
}

/// One customer's session: the customer-token operations of the journey
/// (verification, documents, consents, readiness, wallets, logout). Cheap to
/// clone; clones share the session and renew it once for all.
#[derive(Clone)]
pub struct CustomerClient {
    client: FinhubClient,
    session: Arc<Session>,
    customer_id: String,
    user_id: String,
    /// The login name (usually the e-mail), kept after logout.
    username: String,
}

impl fmt::Debug for CustomerClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerClient")
            .field("session", &self.session)
            .field("end_user", &self.client.end_user)
            .finish()
    }
}

impl FinhubClientBuilder {
    /// Builds the client.
    pub fn build(self) -> Result<FinhubClient, Error> {
        let config = self.validated()?;
        // The caller's own HTTP client keeps its `User-Agent` unless one was
        // configured here.
        let user_agent = match (&self.user_agent, &self.http) {
            (Some(agent), _) => Some(agent.as_str()),
            (None, None) => Some(DEFAULT_USER_AGENT),
            (None, Some(_)) => None,
        };
        let headers = ContextHeaders::new(
            header_value("tenant_id", &config.tenant.id)?,
            header_value("request_source", &self.request_source)?,
            &self.platform,
            header_value("device_id", &self.device_id)?,
            user_agent
                .map(|agent| header_value("user_agent", agent))
                .transpose()?,
            self.default_end_user_ip,
        );
        let http = match self.http {
            Some(http) => http,
            None => {
                // With only `tls-ring`, reqwest has no crypto provider of its
                // own: ring becomes the process default (unless the service
                // installed one already, which then stays).
                #[cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc-rs")))]
                let _ = rustls::crypto::ring::default_provider().install_default();
                // FinHub documents no redirect: a followed 307/308 would
                // re-send login bodies to whatever origin the server names.
                let mut http = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .referer(false)
                    .https_only(config.base.https);
                if config.base.loopback {
                    // A local sandbox is never reached through a proxy
                    // (`HTTP_PROXY` would otherwise apply to it too).
                    http = http.no_proxy();
                }
                http.build().map_err(|e| {
                    Error::Config(format!("cannot build the HTTP client: {}", e.without_url()))
                })?
            }
        };
        let timing = config.session;
        let admin = match &config.admin {
            Some(credentials) => {
                let (owner, login) = admin_login(credentials);
                Session::new(owner, login, self.clock.clone(), timing)
            }
            None => Session::unconfigured(self.clock.clone(), timing),
        };
        let pipeline = Arc::new(Pipeline {
            headers,
            retry: self.retry.clone(),
            clock: self.clock.clone(),
            admin: admin.clone(),
            routes: config.routes.clone(),
            forms: Arc::new(Forms::new(config.forms.clone(), config.form_fallback)),
            base_path: config.base.path.clone(),
            max_response_bytes: config.max_response_bytes,
            timeout: self.timeout,
            admission: self.admission.clone(),
        });
        let engine = Engine::new(config, self.clock, admin, http, pipeline);
        Ok(FinhubClient {
            engine: Arc::new(engine),
            end_user: None,
        })
    }
}

/// The admin session's owner and login from its credentials.
fn admin_login(credentials: &AdminCredentials) -> (Owner, Login) {
    (
        Owner::Admin {
            organization_id: credentials.organization_id.clone(),
            user_id: credentials.user_id.clone(),
        },
        Login {
            username: credentials.username.clone(),
            password: credentials.password.clone(),
        },
    )
}

impl FinhubClient {
    /// A builder; see [`FinhubClientBuilder`].
    pub fn builder() -> FinhubClientBuilder {
        FinhubClientBuilder::default()
    }

    /// A client configured from `FINHUB_*` environment variables (see
    /// [`env`](crate::env)); the error names every missing one. Short for
    /// [`FinhubClientBuilder::from_env`] then `build()`.
    pub fn from_env() -> Result<FinhubClient, Error> {
        FinhubClientBuilder::from_env()?.build()
    }

    /// The same client acting for `end_user`: their IP goes in
    /// `X-Forwarded-For` (and their device in `deviceId`) of every call made
    /// through the returned handle.
    pub fn for_end_user(&self, end_user: EndUser) -> FinhubClient {
        FinhubClient {
            engine: self.engine.clone(),
            end_user: Some(end_user),
        }
    }

    /// The generated client underneath, for operations without a typed
    /// method. Its requests still get the context headers, the admin token
    /// for admin operations, retries and logging.
    pub fn raw(&self) -> &finhub_api::Client {
        self.engine.raw()
    }

    /// The configured base URL, normalized.
    pub fn base_url(&self) -> &str {
        &self.engine.config.base_url
    }

    /// The configured tenant id.
    pub fn tenant_id(&self) -> &str {
        &self.engine.config.tenant.id
    }

    /// Replaces (or, on a client built without one, sets) the administrator
    /// login of this client and of every clone sharing its admin session:
    /// the admin token is dropped and the next admin call logs in with
    /// `credentials`.
    ///
    /// This is also how the lockout latch is cleared: after a login refused
    /// with [`Error::InvalidCredentials`] or [`Error::InvalidTenantKeys`],
    /// the admin session sends no further login (FinHub locks an account
    /// after 5 failed logins) and every admin call returns that error at
    /// once, until this is called.
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::{AdminCredentials, Error};
    /// match client.categorization_hierarchy().await {
    ///     Err(Error::InvalidCredentials(_)) => {
    ///         // Read the rotated password from the secret store, then:
    ///         client.set_admin_credentials(AdminCredentials::new(
    ///             "org-id", "admin-user-id", "admin@example.com", "new-password",
    ///         ));
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn set_admin_credentials(&self, credentials: AdminCredentials) {
        let (owner, login) = admin_login(&credentials);
        self.engine.admin.reconfigure(owner, login);
    }

    /// One call of `operation` for this handle's end user, with the token
    /// it is routed to (`customer`: the session of the customer handle
    /// making it, if any).
    async fn call<E, F, Fut>(
        &self,
        operation: Operation,
        customer: Option<&Session>,
        send: F,
    ) -> Result<E::Data, Error>
    where
        E: Envelope,
        F: Fn(finhub_api::Client, Form) -> Fut,
        Fut: Future<Output = Result<ResponseValue<E>, ApiError>>,
    {
        let call = Engine::start(operation, customer, self.end_user.as_ref());
        self.engine.run(call, send).await
    }

    /// Opens (or renews) the admin session now instead of on first use.
    pub async fn admin_login(&self) -> Result<(), Error> {
        let operation = Operation::CreateAdminSession;
        let admin = self.engine.admin_session(operation)?;
        self.engine
            .valid_token(admin, operation, self.end_user.as_ref())
            .await?;
        Ok(())
    }

    /// Categories and features of the configured tenant (admin token).
    /// Pick a category's `databaseId` for the registration.
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient) -> Result<(), finhub_ext::Error> {
    /// let hierarchy = client.categorization_hierarchy().await?;
    /// for (key, category) in &hierarchy.categories {
    ///     println!("{key}: {:?}", category.database_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn categorization_hierarchy(&self) -> Result<types::CategorizationHierarchy, Error> {
        let operation = Operation::GetCategorizationHierarchy;
        let tenant = self.tenant_id();
        self.engine.check_path(operation, &[tenant])?;
        self.call(operation, None, |raw, _| async move {
            raw.get_categorization_hierarchy(tenant).await
        })
        .await
    }

    /// Registers an individual customer (admin token). Returns the new
    /// customer: `id` is the customer id, `user.id` the user id for the
    /// customer's login.
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient, request: finhub_ext::api::types::IndividualRegistrationRequest) -> Result<(), finhub_ext::Error> {
    /// let customer = client.register_customer(&request).await?;
    /// println!("customer {:?}, user {:?}", customer.id, customer.user.and_then(|u| u.id));
    /// # Ok(()) }
    /// ```
    pub async fn register_customer(
        &self,
        request: &types::IndividualRegistrationRequest,
    ) -> Result<types::CustomerRegistrationResponse, Error> {
        let operation = Operation::RegisterIndividualCustomer;
        self.engine.check_body(operation, request)?;
        self.call(operation, None, |raw, _| async move {
            raw.register_individual_customer(request).await
        })
        .await
    }

    /// Logs a customer's user in and returns the handle for the
    /// customer-token operations. The session is renewed automatically.
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::CustomerCredentials;
    /// let customer = client
    ///     .customer_login(CustomerCredentials::new("customer-id", "user-id", "marcus@example.com", "SecurePass123!"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn customer_login(
        &self,
        credentials: CustomerCredentials,
    ) -> Result<CustomerClient, Error> {
        let operation = Operation::CreateCustomerSession;
        self.engine
            .check_path(operation, &[&credentials.customer_id, &credentials.user_id])?;
        let username = credentials.username.clone();
        let session = Session::new(
            Owner::Customer {
                customer_id: credentials.customer_id.clone(),
                user_id: credentials.user_id.clone(),
            },
            Login {
                username: credentials.username,
                password: credentials.password,
            },
            self.engine.clock.clone(),
            self.engine.config.session,
        );
        self.engine
            .valid_token(&session, operation, self.end_user.as_ref())
            .await?;
        Ok(CustomerClient {
            client: self.clone(),
            session,
            customer_id: credentials.customer_id,
            user_id: credentials.user_id,
            username,
        })
    }

    /// Continues a customer session taken with
    /// [`CustomerClient::snapshot`] (in this process or another; see
    /// [`SessionSnapshot`]), without the customer's password.
    ///
    /// The access token is used as it is while it is valid; when it is due
    /// (now, or on a later call) the session renews through the refresh
    /// endpoint. Having no password it never logs in: a refused refresh
    /// (401), a server without refresh (404/405) or a snapshot without a
    /// refresh token fails with [`Error::ReloginRequired`], and the
    /// customer has to log in again ([`FinhubClient::customer_login`]).
    /// Other failures of the refresh (a timeout, a 503) are returned as
    /// they are and a later call tries again.
    ///
    /// A snapshot whose ids would not fit the session paths, or whose
    /// tokens are longer than [`MAX_TOKEN_BYTES`](crate::MAX_TOKEN_BYTES)
    /// or hold characters a header cannot carry, is refused before
    /// anything is sent (`Error::Validation` for the ids, `Error::Config`
    /// naming the token).
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient, stored: finhub_ext::StoredSession) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::{Error, SessionSnapshot};
    /// match client.resume_customer(SessionSnapshot::from_stored(&stored)).await {
    ///     Ok(customer) => {
    ///         customer.wallets().await?;
    ///         // Tokens may have rotated: save the new snapshot.
    ///         let stored = customer.snapshot().map(|s| s.to_stored());
    ///     }
    ///     Err(Error::ReloginRequired { .. }) => { /* ask the customer to log in */ }
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resume_customer(
        &self,
        snapshot: SessionSnapshot,
    ) -> Result<CustomerClient, Error> {
        let operation = Operation::RefreshCustomerSession;
        match &snapshot.session_id {
            Some(session_id) => self.engine.check_path(
                operation,
                &[&snapshot.customer_id, &snapshot.user_id, session_id],
            )?,
            None => self.engine.check_path(
                Operation::CreateCustomerSession,
                &[&snapshot.customer_id, &snapshot.user_id],
            )?,
        }
        let stored = |field: &str, message: String| {
            Error::Config(format!("the session snapshot's {field}: {message}"))
        };
        checked_token("access token", snapshot.access_token.expose_secret())
            .map_err(|m| stored("accessToken", m))?;
        if let Some(refresh) = &snapshot.refresh_token {
            checked_token("refresh token", refresh.expose_secret())
                .map_err(|m| stored("refreshToken", m))?;
        }
        let (customer_id, user_id, username) = (
            snapshot.customer_id.clone(),
            snapshot.user_id.clone(),
            snapshot.username.clone(),
        );
        let session = Session::resumed(
            Resumed {
                customer_id: snapshot.customer_id,
                user_id: snapshot.user_id,
                username: snapshot.username,
                access: snapshot.access_token,
                refresh: snapshot.refresh_token,
                session_id: snapshot.session_id,
                expires_at: snapshot.expires_at,
            },
            self.engine.clock.clone(),
            self.engine.config.session,
        );
        self.engine
            .valid_token(&session, operation, self.end_user.as_ref())
            .await?;
        Ok(CustomerClient {
            client: self.clone(),
            session,
            customer_id,
            user_id,
            username,
        })
    }

    /// Approves a KYC verification (admin token).
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient) -> Result<(), finhub_ext::Error> {
    /// let request = serde_json::from_value(serde_json::json!({
    ///     "verificationId": "verification-id",
    ///     "status": "APPROVED",
    ///     "comment": "Documents verified"
    /// }))
    /// .expect("a valid approval body");
    /// let approval = client
    ///     .approve_verification("verification-id", &request)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn approve_verification(
        &self,
        verification_id: &str,
        request: &types::ApproveVerificationRequest,
    ) -> Result<types::VerificationApproval, Error> {
        let operation = Operation::ApproveVerification;
        self.engine.check_path(operation, &[verification_id])?;
        self.engine.check_body(operation, request)?;
        self.call(operation, None, |raw, _| async move {
            raw.approve_verification(verification_id, request).await
        })
        .await
    }

    /// Activates a customer once KYC is approved and the three consents are
    /// accepted (admin token). Returns the wallet and IBAN when the server
    /// sends them.
    ///
    /// Takes an [`Activation`] (from
    /// [`ActivationBuilder`](crate::builders::ActivationBuilder)), an
    /// `ActivationRequest` or a reference to either. With the customer's
    /// e-mail ([`ActivationBuilder::email`](crate::builders::ActivationBuilder::email))
    /// the client can send FinHub's documented alternative: if the server
    /// answers 400 or 404 naming `userId`, the same activation once more
    /// with the e-mail as `userId` (facts I-6; see
    /// [`alternatives`](crate::alternatives)).
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::builders::ActivationBuilder;
    /// let activation = ActivationBuilder::new("user-id", "ACTIVATION_CODE")
    ///     .email("marcus.jensen@example.com")
    ///     .build()?;
    /// let result = client.activate_customer("customer-id", &activation).await?;
    /// println!("IBAN {:?}", result.iban);
    /// # Ok(()) }
    /// ```
    pub async fn activate_customer(
        &self,
        customer_id: &str,
        activation: impl Into<Activation>,
    ) -> Result<types::ActivationResult, Error> {
        self.activate_as(customer_id, activation.into(), None).await
    }

    /// Activation of `customer_id`, for the customer handle holding
    /// `customer` (if any).
    async fn activate_as(
        &self,
        customer_id: &str,
        activation: Activation,
        customer: Option<&Session>,
    ) -> Result<types::ActivationResult, Error> {
        let operation = Operation::ActivateCustomer;
        self.engine.check_path(operation, &[customer_id])?;
        self.engine.check_body(operation, &activation.body)?;
        let alternative = activation.alternative_body();
        let mut call = Engine::start(operation, customer, self.end_user.as_ref());
        if alternative.is_none() {
            call = call.without_alternative();
        }
        let (primary, alternative) = (&activation.body, alternative.as_ref());
        self.engine
            .run(call, |raw, form| async move {
                let body = match (form, alternative) {
                    (Form::Alternative, Some(body)) => body,
                    _ => primary,
                };
                raw.activate_customer(customer_id, body).await
            })
            .await
    }
}

impl CustomerClient {
    /// The same session acting for `end_user` (`X-Forwarded-For`, `deviceId`).
    pub fn for_end_user(&self, end_user: EndUser) -> CustomerClient {
        CustomerClient {
            client: self.client.for_end_user(end_user),
            ..self.clone()
        }
    }

    /// The customer id of this session.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// The user id of this session.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The server's session id, once logged in.
    pub fn session_id(&self) -> Option<String> {
        self.session.current().and_then(|t| t.session_id.clone())
    }

    /// The admin-side client this session was opened from.
    pub fn client(&self) -> &FinhubClient {
        &self.client
    }

    /// The session as it is now (ids, login name, tokens, expiry), to
    /// continue later without the password
    /// ([`FinhubClient::resume_customer`]); `None` once logged out.
    ///
    /// Refresh tokens rotate: take a new snapshot after calls, since a
    /// renewal may have replaced the refresh token the last one holds.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// customer.wallets().await?;
    /// if let Some(snapshot) = customer.snapshot() {
    ///     let stored = snapshot.to_stored(); // serde: save it with the journey
    /// }
    /// # Ok(()) }
    /// ```
    pub fn snapshot(&self) -> Option<SessionSnapshot> {
        let token = self.session.current()?;
        Some(SessionSnapshot {
            customer_id: self.customer_id.clone(),
            user_id: self.user_id.clone(),
            username: self.username.clone(),
            session_id: token.session_id.clone(),
            access_token: token.access.clone(),
            refresh_token: token.refresh.clone(),
            expires_at: token.expires_at,
        })
    }

    /// One call of `operation` with the token it is routed to: this
    /// customer's, unless routed to the admin's or to none.
    async fn call<E, F, Fut>(&self, operation: Operation, send: F) -> Result<E::Data, Error>
    where
        E: Envelope,
        F: Fn(finhub_api::Client, Form) -> Fut,
        Fut: Future<Output = Result<ResponseValue<E>, ApiError>>,
    {
        self.client.call(operation, Some(&self.session), send).await
    }

    /// Activates this customer (see [`FinhubClient::activate_customer`]),
    /// with the token `activate_customer` is routed to: the admin's by
    /// default, this customer's after
    /// `token_route(Operation::ActivateCustomer, TokenKind::Customer)`.
    ///
    /// The customer's e-mail for the documented alternative of `userId` is
    /// the activation's own ([`ActivationBuilder::email`](crate::builders::ActivationBuilder::email)),
    /// else this session's login name when it is an e-mail address.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::builders::ActivationBuilder;
    /// let request = ActivationBuilder::new(customer.user_id(), "ACTIVATION_CODE").build()?;
    /// let activation = customer.activate(&request).await?;
    /// # Ok(()) }
    /// ```
    pub async fn activate(
        &self,
        activation: impl Into<Activation>,
    ) -> Result<types::ActivationResult, Error> {
        let mut activation = activation.into();
        if activation.email.is_none() && self.username.contains('@') {
            activation.email = Some(self.username.clone());
        }
        self.client
            .activate_as(self.customer_id(), activation, Some(&self.session))
            .await
    }

    /// Renews the session now (normally automatic, ahead of expiry).
    pub async fn refresh(&self) -> Result<(), Error> {
        let stale = self
            .session
            .current()
            .map(|t| t.generation)
            .unwrap_or_default();
        self.client
            .engine
            .renew(
                &self.session,
                stale,
                Operation::RefreshCustomerSession,
                self.client.end_user.as_ref(),
            )
            .await?;
        Ok(())
    }

    /// Starts identity verification (KYC) of this customer through the
    /// customer-scoped endpoint. The returned `verification_id` is filled
    /// from `id` when the server names it so.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::api::types::CustomerVerificationRequest;
    /// let verification = customer.start_verification(&CustomerVerificationRequest::default()).await?;
    /// println!("{:?}", verification.verification_id);
    /// # Ok(()) }
    /// ```
    pub async fn start_verification(
        &self,
        request: &types::CustomerVerificationRequest,
    ) -> Result<types::Verification, Error> {
        let operation = Operation::SubmitCustomerVerification;
        let customer = self.customer_id();
        self.client.engine.check_path(operation, &[customer])?;
        self.client.engine.check_body(operation, request)?;
        self.call(operation, |raw, _| async move {
            raw.submit_customer_verification(customer, request).await
        })
        .await
        .map(with_verification_id)
    }

    /// Creates a verification through the generic endpoint.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::api::types::CreateVerificationRequest;
    /// let verification = customer
    ///     .create_verification(&CreateVerificationRequest {
    ///         customer_id: Some(customer.customer_id().to_string()),
    ///         type_: Some("IDENTITY_VERIFICATION".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_verification(
        &self,
        request: &types::CreateVerificationRequest,
    ) -> Result<types::Verification, Error> {
        let operation = Operation::CreateVerification;
        self.client.engine.check_body(operation, request)?;
        self.call(operation, |raw, _| async move {
            raw.create_verification(request).await
        })
        .await
        .map(with_verification_id)
    }

    /// Reads a verification's current state.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// let verification = customer.verification("verification-id").await?;
    /// println!("{:?}", verification.status);
    /// # Ok(()) }
    /// ```
    pub async fn verification(&self, verification_id: &str) -> Result<types::Verification, Error> {
        let operation = Operation::GetVerification;
        self.client
            .engine
            .check_path(operation, &[verification_id])?;
        self.call(operation, |raw, _| async move {
            raw.get_verification(verification_id).await
        })
        .await
        .map(with_verification_id)
    }

    /// Uploads a KYC document (JSON body with base64 content). The returned
    /// `document_id` is filled from `id` when the server names it so.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient, document: finhub_ext::api::types::UploadVerificationDocumentRequest) -> Result<(), finhub_ext::Error> {
    /// let uploaded = customer.upload_document("verification-id", &document).await?;
    /// println!("{:?}", uploaded.document_id);
    /// # Ok(()) }
    /// ```
    pub async fn upload_document(
        &self,
        verification_id: &str,
        request: &types::UploadVerificationDocumentRequest,
    ) -> Result<types::VerificationDocument, Error> {
        let operation = Operation::UploadVerificationDocument;
        self.client
            .engine
            .check_path(operation, &[verification_id])?;
        self.client.engine.check_body(operation, request)?;
        self.call(operation, |raw, _| async move {
            raw.upload_verification_document(verification_id, request)
                .await
        })
        .await
        .map(|mut document| {
            if document.document_id.is_none() {
                document.document_id = document.id.clone();
            }
            document
        })
    }

    /// Accepts one of the three consents (terms, privacy, data processing).
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::api::types::{AcceptConsentConsentType, AcceptConsentRequest};
    /// let consent = customer
    ///     .accept_consent(AcceptConsentConsentType::Terms, &AcceptConsentRequest {
    ///         accepted: true,
    ///         version: "1.0".into(),
    ///         accepted_at: None,
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn accept_consent(
        &self,
        consent: types::AcceptConsentConsentType,
        request: &types::AcceptConsentRequest,
    ) -> Result<types::Consent, Error> {
        let operation = Operation::AcceptConsent;
        let customer = self.customer_id();
        let consent_type = consent.to_string();
        self.client
            .engine
            .check_path(operation, &[customer, &consent_type])?;
        self.client.engine.check_body(operation, request)?;
        self.call(operation, |raw, _| async move {
            raw.accept_consent(customer, consent, request).await
        })
        .await
    }

    /// Whether the customer can be activated, and what is missing.
    /// `owner_tenant_id` is the tenant that owns the customer (usually the
    /// configured tenant). Not ready is not an error.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// let tenant = customer.client().tenant_id().to_string();
    /// let readiness = customer.activation_readiness(&tenant).await?;
    /// println!("allowed: {:?}, missing consents: {:?}", readiness.activation_allowed, readiness.missing_consents);
    /// # Ok(()) }
    /// ```
    pub async fn activation_readiness(
        &self,
        owner_tenant_id: &str,
    ) -> Result<types::ActivationReadiness, Error> {
        let operation = Operation::CheckActivationReadiness;
        let customer = self.customer_id();
        self.client
            .engine
            .check_path(operation, &[customer, owner_tenant_id])?;
        self.call(operation, |raw, _| async move {
            raw.check_activation_readiness(customer, owner_tenant_id)
                .await
        })
        .await
    }

    /// The customer's wallets (after activation; an IBAN may take a moment
    /// to appear).
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// for wallet in customer.wallets().await? {
    ///     println!("{:?} {:?}", wallet.name, wallet.iban);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wallets(&self) -> Result<Vec<types::Wallet>, Error> {
        let operation = Operation::ListCustomerWallets;
        let customer = self.customer_id();
        self.client.engine.check_path(operation, &[customer])?;
        self.call(operation, |raw, _| async move {
            raw.list_customer_wallets(customer, Some(types::ListCustomerWalletsCustomerType::B2c))
                .await
        })
        .await
    }

    /// Ends the session on the server and wipes the token and credentials
    /// held locally (also when the server call fails).
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// customer.logout().await?;
    /// # Ok(()) }
    /// ```
    pub async fn logout(self) -> Result<types::SessionTermination, Error> {
        let engine = &self.client.engine;
        let operation = Operation::DeleteCustomerSession;
        let end_user = self.client.end_user.as_ref();
        // An expired token cannot end the session: renew it first if due.
        let renewed = engine.valid_token(&self.session, operation, end_user).await;
        let Some(token) = renewed.ok().or_else(|| self.session.current()) else {
            self.session.wipe();
            return Err(Error::Config("the session is not logged in".into()));
        };
        let session_id = token.session_id.clone().unwrap_or_default();
        let (customer, user, session_id) =
            (self.customer_id(), self.user_id(), session_id.as_str());
        if let Err(e) = engine.check_path(operation, &[customer, user, session_id]) {
            self.session.wipe();
            return Err(e);
        }
        let call = Engine::start_with(operation, Some(token.clone()), end_user);
        let result = engine
            .run(call, |raw, _| async move {
                raw.delete_customer_session(customer, user, session_id)
                    .await
            })
            .await;
        self.session.wipe();
        result
    }
}

fn with_verification_id(mut verification: types::Verification) -> types::Verification {
    if verification.verification_id.is_none() {
        verification.verification_id = verification.id.clone();
    }
    verification
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whichever TLS feature is on (`tls-aws-lc-rs`, the default, or
    /// `tls-ring`), building a client for an https base URL works: with
    /// `tls-ring` alone reqwest would panic without the provider this crate
    /// installs.
    #[test]
    fn a_client_for_an_https_base_url_builds_with_the_enabled_tls_provider() {
        let client = FinhubClient::builder()
            .base_url(crate::SANDBOX_URL)
            .tenant_id("tenant")
            .tenant_key("key")
            .tenant_secret("secret")
            .build();
        assert!(client.is_ok(), "{:?}", client.err());
    }
}
