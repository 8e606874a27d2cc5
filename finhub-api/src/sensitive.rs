//! [`Sensitive`]: the type of every secret field of the generated types.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret string (password, tenant key or secret, access or refresh
/// token). It serializes as the plain string, because FinHub needs the value,
/// but its `Debug` prints `** redacted **`, it has no `Display`, and its
/// memory is wiped on drop.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive(String);

impl Sensitive {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Sensitive(secret.into())
    }

    /// The secret itself. Call sites that need it are easy to audit.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl From<String> for Sensitive {
    fn from(secret: String) -> Self {
        Sensitive(secret)
    }
}

impl From<&str> for Sensitive {
    fn from(secret: &str) -> Self {
        Sensitive(secret.to_string())
    }
}

impl Drop for Sensitive {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The `Drop` above wipes the text: code that must only hold secrets in
/// types that wipe themselves can require this marker.
impl ZeroizeOnDrop for Sensitive {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_serde_is_transparent() {
        let secret = Sensitive::from("SecurePass123!");
        assert_eq!(format!("{secret:?}"), "** redacted **");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(** redacted **)");
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            "\"SecurePass123!\""
        );
        let back: Sensitive = serde_json::from_str("\"SecurePass123!\"").unwrap();
        assert_eq!(back.expose(), "SecurePass123!");
    }
}
