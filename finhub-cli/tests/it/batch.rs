//! `finhub onboard --batch` as a process against an in-test sandbox: a
//! batch killed midway (SIGKILL) and run again finishes with one
//! registration per valid row; with PostgreSQL (feature `postgres`),
//! three workers share one population and one of them is killed midway.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use finhub_sandbox::{FaultRule, Operation, Sandbox};
use secrecy::ExposeSecret;

/// The sandbox accepts any non-empty activation code (its default).
const CODE: &str = "ACTIVATION_CODE_20260331114954";

/// A customers file of `valid` valid rows (every fact given) and one
/// invalid row.
fn customers(dir: &Path, valid: usize) -> PathBuf {
    let mut csv = String::from(
        "first_name,last_name,email,password,phone,gender,date_of_birth,nationality,place_of_birth,pincode\n",
    );
    for n in 0..valid {
        csv.push_str(&format!(
            "Rasa,Number{n},rasa.{n}@example.com,Batch-Kill-Pass-{n}!,+3706002{n:04},FEMALE,1988-07-09,LT,Klaipeda,4800{n}\n"
        ));
        if n == 0 {
            csv.push_str("Not,Valid,not-an-email,Batch-Kill-Pass-0!,+37060029999,FEMALE,1988-07-09,LT,Klaipeda,48000\n");
        }
    }
    let path = dir.join("customers.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// `finhub onboard --batch FILE --base-url SANDBOX` with the sandbox's
/// credentials in the environment, started.
fn start_batch(sandbox: &Sandbox, file: &Path, extra: &[&str]) -> Child {
    let c = sandbox.credentials();
    let mut command = Command::new(env!("CARGO_BIN_EXE_finhub"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("FINHUB_")) {
        command.env_remove(name);
    }
    command
        .args(["onboard", "--batch"])
        .arg(file)
        .args(["--base-url", sandbox.base_url(), "--activation-code", CODE])
        .args(["--lease", "2", "--json"])
        .args(extra)
        .env("FINHUB_TENANT_ID", &c.tenant_id)
        .env("FINHUB_TENANT_KEY", c.tenant_key.expose_secret())
        .env("FINHUB_TENANT_SECRET", c.tenant_secret.expose_secret())
        .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
        .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
        .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
        .env("FINHUB_ADMIN_PASSWORD", c.admin_password.expose_secret())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits (without blocking the sandbox's runtime) until `child` exits;
/// fails after `limit`, a bound far above what the run takes.
async fn exit_of(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the batch did not finish within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the sandbox has received `count` requests of `operation`.
async fn until_requests(sandbox: &Sandbox, operation: Operation, count: u64) {
    let started = Instant::now();
    while sandbox.stats().requests_for(operation) < count {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{operation}: {} of {count} requests",
            sandbox.stats().requests_for(operation)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The lines of a JSON lines results file.
fn results(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Every valid row once: registered, verified, two documents, approved,
/// activated; and done in the results file, the invalid row never sent.
#[track_caller]
fn assert_each_valid_row_once(sandbox: &Sandbox, out: &Path, valid: u64) {
    let stats = sandbox.stats();
    let effects = stats.side_effects;
    assert_eq!(effects.registrations, valid, "registrations");
    assert_eq!(
        stats.requests_for(Operation::RegisterIndividualCustomer),
        valid,
        "registration requests"
    );
    assert_eq!(effects.verifications, valid, "verifications");
    assert_eq!(effects.documents, 2 * valid, "documents");
    assert_eq!(effects.approvals, valid, "approvals");
    assert_eq!(effects.activations, valid, "activations");
    let rows = results(out);
    assert_eq!(rows.len() as u64, valid + 1);
    for row in &rows {
        let email = row["email"].as_str().unwrap();
        if email == "not-an-email" {
            assert_eq!(row["state"], "invalid");
            assert!(sandbox.find_customer(email).is_none());
        } else {
            assert_eq!(row["state"], "done", "{row}");
            let found = sandbox.find_customer(email).expect("registered");
            assert_eq!(row["customerId"], found.customer_id.as_str());
            assert!(row["iban"].as_str().is_some_and(|i| !i.is_empty()), "{row}");
        }
        assert!(!row.to_string().contains("Batch-Kill-Pass"), "no password");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_midway_and_run_again_registers_each_valid_row_once() {
    const VALID: u64 = 6;
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = customers(dir.path(), VALID as usize);
    let store = dir.path().join("journeys.db");
    let out = dir.path().join("results.jsonl");
    let store_arg = store.to_str().unwrap();
    let out_arg = out.to_str().unwrap();
    // Uploads take 3 s: every journey is registered and uploading (past
    // the one step FinHub cannot read back) when the batch is killed.
    let slow = sandbox
        .faults()
        .inject(
            FaultRule::latency(Duration::from_secs(3)).on(Operation::UploadVerificationDocument),
        )
        .unwrap();
    let mut first = start_batch(
        &sandbox,
        &file,
        &["--concurrency", "6", "--store", store_arg, "--out", out_arg],
    );
    until_requests(&sandbox, Operation::UploadVerificationDocument, VALID).await;
    first.kill().unwrap(); // SIGKILL
    let killed = first.wait().unwrap();
    assert!(!killed.success());
    assert!(!out.exists(), "a killed batch writes no results file");
    assert_eq!(sandbox.stats().side_effects.activations, 0, "killed midway");
    sandbox.faults().remove(slow);

    let mut again = start_batch(
        &sandbox,
        &file,
        &["--concurrency", "6", "--store", store_arg, "--out", out_arg],
    );
    let status = exit_of(&mut again, Duration::from_secs(120)).await;
    assert_eq!(status.code(), Some(65), "one invalid row: exit 65");
    assert_each_valid_row_once(&sandbox, &out, VALID);

    // And once more: a finished batch sends nothing.
    let before = sandbox.stats().total_requests();
    let mut finished = start_batch(&sandbox, &file, &["--store", store_arg]);
    let status = exit_of(&mut finished, Duration::from_secs(60)).await;
    assert_eq!(status.code(), Some(65));
    assert_eq!(sandbox.stats().total_requests(), before, "nothing sent");
}

/// Against the embedded sandbox (no `--base-url`) the batch completes,
/// even when only the e-mailed code activates: each customer's code is
/// read from the sandbox's outbox. Findings come first, on stderr.
#[test]
fn a_batch_against_the_embedded_sandbox_completes() {
    let dir = tempfile::tempdir().unwrap();
    let file = customers(dir.path(), 3);
    let out = dir.path().join("results.jsonl");
    let mut command = Command::new(env!("CARGO_BIN_EXE_finhub"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("FINHUB_")) {
        command.env_remove(name);
    }
    let output = command
        .args(["onboard", "--batch"])
        .arg(&file)
        .arg("--store")
        .arg(dir.path().join("journeys.db"))
        .arg("--out")
        .arg(&out)
        .env("FINHUB_SANDBOX_ACTIVATION_CODES", "emailed")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(65), "{stderr}");
    assert!(
        stderr.starts_with("3:email email.syntax error: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("done 3, waiting 0, failed 0, invalid 1"),
        "{stderr}"
    );
    assert!(!stderr.contains("Batch-Kill-Pass"), "{stderr}");
    let rows = results(&out);
    let states: Vec<&str> = rows.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["done", "invalid", "done", "done"]);
}

/// A results file of an unknown format is refused before anything runs.
#[test]
fn an_unknown_results_format_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let file = customers(dir.path(), 1);
    let store = dir.path().join("journeys.db");
    let output = Command::new(env!("CARGO_BIN_EXE_finhub"))
        .args(["onboard", "--batch"])
        .arg(&file)
        .arg("--store")
        .arg(&store)
        .args(["--out", "results.txt"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unknown results file format; use .csv or .jsonl"),
        "{stderr}"
    );
    assert!(!store.exists(), "no store created");
}

/// The throwaway PostgreSQL cluster of finhub-onboarding's store tests,
/// shared by path.
#[cfg(feature = "postgres")]
#[allow(dead_code)]
#[path = "../../../finhub-onboarding/tests/common/postgres.rs"]
mod postgres;

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_one_population_and_survive_one_killed_midway() {
    const VALID: u64 = 12;
    let Some(cluster) = postgres::TempCluster::start() else {
        return;
    };
    let url = cluster.url();
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = customers(dir.path(), VALID as usize);
    // Every journey is registered and uploading when one worker is killed
    // (three workers, four journeys at once each).
    let slow = sandbox
        .faults()
        .inject(
            FaultRule::latency(Duration::from_secs(3)).on(Operation::UploadVerificationDocument),
        )
        .unwrap();
    let outs: Vec<PathBuf> = (0..3)
        .map(|n| dir.path().join(format!("results-{n}.jsonl")))
        .collect();
    let mut workers: Vec<Child> = outs
        .iter()
        .map(|out| {
            start_batch(
                &sandbox,
                &file,
                &[
                    "--concurrency",
                    "4",
                    "--store",
                    &url,
                    "--out",
                    out.to_str().unwrap(),
                ],
            )
        })
        .collect();
    until_requests(&sandbox, Operation::UploadVerificationDocument, VALID).await;
    workers[0].kill().unwrap(); // SIGKILL
    assert!(!workers[0].wait().unwrap().success());
    sandbox.faults().remove(slow);
    for worker in &mut workers[1..] {
        let status = exit_of(worker, Duration::from_secs(180)).await;
        assert_eq!(status.code(), Some(65), "one invalid row: exit 65");
    }
    assert!(!outs[0].exists());
    // Both survivors report every row, from the shared store.
    assert_each_valid_row_once(&sandbox, &outs[1], VALID);
    assert_each_valid_row_once(&sandbox, &outs[2], VALID);
    drop(cluster);
}
