//! The stable rule codes of [`Violation::rule`](super::Violation::rule), as
//! constants, so callers match on them without typos. The table in the
//! [module docs](super) gives each rule and its source.

/// A required field is absent, empty or blank.
pub const REQUIRED_MISSING: &str = "required.missing";
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
/// I-11).
pub const COUNTRY_NOT_ALPHA2: &str = "country.not_alpha2";
/// Not an ISO 3166-1 country (facts §1.8).
pub const COUNTRY_UNKNOWN: &str = "country.unknown";
/// Role id other than `ACCOUNT_OWNER`, `USER` (facts §1.8).
pub const ROLE_UNKNOWN: &str = "role.unknown";
/// Contact type other than `EMAIL`, `PHONE` (facts §1.8).
pub const CONTACT_TYPE_UNKNOWN: &str = "contact.type_unknown";
/// A duplicated fact differs between its places (facts §2.2, §2.9).
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
