//! The `finhub` binary end to end: onboarding (human and JSON), resuming
//! after an injected failure, validation, and error paths.

use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use finhub_sandbox::{FaultRule, Operation, Sandbox};
use serde_json::Value;

fn finhub() -> Command {
    let mut command = Command::cargo_bin("finhub").unwrap();
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("FINHUB_")) {
        command.env_remove(name);
    }
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// `finhub onboard --base-url` against `sandbox`, with its credentials in
/// the environment.
fn onboard_against(sandbox: &Sandbox, extra: &[&str]) -> Output {
    let c = sandbox.credentials();
    finhub()
        .args(["onboard", "--base-url", sandbox.base_url()])
        .args(extra)
        .env("FINHUB_TENANT_ID", &c.tenant_id)
        .env("FINHUB_TENANT_KEY", c.tenant_key.expose())
        .env("FINHUB_TENANT_SECRET", c.tenant_secret.expose())
        .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
        .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
        .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
        .env("FINHUB_ADMIN_PASSWORD", c.admin_password.expose())
        .output()
        .unwrap()
}

/// ISO 13616 check: move the first four characters to the end, letters to
/// numbers, mod 97 = 1.
fn valid_iban(iban: &str) -> bool {
    let (head, tail) = iban.split_at(4);
    let digits: String = tail
        .chars()
        .chain(head.chars())
        .map(|c| c.to_digit(36).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    digits
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97)
        == 1
}

#[test]
fn onboard_runs_the_whole_journey_against_the_embedded_sandbox() {
    let out = finhub().arg("onboard").output().unwrap();
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    for step in [
        "categorization",
        "registration",
        "session",
        "verification",
        "documents",
        "approval",
        "consents",
        "readiness",
        "activation",
        "wallet",
        "logout",
    ] {
        assert!(
            stdout.contains(&format!("✓ {step}")),
            "no line for {step}:\n{stdout}"
        );
    }
    let iban = stdout
        .lines()
        .find_map(|l| l.strip_prefix("IBAN       "))
        .expect("an IBAN line");
    assert!(iban.starts_with("LT") && valid_iban(iban), "{iban}");
    assert!(stdout.contains("customer   "), "{stdout}");
}

#[test]
fn onboard_json_is_a_machine_readable_report() {
    let out = finhub().args(["onboard", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(report["success"], true);
    assert_eq!(report["steps"].as_array().unwrap().len(), 11);
    assert!(
        report["customerId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert!(valid_iban(report["iban"].as_str().unwrap()));
    assert!(report["wallTimeMs"].as_u64().is_some());
    let json = text(&out.stdout);
    assert!(
        !json.contains("password") && !json.contains("token"),
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_onboarding_resumes_without_redoing_completed_steps() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox
        .faults()
        .inject(FaultRule::status(503).on(Operation::AcceptConsent).times(1))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let state_arg = state.to_str().unwrap().to_string();

    let first = tokio::task::block_in_place(|| onboard_against(&sandbox, &["--state", &state_arg]));
    assert!(!first.status.success());
    let stderr = text(&first.stderr);
    assert!(
        stderr.starts_with("error: consents: server error"),
        "{stderr}"
    );
    assert!(stderr.contains("--state"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");

    let second =
        tokio::task::block_in_place(|| onboard_against(&sandbox, &["--state", &state_arg]));
    let stdout = text(&second.stdout);
    assert!(
        second.status.success(),
        "{stdout}\n{}",
        text(&second.stderr)
    );
    assert!(
        stdout.contains("✓ registration    done earlier"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✓ approval        done earlier"),
        "{stdout}"
    );

    let effects = sandbox.stats().side_effects;
    assert_eq!(
        effects.registrations, 1,
        "the customer was registered twice"
    );
    assert_eq!(effects.approvals, 1);
    assert_eq!(effects.consents, 3);
    assert_eq!(effects.activations, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the state file holds the customer's password");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_a_one_line_error_without_secrets() {
    let sandbox = Sandbox::start().await.unwrap();
    let c = sandbox.credentials();
    let out = tokio::task::block_in_place(|| {
        finhub()
            .args(["onboard", "--base-url", sandbox.base_url()])
            .env("FINHUB_TENANT_ID", &c.tenant_id)
            .env("FINHUB_TENANT_KEY", c.tenant_key.expose())
            .env("FINHUB_TENANT_SECRET", c.tenant_secret.expose())
            .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
            .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
            .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
            .env("FINHUB_ADMIN_PASSWORD", "Wrong-password-canary-1!")
            .output()
            .unwrap()
    });
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: categorization: invalid credentials"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let all = format!("{stderr}{}", text(&out.stdout));
    assert!(
        !all.contains("Wrong-password-canary-1!") && !all.contains(c.tenant_secret.expose()),
        "{all}"
    );
}

#[test]
fn a_plain_http_base_url_is_refused() {
    let out = finhub()
        .args(["onboard", "--base-url", "http://sandbox.finhub.cloud"])
        .env("FINHUB_TENANT_ID", "t")
        .env("FINHUB_TENANT_KEY", "k")
        .env("FINHUB_TENANT_SECRET", "s")
        .env("FINHUB_ADMIN_ORGANIZATION_ID", "o")
        .env("FINHUB_ADMIN_USER_ID", "u")
        .env("FINHUB_ADMIN_USERNAME", "n")
        .env("FINHUB_ADMIN_PASSWORD", "p")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("must use https"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn missing_credentials_are_named() {
    let out = finhub()
        .args(["onboard", "--base-url", "https://sandbox.finhub.cloud"])
        .env("FINHUB_TENANT_ID", "t")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("FINHUB_TENANT_KEY") && stderr.contains("FINHUB_ADMIN_PASSWORD"),
        "{stderr}"
    );
    assert!(!stderr.contains("FINHUB_TENANT_ID"), "{stderr}");
}

#[test]
fn validate_lists_every_violation_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"firstName":"Marcus","lastName":"Jensen","email":"marcus@","phone":"060012345",
            "password":"Secret-canary-1","matchingPassword":"Secret-canary-2","dateOfBirth":"1990-05-15",
            "gender":"MALE","nationality":"Lithuania","placeOfBirth":"Vilnius","pincode":"12345",
            "roleIds":["ACCOUNT_OWNER"],"customerCategory":{"id":"fs-cat-b2c-low-001"},
            "individualCustomer":{"customerName":"Marcus Jensen"}}"#,
    )
    .unwrap();
    let out = finhub()
        .args(["validate", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    for rule in [
        "email.syntax",
        "phone.e164",
        "password.mismatch",
        "country.not_alpha2",
        "required.missing",
    ] {
        assert!(stdout.contains(rule), "{rule} missing:\n{stdout}");
    }
    assert!(!stdout.contains("Secret-canary"), "{stdout}");

    let good = dir.path().join("good.json");
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/registration.json"
        ))
        .unwrap(),
    )
    .unwrap();
    std::fs::write(&good, spec.to_string()).unwrap();
    let out = finhub()
        .args(["validate", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stdout));

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"firstName": "#).unwrap();
    let out = finhub()
        .args(["validate", broken.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("not a registration request"),
        "{stderr}"
    );
}

/// Kills the child process it holds when dropped (a failed assertion
/// included).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` on `addr` over a fresh connection; the whole raw answer.
fn get(addr: &str, path: &str, authorization: Option<&str>) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{authorization}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn sandbox_prints_the_control_token_that_opens_its_control_endpoints() {
    use std::io::BufRead;
    use std::process::Stdio;
    let child = finhub()
        .args(["sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Running(child);
    let stdout = child.0.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if lines.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let next = || {
        received
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("`finhub sandbox` prints its address and control token")
    };
    let mut addr = None;
    let token = loop {
        let line = next();
        if let Some(url) = line.strip_prefix("FinHub sandbox listening on http://") {
            addr = Some(url.to_string());
        }
        if line.starts_with("control endpoints") {
            assert!(line.contains("Authorization: Bearer"), "{line}");
        }
        if line.starts_with("control token") {
            break next();
        }
    };
    let addr = addr.expect("the address comes first");
    assert!(token.len() >= 43 && !token.contains(' '), "{token}");

    let refused = get(&addr, "/__sandbox/stats", None);
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let wrong = get(
        &addr,
        "/__sandbox/stats",
        Some("Bearer not-the-printed-token"),
    );
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    let stats = get(&addr, "/__sandbox/stats", Some(&format!("Bearer {token}")));
    assert!(stats.starts_with("HTTP/1.1 200"), "{stats}");
    assert!(stats.contains("\"sideEffects\""), "{stats}");
}
