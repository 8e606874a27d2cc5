//! KYC: `create_verification`, `submit_customer_verification`,
//! `get_verification`, `upload_verification_document`,
//! `approve_verification`.
//!
//! A verification starts `PENDING`; documents (JSON with base64 content,
//! PDF/JPEG/PNG, at most 10 MB decoded) are checked and recorded; an admin
//! approves it once at least one document is there, which makes it
//! `APPROVED` at `TENANT_VERIFIED` (`POWER_TENANT_VERIFIED` for a
//! high-risk customer or when requested) — or, in review mode, 202
//! `PENDING_REVIEW` until the power tenant's review completes.
//!
//! The runner profile answers creation, upload and approval in the \[RUN\]
//! pages' minimal forms; the reference profile starts a customer-scoped
//! verification at `…/verification/initiate`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, TimeDelta, Utc};
use finhub_api::LenientTimestamp;
use finhub_api::types::{
    ApproveVerificationRequest, BaseResponseVerification, BaseResponseVerificationApproval,
    BaseResponseVerificationDocument, CreateVerificationRequest, CustomerVerificationRequest,
    UploadVerificationDocumentRequest, Verification as VerificationView, VerificationApproval,
    VerificationDocument,
};
use serde_json::{Map, Value};

use crate::body::JsonRequest;
use crate::envelope::{ApiError, ApiResult, FieldError, ok};
use crate::ids;
use crate::limits::MAX_DOCUMENT_BYTES;
use crate::routes::caller::Caller;
use crate::state::{
    AppState, Document, POWER_TENANT_VERIFIED, TENANT_VERIFIED, Verification, VerificationStatus,
};
use crate::stats::SideEffect;

/// Accepted MIME types.
const MIME_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

/// Accepted document types (a `DT_` prefix is tolerated).
const DOCUMENT_TYPES: [&str; 12] = [
    "PASSPORT",
    "NATIONAL_ID",
    "ID_CARD",
    "DRIVERS_LICENSE",
    "GOVERNMENT_ID",
    "PROOF_OF_ADDRESS",
    "SOURCE_OF_FUNDS",
    "BANK_STATEMENT",
    "INCOME_PROOF",
    "SELFIE",
    "PEP_DECLARATION",
    "BENEFICIAL_OWNERSHIP",
];

/// The document's MIME type: as sent, or from the file name's extension.
fn mime_of(request: &UploadVerificationDocumentRequest) -> String {
    match request.mime_type.as_deref().map(str::trim) {
        Some(mime) => mime.to_ascii_lowercase(),
        None => {
            let name = request.file_name.trim().to_ascii_lowercase();
            let by_extension = [
                (".pdf", "application/pdf"),
                (".jpg", "image/jpeg"),
                (".jpeg", "image/jpeg"),
                (".png", "image/png"),
            ];
            by_extension
                .iter()
                .find(|(ext, _)| name.ends_with(ext))
                .map_or_else(String::new, |(_, mime)| (*mime).to_string())
        }
    }
}

/// A stored document as answers show it (the fields of every page).
fn document_view(
    customer_id: &str,
    uploaded_by: &str,
    document: &Document,
) -> VerificationDocument {
    VerificationDocument {
        document_id: Some(document.id.clone()),
        id: Some(document.id.clone()),
        document_type: Some(format!("DT_{}", document.document_type)),
        file_type: Some(document.document_type.clone()),
        file_name: Some(document.file_name.clone()),
        status: Some("UPLOADED".into()),
        content_type: Some(document.mime_type.clone()),
        uploaded_at: Some(LenientTimestamp::from(document.uploaded_at)),
        uploaded_by: Some(uploaded_by.to_string()),
        tenant_id: None,
        customer_id: Some(customer_id.to_string()),
        description: document.description.clone(),
        verified: Some(false),
        upload_date: None,
    }
}

fn view(state: &AppState, verification: &Verification) -> VerificationView {
    let approved = verification.status == VerificationStatus::Approved;
    VerificationView {
        documents: verification
            .documents
            .iter()
            .map(|document| VerificationDocument {
                tenant_id: Some(state.config.tenant_id.clone()),
                ..document_view(&verification.customer_id, &document.uploaded_by, document)
            })
            .collect(),
        verification_id: Some(verification.id.clone()),
        id: Some(verification.id.clone()),
        customer_id: Some(verification.customer_id.clone()),
        type_: Some(verification.type_.clone()),
        verification_type: Some("KYC".into()),
        status: Some(verification.status.code().into()),
        requested_level: Some(verification.requested_level.clone()),
        verification_level: approved.then(|| verification.level().to_string()),
        performed_by: Some("TENANT".into()),
        performed_by_id: Some(state.config.tenant_id.clone()),
        required_documents: vec!["GOVERNMENT_ID".into()],
        started_at: Some(LenientTimestamp::from(verification.started_at)),
        created_at: Some(LenientTimestamp::from(verification.started_at)),
        initiated_by: Some(verification.initiated_by.clone()),
        verified: Some(approved),
        applies_to_subtenants: Some(false),
        additional_data: verification.additional_data.clone(),
        level: None,
    }
}

fn not_found(verification_id: &str) -> ApiError {
    ApiError::not_found(format!("Verification '{verification_id}' not found"))
}

fn customer_not_found(customer_id: &str) -> ApiError {
    ApiError::not_found(format!("Customer '{customer_id}' not found"))
}

/// Creates a `PENDING` verification for `customer_id`. It needs the power
/// tenant when requested at `POWER_TENANT_VERIFIED` or when the customer
/// is in a high-risk category.
fn start(
    state: &AppState,
    caller: &Caller,
    customer_id: &str,
    proposed_id: Option<&str>,
    type_: Option<String>,
    requested_level: Option<String>,
    additional_data: Map<String, Value>,
) -> ApiResult {
    let id = match proposed_id {
        None => ids::uuid(),
        Some(proposed) => ids::proposed(proposed).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "verificationId",
                "verificationId must be a UUID (the id the client proposes)",
            )])
        })?,
    };
    let non_blank = |value: Option<String>, default: &str| {
        value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    let requested_level = non_blank(requested_level, TENANT_VERIFIED);
    let mut verification = Verification {
        id,
        customer_id: customer_id.to_string(),
        type_: non_blank(type_, "IDENTITY_VERIFICATION"),
        needs_power_tenant: requested_level == POWER_TENANT_VERIFIED,
        requested_level,
        status: VerificationStatus::Pending,
        documents: Vec::new(),
        started_at: state.clock.now(),
        initiated_by: caller.user_id.clone(),
        additional_data,
        review_due: None,
        approved_at: None,
        approved_by: None,
    };
    let data = {
        let mut store = state.write();
        let customer = store
            .customers
            .get_mut(customer_id)
            .ok_or_else(|| customer_not_found(customer_id))?;
        verification.needs_power_tenant |= customer.high_risk;
        customer.verification_ids.push(verification.id.clone());
        if store.verifications.contains_key(&verification.id) {
            // Undo: the proposed id is taken, nothing is created.
            if let Some(customer) = store.customers.get_mut(customer_id) {
                customer.verification_ids.pop();
            }
            return Err(ApiError::conflict(format!(
                "Verification '{}' already exists",
                verification.id
            )));
        }
        let data = view(state, &verification);
        store
            .verifications
            .insert(verification.id.clone(), verification);
        data
    };
    state.counters.side_effect(SideEffect::Verification);
    if state.config.profile.captured_answers() {
        // The [RUN] answer: `{verificationId, status, verificationType}` (§2.7).
        return Ok(ok(BaseResponseVerification {
            code: Some(200),
            message: Some("Success".into()),
            data: Some(VerificationView {
                verification_id: data.verification_id,
                status: data.status,
                verification_type: data.verification_type,
                ..VerificationView::default()
            }),
            success: None,
            timestamp: None,
        }));
    }
    Ok(ok(BaseResponseVerification {
        code: Some(200),
        message: Some("Success".into()),
        data: Some(data),
        success: Some(true),
        timestamp: None,
    }))
}

/// `POST /api/v2.1/verifications`
pub(crate) async fn create_verification(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: JsonRequest,
) -> ApiResult {
    let request: CreateVerificationRequest = body.decode()?;
    let customer_id = request
        .customer_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::validation(vec![FieldError::required("customerId")]))?;
    caller.require_customer(customer_id)?;
    let additional_data = request
        .additional_data
        .as_ref()
        .and_then(|data| serde_json::to_value(data).ok())
        .and_then(|value| match value {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default();
    start(
        &state,
        &caller,
        customer_id,
        request.verification_id.as_deref(),
        request.type_.clone(),
        request.requested_level.clone(),
        additional_data,
    )
}

/// `POST /api/v2.1/customer/individual/{customerId}/verification`
pub(crate) async fn submit_customer_verification(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(customer_id): Path<String>,
    body: JsonRequest,
) -> ApiResult {
    caller.require_customer(&customer_id)?;
    let request: CustomerVerificationRequest = body.decode()?;
    let mut additional_data = Map::new();
    if let Some(notes) = request.notes {
        additional_data.insert("notes".into(), Value::String(notes));
    }
    if let Some(kind) = request.verification_type {
        additional_data.insert("verificationType".into(), Value::String(kind));
    }
    start(
        &state,
        &caller,
        &customer_id,
        None,
        None,
        None,
        additional_data,
    )
}

/// `POST /api/v2.1/customer/individual/{customerId}/verification/initiate`
/// (the reference profile's spelling, I-24): no body (one sent is not
/// read), the same verification as the submission.
pub(crate) async fn initiate_customer_verification(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(customer_id): Path<String>,
) -> ApiResult {
    caller.require_customer(&customer_id)?;
    start(&state, &caller, &customer_id, None, None, None, Map::new())
}

/// `GET /api/v2.1/verifications/{verificationId}`
pub(crate) async fn get_verification(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(verification_id): Path<String>,
) -> ApiResult {
    let store = state.read();
    let verification = store
        .verifications
        .get(&verification_id)
        .ok_or_else(|| not_found(&verification_id))?;
    caller.require_customer(&verification.customer_id)?;
    Ok(ok(BaseResponseVerification {
        code: Some(200),
        message: Some("Success".into()),
        data: Some(view(&state, verification)),
        success: Some(true),
        timestamp: None,
    }))
}

/// Standard base64 without padding, for the chunks before the last.
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Standard base64 with or without padding, for the last chunk.
const PADDING_OPTIONAL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Checks standard base64 (padding optional, whitespace and a `data:` URI
/// prefix tolerated) and returns the decoded length; `None` if it is not
/// base64. The content is decoded a few kilobytes at a time into a small
/// buffer and dropped (the sandbox records only metadata), so an upload of
/// the largest document is never copied again nor held decoded.
fn decoded_len(content: &str) -> Option<usize> {
    /// Characters per chunk: a multiple of 4, so every chunk but the last
    /// decodes on its own.
    const CHUNK: usize = 4096;
    let content = match content.split_once(";base64,") {
        Some((prefix, rest)) if prefix.starts_with("data:") => rest,
        _ => content,
    };
    let mut chunk = [0u8; CHUNK];
    let mut decoded = [0u8; CHUNK / 4 * 3];
    let mut filled = 0;
    let mut total = 0usize;
    for c in content.chars().filter(|c| !c.is_whitespace()) {
        if filled == CHUNK {
            total += UNPADDED.decode_slice(chunk, &mut decoded).ok()?;
            filled = 0;
        }
        chunk[filled] = u8::try_from(c).ok().filter(u8::is_ascii)?;
        filled += 1;
    }
    total += PADDING_OPTIONAL
        .decode_slice(&chunk[..filled], &mut decoded)
        .ok()?;
    Some(total)
}

/// Checks a document upload; the decoded size on success.
fn check_document(
    request: &UploadVerificationDocumentRequest,
) -> Result<(String, usize), ApiError> {
    let mut errors = Vec::new();
    let document_type = request.document_type.trim().to_ascii_uppercase();
    let document_type = document_type
        .strip_prefix("DT_")
        .unwrap_or(&document_type)
        .to_string();
    if !DOCUMENT_TYPES.contains(&document_type.as_str()) {
        errors.push(FieldError::new(
            "documentType",
            format!(
                "Unsupported document type '{}' (expected one of {})",
                request.document_type,
                DOCUMENT_TYPES.join(", ")
            ),
        ));
    }
    // `mimeType` may be absent ([LATEST] does not send it, facts §2.9); it
    // then follows the file name's extension.
    let mime = mime_of(request);
    if !MIME_TYPES.contains(&mime.as_str()) {
        errors.push(FieldError::new(
            "mimeType",
            format!(
                "Unsupported MIME type '{mime}' (allowed: {}; without mimeType the file name's extension decides)",
                MIME_TYPES.join(", ")
            ),
        ));
    }
    if request.file_name.trim().is_empty() {
        errors.push(FieldError::new("fileName", "fileName must not be blank"));
    }
    let size = match decoded_len(&request.file_content) {
        None => {
            errors.push(FieldError::new(
                "fileContent",
                "fileContent is not valid base64",
            ));
            None
        }
        Some(0) => {
            errors.push(FieldError::new("fileContent", "fileContent is empty"));
            None
        }
        Some(len) if len > MAX_DOCUMENT_BYTES => {
            errors.push(FieldError::new(
                "fileContent",
                format!("File too large: {len} bytes (maximum {MAX_DOCUMENT_BYTES} bytes, 10 MB)"),
            ));
            None
        }
        Some(len) => Some(len),
    };
    if let (Some(size), Some(declared)) = (size, request.file_size)
        && u64::try_from(size).ok() != u64::try_from(declared).ok()
    {
        errors.push(FieldError::new(
            "fileSize",
            format!("fileSize {declared} does not match the decoded content ({size} bytes)"),
        ));
    }
    match size {
        Some(size) if errors.is_empty() => Ok((document_type, size)),
        _ => {
            let summary: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            let message = format!("Invalid document: {}", summary.join("; "));
            Err(ApiError::bad_request(message).with_data(serde_json::json!({ "errors": errors })))
        }
    }
}

/// `POST /api/v2.1/verifications/{verificationId}/documents`
pub(crate) async fn upload_verification_document(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(verification_id): Path<String>,
    body: JsonRequest,
) -> ApiResult {
    let customer_id = state
        .read()
        .verifications
        .get(&verification_id)
        .map(|v| v.customer_id.clone())
        .ok_or_else(|| not_found(&verification_id))?;
    caller.require_customer(&customer_id)?;
    let request: UploadVerificationDocumentRequest = body.decode()?;
    let (document_type, size) = check_document(&request)?;
    let id = match request.doc_id.as_deref() {
        None => ids::uuid(),
        Some(proposed) => ids::proposed(proposed).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "docId",
                "docId must be a UUID (the document id the client makes up)",
            )])
        })?,
    };
    let document = Document {
        id,
        document_type,
        file_name: request.file_name.trim().to_string(),
        mime_type: mime_of(&request),

        uploaded_at: state.clock.now(),
        uploaded_by: caller.user_id.clone(),
        description: request.description.clone(),
    };
    let data = VerificationDocument {
        tenant_id: Some(state.config.tenant_id.clone()),
        ..document_view(&customer_id, &caller.user_id, &document)
    };
    {
        let mut store = state.write();
        let verification = store
            .verifications
            .get_mut(&verification_id)
            .ok_or_else(|| not_found(&verification_id))?;
        if verification.status == VerificationStatus::Approved {
            return Err(ApiError::conflict(format!(
                "Verification '{verification_id}' is already approved; no more documents are accepted"
            )));
        }
        if verification.documents.iter().any(|d| d.id == document.id) {
            return Err(ApiError::conflict(format!(
                "Document '{}' is already uploaded to verification '{verification_id}'",
                document.id
            )));
        }
        verification.documents.push(document.clone());
    }
    tracing::debug!(bytes = size, "document stored");
    state.counters.document_stored(&document.document_type);
    if state.config.profile.captured_answers() {
        // The [RUN] answer: `{documentId, documentType, fileName}` (§2.9).
        return Ok(ok(BaseResponseVerificationDocument {
            code: Some(200),
            message: Some("Success".into()),
            success: None,
            data: Some(VerificationDocument {
                document_id: data.document_id,
                document_type: data.document_type,
                file_name: data.file_name,
                ..VerificationDocument::default()
            }),
        }));
    }
    Ok(ok(BaseResponseVerificationDocument {
        code: Some(200),
        message: Some("Success".into()),
        success: Some(true),
        data: Some(data),
    }))
}

/// `POST /api/v2.1/verifications/{verificationId}/approve` (admin token)
pub(crate) async fn approve_verification(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Path(verification_id): Path<String>,
    body: JsonRequest,
) -> ApiResult {
    let request: ApproveVerificationRequest = body.decode()?;
    if let Some(status) = request.status.as_deref()
        && !status.eq_ignore_ascii_case("APPROVED")
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "status",
            format!("status '{status}' is not supported: this endpoint only approves (APPROVED)"),
        )]));
    }
    let approved_by = [&request.approved_by, &request.user_id]
        .into_iter()
        .flatten()
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
        .unwrap_or(&state.config.admin_username)
        .to_string();
    let now = state.clock.now();
    let (held, approval) = {
        let mut store = state.write();
        let verification = store
            .verifications
            .get_mut(&verification_id)
            .ok_or_else(|| not_found(&verification_id))?;
        match verification.status {
            VerificationStatus::Approved => {
                return Err(ApiError::conflict(format!(
                    "Verification '{verification_id}' is already approved"
                )));
            }
            // Asked again while the power tenant reviews: still pending,
            // nothing changes.
            VerificationStatus::PendingReview => (true, verification.approval()),
            VerificationStatus::Pending => {
                if verification.documents.is_empty() {
                    return Err(ApiError::conflict(format!(
                        "Verification '{verification_id}' has no uploaded documents; upload at least one document before approval"
                    )));
                }
                if state.config.review.holds(verification.needs_power_tenant) {
                    verification.status = VerificationStatus::PendingReview;
                    let due = state.config.review_delay.map(|delay| {
                        TimeDelta::from_std(delay)
                            .ok()
                            .and_then(|delay| now.checked_add_signed(delay))
                            .unwrap_or(DateTime::<Utc>::MAX_UTC)
                    });
                    verification.review_due = due;
                    if let Some(due) = due {
                        state.review_due_at(due);
                    }
                    (true, verification.approval())
                } else {
                    verification.approve(now, &approved_by);
                    (false, verification.approval())
                }
            }
        }
    };
    if held {
        return Ok(pending_review(&state, approval));
    }
    state.counters.side_effect(SideEffect::Approval);
    let data = if state.config.profile.captured_answers() {
        // The [RUN] answer: `{verificationId, status}` (§2.11, I-28).
        VerificationApproval {
            verification_id: approval.verification_id,
            status: approval.status,
            ..VerificationApproval::default()
        }
    } else {
        approval
    };
    let message = if state.config.profile.captured_answers() {
        "Success"
    } else {
        "Verification approved successfully"
    };
    Ok(ok(BaseResponseVerificationApproval {
        code: Some(200),
        message: Some(message.into()),
        data: Some(data),
    }))
}

/// 202 with `data.status: PENDING_REVIEW`: the tenant admin's approval is
/// recorded and the power tenant's review is pending (review mode; see
/// the `review` module for why this answer).
fn pending_review(state: &AppState, approval: VerificationApproval) -> Response {
    let captured = state.config.profile.captured_answers();
    let data = VerificationApproval {
        verification_id: approval.verification_id,
        status: approval.status,
        level: if captured { None } else { approval.level },
        approved_by: None,
        approved_at: None,
    };
    let body = BaseResponseVerificationApproval {
        code: Some(202),
        message: Some("Verification pending review: approval requires the power tenant".into()),
        data: Some(data),
    };
    let mut response = ok(body);
    *response.status_mut() = StatusCode::ACCEPTED;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

    fn upload(content: &str, mime: &str, kind: &str) -> UploadVerificationDocumentRequest {
        UploadVerificationDocumentRequest {
            customer_id: None,
            description: None,
            doc_id: None,
            document_category: None,
            document_type: kind.into(),
            file_content: content.into(),
            file_name: "passport.pdf".into(),
            file_size: None,
            mime_type: Some(mime.into()),
            verification_id: None,
        }
    }

    #[test]
    fn documents_are_checked() {
        let pdf = "JVBERi0xLjQKJeLjz9MKJSVFT0YK";
        assert_eq!(
            check_document(&upload(pdf, "application/pdf", "PASSPORT")).unwrap(),
            ("PASSPORT".to_string(), 21)
        );
        assert_eq!(
            check_document(&upload(pdf, "image/png", "DT_PROOF_OF_ADDRESS"))
                .unwrap()
                .0,
            "PROOF_OF_ADDRESS"
        );
        let data_uri = format!("data:application/pdf;base64,{pdf}");
        assert!(check_document(&upload(&data_uri, "application/pdf", "PASSPORT")).is_ok());
        for (content, mime, kind, field) in [
            (pdf, "text/plain", "PASSPORT", "mimeType"),
            (
                "%%%not base64%%%",
                "application/pdf",
                "PASSPORT",
                "fileContent",
            ),
            ("", "application/pdf", "PASSPORT", "fileContent"),
            (pdf, "application/pdf", "TAX_RETURN", "documentType"),
        ] {
            let err = check_document(&upload(content, mime, kind)).unwrap_err();
            assert_eq!(err.status, 400);
            assert_eq!(err.data.unwrap()["errors"][0]["field"], field);
        }
        let mut declared = upload(pdf, "application/pdf", "PASSPORT");
        declared.file_size = Some(99);
        assert!(check_document(&declared).is_err());
    }

    #[test]
    fn decoded_lengths_match_a_whole_decode() {
        let whole = |text: &str| {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            STANDARD
                .decode(&compact)
                .or_else(|_| STANDARD_NO_PAD.decode(&compact))
                .ok()
                .map(|bytes| bytes.len())
        };
        // Around the chunk size (4096 characters = 3072 bytes), padded and
        // not, with line breaks.
        for len in [
            0, 1, 2, 3, 4, 5, 3070, 3071, 3072, 3073, 3074, 6144, 6145, 100_000,
        ] {
            let bytes: Vec<u8> = (0..len)
                .map(|i: usize| u8::try_from(i * 31 % 251).unwrap())
                .collect();
            let padded = STANDARD.encode(&bytes);
            let unpadded = STANDARD_NO_PAD.encode(&bytes);
            let wrapped = padded
                .as_bytes()
                .chunks(76)
                .map(|line| std::str::from_utf8(line).unwrap())
                .collect::<Vec<_>>()
                .join("\r\n");
            for text in [&padded, &unpadded, &wrapped] {
                assert_eq!(decoded_len(text), Some(len), "{len}");
                assert_eq!(decoded_len(text), whole(text), "{len}");
            }
        }
        // Not base64: bad characters anywhere, padding before the end,
        // impossible lengths, non-ASCII.
        let long = STANDARD.encode(vec![1u8; 5000]);
        for text in [
            "%%%%".to_string(),
            "QQ==QQ==".to_string(),
            "Q".to_string(),
            "QUJD\u{e9}".to_string(),
            format!("{}=={}", &long[..4096], &long[4096..]),
            format!("{}*", long),
            format!("*{}", long),
        ] {
            assert_eq!(decoded_len(&text), None, "{text:.40}");
            assert_eq!(whole(&text), None, "{text:.40}");
        }
    }

    #[test]
    fn oversized_documents_are_refused() {
        let big = STANDARD.encode(vec![0u8; MAX_DOCUMENT_BYTES + 1]);
        let err = check_document(&upload(&big, "application/pdf", "PASSPORT")).unwrap_err();
        let message = err.data.unwrap()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.starts_with("File too large"), "{message}");
        let fits = STANDARD.encode(vec![0u8; MAX_DOCUMENT_BYTES]);
        assert!(check_document(&upload(&fits, "application/pdf", "PASSPORT")).is_ok());
    }
}
