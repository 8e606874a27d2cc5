//! Customer sessions that outlive the process, without the password:
//! [`SessionSnapshot`] (what a [`CustomerClient`](crate::CustomerClient)
//! holds now) and [`StoredSession`], its serde form.
//!
//! A journey that spans days (KYC review, an e-mailed activation code)
//! keeps the customer's session between runs instead of the customer's
//! password: [`CustomerClient::snapshot`](crate::CustomerClient::snapshot)
//! takes it, [`SessionSnapshot::to_stored`] turns it into something to
//! save, and
//! [`FinhubClient::resume_customer`](crate::FinhubClient::resume_customer)
//! continues it in another process. A resumed session renews through the
//! refresh endpoint (facts §2.4, I-22) and, having no password, never falls
//! back to a login: a refused refresh (401) or a server without refresh
//! (404/405) is [`Error::ReloginRequired`](crate::Error::ReloginRequired).
//!
//! Serialized only on purpose: [`SessionSnapshot`] is not `Serialize`, so
//! a snapshot cannot end up in a log line or a JSON answer by accident;
//! [`StoredSession`] is, and its name says what it is for. Both print
//! `** redacted **` for the tokens in `Debug`.
//!
//! ```compile_fail
//! # fn check(snapshot: finhub_ext::SessionSnapshot) {
//! // A snapshot does not serialize: take `to_stored()` on purpose.
//! let _ = serde_json::to_string(&snapshot);
//! # }
//! ```
//!
//! Refresh tokens rotate: each renewal replaces the refresh token, and the
//! server refuses the previous one. Take a new snapshot after calls (a
//! renewal may have happened) and save it; a stored session whose refresh
//! token was replaced after it was saved can no longer renew.

use std::fmt;

use chrono::{DateTime, Utc};
use finhub_api::Sensitive;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// A customer session as the client holds it: ids, login name, server
/// session id, access and refresh tokens, and when the access token
/// expires. Taken with
/// [`CustomerClient::snapshot`](crate::CustomerClient::snapshot), continued
/// with [`FinhubClient::resume_customer`](crate::FinhubClient::resume_customer).
///
/// Not `Serialize`: [`to_stored`](Self::to_stored) gives the form to save.
/// `Debug` prints the tokens as `** redacted **`.
#[derive(Clone)]
pub struct SessionSnapshot {
    pub(crate) customer_id: String,
    pub(crate) user_id: String,
    pub(crate) username: String,
    pub(crate) session_id: Option<String>,
    pub(crate) access_token: SecretString,
    pub(crate) refresh_token: Option<SecretString>,
    pub(crate) expires_at: DateTime<Utc>,
}

impl fmt::Debug for SessionSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSnapshot")
            .field("customer_id", &self.customer_id)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("session_id", &self.session_id)
            .field("access_token", &"** redacted **")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl SessionSnapshot {
    /// The customer the session belongs to.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// The customer's user.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The user's login name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The server's session id, when the login answer carried one.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// Whether the session has a refresh token (without one a resumed
    /// session cannot renew).
    pub fn has_refresh_token(&self) -> bool {
        self.refresh_token.is_some()
    }

    /// When the access token expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The form to save (serde): the tokens in clear text, since they are
    /// what resuming needs. Keep it where secrets belong (the store of a
    /// durable journey, encrypted at rest).
    pub fn to_stored(&self) -> StoredSession {
        StoredSession {
            customer_id: self.customer_id.clone(),
            user_id: self.user_id.clone(),
            username: self.username.clone(),
            session_id: self.session_id.clone(),
            access_token: Sensitive::new(self.access_token.expose_secret()),
            refresh_token: self
                .refresh_token
                .as_ref()
                .map(|t| Sensitive::new(t.expose_secret())),
            expires_at: self.expires_at,
        }
    }

    /// The snapshot a stored session was made from.
    pub fn from_stored(stored: &StoredSession) -> SessionSnapshot {
        SessionSnapshot {
            customer_id: stored.customer_id.clone(),
            user_id: stored.user_id.clone(),
            username: stored.username.clone(),
            session_id: stored.session_id.clone(),
            access_token: SecretString::from(stored.access_token.expose()),
            refresh_token: stored
                .refresh_token
                .as_ref()
                .map(|t| SecretString::from(t.expose())),
            expires_at: stored.expires_at,
        }
    }
}

impl From<&StoredSession> for SessionSnapshot {
    fn from(stored: &StoredSession) -> Self {
        SessionSnapshot::from_stored(stored)
    }
}

/// The serde form of a [`SessionSnapshot`], made on purpose with
/// [`SessionSnapshot::to_stored`]. JSON field names are camelCase
/// (`customerId`, `userId`, `username`, `sessionId`, `accessToken`,
/// `refreshToken`, `expiresAt`). `Debug` prints the tokens as
/// `** redacted **`; the tokens are wiped from memory on drop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSession {
    /// The customer the session belongs to.
    pub customer_id: String,
    /// The customer's user.
    pub user_id: String,
    /// The user's login name.
    pub username: String,
    /// The server's session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The access token.
    pub access_token: Sensitive,
    /// The refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Sensitive>,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{assert_option_wipes_on_drop, assert_wipes_on_drop};

    /// The secret fields of this module, checked by the compiler: the test
    /// builds only while each is of a type that wipes its memory on drop.
    #[test]
    fn every_field_holding_a_secret_wipes_its_memory_on_drop() {
        let snapshot = snapshot();
        assert_wipes_on_drop(&snapshot.access_token);
        assert_option_wipes_on_drop(&snapshot.refresh_token);
    }

    const CANARY: &str = "canary-refresh-token-5e1f";

    fn snapshot() -> SessionSnapshot {
        SessionSnapshot {
            customer_id: "c-1".into(),
            user_id: "u-1".into(),
            username: "marcus@example.test".into(),
            session_id: Some("s-1".into()),
            access_token: SecretString::from("canary-access-token-77aa"),
            refresh_token: Some(SecretString::from(CANARY)),
            expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn debug_is_redacted_and_the_stored_form_round_trips() {
        let snapshot = snapshot();
        let stored = snapshot.to_stored();
        for debug in [format!("{snapshot:?}"), format!("{stored:?}")] {
            assert!(!debug.contains(CANARY), "{debug}");
            assert!(!debug.contains("canary-access-token"), "{debug}");
            assert!(debug.contains("** redacted **"), "{debug}");
            assert!(debug.contains("marcus@example.test"), "{debug}");
        }
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(json["refreshToken"], CANARY);
        assert_eq!(json["sessionId"], "s-1");
        let back: StoredSession = serde_json::from_value(json).unwrap();
        assert_eq!(back, stored);
        assert_eq!(SessionSnapshot::from_stored(&back).to_stored(), stored);
    }
}
