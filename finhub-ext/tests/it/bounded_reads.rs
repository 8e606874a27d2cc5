//! Bodies are read at most up to the configured limit, success and error
//! bodies alike, with or without `Content-Length`; tokens are capped at
//! `MAX_TOKEN_BYTES` and a longer one is never sent as a header.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::common::*;
use finhub_ext::Operation;
use finhub_ext::{CustomerCredentials, DEFAULT_MAX_RESPONSE_BYTES, Error, MAX_TOKEN_BYTES};
use httpmock::prelude::*;
use serde_json::json;

const HIERARCHY_PATH: &str =
    "/api/v2.1/customer/individual/categorization/hierarchy/97e7ff29-15f3-49ef-9681-3bbfcce4f6cd";
const LIMIT: usize = 64 * 1024;

/// A JSON envelope of about `size` bytes.
fn big_json(size: usize) -> String {
    format!(
        r#"{{"code":200,"message":"{}","data":{{"tenantId":"t","categories":{{}}}}}}"#,
        "x".repeat(size)
    )
}

fn assert_too_large(err: &Error, operation: &str, status: u16, limit: usize) {
    match err {
        Error::ResponseTooLarge {
            operation: op,
            status: st,
            limit: l,
        } => {
            assert_eq!((op.id(), *st, *l), (operation, Some(status), limit));
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
}

#[test]
fn the_default_body_limit_is_4_mib_and_the_token_cap_16_kib() {
    assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 4 * 1024 * 1024);
    assert_eq!(MAX_TOKEN_BYTES, 16 * 1024);
}

#[tokio::test]
async fn a_success_body_over_the_limit_is_refused() {
    let double = Double::start().await;
    double.admin_login().await;
    let body = big_json(LIMIT + 1);
    let hierarchy = double
        .server
        .mock_async(|when, then| {
            when.method(GET).path(HIERARCHY_PATH);
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let client = double.builder().max_response_bytes(LIMIT).build().unwrap();
    let err = client.categorization_hierarchy().await.unwrap_err();
    assert_too_large(&err, "get_categorization_hierarchy", 200, LIMIT);
    assert!(!err.is_retryable());
    assert_eq!(hierarchy.calls_async().await, 1);
    // Under the limit, the same call works.
    let fits = double
        .builder()
        .max_response_bytes(2 * LIMIT)
        .build()
        .unwrap();
    fits.categorization_hierarchy().await.unwrap();
}

#[tokio::test]
async fn an_error_body_over_the_limit_is_refused() {
    let double = Double::start().await;
    double.admin_login().await;
    let body = json!({"code": 409, "message": "x".repeat(LIMIT)}).to_string();
    double
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2.1/customer/individual/registration");
            then.status(409)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let client = double.builder().max_response_bytes(LIMIT).build().unwrap();
    let err = client.register_customer(&registration()).await.unwrap_err();
    assert_too_large(&err, "register_individual_customer", 409, LIMIT);
}

/// A one-connection HTTP server answering with a chunked body (no
/// `Content-Length`) of up to `total` bytes; returns how many body bytes
/// it managed to write before the client hung up.
fn chunked_server(total: usize) -> (String, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
            )
            .unwrap();
        let chunk = vec![b' '; 64 * 1024];
        let mut written = 0;
        while written < total {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if stream.write_all(&framed).is_err() {
                break;
            }
            written += chunk.len();
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        written
    });
    (url, handle)
}

#[tokio::test]
async fn a_chunked_body_without_length_is_read_only_up_to_the_limit() {
    const TOTAL: usize = 64 * 1024 * 1024;
    let (url, server) = chunked_server(TOTAL);
    let client = finhub_ext::FinhubClient::builder()
        .base_url(url)
        .tenant_id(TENANT)
        .tenant_key("k")
        .tenant_secret("s")
        .max_response_bytes(LIMIT)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let err = client
        .customer_login(CustomerCredentials::new(CUSTOMER, USER, "u", "p"))
        .await
        .unwrap_err();
    assert_too_large(&err, "create_customer_session", 200, LIMIT);
    // The client hung up: the server could not write the whole body
    // (what it wrote is the limit plus what socket buffers absorbed).
    let written = tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    assert!(
        written < TOTAL,
        "the client read the whole {TOTAL}-byte body"
    );
}

#[tokio::test]
async fn an_oversized_access_token_fails_the_login_and_is_never_sent() {
    let double = Double::start().await;
    let giant = "a".repeat(MAX_TOKEN_BYTES + 1);
    let login = double
        .server
        .mock_async(|when, then| {
            when.method(POST).path(ADMIN_PATH);
            then.status(200).json_body(session_body(&giant, "", 3600));
        })
        .await;
    let carried = double
        .server
        .mock_async(|when, then| {
            when.header_exists("authorization");
            then.status(200).json_body(json!({"code": 200, "data": {}}));
        })
        .await;
    let client = double.client();
    let err = client.admin_login().await.unwrap_err();
    match &err {
        Error::Decode {
            operation, message, ..
        } => {
            assert_eq!(*operation, Operation::CreateAdminSession);
            assert!(message.contains("MAX_TOKEN_BYTES"), "{message}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    let err = client.register_customer(&registration()).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(login.calls_async().await, 2);
    assert_eq!(carried.calls_async().await, 0, "a request carried a token");
}

#[tokio::test]
async fn an_oversized_refresh_token_fails_the_login() {
    let double = Double::start().await;
    let giant = "r".repeat(MAX_TOKEN_BYTES + 1);
    double.customer_login("customer-token-1", &giant).await;
    let client = double.client();
    let err = client
        .customer_login(CustomerCredentials::new(
            CUSTOMER,
            USER,
            "marcus@example.test",
            "pw",
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            operation, message, ..
        } => {
            assert_eq!(*operation, Operation::CreateCustomerSession);
            assert!(message.contains("refresh token"), "{message}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_token_with_characters_a_header_cannot_carry_fails_the_login() {
    let double = Double::start().await;
    double.customer_login("token\nwith-newline", "r").await;
    let err = double
        .client()
        .customer_login(CustomerCredentials::new(CUSTOMER, USER, "u", "pw"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { message, .. } if message.contains("header")),
        "{err:?}"
    );
}
