//! `cargo xtask bench [--json] [--quick] [--population]`: regeneration time
//! and generated code size, measured here, plus the runtime measurements of
//! `finhub-bench` (SDK overhead, refresh under contention, journey wall
//! time, sandbox throughput, populations of journeys), built in release
//! mode. `--population` runs the population measurement alone.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::regen;

/// Regeneration figures.
struct Regen {
    runs: usize,
    median: Duration,
    fastest: Duration,
    client_lines: usize,
    client_bytes: usize,
    httpmock_lines: usize,
    operations: usize,
    types: usize,
}

fn measure_regen(root: &Path, runs: usize) -> Result<Regen> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(regen::build(root)?);
        times.push(started.elapsed());
    }
    times.sort();
    let outputs = last.context("no regeneration ran")?;
    Ok(Regen {
        runs,
        median: times[runs / 2],
        fastest: times[0],
        client_lines: outputs.generated.lines().count(),
        client_bytes: outputs.generated.len(),
        httpmock_lines: outputs.httpmock.lines().count(),
        operations: outputs.operations,
        types: outputs.types,
    })
}

/// What `cargo xtask bench` was asked for.
pub struct Options {
    /// A JSON report instead of the table.
    pub json: bool,
    /// Shorter runs.
    pub quick: bool,
    /// The population measurement alone (no regeneration figures).
    pub population_only: bool,
}

/// Entry point of `cargo xtask bench`.
pub fn run(root: &Path, options: Options) -> Result<()> {
    let Options {
        json: json_output,
        quick,
        population_only,
    } = options;
    let regen = if population_only {
        None
    } else {
        Some(measure_regen(root, if quick { 3 } else { 10 })?)
    };
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args([
            "run",
            "--release",
            "--locked",
            "--quiet",
            "-p",
            "finhub-bench",
            "--",
        ])
        .current_dir(root);
    if quick {
        command.arg("--quick");
    }
    if population_only {
        command.arg("--population");
    }
    if json_output {
        let output = command
            .arg("--json")
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run finhub-bench")?;
        if !output.status.success() {
            bail!("finhub-bench failed ({})", output.status);
        }
        let mut report: Value = serde_json::from_slice(&output.stdout)
            .context("finhub-bench printed no JSON report")?;
        if let Some(regen) = &regen {
            report["regen"] = json!({
            "runs": regen.runs,
            "medianMs": regen.median.as_secs_f64() * 1000.0,
            "fastestMs": regen.fastest.as_secs_f64() * 1000.0,
            "operations": regen.operations,
            "types": regen.types,
            "clientLines": regen.client_lines,
            "clientBytes": regen.client_bytes,
            "httpmockLines": regen.httpmock_lines,
            });
        }
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let status = command.status().context("cannot run finhub-bench")?;
        if !status.success() {
            bail!("finhub-bench failed ({status})");
        }
        let Some(regen) = regen else {
            return Ok(());
        };
        println!(
            "\nRegeneration (normalize + generate + format, in process, {} runs): median {:.0} ms, fastest {:.0} ms",
            regen.runs,
            regen.median.as_secs_f64() * 1000.0,
            regen.fastest.as_secs_f64() * 1000.0
        );
        println!(
            "  {} operations, {} types; finhub-api/src/generated.rs {} lines ({} KiB); finhub-httpmock {} lines",
            regen.operations,
            regen.types,
            regen.client_lines,
            regen.client_bytes / 1024,
            regen.httpmock_lines
        );
    }
    Ok(())
}
