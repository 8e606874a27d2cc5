//! Who may talk to the sandbox: only loopback `Host` values on every route
//! (DNS rebinding), and the control endpoints only with the control token.

use chrono::Utc;
use finhub_sandbox::{Clock, ExposeSecret, FaultRule, Operation, Sandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{self, Api, raw};

/// A raw admin login with `host` as the `Host` header.
fn login_request(sandbox: &Sandbox, host: &str) -> Vec<u8> {
    let c = sandbox.credentials();
    let body = json!({
        "username": c.admin_username,
        "password": c.admin_password.expose_secret(),
        "tenantKey": c.tenant_key.expose_secret(),
        "tenantSecret": c.tenant_secret.expose_secret(),
    })
    .to_string();
    format!(
        "POST /api/v2.1/admin/organization/{}/users/{}/sessions HTTP/1.1\r\nHost: {host}\r\n{}\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        c.organization_id,
        c.admin_user_id,
        common::raw_headers(&c.tenant_id),
        body.len(),
    )
    .into_bytes()
}

/// A route template with every `{parameter}` replaced by an id.
fn route_with_ids(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "id-1"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn get_request(path: &str, host: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn foreign_hosts_are_refused_on_every_route() {
    let sandbox = Sandbox::start().await.unwrap();
    let addr = sandbox.addr();
    let port = addr.port();
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        "localhost.evil.example".to_string(),
        format!("localhost:{port}.evil.example"),
        format!("10.0.0.1:{port}"),
        format!("127.0.0.2:{port}"),
        format!("[::2]:{port}"),
        format!("127.0.0.1:{port}@evil.example"),
    ] {
        raw(addr, &login_request(&sandbox, &host)).await.expect(421);
        for path in [
            "/__sandbox/stats",
            "/__sandbox/faults",
            "/__sandbox/health",
            "/__sandbox/clock",
            "/nothing-here",
        ] {
            let reply = raw(addr, &get_request(path, &host)).await;
            reply.expect(421);
            assert!(reply.body.get("data").is_none() || reply.body["data"]["requests"].is_null());
        }
        // Every operation's route, with its method.
        for operation in Operation::ALL {
            let path = route_with_ids(operation.path());
            let request = format!(
                "{} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                operation.method()
            );
            raw(addr, request.as_bytes()).await.expect(421);
        }
    }
    // No Host at all (HTTP/1.0) is not a loopback host either.
    let reply = raw(addr, b"GET /__sandbox/health HTTP/1.0\r\n\r\n").await;
    reply.expect(421);
    // Nothing was handled or counted.
    let stats = sandbox.stats();
    assert_eq!(stats.total_requests(), 0, "{stats:?}");
    assert_eq!(stats.side_effects.admin_sessions, 0);

    // The loopback names, with or without the port, in any case.
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        format!("localhost:{port}"),
        "LocalHost".to_string(),
        format!("[::1]:{port}"),
        "[::1]".to_string(),
    ] {
        let reply = raw(addr, &login_request(&sandbox, &host)).await;
        reply.expect(200);
    }
    assert_eq!(sandbox.stats().side_effects.admin_sessions, 6);
}

#[tokio::test]
async fn control_endpoints_require_the_control_token() {
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(Utc::now()))
        .start()
        .await
        .unwrap();
    let token = sandbox.control_token().expose().to_string();
    let start = sandbox.clock().now();
    let rule = sandbox
        .faults()
        .inject(FaultRule::status(503).on(Operation::ActivateCustomer))
        .unwrap();
    Api::new(&sandbox).admin_login().await;
    let before = sandbox.stats();

    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}/__sandbox{path}", sandbox.base_url());
    let calls = [
        (
            Method::POST,
            "/faults".to_string(),
            Some(json!({"kind": {"type": "status", "status": 500}})),
        ),
        (Method::DELETE, "/faults".into(), None),
        (Method::DELETE, format!("/faults/{}", rule.0), None),
        (
            Method::POST,
            "/clock/advance".into(),
            Some(json!({"seconds": 3600})),
        ),
        (Method::DELETE, "/stats".into(), None),
        (Method::GET, "/stats".into(), None),
        (Method::GET, "/faults".into(), None),
        (Method::GET, "/clock".into(), None),
    ];
    let wrong = [
        None,
        Some("Bearer not-the-control-token-at-all".to_string()),
        Some(format!("Bearer {token}x")),
        Some(format!("Bearer {}", &token[..token.len() - 1])),
        Some(format!("Basic {token}")),
        Some(token.clone()),
        Some("Bearer ".to_string()),
    ];
    for authorization in &wrong {
        for (method, path, body) in &calls {
            let mut request = client.request(method.clone(), url(path));
            if let Some(value) = authorization {
                request = request.header("Authorization", value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.status(),
                401,
                "{method} {path} with {authorization:?}"
            );
            assert!(
                response
                    .headers()
                    .get("www-authenticate")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer")),
                "{method} {path}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], 401);
            assert!(
                body["message"].as_str().unwrap().contains("control token"),
                "{body}"
            );
            assert!(body.get("data").is_none(), "{body}");
        }
    }
    // Nothing happened.
    assert_eq!(sandbox.clock().now(), start);
    assert_eq!(sandbox.faults().list().len(), 1);
    assert_eq!(sandbox.faults().list()[0].id, rule);
    assert_eq!(sandbox.stats(), before);

    // With the token, every call works (the scheme in any case).
    let with = |method: Method, path: &str| {
        client
            .request(method, url(path))
            .header("Authorization", format!("bearer {token}"))
    };
    let stats: Value = with(Method::GET, "/stats")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["sideEffects"]["adminSessions"], 1);
    let response = with(Method::POST, "/clock/advance")
        .json(&json!({"seconds": 3600}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!((sandbox.clock().now() - start).num_seconds(), 3600);
    let response = with(Method::DELETE, &format!("/faults/{}", rule.0))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(sandbox.faults().list().is_empty());
    let response = with(Method::DELETE, "/stats").send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(sandbox.stats().total_requests(), 0);

    // The health check needs none.
    let response = client.get(url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);

    // The right token does not open the door to a foreign host.
    let request = format!(
        "GET /__sandbox/stats HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    raw(sandbox.addr(), request.as_bytes()).await.expect(421);

    // The token never shows in Debug output.
    assert!(!format!("{sandbox:?}").contains(&token));
    assert!(!format!("{:?}", sandbox.control_token()).contains(&token));
}

#[tokio::test]
async fn control_tokens_are_random_per_start_unless_configured() {
    let (a, b) = (
        Sandbox::start().await.unwrap(),
        Sandbox::start().await.unwrap(),
    );
    assert_ne!(a.control_token().expose(), b.control_token().expose());
    assert!(
        a.control_token().expose().len() >= 43,
        "at least 256 bits in base64url"
    );
    // One sandbox's token does not open another.
    let response = reqwest::Client::new()
        .get(format!("{}/__sandbox/stats", a.base_url()))
        .bearer_auth(b.control_token().expose())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let config = SandboxConfig {
        control_token: Some("ci-fixed-control-token".into()),
        ..SandboxConfig::default()
    };
    let fixed = Sandbox::builder().config(config).start().await.unwrap();
    assert_eq!(fixed.control_token().expose(), "ci-fixed-control-token");
    let response = reqwest::Client::new()
        .get(format!("{}/__sandbox/stats", fixed.base_url()))
        .bearer_auth("ci-fixed-control-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(!format!("{:?}", fixed.config()).contains("ci-fixed-control-token"));
}
