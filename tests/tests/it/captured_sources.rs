//! The fixtures called "captured" are exactly what FinHub's pages show:
//! each JSON file of `tests/fixtures/captured/` equals the published text kept
//! under its heading in `tests/fixtures/captured/SOURCES.md`, and every file
//! has such a text. The variants we built instead are listed, each with how
//! it was built, in `tests/fixtures/variants/README.md`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use finhub_tests::workspace;
use serde_json::Value;

/// The `.json` files of a fixture directory, by name.
fn json_files(dir: &Path) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&path).unwrap();
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        out.insert(name, value);
    }
    out
}

/// `## <file>` headings of SOURCES.md with the first ```text block below
/// each.
fn published_texts(sources: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut block: Option<String> = None;
    for line in sources.lines() {
        if let Some(text) = block.as_mut() {
            if line == "```" {
                let name = current.take().expect("a block belongs to a heading");
                assert!(
                    out.insert(name.clone(), block.take().unwrap()).is_none(),
                    "{name} is listed twice"
                );
            } else {
                text.push_str(line);
                text.push('\n');
            }
        } else if let Some(name) = line.strip_prefix("## ") {
            assert!(current.is_none(), "no published text under {current:?}");
            current = Some(name.trim().to_string());
        } else if line == "```text" && current.is_some() {
            block = Some(String::new());
        }
    }
    assert!(current.is_none(), "no published text under {current:?}");
    out
}

#[test]
fn every_captured_fixture_is_the_published_text() {
    let dir = workspace().join("tests/fixtures/captured");
    let files = json_files(&dir);
    let texts = published_texts(&fs::read_to_string(dir.join("SOURCES.md")).unwrap());
    assert!(files.len() >= 10, "only {} captured fixtures", files.len());
    let mut problems = Vec::new();
    for (name, value) in &files {
        match texts.get(name) {
            None => problems.push(format!("{name}: no published text in SOURCES.md")),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Err(e) => problems.push(format!("{name}: the published text is not JSON: {e}")),
                Ok(published) if &published != value => problems.push(format!(
                    "{name}: differs from the published text\n  file: {value}\n  page: {published}"
                )),
                Ok(_) => {}
            },
        }
    }
    for name in texts.keys().filter(|n| !files.contains_key(*n)) {
        problems.push(format!("SOURCES.md lists {name}, which is not a fixture"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_variant_says_how_it_was_built() {
    let dir = workspace().join("tests/fixtures/variants");
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    let files = json_files(&dir);
    assert!(!files.is_empty());
    for name in files.keys() {
        assert!(
            readme.contains(&format!("- `{name}` — ")),
            "variants/README.md does not describe {name}"
        );
    }
}

#[test]
fn the_comparison_sees_a_filled_in_value() {
    let sources = "## a.json\n\nA page.\n\n```text\n{\"id\": \"5887c98c-…\"}\n```\n";
    let texts = published_texts(sources);
    let published: Value = serde_json::from_str(&texts["a.json"]).unwrap();
    let filled: Value = serde_json::json!({"id": "5887c98c-b5b1-4234-b819-a4987f54aa77"});
    assert_ne!(published, filled);
    assert_eq!(published, serde_json::json!({"id": "5887c98c-…"}));
}
