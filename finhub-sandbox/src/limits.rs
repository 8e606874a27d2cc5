//! The sandbox's size and time limits, and their defaults: how much of a
//! request it reads, how long it waits for a slow client, how many
//! connections it serves at once, how far its clock and its faults go.
//!
//! A sandbox listens on the developer's own machine; these limits keep a
//! slow, greedy or hostile client from tying it up or making it buffer
//! without end.

use std::time::Duration;

/// Largest document accepted, decoded: the documented 10 MB.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Largest request body read, in bytes: the largest document in base64
/// (MIME line breaks included, as JSON escapes them) plus 64 KiB for the
/// rest of the JSON. A larger `Content-Length` is refused with 413 before
/// any of the body is read; a body without one is refused as soon as it
/// passes the limit.
pub const MAX_BODY_BYTES: usize = {
    let encoded = MAX_DOCUMENT_BYTES.div_ceil(3) * 4;
    // A `\r\n` (4 bytes in JSON: `\\r\\n`) after every 76 characters.
    let line_breaks = (encoded / 76 + 1) * 4;
    encoded + line_breaks + 64 * 1024
};

/// Default for [`SandboxConfig::header_read_timeout`](crate::SandboxConfig::header_read_timeout):
/// how long a client has to send a request's head (also how long an idle
/// keep-alive connection stays open).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default for [`SandboxConfig::body_read_timeout`](crate::SandboxConfig::body_read_timeout):
/// how long a client has to send a whole request body.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default for [`SandboxConfig::max_connections`](crate::SandboxConfig::max_connections):
/// connections served at once; more wait until one closes.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Upper bound of [`SandboxConfig::max_connections`](crate::SandboxConfig::max_connections).
pub const MAX_CONNECTIONS_BOUND: usize = 65_536;

/// Upper bound of the read timeouts.
pub const MAX_READ_TIMEOUT: Duration = Duration::from_secs(3600);

/// Upper bound of the token, session and lockout durations: `i32::MAX`
/// seconds (about 68 years), what `expiresIn` can carry.
pub const MAX_LIFETIME: Duration = Duration::from_secs(2_147_483_647);

/// Upper bound of a latency fault, in milliseconds (10 minutes).
pub const MAX_LATENCY_MS: u64 = 600_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_limit_holds_the_largest_document_and_not_much_more() {
        use base64::Engine;
        // The largest document in MIME base64 (CRLF every 76 characters),
        // as JSON writes it.
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(vec![0u8; MAX_DOCUMENT_BYTES]);
        let wrapped = encoded
            .as_bytes()
            .chunks(76)
            .map(|line| std::str::from_utf8(line).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
        let content = serde_json::to_string(&wrapped).unwrap().len();
        assert!(content < MAX_BODY_BYTES, "{content} > {MAX_BODY_BYTES}");
        // Room for the other fields, and no more than 64 KiB of it.
        assert!(MAX_BODY_BYTES - content <= 64 * 1024 + 8, "{content}");
        assert!(MAX_BODY_BYTES - content >= 60 * 1024, "{content}");
        assert_eq!(
            i64::try_from(MAX_LIFETIME.as_secs()).unwrap(),
            i64::from(i32::MAX)
        );
    }
}
