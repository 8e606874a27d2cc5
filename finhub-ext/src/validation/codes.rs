//! The stable rule codes of [`Violation::rule`](super::Violation::rule), as
//! constants, so callers match on them without typos, and the
//! [`severity`] of each. The table in the [module docs](super) gives each
//! rule, its severity and its source.

use super::Severity;

/// The severity of `rule`: [`Severity::Warning`] for the rules where
/// FinHub's own pages disagree ([`COUNTRY_NOT_ALPHA2`],
/// [`CONSISTENCY_MISMATCH`], [`REQUIRED_DISPUTED`]), [`Severity::Error`] for
/// every other rule (and any code this crate does not define).
pub const fn severity(rule: &str) -> Severity {
    // `match` on strings is not const: compare bytes.
    const WARNINGS: [&str; 3] = [COUNTRY_NOT_ALPHA2, CONSISTENCY_MISMATCH, REQUIRED_DISPUTED];
    let mut i = 0;
    while i < WARNINGS.len() {
        if eq(WARNINGS[i].as_bytes(), rule.as_bytes()) {
            return Severity::Warning;
        }
        i += 1;
    }
    Severity::Error
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A required field is absent, empty or blank (an error).
pub const REQUIRED_MISSING: &str = "required.missing";
/// A field that one of FinHub's pages requires is absent (or empty), but
/// another page calls it optional or one of FinHub's own request examples
/// leaves it out (facts I-12: `pincode`, `customerCategory`, the runner's
/// registration without `person` and `user`…). A warning: the request is
/// sent.
pub const REQUIRED_DISPUTED: &str = "required.disputed";
/// The password is shorter than 8 characters (facts §1.8).
pub const PASSWORD_TOO_SHORT: &str = "password.too_short";
/// The password has no upper-case letter (facts §1.8).
pub const PASSWORD_MISSING_UPPERCASE: &str = "password.missing_uppercase";
/// The password has no lower-case letter (facts §1.8).
pub const PASSWORD_MISSING_LOWERCASE: &str = "password.missing_lowercase";
/// The password has no digit (facts §1.8).
pub const PASSWORD_MISSING_DIGIT: &str = "password.missing_digit";
/// The password has no special character (facts §1.8).
pub const PASSWORD_MISSING_SPECIAL: &str = "password.missing_special";
/// `matchingPassword` differs from `password` (facts §1.8, §2.2).
pub const PASSWORD_MISMATCH: &str = "password.mismatch";
/// Not an email address by the docs' regex (facts §1.8).
pub const EMAIL_SYNTAX: &str = "email.syntax";
/// Not an E.164 phone number (facts §1.8).
pub const PHONE_E164: &str = "phone.e164";
/// Not a `YYYY-MM-DD` date (facts §1.7).
pub const DATE_FORMAT: &str = "date.format";
/// `YYYY-MM-DD`, but no such calendar day (facts §1.7).
pub const DATE_INVALID: &str = "date.invalid";
/// A date of birth or issue date after today (facts §1.7).
pub const DATE_FUTURE: &str = "date.future";
/// Gender other than `MALE`, `FEMALE`, `OTHER` (facts §1.8).
pub const GENDER_UNKNOWN: &str = "gender.unknown";
/// A known country not written as its ISO 3166-1 alpha-2 code (facts §1.8,
/// I-11). A warning: FinHub's rule says alpha-2, its own request examples
/// send `Lithuania` and its answers carry `LT`.
pub const COUNTRY_NOT_ALPHA2: &str = "country.not_alpha2";
/// Not an ISO 3166-1 country (facts §1.8).
pub const COUNTRY_UNKNOWN: &str = "country.unknown";
/// Role id other than `ACCOUNT_OWNER`, `USER` (facts §1.8).
pub const ROLE_UNKNOWN: &str = "role.unknown";
/// Contact type other than `EMAIL`, `PHONE` (facts §1.8).
pub const CONTACT_TYPE_UNKNOWN: &str = "contact.type_unknown";
/// A duplicated fact differs between its places (facts §2.2). A warning:
/// FinHub's own "Advanced" registration example sends a categorization id
/// other than its `customerCategory.id`, and the server answers with what
/// it assigns itself (I-13).
pub const CONSISTENCY_MISMATCH: &str = "consistency.mismatch";
/// The new user is not `PENDING_ACTIVATION` / inactive (facts §2.2, §3.3).
pub const USER_INITIAL_STATE: &str = "user.initial_state";
/// Category id not in the categorization hierarchy (facts §2.1).
pub const CATEGORY_UNKNOWN: &str = "category.unknown";
/// Feature code not in the categorization hierarchy (facts §2.1).
pub const CATEGORY_FEATURE_UNKNOWN: &str = "category.feature_unknown";
/// A feature's mandatory parametrization key is missing (facts §2.1).
pub const CATEGORY_MANDATORY_KEY: &str = "category.mandatory_key";
/// A parametrization value outside the allowed values (facts §2.1).
pub const CATEGORY_VALUE_NOT_ALLOWED: &str = "category.value_not_allowed";
/// Consent type other than `terms`, `privacy`, `data-processing` (facts
/// §2.12).
pub const CONSENT_TYPE_UNKNOWN: &str = "consent.type_unknown";
/// A consent body whose `accepted` is not `true` (facts §2.12).
pub const CONSENT_NOT_ACCEPTED: &str = "consent.not_accepted";
/// Document type outside the documented vocabulary (facts §2.8–2.10).
pub const DOCUMENT_TYPE_UNKNOWN: &str = "document.type_unknown";
/// MIME type other than PDF, JPEG, PNG (facts §2.8).
pub const DOCUMENT_MIME: &str = "document.mime";
/// File content that is not well-formed base64 (facts §2.9).
pub const DOCUMENT_BASE64: &str = "document.base64";
/// A document's `fileSize` differs from the size its `fileContent` decodes
/// to (facts §2.9): the body contradicts itself.
pub const DOCUMENT_SIZE_MISMATCH: &str = "document.size_mismatch";
/// Decoded file content larger than 10 MB (facts §2.8, §2.10).
pub const DOCUMENT_TOO_LARGE: &str = "document.too_large";
/// Verification type outside the documented vocabulary (facts §2.7).
pub const VERIFICATION_TYPE_UNKNOWN: &str = "verification.type_unknown";
/// Verification level outside the documented vocabulary (facts §2.7, §3.4).
pub const VERIFICATION_LEVEL_UNKNOWN: &str = "verification.level_unknown";
/// A path parameter is empty: the URL would lose a segment and reach
/// another endpoint.
pub const PATH_EMPTY: &str = "path.empty";
/// A path parameter is `.` or `..`: the URL would be resolved to another
/// endpoint, which would receive the bearer token.
pub const PATH_DOT_SEGMENT: &str = "path.dot_segment";
/// The request's URL path does not match the operation's path template
/// segment for segment (checked on every request, typed or raw).
pub const PATH_TEMPLATE_MISMATCH: &str = "path.template_mismatch";
