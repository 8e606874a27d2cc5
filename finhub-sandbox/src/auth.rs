//! Authentication: password and tenant-key checks, the five-strikes login
//! lockout, HS256 access tokens with FinHub's claims, and the [`Caller`]
//! extractor that every protected operation uses to learn who is calling.
//!
//! Secrets are kept only as SHA-256 digests and compared in constant time;
//! no slow KDF, so login stays cheap under load.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::envelope::ApiError;
use crate::state::AppState;

/// JWT issuer of every sandbox token (as FinHub's).
pub(crate) const ISSUER: &str = "bff";
/// JWT audience of every sandbox token (as FinHub's).
pub(crate) const AUDIENCE: &str = "bff-clients";

/// A secret kept as its SHA-256 digest.
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
#[derive(Debug, Default)]
pub(crate) struct LoginGuard {
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

    /// `Err(until)` while the user is locked; an expired lock is lifted.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut state = self.lock();
        match state.locked_until {
            Some(until) if until > now => Err(until),
            Some(_) => {
                *state = GuardState::default();
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records a failed attempt; the `threshold`-th in a row locks the user
    /// for `duration`.
    pub fn fail(&self, now: DateTime<Utc>, threshold: u32, duration: Duration) -> Failure {
        let mut state = self.lock();
        state.failures += 1;
        let attempts = state.failures;
        if attempts >= threshold {
            let until = now + TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
            state.locked_until = Some(until);
            state.failures = 0;
            return Failure {
                attempts,
                locked_until: Some(until),
            };
        }
        Failure {
            attempts,
            locked_until: None,
        }
    }

    /// A successful login resets the count.
    pub fn succeed(&self) {
        let mut state = self.lock();
        if state.failures != 0 {
            state.failures = 0;
        }
    }
}

/// `userType` of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum UserType {
    Admin,
    Consumer,
}

/// The claims of a sandbox token: FinHub's documented set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    #[serde(rename = "tenantId")]
    pub tenant_id: String,
    #[serde(rename = "customerId", default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "userType")]
    pub user_type: UserType,
    pub roles: Vec<String>,
    pub jti: String,
}

/// A freshly signed access token.
pub(crate) struct Issued {
    pub token: String,
    pub jti: String,
}

/// Signs and verifies access tokens.
pub(crate) struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    header: Header,
    lifetime_secs: i64,
}

/// Whether an expired token is still accepted (refresh only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    Enforce,
    Tolerate,
}

impl Tokens {
    pub fn new(secret: &[u8], lifetime: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        // Expiry is checked against the sandbox clock, not the system's.
        validation.validate_exp = false;
        validation.leeway = 0;
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            header: Header::new(Algorithm::HS256),
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
        let jti = uuid::Uuid::new_v4().to_string();
        let claims = Claims {
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
            sub: user_id.to_string(),
            exp: now_secs.saturating_add(self.lifetime_secs),
            iat: now_secs,
            tenant_id: tenant_id.to_string(),
            customer_id: customer_id.map(str::to_string),
            user_id: user_id.to_string(),
            user_type,
            roles: vec![
                match user_type {
                    UserType::Admin => "ADMIN",
                    UserType::Consumer => "USER",
                }
                .to_string(),
            ],
            jti,
        };
        let token = jsonwebtoken::encode(&self.header, &claims, &self.encoding)
            .map_err(|_| ApiError::internal("Could not sign the access token"))?;
        Ok(Issued {
            token,
            jti: claims.jti,
        })
    }

    /// Checks signature, issuer, audience and (unless tolerated) expiry.
    pub fn verify(&self, token: &str, now_secs: i64, expiry: Expiry) -> Result<Claims, ApiError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::unauthorized("Invalid token"))?
            .claims;
        if expiry == Expiry::Enforce && claims.exp <= now_secs {
            return Err(ApiError::unauthorized("Token expired"));
        }
        Ok(claims)
    }
}

/// Who is calling: read from a verified bearer token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub user_type: UserType,
    pub user_id: String,
    pub customer_id: Option<String>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.user_type == UserType::Admin
    }

    /// 403 unless the caller holds an admin token.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "This operation requires an admin token (userType ADMIN)",
            ))
        }
    }

    /// 403 unless the caller is an admin or the customer `customer_id` itself.
    pub fn require_customer(&self, customer_id: &str) -> Result<(), ApiError> {
        if self.is_admin() || self.customer_id.as_deref() == Some(customer_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "The token does not belong to customer '{customer_id}'"
            )))
        }
    }
}

fn authenticate(parts: &Parts, state: &AppState, expiry: Expiry) -> Result<Caller, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("Missing bearer token (Authorization: Bearer <token>)"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("Invalid token"))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::unauthorized("Authorization must be a Bearer token"))?;
    let claims = state
        .tokens
        .verify(token, state.clock.now_secs(), expiry)?;
    if claims.tenant_id != state.config.tenant_id {
        return Err(ApiError::unauthorized("Invalid token"));
    }
    if state.sessions.is_revoked(&claims.jti) {
        return Err(ApiError::unauthorized("Session terminated: the token was logged out"));
    }
    Ok(Caller {
        user_type: claims.user_type,
        user_id: claims.user_id,
        customer_id: claims.customer_id,
    })
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, Expiry::Enforce)
    }
}

/// Like [`Caller`], but an expired (still correctly signed, not logged out)
/// token is accepted: refreshing is what one does when the token expired.
#[derive(Debug, Clone)]
pub(crate) struct RefreshCaller(pub Caller);

impl FromRequestParts<Arc<AppState>> for RefreshCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, Expiry::Tolerate).map(RefreshCaller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60));
        let issued = tokens
            .issue("tenant", "6r1k1hw6npq", Some("cust"), UserType::Consumer, 1_000)
            .unwrap();
        let claims = tokens.verify(&issued.token, 1_059, Expiry::Enforce).unwrap();
        assert_eq!(claims.iss, "bff");
        assert_eq!(claims.aud, "bff-clients");
        assert_eq!(claims.sub, "6r1k1hw6npq");
        assert_eq!(claims.user_id, "6r1k1hw6npq");
        assert_eq!(claims.customer_id.as_deref(), Some("cust"));
        assert_eq!(claims.exp - claims.iat, 60);
        assert_eq!(claims.roles, ["USER"]);
        assert_eq!(claims.jti, issued.jti);
        let err = tokens.verify(&issued.token, 1_060, Expiry::Enforce).unwrap_err();
        assert_eq!(err.message, "Token expired");
        assert!(tokens.verify(&issued.token, 9_999, Expiry::Tolerate).is_ok());

        let other = Tokens::new(b"another-secret-of-32-bytes......", Duration::from_secs(60));
        assert_eq!(
            other.verify(&issued.token, 1_000, Expiry::Enforce).unwrap_err().message,
            "Invalid token"
        );
        let header = jsonwebtoken::decode_header(&issued.token).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
    }
}
