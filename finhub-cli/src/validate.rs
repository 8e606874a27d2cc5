//! `finhub validate FILE.json`: FinHub's documented rules on a registration
//! request read from a file.
//!
//! Every finding is printed, marked `error` (FinHub rejects it, or it can
//! never be right; the client would not send the request) or `warning`
//! (FinHub's own pages disagree about the rule; the client sends the
//! request and reports it). The exit code is non-zero only when there is an
//! error.
//!
//! The file is read up to [`MAX_INPUT_BYTES`]; a larger (or endless) input
//! is refused. No message quotes a value from the file: the fields the spec
//! marks secret ([`SECRET_FIELDS`]) must be strings and are named, never
//! shown, when they are not; parser messages are reworded without the value
//! they would quote; and any secret value that still turns up in a message
//! is blanked out.

use std::path::Path;
use std::process::ExitCode;

use finhub_ext::api::types::IndividualRegistrationRequest;
use finhub_ext::validation::{Validate, ValidationContext};
use serde_json::Value;

use crate::limited_read::read_file_limited;

/// Largest request file read: 1 MiB (a registration is about 2 KiB).
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

/// The JSON fields whose values are secret, as the spec marks them.
pub const SECRET_FIELDS: [&str; 6] = [
    "password",
    "matchingPassword",
    "tenantKey",
    "tenantSecret",
    "token",
    "refreshToken",
];

/// What replaces a secret value that turns up in a message.
const BLANK: &str = "…";

/// Prints every finding, errors first; exit code 1 if any is an error.
pub fn run(file: &Path) -> Result<ExitCode, String> {
    let shown = file.display();
    let bytes = read_file_limited(file, MAX_INPUT_BYTES).map_err(|e| format!("{shown}: {e}"))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{shown}: not a registration request (line {}, column {}: {})",
            e.line(),
            e.column(),
            describe(&e)
        )
    })?;
    let mut secrets = Secrets::default();
    secrets.collect(&value, "");
    if let Some(path) = secrets.not_strings.first() {
        return Err(format!(
            "{shown}: not a registration request ({path}: must be a string; \
             the value is not shown because the field is secret)"
        ));
    }
    let request: IndividualRegistrationRequest = serde_json::from_slice(&bytes).map_err(|e| {
        secrets.blank(&format!(
            "{shown}: not a registration request (line {}, column {}: {})",
            e.line(),
            e.column(),
            describe(&e)
        ))
    })?;
    let today = chrono::Utc::now().date_naive();
    let report = request.validate_in(&ValidationContext::on(today));
    let errors = report.errors().count();
    let warnings = report.len() - errors;
    if errors == 0 {
        println!("{shown}: valid, {warnings} warning(s)");
    } else {
        println!("{shown}: {errors} error(s), {warnings} warning(s)");
    }
    for violation in report.errors().chain(report.warnings()) {
        let line = format!(
            "  {:<8} {:<40} {:<28} {}",
            violation.severity, violation.path, violation.rule, violation.message
        );
        println!("{}", secrets.blank(&line));
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The secret values found in a request, and the secret fields that are
/// not strings.
#[derive(Default)]
struct Secrets {
    values: Vec<String>,
    not_strings: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("values", &"** redacted **")
            .field("not_strings", &self.not_strings)
            .finish()
    }
}

impl Secrets {
    fn collect(&mut self, value: &Value, path: &str) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    if is_secret_field(key) {
                        match value {
                            Value::String(s) => self.values.push(s.clone()),
                            Value::Null => {}
                            _ if SECRET_FIELDS.contains(&key.as_str()) => {
                                self.not_strings.push(path.clone());
                            }
                            _ => {}
                        }
                    }
                    self.collect(value, &path);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.collect(item, &format!("{path}[{i}]"));
                }
            }
            _ => {}
        }
    }

    /// `text` with every secret value (as written, or escaped as serde or
    /// JSON would print it) replaced by `…`.
    fn blank(&self, text: &str) -> String {
        let mut forms: Vec<String> = Vec::new();
        for secret in &self.values {
            forms.push(secret.clone());
            forms.push(inner(&format!("{secret:?}")));
            forms.push(inner(&serde_json::to_string(secret).unwrap_or_default()));
        }
        forms.retain(|f| !f.is_empty());
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        let mut out = text.to_string();
        for form in &forms {
            out = out.replace(form.as_str(), BLANK);
        }
        out
    }
}

/// A quoted string without its quotes.
fn inner(quoted: &str) -> String {
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted)
        .to_string()
}

/// Whether a field's value is treated as secret: the spec's sensitive
/// fields in any spelling, and anything named like a password, secret or
/// token.
fn is_secret_field(key: &str) -> bool {
    let key: String = key
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_FIELDS
        .iter()
        .any(|field| field.to_lowercase() == key)
        || ["password", "secret", "token", "apikey"]
            .iter()
            .any(|word| key.contains(word))
}

/// A JSON error without its position and without the value serde would
/// quote (`invalid type: integer `12345678``, `unknown variant `…``).
fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = match text.rfind(" at line ") {
        Some(end) => &text[..end],
        None => &text,
    };
    without_values(text)
}

fn without_values(text: &str) -> String {
    // The value comes first and the expectation last, so the last
    // ", expected " is serde's own even if the value contains the words.
    let split = |rest: &str| match rest.rfind(", expected ") {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), String::new()),
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let (unexpected, expected) = split(rest);
            let kind = unexpected.split(['`', '"']).next().unwrap_or("").trim();
            let hidden = if kind.len() < unexpected.trim().len() {
                " (value not shown)"
            } else {
                ""
            };
            return format!("{prefix}{kind}{hidden}{expected}");
        }
    }
    if let Some(rest) = text.strip_prefix("unknown variant ") {
        let (_, expected) = split(rest);
        return format!("unknown variant (value not shown){expected}");
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_lose_their_values() {
        assert_eq!(
            without_values("invalid type: integer `12345678`, expected a string"),
            "invalid type: integer (value not shown), expected a string"
        );
        assert_eq!(
            without_values(r#"invalid type: string "a\", expected x", expected a number"#),
            "invalid type: string (value not shown), expected a number"
        );
        assert_eq!(
            without_values("invalid type: sequence, expected a string"),
            "invalid type: sequence, expected a string"
        );
        assert_eq!(
            without_values("unknown variant `Canary`, expected `MALE` or `FEMALE`"),
            "unknown variant (value not shown), expected `MALE` or `FEMALE`"
        );
        assert_eq!(
            without_values("missing field `email`"),
            "missing field `email`"
        );
    }

    #[test]
    fn secret_values_are_blanked_in_every_spelling() {
        let mut secrets = Secrets::default();
        secrets.collect(
            &serde_json::json!({"user": {"password": "Ca\"nary"}, "apiToken": "tok-9"}),
            "",
        );
        assert_eq!(
            secrets.blank(r#"a Ca"nary b "Ca\"nary" c tok-9"#),
            r#"a … b "…" c …"#
        );
        assert!(!format!("{secrets:?}").contains("nary"));
    }

    #[test]
    fn secret_fields_are_recognised_in_any_spelling() {
        for key in [
            "password",
            "matchingPassword",
            "tenant_secret",
            "refresh-token",
            "TenantKey",
            "accessToken",
        ] {
            assert!(is_secret_field(key), "{key}");
        }
        for key in ["email", "firstName", "tenantId", "pincode"] {
            assert!(!is_secret_field(key), "{key}");
        }
    }
}
