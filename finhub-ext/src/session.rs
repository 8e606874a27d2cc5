//! Admin and customer sessions: login, token expiry, refresh ahead of
//! expiry, single-flight renewal, rotation of refresh tokens, logout.
//!
//! * Expiry comes from `expiresIn`, else the JWT's `exp` claim, never from
//!   `expiresAt` (FinHub's captured example puts it 24 h after a token that
//!   expires in 1 h), else [`DEFAULT_LIFETIME`].
//! * A token is renewed ahead of expiry, by a buffer shortened by random
//!   jitter so that many clients do not renew in lockstep.
//! * Renewal is single-flight: however many callers find the token
//!   expiring, one of them renews and the others wait for its result.
//! * A customer session renews through the refresh endpoint; when the
//!   server does not offer it (404/405) or refuses the refresh token (401),
//!   the client logs in again with the stored credentials. Refresh tokens
//!   are treated as rotating: the newest one replaces the old.
//! * Logout ends the server session and wipes the local token and
//!   credentials.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use finhub_api::hooks::BoxFuture;
use finhub_api::{Sensitive, types};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

use crate::builders::{AdminSessionBuilder, CustomerSessionBuilder};
use crate::client::{Core, call_api};
use crate::error::{Error, ErrorDetails};

/// Lifetime assumed for a token that states none (no `expiresIn`, no
/// readable JWT `exp`).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// A bearer token and what the client knows about it.
pub(crate) struct Token {
    pub(crate) access: SecretString,
    pub(crate) refresh: Option<SecretString>,
    pub(crate) session_id: Option<String>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) renew_at: DateTime<Utc>,
    /// Increases with every new token of the session.
    pub(crate) generation: u64,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access", &"** redacted **")
            .field("session_id", &self.session_id)
            .field("expires_at", &self.expires_at)
            .field("generation", &self.generation)
            .finish()
    }
}

/// Login name and password of a session's user.
#[derive(Clone)]
pub(crate) struct Login {
    pub(crate) username: String,
    pub(crate) password: SecretString,
}

/// Whose session it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    Admin {
        organization_id: String,
        user_id: String,
    },
    Customer {
        customer_id: String,
        user_id: String,
    },
}

/// One session (admin or customer), shared by every clone of its client.
pub(crate) struct Session {
    pub(crate) owner: Owner,
    login: RwLock<Option<Login>>,
    token: RwLock<Option<Arc<Token>>>,
    renewal: tokio::sync::Mutex<()>,
    refresh_unsupported: AtomicBool,
    generation: AtomicU64,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("owner", &self.owner)
            .field("token", &self.current())
            .finish_non_exhaustive()
    }
}

/// The decoded `exp` claim (seconds since the epoch) of a JWT, read without
/// checking the signature (the client only needs to know when to renew).
pub(crate) fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let payload = token.split('.').nth(1)?;
    let bytes = ENGINE.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims.get("exp")?.as_i64()?, 0)
}

impl Session {
    pub(crate) fn new(owner: Owner, login: Login) -> Arc<Self> {
        Arc::new(Session {
            owner,
            login: RwLock::new(Some(login)),
            token: RwLock::new(None),
            renewal: tokio::sync::Mutex::new(()),
            refresh_unsupported: AtomicBool::new(false),
            generation: AtomicU64::new(0),
        })
    }

    /// The token held now, valid or not.
    pub(crate) fn current(&self) -> Option<Arc<Token>> {
        self.token.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn login_details(&self) -> Option<Login> {
        self.login.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A token that is not due for renewal, renewing it first if needed.
    pub(crate) async fn valid_token(
        &self,
        core: &Core,
        operation: &'static str,
    ) -> Result<Arc<Token>, Error> {
        if let Some(token) = self.current()
            && core.clock.now() < token.renew_at
        {
            return Ok(token);
        }
        self.renew(core, None, operation).await
    }

    /// Renews the token: single-flight. With `rejected = Some(generation)`
    /// the server refused that token, so it is replaced even if not expired,
    /// unless another caller already replaced it.
    pub(crate) async fn renew(
        &self,
        core: &Core,
        rejected: Option<u64>,
        operation: &'static str,
    ) -> Result<Arc<Token>, Error> {
        let _single_flight = self.renewal.lock().await;
        let current = self.current();
        if let Some(token) = &current {
            let still_good = match rejected {
                Some(generation) => token.generation != generation,
                None => core.clock.now() < token.renew_at,
            };
            if still_good {
                return Ok(token.clone());
            }
        }
        let Some(login) = self.login_details() else {
            return Err(Error::Unauthorized(ErrorDetails {
                message: Some("the session was logged out".into()),
                ..ErrorDetails::new(operation, None)
            }));
        };
        let renewed = match (
            &self.owner,
            current
                .as_ref()
                .and_then(|t| t.refresh.as_ref().map(|r| (t, r))),
        ) {
            (
                Owner::Customer {
                    customer_id,
                    user_id,
                },
                Some((token, refresh)),
            ) if !self.refresh_unsupported.load(Ordering::Relaxed) => {
                match refresh_session(core, customer_id, user_id, token, refresh).await {
                    Ok(response) => response,
                    Err(e) => match e.status() {
                        Some(404 | 405) => {
                            tracing::debug!(
                                operation,
                                "session refresh is not offered by the server; logging in again"
                            );
                            self.refresh_unsupported.store(true, Ordering::Relaxed);
                            self.log_in(core, &login).await?
                        }
                        Some(401) => self.log_in(core, &login).await?,
                        _ => return Err(e),
                    },
                }
            }
            _ => self.log_in(core, &login).await?,
        };
        let token = self.store(core, renewed, current.as_deref(), operation)?;
        Ok(token)
    }

    /// Logs in with the stored credentials. (Boxed: a login is itself a
    /// call, which may renew a session.)
    fn log_in<'a>(
        &'a self,
        core: &'a Core,
        login: &'a Login,
    ) -> BoxFuture<'a, Result<types::SessionResponse, Error>> {
        Box::pin(self.log_in_now(core, login))
    }

    async fn log_in_now(
        &self,
        core: &Core,
        login: &Login,
    ) -> Result<types::SessionResponse, Error> {
        let tenant = &core.config.tenant;
        let (password, key, secret) = (
            Sensitive::new(login.password.expose_secret()),
            Sensitive::new(tenant.key.expose_secret()),
            Sensitive::new(tenant.secret.expose_secret()),
        );
        let invalid = |operation| {
            move |violations| Error::Validation {
                operation,
                violations,
            }
        };
        match &self.owner {
            Owner::Admin {
                organization_id,
                user_id,
            } => {
                let operation = "create_admin_session";
                let body = AdminSessionBuilder::new(&login.username, password)
                    .tenant_credentials(key, secret)
                    .build()
                    .map_err(invalid(operation))?;
                call_api!(core, core.begin_unauthenticated(operation)?, |raw| raw
                    .create_admin_session(organization_id, user_id, &body))
            }
            Owner::Customer {
                customer_id,
                user_id,
            } => {
                let operation = "create_customer_session";
                let body = CustomerSessionBuilder::new(&login.username, password)
                    .tenant_credentials(key, secret)
                    .build()
                    .map_err(invalid(operation))?;
                call_api!(core, core.begin_unauthenticated(operation)?, |raw| raw
                    .create_customer_session(customer_id, user_id, &body))
            }
        }
    }
}

/// Calls the refresh endpoint with the current token and refresh token.
fn refresh_session<'a>(
    core: &'a Core,
    customer_id: &'a str,
    user_id: &'a str,
    token: &'a Arc<Token>,
    refresh: &'a SecretString,
) -> BoxFuture<'a, Result<types::SessionResponse, Error>> {
    Box::pin(refresh_session_now(
        core,
        customer_id,
        user_id,
        token,
        refresh,
    ))
}

async fn refresh_session_now(
    core: &Core,
    customer_id: &str,
    user_id: &str,
    token: &Arc<Token>,
    refresh: &SecretString,
) -> Result<types::SessionResponse, Error> {
    let session_id = token.session_id.clone().unwrap_or_default();
    let body = types::RefreshSessionRequest {
        refresh_token: Sensitive::new(refresh.expose_secret()),
    };
    core.check("refresh_customer_session", &body)?;
    call_api!(
        core,
        core.begin_with_token("refresh_customer_session", token.clone())?,
        |raw| raw.refresh_customer_session(customer_id, user_id, &session_id, &body)
    )
}

impl Session {
    /// Keeps the token of a login or refresh response.
    fn store(
        &self,
        core: &Core,
        response: types::SessionResponse,
        previous: Option<&Token>,
        operation: &'static str,
    ) -> Result<Arc<Token>, Error> {
        let Some(access) = response.token.filter(|t| !t.is_empty()) else {
            return Err(Error::Decode {
                operation,
                status: None,
                message: "the session response carries no token".into(),
            });
        };
        let now = core.clock.now();
        let expires_at = response
            .expires_in
            .filter(|s| *s > 0)
            .map(|s| now + chrono::Duration::seconds(s.into()))
            .or_else(|| jwt_expiry(access.expose()))
            .unwrap_or(now + chrono::Duration::from_std(DEFAULT_LIFETIME).unwrap_or_default());
        let lifetime = (expires_at - now).to_std().unwrap_or_default();
        let timing = &core.config.session;
        let jitter = if timing.jitter.is_zero() {
            Duration::ZERO
        } else {
            rand::rng().random_range(Duration::ZERO..=timing.jitter)
        };
        let ahead = (timing.buffer + jitter).min(lifetime / 2);
        let renew_at = expires_at - chrono::Duration::from_std(ahead).unwrap_or_default();
        let refresh = response
            .refresh_token
            .filter(|r| !r.is_empty())
            .map(|r| SecretString::from(r.expose().to_string()))
            .or_else(|| previous.and_then(|p| p.refresh.clone()));
        let token = Arc::new(Token {
            access: SecretString::from(access.expose().to_string()),
            refresh,
            session_id: response
                .session_id
                .or_else(|| previous.and_then(|p| p.session_id.clone())),
            expires_at,
            renew_at,
            generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
        });
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        tracing::debug!(operation, expires_at = %token.expires_at, renew_at = %token.renew_at, "session token renewed");
        Ok(token)
    }

    /// Forgets the token and the credentials.
    pub(crate) fn wipe(&self) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = None;
        *self.login.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exp_of_the_documented_token() {
        // The customer token captured in FinHub's session docs.
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJiZmYiLCJhdWQiOiJiZmYtY2xpZW50cyIsInN1YiI6IjZyMWsxaHc2bnBxIiwiZXhwIjoxNzY4MzAyMjIyLCJpYXQiOjE3NjgyOTg2MjIsInRlbmFudElkIjoiZDFlMmYzYTQtYjVjNi00N2Q4LTllMGYtMWEyYjNjNGQ1ZTZmIiwiY3VzdG9tZXJJZCI6ImZmNzJhMTk2LTQyNmEtNGFiMy1hMmQzLWU0YzU4M2E5YmM4OCIsInVzZXJJZCI6IjZyMWsxaHc2bnBxIiwidXNlclR5cGUiOiJDT05TVU1FUiIsInJvbGVzIjpbIlVTRVIiXSwianRpIjoiMWZjYjU5YjMtMzhlOS00YWUxLWFhZTUtNmRhMDBkMDE0M2I0In0.yHXQl_MDoxDEMV9l_0iVIzy0bBkCJ3SwS557-mI9er0";
        assert_eq!(jwt_expiry(token).unwrap().timestamp(), 1_768_302_222);
        assert_eq!(jwt_expiry("not-a-jwt"), None);
        assert_eq!(jwt_expiry("a.%%%.c"), None);
    }
}
