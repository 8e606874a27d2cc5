//! Configuration of a [`FinhubClient`](crate::FinhubClient): from a builder
//! or from `FINHUB_*` environment variables, and the credentials it logs in
//! with.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;

use finhub_api::Operation;

use crate::admission::Admission;
use crate::alternatives::Form;
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::headers::{DEFAULT_END_USER_IP, Platform};
use crate::operation::{TokenKind, TokenRoutes};
use crate::retry::RetryPolicy;
use crate::session::SessionTiming;

/// FinHub's sandbox environment.
pub const SANDBOX_URL: &str = "https://sandbox.finhub.cloud";

/// `User-Agent` sent unless configured: names this crate and its version.
pub const DEFAULT_USER_AGENT: &str = concat!("finhub-rs/", env!("CARGO_PKG_VERSION"));

/// The tenant's API credentials (Admin Portal → API Settings).
#[derive(Clone)]
pub(crate) struct Tenant {
    pub(crate) id: String,
    pub(crate) key: SecretString,
    pub(crate) secret: SecretString,
}

/// The tenant administrator's login, used for admin operations
/// (categorization, registration, KYC approval, activation).
#[derive(Clone)]
pub struct AdminCredentials {
    pub(crate) organization_id: String,
    pub(crate) user_id: String,
    pub(crate) username: String,
    pub(crate) password: SecretString,
}

impl AdminCredentials {
    /// The admin user `user_id` of organization `organization_id`.
    pub fn new(
        organization_id: impl Into<String>,
        user_id: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        AdminCredentials {
            organization_id: organization_id.into(),
            user_id: user_id.into(),
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for AdminCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCredentials")
            .field("organization_id", &self.organization_id)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("password", &"** redacted **")
            .finish()
    }
}

/// Login of one customer's user, as returned by registration (`data.id`,
/// `data.user.id`) plus the password the customer chose.
#[derive(Clone)]
pub struct CustomerCredentials {
    pub(crate) customer_id: String,
    pub(crate) user_id: String,
    pub(crate) username: String,
    pub(crate) password: SecretString,
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

/// Default of [`FinhubClientBuilder::max_response_bytes`]: 4 MiB, far above
/// any documented FinHub response.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A checked base URL and what the HTTP client is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    /// Normalized, without trailing slash.
    pub(crate) url: String,
    /// The URL's own path (`""` or `/prefix`), which every request path
    /// starts with.
    pub(crate) path: String,
    /// `https` (the HTTP client then refuses anything else).
    pub(crate) https: bool,
    /// A loopback host (the HTTP client then uses no proxy).
    pub(crate) loopback: bool,
}

/// Everything a client needs, validated.
pub(crate) struct Config {
    pub(crate) base_url: String,
    pub(crate) base: BaseUrl,
    pub(crate) max_response_bytes: usize,
    pub(crate) tenant: Tenant,
    pub(crate) admin: Option<AdminCredentials>,
    pub(crate) session: SessionTiming,
    pub(crate) routes: TokenRoutes,
    /// Operations pinned to one documented form.
    pub(crate) forms: Vec<(Operation, Form)>,
    /// Whether a call may switch to an operation's other documented form.
    pub(crate) form_fallback: bool,
}

/// Builds a [`FinhubClient`](crate::FinhubClient). Required: base URL,
/// tenant id, tenant key and tenant secret.
pub struct FinhubClientBuilder {
    pub(crate) base_url: Option<String>,
    pub(crate) tenant_id: Option<String>,
    pub(crate) tenant_key: Option<SecretString>,
    pub(crate) tenant_secret: Option<SecretString>,
    pub(crate) admin: Option<AdminCredentials>,
    pub(crate) device_id: String,
    pub(crate) platform: Platform,
    pub(crate) request_source: String,
    /// `None`: [`DEFAULT_USER_AGENT`] on the client the builder makes, the
    /// caller's own on a client supplied with `http_client`.
    pub(crate) user_agent: Option<String>,
    pub(crate) default_end_user_ip: IpAddr,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) refresh_buffer: Duration,
    pub(crate) refresh_jitter: Duration,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) http: Option<reqwest::Client>,
    pub(crate) routes: TokenRoutes,
    pub(crate) max_response_bytes: usize,
    pub(crate) forms: Vec<(Operation, Form)>,
    pub(crate) form_fallback: bool,
    pub(crate) admission: Option<Arc<dyn Admission>>,
}

impl fmt::Debug for FinhubClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinhubClientBuilder")
            .field(
                "base_url",
                &self.base_url.as_deref().map(|url| Shown(url).to_string()),
            )
            .field("tenant_id", &self.tenant_id)
            .field("admin", &self.admin)
            .field("device_id", &self.device_id)
            .field("platform", &self.platform)
            .field("request_source", &self.request_source)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl Default for FinhubClientBuilder {
    fn default() -> Self {
        FinhubClientBuilder {
            base_url: None,
            tenant_id: None,
            tenant_key: None,
            tenant_secret: None,
            admin: None,
            device_id: "integration-device".into(),
            platform: Platform::web(),
            request_source: "integration-client".into(),
            user_agent: None,
            default_end_user_ip: DEFAULT_END_USER_IP,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            refresh_buffer: Duration::from_secs(60),
            refresh_jitter: Duration::from_secs(30),
            clock: Arc::new(SystemClock),
            http: None,
            routes: TokenRoutes::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            forms: Vec::new(),
            form_fallback: true,
            admission: None,
        }
    }
}

impl FinhubClientBuilder {
    /// FinHub's base URL, e.g. [`SANDBOX_URL`]. `https` is required except
    /// for loopback hosts (local sandboxes and tests).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The tenant id (`X-Tenant-ID`).
    pub fn tenant_id(mut self, id: impl Into<String>) -> Self {
        self.tenant_id = Some(id.into());
        self
    }

    /// The tenant API key, sent in login bodies.
    pub fn tenant_key(mut self, key: impl Into<SecretString>) -> Self {
        self.tenant_key = Some(key.into());
        self
    }

    /// The tenant API secret, sent in login bodies.
    pub fn tenant_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.tenant_secret = Some(secret.into());
        self
    }

    /// The administrator login used for admin operations; the admin session
    /// is opened on first use and renewed automatically.
    pub fn admin(mut self, credentials: AdminCredentials) -> Self {
        self.admin = Some(credentials);
        self
    }

    /// `deviceId` of calls that name no end-user device
    /// (default `integration-device`).
    pub fn device_id(mut self, id: impl Into<String>) -> Self {
        self.device_id = id.into();
        self
    }

    /// `platform` (default `web`).
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    /// `X-Forwarded-From`: the name of the application sending requests
    /// (default `integration-client`).
    pub fn request_source(mut self, source: impl Into<String>) -> Self {
        self.request_source = source.into();
        self
    }

    /// `User-Agent`. Without it, the client the builder makes sends
    /// [`DEFAULT_USER_AGENT`], and a client supplied with
    /// [`http_client`](Self::http_client) keeps its own (none if it has
    /// none); with it, every request sends this one.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// `X-Forwarded-For` of calls that name no end user (default
    /// [`DEFAULT_END_USER_IP`]). Prefer [`FinhubClient::for_end_user`](crate::FinhubClient::for_end_user).
    pub fn default_end_user_ip(mut self, ip: IpAddr) -> Self {
        self.default_end_user_ip = ip;
        self
    }

    /// Total time allowed for one attempt (one HTTP request), default 30 s.
    /// Set on every request, so it applies to a client supplied with
    /// [`http_client`](Self::http_client) too, default included, in place
    /// of that client's own total timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to open a connection (default 10 s). Applies to the
    /// client the builder makes; a client supplied with
    /// [`http_client`](Self::http_client) keeps its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retry policy for idempotent operations (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Renew tokens this long before they expire (default 60 s).
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.refresh_buffer = buffer;
        self
    }

    /// Up to this much earlier again, at random, so that many clients do
    /// not renew at the same moment (default 30 s).
    pub fn refresh_jitter(mut self, jitter: Duration) -> Self {
        self.refresh_jitter = jitter;
        self
    }

    /// The clock (default the system clock); tests pass a
    /// [`ManualClock`](crate::ManualClock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sends `operation` with another token than the documented default
    /// ([`operation::handling`](crate::operation::handling)): FinHub's docs
    /// disagree for some operations. A customer-token operation must then be
    /// called on a [`CustomerClient`](crate::CustomerClient).
    ///
    /// ```
    /// use finhub_ext::{FinhubClient, Operation, TokenKind};
    /// let builder = FinhubClient::builder()
    ///     .token_route(Operation::ActivateCustomer, TokenKind::Customer);
    /// ```
    pub fn token_route(mut self, operation: Operation, token: TokenKind) -> Self {
        self.routes.set(operation, token);
        self
    }

    /// Pins `operation` to one of its documented forms (see
    /// [`alternatives`](crate::alternatives)): every call sends that form
    /// and never switches to the other. Without a pin, a call sends the
    /// primary form (or the one the client learned) and switches once on
    /// the row's trigger.
    ///
    /// ```
    /// use finhub_ext::alternatives::Form;
    /// use finhub_ext::{FinhubClient, Operation};
    /// // This server is known to answer only the plural registration path.
    /// let builder = FinhubClient::builder()
    ///     .form(Operation::RegisterIndividualCustomer, Form::Alternative);
    /// ```
    pub fn form(mut self, operation: Operation, form: Form) -> Self {
        self.forms.retain(|(op, _)| *op != operation);
        self.forms.push((operation, form));
        self
    }

    /// Whether calls may switch to an operation's other documented form on
    /// its trigger (default `true`). With `false`, every operation sends its
    /// pinned form, or else its primary form, and nothing is learned.
    pub fn form_fallback(mut self, enabled: bool) -> Self {
        self.form_fallback = enabled;
        self
    }

    /// Use this `reqwest` client (its connection pool, TLS and proxy
    /// settings) instead of building one. The builder's
    /// [`timeout`](Self::timeout) still applies to every request, and its
    /// `User-Agent` only if [`user_agent`](Self::user_agent) is called.
    ///
    /// The client built otherwise follows no redirect, sends no `Referer`,
    /// accepts only `https` for an `https` base URL and uses no proxy for a
    /// loopback base URL. A client supplied here must be built the same way:
    ///
    /// * `redirect(reqwest::redirect::Policy::none())`: a followed 307/308
    ///   re-sends the request, login bodies with the password, tenant key
    ///   and tenant secret included, to whatever the server names;
    /// * `referer(false)`: a `Referer` carries ids of the previous URL;
    /// * `https_only(true)` for an `https` base URL;
    /// * no proxy for a loopback base URL (`no_proxy()`), and only proxies
    ///   you trust otherwise: a proxy sees every request.
    ///
    /// The pipeline refuses a 3xx response and a response that comes from
    /// another URL than the request's (a redirect the client followed) with
    /// [`Error::Redirect`]; in the second case the request has already been
    /// sent to the redirect target.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// A gate every HTTP attempt waits at before it is sent (retries
    /// included), told each attempt's status and `Retry-After`: stage 4 of
    /// the request pipeline (see [`admission`](crate::admission)). Clients
    /// built from this builder, their clones and their customer clients
    /// share it. Without one, nothing waits.
    pub fn admission(mut self, gate: Arc<dyn Admission>) -> Self {
        self.admission = Some(gate);
        self
    }

    /// The largest response body read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 4 MiB). Applies to success and error
    /// bodies: a larger `Content-Length` is refused before reading, a body
    /// without one is read only up to the limit; either way the call fails
    /// with [`Error::ResponseTooLarge`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    pub(crate) fn validated(&self) -> Result<Config, Error> {
        let mut missing = Vec::new();
        if self.base_url.is_none() {
            missing.push("base_url");
        }
        if self
            .tenant_id
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
        {
            missing.push("tenant_id");
        }
        if self.tenant_key.is_none() {
            missing.push("tenant_key");
        }
        if self.tenant_secret.is_none() {
            missing.push("tenant_secret");
        }
        if !missing.is_empty() {
            return Err(Error::Config(format!("missing {}", missing.join(", "))));
        }
        let base = parse_base_url(self.base_url.as_deref().unwrap_or_default())?;
        Ok(Config {
            base_url: base.url.clone(),
            base,
            max_response_bytes: self.max_response_bytes,
            tenant: Tenant {
                id: self.tenant_id.clone().unwrap_or_default(),
                key: self.tenant_key.clone().unwrap_or_default(),
                secret: self.tenant_secret.clone().unwrap_or_default(),
            },
            admin: self.admin.clone(),
            session: SessionTiming {
                buffer: self.refresh_buffer,
                jitter: self.refresh_jitter,
            },
            routes: self.routes.clone(),
            forms: self.forms.clone(),
            form_fallback: self.form_fallback,
        })
    }
}

/// How an input appears in errors and `Debug`: quoted, unless it could
/// carry credentials (`user:password@host`), which are never printed.
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains('@') {
            f.write_str("(not shown: it contains `@`)")
        } else {
            write!(f, "`{}`", self.0)
        }
    }
}

/// Whether `input` names a user or password before its host, read without
/// parsing, so that an input that is not a URL at all is recognized too.
fn carries_userinfo(input: &str) -> bool {
    let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest[..end].contains('@')
}

/// Checks and normalizes a base URL: absolute, `https` unless the host is
/// loopback, no credentials, no query or fragment, no trailing slash.
///
/// Errors never quote an input that carries credentials (or any `@`).
pub(crate) fn parse_base_url(input: &str) -> Result<BaseUrl, Error> {
    let input = input.trim();
    // First, before anything can quote the input.
    if carries_userinfo(input) {
        return Err(Error::Config(
            "base_url must not carry credentials (user:password@host); the value is not shown"
                .into(),
        ));
    }
    let shown = Shown(input);
    let url = Url::parse(input)
        .map_err(|e| Error::Config(format!("base_url {shown} is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "base_url must not carry credentials (user:password@host); the value is not shown"
                .into(),
        ));
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::Config(format!(
                "base_url {shown} must use https (plain http is allowed only for loopback hosts)"
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "base_url {shown} has unsupported scheme `{other}`"
            )));
        }
    }
    if host.is_empty() {
        return Err(Error::Config(format!("base_url {shown} has no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base_url {shown} must not have a query or fragment"
        )));
    }
    Ok(BaseUrl {
        url: url.as_str().trim_end_matches('/').to_string(),
        path: url.path().trim_end_matches('/').to_string(),
        https: url.scheme() == "https",
        loopback,
    })
}

/// The environment variables [`FinhubClientBuilder::from_env`] reads.
pub mod env {
    /// Base URL (required).
    pub const BASE_URL: &str = "FINHUB_BASE_URL";
    /// Tenant id (required).
    pub const TENANT_ID: &str = "FINHUB_TENANT_ID";
    /// Tenant API key (required).
    pub const TENANT_KEY: &str = "FINHUB_TENANT_KEY";
    /// Tenant API secret (required).
    pub const TENANT_SECRET: &str = "FINHUB_TENANT_SECRET";
    /// Admin organization id (optional; all four admin variables or none).
    pub const ADMIN_ORGANIZATION_ID: &str = "FINHUB_ADMIN_ORGANIZATION_ID";
    /// Admin user id.
    pub const ADMIN_USER_ID: &str = "FINHUB_ADMIN_USER_ID";
    /// Admin username.
    pub const ADMIN_USERNAME: &str = "FINHUB_ADMIN_USERNAME";
    /// Admin password.
    pub const ADMIN_PASSWORD: &str = "FINHUB_ADMIN_PASSWORD";
    /// `deviceId` (optional).
    pub const DEVICE_ID: &str = "FINHUB_DEVICE_ID";
    /// `platform` (optional).
    pub const PLATFORM: &str = "FINHUB_PLATFORM";
    /// `X-Forwarded-From` (optional).
    pub const REQUEST_SOURCE: &str = "FINHUB_REQUEST_SOURCE";
    /// `User-Agent` (optional).
    pub const USER_AGENT: &str = "FINHUB_USER_AGENT";
}

impl FinhubClientBuilder {
    /// A builder configured from `FINHUB_*` environment variables (see
    /// [`env`](crate::env)); the error names every missing one. Anything
    /// else (an HTTP client of your own, a clock, a retry policy…) can be
    /// added before `build()`.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), finhub_ext::Error> {
    /// let http = finhub_ext::reqwest::Client::builder()
    ///     .redirect(finhub_ext::reqwest::redirect::Policy::none())
    ///     .referer(false)
    ///     .build()
    ///     .expect("an HTTP client");
    /// let client = finhub_ext::FinhubClientBuilder::from_env()?
    ///     .http_client(http)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<FinhubClientBuilder, Error> {
        builder_from_lookup(|name| std::env::var(name).ok())
    }
}

/// Reads the builder from `lookup` (the process environment in
/// [`FinhubClientBuilder::from_env`]); names every missing required variable
/// in one error.
pub(crate) fn builder_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<FinhubClientBuilder, Error> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let mut missing: Vec<&str> = [
        env::BASE_URL,
        env::TENANT_ID,
        env::TENANT_KEY,
        env::TENANT_SECRET,
    ]
    .into_iter()
    .filter(|name| get(name).is_none())
    .collect();
    let admin_vars = [
        env::ADMIN_ORGANIZATION_ID,
        env::ADMIN_USER_ID,
        env::ADMIN_USERNAME,
        env::ADMIN_PASSWORD,
    ];
    let admin_given = admin_vars.iter().filter(|n| get(n).is_some()).count();
    if admin_given > 0 && admin_given < admin_vars.len() {
        missing.extend(admin_vars.iter().filter(|n| get(n).is_none()));
    }
    if !missing.is_empty() {
        return Err(Error::Config(format!(
            "missing environment variables: {}",
            missing.join(", ")
        )));
    }
    let mut builder = FinhubClientBuilder::default()
        .base_url(get(env::BASE_URL).unwrap_or_default())
        .tenant_id(get(env::TENANT_ID).unwrap_or_default())
        .tenant_key(SecretString::from(get(env::TENANT_KEY).unwrap_or_default()))
        .tenant_secret(SecretString::from(
            get(env::TENANT_SECRET).unwrap_or_default(),
        ));
    if admin_given == admin_vars.len() {
        builder = builder.admin(AdminCredentials::new(
            get(env::ADMIN_ORGANIZATION_ID).unwrap_or_default(),
            get(env::ADMIN_USER_ID).unwrap_or_default(),
            get(env::ADMIN_USERNAME).unwrap_or_default(),
            SecretString::from(get(env::ADMIN_PASSWORD).unwrap_or_default()),
        ));
    }
    if let Some(device) = get(env::DEVICE_ID) {
        builder = builder.device_id(device);
    }
    if let Some(platform) = get(env::PLATFORM) {
        builder = builder.platform(Platform::custom(&platform)?);
    }
    if let Some(source) = get(env::REQUEST_SOURCE) {
        builder = builder.request_source(source);
    }
    if let Some(agent) = get(env::USER_AGENT) {
        builder = builder.user_agent(agent);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{assert_option_wipes_on_drop, assert_wipes_on_drop};

    /// The secret fields of this module, checked by the compiler: the test
    /// builds only while each is of a type that wipes its memory on drop.
    #[test]
    fn every_field_holding_a_secret_wipes_its_memory_on_drop() {
        fn check(
            tenant: &Tenant,
            admin: &AdminCredentials,
            customer: &CustomerCredentials,
            builder: &FinhubClientBuilder,
        ) {
            assert_wipes_on_drop(&tenant.key);
            assert_wipes_on_drop(&tenant.secret);
            assert_wipes_on_drop(&admin.password);
            assert_wipes_on_drop(&customer.password);
            assert_option_wipes_on_drop(&builder.tenant_key);
            assert_option_wipes_on_drop(&builder.tenant_secret);
        }
        let admin = AdminCredentials::new("org", "user", "admin", "canary-password");
        let customer = CustomerCredentials::new("c", "u", "marcus", "canary-password");
        let tenant = Tenant {
            id: "t".into(),
            key: "canary-key".into(),
            secret: "canary-secret".into(),
        };
        check(&tenant, &admin, &customer, &FinhubClientBuilder::default());
    }

    fn normalize_base_url(input: &str) -> Result<String, Error> {
        parse_base_url(input).map(|base| base.url)
    }

    #[test]
    fn base_urls_are_normalized_and_checked() {
        assert_eq!(
            normalize_base_url("https://sandbox.finhub.cloud/").unwrap(),
            "https://sandbox.finhub.cloud"
        );
        assert_eq!(
            normalize_base_url(" https://h.example/prefix// ").unwrap(),
            "https://h.example/prefix"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_base_url("http://localhost:1").unwrap(),
            "http://localhost:1"
        );
        assert_eq!(
            normalize_base_url("http://[::1]:9").unwrap(),
            "http://[::1]:9"
        );
        for bad in [
            "http://sandbox.finhub.cloud",
            "ftp://x",
            "not a url",
            "https://h/?q=1",
            "https://u:p@h",
        ] {
            let err = normalize_base_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("configuration: base_url"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_base_url_with_credentials_is_never_printed() {
        const CANARY: &str = "url-password-canary-5e1b";
        for template in [
            "https://u:CANARY@h.example",
            "https:u:CANARY@h",
            "https://u:CANARY@[::1",
            "https://u:CANARY@h:99999",
            " https://u:CANARY@h ",
            "not a url u:CANARY@h",
        ] {
            let url = template.replace("CANARY", CANARY);
            let err = normalize_base_url(&url).unwrap_err();
            let printed = format!("{err} {err:?}");
            assert!(!printed.contains(CANARY), "{template}: {printed}");
        }
    }

    #[test]
    fn from_env_names_every_missing_variable() {
        let err = builder_from_lookup(|name| (name == env::TENANT_ID).then(|| "t".to_string()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration: missing environment variables: FINHUB_BASE_URL, FINHUB_TENANT_KEY, FINHUB_TENANT_SECRET"
        );
        let partial_admin = |name: &str| match name {
            env::BASE_URL => Some("https://h".to_string()),
            env::TENANT_ID | env::TENANT_KEY | env::TENANT_SECRET | env::ADMIN_USERNAME => {
                Some("x".to_string())
            }
            _ => None,
        };
        let err = builder_from_lookup(partial_admin).unwrap_err().to_string();
        assert!(
            err.contains(
                "FINHUB_ADMIN_ORGANIZATION_ID, FINHUB_ADMIN_USER_ID, FINHUB_ADMIN_PASSWORD"
            ),
            "{err}"
        );
    }
}
