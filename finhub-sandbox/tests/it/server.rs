//! Starting and stopping: ephemeral port, a caller's listener, graceful
//! shutdown, bad configuration.

use std::time::Duration;

use finhub_sandbox::{Sandbox, SandboxConfig, SandboxError, serve_with_shutdown};
use serde_json::Value;

use crate::common::{Api, PROMPTLY, SHUTDOWN_BOUND};

#[tokio::test]
async fn starts_on_loopback_and_stops() {
    let sandbox = Sandbox::start().await.unwrap();
    assert!(sandbox.addr().ip().is_loopback());
    assert_ne!(sandbox.addr().port(), 0);
    assert_eq!(sandbox.base_url(), format!("http://{}", sandbox.addr()));
    let credentials = sandbox.credentials();
    assert_eq!(credentials.base_url.as_deref(), Some(sandbox.base_url()));
    assert_eq!(credentials.tenant_id, finhub_sandbox::DEFAULT_TENANT_ID);
    assert!(credentials.render().contains(sandbox.base_url()));
    Api::new(&sandbox).admin_login().await;

    let addr = sandbox.addr();
    tokio::time::timeout(SHUTDOWN_BOUND, sandbox.shutdown())
        .await
        .expect("shutdown completes");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening"
    );
}

#[tokio::test]
async fn drop_stops_the_server() {
    let sandbox = Sandbox::start().await.unwrap();
    let addr = sandbox.addr();
    drop(sandbox);
    // The server stops in its own task: look until the listener is gone
    // (the bound only turns a server that never stops into a failure).
    let closed = tokio::time::timeout(PROMPTLY, async {
        while tokio::net::TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(closed.is_ok(), "the listener outlived the handle");
}

#[tokio::test]
async fn serves_a_callers_listener_with_its_config() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = SandboxConfig {
        tenant_id: "tenant-demo-001".into(),
        admin_password: "Another123!".into(),
        ..SandboxConfig::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with_shutdown(config, listener, async {
        let _ = stopped.await;
    }));
    let health: Value = reqwest::get(format!("http://{addr}/__sandbox/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    // Without a configured control token the control endpoints stay shut.
    for token in [None, Some("a-guessed-control-token")] {
        let mut request = reqwest::Client::new().get(format!("http://{addr}/__sandbox/stats"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(request.send().await.unwrap().status(), 401);
    }
    let response = reqwest::Client::new()
        .post(format!(
            "http://{addr}/api/v2.1/admin/organization/{}/users/{}/sessions",
            finhub_sandbox::DEFAULT_ORGANIZATION_ID,
            finhub_sandbox::DEFAULT_ADMIN_USER_ID
        ))
        .header("X-Tenant-ID", "tenant-demo-001")
        .header("X-Forwarded-For", "127.0.0.1")
        .header("X-Forwarded-From", "cli")
        .header("platform", "web")
        .header("deviceId", "d")
        .json(&serde_json::json!({
            "username": finhub_sandbox::DEFAULT_ADMIN_USERNAME,
            "password": "Another123!",
            "tenantKey": finhub_sandbox::DEFAULT_TENANT_KEY,
            "tenantSecret": finhub_sandbox::DEFAULT_TENANT_SECRET,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    stop.send(()).unwrap();
    tokio::time::timeout(SHUTDOWN_BOUND, server)
        .await
        .expect("serve returns after the signal")
        .unwrap()
        .unwrap();

    // The builder takes a listener too.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sandbox = Sandbox::builder().listener(listener).start().await.unwrap();
    assert_eq!(sandbox.addr(), addr);
}

#[tokio::test]
async fn a_bad_config_does_not_start() {
    let config = SandboxConfig {
        token_lifetime: Duration::ZERO,
        ..SandboxConfig::default()
    };
    let error = Sandbox::builder()
        .config(config.clone())
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(error, SandboxError::Config(ref e) if e.field == "token_lifetime"),
        "{error}"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    assert!(
        serve_with_shutdown(config, listener, async {})
            .await
            .is_err()
    );
}
