//! [`FinhubClient`] (admin side) and [`CustomerClient`] (one customer's
//! session): a typed method per journey operation, each returning the
//! response's `data` payload.

use std::fmt;
use std::sync::Arc;

use finhub_api::ResponseValue;
use finhub_api::types;
use secrecy::SecretString;

use crate::clock::Clock;
use crate::config::{AdminCredentials, Config, FinhubClientBuilder, builder_from_lookup};
use crate::envelope::{Envelope, error_code_and_message};
use crate::error::{Error, ErrorDetails, clip};
use crate::headers::{ContextHeaders, EndUser, header_value};
use crate::operation::{Operation, SessionRole, TokenKind};
use crate::pipeline::{self, CallContext, CallRecord, Pipeline};
use crate::retry::retry_after;
use crate::session::{Login, Owner, Session, Token};
use crate::validation::{Validate, ValidationContext, validate_path_parameters};

type ApiError = finhub_api::Error<types::ErrorEnvelope>;

/// Runs one generated call through the session logic: token (renewed if
/// due) → the call, through the pipeline → classification; after a 401 on an
/// ordinary operation, one renewal and one retry.
///
/// `call_api!(core, attempt, |raw| raw.method(args))`, where `attempt` comes
/// from [`Core::begin`] or [`Core::begin_with_token`]. A macro rather than a
/// function taking an async closure, so that the futures of every typed
/// method stay `Send`.
macro_rules! call_api {
    ($core:expr, $attempt:expr, |$raw:ident| $call:expr) => {{
        let core: &$crate::client::Core = $core;
        let mut attempt: $crate::client::Attempt<'_> = $attempt;
        loop {
            let context = attempt.context();
            let result = {
                let $raw = &core.raw;
                $crate::pipeline::scoped(context.clone(), $call).await
            };
            if let Some(done) = core.finish(&mut attempt, result, &context).await {
                break done;
            }
        }
    }};
}
pub(crate) use call_api;

/// State shared by every clone of a client.
pub(crate) struct Core {
    pub(crate) raw: finhub_api::Client,
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    /// The admin session (without credentials when none are configured).
    pub(crate) admin: Arc<Session>,
}

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
    core: Arc<Core>,
    end_user: Option<EndUser>,
}

impl fmt::Debug for FinhubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinhubClient")
            .field("base_url", &self.core.config.base_url)
            .field("tenant_id", &self.core.config.tenant.id)
            .field("end_user", &self.end_user)
            .finish_non_exhaustive()
    }
}

/// Login of one customer's user, as returned by registration (`data.id`,
/// `data.user.id`) plus the password the customer chose.
#[derive(Clone)]
pub struct CustomerCredentials {
    customer_id: String,
    user_id: String,
    username: String,
    password: SecretString,
}

impl CustomerCredentials {
    /// The user `user_id` of customer `customer_id`, logging in as
    /// `username` (usually the email) with `password`.
    pub fn new(
        customer_id: impl Into<String>,
        user_id: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        CustomerCredentials {
            customer_id: customer_id.into(),
            user_id: user_id.into(),
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for CustomerCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerCredentials")
            .field("customer_id", &self.customer_id)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("password", &"** redacted **")
            .finish()
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
        let headers = ContextHeaders::new(
            header_value("tenant_id", &config.tenant.id)?,
            header_value("request_source", &self.request_source)?,
            &self.platform,
            header_value("device_id", &self.device_id)?,
            header_value("user_agent", &self.user_agent)?,
            self.default_end_user_ip,
        );
        let http = match self.http {
            Some(http) => http,
            None => {
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
        let admin = match &config.admin {
            Some(credentials) => {
                let (owner, login) = admin_login(credentials);
                Session::new(owner, login)
            }
            None => Session::unconfigured(),
        };
        let pipeline = Arc::new(Pipeline {
            headers,
            retry: self.retry.clone(),
            clock: self.clock.clone(),
            admin: admin.clone(),
            routes: config.routes.clone(),
            base_path: config.base.path.clone(),
            max_response_bytes: config.max_response_bytes,
        });
        let raw = finhub_api::Client::new_with_client(
            &config.base_url,
            http,
            finhub_api::hooks::Inner::new(pipeline),
        );
        Ok(FinhubClient {
            core: Arc::new(Core {
                raw,
                config,
                clock: self.clock,
                admin,
            }),
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
    /// [`config::env`](crate::config::env)); the error names every missing
    /// one.
    pub fn from_env() -> Result<FinhubClient, Error> {
        builder_from_lookup(|name| std::env::var(name).ok())?.build()
    }

    /// The same client acting for `end_user`: their IP goes in
    /// `X-Forwarded-For` (and their device in `deviceId`) of every call made
    /// through the returned handle.
    pub fn for_end_user(&self, end_user: EndUser) -> FinhubClient {
        FinhubClient {
            core: self.core.clone(),
            end_user: Some(end_user),
        }
    }

    /// The generated client underneath, for operations without a typed
    /// method. Its requests still get the context headers, the admin token
    /// for admin operations, retries and logging.
    pub fn raw(&self) -> &finhub_api::Client {
        &self.core.raw
    }

    /// The configured base URL, normalized.
    pub fn base_url(&self) -> &str {
        &self.core.config.base_url
    }

    /// The configured tenant id.
    pub fn tenant_id(&self) -> &str {
        &self.core.config.tenant.id
    }

    /// A call context for this handle's end user (for session calls made
    /// outside a typed operation).
    fn scope(&self) -> Arc<CallContext> {
        Arc::new(CallContext {
            end_user: self.end_user.clone(),
            ..CallContext::default()
        })
    }

    fn admin(&self, operation: &'static str) -> Result<&Arc<Session>, Error> {
        if self.core.admin.has_credentials() {
            Ok(&self.core.admin)
        } else {
            Err(Error::Config(format!(
                "{operation} uses the admin token: configure admin credentials (FinhubClientBuilder::admin)"
            )))
        }
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
        self.core.admin.reconfigure(owner, login);
    }

    /// Starts an operation of this handle with the token it is routed to.
    async fn admin_attempt(&self, operation: &'static str) -> Result<Attempt<'_>, Error> {
        let session = match self.core.config.routes.kind(find(operation)?) {
            TokenKind::Admin => Some(self.admin(operation)?),
            TokenKind::None => None,
            TokenKind::Customer => {
                return Err(Error::Config(format!(
                    "{operation} is routed to the customer token: call it on a CustomerClient"
                )));
            }
        };
        self.core
            .begin(operation, session, self.end_user.as_ref())
            .await
    }

    /// Opens (or renews) the admin session now instead of on first use.
    pub async fn admin_login(&self) -> Result<(), Error> {
        let admin = self.admin("create_admin_session")?;
        pipeline::scoped(
            self.scope(),
            admin.valid_token(&self.core, "create_admin_session"),
        )
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
        let tenant = self.core.config.tenant.id.clone();
        self.core
            .check_path("get_categorization_hierarchy", &[("tenantId", &tenant)])?;
        call_api!(
            &self.core,
            self.admin_attempt("get_categorization_hierarchy").await?,
            |raw| raw.get_categorization_hierarchy(&tenant)
        )
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
        self.core.check("register_individual_customer", request)?;
        call_api!(
            &self.core,
            self.admin_attempt("register_individual_customer").await?,
            |raw| raw.register_individual_customer(request)
        )
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
        self.core.check_path(
            "create_customer_session",
            &[
                ("customerId", &credentials.customer_id),
                ("userId", &credentials.user_id),
            ],
        )?;
        let session = Session::new(
            Owner::Customer {
                customer_id: credentials.customer_id.clone(),
                user_id: credentials.user_id.clone(),
            },
            Login {
                username: credentials.username,
                password: credentials.password,
            },
        );
        pipeline::scoped(
            self.scope(),
            session.valid_token(&self.core, "create_customer_session"),
        )
        .await?;
        Ok(CustomerClient {
            client: self.clone(),
            session,
            customer_id: credentials.customer_id,
            user_id: credentials.user_id,
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
        self.core.check_path(
            "approve_verification",
            &[("verificationId", verification_id)],
        )?;
        self.core.check("approve_verification", request)?;
        call_api!(
            &self.core,
            self.admin_attempt("approve_verification").await?,
            |raw| raw.approve_verification(verification_id, request)
        )
    }

    /// Activates a customer once KYC is approved and the three consents are
    /// accepted (admin token). Returns the wallet and IBAN when the server
    /// sends them.
    ///
    /// ```no_run
    /// # async fn run(client: finhub_ext::FinhubClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::api::types::ActivationRequest;
    /// let activation = client
    ///     .activate_customer("customer-id", &ActivationRequest { user_id: "user-id".into(), code: "ACTIVATION_CODE".into() })
    ///     .await?;
    /// println!("IBAN {:?}", activation.iban);
    /// # Ok(()) }
    /// ```
    pub async fn activate_customer(
        &self,
        customer_id: &str,
        request: &types::ActivationRequest,
    ) -> Result<types::ActivationResult, Error> {
        self.core
            .check_path("activate_customer", &[("customerId", customer_id)])?;
        self.core.check("activate_customer", request)?;
        call_api!(
            &self.core,
            self.admin_attempt("activate_customer").await?,
            |raw| raw.activate_customer(customer_id, request)
        )
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

    /// Starts an operation with the token it is routed to (this
    /// customer's, unless routed to the admin's or to none).
    async fn attempt(&self, operation: &'static str) -> Result<Attempt<'_>, Error> {
        let session = match self.client.core.config.routes.kind(find(operation)?) {
            TokenKind::Customer => Some(&self.session),
            TokenKind::Admin => Some(self.client.admin(operation)?),
            TokenKind::None => None,
        };
        self.client
            .core
            .begin(operation, session, self.client.end_user.as_ref())
            .await
    }

    /// Activates this customer (see [`FinhubClient::activate_customer`]),
    /// with the token `activate_customer` is routed to: the admin's by
    /// default, this customer's after
    /// `token_route("activate_customer", TokenKind::Customer)`.
    ///
    /// ```no_run
    /// # async fn run(customer: finhub_ext::CustomerClient) -> Result<(), finhub_ext::Error> {
    /// use finhub_ext::builders::ActivationBuilder;
    /// let request = ActivationBuilder::new(customer.user_id(), "ACTIVATION_CODE").build().expect("a valid body");
    /// let activation = customer.activate(&request).await?;
    /// # Ok(()) }
    /// ```
    pub async fn activate(
        &self,
        request: &types::ActivationRequest,
    ) -> Result<types::ActivationResult, Error> {
        let customer = self.customer_id().to_string();
        self.client
            .core
            .check_path("activate_customer", &[("customerId", &customer)])?;
        self.client.core.check("activate_customer", request)?;
        call_api!(
            &self.client.core,
            self.attempt("activate_customer").await?,
            |raw| raw.activate_customer(&customer, request)
        )
    }

    /// Renews the session now (normally automatic, ahead of expiry).
    pub async fn refresh(&self) -> Result<(), Error> {
        let stale = self
            .session
            .current()
            .map(|t| t.generation)
            .unwrap_or_default();
        let renewal =
            self.session
                .renew(&self.client.core, Some(stale), "refresh_customer_session");
        pipeline::scoped(self.client.scope(), renewal).await?;
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
        let customer = self.customer_id().to_string();
        self.client
            .core
            .check_path("submit_customer_verification", &[("customerId", &customer)])?;
        self.client
            .core
            .check("submit_customer_verification", request)?;
        call_api!(
            &self.client.core,
            self.attempt("submit_customer_verification").await?,
            |raw| raw.submit_customer_verification(&customer, request)
        )
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
        self.client.core.check("create_verification", request)?;
        call_api!(
            &self.client.core,
            self.attempt("create_verification").await?,
            |raw| raw.create_verification(request)
        )
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
        self.client
            .core
            .check_path("get_verification", &[("verificationId", verification_id)])?;
        call_api!(
            &self.client.core,
            self.attempt("get_verification").await?,
            |raw| raw.get_verification(verification_id)
        )
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
        self.client.core.check_path(
            "upload_verification_document",
            &[("verificationId", verification_id)],
        )?;
        self.client
            .core
            .check("upload_verification_document", request)?;
        call_api!(
            &self.client.core,
            self.attempt("upload_verification_document").await?,
            |raw| raw.upload_verification_document(verification_id, request)
        )
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
        let customer = self.customer_id().to_string();
        self.client
            .core
            .check_path("accept_consent", &[("customerId", &customer)])?;
        self.client.core.check("accept_consent", request)?;
        call_api!(
            &self.client.core,
            self.attempt("accept_consent").await?,
            |raw| raw.accept_consent(&customer, consent, request)
        )
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
        let customer = self.customer_id().to_string();
        self.client.core.check_path(
            "check_activation_readiness",
            &[
                ("customerId", &customer),
                ("ownerTenantId", owner_tenant_id),
            ],
        )?;
        call_api!(
            &self.client.core,
            self.attempt("check_activation_readiness").await?,
            |raw| raw.check_activation_readiness(&customer, owner_tenant_id)
        )
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
        let customer = self.customer_id().to_string();
        self.client
            .core
            .check_path("list_customer_wallets", &[("customerId", &customer)])?;
        call_api!(
            &self.client.core,
            self.attempt("list_customer_wallets").await?,
            |raw| raw.list_customer_wallets(
                &customer,
                Some(types::ListCustomerWalletsCustomerType::B2c)
            )
        )
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
        let core = &self.client.core;
        let operation = "delete_customer_session";
        // An expired token cannot end the session: renew it first if due.
        let context = self.client.scope();
        let renewed = pipeline::scoped(context, self.session.valid_token(core, operation)).await;
        let Some(token) = renewed.ok().or_else(|| self.session.current()) else {
            self.session.wipe();
            return Err(Error::Config("the session is not logged in".into()));
        };
        let session_id = token.session_id.clone().unwrap_or_default();
        let (customer, user) = (self.customer_id().to_string(), self.user_id().to_string());
        if let Err(e) = core.check_path(
            operation,
            &[
                ("customerId", &customer),
                ("userId", &user),
                ("sessionId", &session_id),
            ],
        ) {
            self.session.wipe();
            return Err(e);
        }
        let result = call_api!(core, core.begin_with_token(operation, token)?, |raw| raw
            .delete_customer_session(&customer, &user, &session_id));
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

/// One typed call in progress.
pub(crate) struct Attempt<'s> {
    op: &'static Operation,
    session: Option<&'s Arc<Session>>,
    end_user: Option<EndUser>,
    token: Option<Arc<Token>>,
    renewed: bool,
}

impl Attempt<'_> {
    pub(crate) fn context(&self) -> Arc<CallContext> {
        Arc::new(CallContext {
            end_user: self.end_user.clone(),
            token: self.token.clone(),
            ..CallContext::default()
        })
    }
}

impl Core {
    /// Stage 0, path: no path parameter is empty, `.` or `..` (which would
    /// send the call, and its token, to another endpoint).
    pub(crate) fn check_path(
        &self,
        operation: &'static str,
        parameters: &[(&str, &str)],
    ) -> Result<(), Error> {
        validate_path_parameters(parameters).map_err(|violations| Error::Validation {
            operation,
            violations,
        })
    }

    /// Stage 0: FinHub's documented rules, checked before anything is sent.
    pub(crate) fn check<T: Validate>(
        &self,
        operation: &'static str,
        body: &T,
    ) -> Result<(), Error> {
        let context = ValidationContext::on(self.clock.now().date_naive());
        body.validate_in(&context)
            .map_err(|violations| Error::Validation {
                operation,
                violations,
            })
    }
}

fn find(operation: &'static str) -> Result<&'static Operation, Error> {
    Operation::find(operation)
        .ok_or_else(|| Error::Config(format!("unknown operation {operation}")))
}

impl Core {
    /// Starts a call: finds the operation and, for a session, a token that
    /// is not due for renewal.
    pub(crate) async fn begin<'s>(
        &self,
        operation: &'static str,
        session: Option<&'s Arc<Session>>,
        end_user: Option<&EndUser>,
    ) -> Result<Attempt<'s>, Error> {
        let op = find(operation)?;
        let token = match session {
            Some(session) => {
                let context = Arc::new(CallContext {
                    end_user: end_user.cloned(),
                    ..CallContext::default()
                });
                Some(pipeline::scoped(context, session.valid_token(self, operation)).await?)
            }
            None => None,
        };
        Ok(Attempt {
            op,
            session,
            end_user: end_user.cloned(),
            token,
            renewed: false,
        })
    }

    /// Starts a call with exactly this token and no renewal (refresh,
    /// logout), for the end user of the call in progress on this task.
    pub(crate) fn begin_with_token(
        &self,
        operation: &'static str,
        token: Arc<Token>,
    ) -> Result<Attempt<'static>, Error> {
        Ok(Attempt {
            op: find(operation)?,
            session: None,
            end_user: pipeline::current_end_user(),
            token: Some(token),
            renewed: true,
        })
    }

    /// Starts a call without a token (logins), for the end user of the call
    /// in progress on this task.
    pub(crate) fn begin_unauthenticated(
        &self,
        operation: &'static str,
    ) -> Result<Attempt<'static>, Error> {
        Ok(Attempt {
            op: find(operation)?,
            session: None,
            end_user: pipeline::current_end_user(),
            token: None,
            renewed: true,
        })
    }

    /// Ends an attempt: `Some(result)`, or `None` when the call must be made
    /// again with the renewed token.
    pub(crate) async fn finish<E: Envelope>(
        &self,
        attempt: &mut Attempt<'_>,
        result: Result<ResponseValue<E>, ApiError>,
        context: &CallContext,
    ) -> Option<Result<E::Data, Error>> {
        let record = context.record();
        let outcome = match record.refused {
            Some(refusal) => Err(refusal.into_error(attempt.op.id, record.status)),
            None => self.classify(attempt.op, result, &record),
        };
        let Err(Error::Unauthorized(details)) = outcome else {
            return Some(outcome);
        };
        let (Some(session), Some(rejected), false, SessionRole::Ordinary) = (
            attempt.session,
            &attempt.token,
            attempt.renewed,
            attempt.op.role,
        ) else {
            return Some(Err(Error::Unauthorized(details)));
        };
        attempt.renewed = true;
        let renewal_context = Arc::new(CallContext {
            end_user: attempt.end_user.clone(),
            ..CallContext::default()
        });
        let renewal = session.renew(self, Some(rejected.generation), attempt.op.id);
        match pipeline::scoped(renewal_context, renewal).await {
            Ok(fresh) => {
                attempt.token = Some(fresh);
                None
            }
            // The login refusal itself: the session is latched and the
            // caller must replace the credentials.
            Err(e @ (Error::InvalidCredentials(_) | Error::InvalidTenantKeys(_))) => Some(Err(e)),
            Err(e) => Some(Err(Error::Unauthorized(ErrorDetails {
                message: Some(clip(&format!(
                    "the token was refused and renewing the session failed: {e}"
                ))),
                ..details
            }))),
        }
    }

    /// Stage "classify" of a finished call: the payload, or the error that
    /// the status, the envelope's code or the failure stands for.
    fn classify<E: Envelope>(
        &self,
        op: &'static Operation,
        result: Result<ResponseValue<E>, ApiError>,
        record: &CallRecord,
    ) -> Result<E::Data, Error> {
        let login = op.role == SessionRole::Login;
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let envelope = response.into_inner();
                match envelope.code() {
                    Some(code @ 400..=599) => Err(Error::from_status(
                        ErrorDetails {
                            code: Some(code.to_string()),
                            message: envelope.message().map(clip),
                            ..ErrorDetails::new(op.id, Some(status))
                        },
                        code as u16,
                        login,
                        None,
                    )),
                    _ => Ok(envelope.into_data()),
                }
            }
            Err(error) => Err(self.map_error(op, error, record)),
        }
    }

    fn map_error(&self, op: &'static Operation, error: ApiError, record: &CallRecord) -> Error {
        use finhub_api::Error as E;
        let login = op.role == SessionRole::Login;
        match error {
            E::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let wait = retry_after(response.headers(), self.clock.now());
                let (code, message) = error_code_and_message(&response);
                let details = ErrorDetails {
                    code,
                    message: message.as_deref().map(clip),
                    ..ErrorDetails::new(op.id, Some(status))
                };
                Error::from_status(details, status, login, wait)
            }
            E::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let wait = retry_after(response.headers(), self.clock.now());
                Error::from_status(ErrorDetails::new(op.id, Some(status)), status, login, wait)
            }
            E::InvalidResponsePayload(_, parse) => match record.status {
                // An error status whose body is not FinHub's JSON (a proxy's
                // HTML page, say): the status decides.
                Some(status) if status >= 400 => Error::from_status(
                    ErrorDetails::new(op.id, Some(status)),
                    status,
                    login,
                    record.retry_after,
                ),
                status => Error::Decode {
                    operation: op.id,
                    status,
                    message: describe_parse_error(&parse),
                },
            },
            E::CommunicationError(e) | E::ResponseBodyError(e) => {
                if e.is_timeout() {
                    Error::Timeout { operation: op.id }
                } else {
                    Error::Transport {
                        operation: op.id,
                        message: describe_transport_error(&e),
                    }
                }
            }
            E::InvalidRequest(message) | E::Custom(message) => {
                Error::Config(format!("{}: {message}", op.id))
            }
            other => Error::Decode {
                operation: op.id,
                status: other.status().map(|s| s.as_u16()),
                message: "unexpected response".into(),
            },
        }
    }
}

/// A JSON error without the offending value (which could be anything the
/// server sent).
fn describe_parse_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match error.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "invalid JSON",
        Category::Data => "JSON of an unexpected shape",
        Category::Eof => "truncated JSON",
    };
    format!("{kind} at line {} column {}", error.line(), error.column())
}

/// A transport error without URL (which may carry ids) and without headers.
fn describe_transport_error(error: &reqwest::Error) -> String {
    let mut message = if error.is_connect() {
        "connection failed".to_string()
    } else if error.is_body() || error.is_decode() {
        "the response body could not be read".to_string()
    } else if error.is_request() {
        "the request could not be sent".to_string()
    } else {
        "transport failure".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    message
}
