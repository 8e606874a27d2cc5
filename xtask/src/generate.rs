//! Code generation: the normalized 3.0.3 document becomes Rust source through
//! progenitor's library API, formatted with prettyplease (no nightly
//! rustfmt, byte-stable output).

use std::panic::{self, AssertUnwindSafe};

use anyhow::{Context, Result, anyhow};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use schemars::schema::{InstanceType, SchemaObject};
use serde_json::Value;

use crate::normalize::overrides::{LENIENT_INTEGER_FORMAT, SENSITIVE_FORMAT};
use crate::normalize::walk::METHODS;

/// The generated client and figures about it.
pub struct Generated {
    /// Formatted Rust source of the client, without the file header.
    pub code: String,
    /// Formatted Rust source of the typed httpmock helpers.
    pub httpmock: String,
    /// Number of operations (client methods).
    pub operations: usize,
    /// Number of generated types.
    pub types: usize,
}

fn string_schema(format: &str) -> SchemaObject {
    typed_schema(InstanceType::String, format)
}

fn typed_schema(instance_type: InstanceType, format: &str) -> SchemaObject {
    SchemaObject {
        instance_type: Some(instance_type.into()),
        format: Some(format.to_string()),
        ..Default::default()
    }
}

/// The generator settings of finhub-api: positional methods, the inner
/// decorator type and hand-written hooks (required), and the three type
/// conversions that the normalizer prepares schemas for.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_inner_type("crate::hooks::Inner".parse().expect("a valid Rust path"))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq")
        .with_conversion(
            string_schema("date-time"),
            "crate::LenientTimestamp",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        .with_conversion(
            string_schema(SENSITIVE_FORMAT),
            "crate::Sensitive",
            [].into_iter(),
        )
        .with_conversion(
            typed_schema(InstanceType::Integer, LENIENT_INTEGER_FORMAT),
            "crate::LenientInteger",
            [].into_iter(),
        );
    settings
}

/// Parses the normalized document as progenitor's OpenAPI model, naming the
/// JSON path of anything it cannot read.
pub fn parse(doc: &Value) -> Result<openapiv3::OpenAPI> {
    serde_path_to_error::deserialize(doc.clone()).map_err(|e| {
        anyhow!(
            "the normalized document is not valid OpenAPI 3.0 at `{}`: {}",
            e.path(),
            e.inner()
        )
    })
}

/// The crate the httpmock helpers refer to for the generated types.
const CLIENT_CRATE: &str = "finhub_api";

/// Client code, httpmock helpers and type count.
type Sources = (String, String, usize);

fn format(tokens: proc_macro2::TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).context("progenitor produced unparsable tokens")?;
    Ok(prettyplease::unparse(&file))
}

fn generate_once(spec: &openapiv3::OpenAPI) -> Result<Result<Sources>, String> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| -> Result<Sources> {
        let mut generator = Generator::new(&settings());
        let tokens = generator
            .generate_tokens(spec)
            .map_err(|e| anyhow!("progenitor: {e}"))?;
        let types = generator.get_type_space().iter_types().count();
        let mocks = Generator::new(&settings())
            .httpmock(spec, CLIENT_CRATE)
            .map_err(|e| anyhow!("progenitor (httpmock): {e}"))?;
        Ok((format(tokens)?, format(mocks)?, types))
    }));
    panic::set_hook(previous);
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into())
    })
}

/// The operations of the document as `(METHOD /path, document with only that
/// operation)`, to find which one makes the generator fail.
fn single_operation_docs(doc: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(Value::Object(paths)) = doc.get("paths") else {
        return out;
    };
    for (path, item) in paths {
        let Value::Object(item) = item else { continue };
        for method in item.keys().filter(|m| METHODS.contains(&m.as_str())) {
            let mut single = doc.clone();
            let mut only = item.clone();
            only.retain(|k, _| k == method || !METHODS.contains(&k.as_str()));
            single["paths"] = serde_json::json!({ path.clone(): only });
            out.push((format!("{} {path}", method.to_uppercase()), single));
        }
    }
    out
}

/// Generates the client. A generator panic is caught and reported with the
/// operation that causes it.
pub fn generate(doc: &Value) -> Result<Generated> {
    let spec = parse(doc)?;
    let operations = spec.operations().count();
    match generate_once(&spec) {
        Ok(result) => {
            let (code, httpmock, types) = result?;
            Ok(Generated {
                code,
                httpmock,
                operations,
                types,
            })
        }
        Err(panic_message) => {
            for (operation, single) in single_operation_docs(doc) {
                if let Ok(spec) = parse(&single)
                    && generate_once(&spec).is_err()
                {
                    return Err(anyhow!(
                        "rule `generator-limits`, operation {operation}: progenitor cannot generate it ({panic_message})"
                    ));
                }
            }
            Err(anyhow!(
                "progenitor failed on the document: {panic_message}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generator_panic_is_reported_with_its_operation() {
        // Two success codes with different bodies make progenitor 0.15 panic.
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/fine": {"get": {"operationId": "fine", "responses": {"200": {"description": "ok"}}}},
                "/mixed": {"post": {"operationId": "mixed", "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "201": {"description": "created"}
                }}}
            }
        });
        let err = generate(&doc)
            .err()
            .expect("generation must fail")
            .to_string();
        assert!(err.contains("operation POST /mixed"), "{err}");
        assert!(err.contains("progenitor cannot generate it"), "{err}");
    }

    #[test]
    fn an_invalid_30_document_is_an_error_naming_where() {
        let doc = serde_json::json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": 5}}}}}});
        let err = generate(&doc).err().unwrap().to_string();
        assert!(err.contains("not valid OpenAPI 3.0 at `paths`"), "{err}");
        assert!(err.contains("expected a string"), "{err}");
    }
}
