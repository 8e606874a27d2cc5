//! Limits against slow or greedy clients: request bodies (by
//! `Content-Length` before reading, and while streaming), the header-read
//! and body-read timeouts, and the connection cap.

use std::net::SocketAddr;
use std::time::Duration;

use finhub_sandbox::{MAX_BODY_BYTES as BODY_LIMIT, Operation, Sandbox, SandboxConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{self, Api, PROMPTLY, RawReply, parse_raw, raw};

/// An admin token and a verification to upload to.
async fn verification(sandbox: &Sandbox) -> (Api, String, String) {
    let api = Api::new(sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("limits")).await;
    let verification = api.create_verification(&admin, &customer.id).await;
    (api, admin, verification)
}

fn upload_head(sandbox: &Sandbox, admin: &str, verification: &str, framing: &str) -> String {
    format!(
        "POST /api/v2.1/verifications/{verification}/documents HTTP/1.1\r\nHost: {}\r\n{}\
         Authorization: Bearer {admin}\r\nContent-Type: application/json\r\n{framing}\r\n\
         Connection: close\r\n\r\n",
        sandbox.addr(),
        common::raw_headers(&sandbox.credentials().tenant_id),
    )
}

#[tokio::test]
async fn an_oversized_upload_is_refused_before_it_is_read() {
    let sandbox = Sandbox::start().await.unwrap();
    let (_api, admin, verification) = verification(&sandbox).await;
    // Only the head: the answer must not wait for 64 MB that never come.
    let head = upload_head(
        &sandbox,
        &admin,
        &verification,
        &format!("Content-Length: {}", 64 * 1024 * 1024),
    );
    let reply = raw(sandbox.addr(), head.as_bytes()).await;
    reply.expect(413);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains(&BODY_LIMIT.to_string()),
        "{reply:?}"
    );
    // One byte over the limit is refused too; the limit itself is read.
    let head = upload_head(
        &sandbox,
        &admin,
        &verification,
        &format!("Content-Length: {}", BODY_LIMIT + 1),
    );
    raw(sandbox.addr(), head.as_bytes()).await.expect(413);
    assert_eq!(sandbox.stats().side_effects.documents, 0);
}

#[tokio::test]
async fn a_streamed_upload_over_the_limit_is_refused_once_the_limit_is_passed() {
    let sandbox = Sandbox::start().await.unwrap();
    let (_api, admin, verification) = verification(&sandbox).await;
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .unwrap();
    let head = upload_head(
        &sandbox,
        &admin,
        &verification,
        "Transfer-Encoding: chunked",
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // One byte over the limit in 64 KiB chunks, then nothing: no final
    // chunk, so only the limit can end the read.
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent <= BODY_LIMIT {
        let size = chunk.len().min(BODY_LIMIT + 1 - sent);
        stream
            .write_all(format!("{size:x}\r\n").as_bytes())
            .await
            .unwrap();
        stream.write_all(&chunk[..size]).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
        sent += size;
    }
    let mut bytes = Vec::new();
    tokio::time::timeout(PROMPTLY, stream.read_to_end(&mut bytes))
        .await
        .expect("an answer once the limit is passed")
        .unwrap();
    parse_raw(&bytes).expect(413);
    assert_eq!(sandbox.stats().side_effects.documents, 0);
}

#[tokio::test]
async fn the_largest_document_fits_the_limit() {
    use base64::Engine;
    let sandbox = Sandbox::start().await.unwrap();
    let (api, admin, verification) = verification(&sandbox).await;
    // 10 MB, in MIME base64: 76 characters a line, CRLF between lines.
    let encoded = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 10 * 1024 * 1024]);
    let content = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let body = json!({
        "verificationId": verification,
        "documentType": "PASSPORT",
        "mimeType": "application/pdf",
        "fileName": "passport.pdf",
        "fileContent": content,
        "description": "the largest document the sandbox accepts",
    });
    assert!(body.to_string().len() <= BODY_LIMIT);
    api.send(
        Operation::UploadVerificationDocument,
        &format!("/api/v2.1/verifications/{verification}/documents"),
        Some(&admin),
        Some(body),
    )
    .await
    .expect(200);
}

/// A sandbox with `config` changed by `change`.
async fn sandbox_with(change: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = SandboxConfig::default();
    change(&mut config);
    Sandbox::builder().config(config).start().await.unwrap()
}

/// Reads until the peer closes the connection (or resets it); what came.
/// Panics if it stays open for [`PROMPTLY`].
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(PROMPTLY, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the sandbox closes the connection");
    bytes
}

#[tokio::test]
async fn a_client_that_stalls_in_its_head_is_disconnected() {
    let sandbox = sandbox_with(|c| c.header_read_timeout = Duration::from_millis(200)).await;
    // Half a head, then nothing.
    let mut stalled = TcpStream::connect(sandbox.addr()).await.unwrap();
    stalled
        .write_all(b"GET /__sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stalled).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "{answer:?}"
    );
    // Nothing at all, then nothing: closed too.
    let mut idle = TcpStream::connect(sandbox.addr()).await.unwrap();
    read_until_closed(&mut idle).await;
    // The sandbox keeps serving.
    let health = raw(
        sandbox.addr(),
        b"GET /__sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn a_client_that_stalls_in_its_body_gets_408() {
    let sandbox = sandbox_with(|c| c.body_read_timeout = Duration::from_millis(200)).await;
    let c = sandbox.credentials();
    let head = format!(
        "POST /api/v2.1/admin/organization/{}/users/{}/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"username\":",
        c.organization_id,
        c.admin_user_id,
        common::raw_headers(&c.tenant_id),
    );
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let reply = parse_raw(&read_until_closed(&mut stream).await);
    reply.expect(408);
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(sandbox.stats().side_effects.admin_sessions, 0);
}

/// Sends a health check on a kept-alive connection and reads its answer.
async fn health_on(stream: &mut TcpStream) -> RawReply {
    stream
        .write_all(b"GET /__sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(PROMPTLY, async {
        loop {
            let n = stream.read(&mut buffer).await.unwrap();
            assert_ne!(n, 0, "closed before answering");
            bytes.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&bytes);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .and_then(|l| l.parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
        }
    })
    .await
    .expect("an answer");
    parse_raw(&bytes)
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

#[tokio::test]
async fn connections_over_the_limit_wait_for_a_free_slot() {
    let sandbox = sandbox_with(|c| {
        c.max_connections = 2;
        c.header_read_timeout = Duration::from_secs(300);
    })
    .await;
    let addr = sandbox.addr();
    // Two kept-alive connections take both slots.
    let mut first = connect(addr).await;
    let mut second = connect(addr).await;
    assert_eq!(health_on(&mut first).await.status, 200);
    assert_eq!(health_on(&mut second).await.status, 200);
    // A third is not served while they stay open …
    let mut third = connect(addr).await;
    third
        .write_all(
            b"GET /__sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    // Looked at for half a second: a server that keeps the limit never
    // answers here, so this cannot fail by accident (it could only miss a
    // server that breaks the limit late).
    let mut byte = [0u8; 1];
    let waited = tokio::time::timeout(Duration::from_millis(500), third.read(&mut byte)).await;
    assert!(waited.is_err(), "served over the limit: {waited:?}");
    // … and is, as soon as one closes.
    drop(first);
    let mut answer = byte.to_vec();
    answer.extend(read_until_closed(&mut third).await);
    assert_eq!(parse_raw(&answer).status, 200);
    assert_eq!(health_on(&mut second).await.status, 200);
}
