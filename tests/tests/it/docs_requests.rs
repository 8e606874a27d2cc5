//! Every request example on FinHub's pages, as a fixture of
//! `tests/fixtures/docs-requests/`, validates with zero errors; its
//! warnings are exactly the ones `SOURCES.md` lists for it.
//!
//! `SOURCES.md` keeps each example's published text (or, where our reading
//! notes hold it, their text), its documentation generation and the
//! sections of `docs/finhub-api.md` it belongs to, and every substitution
//! that turned an elided value ("…", `<string>` placeholders) into the
//! shortest valid one. The published text with the substitutions applied
//! must be the fixture, so nothing else can have changed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::NaiveDate;
use finhub_ext::Operation;
use finhub_ext::api::types;
use finhub_ext::validation::{Severity, Validate, ValidationContext, Violations};
use finhub_tests::workspace;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One fixture's entry in `SOURCES.md`.
#[derive(Debug, Default)]
struct Entry {
    generation: String,
    cites: String,
    operation: String,
    substitutions: Vec<(String, String)>,
    /// `(rule, path)`; `None` until a `Warnings:` line is read.
    warnings: Option<Vec<(String, String)>>,
    text: String,
}

/// The text between the first pair of backticks after `prefix` on `line`,
/// and the rest of the line after the closing backtick.
fn quoted(line: &str) -> Option<(&str, &str)> {
    let start = line.find('`')? + 1;
    let end = start + line[start..].find('`')?;
    Some((&line[start..end], &line[end + 1..]))
}

fn unescape(text: &str) -> String {
    text.replace("\\n", "\n")
}

/// `<base64 of N zero bytes>` written out: `AAAA` per three zero bytes,
/// then `AA==` or `AAA=` for the one or two left.
fn expand(text: &str) -> String {
    let re = regex::Regex::new(r"<base64 of (\d+) zero bytes>").unwrap();
    re.replace_all(text, |c: &regex::Captures<'_>| {
        let n: usize = c[1].parse().unwrap();
        let tail = ["", "AA==", "AAA="][n % 3];
        format!("{}{tail}", "AAAA".repeat(n / 3))
    })
    .into_owned()
}

fn entries(sources: &str) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, Entry)> = None;
    let mut in_block = false;
    for line in sources.lines() {
        if in_block {
            let (_, entry) = current.as_mut().expect("a block belongs to a heading");
            if line == "```" {
                in_block = false;
            } else {
                entry.text.push_str(line);
                entry.text.push('\n');
            }
            continue;
        }
        if let Some(name) = line.strip_prefix("## ") {
            if let Some((name, entry)) = current.take() {
                assert!(out.insert(name.clone(), entry).is_none(), "{name} twice");
            }
            current = Some((name.trim().to_string(), Entry::default()));
            continue;
        }
        let Some((_, entry)) = current.as_mut() else {
            continue;
        };
        if line == "```text" {
            assert!(entry.text.is_empty(), "one published text per fixture");
            in_block = true;
        } else if let Some(rest) = line.strip_prefix("- Generation: ") {
            entry.generation = rest.to_string();
        } else if let Some(rest) = line.strip_prefix("- Cites: ") {
            entry.cites = rest.to_string();
        } else if let Some(rest) = line.strip_prefix("- Operation: ") {
            entry.operation = quoted(rest).expect("`operation_id`").0.to_string();
        } else if let Some(rest) = line.strip_prefix("- Substitution: ") {
            let (from, rest) = quoted(rest).expect("`from` → `to`");
            let (to, _) = quoted(rest).expect("`from` → `to`");
            entry
                .substitutions
                .push((unescape(from), expand(&unescape(to))));
        } else if let Some(rest) = line.strip_prefix("- Warnings: ") {
            let mut list = Vec::new();
            if rest != "none" {
                for item in rest.split("; ") {
                    let (rule, tail) = quoted(item).expect("`rule` at `path`");
                    let (path, _) = quoted(tail).expect("`rule` at `path`");
                    list.push((rule.to_string(), path.to_string()));
                }
            }
            entry.warnings = Some(list);
        }
    }
    if let Some((name, entry)) = current.take() {
        out.insert(name, entry);
    }
    out
}

fn report<T: DeserializeOwned + Validate>(value: &Value) -> Result<Violations, String> {
    let body: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    // A fixed "today": the examples' dates are years in the past.
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    Ok(body.validate_in(&ValidationContext::on(today)))
}

/// The findings for a body of `operation`, or why it cannot be read.
fn findings(operation: Operation, value: &Value) -> Result<Violations, String> {
    use Operation as O;
    match operation {
        O::RegisterIndividualCustomer => report::<types::IndividualRegistrationRequest>(value),
        O::CreateAdminSession => report::<types::CreateAdminSessionRequest>(value),
        O::CreateCustomerSession => report::<types::CreateIndividualSessionRequest>(value),
        O::CreateVerification => report::<types::CreateVerificationRequest>(value),
        O::SubmitCustomerVerification => report::<types::CustomerVerificationRequest>(value),
        O::UploadVerificationDocument => report::<types::UploadVerificationDocumentRequest>(value),
        O::ApproveVerification => report::<types::ApproveVerificationRequest>(value),
        O::AcceptConsent => report::<types::AcceptConsentRequest>(value),
        O::ActivateCustomer => report::<types::ActivationRequest>(value),
        other => Err(format!("{other} takes no documented request body")),
    }
}

fn fixtures() -> (BTreeMap<String, Value>, BTreeMap<String, Entry>) {
    let dir = workspace().join("tests/fixtures/docs-requests");
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let value = serde_json::from_str(&fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            files.insert(name, value);
        }
    }
    let sources = fs::read_to_string(Path::new(&dir).join("SOURCES.md")).unwrap();
    (files, entries(&sources))
}

#[test]
fn every_fixture_is_its_published_example_with_only_the_listed_substitutions() {
    let (files, entries) = fixtures();
    assert!(
        files.len() >= 20,
        "only {} documented examples",
        files.len()
    );
    let mut problems = Vec::new();
    for (name, value) in &files {
        let Some(entry) = entries.get(name) else {
            problems.push(format!("{name}: not in SOURCES.md"));
            continue;
        };
        if entry.generation.is_empty() || entry.cites.is_empty() || entry.text.is_empty() {
            problems.push(format!("{name}: generation, § or published text missing"));
            continue;
        }
        if !entry.cites.contains('§') {
            problems.push(format!("{name}: cites no section"));
        }
        let mut text = entry.text.clone();
        for (from, to) in &entry.substitutions {
            if !text.contains(from.as_str()) {
                problems.push(format!(
                    "{name}: the substitution of `{from}` finds nothing"
                ));
            }
            text = text.replace(from.as_str(), to);
        }
        match serde_json::from_str::<Value>(&text) {
            Err(e) => problems.push(format!("{name}: not JSON after substitutions: {e}")),
            Ok(published) if &published != value => problems.push(format!(
                "{name}: differs from the published example (after its substitutions)"
            )),
            Ok(_) => {}
        }
    }
    for name in entries.keys().filter(|n| !files.contains_key(*n)) {
        problems.push(format!("SOURCES.md lists {name}, which is not a fixture"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_documented_request_example_validates_without_errors() {
    let (files, entries) = fixtures();
    let mut problems = Vec::new();
    let mut listing = String::new();
    for (name, value) in &files {
        let Some(entry) = entries.get(name) else {
            continue;
        };
        let Some(operation) = Operation::from_id(&entry.operation) else {
            problems.push(format!("{name}: unknown operation `{}`", entry.operation));
            continue;
        };
        let found = match findings(operation, value) {
            Ok(found) => found,
            Err(e) => {
                problems.push(format!("{name}: cannot be read as a request: {e}"));
                continue;
            }
        };
        for error in found.errors() {
            problems.push(format!("{name}: {error}"));
        }
        let warnings: Vec<(String, String)> = found
            .warnings()
            .map(|w| (w.rule.to_string(), w.path.clone()))
            .collect();
        listing.push_str(&format!("{name}: "));
        listing.push_str(
            &warnings
                .iter()
                .map(|(rule, path)| format!("`{rule}` at `{path}`"))
                .collect::<Vec<_>>()
                .join("; "),
        );
        listing.push('\n');
        match &entry.warnings {
            None => problems.push(format!("{name}: SOURCES.md lists no warnings line")),
            Some(listed) if *listed != warnings => problems.push(format!(
                "{name}: warnings differ from SOURCES.md\n  found:  {warnings:?}\n  listed: {listed:?}"
            )),
            Some(_) => {}
        }
        assert!(
            found
                .iter()
                .all(|v| v.severity == finhub_ext::validation::codes::severity(v.rule))
        );
    }
    // The warnings of each example, for the record (`--nocapture`).
    println!("{listing}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_deliberate_error_in_a_documented_example_is_caught() {
    // The check above can fail: the runner's registration with an e-mail
    // that is not one is an error, not a warning.
    let (files, _) = fixtures();
    let mut value = files["registration-run.json"].clone();
    value["email"] = Value::String("customer.testcorp.com".into());
    let found = findings(Operation::RegisterIndividualCustomer, &value).unwrap();
    assert!(found.has_errors(), "{found}");
    assert!(
        found
            .errors()
            .all(|v| v.severity == Severity::Error && v.path == "email"),
        "{found}"
    );
}
