//! `finhub validate FILE.json`: FinHub's documented rules on a registration
//! request read from a file.

use std::path::Path;
use std::process::ExitCode;

use finhub_ext::api::types::IndividualRegistrationRequest;
use finhub_ext::validation::Validate;

/// Prints every violation; exit code 1 if there is any.
pub fn run(file: &Path) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let request: IndividualRegistrationRequest = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not a registration request (line {}, column {}: {})",
            file.display(),
            e.line(),
            e.column(),
            describe(&e)
        )
    })?;
    match request.validate() {
        Ok(()) => {
            println!("{}: valid", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(violations) => {
            println!("{}: {} violation(s)", file.display(), violations.len());
            for violation in violations.iter() {
                println!(
                    "  {:<40} {:<28} {}",
                    violation.path, violation.rule, violation.message
                );
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A JSON error without the offending value (which could be a password).
fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde names missing fields and types; values only appear in quotes.
    match text.find(" at line ") {
        Some(end) => strip_quoted(&text[..end]),
        None => strip_quoted(&text),
    }
}

fn strip_quoted(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in text.chars() {
        if c == '"' {
            inside = !inside;
            if !inside {
                out.push_str("\"…\"");
            }
        } else if !inside {
            out.push(c);
        }
    }
    out
}
