//! The `finhub` binary end to end: onboarding (human and JSON), waiting
//! (exit 75) and continuing, resuming after an injected failure and after a
//! `kill -9`, validation, and error paths.

use std::process::{Command, Output};

use std::collections::BTreeMap;

use assert_cmd::cargo::CommandCargoExt;
use finhub_sandbox::{ActivationCodes, ExposeSecret, FaultRule, Operation, ReviewMode, Sandbox};
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
/// the environment, not run yet.
fn onboard_command(sandbox: &Sandbox, extra: &[&str]) -> Command {
    let c = sandbox.credentials();
    let mut command = finhub();
    command
        .args(["onboard", "--base-url", sandbox.base_url()])
        .args(extra)
        .env("FINHUB_TENANT_ID", &c.tenant_id)
        .env("FINHUB_TENANT_KEY", c.tenant_key.expose_secret())
        .env("FINHUB_TENANT_SECRET", c.tenant_secret.expose_secret())
        .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
        .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
        .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
        .env("FINHUB_ADMIN_PASSWORD", c.admin_password.expose_secret());
    command
}

/// `finhub onboard --base-url` against `sandbox`, with its credentials in
/// the environment.
fn onboard_against(sandbox: &Sandbox, extra: &[&str]) -> Output {
    onboard_command(sandbox, extra).output().unwrap()
}

/// Asserts the requests the sandbox received, per operation: exactly
/// `expected`, and none of any operation not named there. A resumed run
/// that repeats a step shows up as one request too many.
#[track_caller]
fn assert_requests(sandbox: &Sandbox, expected: &[(Operation, u64)]) {
    let expected: BTreeMap<Operation, u64> = Operation::ALL
        .into_iter()
        .map(|op| {
            let count = expected.iter().find(|(o, _)| *o == op).map_or(0, |e| e.1);
            (op, count)
        })
        .collect();
    assert_eq!(sandbox.stats().requests, expected);
}

/// An activation code the sandbox accepts unless its codes are `emailed`.
const ANY_CODE: &str = "ACTIVATION_CODE_00000000000000";

/// The requests of one complete onboarding (`finhub onboard` in one run).
const ONE_RUN: [(Operation, u64); 11] = [
    (Operation::CreateAdminSession, 1),
    (Operation::GetCategorizationHierarchy, 1),
    (Operation::RegisterIndividualCustomer, 1),
    (Operation::CreateCustomerSession, 1),
    (Operation::CreateVerification, 1),
    // Passport and proof of address.
    (Operation::UploadVerificationDocument, 2),
    (Operation::ApproveVerification, 1),
    // Terms, privacy, data processing.
    (Operation::AcceptConsent, 3),
    (Operation::CheckActivationReadiness, 1),
    // Its answer carries the IBAN: no wallet list needed.
    (Operation::ActivateCustomer, 1),
    (Operation::DeleteCustomerSession, 1),
];

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
        "customer_session",
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
async fn one_onboarding_sends_each_request_once() {
    let sandbox = Sandbox::start().await.unwrap();
    // The sandbox takes any code by default: given up front, the journey
    // does not wait for the e-mailed one.
    let out =
        tokio::task::block_in_place(|| onboard_against(&sandbox, &["--activation-code", ANY_CODE]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_requests(&sandbox, &ONE_RUN);
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
    let args = ["--state", &state_arg, "--activation-code", ANY_CODE];

    let first = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
    assert_eq!(first.status.code(), Some(4), "{}", text(&first.stderr));
    let stderr = text(&first.stderr);
    assert!(
        stderr.starts_with("error: consents: server error"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("--state {state_arg}")) && stderr.contains("to resume"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");
    // Everything up to the first consent, once; that consent got the 503.
    assert_requests(
        &sandbox,
        &[
            (Operation::CreateAdminSession, 1),
            (Operation::GetCategorizationHierarchy, 1),
            (Operation::RegisterIndividualCustomer, 1),
            (Operation::CreateCustomerSession, 1),
            (Operation::CreateVerification, 1),
            (Operation::UploadVerificationDocument, 2),
            (Operation::ApproveVerification, 1),
            (Operation::AcceptConsent, 1),
        ],
    );
    assert_eq!(sandbox.stats().faults_injected, 1);

    let second = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
    let stdout = text(&second.stdout);
    assert!(
        second.status.success(),
        "{stdout}\n{}",
        text(&second.stderr)
    );
    for step in ["registration", "approval"] {
        assert!(
            stdout.contains(&format!("✓ {step:<17} done earlier")),
            "{stdout}"
        );
    }
    assert!(stdout.lines().any(|l| l == "✓ consents"), "{stdout}");

    // Both runs together. The second run renews the saved customer
    // session (no second login), reads back the consent sent without an
    // answer (the readiness check), and sends the three consents; nothing
    // before them is sent again.
    let requests = &sandbox.stats().requests;
    for (operation, count) in [
        (Operation::GetCategorizationHierarchy, 1),
        (Operation::RegisterIndividualCustomer, 1),
        (Operation::CreateCustomerSession, 1),
        (Operation::CreateVerification, 1),
        (Operation::UploadVerificationDocument, 2),
        (Operation::ApproveVerification, 1),
        // The refused terms, then terms, privacy and data processing.
        (Operation::AcceptConsent, 4),
        (Operation::ActivateCustomer, 1),
        (Operation::DeleteCustomerSession, 1),
    ] {
        assert_eq!(requests[&operation], count, "{operation}: {requests:?}");
    }
    // Each consent accepted exactly once (a second acceptance is a 409,
    // which would have failed the run), every effect once.
    let effects = sandbox.stats().side_effects;
    assert_eq!(
        (
            effects.registrations,
            effects.customer_sessions,
            effects.verifications,
            effects.documents,
            effects.approvals,
            effects.consents,
            effects.activations,
            effects.logouts,
        ),
        (1, 1, 1, 2, 1, 3, 1, 1),
        "{effects:?}"
    );
    assert_eq!(sandbox.stats().faults_injected, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the state file holds the customer's session");
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
            .env("FINHUB_TENANT_KEY", c.tenant_key.expose_secret())
            .env("FINHUB_TENANT_SECRET", c.tenant_secret.expose_secret())
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
        !all.contains("Wrong-password-canary-1!") && !all.contains(c.tenant_secret.expose_secret()),
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
    // Each finding on its own line, marked by its severity.
    let marked = |severity: &str, rule: &str| {
        stdout.lines().any(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.first() == Some(&severity) && words.contains(&rule)
        })
    };
    for rule in ["email.syntax", "phone.e164", "password.mismatch"] {
        assert!(marked("error", rule), "{rule} missing:\n{stdout}");
    }
    // FinHub's own examples send the country's name, and the runner's leaves
    // out the person and the user (I-11, I-12): warnings.
    assert!(marked("warning", "country.not_alpha2"), "{stdout}");
    assert!(marked("warning", "required.disputed"), "{stdout}");
    assert!(stdout.contains("3 error(s)"), "{stdout}");
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

    // FinHub's runner example: warnings only, so the exit code is 0.
    let runner = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/docs-requests/registration-run.json"
    );
    let out = finhub().args(["validate", runner]).output().unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("valid, 3 warning(s)"), "{stdout}");
    assert!(
        stdout
            .lines()
            .skip(1)
            .all(|line| line.trim_start().starts_with("warning")),
        "{stdout}"
    );

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

// ---------------------------------------------------------------------------
// Registration whose answer is lost: never sent a second time.

/// The state file as JSON.
fn state_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_whose_answer_was_lost_is_reported_and_never_sent_again() {
    // Truncated body: the sandbox registers the customer, then the answer
    // is cut off. Dropped connection: the request is lost before it is
    // handled. The client cannot tell these apart, so both stop the same way.
    for (fault, registered) in [
        (FaultRule::truncated_body(), 1),
        (FaultRule::drop_connection(), 0),
    ] {
        let sandbox = Sandbox::start().await.unwrap();
        sandbox
            .faults()
            .inject(fault.on(Operation::RegisterIndividualCustomer).times(1))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("onboarding.json");
        let state_arg = state.to_str().unwrap().to_string();
        let email = "lost.answer@example.com";
        let args = ["--state", state_arg.as_str(), "--email", email];

        let first = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
        assert_eq!(first.status.code(), Some(3), "{}", text(&first.stderr));
        let stderr = text(&first.stderr);
        assert!(stderr.starts_with("error: registration: "), "{stderr}");
        assert!(
            stderr.contains(&format!("the registration of {email} was sent at "))
                && stderr.contains("its answer was lost"),
            "{stderr}"
        );
        assert!(!stderr.contains("to resume"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        let saved = &state_json(&state)["state"];
        assert_eq!(saved["customer"]["email"], email, "{saved}");
        assert_eq!(saved["registration"]["state"], "sent", "{saved}");

        // Up to the registration, once.
        let sent = [
            (Operation::CreateAdminSession, 1),
            (Operation::GetCategorizationHierarchy, 1),
            (Operation::RegisterIndividualCustomer, 1),
        ];
        assert_requests(&sandbox, &sent);
        assert_eq!(sandbox.stats().side_effects.registrations, registered);

        let second = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
        assert_eq!(second.status.code(), Some(3), "{}", text(&second.stdout));
        let stderr = text(&second.stderr);
        assert!(
            stderr.starts_with("error: registration: the outcome is unknown")
                && stderr.contains(&format!("the registration of {email} was sent at ")),
            "{stderr}"
        );
        for part in [
            "its answer was lost",
            "FinHub offers no customer lookup",
            "admin portal",
            "new --state file",
        ] {
            assert!(stderr.contains(part), "{part}: {stderr}");
        }
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        // The second run sent nothing at all: no second registration, not
        // even a login.
        assert_requests(&sandbox, &sent);
        assert_eq!(sandbox.stats().side_effects.registrations, registered);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_finhub_refused_is_sent_again_with_retry_failed() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox
        .faults()
        .inject(
            FaultRule::status(400)
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let state_arg = state.to_str().unwrap().to_string();
    let args = ["--state", state_arg.as_str(), "--activation-code", ANY_CODE];

    let first = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
    assert_eq!(first.status.code(), Some(3), "{}", text(&first.stderr));
    let stderr = text(&first.stderr);
    assert!(
        stderr.starts_with("error: registration: refused: bad request")
            && stderr.contains("--retry-failed"),
        "{stderr}"
    );
    assert_eq!(
        state_json(&state)["state"]["registration"]["state"],
        "notSent"
    );
    let sent = [
        (Operation::CreateAdminSession, 1),
        (Operation::GetCategorizationHierarchy, 1),
        (Operation::RegisterIndividualCustomer, 1),
    ];
    assert_requests(&sandbox, &sent);

    // Without --retry-failed the failed journey answers the same, sending
    // nothing.
    let again = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
    assert_eq!(again.status.code(), Some(3), "{}", text(&again.stderr));
    assert_requests(&sandbox, &sent);

    // Run again: the registration's password was never saved, so the
    // journey waits for it, naming the variable.
    let retry = [&args[..], &["--retry-failed", "--json"]].concat();
    let waiting = tokio::task::block_in_place(|| onboard_against(&sandbox, &retry));
    assert_eq!(waiting.status.code(), Some(75), "{}", text(&waiting.stderr));
    let report: Value = serde_json::from_slice(&waiting.stdout).unwrap();
    assert_eq!(report["waiting"]["on"], "registrationPassword", "{report}");
    assert_eq!(
        report["waiting"]["continueWith"], "FINHUB_CUSTOMER_PASSWORD",
        "{report}"
    );
    assert_requests(&sandbox, &sent);

    let retried = tokio::task::block_in_place(|| {
        onboard_command(&sandbox, &retry)
            .env("FINHUB_CUSTOMER_PASSWORD", "Chosen-by-the-Customer-1!")
            .output()
            .unwrap()
    });
    assert!(
        retried.status.success(),
        "{:?} {}{}",
        retried.status,
        text(&retried.stdout),
        text(&retried.stderr)
    );
    // The category chosen by the first run is kept; the registration is
    // sent once more and everything after it once.
    let requests = &sandbox.stats().requests;
    assert_eq!(requests[&Operation::GetCategorizationHierarchy], 1);
    assert_eq!(requests[&Operation::RegisterIndividualCustomer], 2);
    assert_eq!(requests[&Operation::ActivateCustomer], 1);
    assert_eq!(sandbox.stats().side_effects.registrations, 1);
}

// ---------------------------------------------------------------------------
// The state file: owner-only from creation, no links followed.

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn the_state_file_is_owner_only_even_with_umask_000() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let bin = assert_cmd::cargo::cargo_bin("finhub");
    let out = Command::new("sh")
        .args(["-c", "umask 000 && exec \"$0\" \"$@\""])
        .arg(&bin)
        .args(["onboard", "--state", state.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&state), 0o600);
    assert_eq!(
        names_in(dir.path()),
        ["onboarding.json"],
        "temporary files left"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_at_the_state_path_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let target = dir.path().join("elsewhere.txt");

    // A link to a file that does not exist yet.
    std::os::unix::fs::symlink(&target, &state).unwrap();
    let out = finhub()
        .args(["onboard", "--state", state.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!target.exists(), "the link was followed");
    assert!(
        std::fs::symlink_metadata(&state)
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // A link to an existing file.
    std::fs::write(&target, "precious").unwrap();
    let out = finhub()
        .args(["onboard", "--state", state.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is a symbolic link"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    assert!(
        std::fs::symlink_metadata(&state)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[cfg(unix)]
#[test]
fn a_link_planted_beside_the_state_file_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let target = dir.path().join("elsewhere.txt");
    std::fs::write(&target, "precious").unwrap();
    // The fixed temporary name an earlier version wrote through.
    std::os::unix::fs::symlink(&target, dir.path().join("onboarding.json.tmp")).unwrap();
    let out = finhub()
        .args(["onboard", "--state", state.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    assert_eq!(mode(&state), 0o600);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_others_can_read_is_narrowed_to_0600_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::start().await.unwrap();
    sandbox
        .faults()
        .inject(FaultRule::status(503).on(Operation::AcceptConsent).times(1))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let state_arg = state.to_str().unwrap().to_string();
    let first = tokio::task::block_in_place(|| {
        onboard_against(
            &sandbox,
            &["--state", &state_arg, "--activation-code", ANY_CODE],
        )
    });
    assert!(!first.status.success());
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o644)).unwrap();

    let second = tokio::task::block_in_place(|| {
        onboard_against(
            &sandbox,
            &["--state", &state_arg, "--activation-code", ANY_CODE],
        )
    });
    assert!(second.status.success(), "{}", text(&second.stderr));
    let stderr = text(&second.stderr);
    assert!(
        stderr.starts_with("warning: ")
            && stderr.contains("(mode 0644)")
            && stderr.contains("it is now 0600"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(mode(&state), 0o600);
    assert_eq!(sandbox.stats().side_effects.registrations, 1);
}

// ---------------------------------------------------------------------------
// Secrets never on the command line.

const CANARY: &str = "Canary-cmdline-3b9a";

#[test]
fn a_secret_given_on_the_command_line_is_refused_without_echoing_it() {
    for (flag, env) in [
        ("--tenant-key", "FINHUB_TENANT_KEY"),
        ("--tenant-secret", "FINHUB_TENANT_SECRET"),
        ("--admin-password", "FINHUB_ADMIN_PASSWORD"),
        ("--customer-password", "FINHUB_CUSTOMER_PASSWORD"),
    ] {
        let joined = format!("{flag}={CANARY}");
        for args in [vec![flag, CANARY], vec![joined.as_str()]] {
            let out = finhub().arg("onboard").args(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            let stderr = text(&out.stderr);
            assert!(
                stderr.starts_with(&format!("error: {flag} does not take the "))
                    && stderr.contains(env)
                    && stderr.contains(&format!("{flag}-file PATH")),
                "{stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            let all = format!("{stderr}{}", text(&out.stdout));
            assert!(!all.contains(CANARY), "{all}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_read_from_files_and_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let sandbox = Sandbox::start().await.unwrap();
    let c = sandbox.credentials();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("tenant-key");
    let secret = dir.path().join("tenant-secret");
    std::fs::write(&key, format!("{}\n", c.tenant_key.expose_secret())).unwrap();
    std::fs::write(&secret, c.tenant_secret.expose_secret()).unwrap();
    for stdin_flag in [
        vec!["--admin-password-stdin"],
        vec!["--admin-password-file", "-"],
    ] {
        let out = tokio::task::block_in_place(|| {
            let mut child = finhub()
                .args(["onboard", "--json", "--base-url", sandbox.base_url()])
                .args(["--activation-code", ANY_CODE])
                .args(["--tenant-key-file", key.to_str().unwrap()])
                .args(["--tenant-secret-file", secret.to_str().unwrap()])
                .args(&stdin_flag)
                .env("FINHUB_TENANT_ID", &c.tenant_id)
                .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
                .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
                .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{}", c.admin_password.expose_secret()).unwrap();
            drop(stdin);
            child.wait_with_output().unwrap()
        });
        assert!(
            out.status.success(),
            "{stdin_flag:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(sandbox.stats().side_effects.registrations, 2);
}

#[test]
fn at_most_one_secret_is_read_from_standard_input() {
    let out = finhub()
        .args([
            "onboard",
            "--tenant-key-stdin",
            "--admin-password-file",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: only one secret can be read from standard input"),
        "{stderr}"
    );
}

#[test]
fn help_offers_no_secret_flag_that_takes_a_value() {
    let out = finhub().args(["onboard", "--help"]).output().unwrap();
    let help = text(&out.stdout);
    for flag in [
        "tenant-key",
        "tenant-secret",
        "admin-password",
        "customer-password",
    ] {
        assert!(help.contains(&format!("--{flag}-file <PATH>")), "{help}");
        assert!(help.contains(&format!("--{flag}-stdin")), "{help}");
        assert!(!help.contains(&format!("--{flag} <")), "{help}");
    }
    assert!(help.contains("FINHUB_TENANT_SECRET"), "{help}");
    assert!(help.contains("FINHUB_CUSTOMER_PASSWORD"), "{help}");
}

// ---------------------------------------------------------------------------
// `finhub validate`: no secret value in any message, bounded input.

fn validate_file(json: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("request.json");
    std::fs::write(&path, json).unwrap();
    finhub()
        .args(["validate", path.to_str().unwrap()])
        .output()
        .unwrap()
}

/// The sample registration with `pointer` set to `value` (raw JSON).
fn registration_with(pointer: &str, value: &str) -> String {
    let mut request: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/registration.json"
        ))
        .unwrap(),
    )
    .unwrap();
    *request.pointer_mut(pointer).unwrap() = Value::String("@@VALUE@@".into());
    request.to_string().replace("\"@@VALUE@@\"", value)
}

#[test]
fn validate_never_echoes_the_value_of_a_secret_field() {
    for (pointer, raw, canary, field) in [
        ("/password", "91827364", "91827364", "password"),
        ("/password", "918.27364e2", "91827", "password"),
        (
            "/matchingPassword",
            "-73645182",
            "73645182",
            "matchingPassword",
        ),
        (
            "/individualCustomer/user/password",
            "55443322",
            "55443322",
            "individualCustomer.user.password",
        ),
        ("/password", "true", "true", "password"),
    ] {
        let out = validate_file(&registration_with(pointer, raw));
        assert_eq!(out.status.code(), Some(1), "{pointer} = {raw}");
        let stderr = text(&out.stderr);
        let all = format!("{stderr}{}", text(&out.stdout));
        assert!(!all.contains(canary), "{pointer} = {raw}: {all}");
        assert!(
            stderr.contains(&format!("{field}: must be a string")) && stderr.contains("not shown"),
            "{stderr}"
        );
    }
    // A string secret with an escaped quote, next to a broken field.
    let quoted = registration_with("/password", r#""Canary\"Quote-42""#);
    let quoted = quoted.replace(r#""gender":"MALE""#, r#""gender":7"#);
    let out = validate_file(&quoted);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stderr), text(&out.stdout));
    assert!(!all.contains("Quote-42"), "{all}");
    assert!(all.contains("invalid type: integer"), "{all}");
}

#[test]
fn validate_refuses_a_file_over_one_mib() {
    let mut big = " ".repeat(1 << 20);
    big.push_str("{}");
    let out = validate_file(&big);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("larger than the limit of 1 MiB (1048576 bytes)"),
        "{stderr}"
    );
}

/// `/dev/zero` never ends: it is refused after 1 MiB. The child runs under
/// a 1 GiB address-space limit, so a regression fails instead of filling
/// the machine's memory.
#[cfg(target_os = "linux")]
#[test]
fn validate_refuses_an_endless_input() {
    let bin = assert_cmd::cargo::cargo_bin("finhub");
    let out = Command::new("sh")
        .args(["-c", "ulimit -v 1048576 && exec \"$0\" validate /dev/zero"])
        .arg(&bin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: /dev/zero: larger than the limit of 1 MiB"),
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

/// `finhub sandbox --port 0` with `args` and `env`, read up to its control
/// token: the running child, its address, the token and the lines before.
fn serve_sandbox(args: &[&str], env: &[(&str, &str)]) -> (Running, String, String, Vec<String>) {
    use std::io::BufRead;
    use std::process::Stdio;
    let child = finhub()
        .args(["sandbox", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
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
    let mut printed = Vec::new();
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
        printed.push(line);
    };
    let addr = addr.expect("the address comes first");
    (child, addr, token, printed)
}

#[test]
fn sandbox_prints_the_control_token_that_opens_its_control_endpoints() {
    let (_child, addr, token, _) = serve_sandbox(&[], &[]);
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

/// `finhub sandbox` serves on 127.0.0.1 and prints its seeded credentials,
/// which `FINHUB_SANDBOX_*` variables and `--token-lifetime` override.
#[test]
fn sandbox_serves_on_loopback_and_prints_its_seeded_credentials() {
    let (_child, addr, _, printed) = serve_sandbox(&[], &[]);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let printed = printed.join("\n");
    for (label, value) in [
        ("tenant id (X-Tenant-ID)", finhub_sandbox::DEFAULT_TENANT_ID),
        ("admin username", finhub_sandbox::DEFAULT_ADMIN_USERNAME),
        ("admin password", finhub_sandbox::DEFAULT_ADMIN_PASSWORD),
        ("tenant key", finhub_sandbox::DEFAULT_TENANT_KEY),
        ("tenant secret", finhub_sandbox::DEFAULT_TENANT_SECRET),
        ("token lifetime", "3600 s"),
    ] {
        assert!(
            printed.contains(&format!("{label:<28} {value}")),
            "{label}: {printed}"
        );
    }

    let (_child, _, _, printed) = serve_sandbox(
        &["--token-lifetime", "42"],
        &[("FINHUB_SANDBOX_TENANT_ID", "tenant-from-the-environment")],
    );
    let printed = printed.join("\n");
    for (label, value) in [
        ("tenant id (X-Tenant-ID)", "tenant-from-the-environment"),
        ("token lifetime", "42 s"),
    ] {
        assert!(
            printed.contains(&format!("{label:<28} {value}")),
            "{label}: {printed}"
        );
    }
}

/// `finhub sandbox --profile` (over `FINHUB_SANDBOX_PROFILE`) chooses the
/// paths served, and the slow parts are printed with it.
#[test]
fn sandbox_plays_the_profile_its_flag_names() {
    let (_child, addr, _, printed) = serve_sandbox(
        &[
            "--profile",
            "reference",
            "--review",
            "all",
            "--iban-delay",
            "60",
        ],
        &[("FINHUB_SANDBOX_PROFILE", "runner")],
    );
    let printed = printed.join("\n");
    for (label, value) in [
        ("profile", "reference"),
        ("activation codes", "any-non-empty"),
        ("IBAN delay after activation", "60 s"),
    ] {
        assert!(
            printed.contains(&format!("{label:<28} {value}")),
            "{label}: {printed}"
        );
    }
    assert!(
        printed.contains("review of approvals          all"),
        "{printed}"
    );
    // The reference's plural path is served (and wants FinHub's headers);
    // the singular one is not there.
    let singular = get(
        &addr,
        "/api/v2.1/customer/individual/categorization/hierarchy/x",
        None,
    );
    assert!(singular.starts_with("HTTP/1.1 404"), "{singular}");
    let plural = get(
        &addr,
        "/api/v2.1/customers/individual/categorization/hierarchy/x",
        None,
    );
    assert!(plural.starts_with("HTTP/1.1 400"), "{plural}");
    assert!(plural.contains("Missing required header"), "{plural}");

    let (_child, _, _, printed) = serve_sandbox(&[], &[("FINHUB_SANDBOX_PROFILE", "runner")]);
    let printed = printed.join("\n");
    assert!(
        printed.contains(&format!("{:<28} runner", "profile")),
        "{printed}"
    );
}

// ---------------------------------------------------------------------------
// Redaction: canary secrets never reach stdout, stderr or a file we write.

/// Canary secrets, each unlike anything else the journey prints.
const CANARY_TENANT_KEY: &str = "CnryKey1-tenant-key-7f3a9c";
const CANARY_TENANT_SECRET: &str = "CnrySec2-tenant-secret-b81d40";
const CANARY_ADMIN_PASSWORD: &str = "CnryPwd3-admin-password-5e2a!";
const CANARY_CONTROL_TOKEN: &str = "CnryCtl4-control-token-0c6f";
const CANARY_JWT_SECRET: &str = "CnryJwt5-jwt-signing-secret-93ab";
const CANARY_CUSTOMER_PASSWORD: &str = "CnryCus6-customer-Passw0rd!";

/// What must never be shown: the canaries, the part of the tenant key that
/// refresh tokens carry (`<uuid>-<userId>-<first 8 characters>`), and any
/// JWT (they all start with the base64 of `{"`).
fn forbidden() -> Vec<&'static str> {
    vec![
        CANARY_TENANT_KEY,
        CANARY_TENANT_SECRET,
        CANARY_ADMIN_PASSWORD,
        CANARY_CONTROL_TOKEN,
        CANARY_JWT_SECRET,
        CANARY_CUSTOMER_PASSWORD,
        &CANARY_TENANT_KEY[..8],
        "eyJ",
    ]
}

/// A sandbox seeded with the canary secrets.
async fn canary_sandbox() -> Sandbox {
    let config = finhub_sandbox::SandboxConfig {
        tenant_key: CANARY_TENANT_KEY.into(),
        tenant_secret: CANARY_TENANT_SECRET.into(),
        admin_password: CANARY_ADMIN_PASSWORD.into(),
        control_token: Some(CANARY_CONTROL_TOKEN.into()),
        jwt_secret: Some(CANARY_JWT_SECRET.into()),
        ..finhub_sandbox::SandboxConfig::default()
    };
    Sandbox::builder().config(config).start().await.unwrap()
}

/// Every file under `dir`, by path, with its content.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push((path.clone(), text(&std::fs::read(&path).unwrap())));
        }
    }
    files
}

/// Asserts that no canary is in the run's stdout and stderr, nor in any
/// file under `dir` (the directory the run wrote its state to and ran in).
/// The state file holds the customer's session tokens by design (a later
/// run resumes the session with them) and nothing else secret: the tokens
/// are allowed there, and only there; the customer's password is nowhere.
#[track_caller]
fn assert_no_canary(what: &str, out: &Output, dir: &std::path::Path, state: &std::path::Path) {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    let files = files_under(dir);
    assert!(
        files.iter().any(|(path, _)| path == state),
        "{what}: no state file in {files:?}"
    );
    let saved = state_json(state);
    assert!(
        saved["state"].get("password").is_none(),
        "{what}: a password in the state"
    );
    for canary in forbidden() {
        assert!(
            !stdout.contains(canary),
            "{what}: `{canary}` on stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(canary),
            "{what}: `{canary}` on stderr:\n{stderr}"
        );
        for (path, content) in &files {
            // Session tokens are in the state file on purpose: the access
            // token (a JWT) and the refresh token, which carries the first
            // characters of the tenant key in FinHub's format.
            if path == state && (canary == "eyJ" || canary == &CANARY_TENANT_KEY[..8]) {
                continue;
            }
            assert!(
                !content.contains(canary),
                "{what}: `{canary}` in {}",
                path.display()
            );
        }
    }
}

#[test]
fn onboard_against_the_embedded_sandbox_shows_no_secret() {
    // The embedded sandbox is seeded from the FINHUB_SANDBOX_* variables:
    // a control token that is too short stops it, named, not shown.
    let out = finhub()
        .arg("onboard")
        .env("FINHUB_SANDBOX_CONTROL_TOKEN", "CnryShort")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot configure the embedded sandbox: ")
            && stderr.contains("control_token: must be at least 16 characters"),
        "{stderr}"
    );
    assert!(!stderr.contains("CnryShort"), "{stderr}");

    for (json, verbose) in [(false, false), (true, false), (false, true)] {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("onboarding.json");
        let mut command = finhub();
        command
            .current_dir(dir.path())
            .args(["onboard", "--state", state.to_str().unwrap()])
            .env("FINHUB_CUSTOMER_PASSWORD", CANARY_CUSTOMER_PASSWORD)
            .env("FINHUB_SANDBOX_TENANT_KEY", CANARY_TENANT_KEY)
            .env("FINHUB_SANDBOX_TENANT_SECRET", CANARY_TENANT_SECRET)
            .env("FINHUB_SANDBOX_ADMIN_PASSWORD", CANARY_ADMIN_PASSWORD)
            .env("FINHUB_SANDBOX_CONTROL_TOKEN", CANARY_CONTROL_TOKEN)
            .env("FINHUB_SANDBOX_JWT_SECRET", CANARY_JWT_SECRET);
        if json {
            command.arg("--json");
        }
        if verbose {
            // Everything the SDK and the sandbox log, at every level.
            command.args(["-v"]).env("RUST_LOG", "trace");
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        if verbose {
            assert!(
                text(&out.stderr).contains("finhub.call"),
                "{}",
                text(&out.stderr)
            );
        }
        assert_no_canary(
            &format!("embedded, json {json}, verbose {verbose}"),
            &out,
            dir.path(),
            &state,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboard_with_a_base_url_shows_no_secret() {
    let sandbox = canary_sandbox().await;
    let c = sandbox.credentials();
    // The secrets as files, kept apart from where the run writes.
    let secrets = tempfile::tempdir().unwrap();
    let write = |name: &str, value: &str| {
        let path = secrets.path().join(name);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        path.to_str().unwrap().to_string()
    };
    let key_file = write("tenant-key", CANARY_TENANT_KEY);
    let secret_file = write("tenant-secret", CANARY_TENANT_SECRET);
    let password_file = write("admin-password", CANARY_ADMIN_PASSWORD);
    let customer_file = write("customer-password", CANARY_CUSTOMER_PASSWORD);

    for (from_files, json) in [(false, false), (true, true), (false, true), (true, false)] {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("onboarding.json");
        let mut command = finhub();
        command
            .current_dir(dir.path())
            .args(["onboard", "-v", "--base-url", sandbox.base_url()])
            .args(["--state", state.to_str().unwrap()])
            .args(["--activation-code", ANY_CODE]);
        if from_files {
            // Secrets from files, the other settings as flags.
            command
                .args(["--tenant-id", &c.tenant_id])
                .args(["--admin-organization-id", &c.organization_id])
                .args(["--admin-user-id", &c.admin_user_id])
                .args(["--admin-username", &c.admin_username])
                .args(["--tenant-key-file", &key_file])
                .args(["--tenant-secret-file", &secret_file])
                .args(["--admin-password-file", &password_file])
                .args(["--customer-password-file", &customer_file]);
        } else {
            command
                .env("FINHUB_TENANT_ID", &c.tenant_id)
                .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
                .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
                .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
                .env("FINHUB_TENANT_KEY", CANARY_TENANT_KEY)
                .env("FINHUB_TENANT_SECRET", CANARY_TENANT_SECRET)
                .env("FINHUB_ADMIN_PASSWORD", CANARY_ADMIN_PASSWORD)
                .env("FINHUB_CUSTOMER_PASSWORD", CANARY_CUSTOMER_PASSWORD);
        }
        if json {
            command.arg("--json");
        }
        let out = tokio::task::block_in_place(|| command.output().unwrap());
        assert!(out.status.success(), "{}", text(&out.stderr));
        let what = format!("--base-url, files {from_files}, json {json}");
        assert_no_canary(&what, &out, dir.path(), &state);
    }
    assert_eq!(sandbox.stats().side_effects.registrations, 4);
}

/// A failed run (its error line, its saved state) and the run that resumes
/// it show no secret either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_and_resumed_onboarding_shows_no_secret() {
    let sandbox = canary_sandbox().await;
    sandbox
        .faults()
        .inject(FaultRule::status(503).on(Operation::AcceptConsent).times(1))
        .unwrap();
    let c = sandbox.credentials();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let run = |json: bool| {
        let mut command = finhub();
        command
            .current_dir(dir.path())
            .args(["onboard", "-v", "--base-url", sandbox.base_url()])
            .args(["--state", state.to_str().unwrap()])
            .args(["--activation-code", ANY_CODE])
            .env("FINHUB_CUSTOMER_PASSWORD", CANARY_CUSTOMER_PASSWORD)
            .env("FINHUB_TENANT_ID", &c.tenant_id)
            .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
            .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
            .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
            .env("FINHUB_TENANT_KEY", CANARY_TENANT_KEY)
            .env("FINHUB_TENANT_SECRET", CANARY_TENANT_SECRET)
            .env("FINHUB_ADMIN_PASSWORD", CANARY_ADMIN_PASSWORD);
        if json {
            command.arg("--json");
        }
        tokio::task::block_in_place(|| command.output().unwrap())
    };
    let failed = run(true);
    assert_eq!(failed.status.code(), Some(4));
    assert!(
        text(&failed.stderr)
            .lines()
            .any(|l| l.starts_with("error: consents: server error")),
        "{}",
        text(&failed.stderr)
    );
    assert_no_canary("failed run", &failed, dir.path(), &state);
    let resumed = run(false);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert_no_canary("resumed run", &resumed, dir.path(), &state);
}

#[test]
fn validate_shows_no_secret_of_the_file() {
    let canaries = [
        ("/password", "CnryVal1-password!A9"),
        ("/matchingPassword", "CnryVal2-matching!B8"),
        ("/individualCustomer/user/password", "CnryVal3-user-pass!C7"),
    ];
    let mut valid: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/registration.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for pointer in [
        "/password",
        "/matchingPassword",
        "/individualCustomer/user/password",
    ] {
        *valid.pointer_mut(pointer).unwrap() = Value::String("CnryVal0-Strong-pass!1".into());
    }
    // The secret fields of other requests, in case one is pasted in.
    valid["tenantKey"] = Value::String(CANARY_TENANT_KEY.into());
    valid["tenantSecret"] = Value::String(CANARY_TENANT_SECRET.into());
    valid["token"] = Value::String("CnryVal4-token".into());
    valid["refreshToken"] = Value::String("CnryVal5-refresh".into());

    // Mismatched, weak and misplaced passwords: every violation printed.
    let mut invalid = valid.clone();
    for (pointer, canary) in canaries {
        *invalid.pointer_mut(pointer).unwrap() = Value::String(canary.into());
    }
    *invalid
        .pointer_mut("/individualCustomer/user/password")
        .unwrap() = Value::String("cnryval6weak".into());
    // A secret's value copied into a field that is printed is blanked too.
    invalid["email"] = Value::String("CnryVal1-password!A9".into());
    // A broken file around a secret: the parser error must not quote it.
    let broken = r#"{"password": "CnryVal7-broken", "gender": 7 "#.to_string();

    for (what, content, valid_file) in [
        ("valid", valid.to_string(), true),
        ("invalid", invalid.to_string(), false),
        ("broken", broken, false),
    ] {
        let out = validate_file(&content);
        assert_eq!(
            out.status.success(),
            valid_file,
            "{what}: {}",
            text(&out.stdout)
        );
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        if what == "invalid" {
            assert!(all.contains("password.mismatch"), "{all}");
        }
        for canary in [
            "CnryVal",
            "cnryval6weak",
            CANARY_TENANT_KEY,
            CANARY_TENANT_SECRET,
        ] {
            assert!(!all.contains(canary), "{what}: `{canary}` shown:\n{all}");
        }
    }
}

// ---------------------------------------------------------------------------
// Waiting: exit 75, what it waits for, how to continue.

/// The JSON report of a run.
#[track_caller]
fn report_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_waits_for_the_emailed_code_exits_75_and_continues_with_it() {
    let sandbox = Sandbox::builder()
        .activation_codes(ActivationCodes::Emailed)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let state_arg = state.to_str().unwrap().to_string();
    let email = "waits.for.code@example.com";
    let args = ["--state", state_arg.as_str(), "--email", email];

    // Human form: what it waits for, where it is saved, how to continue.
    let first = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
    let stdout = text(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(75),
        "{stdout}{}",
        text(&first.stderr)
    );
    assert!(first.stderr.is_empty(), "{}", text(&first.stderr));
    assert!(
        stdout.contains(&format!(
            "waiting for the activation code e-mailed to the customer ({email})"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("saved in   {state_arg}")),
        "{stdout}"
    );
    let command = format!(
        "finhub onboard --base-url {} --state {state_arg} --activation-code CODE",
        sandbox.base_url()
    );
    assert!(stdout.contains(&command), "{stdout}");
    assert!(
        stdout.contains("✓ readiness") && !stdout.contains("✓ activation"),
        "{stdout}"
    );
    assert_eq!(state_json(&state)["phase"], "waiting");

    // JSON form of the same wait; running again sends no POST.
    let before = sandbox.stats().side_effects;
    let json = [&args[..], &["--json"]].concat();
    let again = tokio::task::block_in_place(|| onboard_against(&sandbox, &json));
    assert_eq!(again.status.code(), Some(75));
    let report = report_of(&again);
    assert_eq!(report["outcome"], "waiting", "{report}");
    assert_eq!(report["exitCode"], 75, "{report}");
    assert_eq!(report["success"], false, "{report}");
    let waiting = &report["waiting"];
    assert_eq!(waiting["on"], "activationCode", "{report}");
    assert_eq!(waiting["rejected"], false, "{report}");
    assert!(waiting["retryAfterMs"].is_null(), "{report}");
    assert_eq!(
        waiting["continueWith"], "--activation-code CODE",
        "{report}"
    );
    assert_eq!(waiting["command"], command.as_str(), "{report}");
    assert_eq!(sandbox.stats().side_effects, before);

    // A code FinHub refuses: still waiting, for a new one.
    let wrong = [
        &json[..],
        &["--activation-code", "ACTIVATION_CODE_99999999999999"],
    ]
    .concat();
    let refused = tokio::task::block_in_place(|| onboard_against(&sandbox, &wrong));
    assert_eq!(refused.status.code(), Some(75), "{}", text(&refused.stderr));
    let report = report_of(&refused);
    assert_eq!(report["waiting"]["on"], "activationCode", "{report}");
    assert_eq!(report["waiting"]["rejected"], true, "{report}");
    assert_eq!(sandbox.stats().side_effects.activations, 0);

    // The e-mailed code finishes the journey.
    let code = sandbox.outbox_to(email)[0].code.expose().to_string();
    let done = tokio::task::block_in_place(|| {
        onboard_against(
            &sandbox,
            &[&args[..], &["--activation-code", &code]].concat(),
        )
    });
    let stdout = text(&done.stdout);
    assert!(done.status.success(), "{stdout}{}", text(&done.stderr));
    assert!(
        stdout.contains("✓ registration      done earlier"),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l == "✓ activation"), "{stdout}");
    let iban = stdout
        .lines()
        .find_map(|l| l.strip_prefix("IBAN       "))
        .expect("an IBAN line");
    assert!(valid_iban(iban), "{iban}");
    assert!(!stdout.contains(&code) && !text(&done.stderr).contains(&code));
    // The code is dropped from the state once used.
    assert!(!std::fs::read_to_string(&state).unwrap().contains(&code));
    let effects = sandbox.stats().side_effects;
    assert_eq!((effects.registrations, effects.activations), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_waits_for_the_kyc_review_or_a_login_exits_75_and_continues() {
    let sandbox = Sandbox::builder()
        .review(ReviewMode::All)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let state_arg = state.to_str().unwrap().to_string();
    let password = "Chosen-by-Marcus-42!";
    let args = ["--state", state_arg.as_str(), "--activation-code", ANY_CODE];
    let run = |extra: &[&str], with_password: bool| {
        let mut command = onboard_command(&sandbox, &[&args[..], extra].concat());
        if with_password {
            command.env("FINHUB_CUSTOMER_PASSWORD", password);
        }
        tokio::task::block_in_place(|| command.output().unwrap())
    };

    let first = run(&["--json"], true);
    assert_eq!(first.status.code(), Some(75), "{}", text(&first.stderr));
    let report = report_of(&first);
    let waiting = &report["waiting"];
    assert_eq!(waiting["on"], "kycReview", "{report}");
    assert_eq!(waiting["description"], "FinHub's KYC review", "{report}");
    assert_eq!(waiting["retryAfterMs"], 60_000, "{report}");
    assert!(waiting["continueWith"].is_null(), "{report}");
    assert_eq!(
        waiting["command"],
        format!(
            "finhub onboard --base-url {} --state {state_arg}",
            sandbox.base_url()
        )
        .as_str(),
        "{report}"
    );

    // Asked again while FinHub still reviews: the same wait.
    let second = run(&[], false);
    let stdout = text(&second.stdout);
    assert_eq!(second.status.code(), Some(75), "{stdout}");
    assert!(
        stdout.contains("waiting for FinHub's KYC review"),
        "{stdout}"
    );
    assert!(stdout.contains("again in 60 s or later"), "{stdout}");

    // The review completes; two days pass, so the saved customer session
    // cannot be renewed: the journey waits for the customer's password.
    let verification = report["verificationId"].as_str().unwrap();
    sandbox.approve_review(verification).unwrap();
    sandbox
        .clock()
        .advance(std::time::Duration::from_secs(2 * 86_400));
    let third = run(&["--json"], false);
    assert_eq!(third.status.code(), Some(75), "{}", text(&third.stderr));
    let report = report_of(&third);
    assert_eq!(report["waiting"]["on"], "customerLogin", "{report}");
    assert_eq!(
        report["waiting"]["continueWith"], "FINHUB_CUSTOMER_PASSWORD",
        "{report}"
    );
    assert!(
        report["waiting"]["advice"]
            .as_str()
            .unwrap()
            .contains("set FINHUB_CUSTOMER_PASSWORD"),
        "{report}"
    );

    let done = run(&[], true);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let effects = sandbox.stats().side_effects;
    assert_eq!(
        (
            effects.registrations,
            effects.approvals,
            effects.activations,
            effects.customer_sessions
        ),
        (1, 1, 1, 2),
        "{effects:?}"
    );
    let all = format!(
        "{}{}{}",
        text(&done.stdout),
        text(&done.stderr),
        std::fs::read_to_string(&state).unwrap()
    );
    assert!(!all.contains(password), "the password was shown or saved");
}

/// `-v` logs one line per FinHub call (operation, status, latency) on
/// stderr and no secret; `RUST_LOG` does too; without either, nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_logs_one_line_per_call_with_operation_status_and_latency() {
    let sandbox = canary_sandbox().await;
    let c = sandbox.credentials();
    let run = |extra: &[&str], rust_log: Option<&str>| {
        let mut command = finhub();
        command
            .args(["onboard", "--base-url", sandbox.base_url()])
            .args(["--activation-code", ANY_CODE])
            .args(extra)
            .env("FINHUB_TENANT_ID", &c.tenant_id)
            .env("FINHUB_ADMIN_ORGANIZATION_ID", &c.organization_id)
            .env("FINHUB_ADMIN_USER_ID", &c.admin_user_id)
            .env("FINHUB_ADMIN_USERNAME", &c.admin_username)
            .env("FINHUB_TENANT_KEY", CANARY_TENANT_KEY)
            .env("FINHUB_TENANT_SECRET", CANARY_TENANT_SECRET)
            .env("FINHUB_ADMIN_PASSWORD", CANARY_ADMIN_PASSWORD)
            .env("FINHUB_CUSTOMER_PASSWORD", CANARY_CUSTOMER_PASSWORD)
            .env_remove("RUST_LOG");
        if let Some(filter) = rust_log {
            command.env("RUST_LOG", filter);
        }
        tokio::task::block_in_place(|| command.output().unwrap())
    };

    let quiet = run(&[], None);
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));

    for (extra, rust_log) in [(&["-v"][..], None), (&[][..], Some("finhub_ext=info"))] {
        sandbox.reset_stats();
        let out = run(extra, rust_log);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let calls: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("finhub call finished"))
            .collect();
        assert_eq!(
            calls.len() as u64,
            sandbox.stats().total_requests(),
            "one line per call:\n{stderr}"
        );
        for operation in [
            Operation::CreateAdminSession,
            Operation::RegisterIndividualCustomer,
            Operation::ActivateCustomer,
        ] {
            let line = calls
                .iter()
                .find(|l| l.contains(&format!("operation=\"{}\"", operation.id())))
                .unwrap_or_else(|| panic!("no line for {operation}:\n{stderr}"));
            assert!(
                line.contains("status=200") && line.contains("latency_ms="),
                "{line}"
            );
        }
        for canary in forbidden() {
            assert!(!stderr.contains(canary), "`{canary}` logged:\n{stderr}");
        }
        assert!(
            !text(&out.stdout).contains("finhub call"),
            "logs go to stderr"
        );
    }
}

// ---------------------------------------------------------------------------
// A `kill -9` in the middle of a run, then a resume: every step once.

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_in_the_middle_of_a_run_then_a_resume_does_every_step_once() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let sandbox = Sandbox::start().await.unwrap();
    // The second document's upload hangs far longer than the test runs:
    // the process is killed while that request is in flight.
    sandbox
        .faults()
        .inject(
            FaultRule::latency(Duration::from_secs(600))
                .on(Operation::UploadVerificationDocument)
                .after(1)
                .times(1),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("onboarding.json");
    let state_arg = state.to_str().unwrap().to_string();
    let email = "killed.midway@example.com";
    let args = ["--state", state_arg.as_str(), "--email", email];

    let mut child = onboard_command(&sandbox, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Chosen by the state file's progress: the passport is uploaded and the
    // proof of address recorded as sent; and by the sandbox's counter: that
    // request arrived (and is held by the latency).
    let midway = |journey: &Value| {
        let documents = &journey["state"]["documents"];
        documents[0]["attempt"]["state"] == "done" && documents[1]["attempt"]["state"] == "sent"
    };
    // A bound for a hung run, never reached by a working one.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let saved = std::fs::read(&state)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
        let arrived = sandbox
            .stats()
            .requests_for(Operation::UploadVerificationDocument)
            == 2;
        if saved.as_ref().is_some_and(midway) && arrived {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        assert!(Instant::now() < deadline, "no progress: {saved:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    let killed = sandbox.stats().side_effects;
    assert_eq!(
        (killed.registrations, killed.documents),
        (1, 1),
        "{killed:?}"
    );
    assert_eq!(killed.approvals, 0);

    // The resume reads back the upload whose answer never came, sends it
    // again, and goes on to the e-mailed code.
    let resumed = tokio::task::block_in_place(|| onboard_against(&sandbox, &args));
    let stdout = text(&resumed.stdout);
    assert_eq!(
        resumed.status.code(),
        Some(75),
        "{stdout}{}",
        text(&resumed.stderr)
    );
    assert!(
        stdout.contains("✓ verification      done earlier"),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l == "✓ documents"), "{stdout}");
    let code = sandbox.outbox_to(email)[0].code.expose().to_string();
    let done = tokio::task::block_in_place(|| {
        onboard_against(
            &sandbox,
            &[&args[..], &["--activation-code", &code]].concat(),
        )
    });
    assert!(done.status.success(), "{}", text(&done.stderr));

    let stats = sandbox.stats();
    let effects = stats.side_effects;
    assert_eq!(effects.registrations, 1, "{effects:?}");
    assert_eq!(effects.verifications, 1, "{effects:?}");
    assert_eq!(effects.documents, 2, "{effects:?}");
    assert!(
        stats.documents_by_type.values().all(|n| *n == 1) && stats.documents_by_type.len() == 2,
        "{:?}",
        stats.documents_by_type
    );
    assert_eq!(effects.approvals, 1, "{effects:?}");
    assert_eq!(effects.consents, 3, "{effects:?}");
    assert!(
        stats.consents_by_type.values().all(|n| *n == 1) && stats.consents_by_type.len() == 3,
        "{:?}",
        stats.consents_by_type
    );
    assert_eq!(effects.activations, 1, "{effects:?}");
    // One login: the resumes renewed the saved session.
    assert_eq!(effects.customer_sessions, 1, "{effects:?}");
    assert_eq!(stats.requests[&Operation::RegisterIndividualCustomer], 1);
}

// ---------------------------------------------------------------------------
// State files of an earlier finhub, and of another FinHub.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_of_an_earlier_finhub_or_another_server_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("old.json");
    let earlier = r#"{"base_url": "https://finhub.example", "completed": ["categorization"],
        "password": "Canary-earlier-format-1!"}"#;
    std::fs::write(&state, earlier).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = tokio::task::block_in_place(|| {
        onboard_against(&sandbox, &["--state", state.to_str().unwrap()])
    });
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: a state file of an earlier finhub onboard",
            state.display()
        )) && stderr.contains("journey version 1"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("Canary"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        earlier,
        "left as it was"
    );
    assert_eq!(sandbox.stats().total_requests(), 0, "nothing sent");

    // A journey saved against one FinHub is not continued against another
    // (here: the embedded sandbox).
    let state = dir.path().join("onboarding.json");
    let state_arg = state.to_str().unwrap().to_string();
    let first = tokio::task::block_in_place(|| onboard_against(&sandbox, &["--state", &state_arg]));
    assert_eq!(first.status.code(), Some(75), "{}", text(&first.stderr));
    let out = finhub()
        .args(["onboard", "--state", &state_arg])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("against {}", sandbox.base_url()))
            && stderr.contains(&format!(
                "use --base-url {} to continue it",
                sandbox.base_url()
            )),
        "{stderr}"
    );
}
