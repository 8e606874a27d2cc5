//! Credentials and tokens: password and tenant-key checks, the five-strikes
//! login lockout, and HS256 access tokens with FinHub's claims (issue and
//! verify). Nothing here knows the sandbox's state or requests: the state
//! holds these primitives, and the request extractor that reads a bearer
//! token (`routes::caller`) uses them.
//!
//! Secrets are kept only as SHA-256 digests and compared in constant time;
//! no slow KDF, so login stays cheap under load.

use std::borrow::Cow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, Header};
use ring::hmac;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::access::TokenKind;
use crate::envelope::ApiError;
use crate::ids;

/// JWT issuer of every sandbox token (as FinHub's).
pub(crate) const ISSUER: &str = "bff";
/// JWT audience of every sandbox token (as FinHub's).
pub(crate) const AUDIENCE: &str = "bff-clients";

/// Constant-time equality of a configured secret and a presented one (the
/// length may leak, the content does not).
pub(crate) fn secret_eq(expected: &str, presented: &str) -> bool {
    bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// A customer's password, kept only as its SHA-256 digest.
pub(crate) struct SecretDigest([u8; 32]);

impl SecretDigest {
    pub fn of(secret: &str) -> Self {
        SecretDigest(Sha256::digest(secret.as_bytes()).into())
    }

    /// Constant-time comparison with `candidate`.
    pub fn matches(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        bool::from(self.0.ct_eq(&digest))
    }
}

/// Failed-login bookkeeping of one user.
///
/// A successful login of an unlocked user with no failures behind it, the
/// common case, only reads two atomics; the mutex is taken when there is
/// something to record or lift.
#[derive(Debug, Default)]
pub(crate) struct LoginGuard {
    /// Mirrors `state.failures != 0 || state.locked_until.is_some()`.
    dirty: AtomicBool,
    state: Mutex<GuardState>,
}

#[derive(Debug, Default)]
struct GuardState {
    failures: u32,
    locked_until: Option<DateTime<Utc>>,
}

/// The outcome of a failed login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failure {
    /// Failed attempts in a row, this one included.
    pub attempts: u32,
    /// Set when this failure locked the user.
    pub locked_until: Option<DateTime<Utc>>,
}

impl LoginGuard {
    fn lock(&self) -> std::sync::MutexGuard<'_, GuardState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn store(&self, state: &GuardState) {
        let dirty = state.failures != 0 || state.locked_until.is_some();
        self.dirty.store(dirty, Ordering::Release);
    }

    /// `Err(until)` while the user is locked; an expired lock is lifted.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        if !self.dirty.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut state = self.lock();
        let result = match state.locked_until {
            Some(until) if until > now => Err(until),
            Some(_) => {
                *state = GuardState::default();
                Ok(())
            }
            None => Ok(()),
        };
        self.store(&state);
        result
    }

    /// Records a failed attempt; the `threshold`-th in a row locks the user
    /// for `duration`.
    pub fn fail(&self, now: DateTime<Utc>, threshold: u32, duration: Duration) -> Failure {
        let mut state = self.lock();
        state.failures = state.failures.saturating_add(1);
        let attempts = state.failures;
        let mut locked_until = None;
        if attempts >= threshold {
            // The configuration bounds the duration and the clock bounds
            // `now`; saturate rather than panic all the same.
            let until = TimeDelta::from_std(duration)
                .ok()
                .and_then(|duration| now.checked_add_signed(duration))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            state.locked_until = Some(until);
            state.failures = 0;
            locked_until = Some(until);
        }
        self.store(&state);
        Failure {
            attempts,
            locked_until,
        }
    }

    /// A successful login resets the count.
    pub fn succeed(&self) {
        if !self.dirty.load(Ordering::Acquire) {
            return;
        }
        let mut state = self.lock();
        state.failures = 0;
        self.store(&state);
    }
}

/// `userType` of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum UserType {
    Admin,
    Consumer,
}

impl UserType {
    /// The kind of token a bearer of this `userType` holds (what the token
    /// table speaks of).
    pub fn kind(self) -> TokenKind {
        match self {
            UserType::Admin => TokenKind::Admin,
            UserType::Consumer => TokenKind::Customer,
        }
    }
}

/// The claims of a sandbox token that verification reads back (FinHub's
/// documented set also has `sub`, `iat` and `roles`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Claims<'a> {
    #[serde(borrow)]
    pub iss: Cow<'a, str>,
    #[serde(borrow)]
    pub aud: Cow<'a, str>,
    pub exp: i64,
    #[serde(rename = "tenantId", borrow)]
    pub tenant_id: Cow<'a, str>,
    #[serde(rename = "customerId", default, borrow)]
    pub customer_id: Option<Cow<'a, str>>,
    #[serde(rename = "userId", borrow)]
    pub user_id: Cow<'a, str>,
    #[serde(rename = "userType")]
    pub user_type: UserType,
    #[serde(borrow)]
    pub jti: Cow<'a, str>,
}

/// A freshly signed access token.
pub(crate) struct Issued {
    pub token: String,
    pub jti: String,
}

/// What a verified token says about its bearer.
#[derive(Debug)]
pub(crate) struct Verified {
    pub user_type: UserType,
    pub user_id: String,
    pub customer_id: Option<String>,
    pub tenant_id: String,
    pub jti: String,
}

/// Signs and verifies access tokens: HS256 JWTs.
///
/// The header comes from `jsonwebtoken` and the tokens are ordinary JWTs
/// (the tests read them with `jsonwebtoken::decode`). Because every login
/// and every authenticated request pays for it, the hot path is trimmed:
/// the header is encoded once, the HMAC key (ring's, the primitive
/// `jsonwebtoken` uses) is prepared once instead of per token, claims are
/// written directly and read back without copying.
pub(crate) struct Tokens {
    key: hmac::Key,
    /// base64url of `{"typ":"JWT","alg":"HS256"}`.
    header: String,
    lifetime_secs: i64,
}

/// Whether an expired token is still accepted (refresh only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    Enforce,
    Tolerate,
}

fn invalid() -> ApiError {
    ApiError::unauthorized("Invalid token")
}

impl Tokens {
    pub fn new(secret: &[u8], lifetime: Duration) -> Self {
        let header = serde_json::to_vec(&Header::new(Algorithm::HS256)).unwrap_or_default();
        Tokens {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            header: URL_SAFE_NO_PAD.encode(header),
            lifetime_secs: i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX),
        }
    }

    /// Token lifetime in seconds (`expiresIn`).
    pub fn lifetime_secs(&self) -> i64 {
        self.lifetime_secs
    }

    /// Signs a token for `user_id` issued at `now_secs`.
    pub fn issue(
        &self,
        tenant_id: &str,
        user_id: &str,
        customer_id: Option<&str>,
        user_type: UserType,
        now_secs: i64,
    ) -> Result<Issued, ApiError> {
        let jti = ids::uuid();
        let (kind, role) = match user_type {
            UserType::Admin => ("ADMIN", "ADMIN"),
            UserType::Consumer => ("CONSUMER", "USER"),
        };
        // The claims in the documented order, written directly (this runs
        // on every login; `Claims` reads them back with serde).
        let mut payload = String::with_capacity(320);
        payload.push_str(r#"{"iss":"#);
        push_json_str(&mut payload, ISSUER);
        payload.push_str(r#","aud":"#);
        push_json_str(&mut payload, AUDIENCE);
        payload.push_str(r#","sub":"#);
        push_json_str(&mut payload, user_id);
        payload.push_str(r#","exp":"#);
        payload.push_str(&now_secs.saturating_add(self.lifetime_secs).to_string());
        payload.push_str(r#","iat":"#);
        payload.push_str(&now_secs.to_string());
        payload.push_str(r#","tenantId":"#);
        push_json_str(&mut payload, tenant_id);
        if let Some(customer_id) = customer_id {
            payload.push_str(r#","customerId":"#);
            push_json_str(&mut payload, customer_id);
        }
        payload.push_str(r#","userId":"#);
        push_json_str(&mut payload, user_id);
        payload.push_str(r#","userType":"#);
        push_json_str(&mut payload, kind);
        payload.push_str(r#","roles":["#);
        push_json_str(&mut payload, role);
        payload.push_str(r#"],"jti":"#);
        push_json_str(&mut payload, &jti);
        payload.push('}');
        let payload = payload.into_bytes();
        // Exactly the final length: header, payload and the 43-character
        // signature, base64url without padding, and two dots.
        let mut token =
            String::with_capacity(self.header.len() + payload.len().div_ceil(3) * 4 + 45);
        token.push_str(&self.header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let signature = hmac::sign(&self.key, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut token);
        Ok(Issued { token, jti })
    }

    /// Checks header, signature, issuer, audience and (unless tolerated)
    /// expiry; every failure is 401 "Invalid token" or "Token expired".
    pub fn verify(&self, token: &str, now_secs: i64, expiry: Expiry) -> Result<Verified, ApiError> {
        let (message, signature) = token.rsplit_once('.').ok_or_else(invalid)?;
        let (header, payload) = message.split_once('.').ok_or_else(invalid)?;
        if header != self.header {
            let decoded = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
            if decoded.alg != Algorithm::HS256 {
                return Err(invalid());
            }
        }
        let mut tag = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(signature, &mut tag) {
            Ok(32) => {}
            _ => return Err(invalid()),
        }
        hmac::verify(&self.key, message.as_bytes(), &tag).map_err(|_| invalid())?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let claims: Claims<'_> = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        if claims.iss != ISSUER || claims.aud != AUDIENCE {
            return Err(invalid());
        }
        if expiry == Expiry::Enforce && claims.exp <= now_secs {
            return Err(ApiError::unauthorized("Token expired"));
        }
        Ok(Verified {
            user_type: claims.user_type,
            user_id: claims.user_id.into_owned(),
            customer_id: claims.customer_id.map(Cow::into_owned),
            tenant_id: claims.tenant_id.into_owned(),
            jti: claims.jti.into_owned(),
        })
    }
}

/// Appends `text` as a JSON string literal.
fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, EncodingKey};

    #[test]
    fn claims_are_escaped_json() {
        let mut out = String::new();
        push_json_str(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(
            serde_json::from_str::<String>(&out).unwrap(),
            "a\"b\\c\n\u{1}é"
        );
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(5));
        let issued = tokens
            .issue("ten\"ant", "us\\er", None, UserType::Admin, 7)
            .unwrap();
        let verified = tokens.verify(&issued.token, 8, Expiry::Enforce).unwrap();
        assert_eq!(verified.tenant_id, "ten\"ant");
        assert_eq!(verified.user_id, "us\\er");
    }

    #[test]
    fn secrets_compare_by_value() {
        assert!(secret_eq("sbxK_7Qm2", "sbxK_7Qm2"));
        assert!(!secret_eq("sbxK_7Qm2", "sbxK_7Qm3"));
        assert!(!secret_eq("sbxK_7Qm2", "sbxK_7Qm"));
        assert!(!secret_eq("sbxK_7Qm2", ""));
    }

    #[test]
    fn digests_compare_by_value() {
        let digest = SecretDigest::of("SecurePass123!");
        assert!(digest.matches("SecurePass123!"));
        assert!(!digest.matches("SecurePass123"));
        assert!(!digest.matches(""));
    }

    #[test]
    fn guard_locks_on_threshold_and_unlocks_after_duration() {
        let guard = LoginGuard::default();
        let now = Utc::now();
        let lock = Duration::from_secs(1800);
        // At the far end of time a lock saturates instead of panicking.
        let late = LoginGuard::default();
        for _ in 0..2 {
            late.fail(DateTime::<Utc>::MAX_UTC, 1, Duration::MAX);
        }
        assert!(
            late.check(DateTime::<Utc>::MAX_UTC - TimeDelta::seconds(1))
                .is_err()
        );
        for attempt in 1..5 {
            let failure = guard.fail(now, 5, lock);
            assert_eq!(failure.attempts, attempt);
            assert_eq!(failure.locked_until, None);
            assert!(guard.check(now).is_ok());
        }
        let failure = guard.fail(now, 5, lock);
        assert_eq!(failure.locked_until, Some(now + TimeDelta::minutes(30)));
        assert!(guard.check(now + TimeDelta::minutes(29)).is_err());
        assert!(guard.check(now + TimeDelta::minutes(30)).is_ok());
        assert_eq!(guard.fail(now, 5, lock).attempts, 1);
        guard.succeed();
        assert_eq!(guard.fail(now, 5, lock).attempts, 1);
    }

    #[test]
    fn tokens_carry_finhub_claims_and_expire_by_the_given_clock() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let tokens = Tokens::new(secret, Duration::from_secs(60));
        let issued = tokens
            .issue(
                "tenant",
                "6r1k1hw6npq",
                Some("cust"),
                UserType::Consumer,
                1_000,
            )
            .unwrap();
        let verified = tokens
            .verify(&issued.token, 1_059, Expiry::Enforce)
            .unwrap();
        assert_eq!(verified.user_id, "6r1k1hw6npq");
        assert_eq!(verified.customer_id.as_deref(), Some("cust"));
        assert_eq!(verified.user_type, UserType::Consumer);
        assert_eq!(verified.tenant_id, "tenant");
        assert_eq!(verified.jti, issued.jti);
        let err = tokens
            .verify(&issued.token, 1_060, Expiry::Enforce)
            .unwrap_err();
        assert_eq!(err.message, "Token expired");
        assert!(
            tokens
                .verify(&issued.token, 9_999, Expiry::Tolerate)
                .is_ok()
        );

        // A standard JWT library reads it, with the documented claims.
        let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
        validation.set_issuer(&["bff"]);
        validation.set_audience(&["bff-clients"]);
        validation.validate_exp = false;
        let decoded = jsonwebtoken::decode::<serde_json::Value>(
            &issued.token,
            &DecodingKey::from_secret(secret),
            &validation,
        )
        .unwrap();
        assert_eq!(decoded.header.alg, Algorithm::HS256);
        assert_eq!(decoded.header.typ.as_deref(), Some("JWT"));
        let claims = decoded.claims;
        assert_eq!(claims["iss"], "bff");
        assert_eq!(claims["aud"], "bff-clients");
        assert_eq!(claims["sub"], "6r1k1hw6npq");
        assert_eq!(claims["userId"], "6r1k1hw6npq");
        assert_eq!(claims["customerId"], "cust");
        assert_eq!(claims["tenantId"], "tenant");
        assert_eq!(claims["userType"], "CONSUMER");
        assert_eq!(claims["roles"], serde_json::json!(["USER"]));
        assert_eq!(claims["exp"], 1_060);
        assert_eq!(claims["iat"], 1_000);
        assert_eq!(claims["jti"], issued.jti.as_str());
    }

    #[test]
    fn forged_and_foreign_tokens_are_invalid() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let tokens = Tokens::new(secret, Duration::from_secs(60));
        let issued = tokens
            .issue("tenant", "admin", None, UserType::Admin, 1_000)
            .unwrap();
        let invalid = |token: &str| {
            tokens
                .verify(token, 1_000, Expiry::Enforce)
                .map(|_| ())
                .unwrap_err()
                .message
        };
        let other = Tokens::new(b"another-secret-of-32-bytes......", Duration::from_secs(60));
        let foreign = other
            .issue("tenant", "admin", None, UserType::Admin, 1_000)
            .unwrap();
        assert_eq!(invalid(&foreign.token), "Invalid token");
        let forged_claims = URL_SAFE_NO_PAD.encode(
            br#"{"iss":"bff","aud":"bff-clients","sub":"x","exp":9999999999,"iat":0,"tenantId":"tenant","userId":"x","userType":"ADMIN","roles":["ADMIN"],"jti":"j"}"#,
        );
        let mut parts: Vec<&str> = issued.token.split('.').collect();
        parts[1] = &forged_claims;
        assert_eq!(invalid(&parts.join(".")), "Invalid token");
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = issued.token.split('.').nth(1).unwrap();
        assert_eq!(
            invalid(&format!("{none_header}.{payload}.")),
            "Invalid token"
        );
        for garbage in ["", "a.b", "a.b.c", "not a token"] {
            assert_eq!(invalid(garbage), "Invalid token");
        }
        // The right secret but another issuer: refused; FinHub's issuer: read.
        let key = EncodingKey::from_secret(secret);
        let mut claims = serde_json::json!({
            "iss": "muse-proxy-bff", "aud": "bff-clients", "sub": "x", "exp": 9_999, "iat": 0,
            "tenantId": "tenant", "userId": "x", "userType": "ADMIN", "roles": ["ADMIN"], "jti": "j"
        });
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert_eq!(invalid(&token), "Invalid token");
        claims["iss"] = "bff".into();
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert!(tokens.verify(&token, 1_000, Expiry::Enforce).is_ok());
    }
}
