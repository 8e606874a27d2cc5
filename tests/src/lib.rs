//! Helpers shared by the contract tests: the vendored spec, its examples,
//! JSON comparison by meaning, and the [`oracle`] of what each operation is
//! expected to do.

pub mod oracle;

/// The repository README, whose examples `cargo test` compiles as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct RepositoryReadme;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// The vendored `openapi.yaml` (FinHub's 3.1 form) as JSON.
pub fn spec() -> Value {
    let text = std::fs::read_to_string(workspace().join("openapi.yaml")).expect("openapi.yaml");
    serde_yaml::from_str(&text).expect("openapi.yaml is valid YAML")
}

/// FinHub's published OpenAPI document of the create-customer-session
/// operation, kept verbatim in `tests/fixtures/published/`, as JSON.
pub fn published() -> Value {
    let path = workspace().join("tests/fixtures/published/create-customer-session.openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).expect("the published document is valid YAML")
}

/// The operation FinHub published in OpenAPI form (method, path): it stands
/// in `openapi.yaml` exactly as published, without examples.
pub const PUBLISHED_OPERATION: (&str, &str) = (
    "post",
    "/api/v2.1/customer/individual/{customerId}/users/{userId}/sessions",
);

/// The JSON-pointer form of a path template.
fn escaped(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

/// The example value of a media type object: its `example`, else the value
/// of its first named Example Object.
fn media_example(media: &Value) -> Option<Value> {
    media.get("example").cloned().or_else(|| {
        media
            .get("examples")?
            .as_object()?
            .values()
            .next()?
            .get("value")
            .cloned()
    })
}

/// The request body example of an operation in the spec.
pub fn request_example(spec: &Value, method: &str, path: &str) -> Option<Value> {
    let pointer = format!(
        "/paths/{}/{method}/requestBody/content/application~1json",
        escaped(path)
    );
    media_example(spec.pointer(&pointer)?)
}

/// The 200 answer of an operation: the spec's example, or for the published
/// create-session operation (FinHub published it without one) the login
/// answer captured on FinHub's sessions page
/// (`tests/fixtures/captured/session-runner.json`).
pub fn success_example(spec: &Value, method: &str, path: &str) -> Value {
    let pointer = format!(
        "/paths/{}/{method}/responses/200/content/application~1json",
        escaped(path)
    );
    if let Some(example) = spec.pointer(&pointer).and_then(media_example) {
        return example;
    }
    assert_eq!(
        (method, path),
        PUBLISHED_OPERATION,
        "{method} {path} has no 200 example"
    );
    fixture("captured/session-runner.json")
}

/// A JSON fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> Value {
    let path = workspace().join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One example body of the spec.
#[derive(Debug, Clone)]
pub struct Example {
    /// `METHOD /path request|response[ name]`, for messages.
    pub origin: String,
    /// The component schema the body refers to.
    pub schema: String,
    /// The example body.
    pub value: Value,
}

fn media_examples(origin: &str, media: &Value, out: &mut Vec<Example>) {
    let Some(schema) = media
        .pointer("/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    else {
        return;
    };
    if let Some(value) = media.get("example") {
        out.push(Example {
            origin: origin.to_string(),
            schema: schema.to_string(),
            value: value.clone(),
        });
    }
    if let Some(Value::Object(named)) = media.get("examples") {
        for (name, example) in named {
            if let Some(value) = example.get("value") {
                out.push(Example {
                    origin: format!("{origin} {name}"),
                    schema: schema.to_string(),
                    value: value.clone(),
                });
            }
        }
    }
}

/// Every request and response body example of the spec.
pub fn examples(spec: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let name = format!("{} {path}", method.to_uppercase());
            if let Some(media) = op.pointer("/requestBody/content/application~1json") {
                media_examples(&format!("{name} request"), media, &mut out);
            }
            if let Some(Value::Object(responses)) = op.get("responses") {
                for (code, response) in responses {
                    if let Some(media) = response.pointer("/content/application~1json") {
                        media_examples(&format!("{name} response {code}"), media, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// The JSON "meaning" of a value: objects without null, empty-array and
/// empty-object members (the generated types do not keep that distinction),
/// and integral floats as integers.
pub fn meaning(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), meaning(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(meaning).collect()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 && n.is_f64() => Value::from(f as i64),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// A draft 2020-12 validator for `#/components/schemas/<name>` of the
/// vendored spec (its 3.1 form), resolving internal references and checking
/// formats.
pub fn schema_validator(spec: &Value, name: &str) -> jsonschema::Validator {
    assert!(
        spec["components"]["schemas"].get(name).is_some(),
        "no schema {name} in openapi.yaml"
    );
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": spec["components"],
    });
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {name}: {e}"))
}

/// Every way `instance` breaks schema `name`.
pub fn schema_violations(spec: &Value, name: &str, instance: &Value) -> Vec<String> {
    schema_validator(spec, name)
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
