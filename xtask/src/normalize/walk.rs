//! Traversal of an OpenAPI document held as `serde_json::Value`.
//!
//! Two walks are offered: [`visit_schemas`] reaches every Schema Object (and
//! only those, so keywords such as `examples` are interpreted with the right
//! meaning), and [`visit_objects`] reaches every spec object while skipping
//! literal values (examples, defaults, enums) and knowing which maps hold
//! user-chosen names rather than keywords.

use serde_json::{Map, Value};

use super::NormalizeError;

/// HTTP methods that may appear as keys of a Path Item Object.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where a schema sits in the document: a JSON pointer and, when it belongs to
/// an operation, that operation as `METHOD /path`.
#[derive(Clone, Debug)]
pub struct Location {
    /// JSON pointer (RFC 6901) to the node.
    pub pointer: String,
    /// The operation the node belongs to, if any.
    pub operation: Option<String>,
}

impl Location {
    /// The document root.
    pub fn root() -> Self {
        Location {
            pointer: String::new(),
            operation: None,
        }
    }

    /// The location of `key` below this one.
    pub fn child(&self, key: &str) -> Self {
        Location {
            pointer: format!(
                "{}/{}",
                self.pointer,
                key.replace('~', "~0").replace('/', "~1")
            ),
            operation: self.operation.clone(),
        }
    }

    fn in_operation(&self, operation: String) -> Self {
        Location {
            pointer: self.pointer.clone(),
            operation: Some(operation),
        }
    }

    /// An error of `rule` at this location.
    pub fn error(&self, rule: &'static str, message: impl Into<String>) -> NormalizeError {
        NormalizeError {
            rule,
            operation: self.operation.clone(),
            pointer: self.pointer.clone(),
            message: message.into(),
        }
    }
}

/// Callback applied to a schema object; it may rewrite the object in place.
pub type SchemaFn<'a> =
    dyn FnMut(&mut Map<String, Value>, &Location) -> Result<(), NormalizeError> + 'a;

/// Calls `f` on every Schema Object of the document, parents before children.
/// Children are visited after `f` returns, so a rewrite of a node is walked.
pub fn visit_schemas(doc: &mut Value, f: &mut SchemaFn<'_>) -> Result<(), NormalizeError> {
    let root = Location::root();
    let Some(doc) = doc.as_object_mut() else {
        return Ok(());
    };
    if let Some(Value::Object(components)) = doc.get_mut("components") {
        let at = root.child("components");
        if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
            let at = at.child("schemas");
            for (name, schema) in schemas.iter_mut() {
                visit_schema(schema, &at.child(name), f)?;
            }
        }
        for section in ["parameters", "headers"] {
            if let Some(Value::Object(items)) = components.get_mut(section) {
                let at = at.child(section);
                for (name, item) in items.iter_mut() {
                    visit_parameter(item, &at.child(name), f)?;
                }
            }
        }
        for section in ["responses", "requestBodies"] {
            if let Some(Value::Object(items)) = components.get_mut(section) {
                let at = at.child(section);
                for (name, item) in items.iter_mut() {
                    visit_body(item, &at.child(name), f)?;
                }
            }
        }
    }
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        let at = root.child("paths");
        for (path, item) in paths.iter_mut() {
            let at = at.child(path);
            let Value::Object(item) = item else { continue };
            for (key, value) in item.iter_mut() {
                if key == "parameters" {
                    visit_parameter_list(value, &at.child(key), f)?;
                } else if METHODS.contains(&key.as_str()) {
                    let at = at
                        .child(key)
                        .in_operation(format!("{} {path}", key.to_uppercase()));
                    visit_operation(value, &at, f)?;
                }
            }
        }
    }
    Ok(())
}

fn visit_operation(
    op: &mut Value,
    at: &Location,
    f: &mut SchemaFn<'_>,
) -> Result<(), NormalizeError> {
    let Value::Object(op) = op else { return Ok(()) };
    if let Some(params) = op.get_mut("parameters") {
        visit_parameter_list(params, &at.child("parameters"), f)?;
    }
    if let Some(body) = op.get_mut("requestBody") {
        visit_body(body, &at.child("requestBody"), f)?;
    }
    if let Some(Value::Object(responses)) = op.get_mut("responses") {
        let at = at.child("responses");
        for (code, response) in responses.iter_mut() {
            let at = at.child(code);
            visit_body(response, &at, f)?;
            if let Some(Value::Object(headers)) = response.get_mut("headers") {
                let at = at.child("headers");
                for (name, header) in headers.iter_mut() {
                    visit_parameter(header, &at.child(name), f)?;
                }
            }
        }
    }
    Ok(())
}

fn visit_parameter_list(
    list: &mut Value,
    at: &Location,
    f: &mut SchemaFn<'_>,
) -> Result<(), NormalizeError> {
    if let Value::Array(list) = list {
        for (i, param) in list.iter_mut().enumerate() {
            visit_parameter(param, &at.child(&i.to_string()), f)?;
        }
    }
    Ok(())
}

fn visit_parameter(
    param: &mut Value,
    at: &Location,
    f: &mut SchemaFn<'_>,
) -> Result<(), NormalizeError> {
    if let Some(schema) = param.get_mut("schema") {
        visit_schema(schema, &at.child("schema"), f)?;
    }
    visit_body(param, at, f)
}

/// A Request Body, Response or Parameter: walks `content.*.schema`.
fn visit_body(body: &mut Value, at: &Location, f: &mut SchemaFn<'_>) -> Result<(), NormalizeError> {
    if let Some(Value::Object(content)) = body.get_mut("content") {
        let at = at.child("content");
        for (media, item) in content.iter_mut() {
            if let Some(schema) = item.get_mut("schema") {
                visit_schema(schema, &at.child(media).child("schema"), f)?;
            }
        }
    }
    Ok(())
}

fn visit_schema(
    schema: &mut Value,
    at: &Location,
    f: &mut SchemaFn<'_>,
) -> Result<(), NormalizeError> {
    let Value::Object(map) = schema else {
        return Ok(());
    };
    f(map, at)?;
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            match child {
                Value::Object(_) => visit_schema(child, &at.child(key), f)?,
                Value::Array(items) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        visit_schema(item, &at.child(key).child(&i.to_string()), f)?;
                    }
                }
                _ => {}
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(items)) = map.get_mut(key) {
            for (i, item) in items.iter_mut().enumerate() {
                visit_schema(item, &at.child(key).child(&i.to_string()), f)?;
            }
        }
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        let at = at.child("properties");
        for (name, prop) in props.iter_mut() {
            visit_schema(prop, &at.child(name), f)?;
        }
    }
    Ok(())
}

/// Keys whose value is a literal (example data), never spec structure.
const LITERAL_KEYS: [&str; 5] = ["example", "examples", "default", "enum", "const"];

/// Keys whose object value maps user-chosen names to spec objects.
const NAME_MAP_KEYS: [&str; 8] = [
    "properties",
    "headers",
    "links",
    "callbacks",
    "variables",
    "encoding",
    "mapping",
    "patternProperties",
];

/// Calls `f` on every spec object (not on literal values). `f` receives the
/// object and whether its keys are user-chosen names (property names, header
/// names, component names) rather than keywords.
pub fn visit_objects(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>, bool)) {
    walk_objects(doc, false, false, f);
}

fn walk_objects(
    value: &mut Value,
    is_name_map: bool,
    is_components: bool,
    f: &mut dyn FnMut(&mut Map<String, Value>, bool),
) {
    match value {
        Value::Object(map) => {
            f(map, is_name_map);
            for (key, child) in map.iter_mut() {
                if !is_name_map && LITERAL_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let child_is_name_map =
                    is_components || (!is_name_map && NAME_MAP_KEYS.contains(&key.as_str()));
                let child_is_components = !is_name_map && key == "components";
                walk_objects(child, child_is_name_map, child_is_components, f);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk_objects(item, false, false, f);
            }
        }
        _ => {}
    }
}
