//! The generated client calls the decorator around every request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use finhub_api::hooks::{BoxFuture, Decorator, Inner};
use finhub_api::{Client, Error, Operation, Sensitive, types};
use httpmock::prelude::*;

#[derive(Debug, Default)]
struct Recorder {
    prepared: Mutex<Vec<Operation>>,
    sent: AtomicUsize,
    refuse: bool,
}

impl Decorator for Recorder {
    fn prepare(&self, request: &mut reqwest::Request, operation: Operation) -> Result<(), String> {
        if self.refuse {
            return Err("no session for this operation".into());
        }
        self.prepared.lock().unwrap().push(operation);
        request
            .headers_mut()
            .insert("x-tenant-id", "tenant-demo-001".parse().unwrap());
        Ok(())
    }

    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        _: Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        Box::pin(client.execute(request))
    }
}

fn login_body() -> types::CreateIndividualSessionRequest {
    types::CreateIndividualSessionRequest {
        username: Some("customer.login.123456@example.test".into()),
        password: Some(Sensitive::from("SecurePass123!")),
        ..Default::default()
    }
}

#[tokio::test]
async fn prepare_and_send_run_for_each_generated_call_and_the_error_body_is_kept() {
    let server = MockServer::start_async().await;
    let ok = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/c-1/users/6r1k1hw6npq/sessions")
                .header("x-tenant-id", "tenant-demo-001")
                .json_body_includes(r#"{"password":"SecurePass123!"}"#);
            then.status(200)
                .json_body(serde_json::json!({"code": 200, "message": "Success", "data": {"token": "t1", "expiresIn": 3600}}));
        })
        .await;
    let denied = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/c-2/users/u/sessions");
            then.status(401)
                .json_body(serde_json::json!({"code": 401, "message": "Invalid credentials"}));
        })
        .await;

    let recorder = Arc::new(Recorder::default());
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        Inner::new(recorder.clone()),
    );

    let session = client
        .create_customer_session("c-1", "6r1k1hw6npq", &login_body())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        session.data.unwrap().expires_in.and_then(|s| s.get()),
        Some(3600)
    );

    match client
        .create_customer_session("c-2", "u", &login_body())
        .await
    {
        Err(Error::ErrorResponse(body)) => {
            assert_eq!(body.status().as_u16(), 401);
            assert_eq!(body.message.as_deref(), Some("Invalid credentials"));
        }
        other => panic!("expected the 401 envelope, got {other:?}"),
    }
    ok.assert_async().await;
    denied.assert_async().await;
    assert_eq!(
        *recorder.prepared.lock().unwrap(),
        [Operation::CreateCustomerSession; 2]
    );
    assert_eq!(recorder.sent.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failing_prepare_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let recorder = Arc::new(Recorder {
        refuse: true,
        ..Default::default()
    });
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        Inner::new(recorder.clone()),
    );
    match client
        .create_customer_session("c", "u", &login_body())
        .await
    {
        Err(Error::Custom(message)) => assert_eq!(message, "no session for this operation"),
        other => panic!("expected the decorator's error, got {other:?}"),
    }
    assert_eq!(any.calls_async().await, 0);
    assert_eq!(recorder.sent.load(Ordering::SeqCst), 0);
}

#[test]
fn generated_types_never_print_secrets() {
    let body = types::CreateIndividualSessionRequest {
        password: Some(Sensitive::from("canary-password-1")),
        tenant_key: Some(Sensitive::from("canary-key-2")),
        tenant_secret: Some(Sensitive::from("canary-secret-3")),
        ..login_body()
    };
    let session = types::SessionResponse {
        token: Some(Sensitive::from("canary-token-4")),
        refresh_token: Some(Sensitive::from("canary-refresh-5")),
        ..Default::default()
    };
    let client = Client::new_with_client(
        "http://127.0.0.1:1",
        reqwest::Client::new(),
        Inner::undecorated(),
    );
    let printed = format!("{body:?} {body:#?} {session:?} {client:?}");
    for canary in [
        "canary-password-1",
        "canary-key-2",
        "canary-secret-3",
        "canary-token-4",
        "canary-refresh-5",
    ] {
        assert!(!printed.contains(canary), "{canary} leaked: {printed}");
    }
    assert!(printed.contains("** redacted **"));
    // The wire form still carries the values.
    let wire = serde_json::to_string(&body).unwrap();
    assert!(wire.contains("canary-password-1") && wire.contains("canary-secret-3"));
}

#[tokio::test]
async fn an_operation_id_outside_the_catalogue_is_refused_before_the_decorator_runs() {
    use progenitor_client::{ClientHooks, OperationInfo};

    let recorder = Arc::new(Recorder::default());
    let client = Client::new("http://127.0.0.1:9", Inner::new(recorder.clone()));
    let mut request = reqwest::Client::new()
        .get("http://127.0.0.1:9/api/v2.1/elsewhere")
        .build()
        .unwrap();
    let info = OperationInfo {
        operation_id: "not_an_operation",
    };
    let result: Result<(), Error<()>> = client.pre(&mut request, &info).await;
    match result {
        Err(Error::Custom(message)) => assert!(
            message.contains("`not_an_operation` is not in the operation catalogue"),
            "{message}"
        ),
        other => panic!("expected Error::Custom, got {other:?}"),
    }
    assert!(recorder.prepared.lock().unwrap().is_empty());
}
