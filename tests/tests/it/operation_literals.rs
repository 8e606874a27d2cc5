//! Hand-written code names an operation by `finhub_api::Operation`, never
//! by its id as a string: the catalogue is generated from `openapi.yaml`, so
//! a renamed or removed operation breaks the build instead of a string
//! silently naming nothing. This scans the non-test sources of the
//! hand-written crates (with `syn`; test modules and `#[test]` functions
//! are skipped, macro arguments such as `json!` and `format!` are not) and
//! names every string literal that is an operation id (`accept_consent`, or
//! its camelCase form `acceptConsent`) or holds one in quotes (JSON text).

use std::fs;
use std::path::{Path, PathBuf};

use finhub_api::Operation;
use finhub_tests::workspace;
use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// The hand-written crates whose code may not spell an operation id.
const CRATES: [&str; 5] = [
    "finhub-ext",
    "finhub-sandbox",
    "finhub-cli",
    "finhub-bench",
    "finhub-onboarding",
];

/// The directories of a crate that hold non-test code.
const CODE_DIRS: [&str; 2] = ["src", "examples"];

/// `create_admin_session` → `createAdminSession`.
fn camel_case(id: &str) -> String {
    let mut out = String::new();
    for (i, word) in id.split('_').enumerate() {
        let mut chars = word.chars();
        match chars.next() {
            Some(first) if i > 0 => out.extend(first.to_uppercase().chain(chars)),
            _ => out.push_str(word),
        }
    }
    out
}

/// The operation a string literal's value spells, if any.
fn spelled(value: &str) -> Option<Operation> {
    Operation::ALL.into_iter().find(|op| {
        let camel = camel_case(op.id());
        value == op.id()
            || value == camel
            || value.contains(&format!("\"{}\"", op.id()))
            || value.contains(&format!("\"{camel}\""))
    })
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("test")
            || matches!(&attr.meta, syn::Meta::List(list)
                if list.path.is_ident("cfg") && list.tokens.to_string() == "test")
    })
}

/// Collects the offending literals of one file as `file:line: …`.
struct Scan<'a> {
    file: &'a str,
    found: Vec<String>,
}

impl Scan<'_> {
    fn check(&mut self, value: &str, line: usize) {
        if let Some(op) = spelled(value) {
            self.found.push(format!(
                "{}:{line}: the string {value:?} spells operation `{}`; use `Operation::{op:?}`",
                self.file,
                op.id()
            ));
        }
    }

    /// String literals among a macro's tokens (`json!`, `format!`, …).
    fn tokens(&mut self, tokens: TokenStream) {
        for tree in tokens {
            match tree {
                TokenTree::Group(group) => self.tokens(group.stream()),
                TokenTree::Literal(literal) => {
                    let line = literal.span().start().line;
                    if let syn::Lit::Str(text) = syn::Lit::new(literal) {
                        self.check(&text.value(), line);
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Scan<'_> {
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {
        // Doc comments and attributes may name an operation.
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            _ => &[],
        };
        if !is_cfg_test(attrs) {
            visit::visit_item(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        if !is_cfg_test(&function.attrs) {
            visit::visit_impl_item_fn(self, function);
        }
    }

    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        self.check(&literal.value(), literal.span().start().line);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return; // a crate without `examples/`
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The offending literals of one source text.
fn scan(file: &str, text: &str) -> Vec<String> {
    let syntax = syn::parse_file(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut scan = Scan {
        file,
        found: Vec::new(),
    };
    scan.visit_file(&syntax);
    scan.found
}

#[test]
fn hand_written_code_names_operations_by_the_enum() {
    let root = workspace();
    let mut files = Vec::new();
    for krate in CRATES {
        assert!(root.join(krate).is_dir(), "{krate} is not in the workspace");
        for dir in CODE_DIRS {
            rust_files(&root.join(krate).join(dir), &mut files);
        }
    }
    files.sort();
    assert!(files.len() > 50, "only {} files found", files.len());
    let mut found = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        found.extend(scan(&name, &text));
    }
    assert!(
        found.is_empty(),
        "operation ids spelled as strings:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_ids_in_code_and_macros_and_skips_tests_and_docs() {
    let text = r##"
        /// Calls "accept_consent" (a doc comment may name it).
        fn send() {
            let a = "create_admin_session";
            let b = json!({"operation": "getVerification"});
            let c = r#"{"operation":"activate_customer"}"#;
            let d = "create_admin_sessions are not ids";
        }
        #[cfg(test)]
        mod tests {
            fn t() { let _ = "list_customer_wallets"; }
        }
        impl X {
            #[test]
            fn t() { let _ = "approve_verification"; }
        }
    "##;
    let found = scan("example.rs", text);
    let lines: Vec<&str> = found
        .iter()
        .map(|f| f.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        lines,
        ["example.rs:4", "example.rs:5", "example.rs:6"],
        "{found:#?}"
    );
    assert!(
        found[0].contains("Operation::CreateAdminSession"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("Operation::GetVerification"),
        "{found:#?}"
    );
    assert!(
        found[2].contains("Operation::ActivateCustomer"),
        "{found:#?}"
    );
}
