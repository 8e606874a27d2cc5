//! [`ActivationBuilder`]: the body that activates a customer.

use finhub_api::types::ActivationRequest;

use crate::validation::{Validate, Violations};

/// Builds a validated [`ActivationRequest`] (facts §2.14): the user to
/// activate and the activation code FinHub sent the customer.
#[derive(Debug, Clone)]
pub struct ActivationBuilder {
    user_id: String,
    code: String,
}

impl ActivationBuilder {
    /// Activation of `user_id` (the docs' example sends the user's email)
    /// with the activation `code`.
    pub fn new(user_id: impl Into<String>, code: impl Into<String>) -> Self {
        ActivationBuilder {
            user_id: user_id.into(),
            code: code.into(),
        }
    }

    /// The activation body, or every violation (an empty user id or code).
    pub fn build(&self) -> Result<ActivationRequest, Violations> {
        let body = ActivationRequest {
            user_id: self.user_id.clone(),
            code: self.code.clone(),
        };
        body.validate().map(|()| body)
    }
}
