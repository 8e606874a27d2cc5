//! `cargo xtask api-diff`: every kind of API change, as a fixture pair
//! (`xtask/fixtures/api-diff/base.yaml` → `<case>/new.yaml`) with the report
//! a maintainer must see (`<case>/expected.txt`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/api-diff")
}

/// The cases, each with the exit status it must have: breaking changes fail.
const CASES: &[(&str, bool)] = &[
    ("no-change", true),
    ("operation-added", true),
    ("operation-removed", false),
    ("operation-renamed", false),
    ("parameter-added", false),
    ("request-field-added-optional", true),
    ("request-field-added-required", false),
    ("request-field-became-required", false),
    ("request-field-became-optional-with-default", true),
    ("response-field-removed", false),
    ("response-field-became-optional", false),
    ("field-type-narrowed", false),
    ("enum-value-removed", false),
    ("request-enum-value-added", true),
    ("response-enum-value-added", true),
    ("schema-removed-and-added", false),
];

#[test]
fn every_kind_of_change_is_reported_with_its_severity() {
    let dirs: Vec<String> = fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        dirs.len(),
        CASES.len(),
        "a fixture directory has no case: {dirs:?}"
    );
    for (case, succeeds) in CASES {
        let dir = fixtures().join(case);
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("api-diff")
            .arg(fixtures().join("base.yaml"))
            .arg(dir.join("new.yaml"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let expected = fs::read_to_string(dir.join("expected.txt")).unwrap();
        assert_eq!(stdout, expected, "case {case}");
        assert_eq!(out.status.success(), *succeeds, "case {case}: {stdout}");
        if !succeeds {
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("breaks callers"),
                "case {case}"
            );
        }
    }
}

#[test]
fn the_same_document_has_no_changes_and_the_report_names_each_breaking_kind() {
    let text = |case: &str| fs::read_to_string(fixtures().join(case).join("expected.txt")).unwrap();
    assert_eq!(
        text("no-change").trim(),
        "0 breaking, 0 warning, 0 compatible"
    );
    for (case, phrase) in [
        (
            "operation-removed",
            "removed (GET /api/customers/{customerId})",
        ),
        ("request-field-added-required", "new required request field"),
        (
            "field-type-narrowed",
            "changed type: string → integer(int64)",
        ),
        ("response-enum-value-added", "warning"),
    ] {
        assert!(text(case).contains(phrase), "{case}: {}", text(case));
    }
}
