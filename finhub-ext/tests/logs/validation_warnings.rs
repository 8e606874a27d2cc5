//! Findings of two severities on a typed call: an error stops the call
//! (nothing is sent), warnings do not; they are logged with rule and path,
//! never a value.

use crate::common::*;
use finhub_ext::Error;
use finhub_ext::validation::Severity;
use httpmock::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

const REGISTRATION: &str = "/api/v2.1/customer/individual/registration";

#[tokio::test]
async fn warnings_are_sent_and_logged_by_rule_and_path_errors_are_not_sent() {
    let captured = crate::capture(tracing::Level::INFO, FmtSpan::NONE);

    let double = Double::start().await;
    double.admin_login().await;
    let registered = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(REGISTRATION);
            then.status(200)
                .json_body(json!({"code": 200, "message": "Success", "data": {"id": CUSTOMER}}));
        })
        .await;
    let client = double.client();

    // FinHub's own examples send the country's name (I-11) and leave the
    // pincode out (I-12): warnings, and the request goes.
    let mut request = registration();
    request.nationality = Some("Lithuania".into());
    request
        .individual_customer
        .person
        .as_mut()
        .unwrap()
        .nationality = Some("Lithuania".into());
    request.pincode = None;
    client.register_customer(&request).await.unwrap();
    assert_eq!(registered.calls_async().await, 1);

    let logs = captured.text();
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("documented-rule warning"))
        .collect();
    for (rule, path) in [
        ("country.not_alpha2", "nationality"),
        (
            "country.not_alpha2",
            "individualCustomer.person.nationality",
        ),
        ("required.disputed", "pincode"),
    ] {
        let (rule, path) = (format!("rule=\"{rule}\""), format!("path={path}"));
        assert!(
            warnings.iter().any(|l| {
                let tokens: Vec<&str> = l.split_whitespace().collect();
                tokens.contains(&rule.as_str()) && tokens.contains(&path.as_str())
            }),
            "{rule} at {path}:\n{logs}"
        );
    }
    assert!(
        warnings
            .iter()
            .all(|l| l.contains("register_individual_customer")),
        "{logs}"
    );
    assert!(!logs.contains("Lithuania"), "no value in the log:\n{logs}");

    // An error (a bad e-mail) stops the call: nothing more is sent.
    let mut bad = registration();
    bad.email = "marcus@".into();
    let err = client.register_customer(&bad).await.unwrap_err();
    let Error::Validation { violations, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(violations.has_errors());
    assert!(
        violations
            .errors()
            .all(|v| v.severity == Severity::Error && v.rule != "required.disputed")
    );
    assert_eq!(
        registered.calls_async().await,
        1,
        "the invalid body was not sent"
    );
}
