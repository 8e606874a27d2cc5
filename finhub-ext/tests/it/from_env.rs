//! `FinhubClientBuilder::from_env` is a builder: configuration from
//! `FINHUB_*` variables combines with a service's own HTTP client. The
//! variables are set only for a child process running this test, never in
//! the test process (changing the environment of a running process is
//! unsound while other threads read it).

use std::process::Command;

use finhub_ext::{FinhubClientBuilder, env, reqwest};

const CHILD: &str = "FINHUB_EXT_FROM_ENV_TEST_CHILD";
const NAME: &str = "a_builder_from_the_environment_takes_a_callers_http_client";

/// Runs this test again in a child process with `vars` set (and `unset`
/// removed); returns whether it passed, and its output.
fn in_child(vars: &[(&str, &str)], unset: &[&str]) -> (bool, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    let name = crate::common::test_name(module_path!(), NAME);
    command.args([name.as_str(), "--exact", "--test-threads=1", "--nocapture"]);
    command.env(CHILD, "1");
    for (name, value) in vars {
        command.env(name, value);
    }
    for name in unset {
        command.env_remove(name);
    }
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The child must really have run the test, not filtered it out.
    (output.status.success() && text.contains("1 passed"), text)
}

/// What the child checks, with the environment its parent gave it.
fn child() {
    if std::env::var_os(env::TENANT_SECRET).is_none() {
        let err = FinhubClientBuilder::from_env().unwrap_err();
        assert!(err.to_string().contains(env::TENANT_SECRET), "{err}");
        return;
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .no_proxy()
        .build()
        .unwrap();
    let builder = FinhubClientBuilder::from_env().unwrap();
    let debug = format!("{builder:?}");
    let client = builder.http_client(http).build().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:9/prefix");
    assert_eq!(client.tenant_id(), "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd");
    let printed = format!("{debug} {client:?}");
    assert!(!printed.contains("env-tenant-key-canary"), "{printed}");
    assert!(!printed.contains("env-tenant-secret-canary"), "{printed}");
}

#[test]
fn a_builder_from_the_environment_takes_a_callers_http_client() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let vars = [
        (env::BASE_URL, "http://127.0.0.1:9/prefix/"),
        (env::TENANT_ID, "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd"),
        (env::TENANT_KEY, "env-tenant-key-canary"),
        (env::TENANT_SECRET, "env-tenant-secret-canary"),
    ];
    let (passed, output) = in_child(&vars, &[]);
    assert!(passed, "with every variable set: {output}");
    let (passed, output) = in_child(&vars[..3], &[env::TENANT_SECRET]);
    assert!(passed, "without the tenant secret: {output}");
}
