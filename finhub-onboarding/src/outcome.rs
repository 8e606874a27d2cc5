//! What a run of the journey ends in: [`Outcome`] — done, waiting for
//! something outside the journey ([`WaitingOn`], with when to try again),
//! or a [`Failure`] that running again will not fix by itself.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::step::Step;
use crate::store::Phase;

/// Where a run of the journey stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Outcome {
    /// Every step is done.
    Done,
    /// Waiting for something outside the journey; nothing is wrong.
    #[serde(rename_all = "camelCase")]
    Waiting {
        /// What it waits for.
        on: WaitingOn,
        /// When to run it again (a poll), if that is what it takes; `None`
        /// when it waits for the caller (a code, a password).
        #[serde(
            default,
            with = "millis",
            rename = "retryAfterMs",
            skip_serializing_if = "Option::is_none"
        )]
        retry_after: Option<Duration>,
    },
    /// Stopped: running again will not help until someone acts.
    Failed {
        /// Why.
        failure: Failure,
    },
}

impl Outcome {
    /// The store's [`Phase`] for this outcome.
    pub fn phase(&self) -> Phase {
        match self {
            Outcome::Done => Phase::Done,
            Outcome::Waiting { .. } => Phase::Waiting,
            Outcome::Failed { .. } => Phase::Failed,
        }
    }

    pub(crate) fn waiting(on: WaitingOn, retry_after: Option<Duration>) -> Outcome {
        Outcome::Waiting { on, retry_after }
    }

    pub(crate) fn failed(failure: Failure) -> Outcome {
        Outcome::Failed { failure }
    }
}

/// What a waiting journey waits for, and what makes it go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitingOn {
    /// FinHub's KYC review: the approval is not the tenant's to give
    /// (a high-risk customer's needs the power tenant, facts §2.11) or
    /// FinHub answered that the review is pending. Goes on by itself: run
    /// again after `retry_after`; the journey reads the verification's
    /// status (`GET /verifications/{id}`).
    KycReview,
    /// The activation code FinHub e-mailed to the customer (facts §2.14):
    /// give it with [`Journey::supply_activation_code`](crate::Journey::supply_activation_code),
    /// then run again.
    #[serde(rename_all = "camelCase")]
    ActivationCode {
        /// FinHub refused the code given last: ask the customer again.
        rejected: bool,
    },
    /// The wallet's IBAN, which FinHub assigns a while after activation
    /// (facts §2.15). Goes on by itself: run again after `retry_after`,
    /// which grows (capped) with each poll.
    Iban,
    /// The customer's session could not be renewed (the refresh token was
    /// refused or FinHub offers no refresh) or there is none: give the
    /// customer's password for one login with
    /// [`Journey::supply_password`](crate::Journey::supply_password), then
    /// run again. The password is used once and never stored.
    CustomerLogin,
    /// The journey was reloaded before it registered the customer, and the
    /// password it was started with is gone (it is never stored): give it
    /// again with [`Journey::supply_password`](crate::Journey::supply_password).
    RegistrationPassword,
}

impl WaitingOn {
    /// Whether the journey goes on by itself once `retry_after` has passed
    /// (a poll), rather than waiting for the caller's input.
    pub fn polls(self) -> bool {
        matches!(self, WaitingOn::KycReview | WaitingOn::Iban)
    }
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WaitingOn::KycReview => "FinHub's KYC review",
            WaitingOn::ActivationCode { rejected: false } => {
                "the activation code e-mailed to the customer"
            }
            WaitingOn::ActivationCode { rejected: true } => {
                "a new activation code (FinHub refused the last one)"
            }
            WaitingOn::Iban => "the wallet's IBAN",
            WaitingOn::CustomerLogin => "the customer's password, for one login",
            WaitingOn::RegistrationPassword => "the customer's password, to register",
        })
    }
}

/// Why a journey stopped for good (until someone acts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "failure", rename_all = "camelCase")]
pub enum Failure {
    /// A request was sent and its answer lost, and FinHub offers no way to
    /// read back whether it was carried out (registration: there is no
    /// customer lookup, facts §2.16). The journey does not send it again.
    #[error("{step}: the outcome is unknown and the journey will not send it again: {what_to_do}")]
    #[serde(rename_all = "camelCase")]
    OutcomeUnknown {
        /// The step whose request was lost.
        step: Step,
        /// What an operator should do.
        what_to_do: String,
    },
    /// FinHub refused the step's request (a 4xx, or a request the client
    /// refused to send); nothing was done.
    #[error("{step}: refused: {message}")]
    #[serde(rename_all = "camelCase")]
    Rejected {
        /// The step.
        step: Step,
        /// The HTTP status, when FinHub answered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// The error (never a secret).
        message: String,
    },
    /// The tenant's categorization hierarchy has no individual category to
    /// register a customer in.
    #[error("categorization: the tenant has no individual category (found: {found})")]
    NoIndividualCategory {
        /// The categories found, comma-separated.
        found: String,
    },
    /// An answer lacks what the journey needs from it (an id).
    #[error("{step}: unexpected answer: {what}")]
    #[serde(rename_all = "camelCase")]
    UnexpectedAnswer {
        /// The step.
        step: Step,
        /// What is missing or wrong.
        what: String,
    },
}

/// `Option<Duration>` as whole milliseconds.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_as_json() {
        let outcomes = [
            Outcome::Done,
            Outcome::waiting(WaitingOn::Iban, Some(Duration::from_millis(1500))),
            Outcome::waiting(WaitingOn::ActivationCode { rejected: true }, None),
            Outcome::failed(Failure::OutcomeUnknown {
                step: Step::Registration,
                what_to_do: "look".into(),
            }),
        ];
        for outcome in outcomes {
            let json = serde_json::to_value(&outcome).unwrap();
            assert_eq!(serde_json::from_value::<Outcome>(json).unwrap(), outcome);
        }
        let json = serde_json::to_value(Outcome::waiting(
            WaitingOn::Iban,
            Some(Duration::from_secs(2)),
        ))
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "waiting", "on": "iban", "retryAfterMs": 2000})
        );
        assert!(WaitingOn::KycReview.polls() && !WaitingOn::CustomerLogin.polls());
    }
}
