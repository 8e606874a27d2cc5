//! The operation catalogue: one Rust enum of the spec's operations (id,
//! method, path template, path parameters, summary, and the list of all),
//! emitted into finhub-api beside the generated client so that every crate
//! names operations by a checked enum instead of by strings.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use crate::normalize::walk::METHODS;

/// One operation as the catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The reviewed operationId, e.g. `register_individual_customer`.
    pub id: String,
    /// The enum variant, e.g. `RegisterIndividualCustomer`.
    pub variant: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template as in the spec.
    pub path: String,
    /// The path parameters, in the order they appear in the template.
    pub path_parameters: Vec<String>,
    /// The operation's summary.
    pub summary: String,
}

/// `snake_case` (or any separator) → `UpperCamelCase`.
fn variant_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The `{name}` segments of a path template.
fn template_parameters(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_string)
        .collect()
}

/// The operations of a normalized document, in document order.
pub fn entries(doc: &Value) -> Result<Vec<Entry>> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("the document has no paths"))?;
    let mut out: Vec<Entry> = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{} {path} has no operationId", method.to_uppercase()))?;
            let variant = variant_name(id);
            if variant.is_empty() || !variant.starts_with(|c: char| c.is_ascii_alphabetic()) {
                bail!("operationId `{id}` does not make a Rust name");
            }
            if let Some(twin) = out.iter().find(|e| e.variant == variant) {
                bail!(
                    "operationIds `{}` and `{id}` make the same Rust name `{variant}`",
                    twin.id
                );
            }
            out.push(Entry {
                id: id.to_string(),
                variant,
                method: method.to_uppercase(),
                path: path.clone(),
                path_parameters: template_parameters(path),
                summary: operation
                    .get("summary")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_string(),
            });
        }
    }
    Ok(out)
}

/// A Rust string literal for `text`.
fn literal(text: &str) -> String {
    format!("{text:?}")
}

/// A doc-comment line that cannot end the comment or inject code.
fn doc_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// Rust source of the catalogue (without the file header).
pub fn render(entries: &[Entry]) -> Result<String> {
    let mut src = String::new();
    src.push_str(
        "//! The operations of FinHub's Business BFF API that this client calls, \
         generated from `openapi.yaml`.\n\
         //!\n\
         //! Name an operation by [`Operation`] rather than by its id string: a typo is a \
         compile error, and a `match` on it must handle every operation.\n\n\
         use std::fmt;\nuse std::str::FromStr;\n\n",
    );
    src.push_str(
        "/// One operation of the API (see the module docs). Its [`Display`](fmt::Display) \
         and serde form is the operationId (`register_individual_customer`).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         pub enum Operation {\n",
    );
    for e in entries {
        src.push_str(&format!(
            "    /// {}: `{} {}`.\n    {},\n",
            doc_line(&e.summary),
            e.method,
            e.path,
            e.variant
        ));
    }
    src.push_str("}\n\n");

    let arms = |f: &dyn Fn(&Entry) -> String| -> String {
        entries
            .iter()
            .map(|e| format!("            Operation::{} => {},\n", e.variant, f(e)))
            .collect()
    };
    src.push_str("impl Operation {\n");
    src.push_str(&format!(
        "    /// Every operation, in the order of `openapi.yaml`.\n    pub const ALL: [Operation; {}] = [{}];\n\n",
        entries.len(),
        entries
            .iter()
            .map(|e| format!("Operation::{}", e.variant))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    src.push_str(&format!(
        "    /// The operationId, as in the spec and in `tracing` output.\n    pub const fn id(self) -> &'static str {{\n        match self {{\n{}        }}\n    }}\n\n",
        arms(&|e| literal(&e.id))
    ));
    src.push_str(&format!(
        "    /// The HTTP method.\n    pub fn method(self) -> reqwest::Method {{\n        match self {{\n{}        }}\n    }}\n\n",
        arms(&|e| format!("reqwest::Method::{}", e.method))
    ));
    src.push_str(&format!(
        "    /// The path template, e.g. `/api/v2.1/verifications/{{verificationId}}`.\n    pub const fn path(self) -> &'static str {{\n        match self {{\n{}        }}\n    }}\n\n",
        arms(&|e| literal(&e.path))
    ));
    src.push_str(&format!(
        "    /// The names of the path template's parameters, in order.\n    pub const fn path_parameters(self) -> &'static [&'static str] {{\n        match self {{\n{}        }}\n    }}\n\n",
        arms(&|e| format!(
            "&[{}]",
            e.path_parameters
                .iter()
                .map(|p| literal(p))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    ));
    src.push_str(&format!(
        "    /// The spec's one-line summary.\n    pub const fn summary(self) -> &'static str {{\n        match self {{\n{}        }}\n    }}\n\n",
        arms(&|e| literal(&e.summary))
    ));
    src.push_str(&format!(
        "    /// The operation with this operationId.\n    pub fn from_id(id: &str) -> Option<Operation> {{\n        match id {{\n{}            _ => None,\n        }}\n    }}\n}}\n\n",
        entries
            .iter()
            .map(|e| format!(
                "            {} => Some(Operation::{}),\n",
                literal(&e.id),
                e.variant
            ))
            .collect::<String>()
    ));
    src.push_str(
        "impl fmt::Display for Operation {\n    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {\n        f.write_str(self.id())\n    }\n}\n\n\
         /// An operationId that is not in the catalogue.\n\
         #[derive(Debug, Clone, PartialEq, Eq)]\n\
         pub struct UnknownOperation(pub String);\n\n\
         impl fmt::Display for UnknownOperation {\n    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {\n        write!(f, \"`{}` is not an operation of the FinHub API\", self.0)\n    }\n}\n\n\
         impl std::error::Error for UnknownOperation {}\n\n\
         impl FromStr for Operation {\n    type Err = UnknownOperation;\n\n    fn from_str(id: &str) -> Result<Self, Self::Err> {\n        Operation::from_id(id).ok_or_else(|| UnknownOperation(id.to_string()))\n    }\n}\n\n\
         impl serde::Serialize for Operation {\n    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {\n        serializer.serialize_str(self.id())\n    }\n}\n\n\
         impl<'de> serde::Deserialize<'de> for Operation {\n    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {\n        let id = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;\n        Operation::from_id(&id).ok_or_else(|| serde::de::Error::custom(UnknownOperation(id.into_owned())))\n    }\n}\n",
    );
    let file: syn::File =
        syn::parse_file(&src).context("the operation catalogue is not valid Rust")?;
    Ok(prettyplease::unparse(&file))
}

/// Rust source that makes every typed `When` of the httpmock helpers a
/// `crate::TypedWhen` (header matching without `into_inner()`), appended to
/// the generated helpers.
pub fn render_when_impls(entries: &[Entry]) -> Result<String> {
    let mut src = String::from(
        "/// Every typed `When` matches headers through [`crate::TypedWhen`].\nmod typed_when {\n    use super::operations;\n",
    );
    for e in entries {
        src.push_str(&format!(
            "    impl crate::TypedWhen for operations::{v}When {{\n        fn from_inner(inner: ::httpmock::When) -> Self {{\n            operations::{v}When::new(inner)\n        }}\n        fn into_inner(self) -> ::httpmock::When {{\n            operations::{v}When::into_inner(self)\n        }}\n    }}\n",
            v = e.variant
        ));
    }
    src.push_str("}\n");
    let file: syn::File =
        syn::parse_file(&src).context("the typed-When impls are not valid Rust")?;
    Ok(prettyplease::unparse(&file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_upper_camel_case_of_the_ids() {
        assert_eq!(
            variant_name("register_individual_customer"),
            "RegisterIndividualCustomer"
        );
        assert_eq!(variant_name("get-wallets"), "GetWallets");
        assert_eq!(
            template_parameters("/a/{customerId}/b/{userId}"),
            ["customerId", "userId"]
        );
    }

    #[test]
    fn the_catalogue_lists_every_operation_with_method_and_path() {
        let doc = serde_json::json!({"paths": {
            "/a/{id}": {"get": {"operationId": "get_a", "summary": "Get an a"},
                        "parameters": []},
            "/b": {"post": {"operationId": "make_b"}}
        }});
        let entries = entries(&doc).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].method, "GET");
        assert_eq!(entries[0].path_parameters, ["id"]);
        assert_eq!(entries[1].summary, "make_b");
        let src = render(&entries).unwrap();
        assert!(src.contains("GetA,"), "{src}");
        assert!(src.contains("pub const ALL: [Operation; 2]"), "{src}");
        assert!(
            src.contains("\"make_b\" => Some(Operation::MakeB)"),
            "{src}"
        );
    }

    #[test]
    fn ids_that_collide_as_rust_names_are_refused() {
        let doc = serde_json::json!({"paths": {
            "/a": {"get": {"operationId": "get_a"}},
            "/b": {"get": {"operationId": "get-a"}}
        }});
        let err = entries(&doc).unwrap_err().to_string();
        assert!(err.contains("same Rust name `GetA`"), "{err}");
    }
}
