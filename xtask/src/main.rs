//! Workspace automation. `cargo xtask regen [--check]` regenerates the
//! FinHub client from `openapi.yaml`; see the README.

mod api_diff;
mod bench;
mod catalogue;
mod contract;
mod generate;
mod normalize;
mod regen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  regen            normalize openapi.yaml and regenerate finhub-api/src/generated.rs
  regen --check    regenerate in memory; fail with a diff if the committed files differ
  rules            list the normalization rules, in the order they run
  api-diff OLD NEW the API changes between two normalized documents
                   (e.g. finhub-api/src/generated.openapi.yaml of two releases)
  contract         lint openapi.yaml (Spectral) and run the journey against Prism serving it
  bench [--json] [--quick] [--population]
                   measure SDK overhead, refresh contention, journey time, sandbox throughput,
                   populations of 1k and 10k journeys, regen (--population: populations only)

options:
  --root DIR       work on the checkout at DIR instead of this workspace
";

/// The workspace root (the parent of the xtask crate).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `cargo xtask api-diff OLD NEW`: prints the report; fails when a change
/// breaks callers.
fn api_diff_files(old: &Path, new: &Path) -> anyhow::Result<()> {
    let read = |path: &Path| -> anyhow::Result<serde_json::Value> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        regen::parse_yaml(&path.display().to_string(), &text)
    };
    let report = api_diff::diff(&read(old)?, &read(new)?);
    println!("{report}");
    if report.count(api_diff::Severity::Breaking) > 0 {
        anyhow::bail!("the new document breaks callers of the generated client");
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut root = workspace_root();
    if let Some(i) = args.iter().position(|a| *a == "--root") {
        match args.get(i + 1) {
            Some(dir) => root = PathBuf::from(dir),
            None => {
                eprint!("--root needs a directory\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        args.drain(i..=i + 1);
    }
    let result = match args.as_slice() {
        ["regen"] => regen::run(&root, false),
        ["regen", "--check"] => regen::run(&root, true),
        ["contract"] => contract::run_contract(&root),
        ["bench", flags @ ..]
            if flags
                .iter()
                .all(|f| matches!(*f, "--json" | "--quick" | "--population")) =>
        {
            bench::run(
                &root,
                bench::Options {
                    json: flags.contains(&"--json"),
                    quick: flags.contains(&"--quick"),
                    population_only: flags.contains(&"--population"),
                },
            )
        }
        ["api-diff", old, new] => api_diff_files(Path::new(old), Path::new(new)),
        ["rules"] => {
            for rule in normalize::RULES {
                println!("{:<20} {}", rule.name, rule.summary);
            }
            Ok(())
        }
        ["help" | "--help" | "-h"] | [] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("unknown arguments: {}\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
