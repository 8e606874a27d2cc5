//! How a downstream service tests its FinHub calls with the generated typed
//! mocks of `finhub-httpmock`: the mock speaks the spec's own types.

use finhub_api::types;
use finhub_ext::{AdminCredentials, FinhubClient};
use finhub_httpmock::MockServerExt;
use httpmock::MockServer;

const TENANT: &str = "97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";

#[tokio::test]
async fn a_service_mocks_the_admin_login_and_one_finhub_call() {
    let server = MockServer::start_async().await;
    let login = server.create_admin_session(|when, then| {
        when.organization_id("org-1").user_id("admin-1");
        then.success(
            200,
            &types::BaseResponseSessionResponse {
                code: Some(200),
                message: Some("Success".into()),
                data: Some(types::SessionResponse {
                    token: Some("admin-token".into()),
                    expires_in: Some(3600.into()),
                    ..Default::default()
                }),
            },
        );
    });
    let hierarchy = server.get_categorization_hierarchy(|when, then| {
        when.tenant_id(TENANT);
        then.success(
            200,
            &serde_json::from_value(serde_json::json!({
                "code": 200,
                "data": {"tenantId": TENANT, "categories": {"INDIVIDUAL_STANDARD": {"databaseId": "fs-cat-b2c-low-001"}}}
            }))
            .unwrap(),
        );
    });

    let client = FinhubClient::builder()
        .base_url(server.base_url())
        .tenant_id(TENANT)
        .tenant_key("key")
        .tenant_secret("secret")
        .admin(AdminCredentials::new(
            "org-1",
            "admin-1",
            "admin@example.test",
            "password",
        ))
        .build()
        .unwrap();
    let categories = client.categorization_hierarchy().await.unwrap().categories;
    assert_eq!(
        categories["INDIVIDUAL_STANDARD"].database_id.as_deref(),
        Some("fs-cat-b2c-low-001")
    );
    login.assert_async().await;
    hierarchy.assert_async().await;
}

#[tokio::test]
async fn typed_error_responses_reach_the_client_as_typed_errors() {
    let server = MockServer::start_async().await;
    server.create_admin_session(|_, then| {
        then.forbidden(&types::ErrorEnvelope {
            code: Some(serde_json::json!(403)),
            message: Some("Invalid Tenant Keys".into()),
            ..Default::default()
        });
    });
    let client = FinhubClient::builder()
        .base_url(server.base_url())
        .tenant_id(TENANT)
        .tenant_key("wrong")
        .tenant_secret("wrong")
        .admin(AdminCredentials::new(
            "org-1",
            "admin-1",
            "admin@example.test",
            "password",
        ))
        .build()
        .unwrap();
    let err = client.admin_login().await.unwrap_err();
    assert!(
        matches!(err, finhub_ext::Error::InvalidTenantKeys(_)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "invalid tenant keys: create_admin_session (HTTP 403): Invalid Tenant Keys"
    );
}

#[tokio::test]
async fn the_customer_login_has_a_typed_403_invalid_tenant_keys() {
    // FinHub's published login declares no 403; the sessions page documents
    // "403 - Invalid Tenant Keys" and the `documented-additions` override
    // adds it, so the typed mock offers it.
    let server = MockServer::start_async().await;
    let login = server.create_customer_session(|when, then| {
        when.customer_id("c-1").user_id("u-1");
        then.forbidden(&types::ErrorEnvelope {
            code: Some(serde_json::json!(403)),
            message: Some("Invalid Tenant Keys".into()),
            ..Default::default()
        });
    });
    let client = FinhubClient::builder()
        .base_url(server.base_url())
        .tenant_id(TENANT)
        .tenant_key("wrong")
        .tenant_secret("wrong")
        .build()
        .unwrap();
    let err = client
        .customer_login(finhub_ext::CustomerCredentials::new(
            "c-1", "u-1", "user", "password",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, finhub_ext::Error::InvalidTenantKeys(_)),
        "{err:?}"
    );
    login.assert_async().await;
}
