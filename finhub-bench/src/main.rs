//! The measurements behind `finhub-bench/README.md`. Run with
//! `cargo xtask bench` (which adds regeneration time and code size) or
//! `cargo run --release -p finhub-bench -- [--json] [--quick] [--population]
//! [--concurrency N]` (`--population`: the population measurement alone;
//! `--concurrency`: journeys in `advance` at once in it, default 64).
//!
//! Every server binds to 127.0.0.1 and every load is bounded in count.

mod load;
mod measure;
mod population;
mod servers;

use std::process::ExitCode;

use population::{Engine, Plan, StoreKind};

/// mimalloc, not glibc's malloc: the population spends a tenth of its CPU
/// in the allocator (many short-lived JSON strings and HTTP buffers across
/// threads); see the README's figures with and without.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What the command line asked for.
enum Mode {
    /// The measurements (`population_only`: the population alone).
    Report {
        json: bool,
        quick: bool,
        population_only: bool,
        concurrency: usize,
    },
    /// One population, in a child process of the bench (its JSON report
    /// on stdout).
    PopulationChild(Plan),
}

fn parse(args: &[String]) -> Result<Mode, String> {
    let (mut json, mut quick, mut population_only) = (false, false, false);
    let (mut customers, mut store, mut throttle) = (None, StoreKind::Sqlite, false);
    let mut engine = Engine::Runner;
    let mut concurrency = population::CONCURRENCY;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--quick" => quick = true,
            "--population" => population_only = true,
            "--population-child" => {
                let n = args.next().ok_or("--population-child needs a number")?;
                customers =
                    Some(n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("--population-child: {n} is not a positive number")
                    })?);
            }
            "--store" => {
                let name = args.next().ok_or("--store needs sqlite or memory")?;
                store = StoreKind::parse(name)
                    .ok_or_else(|| format!("--store: {name} is not sqlite or memory"))?;
            }
            "--throttle" => throttle = true,
            "--engine" => {
                let name = args.next().ok_or("--engine needs runner or batch")?;
                engine = Engine::parse(name)
                    .ok_or_else(|| format!("--engine: {name} is not runner or batch"))?;
            }
            "--concurrency" => {
                let n = args.next().ok_or("--concurrency needs a number")?;
                concurrency = n
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--concurrency: {n} is not a positive number"))?;
            }
            unknown => {
                return Err(format!(
                    "unknown argument {unknown} (expected --json, --quick, --population, --concurrency N)"
                ));
            }
        }
    }
    Ok(match customers {
        Some(customers) => Mode::PopulationChild(Plan {
            engine,
            customers,
            store,
            throttle,
            concurrency,
        }),
        None => Mode::Report {
            json,
            quick,
            population_only,
            concurrency,
        },
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match parse(&args) {
        Ok(mode) => mode,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
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
    match mode {
        Mode::PopulationChild(plan) => match runtime.block_on(population::child(plan)) {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Mode::Report {
            json,
            quick,
            population_only,
            concurrency,
        } => match runtime.block_on(measure::all(quick, population_only, concurrency)) {
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
        },
    }
}
