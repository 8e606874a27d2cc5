//! The front door of every route, before anything is counted, handled or
//! read:
//!
//! * only loopback `Host` values (`127.0.0.1`, `[::1]`, `localhost`, with
//!   or without a port) else 421: a web page whose name an attacker
//!   rebinds to 127.0.0.1 still sends its own name, so DNS rebinding
//!   cannot reach the sandbox from the developer's browser;
//! * no body announced larger than [`MAX_BODY_BYTES`] else 413, without
//!   reading any of it.

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::body::too_large;
use crate::envelope::ApiError;
use crate::limits::MAX_BODY_BYTES;

/// The middleware: refuses, or passes the request on.
pub(crate) async fn admit(request: Request, next: Next) -> Response {
    if let Err(error) = check(&request) {
        return error.into_response();
    }
    next.run(request).await
}

fn check(request: &Request) -> Result<(), ApiError> {
    check_host(request)?;
    check_length(request.headers())
}

fn check_host(request: &Request) -> Result<(), ApiError> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.as_bytes(),
        (None, _) => return Err(misdirected("Missing Host header".into())),
        (Some(_), Some(_)) => return Err(misdirected("More than one Host header".into())),
    };
    // An absolute-form target names its host too; both must be loopback.
    let target = request.uri().authority().map(|a| a.as_str().as_bytes());
    for name in std::iter::once(host).chain(target) {
        if !is_loopback(name) {
            let shown: String = String::from_utf8_lossy(name).chars().take(100).collect();
            return Err(misdirected(format!("Host '{shown}' is not served here")));
        }
    }
    Ok(())
}

fn misdirected(problem: String) -> ApiError {
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        format!("{problem}: the sandbox answers only loopback hosts (127.0.0.1, [::1], localhost)"),
    )
}

/// Whether a `Host` value (or URI authority) is a loopback name with an
/// optional port: `127.0.0.1`, `[::1]` or `localhost` (any case).
pub(crate) fn is_loopback(host: &[u8]) -> bool {
    let (name, port) = if let Some(rest) = host.strip_prefix(b"[") {
        let Some(end) = rest.iter().position(|b| *b == b']') else {
            return false;
        };
        (&host[..end + 2], &rest[end + 1..])
    } else {
        match host.iter().position(|b| *b == b':') {
            Some(colon) => (&host[..colon], &host[colon..]),
            None => (host, &b""[..]),
        }
    };
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => {
            !digits.is_empty() && digits.len() <= 5 && digits.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    port_ok && (name == b"127.0.0.1" || name == b"[::1]" || name.eq_ignore_ascii_case(b"localhost"))
}

fn check_length(headers: &HeaderMap) -> Result<(), ApiError> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    match announced {
        Some(length) if length > u64::try_from(MAX_BODY_BYTES).unwrap_or(u64::MAX) => {
            Err(too_large())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]",
            "[::1]:65535",
        ] {
            assert!(is_loopback(host.as_bytes()), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.",
            "localhost.evil.example",
            "localhost:80.evil.example",
            "localhost:",
            "localhost:123456",
            "localhost:8080:8080",
            "127.0.0.2",
            "0.0.0.0",
            "[::2]",
            "[::1",
            "[::1]x",
            "[::1]:",
            "::1",
            "user@localhost",
            "127.0.0.1:80@evil.example",
        ] {
            assert!(!is_loopback(host.as_bytes()), "{host}");
        }
    }
}
