//! A typed `When` matches headers: a request without the expected bearer
//! token or tenant is not served by the mock.

use finhub_httpmock::httpmock::MockServer;
use finhub_httpmock::{MockServerExt, TypedWhen};

#[tokio::test]
async fn a_typed_when_matches_the_bearer_token_and_tenant() {
    let server = MockServer::start_async().await;
    let mock = server.list_customer_wallets(|when, then| {
        when.customer_id("c-1").bearer("right-token").tenant("t-1");
        then.success(
            200,
            &serde_json::from_value(serde_json::json!({"code": 200, "data": []})).unwrap(),
        );
    });
    let url = server.url("/api/v2.1/wallets/customer/c-1");
    let http = reqwest::Client::new();
    let send = |token: &'static str, tenant: &'static str| {
        http.get(&url)
            .header("authorization", format!("Bearer {token}"))
            .header("x-tenant-id", tenant)
            .send()
    };
    assert_eq!(send("wrong-token", "t-1").await.unwrap().status(), 404);
    assert_eq!(send("right-token", "t-2").await.unwrap().status(), 404);
    assert_eq!(mock.calls(), 0);
    assert_eq!(send("right-token", "t-1").await.unwrap().status(), 200);
    assert_eq!(mock.calls(), 1);
}

#[tokio::test]
async fn any_httpmock_matcher_can_be_added_to_a_typed_when() {
    let server = MockServer::start_async().await;
    let mock = server.get_verification(|when, then| {
        when.verification_id("v-1")
            .header_exists("x-forwarded-for")
            .matching(|when| when.header("platform", "web"));
        then.success(
            200,
            &serde_json::from_value(
                serde_json::json!({"code": 200, "data": {"verificationId": "v-1"}}),
            )
            .unwrap(),
        );
    });
    let url = server.url("/api/v2.1/verifications/v-1");
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(mock.calls(), 0);
    let answered = http
        .get(&url)
        .header("x-forwarded-for", "203.0.113.7")
        .header("platform", "web")
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200);
    assert_eq!(mock.calls(), 1);
}
