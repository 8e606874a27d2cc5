//! [`SandboxConfig`]: the seeded tenant, its administrator and the token
//! settings, with documented defaults and `FINHUB_SANDBOX_*` overrides; and
//! [`SandboxCredentials`], what a client needs to log in.
//!
//! The seeded secrets are the sandbox's own and are not real FinHub
//! credentials; they are still kept in secret types so that `Debug` output
//! and logs never show them: [`Sensitive`] (the generated request types'
//! secret type, which the login handlers compare with) in the
//! configuration, [`SecretString`] (the one finhub-ext's client takes) in
//! the credentials handed to clients.

use std::fmt::{self, Write as _};
use std::str::FromStr;
use std::time::Duration;

use finhub_api::Sensitive;
use secrecy::{ExposeSecret, SecretString};

use crate::choice::UnknownChoice;
use crate::control_token::ControlToken;
use crate::limits::{
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    MAX_CONNECTIONS_BOUND, MAX_LIFETIME, MAX_READ_TIMEOUT,
};
use crate::outbox::ActivationCodes;
use crate::profile::Profile;
use crate::review::ReviewMode;

/// Default tenant id (the `X-Tenant-ID` every request must carry).
pub const DEFAULT_TENANT_ID: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
/// Default tenant display name (categorization `tenantName`).
pub const DEFAULT_TENANT_NAME: &str = "FinHub Sandbox";
/// Default organization id (admin login path).
pub const DEFAULT_ORGANIZATION_ID: &str = "5b0c6d2e-8f1a-4c3b-9d7e-2a4f6b8c0d1e";
/// Default admin user id (admin login path).
pub const DEFAULT_ADMIN_USER_ID: &str = "e2f3a4b5-c6d7-48e9-8f1a-2b3c4d5e6f7a";
/// Default admin username.
pub const DEFAULT_ADMIN_USERNAME: &str = "admin@sandbox.finhub.local";
/// Default admin password.
pub const DEFAULT_ADMIN_PASSWORD: &str = "SandboxAdmin123!";
/// Default tenant API key.
pub const DEFAULT_TENANT_KEY: &str = "sbxK_7Qm2Lp9Xv4Tn8Rw1Zc6Hd3";
/// Default tenant API secret.
pub const DEFAULT_TENANT_SECRET: &str = "sbxS_s3Cr3tSandboxOnlyNotReal";
/// Default access-token lifetime (the documented 3600 s).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Default session (refresh-token) lifetime: 24 h, the real server's
/// informational `expiresAt`.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Failed logins in a row that lock a user (documented: 5).
pub const DEFAULT_LOCKOUT_THRESHOLD: u32 = 5;
/// How long a locked user stays locked (documented: 30 minutes).
pub const DEFAULT_LOCKOUT_DURATION: Duration = Duration::from_secs(30 * 60);

/// Everything a sandbox is seeded with. `Default` gives the documented
/// defaults; override fields directly, or read `FINHUB_SANDBOX_*` variables
/// with [`SandboxConfig::from_env`].
#[derive(Clone)]
pub struct SandboxConfig {
    /// The only tenant: every request's `X-Tenant-ID` must equal it.
    /// Env: `FINHUB_SANDBOX_TENANT_ID`.
    pub tenant_id: String,
    /// Tenant display name. Env: `FINHUB_SANDBOX_TENANT_NAME`.
    pub tenant_name: String,
    /// Organization id of the admin login path. Env: `FINHUB_SANDBOX_ORGANIZATION_ID`.
    pub organization_id: String,
    /// Admin user id of the admin login path. Env: `FINHUB_SANDBOX_ADMIN_USER_ID`.
    pub admin_user_id: String,
    /// Admin username. Env: `FINHUB_SANDBOX_ADMIN_USERNAME`.
    pub admin_username: String,
    /// Admin password. Env: `FINHUB_SANDBOX_ADMIN_PASSWORD`.
    pub admin_password: Sensitive,
    /// Tenant API key, sent in every login body. Env: `FINHUB_SANDBOX_TENANT_KEY`.
    pub tenant_key: Sensitive,
    /// Tenant API secret, sent in every login body. Env: `FINHUB_SANDBOX_TENANT_SECRET`.
    pub tenant_secret: Sensitive,
    /// Access-token lifetime (`expiresIn`, JWT `exp - iat`); whole seconds,
    /// at least one. Env: `FINHUB_SANDBOX_TOKEN_LIFETIME_SECS`.
    pub token_lifetime: Duration,
    /// How long a session can be refreshed (the informational `expiresAt`).
    /// Env: `FINHUB_SANDBOX_SESSION_LIFETIME_SECS`.
    pub session_lifetime: Duration,
    /// Failed logins that lock a user. Env: `FINHUB_SANDBOX_LOCKOUT_THRESHOLD`.
    pub lockout_threshold: u32,
    /// How long a lock lasts, at most `i32::MAX` seconds.
    /// Env: `FINHUB_SANDBOX_LOCKOUT_SECS`.
    pub lockout_duration: Duration,
    /// HS256 signing secret; `None` draws a random one per sandbox, so a
    /// token from another run is rejected. Env: `FINHUB_SANDBOX_JWT_SECRET`.
    pub jwt_secret: Option<Sensitive>,
    /// Seed of the fault-injection random numbers (error rates are
    /// deterministic for a given seed and request order).
    /// Env: `FINHUB_SANDBOX_FAULT_SEED`.
    pub fault_seed: u64,
    /// The token the control endpoints require (`Authorization: Bearer
    /// <token>`); `None` draws a random one per start, read it with
    /// [`Sandbox::control_token`](crate::Sandbox::control_token). A fixed
    /// one (for scripts and CI) has at least 16 visible ASCII characters.
    /// Env: `FINHUB_SANDBOX_CONTROL_TOKEN`.
    pub control_token: Option<Sensitive>,
    /// How long a client has to send a request's head; also how long an
    /// idle keep-alive connection stays open. 1 ms to 1 hour.
    /// Env: `FINHUB_SANDBOX_HEADER_READ_TIMEOUT_SECS`.
    pub header_read_timeout: Duration,
    /// How long a client has to send a whole request body (408 after).
    /// 1 ms to 1 hour. Env: `FINHUB_SANDBOX_BODY_READ_TIMEOUT_SECS`.
    pub body_read_timeout: Duration,
    /// Connections served at once, 1 to 65 536; more wait (in the
    /// listener's backlog) until one closes.
    /// Env: `FINHUB_SANDBOX_MAX_CONNECTIONS`.
    pub max_connections: usize,
    /// Which of FinHub's documented variants the sandbox plays (paths,
    /// answers, token kinds; see [`Profile`]). Env:
    /// `FINHUB_SANDBOX_PROFILE` (`lenient`, `runner`, `reference`).
    pub profile: Profile,
    /// Whether activation accepts any non-empty code or only the one of
    /// the activation e-mail in the outbox. Env:
    /// `FINHUB_SANDBOX_ACTIVATION_CODES` (`any-non-empty`, `emailed`).
    pub activation_codes: ActivationCodes,
    /// Which approvals wait for the power tenant's review. Env:
    /// `FINHUB_SANDBOX_REVIEW` (`off`, `power-tenant`, `all`).
    pub review: ReviewMode,
    /// How long (sandbox clock) a review takes once the tenant admin
    /// approved; `None`: until approved through the control API. At most
    /// `i32::MAX` seconds. Env: `FINHUB_SANDBOX_REVIEW_DELAY_SECS`.
    pub review_delay: Option<Duration>,
    /// How long (sandbox clock) after activation the product wallet gets
    /// its IBAN; zero: at once. At most `i32::MAX` seconds. Env:
    /// `FINHUB_SANDBOX_IBAN_DELAY_SECS`.
    pub iban_delay: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            tenant_id: DEFAULT_TENANT_ID.to_string(),
            tenant_name: DEFAULT_TENANT_NAME.to_string(),
            organization_id: DEFAULT_ORGANIZATION_ID.to_string(),
            admin_user_id: DEFAULT_ADMIN_USER_ID.to_string(),
            admin_username: DEFAULT_ADMIN_USERNAME.to_string(),
            admin_password: Sensitive::from(DEFAULT_ADMIN_PASSWORD),
            tenant_key: Sensitive::from(DEFAULT_TENANT_KEY),
            tenant_secret: Sensitive::from(DEFAULT_TENANT_SECRET),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            lockout_threshold: DEFAULT_LOCKOUT_THRESHOLD,
            lockout_duration: DEFAULT_LOCKOUT_DURATION,
            jwt_secret: None,
            fault_seed: 0,
            control_token: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            profile: Profile::default(),
            activation_codes: ActivationCodes::default(),
            review: ReviewMode::default(),
            review_delay: None,
            iban_delay: Duration::ZERO,
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sensitive fields print as `** redacted **`.
        f.debug_struct("SandboxConfig")
            .field("tenant_id", &self.tenant_id)
            .field("tenant_name", &self.tenant_name)
            .field("organization_id", &self.organization_id)
            .field("admin_user_id", &self.admin_user_id)
            .field("admin_username", &self.admin_username)
            .field("admin_password", &self.admin_password)
            .field("tenant_key", &self.tenant_key)
            .field("tenant_secret", &self.tenant_secret)
            .field("token_lifetime", &self.token_lifetime)
            .field("session_lifetime", &self.session_lifetime)
            .field("lockout_threshold", &self.lockout_threshold)
            .field("lockout_duration", &self.lockout_duration)
            .field("jwt_secret", &self.jwt_secret)
            .field("fault_seed", &self.fault_seed)
            .field("control_token", &self.control_token)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_connections", &self.max_connections)
            .field("profile", &self.profile)
            .field("activation_codes", &self.activation_codes)
            .field("review", &self.review)
            .field("review_delay", &self.review_delay)
            .field("iban_delay", &self.iban_delay)
            .finish()
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sandbox configuration: {field}: {problem}")]
pub struct ConfigError {
    /// The field or environment variable.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl ConfigError {
    fn new(field: &str, problem: impl Into<String>) -> Self {
        ConfigError {
            field: field.to_string(),
            problem: problem.into(),
        }
    }
}

/// Reads a named choice (a profile, a mode) into `target` when `value` is set.
fn choice<T: FromStr<Err = UnknownChoice>>(
    name: &str,
    value: Option<String>,
    target: &mut T,
) -> Result<(), ConfigError> {
    if let Some(value) = value {
        *target = value
            .parse()
            .map_err(|e: UnknownChoice| ConfigError::new(name, e.to_string()))?;
    }
    Ok(())
}

/// Names of the environment variables [`SandboxConfig::from_env`] reads.
pub const ENV_VARS: [&str; 23] = [
    "FINHUB_SANDBOX_TENANT_ID",
    "FINHUB_SANDBOX_TENANT_NAME",
    "FINHUB_SANDBOX_ORGANIZATION_ID",
    "FINHUB_SANDBOX_ADMIN_USER_ID",
    "FINHUB_SANDBOX_ADMIN_USERNAME",
    "FINHUB_SANDBOX_ADMIN_PASSWORD",
    "FINHUB_SANDBOX_TENANT_KEY",
    "FINHUB_SANDBOX_TENANT_SECRET",
    "FINHUB_SANDBOX_TOKEN_LIFETIME_SECS",
    "FINHUB_SANDBOX_SESSION_LIFETIME_SECS",
    "FINHUB_SANDBOX_LOCKOUT_THRESHOLD",
    "FINHUB_SANDBOX_LOCKOUT_SECS",
    "FINHUB_SANDBOX_JWT_SECRET",
    "FINHUB_SANDBOX_FAULT_SEED",
    "FINHUB_SANDBOX_CONTROL_TOKEN",
    "FINHUB_SANDBOX_HEADER_READ_TIMEOUT_SECS",
    "FINHUB_SANDBOX_BODY_READ_TIMEOUT_SECS",
    "FINHUB_SANDBOX_MAX_CONNECTIONS",
    "FINHUB_SANDBOX_PROFILE",
    "FINHUB_SANDBOX_ACTIVATION_CODES",
    "FINHUB_SANDBOX_REVIEW",
    "FINHUB_SANDBOX_REVIEW_DELAY_SECS",
    "FINHUB_SANDBOX_IBAN_DELAY_SECS",
];

impl SandboxConfig {
    /// The defaults, overridden by every `FINHUB_SANDBOX_*` variable that is
    /// set (see [`ENV_VARS`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`
    /// (tests pass a map instead of touching the process environment).
    pub fn from_lookup(
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = SandboxConfig::default();
        let mut text = |name: &str, target: &mut String| -> Result<(), ConfigError> {
            if let Some(value) = lookup(name) {
                if value.trim().is_empty() {
                    return Err(ConfigError::new(name, "must not be empty"));
                }
                *target = value;
            }
            Ok(())
        };
        text("FINHUB_SANDBOX_TENANT_ID", &mut config.tenant_id)?;
        text("FINHUB_SANDBOX_TENANT_NAME", &mut config.tenant_name)?;
        text(
            "FINHUB_SANDBOX_ORGANIZATION_ID",
            &mut config.organization_id,
        )?;
        text("FINHUB_SANDBOX_ADMIN_USER_ID", &mut config.admin_user_id)?;
        text("FINHUB_SANDBOX_ADMIN_USERNAME", &mut config.admin_username)?;
        let mut secret = String::new();
        text("FINHUB_SANDBOX_ADMIN_PASSWORD", &mut secret)?;
        if !secret.is_empty() {
            config.admin_password = Sensitive::from(std::mem::take(&mut secret));
        }
        text("FINHUB_SANDBOX_TENANT_KEY", &mut secret)?;
        if !secret.is_empty() {
            config.tenant_key = Sensitive::from(std::mem::take(&mut secret));
        }
        text("FINHUB_SANDBOX_TENANT_SECRET", &mut secret)?;
        if !secret.is_empty() {
            config.tenant_secret = Sensitive::from(std::mem::take(&mut secret));
        }
        text("FINHUB_SANDBOX_JWT_SECRET", &mut secret)?;
        if !secret.is_empty() {
            config.jwt_secret = Some(Sensitive::from(std::mem::take(&mut secret)));
        }
        text("FINHUB_SANDBOX_CONTROL_TOKEN", &mut secret)?;
        if !secret.is_empty() {
            config.control_token = Some(Sensitive::from(std::mem::take(&mut secret)));
        }
        let mut number = |name: &str| -> Result<Option<u64>, ConfigError> {
            match lookup(name) {
                None => Ok(None),
                Some(value) => value.trim().parse::<u64>().map(Some).map_err(|_| {
                    ConfigError::new(
                        name,
                        format!("`{value}` is not a whole non-negative number"),
                    )
                }),
            }
        };
        if let Some(secs) = number("FINHUB_SANDBOX_TOKEN_LIFETIME_SECS")? {
            config.token_lifetime = Duration::from_secs(secs);
        }
        if let Some(secs) = number("FINHUB_SANDBOX_SESSION_LIFETIME_SECS")? {
            config.session_lifetime = Duration::from_secs(secs);
        }
        if let Some(count) = number("FINHUB_SANDBOX_LOCKOUT_THRESHOLD")? {
            config.lockout_threshold = u32::try_from(count).map_err(|_| {
                ConfigError::new("FINHUB_SANDBOX_LOCKOUT_THRESHOLD", "is too large")
            })?;
        }
        if let Some(secs) = number("FINHUB_SANDBOX_LOCKOUT_SECS")? {
            config.lockout_duration = Duration::from_secs(secs);
        }
        if let Some(seed) = number("FINHUB_SANDBOX_FAULT_SEED")? {
            config.fault_seed = seed;
        }
        if let Some(secs) = number("FINHUB_SANDBOX_HEADER_READ_TIMEOUT_SECS")? {
            config.header_read_timeout = Duration::from_secs(secs);
        }
        if let Some(secs) = number("FINHUB_SANDBOX_BODY_READ_TIMEOUT_SECS")? {
            config.body_read_timeout = Duration::from_secs(secs);
        }
        if let Some(count) = number("FINHUB_SANDBOX_MAX_CONNECTIONS")? {
            config.max_connections = usize::try_from(count).unwrap_or(usize::MAX);
        }
        if let Some(secs) = number("FINHUB_SANDBOX_REVIEW_DELAY_SECS")? {
            config.review_delay = Some(Duration::from_secs(secs));
        }
        if let Some(secs) = number("FINHUB_SANDBOX_IBAN_DELAY_SECS")? {
            config.iban_delay = Duration::from_secs(secs);
        }
        choice(
            "FINHUB_SANDBOX_PROFILE",
            lookup("FINHUB_SANDBOX_PROFILE"),
            &mut config.profile,
        )?;
        choice(
            "FINHUB_SANDBOX_ACTIVATION_CODES",
            lookup("FINHUB_SANDBOX_ACTIVATION_CODES"),
            &mut config.activation_codes,
        )?;
        choice(
            "FINHUB_SANDBOX_REVIEW",
            lookup("FINHUB_SANDBOX_REVIEW"),
            &mut config.review,
        )?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that the configuration can run a sandbox.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("tenant_id", self.tenant_id.as_str()),
            ("organization_id", self.organization_id.as_str()),
            ("admin_user_id", self.admin_user_id.as_str()),
            ("admin_username", self.admin_username.as_str()),
            ("admin_password", self.admin_password.expose()),
            ("tenant_key", self.tenant_key.expose()),
            ("tenant_secret", self.tenant_secret.expose()),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::new(field, "must not be empty"));
            }
        }
        let max = MAX_LIFETIME.as_secs();
        if self.token_lifetime < Duration::from_secs(1) || self.token_lifetime > MAX_LIFETIME {
            return Err(ConfigError::new(
                "token_lifetime",
                format!("must be between 1 second and {max} seconds (i32::MAX)"),
            ));
        }
        if self.session_lifetime < self.token_lifetime || self.session_lifetime > MAX_LIFETIME {
            return Err(ConfigError::new(
                "session_lifetime",
                format!("must be at least the token lifetime and at most {max} seconds (i32::MAX)"),
            ));
        }
        if self.lockout_threshold == 0 {
            return Err(ConfigError::new("lockout_threshold", "must be at least 1"));
        }
        if self.lockout_duration > MAX_LIFETIME {
            return Err(ConfigError::new(
                "lockout_duration",
                format!("must be at most {max} seconds (i32::MAX)"),
            ));
        }
        for (field, delay) in [
            ("review_delay", self.review_delay.unwrap_or_default()),
            ("iban_delay", self.iban_delay),
        ] {
            if delay > MAX_LIFETIME {
                return Err(ConfigError::new(
                    field,
                    format!("must be at most {max} seconds (i32::MAX)"),
                ));
            }
        }
        for (field, timeout) in [
            ("header_read_timeout", self.header_read_timeout),
            ("body_read_timeout", self.body_read_timeout),
        ] {
            if timeout < Duration::from_millis(1) || timeout > MAX_READ_TIMEOUT {
                return Err(ConfigError::new(
                    field,
                    format!(
                        "must be between 1 millisecond and {} seconds",
                        MAX_READ_TIMEOUT.as_secs()
                    ),
                ));
            }
        }
        if !(1..=MAX_CONNECTIONS_BOUND).contains(&self.max_connections) {
            return Err(ConfigError::new(
                "max_connections",
                format!("must be between 1 and {MAX_CONNECTIONS_BOUND}"),
            ));
        }
        if let Some(problem) = self
            .control_token
            .as_ref()
            .and_then(|token| ControlToken::problem(token.expose()))
        {
            return Err(ConfigError::new("control_token", problem));
        }
        if self
            .jwt_secret
            .as_ref()
            .is_some_and(|s| s.expose().len() < 16)
        {
            return Err(ConfigError::new("jwt_secret", "must be at least 16 bytes"));
        }
        Ok(())
    }

    /// The credentials a client needs against this configuration.
    pub fn credentials(&self) -> SandboxCredentials {
        SandboxCredentials {
            base_url: None,
            tenant_id: self.tenant_id.clone(),
            organization_id: self.organization_id.clone(),
            admin_user_id: self.admin_user_id.clone(),
            admin_username: self.admin_username.clone(),
            admin_password: SecretString::from(self.admin_password.expose()),
            tenant_key: SecretString::from(self.tenant_key.expose()),
            tenant_secret: SecretString::from(self.tenant_secret.expose()),
            token_lifetime: self.token_lifetime,
        }
    }
}

/// What a client needs to use a sandbox: where it is, the tenant, and the
/// admin login. The secrets are [`SecretString`]s, as finhub-ext's builder
/// takes them (read one with [`ExposeSecret::expose_secret`]); `Debug`
/// redacts them; [`render`](Self::render) shows them, for the operator of a
/// standalone sandbox.
#[derive(Clone)]
pub struct SandboxCredentials {
    /// Base URL of the running sandbox (`None` when built from a bare config).
    pub base_url: Option<String>,
    /// Tenant id, for `X-Tenant-ID` and the categorization path.
    pub tenant_id: String,
    /// Organization id of the admin login path.
    pub organization_id: String,
    /// Admin user id of the admin login path.
    pub admin_user_id: String,
    /// Admin username.
    pub admin_username: String,
    /// Admin password.
    pub admin_password: SecretString,
    /// Tenant API key (login bodies).
    pub tenant_key: SecretString,
    /// Tenant API secret (login bodies).
    pub tenant_secret: SecretString,
    /// Access-token lifetime.
    pub token_lifetime: Duration,
}

impl fmt::Debug for SandboxCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxCredentials")
            .field("base_url", &self.base_url)
            .field("tenant_id", &self.tenant_id)
            .field("organization_id", &self.organization_id)
            .field("admin_user_id", &self.admin_user_id)
            .field("admin_username", &self.admin_username)
            .field("admin_password", &"** redacted **")
            .field("tenant_key", &"** redacted **")
            .field("tenant_secret", &"** redacted **")
            .field("token_lifetime", &self.token_lifetime)
            .finish()
    }
}

impl SandboxCredentials {
    /// A human-readable block with every value, secrets included, for a
    /// standalone sandbox to print at startup. These are the sandbox's own
    /// seeded credentials, not real FinHub ones.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |label: &str, value: &str| {
            let _ = writeln!(out, "  {label:<28} {value}");
        };
        if let Some(url) = &self.base_url {
            line("base URL", url);
        }
        line("tenant id (X-Tenant-ID)", &self.tenant_id);
        line("organization id", &self.organization_id);
        line("admin user id", &self.admin_user_id);
        line("admin username", &self.admin_username);
        line("admin password", self.admin_password.expose_secret());
        line("tenant key", self.tenant_key.expose_secret());
        line("tenant secret", self.tenant_secret.expose_secret());
        line(
            "token lifetime",
            &format!("{} s", self.token_lifetime.as_secs()),
        );
        format!(
            "FinHub sandbox credentials (seeded by the sandbox; not real FinHub credentials):\n{out}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_are_valid_and_debug_redacts() {
        let config = SandboxConfig::default();
        config.validate().unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains(DEFAULT_ADMIN_PASSWORD), "{debug}");
        assert!(!debug.contains(DEFAULT_TENANT_SECRET), "{debug}");
        let credentials = format!("{:?}", config.credentials());
        for secret in [
            DEFAULT_ADMIN_PASSWORD,
            DEFAULT_TENANT_KEY,
            DEFAULT_TENANT_SECRET,
        ] {
            assert!(!credentials.contains(secret), "{credentials}");
        }
        assert_eq!(
            credentials.matches("** redacted **").count(),
            3,
            "{credentials}"
        );
        assert!(
            credentials.contains(DEFAULT_ADMIN_USERNAME),
            "{credentials}"
        );
    }

    #[test]
    fn env_overrides_apply_and_bad_values_are_named() {
        let vars: HashMap<&str, &str> = [
            ("FINHUB_SANDBOX_TENANT_ID", "tenant-demo-001"),
            ("FINHUB_SANDBOX_ADMIN_PASSWORD", "Other123!"),
            ("FINHUB_SANDBOX_TOKEN_LIFETIME_SECS", "5"),
            ("FINHUB_SANDBOX_FAULT_SEED", "42"),
        ]
        .into();
        let config =
            SandboxConfig::from_lookup(|name| vars.get(name).map(|v| v.to_string())).unwrap();
        assert_eq!(config.tenant_id, "tenant-demo-001");
        assert_eq!(config.admin_password.expose(), "Other123!");
        assert_eq!(config.token_lifetime, Duration::from_secs(5));
        assert_eq!(config.fault_seed, 42);
        assert_eq!(config.admin_username, DEFAULT_ADMIN_USERNAME);

        let err = SandboxConfig::from_lookup(|name| {
            (name == "FINHUB_SANDBOX_TOKEN_LIFETIME_SECS").then(|| "soon".to_string())
        })
        .unwrap_err();
        assert_eq!(err.field, "FINHUB_SANDBOX_TOKEN_LIFETIME_SECS");
        let err = SandboxConfig::from_lookup(|name| {
            (name == "FINHUB_SANDBOX_TOKEN_LIFETIME_SECS").then(|| "0".to_string())
        })
        .unwrap_err();
        assert_eq!(err.field, "token_lifetime");
        let err = SandboxConfig::from_lookup(|name| {
            (name == "FINHUB_SANDBOX_TENANT_KEY").then(|| " ".to_string())
        })
        .unwrap_err();
        assert_eq!(err.field, "FINHUB_SANDBOX_TENANT_KEY");
        for (name, value, expected) in [
            (
                "FINHUB_SANDBOX_PROFILE",
                "strict",
                "lenient, runner, reference",
            ),
            (
                "FINHUB_SANDBOX_ACTIVATION_CODES",
                "sms",
                "any-non-empty, emailed",
            ),
            ("FINHUB_SANDBOX_REVIEW", "maybe", "off, power-tenant, all"),
        ] {
            let err =
                SandboxConfig::from_lookup(|n| (n == name).then(|| value.to_string())).unwrap_err();
            assert_eq!(err.field, name);
            assert!(err.problem.contains(value), "{err}");
            assert!(err.problem.contains(expected), "{err}");
        }
    }

    #[test]
    fn durations_limits_and_the_control_token_are_bounded() {
        let from = |name: &'static str, value: &'static str| {
            SandboxConfig::from_lookup(|n| (n == name).then(|| value.to_string()))
        };
        for (name, value, field, bound) in [
            (
                "FINHUB_SANDBOX_LOCKOUT_SECS",
                "18446744073709551615",
                "lockout_duration",
                "2147483647",
            ),
            (
                "FINHUB_SANDBOX_SESSION_LIFETIME_SECS",
                "2147483648",
                "session_lifetime",
                "2147483647",
            ),
            (
                "FINHUB_SANDBOX_HEADER_READ_TIMEOUT_SECS",
                "0",
                "header_read_timeout",
                "3600",
            ),
            (
                "FINHUB_SANDBOX_REVIEW_DELAY_SECS",
                "2147483648",
                "review_delay",
                "2147483647",
            ),
            (
                "FINHUB_SANDBOX_IBAN_DELAY_SECS",
                "18446744073709551615",
                "iban_delay",
                "2147483647",
            ),
            (
                "FINHUB_SANDBOX_BODY_READ_TIMEOUT_SECS",
                "18446744073709551615",
                "body_read_timeout",
                "3600",
            ),
            (
                "FINHUB_SANDBOX_MAX_CONNECTIONS",
                "0",
                "max_connections",
                "65536",
            ),
            (
                "FINHUB_SANDBOX_MAX_CONNECTIONS",
                "18446744073709551615",
                "max_connections",
                "65536",
            ),
            (
                "FINHUB_SANDBOX_CONTROL_TOKEN",
                "too-short",
                "control_token",
                "16",
            ),
        ] {
            let err = from(name, value).unwrap_err();
            assert_eq!(err.field, field, "{name}={value}: {err}");
            assert!(err.problem.contains(bound), "{name}={value}: {err}");
        }
        let config = from("FINHUB_SANDBOX_CONTROL_TOKEN", "ci-fixed-control-token").unwrap();
        assert_eq!(
            config.control_token.as_ref().map(|t| t.expose()),
            Some("ci-fixed-control-token")
        );
        assert!(!format!("{config:?}").contains("ci-fixed-control-token"));
        let config = from("FINHUB_SANDBOX_MAX_CONNECTIONS", "8").unwrap();
        assert_eq!(config.max_connections, 8);
        let config = SandboxConfig {
            lockout_duration: MAX_LIFETIME,
            ..SandboxConfig::default()
        };
        config.validate().unwrap();

        // The documented bounds, exactly at and just past each.
        let with = |change: &dyn Fn(&mut SandboxConfig)| {
            let mut config = SandboxConfig::default();
            change(&mut config);
            config.validate().map_err(|e| e.field)
        };
        let max = MAX_LIFETIME;
        let past = MAX_LIFETIME + Duration::from_secs(1);
        assert_eq!(max.as_secs(), 2_147_483_647);
        assert!(
            with(&|c| {
                c.token_lifetime = max;
                c.session_lifetime = max;
            })
            .is_ok()
        );
        assert_eq!(
            with(&|c| {
                c.token_lifetime = past;
                c.session_lifetime = past;
            }),
            Err("token_lifetime".into())
        );
        assert_eq!(
            with(&|c| c.lockout_duration = past),
            Err("lockout_duration".into())
        );
        for (at, beyond) in [
            (Duration::from_millis(1), Duration::ZERO),
            (Duration::from_secs(3600), Duration::from_millis(3_600_001)),
        ] {
            assert!(with(&|c| c.header_read_timeout = at).is_ok());
            assert!(with(&|c| c.body_read_timeout = at).is_ok());
            assert_eq!(
                with(&|c| c.header_read_timeout = beyond),
                Err("header_read_timeout".into())
            );
            assert_eq!(
                with(&|c| c.body_read_timeout = beyond),
                Err("body_read_timeout".into())
            );
        }
        assert!(with(&|c| c.max_connections = 1).is_ok());
        assert!(with(&|c| c.max_connections = 65_536).is_ok());
        assert_eq!(
            with(&|c| c.max_connections = 65_537),
            Err("max_connections".into())
        );
        assert_eq!(
            with(&|c| c.lockout_threshold = 0),
            Err("lockout_threshold".into())
        );
    }

    #[test]
    fn render_shows_every_value() {
        let mut credentials = SandboxConfig::default().credentials();
        credentials.base_url = Some("http://127.0.0.1:8080".into());
        let text = credentials.render();
        for value in [
            "http://127.0.0.1:8080",
            DEFAULT_TENANT_ID,
            DEFAULT_ORGANIZATION_ID,
            DEFAULT_ADMIN_USER_ID,
            DEFAULT_ADMIN_USERNAME,
            DEFAULT_ADMIN_PASSWORD,
            DEFAULT_TENANT_KEY,
            DEFAULT_TENANT_SECRET,
            "3600 s",
        ] {
            assert!(text.contains(value), "{value} missing from\n{text}");
        }
    }
}
