//! The call engine: one typed call from start to payload.
//!
//! A **call** is one typed method (or one login, refresh or logout): the
//! token it carries, renewed first when due; one **round** through the
//! generated client and the [pipeline](crate::pipeline), which may send
//! several **attempts** (HTTP requests, see [`crate::retry`]); the round
//! classified into the payload or an [`Error`]; and, after a 401 on an
//! ordinary operation, one renewal of the session and one more round.
//!
//! The engine is also what a [`Session`] is handed to renew its token
//! ([`Renewal`]): logins and refreshes are calls like any other, made for
//! the end user of the call that found the token due.

use std::future::Future;
use std::sync::Arc;

use finhub_api::hooks::{BoxFuture, Inner};
use finhub_api::{Operation, ResponseValue, Sensitive, types};
use secrecy::{ExposeSecret, SecretString};

use crate::builders::{AdminSessionBuilder, CustomerSessionBuilder};
use crate::classify::{ApiError, classify};
use crate::clock::Clock;
use crate::config::Config;
use crate::envelope::Envelope;
use crate::error::{Error, ErrorDetails, clip};
use crate::headers::EndUser;
use crate::operation::{Handling, SessionRole, TokenKind, handling};
use crate::pipeline::{CallContext, CallDecorator, Pipeline};
use crate::session::{Login, Owner, RefreshIds, Renewal, Session, Token};
use crate::validation::{Validate, ValidationContext, Violations, validate_path_parameters};

/// What every call of a client shares: configuration, the HTTP client, the
/// pipeline and the admin session.
pub(crate) struct Engine {
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    /// The admin session (without credentials when none are configured).
    pub(crate) admin: Arc<Session>,
    http: reqwest::Client,
    pipeline: Arc<Pipeline>,
    /// The generated client for direct calls ([`crate::FinhubClient::raw`]):
    /// the pipeline without a call context.
    raw: finhub_api::Client,
}

/// One typed call in progress.
pub(crate) struct Call<'s> {
    handling: Handling,
    /// The session to renew after a 401, if the call may renew one.
    session: Option<&'s Session>,
    end_user: Option<EndUser>,
    token: Option<Arc<Token>>,
}

/// The engine renewing a session for one call's end user.
struct Renewer<'a> {
    engine: &'a Engine,
    end_user: Option<&'a EndUser>,
}

impl Engine {
    /// The engine of a client with `config`, sending through `http` and
    /// `pipeline`.
    pub(crate) fn new(
        config: Config,
        clock: Arc<dyn Clock>,
        admin: Arc<Session>,
        http: reqwest::Client,
        pipeline: Arc<Pipeline>,
    ) -> Self {
        let raw = finhub_api::Client::new_with_client(
            &config.base_url,
            http.clone(),
            Inner::new(Arc::new(CallDecorator {
                pipeline: pipeline.clone(),
                context: None,
            })),
        );
        Engine {
            config,
            clock,
            admin,
            http,
            pipeline,
            raw,
        }
    }

    /// The generated client for direct calls.
    pub(crate) fn raw(&self) -> &finhub_api::Client {
        &self.raw
    }

    /// Refuses path parameters (`values`, in the order of the operation's
    /// path template) that are empty, `.` or `..`, which would send the
    /// call, and its token, to another endpoint.
    pub(crate) fn check_path(&self, operation: Operation, values: &[&str]) -> Result<(), Error> {
        let names = operation.path_parameters();
        debug_assert_eq!(names.len(), values.len(), "{operation}: path parameters");
        let parameters: Vec<(&str, &str)> =
            names.iter().copied().zip(values.iter().copied()).collect();
        validate_path_parameters(&parameters).map_err(invalid(operation))
    }

    /// FinHub's documented rules for `body`, checked before anything is
    /// sent, with the client's clock for "today".
    pub(crate) fn check_body<T: Validate>(
        &self,
        operation: Operation,
        body: &T,
    ) -> Result<(), Error> {
        let context = ValidationContext::on(self.clock.now().date_naive());
        body.validate_in(&context).map_err(invalid(operation))
    }

    /// The session a call of `operation` carries the token of, given the
    /// customer session of the handle (if any): the routed token kind.
    pub(crate) fn session_for<'s>(
        &'s self,
        operation: Operation,
        customer: Option<&'s Session>,
    ) -> Result<Option<&'s Session>, Error> {
        match self.config.routes.kind(operation) {
            TokenKind::None => Ok(None),
            TokenKind::Admin => self.admin_session(operation).map(Some),
            TokenKind::Customer => customer.map(Some).ok_or_else(|| {
                Error::Config(format!(
                    "{operation} is routed to the customer token: call it on a CustomerClient"
                ))
            }),
        }
    }

    /// The admin session, when admin credentials are configured.
    pub(crate) fn admin_session(&self, operation: Operation) -> Result<&Session, Error> {
        if self.admin.has_credentials() {
            Ok(&self.admin)
        } else {
            Err(Error::Config(format!(
                "{operation} uses the admin token: configure admin credentials (FinhubClientBuilder::admin)"
            )))
        }
    }

    /// A token of `session` that is not due for renewal, renewed first if
    /// needed, for `end_user`.
    pub(crate) async fn valid_token(
        &self,
        session: &Session,
        operation: Operation,
        end_user: Option<&EndUser>,
    ) -> Result<Arc<Token>, Error> {
        let renewer = Renewer {
            engine: self,
            end_user,
        };
        session.valid_token(&renewer, operation).await
    }

    /// Renews `session` now unless its token of generation `stale` was
    /// already replaced.
    pub(crate) async fn renew(
        &self,
        session: &Session,
        stale: u64,
        operation: Operation,
        end_user: Option<&EndUser>,
    ) -> Result<Arc<Token>, Error> {
        let renewer = Renewer {
            engine: self,
            end_user,
        };
        session.renew(&renewer, Some(stale), operation).await
    }

    /// Starts a call of `operation` with the token of `session` (renewed
    /// first if due), which it renews once after a 401.
    pub(crate) async fn start<'s>(
        &self,
        operation: Operation,
        session: Option<&'s Session>,
        end_user: Option<&EndUser>,
    ) -> Result<Call<'s>, Error> {
        let token = match session {
            Some(session) => Some(self.valid_token(session, operation, end_user).await?),
            None => None,
        };
        Ok(Call {
            handling: handling(operation),
            session,
            end_user: end_user.cloned(),
            token,
        })
    }

    /// Starts a call of `operation` with exactly `token` (or none), which
    /// is never renewed: logins, refreshes, logout.
    pub(crate) fn start_with(
        operation: Operation,
        token: Option<Arc<Token>>,
        end_user: Option<&EndUser>,
    ) -> Call<'static> {
        Call {
            handling: handling(operation),
            session: None,
            end_user: end_user.cloned(),
            token,
        }
    }

    /// Runs `call`: each round gets a generated client whose decorator is
    /// the pipeline with that round's context, and `send` makes the
    /// generated call on it.
    pub(crate) async fn run<E, F, Fut>(&self, mut call: Call<'_>, send: F) -> Result<E::Data, Error>
    where
        E: Envelope,
        F: Fn(finhub_api::Client) -> Fut,
        Fut: Future<Output = Result<ResponseValue<E>, ApiError>>,
    {
        loop {
            let context = Arc::new(CallContext::new(call.end_user.clone(), call.token.clone()));
            let result = send(self.client_for(context.clone())).await;
            let record = context.record();
            let outcome = classify(call.handling, result, &record, self.clock.now());
            match self.after_unauthorized(&mut call, outcome).await {
                Some(done) => return done,
                None => continue,
            }
        }
    }

    /// The generated client of one round.
    fn client_for(&self, context: Arc<CallContext>) -> finhub_api::Client {
        finhub_api::Client::new_with_client(
            &self.config.base_url,
            self.http.clone(),
            Inner::new(Arc::new(CallDecorator {
                pipeline: self.pipeline.clone(),
                context: Some(context),
            })),
        )
    }

    /// `Some(outcome)` to end the call, or `None` after a 401 on an
    /// ordinary operation that renewed the session: one more round, with
    /// the fresh token (the session is then dropped from the call, so a
    /// second 401 ends it).
    async fn after_unauthorized<T>(
        &self,
        call: &mut Call<'_>,
        outcome: Result<T, Error>,
    ) -> Option<Result<T, Error>> {
        let Err(Error::Unauthorized(details)) = outcome else {
            return Some(outcome);
        };
        let (Some(session), Some(rejected), SessionRole::Ordinary) =
            (call.session.take(), &call.token, call.handling.role)
        else {
            return Some(Err(Error::Unauthorized(details)));
        };
        let operation = call.handling.operation;
        let renewed = self
            .renew(
                session,
                rejected.generation,
                operation,
                call.end_user.as_ref(),
            )
            .await;
        match renewed {
            Ok(fresh) => {
                call.token = Some(fresh);
                None
            }
            // The login refusal itself: the session is latched and the
            // caller must replace the credentials.
            Err(e @ (Error::InvalidCredentials(_) | Error::InvalidTenantKeys(_))) => Some(Err(e)),
            Err(e) => Some(Err(Error::Unauthorized(ErrorDetails {
                message: Some(clip(&format!(
                    "the token was refused and renewing the session failed: {e}"
                ))),
                ..details
            }))),
        }
    }

    /// A login call of `owner` with `login` and the tenant's key and secret.
    async fn log_in(
        &self,
        owner: &Owner,
        login: &Login,
        end_user: Option<&EndUser>,
    ) -> Result<types::SessionResponse, Error> {
        let tenant = &self.config.tenant;
        match owner {
            Owner::Admin {
                organization_id,
                user_id,
            } => {
                let operation = Operation::CreateAdminSession;
                self.check_path(operation, &[organization_id.as_str(), user_id.as_str()])?;
                let body = AdminSessionBuilder::new(&login.username, login.password.clone())
                    .tenant_credentials(tenant.key.clone(), tenant.secret.clone())
                    .build()
                    .map_err(invalid(operation))?;
                let (organization_id, user_id, body) =
                    (organization_id.as_str(), user_id.as_str(), &body);
                self.run(
                    Engine::start_with(operation, None, end_user),
                    |raw| async move {
                        raw.create_admin_session(organization_id, user_id, body)
                            .await
                    },
                )
                .await
            }
            Owner::Customer {
                customer_id,
                user_id,
            } => {
                let operation = Operation::CreateCustomerSession;
                self.check_path(operation, &[customer_id.as_str(), user_id.as_str()])?;
                let body = CustomerSessionBuilder::new(&login.username, login.password.clone())
                    .tenant_credentials(tenant.key.clone(), tenant.secret.clone())
                    .build()
                    .map_err(invalid(operation))?;
                let (customer_id, user_id, body) = (customer_id.as_str(), user_id.as_str(), &body);
                self.run(
                    Engine::start_with(operation, None, end_user),
                    |raw| async move {
                        raw.create_customer_session(customer_id, user_id, body)
                            .await
                    },
                )
                .await
            }
        }
    }

    /// A refresh call of the customer session `ids`.
    async fn refresh(
        &self,
        ids: RefreshIds<'_>,
        token: &Arc<Token>,
        refresh: &SecretString,
        end_user: Option<&EndUser>,
    ) -> Result<types::SessionResponse, Error> {
        let operation = Operation::RefreshCustomerSession;
        self.check_path(operation, &[ids.customer_id, ids.user_id, ids.session_id])?;
        let body = types::RefreshSessionRequest {
            refresh_token: Sensitive::new(refresh.expose_secret()),
        };
        self.check_body(operation, &body)?;
        let body = &body;
        let call = Engine::start_with(operation, Some(token.clone()), end_user);
        self.run(call, |raw| async move {
            raw.refresh_customer_session(ids.customer_id, ids.user_id, ids.session_id, body)
                .await
        })
        .await
    }
}

impl Renewal for Renewer<'_> {
    fn log_in<'a>(
        &'a self,
        owner: &'a Owner,
        login: &'a Login,
    ) -> BoxFuture<'a, Result<types::SessionResponse, Error>> {
        Box::pin(self.engine.log_in(owner, login, self.end_user))
    }

    fn refresh<'a>(
        &'a self,
        ids: RefreshIds<'a>,
        token: &'a Arc<Token>,
        refresh: &'a SecretString,
    ) -> BoxFuture<'a, Result<types::SessionResponse, Error>> {
        Box::pin(self.engine.refresh(ids, token, refresh, self.end_user))
    }
}

/// The error of `violations` found before calling `operation`.
fn invalid(operation: Operation) -> impl Fn(Violations) -> Error {
    move |violations| Error::Validation {
        operation: Some(operation),
        violations,
    }
}
