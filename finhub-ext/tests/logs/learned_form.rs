//! The form a documented alternative taught the client is logged once, by
//! operation, without the request's secrets (`finhub_ext::alternatives`;
//! the switching itself is tested in `it/alternatives.rs`).

use crate::common::*;
use httpmock::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

#[tokio::test]
async fn the_learned_form_is_logged_once_by_operation() {
    let captured = crate::capture(tracing::Level::INFO, FmtSpan::NONE);

    let d = Double::start().await;
    d.admin_login().await;
    // The primary registration path is missing (the trigger), the
    // documented alternative works.
    d.server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/registration");
            then.status(404)
                .json_body(json!({"code": 404, "message": "Not Found"}));
        })
        .await;
    d.server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customers/individual/register");
            then.status(200).json_body(json!({
                "code": 200, "message": "Success",
                "data": {"id": CUSTOMER, "user": {"id": USER}}
            }));
        })
        .await;
    let client = d.client();
    client.register_customer(&registration()).await.unwrap();
    client.register_customer(&registration()).await.unwrap();

    let logs = captured.text();
    let learned: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("learned which documented form"))
        .collect();
    assert_eq!(learned.len(), 1, "{logs}");
    assert!(
        learned[0].contains("register_individual_customer") && learned[0].contains("alternative"),
        "{logs}"
    );
    assert!(!logs.contains("Canary-registration-password"), "{logs}");
}
