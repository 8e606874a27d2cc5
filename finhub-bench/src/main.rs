//! The measurements behind `finhub-bench/README.md`. Run with
//! `cargo xtask bench` (which adds regeneration time and code size) or
//! `cargo run --release -p finhub-bench -- [--json] [--quick]`.
//!
//! Every server binds to 127.0.0.1 and every load is bounded in count.

mod load;
mod measure;
mod servers;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(unknown) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--json" | "--quick"))
    {
        eprintln!("error: unknown argument {unknown} (expected --json, --quick)");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(measure::all(quick)) {
        Ok(report) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
                );
            } else {
                print!("{}", report.table());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
