//! Logins, refresh and logout: `create_admin_session`,
//! `create_customer_session`, `refresh_customer_session`,
//! `delete_customer_session`.
//!
//! Login checks the tenant key and secret (403 "Invalid Tenant Keys"), then
//! username and password (401 "Invalid credentials"); the fifth failure in a
//! row locks the user for the lockout duration (401 "Account locked").
//! Refresh rotates the refresh token: the previous one is refused with 401.
//!
//! The runner profile answers logins in the captured form (`data.userId`,
//! no `user`, no `expiresIn`) and does not route the refresh (405); the
//! reference profile logs admins in at `POST /api/v2.1/admin/session/login`.
//! Logout answers `{success, data}` in both.

use std::sync::Arc;

use axum::extract::{Path, State};
use chrono::{DateTime, TimeDelta, Utc};
use finhub_api::types::{
    BaseResponseSessionResponse, BaseResponseSessionTermination, CreateAdminSessionRequest,
    CreateIndividualSessionRequest, RefreshSessionRequest, SessionResponse, SessionTermination,
    SessionUserData,
};
use finhub_api::{LenientTimestamp, Sensitive};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::auth::{Failure, UserType, secret_eq};
use crate::body::JsonRequest;
use crate::envelope::{ApiError, ApiResult, FieldError, ok};
use crate::ids;
use crate::routes::caller::{Caller, RefreshCaller};
use crate::state::{AppState, Owner, Session};
use crate::stats::SideEffect;

/// A session just opened or refreshed.
struct Opened {
    session_id: String,
    token: String,
    refresh_token: String,
    expires_at: DateTime<Utc>,
}

fn check_tenant_keys(
    state: &AppState,
    key: Option<&Sensitive>,
    secret: Option<&Sensitive>,
) -> Result<(), ApiError> {
    let config = &state.config;
    let key_ok = key.is_some_and(|k| secret_eq(config.tenant_key.expose(), k.expose()));
    let secret_ok = secret.is_some_and(|s| secret_eq(config.tenant_secret.expose(), s.expose()));
    if key_ok && secret_ok {
        Ok(())
    } else {
        Err(ApiError::forbidden("Invalid Tenant Keys"))
    }
}

/// Username and password, both present and non-empty.
fn credentials<'a>(
    username: Option<&'a str>,
    password: Option<&'a Sensitive>,
) -> Result<(&'a str, &'a str), ApiError> {
    let username = username.map(str::trim).filter(|u| !u.is_empty());
    let password = password.map(Sensitive::expose).filter(|p| !p.is_empty());
    match (username, password) {
        (Some(username), Some(password)) => Ok((username, password)),
        (username, password) => {
            let mut errors = Vec::new();
            if username.is_none() {
                errors.push(FieldError::required("username"));
            }
            if password.is_none() {
                errors.push(FieldError::required("password"));
            }
            Err(ApiError::validation(errors))
        }
    }
}

fn locked(until: DateTime<Utc>, state: &AppState) -> ApiError {
    ApiError::unauthorized("Account locked").with_data(json!({
        "success": false,
        "errorType": "AUTHENTICATION",
        "message": "Account locked due to multiple failed login attempts",
        "attempts": state.config.lockout_threshold,
        "maxAttempts": state.config.lockout_threshold,
        "lockoutTime": LenientTimestamp::from(until),
        "lockoutDuration": format!("{} minutes", state.config.lockout_duration.as_secs() / 60),
    }))
}

fn invalid_credentials(failure: Failure, state: &AppState) -> ApiError {
    if let Some(until) = failure.locked_until {
        return locked(until, state);
    }
    ApiError::unauthorized("Invalid credentials").with_data(json!({
        "success": false,
        "errorType": "AUTHENTICATION",
        "message": "Invalid username or password",
        "attempts": failure.attempts,
        "maxAttempts": state.config.lockout_threshold,
        "lockoutTime": null,
    }))
}

/// `<uuid>-<userId>-<first 8 characters of the tenant key>`, as FinHub's.
fn refresh_token(state: &AppState, user_id: &str) -> String {
    let prefix = state.tenant_key_prefix();
    let mut token = String::with_capacity(38 + user_id.len() + prefix.len());
    let mut buffer = uuid::Uuid::encode_buffer();
    token.push_str(uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer));
    token.push('-');
    token.push_str(user_id);
    token.push('-');
    token.push_str(prefix);
    token
}

/// Offset-less with nine fraction digits, as the real server writes it.
fn informational_time(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    fn digits(out: &mut String, value: u32, width: u32) {
        for position in (0..width).rev() {
            let digit = (value / 10u32.pow(position)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
    }
    let mut out = String::with_capacity(29);
    digits(&mut out, at.year().clamp(0, 9999) as u32, 4);
    out.push('-');
    digits(&mut out, at.month(), 2);
    out.push('-');
    digits(&mut out, at.day(), 2);
    out.push('T');
    digits(&mut out, at.hour(), 2);
    out.push(':');
    digits(&mut out, at.minute(), 2);
    out.push(':');
    digits(&mut out, at.second(), 2);
    out.push('.');
    digits(&mut out, at.nanosecond() % 1_000_000_000, 9);
    out
}

/// When a session opened at `now` ends (the configuration bounds the
/// lifetime and the clock bounds `now`, so this never saturates in practice).
fn session_end(state: &AppState, now: DateTime<Utc>) -> DateTime<Utc> {
    TimeDelta::from_std(state.config.session_lifetime)
        .ok()
        .and_then(|lifetime| now.checked_add_signed(lifetime))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn open(
    state: &AppState,
    owner: Owner,
    user_id: &str,
    user_type: UserType,
    now: DateTime<Utc>,
) -> Result<Opened, ApiError> {
    let customer_id = match &owner {
        Owner::Customer(id) => Some(id.as_str()),
        Owner::Admin => None,
    };
    let issued = state.tokens.issue(
        &state.config.tenant_id,
        user_id,
        customer_id,
        user_type,
        now.timestamp(),
    )?;
    let opened = Opened {
        session_id: ids::uuid(),
        token: issued.token,
        refresh_token: refresh_token(state, user_id),
        expires_at: session_end(state, now),
    };
    if owner == Owner::Admin {
        return Ok(opened);
    }
    state.sessions.insert(
        opened.session_id.clone(),
        Session {
            owner,
            user_id: user_id.to_string(),
            refresh_token: opened.refresh_token.clone(),
            jtis: vec![issued.jti],
            token_expiry: vec![now.timestamp().saturating_add(state.tokens.lifetime_secs())],
            expires_at: opened.expires_at,
            terminated_at: None,
        },
        now,
    );
    Ok(opened)
}

/// The login (or refresh) answer. The runner profile answers the captured
/// form: `data.userId`, no `user` and no `expiresIn` (the token's expiry is
/// only in its `exp` claim; §2.3, I-19).
fn respond(
    state: &AppState,
    opened: Opened,
    message: &str,
    user_id: &str,
    user: Option<SessionUserData>,
) -> BaseResponseSessionResponse {
    let captured = state.config.profile.captured_answers();
    let expires_in = i32::try_from(state.tokens.lifetime_secs()).unwrap_or(i32::MAX);
    BaseResponseSessionResponse {
        code: Some(200),
        message: Some("Success".into()),
        data: Some(SessionResponse {
            success: Some(true),
            message: Some(message.to_string()),
            token: Some(Sensitive::from(opened.token)),
            refresh_token: Some(Sensitive::from(opened.refresh_token)),
            session_id: Some(opened.session_id),
            expires_at: Some(informational_time(opened.expires_at)),
            expires_in: (!captured).then(|| expires_in.into()),
            error_type: Some("NONE".into()),
            user: if captured { None } else { user },
            user_id: captured.then(|| user_id.to_string()),
        }),
    }
}

/// `POST /api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions`
pub(crate) async fn create_admin_session(
    State(state): State<Arc<AppState>>,
    Path((organization_id, user_id)): Path<(String, String)>,
    body: JsonRequest,
) -> ApiResult {
    admin_login(&state, &body, Some((&organization_id, &user_id)))
}

/// `POST /api/v2.1/admin/session/login` (the reference profile, I-34): the
/// same body as the organization path — `username`, `password`,
/// `tenantKey`, `tenantSecret`, with \[OAS\]'s optional `role`,
/// `organizationType`, `ipAddress`, … accepted and not used — since the
/// path no longer names the organization and the user, the body carries
/// all that identifies the admin and the tenant.
pub(crate) async fn create_admin_session_login(
    State(state): State<Arc<AppState>>,
    body: JsonRequest,
) -> ApiResult {
    admin_login(&state, &body, None)
}

/// An admin login; `path` holds the organization and user ids of the path
/// that names them.
fn admin_login(state: &AppState, body: &JsonRequest, path: Option<(&str, &str)>) -> ApiResult {
    let request: CreateAdminSessionRequest = body.decode()?;
    check_tenant_keys(
        state,
        request.tenant_key.as_ref(),
        request.tenant_secret.as_ref(),
    )?;
    let (username, password) = credentials(request.username.as_deref(), request.password.as_ref())?;
    if let Some((organization_id, user_id)) = path
        && (organization_id != state.config.organization_id
            || user_id != state.config.admin_user_id)
    {
        return Err(ApiError::not_found("Organization or user not found"));
    }
    let user_id = state.config.admin_user_id.clone();
    let now = state.clock.now();
    state
        .admin_guard
        .check(now)
        .map_err(|until| locked(until, state))?;
    let valid = username.eq_ignore_ascii_case(&state.config.admin_username)
        & secret_eq(state.config.admin_password.expose(), password);
    if !valid {
        let failure = state.admin_guard.fail(
            now,
            state.config.lockout_threshold,
            state.config.lockout_duration,
        );
        return Err(invalid_credentials(failure, state));
    }
    state.admin_guard.succeed();
    let opened = open(state, Owner::Admin, &user_id, UserType::Admin, now)?;
    state.counters.side_effect(SideEffect::AdminSession);
    // As in the documented admin example: who, which tenant, which role.
    let user = SessionUserData {
        id: Some(user_id.clone()),
        tenant_id: Some(state.config.tenant_id.clone()),
        organization_id: Some(state.config.organization_id.clone()),
        role: Some("ADMIN".into()),
        ..Default::default()
    };
    Ok(ok(respond(
        state,
        opened,
        "Session created successfully",
        &user_id,
        Some(user),
    )))
}

/// `POST /api/v2.1/customer/individual/{customerId}/users/{userId}/sessions`
pub(crate) async fn create_customer_session(
    State(state): State<Arc<AppState>>,
    Path((customer_id, user_id)): Path<(String, String)>,
    body: JsonRequest,
) -> ApiResult {
    let request: CreateIndividualSessionRequest = body.decode()?;
    check_tenant_keys(
        &state,
        request.tenant_key.as_ref(),
        request.tenant_secret.as_ref(),
    )?;
    let username = request.username.as_deref().or(request.value.as_deref());
    let (username, password) = credentials(username, request.password.as_ref())?;
    let now = state.clock.now();
    let (valid, guard, user) = {
        let store = state.read();
        let customer = store
            .customer(&customer_id)
            .filter(|customer| customer.user.id == user_id)
            .ok_or_else(|| ApiError::not_found("Customer or user not found"))?;
        let valid = (username.eq_ignore_ascii_case(&customer.user.username)
            | username.eq_ignore_ascii_case(&customer.email))
            & customer.user.password.matches(password);
        let user = SessionUserData {
            id: Some(customer.user.id.clone()),
            customer_id: Some(customer.id.clone()),
            customer_status: Some(customer.status.code().into()),
            email: Some(customer.email.clone()),
            first_name: Some(customer.first_name.clone()),
            last_name: Some(customer.last_name.clone()),
            full_name: Some(format!("{} {}", customer.first_name, customer.last_name)),
            phone_number: Some(customer.phone.clone()),
            gender: Some(customer.gender.clone()),
            role: Some("USER".into()),
            is_active: Some(customer.status == crate::state::CustomerStatus::Active),
            tenant_id: Some(state.config.tenant_id.clone()),
            created_at: Some(LenientTimestamp::from(customer.created_at).to_string()),
            last_login: customer
                .user
                .last_login
                .map(|at| LenientTimestamp::from(at).to_string()),
            ..Default::default()
        };
        (valid, customer.user.guard.clone(), user)
    };
    guard.check(now).map_err(|until| locked(until, &state))?;
    if !valid {
        let failure = guard.fail(
            now,
            state.config.lockout_threshold,
            state.config.lockout_duration,
        );
        return Err(invalid_credentials(failure, &state));
    }
    guard.succeed();
    if let Some(customer) = state.write().customers.get_mut(&customer_id) {
        customer.user.last_login = Some(now);
    }
    let opened = open(
        &state,
        Owner::Customer(customer_id),
        &user_id,
        UserType::Consumer,
        now,
    )?;
    state.counters.side_effect(SideEffect::CustomerSession);
    Ok(ok(respond(
        &state,
        opened,
        "Session created successfully",
        &user_id,
        Some(user),
    )))
}

/// The caller may manage the session of (`customer_id`, `user_id`): only
/// with that user's own token (these operations take no admin token, see
/// [`Access::of`](crate::Access::of)).
fn may_manage(caller: &Caller, customer_id: &str, user_id: &str) -> Result<(), ApiError> {
    if caller.user_id == user_id && caller.customer_id.as_deref() == Some(customer_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "The token does not belong to this session's user",
        ))
    }
}

fn session_not_found(session_id: &str) -> ApiError {
    ApiError::not_found(format!("Session '{session_id}' not found"))
}

/// `PUT …/users/{userId}/sessions/{sessionId}`: a new access token and a
/// new refresh token; the presented refresh token stops working.
pub(crate) async fn refresh_customer_session(
    State(state): State<Arc<AppState>>,
    RefreshCaller(caller): RefreshCaller,
    Path((customer_id, user_id, session_id)): Path<(String, String, String)>,
    body: JsonRequest,
) -> ApiResult {
    may_manage(&caller, &customer_id, &user_id)?;
    let request: RefreshSessionRequest = body.decode()?;
    if request.refresh_token.is_empty() {
        return Err(ApiError::validation(vec![FieldError::required(
            "refreshToken",
        )]));
    }
    let now = state.clock.now();
    let owner = Owner::Customer(customer_id.clone());
    let opened = {
        let mut session = state
            .sessions
            .map
            .get_mut(&session_id)
            .filter(|s| s.owner == owner && s.user_id == user_id)
            .ok_or_else(|| session_not_found(&session_id))?;
        if session.terminated_at.is_some() {
            return Err(ApiError::unauthorized("Session terminated"));
        }
        if session.expires_at <= now {
            return Err(ApiError::unauthorized("Refresh token expired"));
        }
        let presented = request.refresh_token.expose().as_bytes();
        if !bool::from(session.refresh_token.as_bytes().ct_eq(presented)) {
            return Err(ApiError::unauthorized("Invalid refresh token"));
        }
        let issued = state.tokens.issue(
            &state.config.tenant_id,
            &user_id,
            Some(&customer_id),
            UserType::Consumer,
            now.timestamp(),
        )?;
        let opened = Opened {
            session_id: session_id.clone(),
            token: issued.token,
            refresh_token: refresh_token(&state, &user_id),
            expires_at: session_end(&state, now),
        };
        session.refresh_token = opened.refresh_token.clone();
        session.jtis.push(issued.jti);
        session
            .token_expiry
            .push(now.timestamp().saturating_add(state.tokens.lifetime_secs()));
        session.expires_at = opened.expires_at;
        opened
    };
    state.counters.side_effect(SideEffect::SessionRefresh);
    Ok(ok(respond(
        &state,
        opened,
        "Session refreshed successfully",
        &user_id,
        None,
    )))
}

/// `DELETE …/users/{userId}/sessions/{sessionId}`: logout; every token of
/// the session is refused from now on.
pub(crate) async fn delete_customer_session(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((customer_id, user_id, session_id)): Path<(String, String, String)>,
) -> ApiResult {
    may_manage(&caller, &customer_id, &user_id)?;
    let now = state.clock.now();
    let owner = Owner::Customer(customer_id);
    {
        let mut session = state
            .sessions
            .map
            .get_mut(&session_id)
            .filter(|s| s.owner == owner && s.user_id == user_id && s.terminated_at.is_none())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "Session '{session_id}' not found or already terminated"
                ))
            })?;
        session.terminated_at = Some(now);
        state.sessions.revoke(&session);
    }
    state.counters.side_effect(SideEffect::Logout);
    // The only documented logout answer is `{success, data}` (§2.5, I-23);
    // the runner and reference profiles answer it as such.
    let envelope = !state.config.profile.success_data_logout();
    Ok(ok(BaseResponseSessionTermination {
        code: envelope.then_some(200),
        message: envelope.then(|| "Session terminated successfully".into()),
        success: Some(true),
        data: Some(SessionTermination {
            session_id: Some(session_id),
            status: Some("TERMINATED".into()),
            terminated_at: Some(LenientTimestamp::from(now)),
        }),
    }))
}
