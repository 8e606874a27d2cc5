//! `cargo xtask regen` as a user runs it: on a copy of the workspace's spec,
//! in a temporary checkout.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A temporary checkout holding the workspace's spec and overrides.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["openapi.yaml", "openapi.overrides.yaml"] {
        fs::copy(workspace().join(file), dir.path().join(file)).unwrap();
    }
    fs::create_dir_all(dir.path().join("finhub-api/src")).unwrap();
    fs::create_dir_all(dir.path().join("finhub-httpmock/src")).unwrap();
    dir
}

fn xtask(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn outputs(root: &Path) -> (String, String, String, String) {
    (
        fs::read_to_string(root.join("finhub-api/src/generated.rs")).unwrap(),
        fs::read_to_string(root.join("finhub-api/src/generated.openapi.yaml")).unwrap(),
        fs::read_to_string(root.join("finhub-httpmock/src/generated.rs")).unwrap(),
        fs::read_to_string(root.join("finhub-api/src/operation.rs")).unwrap(),
    )
}

#[test]
fn regen_is_byte_identical_across_runs_and_matches_the_committed_files() {
    let dir = checkout();
    let first = xtask(dir.path(), &["regen"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let summary = String::from_utf8_lossy(&first.stdout);
    assert!(
        summary.contains("operations") && summary.contains("lines"),
        "{summary}"
    );
    let once = outputs(dir.path());
    assert!(xtask(dir.path(), &["regen"]).status.success());
    assert_eq!(outputs(dir.path()), once);
    // The committed files are what the committed spec produces.
    assert_eq!(outputs(&workspace()), once);
    assert!(xtask(dir.path(), &["regen", "--check"]).status.success());
}

#[test]
fn check_reports_an_edited_example_as_a_diff_in_both_files() {
    let dir = checkout();
    assert!(xtask(dir.path(), &["regen"]).status.success());
    let spec = dir.path().join("openapi.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    assert!(text.contains("SecurePass123!"));
    fs::write(&spec, text.replacen("SecurePass123!", "EditedPass456!", 1)).unwrap();

    let out = xtask(dir.path(), &["regen", "--check"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--- finhub-api/src/generated.rs (committed)"),
        "{err}"
    );
    assert!(
        err.contains("--- finhub-api/src/generated.openapi.yaml (committed)"),
        "{err}"
    );
    assert!(err.contains("+// openapi.yaml sha256:"), "{err}");
    assert!(
        err.contains("--- finhub-httpmock/src/generated.rs (committed)"),
        "{err}"
    );
    assert!(
        err.contains("--- finhub-api/src/operation.rs (committed)"),
        "{err}"
    );
    assert!(err.contains("4 generated file(s) differ"), "{err}");
}

#[test]
fn regen_reports_api_changes_and_records_them_in_the_changelog() {
    let dir = checkout();
    assert!(xtask(dir.path(), &["regen"]).status.success());
    fs::write(
        dir.path().join("CHANGELOG.md"),
        "# Changelog\n\n## 0.1.0\n\n- First release.\n",
    )
    .unwrap();
    // A response field goes, an operation is renamed.
    let spec = dir.path().join("openapi.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let wallet = text.find("    Wallet:\n").unwrap();
    let walletid = wallet + text[wallet..].find("        walletId:\n").unwrap();
    let next = walletid + text[walletid..].find("        customerId:\n").unwrap();
    let edited = format!("{}{}", &text[..walletid], &text[next..]);
    fs::write(&spec, edited).unwrap();
    let overrides = dir.path().join("openapi.overrides.yaml");
    let text = fs::read_to_string(&overrides).unwrap();
    fs::write(
        &overrides,
        text.replacen("list_customer_wallets", "get_customer_wallets", 1),
    )
    .unwrap();

    let out = xtask(dir.path(), &["regen"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("API changes since the committed client"),
        "{stdout}"
    );
    assert!(
        stdout.contains("breaking    schema `Wallet`, field `walletId`: removed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("operation `list_customer_wallets`: renamed to `get_customer_wallets`"),
        "{stdout}"
    );
    let changelog = fs::read_to_string(dir.path().join("CHANGELOG.md")).unwrap();
    assert!(
        changelog.contains("## Unreleased\n\n### API changes from `openapi.yaml`"),
        "{changelog}"
    );
    assert!(
        changelog.contains("- **breaking** schema `Wallet`, field `walletId`: removed"),
        "{changelog}"
    );
    assert!(changelog.contains("## 0.1.0"), "{changelog}");
    // The catalogue follows the spec.
    assert!(outputs(dir.path()).3.contains("GetCustomerWallets"));
    // Nothing changed since: no report, the changelog stays as it is.
    let again = xtask(dir.path(), &["regen"]);
    assert!(!String::from_utf8_lossy(&again.stdout).contains("API changes"));
    assert_eq!(
        fs::read_to_string(dir.path().join("CHANGELOG.md")).unwrap(),
        changelog
    );
}

#[test]
fn a_missing_spec_is_an_error_and_writes_nothing() {
    let dir = checkout();
    fs::remove_file(dir.path().join("openapi.yaml")).unwrap();
    let out = xtask(dir.path(), &["regen"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    assert!(stderr(&out).contains("openapi.yaml"));
    assert!(!dir.path().join("finhub-api/src/generated.rs").exists());
}

#[test]
fn a_yaml_error_names_line_and_column() {
    let dir = checkout();
    fs::write(
        dir.path().join("openapi.yaml"),
        "openapi: 3.1.0\ninfo: {title: [unclosed\n",
    )
    .unwrap();
    let out = xtask(dir.path(), &["regen"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("openapi.yaml: line "), "{err}");
    assert!(err.contains("column"), "{err}");
}

#[test]
fn an_operation_without_id_fails_naming_it_and_keeps_committed_files() {
    let dir = checkout();
    assert!(xtask(dir.path(), &["regen"]).status.success());
    let before = outputs(dir.path());
    let spec = dir.path().join("openapi.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let extra = "paths:\n  /api/v2.1/health:\n    get:\n      summary: Health\n      responses:\n        '200':\n          description: ok\n";
    fs::write(&spec, text.replacen("paths:\n", extra, 1)).unwrap();
    let out = xtask(dir.path(), &["regen"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("rule `operation-ids`, operation GET /api/v2.1/health"),
        "{err}"
    );
    assert_eq!(
        outputs(dir.path()),
        before,
        "a failed regen changed the committed files"
    );
}

#[test]
fn an_unknown_ref_fails_naming_the_rule() {
    let dir = checkout();
    let spec = dir.path().join("openapi.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(
        &spec,
        text.replacen("#/components/schemas/", "#/components/schemas/Nope", 1),
    )
    .unwrap();
    let out = xtask(dir.path(), &["regen"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("rule `local-refs`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_arguments_print_usage() {
    let out = xtask(&workspace(), &["regenerate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("usage: cargo xtask"));
}
