//! Login bodies: [`CustomerSessionBuilder`] and [`AdminSessionBuilder`].

use finhub_api::Sensitive;
use finhub_api::types::{CreateAdminSessionRequest, CreateIndividualSessionRequest};
use secrecy::SecretString;

use super::sensitive;
use crate::validation::{Validate, Violations};

/// Builds a validated customer login body, [`CreateIndividualSessionRequest`]
/// (facts §2.3): username, password, and the tenant's API key and secret.
/// `Debug` never shows the secrets.
#[derive(Debug, Clone)]
pub struct CustomerSessionBuilder {
    username: String,
    password: Sensitive,
    tenant_key: Option<Sensitive>,
    tenant_secret: Option<Sensitive>,
    tenant_id: Option<String>,
}

impl CustomerSessionBuilder {
    /// A login of `username` (the customer's email) with `password`.
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        CustomerSessionBuilder {
            username: username.into(),
            password: sensitive(password),
            tenant_key: None,
            tenant_secret: None,
            tenant_id: None,
        }
    }

    /// The tenant's API key and secret (Admin Portal, API Settings).
    pub fn tenant_credentials(
        mut self,
        key: impl Into<SecretString>,
        secret: impl Into<SecretString>,
    ) -> Self {
        self.tenant_key = Some(sensitive(key));
        self.tenant_secret = Some(sensitive(secret));
        self
    }

    /// The tenant the session is for (optional session context).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// The login body, or every violation (a missing username, password,
    /// tenant key or secret).
    pub fn build(&self) -> Result<CreateIndividualSessionRequest, Violations> {
        let body = CreateIndividualSessionRequest {
            username: Some(self.username.clone()),
            password: Some(self.password.clone()),
            tenant_key: self.tenant_key.clone(),
            tenant_secret: self.tenant_secret.clone(),
            tenant_id: self.tenant_id.clone(),
            credential_type: None,
            value: None,
        };
        body.validate().map(|()| body)
    }
}

/// Builds a validated admin login body, [`CreateAdminSessionRequest`]
/// (facts §1.10): username, password, and the tenant's API key and secret.
/// `Debug` never shows the secrets.
#[derive(Debug, Clone)]
pub struct AdminSessionBuilder {
    username: String,
    password: Sensitive,
    tenant_key: Option<Sensitive>,
    tenant_secret: Option<Sensitive>,
}

impl AdminSessionBuilder {
    /// A login of the admin `username` with `password`.
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        AdminSessionBuilder {
            username: username.into(),
            password: sensitive(password),
            tenant_key: None,
            tenant_secret: None,
        }
    }

    /// The tenant's API key and secret (Admin Portal, API Settings).
    pub fn tenant_credentials(
        mut self,
        key: impl Into<SecretString>,
        secret: impl Into<SecretString>,
    ) -> Self {
        self.tenant_key = Some(sensitive(key));
        self.tenant_secret = Some(sensitive(secret));
        self
    }

    /// The login body, or every violation (a missing username, password,
    /// tenant key or secret).
    pub fn build(&self) -> Result<CreateAdminSessionRequest, Violations> {
        let body = CreateAdminSessionRequest {
            username: Some(self.username.clone()),
            password: Some(self.password.clone()),
            tenant_key: self.tenant_key.clone(),
            tenant_secret: self.tenant_secret.clone(),
            ..Default::default()
        };
        body.validate().map(|()| body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{assert_option_wipes_on_drop, assert_wipes_on_drop};

    /// The secret fields of this module, checked by the compiler: the test
    /// builds only while each is of a type that wipes its memory on drop.
    #[test]
    fn every_field_holding_a_secret_wipes_its_memory_on_drop() {
        fn check(customer: &CustomerSessionBuilder, admin: &AdminSessionBuilder) {
            assert_wipes_on_drop(&customer.password);
            assert_option_wipes_on_drop(&customer.tenant_key);
            assert_option_wipes_on_drop(&customer.tenant_secret);
            assert_wipes_on_drop(&admin.password);
            assert_option_wipes_on_drop(&admin.tenant_key);
            assert_option_wipes_on_drop(&admin.tenant_secret);
        }
        let _: fn(&CustomerSessionBuilder, &AdminSessionBuilder) = check;
    }
}
