//! [`ActivationBuilder`]: the body that activates a customer, and the
//! customer's e-mail for the documented alternative of its `userId`.

use finhub_api::types::ActivationRequest;

use crate::validation::codes::EMAIL_SYNTAX;
use crate::validation::rules;
use crate::validation::{Validate, ValidationContext, Violations};

/// A customer activation: the body FinHub takes and, when the caller knows
/// it, the customer's e-mail.
///
/// FinHub's pages disagree on what `userId` holds (facts I-6): the user id
/// (\[LATEST\], the field's name) or the customer's e-mail (the \[RUN\]
/// example). The client sends `body` as it is; with an `email`, and when the
/// server answers 400 or 404 naming `userId`, it sends the same body once
/// more with the e-mail as `userId` and keeps that form for later calls
/// (see [`crate::alternatives`]). Without an `email` only `body` is sent.
///
/// `FinhubClient::activate_customer` and `CustomerClient::activate` take an
/// `Activation`, an `ActivationRequest` or a reference to either.
#[derive(Debug, Clone, PartialEq)]
pub struct Activation {
    /// The body sent first.
    pub body: ActivationRequest,
    /// The customer's e-mail, sent as `userId` in the alternative form.
    pub email: Option<String>,
}

impl Activation {
    /// The body of the alternative form: `body` with the e-mail as
    /// `userId`, when there is an e-mail that is not already the `userId`.
    pub fn alternative_body(&self) -> Option<ActivationRequest> {
        let email = self.email.as_deref().map(str::trim)?;
        (!email.is_empty() && email != self.body.user_id).then(|| ActivationRequest {
            user_id: email.to_string(),
            code: self.body.code.clone(),
        })
    }
}

impl From<ActivationRequest> for Activation {
    fn from(body: ActivationRequest) -> Self {
        Activation { body, email: None }
    }
}

impl From<&ActivationRequest> for Activation {
    fn from(body: &ActivationRequest) -> Self {
        body.clone().into()
    }
}

impl From<&Activation> for Activation {
    fn from(activation: &Activation) -> Self {
        activation.clone()
    }
}

/// Builds a validated [`Activation`] (facts §2.14): the user to activate,
/// the activation code FinHub sent the customer and, optionally, the
/// customer's e-mail for the documented alternative (facts I-6).
#[derive(Debug, Clone)]
pub struct ActivationBuilder {
    user_id: String,
    code: String,
    email: Option<String>,
}

impl ActivationBuilder {
    /// Activation of `user_id` (the registration's `data.user.id`) with the
    /// activation `code`.
    pub fn new(user_id: impl Into<String>, code: impl Into<String>) -> Self {
        ActivationBuilder {
            user_id: user_id.into(),
            code: code.into(),
            email: None,
        }
    }

    /// The customer's e-mail: sent as `userId` if the server refuses the
    /// user id (FinHub's \[RUN\] example sends the e-mail there, I-6).
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The activation, or every violation (an empty user id or code, an
    /// e-mail that is not one).
    pub fn build(&self) -> Result<Activation, Violations> {
        let body = ActivationRequest {
            user_id: self.user_id.clone(),
            code: self.code.clone(),
        };
        let mut found = body.validate_in(&ValidationContext::new());
        if let Some(email) = &self.email
            && !email.trim().is_empty()
        {
            let mut email_found = Violations::new();
            rules::email(&mut email_found, "userId", email.trim());
            for v in email_found {
                debug_assert_eq!(v.rule, EMAIL_SYNTAX);
                found.push(
                    v.path,
                    v.rule,
                    "the e-mail given for the alternative `userId` is not an e-mail address",
                );
            }
        }
        found.into_result().map(|()| Activation {
            body,
            email: self.email.clone(),
        })
    }
}
