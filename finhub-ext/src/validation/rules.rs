//! Field-level rules shared by every body. Each pushes what it finds to a
//! [`Violations`] list under the path it is given; none of them ever puts a
//! secret value or personal data into a message.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use regex::Regex;

use super::codes::*;
use super::vocabulary::{Country, Gender, Role};
use super::{ValidationContext, Violations};

/// The docs' client-side email regex (facts §1.8).
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^\s@]+@[^\s@]+\.[^\s@]+$").expect("email regex"));

/// The docs' E.164 regex (facts §1.8), with ASCII digits only.
static E164: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+[1-9][0-9]{1,14}$").expect("E.164 regex"));

/// `YYYY-MM-DD` with ASCII digits (facts §1.7).
static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").expect("date regex"));

/// Largest decoded document FinHub takes: 10 MB, 10 × 1024 × 1024 bytes
/// (facts §2.8, §2.10).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Minimum password length in characters (facts §1.8).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Whether `value` is absent or blank.
pub(crate) fn blank(value: Option<&str>) -> bool {
    value.is_none_or(|s| s.trim().is_empty())
}

/// `required.missing` when `value` is absent or blank; returns the value
/// when it is there, so format rules run only on something.
pub(crate) fn required<'a>(
    out: &mut Violations,
    path: &str,
    value: Option<&'a str>,
) -> Option<&'a str> {
    if blank(value) {
        out.push(path, REQUIRED_MISSING, format!("`{path}` is required"));
        None
    } else {
        value
    }
}

/// `required.disputed` (a warning) when `value` is absent or blank: one of
/// FinHub's pages requires the field, another leaves it out (`why` says
/// which); returns the value when it is there, so format rules run only on
/// something.
pub(crate) fn disputed<'a>(
    out: &mut Violations,
    path: &str,
    value: Option<&'a str>,
    why: &str,
) -> Option<&'a str> {
    if blank(value) {
        out.push(
            path,
            REQUIRED_DISPUTED,
            format!("`{path}` is absent; {why}; the request is sent without it"),
        );
        None
    } else {
        value
    }
}

/// A field that must not be blank when sent, and that FinHub's pages
/// disagree about requiring: absent is `required.disputed` (a warning),
/// sent but blank is `required.missing` (an error).
pub(crate) fn disputed_if_absent<'a>(
    out: &mut Violations,
    path: &str,
    value: Option<&'a str>,
    why: &str,
) -> Option<&'a str> {
    match value {
        None => disputed(out, path, None, why),
        Some(_) => required(out, path, value),
    }
}

/// Password policy (facts §1.8): at least 8 characters with upper- and
/// lower-case letters, a digit and a special character (neither a letter, a
/// digit nor white space). One violation per unmet requirement; the message
/// never quotes the password.
pub(crate) fn password(out: &mut Violations, path: &str, secret: &str) {
    let chars = secret.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        out.push(
            path,
            PASSWORD_TOO_SHORT,
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        );
    }
    if !secret.chars().any(char::is_uppercase) {
        out.push(
            path,
            PASSWORD_MISSING_UPPERCASE,
            "the password must contain an upper-case letter",
        );
    }
    if !secret.chars().any(char::is_lowercase) {
        out.push(
            path,
            PASSWORD_MISSING_LOWERCASE,
            "the password must contain a lower-case letter",
        );
    }
    if !secret.chars().any(|c| c.is_ascii_digit()) {
        out.push(
            path,
            PASSWORD_MISSING_DIGIT,
            "the password must contain a digit",
        );
    }
    if !secret
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
    {
        out.push(
            path,
            PASSWORD_MISSING_SPECIAL,
            "the password must contain a special character such as `!`, `#` or `%`",
        );
    }
}

/// `email.syntax` (facts §1.8).
pub(crate) fn email(out: &mut Violations, path: &str, value: &str) {
    if !EMAIL.is_match(value) {
        out.push(
            path,
            EMAIL_SYNTAX,
            "not an email address (expected `name@domain.tld`, no spaces)",
        );
    }
}

/// `phone.e164` (facts §1.8).
pub(crate) fn phone(out: &mut Violations, path: &str, value: &str) {
    if !E164.is_match(value) {
        out.push(
            path,
            PHONE_E164,
            "not an E.164 phone number (expected `+` and country code, then up to 15 digits in all, no spaces, e.g. `+37060012345`)",
        );
    }
}

/// `date.format`, `date.invalid` (facts §1.7); returns the date when it is
/// one.
pub(crate) fn date(out: &mut Violations, path: &str, value: &str) -> Option<NaiveDate> {
    if !ISO_DATE.is_match(value) {
        out.push(
            path,
            DATE_FORMAT,
            "not a date in the form YYYY-MM-DD (e.g. `1990-05-15`)",
        );
        return None;
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            out.push(
                path,
                DATE_INVALID,
                "not a calendar date (month 01–12, a day that month has)",
            );
            None
        }
    }
}

/// A date that must not be after today: a date of birth, an issue date
/// (facts §1.7). Adds `date.future` to the format rules.
pub(crate) fn past_date(
    out: &mut Violations,
    path: &str,
    value: &str,
    context: &ValidationContext<'_>,
) {
    if let Some(date) = date(out, path, value)
        && date > context.today()
    {
        out.push(
            path,
            DATE_FUTURE,
            format!("the date is in the future (today is {})", context.today()),
        );
    }
}

/// `gender.unknown` (facts §1.8).
pub(crate) fn gender(out: &mut Violations, path: &str, value: &str) {
    if Gender::from_code(value).is_some() {
        return;
    }
    let hint = Gender::ALL
        .iter()
        .find(|g| g.as_str().eq_ignore_ascii_case(value.trim()))
        .map(|g| format!(" (write `{g}`)"))
        .unwrap_or_default();
    out.push(
        path,
        GENDER_UNKNOWN,
        format!(
            "`{value}` is not a documented gender; expected one of {}{hint}",
            Gender::codes()
        ),
    );
}

/// `country.not_alpha2`, `country.unknown` (facts §1.8, I-11): the value must
/// be an upper-case ISO 3166-1 alpha-2 code; a country name is reported with
/// the code to send instead.
pub(crate) fn country(out: &mut Violations, path: &str, value: &str) {
    match Country::parse(value) {
        Ok(country) if country.alpha2() == value => {}
        Ok(country) => out.push(
            path,
            COUNTRY_NOT_ALPHA2,
            format!(
                "`{value}` is not an ISO 3166-1 alpha-2 code; send `{}` ({})",
                country.alpha2(),
                country.name()
            ),
        ),
        Err(_) => out.push(
            path,
            COUNTRY_UNKNOWN,
            format!("`{value}` is not an ISO 3166-1 country; send its alpha-2 code, e.g. `LT`"),
        ),
    }
}

/// `role.unknown` (facts §1.8), for each role of a list.
pub(crate) fn roles(out: &mut Violations, path: &str, roles: &[String]) {
    for (i, role) in roles.iter().enumerate() {
        if Role::from_code(role).is_none() {
            out.push(
                format!("{path}[{i}]"),
                ROLE_UNKNOWN,
                format!(
                    "`{role}` is not a documented role id; expected one of {}",
                    Role::codes()
                ),
            );
        }
    }
}

/// `consistency.mismatch`: a duplicated fact at `path` differs from the one
/// at `primary`. The message names both places, never the values.
pub(crate) fn same(out: &mut Violations, path: &str, primary: &str, equal: bool) {
    if !equal {
        out.push(
            path,
            CONSISTENCY_MISMATCH,
            format!("differs from `{primary}`; FinHub expects the same value in both places"),
        );
    }
}

/// Document content (facts §2.8, §2.9): well-formed base64 whose decoded
/// size is at most 10 MB; returns the decoded size.
pub(crate) fn base64_document(out: &mut Violations, path: &str, value: &str) -> Option<usize> {
    match STANDARD.decode(value) {
        Ok(bytes) if bytes.is_empty() => {
            out.push(path, REQUIRED_MISSING, "the document is empty");
            Some(0)
        }
        Ok(bytes) => {
            if bytes.len() > MAX_DOCUMENT_BYTES {
                out.push(
                    path,
                    DOCUMENT_TOO_LARGE,
                    format!(
                        "the document has {} bytes; FinHub takes at most 10 MB ({MAX_DOCUMENT_BYTES} bytes)",
                        bytes.len()
                    ),
                );
            }
            Some(bytes.len())
        }
        Err(_) => {
            out.push(
                path,
                DOCUMENT_BASE64,
                "not well-formed base64 (standard alphabet `A–Z a–z 0–9 + /`, `=` padding, no line breaks)",
            );
            None
        }
    }
}
