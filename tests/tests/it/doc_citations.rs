//! Every citation of FinHub's documented behaviour in the repository — a
//! section `§n` / `§n.n` or an inconsistency `I-n` — has a heading in
//! `docs/finhub-api.md`, so that a reader who follows it finds the text.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

/// The cited document, relative to the repository root.
const DOC: &str = "docs/finhub-api.md";

/// Extensions of the text files that may cite it.
const EXTENSIONS: [&str; 5] = ["rs", "yaml", "md", "toml", "json"];

/// Directories never scanned: build output, installed packages, git data.
const SKIPPED_DIRS: [&str; 3] = ["target", "node_modules", ".git"];

/// Inconsistencies the document must describe: I-1 to I-34.
const INCONSISTENCIES: u32 = 34;

/// `I-<n>` as a whole token (not the end of `UTF-8` or `ABI-1`).
static INCONSISTENCY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bI-[0-9]+\b").expect("inconsistency regex"));

/// `§<n>` or `§<n>.<n>`, optionally a range to a second number
/// (`§2.8–2.10`), whose end is a citation too.
static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"§([0-9]+(?:\.[0-9]+)?)(?:[–-]([0-9]+(?:\.[0-9]+)?))?").expect("section regex")
});

/// A heading of the document that can be cited: `### §2.2 …`, `### I-11 …`.
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^#{1,6}\s+(§[0-9]+(?:\.[0-9]+)?|I-[0-9]+)(?:\s|$)").expect("heading regex")
});

/// One citation: where it is and what it cites.
#[derive(Debug, PartialEq, Eq)]
struct Citation {
    file: String,
    line: usize,
    cited: String,
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The citations in one line of text (`§2.8–2.10` gives `§2.8` and
/// `§2.10`).
fn citations_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for found in SECTION.captures_iter(text) {
        out.push(format!("§{}", &found[1]));
        if let Some(end) = found.get(2) {
            out.push(format!("§{}", end.as_str()));
        }
    }
    out.extend(
        INCONSISTENCY
            .find_iter(text)
            .map(|m| m.as_str().to_string()),
    );
    out
}

/// The citable headings of the document.
fn headings(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|line| HEADING.captures(line))
        .map(|found| found[1].to_string())
        .collect()
}

/// Every text file under `dir`, outside the skipped directories.
fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        let path = entry.path();
        let file_type = entry
            .file_type()
            .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
        let name = entry.file_name();
        if file_type.is_dir() {
            if !SKIPPED_DIRS.iter().any(|skipped| name == *skipped) {
                text_files(&path, out);
            }
        } else if file_type.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
}

/// Every citation in the repository's text files, except the document's
/// own.
fn repository_citations(root: &Path) -> Vec<Citation> {
    let doc = root.join(DOC);
    let mut files = Vec::new();
    text_files(root, &mut files);
    files.sort();
    let mut citations = Vec::new();
    for path in files {
        if path == doc {
            continue;
        }
        let bytes =
            fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let text = String::from_utf8_lossy(&bytes);
        let file = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (index, line) in text.lines().enumerate() {
            for cited in citations_in(line) {
                citations.push(Citation {
                    file: file.clone(),
                    line: index + 1,
                    cited,
                });
            }
        }
    }
    citations
}

fn document() -> String {
    let path = repository_root().join(DOC);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_citation_in_the_repository_has_a_heading() {
    let root = repository_root();
    let headings = headings(&document());
    let citations = repository_citations(&root);
    assert!(
        !citations.is_empty(),
        "no citation found under {}: the file walk is broken",
        root.display()
    );
    let unresolved: Vec<String> = citations
        .iter()
        .filter(|c| !headings.contains(&c.cited))
        .map(|c| format!("  {}:{}: {}", c.file, c.line, c.cited))
        .collect();
    assert!(
        unresolved.is_empty(),
        "{} of {} citations have no heading in {DOC}:\n{}",
        unresolved.len(),
        citations.len(),
        unresolved.join("\n")
    );
}

#[test]
fn the_document_describes_every_inconsistency() {
    let headings = headings(&document());
    let missing: Vec<String> = (1..=INCONSISTENCIES)
        .map(|n| format!("I-{n}"))
        .filter(|id| !headings.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "{DOC} has no heading for {}",
        missing.join(", ")
    );
}

#[test]
fn citations_are_whole_tokens_and_ranges_cite_both_ends() {
    assert_eq!(
        citations_in("facts §1.8, §4 I-11 (documents §2.8–2.10)"),
        ["§1.8", "§4", "§2.8", "§2.10", "I-11"]
    );
    assert_eq!(
        citations_in("(facts I-1). I-10, I-34"),
        ["I-1", "I-10", "I-34"]
    );
    assert!(citations_in("UTF-8, ABI-1, CI-2, I-x, I-").is_empty());
    let doc =
        "# Title\n## §1 Global\n### §1.10 Admin\n### I-3 Code\ntext §2.1\n    ### §3.1 in code\n";
    assert_eq!(
        headings(doc),
        BTreeSet::from(["§1".to_string(), "§1.10".to_string(), "I-3".to_string()])
    );
}
