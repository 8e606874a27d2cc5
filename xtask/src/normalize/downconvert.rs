//! Rules that turn an OpenAPI 3.1 document into OpenAPI 3.0.3, the only
//! version progenitor reads. Each rule is a pure function on the document.

use serde_json::{Map, Value, json};

use super::NormalizeError;
use super::walk::{Location, visit_objects, visit_schemas};

/// `openapi: 3.1.x` becomes `3.0.3`; any other 3.0 version is kept.
pub fn openapi_version(doc: &mut Value) -> Result<(), NormalizeError> {
    let at = Location::root();
    let version = doc.get("openapi").and_then(Value::as_str).ok_or_else(|| {
        at.error(
            "openapi-version",
            "the document has no `openapi` version string",
        )
    })?;
    if version.starts_with("3.1.") || version.starts_with("3.0.") {
        doc["openapi"] = json!("3.0.3");
        Ok(())
    } else {
        Err(at.child("openapi").error(
            "openapi-version",
            format!("OpenAPI {version} is not supported (expected 3.1.x or 3.0.x)"),
        ))
    }
}

/// Vendor extensions (`x-*` keys) are removed from every spec object. They
/// carry documentation tooling data (`x-mint`) or review notes
/// (`x-finhub-inferred`) and would otherwise keep typify from matching
/// schemas for type conversions.
pub fn strip_extensions(doc: &mut Value) -> Result<(), NormalizeError> {
    visit_objects(doc, &mut |map, is_name_map| {
        if !is_name_map {
            map.retain(|key, _| !key.starts_with("x-"));
        }
    });
    Ok(())
}

/// Keywords that only exist in OpenAPI 3.1 / JSON Schema 2020-12 and carry no
/// meaning for generation are dropped; structural ones that 3.0 cannot express
/// are an error naming where they are.
pub fn drop_31_keywords(doc: &mut Value) -> Result<(), NormalizeError> {
    if let Some(root) = doc.as_object_mut() {
        root.shift_remove("jsonSchemaDialect");
        root.shift_remove("webhooks");
        if let Some(Value::Object(info)) = root.get_mut("info") {
            info.shift_remove("summary");
            if let Some(Value::Object(license)) = info.get_mut("license") {
                license.shift_remove("identifier");
            }
        }
    }
    const ANNOTATIONS: [&str; 6] = [
        "$schema",
        "$id",
        "$comment",
        "contentEncoding",
        "contentMediaType",
        "$anchor",
    ];
    const UNSUPPORTED: [&str; 9] = [
        "prefixItems",
        "$defs",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependentRequired",
        "unevaluatedProperties",
        "patternProperties",
    ];
    visit_schemas(doc, &mut |schema, at| {
        for key in ANNOTATIONS {
            schema.shift_remove(key);
        }
        if let Some(key) = UNSUPPORTED.iter().find(|k| schema.contains_key(**k)) {
            return Err(at.error(
                "drop-3.1-keywords",
                format!("`{key}` has no OpenAPI 3.0 equivalent; rewrite the schema"),
            ));
        }
        Ok(())
    })
}

/// A schema's 3.1 `examples: [a, b]` array becomes the 3.0 `example: a`
/// (an existing `example` wins).
pub fn examples_to_example(doc: &mut Value) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, _| {
        if let Some(Value::Array(examples)) = schema.shift_remove("examples")
            && !schema.contains_key("example")
            && let Some(first) = examples.into_iter().next()
        {
            schema.insert("example".into(), first);
        }
        Ok(())
    })
}

/// `type: [T, "null"]` becomes `type: T, nullable: true`; `type: [T]`
/// becomes `type: T`. Several non-null types cannot be expressed in 3.0.
pub fn nullable_type_array(doc: &mut Value) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, at| {
        let Some(Value::Array(types)) = schema.get("type") else {
            return Ok(());
        };
        let nullable = types.iter().any(|t| t == "null");
        let others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        match others.as_slice() {
            [single] => {
                schema.insert("type".into(), single.clone());
            }
            [] => {
                return Err(at.error(
                    "nullable-type-array",
                    "`type: [null]` alone has no 3.0 form",
                ));
            }
            _ => {
                return Err(at.error(
                    "nullable-type-array",
                    format!("a schema of several types {others:?} has no 3.0 form; use oneOf"),
                ));
            }
        }
        if nullable {
            schema.insert("nullable".into(), Value::Bool(true));
        }
        Ok(())
    })
}

fn is_null_schema(value: &Value) -> bool {
    value.get("type").is_some_and(|t| t == "null")
}

/// `anyOf`/`oneOf` with a `{type: null}` branch becomes the other branch
/// marked `nullable: true`. A single `$ref` branch is wrapped in `allOf`
/// because 3.0 ignores siblings of `$ref`.
pub fn nullable_union(doc: &mut Value) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, at| {
        for key in ["anyOf", "oneOf"] {
            let Some(Value::Array(branches)) = schema.get(key) else {
                continue;
            };
            if !branches.iter().any(is_null_schema) {
                continue;
            }
            let rest: Vec<Value> = branches
                .iter()
                .filter(|b| !is_null_schema(b))
                .cloned()
                .collect();
            schema.shift_remove(key);
            match rest.len() {
                0 => {
                    return Err(at.error("nullable-union", format!("`{key}` holds only null")));
                }
                1 => {
                    let Value::Object(branch) = rest.into_iter().next().unwrap_or_default() else {
                        return Err(at.error(
                            "nullable-union",
                            format!("a `{key}` branch is not a schema"),
                        ));
                    };
                    if branch.contains_key("$ref") {
                        schema.insert("allOf".into(), Value::Array(vec![Value::Object(branch)]));
                    } else {
                        for (k, v) in branch {
                            if schema.contains_key(&k) {
                                return Err(at.error(
                                    "nullable-union",
                                    format!(
                                        "`{k}` is set both on the schema and in its `{key}` branch"
                                    ),
                                ));
                            }
                            schema.insert(k, v);
                        }
                    }
                }
                _ => {
                    schema.insert(key.into(), Value::Array(rest));
                }
            }
            schema.insert("nullable".into(), Value::Bool(true));
        }
        Ok(())
    })
}

/// `const: v` becomes the one-value `enum: [v]`.
pub fn const_to_enum(doc: &mut Value) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, at| {
        if let Some(value) = schema.shift_remove("const") {
            if schema.contains_key("enum") {
                return Err(at.error("const-to-enum", "both `const` and `enum` are set"));
            }
            schema.insert("enum".into(), Value::Array(vec![value]));
        }
        Ok(())
    })
}

/// The 3.1 numeric `exclusiveMinimum: n` becomes `minimum: n,
/// exclusiveMinimum: true` (same for maximum).
pub fn exclusive_bounds(doc: &mut Value) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, _| {
        for (exclusive, inclusive) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            let Some(bound) = schema.get(exclusive).filter(|v| v.is_number()).cloned() else {
                continue;
            };
            if let Some(other) = schema.get(inclusive) {
                // Both given: the tighter bound wins, as in JSON Schema.
                let (b, o) = (bound.as_f64().unwrap_or(0.0), other.as_f64().unwrap_or(0.0));
                let exclusive_is_tighter = if inclusive == "minimum" {
                    b >= o
                } else {
                    b <= o
                };
                if !exclusive_is_tighter {
                    schema.shift_remove(exclusive);
                    continue;
                }
            }
            schema.insert(inclusive.into(), bound);
            schema.insert(exclusive.into(), Value::Bool(true));
        }
        Ok(())
    })
}

/// Keywords next to a `$ref` are ignored by 3.0 tools; they are dropped,
/// except `nullable: true`, which is kept by wrapping the reference in
/// `allOf`.
pub fn ref_siblings(doc: &mut Value) -> Result<(), NormalizeError> {
    visit_schemas(doc, &mut |schema, _| {
        if !schema.contains_key("$ref") || schema.len() == 1 {
            return Ok(());
        }
        let nullable = schema.get("nullable") == Some(&Value::Bool(true));
        let reference = schema.shift_remove("$ref").unwrap_or_default();
        schema.clear();
        if nullable {
            let mut inner = Map::new();
            inner.insert("$ref".into(), reference);
            schema.insert("allOf".into(), Value::Array(vec![Value::Object(inner)]));
            schema.insert("nullable".into(), Value::Bool(true));
        } else {
            schema.insert("$ref".into(), reference);
        }
        Ok(())
    })
}
