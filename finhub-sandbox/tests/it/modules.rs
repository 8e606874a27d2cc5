//! The crate's own sources, read with `syn`: its modules import each other
//! without circles, and no operation id is spelled out as a string in its
//! non-test code (the generated `Operation::id` is the only source).
//!
//! A module is a file: `src/lib.rs` is `crate`, `src/x.rs` is `x`,
//! `src/routes/mod.rs` is `routes`, `src/routes/x.rs` is `routes::x`.
//! Module `a` imports module `b` when a path in `a` (a `use`, or a path in
//! code or inside a macro call) starting with `crate::`, `super::`,
//! `self::` or the name of one of `a`'s child modules names `b` or an item
//! of `b`; an item of the crate root counts as the module the root
//! re-exports it from. Declaring a child (`mod x;`) is not an import, and
//! doc comments are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use finhub_sandbox::Operation;
use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// A module's path in the crate, empty for the root.
type Module = Vec<String>;

fn show(module: &Module) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

/// One source file: its module, its syntax and its child modules.
struct Source {
    module: Module,
    file: syn::File,
    children: BTreeSet<String>,
}

fn read_sources(dir: &Path, root: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_sources(&path, root, out);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap().with_extension("");
        let mut module: Module = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if module.last().is_some_and(|last| last == "mod") || module == ["lib"] {
            module.pop();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let children = file
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Mod(m) if m.content.is_none() => Some(m.ident.to_string()),
                _ => None,
            })
            .collect();
        out.push(Source {
            module,
            file,
            children,
        });
    }
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    read_sources(&root, &root, &mut out);
    assert!(
        out.iter().any(|s| s.module.is_empty()),
        "no src/lib.rs read"
    );
    out
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::List(list) => list.path.is_ident("cfg") && list.tokens.to_string() == "test",
        _ => false,
    })
}

/// The paths of a `use` tree, each with the name it brings into scope.
fn use_paths(tree: &syn::UseTree, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
    let with = |ident: &syn::Ident| {
        let mut path = prefix.to_vec();
        path.push(ident.to_string());
        path
    };
    match tree {
        syn::UseTree::Path(p) => use_paths(&p.tree, &with(&p.ident), out),
        syn::UseTree::Name(n) => out.push((with(&n.ident), n.ident.to_string())),
        syn::UseTree::Rename(r) => out.push((with(&r.ident), r.rename.to_string())),
        syn::UseTree::Glob(_) => out.push((prefix.to_vec(), "*".to_string())),
        syn::UseTree::Group(g) => {
            for item in &g.items {
                use_paths(item, prefix, out);
            }
        }
    }
}

/// What one file refers to: crate paths (made absolute) and, outside
/// `#[cfg(test)]` code, string literals.
struct Reader<'a> {
    source: &'a Source,
    /// Inline modules (`mod tests { … }`) around the current item.
    inline: Vec<String>,
    /// Depth of `#[cfg(test)]` items around the current item.
    in_test: usize,
    paths: Vec<Vec<String>>,
    literals: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(source: &'a Source) -> Self {
        Reader {
            source,
            inline: Vec::new(),
            in_test: 0,
            paths: Vec::new(),
            literals: Vec::new(),
        }
    }

    /// `segments` made absolute, if it is a path into this crate.
    fn absolute(&self, segments: &[String]) -> Option<Vec<String>> {
        let mut scope: Vec<String> = self.source.module.clone();
        scope.extend(self.inline.iter().cloned());
        let first = segments.first()?;
        let rest = match first.as_str() {
            "crate" => {
                scope.clear();
                &segments[1..]
            }
            "self" => &segments[1..],
            "super" => {
                let supers = segments.iter().take_while(|s| *s == "super").count();
                for _ in 0..supers {
                    scope.pop()?;
                }
                &segments[supers..]
            }
            name if self.inline.is_empty()
                && segments.len() > 1
                && self.source.children.contains(name) =>
            {
                segments
            }
            _ => return None,
        };
        scope.extend(rest.iter().filter(|s| *s != "self").cloned());
        Some(scope)
    }

    fn note(&mut self, segments: &[String]) {
        if let Some(path) = self.absolute(segments) {
            self.paths.push(path);
        }
    }

    /// Paths (`a::b::c`) and string literals inside a macro call.
    fn tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(group) => {
                    self.tokens(group.stream());
                    i += 1;
                }
                TokenTree::Literal(literal) => {
                    if let syn::Lit::Str(text) = syn::Lit::new(literal.clone())
                        && self.in_test == 0
                    {
                        self.literals.push(text.value());
                    }
                    i += 1;
                }
                TokenTree::Ident(ident) => {
                    let mut segments = vec![ident.to_string()];
                    i += 1;
                    // `::` is two `:` puncts, the first joint.
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2))
                    {
                        if a.as_char() != ':' || a.spacing() != Spacing::Joint || b.as_char() != ':'
                        {
                            break;
                        }
                        segments.push(next.to_string());
                        i += 3;
                    }
                    if segments.len() > 1 {
                        self.note(&segments);
                    }
                }
                TokenTree::Punct(_) => i += 1,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {
        // Doc comments, derives and cfgs name no module of the crate.
    }

    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {
        // `pub(crate)` and `pub(super)` restrict, they do not import.
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        let test = match item {
            syn::Item::Mod(m) => is_cfg_test(&m.attrs),
            syn::Item::Fn(f) => is_cfg_test(&f.attrs),
            syn::Item::Impl(i) => is_cfg_test(&i.attrs),
            syn::Item::Use(u) => is_cfg_test(&u.attrs),
            syn::Item::Const(c) => is_cfg_test(&c.attrs),
            syn::Item::Static(s) => is_cfg_test(&s.attrs),
            syn::Item::Struct(s) => is_cfg_test(&s.attrs),
            syn::Item::Enum(e) => is_cfg_test(&e.attrs),
            _ => false,
        };
        self.in_test += usize::from(test);
        visit::visit_item(self, item);
        self.in_test -= usize::from(test);
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        let test = is_cfg_test(&function.attrs);
        self.in_test += usize::from(test);
        visit::visit_impl_item_fn(self, function);
        self.in_test -= usize::from(test);
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if module.content.is_some() {
            self.inline.push(module.ident.to_string());
            visit::visit_item_mod(self, module);
            self.inline.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&item.tree, &[], &mut paths);
        for (path, _) in paths {
            self.note(&path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.note(&segments);
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.tokens(mac.tokens.clone());
    }

    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        if self.in_test == 0 {
            self.literals.push(literal.value());
        }
    }
}

/// Who imports whom (self-imports left out).
fn import_graph(sources: &[Source]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let module_of = |path: &[String]| -> Option<Module> {
        (0..=path.len())
            .rev()
            .map(|len| path[..len].to_vec())
            .find(|prefix| modules.contains(prefix))
    };
    // The root's re-exports: name → the module it comes from.
    let root = sources.iter().find(|s| s.module.is_empty()).unwrap();
    let root_reader = Reader::new(root);
    let mut reexports = BTreeMap::new();
    for item in &root.file.items {
        if let syn::Item::Use(item) = item {
            let mut paths = Vec::new();
            use_paths(&item.tree, &[], &mut paths);
            for (path, name) in paths {
                if let Some(module) = root_reader.absolute(&path).and_then(|p| module_of(&p)) {
                    reexports.insert(name, module);
                }
            }
        }
    }
    let mut graph = BTreeMap::new();
    for source in sources {
        let mut reader = Reader::new(source);
        reader.visit_file(&source.file);
        let imports: &mut BTreeSet<Module> = graph.entry(source.module.clone()).or_default();
        for path in &reader.paths {
            let mut target = module_of(path).unwrap_or_default();
            if target.is_empty()
                && let Some(module) = path.first().and_then(|name| reexports.get(name))
            {
                target = module.clone();
            }
            if target != source.module {
                imports.insert(target);
            }
        }
    }
    graph
}

/// The circles of `graph`, each as the modules around it with the first
/// one repeated at the end; at least one per group of modules that reach
/// each other.
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn walk<'g>(
        module: &'g Module,
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        marks: &mut BTreeMap<&'g Module, Mark>,
        stack: &mut Vec<&'g Module>,
        found: &mut Vec<Vec<Module>>,
    ) {
        marks.insert(module, Mark::Open);
        stack.push(module);
        for next in graph.get(module).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let start = stack.iter().position(|m| *m == next).unwrap();
                    let mut circle: Vec<Module> =
                        stack[start..].iter().map(|m| (*m).clone()).collect();
                    circle.push(next.clone());
                    found.push(circle);
                }
                Some(Mark::Done) => {}
                None => walk(next, graph, marks, stack, found),
            }
        }
        stack.pop();
        marks.insert(module, Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut found = Vec::new();
    for module in graph.keys() {
        if !marks.contains_key(module) {
            walk(module, graph, &mut marks, &mut Vec::new(), &mut found);
        }
    }
    found
}

fn describe(graph: &BTreeMap<Module, BTreeSet<Module>>) -> String {
    let mut out = String::new();
    for (module, imports) in graph {
        let imports: Vec<String> = imports.iter().map(show).collect();
        let _ = writeln!(out, "{} → {}", show(module), imports.join(", "));
    }
    out
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = import_graph(&sources());
    let edge = |from: &str, to: &str| {
        let parse = |m: &str| -> Module { m.split("::").map(str::to_string).collect() };
        graph
            .get(&parse(from))
            .is_some_and(|i| i.contains(&parse(to)))
    };
    // The reader sees each kind of path: a `crate::` use, a group with
    // `self`, a child-relative use and path in code, a root re-export.
    assert!(edge("state", "auth"), "{}", describe(&graph));
    assert!(edge("server", "routes"), "{}", describe(&graph));
    assert!(edge("routes", "routes::layer"), "{}", describe(&graph));
    assert!(edge("routes", "routes::sessions"), "{}", describe(&graph));
    assert!(edge("client", "config"), "{}", describe(&graph));
    let found = circles(&graph);
    let listed: Vec<String> = found
        .iter()
        .map(|circle| circle.iter().map(show).collect::<Vec<_>>().join(" → "))
        .collect();
    assert!(
        found.is_empty(),
        "import circles:\n{}\n\nimports:\n{}",
        listed.join("\n"),
        describe(&graph)
    );
    println!("{}", describe(&graph));
}

#[test]
fn circles_are_found_and_listed() {
    let module = |m: &str| -> Module { m.split("::").map(str::to_string).collect() };
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (from, to) in edges {
            graph.entry(module(from)).or_default().insert(module(to));
            graph.entry(module(to)).or_default();
        }
        graph
    };
    let acyclic = graph(&[("a", "b"), ("b", "c"), ("a", "c"), ("c", "d::e")]);
    assert_eq!(circles(&acyclic), Vec::<Vec<Module>>::new());
    let circular = graph(&[("a", "b"), ("b", "d::e"), ("d::e", "a"), ("c", "a")]);
    assert_eq!(
        circles(&circular),
        vec![vec![module("a"), module("b"), module("d::e"), module("a")]]
    );
}

#[test]
fn no_operation_id_is_spelled_out_in_the_crates_code() {
    let mut found = Vec::new();
    let mut literals = 0;
    for source in sources() {
        let mut reader = Reader::new(&source);
        reader.visit_file(&source.file);
        literals += reader.literals.len();
        for literal in &reader.literals {
            for operation in Operation::ALL {
                if literal.contains(operation.id()) {
                    found.push(format!("{}: {literal:?}", show(&source.module)));
                }
            }
        }
    }
    // The reader does see the crate's strings.
    assert!(literals > 100, "only {literals} string literals read");
    assert!(
        found.is_empty(),
        "operation ids written out instead of Operation::id():\n{}",
        found.join("\n")
    );
}
