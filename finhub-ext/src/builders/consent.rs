//! [`ConsentBuilder`]: accepting one of the three mandatory consents.

use chrono::{DateTime, Utc};
use finhub_api::LenientTimestamp;
use finhub_api::types::{AcceptConsentConsentType, AcceptConsentRequest};

use crate::validation::{ConsentKind, Validate, ValidationContext, Violations};

/// Builds a validated consent acceptance (facts §2.12): the consent type
/// of the path and an [`AcceptConsentRequest`] with `accepted: true` and
/// the accepted document version.
#[derive(Debug, Clone)]
pub struct ConsentBuilder {
    kind: ConsentKind,
    version: String,
    accepted_at: Option<DateTime<Utc>>,
}

impl ConsentBuilder {
    /// Acceptance of consent `kind` in document `version` (e.g. `1.0`).
    pub fn new(kind: ConsentKind, version: impl Into<String>) -> Self {
        ConsentBuilder {
            kind,
            version: version.into(),
            accepted_at: None,
        }
    }

    /// When the customer accepted (optional; the server records its own
    /// time otherwise).
    pub fn accepted_at(mut self, at: DateTime<Utc>) -> Self {
        self.accepted_at = Some(at);
        self
    }

    /// The path's consent type and the body, or every violation (an empty
    /// version).
    pub fn build(&self) -> Result<ConsentAcceptance, Violations> {
        let acceptance = ConsentAcceptance {
            consent_type: self.kind.into(),
            body: AcceptConsentRequest {
                accepted: true,
                version: self.version.clone(),
                accepted_at: self.accepted_at.map(LenientTimestamp::from),
            },
        };
        acceptance.validate().map(|()| acceptance)
    }
}

/// One consent acceptance: what `POST …/consents/{consentType}` takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentAcceptance {
    /// The `consentType` path parameter.
    pub consent_type: AcceptConsentConsentType,
    /// The request body.
    pub body: AcceptConsentRequest,
}

impl Validate for ConsentAcceptance {
    /// The body's rules (the path's type is one of the three by
    /// construction).
    fn validate_in(&self, context: &ValidationContext<'_>) -> Violations {
        self.body.validate_in(context)
    }
}
