//! `cargo xtask contract`: checks the vendored spec and the client against
//! tools nobody here wrote.
//!
//! 1. Spectral lints `openapi.yaml` (ruleset `tests/contract/.spectral.yaml`;
//!    any finding fails).
//! 2. Stoplight Prism serves `openapi.yaml` on 127.0.0.1 and validates every
//!    request it receives; the journey runs against it through finhub-ext
//!    (`tests/tests/it/prism_contract.rs`) and through the `finhub` CLI when
//!    present. A request that breaks the spec (missing required header,
//!    wrong body) is refused by Prism and reported with the violation.
//! 3. Prism is stopped afterwards, also on failure.
//!
//! Both tools are pinned in `tests/contract/package.json` and its lockfile and
//! installed with `npm ci --ignore-scripts` when missing.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const PEERS: &str = "tests/contract";

/// The credentials the CLI uses against Prism (the spec's example values;
/// Prism checks shapes, not secrets).
const CONTRACT_CREDENTIALS: [(&str, &str); 8] = [
    ("FINHUB_TENANT_ID", "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd"),
    ("FINHUB_TENANT_KEY", "a1B2c3D4e5F6g7H8i9J0kLmNopQr"),
    ("FINHUB_TENANT_SECRET", "s3Cr3tKeyXyZpQwErTyUiOpAsDfGh"),
    (
        "FINHUB_ADMIN_ORGANIZATION_ID",
        "0b6f2f4e-8d1a-4c3b-9e5f-7a2d1c0b9e8f",
    ),
    (
        "FINHUB_ADMIN_USER_ID",
        "5c1d9e7a-3b2f-4a6c-8d0e-1f2a3b4c5d6e",
    ),
    ("FINHUB_ADMIN_USERNAME", "admin.login@example.test"),
    ("FINHUB_ADMIN_PASSWORD", "SecurePass123!"),
    ("FINHUB_REQUEST_SOURCE", "finhub-cli"),
];

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Installs the pinned peers unless the installed ones match the lockfile.
fn install(peers: &Path) -> Result<()> {
    let marker = peers.join("node_modules/.package-lock.json");
    let lock = peers.join("package-lock.json");
    let fresh = match (fs::read(&marker), fs::read(&lock)) {
        (Ok(installed), Ok(_)) => {
            let bins = ["prism", "spectral"]
                .iter()
                .all(|b| peers.join("node_modules/.bin").join(b).exists());
            bins && !installed.is_empty() && modified(&marker) >= modified(&lock)
        }
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    println!("contract: installing Prism and Spectral (npm ci)");
    run(
        Command::new("npm")
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .env("SCARF_ANALYTICS", "false")
            .current_dir(peers),
        "npm ci",
    )
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn lint(root: &Path, peers: &Path) -> Result<()> {
    println!("contract: spectral lint openapi.yaml");
    run(
        Command::new(peers.join("node_modules/.bin/spectral"))
            .args(["lint", "--fail-severity", "warn", "--ruleset"])
            .arg(peers.join(".spectral.yaml"))
            .arg(root.join("openapi.yaml")),
        "spectral lint",
    )
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts Prism and waits until it listens.
fn start_prism(root: &Path, peers: &Path, log: &Path) -> Result<(Guard, String)> {
    let port = free_port()?;
    let out = fs::File::create(log).with_context(|| format!("cannot write {}", log.display()))?;
    let child = Command::new(peers.join("node_modules/.bin/prism"))
        .args([
            "mock",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--errors",
        ])
        .arg(root.join("openapi.yaml"))
        .env("SCARF_ANALYTICS", "false")
        .stdout(out.try_clone()?)
        .stderr(out)
        .stdin(Stdio::null())
        .spawn()
        .context("cannot start Prism")?;
    let mut guard = Guard(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = guard.0.try_wait()? {
            bail!("Prism exited ({status}); see {}", log.display());
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("Prism did not listen within 60 s; see {}", log.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "contract: Prism listening on 127.0.0.1:{port} ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok((guard, format!("http://127.0.0.1:{port}")))
}

/// Request violations Prism logged (it logs each as a `✖` line).
fn violations(log: &Path) -> Vec<String> {
    let Ok(file) = fs::File::open(log) else {
        return Vec::new();
    };
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter(|line| line.contains('✖') || line.contains("Request terminated with error"))
        .collect()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Entry point of `cargo xtask contract`.
pub fn run_contract(root: &Path) -> Result<()> {
    let started = Instant::now();
    let peers = root.join(PEERS);
    install(&peers)?;
    lint(root, &peers)?;
    let log_dir: PathBuf = root.join("target/contract");
    fs::create_dir_all(&log_dir)?;
    let log = log_dir.join("prism.log");
    let (prism, base_url) = start_prism(root, &peers, &log)?;

    let mut failures = Vec::new();
    println!("contract: the journey through finhub-ext");
    let journey = run(
        cargo()
            .args([
                "test",
                "--locked",
                "-p",
                "finhub-tests",
                "--test",
                "it",
                "--",
                "--ignored",
                "prism_contract::",
            ])
            .env("FINHUB_CONTRACT_BASE_URL", &base_url)
            .current_dir(root),
        "the finhub-ext journey against Prism",
    );
    if let Err(e) = journey {
        failures.push(e.to_string());
    }
    if root.join("finhub-cli").exists() {
        println!("contract: the journey through `finhub onboard --base-url`");
        let cli = run(
            cargo()
                .args([
                    "run",
                    "--locked",
                    "--quiet",
                    "-p",
                    "finhub-cli",
                    "--",
                    "onboard",
                    "--base-url",
                    &base_url,
                    // Prism answers with the spec's examples: any code
                    // activates, so the journey need not wait for one.
                    "--activation-code",
                    "ACTIVATION_CODE_00000000000000",
                ])
                .envs(CONTRACT_CREDENTIALS)
                .current_dir(root),
            "`finhub onboard` against Prism",
        );
        if let Err(e) = cli {
            failures.push(e.to_string());
        }
    }
    drop(prism);

    let found = violations(&log);
    if !found.is_empty() {
        failures.push(format!(
            "Prism reported {} violation(s):\n  {}",
            found.len(),
            found.join("\n  ")
        ));
    }
    if !failures.is_empty() {
        bail!("contract failed:\n{}", failures.join("\n"));
    }
    println!(
        "contract: passed in {:.1} s (no violations)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
