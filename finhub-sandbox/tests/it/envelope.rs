//! Every error the sandbox answers is the `{code, message, data?}` JSON
//! envelope, axum's own rejections included: path parameters (invalid
//! UTF-8), bodies, queries, unknown routes and wrong methods.

use finhub_sandbox::{Operation, Sandbox};
use reqwest::Method;
use serde_json::Value;

use crate::common::{self, Api};

/// Asserts a JSON envelope with `status`; its message.
async fn envelope(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = response.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert_eq!(body["code"], status, "{text}");
    body["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn axum_rejections_are_enveloped() {
    let sandbox = Sandbox::start().await.unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("envelope")).await;
    let tenant = sandbox.credentials().tenant_id;
    let request_with = |method: Method, path: &str, token: &str| {
        let mut request = api
            .client
            .request(method, format!("{}{path}", api.base))
            .bearer_auth(token);
        for (name, value) in common::standard_headers(&tenant) {
            request = request.header(name, value);
        }
        request
    };
    let request = |method: Method, path: &str| request_with(method, path, &admin);
    // Consents take the customer's own token (an admin's is refused first).
    let as_customer =
        |method: Method, path: &str| request_with(method, path, &customer.session.token);

    // Path parameters that are not UTF-8, on a journey route and a control route.
    let response = request(Method::GET, "/api/v2.1/verifications/%FF")
        .send()
        .await
        .unwrap();
    let message = envelope(response, 400).await;
    assert!(message.contains("UTF-8"), "{message}");
    let response = as_customer(
        Method::POST,
        "/api/v2.1/customer/individual/%C3%28/consents/terms",
    )
    .json(&serde_json::json!({"accepted": true, "version": "1.0"}))
    .send()
    .await
    .unwrap();
    envelope(response, 400).await;
    let response = common::control(&sandbox, Method::DELETE, "/faults/%FF")
        .send()
        .await
        .unwrap();
    envelope(response, 400).await;

    // Bodies: not JSON, wrong content type, too deep.
    let consent = format!(
        "/api/v2.1/customer/individual/{}/consents/terms",
        customer.id
    );
    let consent = consent.as_str();
    let response = as_customer(Method::POST, consent)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    envelope(response, 400).await;
    let response = as_customer(Method::POST, consent)
        .header("content-type", "text/plain")
        .body("accepted")
        .send()
        .await
        .unwrap();
    envelope(response, 415).await;
    let response = as_customer(Method::POST, consent)
        .header("content-type", "application/json")
        .body("[".repeat(10_000))
        .send()
        .await
        .unwrap();
    envelope(response, 400).await;

    // Queries.
    let response = request(
        Method::GET,
        "/api/v2.1/wallets/customer/nobody?customerType=%FF&customerType",
    )
    .send()
    .await
    .unwrap();
    envelope(response, 400).await;

    // No route, wrong method (journey and control), unusual methods.
    envelope(request(Method::GET, "/nothing").send().await.unwrap(), 404).await;
    envelope(
        request(Method::PATCH, Operation::CreateVerification.path())
            .send()
            .await
            .unwrap(),
        405,
    )
    .await;
    envelope(
        common::control(&sandbox, Method::PUT, "/faults")
            .send()
            .await
            .unwrap(),
        405,
    )
    .await;
    envelope(
        request(Method::OPTIONS, "/api/v2.1/verifications")
            .send()
            .await
            .unwrap(),
        405,
    )
    .await;
    envelope(
        request(
            Method::from_bytes(b"BREW").unwrap(),
            "/api/v2.1/verifications",
        )
        .send()
        .await
        .unwrap(),
        405,
    )
    .await;
}
