//! The steps of the B2C journey, in the order they run (facts §3.1).

use std::fmt;

use serde::{Deserialize, Serialize};

/// One step of the journey. Steps run in the order of [`Step::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Reads the tenant's categorization hierarchy and picks the
    /// lowest-risk individual category.
    Categorization,
    /// Registers the customer (`POST …/registration`).
    Registration,
    /// Opens (or resumes) the customer's session.
    CustomerSession,
    /// Starts the KYC verification (`POST /verifications`).
    Verification,
    /// Uploads the KYC documents.
    Documents,
    /// Approves the verification (admin), or waits for FinHub's review.
    Approval,
    /// Accepts the terms, privacy and data-processing consents.
    Consents,
    /// Checks that the customer may be activated.
    Readiness,
    /// Activates the customer with the e-mailed code.
    Activation,
    /// Waits for the wallet's IBAN.
    Wallet,
    /// Ends the customer's session.
    Logout,
}

impl Step {
    /// Every step, in the order they run.
    pub const ALL: [Step; 11] = [
        Step::Categorization,
        Step::Registration,
        Step::CustomerSession,
        Step::Verification,
        Step::Documents,
        Step::Approval,
        Step::Consents,
        Step::Readiness,
        Step::Activation,
        Step::Wallet,
        Step::Logout,
    ];

    /// Its name in logs and JSON (`customer_session`).
    pub fn name(self) -> &'static str {
        match self {
            Step::Categorization => "categorization",
            Step::Registration => "registration",
            Step::CustomerSession => "customer_session",
            Step::Verification => "verification",
            Step::Documents => "documents",
            Step::Approval => "approval",
            Step::Consents => "consents",
            Step::Readiness => "readiness",
            Step::Activation => "activation",
            Step::Wallet => "wallet",
            Step::Logout => "logout",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_serde_form_and_the_order_is_the_journeys() {
        for step in Step::ALL {
            assert_eq!(
                serde_json::to_value(step).unwrap(),
                serde_json::Value::String(step.name().into())
            );
        }
        let mut sorted = Step::ALL;
        sorted.sort();
        assert_eq!(sorted, Step::ALL);
    }
}
