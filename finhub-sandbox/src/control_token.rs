//! [`ControlToken`]: the secret that the control endpoints (`/__sandbox/…`
//! faults, clock, stats) require, so that only whoever started the sandbox
//! can drive it — not another local user's program, and not a web page in
//! the developer's browser.
//!
//! By default a fresh random token per start (256 bits); a fixed one can be
//! configured for scripts and CI
//! ([`SandboxConfig::control_token`](crate::SandboxConfig::control_token)).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt;
use subtle::ConstantTimeEq;

/// The control token of a running sandbox, sent as
/// `Authorization: Bearer <token>` on the control endpoints. `Debug`
/// redacts it; [`expose`](Self::expose) gives the text, to print for the
/// operator or to send.
#[derive(Clone)]
pub struct ControlToken(String);

impl ControlToken {
    /// Shortest configured token accepted, in characters.
    pub const MIN_LEN: usize = 16;

    /// A fresh random token: 32 bytes from the thread's CSPRNG, base64url.
    pub(crate) fn random() -> Self {
        let bytes: [u8; 32] = rand::rng().random();
        ControlToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A configured token (checked by the configuration's validation).
    pub(crate) fn fixed(token: &str) -> Self {
        ControlToken(token.to_string())
    }

    /// Why `token` cannot be a control token, if it cannot: at least
    /// [`MIN_LEN`](Self::MIN_LEN) characters, visible ASCII only (it travels
    /// in a header).
    pub(crate) fn problem(token: &str) -> Option<String> {
        if token.len() < Self::MIN_LEN {
            return Some(format!(
                "must be at least {} characters (got {})",
                Self::MIN_LEN,
                token.len()
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Some("must be visible ASCII characters only (no spaces)".into());
        }
        None
    }

    /// The token's text.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this token, compared in constant time (only
    /// the length may leak).
    pub(crate) fn matches(&self, presented: &[u8]) -> bool {
        bool::from(self.0.as_bytes().ct_eq(presented))
    }
}

impl fmt::Debug for ControlToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ControlToken(** redacted **)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_long_distinct_and_redacted() {
        let (a, b) = (ControlToken::random(), ControlToken::random());
        assert_ne!(a.expose(), b.expose());
        // 32 bytes (256 bits) in base64url without padding.
        assert_eq!(a.expose().len(), 43);
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(a.expose())
            .unwrap();
        assert_eq!(bytes.len() * 8, 256);
        assert!(ControlToken::problem(a.expose()).is_none());
        assert!(a.matches(a.expose().as_bytes()));
        assert!(!a.matches(b.expose().as_bytes()));
        assert!(!a.matches(&a.expose().as_bytes()[1..]));
        assert!(!a.matches(b""));
        let debug = format!("{a:?}");
        assert!(!debug.contains(a.expose()), "{debug}");
        assert!(debug.contains("** redacted **"));
    }

    #[test]
    fn configured_tokens_are_checked() {
        assert!(ControlToken::problem("short").unwrap().contains("16"));
        // At least 16 characters, exactly.
        assert!(ControlToken::problem(&"x".repeat(15)).is_some());
        assert!(ControlToken::problem(&"x".repeat(16)).is_none());
        assert!(ControlToken::problem("with a space in it!").is_some());
        assert!(ControlToken::problem("ci-fixed-control-token").is_none());
    }
}
