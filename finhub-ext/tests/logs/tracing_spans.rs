//! README "Tracing": one `finhub.call` span per call with the operation
//! id, method, path template, attempt, status and latency. (Its own test
//! binary: a tracing capture must not share one with calls made on other
//! threads without a subscriber.)

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use httpmock::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_call_has_one_span_with_operation_method_path_attempt_status_and_latency() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let double = Double::start().await;
    double.admin_login().await;
    // Every attempt answers 503: one span for the call, its last attempt
    // recorded.
    let path = format!("/api/v2.1/customer/individual/categorization/hierarchy/{TENANT}");
    double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(503)
                .json_body(json!({"code": 503, "message": "unavailable"}));
        })
        .await;
    let client = double.client();
    client.categorization_hierarchy().await.unwrap_err();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let closed: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("finhub.call") && line.contains("close"))
        .collect();
    assert_eq!(
        closed.len(),
        2,
        "one span per call (admin login, categorization):\n{logs}"
    );
    let login = closed
        .iter()
        .find(|line| line.contains("create_admin_session"))
        .unwrap_or_else(|| panic!("no login span:\n{logs}"));
    let call = closed
        .iter()
        .find(|line| line.contains("get_categorization_hierarchy"))
        .unwrap_or_else(|| panic!("no categorization span:\n{logs}"));
    for (line, method, path, attempt, status) in [
        (
            login,
            "POST",
            "/api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions",
            1,
            200,
        ),
        (
            call,
            "GET",
            "/api/v2.1/customer/individual/categorization/hierarchy/{tenantId}",
            3,
            503,
        ),
    ] {
        for field in [
            format!("method={method}"),
            format!("path=\"{path}\""),
            format!("attempt={attempt}"),
            format!("status={status}"),
            "latency_ms=".to_string(),
        ] {
            assert!(line.contains(&field), "`{field}` missing from: {line}");
        }
    }
}
