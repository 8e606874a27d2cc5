//! Each request gets a span with its operation id, status and latency, and
//! nothing the sandbox traces carries a body, a token, a password or the
//! tenant's keys.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use finhub_sandbox::{ExposeSecret, Operation, Sandbox};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::common::{self, Api};

/// Writes every span name, event and field value it sees into `lines`.
#[derive(Default, Clone)]
struct Recorder {
    lines: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(format!("span {}", span.metadata().name()));
        span.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
        Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut fields = Fields("record".into());
        values.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields("event".into());
        event.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn spans_name_the_operation_and_never_carry_secrets() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await;
    api.admin_login_with("WrongPass1!").await.expect(401);
    let email = common::email("traced");
    let customer = api.onboard_start(&admin.token, &email).await;
    let reply = api
        .send(
            Operation::RefreshCustomerSession,
            &api.session_path(&customer, &customer.session.session_id),
            Some(&customer.session.token),
            Some(json!({"refreshToken": customer.session.refresh_token})),
        )
        .await;
    let refreshed = common::Session::from(reply.expect(200));

    let text = recorder.lines.lock().unwrap().join("\n");
    assert!(text.contains("span finhub_sandbox.request"), "{text}");
    assert!(
        text.contains("operation=\"create_admin_session\""),
        "{text}"
    );
    assert!(
        text.contains("operation=\"register_individual_customer\""),
        "{text}"
    );
    assert!(text.contains("status=200"), "{text}");
    assert!(text.contains("status=401"), "{text}");
    assert!(text.contains("latency_ms="), "{text}");
    let credentials = sandbox.credentials();
    for secret in [
        credentials.admin_password.expose_secret(),
        credentials.tenant_key.expose_secret(),
        credentials.tenant_secret.expose_secret(),
        "WrongPass1!",
        common::PASSWORD,
        &admin.token,
        &admin.refresh_token,
        &customer.session.token,
        &customer.session.refresh_token,
        &refreshed.token,
        &refreshed.refresh_token,
        &email,
    ] {
        assert!(!text.contains(secret), "`{secret}` was traced:\n{text}");
    }
}
