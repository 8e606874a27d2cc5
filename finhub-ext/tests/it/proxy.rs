//! A loopback base URL (a local sandbox) is never reached through a proxy,
//! even with `HTTP_PROXY` set. The environment is set only for a child
//! process running this test binary, never mutated in the test process.

use std::process::Command;

use crate::common::*;
use httpmock::prelude::*;

const CHILD: &str = "FINHUB_EXT_PROXY_TEST_CHILD";
const TARGET: &str = "FINHUB_EXT_PROXY_TEST_TARGET";

#[tokio::test]
async fn a_loopback_base_url_never_goes_through_http_proxy() {
    if std::env::var_os(CHILD).is_some() {
        // In the child: HTTP_PROXY is set; log in against the target.
        let target = std::env::var(TARGET).unwrap();
        let client = finhub_ext::FinhubClient::builder()
            .base_url(target)
            .tenant_id(TENANT)
            .tenant_key("k")
            .tenant_secret("s")
            .admin(finhub_ext::AdminCredentials::new(
                ORG, ADMIN_USER, "admin", "pw",
            ))
            .build()
            .unwrap();
        client.admin_login().await.unwrap();
        return;
    }
    let target = MockServer::start_async().await;
    let login = target
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(200)
                .json_body(session_body("admin-token-1", "", 3600));
        })
        .await;
    let proxy = MockServer::start_async().await;
    let proxied = proxy
        .mock_async(|when, then| {
            when.any_request();
            then.status(502);
        })
        .await;
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            test_name(
                module_path!(),
                "a_loopback_base_url_never_goes_through_http_proxy",
            )
            .as_str(),
            "--exact",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(TARGET, target.base_url())
        .env("HTTP_PROXY", proxy.base_url())
        .env("http_proxy", proxy.base_url())
        .env("ALL_PROXY", proxy.base_url())
        .env("all_proxy", proxy.base_url())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the child failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "the child ran no test"
    );
    assert_eq!(proxied.calls_async().await, 0, "the proxy saw the request");
    assert_eq!(
        login.calls_async().await,
        1,
        "the request reached the target"
    );
}
