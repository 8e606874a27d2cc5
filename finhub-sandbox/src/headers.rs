//! The standard headers FinHub requires on every operation (facts §1.3):
//! `X-Tenant-ID`, `X-Forwarded-For`, `X-Forwarded-From`, `platform` (or
//! `sec-ch-ua-platform`) and `deviceId` (or `X-Device-Id` / `device-id`).
//! A missing one is a 400 naming it; a tenant other than the sandbox's is a
//! 403.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderName};
use serde_json::json;

use crate::envelope::ApiError;

/// A required header: its documented name and the names that also count.
struct Required {
    name: &'static str,
    /// Lower-case header names that satisfy it.
    accepted: &'static [&'static str],
    aliases: &'static [&'static str],
}

const TENANT: &str = "x-tenant-id";

const REQUIRED: [Required; 5] = [
    Required {
        name: "X-Tenant-ID",
        accepted: &[TENANT],
        aliases: &[],
    },
    Required {
        name: "X-Forwarded-For",
        accepted: &["x-forwarded-for"],
        aliases: &[],
    },
    Required {
        name: "X-Forwarded-From",
        accepted: &["x-forwarded-from"],
        aliases: &[],
    },
    Required {
        name: "platform",
        accepted: &["platform", "sec-ch-ua-platform"],
        aliases: &["sec-ch-ua-platform"],
    },
    Required {
        name: "deviceId",
        accepted: &["deviceid", "x-device-id", "device-id"],
        aliases: &["X-Device-Id", "device-id"],
    },
];

/// The accepted names, parsed once (a lookup by `&str` would parse the
/// name on every request).
static NAMES: LazyLock<Vec<Vec<HeaderName>>> = LazyLock::new(|| {
    REQUIRED
        .iter()
        .map(|required| {
            required
                .accepted
                .iter()
                .map(|name| HeaderName::from_static(name))
                .collect()
        })
        .collect()
});

fn present(headers: &HeaderMap, name: &HeaderName) -> bool {
    headers
        .get(name)
        .is_some_and(|value| !value.as_bytes().iter().all(u8::is_ascii_whitespace))
}

/// 400 for the first missing required header, 403 for a foreign tenant.
pub(crate) fn check(headers: &HeaderMap, tenant_id: &str) -> Result<(), ApiError> {
    for (required, names) in REQUIRED.iter().zip(NAMES.iter()) {
        if !names.iter().any(|name| present(headers, name)) {
            let mut error =
                ApiError::bad_request(format!("Missing required header: {}", required.name));
            error = error.with_data(json!({
                "header": required.name,
                "acceptedAliases": required.aliases,
            }));
            return Err(error);
        }
    }
    let tenant = headers
        .get(&NAMES[0][0])
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if tenant != tenant_id {
        return Err(ApiError::forbidden(
            "Tenant access denied: X-Tenant-ID is not this sandbox's tenant",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn full() -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("X-Tenant-ID", "t-1"),
            ("X-Forwarded-For", "127.0.0.1"),
            ("X-Forwarded-From", "integration-client"),
            ("platform", "web"),
            ("deviceId", "integration-device"),
        ] {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_static(value),
            );
        }
        headers
    }

    #[test]
    fn all_present_passes_and_each_missing_is_named() {
        assert!(check(&full(), "t-1").is_ok());
        for (name, lower) in [
            ("X-Tenant-ID", "x-tenant-id"),
            ("X-Forwarded-For", "x-forwarded-for"),
            ("X-Forwarded-From", "x-forwarded-from"),
            ("platform", "platform"),
            ("deviceId", "deviceid"),
        ] {
            let mut headers = full();
            headers.remove(lower);
            let err = check(&headers, "t-1").unwrap_err();
            assert_eq!(err.status, 400);
            assert_eq!(err.message, format!("Missing required header: {name}"));
        }
    }

    #[test]
    fn aliases_count_and_blank_does_not() {
        let mut headers = full();
        headers.remove("platform");
        headers.insert(
            "sec-ch-ua-platform",
            HeaderValue::from_static("\"Windows\""),
        );
        headers.remove("deviceid");
        headers.insert("x-device-id", HeaderValue::from_static("d-1"));
        assert!(check(&headers, "t-1").is_ok());
        headers.insert("x-forwarded-from", HeaderValue::from_static(" "));
        assert_eq!(
            check(&headers, "t-1").unwrap_err().message,
            "Missing required header: X-Forwarded-From"
        );
    }

    #[test]
    fn foreign_tenant_is_forbidden() {
        let err = check(&full(), "t-2").unwrap_err();
        assert_eq!(err.status, 403);
    }
}
