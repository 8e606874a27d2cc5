//! finhub-ext README "Tracing": one `finhub.call` span per call with the operation
//! id, method, path template, attempt, status and latency.

use crate::common::*;
use httpmock::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

#[tokio::test]
async fn each_call_has_one_span_with_operation_method_path_attempt_status_and_latency() {
    let captured = crate::capture(tracing::Level::INFO, FmtSpan::CLOSE);

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

    let logs = captured.text();
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
