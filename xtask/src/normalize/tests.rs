//! Every rule against its fixtures in `xtask/fixtures/normalize/<rule>/`:
//! `before.yaml` must become `after.yaml` under that rule alone, and each
//! `rejects-*.yaml` must fail with the message in its first-line
//! `# error: ...` comment.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Overrides, RULES, Rule, normalize};
use crate::regen::parse_yaml;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/normalize")
}

fn overrides() -> Overrides {
    let text = fs::read_to_string(fixtures().join("overrides.yaml")).unwrap();
    parse_yaml("overrides.yaml", &text).unwrap()
}

fn load(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_yaml(&path.display().to_string(), &text).unwrap()
}

fn apply(rule: &Rule, mut doc: Value) -> Result<Value, super::NormalizeError> {
    (rule.apply)(&mut doc, &overrides())?;
    Ok(doc)
}

#[test]
fn every_rule_turns_its_before_fixture_into_its_after_fixture() {
    for rule in RULES {
        let dir = fixtures().join(rule.name);
        let before = load(&dir.join("before.yaml"));
        let after = load(&dir.join("after.yaml"));
        let got = apply(rule, before).unwrap_or_else(|e| panic!("{}: {e}", rule.name));
        assert_eq!(
            got,
            after,
            "rule `{}` ({}):\n{}",
            rule.name,
            rule.summary,
            serde_yaml::to_string(&got).unwrap()
        );
    }
}

#[test]
fn every_rule_is_idempotent_on_its_fixture() {
    for rule in RULES {
        let after = load(&fixtures().join(rule.name).join("after.yaml"));
        let again = apply(rule, after.clone()).unwrap();
        assert_eq!(again, after, "rule `{}` changes its own output", rule.name);
    }
}

#[test]
fn rejected_fixtures_fail_with_the_documented_message() {
    let mut checked = 0;
    for rule in RULES {
        let Ok(entries) = fs::read_dir(fixtures().join(rule.name)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("rejects-") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            let expected = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# error: "))
                .unwrap_or_else(|| panic!("{name} needs a first line `# error: ...`"));
            let err = apply(rule, load(&path)).expect_err(&name).to_string();
            assert!(
                err.contains(expected),
                "{name}: got `{err}`, expected `{expected}`"
            );
            assert!(
                err.starts_with(&format!("rule `{}`", rule.name)),
                "{name}: {err}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} rejection fixtures found");
}

#[test]
fn rule_names_are_unique() {
    let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), RULES.len());
}

#[test]
fn the_whole_pipeline_turns_a_31_document_into_30() {
    let doc = load(&fixtures().join("strip-extensions/before.yaml"));
    let mut ov = overrides();
    ov.operation_ids.clear();
    ov.documented_additions.clear();
    ov.operation_ids.insert("POST /a".into(), "post_a".into());
    let out = normalize(doc, &ov).unwrap();
    assert_eq!(out["openapi"], "3.0.3");
    assert_eq!(out["paths"]["/a"]["post"]["operationId"], "post_a");
    assert!(out["paths"]["/a"]["post"]["responses"]["2XX"].is_object());
    assert!(out["components"]["schemas"]["ErrorEnvelope"].is_object());
}
