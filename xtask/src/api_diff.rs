//! What changed in the generated client's API between two normalized
//! documents: operations and schemas added or removed, parameters and fields
//! added, removed, or changed in type or requiredness, enum values — each
//! marked by what it means for a service that depends on the client.
//!
//! Severities follow the generated Rust API, not only the wire:
//!
//! * **breaking** — existing callers stop compiling or stop working: a removed
//!   operation, schema, parameter or field; a renamed operation; a new
//!   required request field; any change of a field's type or requiredness
//!   (`T` ⇄ `Option<T>`); a removed enum value; a new parameter (a new
//!   argument of the positional method).
//! * **warning** — compiles, but behaviour may change: a response enum gains a
//!   value the service may now receive.
//! * **compatible** — new operations, schemas and optional fields.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::normalize::walk::METHODS;

/// How much a change matters to callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Existing callers break.
    Breaking,
    /// Compiles; behaviour may change.
    Warning,
    /// Additions only.
    Compatible,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Severity::Breaking => "breaking",
            Severity::Warning => "warning",
            Severity::Compatible => "compatible",
        })
    }
}

/// One change of the API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// How much it matters.
    pub severity: Severity,
    /// What changed, e.g. "schema `Wallet`, field `iban`".
    pub subject: String,
    /// How it changed.
    pub what: String,
}

/// Every change between two documents, most severe first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many changes have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == severity)
            .count()
    }

    /// The one-line summary: `N breaking, N warning, N compatible`.
    pub fn summary(&self) -> String {
        format!(
            "{} breaking, {} warning, {} compatible",
            self.count(Severity::Breaking),
            self.count(Severity::Warning),
            self.count(Severity::Compatible)
        )
    }

    /// The report as a Markdown list, for `CHANGELOG.md`.
    pub fn markdown(&self) -> String {
        self.changes
            .iter()
            .map(|c| {
                let tag = match c.severity {
                    Severity::Breaking => "**breaking** ",
                    Severity::Warning => "**warning** ",
                    Severity::Compatible => "",
                };
                format!("- {tag}{}: {}\n", c.subject, c.what)
            })
            .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.changes {
            writeln!(f, "  {:<10}  {}: {}", c.severity, c.subject, c.what)?;
        }
        write!(f, "  {}", self.summary())
    }
}

/// A schema node reduced to what decides the generated Rust type.
fn signature(node: &Value) -> String {
    let nullable = node.get("nullable").and_then(Value::as_bool) == Some(true);
    let base = if let Some(target) = node.get("$ref").and_then(Value::as_str) {
        target.rsplit('/').next().unwrap_or(target).to_string()
    } else if let Some(Value::Array(parts)) = node.get("allOf").or_else(|| node.get("anyOf")) {
        let inner: Vec<String> = parts.iter().map(signature).collect();
        inner.join(" & ")
    } else {
        match node.get("type").and_then(Value::as_str) {
            Some("array") => format!(
                "array<{}>",
                node.get("items").map(signature).unwrap_or_default()
            ),
            Some("object") if node.get("properties").is_none() => {
                match node.get("additionalProperties") {
                    Some(v @ Value::Object(_)) => format!("map<{}>", signature(v)),
                    _ => "object".to_string(),
                }
            }
            Some(ty) => match node.get("format").and_then(Value::as_str) {
                Some(format) => format!("{ty}({format})"),
                None => ty.to_string(),
            },
            None => "any".to_string(),
        }
    };
    if nullable { format!("{base}?") } else { base }
}

/// The `$ref` targets reachable from a node.
fn refs(node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                out.insert(target.rsplit('/').next().unwrap_or(target).to_string());
            }
            for value in map.values() {
                refs(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parameter {
    required: bool,
    signature: String,
}

/// An operation, reduced.
#[derive(Debug, Clone)]
struct Operation {
    method: String,
    path: String,
    parameters: BTreeMap<String, Parameter>,
    body: Option<(bool, String)>,
    success: Option<String>,
}

/// A document, reduced to what the generated API depends on.
struct Model {
    operations: BTreeMap<String, Operation>,
    schemas: BTreeMap<String, Value>,
    /// Schemas reachable from request bodies and parameters.
    request_side: BTreeSet<String>,
    /// Schemas reachable from responses.
    response_side: BTreeSet<String>,
}

fn success_signature(op: &Value) -> Option<String> {
    let responses = op.get("responses")?.as_object()?;
    responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .map(|(_, response)| {
            response
                .get("content")
                .and_then(|c| c.get("application/json"))
                .and_then(|m| m.get("schema"))
                .map(signature)
                .unwrap_or_else(|| "empty".into())
        })
}

/// Expands schema names to everything they reference, transitively.
fn closure(start: BTreeSet<String>, schemas: &BTreeMap<String, Value>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = start.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.get(&name) {
            let mut next = BTreeSet::new();
            refs(schema, &mut next);
            todo.extend(next.into_iter().filter(|n| !seen.contains(n)));
        }
    }
    seen
}

fn model(doc: &Value) -> Model {
    let schemas: BTreeMap<String, Value> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut operations = BTreeMap::new();
    let (mut request_roots, mut response_roots) = (BTreeSet::new(), BTreeSet::new());
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let Some(item) = item.as_object() else {
            continue;
        };
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (method, op) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            let mut parameters = BTreeMap::new();
            let own = op.get("parameters").and_then(Value::as_array);
            for p in shared.iter().chain(own.into_iter().flatten()) {
                let (Some(name), Some(location)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if let Some(schema) = p.get("schema") {
                    refs(schema, &mut request_roots);
                }
                parameters.insert(
                    format!("{location} `{name}`"),
                    Parameter {
                        required: p.get("required").and_then(Value::as_bool) == Some(true),
                        signature: p.get("schema").map(signature).unwrap_or_default(),
                    },
                );
            }
            let body = op.get("requestBody").map(|body| {
                refs(body, &mut request_roots);
                (
                    body.get("required").and_then(Value::as_bool) == Some(true),
                    body.pointer("/content/application~1json/schema")
                        .map(signature)
                        .unwrap_or_else(|| "other".into()),
                )
            });
            if let Some(responses) = op.get("responses") {
                refs(responses, &mut response_roots);
            }
            operations.insert(
                id,
                Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    parameters,
                    body,
                    success: success_signature(op),
                },
            );
        }
    }
    Model {
        request_side: closure(request_roots, &schemas),
        response_side: closure(response_roots, &schemas),
        operations,
        schemas,
    }
}

fn push(out: &mut Vec<Change>, severity: Severity, subject: impl Into<String>, what: String) {
    out.push(Change {
        severity,
        subject: subject.into(),
        what,
    });
}

fn compare_operations(old: &Model, new: &Model, out: &mut Vec<Change>) {
    let route = |op: &Operation| format!("{} {}", op.method, op.path);
    for (id, before) in &old.operations {
        let Some(after) = new.operations.get(id) else {
            match new.operations.iter().find(|(other, op)| {
                !old.operations.contains_key(*other) && route(op) == route(before)
            }) {
                Some((renamed, _)) => push(
                    out,
                    Severity::Breaking,
                    format!("operation `{id}`"),
                    format!(
                        "renamed to `{renamed}` ({}): the generated method is renamed",
                        route(before)
                    ),
                ),
                None => push(
                    out,
                    Severity::Breaking,
                    format!("operation `{id}`"),
                    format!("removed ({})", route(before)),
                ),
            }
            continue;
        };
        let subject = format!("operation `{id}`");
        if route(before) != route(after) {
            push(
                out,
                Severity::Breaking,
                &subject,
                format!("moved from {} to {}", route(before), route(after)),
            );
        }
        for (name, p) in &before.parameters {
            match after.parameters.get(name) {
                None => push(
                    out,
                    Severity::Breaking,
                    &subject,
                    format!("parameter {name} removed (an argument of the method goes)"),
                ),
                Some(q) if q.signature != p.signature => push(
                    out,
                    Severity::Breaking,
                    &subject,
                    format!(
                        "parameter {name} changed type: {} → {}",
                        p.signature, q.signature
                    ),
                ),
                Some(q) if q.required != p.required => push(
                    out,
                    Severity::Breaking,
                    &subject,
                    format!(
                        "parameter {name} became {}",
                        if q.required { "required" } else { "optional" }
                    ),
                ),
                Some(_) => {}
            }
        }
        for (name, q) in &after.parameters {
            if !before.parameters.contains_key(name) {
                push(
                    out,
                    Severity::Breaking,
                    &subject,
                    format!(
                        "new {} parameter {name} (a new argument of the method)",
                        if q.required { "required" } else { "optional" }
                    ),
                );
            }
        }
        match (&before.body, &after.body) {
            (None, Some((required, sig))) => push(
                out,
                Severity::Breaking,
                &subject,
                format!(
                    "new {} request body `{sig}`",
                    if *required { "required" } else { "optional" }
                ),
            ),
            (Some((_, sig)), None) => push(
                out,
                Severity::Breaking,
                &subject,
                format!("request body `{sig}` removed"),
            ),
            (Some((r1, s1)), Some((r2, s2))) if s1 != s2 || r1 != r2 => push(
                out,
                Severity::Breaking,
                &subject,
                format!("request body changed: `{s1}` → `{s2}`"),
            ),
            _ => {}
        }
        if before.success != after.success {
            push(
                out,
                Severity::Breaking,
                &subject,
                format!(
                    "success response changed: `{}` → `{}`",
                    before.success.as_deref().unwrap_or("none"),
                    after.success.as_deref().unwrap_or("none")
                ),
            );
        }
    }
    for (id, op) in &new.operations {
        let renamed_here = old.operations.values().any(|b| route(b) == route(op))
            && !old.operations.contains_key(id);
        if !old.operations.contains_key(id) && !renamed_here {
            push(
                out,
                Severity::Compatible,
                format!("operation `{id}`"),
                format!("added ({})", route(op)),
            );
        }
    }
}

fn properties(schema: &Value) -> BTreeMap<String, String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| (k.clone(), signature(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether optional property `field` of `schema` keeps the Rust type it
/// has when required: it has a `default`, or is an array or a map (the
/// generator gives those `#[serde(default)]` instead of `Option`).
fn keeps_rust_type(schema: &Value, field: &str) -> bool {
    let Some(node) = schema.get("properties").and_then(|p| p.get(field)) else {
        return false;
    };
    node.get("default").is_some()
        || node.get("type").and_then(Value::as_str) == Some("array")
        || (node.get("type").and_then(Value::as_str) == Some("object")
            && node.get("properties").is_none()
            && node.get("additionalProperties").is_some())
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn enum_values(schema: &Value) -> Option<BTreeSet<String>> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| values.iter().map(Value::to_string).collect())
}

fn side(name: &str, old: &Model, new: &Model) -> (bool, bool) {
    (
        old.request_side.contains(name) || new.request_side.contains(name),
        old.response_side.contains(name) || new.response_side.contains(name),
    )
}

fn compare_schemas(old: &Model, new: &Model, out: &mut Vec<Change>) {
    for (name, before) in &old.schemas {
        let subject = format!("schema `{name}`");
        let Some(after) = new.schemas.get(name) else {
            push(
                out,
                Severity::Breaking,
                subject,
                "removed (the generated type goes)".into(),
            );
            continue;
        };
        let (request, response) = side(name, old, new);
        let (p1, p2) = (properties(before), properties(after));
        let (r1, r2) = (required(before), required(after));
        for (field, sig) in &p1 {
            let field_subject = format!("schema `{name}`, field `{field}`");
            match p2.get(field) {
                None => push(out, Severity::Breaking, field_subject, "removed".into()),
                Some(sig2) if sig2 != sig => push(
                    out,
                    Severity::Breaking,
                    field_subject,
                    format!("changed type: {sig} → {sig2}"),
                ),
                Some(_) => {
                    // `T` or `Option<T>`: required, or optional with a
                    // default (or a collection), keeps `T`.
                    let optional = |schema: &Value, required: &BTreeSet<String>| {
                        !(required.contains(field) || keeps_rust_type(schema, field))
                    };
                    let (o1, o2) = (optional(before, &r1), optional(after, &r2));
                    let (q1, q2) = (r1.contains(field), r2.contains(field));
                    let how = match (q1, q2) {
                        (false, true) => "became required",
                        (true, false) => "became optional",
                        _ if o2 => "lost its default",
                        _ => "gained a default",
                    };
                    if o1 != o2 {
                        let rust = if o2 {
                            "its Rust type becomes `Option`"
                        } else {
                            "its Rust type loses `Option`"
                        };
                        push(
                            out,
                            Severity::Breaking,
                            field_subject,
                            format!("{how} ({rust})"),
                        );
                    } else if q1 != q2 && q2 && request {
                        push(
                            out,
                            Severity::Breaking,
                            field_subject,
                            "became required (requests without it are refused)".to_string(),
                        );
                    } else if q1 != q2 && !q2 {
                        push(
                            out,
                            Severity::Warning,
                            field_subject,
                            "became optional (its Rust type stays: an absent value reads as its default or empty)".to_string(),
                        );
                    } else if q1 != q2 {
                        push(
                            out,
                            Severity::Compatible,
                            field_subject,
                            format!("{how} (its Rust type stays)"),
                        );
                    }
                }
            }
        }
        for (field, sig) in &p2 {
            if p1.contains_key(field) {
                continue;
            }
            let field_subject = format!("schema `{name}`, field `{field}`");
            if r2.contains(field) && request {
                push(
                    out,
                    Severity::Breaking,
                    field_subject,
                    format!("new required request field ({sig})"),
                );
            } else {
                push(
                    out,
                    Severity::Compatible,
                    field_subject,
                    format!(
                        "added ({sig}{})",
                        if r2.contains(field) { ", required" } else { "" }
                    ),
                );
            }
        }
        if let (Some(e1), Some(e2)) = (enum_values(before), enum_values(after)) {
            for value in e1.difference(&e2) {
                push(
                    out,
                    Severity::Breaking,
                    &subject,
                    format!("enum value {value} removed"),
                );
            }
            for value in e2.difference(&e1) {
                let severity = if response {
                    Severity::Warning
                } else {
                    Severity::Compatible
                };
                push(
                    out,
                    severity,
                    &subject,
                    format!(
                        "enum value {value} added{}",
                        if response {
                            " (responses may now carry it)"
                        } else {
                            ""
                        }
                    ),
                );
            }
        } else if signature(before) != signature(after) && p1.is_empty() && p2.is_empty() {
            push(
                out,
                Severity::Breaking,
                &subject,
                format!("changed type: {} → {}", signature(before), signature(after)),
            );
        }
    }
    for name in new.schemas.keys() {
        if !old.schemas.contains_key(name) {
            push(
                out,
                Severity::Compatible,
                format!("schema `{name}`"),
                "added".into(),
            );
        }
    }
}

/// The API changes from `old` to `new` (both normalized documents).
pub fn diff(old: &Value, new: &Value) -> Report {
    let (old, new) = (model(old), model(new));
    let mut changes = Vec::new();
    compare_operations(&old, &new, &mut changes);
    compare_schemas(&old, &new, &mut changes);
    changes.sort();
    changes.dedup();
    Report { changes }
}
