//! API corrections read from `openapi.overrides.yaml`: the reviewed list of
//! what FinHub's published spec needs before a Rust client can be generated
//! from it. Each correction is a named rule applied by [`super::normalize`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::NormalizeError;
use super::walk::{Location, METHODS, visit_schemas};

/// The content of `openapi.overrides.yaml`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Overrides {
    /// Facts FinHub documents on other pages, added to its published spec
    /// without editing `openapi.yaml` (which stays as FinHub published it).
    #[serde(default)]
    pub documented_additions: Vec<Addition>,
    /// `"METHOD /path"` → operationId. Every operation needs one.
    pub operation_ids: BTreeMap<String, String>,
    /// Header parameters removed from every operation (the runtime injects them).
    pub ambient_headers: Vec<String>,
    /// String formats removed from every schema (the server does not honour them).
    pub relax_formats: Vec<String>,
    /// Property names whose values are secrets; generated as a redacting type.
    pub sensitive_fields: Vec<String>,
    /// Integer property names the server also sends as strings or floats;
    /// generated as a lenient type.
    pub lenient_integers: Vec<String>,
    /// Whether enums of body schemas become open strings.
    pub open_enums: bool,
    /// How success responses are matched.
    pub success_status: SuccessStatus,
    /// The schema given to every error response.
    pub error_envelope: ErrorEnvelope,
}

/// One node added to FinHub's published spec: a field or a response that
/// FinHub's published schema lacks but another of its pages documents.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addition {
    /// JSON pointer (RFC 6901) of the node to add. Its parent must exist.
    pub at: String,
    /// Why, citing the `§`/`I-` of `docs/finhub-api.md` that documents it.
    pub reason: String,
    /// The node, written in FinHub's own (OpenAPI 3.1) form.
    pub value: Value,
}

/// How success responses are matched.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SuccessStatus {
    /// The documented success code only.
    AsDocumented,
    /// Any 2xx status decodes as the documented success body.
    #[serde(rename = "any-2xx")]
    Any2xx,
}

/// The shared error envelope.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorEnvelope {
    /// Component name of the schema.
    pub name: String,
    /// The schema itself.
    pub schema: Value,
}

/// The format that marks a secret string for the generator.
pub const SENSITIVE_FORMAT: &str = "password";

/// The format that marks a lenient integer for the generator.
pub const LENIENT_INTEGER_FORMAT: &str = "lenient-integer";

/// Schema keywords that are metadata: typify ignores them when it matches a
/// schema against a type conversion.
const METADATA: [&str; 7] = [
    "description",
    "title",
    "example",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

fn operations(doc: &mut Value) -> Vec<(String, &mut Map<String, Value>, Location)> {
    let mut out = Vec::new();
    let root = Location::root().child("paths");
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let Value::Object(item) = item else { continue };
            for (method, op) in item.iter_mut() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let Value::Object(op) = op else { continue };
                let name = format!("{} {path}", method.to_uppercase());
                let mut at = root.child(path).child(method);
                at.operation = Some(name.clone());
                out.push((name, op, at));
            }
        }
    }
    out
}

/// Adds the `documented-additions` of the overrides to the document, in
/// FinHub's 3.1 form, before any conversion. The parent of each node must
/// exist. A node the spec already has is accepted only when it is identical
/// (so the rule is idempotent); a different one is an error, so a new FinHub
/// spec that publishes the fact in its own words makes regen ask for the
/// addition to be removed instead of silently overwriting FinHub's text.
pub fn documented_additions(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    let rule = "documented-additions";
    for addition in &ov.documented_additions {
        let at = Location {
            pointer: addition.at.clone(),
            operation: None,
        };
        if addition.reason.trim().is_empty() {
            return Err(at.error(rule, "the addition gives no reason"));
        }
        let Some((parent, last)) = addition.at.rsplit_once('/') else {
            return Err(at.error(rule, "`at` is not a JSON pointer (it must start with `/`)"));
        };
        let key = last.replace("~1", "/").replace("~0", "~");
        let Some(Value::Object(parent)) = doc.pointer_mut(parent) else {
            return Err(at.error(
                rule,
                format!("the spec has no object at `{parent}` to add `{key}` to"),
            ));
        };
        match parent.get(&key) {
            Some(existing) if existing == &addition.value => {}
            Some(_) => {
                return Err(at.error(
                    rule,
                    "the spec already declares this node differently; FinHub now publishes it: remove the addition from openapi.overrides.yaml",
                ));
            }
            None => {
                parent.insert(key, addition.value.clone());
            }
        }
    }
    Ok(())
}

/// Gives every operation its reviewed operationId. An operation with none,
/// an override naming no operation, or a duplicate id is an error: ids become
/// method names and must never be guessed.
pub fn operation_ids(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    let rule = "operation-ids";
    let mut used = BTreeSet::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (name, op, at) in operations(doc) {
        let id = match ov.operation_ids.get(&name) {
            Some(id) => {
                used.insert(name.clone());
                id.clone()
            }
            None => match op.get("operationId").and_then(Value::as_str) {
                Some(id) => id.to_string(),
                None => {
                    return Err(at.error(
                        rule,
                        "the operation has no operationId; add one under `operation-ids` in openapi.overrides.yaml",
                    ));
                }
            },
        };
        if let Some(other) = seen.insert(id.clone(), name.clone()) {
            return Err(at.error(rule, format!("operationId `{id}` is also used by {other}")));
        }
        op.insert("operationId".into(), Value::String(id));
    }
    if let Some(stale) = ov.operation_ids.keys().find(|k| !used.contains(*k)) {
        return Err(Location::root().error(
            rule,
            format!(
                "openapi.overrides.yaml names `{stale}`, which is not an operation of the spec"
            ),
        ));
    }
    Ok(())
}

/// Removes the ambient header parameters (tenant, device, forwarding,
/// authorization…) from every operation so generated methods do not take
/// them: the runtime injects them on every request.
pub fn ambient_headers(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    let components = doc
        .pointer("/components/parameters")
        .cloned()
        .unwrap_or(Value::Null);
    let is_ambient = |param: &Value| {
        let param = match param.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/components/parameters/")
                .and_then(|name| components.get(name))
                .unwrap_or(param),
            None => param,
        };
        param.get("in").and_then(Value::as_str) == Some("header")
            && param
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| ov.ambient_headers.iter().any(|h| h.eq_ignore_ascii_case(n)))
    };
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(item) = item else { continue };
            for (key, value) in item.iter_mut() {
                let list = if key == "parameters" {
                    Some(value)
                } else if METHODS.contains(&key.as_str()) {
                    value.get_mut("parameters")
                } else {
                    None
                };
                if let Some(Value::Array(list)) = list {
                    list.retain(|p| !is_ambient(p));
                }
            }
        }
    }
    Ok(())
}

/// Removes string formats the server does not honour (ids declared `uuid`
/// that are not UUIDs), so they are generated as plain strings.
pub fn relax_formats(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, _| {
        if schema
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| ov.relax_formats.iter().any(|r| r == f))
        {
            schema.shift_remove("format");
        }
        Ok(())
    })
}

/// Reduces a string schema to `type`, `format`, `nullable` and metadata so
/// that it matches a typify conversion exactly.
fn reduce_to(schema: &mut Map<String, Value>, format: &str) {
    schema.retain(|k, _| k == "type" || k == "nullable" || METADATA.contains(&k.as_str()));
    schema.insert("format".into(), Value::String(format.into()));
}

/// Marks the listed secret properties with `format: password`; the generator
/// maps that format to `finhub_api::Sensitive`, whose `Debug` is redacted.
pub fn sensitive_fields(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    let rule = "sensitive-fields";
    visit_schemas(doc, &mut |schema, at| {
        let Some(Value::Object(props)) = schema.get_mut("properties") else {
            return Ok(());
        };
        for (name, prop) in props.iter_mut() {
            if !ov.sensitive_fields.iter().any(|s| s == name) {
                continue;
            }
            let at = at.child("properties").child(name);
            let Value::Object(prop) = prop else {
                return Err(at.error(rule, "the secret property is not a schema object"));
            };
            if prop.get("type").and_then(Value::as_str) != Some("string") {
                return Err(at.error(rule, "a secret property must be `type: string`"));
            }
            reduce_to(prop, SENSITIVE_FORMAT);
        }
        Ok(())
    })
}

/// Whether a `oneOf`/`anyOf` holds exactly a date-time string and an integer
/// (epoch milliseconds, the form FinHub sends `uploadDate` in).
fn date_time_or_epoch(branches: &[Value]) -> bool {
    let of_type = |b: &Value, t: &str| b.get("type").and_then(Value::as_str) == Some(t);
    let date_time = branches
        .iter()
        .filter(|b| {
            of_type(b, "string") && b.get("format").and_then(Value::as_str) == Some("date-time")
        })
        .count();
    let integer = branches.iter().filter(|b| of_type(b, "integer")).count();
    branches.len() == 2 && date_time == 1 && integer == 1
}

/// Reduces every `format: date-time` string to the exact shape that the
/// generator maps to `finhub_api::LenientTimestamp` (offset optional, 0–9
/// fraction digits, epoch milliseconds). A `oneOf`/`anyOf` of a date-time
/// string and an integer (epoch milliseconds) is the same type: it reads both.
pub fn lenient_timestamps(doc: &mut Value, _: &Overrides) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, _| {
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(key)
                && date_time_or_epoch(branches)
            {
                schema.shift_remove(key);
                schema.insert("type".into(), Value::String("string".into()));
                reduce_to(schema, "date-time");
            }
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && schema.get("type").and_then(Value::as_str) == Some("string")
        {
            reduce_to(schema, "date-time");
        }
        Ok(())
    })
}

/// Marks the listed integer properties with `format: lenient-integer`
/// (dropping `int32`/`int64` and bounds); the generator maps that format to
/// `finhub_api::LenientInteger`, which also reads `"3600"` and `3600.0` and
/// turns values it cannot read into "unknown" instead of failing the whole
/// response.
pub fn lenient_integers(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    let rule = "lenient-integers";
    visit_schemas(doc, &mut |schema, at| {
        let Some(Value::Object(props)) = schema.get_mut("properties") else {
            return Ok(());
        };
        for (name, prop) in props.iter_mut() {
            if !ov.lenient_integers.iter().any(|s| s == name) {
                continue;
            }
            let at = at.child("properties").child(name);
            let Value::Object(prop) = prop else {
                return Err(at.error(rule, "the lenient integer property is not a schema object"));
            };
            if prop.get("type").and_then(Value::as_str) != Some("integer") {
                return Err(at.error(rule, "a lenient integer property must be `type: integer`"));
            }
            reduce_to(prop, LENIENT_INTEGER_FORMAT);
        }
        Ok(())
    })
}

/// Turns enums of body schemas into open strings whose documented values are
/// listed in the description: the server adds values (statuses, types) that a
/// closed Rust enum would refuse. Parameter enums stay closed.
pub fn open_enums(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    if !ov.open_enums {
        return Ok(());
    }
    visit_schemas(doc, &mut |schema, at| {
        if at.pointer.contains("/parameters/") {
            return Ok(());
        }
        let Some(Value::Array(values)) = schema.shift_remove("enum") else {
            return Ok(());
        };
        let listed: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => format!("`{s}`"),
                other => format!("`{other}`"),
            })
            .collect();
        let note = format!("Documented values: {}.", listed.join(", "));
        let description = match schema.get("description").and_then(Value::as_str) {
            Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
            _ => note,
        };
        schema.insert("description".into(), Value::String(description));
        Ok(())
    })
}

fn status_class(code: &str) -> Option<u8> {
    let first = code.chars().next()?.to_digit(10)? as u8;
    (code.len() == 3).then_some(first)
}

/// Lets any 2xx status decode as the documented success body: the documented
/// success responses of an operation (which must agree) become one `2XX`.
pub fn success_status(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    if ov.success_status == SuccessStatus::AsDocumented {
        return Ok(());
    }
    let rule = "success-status";
    for (_, op, at) in operations(doc) {
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            continue;
        };
        let success: Vec<String> = responses
            .keys()
            .filter(|k| status_class(k) == Some(2))
            .cloned()
            .collect();
        let Some(first) = success.first() else {
            continue;
        };
        let content = responses[first].get("content").cloned();
        if let Some(other) = success
            .iter()
            .find(|k| responses[*k].get("content").cloned() != content)
        {
            return Err(at.error(
                rule,
                format!("success responses {first} and {other} have different bodies; the generator needs one"),
            ));
        }
        let mut merged = Map::new();
        for (code, response) in std::mem::take(responses) {
            if status_class(&code) == Some(2) {
                if !merged.contains_key("2XX") {
                    merged.insert("2XX".into(), response);
                }
            } else {
                merged.insert(code, response);
            }
        }
        *responses = merged;
    }
    Ok(())
}

/// Gives every error response (declared 4xx/5xx, plus catch-all `4XX` and
/// `5XX`) one shared, permissive envelope schema so that error bodies are
/// decoded instead of discarded, and all error responses share one type.
pub fn error_envelope(doc: &mut Value, ov: &Overrides) -> Result<(), NormalizeError> {
    let rule = "error-envelope";
    let name = &ov.error_envelope.name;
    let schemas = doc
        .as_object_mut()
        .ok_or_else(|| Location::root().error(rule, "the document is not an object"))?
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Location::root().error(rule, "`components` is not an object"))?
        .entry("schemas")
        .or_insert_with(|| json!({}));
    match schemas.get(name) {
        Some(existing) if existing != &ov.error_envelope.schema => {
            return Err(Location::root()
                .child("components")
                .child("schemas")
                .child(name)
                .error(
                    rule,
                    "the spec already defines a different schema under the error envelope's name",
                ));
        }
        _ => {
            schemas[name.as_str()] = ov.error_envelope.schema.clone();
        }
    }
    let content = json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{name}") } } });
    for (_, op, _) in operations(doc) {
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            continue;
        };
        for (code, response) in responses.iter_mut() {
            let class = match code.as_str() {
                "4XX" => Some(4),
                "5XX" => Some(5),
                _ => status_class(code),
            };
            if matches!(class, Some(4 | 5))
                && let Value::Object(response) = response
            {
                response.insert("content".into(), content.clone());
            }
        }
        for (range, description) in [
            ("4XX", "Any other client error, in FinHub's error envelope"),
            ("5XX", "Any other server error, in FinHub's error envelope"),
        ] {
            if !responses.contains_key(range) {
                responses.insert(
                    range.into(),
                    json!({ "description": description, "content": content.clone() }),
                );
            }
        }
    }
    Ok(())
}
