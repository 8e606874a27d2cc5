//! `FinhubClientBuilder::from_env` is a builder: configuration from
//! `FINHUB_*` variables combines with a service's own HTTP client. (One test
//! in its own binary: it sets process environment variables.)

use finhub_ext::{FinhubClientBuilder, env, reqwest};

#[test]
fn a_builder_from_the_environment_takes_a_callers_http_client() {
    // SAFETY: the only test of this binary; nothing else reads or writes
    // the environment meanwhile.
    unsafe {
        std::env::set_var(env::BASE_URL, "http://127.0.0.1:9/prefix/");
        std::env::set_var(env::TENANT_ID, "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd");
        std::env::set_var(env::TENANT_KEY, "env-tenant-key-canary");
        std::env::set_var(env::TENANT_SECRET, "env-tenant-secret-canary");
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

    unsafe { std::env::remove_var(env::TENANT_SECRET) };
    let err = FinhubClientBuilder::from_env().unwrap_err();
    assert!(err.to_string().contains(env::TENANT_SECRET), "{err}");
}
