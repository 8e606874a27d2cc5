//! Admin and customer sessions: login, token expiry, refresh ahead of
//! expiry, single-flight renewal, rotation of refresh tokens, logout.
//!
//! * Expiry comes from `expiresIn` (an integer, an integral float or a
//!   numeric string of seconds, from 1 up to `i32::MAX`; anything else
//!   counts as absent), else the JWT's `exp` claim, never from `expiresAt`
//!   (FinHub's captured example puts it 24 h after a token that expires in
//!   1 h), else [`DEFAULT_LIFETIME`].
//! * A token is renewed ahead of expiry, by a buffer shortened by random
//!   jitter so that many clients do not renew in lockstep.
//! * Renewal is single-flight: however many callers find the token
//!   expiring, one of them renews and the others wait for its outcome,
//!   success or failure: a failed renewal's error goes to every caller that
//!   waited for it, which do not try again one after another.
//! * Lockout-safe renewal: FinHub locks an account after 5 failed logins
//!   (for 30 minutes). After a login answered
//!   [`Error::InvalidCredentials`] or [`Error::InvalidTenantKeys`] the
//!   session stops logging in: later calls get that error at once and send
//!   nothing, until the credentials are replaced
//!   ([`FinhubClient::set_admin_credentials`](crate::FinhubClient::set_admin_credentials);
//!   a customer logs in again with
//!   [`FinhubClient::customer_login`](crate::FinhubClient::customer_login)).
//!   Other failures (a 503, a timeout) are not latched: a later call tries
//!   again.
//! * Tokens are capped: an access or refresh token longer than
//!   [`MAX_TOKEN_BYTES`], or with characters a header cannot carry, fails
//!   the login with [`Error::Decode`] and is never sent.
//! * A customer session renews through the refresh endpoint; when the
//!   server does not offer it (404/405) or refuses the refresh token (401),
//!   the client logs in again with the stored credentials. Refresh tokens
//!   are treated as rotating: the newest one replaces the old.
//! * A customer session resumed from a snapshot
//!   ([`crate::SessionSnapshot`]) holds no password: it renews through the
//!   refresh endpoint only, and where a login would be the fallback it
//!   fails with [`Error::ReloginRequired`] instead (latched like a login
//!   refusal).
//! * Logout ends the server session and wipes the local token and
//!   credentials.
//!
//! A session does not make calls itself: it is handed a [`Renewal`] (the
//! call engine, for the end user of the call that needs the token) which
//! logs in or refreshes when the session decides to.

use std::fmt;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, TimeDelta, Utc};
use finhub_api::hooks::BoxFuture;
use finhub_api::{Operation, types};
use rand::RngExt;
use secrecy::SecretString;

use crate::clock::Clock;
use crate::error::{Error, ErrorDetails, ReloginReason};

/// Lifetime assumed for a token that states none (no usable `expiresIn`,
/// no readable JWT `exp`).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The longest access or refresh token accepted from a login or refresh
/// response, in bytes (16 KiB; FinHub's JWTs are under 1 KiB). A longer one
/// fails the login with [`Error::Decode`] and is never sent as a header.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// When tokens are renewed: `buffer` before expiry, shortened by up to
/// `jitter` at random (never more than half the token's lifetime ahead).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionTiming {
    pub(crate) buffer: Duration,
    pub(crate) jitter: Duration,
}

/// The calls a session needs to renew its token, made for it by the call
/// engine: a login, and a refresh of a customer session.
pub(crate) trait Renewal: Send + Sync {
    /// Logs `owner` in with `login`.
    fn log_in<'a>(
        &'a self,
        owner: &'a Owner,
        login: &'a Login,
    ) -> BoxFuture<'a, Result<types::SessionResponse, Error>>;

    /// Refreshes the customer session `ids` with its current `token` and
    /// `refresh` token.
    fn refresh<'a>(
        &'a self,
        ids: RefreshIds<'a>,
        token: &'a Arc<Token>,
        refresh: &'a SecretString,
    ) -> BoxFuture<'a, Result<types::SessionResponse, Error>>;
}

/// The path of a refresh call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefreshIds<'a> {
    pub(crate) customer_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) session_id: &'a str,
}

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

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("username", &self.username)
            .field("password", &"** redacted **")
            .finish()
    }
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

/// Who logs in, and how. `password` is `None` for a customer session
/// resumed from a snapshot: it can refresh, not log in.
#[derive(Clone)]
struct Credentials {
    owner: Owner,
    username: String,
    password: Option<SecretString>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("owner", &self.owner)
            .field("username", &self.username)
            .field(
                "password",
                &self.password.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

impl Credentials {
    fn new(owner: Owner, login: Login) -> Self {
        Credentials {
            owner,
            username: login.username,
            password: Some(login.password),
        }
    }

    /// The login, when there is a password to log in with.
    fn login(&self) -> Option<Login> {
        self.password.as_ref().map(|password| Login {
            username: self.username.clone(),
            password: password.clone(),
        })
    }
}

/// What a resumed customer session starts from (see
/// [`crate::SessionSnapshot`]).
pub(crate) struct Resumed {
    pub(crate) customer_id: String,
    pub(crate) user_id: String,
    pub(crate) username: String,
    pub(crate) access: SecretString,
    pub(crate) refresh: Option<SecretString>,
    pub(crate) session_id: Option<String>,
    pub(crate) expires_at: DateTime<Utc>,
}

/// One session (admin or customer), shared by every clone of its client.
pub(crate) struct Session {
    /// `None` once logged out (or, for the admin session, when the client
    /// has no admin credentials).
    credentials: RwLock<Option<Credentials>>,
    token: RwLock<Option<Arc<Token>>>,
    /// Serializes renewals and keeps the outcome of the last one, which
    /// the callers that waited for it share.
    flight: tokio::sync::Mutex<Option<Result<(), Error>>>,
    /// Renewals finished so far (read before waiting for `flight`).
    flights: AtomicU64,
    /// The login refusal that stops further logins (the lockout latch).
    refused: RwLock<Option<Error>>,
    /// Increases when the credentials are replaced; an outcome of older
    /// credentials is then neither stored nor latched.
    epoch: AtomicU64,
    /// 0 while refresh is offered; else the status (404, 405) that said
    /// it is not.
    refresh_unsupported: AtomicU16,
    generation: AtomicU64,
    clock: Arc<dyn Clock>,
    timing: SessionTiming,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("owner", &self.owner())
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

/// The expiry that `expiresIn` states, when it is a usable number of
/// seconds (1 to `i32::MAX`, the documented `int32`).
fn expires_in(response: &types::SessionResponse, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let seconds = response
        .expires_in
        .as_ref()?
        .get()
        .filter(|s| (1..=i64::from(i32::MAX)).contains(s))?;
    now.checked_add_signed(TimeDelta::try_seconds(seconds)?)
}

/// A token from a login or refresh response, or the rule it breaks.
pub(crate) fn checked_token<'a>(kind: &str, token: &'a str) -> Result<&'a str, String> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(format!(
            "the {kind} is longer than {MAX_TOKEN_BYTES} bytes (MAX_TOKEN_BYTES); it is not used"
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "the {kind} contains characters a header cannot carry; it is not used"
        ));
    }
    Ok(token)
}

impl Session {
    /// A session of `owner`, logging in with `login`, renewing its tokens
    /// by `clock` and `timing`.
    pub(crate) fn new(
        owner: Owner,
        login: Login,
        clock: Arc<dyn Clock>,
        timing: SessionTiming,
    ) -> Arc<Self> {
        let session = Session::unconfigured(clock, timing);
        *session
            .credentials
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(Credentials::new(owner, login));
        session
    }

    /// A customer session resumed from a snapshot: its token as it was,
    /// and no password (it renews by refresh only).
    pub(crate) fn resumed(
        resumed: Resumed,
        clock: Arc<dyn Clock>,
        timing: SessionTiming,
    ) -> Arc<Self> {
        let session = Session::unconfigured(clock, timing);
        let now = session.clock.now();
        let renew_at = session.renew_at(resumed.expires_at, now);
        let token = Arc::new(Token {
            access: resumed.access,
            refresh: resumed.refresh,
            session_id: resumed.session_id,
            expires_at: resumed.expires_at,
            renew_at,
            generation: session.generation.fetch_add(1, Ordering::Relaxed) + 1,
        });
        *session.token.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
        *session
            .credentials
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(Credentials {
            owner: Owner::Customer {
                customer_id: resumed.customer_id,
                user_id: resumed.user_id,
            },
            username: resumed.username,
            password: None,
        });
        session
    }

    /// A session without credentials (the admin session of a client
    /// configured without admin credentials).
    pub(crate) fn unconfigured(clock: Arc<dyn Clock>, timing: SessionTiming) -> Arc<Self> {
        Arc::new(Session {
            credentials: RwLock::new(None),
            token: RwLock::new(None),
            flight: tokio::sync::Mutex::new(None),
            flights: AtomicU64::new(0),
            refused: RwLock::new(None),
            epoch: AtomicU64::new(0),
            refresh_unsupported: AtomicU16::new(0),
            generation: AtomicU64::new(0),
            clock,
            timing,
        })
    }

    /// Whose session it is, while it has credentials.
    pub(crate) fn owner(&self) -> Option<Owner> {
        self.credentials
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|c| c.owner.clone())
    }

    /// Whether the session has credentials to log in with.
    pub(crate) fn has_credentials(&self) -> bool {
        self.owner().is_some()
    }

    /// Replaces the credentials: forgets the token and clears the lockout
    /// latch, so that the next call logs in with the new credentials.
    pub(crate) fn reconfigure(&self, owner: Owner, login: Login) {
        let mut credentials = self.credentials.write().unwrap_or_else(|e| e.into_inner());
        let mut token = self.token.write().unwrap_or_else(|e| e.into_inner());
        let mut refused = self.refused.write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::SeqCst);
        *credentials = Some(Credentials::new(owner, login));
        *token = None;
        *refused = None;
        self.refresh_unsupported.store(0, Ordering::Relaxed);
    }

    /// The token held now, valid or not.
    pub(crate) fn current(&self) -> Option<Arc<Token>> {
        self.token.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The credentials and their epoch, read together.
    fn credentials(&self) -> Option<(Credentials, u64)> {
        let credentials = self.credentials.read().unwrap_or_else(|e| e.into_inner());
        let epoch = self.epoch.load(Ordering::SeqCst);
        credentials.clone().map(|c| (c, epoch))
    }

    /// The login refusal latched, if any.
    fn latched(&self) -> Option<Error> {
        self.refused
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A token that is not due for renewal, renewing it first if needed.
    pub(crate) async fn valid_token(
        &self,
        renewal: &dyn Renewal,
        operation: Operation,
    ) -> Result<Arc<Token>, Error> {
        if let Some(token) = self.current()
            && self.clock.now() < token.renew_at
        {
            return Ok(token);
        }
        self.renew(renewal, None, operation).await
    }

    /// Renews the token: single-flight. With `rejected = Some(generation)`
    /// the server refused that token, so it is replaced even if not expired,
    /// unless another caller already replaced it.
    ///
    /// A caller that waited while another renewed gets that renewal's
    /// outcome, failure included; after a latched login refusal nothing is
    /// sent at all.
    pub(crate) async fn renew(
        &self,
        renewal: &dyn Renewal,
        rejected: Option<u64>,
        operation: Operation,
    ) -> Result<Arc<Token>, Error> {
        if let Some(refused) = self.latched() {
            return Err(refused);
        }
        let seen = self.flights.load(Ordering::Acquire);
        let mut last = self.flight.lock().await;
        if self.flights.load(Ordering::Acquire) != seen
            && let Some(outcome) = last.as_ref()
        {
            // A renewal finished while this caller waited: share it.
            return match outcome {
                Ok(()) => self.current().ok_or_else(|| logged_out(operation)),
                Err(e) => Err(e.clone()),
            };
        }
        if let Some(refused) = self.latched() {
            return Err(refused);
        }
        let current = self.current();
        if let Some(token) = &current {
            let still_good = match rejected {
                Some(generation) => token.generation != generation,
                None => self.clock.now() < token.renew_at,
            };
            if still_good {
                return Ok(token.clone());
            }
        }
        let outcome = self.renew_now(renewal, current, operation).await;
        *last = Some(outcome.as_ref().map(|_| ()).map_err(Clone::clone));
        self.flights.fetch_add(1, Ordering::Release);
        outcome
    }

    /// One renewal: refresh, or login.
    async fn renew_now(
        &self,
        renewal: &dyn Renewal,
        current: Option<Arc<Token>>,
        operation: Operation,
    ) -> Result<Arc<Token>, Error> {
        let Some((credentials, epoch)) = self.credentials() else {
            return Err(logged_out(operation));
        };
        let refreshable = current.as_ref().and_then(|t| {
            let refresh = t.refresh.as_ref()?;
            let session_id = t.session_id.as_deref().filter(|s| !s.is_empty())?;
            Some((t, refresh, session_id))
        });
        let renewed = match (&credentials.owner, refreshable) {
            (
                Owner::Customer {
                    customer_id,
                    user_id,
                },
                Some((token, refresh, session_id)),
            ) if self.refresh_unsupported.load(Ordering::Relaxed) == 0 => {
                let ids = RefreshIds {
                    customer_id,
                    user_id,
                    session_id,
                };
                match renewal.refresh(ids, token, refresh).await {
                    Ok(response) => response,
                    Err(e) => match e.status() {
                        Some(status @ (404 | 405)) => {
                            tracing::debug!(
                                operation = operation.id(),
                                "session refresh is not offered by the server; logging in again"
                            );
                            self.refresh_unsupported.store(status, Ordering::Relaxed);
                            let reason = ReloginReason::RefreshNotOffered { status };
                            self.log_in(renewal, &credentials, epoch, operation, reason)
                                .await?
                        }
                        Some(401) => {
                            let reason = ReloginReason::RefreshRefused;
                            self.log_in(renewal, &credentials, epoch, operation, reason)
                                .await?
                        }
                        _ => return Err(e),
                    },
                }
            }
            (owner, refreshable) => {
                // Without a password, a customer session says why it
                // cannot renew.
                let reason = match (owner, refreshable) {
                    (Owner::Customer { .. }, Some(_)) => ReloginReason::RefreshNotOffered {
                        status: self.refresh_unsupported.load(Ordering::Relaxed),
                    },
                    _ => ReloginReason::NoRefreshToken,
                };
                self.log_in(renewal, &credentials, epoch, operation, reason)
                    .await?
            }
        };
        self.store(renewed, current.as_deref(), operation, epoch)
    }

    /// Logs in with the stored credentials; a refusal of the credentials or
    /// tenant keys is latched. Without a password (a resumed session) it
    /// sends nothing and fails with [`Error::ReloginRequired`] for
    /// `reason`, latched as well.
    async fn log_in(
        &self,
        renewal: &dyn Renewal,
        credentials: &Credentials,
        epoch: u64,
        operation: Operation,
        reason: ReloginReason,
    ) -> Result<types::SessionResponse, Error> {
        let Some(login) = credentials.login() else {
            let error = Error::ReloginRequired { operation, reason };
            let mut refused = self.refused.write().unwrap_or_else(|e| e.into_inner());
            if self.epoch.load(Ordering::SeqCst) == epoch {
                tracing::debug!(
                    operation = operation.id(),
                    %reason,
                    "the resumed session cannot be renewed; the customer must log in again"
                );
                *refused = Some(error.clone());
            }
            return Err(error);
        };
        let result = renewal.log_in(&credentials.owner, &login).await;
        if let Err(e @ (Error::InvalidCredentials(_) | Error::InvalidTenantKeys(_))) = &result {
            let mut refused = self.refused.write().unwrap_or_else(|e| e.into_inner());
            if self.epoch.load(Ordering::SeqCst) == epoch {
                tracing::warn!(
                    operation = e.operation().map(Operation::id).unwrap_or_default(),
                    "login refused; no further login is attempted until the credentials are replaced"
                );
                *refused = Some(e.clone());
            }
        }
        result
    }
}

fn logged_out(operation: Operation) -> Error {
    Error::Unauthorized(ErrorDetails {
        message: Some("the session was logged out".into()),
        ..ErrorDetails::new(operation, None)
    })
}

impl Session {
    /// Keeps the token of a login or refresh response (unless the
    /// credentials were replaced meanwhile: the token is then returned to
    /// the call that asked for it, not kept).
    fn store(
        &self,
        response: types::SessionResponse,
        previous: Option<&Token>,
        operation: Operation,
        epoch: u64,
    ) -> Result<Arc<Token>, Error> {
        let decode = |message: String| Error::Decode {
            operation,
            status: None,
            message,
        };
        let Some(access) = response.token.as_ref().filter(|t| !t.is_empty()) else {
            return Err(decode("the session response carries no token".into()));
        };
        let access = checked_token("access token", access.expose()).map_err(decode)?;
        let refresh = match response.refresh_token.as_ref().filter(|r| !r.is_empty()) {
            Some(refresh) => Some(SecretString::from(
                checked_token("refresh token", refresh.expose()).map_err(decode)?,
            )),
            None => previous.and_then(|p| p.refresh.clone()),
        };
        let now = self.clock.now();
        let expires_at = expires_in(&response, now)
            .or_else(|| jwt_expiry(access))
            .unwrap_or(now + chrono::Duration::from_std(DEFAULT_LIFETIME).unwrap_or_default());
        let renew_at = self.renew_at(expires_at, now);
        let token = Arc::new(Token {
            access: SecretString::from(access),
            refresh,
            session_id: response
                .session_id
                .or_else(|| previous.and_then(|p| p.session_id.clone())),
            expires_at,
            renew_at,
            generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
        });
        let mut slot = self.token.write().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::SeqCst) == epoch {
            *slot = Some(token.clone());
        }
        drop(slot);
        tracing::debug!(operation = operation.id(), expires_at = %token.expires_at, renew_at = %token.renew_at, "session token renewed");
        Ok(token)
    }

    /// When a token expiring at `expires_at` is renewed: the buffer ahead
    /// of expiry, shortened by random jitter, never more than half the
    /// lifetime left at `now`.
    fn renew_at(&self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        let lifetime = (expires_at - now).to_std().unwrap_or_default();
        let timing = &self.timing;
        let jitter = if timing.jitter.is_zero() {
            Duration::ZERO
        } else {
            rand::rng().random_range(Duration::ZERO..=timing.jitter)
        };
        let ahead = (timing.buffer + jitter).min(lifetime / 2);
        expires_at - chrono::Duration::from_std(ahead).unwrap_or_default()
    }

    /// Forgets the token and the credentials.
    pub(crate) fn wipe(&self) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = None;
        *self.credentials.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{assert_option_wipes_on_drop, assert_wipes_on_drop};

    /// The secret fields of this module, checked by the compiler: the test
    /// builds only while each is of a type that wipes its memory on drop.
    #[test]
    fn every_field_holding_a_secret_wipes_its_memory_on_drop() {
        fn check(token: &Token, login: &Login, credentials: &Credentials, resumed: &Resumed) {
            assert_wipes_on_drop(&token.access);
            assert_option_wipes_on_drop(&token.refresh);
            assert_wipes_on_drop(&login.password);
            assert_option_wipes_on_drop(&credentials.password);
            assert_wipes_on_drop(&resumed.access);
            assert_option_wipes_on_drop(&resumed.refresh);
        }
        let _: fn(&Token, &Login, &Credentials, &Resumed) = check;
    }

    #[test]
    fn reads_exp_of_the_documented_token() {
        // The customer token captured in FinHub's session docs.
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJiZmYiLCJhdWQiOiJiZmYtY2xpZW50cyIsInN1YiI6IjZyMWsxaHc2bnBxIiwiZXhwIjoxNzY4MzAyMjIyLCJpYXQiOjE3NjgyOTg2MjIsInRlbmFudElkIjoiZDFlMmYzYTQtYjVjNi00N2Q4LTllMGYtMWEyYjNjNGQ1ZTZmIiwiY3VzdG9tZXJJZCI6ImZmNzJhMTk2LTQyNmEtNGFiMy1hMmQzLWU0YzU4M2E5YmM4OCIsInVzZXJJZCI6IjZyMWsxaHc2bnBxIiwidXNlclR5cGUiOiJDT05TVU1FUiIsInJvbGVzIjpbIlVTRVIiXSwianRpIjoiMWZjYjU5YjMtMzhlOS00YWUxLWFhZTUtNmRhMDBkMDE0M2I0In0.yHXQl_MDoxDEMV9l_0iVIzy0bBkCJ3SwS557-mI9er0";
        assert_eq!(jwt_expiry(token).unwrap().timestamp(), 1_768_302_222);
        assert_eq!(jwt_expiry("not-a-jwt"), None);
        assert_eq!(jwt_expiry("a.%%%.c"), None);
    }
}
