//! `Debug` of every public type that holds a secret prints none of it,
//! and credentials in a base URL never appear in an error. Kept out of
//! `redaction.rs`: its tracing capture must not share a test binary with
//! calls made on other threads without a subscriber.

use crate::common::*;
use finhub_ext::CustomerCredentials;
use httpmock::prelude::*;

const CANARIES: [&str; 8] = [
    "canary-tenant-key-7f3a",
    "canary-tenant-secret-9c2e",
    "canary-admin-password-4d1b",
    "canary-customer-password-2b8e",
    "canary-access-token-5e6f",
    "canary-refresh-token-8a9b",
    "canary-admin-token-3c4d",
    "203.0.113.99",
];

const URL_CANARY: &str = "canary-url-password-6d0c";

#[test]
fn credentials_in_the_base_url_never_appear_in_errors_or_debug() {
    for template in [
        "https://u:CANARY@h/ bad",
        "https://u:CANARY@sandbox.example.test",
        "https://u:CANARY@h/prefix",
        "http://u:CANARY@example.test",
        "http://u:CANARY@127.0.0.1:8080",
        "ftp://u:CANARY@x",
        "https://u:CANARY@h/?q=1",
        "https://u:CANARY@h#f",
        "https://u:CANARY@",
        "https://:CANARY@h",
        "https://CANARY@h",
        "u:CANARY@h",
        "https:u:CANARY@h",
        "https://u:CANARY@[::1",
        "https://u:CANARY@h:99999",
        " https://u:CANARY@h ",
        "not a url u:CANARY@h",
    ] {
        let url = template.replace("CANARY", URL_CANARY);
        let builder = finhub_ext::FinhubClient::builder()
            .base_url(&url)
            .tenant_id(TENANT)
            .tenant_key("canary-tenant-key-7f3a")
            .tenant_secret("canary-tenant-secret-9c2e");
        let debug = format!("{builder:?} {builder:#?}");
        let err = builder.build().unwrap_err();
        assert!(
            matches!(err, finhub_ext::Error::Config(_)),
            "{template}: {err:?}"
        );
        let printed = format!("{err} {err:?} {debug}");
        assert!(
            !printed.contains(URL_CANARY),
            "{template}: the password is printed: {printed}"
        );
    }
}

#[tokio::test]
async fn debug_of_every_public_type_holding_a_secret_is_redacted() {
    use finhub_ext::api::types;
    use finhub_ext::builders::{AdminSessionBuilder, CustomerSessionBuilder, RegistrationBuilder};

    let double = Double::start().await;
    let admin_body = session_body("canary-admin-token-3c4d", "", 3600);
    double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(200).json_body(admin_body);
        })
        .await;
    double
        .customer_login("canary-access-token-5e6f", "canary-refresh-token-8a9b")
        .await;
    let with_url_password = double
        .builder()
        .base_url(format!("http://u:{URL_CANARY}@127.0.0.1:1"));
    let client = double.client();
    client.admin_login().await.unwrap();
    let credentials = CustomerCredentials::new(
        CUSTOMER,
        USER,
        "marcus@example.test",
        "canary-customer-password-2b8e",
    );
    let customer = client.customer_login(credentials.clone()).await.unwrap();
    let admin =
        finhub_ext::AdminCredentials::new(ORG, ADMIN_USER, "a", "canary-admin-password-4d1b");
    let session = types::SessionResponse {
        token: Some("canary-access-token-5e6f".into()),
        refresh_token: Some("canary-refresh-token-8a9b".into()),
        ..Default::default()
    };
    let printed = [
        format!("{:?}", double.builder()),
        format!("{with_url_password:?}"),
        format!("{admin:?}"),
        format!("{credentials:?}"),
        format!("{client:?} {client:#?}"),
        format!("{customer:?} {customer:#?}"),
        format!("{:?}", client.raw()),
        format!("{session:?}"),
        format!(
            "{:?}",
            types::RefreshSessionRequest {
                refresh_token: "canary-refresh-token-8a9b".into()
            }
        ),
        format!(
            "{:?}",
            types::CreateAdminSessionRequest {
                password: Some("canary-admin-password-4d1b".into()),
                tenant_key: Some("canary-tenant-key-7f3a".into()),
                tenant_secret: Some("canary-tenant-secret-9c2e".into()),
                ..Default::default()
            }
        ),
        format!(
            "{:?}",
            AdminSessionBuilder::new("a", "canary-admin-password-4d1b")
                .tenant_credentials("canary-tenant-key-7f3a", "canary-tenant-secret-9c2e")
        ),
        format!(
            "{:?}",
            CustomerSessionBuilder::new("c", "canary-customer-password-2b8e")
                .tenant_credentials("canary-tenant-key-7f3a", "canary-tenant-secret-9c2e")
        ),
        format!(
            "{:?}",
            RegistrationBuilder::new().password("Canary-registration-password-1!")
        ),
        format!("{:?}", registration()),
    ]
    .join("\n");
    for canary in CANARIES
        .iter()
        .chain(&[URL_CANARY, "Canary-registration-password-1!"])
    {
        assert!(!printed.contains(canary), "`{canary}` leaked:\n{printed}");
    }
}
