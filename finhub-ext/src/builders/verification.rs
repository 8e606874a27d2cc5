//! KYC bodies: [`VerificationBuilder`] (create a verification),
//! [`DocumentUploadBuilder`] (upload a document to it) and
//! [`ApprovalBuilder`] (approve it).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use finhub_api::types::{
    ApproveVerificationRequest, CreateVerificationRequest, UploadVerificationDocumentRequest,
    VerificationAdditionalData,
};

use crate::validation::codes::DOCUMENT_TOO_LARGE;
use crate::validation::{
    DocumentMime, DocumentType, MAX_DOCUMENT_BYTES, Validate, VerificationLevel, VerificationType,
    Violations,
};

/// Builds a validated [`CreateVerificationRequest`] (facts §2.7): starts the
/// KYC process of a customer, by default an `IDENTITY_VERIFICATION`.
#[derive(Debug, Clone)]
pub struct VerificationBuilder {
    customer_id: String,
    kind: VerificationType,
    level: Option<VerificationLevel>,
    requested_by_user_id: Option<String>,
    requested_by_tenant_id: Option<String>,
    notes: Option<String>,
    reason: Option<String>,
    verification_id: Option<String>,
}

impl VerificationBuilder {
    /// An identity verification of customer `customer_id` (the
    /// registration's `data.id`).
    pub fn new(customer_id: impl Into<String>) -> Self {
        VerificationBuilder {
            customer_id: customer_id.into(),
            kind: VerificationType::IdentityVerification,
            level: None,
            requested_by_user_id: None,
            requested_by_tenant_id: None,
            notes: None,
            reason: None,
            verification_id: None,
        }
    }

    /// The id the client proposes for the new verification (`verificationId`,
    /// a UUID the client makes up; facts §2.7 lists the field). A journey
    /// records it before sending, so that when the answer is lost it can
    /// read the verification back with
    /// [`CustomerClient::verification`](crate::CustomerClient::verification)
    /// instead of creating a second one. The answer's id is the one to use.
    pub fn verification_id(mut self, verification_id: impl Into<String>) -> Self {
        self.verification_id = Some(verification_id.into());
        self
    }

    /// The verification type (default `IDENTITY_VERIFICATION`).
    pub fn verification_type(mut self, kind: VerificationType) -> Self {
        self.kind = kind;
        self
    }

    /// The requested level (FinHub's default is `TENANT_VERIFIED`; high-risk
    /// customers need `POWER_TENANT_VERIFIED`).
    pub fn requested_level(mut self, level: VerificationLevel) -> Self {
        self.level = Some(level);
        self
    }

    /// The user requesting the verification.
    pub fn requested_by_user(mut self, user_id: impl Into<String>) -> Self {
        self.requested_by_user_id = Some(user_id.into());
        self
    }

    /// The tenant requesting the verification.
    pub fn requested_by_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.requested_by_tenant_id = Some(tenant_id.into());
        self
    }

    /// Free-text notes.
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }

    /// Why the verification is started (sent as
    /// `additionalData.verificationReason`).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The body, or every violation (an empty customer id).
    pub fn build(&self) -> Result<CreateVerificationRequest, Violations> {
        let body = CreateVerificationRequest {
            customer_id: Some(self.customer_id.clone()),
            type_: Some(self.kind.as_str().to_string()),
            requested_level: self.level.map(|l| l.as_str().to_string()),
            requested_by_user_id: self.requested_by_user_id.clone(),
            requested_by_tenant_id: self.requested_by_tenant_id.clone(),
            notes: self.notes.clone(),
            additional_data: self
                .reason
                .as_ref()
                .map(|reason| VerificationAdditionalData {
                    verification_reason: Some(reason.clone()),
                    ..Default::default()
                }),
            verification_id: self.verification_id.clone(),
        };
        body.validate().map(|()| body)
    }
}

/// Builds a validated [`UploadVerificationDocumentRequest`] (facts §2.8,
/// §2.9) from the file's bytes: it base64-encodes the content, sets
/// `fileSize`, and checks the documented type, MIME type and the 10 MB
/// limit.
#[derive(Clone)]
pub struct DocumentUploadBuilder {
    document_type: DocumentType,
    mime: DocumentMime,
    file_name: String,
    content: Vec<u8>,
    verification_id: Option<String>,
    customer_id: Option<String>,
    description: Option<String>,
    doc_id: Option<String>,
}

impl fmt::Debug for DocumentUploadBuilder {
    /// Shows the size of the content, not the content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentUploadBuilder")
            .field("document_type", &self.document_type)
            .field("mime", &self.mime)
            .field("file_name", &self.file_name)
            .field("content_bytes", &self.content.len())
            .field("verification_id", &self.verification_id)
            .field("customer_id", &self.customer_id)
            .field("doc_id", &self.doc_id)
            .finish_non_exhaustive()
    }
}

impl DocumentUploadBuilder {
    /// A document of `document_type` in format `mime`, named `file_name`,
    /// with the file's raw bytes.
    pub fn new(
        document_type: DocumentType,
        mime: DocumentMime,
        file_name: impl Into<String>,
        content: impl Into<Vec<u8>>,
    ) -> Self {
        DocumentUploadBuilder {
            document_type,
            mime,
            file_name: file_name.into(),
            content: content.into(),
            verification_id: None,
            customer_id: None,
            description: None,
            doc_id: None,
        }
    }

    /// The verification the document belongs to (also the path parameter).
    pub fn verification_id(mut self, verification_id: impl Into<String>) -> Self {
        self.verification_id = Some(verification_id.into());
        self
    }

    /// The customer the document belongs to.
    pub fn customer_id(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }

    /// A description of the document.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The document's id made up by the client (`docId`, a UUID; required
    /// by the \[LATEST\] pages only, facts §2.9, I-26). A journey records it
    /// before sending, to recognise the document when it reads the
    /// verification back after a lost answer.
    pub fn doc_id(mut self, doc_id: impl Into<String>) -> Self {
        self.doc_id = Some(doc_id.into());
        self
    }

    /// The body, or every violation (an empty file name or file, a file
    /// over 10 MB). An oversized file is rejected before it is encoded.
    pub fn build(&self) -> Result<UploadVerificationDocumentRequest, Violations> {
        let too_large = self.content.len() > MAX_DOCUMENT_BYTES;
        let mut out = Violations::new();
        if too_large {
            out.push(
                "fileContent",
                DOCUMENT_TOO_LARGE,
                format!(
                    "the document has {} bytes; FinHub takes at most 10 MB ({MAX_DOCUMENT_BYTES} bytes)",
                    self.content.len()
                ),
            );
        }
        let body = UploadVerificationDocumentRequest {
            document_type: self.document_type.as_str().to_string(),
            mime_type: Some(self.mime.as_str().to_string()),
            file_name: self.file_name.clone(),
            file_content: if too_large {
                String::new()
            } else {
                STANDARD.encode(&self.content)
            },
            file_size: i64::try_from(self.content.len()).ok(),
            verification_id: self.verification_id.clone(),
            customer_id: self.customer_id.clone(),
            description: self.description.clone(),
            document_category: None,
            doc_id: self.doc_id.clone(),
        };
        if let Err(found) = body.validate() {
            for v in found {
                // The content of an oversized file was not encoded: its
                // size is the one violation to report about it.
                if too_large && (v.path == "fileContent" || v.path == "fileSize") {
                    continue;
                }
                out.push(v.path, v.rule, v.message);
            }
        }
        out.into_result().map(|()| body)
    }
}

/// Builds a validated [`ApproveVerificationRequest`] (facts §2.11): an
/// admin approves a verification (`status: APPROVED`).
#[derive(Debug, Clone)]
pub struct ApprovalBuilder {
    body: ApproveVerificationRequest,
}

impl ApprovalBuilder {
    /// Approval of verification `verification_id`.
    pub fn new(verification_id: impl Into<String>) -> Self {
        ApprovalBuilder {
            body: ApproveVerificationRequest {
                verification_id: verification_id.into(),
                status: Some("APPROVED".into()),
                approved_by: None,
                comment: None,
                customer_id: None,
                notes: None,
                organization_id: None,
                user_id: None,
                verification_type: None,
            },
        }
    }

    /// The customer whose verification it is.
    pub fn customer_id(mut self, customer_id: impl Into<String>) -> Self {
        self.body.customer_id = Some(customer_id.into());
        self
    }

    /// The type of the approved verification.
    pub fn verification_type(mut self, kind: VerificationType) -> Self {
        self.body.verification_type = Some(kind.as_str().to_string());
        self
    }

    /// An approval comment (e.g. `Approved`).
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.body.comment = Some(comment.into());
        self
    }

    /// Approval notes.
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.body.notes = Some(notes.into());
        self
    }

    /// The approving admin.
    pub fn approved_by(mut self, admin: impl Into<String>) -> Self {
        self.body.approved_by = Some(admin.into());
        self
    }

    /// The acting admin user.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.body.user_id = Some(user_id.into());
        self
    }

    /// The body, or every violation (an empty verification id).
    pub fn build(&self) -> Result<ApproveVerificationRequest, Violations> {
        self.body.validate().map(|()| self.body.clone())
    }
}
