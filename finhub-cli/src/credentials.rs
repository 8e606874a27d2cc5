//! The FinHub credentials of `finhub onboard --base-url` and the customer's
//! password: ids and names as flags or variables, secrets from variables,
//! files or standard input (see [`crate::secrets`]).

use std::fmt;
use std::path::PathBuf;

use clap::Args;
use finhub_ext::{AdminCredentials, FinhubClient, FinhubClientBuilder};
use secrecy::SecretString;

use crate::secrets::{
    self, ADMIN_PASSWORD, CUSTOMER_PASSWORD, GivenOnCommandLine, SecretRequest, TENANT_KEY,
    TENANT_SECRET,
};

/// Credentials for `--base-url`, as given on the command line. Secrets are
/// not among them: only where to read them.
#[derive(Default, Args)]
pub struct CredentialArgs {
    /// Tenant id (`X-Tenant-ID`).
    #[arg(long, env = "FINHUB_TENANT_ID")]
    tenant_id: Option<String>,
    /// Read the tenant API key from this file ("-": standard input).
    /// Without it: FINHUB_TENANT_KEY. Never taken on the command line.
    #[arg(long, value_name = "PATH")]
    tenant_key_file: Option<PathBuf>,
    /// Read the tenant API key from standard input.
    #[arg(long, conflicts_with = "tenant_key_file")]
    tenant_key_stdin: bool,
    /// Refused: the old form `--tenant-key VALUE`.
    #[arg(long = "tenant-key", hide = true, value_name = "REFUSED", allow_hyphen_values = true, value_parser = secrets::discard)]
    tenant_key_on_command_line: Option<GivenOnCommandLine>,
    /// Read the tenant API secret from this file ("-": standard input).
    /// Without it: FINHUB_TENANT_SECRET. Never taken on the command line.
    #[arg(long, value_name = "PATH")]
    tenant_secret_file: Option<PathBuf>,
    /// Read the tenant API secret from standard input.
    #[arg(long, conflicts_with = "tenant_secret_file")]
    tenant_secret_stdin: bool,
    /// Refused: the old form `--tenant-secret VALUE`.
    #[arg(long = "tenant-secret", hide = true, value_name = "REFUSED", allow_hyphen_values = true, value_parser = secrets::discard)]
    tenant_secret_on_command_line: Option<GivenOnCommandLine>,
    /// Admin organization id.
    #[arg(long, env = "FINHUB_ADMIN_ORGANIZATION_ID")]
    admin_organization_id: Option<String>,
    /// Admin user id.
    #[arg(long, env = "FINHUB_ADMIN_USER_ID")]
    admin_user_id: Option<String>,
    /// Admin username.
    #[arg(long, env = "FINHUB_ADMIN_USERNAME")]
    admin_username: Option<String>,
    /// Read the admin password from this file ("-": standard input).
    /// Without it: FINHUB_ADMIN_PASSWORD. Never taken on the command line.
    #[arg(long, value_name = "PATH")]
    admin_password_file: Option<PathBuf>,
    /// Read the admin password from standard input.
    #[arg(long, conflicts_with = "admin_password_file")]
    admin_password_stdin: bool,
    /// Refused: the old form `--admin-password VALUE`.
    #[arg(long = "admin-password", hide = true, value_name = "REFUSED", allow_hyphen_values = true, value_parser = secrets::discard)]
    admin_password_on_command_line: Option<GivenOnCommandLine>,
    /// Read the customer's password from this file ("-": standard input).
    /// Without it: FINHUB_CUSTOMER_PASSWORD; with neither, a new customer
    /// gets a generated password that is shown nowhere. Used to register
    /// and, when the saved session cannot be renewed, for one login; never
    /// saved. Never taken on the command line.
    #[arg(long, value_name = "PATH")]
    customer_password_file: Option<PathBuf>,
    /// Read the customer's password from standard input.
    #[arg(long, conflicts_with = "customer_password_file")]
    customer_password_stdin: bool,
    /// Refused: a customer password given as `--customer-password VALUE`.
    #[arg(long = "customer-password", hide = true, value_name = "REFUSED", allow_hyphen_values = true, value_parser = secrets::discard)]
    customer_password_on_command_line: Option<GivenOnCommandLine>,
    /// `X-Forwarded-From` sent by this tool.
    #[arg(long, env = "FINHUB_REQUEST_SOURCE", default_value = "finhub-cli")]
    request_source: String,
}

impl fmt::Debug for CredentialArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Holds no secret (only where to read them); written out so that a
        // field added later is a conscious choice.
        f.debug_struct("CredentialArgs")
            .field("tenant_id", &self.tenant_id)
            .field("tenant_key_file", &self.tenant_key_file)
            .field("tenant_key_stdin", &self.tenant_key_stdin)
            .field("tenant_secret_file", &self.tenant_secret_file)
            .field("tenant_secret_stdin", &self.tenant_secret_stdin)
            .field("admin_organization_id", &self.admin_organization_id)
            .field("admin_user_id", &self.admin_user_id)
            .field("admin_username", &self.admin_username)
            .field("admin_password_file", &self.admin_password_file)
            .field("admin_password_stdin", &self.admin_password_stdin)
            .field("customer_password_file", &self.customer_password_file)
            .field("customer_password_stdin", &self.customer_password_stdin)
            .field("request_source", &self.request_source)
            .finish_non_exhaustive()
    }
}

impl CredentialArgs {
    /// Reads the secrets (variables, files, standard input) and returns the
    /// credentials. Refuses a secret given on the command line and more than
    /// one secret from standard input.
    pub fn resolve(self) -> Result<Credentials, String> {
        let requests = [
            SecretRequest {
                spec: TENANT_KEY,
                file: self.tenant_key_file,
                stdin: self.tenant_key_stdin,
                on_command_line: self.tenant_key_on_command_line.is_some(),
            },
            SecretRequest {
                spec: TENANT_SECRET,
                file: self.tenant_secret_file,
                stdin: self.tenant_secret_stdin,
                on_command_line: self.tenant_secret_on_command_line.is_some(),
            },
            SecretRequest {
                spec: ADMIN_PASSWORD,
                file: self.admin_password_file,
                stdin: self.admin_password_stdin,
                on_command_line: self.admin_password_on_command_line.is_some(),
            },
            SecretRequest {
                spec: CUSTOMER_PASSWORD,
                file: self.customer_password_file,
                stdin: self.customer_password_stdin,
                on_command_line: self.customer_password_on_command_line.is_some(),
            },
        ];
        let mut secrets = secrets::read_all(&requests)?.into_iter();
        let mut next = || secrets.next().flatten();
        Ok(Credentials {
            tenant_id: self.tenant_id,
            tenant_key: next(),
            tenant_secret: next(),
            admin_organization_id: self.admin_organization_id,
            admin_user_id: self.admin_user_id,
            admin_username: self.admin_username,
            admin_password: next(),
            customer_password: next(),
            request_source: self.request_source,
        })
    }
}

/// The credentials `finhub onboard` uses against `--base-url`, secrets read.
#[derive(Default)]
pub struct Credentials {
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// Tenant API key.
    pub tenant_key: Option<SecretString>,
    /// Tenant API secret.
    pub tenant_secret: Option<SecretString>,
    /// Admin organization id.
    pub admin_organization_id: Option<String>,
    /// Admin user id.
    pub admin_user_id: Option<String>,
    /// Admin username.
    pub admin_username: Option<String>,
    /// Admin password.
    pub admin_password: Option<SecretString>,
    /// The customer's password (registration, and one login when the saved
    /// session cannot be renewed); never saved.
    pub customer_password: Option<SecretString>,
    /// `X-Forwarded-From` sent by this tool.
    pub request_source: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |s: &Option<SecretString>| s.as_ref().map(|_| "** redacted **");
        f.debug_struct("Credentials")
            .field("tenant_id", &self.tenant_id)
            .field("tenant_key", &redacted(&self.tenant_key))
            .field("tenant_secret", &redacted(&self.tenant_secret))
            .field("admin_organization_id", &self.admin_organization_id)
            .field("admin_user_id", &self.admin_user_id)
            .field("admin_username", &self.admin_username)
            .field("admin_password", &redacted(&self.admin_password))
            .field("customer_password", &redacted(&self.customer_password))
            .field("request_source", &self.request_source)
            .finish()
    }
}

impl Credentials {
    /// A client builder for FinHub at `base_url` with these credentials;
    /// an error naming every missing one (and where it can come from).
    pub fn client_builder(&self, base_url: &str) -> Result<FinhubClientBuilder, String> {
        let mut missing: Vec<String> = Vec::new();
        for (name, present) in [
            ("--tenant-id / FINHUB_TENANT_ID", self.tenant_id.is_some()),
            (
                "--admin-organization-id / FINHUB_ADMIN_ORGANIZATION_ID",
                self.admin_organization_id.is_some(),
            ),
            (
                "--admin-user-id / FINHUB_ADMIN_USER_ID",
                self.admin_user_id.is_some(),
            ),
            (
                "--admin-username / FINHUB_ADMIN_USERNAME",
                self.admin_username.is_some(),
            ),
        ] {
            if !present {
                missing.push(name.to_string());
            }
        }
        for (spec, present) in [
            (TENANT_KEY, self.tenant_key.is_some()),
            (TENANT_SECRET, self.tenant_secret.is_some()),
            (ADMIN_PASSWORD, self.admin_password.is_some()),
        ] {
            if !present {
                missing.push(spec.ways());
            }
        }
        let (
            Some(tenant_id),
            Some(tenant_key),
            Some(tenant_secret),
            Some(organization_id),
            Some(user_id),
            Some(username),
            Some(password),
        ) = (
            &self.tenant_id,
            &self.tenant_key,
            &self.tenant_secret,
            &self.admin_organization_id,
            &self.admin_user_id,
            &self.admin_username,
            &self.admin_password,
        )
        else {
            return Err(format!(
                "--base-url needs credentials: missing {}",
                missing.join("; ")
            ));
        };
        Ok(FinhubClient::builder()
            .base_url(base_url)
            .tenant_id(tenant_id)
            .tenant_key(tenant_key.clone())
            .tenant_secret(tenant_secret.clone())
            .admin(AdminCredentials::new(
                organization_id.clone(),
                user_id.clone(),
                username.clone(),
                password.clone(),
            ))
            .request_source(&self.request_source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        credentials: CredentialArgs,
    }

    const CANARY: &str = "Canary-secret-5f1e";

    #[test]
    fn a_secret_value_on_the_command_line_is_dropped_at_parsing() {
        for flag in [
            "--tenant-key",
            "--tenant-secret",
            "--admin-password",
            "--customer-password",
        ] {
            let cli = Cli::try_parse_from(["finhub", flag, CANARY]).unwrap();
            let debug = format!("{cli:?}");
            assert!(!debug.contains(CANARY), "{debug}");
            let err = cli.credentials.resolve().unwrap_err();
            assert!(err.starts_with(&format!("{flag} does not take")), "{err}");
            assert!(!err.contains(CANARY), "{err}");
        }
        // The `=` form and values that look like flags are refused alike.
        let cli = Cli::try_parse_from(["finhub", &format!("--tenant-secret={CANARY}")]).unwrap();
        assert!(cli.credentials.resolve().is_err());
        let cli = Cli::try_parse_from(["finhub", "--admin-password", "-Canary"]).unwrap();
        assert!(cli.credentials.resolve().is_err());
    }

    #[test]
    fn debug_of_the_credentials_never_shows_a_secret() {
        let credentials = Credentials {
            tenant_id: Some("tenant-1".into()),
            tenant_key: Some(SecretString::from(format!("{CANARY}-key"))),
            tenant_secret: Some(SecretString::from(format!("{CANARY}-secret"))),
            admin_password: Some(SecretString::from(format!("{CANARY}-password"))),
            customer_password: Some(SecretString::from(format!("{CANARY}-customer"))),
            admin_username: Some("admin".into()),
            ..Credentials::default()
        };
        let debug = format!("{credentials:?}");
        assert!(!debug.contains(CANARY), "{debug}");
        assert!(
            debug.contains("** redacted **") && debug.contains("tenant-1"),
            "{debug}"
        );
    }
}
