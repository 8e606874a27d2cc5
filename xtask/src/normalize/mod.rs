//! Normalization: FinHub's published OpenAPI 3.1 document, plus the reviewed
//! corrections of `openapi.overrides.yaml`, becomes the OpenAPI 3.0.3
//! document that progenitor generates the client from.
//!
//! Normalization is an ordered list of named [`Rule`]s. Each rule is a pure,
//! deterministic function of the document and is tested on its own with a
//! before/after fixture (`xtask/fixtures/normalize/<rule>/`).

pub mod downconvert;
pub mod limits;
pub mod overrides;
pub mod walk;

use std::fmt;

use serde_json::Value;

pub use overrides::Overrides;

/// A rule could not be applied: names the rule, the operation (when the
/// problem is inside one) and the JSON pointer of the offending node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizeError {
    /// Name of the rule that failed.
    pub rule: &'static str,
    /// `METHOD /path` of the operation, when the node belongs to one.
    pub operation: Option<String>,
    /// JSON pointer to the offending node.
    pub pointer: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule `{}`", self.rule)?;
        if let Some(op) = &self.operation {
            write!(f, ", operation {op}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, ", at {}", self.pointer)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for NormalizeError {}

/// One named normalization step.
pub struct Rule {
    /// Stable name, used in errors and fixture directories.
    pub name: &'static str,
    /// What the rule does, in one line.
    pub summary: &'static str,
    /// The transformation.
    pub apply: fn(&mut Value, &Overrides) -> Result<(), NormalizeError>,
}

/// Every rule, in the order they run: first the documented additions (in
/// FinHub's 3.1 form), then the 3.1 → 3.0 conversion, then the API
/// corrections from the overrides file, then the generator checks.
pub const RULES: &[Rule] = &[
    Rule {
        name: "documented-additions",
        summary: "facts documented on other pages added to the published spec",
        apply: overrides::documented_additions,
    },
    Rule {
        name: "openapi-version",
        summary: "openapi 3.1.x → 3.0.3",
        apply: |d, _| downconvert::openapi_version(d),
    },
    Rule {
        name: "strip-extensions",
        summary: "x-* vendor extensions removed",
        apply: |d, _| downconvert::strip_extensions(d),
    },
    Rule {
        name: "drop-3.1-keywords",
        summary: "3.1-only annotations dropped; 3.1-only structure rejected",
        apply: |d, _| downconvert::drop_31_keywords(d),
    },
    Rule {
        name: "examples-to-example",
        summary: "schema `examples: [..]` → `example`",
        apply: |d, _| downconvert::examples_to_example(d),
    },
    Rule {
        name: "nullable-type-array",
        summary: "`type: [T, null]` → `type: T, nullable: true`",
        apply: |d, _| downconvert::nullable_type_array(d),
    },
    Rule {
        name: "nullable-union",
        summary: "`anyOf`/`oneOf` with a null branch → nullable",
        apply: |d, _| downconvert::nullable_union(d),
    },
    Rule {
        name: "const-to-enum",
        summary: "`const: v` → `enum: [v]`",
        apply: |d, _| downconvert::const_to_enum(d),
    },
    Rule {
        name: "exclusive-bounds",
        summary: "numeric exclusiveMinimum/Maximum → minimum/maximum + boolean",
        apply: |d, _| downconvert::exclusive_bounds(d),
    },
    Rule {
        name: "ref-siblings",
        summary: "keywords beside `$ref` dropped (nullable kept through allOf)",
        apply: |d, _| downconvert::ref_siblings(d),
    },
    Rule {
        name: "operation-ids",
        summary: "reviewed operationId for every operation",
        apply: overrides::operation_ids,
    },
    Rule {
        name: "ambient-headers",
        summary: "standard headers removed from generated signatures (injected at runtime)",
        apply: overrides::ambient_headers,
    },
    Rule {
        name: "relax-formats",
        summary: "id formats the server does not honour become plain strings",
        apply: overrides::relax_formats,
    },
    Rule {
        name: "lenient-timestamps",
        summary: "date-time strings reduced to the shape mapped to LenientTimestamp",
        apply: overrides::lenient_timestamps,
    },
    Rule {
        name: "lenient-integers",
        summary: "listed integer properties marked for the lenient LenientInteger type",
        apply: overrides::lenient_integers,
    },
    Rule {
        name: "sensitive-fields",
        summary: "secret properties marked for the redacting Sensitive type",
        apply: overrides::sensitive_fields,
    },
    Rule {
        name: "open-enums",
        summary: "body enums become open strings (values kept in the description)",
        apply: overrides::open_enums,
    },
    Rule {
        name: "success-status",
        summary: "documented success responses → one 2XX",
        apply: overrides::success_status,
    },
    Rule {
        name: "error-envelope",
        summary: "one permissive error envelope on every error response",
        apply: overrides::error_envelope,
    },
    Rule {
        name: "local-refs",
        summary: "every $ref resolves inside the document",
        apply: |d, _| limits::local_refs(d),
    },
    Rule {
        name: "generator-limits",
        summary: "no multipart, multi-media or cookie constructs progenitor cannot take",
        apply: |d, _| limits::generator_limits(d),
    },
];

/// Applies every rule in order and returns the normalized document.
pub fn normalize(mut doc: Value, overrides: &Overrides) -> Result<Value, NormalizeError> {
    for rule in RULES {
        (rule.apply)(&mut doc, overrides)?;
    }
    Ok(doc)
}

#[cfg(test)]
mod tests;
