//! The rules of the journey's other bodies: sessions (facts §1.10, §2.3,
//! §2.4), verification (§2.6, §2.7), documents (§2.8–2.10), approval
//! (§2.11), consents (§2.12) and activation (§2.14).

use finhub_api::Sensitive;
use finhub_api::types::{
    AcceptConsentConsentType, AcceptConsentRequest, ActivationRequest, ApproveVerificationRequest,
    CreateAdminSessionRequest, CreateIndividualSessionRequest, CreateVerificationRequest,
    CustomerVerificationRequest, RefreshSessionRequest, UploadVerificationDocumentRequest,
};

use super::codes::*;
use super::rules::{self, disputed, disputed_if_absent, required};
use super::vocabulary::{
    ConsentKind, DocumentMime, DocumentType, VerificationLevel, VerificationType,
};
use super::{Validate, ValidationContext, Violation, Violations};

/// Why a login may come without the tenant key and secret (facts §2.3).
const QUICK_START: &str = "the login's parameter list has it, the quick-start login sends only username and password (§2.3)";
/// The same for the admin login (facts §1.10, I-34).
const ADMIN_OAS: &str = "the reference admin login sends it, the [OAS] admin login body has no such field (§1.10, I-34)";
/// Why an upload may come without a MIME type (facts §2.9).
const LATEST_UPLOAD: &str = "the [RUN] upload example sends it, the [LATEST] upload example (which lists its required fields) does not (§2.9, I-26)";

fn secret(value: &Option<Sensitive>) -> Option<&str> {
    value.as_ref().map(Sensitive::expose)
}

/// An optional field that, when sent, must not be blank.
fn not_blank_if_sent(out: &mut Violations, path: &str, value: Option<&str>) {
    if value.is_some_and(|s| s.trim().is_empty()) {
        out.push(
            path,
            REQUIRED_MISSING,
            format!("`{path}` is empty; omit it or give a value"),
        );
    }
}

fn verification_type(out: &mut Violations, path: &str, value: &str) {
    if VerificationType::from_code(value).is_none() {
        out.push(
            path,
            VERIFICATION_TYPE_UNKNOWN,
            format!(
                "`{value}` is not a documented verification type; expected one of {}",
                VerificationType::codes()
            ),
        );
    }
}

/// Login of a customer (facts §2.3): username, password and the tenant's
/// key and secret.
impl Validate for CreateIndividualSessionRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        required(&mut out, "username", self.username.as_deref());
        required(&mut out, "password", secret(&self.password));
        disputed_if_absent(&mut out, "tenantKey", secret(&self.tenant_key), QUICK_START);
        disputed_if_absent(
            &mut out,
            "tenantSecret",
            secret(&self.tenant_secret),
            QUICK_START,
        );
        not_blank_if_sent(&mut out, "tenantId", self.tenant_id.as_deref());
        out
    }
}

/// Login of a tenant admin (facts §1.10): username, password and the
/// tenant's key and secret.
impl Validate for CreateAdminSessionRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        required(&mut out, "username", self.username.as_deref());
        required(&mut out, "password", secret(&self.password));
        disputed_if_absent(&mut out, "tenantKey", secret(&self.tenant_key), ADMIN_OAS);
        disputed_if_absent(
            &mut out,
            "tenantSecret",
            secret(&self.tenant_secret),
            ADMIN_OAS,
        );
        out
    }
}

/// Session refresh (facts §2.4): the refresh token.
impl Validate for RefreshSessionRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        required(&mut out, "refreshToken", Some(self.refresh_token.expose()));
        out
    }
}

/// Generic verification creation (facts §2.7): the customer and a
/// documented type and level.
impl Validate for CreateVerificationRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        required(&mut out, "customerId", self.customer_id.as_deref());
        if let Some(kind) = required(&mut out, "type", self.type_.as_deref()) {
            verification_type(&mut out, "type", kind);
        }
        if let Some(level) = self.requested_level.as_deref()
            && VerificationLevel::from_code(level).is_none()
        {
            out.push(
                "requestedLevel",
                VERIFICATION_LEVEL_UNKNOWN,
                format!(
                    "`{level}` is not a documented verification level; expected one of {}",
                    VerificationLevel::codes()
                ),
            );
        }
        not_blank_if_sent(
            &mut out,
            "requestedByTenantId",
            self.requested_by_tenant_id.as_deref(),
        );
        not_blank_if_sent(
            &mut out,
            "requestedByUserId",
            self.requested_by_user_id.as_deref(),
        );
        not_blank_if_sent(&mut out, "verificationId", self.verification_id.as_deref());
        out
    }
}

/// Customer-scoped verification submission (facts §2.6): identity-document
/// dates are `YYYY-MM-DD` (the issue date not in the future) and the issuing
/// country an alpha-2 code.
impl Validate for CustomerVerificationRequest {
    fn validate_in(&self, context: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        if let Some(data) = &self.verification_data {
            if let Some(issue) = data.issue_date.as_deref() {
                rules::past_date(&mut out, "verificationData.issueDate", issue, context);
            }
            if let Some(expiry) = data.expiry_date.as_deref() {
                rules::date(&mut out, "verificationData.expiryDate", expiry);
            }
            if let Some(country) = data.issuing_country.as_deref() {
                rules::country(&mut out, "verificationData.issuingCountry", country);
            }
        }
        out
    }
}

/// Document upload (facts §2.8, §2.9): documented type and MIME type, a
/// file name, well-formed base64 content of at most 10 MB, and a `fileSize`
/// (when sent) equal to the decoded size.
impl Validate for UploadVerificationDocumentRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        if let Some(kind) = required(&mut out, "documentType", Some(&self.document_type))
            && DocumentType::from_code(kind).is_none()
        {
            out.push(
                "documentType",
                DOCUMENT_TYPE_UNKNOWN,
                format!(
                    "`{kind}` is not a documented document type; expected one of {}",
                    DocumentType::codes()
                ),
            );
        }
        if let Some(mime) = disputed(
            &mut out,
            "mimeType",
            self.mime_type.as_deref(),
            LATEST_UPLOAD,
        ) && DocumentMime::from_code(mime).is_none()
        {
            out.push(
                "mimeType",
                DOCUMENT_MIME,
                format!(
                    "`{mime}` is not an accepted MIME type; expected one of {}",
                    DocumentMime::codes()
                ),
            );
        }
        required(&mut out, "fileName", Some(&self.file_name));
        if let Some(content) = required(&mut out, "fileContent", Some(&self.file_content))
            && let Some(size) = rules::base64_document(&mut out, "fileContent", content)
            && let Some(declared) = self.file_size
            && usize::try_from(declared).ok() != Some(size)
        {
            out.push(
                "fileSize",
                DOCUMENT_SIZE_MISMATCH,
                format!("`fileSize` is {declared} but `fileContent` decodes to {size} bytes"),
            );
        }
        not_blank_if_sent(&mut out, "verificationId", self.verification_id.as_deref());
        not_blank_if_sent(&mut out, "customerId", self.customer_id.as_deref());
        out
    }
}

/// Verification approval (facts §2.11): the verification id, and a
/// documented verification type when one is sent.
impl Validate for ApproveVerificationRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        required(&mut out, "verificationId", Some(&self.verification_id));
        if let Some(kind) = self.verification_type.as_deref() {
            verification_type(&mut out, "verificationType", kind);
        }
        not_blank_if_sent(&mut out, "customerId", self.customer_id.as_deref());
        out
    }
}

/// Consent acceptance (facts §2.12): `accepted` must be `true` and the
/// document `version` given.
impl Validate for AcceptConsentRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        if !self.accepted {
            out.push(
                "accepted",
                CONSENT_NOT_ACCEPTED,
                "`accepted` must be `true`: the endpoint records an acceptance",
            );
        }
        required(&mut out, "version", Some(&self.version));
        out
    }
}

/// Customer activation (facts §2.14): the user id and the activation code.
impl Validate for ActivationRequest {
    fn validate_in(&self, _: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        required(&mut out, "userId", Some(&self.user_id));
        required(&mut out, "code", Some(&self.code));
        out
    }
}

/// The consent type path parameter from a string, e.g. one read from
/// configuration (facts §2.12): `terms`, `privacy` or `data-processing`,
/// else a `consent.type_unknown` violation at `path.consentType`.
pub fn parse_consent_type(value: &str) -> Result<AcceptConsentConsentType, Violations> {
    ConsentKind::from_code(value)
        .map(Into::into)
        .ok_or_else(|| {
            Violation::new(
                "path.consentType",
                CONSENT_TYPE_UNKNOWN,
                format!(
                    "`{value}` is not a consent type; expected one of {}",
                    ConsentKind::codes()
                ),
            )
            .into()
        })
}
