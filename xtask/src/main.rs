//! Workspace automation. `cargo xtask regen [--check]` regenerates the
//! FinHub client from `openapi.yaml`; see the README.

mod bench;
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
  contract         lint openapi.yaml (Spectral) and run the journey against Prism serving it
  bench [--json] [--quick]
                   measure SDK overhead, refresh contention, journey time, sandbox throughput, regen

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
        ["bench", flags @ ..] if flags.iter().all(|f| matches!(*f, "--json" | "--quick")) => {
            bench::run(&root, flags.contains(&"--json"), flags.contains(&"--quick"))
        }
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
