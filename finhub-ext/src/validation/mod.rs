//! FinHub's documented request rules, checked before anything is sent.
//!
//! FinHub documents rules that its server only enforces after a round trip
//! (and then reports one at a time). This module checks them in the process:
//! every violation is reported at once, each with the JSON path of the field
//! (`individualCustomer.person.email`, arrays as
//! `individualCustomer.person.addresses[0].country`, path parameters as
//! `path.<name>`), a stable rule code and a plain message.
//!
//! Messages never contain the value of a secret (password, tenant key or
//! secret, tokens). They quote a rejected value only for vocabulary fields
//! (gender, country, role, document type, MIME type…), never personal data
//! such as an email address, a phone number or a date of birth.
//!
//! The rules run on the generated request types of [`finhub_api::types`]
//! through [`Validate`] (`request.validate()`), so a body read from a JSON
//! file is checked exactly like one made by the [builders](crate::builders).
//! The builders additionally normalize what they can (country names to
//! ISO codes, one fact written to every place FinHub duplicates it).
//!
//! # Errors and warnings
//!
//! Each finding has a [`Severity`], one per rule ([`codes::severity`]):
//!
//! * **error**: FinHub rejects the request, or the value can never be right
//!   (a bad e-mail address, passwords that differ, an impossible date, an
//!   empty required value). The client does not send the request.
//! * **warning**: FinHub's own pages disagree about the rule, its rule and
//!   its own examples, or its prose and its parameter lists. The client
//!   sends the request and logs the warning (rule and path). The warning
//!   rules are `country.not_alpha2` (I-11: the examples send `Lithuania`),
//!   `consistency.mismatch` (the "Advanced" registration example sends a
//!   categorization id that differs from its `customerCategory.id`; the
//!   server answers with what it assigns itself, I-13) and
//!   `required.disputed` (I-12: a field one page requires and another, or
//!   one of FinHub's own request examples, leaves out).
//!
//! [`Validate::validate_in`] returns every finding; [`Validate::validate`]
//! and the builders' `build()` fail only on errors.
//!
//! # Rules
//!
//! Sources are sections of the FinHub API facts
//! (`docs/finhub-api.md` in the repository); the codes are also constants in
//! [`codes`]. Every rule is an error except the three warnings above.
//!
//! | code | rule | applies to | source |
//! |---|---|---|---|
//! | `required.missing` | a required field is absent, empty or blank; a field of `required.disputed` sent but blank | every body: registration `firstName`, `lastName`, `email`, `password`, `matchingPassword`, the person's `firstName`, `lastName`, `email`; login `username`, `password`; verification `customerId`, `type`; document `documentType`, `fileName`, `fileContent`; approval `verificationId`; consent `version`; activation `userId`, `code`; refresh `refreshToken` | §2.2 (required list, "individualCustomer is required", "firstName is required in person object"), §2.3, §1.10, §2.7, §2.9, §2.11, §2.12, §2.14 |
//! | `required.disputed` (warning) | a field one page requires is absent (for the registration's strings and the upload's `mimeType`: absent or empty), but another page calls it optional or one of FinHub's request examples leaves it out | registration `phone`, `dateOfBirth`, `gender`, `nationality`, `placeOfBirth`, `pincode`, `roleIds`, `customerCategory.id`, `individualCustomer.person`, `individualCustomer.user`, the person's `dateOfBirth`, `gender`, `nationality`; login `tenantKey`, `tenantSecret`; document `mimeType` | §2.2, I-12 (\[RUN\], \[FLOW\] and \[LATEST\] examples; prose "optional"), §2.3 (quick-start login), §1.10 and I-34 (\[OAS\] admin login), §2.9 (\[LATEST\] upload) |
//! | `password.too_short` | password shorter than 8 characters | `password` | §1.8 |
//! | `password.missing_uppercase` | no upper-case letter | `password` | §1.8 |
//! | `password.missing_lowercase` | no lower-case letter | `password` | §1.8 |
//! | `password.missing_digit` | no digit | `password` | §1.8 |
//! | `password.missing_special` | no special character (neither letter, digit nor white space) | `password` | §1.8 |
//! | `password.mismatch` | `matchingPassword` differs from `password` | `matchingPassword` | §1.8, §2.2 (400 "Password and matching password do not match") |
//! | `email.syntax` | not matching the docs' regex `^[^\s@]+@[^\s@]+\.[^\s@]+$` | every email field, EMAIL contacts | §1.8 |
//! | `phone.e164` | not E.164 (`^\+[1-9][0-9]{1,14}$`) | `phone`, PHONE contacts | §1.8 |
//! | `date.format` | not `YYYY-MM-DD` | dates of birth, document issue/expiry dates | §1.7 |
//! | `date.invalid` | `YYYY-MM-DD` but no such calendar day (`1990-02-30`) | same | §1.7 |
//! | `date.future` | a date of birth (or document issue date) after today | same | §1.7, §1.8 (inferred: nobody is born in the future) |
//! | `gender.unknown` | not `MALE`, `FEMALE` or `OTHER` | `gender`, `person.gender` | §1.8 |
//! | `country.not_alpha2` (warning) | a known country, but not written as its upper-case ISO 3166-1 alpha-2 code (`Lithuania`, `LTU`, `lt`); the message names the code | `nationality`, address `country`, `issuingCountry` | §1.8, §4 I-11 |
//! | `country.unknown` | not an ISO 3166-1 country at all | same | §1.8 |
//! | `role.unknown` | role id other than `ACCOUNT_OWNER`, `USER` | `roleIds[i]`, `user.roles[i]` | §1.8 |
//! | `contact.type_unknown` | contact type other than `EMAIL`, `PHONE` | `person.contacts[i].type` | §1.8 |
//! | `consistency.mismatch` (warning) | a fact FinHub duplicates differs between its places (email, names, date of birth, gender, nationality, place of birth, pincode, tenant id, roles, user password, category id) | nested duplicates | §2.2 (field table: "duplicated in individualCustomer.person"), I-13 |
//! | `user.initial_state` | the new user is not `status: PENDING_ACTIVATION` / `isActive: false` | `individualCustomer.user` | §2.2, §3.3 |
//! | `category.unknown` | category id not in the supplied categorization hierarchy | `customerCategory.id` | §2.1 (usage rule) |
//! | `category.feature_unknown` | feature code not offered by the hierarchy | `individualCustomer.categorization.categoryFeatureRelations[i].feature.code` | §2.1 |
//! | `category.mandatory_key` | a feature's mandatory parametrization key is missing | `…categoryFeatureRelations[i].parametrization` | §2.1 (`mandatoryKeys`), §2.2 (400 `missingKeys`) |
//! | `category.value_not_allowed` | a parametrization value outside the feature's `allowedValues` | `…parametrization[j].value` | §2.1 (`allowedValues`), §2.2 (400 `invalidValues`) |
//! | `path.empty` | a path parameter (an id placed in the URL) is empty | every path parameter of every typed method, `path.<name>` | URL safety (an empty segment reaches another endpoint) |
//! | `path.dot_segment` | a path parameter is `.` or `..` (also percent-encoded) | same | URL safety (`/verifications/../approve` would receive the bearer token) |
//! | `path.template_mismatch` | the request's URL path does not match the operation's template segment for segment; checked by the pipeline on every request, raw calls included | `path` | URL safety |
//! | `consent.type_unknown` | consent type other than `terms`, `privacy`, `data-processing` | `path.consentType` | §2.12 |
//! | `consent.not_accepted` | `accepted` is not `true` | `accepted` | §2.12 |
//! | `document.type_unknown` | document type outside the documented vocabulary ([`DocumentType`]) | `documentType` | §2.8, §2.9, §2.10 |
//! | `document.mime` | MIME type other than `application/pdf`, `image/jpeg`, `image/png` | `mimeType` | §2.8 |
//! | `document.base64` | `fileContent` is not well-formed (padded, standard-alphabet) base64 | `fileContent` | §2.9 |
//! | `document.too_large` | decoded content larger than 10 MB (10 × 1024 × 1024 bytes) | `fileContent` | §2.8, §2.10 |
//! | `document.size_mismatch` | `fileSize` differs from the size `fileContent` decodes to | `fileSize` | §2.9 |
//! | `verification.type_unknown` | verification type outside [`VerificationType`] | `type`, approval `verificationType` | §2.7 |
//! | `verification.level_unknown` | requested level outside [`VerificationLevel`] | `requestedLevel` | §2.7, §3.4 |
//!
//! Checks that need more than the body take a [`ValidationContext`]: the
//! date "today" (injectable, so tests are deterministic) and, optionally, the
//! tenant's [`CategorizationHierarchy`] for the `category.*` rules
//! ([`validate_with`]).

#![warn(missing_docs)]

use std::fmt;

use chrono::{NaiveDate, Utc};
use finhub_api::types::{CategorizationHierarchy, IndividualRegistrationRequest};
use serde::Serialize;

pub mod codes;
mod journey;
mod path_parameters;
mod registration;
pub(crate) mod rules;
pub mod vocabulary;

pub use journey::parse_consent_type;
pub(crate) use path_parameters::matches_template;
pub use path_parameters::validate_path_parameters;
pub use rules::{MAX_DOCUMENT_BYTES, MIN_PASSWORD_CHARS};
pub use vocabulary::{
    AddressKind, ConsentKind, Country, DocumentMime, DocumentType, Gender, Role, UnknownCountry,
    VerificationLevel, VerificationType,
};

/// How much a [`Violation`] matters.
///
/// Serializes as `"error"` or `"warning"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// FinHub rejects the request, or the value can never be right (a bad
    /// e-mail address, passwords that differ, an impossible date, an empty
    /// required value): the request is not sent.
    Error,
    /// FinHub's own pages disagree about the rule (its rule and its own
    /// examples, or its prose and its parameter lists): the request is sent
    /// and the finding is reported.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One finding: a broken rule. Serializes as `{"path": "…", "rule": "…",
/// "severity": "error"|"warning", "message": "…"}` (a message never holds a
/// secret, see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON path of the field in the request body (or `path.<name>` for a
    /// path parameter), e.g. `individualCustomer.person.email`.
    pub path: String,
    /// Stable code of the rule, e.g. `password.too_short`.
    pub rule: &'static str,
    /// Whether the finding blocks the request ([`Severity::Error`]) or is
    /// only reported ([`Severity::Warning`]); each rule has one severity
    /// (see the table in the module docs and [`codes::severity`]).
    pub severity: Severity,
    /// What is wrong and what is expected, in plain words.
    pub message: String,
}

impl Violation {
    /// A finding of `rule` at `path`, with the rule's severity
    /// ([`codes::severity`]).
    pub fn new(path: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Violation {
            path: path.into(),
            rule,
            severity: codes::severity(rule),
            message: message.into(),
        }
    }

    /// Whether this finding blocks the request.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} [{}]: {}",
            self.severity, self.path, self.rule, self.message
        )
    }
}

/// Every finding about one request: errors (which block it) and warnings
/// (which do not), in the order they were found. As the error of a call or
/// a builder it holds at least one error, and the warnings found with it.
/// Serializes as the array of its [`Violation`]s.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// An empty list.
    pub fn new() -> Self {
        Violations(Vec::new())
    }

    /// Adds a finding of `rule`, with the rule's severity
    /// ([`codes::severity`]).
    pub fn push(
        &mut self,
        path: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(Violation::new(path, rule, message));
    }

    /// Whether there is no finding at all, error or warning.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of findings, errors and warnings.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every finding, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Violation> {
        self.0.iter()
    }

    /// The findings that block the request.
    pub fn errors(&self) -> impl Iterator<Item = &Violation> {
        self.0.iter().filter(|v| v.severity == Severity::Error)
    }

    /// The findings that are only reported.
    pub fn warnings(&self) -> impl Iterator<Item = &Violation> {
        self.0.iter().filter(|v| v.severity == Severity::Warning)
    }

    /// Whether any finding blocks the request.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// Whether any finding is a warning.
    pub fn has_warnings(&self) -> bool {
        self.warnings().next().is_some()
    }

    /// `Ok(())` when no finding is an error (warnings are dropped; keep the
    /// report itself to read them), else `Err(self)` with every finding.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.has_errors() { Err(self) } else { Ok(()) }
    }

    /// Whether the rule `rule` is broken at `path`; handy when a caller
    /// maps violations to form fields.
    pub fn contains(&self, path: &str, rule: &str) -> bool {
        self.0.iter().any(|v| v.path == path && v.rule == rule)
    }

    /// The violations reported for the field at `path`.
    pub fn at<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Violation> + 'a {
        self.0.iter().filter(move |v| v.path == path)
    }

    /// Appends every violation of `other`, keeping the order.
    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    /// The violations as a vector.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }

    /// Reports each warning through `tracing::warn!` with the rule code and
    /// the JSON path only (never a value or a message, which may quote one),
    /// naming `operation`.
    pub(crate) fn log_warnings(&self, operation: finhub_api::Operation) {
        for warning in self.warnings() {
            tracing::warn!(
                operation = operation.id(),
                rule = warning.rule,
                path = %warning.path,
                "request sent despite a documented-rule warning"
            );
        }
    }

    /// Rewrites each path with `canonical` (a path it returns `None` for is
    /// kept), then drops repeats of the same path and rule. The builders use
    /// it so that a fact written to several places is reported once, at the
    /// place it was given.
    pub(crate) fn canonicalize(&mut self, canonical: impl Fn(&str) -> Option<String>) {
        let mut seen: Vec<(String, &'static str)> = Vec::new();
        let mut kept = Vec::with_capacity(self.0.len());
        for mut v in self.0.drain(..) {
            if let Some(path) = canonical(&v.path) {
                v.path = path;
            }
            let key = (v.path.clone(), v.rule);
            if !seen.contains(&key) {
                seen.push(key);
                kept.push(v);
            }
        }
        self.0 = kept;
    }
}

impl From<Violation> for Violations {
    fn from(violation: Violation) -> Self {
        Violations(vec![violation])
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    /// `N error(s), M warning(s)`, then each finding: errors first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        write!(
            f,
            "{errors} rule violation(s), {} warning(s)",
            self.0.len() - errors
        )?;
        for v in self.errors().chain(self.warnings()) {
            write!(f, "; {} {} [{}]: {}", v.severity, v.path, v.rule, v.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// What the rules are checked against besides the body itself: the date
/// "today" (dates of birth must not be after it) and, optionally, the
/// tenant's categorization hierarchy (for the `category.*` rules).
///
/// [`Validate::validate`] uses [`ValidationContext::new`]: the current UTC
/// date and no hierarchy. Tests inject a fixed date with
/// [`ValidationContext::on`].
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'h> {
    today: NaiveDate,
    hierarchy: Option<&'h CategorizationHierarchy>,
}

impl ValidationContext<'static> {
    /// Today's UTC date from the system clock, no hierarchy.
    pub fn new() -> Self {
        Self::on(Utc::now().date_naive())
    }

    /// A fixed date as "today", no hierarchy: deterministic checks.
    pub fn on(today: NaiveDate) -> Self {
        ValidationContext {
            today,
            hierarchy: None,
        }
    }
}

impl Default for ValidationContext<'static> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'h> ValidationContext<'h> {
    /// Also checks the registration's category and feature parametrization
    /// against `hierarchy` (the tenant's categorization response).
    pub fn with_hierarchy<'n>(
        self,
        hierarchy: &'n CategorizationHierarchy,
    ) -> ValidationContext<'n> {
        ValidationContext {
            today: self.today,
            hierarchy: Some(hierarchy),
        }
    }

    /// The date that counts as today.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The categorization hierarchy, when one was supplied.
    pub fn hierarchy(&self) -> Option<&'h CategorizationHierarchy> {
        self.hierarchy
    }
}

/// A request body that FinHub's documented rules apply to.
pub trait Validate {
    /// Every finding, errors and warnings, in `context` (a fixed "today", a
    /// categorization hierarchy): the full report. Bodies whose rules need
    /// no context ignore it.
    fn validate_in(&self, context: &ValidationContext<'_>) -> Violations;

    /// Checks every documented rule with today's date: `Err` with the whole
    /// report (warnings included) when any finding is an error, `Ok` when
    /// there are none (warnings only). Use [`validate_in`](Self::validate_in)
    /// to read the warnings of a body that passes.
    fn validate(&self) -> Result<(), Violations> {
        self.validate_in(&ValidationContext::new()).into_result()
    }
}

/// Checks a registration body, including its category and feature
/// parametrization against the tenant's categorization `hierarchy`
/// (mandatory keys and allowed values, facts §2.1), with today's date.
pub fn validate_with(
    request: &IndividualRegistrationRequest,
    hierarchy: &CategorizationHierarchy,
) -> Result<(), Violations> {
    request
        .validate_in(&ValidationContext::new().with_hierarchy(hierarchy))
        .into_result()
}
