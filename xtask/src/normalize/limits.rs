//! Checks on the normalized document for what progenitor 0.15 cannot take.
//! Some of these make progenitor panic; checking first turns them into an
//! error that names the operation.

use serde_json::Value;

use super::NormalizeError;
use super::walk::{Location, METHODS, visit_objects};

/// Request body media types progenitor can generate.
const BODY_TYPES: [&str; 5] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
    "text/x-markdown",
];

/// Every `$ref` must point into this document and resolve.
pub fn local_refs(doc: &mut Value) -> Result<(), NormalizeError> {
    let snapshot = doc.clone();
    let mut missing = None;
    visit_objects(doc, &mut |map, is_name_map| {
        if is_name_map || missing.is_some() {
            return;
        }
        if let Some(Value::String(reference)) = map.get("$ref") {
            let found = reference
                .strip_prefix('#')
                .is_some_and(|pointer| snapshot.pointer(pointer).is_some());
            if !found {
                missing = Some(reference.clone());
            }
        }
    });
    match missing {
        Some(reference) => Err(Location::root().error(
            "local-refs",
            format!("`$ref: {reference}` does not resolve inside the document"),
        )),
        None => Ok(()),
    }
}

/// Request bodies with one supported media type, responses with at most one
/// media type, and no cookie parameters.
pub fn generator_limits(doc: &mut Value) -> Result<(), NormalizeError> {
    let rule = "generator-limits";
    let Some(Value::Object(paths)) = doc.get("paths") else {
        return Ok(());
    };
    for (path, item) in paths {
        let Value::Object(item) = item else { continue };
        for (method, op) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let mut at = Location::root().child("paths").child(path).child(method);
            at.operation = Some(format!("{} {path}", method.to_uppercase()));
            if let Some(Value::Object(content)) = op.pointer("/requestBody/content") {
                if content.len() > 1 {
                    return Err(at.child("requestBody").error(
                        rule,
                        "the request body offers several media types; the generator takes one",
                    ));
                }
                if let Some(media) = content.keys().find(|m| {
                    let base = m.split(';').next().unwrap_or_default().trim();
                    !BODY_TYPES.contains(&base)
                }) {
                    return Err(at.child("requestBody").error(
                        rule,
                        format!(
                            "request body media type `{media}` is not supported by the generator; \
                             implement this operation by hand in finhub-ext and leave it out of openapi.yaml"
                        ),
                    ));
                }
            }
            if let Some(Value::Object(responses)) = op.get("responses") {
                for (code, response) in responses {
                    if let Some(Value::Object(content)) = response.get("content")
                        && content.len() > 1
                    {
                        return Err(at.child("responses").child(code).error(
                            rule,
                            "the response offers several media types; the generator takes one",
                        ));
                    }
                }
            }
            if let Some(Value::Array(params)) = op.get("parameters")
                && params
                    .iter()
                    .any(|p| p.get("in").and_then(Value::as_str) == Some("cookie"))
            {
                return Err(at.error(rule, "cookie parameters are not supported by the generator"));
            }
        }
    }
    Ok(())
}
