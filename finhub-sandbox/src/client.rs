//! A finhub-ext client configured for a sandbox (feature `client`): what a
//! downstream service's test needs to talk to the sandbox in one line.

use crate::SandboxCredentials;

impl SandboxCredentials {
    /// A [`finhub_ext::FinhubClientBuilder`] for this sandbox: base URL,
    /// tenant, tenant key and secret, and the admin login. Add anything else
    /// (clock, retry policy…) before `build()`.
    pub fn client_builder(&self) -> finhub_ext::FinhubClientBuilder {
        // The secrets stay `SecretString`s, the type the client takes.
        let mut builder = finhub_ext::FinhubClient::builder()
            .tenant_id(&self.tenant_id)
            .tenant_key(self.tenant_key.clone())
            .tenant_secret(self.tenant_secret.clone())
            .admin(finhub_ext::AdminCredentials::new(
                &self.organization_id,
                &self.admin_user_id,
                &self.admin_username,
                self.admin_password.clone(),
            ));
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        builder
    }
}
